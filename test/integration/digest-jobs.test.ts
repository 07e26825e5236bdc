// Scheduled digests end to end on real stores: two schedulers on one backend (SQLite file, then
// Redis) over 20 simulated days post exactly 20 digests; a digest that dies after posting is not
// posted again; a 2,000-message digest through the local OpenAI-compatible server stays within
// its call budget and every bullet links to a real message; retention removes old transcripts.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RedisBackend } from '@agendajs/redis-backend';
import type { AgendaBackend } from 'agenda';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisDigestLedger, SqliteDigestLedger, type DigestLedger } from '../../jobs/digest-ledger.js';
import { fetchPageText } from '../../jobs/ingest-job.js';
import { parseSchedule, periodKey, zonedTime, type DigestSchedule } from '../../jobs/schedule.js';
import { JOB, Scheduler, type DigestJobData, type SchedulerDeps } from '../../jobs/scheduler.js';
import { SqliteBackend } from '../../jobs/sqlite-backend.js';
import { createDigestRunner } from '../../jobs/start.js';
import { SOURCE_PATTERN } from '../../graphs/digest/render.js';
import { createLogger } from '../../src/logger.js';
import { channelKey, type ChannelRef, type ChatMessage } from '../../src/model.js';
import { connectRedis, type RedisClient } from '../../src/stores/redis/connection.js';
import { openDatabase, type SqliteDatabase } from '../../src/stores/sqlite/database.js';
import { SqliteKnowledgeStore } from '../../src/stores/sqlite/knowledge.js';
import { SqliteTranscriptStore } from '../../src/stores/sqlite/transcripts.js';
import { busyChannel, channelMessage, notesFromPrompt } from '../fakes/digest-model.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { RecordingSurface } from '../fakes/recording-surface.js';
import { reachRedis, waitUntil as waitFor } from '../redis/redis-server.js';

const CHANNEL: ChannelRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1' };
const logger = createLogger('silent');
const BERLIN_9AM = schedule('daily 09:00 Europe/Berlin');

let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-digest-'));
});
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let redisUrl = '';
let stopRedis = async () => {};
beforeAll(async () => {
  ({ url: redisUrl, stop: stopRedis } = await reachRedis());
}, 30_000);
afterAll(() => stopRedis());

interface Process {
  scheduler: Scheduler;
  ledger: DigestLedger;
}

/** One "process": its own connection(s) to the shared store, its own scheduler. */
interface LaunchOptions {
  ledger?: (real: DigestLedger) => DigestLedger;
  onJobRun?: SchedulerDeps['onJobRun'];
}

type Launch = (surface: RecordingSurface, options?: LaunchOptions) => Promise<Process>;

function sqliteLaunch(): Launch {
  const dataDir = fs.mkdtempSync(path.join(dir, 'sqlite-'));
  return async (surface, options = {}) => {
    const db = openDatabase(dataDir);
    cleanups.push(() => void db.close());
    return launch(db, new SqliteBackend(db), new SqliteDigestLedger(db), surface, options);
  };
}

function redisLaunch(): Launch {
  const dataDir = fs.mkdtempSync(path.join(dir, 'redis-'));
  const prefix = `crosstalk-test:${randomUUID()}:`;
  cleanups.push(async () => {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return async (surface, options = {}) => {
    const db = openDatabase(dataDir);
    const client: RedisClient = await connectRedis(redisUrl, logger);
    cleanups.push(() => void db.close(), () => client.close());
    const backend = new RedisBackend({ connectionString: redisUrl, keyPrefix: `${prefix}agenda:` });
    return launch(db, backend, new RedisDigestLedger(client, `${prefix}digest:`), surface, options);
  };
}

async function launch(
  db: SqliteDatabase,
  backend: AgendaBackend,
  realLedger: DigestLedger,
  surface: RecordingSurface,
  options: LaunchOptions,
): Promise<Process> {
  const ledger = options.ledger ? options.ledger(realLedger) : realLedger;
  const scheduler = new Scheduler({
    backend,
    ledger,
    transcripts: new SqliteTranscriptStore(db),
    knowledge: new SqliteKnowledgeStore(db),
    digest: createDigestRunner({ llm: undefined }),
    surfaceFor: (platform) => (platform === surface.platform ? surface : undefined),
    logger,
    botName: 'crosstalk',
    retentionDays: 90,
    fetchText: fetchPageText,
    name: `scheduler-${randomUUID().slice(0, 8)}`,
    processEveryMs: 50,
    drainTimeoutMs: 5_000,
    onJobRun: options.onJobRun,
  });
  cleanups.push(() => scheduler.stop());
  return { scheduler, ledger };
}

describe.each([
  ['SQLite', sqliteLaunch],
  ['Redis', redisLaunch],
])('digests on %s', (_name, makeLaunch) => {
  it('two schedulers on one backend post exactly one digest per day for 20 days, across a DST change', async () => {
    // Only Date is faked: the schedulers' polling and the stores' I/O run on real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-20T12:00:00Z'));
    const start = makeLaunch();
    const surface = new RecordingSurface();
    const [one, two] = [await start(surface), await start(surface)];
    await one.scheduler.subscribe(CHANNEL, BERLIN_9AM);
    await one.scheduler.start();
    await two.scheduler.start();

    const days = Array.from({ length: 20 }, (_, day) => zonedTime(2025, 3, 21 + day, 9, 0, 'Europe/Berlin'));
    for (const [day, nineAm] of days.entries()) {
      surface.history.push(chat(`day-${day}`, `On day ${day} we decided to ship build ${day}.`, new Date(nineAm.getTime() - 3_600_000)));
      vi.setSystemTime(new Date(nineAm.getTime() + 1_000));
      await surface.waitForChannelPosts(day + 1, 20_000);
      // The repeat is rescheduled for the next morning before the clock moves on.
      await waitFor(async () => ((await one.scheduler.subscription(CHANNEL))?.nextRunAt?.getTime() ?? 0) > nineAm.getTime(), `day ${day} was not rescheduled`);
    }
    await waitFor(async () => (await one.scheduler.agenda.queryJobs({ state: 'running' })).total === 0, 'a digest was still running');

    expect(surface.channelPosts).toHaveLength(20);
    for (const [day, post] of surface.channelPosts.entries()) {
      expect(post.channel).toEqual(CHANNEL);
      // Each digest covers its own day: that day's message, not the day before's.
      expect(post.text).toContain(`[source: day-${day}]`);
      expect(post.text).not.toContain(`[source: day-${day - 1}]`);
    }
    // 09:00 Berlin is 08:00 UTC before 30 March and 07:00 UTC after.
    expect(days[0]!.toISOString()).toBe('2025-03-21T08:00:00.000Z');
    expect(days[19]!.toISOString()).toBe('2025-04-09T07:00:00.000Z');
  }, 120_000);

  it('a digest that dies after posting, before its bookkeeping, is not posted again', async () => {
    const start = makeLaunch();
    const surface = new RecordingSurface();
    surface.history.push(chat('m1', 'We agreed to move standup to 10:00.', new Date('2025-06-02T06:00:00Z')));
    const dying = await start(surface, {
      ledger: (real) => ({
        ...bound(real),
        complete: async () => {
          throw new Error('the process was killed');
        },
      }),
    });
    const retry = await start(surface);
    const data = jobData(BERLIN_9AM);
    // Yesterday's digest went out normally.
    await retry.ledger.complete(channelKey(CHANNEL), 'day:2025-06-01', new Date('2025-06-01T07:00:05Z'));
    const nineAm = new Date('2025-06-02T07:00:10Z');

    await expect(dying.scheduler.channelDigest(data, nineAm)).rejects.toThrow('the process was killed');
    expect(surface.channelPosts).toHaveLength(1);

    // Agenda retries it (here: the other scheduler, a minute later): the claim is already taken.
    expect(await retry.scheduler.channelDigest(data, new Date(nineAm.getTime() + 60_000))).toBe('already-posted');
    expect(surface.channelPosts).toHaveLength(1);

    // Nothing is lost: the watermark never moved, so the next day's digest covers the message too.
    surface.history.push(chat('m2', 'Can you @bo book the room please', new Date('2025-06-02T15:00:00Z')));
    expect(await retry.scheduler.channelDigest(data, new Date('2025-06-03T07:00:10Z'))).toBe('posted');
    expect(surface.channelPosts).toHaveLength(2);
    expect(surface.channelPosts[1]!.text).toContain('[source: m1]');
    expect(surface.channelPosts[1]!.text).toContain('bo: Can you @bo book the room please [source: m2]');
  });

  it('a digest that dies after claiming, before posting, is posted by the scheduler that inherits the job', async () => {
    // Leases run on the app clock: fake Date so ten minutes can pass.
    vi.useFakeTimers({ toFake: ['Date'] });
    const nineAm = new Date('2025-06-02T07:00:10Z');
    vi.setSystemTime(nineAm);
    const start = makeLaunch();
    const surface = new RecordingSurface();
    surface.history.push(chat('m1', 'We agreed to move standup to 10:00.', new Date('2025-06-02T06:00:00Z')));
    const dying = await start(surface, {
      ledger: (real) => ({
        ...bound(real),
        posting: async () => {
          throw new Error('the process was killed');
        },
      }),
    });
    const heir = await start(surface);
    const data = jobData(BERLIN_9AM);

    await expect(dying.scheduler.channelDigest(data, nineAm)).rejects.toThrow('the process was killed');
    expect(surface.channelPosts).toHaveLength(0);
    // Within the lease the claim still stands: no second scheduler posts beside a live one.
    vi.setSystemTime(new Date(nineAm.getTime() + 60_000));
    expect(await heir.scheduler.channelDigest(data, new Date())).toBe('already-posted');
    // Agenda hands the job over once its ten-minute lock expires; the claim expired before it.
    vi.setSystemTime(new Date(nineAm.getTime() + 10 * 60_000));
    expect(await heir.scheduler.channelDigest(data, new Date())).toBe('posted');
    expect(surface.channelPosts).toHaveLength(1);
    expect(surface.channelPosts[0]!.text).toContain('[source: m1]');
  });

  it('a digest that dies after its post landed is found in the channel and not posted again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const nineAm = new Date('2025-06-02T07:00:10Z');
    vi.setSystemTime(nineAm);
    const start = makeLaunch();
    const surface = new RecordingSurface();
    surface.history.push(chat('m1', 'We agreed to move standup to 10:00.', new Date('2025-06-02T06:00:00Z')));
    const dying = await start(surface, {
      ledger: (real) => ({
        ...bound(real),
        complete: async () => {
          throw new Error('the process was killed');
        },
      }),
    });
    const heir = await start(surface);
    const data = jobData(BERLIN_9AM);

    await expect(dying.scheduler.channelDigest(data, nineAm)).rejects.toThrow('the process was killed');
    vi.setSystemTime(new Date(nineAm.getTime() + 10 * 60_000));
    expect(await heir.scheduler.channelDigest(data, new Date())).toBe('already-posted');
    expect(surface.channelPosts).toHaveLength(1);

    // The heir recorded the found post, so the next day's digest starts after it.
    surface.history.push(chat('m2', 'Can you @bo book the room please', new Date('2025-06-02T15:00:00Z')));
    vi.setSystemTime(new Date('2025-06-03T07:00:10Z'));
    expect(await heir.scheduler.channelDigest(data, new Date())).toBe('posted');
    expect(surface.channelPosts).toHaveLength(2);
    expect(surface.channelPosts[1]!.text).toContain('[source: m2]');
    expect(surface.channelPosts[1]!.text).not.toContain('[source: m1]');
  });

  it('counts each job run once, by outcome, in the process that ran it, and removes finished runs after a week', async () => {
    const start = makeLaunch();
    const surface = new RecordingSurface();
    const runs: string[] = [];
    // Both processes' ledgers are down for yesterday's period only: that run fails, today's succeeds.
    const options = (name: string): LaunchOptions => ({
      ledger: (real) => ({
        ...bound(real),
        claim: async (channel, period, leaseMs) => {
          if (period !== periodKey(BERLIN_9AM, today)) throw new Error('the ledger is down');
          return real.claim(channel, period, leaseMs);
        },
      }),
      onJobRun: (job, outcome) => runs.push(`${job} ${outcome} in ${name}`),
    });
    const today = new Date();
    const [one, two] = [await start(surface, options('one')), await start(surface, options('two'))];
    await one.scheduler.start();
    await two.scheduler.start();

    await one.scheduler.queueDigestRun(jobData(BERLIN_9AM), new Date(today.getTime() - 86_400_000));
    await one.scheduler.queueDigestRun(jobData(BERLIN_9AM), today);
    await waitFor(() => runs.length >= 2, `2 job runs counted, have ${runs.length}`);
    // Time for the other process to hear of the runs (Redis notifications) and, wrongly, count them again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runs.map((run) => run.replace(/ in \w+$/u, '')).sort()).toEqual([`${JOB.digestRun} failure`, `${JOB.digestRun} success`]);

    expect(await one.scheduler.removeFinishedJobs(new Date(Date.now() + 6 * 86_400_000))).toBe(0);
    expect(await one.scheduler.removeFinishedJobs(new Date(Date.now() + 8 * 86_400_000))).toBe(2);
    expect((await one.scheduler.agenda.queryJobs({ name: JOB.digestRun })).jobs).toEqual([]);
  });

  it('posts nothing for a quiet period', async () => {
    const surface = new RecordingSurface();
    const { scheduler } = await makeLaunch()(surface);
    surface.history.push(chat('old', 'Last week we talked.', new Date('2025-05-01T10:00:00Z')));

    expect(await scheduler.channelDigest(jobData(BERLIN_9AM), new Date('2025-06-02T07:00:10Z'))).toBe('quiet');
    expect(surface.channelPosts).toHaveLength(0);
  });
});

describe('a large digest through the local OpenAI-compatible server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ handler: notesFromPrompt });
  });
  afterAll(() => fake.close());

  it('digests 2,000 messages in at most 11 model calls, every bullet citing real messages', async () => {
    const runner = createDigestRunner({ llm: { apiKey: 'test', baseUrl: fake.url, model: 'test-model', timeoutMs: 60_000 } });
    const surface = new RecordingSurface();
    const messages = busyChannel(CHANNEL, 2_000, new Date('2025-06-01T07:00:00Z'));
    surface.history.push(...messages);
    const dataDir = fs.mkdtempSync(path.join(dir, 'llm-'));
    const db = openDatabase(dataDir);
    cleanups.push(() => void db.close());
    const scheduler = new Scheduler({
      backend: new SqliteBackend(db),
      ledger: new SqliteDigestLedger(db),
      transcripts: new SqliteTranscriptStore(db),
      knowledge: new SqliteKnowledgeStore(db),
      digest: runner,
      surfaceFor: () => surface,
      logger,
      botName: 'crosstalk',
      retentionDays: 90,
      fetchText: fetchPageText,
    });
    const before = fake.requests.length;

    expect(await scheduler.channelDigest(jobData(BERLIN_9AM), new Date('2025-06-02T07:00:10Z'))).toBe('posted');

    const calls = fake.requests.length - before;
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThanOrEqual(11);
    const [post] = surface.channelPosts;
    const bullets = post!.text.split('\n').filter((line) => line.startsWith('• '));
    expect(bullets.length).toBeGreaterThanOrEqual(4);
    const ids = new Set(messages.map((message) => message.id));
    for (const bullet of bullets) {
      const sources = SOURCE_PATTERN.exec(bullet)?.[1]?.split(', ') ?? [];
      expect(sources.length, bullet).toBeGreaterThan(0);
      for (const source of sources) expect(ids.has(source), `${bullet} cites ${source}`).toBe(true);
    }
    // The model's note citing a message that does not exist was dropped.
    expect(post!.text).not.toContain('invented');
    expect(post!.text).toContain('*Decisions*');
    expect(post!.text).toContain('*Action items*');
  });
});

describe('transcript retention', () => {
  it('removes transcripts older than the retention period and keeps the rest', async () => {
    const surface = new RecordingSurface();
    const db = openDatabase(fs.mkdtempSync(path.join(dir, 'retention-')));
    cleanups.push(() => void db.close());
    const transcripts = new SqliteTranscriptStore(db);
    const scheduler = new Scheduler({
      backend: new SqliteBackend(db),
      ledger: new SqliteDigestLedger(db),
      transcripts,
      knowledge: new SqliteKnowledgeStore(db),
      digest: createDigestRunner({ llm: undefined }),
      surfaceFor: () => surface,
      logger,
      botName: 'crosstalk',
      retentionDays: 90,
      fetchText: fetchPageText,
    });
    const now = new Date('2025-06-01T00:00:00Z');
    const thread = { ...CHANNEL, threadId: 't1' };
    for (const [id, daysAgo] of [['ancient', 200], ['old', 91], ['recent', 89], ['today', 0]] as const) {
      await transcripts.append({
        id,
        thread,
        author: { id: 'u', name: 'ana', isBot: false },
        text: id,
        kind: 'ambient',
        direction: 'inbound',
        at: new Date(now.getTime() - daysAgo * 86_400_000),
      });
    }

    expect(await scheduler.retention(now)).toBe(2);
    expect((await transcripts.channelSince(CHANNEL, new Date(0))).map((entry) => entry.id)).toEqual(['recent', 'today']);
  });
});

function schedule(args: string): DigestSchedule {
  const parsed = parseSchedule(args);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.schedule;
}

/** The ledger's methods bound to it, to override one of them. */
function bound(real: DigestLedger): DigestLedger {
  return {
    watermark: (channel) => real.watermark(channel),
    claim: (channel, period, leaseMs) => real.claim(channel, period, leaseMs),
    posting: (channel, period, token, leaseMs) => real.posting(channel, period, token, leaseMs),
    complete: (channel, period, watermark) => real.complete(channel, period, watermark),
    release: (channel, period, token) => real.release(channel, period, token),
    last: (channel) => real.last(channel),
  };
}

function jobData(digestSchedule: DigestSchedule): DigestJobData {
  return { channel: channelKey(CHANNEL), ref: CHANNEL, schedule: digestSchedule };
}

function chat(id: string, text: string, at: Date): ChatMessage {
  return channelMessage(CHANNEL, id, text, at, 'ana');
}
