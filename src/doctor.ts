// `crosstalk doctor`: checks the configuration and asks every configured service and platform
// whether it answers, one line per check saying what was found or what to fix. Platform token
// checks come from the composition root (src/app.ts), so nothing here knows a platform's API.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { platformTokenChecks } from './app.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { withTimeout } from './observability/with-timeout.js';
import { openPineconeIndex } from './stores/pinecone/connection.js';
import { connectRedis, redactedUrl } from './stores/redis/connection.js';

export interface ServiceCheck {
  name: string;
  /** Resolves with what was found; rejects with one line saying what to fix. */
  run(): Promise<string>;
}

export interface CheckOutcome {
  name: string;
  ok: boolean;
  detail: string;
}

/** One check may not take longer than this, so an unreachable host gives a line, not a hang. */
const CHECK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 4_000;

export function doctorChecks(config: Config): ServiceCheck[] {
  const { redis, mongodb, pinecone } = config.stores;
  const checks: ServiceCheck[] = [{ name: 'data folder', run: () => checkDataDir(config.dataDir) }];
  if (redis) checks.push({ name: 'redis', run: () => checkRedis(redis.url) });
  if (mongodb) checks.push({ name: 'mongodb', run: () => checkMongo(mongodb.url, mongodb.database) });
  if (pinecone) {
    checks.push({
      name: 'pinecone',
      run: async () => {
        await openPineconeIndex(pinecone);
        return `index ${pinecone.indexHost ?? pinecone.index} answers`;
      },
    });
  }
  checks.push({ name: 'language model', run: () => checkModel(config) });
  const platforms = platformTokenChecks(config);
  if (platforms.length === 0) {
    checks.push({ name: 'platforms', run: async () => 'none configured: `crosstalk run` opens the terminal chat (set SLACK_* or DISCORD_* to serve a platform)' });
  }
  checks.push(...platforms);
  if (config.ops.sentry) {
    const host = new URL(config.ops.sentry.dsn).host;
    checks.push({ name: 'sentry', run: async () => `failures are reported to ${host}` });
  }
  return checks;
}

/** Runs every check (concurrently) and writes one line each, in order, then a summary line. */
export async function runDoctor(checks: ServiceCheck[], write: (line: string) => void): Promise<CheckOutcome[]> {
  const width = Math.max(...checks.map((check) => check.name.length));
  const outcomes = await Promise.all(
    checks.map(async (check): Promise<CheckOutcome> => {
      try {
        return { name: check.name, ok: true, detail: await withTimeout(check.run(), CHECK_TIMEOUT_MS, 'no answer') };
      } catch (error) {
        return { name: check.name, ok: false, detail: firstLine(error) };
      }
    }),
  );
  for (const outcome of outcomes) write(`${outcome.ok ? 'ok  ' : 'FAIL'}  ${outcome.name.padEnd(width)}  ${outcome.detail}`);
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  write(failed === 0 ? `All ${outcomes.length} checks passed.` : `${failed} of ${outcomes.length} checks failed.`);
  return outcomes;
}

async function checkDataDir(dataDir: string): Promise<string> {
  const probe = path.join(dataDir, `.doctor-${process.pid}`);
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    throw new Error(`DATA_DIR ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): point DATA_DIR at a writable folder.`, { cause: error });
  }
  return `${dataDir} is writable`;
}

async function checkRedis(url: string): Promise<string> {
  const client = await connectRedis(url, createLogger('silent'), { connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    const started = performance.now();
    await client.ping();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/u.exec(info)?.[1] ?? 'unknown version';
    return `answers at ${redactedUrl(url)} (Redis ${version}, ping ${Math.round(performance.now() - started)} ms)`;
  } finally {
    client.destroy();
  }
}

async function checkMongo(url: string, database: string): Promise<string> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS, connectTimeoutMS: CONNECT_TIMEOUT_MS, appName: 'crosstalk-doctor' });
  try {
    await client.db(database).command({ ping: 1 });
    return `answers at ${redactedUrl(url)} (database ${database})`;
  } catch (error) {
    throw new Error(`MONGODB_URL is set but MongoDB did not answer at ${redactedUrl(url)} (${firstLine(error)}): start MongoDB or fix MONGODB_URL, or unset it for the embedded store.`, { cause: error });
  } finally {
    await client.close().catch(() => {});
  }
}

async function checkModel(config: Config): Promise<string> {
  const llm = config.llm;
  if (!llm) return 'offline mode (no OPENAI_API_KEY or OPENAI_BASE_URL): replies quote knowledge, no language model';
  const base = (llm.baseUrl ?? 'https://api.openai.com/v1').replace(/\/$/u, '');
  let response: Response;
  try {
    response = await fetch(`${base}/models`, {
      headers: llm.apiKey ? { authorization: `Bearer ${llm.apiKey}` } : {},
      signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? firstLine(error);
    throw new Error(`the model server did not answer at ${base} (${cause}): start it, or fix OPENAI_BASE_URL.`, { cause: error });
  }
  if (response.status === 401 || response.status === 403) {
    throw new Error(`the model server at ${base} refused the key (HTTP ${response.status}): check OPENAI_API_KEY.`);
  }
  if (!response.ok) throw new Error(`GET ${base}/models answered HTTP ${response.status}: check OPENAI_BASE_URL (it usually ends in /v1).`);
  const body = (await response.json().catch(() => ({}))) as { data?: { id?: string }[] };
  const ids = (body.data ?? []).map((model) => model.id).filter((id): id is string => typeof id === 'string');
  if (ids.length > 0 && !ids.includes(llm.model)) {
    const some = ids.slice(0, 5).join(', ');
    throw new Error(`LLM_MODEL=${llm.model} is not among the ${ids.length} models at ${base} (${some}${ids.length > 5 ? ', …' : ''}): set LLM_MODEL to one of them.`);
  }
  return `${base} answers and offers ${llm.model}`;
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0]!;
}
