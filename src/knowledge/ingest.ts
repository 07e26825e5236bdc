// Reads Markdown and text files from disk into a workspace's knowledge, one source per file.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { KnowledgeStore } from '../stores/ports.js';
import { chunkDocument, documentTitle } from './chunk.js';

export const INGESTED_EXTENSIONS = ['.md', '.markdown', '.mdx', '.txt', '.rst'] as const;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
// Bigger than any hand-written document; a file this size is a log or a dump, not knowledge.
const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface IngestOptions {
  workspaceId: string;
  /** Called after each file, ingested or skipped; `file` is its source id. */
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface IngestResult {
  /** Files whose chunks are now in the store (an empty file counts, with no chunks). */
  files: number;
  chunks: number;
  /** `"<source id>: <reason>"` for each file left out. */
  skipped: string[];
}

interface Candidate {
  /** The source id: the path relative to the folder given, with `/` separators. */
  id: string;
  file: string;
}

/**
 * Ingests one file, or every document file under a folder, into `options.workspaceId`.
 * Re-ingesting a file replaces its earlier chunks. Files that cannot be read as UTF-8 text are
 * reported in `skipped`; they never stop the run.
 */
export async function ingestPath(
  knowledge: KnowledgeStore,
  target: string,
  options: IngestOptions,
): Promise<IngestResult> {
  const skipped: string[] = [];
  const candidates = await listCandidates(target, skipped);
  const result: IngestResult = { files: 0, chunks: 0, skipped };

  for (const [index, candidate] of candidates.entries()) {
    const text = await readText(candidate.file);
    if (typeof text === 'string') {
      const chunks = chunkDocument(text);
      const source = { id: candidate.id, title: documentTitle(text, candidate.id) };
      await knowledge.replaceSource(options.workspaceId, source, chunks);
      result.files++;
      result.chunks += chunks.length;
    } else {
      skipped.push(`${candidate.id}: ${text.skipped}`);
    }
    options.onProgress?.(index + 1, candidates.length, candidate.id);
  }
  return result;
}

async function listCandidates(target: string, skipped: string[]): Promise<Candidate[]> {
  let stats;
  try {
    stats = await fs.stat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
      throw new Error(
        `${path.resolve(target)} does not exist: pass a Markdown or text file, or a folder of them (${INGESTED_EXTENSIONS.join(', ')}).`,
        { cause: error },
      );
    }
    throw new Error(`${path.resolve(target)} could not be read (${describe(error)}): check its permissions.`, {
      cause: error,
    });
  }
  // A file named explicitly is taken whatever its extension; the text check still applies.
  if (stats.isFile()) return [{ id: path.basename(target), file: target }];
  if (!stats.isDirectory()) {
    throw new Error(
      `${path.resolve(target)} is neither a file nor a folder: pass a Markdown or text file, or a folder of them.`,
    );
  }
  const candidates: Candidate[] = [];
  await walk(target, '', candidates, skipped);
  // One global order, so a folder's files do not jump ahead of a sibling file that sorts first.
  return candidates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function walk(folder: string, prefix: string, candidates: Candidate[], skipped: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    skipped.push(`${prefix || '.'}/: folder not readable (${describe(error)})`);
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    const id = prefix ? `${prefix}/${entry.name}` : entry.name;
    const file = path.join(folder, entry.name);
    // Symlinked folders are not followed, so a link cycle cannot loop the walk.
    if (entry.isDirectory()) await walk(file, id, candidates, skipped);
    else if ((entry.isFile() || entry.isSymbolicLink()) && isDocument(entry.name)) candidates.push({ id, file });
  }
}

function isDocument(name: string): boolean {
  return (INGESTED_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

async function readText(file: string): Promise<string | { skipped: string }> {
  let bytes: Buffer;
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) return { skipped: 'not a regular file' };
    if (stats.size > MAX_FILE_BYTES) {
      return { skipped: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB (${stats.size} bytes); split it or leave it out` };
    }
    bytes = await fs.readFile(file);
  } catch (error) {
    return { skipped: `not readable (${describe(error)})` };
  }
  if (bytes.includes(0)) return { skipped: 'binary file (contains NUL bytes), not text' };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { skipped: 'not UTF-8 text; convert it to UTF-8 to ingest it' };
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function describe(error: unknown): string {
  return errorCode(error) ?? (error as Error).message;
}
