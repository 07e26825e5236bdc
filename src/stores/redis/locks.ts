import { randomUUID } from 'node:crypto';
import type { Lease, ThreadLocks } from '../ports.js';
import { storeFailure, type RedisClient } from './connection.js';
import { hashTag } from './hash-tag.js';

// Compare-and-act must be one step, or an owner whose lease lapsed could extend or delete the
// lock a new owner just took; a script is the one atomic compare-and-act plain Redis offers.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A lock per thread: a key holding its owner's random token, with Redis keeping the expiry. */
export class RedisThreadLocks implements ThreadLocks {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const lockKey = `${this.keyPrefix}${hashTag(key)}:lock`;
    const owner = randomUUID();
    const taken = await this.client.set(lockKey, owner, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }).catch(storeFailure);
    if (taken !== 'OK') return undefined;
    return {
      renew: async (renewTtlMs) => (await this.client.eval(RENEW, { keys: [lockKey], arguments: [owner, String(renewTtlMs)] }).catch(storeFailure)) === 1,
      release: async () => {
        await this.client.eval(RELEASE, { keys: [lockKey], arguments: [owner] }).catch(storeFailure);
      },
    };
  }
}
