// What a job may use while it runs.
import type { Logger } from '../src/logger.js';
import type { ChatSurface, Platform, ThreadRef } from '../src/model.js';
import type { KnowledgeStore, TranscriptStore } from '../src/stores/ports.js';
import type { Digest } from '../graphs/digest/graph.js';
import type { DigestMessage } from '../graphs/digest/notes.js';
import type { DigestLedger } from './digest-ledger.js';

/**
 * How long a job's lock lasts before Agenda takes its scheduler for dead and lets another run it.
 * Digests may wait on a slow model, hence minutes.
 */
export const JOB_LOCK_MS = 10 * 60 * 1000;

/** The digest graph with its model: what a digest job runs. */
export interface DigestRunner {
  offline: boolean;
  digest(messages: DigestMessage[]): Promise<Digest>;
}

/** Reads a URL's text for `/kb add <url>`; throws with the reason when it cannot. */
export type FetchText = (url: string) => Promise<{ title: string; text: string }>;

export interface JobDeps {
  ledger: DigestLedger;
  transcripts: TranscriptStore;
  knowledge: KnowledgeStore;
  digest: DigestRunner;
  surfaceFor: (platform: Platform) => ChatSurface | undefined;
  log: Logger;
  botName: string;
  fetchText: FetchText;
}

export function surfaceOf(deps: JobDeps, platform: Platform): ChatSurface {
  const surface = deps.surfaceFor(platform);
  // Thrown, so Agenda records the failure; another process running that platform may retry.
  if (!surface) throw new Error(`No ${platform} adapter runs in this process, so its job cannot post`);
  return surface;
}

/** Replies in a thread from a job and records the reply, as the bot does for its own. */
export async function replyFromJob(deps: JobDeps, thread: ThreadRef, text: string): Promise<void> {
  const posted = await surfaceOf(deps, thread.platform).reply(thread, text);
  await deps.transcripts
    .append({
      id: posted.id,
      thread,
      author: { id: deps.botName, name: deps.botName, isBot: true },
      text,
      kind: 'reply',
      direction: 'outbound',
      at: new Date(),
    })
    .catch((error: unknown) => deps.log.error({ err: error }, 'could not record a job reply'));
}
