// `/kb add <text or url>` as a job: the turn only queues it; the job adds the passages and tells
// the person in the thread when they are in, or why not.
import { createHash } from 'node:crypto';
import { chunkDocument } from '../src/knowledge/chunk.js';
import type { ThreadRef } from '../src/model.js';
import { replyFromJob, type FetchText, type JobDeps } from './job-deps.js';

export interface IngestRequest {
  thread: ThreadRef;
  author: string;
  /** The note's text, or one http(s) URL to fetch. */
  text: string;
}

const TITLE_CHARS = 60;
const FETCH_TIMEOUT_MS = 15_000;
const URL_ONLY = /^https?:\/\/\S+$/i;

export async function runIngest(deps: JobDeps, request: IngestRequest): Promise<void> {
  const { thread, author, text } = request;
  let source: { id: string; title: string; url?: string };
  let body: string;
  if (URL_ONLY.test(text)) {
    try {
      const page = await deps.fetchText(text);
      source = { id: text, title: page.title || text, url: text };
      body = page.text;
    } catch (error) {
      return replyFromJob(
        deps,
        thread,
        `Could not add ${text}: fetching it failed (${(error as Error).message}). Paste the text with /kb add <text> instead.`,
      );
    }
  } else {
    const firstLine = text.split('\n')[0]!.slice(0, TITLE_CHARS);
    source = {
      id: `note:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
      title: `Note from ${author}: ${firstLine}${firstLine.length < text.length ? '…' : ''}`,
    };
    body = text;
  }
  const chunks = chunkDocument(body);
  if (chunks.length === 0) return replyFromJob(deps, thread, `Nothing to add from ${source.url ?? 'that note'}: it has no text.`);
  try {
    await deps.knowledge.replaceSource(thread.workspaceId, source, chunks);
  } catch (error) {
    deps.log.error({ err: error }, 'knowledge ingestion failed');
    return replyFromJob(deps, thread, `Could not add "${source.title}" to workspace knowledge: ${(error as Error).message}. Try again later.`);
  }
  await replyFromJob(
    deps,
    thread,
    `Added to workspace knowledge as "${source.title}" (${chunks.length} passage${chunks.length === 1 ? '' : 's'}).`,
  );
}

/** Fetches a page over HTTP and keeps its text (tags, scripts and styles removed). */
export const fetchPageText: FetchText = async (url) => {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(cause?.code ?? cause?.message ?? (error as Error).message, { cause: error });
  }
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`.trim());
  const raw = await response.text();
  const type = response.headers.get('content-type') ?? '';
  if (!/html/i.test(type)) return { title: url, text: raw };
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(raw)?.[1]?.trim() ?? url;
  const text = raw
    .replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/h\d|\/li)[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/[ \t]+/g, ' ');
  return { title, text };
};
