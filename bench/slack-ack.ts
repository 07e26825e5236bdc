// Slack ack latency under load: signed app_mention events POSTed at a steady rate into
// `crosstalk run` (real Bolt HTTP receiver, bot pipeline, SQLite stores) while the model takes
// 2 s a turn, against a bare Bolt app that only acks, in the same run. Both run as their own
// process, as in production; the load generator, the fake Slack and the fake OpenAI share this
// one. Each mention is its own thread, so turns pile up: the question is whether acks stay fast.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventEnvelope, postSigned, SIGNING_SECRET, type Delivery } from '../test/e2e/slack-harness.js';
import { echoLastUserMessage, startFakeOpenAI } from '../test/fakes/openai-server.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../test/fakes/slack-api.js';
import { startAppProcess } from '../test/faults/app-process.js';
import { removeSuiteLogs } from '../test/faults/suite-logs.js';
import { fixed, isMain, ms, printReport, QUICK, times, type Report } from './report.js';

const RATE_PER_S = QUICK ? 50 : 200;
const DURATION_S = QUICK ? 3 : 30;
const MODEL_MS = 2_000;
const ACK_DEADLINE_MS = 3_000;
const GOAL_RATIO = 1.2;
const CHANNEL = 'C0BENCH';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Sends RATE_PER_S signed mentions a second for DURATION_S to `url`; resolves with every delivery. */
async function drive(url: string): Promise<Delivery[]> {
  const total = RATE_PER_S * DURATION_S;
  const started = performance.now();
  const pending: Promise<Delivery>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE_PER_S;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const ts = `${Math.floor(Date.now() / 1000)}.${String(i).padStart(6, '0')}`;
    const event = { type: 'app_mention', user: 'U0BENCH', text: `<@${FAKE_BOT_USER}> question ${i}`, ts, channel: CHANNEL };
    // A connection reset is a failed delivery (Slack would retry it), counted, not a crash.
    pending.push(postSigned(url, eventEnvelope(event)).catch(() => ({ status: 0, ms: performance.now() - due, body: '' })));
  }
  return Promise.all(pending);
}

/** Resolves once every mention in `channel` has its whole reply at the fake Slack. */
async function answered(slack: FakeSlackApi, channel: string, count: number): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  const done = () => new Set(slack.messages(channel).filter((message) => message.thread_ts && !message.streaming).map((message) => message.thread_ts)).size >= count;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
}

interface Figures {
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

function figuresOf(deliveries: Delivery[]): Figures {
  const times = deliveries.map((delivery) => delivery.ms);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), failed: deliveries.filter((delivery) => delivery.status !== 200).length };
}

export async function benchSlackAck(): Promise<Report> {
  const slack = await startFakeSlackApi();
  const openai = await startFakeOpenAI({ chunkSize: 256 });
  openai.respond(async (body) => {
    await new Promise((resolve) => setTimeout(resolve, MODEL_MS));
    return echoLastUserMessage(body);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-ack-'));
  const env = { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url };
  try {
    const bare = await startAppProcess({ name: 'bench-ack-bare', command: ['bench/bare-slack-app.ts'], env });
    const bareFigures = figuresOf(await drive(bare.url));
    await bare.kill('SIGTERM');

    const crosstalkEnv = { ...env, DATA_DIR: dir, SLACK_BOT_TOKEN: 'xoxb-bench-ack', OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'sk-bench', LLM_MODEL: 'bench-model' };
    const app = await startAppProcess({ name: 'bench-ack-crosstalk', env: crosstalkEnv });
    const loadStarted = performance.now();
    const crosstalk = figuresOf(await drive(app.url));
    const ackedMs = performance.now() - loadStarted;
    await answered(slack, CHANNEL, RATE_PER_S * DURATION_S);
    const answeredMs = performance.now() - loadStarted;
    const replies = slack.calls.filter((call) => call.method === 'chat.startStream' && call.status === 200).length;
    await app.kill('SIGTERM');

    const ratio = crosstalk.p99 / bareFigures.p99;
    const events = RATE_PER_S * DURATION_S;
    return {
      title: `Slack ack latency: ${RATE_PER_S} events/s for ${DURATION_S} s, model ${MODEL_MS / 1000} s a turn${QUICK ? ' (quick mode)' : ''}`,
      rows: [
        { measure: 'ack p50', figure: ms(crosstalk.p50), baseline: ms(bareFigures.p50), ratio: times(crosstalk.p50 / bareFigures.p50) },
        { measure: 'ack p99', figure: ms(crosstalk.p99), baseline: ms(bareFigures.p99), ratio: times(ratio), goal: `≤ ${GOAL_RATIO}× bare`, met: ratio <= GOAL_RATIO },
        { measure: 'slowest ack', figure: ms(crosstalk.max), baseline: ms(bareFigures.max), goal: `< ${ACK_DEADLINE_MS} ms`, met: crosstalk.max < ACK_DEADLINE_MS },
        { measure: 'non-200 acks', figure: String(crosstalk.failed), baseline: String(bareFigures.failed), goal: '0', met: crosstalk.failed === 0 },
        { measure: 'replies posted', figure: `${replies} of ${events}` },
      ],
      notes: [
        'baseline: a bare Bolt app in its own process (same HTTPReceiver, same HTTP server class, no listener work), driven the same way first',
        `the load generator, fake Slack and fake OpenAI share the benchmark's process, so on ${os.cpus().length} cores they compete with the app for CPU; all ${events} events acked in ${fixed(ackedMs / 1000)} s, all answered after ${fixed(answeredMs / 1000)} s`,
        'each mention is its own thread: dedupe claim, transcript write and inbox push happen after the ack, turns run in the background',
      ],
    };
  } finally {
    await openai.close();
    await slack.close();
    fs.rmSync(dir, { recursive: true, force: true });
    removeSuiteLogs();
  }
}

if (isMain(import.meta.url)) printReport(await benchSlackAck());
