// A 60 s load of mixed Slack traffic (new mentions, follow-ups in the bot's threads, direct
// messages, channel chatter) into `crosstalk run` on Redis, while Redis is killed and started
// again twice (empty each time: it keeps nothing on disk). Every inbound message must be in the
// transcripts (SQLite), every question answered or apologised for, and the bot must answer
// normally again once Redis is back, with nobody restarting it.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import { eventEnvelope, newTs, postSigned, SIGNING_SECRET, waitFor } from '../e2e/slack-harness.js';
import { FAKE_BOT_USER, FAKE_TEAM, startFakeSlackApi, type FakeSlackApi, type RecordedCall } from '../fakes/slack-api.js';
import { startRedisServer, type OwnRedis } from '../redis/redis-server.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN } from './secrets.js';

const LOAD_S = 60;
const EVENTS_PER_S = 4;
/** Seconds into the load when Redis is killed, and when it is started again. */
const OUTAGES: Array<[number, number]> = [
  [15, 20],
  [35, 40],
];
/** Questions sent this long after Redis is back must get real answers, not apologies. */
const SETTLE_S = 8;
const CHANNEL = 'C0BUSY';
const REPLY_METHODS = ['chat.startStream', 'chat.postMessage'];
const APOLOGY = 'Sorry, I could not answer that';

type Kind = 'mention' | 'follow-up' | 'dm' | 'chatter';
interface Sent {
  kind: Kind;
  channel: string;
  ts: string;
  thread: string;
  /** Seconds into the load. */
  at: number;
  status: number;
}

let redis: OwnRedis;
let slack: FakeSlackApi;
let app: AppProcess;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  slack = await startFakeSlackApi();
  slack.setUser('U0ASKER', 'asker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-redis-restart-'));
  app = await startAppProcess({
    name: 'row3-redis-restarts',
    env: {
      DATA_DIR: dir,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `crosstalk-faults:${randomUUID()}:`,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: FAULT_BOT_TOKEN,
      SLACK_API_URL: slack.url,
    },
  });
}, 120_000);

afterAll(async () => {
  await app?.kill('SIGKILL');
  await slack?.close();
  await redis?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const replyCallsIn = (channel: string, thread: string): RecordedCall[] =>
  slack.calls.filter((call) => call.status === 200 && REPLY_METHODS.includes(call.method) && call.args.channel === channel && call.args.thread_ts === thread);

it('keeps every message and answers or apologises for every question while Redis restarts twice, then recovers', async () => {
  const sent: Sent[] = [];
  const questions = (list: Sent[]) => list.filter((message) => message.kind !== 'chatter');
  /** A bot thread may take a follow-up once everything asked in it so far has a reply. */
  const idleBotThread = () => {
    const threads = [...new Set(questions(sent).filter((message) => message.kind === 'mention').map((message) => message.thread))];
    return threads.reverse().find((thread) => replyCallsIn(CHANNEL, thread).length >= questions(sent).filter((message) => message.thread === thread).length);
  };
  const started = performance.now();
  const now = () => (performance.now() - started) / 1000;
  const outages = OUTAGES.map(async ([down, up]) => {
    await new Promise((resolve) => setTimeout(resolve, down * 1000));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, (up - down) * 1000));
    await redis.start();
  });
  const deliveries: Promise<void>[] = [];
  for (let n = 0; n < LOAD_S * EVENTS_PER_S; n++) {
    const wait = (n / EVENTS_PER_S) * 1000 - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const ts = newTs();
    const followUpIn = n % 5 === 1 ? idleBotThread() : undefined;
    const kind: Kind = followUpIn ? 'follow-up' : (['mention', 'mention', 'dm', 'chatter', 'mention'] as const)[n % 5]!;
    const base = { type: 'message', channel_type: 'channel', user: 'U0ASKER', ts, channel: CHANNEL };
    const event =
      kind === 'mention'
        ? { type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> question ${n} about the deploy`, ts, channel: CHANNEL }
        : kind === 'follow-up'
          ? { ...base, text: `and what about step ${n}?`, thread_ts: followUpIn, parent_user_id: 'U0ASKER' }
          : kind === 'dm'
            ? { ...base, channel_type: 'im', channel: 'D0ASKER', text: `direct question ${n}` }
            : { ...base, text: `lunch plans ${n}` };
    const message: Sent = { kind, channel: event.channel, ts, thread: followUpIn ?? ts, at: now(), status: 0 };
    sent.push(message);
    // A refused connection (the process is gone) stays status 0.
    deliveries.push(postSigned(app.url, eventEnvelope(event)).then((delivery) => void (message.status = delivery.status), () => {}));
  }
  await Promise.all([...deliveries, ...outages]);

  const unanswered = () => questions(sent).filter((message) => replyCallsIn(message.channel, message.thread).filter((call) => call.at >= started + message.at * 1000 - 1_000).length === 0);
  await waitFor('every question answered or apologised for', () => unanswered().length === 0, 90_000).catch(() => undefined);
  let calls = slack.calls.length;
  await waitFor('no more Slack calls for 3 s', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const quiet = slack.calls.length === calls;
    calls = slack.calls.length;
    return quiet;
  }, 60_000);
  const alive = app.logLines().length > 0 && (await fetch(`${app.url}/healthz`).then((response) => response.status).catch(() => 0));
  await app.kill('SIGTERM');

  const stores = openEmbeddedStores(dir);
  const recorded = new Set<string>();
  for (const channel of [CHANNEL, 'D0ASKER']) {
    for (const entry of await stores.transcripts.channelSince({ platform: 'slack', workspaceId: FAKE_TEAM, channelId: channel }, new Date(0), 100_000)) {
      if (entry.direction === 'inbound') recorded.add(`${channel}/${entry.id}`);
    }
  }
  await stores.close();

  const missing = sent.filter((message) => !recorded.has(`${message.channel}/${message.ts}`));
  const stillUnanswered = unanswered();
  const replyTexts = slack.messages(CHANNEL).concat(slack.messages('D0ASKER')).filter((message) => message.user === FAKE_BOT_USER && message.thread_ts);
  const apologies = replyTexts.filter((message) => message.text.startsWith(APOLOGY)).length;
  const lastUp = OUTAGES.at(-1)![1];
  const afterRecovery = questions(sent).filter((message) => message.at >= lastUp + SETTLE_S);
  const recovered = afterRecovery.filter((message) => slack.botReplies(message.channel, message.thread).some((reply) => !reply.text.startsWith(APOLOGY)));
  const badDeliveries = sent.filter((message) => message.status !== 200);
  recordFault({
    guarantee: 'Redis restarts lose no message and leave no question unanswered',
    tried: `${sent.length} mixed events in ${LOAD_S} s (mentions, follow-ups, DMs, chatter); Redis killed at ${OUTAGES.map(([down, up]) => `${down}–${up} s`).join(' and ')}, restarted empty`,
    happened: `${missing.length} of ${sent.length} missing from transcripts (SQLite); ${stillUnanswered.length} of ${questions(sent).length} questions without a reply; ${afterRecovery.length - recovered.length} of ${afterRecovery.length} asked after recovery not answered; process ${alive === 200 ? 'still serving' : 'NOT serving'}`,
    figures: `${apologies} apologies, ${replyTexts.length - apologies} answers; ${badDeliveries.length} deliveries not acked 200`,
    held: missing.length === 0 && stillUnanswered.length === 0 && recovered.length === afterRecovery.length && afterRecovery.length > 0 && alive === 200,
  });
  expect(alive, `the process stopped serving; its last log lines:\n${app.logLines().slice(-8).map((line) => JSON.stringify(line)).join('\n')}`).toBe(200);
  expect(badDeliveries.map((message) => message.status)).toEqual([]);
  expect(missing.map((message) => `${message.kind} ${message.ts} at ${message.at.toFixed(1)} s`)).toEqual([]);
  expect(stillUnanswered.map((message) => `${message.kind} ${message.ts} at ${message.at.toFixed(1)} s`)).toEqual([]);
  expect(afterRecovery.length).toBeGreaterThan(10);
  expect(afterRecovery.filter((message) => !recovered.includes(message)).map((message) => `${message.kind} ${message.ts}`)).toEqual([]);
}, 300_000);
