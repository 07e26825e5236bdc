// LLM_CACHE=redis: the real ChatOpenAI client against the local OpenAI-compatible server, with
// LangChain's RedisCache on a real Redis, through the app as `crosstalk run` builds it.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import type { ChatMessage } from '../../src/model.js';
import { createLogger } from '../../src/logger.js';
import { connectRedis, type RedisClient } from '../../src/stores/redis/connection.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { RecordingSurface } from '../fakes/recording-surface.js';
import { reachRedis, type TestRedis } from '../redis/redis-server.js';

let redis: TestRedis;
let client: RedisClient;
let openai: FakeOpenAI;

beforeAll(async () => {
  redis = await reachRedis();
  client = await connectRedis(redis.url, createLogger('silent'));
  openai = await startFakeOpenAI();
}, 30_000);
afterAll(async () => {
  await openai.close();
  await client.close();
  await redis.stop();
});

it('stores the model\'s answers in Redis when LLM_CACHE=redis, and answers a repeated prompt from it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-llm-cache-'));
  const config = loadConfig({
    DATA_DIR: dir,
    OPENAI_BASE_URL: openai.url,
    LLM_MODEL: 'test-model',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `crosstalk-test:${randomUUID()}:`,
    LLM_CACHE: 'redis',
  });
  const app = await createApp(config, createLogger('silent'));
  try {
    const surface = new RecordingSurface();
    // Unique text, so an entry left by an earlier run cannot answer it.
    const marker = randomUUID();
    const question = `@crosstalk please repeat ${marker}`;
    const ask = (threadId: string, id: string): ChatMessage => ({
      id,
      thread: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId },
      author: { id: 'U1', name: 'alice', isBot: false },
      text: question,
      kind: 'mention',
      receivedAt: new Date(0),
    });

    await app.bot.handle(ask('1.1', '1.1'), surface);
    await app.bot.idle();
    const requestsForFirst = openai.requests.length;
    // The same question in another thread makes the same prompt: the cache answers it.
    await app.bot.handle(ask('2.1', '2.1'), surface);
    await app.bot.idle();
    expect(openai.requests.length).toBe(requestsForFirst);
    expect(surface.replies).toHaveLength(2);
    expect(surface.replies[1]!.shown).toBe(surface.replies[0]!.shown);

    // The model's answer is in Redis, under LangChain's cache key.
    const cached: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: '*', COUNT: 1_000, TYPE: 'string' })) {
      for (const key of keys.filter((name) => /^[0-9a-f]{64}$/.test(name))) {
        const value = await client.get(key);
        if (value?.includes(marker)) cached.push(value);
      }
    }
    expect(requestsForFirst).toBeGreaterThan(0);
    expect(cached.length).toBeGreaterThan(0);
    expect(surface.replies[0]!.shown).toContain(`please repeat ${marker}`);
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('refuses LLM_CACHE=redis without REDIS_URL, naming both', () => {
  expect(() => loadConfig({ LLM_CACHE: 'redis' })).toThrow('LLM_CACHE=redis needs REDIS_URL: set REDIS_URL, or unset LLM_CACHE.');
});
