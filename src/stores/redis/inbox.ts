import type { ChatMessage } from '../../model.js';
import { messageFromJson, messageToJson } from '../message-json.js';
import type { TurnInbox } from '../ports.js';
import { storeFailure, type RedisClient } from './connection.js';
import { hashTag } from './hash-tag.js';

// Per thread, under one hash tag: `order` (sorted set, message id by arrival number), `messages`
// (hash, id -> message JSON) and `seq` (the arrival counter). A push is one script so that a
// message pushed twice keeps its first place and a single copy.
const PUSH = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;
const ACK = `
for i = 1, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[3]) end
return left`;

/**
 * The turn inbox on Redis. `pending` (one set, outside every thread's slot) lists threads with
 * waiting messages; it is written beside the thread's own keys, never in the same script, so the
 * store works on Redis Cluster. It may briefly list a thread whose inbox just emptied;
 * `pendingThreads` checks each one.
 */
export class RedisTurnInbox implements TurnInbox {
  private readonly pending: string;

  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
  ) {
    this.pending = `${keyPrefix}inbox:pending`;
  }

  push(threadKey: string, message: ChatMessage): Promise<void> {
    return this.pushNow(threadKey, message).catch(storeFailure);
  }

  peek(threadKey: string, limit: number): Promise<ChatMessage[]> {
    return this.peekNow(threadKey, limit).catch(storeFailure);
  }

  ack(threadKey: string, messageIds: string[]): Promise<void> {
    return this.ackNow(threadKey, messageIds).catch(storeFailure);
  }

  pendingThreads(): Promise<string[]> {
    return this.pendingNow().catch(storeFailure);
  }

  private async pushNow(threadKey: string, message: ChatMessage): Promise<void> {
    const keys = this.keys(threadKey);
    // Listed first: a crash between the two leaves a harmless extra entry, never a lost thread.
    await this.client.sAdd(this.pending, threadKey);
    await this.client.eval(PUSH, { keys: [keys.order, keys.messages, keys.seq], arguments: [message.id, messageToJson(message)] });
  }

  private async peekNow(threadKey: string, limit: number): Promise<ChatMessage[]> {
    if (limit <= 0) return [];
    const keys = this.keys(threadKey);
    const ids = await this.client.zRange(keys.order, 0, limit - 1);
    if (ids.length === 0) return [];
    const payloads = await this.client.hmGet(keys.messages, ids);
    // A message acked between the two reads is gone from the hash: it is no longer waiting.
    return payloads.filter((payload): payload is string => typeof payload === 'string').map(messageFromJson);
  }

  private async ackNow(threadKey: string, messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    const keys = this.keys(threadKey);
    const left = await this.client.eval(ACK, { keys: [keys.order, keys.messages, keys.seq], arguments: messageIds });
    if (left === 0) await this.forgetIfEmpty(threadKey);
  }

  private async pendingNow(): Promise<string[]> {
    const listed = await this.client.sMembers(this.pending);
    const counts = await Promise.all(listed.map((threadKey) => this.client.zCard(this.keys(threadKey).order)));
    const empty = listed.filter((_, n) => counts[n] === 0);
    await Promise.all(empty.map((threadKey) => this.forgetIfEmpty(threadKey)));
    return listed.filter((_, n) => (counts[n] ?? 0) > 0);
  }

  /** Drops the thread from `pending`, putting it back if a push landed in between. */
  private async forgetIfEmpty(threadKey: string): Promise<void> {
    await this.client.sRem(this.pending, threadKey);
    if ((await this.client.zCard(this.keys(threadKey).order)) > 0) await this.client.sAdd(this.pending, threadKey);
  }

  private keys(threadKey: string) {
    const base = `${this.keyPrefix}${hashTag(threadKey)}:inbox`;
    return { order: `${base}:order`, messages: `${base}:messages`, seq: `${base}:seq` };
  }
}
