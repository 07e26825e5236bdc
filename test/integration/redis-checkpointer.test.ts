// The Redis checkpointer against a real Redis: LangGraph's own conformance suite, then the
// properties the design card asks for (thread isolation, one hash tag per thread, TTL, flat
// latest-read cost, a real graph resuming on another saver instance, Redis Cluster).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { Command, END, MessagesAnnotation, START, StateGraph, interrupt } from '@langchain/langgraph';
import { TASKS, emptyCheckpoint, type Checkpoint, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import { deltaChannelHistoryTests, validate, type CheckpointSaverTestInitializer } from '@langchain/langgraph-checkpoint-validation';
import { createClient, createCluster, type RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisCheckpointSaver, type RedisConnection } from '../../src/stores/redis/checkpointer.js';
import { freePort, reachRedis, redisAnswers as answers, waitUntil } from '../redis/redis-server.js';

// The validation suite calls describe/it/expect as globals; this project runs vitest without them.
Object.assign(globalThis, { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach });

type Client = RedisClientType;

const RUN_PREFIX = `crosstalk-test:${randomUUID()}:`;
// Savers expire their threads unless a test says otherwise, so a run killed before its cleanup
// leaves nothing behind for long.
const LEFTOVER_TTL_SECONDS = 3_600;
const META: CheckpointMetadata = { source: 'loop', step: 0, parents: {} };

let redisUrl = '';
let stopRedis: () => Promise<void> = async () => {};
let sharedClient: Client;
const clients: Client[] = [];
const savers: RedisCheckpointSaver[] = [];
let prefixCount = 0;

beforeAll(async () => {
  ({ url: redisUrl, stop: stopRedis } = await reachRedis());
  sharedClient = await connect();
}, 30_000);

afterAll(async () => {
  for (const saver of savers) await deleteEverything(saver);
  await Promise.all(clients.map((client) => client.close()));
  await stopRedis();
});

async function connect(url = redisUrl): Promise<Client> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

/** A saver under a key prefix no other saver (and no other test run) uses, on the shared connection unless told. */
async function newSaver(options: { ttlSeconds?: number; keyPrefix?: string; client?: RedisConnection } = {}): Promise<RedisCheckpointSaver> {
  const keyPrefix = options.keyPrefix ?? `${RUN_PREFIX}${++prefixCount}:`;
  const ttlSeconds = 'ttlSeconds' in options ? options.ttlSeconds : LEFTOVER_TTL_SECONDS;
  const saver = new RedisCheckpointSaver(options.client ?? sharedClient, { keyPrefix, ttlSeconds });
  savers.push(saver);
  return saver;
}

/** Deletes every thread the saver knows, then checks that nothing, not even its thread list, is left. */
async function deleteEverything(saver: RedisCheckpointSaver): Promise<void> {
  const threads = new Set<string>();
  for await (const tuple of saver.list({})) threads.add(tuple.config.configurable?.thread_id as string);
  for (const thread of threads) await saver.deleteThread(thread);
  expect(await sharedClient.exists(`${keyPrefixOf(saver)}threads`)).toBe(0);
}

describe.each([
  { mode: 'without a TTL', ttlSeconds: undefined },
  { mode: 'with a TTL', ttlSeconds: LEFTOVER_TTL_SECONDS },
])('LangGraph validation suite, $mode', ({ ttlSeconds }) => {
  const initializer: CheckpointSaverTestInitializer<RedisCheckpointSaver> = {
    checkpointerName: 'RedisCheckpointSaver',
    createCheckpointer: () => newSaver({ ttlSeconds }),
    destroyCheckpointer: (saver) => deleteEverything(saver),
  };
  validate(initializer);
  // Opt-in in the suite: the parent walk that rebuilds DeltaChannel state from stored writes.
  deltaChannelHistoryTests(initializer);
});

describe('RedisCheckpointSaver', () => {
  it('deleting thread slack:T1:C1:1 leaves slack:T1:C1:10 (and every other thread) untouched', async () => {
    const saver = await newSaver();
    const monitor = await Monitor.start(redisUrl);
    for (const thread of ['slack:T1:C1:1', 'slack:T1:C1:10', 'slack:T1:C1:1}', '{slack:T1:C1:1']) {
      await writeTurn(saver, thread, '', thread);
      await writeTurn(saver, thread, 'child:1', thread);
    }
    const keys = await monitor.stop(saver);

    await saver.deleteThread('slack:T1:C1:1');

    expect(await saver.getTuple(threadConfig('slack:T1:C1:1'))).toBeUndefined();
    expect(await collect(saver.list(threadConfig('slack:T1:C1:1')))).toEqual([]);
    expect(await countExisting(keysOfThread(keys, 'slack:T1:C1:1'))).toBe(0);
    for (const survivor of ['slack:T1:C1:10', 'slack:T1:C1:1}', '{slack:T1:C1:1']) {
      const latest = await saver.getTuple(threadConfig(survivor));
      expect(latest?.checkpoint.channel_values).toEqual({ note: survivor });
      expect(latest?.pendingWrites).toEqual([['task-1', 'note', `${survivor} (pending)`]]);
      expect(await collect(saver.list({ configurable: { thread_id: survivor } }))).toHaveLength(4);
      expect(await countExisting(keysOfThread(keys, survivor))).toBe(5);
    }
  });

  it('puts every key of a thread under one hash tag holding the exact, escaped thread id', async () => {
    const saver = await newSaver();
    const monitor = await Monitor.start(redisUrl);
    for (const thread of ['slack:T1:C1:1', 'odd}thread{id%']) {
      await writeTurn(saver, thread, '', 'a');
      await writeTurn(saver, thread, 'child:1', 'b');
      await saver.getTuple(threadConfig(thread));
      await collect(saver.list(threadConfig(thread)));
    }
    const keys = await monitor.stop(saver);
    const registry = `${keyPrefixOf(saver)}threads`;

    const threadKeys = keys.filter((key) => key !== registry);
    expect(new Set(threadKeys.map(hashTagOf))).toEqual(new Set(['slack:T1:C1:1', 'odd%7Dthread%7Bid%25']));
    expect(keysOfThread(keys, 'slack:T1:C1:1')).toHaveLength(5);
    expect(keysOfThread(keys, 'odd}thread{id%')).toHaveLength(5);
  });

  it('sets the TTL on every key of a thread when written and refreshes it when read', async () => {
    const saver = await newSaver({ ttlSeconds: 300 });
    const monitor = await Monitor.start(redisUrl);
    await writeTurn(saver, 'slack:T1:C1:7', '', 'hello');
    const keys = keysOfThread(await monitor.stop(saver), 'slack:T1:C1:7');
    expect(keys).toHaveLength(5);

    for (const key of keys) expect(await sharedClient.ttl(key)).toBeGreaterThan(290);

    for (const key of keys) await sharedClient.expire(key, 5);
    expect(await saver.getTuple(threadConfig('slack:T1:C1:7'))).toBeDefined();
    for (const key of keys) expect(await sharedClient.ttl(key)).toBeGreaterThan(290);
  });

  it('reads the latest checkpoint with the same commands at 5 and at 2,000 checkpoints', async () => {
    const saver = await newSaver({ ttlSeconds: undefined });
    await writeCheckpoints(saver, 'slack:T1:C1:short', 5);
    await writeCheckpoints(saver, 'slack:T1:C1:long', 2_000);

    const commandsFor = async (thread: string) => {
      const monitor = await Monitor.start(redisUrl);
      const latest = await saver.getTuple(threadConfig(thread));
      await monitor.stop(saver);
      return { latest, commands: monitor.commands.map((args) => args.map((arg) => arg.replace(thread, '<thread>'))) };
    };
    const short = await commandsFor('slack:T1:C1:short');
    const long = await commandsFor('slack:T1:C1:long');

    expect(short.latest?.checkpoint.id).toBe(checkpointId(4));
    expect(long.latest?.checkpoint.id).toBe(checkpointId(1_999));
    expect(long.latest?.checkpoint.channel_values).toEqual({ step: 1_999 });
    // Same commands on the same keys with as many arguments; only ids and versions differ.
    const prefix = keyPrefixOf(saver);
    const shape = (commands: string[][]) => commands.map((args) => [args[0], args.length, ...args.filter((arg) => arg.startsWith(prefix))]);
    expect(shape(long.commands)).toEqual(shape(short.commands));
    const latestLookup = long.commands.find(([name]) => name === 'ZRANGE');
    expect(latestLookup?.slice(-3)).toEqual(['LIMIT', '0', '1']);
    expect(long.commands.length).toBeLessThanOrEqual(5);
  });

  it('keeps the first regular write of a task but lets special writes (errors, interrupts) replace', async () => {
    const saver = await newSaver();
    const config = await saver.put(threadConfig('slack:T1:C1:2'), checkpointWith('cp-1', {}), META, {});
    await saver.putWrites(config, [['note', 'first']], 'task-1');
    await saver.putWrites(config, [['note', 'retry']], 'task-1');
    await saver.putWrites(config, [['__error__', 'boom 1']], 'task-1');
    await saver.putWrites(config, [['__error__', 'boom 2']], 'task-1');

    expect((await saver.getTuple(config))?.pendingWrites).toEqual([
      ['task-1', '__error__', 'boom 2'],
      ['task-1', 'note', 'first'],
    ]);
  });

  it('stores binary channel values without loss', async () => {
    const saver = await newSaver();
    const bytes = new Uint8Array([0, 255, 10, 13, 0, 128, 7]);
    const config = await saver.put(threadConfig('slack:T1:C1:3'), checkpointWith('cp-1', { blob: bytes }), META, { blob: 1 });
    await saver.putWrites(config, [['blob', bytes]], 'task-1');

    const tuple = await saver.getTuple(config);
    expect(tuple?.checkpoint.channel_values.blob).toEqual(bytes);
    expect(tuple?.pendingWrites).toEqual([['task-1', 'blob', bytes]]);
  });

  describe('with a real LangGraph graph', () => {
    function echoGraph(saver: RedisCheckpointSaver) {
      return new StateGraph(MessagesAnnotation)
        .addNode('reply', (state) => ({ messages: [new AIMessage(`echo: ${lastText(state.messages)}`)] }))
        .addEdge(START, 'reply')
        .addEdge('reply', END)
        .compile({ checkpointer: saver });
    }

    it('continues a conversation on a second saver instance (a restarted process)', async () => {
      const prefix = `${RUN_PREFIX}graph:`;
      const config = { configurable: { thread_id: 'slack:T1:C1:1700000000.000100' } };
      await echoGraph(await newSaver({ keyPrefix: prefix })).invoke({ messages: [new HumanMessage('hello')] }, config);

      const restarted = echoGraph(await newSaver({ keyPrefix: prefix, client: await connect() }));
      const result = await restarted.invoke({ messages: [new HumanMessage('again')] }, config);

      expect(result.messages.map(textOf)).toEqual(['hello', 'echo: hello', 'again', 'echo: again']);
      const history = await collect(restarted.getStateHistory(config));
      expect(history.length).toBeGreaterThanOrEqual(6);
    });

    it('resumes an interrupted run on a second saver instance', async () => {
      const prefix = `${RUN_PREFIX}interrupt:`;
      const approvalGraph = (saver: RedisCheckpointSaver) =>
        new StateGraph(MessagesAnnotation)
          .addNode('approve', () => {
            const answer = interrupt<string, string>('Post this reply?');
            return { messages: [new AIMessage(`approved: ${answer}`)] };
          })
          .addEdge(START, 'approve')
          .addEdge('approve', END)
          .compile({ checkpointer: saver });
      const config = { configurable: { thread_id: 'discord:G1:C1:42' } };

      const before = approvalGraph(await newSaver({ keyPrefix: prefix }));
      await before.invoke({ messages: [new HumanMessage('draft')] }, config);
      const waiting = await before.getState(config);
      expect(waiting.next).toEqual(['approve']);
      expect(waiting.tasks[0]?.interrupts[0]?.value).toBe('Post this reply?');

      const resumed = await approvalGraph(await newSaver({ keyPrefix: prefix, client: await connect() })).invoke(new Command({ resume: 'yes' }), config);
      expect(resumed.messages.map(textOf)).toEqual(['draft', 'approved: yes']);
    });

    it('keeps two branches forked from one checkpoint apart', async () => {
      const graph = echoGraph(await newSaver());
      const thread = { configurable: { thread_id: 'slack:T1:C1:fork' } };
      await graph.invoke({ messages: [new HumanMessage('hello')] }, thread);
      const forkPoint = (await graph.getState(thread)).config;

      await graph.invoke({ messages: [new HumanMessage('branch one')] }, forkPoint);
      await graph.invoke({ messages: [new HumanMessage('branch two')] }, forkPoint);

      const finals = (await collect(graph.getStateHistory(thread)))
        .map((snapshot) => (snapshot.values.messages as BaseMessage[]).map(textOf))
        .filter((texts) => texts.length === 4);
      expect(finals).toEqual(
        expect.arrayContaining([
          ['hello', 'echo: hello', 'branch one', 'echo: branch one'],
          ['hello', 'echo: hello', 'branch two', 'echo: branch two'],
        ]),
      );
      expect(finals).toHaveLength(2);
    });
  });

  describe('on Redis Cluster', () => {
    let cluster: { url: string; stop: () => Promise<void> } | undefined;
    const skipReason = spawnSync('redis-server', ['--version']).error ? 'redis-server is not installed here' : undefined;

    beforeAll(async () => {
      if (skipReason === undefined) cluster = await startSingleNodeCluster();
    }, 30_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it.skipIf(skipReason !== undefined)('stores, reads, lists and deletes a thread whose keys all hash to one slot', async () => {
      if (cluster === undefined) throw new Error('cluster did not start');
      const clusterClient = createCluster({ rootNodes: [{ url: cluster.url }] });
      clusterClient.on('error', () => {});
      await clusterClient.connect();
      const node = createClient({ url: cluster.url });
      await node.connect();
      try {
        // A cluster node refuses a MULTI or DEL whose keys span slots (CROSSSLOT), so these only
        // succeed if each thread's keys share one.
        const saver = new RedisCheckpointSaver(clusterClient, { keyPrefix: RUN_PREFIX, ttlSeconds: 600 });
        const monitor = await Monitor.start(cluster.url);
        await writeTurn(saver, 'slack:T1:C1:1', '', 'hello');
        await writeTurn(saver, 'slack:T1:C1:1', 'child:1', 'nested');
        await writeTurn(saver, 'slack:T1:C1:10', '', 'other');
        expect((await saver.getTuple(threadConfig('slack:T1:C1:1')))?.checkpoint.channel_values).toEqual({ note: 'hello' });
        expect(await collect(saver.list({ configurable: { thread_id: 'slack:T1:C1:1' } }))).toHaveLength(4);
        await saver.deleteThread('slack:T1:C1:1');
        const keys = await monitor.stop(saver);

        const slots = await Promise.all(keysOfThread(keys, 'slack:T1:C1:1').map((key) => node.clusterKeySlot(key)));
        expect(slots).toHaveLength(5);
        expect(new Set(slots).size).toBe(1);
        expect(await saver.getTuple(threadConfig('slack:T1:C1:1'))).toBeUndefined();
        expect((await saver.getTuple(threadConfig('slack:T1:C1:10')))?.checkpoint.channel_values).toEqual({ note: 'other' });
        await saver.deleteThread('slack:T1:C1:10');
      } finally {
        await Promise.all([clusterClient.close(), node.close()]);
      }
    });
  });
});

// --- what the tests write ------------------------------------------------------------------

function threadConfig(threadId: string, checkpointNs = '') {
  return { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs } };
}

function checkpointWith(id: string, values: Record<string, unknown>): Checkpoint {
  return {
    ...emptyCheckpoint(),
    id,
    channel_values: values,
    channel_versions: Object.fromEntries(Object.keys(values).map((channel) => [channel, 1])),
  };
}

/** Two checkpoints (input, then the node's result) with a pending write on the latest. */
async function writeTurn(saver: RedisCheckpointSaver, threadId: string, checkpointNs: string, note: string): Promise<void> {
  const first = await saver.put(threadConfig(threadId, checkpointNs), checkpointWith(`${checkpointNs}cp-1`, {}), META, {});
  await saver.putWrites(first, [[TASKS, 'send']], 'task-0');
  const second = await saver.put(first, { ...checkpointWith(`${checkpointNs}cp-2`, { note }) }, META, { note: 1 });
  await saver.putWrites(second, [['note', `${note} (pending)`]], 'task-1');
}

function checkpointId(step: number): string {
  return `1f0a7c3e-${String(step).padStart(4, '0')}-6000-8000-000000000000`;
}

async function writeCheckpoints(saver: RedisCheckpointSaver, threadId: string, count: number): Promise<void> {
  const batch = 200;
  for (let start = 0; start < count; start += batch) {
    const steps = Array.from({ length: Math.min(batch, count - start) }, (_, offset) => start + offset);
    await Promise.all(
      steps.map(async (step) => {
        const parent = step === 0 ? threadConfig(threadId) : { configurable: { ...threadConfig(threadId).configurable, checkpoint_id: checkpointId(step - 1) } };
        const checkpoint = { ...checkpointWith(checkpointId(step), { step }), channel_versions: { step: step + 1 } };
        const config = await saver.put(parent, checkpoint, { ...META, step }, { step: step + 1 });
        await saver.putWrites(config, [['step', step + 1]], 'task-1');
      }),
    );
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function textOf(message: BaseMessage): string {
  return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
}

function lastText(messages: BaseMessage[]): string {
  const last = messages.at(-1);
  return last === undefined ? '' : textOf(last);
}

// --- looking at Redis from the outside -------------------------------------------------------

function keyPrefixOf(saver: RedisCheckpointSaver): string {
  return (saver as unknown as { keyPrefix: string }).keyPrefix;
}

function hashTagOf(key: string): string | undefined {
  return /\{([^}]*)\}/.exec(key)?.[1];
}

/** The keys carrying `threadId`'s tag, escaped here independently of the saver's own code. */
function keysOfThread(keys: string[], threadId: string): string[] {
  const tag = threadId.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return keys.filter((key) => hashTagOf(key) === tag);
}

async function countExisting(keys: string[]): Promise<number> {
  return keys.length === 0 ? 0 : sharedClient.exists(keys);
}

/** Records, through MONITOR, every command the saver sends that names one of its keys. */
class Monitor {
  readonly commands: string[][] = [];
  private readonly marker = `monitor-done:${randomUUID()}`;
  private seenMarker: () => void = () => {};

  private constructor(
    private readonly url: string,
    private readonly client: Client,
  ) {}

  static async start(url: string): Promise<Monitor> {
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    const monitor = new Monitor(url, client);
    await client.monitor((line) => monitor.record(String(line)));
    return monitor;
  }

  /** Stops after every command sent so far has been seen; returns the distinct keys named. */
  async stop(saver: RedisCheckpointSaver): Promise<string[]> {
    const done = new Promise<void>((resolve) => (this.seenMarker = resolve));
    const other = createClient({ url: this.url });
    await other.connect();
    await other.echo(this.marker);
    await done;
    await other.close();
    this.client.destroy();
    const prefix = keyPrefixOf(saver);
    const commands = this.commands.filter((args) => args.some((arg) => arg.startsWith(prefix)));
    this.commands.splice(0, this.commands.length, ...commands);
    return [...new Set(commands.flatMap((args) => args.filter((arg) => arg.startsWith(prefix))))];
  }

  private record(line: string): void {
    const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? '');
    if (args[0] === 'ECHO' && args[1] === this.marker) this.seenMarker();
    else if (args[0] !== 'MULTI' && args[0] !== 'EXEC') this.commands.push(args);
  }
}

// --- a Redis to test against -----------------------------------------------------------------

async function startSingleNodeCluster(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'crosstalk-redis-cluster-'));
  const port = await freePort();
  const server = spawnRedis([
    '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil(() => answers(url), `cluster node on port ${port} did not start`);
  const admin = createClient({ url });
  admin.on('error', () => {});
  await admin.connect();
  await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
  await waitUntil(async () => (await admin.clusterInfo()).includes('cluster_state:ok'), 'the cluster never reported cluster_state:ok');
  await admin.close();
  return {
    url,
    stop: async () => {
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnRedis(args: string[]): ChildProcess {
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  server.on('error', (error) => {
    throw new Error(`Could not start redis-server (${error.message}): install Redis or set REDIS_URL.`);
  });
  return server;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
