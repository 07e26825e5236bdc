// Two scheduler processes, 100 daily digest periods on a test-owned clock, and at random points
// one of them SIGKILLed: exactly 100 digest posts, one per period, each covering its own day.
// The schedulers are real child processes (digest-scheduler-process.ts) sharing the embedded
// SQLite file (Agenda backend and digest ledger). A kill is either the process SIGKILLing itself at a stage of
// the digest (before its claim, after its claim, after its post landed) or the test SIGKILLing it
// at a random moment after it began a digest. The killed one is restarted; the other inherits the
// job once its lock expires (the test moves the clock 11 minutes on). The random choices come from
// a seeded generator (FAULT_SEED), so a failure reproduces.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { periodKey, zonedTime, type DigestSchedule } from '../../jobs/schedule.js';
import type { ChannelRef } from '../../src/model.js';
import { channelMessage } from '../fakes/digest-model.js';
import { waitUntil as waitFor } from '../redis/redis-server.js';
import type { FromScheduler, KillStage, ToScheduler } from './digest-scheduler-process.js';
import { recordFault } from './fault-report.js';
import { FAULT_SEED, seeded } from './seeded-random.js';
import { suiteLogFile } from './suite-logs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PERIODS = 100;
const CHANNEL: ChannelRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1' };
const SCHEDULE: DigestSchedule = { every: 'day', hour: 9, minute: 0, timeZone: 'Europe/Berlin' };
/** Past Agenda's ten-minute job lock, still inside the period. */
const LOCK_EXPIRED_MS = 11 * 60_000;
const MINUTE = 60_000;

type KillKind = KillStage | 'random-moment';

interface Post {
  id: string;
  text: string;
  at: number;
}

/** The channel: people's messages, the bot's posts, on the test's clock. */
class Channel {
  readonly history: ReturnType<typeof channelMessage>[] = [];
  readonly posts: Post[] = [];
  clock = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(raw || '{}') as { since?: number; text?: string };
        let answer: unknown;
        if (request.url === '/post') {
          const post = { id: `post-${this.posts.length + 1}`, text: body.text ?? '', at: this.clock };
          this.posts.push(post);
          answer = { id: post.id };
        } else if (request.url === '/history') {
          answer = this.history.filter((message) => message.receivedAt.getTime() >= body.since!).map((message) => ({ ...message, receivedAt: message.receivedAt.getTime() }));
        } else {
          answer = this.posts.filter((post) => post.at >= body.since!).map(({ id, text }) => ({ id, text }));
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** One scheduler process, as the test sees it. */
class SchedulerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | null>;
  readonly ready: Promise<void>;
  dead = false;
  private readonly waiting = new Map<string, (message: FromScheduler) => void>();
  onDigestStart: () => void = () => {};

  constructor(name: string, env: Record<string, string>, clock: () => number) {
    const stderr = fs.openSync(suiteLogFile(`digest-${name}-stderr`), 'a');
    this.child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/digest-scheduler-process.ts'], {
      cwd: ROOT,
      env: { ...env, SCHEDULER_NAME: name, CLOCK_AT: String(clock()) },
      stdio: ['ignore', 'ignore', stderr, 'ipc'],
    });
    fs.closeSync(stderr);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (_code, signal) => {
        this.dead = true;
        resolve(signal);
      }),
    );
    this.child.on('message', (message: FromScheduler) => {
      if (message.type === 'digest-start') this.onDigestStart();
      this.waiting.get(message.type)?.(message);
    });
    // A clock move made while it was starting is sent once it is ready.
    this.ready = this.next('ready').then(() => this.setClock(clock()));
  }

  async setClock(at: number): Promise<void> {
    if (this.dead) return;
    const set = this.next('clock-set');
    this.send({ type: 'clock', at });
    await Promise.race([set, this.exited]);
  }

  send(message: ToScheduler): void {
    if (!this.dead) this.child.send(message);
  }

  async request<T extends FromScheduler['type']>(message: ToScheduler, answer: T): Promise<Extract<FromScheduler, { type: T }>> {
    const reply = this.next(answer);
    this.send(message);
    return reply as Promise<Extract<FromScheduler, { type: T }>>;
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  private next(type: FromScheduler['type']): Promise<FromScheduler> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`scheduler sent no ${type} within 60 s`)), 60_000);
      this.waiting.set(type, (message) => {
        clearTimeout(timer);
        this.waiting.delete(type);
        resolve(message);
      });
    });
  }
}

let dataDir = '';
const channel = new Channel();
const processes: SchedulerProcess[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-digest-'));
  await channel.start();
});

afterAll(async () => {
  for (const scheduler of processes) scheduler.kill();
  await Promise.all(processes.map((scheduler) => scheduler.exited));
  await channel.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('two schedulers, one SIGKILLed at random points over 100 digest periods, post exactly 100 digests', async () => {
  const random = seeded(FAULT_SEED);
  const started = performance.now();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CROSSTALK_FAULT_REPORT: process.env.CROSSTALK_FAULT_REPORT ?? '', CHANNEL_URL: channel.url, DATA_DIR: dataDir };
  const slots: SchedulerProcess[] = [];
  let launched = 0;
  const launch = (slot: number) => {
    const scheduler = new SchedulerProcess(`scheduler-${slot === 0 ? 'a' : 'b'}-${++launched}`, env, () => channel.clock);
    processes.push(scheduler);
    slots[slot] = scheduler;
    return scheduler;
  };
  const setClock = async (at: number) => {
    channel.clock = at;
    await Promise.all(slots.map((scheduler) => scheduler.setClock(at)));
  };

  const first = new Date(Date.UTC(2025, 2, 1));
  channel.clock = zonedTime(2025, 2, 28, 12, 0, 'Europe/Berlin').getTime();
  launch(0);
  launch(1);
  await Promise.all(slots.map((scheduler) => scheduler.ready));
  await slots[0]!.request({ type: 'subscribe', channel: CHANNEL, schedule: SCHEDULE }, 'subscribed');

  const kills: Record<KillKind, number> = { 'before-claim': 0, 'after-claim': 0, 'after-post': 0, 'random-moment': 0 };
  const killedBy: string[] = [];
  for (let day = 0; day < PERIODS; day++) {
    const date = new Date(first.getTime() + day * 24 * 60 * MINUTE);
    const nineAm = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), 9, 0, 'Europe/Berlin');
    const period = periodKey(SCHEDULE, nineAm);
    channel.history.push(channelMessage(CHANNEL, `day-${day}`, `On day ${day} we decided to ship build ${day}.`, new Date(nineAm.getTime() - 60 * MINUTE), 'ana'));
    await Promise.all(slots.map((scheduler) => scheduler.ready));

    const roll = random();
    const kind: KillKind | undefined = roll < 0.1 ? 'before-claim' : roll < 0.2 ? 'after-claim' : roll < 0.3 ? 'after-post' : roll < 0.4 ? 'random-moment' : undefined;
    const delayMs = Math.floor(random() * 60);
    const live = [...slots];
    for (const scheduler of live) {
      scheduler.send({ type: 'plan', stage: kind === 'random-moment' ? undefined : kind });
      scheduler.onDigestStart = kind === 'random-moment' ? () => setTimeout(() => scheduler.kill(), delayMs) : () => {};
    }
    const death = Promise.race(live.map((scheduler, slot) => scheduler.exited.then(() => slot)));

    await setClock(nineAm.getTime() + 1_000);
    const settled = async (scheduler: SchedulerProcess) => {
      const state = await scheduler.request({ type: 'state', period }, 'state');
      return state.queued && !state.locked && state.finished;
    };
    if (kind) {
      const slot = await Promise.race([death, new Promise<undefined>((resolve) => setTimeout(resolve, 30_000, undefined))]);
      expect(slot, `day ${day}: the planned kill (${kind}) did not happen`).toBeDefined();
      kills[kind]++;
      killedBy.push(`${day}:${kind}`);
      const survivor = live[1 - slot!]!;
      survivor.send({ type: 'plan', stage: undefined });
      survivor.onDigestStart = () => {};
      launch(slot!);
      // Agenda hands a dead worker's job on once its lock expires.
      channel.clock = nineAm.getTime() + LOCK_EXPIRED_MS;
      await survivor.setClock(channel.clock);
      await waitFor(() => settled(survivor), `day ${day} (${period}): after a kill ${kind}, the other scheduler did not finish the digest (${channel.posts.length} posts)`, 60_000);
    } else {
      await waitFor(() => settled(live[0]!), `day ${day} (${period}): no digest (${channel.posts.length} posts)`, 60_000);
    }
    expect(live.filter((scheduler) => scheduler.dead).length, `day ${day}: more than one scheduler died`).toBeLessThanOrEqual(kind ? 1 : 0);
  }
  const seconds = (performance.now() - started) / 1000;

  const periodsPosted = channel.posts.map((post) => /Digest of #C1, (\d{4}-\d\d-\d\d)/.exec(post.text)?.[1]);
  const distinct = new Set(periodsPosted);
  const uncovered = Array.from({ length: PERIODS }, (_, day) => day).filter((day) => !channel.posts.some((post) => post.text.includes(`[source: day-${day}]`)));
  const totalKills = Object.values(kills).reduce((sum, count) => sum + count, 0);
  recordFault({
    guarantee: 'one digest per period while schedulers die',
    tried: `2 scheduler processes (one SQLite file: Agenda backend + digest ledger), ${PERIODS} daily periods on a test clock, ${totalKills} SIGKILLs (${kills['before-claim']} before claim, ${kills['after-claim']} after claim, ${kills['after-post']} after post, ${kills['random-moment']} at a random moment; seed ${FAULT_SEED})`,
    happened: `${channel.posts.length} digest posts for ${distinct.size} periods; ${uncovered.length} days' messages in no digest`,
    figures: `${seconds.toFixed(0)} s, ${launched} process starts`,
    held: channel.posts.length === PERIODS && distinct.size === PERIODS && uncovered.length === 0,
  });
  expect(totalKills).toBeGreaterThan(PERIODS / 5);
  expect(kills['after-claim']).toBeGreaterThan(0);
  expect(kills['after-post']).toBeGreaterThan(0);
  expect(uncovered, `kills: ${killedBy.join(' ')}`).toEqual([]);
  expect(distinct.size).toBe(PERIODS);
  expect(channel.posts).toHaveLength(PERIODS);
}, 900_000);
