// 1,000 Slack mentions, each delivered four times (the original and three retries, as Slack
// retries an event it thinks was not acked), to two `crosstalk run` processes sharing one Redis:
// every mention gets exactly one reply, in its own thread.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventEnvelope, newTs, postSigned, SIGNING_SECRET, waitFor, type Delivery } from '../e2e/slack-harness.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { reachRedis, type TestRedis } from '../redis/redis-server.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN } from './secrets.js';

const MENTIONS = 1_000;
const CHANNELS = 10;
const IN_FLIGHT = 32;
const REPLY_METHODS = ['chat.startStream', 'chat.postMessage'];

let redis: TestRedis;
let slack: FakeSlackApi;
let dir: string;
const processes: AppProcess[] = [];

beforeAll(async () => {
  redis = await reachRedis();
  slack = await startFakeSlackApi();
  slack.setUser('U0ASKER', 'asker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-retries-'));
  const env = {
    DATA_DIR: dir,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `crosstalk-faults:${randomUUID()}:`,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: FAULT_BOT_TOKEN,
    SLACK_API_URL: slack.url,
  };
  // One after the other: both open the same SQLite file, and a cold start is CPU-heavy here.
  for (const name of ['replica-a', 'replica-b']) processes.push(await startAppProcess({ name: `row1-${name}`, env }));
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((app) => app.kill('SIGTERM')));
  await slack?.close();
  await redis?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `work` over `items` with at most `limit` at once. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

it('answers 1,000 mentions delivered 4 times each across 2 processes with exactly 1,000 replies, one per thread', async () => {
  const mentions = Array.from({ length: MENTIONS }, (_, n) => ({ channel: `C0LOAD${n % CHANNELS}`, ts: newTs(), n }));
  const started = performance.now();
  const deliveries = (
    await inPool(mentions, IN_FLIGHT, async ({ channel, ts, n }) => {
      const body = eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> question ${n} about deploys`, ts, channel }, `EvLOAD${n}`);
      // The original and its three retries arrive together, split across the two processes.
      return Promise.all(
        [undefined, '1', '2', '3'].map((retry, attempt): Promise<Delivery> => {
          const headers: Record<string, string> = retry ? { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } : {};
          return postSigned(processes[(n + attempt) % 2]!.url, body, { headers });
        }),
      );
    })
  ).flat();
  const acked = performance.now();

  const threadsAnswered = () => new Set(slack.calls.filter((call) => call.status === 200 && REPLY_METHODS.includes(call.method)).map((call) => `${String(call.args.channel)}/${String(call.args.thread_ts)}`));
  const finished = () => mentions.every(({ channel, ts }) => slack.botReplies(channel, ts).some((reply) => !reply.streaming));
  await waitFor('every mention answered', () => threadsAnswered().size >= MENTIONS && finished(), 300_000);
  const answeredMs = performance.now() - started;
  // Quiet for a while: a late double reply would land now.
  let calls = slack.calls.length;
  await waitFor('no more Slack calls for 3 s', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const quiet = slack.calls.length === calls;
    calls = slack.calls.length;
    return quiet;
  }, 60_000);

  const replyCounts = mentions.map(({ channel, ts }) => slack.botReplies(channel, ts).length);
  const replyCalls = slack.calls.filter((call) => call.status === 200 && REPLY_METHODS.includes(call.method));
  const strayReplies = slack.calls.filter((call) => REPLY_METHODS.includes(call.method) && !mentions.some(({ ts }) => ts === call.args.thread_ts));
  const statuses = [...new Set(deliveries.map((delivery) => delivery.status))];
  const exactlyOne = replyCounts.filter((count) => count === 1).length;
  recordFault({
    guarantee: 'each Slack mention answered once, whatever the retries',
    tried: `${MENTIONS.toLocaleString('en')} mentions × 4 deliveries (3 with X-Slack-Retry-Num) over 2 processes sharing Redis`,
    happened: `${replyCalls.length.toLocaleString('en')} replies; ${exactlyOne.toLocaleString('en')} threads with exactly one; deliveries answered ${statuses.join('/')}`,
    figures: `acked ${deliveries.length.toLocaleString('en')} in ${((acked - started) / 1000).toFixed(1)} s; all answered in ${(answeredMs / 1000).toFixed(1)} s (${(MENTIONS / (answeredMs / 1000)).toFixed(0)} mentions/s)`,
    held: replyCalls.length === MENTIONS && exactlyOne === MENTIONS && statuses.length === 1 && statuses[0] === 200 && strayReplies.length === 0,
  });
  expect(statuses).toEqual([200]);
  expect(strayReplies).toEqual([]);
  expect(replyCounts.filter((count) => count !== 1)).toEqual([]);
  expect(replyCalls).toHaveLength(MENTIONS);
}, 420_000);
