// A Slack 429 storm: for 4 s half of every chat.* call is refused with Retry-After: 1 while 60
// mentions are answered (native streaming: startStream, appendStream, stopStream). Every reply
// must land exactly once, whole, and each refused call be tried again only after its wait.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventEnvelope, newTs, postSigned, startSlackHarness, waitFor, type SlackHarness } from '../e2e/slack-harness.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN } from './secrets.js';
import { suiteLogger } from './suite-logs.js';

const MENTIONS = 60;
const STORM = { methods: /^chat\./u, share: 0.5, forMs: 4_000, retryAfterS: 1 };
const CHANNEL = 'C0STORM';

let slack: FakeSlackApi;
let harness: SlackHarness;
let dir: string;

beforeAll(async () => {
  slack = await startFakeSlackApi();
  slack.setUser('U0ASKER', 'asker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-storm-'));
  harness = await startSlackHarness({
    slack,
    openaiUrl: 'http://127.0.0.1:9/v1',
    env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '', DATA_DIR: dir, SLACK_BOT_TOKEN: FAULT_BOT_TOKEN },
    logger: suiteLogger('row9-slack-storm').logger,
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await slack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('delivers every reply exactly once, after the waits, through a 429 storm on chat.*', async () => {
  // The answer an unlimited Slack shows, to compare the storm's replies with.
  const calmTs = newTs();
  await postSigned(harness.url, eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> how do deploys work?`, ts: calmTs, channel: 'C0CALM' }));
  const calm = await waitFor('the calm reply', () => slack.botReplies('C0CALM', calmTs).find((reply) => !reply.streaming), 30_000);

  const callsBefore = slack.calls.length;
  slack.rateLimitStorm(STORM);
  const started = Date.now();
  const threads = Array.from({ length: MENTIONS }, () => newTs());
  const deliveries = await Promise.all(
    threads.map((ts) => postSigned(harness.url, eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> how do deploys work?`, ts, channel: CHANNEL }))),
  );
  await waitFor('every reply finished', () => threads.every((ts) => slack.botReplies(CHANNEL, ts).some((reply) => !reply.streaming)), 120_000).catch(() => undefined);
  await harness.app.bot.idle();
  const allDoneS = (Date.now() - started) / 1000;

  const calls = slack.calls.slice(callsBefore);
  const limited = calls.filter((call) => call.status === 429);
  // Each refused call, and the first later attempt of the same method for the same message.
  const sameCall = (a: (typeof calls)[number], b: (typeof calls)[number]) =>
    a.method === b.method && a.args.channel === b.args.channel && a.args.thread_ts === b.args.thread_ts && a.args.ts === b.args.ts;
  const waits = limited.map((refused) => {
    const retry = calls.find((call) => call.at >= refused.at && call !== refused && sameCall(call, refused) && calls.indexOf(call) > calls.indexOf(refused));
    return retry ? retry.at - refused.at : Number.POSITIVE_INFINITY;
  });
  const replyCounts = threads.map((ts) => slack.botReplies(CHANNEL, ts).length);
  const whole = threads.filter((ts) => slack.botReplies(CHANNEL, ts).every((reply) => !reply.streaming && reply.text === calm.text)).length;
  const exactlyOnce = replyCounts.filter((count) => count === 1).length;
  const shortestWait = Math.min(...waits);
  recordFault({
    guarantee: 'a Slack 429 storm delays replies, never loses or doubles them',
    tried: `${MENTIONS} mentions while ${STORM.share * 100}% of chat.* calls got 429 (Retry-After: ${STORM.retryAfterS}) for ${STORM.forMs / 1000} s`,
    happened: `${limited.length} calls refused; ${exactlyOnce} of ${MENTIONS} threads with exactly one reply, ${whole} whole`,
    figures: `shortest wait before a retry ${Number.isFinite(shortestWait) ? `${shortestWait} ms` : 'none (a refused call never retried)'}; all answered in ${allDoneS.toFixed(1)} s`,
    held: limited.length > 0 && exactlyOnce === MENTIONS && whole === MENTIONS && shortestWait >= 900,
  });
  expect(deliveries.every((delivery) => delivery.status === 200)).toBe(true);
  expect(limited.length).toBeGreaterThan(MENTIONS / 2);
  expect(replyCounts.filter((count) => count !== 1)).toEqual([]);
  expect(whole).toBe(MENTIONS);
  expect(shortestWait).toBeGreaterThanOrEqual(900);
}, 180_000);
