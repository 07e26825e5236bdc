// Checkpointer latency: put + getTuple for the Redis saver, the SQLite saver and MemorySaver in
// one run, as the number of threads and the length of one thread grow; and bytes in Redis per
// thread after 50 turns. MemorySaver (no I/O at all) is the baseline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunnableConfig } from '@langchain/core/runnables';
import { MemorySaver, emptyCheckpoint, type BaseCheckpointSaver, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { createLogger } from '../src/logger.js';
import { RedisCheckpointSaver } from '../src/stores/redis/checkpointer.js';
import { connectRedis, type RedisClient } from '../src/stores/redis/connection.js';
import { reachRedis } from '../test/redis/redis-server.js';
import { fixed, isMain, median, printReport, QUICK, times, type Report, type ReportRow } from './report.js';

/** 100,000 threads take minutes per saver to fill on a 2-core machine; 10,000 shows the trend. */
const THREAD_COUNTS = QUICK ? [100, 1_000] : [1_000, 10_000];
const THREAD_LENGTHS = QUICK ? [10, 200] : [10, 1_000];
const OPS = QUICK ? 200 : 1_000;
const TURNS_FOR_BYTES = 50;
const GOAL_RATIO = 3;

interface Subject {
  name: string;
  saver: BaseCheckpointSaver;
  close(): Promise<void>;
}

interface Measured {
  put: number;
  get: number;
  opsPerSecond: number;
}

let counter = 0;
/** A checkpoint like an assistant turn's: a few messages and a summary, each turn a new version. */
function turnCheckpoint(step: number): Checkpoint {
  const checkpoint = emptyCheckpoint();
  checkpoint.id = `1f0a7c3e-${String(++counter).padStart(12, '0')}-6000-8000-000000000000`.slice(0, 36);
  checkpoint.channel_values = {
    messages: Array.from({ length: 4 }, (_, n) => ({ role: n % 2 ? 'assistant' : 'user', content: `turn ${step} message ${n}: ${'lorem ipsum '.repeat(15)}` })),
    summary: `summary after turn ${step}`,
  };
  checkpoint.channel_versions = { messages: step + 1, summary: step + 1 };
  return checkpoint;
}

async function putTurn(saver: BaseCheckpointSaver, config: RunnableConfig, step: number): Promise<RunnableConfig> {
  const checkpoint = turnCheckpoint(step);
  return saver.put(config, checkpoint, { source: 'loop', step, parents: {} }, checkpoint.channel_versions);
}

const threadConfig = (threadId: string): RunnableConfig => ({ configurable: { thread_id: threadId, checkpoint_ns: '' } });

async function fill(saver: BaseCheckpointSaver, threads: number, perThread: number, prefix: string): Promise<RunnableConfig[]> {
  const latest: RunnableConfig[] = [];
  const batch = 200;
  for (let start = 0; start < threads; start += batch) {
    const ids = Array.from({ length: Math.min(batch, threads - start) }, (_, n) => `${prefix}:slack:T1:C1:${start + n}`);
    latest.push(
      ...(await Promise.all(
        ids.map(async (id) => {
          let config = threadConfig(id);
          for (let step = 0; step < perThread; step++) config = await putTurn(saver, config, step);
          return config;
        }),
      )),
    );
  }
  return latest;
}

/** Sequential operations on random threads: each op's latency, and the rate over all of them. */
async function measure(saver: BaseCheckpointSaver, latest: RunnableConfig[]): Promise<Measured> {
  const puts: number[] = [];
  const gets: number[] = [];
  const started = performance.now();
  for (let op = 0; op < OPS; op++) {
    const index = Math.floor(Math.random() * latest.length);
    const threadId = String(latest[index]!.configurable?.thread_id);
    let at = performance.now();
    latest[index] = await putTurn(saver, latest[index]!, 10_000 + op);
    puts.push(performance.now() - at);
    at = performance.now();
    const tuple = await saver.getTuple(threadConfig(threadId));
    gets.push(performance.now() - at);
    if (!tuple) throw new Error(`getTuple found no checkpoint for ${threadId}`);
  }
  return { put: median(puts), get: median(gets), opsPerSecond: (OPS * 2) / ((performance.now() - started) / 1000) };
}

const us = (value: number) => `${fixed(value * 1000, 0)} µs`;

export async function benchCheckpointer(): Promise<Report[]> {
  const logger = createLogger('silent');
  const redis = await reachRedis();
  const client: RedisClient = await connectRedis(redis.url, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-checkpointer-'));
  const runPrefix = `crosstalk-bench:${process.pid}:${Date.now()}:`;
  let subjects = 0;
  const open = (): Subject[] => {
    subjects += 1;
    const sqlite = SqliteSaver.fromConnString(path.join(dir, `checkpoints-${subjects}.db`));
    return [
      { name: 'MemorySaver', saver: new MemorySaver(), close: async () => {} },
      { name: 'SQLite', saver: sqlite, close: async () => {} },
      { name: 'Redis', saver: new RedisCheckpointSaver(client, { keyPrefix: `${runPrefix}${subjects}:` }), close: async () => {} },
    ];
  };

  const rowsFor = (label: string, results: Map<string, Measured>): ReportRow[] => {
    const base = results.get('MemorySaver')!;
    return [...results].flatMap(([name, result]) => {
      if (name === 'MemorySaver') {
        return [{ measure: `${label}: MemorySaver put / getTuple`, figure: `${us(result.put)} / ${us(result.get)}`, baseline: `${fixed(result.opsPerSecond, 0)} ops/s` }];
      }
      const ratio = Math.max(result.put / base.put, result.get / base.get);
      return [{
        measure: `${label}: ${name} put / getTuple`,
        figure: `${us(result.put)} / ${us(result.get)} (${fixed(result.opsPerSecond, 0)} ops/s)`,
        baseline: `${us(base.put)} / ${us(base.get)}`,
        ratio: times(ratio),
        goal: `≤ ${GOAL_RATIO}× MemorySaver`,
        met: ratio <= GOAL_RATIO,
      }];
    });
  };

  try {
    const byThreads = new Map<number, Map<string, Measured>>();
    for (const threads of THREAD_COUNTS) {
      const results = new Map<string, Measured>();
      for (const subject of open()) {
        const latest = await fill(subject.saver, threads, 1, `threads${threads}`);
        results.set(subject.name, await measure(subject.saver, latest));
        await subject.close();
      }
      byThreads.set(threads, results);
    }
    const byLength = new Map<number, Map<string, Measured>>();
    for (const length of THREAD_LENGTHS) {
      const results = new Map<string, Measured>();
      for (const subject of open()) {
        const latest = await fill(subject.saver, 1, length, `length${length}`);
        results.set(subject.name, await measure(subject.saver, latest));
        await subject.close();
      }
      byLength.set(length, results);
    }

    // Bytes per thread after 50 turns (two checkpoints per turn: the input, then the answer).
    const bytesPrefix = `${runPrefix}bytes:`;
    const bytesSaver = new RedisCheckpointSaver(client, { keyPrefix: bytesPrefix });
    let config = threadConfig('slack:T1:C1:bytes');
    for (let step = 0; step < TURNS_FOR_BYTES * 2; step++) config = await putTurn(bytesSaver, config, step);
    let bytes = 0;
    for await (const keys of client.scanIterator({ MATCH: `${bytesPrefix}{*`, COUNT: 1_000 })) {
      for (const key of keys) bytes += (await client.memoryUsage(key)) ?? 0;
    }

    const flatness = (label: string, small: Map<string, Measured>, large: Map<string, Measured>): ReportRow[] =>
      ['Redis', 'SQLite', 'MemorySaver'].map((name) => {
        const ratio = large.get(name)!.get / small.get(name)!.get;
        return { measure: `${name} getTuple, ${label}`, figure: us(large.get(name)!.get), baseline: us(small.get(name)!.get), ratio: times(ratio), goal: 'flat (≤ 1.5×)', met: ratio <= 1.5 };
      });
    const [fewThreads, manyThreads] = THREAD_COUNTS as [number, number];
    const [short, long] = THREAD_LENGTHS as [number, number];
    return [
      {
        title: 'Checkpointer: put + getTuple per operation (median), by number of threads',
        rows: THREAD_COUNTS.flatMap((threads) => rowsFor(`${threads.toLocaleString('en')} threads`, byThreads.get(threads)!)),
        notes: [
          `${OPS} puts and ${OPS} getTuples on random threads after filling; one client, sequential, Redis at ${redis.url}.`,
          'MemorySaver does no I/O: a Redis round trip on localhost alone costs more than 3× its in-process map lookups.',
          ...(QUICK ? [] : ['100,000 threads are left out: filling them takes minutes per saver on this 2-core machine; 10,000 shows the trend.']),
        ],
      },
      {
        title: 'Checkpointer: by length of one thread',
        rows: THREAD_LENGTHS.flatMap((length) => rowsFor(`${length.toLocaleString('en')} checkpoints in the thread`, byLength.get(length)!)),
        notes: [],
      },
      {
        title: 'Checkpointer: flat in thread count and thread length',
        rows: [
          ...flatness(`${manyThreads.toLocaleString('en')} vs ${fewThreads.toLocaleString('en')} threads`, byThreads.get(fewThreads)!, byThreads.get(manyThreads)!),
          ...flatness(`${long.toLocaleString('en')} vs ${short} checkpoints in a thread`, byLength.get(short)!, byLength.get(long)!),
          { measure: `bytes in Redis per thread after ${TURNS_FOR_BYTES} turns`, figure: `${fixed(bytes / 1024, 1)} KiB` },
        ],
        notes: ['Each turn writes two checkpoints with four ~200-character messages and a summary; MEMORY USAGE summed over the thread\'s keys.'],
      },
    ];
  } finally {
    for await (const keys of client.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1_000 })) if (keys.length > 0) await client.del(keys);
    await client.close();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) for (const report of await benchCheckpointer()) printReport(report);
