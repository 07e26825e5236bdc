import type { MessageDedupe } from '../ports.js';
import { storeFailure, type RedisClient } from './connection.js';

/** One `SET NX PX` per claim: atomic across every replica sharing the Redis. */
export class RedisMessageDedupe implements MessageDedupe {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(`${this.keyPrefix}dedupe:${key}`, '1', { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }).catch(storeFailure);
    return reply === 'OK';
  }
}
