// Crosstalk on Discord split over two processes, one shard each (SHARD_COUNT=2 with
// DISCORD_SHARDS=0 and DISCORD_SHARDS=1), sharing one Redis and one transcript store: the real
// discord.js clients against the local gateway, which routes each guild's events to the session of
// the guild's shard as Discord does. Which process handled what is read from each one's metrics.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { MessageKind } from '../../src/model.js';
import { shardOf } from '../fakes/discord-gateway.js';
import { ALICE, GENERAL_CHANNEL_ID, GUILD_ID, OTHER_GENERAL_CHANNEL_ID, OTHER_GUILD_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-rest.js';
import { metricValue } from '../metrics/metric-value.js';
import { reachRedis, type TestRedis } from '../redis/redis-server.js';
import { MENTION, startDiscordProcess, waitFor, type DiscordProcess } from './discord-harness.js';

let redis: TestRedis;
let dir: string;
let keyPrefix: string;
let discord: FakeDiscord;
const running: DiscordProcess[] = [];

beforeAll(async () => {
  redis = await reachRedis();
}, 30_000);
afterAll(async () => {
  await redis.stop();
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-discord-shards-'));
  keyPrefix = `crosstalk-test:${randomUUID()}:`;
  discord = await startFakeDiscord({ recommendedShards: 2 });
});

afterEach(async () => {
  for (const started of running.splice(0)) await started.stop();
  await discord.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One shard process: its own app and gateway session; Redis and the SQLite transcripts shared with the others. */
async function startShardProcess(env: Record<string, string>): Promise<App> {
  const started = await startDiscordProcess(discord, { DATA_DIR: dir, REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix, ...env });
  running.push(started);
  return started.app;
}

/** The surface a process's jobs and resumed turns post through. */
const surfaceOf = (app: App) => running.find((entry) => entry.app === app)!.platform.surface;

/** The `[id, count]` of every IDENTIFY the gateway received, in order. */
const identified = () => discord.gateway.received.filter((payload) => payload.op === 2).map((payload) => (payload.d as { shard: number[] }).shard);

/** Discord events of one kind this process received, as its GET /metrics counts them. */
async function received(app: App, kind: MessageKind): Promise<number> {
  return metricValue(await app.metrics.text(), 'crosstalk_events_received_total', { platform: 'discord', kind }) || 0;
}

async function receivedByEach(apps: App[], kind: MessageKind): Promise<number[]> {
  return Promise.all(apps.map((app) => received(app, kind)));
}

async function settled(apps: App[], channelId: string) {
  await Promise.all(apps.map((app) => app.bot.idle()));
  return discord.botMessages(channelId);
}

describe('Crosstalk on Discord over two shard processes', () => {
  it('has two guilds that Discord puts on different shards of two', () => {
    expect(shardOf(GUILD_ID, 2)).toBe(0);
    expect(shardOf(OTHER_GUILD_ID, 2)).toBe(1);
  });

  it('each process identifies with only its own shard', async () => {
    await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '0' });
    expect(identified()).toEqual([[0, 2]]);
    await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '1' });
    expect(identified()).toEqual([[0, 2], [1, 2]]);
  });

  it('answers a mention in each guild once, from the process that runs the guild\'s shard', async () => {
    const apps = [await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '0' }), await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '1' })];

    const acme = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} what is our deploy process?`);
    await waitFor('the reply in Acme', () => discord.botMessages(acme.id).length > 0);
    expect(await settled(apps, acme.id)).toHaveLength(1);
    expect(await receivedByEach(apps, 'mention')).toEqual([1, 0]);

    const globex = discord.say(OTHER_GENERAL_CHANNEL_ID, ALICE, `${MENTION} what is our deploy process?`);
    await waitFor('the reply in Globex', () => discord.botMessages(globex.id).length > 0);
    expect(await settled(apps, globex.id)).toHaveLength(1);
    expect(await receivedByEach(apps, 'mention')).toEqual([1, 1]);

    // The transcript store is shared: shard 0's process reads the conversation shard 1's had.
    const thread = { platform: 'discord' as const, workspaceId: OTHER_GUILD_ID, channelId: OTHER_GENERAL_CHANNEL_ID, threadId: globex.id };
    const transcript = await apps[0]!.stores.transcripts.thread(thread, 10);
    expect(transcript.map((entry) => entry.direction)).toEqual(['inbound', 'outbound']);
  });

  it('takes direct messages on shard 0 and a guild\'s slash commands on that guild\'s shard', async () => {
    const apps = [await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '0' }), await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '1' })];

    const dm = discord.dmChannel(ALICE);
    discord.say(dm.id, ALICE, 'hi, what is our deploy process?');
    await waitFor('the DM reply', () => discord.botMessages(dm.id).length > 0);
    expect(await settled(apps, dm.id)).toHaveLength(1);
    expect(await receivedByEach(apps, 'dm')).toEqual([1, 0]);

    const id = discord.slashCommand(OTHER_GENERAL_CHANNEL_ID, ALICE, 'help');
    await waitFor('the help reply', () => discord.interactionMessages(id)[0]);
    await settled(apps, OTHER_GENERAL_CHANNEL_ID);
    expect(await receivedByEach(apps, 'command')).toEqual([0, 1]);
    expect(discord.calls.filter((call) => call.path.startsWith(`/interactions/${id}/`))).toHaveLength(1);
  });

  it('posts to and reads a guild on the other process\'s shard, as a digest or a resumed turn run by any process does', async () => {
    const [shard0] = [await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '0' }), await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '1' })];
    const since = new Date(Date.now() - 1_000);
    const channel = { platform: 'discord', workspaceId: OTHER_GUILD_ID, channelId: OTHER_GENERAL_CHANNEL_ID } as const;
    discord.say(OTHER_GENERAL_CHANNEL_ID, ALICE, 'the release train leaves at noon', { silently: true });
    const digest = await surfaceOf(shard0!).postToChannel(channel, '**Digest for #general**: the release train');

    expect(discord.botMessages(OTHER_GENERAL_CHANNEL_ID).map((message: { content: string }) => message.content)).toEqual(['**Digest for #general**: the release train']);
    expect((await surfaceOf(shard0!).readHistory(channel, since)).map((message) => message.text)).toEqual([
      'the release train leaves at noon',
      '**Digest for #general**: the release train',
    ]);
    expect(await surfaceOf(shard0!).readOwnPosts!(channel, since)).toEqual([{ id: digest.id, text: '**Digest for #general**: the release train' }]);

    const question = discord.say(OTHER_GENERAL_CHANNEL_ID, ALICE, 'when does it leave?', { silently: true });
    discord.userThread(OTHER_GENERAL_CHANNEL_ID, question.id, ALICE, 'release train');
    await surfaceOf(shard0!).reply({ ...channel, threadId: question.id }, 'At noon.');
    expect(discord.botMessages(question.id).map((message: { content: string }) => message.content)).toEqual(['At noon.']);
  });

  describe('with the SHARDS and SHARD_COUNT a discord.js ShardingManager sets in the environment', () => {
    const saved = { SHARDS: process.env.SHARDS, SHARD_COUNT: process.env.SHARD_COUNT };
    beforeEach(() => {
      process.env.SHARDS = '[1]';
      process.env.SHARD_COUNT = '3';
    });
    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('runs the shards DISCORD_SHARDS names', async () => {
      await startShardProcess({ SHARD_COUNT: '2', DISCORD_SHARDS: '0' });
      expect(identified()).toEqual([[0, 2]]);
    });

    it('runs every shard of SHARD_COUNT when DISCORD_SHARDS is unset', async () => {
      await startShardProcess({ SHARD_COUNT: '2' });
      expect(identified()).toEqual([[0, 2], [1, 2]]);
    });

    it('keeps SHARD_COUNT=1 (discord.js\'s own default) as configured', async () => {
      await startShardProcess({ SHARD_COUNT: '1' });
      expect(identified()).toEqual([[0, 1]]);
    });
  });
});
