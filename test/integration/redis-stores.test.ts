// The Redis coordination stores (dedupe, locks, turn inbox) against the coordination conformance
// suites on a real Redis, plus what only Redis can get wrong: key layout and start-up checks.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { threadKey, type ChatMessage } from '../../src/model.js';
import { connectRedis, type RedisClient } from '../../src/stores/redis/connection.js';
import { RedisMessageDedupe } from '../../src/stores/redis/dedupe.js';
import { RedisTurnInbox } from '../../src/stores/redis/inbox.js';
import { RedisThreadLocks } from '../../src/stores/redis/locks.js';
import { StoreUnavailableError } from '../../src/stores/sqlite/database.js';
import { describeMessageDedupe, describeThreadLocks, describeTurnInbox } from '../conformance/coordination.js';
import { freePort, reachRedis, type TestRedis } from '../redis/redis-server.js';

const logger = createLogger('silent');
const RUN_PREFIX = `crosstalk-test:${randomUUID()}:`;
let redis: TestRedis;
let client: RedisClient;
let prefixes = 0;

beforeAll(async () => {
  redis = await reachRedis();
  client = await connectRedis(redis.url, logger);
}, 30_000);

afterAll(async () => {
  for await (const keys of client.scanIterator({ MATCH: `${RUN_PREFIX}*`, COUNT: 1_000 })) if (keys.length > 0) await client.del(keys);
  await client.close();
  await redis.stop();
});

/** A store under a key prefix of its own; cleanup deletes its keys. */
function redisStore<T>(create: (client: RedisClient, prefix: string) => T) {
  return async () => {
    const prefix = `${RUN_PREFIX}${++prefixes}:`;
    return {
      store: create(client, prefix),
      cleanup: async () => {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1_000 })) if (keys.length > 0) await client.del(keys);
      },
    };
  };
}

describeMessageDedupe('Redis', redisStore((c, prefix) => new RedisMessageDedupe(c, prefix)));
describeThreadLocks('Redis', redisStore((c, prefix) => new RedisThreadLocks(c, prefix)));
describeTurnInbox('Redis', redisStore((c, prefix) => new RedisTurnInbox(c, prefix)));

describe('the Redis stores', () => {
  const thread = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1700000000.000100' } as const;
  const message = (id: string): ChatMessage => ({
    id,
    thread,
    author: { id: 'U1', name: 'Ada', isBot: false },
    text: `message ${id}`,
    kind: 'mention',
    receivedAt: new Date(0),
  });

  it("keeps one thread's lock and inbox under one hash tag, so Redis Cluster can serve it", async () => {
    const prefix = `${RUN_PREFIX}${++prefixes}:`;
    const key = threadKey({ ...thread, threadId: '{odd}%id' });
    const lease = await new RedisThreadLocks(client, prefix).acquire(key, 60_000);
    await new RedisTurnInbox(client, prefix).push(key, message('m1'));

    const keys: string[] = [];
    for await (const found of client.scanIterator({ MATCH: `${prefix}*` })) keys.push(...found);
    const threadKeys = keys.filter((name) => !name.endsWith('inbox:pending'));
    const tags = new Set(threadKeys.map((name) => /\{([^}]*)\}/.exec(name)?.[1]));
    expect(threadKeys.length).toBeGreaterThanOrEqual(3);
    expect(tags.size).toBe(1);
    expect([...tags][0]).not.toMatch(/[{}]/);
    await lease!.release();
  });

  it('lets a second process see a message the first pushed, and resume it', async () => {
    const prefix = `${RUN_PREFIX}${++prefixes}:`;
    const other = await connectRedis(redis.url, logger);
    try {
      await new RedisTurnInbox(client, prefix).push(threadKey(thread), message('m1'));

      const inbox = new RedisTurnInbox(other, prefix);
      expect(await inbox.pendingThreads()).toEqual([threadKey(thread)]);
      expect((await inbox.peek(threadKey(thread), 5)).map((waiting) => waiting.id)).toEqual(['m1']);
      await inbox.ack(threadKey(thread), ['m1']);
      expect(await new RedisTurnInbox(client, prefix).pendingThreads()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('stops the start with one line naming REDIS_URL and the fix when Redis does not answer', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;

    const failure = connectRedis(url, logger, { connectTimeoutMs: 2_000 });

    await expect(failure).rejects.toThrow(StoreUnavailableError);
    await expect(connectRedis(url, logger, { connectTimeoutMs: 2_000 })).rejects.toThrow(
      new RegExp(`^REDIS_URL is set but Redis did not answer at redis://127\\.0\\.0\\.1:\\d+ .*: start Redis or unset REDIS_URL for the embedded store\\.$`),
    );
  });

  it('keeps the password out of the start-up message', async () => {
    const url = `redis://user:s3cret@127.0.0.1:${await freePort()}`;

    await expect(connectRedis(url, logger, { connectTimeoutMs: 2_000 })).rejects.toThrow(/redis:\/\/user:\*\*\*@127\.0\.0\.1/);
    await expect(connectRedis(url, logger, { connectTimeoutMs: 2_000 })).rejects.not.toThrow(/s3cret/);
  });
});
