// One scheduler process for the digest kill test (digest-scheduler-kills.test.ts): the real
// Scheduler on the embedded SQLite Agenda backend and digest ledger (one file shared by both
// processes), posting to the test's channel over HTTP. (The Redis backend stamps locks with the
// Redis server's clock, so its lock expiry cannot follow a test clock.) The test owns the clock (sent over IPC) and decides where this process dies: at a
// stage of a digest it kills itself with SIGKILL, or the test SIGKILLs it from outside.
import { SqliteDigestLedger, type DigestLedger } from '../../jobs/digest-ledger.js';
import { fetchPageText } from '../../jobs/ingest-job.js';
import type { DigestSchedule } from '../../jobs/schedule.js';
import { JOB, Scheduler } from '../../jobs/scheduler.js';
import { SqliteBackend } from '../../jobs/sqlite-backend.js';
import { createDigestRunner } from '../../jobs/start.js';
import type { ChannelRef, ChatMessage, ChatSurface, OwnPost, PostedMessage } from '../../src/model.js';
import { openDatabase } from '../../src/stores/sqlite/database.js';
import { SqliteKnowledgeStore } from '../../src/stores/sqlite/knowledge.js';
import { SqliteTranscriptStore } from '../../src/stores/sqlite/transcripts.js';
import { suiteLogger } from './suite-logs.js';

/** Where a digest dies: before it claims its period, after claiming, or after its post landed. */
export type KillStage = 'before-claim' | 'after-claim' | 'after-post';

export type ToScheduler =
  | { type: 'clock'; at: number }
  | { type: 'plan'; stage: KillStage | undefined }
  | { type: 'subscribe'; channel: ChannelRef; schedule: DigestSchedule }
  | { type: 'state'; period: string };

export type FromScheduler =
  | { type: 'ready' }
  | { type: 'clock-set'; at: number }
  | { type: 'digest-start' }
  | { type: 'subscribed' }
  /** The period's digest run: whether it exists, is locked by a worker, and has finished. */
  | { type: 'state'; queued: boolean; locked: boolean; finished: boolean };

// The test's clock: every `new Date()` and `Date.now()` here (Agenda's included) reads it.
const RealDate = Date;
let clock = Number(process.env.CLOCK_AT);
class TestClockDate extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(clock);
    else super(...(args as ConstructorParameters<DateConstructor>));
  }
  static override now(): number {
    return clock;
  }
}
globalThis.Date = TestClockDate as DateConstructor;

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the kill test passes it to every scheduler process`);
  return value;
};
const channelUrl = required('CHANNEL_URL');
const name = required('SCHEDULER_NAME');

const send = (message: FromScheduler) => process.send!(message);
let plan: KillStage | undefined;
const dieAt = (stage: KillStage) => {
  if (plan === stage) process.kill(process.pid, 'SIGKILL');
};

/** The channel lives in the test process: posts and history over HTTP, like a platform's API. */
class HttpChannel implements ChatSurface {
  readonly platform = 'slack' as const;
  async postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage> {
    const { id } = (await this.call('/post', { text })) as { id: string };
    dieAt('after-post');
    return { thread: { ...channel, threadId: id }, id };
  }
  async readHistory(_channel: ChannelRef, since: Date): Promise<ChatMessage[]> {
    const messages = (await this.call('/history', { since: since.getTime() })) as (Omit<ChatMessage, 'receivedAt'> & { receivedAt: number })[];
    return messages.map((message) => ({ ...message, receivedAt: new Date(message.receivedAt) }));
  }
  async readOwnPosts(_channel: ChannelRef, since: Date): Promise<OwnPost[]> {
    return (await this.call('/own-posts', { since: since.getTime() })) as OwnPost[];
  }
  async reply(): Promise<PostedMessage> {
    throw new Error('digests post to the channel; nothing replies in threads here');
  }
  async edit(): Promise<void> {}
  async showThinking(): Promise<() => Promise<void>> {
    return async () => {};
  }
  private async call(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${channelUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the channel answered ${response.status} to ${path}`);
    return response.json();
  }
}

const { logger } = suiteLogger(`digest-${name}`);
const db = openDatabase(required('DATA_DIR'));
const real = new SqliteDigestLedger(db);
const ledger: DigestLedger = {
  watermark: (channel) => real.watermark(channel),
  claim: async (channel, period, leaseMs) => {
    send({ type: 'digest-start' });
    dieAt('before-claim');
    const claim = await real.claim(channel, period, leaseMs);
    if (claim) dieAt('after-claim');
    return claim;
  },
  posting: (channel, period, token, leaseMs) => real.posting(channel, period, token, leaseMs),
  complete: (channel, period, watermark) => real.complete(channel, period, watermark),
  release: (channel, period, token) => real.release(channel, period, token),
  last: (channel) => real.last(channel),
};
const surface = new HttpChannel();
const scheduler = new Scheduler({
  backend: new SqliteBackend(db),
  ledger,
  transcripts: new SqliteTranscriptStore(db),
  knowledge: new SqliteKnowledgeStore(db),
  digest: createDigestRunner({ llm: undefined }),
  surfaceFor: (platform) => (platform === 'slack' ? surface : undefined),
  logger,
  botName: 'crosstalk',
  retentionDays: 90,
  fetchText: fetchPageText,
  name,
  processEveryMs: 50,
});

process.on('message', (message: ToScheduler) => {
  void (async () => {
    if (message.type === 'clock') {
      clock = message.at;
      send({ type: 'clock-set', at: clock });
    } else if (message.type === 'plan') {
      plan = message.stage;
    } else if (message.type === 'subscribe') {
      await scheduler.subscribe(message.channel, message.schedule);
      send({ type: 'subscribed' });
    } else {
      const { jobs } = await scheduler.agenda.queryJobs({ name: JOB.digestRun, data: { period: message.period } });
      const job = jobs[0];
      send({ type: 'state', queued: Boolean(job), locked: Boolean(job?.lockedAt), finished: Boolean(job?.lastFinishedAt) });
    }
  })();
});
// The test ends this process; if the test itself dies, do not linger.
process.on('disconnect', () => process.exit(0));

await scheduler.start();
send({ type: 'ready' });
