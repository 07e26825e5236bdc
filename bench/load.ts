// Load: `crosstalk run` as 1 and as 2 processes sharing Redis (offline model, Redis stores,
// SQLite transcripts), fed signed Slack mentions as fast as they are taken (each its own thread).
// Figures: sustained mentions answered per second, time from delivery to the first reply chunk
// (chat.startStream at the fake Slack), and the resident memory of one process once 10,000
// threads have been touched. The 1-process run is the baseline of the 2-process one.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventEnvelope, postSigned, SIGNING_SECRET } from '../test/e2e/slack-harness.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../test/fakes/slack-api.js';
import { startAppProcess, type AppProcess } from '../test/faults/app-process.js';
import { removeSuiteLogs } from '../test/faults/suite-logs.js';
import { reachRedis } from '../test/redis/redis-server.js';
import { fixed, isMain, ms, printReport, QUICK, times, type Report } from './report.js';

const MENTIONS = QUICK ? 300 : 2_000;
const THREADS_FOR_RSS = QUICK ? 1_000 : 10_000;
const IN_FLIGHT = 48;
const RSS_GOAL_MB = 250;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1] ?? Number.NaN) / 1024;
}

let sequence = 0;

interface Run {
  perSecond: number;
  firstChunk: number[];
}

/** Sends `count` mentions round-robin to `apps`, and waits until every one has its whole reply. */
async function drive(apps: AppProcess[], slack: FakeSlackApi, count: number): Promise<Run> {
  const channel = `C0LOAD${randomUUID().slice(0, 6)}`;
  const sentAt = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const n = next++;
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++sequence).padStart(6, '0')}`;
        sentAt.set(ts, Date.now());
        const body = eventEnvelope({ type: 'app_mention', user: 'U0LOAD', text: `<@${FAKE_BOT_USER}> question ${n} about deploys`, ts, channel });
        await postSigned(apps[n % apps.length]!.url, body).catch(() => undefined);
      }
    }),
  );
  const threads = [...sentAt.keys()];
  // One pass over the channel per poll: asking per thread would be quadratic at 10,000 threads.
  const done = () => {
    const finished = new Set(slack.messages(channel).filter((message) => message.thread_ts && !message.streaming).map((message) => message.thread_ts));
    return threads.every((ts) => finished.has(ts));
  };
  const deadline = Date.now() + 30 * 60_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
  const seconds = (Date.now() - started) / 1000;
  const firstCall = new Map<string, number>();
  for (const call of slack.calls) {
    if (call.status !== 200 || call.args.channel !== channel || (call.method !== 'chat.startStream' && call.method !== 'chat.postMessage')) continue;
    const ts = String(call.args.thread_ts);
    if (!firstCall.has(ts)) firstCall.set(ts, call.at);
  }
  return { perSecond: count / seconds, firstChunk: threads.map((ts) => (firstCall.get(ts) ?? Number.NaN) - sentAt.get(ts)!) };
}

async function startApps(count: number, slack: FakeSlackApi, redisUrl: string, dir: string): Promise<AppProcess[]> {
  const env = {
    DATA_DIR: dir,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `crosstalk-bench:${randomUUID()}:`,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench-load',
    SLACK_API_URL: slack.url,
  };
  const apps: AppProcess[] = [];
  for (let n = 0; n < count; n++) apps.push(await startAppProcess({ name: `bench-load-${count}-${n}`, env }));
  return apps;
}

export async function benchLoad(): Promise<Report> {
  const redis = await reachRedis();
  const slack = await startFakeSlackApi();
  slack.setUser('U0LOAD', 'load');
  const dirs: string[] = [];
  const fresh = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-load-'));
    dirs.push(dir);
    return dir;
  };
  try {
    const [single] = await startApps(1, slack, redis.url, fresh());
    const rssAtStart = rssMb(single!.pid);
    const one = await drive([single!], slack, MENTIONS);
    // Keep touching new threads on the same process, then read its memory.
    await drive([single!], slack, THREADS_FOR_RSS - MENTIONS);
    const rss = rssMb(single!.pid);
    await single!.kill('SIGTERM');

    const pair = await startApps(2, slack, redis.url, fresh());
    const two = await drive(pair, slack, MENTIONS);
    await Promise.all(pair.map((app) => app.kill('SIGTERM')));

    const p = (run: Run, q: number) => percentile(run.firstChunk.filter(Number.isFinite), q);
    return {
      title: `Load: mentions into 1 and 2 \`crosstalk run\` processes on Redis, offline model (${MENTIONS.toLocaleString('en')} mentions each, ${IN_FLIGHT} in flight)`,
      rows: [
        { measure: 'mentions answered per second, 2 processes', figure: fixed(two.perSecond), baseline: `${fixed(one.perSecond)} (1 process)`, ratio: times(two.perSecond / one.perSecond) },
        { measure: 'first reply chunk p50, 2 processes', figure: ms(p(two, 50)), baseline: ms(p(one, 50)), ratio: times(p(two, 50) / p(one, 50)) },
        { measure: 'first reply chunk p99, 2 processes', figure: ms(p(two, 99)), baseline: ms(p(one, 99)), ratio: times(p(two, 99) / p(one, 99)) },
        {
          measure: `RSS of 1 process after ${THREADS_FOR_RSS.toLocaleString('en')} threads`,
          figure: `${fixed(rss, 0)} MB`,
          baseline: `${fixed(rssAtStart, 0)} MB at start`,
          ratio: times(rss / rssAtStart),
          goal: `< ${RSS_GOAL_MB} MB${QUICK ? ' (at 10,000)' : ''}`,
          ...(QUICK ? {} : { met: rss < RSS_GOAL_MB }),
        },
      ],
      notes: [
        `${os.cpus().length} CPU cores: two processes share them with the load generator, the fake Slack and Redis, so the ratio is this machine's, not a scaling law.`,
        'RSS includes tsx compiling TypeScript in the process (`node --import tsx src/cli.ts run`); the built image runs plain JavaScript.',
        'First reply chunk: from the delivery being sent to the first chat.startStream reaching the fake Slack; mentions queue behind MAX_CONCURRENT_TURNS and the CPU.',
        ...(QUICK ? [`quick mode: ${THREADS_FOR_RSS.toLocaleString('en')} threads, not 10,000, so the memory goal is not judged`] : []),
      ],
    };
  } finally {
    await slack.close();
    await redis.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    removeSuiteLogs();
  }
}

if (isMain(import.meta.url)) printReport(await benchLoad());
