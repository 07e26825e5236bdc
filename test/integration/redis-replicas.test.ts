// Two bot "processes" sharing one Redis (each with its own Redis connection, SQLite connection,
// graph and bot, opened through the same configuration path as `crosstalk run`), and one bot
// riding out a Redis outage.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Assistant } from '../../src/assistant.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ChatMessage, ThreadRef } from '../../src/model.js';
import type { OpenedStores } from '../../src/stores/open-stores.js';
import { RecordingSurface } from '../fakes/recording-surface.js';
import { reachRedis, startRedisServer, waitUntil, type OwnRedis, type TestRedis } from '../redis/redis-server.js';

const logger = createLogger('silent');
let redis: TestRedis;
let dir: string;
const apps: App[] = [];

beforeAll(async () => {
  redis = await reachRedis();
}, 30_000);
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One replica: the app as `crosstalk run` builds it, with REDIS_URL set; transcripts stay in SQLite. */
async function startReplica(redisUrl: string, keyPrefix: string): Promise<App> {
  const config = loadConfig({ DATA_DIR: dir, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, CHECKPOINT_TTL_DAYS: '1' });
  const app = await createApp(config, logger);
  apps.push(app);
  return app;
}

async function startReplicas(count: number, redisUrl = redis.url): Promise<App[]> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-replicas-'));
  const keyPrefix = `crosstalk-test:${randomUUID()}:`;
  const replicas: App[] = [];
  for (let n = 0; n < count; n++) replicas.push(await startReplica(redisUrl, keyPrefix));
  await replicas[0]!.stores.knowledge.replaceSource('T1', { id: 'docs/deploy.md', title: 'Deploy guide' }, [
    'To deploy, run make release from main. Staging comes first, production after approval.',
  ]);
  return replicas;
}

/** Records every turn (across replicas) and how many ran at once. */
function watchTurns(replicas: App[]) {
  const turns: string[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  for (const app of replicas) {
    const bot = app.bot as unknown as { deps: { assistant: Assistant } };
    const inner = bot.deps.assistant;
    bot.deps.assistant = {
      startTurn(thread, messages) {
        turns.push(messages.map((message) => message.text));
        mostAtOnce = Math.max(mostAtOnce, ++running);
        const run = inner.startTurn(thread, messages);
        void run.done.catch(() => {}).finally(() => (running -= 1));
        return run;
      },
    };
  }
  return { turns, mostAtOnce: () => mostAtOnce };
}

const THREAD: ThreadRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1700000000.000100' };
let sequence = 0;
function mention(text: string, thread: ThreadRef = THREAD): ChatMessage {
  return {
    id: `${Date.now()}.${++sequence}`,
    thread,
    author: { id: 'U1', name: 'alice', isBot: false },
    text: `@crosstalk ${text}`,
    kind: 'mention',
    receivedAt: new Date(),
  };
}

const idle = (replicas: App[]) => Promise.all(replicas.map((app) => app.bot.idle()));

describe('two replicas sharing Redis', () => {
  it('given the same event delivered to both, posts exactly one reply', async () => {
    const [first, second] = await startReplicas(2);
    const surface = new RecordingSurface();
    const message = mention('what is our deploy process?');

    await Promise.all([first!.bot.handle(message, surface), second!.bot.handle({ ...message }, surface)]);
    await idle([first!, second!]);

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]!.thread).toEqual(THREAD);
    expect(surface.replies[0]!.shown).toContain('To deploy, run make release from main.');
  }, 60_000);

  it('given 50 messages in one thread delivered alternately to both, answers each once, in order, one turn at a time', async () => {
    const replicas = await startReplicas(2);
    const watch = watchTurns(replicas);
    const surface = new RecordingSurface();
    const texts = Array.from({ length: 50 }, (_, n) => `question ${n + 1} about deploys`);

    // Each delivery returns once the message is queued; the turns run meanwhile, on either replica.
    for (const [n, text] of texts.entries()) await replicas[n % 2]!.bot.handle(mention(text), surface);
    await waitUntil(async () => watch.turns.flat().length >= 50, 'not every message was answered', 60_000);
    await idle(replicas);

    expect(watch.turns.flat()).toEqual(texts.map((text) => `@crosstalk ${text}`));
    expect(watch.mostAtOnce()).toBe(1);
    expect(surface.replies).toHaveLength(watch.turns.length);
    expect(surface.replies.every((reply) => reply.complete && reply.shown.includes('make release'))).toBe(true);
    expect(await replicas[0]!.stores.inbox.pendingThreads()).toEqual([]);
  }, 90_000);

  it('given 50 messages in one thread delivered to both at once, loses none and doubles none', async () => {
    const replicas = await startReplicas(2);
    const watch = watchTurns(replicas);
    const surface = new RecordingSurface();
    const texts = Array.from({ length: 50 }, (_, n) => `@crosstalk question ${n + 1} about deploys`);

    await Promise.all(texts.map((text, n) => replicas[n % 2]!.bot.handle({ ...mention(''), text }, surface)));
    await waitUntil(async () => watch.turns.flat().length >= 50, 'not every message was answered', 60_000);
    await idle(replicas);

    expect([...watch.turns.flat()].sort()).toEqual([...texts].sort());
    expect(watch.mostAtOnce()).toBe(1);
    const transcript = await replicas[1]!.stores.transcripts.thread(THREAD, 500);
    expect(transcript.filter((entry) => entry.direction === 'inbound')).toHaveLength(50);
    expect(transcript.filter((entry) => entry.direction === 'outbound')).toHaveLength(surface.replies.length);
  }, 90_000);
});

describe('a Redis outage during a run', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await own.stop();
  });

  it('apologises for turns during the outage, answers again once Redis is back, and keeps every message', async () => {
    const [app] = await startReplicas(1, own.url);
    const client = (app!.stores as OpenedStores).redis!;
    const surface = new RecordingSurface();
    const thread = (id: string): ThreadRef => ({ ...THREAD, threadId: id });

    await app!.bot.handle(mention('what is our deploy process?', thread('1')), surface);
    await app!.bot.idle();

    await own.stop();
    await waitUntil(() => !client.isReady, 'the client never noticed Redis had stopped');
    await app!.bot.handle(mention('is staging first?', thread('2')), surface);
    await app!.bot.handle(mention('who approves production?', thread('1')), surface);
    await app!.bot.idle();

    await own.start();
    await waitUntil(() => client.isReady, 'the client did not reconnect once Redis was back', 30_000);
    await app!.bot.handle(mention('and how do I roll back a deploy?', thread('3')), surface);
    await app!.bot.idle();

    const apology = 'Sorry, I could not answer that: my storage is not available. Your message is saved; ask again in a moment.';
    expect(surface.replies.map((reply) => [reply.thread.threadId, reply.shown])).toEqual([
      ['1', expect.stringContaining('To deploy, run make release')],
      ['2', apology],
      ['1', apology],
      ['3', expect.stringContaining('To deploy, run make release')],
    ]);
    const inbound = await Promise.all(['1', '2', '3'].map(async (id) => (await app!.stores.transcripts.thread(thread(id))).filter((entry) => entry.direction === 'inbound').map((entry) => entry.text)));
    expect(inbound).toEqual([
      ['@crosstalk what is our deploy process?', '@crosstalk who approves production?'],
      ['@crosstalk is staging first?'],
      ['@crosstalk and how do I roll back a deploy?'],
    ]);
  }, 90_000);
});
