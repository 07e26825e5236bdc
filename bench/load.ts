// Load: `crosstalk run` as 1 and as 2 processes sharing Redis (offline model, Redis stores,
// SQLite transcripts), fed signed Slack mentions as fast as they are taken (each its own thread).
// Figures: sustained mentions answered per second, time from delivery to the first reply chunk
// (chat.startStream at the fake Slack), and the resident memory of one process once 10,000
// threads have been touched. The 1-process run is the baseline of the 2-process one. The
// processes run the production build as the image does; memory is also read under tsx.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { buildProductionImage, type ProductionImage } from '../test/e2e/production-image.js';
import { eventEnvelope, postSigned, SIGNING_SECRET } from '../test/e2e/slack-harness.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../test/fakes/slack-api.js';
import { startAppProcess, type AppProcess } from '../test/faults/app-process.js';
import { removeSuiteLogs } from '../test/faults/suite-logs.js';
import { reachRedis } from '../test/redis/redis-server.js';
import { fixed, isMain, ms, printReport, QUICK, times, type Report, type ReportRow } from './report.js';

const MENTIONS = QUICK ? 300 : 2_000;
const THREADS_FOR_RSS = QUICK ? 1_000 : 10_000;
const IN_FLIGHT = 48;
const RSS_GOAL_MB = 250;
/**
 * Node sizes its heap from the container's memory limit; in the 512 MiB pod of
 * deploy/kubernetes/slack.yaml it picks about this. This machine has no such limit.
 */
const POD_HEAP_MB = 256;

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

/** How processes start: the production image, or the sources under tsx (no image). */
interface Runtime {
  image?: ProductionImage;
  env?: Record<string, string>;
}

interface Rss {
  atStart: number;
  after: number;
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

async function startApps(count: number, slack: FakeSlackApi, redisUrl: string, dir: string, runtime: Runtime): Promise<AppProcess[]> {
  const env = {
    DATA_DIR: dir,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `crosstalk-bench:${randomUUID()}:`,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench-load',
    SLACK_API_URL: slack.url,
    ...runtime.env,
  };
  const apps: AppProcess[] = [];
  for (let n = 0; n < count; n++) apps.push(await startAppProcess({ name: `bench-load-${count}-${n}`, env, image: runtime.image }));
  return apps;
}

/** Memory of one fresh process before and after it has touched THREADS_FOR_RSS new threads. */
async function rssAfterThreads(runtime: Runtime, slack: FakeSlackApi, redisUrl: string, dir: string): Promise<Rss> {
  const [app] = await startApps(1, slack, redisUrl, dir, runtime);
  const atStart = rssMb(app!.pid);
  await drive([app!], slack, THREADS_FOR_RSS);
  const after = rssMb(app!.pid);
  await app!.kill('SIGTERM');
  return { atStart, after };
}

function rssRow(runtime: string, rss: Rss, goal: boolean): ReportRow {
  return {
    measure: `RSS of 1 process after ${THREADS_FOR_RSS.toLocaleString('en')} threads, ${runtime}`,
    figure: `${fixed(rss.after, 0)} MB`,
    baseline: `${fixed(rss.atStart, 0)} MB at start`,
    ratio: times(rss.after / rss.atStart),
    ...(goal ? { goal: `< ${RSS_GOAL_MB} MB${QUICK ? ' (at 10,000)' : ''}`, ...(QUICK ? {} : { met: rss.after < RSS_GOAL_MB }) } : {}),
  };
}

export async function benchLoad(): Promise<Report> {
  const image = await buildProductionImage();
  try {
    return await measure(image);
  } finally {
    await image.remove();
  }
}

async function measure(image: ProductionImage): Promise<Report> {
  const redis = await reachRedis();
  const production: Runtime = { image, env: { NODE_OPTIONS: `--max-old-space-size=${POD_HEAP_MB}` } };
  const slack = await startFakeSlackApi();
  slack.setUser('U0LOAD', 'load');
  const dirs: string[] = [];
  const fresh = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-load-'));
    dirs.push(dir);
    return dir;
  };
  try {
    const [single] = await startApps(1, slack, redis.url, fresh(), production);
    const rssAtStart = rssMb(single!.pid);
    const one = await drive([single!], slack, MENTIONS);
    // Keep touching new threads on the same process, then read its memory.
    await drive([single!], slack, THREADS_FOR_RSS - MENTIONS);
    const rss: Rss = { atStart: rssAtStart, after: rssMb(single!.pid) };
    await single!.kill('SIGTERM');

    const pair = await startApps(2, slack, redis.url, fresh(), production);
    const two = await drive(pair, slack, MENTIONS);
    await Promise.all(pair.map((app) => app.kill('SIGTERM')));

    // The same, with the heap Node picks on this host (no container limit), built and under tsx.
    const hostHeapMb = v8.getHeapStatistics().heap_size_limit / 1024 / 1024;
    const builtOnHost = await rssAfterThreads({ image }, slack, redis.url, fresh());
    const tsxOnHost = await rssAfterThreads({}, slack, redis.url, fresh());

    const p = (run: Run, q: number) => percentile(run.firstChunk.filter(Number.isFinite), q);
    return {
      title: `Load: mentions into 1 and 2 \`crosstalk run\` processes (production build) on Redis, offline model (${MENTIONS.toLocaleString('en')} mentions each, ${IN_FLIGHT} in flight)`,
      rows: [
        { measure: 'mentions answered per second, 2 processes', figure: fixed(two.perSecond), baseline: `${fixed(one.perSecond)} (1 process)`, ratio: times(two.perSecond / one.perSecond) },
        { measure: 'first reply chunk p50, 2 processes', figure: ms(p(two, 50)), baseline: ms(p(one, 50)), ratio: times(p(two, 50) / p(one, 50)) },
        { measure: 'first reply chunk p99, 2 processes', figure: ms(p(two, 99)), baseline: ms(p(one, 99)), ratio: times(p(two, 99) / p(one, 99)) },
        rssRow(`production build, ${POD_HEAP_MB} MB heap limit (as in a 512 MiB pod)`, rss, true),
        rssRow(`production build, heap sized from this host (${Math.round(hostHeapMb).toLocaleString('en')} MB limit)`, builtOnHost, false),
        rssRow('tsx (`npm start`), heap sized from this host', tsxOnHost, false),
      ],
      notes: [
        `${os.cpus().length} CPU cores: two processes share them with the load generator, the fake Slack and Redis, so the ratio is this machine's, not a scaling law.`,
        `Production build: the Dockerfile's CMD on the output of \`npm run build\`, with NODE_OPTIONS=--max-old-space-size=${POD_HEAP_MB}, the heap Node gives itself under a 512 MiB container limit.`,
        'What grows is V8 heap headroom, not what the process keeps: with a heap limit of 2 GB or more, the default on a host with 4 GB of RAM or more, V8 lets the heap grow to about 4 times the live size between full collections; under 2 GB, 1.3 to 2 times.',
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
