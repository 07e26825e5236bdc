// Runs last (see sequencer.ts): every log line the fault suite's apps wrote, plus a run made to
// log as much as it can around credentials (debug level; a password-protected Redis that goes
// away; a model that answers 401; Slack refusing the token and rate limiting; forged requests),
// scanned for the bot token, the signing secret, the OpenAI key and the Redis password.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventEnvelope, newTs, postSigned, signature, waitFor } from '../e2e/slack-harness.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { freePort, redisAnswers, waitUntil } from '../redis/redis-server.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN, FAULT_OPENAI_KEY, FAULT_REDIS_PASSWORD, FAULT_SIGNING_SECRET } from './secrets.js';
import { findSecrets, suiteLogFiles } from './suite-logs.js';

const SECRETS = { 'bot token': FAULT_BOT_TOKEN, 'signing secret': FAULT_SIGNING_SECRET, 'OpenAI key': FAULT_OPENAI_KEY, 'Redis password': FAULT_REDIS_PASSWORD };
const CHANNEL = 'C0SECRETS';

let slack: FakeSlackApi;
let openai: FakeOpenAI;
let redis: ChildProcess | undefined;
let app: AppProcess | undefined;
let dir: string;

async function startRedisWithPassword(port: number): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', FAULT_REDIS_PASSWORD], { stdio: 'ignore' });
  await waitUntil(() => redisAnswers(`redis://:${FAULT_REDIS_PASSWORD}@127.0.0.1:${port}`), `redis-server with a password did not start on ${port}`);
  return server;
}

async function stopRedis(): Promise<void> {
  const server = redis;
  redis = undefined;
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  slack = await startFakeSlackApi();
  slack.setUser('U0ASKER', 'asker');
  openai = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-secrets-'));
});

afterAll(async () => {
  await app?.kill('SIGKILL');
  await stopRedis();
  await openai?.close();
  await slack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it("finds none of the suite's credentials in any log line it wrote", async () => {
  const port = await freePort();
  redis = await startRedisWithPassword(port);
  app = await startAppProcess({
    name: 'row8-secrets',
    env: {
      LOG_LEVEL: 'debug',
      DATA_DIR: dir,
      REDIS_URL: `redis://:${FAULT_REDIS_PASSWORD}@127.0.0.1:${port}`,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: FAULT_OPENAI_KEY,
      LLM_MODEL: 'test-model',
      SLACK_SIGNING_SECRET: FAULT_SIGNING_SECRET,
      SLACK_BOT_TOKEN: FAULT_BOT_TOKEN,
      SLACK_API_URL: slack.url,
    },
  });
  const mention = (text: string) => {
    const ts = newTs();
    return { ts, body: eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> ${text}`, ts, channel: CHANNEL }) };
  };
  const answered = (ts: string) => waitFor(`a reply in ${ts}`, () => slack.botReplies(CHANNEL, ts).some((reply) => !reply.streaming), 60_000);

  // The model refuses the key; the turn apologises.
  openai.failNext(401, 1);
  const first = mention('the model will refuse this');
  await postSigned(app.url, first.body);
  await answered(first.ts);
  // Slack refuses the token for the reply, then rate limits it.
  slack.failNext('chat.startStream', 'invalid_auth');
  slack.failNext('chat.postMessage', 'invalid_auth');
  slack.rateLimitNext('reactions.add', 2, 1);
  const second = mention('slack will refuse the token');
  await postSigned(app.url, second.body);
  await waitFor('the refused reply attempt', () => slack.calls.some((call) => call.method.startsWith('chat.') && call.args.thread_ts === second.ts), 60_000);
  // Forged and stale requests.
  const now = Math.floor(Date.now() / 1000);
  await postSigned(app.url, first.body, { signature: signature(first.body, now, 'wrong-secret'), timestamp: now });
  await postSigned(app.url, first.body, { timestamp: now - 3_600 });
  // Redis goes away with a turn to run, then comes back.
  await stopRedis();
  const third = mention('while Redis is away');
  await postSigned(app.url, third.body);
  await answered(third.ts);
  redis = await startRedisWithPassword(port);
  const fourth = mention('after Redis is back');
  await waitUntil(async () => {
    await postSigned(app!.url, fourth.body);
    return slack.botReplies(CHANNEL, fourth.ts).some((reply) => !reply.streaming);
  }, 'no answer after Redis came back', 60_000).catch(() => undefined);
  await app.kill('SIGTERM');

  const files = suiteLogFiles();
  const lines = files.reduce((sum, file) => sum + fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 0);
  const ownLines = app.logLines();
  const errorLines = ownLines.filter((line) => Number(line.level) >= 50).length;
  const found = findSecrets(files, Object.values(SECRETS));
  const named = found.map((sighting) => `${Object.entries(SECRETS).find(([, value]) => value === sighting.secret)![0]} in ${sighting.file}: ${sighting.line}`);
  recordFault({
    guarantee: 'no credential in any log line',
    tried: `${files.length} log files of the suite's apps (${lines.toLocaleString('en')} lines; one run at debug with a 401 model, invalid_auth and 429 from Slack, forged requests, a password Redis going away) scanned for ${Object.keys(SECRETS).join(', ')}`,
    happened: `${found.length} found`,
    figures: `${errorLines} error lines in the debug run`,
    held: found.length === 0 && errorLines > 0 && files.length > 0,
  });
  expect(named).toEqual([]);
  // The run did log failures around the credentials, so the scan had something to find.
  expect(errorLines).toBeGreaterThan(0);
  expect(ownLines.length).toBeGreaterThan(10);
}, 240_000);
