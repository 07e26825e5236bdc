// LangGraph checkpoints on plain Redis commands (Redis OSS 7, Valkey, ElastiCache): no RedisJSON,
// no RediSearch, no Lua.
//
// A thread is a fixed set of five keys that share one hash tag, so a thread lives in one cluster
// slot, its writes go in one MULTI/EXEC, and TTL refresh and deletion touch five keys however
// long the thread grows:
//
//   <prefix>{<thread>}:checkpoints      sorted set, all scores 0, members `<ns>\0<checkpoint id>`;
//                                       lexicographic order makes "latest in ns" a ZRANGE LIMIT 1
//   <prefix>{<thread>}:checkpoint-data  hash, same members -> checkpoint without values + metadata
//   <prefix>{<thread>}:channel-values   hash, [ns, channel, version] -> one channel value, stored
//                                       once per version (only channels in `newVersions` are written)
//   <prefix>{<thread>}:writes           hash, `<ns>\0<checkpoint id>\0<task id>\0<idx>` -> pending write
//   <prefix>{<thread>}:write-index      sorted set of the `writes` fields, for a per-checkpoint range
//
// `<prefix>threads` (one key, outside any thread's slot) records thread ids only so that `list`
// without a thread id can work; no hot path reads it.
import { isDeepStrictEqual } from 'node:util';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  getCheckpointId,
  maxChannelVersion,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { RESP_TYPES, type RedisClientType, type TypeMapping } from 'redis';

export interface RedisCheckpointSaverOptions {
  /** Prepended to every key. Must not contain `{` or `}` (the thread's hash tag follows it). */
  keyPrefix?: string;
  /** Every key of a thread expires this long after the thread was last written or read. */
  ttlSeconds?: number;
  serde?: SerializerProtocol;
}

/**
 * A connected node-redis client (`createClient`) or cluster (`createCluster`), with any modules,
 * RESP version or type mapping. The saver never connects or closes it.
 */
export interface RedisConnection {
  withTypeMapping<Mapping extends TypeMapping>(typeMapping: Mapping): unknown;
}

const DEFAULT_KEY_PREFIX = 'crosstalk:checkpoint:';
const PAGE_SIZE = 100;
const EMPTY_VALUE = 'empty';

const BINARY_REPLIES = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;
type None = Record<never, never>;
// Both views share the caller's connection: one reads values as Buffers, one reads ids as strings.
type BinaryView = RedisClientType<None, None, None, 3, typeof BINARY_REPLIES>;
type TextView = RedisClientType<None, None, None, 3, None>;
type Transaction = ReturnType<BinaryView['multi']>;

interface ThreadKeys {
  checkpoints: string;
  checkpointData: string;
  channelValues: string;
  writes: string;
  writeIndex: string;
  all: string[];
}

interface CheckpointRecordHeader {
  checkpointType: string;
  metadataType: string;
  checkpointLength: number;
  parentId?: string;
}

interface WriteRecordHeader {
  taskId: string;
  channel: string;
  type: string;
  taskPath: string;
  idx: number;
}

interface StoredWrite {
  taskId: string;
  channel: string;
  taskPath: string;
  idx: number;
  value: unknown;
}

interface LoadedRecord {
  ns: string;
  id: string;
  header: CheckpointRecordHeader;
  body: Buffer;
  metadata: CheckpointMetadata;
}

/**
 * LangGraph's checkpointer on Redis. Reading a thread's latest checkpoint costs the same at turn
 * 5 and turn 5,000: a ZRANGE LIMIT 1, an HMGET of the checkpoint, a range of its writes and an
 * HMGET of its channel values.
 *
 * @example
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const checkpointer = new RedisCheckpointSaver(client, { ttlSeconds: 30 * 24 * 3600 });
 */
export class RedisCheckpointSaver extends BaseCheckpointSaver {
  private readonly binary: BinaryView;
  private readonly text: TextView;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number | undefined;
  private readonly threadRegistry: string;

  constructor(client: RedisConnection, options: RedisCheckpointSaverOptions = {}) {
    super(options.serde);
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (/[{}]/.test(keyPrefix)) {
      throw new Error(`Redis checkpoint keyPrefix "${keyPrefix}" contains "{" or "}": remove them, the thread's hash tag must be the first braces in every key.`);
    }
    const { ttlSeconds } = options;
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
      throw new Error(`Redis checkpoint ttlSeconds must be a positive whole number of seconds, got ${ttlSeconds}.`);
    }
    // A cluster exposes the same command methods as a client; one type describes both.
    const connection = client as TextView;
    this.binary = connection.withTypeMapping(BINARY_REPLIES) as unknown as BinaryView;
    this.text = connection.withTypeMapping({}) as unknown as TextView;
    this.keyPrefix = keyPrefix;
    this.ttlSeconds = ttlSeconds;
    this.threadRegistry = `${keyPrefix}threads`;
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    if (config.configurable?.thread_id === undefined) return undefined;
    const threadId = requireThreadId(config.configurable.thread_id);
    const keys = this.threadKeys(threadId);
    const [tuple] = await Promise.all([
      this.readTuple(threadId, keys, namespaceOf(config), getCheckpointId(config) || undefined),
      this.touchThread(threadId, keys),
    ]);
    return tuple;
  }

  /**
   * Newest first. Without a thread id, walks every thread this saver has stored (a slow, admin
   * path). A `filter` keeps checkpoints whose metadata has each given key deep-equal to its value.
   */
  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const wanted = Object.entries(filter ?? {}).filter(([, value]) => value !== undefined);
    const matchesFilter = (metadata: CheckpointMetadata) =>
      wanted.every(([key, value]) => isDeepStrictEqual((metadata as Record<string, unknown>)[key], value));
    const { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: onlyId } = config.configurable ?? {};
    const beforeId: string | undefined = before?.configurable?.checkpoint_id || undefined;
    // Without a filter or an id to look for, a page need not be longer than what is still wanted.
    const pageSize = wanted.length > 0 || onlyId ? PAGE_SIZE : Math.min(remaining, PAGE_SIZE);

    const threadIds = threadId === undefined ? this.registeredThreads() : single(requireThreadId(threadId));
    for await (const thread of threadIds) {
      const keys = this.threadKeys(thread);
      const pages =
        onlyId && ns != null
          ? single(beforeId === undefined || onlyId < beforeId ? [checkpointMember(ns, onlyId)] : [])
          : this.checkpointPages(keys, ns ?? undefined, beforeId, pageSize);
      for await (const members of pages) {
        const selected = onlyId ? members.filter((member) => parseCheckpointMember(member).id === onlyId) : members;
        const matching = (await this.loadRecords(keys, selected))
          .filter((record) => matchesFilter(record.metadata))
          .slice(0, remaining === Number.POSITIVE_INFINITY ? undefined : remaining);
        const tuples = await Promise.all(matching.map((record) => this.assembleTuple(thread, keys, record)));
        for (const tuple of tuples) {
          yield tuple;
          remaining -= 1;
          if (remaining <= 0) return;
        }
      }
    }
  }

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error('Cannot store a checkpoint: config.configurable is missing (it needs a thread_id).');
    const threadId = requireThreadId(config.configurable.thread_id);
    const keys = this.threadKeys(threadId);
    const ns = namespaceOf(config);
    const parentId: string | undefined = config.configurable.checkpoint_id || undefined;
    const { channel_values: values = {}, ...withoutValues } = checkpoint;

    const [[checkpointType, checkpointBytes], [metadataType, metadataBytes], channelValues] = await Promise.all([
      this.serde.dumpsTyped(withoutValues),
      this.serde.dumpsTyped(metadata),
      Promise.all(
        Object.entries(newVersions).map(async ([channel, version]): Promise<[string, Buffer]> => {
          const value = (values as Record<string, unknown>)[channel];
          if (value === undefined) return [channelValueField(ns, channel, version), frame({ type: EMPTY_VALUE })];
          const [type, bytes] = await this.serde.dumpsTyped(value);
          return [channelValueField(ns, channel, version), frame({ type }, bytes)];
        }),
      ),
    ]);
    const header: CheckpointRecordHeader = { checkpointType, metadataType, checkpointLength: checkpointBytes.byteLength, parentId };
    const member = checkpointMember(ns, checkpoint.id);

    const transaction = this.binary
      .multi()
      .zAdd(keys.checkpoints, { score: 0, value: member })
      .hSet(keys.checkpointData, member, frame(header, checkpointBytes, metadataBytes));
    if (channelValues.length > 0) transaction.hSet(keys.channelValues, channelValues);
    this.expireInTransaction(transaction, keys);
    await Promise.all([transaction.exec(), this.registerThread(threadId)]);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const threadId = requireThreadId(config.configurable?.thread_id);
    const keys = this.threadKeys(threadId);
    const checkpointId: unknown = config.configurable?.checkpoint_id;
    if (typeof checkpointId !== 'string' || checkpointId === '') {
      throw new Error('Cannot store pending writes: config.configurable.checkpoint_id is missing (writes belong to a stored checkpoint).');
    }
    const ns = namespaceOf(config);
    const records = await Promise.all(
      writes.map(async ([channel, value], position) => {
        const idx = WRITES_IDX_MAP[channel] ?? position;
        const [type, bytes] = await this.serde.dumpsTyped(value);
        const header: WriteRecordHeader = { taskId, channel, type, taskPath: taskPath ?? '', idx };
        return { field: writeField(ns, checkpointId, taskId, idx), idx, record: frame(header, bytes) };
      }),
    );
    const transaction = this.binary.multi();
    for (const { field, idx, record } of records) {
      // Special writes (errors, interrupts, resume values) replace; a retried task's regular
      // writes must not replace what the first attempt stored.
      if (idx < 0) transaction.hSet(keys.writes, field, record);
      else transaction.hSetNX(keys.writes, field, record);
      transaction.zAdd(keys.writeIndex, { score: 0, value: field });
    }
    this.expireInTransaction(transaction, keys);
    await Promise.all([transaction.exec(), this.ttlSeconds === undefined ? undefined : this.markThreadActive(threadId)]);
  }

  async deleteThread(threadId: string): Promise<void> {
    const keys = this.threadKeys(requireThreadId(threadId));
    await Promise.all([this.text.del(keys.all), this.text.zRem(this.threadRegistry, threadId)]);
  }

  // A counter plus a random fraction: two branches forked from one checkpoint get different
  // versions, so they never share (and overwrite) a channel value stored under its version.
  override getNextVersion(current: number | undefined): number {
    return Math.floor(Number(current ?? 0)) + 1 + Math.random();
  }

  private threadKeys(threadId: string): ThreadKeys {
    const base = `${this.keyPrefix}{${hashTag(threadId)}}`;
    const keys = {
      checkpoints: `${base}:checkpoints`,
      checkpointData: `${base}:checkpoint-data`,
      channelValues: `${base}:channel-values`,
      writes: `${base}:writes`,
      writeIndex: `${base}:write-index`,
    };
    return { ...keys, all: Object.values(keys) };
  }

  private async readTuple(threadId: string, keys: ThreadKeys, ns: string, checkpointId: string | undefined): Promise<CheckpointTuple | undefined> {
    const id = checkpointId ?? (await this.latestCheckpointId(keys, ns));
    if (id === undefined) return undefined;
    // Started now so the writes' two round trips overlap the checkpoint's.
    const writes = this.loadWrites(keys, ns, id);
    writes.catch(() => undefined);
    const [record] = await this.loadRecords(keys, [checkpointMember(ns, id)]);
    if (record === undefined) return undefined;
    return this.assembleTuple(threadId, keys, record, writes);
  }

  private async latestCheckpointId(keys: ThreadKeys, ns: string): Promise<string | undefined> {
    const [member] = await this.text.zRange(keys.checkpoints, `(${escapeComponent(ns)}\x01`, `[${escapeComponent(ns)}\0`, {
      BY: 'LEX',
      REV: true,
      LIMIT: { offset: 0, count: 1 },
    });
    return member === undefined ? undefined : parseCheckpointMember(member).id;
  }

  /** Checkpoint members newest first, a page at a time; every namespace when `ns` is undefined. */
  private async *checkpointPages(keys: ThreadKeys, ns: string | undefined, beforeId: string | undefined, pageSize: number): AsyncGenerator<string[]> {
    if (ns === undefined) {
      const all = (await this.text.zRange(keys.checkpoints, '-', '+', { BY: 'LEX' }))
        .map((member) => ({ member, id: parseCheckpointMember(member).id }))
        .filter(({ id }) => beforeId === undefined || id < beforeId)
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      for (let start = 0; start < all.length; start += pageSize) yield all.slice(start, start + pageSize).map(({ member }) => member);
      return;
    }
    const lowest = `[${escapeComponent(ns)}\0`;
    let highest = beforeId === undefined ? `(${escapeComponent(ns)}\x01` : `(${checkpointMember(ns, beforeId)}`;
    for (;;) {
      const page = await this.text.zRange(keys.checkpoints, highest, lowest, { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: pageSize } });
      if (page.length > 0) yield page;
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined) return;
      highest = `(${last}`;
    }
  }

  private async *registeredThreads(): AsyncGenerator<string> {
    for (let start = 0; ; start += PAGE_SIZE) {
      const page = await this.text.zRange(this.threadRegistry, start, start + PAGE_SIZE - 1, { REV: true });
      yield* page;
      if (page.length < PAGE_SIZE) return;
    }
  }

  private async loadRecords(keys: ThreadKeys, members: string[]): Promise<LoadedRecord[]> {
    if (members.length === 0) return [];
    const stored = await this.binary.hmGet(keys.checkpointData, members);
    const records: LoadedRecord[] = [];
    for (const [position, buffer] of stored.entries()) {
      const member = members[position];
      if (buffer === null || buffer === undefined || member === undefined) continue;
      const { header, body } = unframe<CheckpointRecordHeader>(buffer);
      const metadata = (await this.serde.loadsTyped(header.metadataType, copy(body.subarray(header.checkpointLength)))) as CheckpointMetadata;
      records.push({ ...parseCheckpointMember(member), header, body, metadata });
    }
    return records;
  }

  private async assembleTuple(
    threadId: string,
    keys: ThreadKeys,
    record: LoadedRecord,
    writes: Promise<StoredWrite[]> = this.loadWrites(keys, record.ns, record.id),
  ): Promise<CheckpointTuple> {
    const { ns, id, header, body, metadata } = record;
    const stored = (await this.serde.loadsTyped(header.checkpointType, copy(body.subarray(0, header.checkpointLength)))) as Omit<Checkpoint, 'channel_values'>;
    const [channelValues, pendingWrites] = await Promise.all([this.loadChannelValues(keys, ns, stored.channel_versions ?? {}), writes]);
    const checkpoint: Checkpoint = { ...stored, channel_values: channelValues };
    if (checkpoint.v < 4 && header.parentId !== undefined) await this.migratePendingSends(checkpoint, keys, ns, header.parentId);
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: id } },
      checkpoint,
      metadata,
      pendingWrites: pendingWrites.map(({ taskId, channel, value }): CheckpointPendingWrite => [taskId, channel, value]),
    };
    if (header.parentId !== undefined) {
      tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: header.parentId } };
    }
    return tuple;
  }

  private async loadChannelValues(keys: ThreadKeys, ns: string, versions: ChannelVersions): Promise<Record<string, unknown>> {
    const channels = Object.entries(versions);
    if (channels.length === 0) return {};
    const stored = await this.binary.hmGet(
      keys.channelValues,
      channels.map(([channel, version]) => channelValueField(ns, channel, version)),
    );
    const values: Record<string, unknown> = {};
    for (const [position, buffer] of stored.entries()) {
      const channel = channels[position]?.[0];
      if (buffer === null || buffer === undefined || channel === undefined) continue;
      const { header, body } = unframe<{ type: string }>(buffer);
      if (header.type !== EMPTY_VALUE) values[channel] = await this.serde.loadsTyped(header.type, copy(body));
    }
    return values;
  }

  /** The checkpoint's pending writes in `writesSortKey` order, the order LangGraph applies them. */
  private async loadWrites(keys: ThreadKeys, ns: string, checkpointId: string): Promise<StoredWrite[]> {
    const prefix = writeFieldPrefix(ns, checkpointId);
    const fields = await this.text.zRange(keys.writeIndex, `[${prefix}`, `(${prefix.slice(0, -1)}\x01`, { BY: 'LEX' });
    if (fields.length === 0) return [];
    const stored = await this.binary.hmGet(keys.writes, fields);
    const writes: StoredWrite[] = [];
    for (const buffer of stored) {
      if (buffer === null || buffer === undefined) continue;
      const { header, body } = unframe<WriteRecordHeader>(buffer);
      const value: unknown = await this.serde.loadsTyped(header.type, copy(body));
      writes.push({ taskId: header.taskId, channel: header.channel, taskPath: header.taskPath, idx: header.idx, value });
    }
    return writes.sort((a, b) =>
      compareWritesSortKeys(writesSortKey(a.taskPath, a.taskId, a.idx), writesSortKey(b.taskPath, b.taskId, b.idx)),
    );
  }

  // Checkpoints before format 4 kept pending sends in the parent's TASKS writes.
  private async migratePendingSends(checkpoint: Checkpoint, keys: ThreadKeys, ns: string, parentId: string): Promise<void> {
    const sends = (await this.loadWrites(keys, ns, parentId)).filter(({ channel }) => channel === TASKS).map(({ value }) => value);
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_values[TASKS] = sends;
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  private expireInTransaction(transaction: Transaction, keys: ThreadKeys): void {
    if (this.ttlSeconds === undefined) return;
    for (const key of keys.all) transaction.expire(key, this.ttlSeconds);
  }

  /** Refreshes the thread's TTL after a read; nothing to do without a TTL. */
  private async touchThread(threadId: string, keys: ThreadKeys): Promise<void> {
    const ttlSeconds = this.ttlSeconds;
    if (ttlSeconds === undefined) return;
    await Promise.all([...keys.all.map((key) => this.text.expire(key, ttlSeconds)), this.markThreadActive(threadId)]);
  }

  /** Records a thread for `list` without a thread id; only `put` adds threads. */
  private async registerThread(threadId: string): Promise<void> {
    const now = Date.now();
    const registered = this.text.zAdd(this.threadRegistry, { score: now, value: threadId });
    // With a TTL, threads untouched for longer than it have expired; forget them here so the
    // registry does not grow forever.
    const forgotten = this.ttlSeconds === undefined ? undefined : this.text.zRemRangeByScore(this.threadRegistry, '-inf', `(${now - this.ttlSeconds * 1000}`);
    await Promise.all([registered, forgotten]);
  }

  /** Moves a registered thread's last-use time forward; a read of an unknown thread adds nothing. */
  private async markThreadActive(threadId: string): Promise<void> {
    await this.text.zAdd(this.threadRegistry, { score: Date.now(), value: threadId }, { condition: 'XX' });
  }
}

function requireThreadId(threadId: unknown): string {
  if (typeof threadId !== 'string' || threadId === '') {
    throw new Error(`Redis checkpoints need config.configurable.thread_id to be a non-empty string, got ${JSON.stringify(threadId)}.`);
  }
  return threadId;
}

/** The thread id made safe for a hash tag: no `}` (which would end the tag), and reversible. */
function hashTag(threadId: string): string {
  return threadId.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key component with no NUL, so NUL can separate components in members and fields. */
function escapeComponent(value: string): string {
  return value.replace(/[%\0]/g, (char) => (char === '%' ? '%25' : '%00'));
}

function unescapeComponent(value: string): string {
  return value.replace(/%(25|00)/g, (_match, code: string) => (code === '25' ? '%' : '\0'));
}

function namespaceOf(config: RunnableConfig): string {
  return config.configurable?.checkpoint_ns ?? '';
}

// The id stays raw so that the sorted set orders checkpoints exactly by id.
function checkpointMember(ns: string, checkpointId: string): string {
  return `${escapeComponent(ns)}\0${checkpointId}`;
}

function parseCheckpointMember(member: string): { ns: string; id: string } {
  const separator = member.indexOf('\0');
  return { ns: unescapeComponent(member.slice(0, separator)), id: member.slice(separator + 1) };
}

function channelValueField(ns: string, channel: string, version: number | string): string {
  return JSON.stringify([ns, channel, version]);
}

function writeFieldPrefix(ns: string, checkpointId: string): string {
  return `${escapeComponent(ns)}\0${escapeComponent(checkpointId)}\0`;
}

function writeField(ns: string, checkpointId: string, taskId: string, idx: number): string {
  return `${writeFieldPrefix(ns, checkpointId)}${taskId}\0${idx}`;
}

/** A JSON header line, then raw bytes: binary-safe values without base64. */
function frame(header: object, ...parts: Uint8Array[]): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...parts]);
}

function unframe<Header>(buffer: Buffer): { header: Header; body: Buffer } {
  const newline = buffer.indexOf(10);
  return { header: JSON.parse(buffer.subarray(0, newline).toString('utf8')) as Header, body: buffer.subarray(newline + 1) };
}

// Serializers may keep the bytes they are given (type "bytes"); hand them their own copy rather
// than a view into the client's reply buffer.
function copy(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes);
}

async function* single<T>(value: T): AsyncGenerator<T> {
  yield value;
}
