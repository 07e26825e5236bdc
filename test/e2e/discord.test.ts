// Crosstalk on Discord end to end: the real discord.js client, through the real app (SQLite
// stores in a temp folder), against a local gateway and REST server speaking Discord's wire
// format. Assertions read what a user of the server would see.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fenceAfter } from '../../adapters/discord/split.js';
import type { App } from '../../src/app.js';
import { ALICE, APPLICATION_ID, BOB, BOT_USER, GENERAL_CHANNEL_ID, GUILD_ID, ONCALL_ROLE_ID, OTHER_BOT, RANDOM_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-rest.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { MENTION, startDiscordProcess, waitFor, type DiscordProcess } from './discord-harness.js';

const OFFLINE_NOTE = /no language model/i;

let dir: string;
let discord: FakeDiscord;
let openai: FakeOpenAI | undefined;
const running: DiscordProcess[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-discord-'));
  discord = await startFakeDiscord();
});

afterEach(async () => {
  for (const started of running.splice(0)) await started.stop();
  await discord.close();
  await openai?.close();
  openai = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startBot(env: Record<string, string> = {}) {
  const started = await startDiscordProcess(discord, { DATA_DIR: dir, ...env });
  running.push(started);
  return started.app;
}

/** The surface the running bot posts through (digests use it directly). */
const surfaceOf = (app: App) => running.find((entry) => entry.app === app)!.platform.surface;

/** Waits until the bot has nothing in flight, then returns the bot's messages in a channel. */
async function settled(app: App, channelId: string) {
  await app.bot.idle();
  return discord.botMessages(channelId);
}

describe('Crosstalk on Discord', () => {
  it('finds its own channel posts (a digest checks them before posting again) and reads history oldest first', async () => {
    const app = await startBot();
    const since = new Date(Date.now() - 1_000);
    const channel = { platform: 'discord', workspaceId: GUILD_ID, channelId: RANDOM_CHANNEL_ID } as const;
    discord.say(RANDOM_CHANNEL_ID, ALICE, 'first chatter', { silently: true });
    discord.say(RANDOM_CHANNEL_ID, BOB, 'second chatter', { silently: true });
    const posted = await surfaceOf(app).postToChannel(channel, '**Digest for #random**: nothing much');

    expect(await surfaceOf(app).readOwnPosts!(channel, since)).toEqual([{ id: posted.id, text: '**Digest for #random**: nothing much' }]);
    const history = await surfaceOf(app).readHistory(channel, since);
    expect(history.map((message) => message.text)).toEqual(['first chatter', 'second chatter', '**Digest for #random**: nothing much']);
  });

  it('answers a mention in a channel with one reply in a new thread on that message', async () => {
    const app = await startBot();
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} what is our deploy process?`);

    const replies = await waitFor('a reply in the thread', () => discord.botMessages(question.id).length > 0 && discord.botMessages(question.id));
    expect(discord.channel(question.id)).toMatchObject({ type: 11, parent_id: GENERAL_CHANNEL_ID, owner_id: BOT_USER.id });
    expect(replies[0].content).toMatch(OFFLINE_NOTE);
    expect(await settled(app, question.id)).toHaveLength(1);
    expect(discord.botMessages(GENERAL_CHANNEL_ID)).toHaveLength(0);
    const typing = discord.calls.filter((call) => call.method === 'POST' && call.path === `/channels/${question.id}/typing`);
    expect(typing.length).toBeGreaterThan(0);
  });

  it('answers a follow-up in its thread without a mention, and leaves channel chatter alone', async () => {
    const app = await startBot();
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} what is our deploy process?`);
    await waitFor('the first reply', () => discord.botMessages(question.id).length === 1);
    await app.bot.idle();

    discord.say(question.id, ALICE, 'and how do I roll back?');
    discord.say(GENERAL_CHANNEL_ID, BOB, 'lunch anyone?');
    await waitFor('the follow-up reply', () => discord.botMessages(question.id).length === 2);
    expect(await settled(app, question.id)).toHaveLength(2);
    expect(discord.botMessages(GENERAL_CHANNEL_ID)).toHaveLength(0);
  });

  it('answers a direct message in the DM channel', async () => {
    const app = await startBot();
    const dm = discord.dmChannel(ALICE);
    discord.say(dm.id, ALICE, 'hi, what is our deploy process?');
    const replies = await waitFor('a DM reply', () => discord.botMessages(dm.id).length > 0 && discord.botMessages(dm.id));
    expect(replies[0].content).toMatch(OFFLINE_NOTE);
    expect(await settled(app, dm.id)).toHaveLength(1);
  });

  it('ignores its own messages and other bots', async () => {
    const app = await startBot();
    const own = discord.say(GENERAL_CHANNEL_ID, BOT_USER, `${MENTION} talking to myself`);
    const bot = discord.say(GENERAL_CHANNEL_ID, OTHER_BOT, `${MENTION} deploy finished`);
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} anything new?`);
    await waitFor('the reply to the person', () => discord.botMessages(question.id).length === 1);
    await app.bot.idle();
    expect(discord.channel(own.id)).toBeUndefined();
    expect(discord.channel(bot.id)).toBeUndefined();
    expect(discord.botMessages(GENERAL_CHANNEL_ID).map((message: { id: string }) => message.id)).toEqual([own.id]);
  });

  it('reads an existing thread before answering a mention in it, with mentions as names', async () => {
    const app = await startBot();
    const root = discord.say(GENERAL_CHANNEL_ID, BOB, 'deploy is failing on staging', { silently: true });
    discord.userThread(GENERAL_CHANNEL_ID, root.id, BOB, 'staging deploy');
    discord.say(root.id, BOB, `<@&${ONCALL_ROLE_ID}> the canary in <#${RANDOM_CHANNEL_ID}> shows errors`, { silently: true });
    const mention = discord.say(root.id, ALICE, `${MENTION} <@${BOB.id}> asked: what should we check?`);

    await waitFor('the reply in the thread', () => discord.botMessages(root.id).length === 1);
    await app.bot.idle();
    const ref = { platform: 'discord' as const, workspaceId: GUILD_ID, channelId: GENERAL_CHANNEL_ID, threadId: root.id };
    const transcript = await app.stores.transcripts.thread(ref, 50);
    const texts = transcript.filter((entry) => entry.direction === 'inbound').map((entry) => entry.text);
    expect(texts).toEqual([
      'deploy is failing on staging',
      '@oncall the canary in #random shows errors',
      '@crosstalk @bob asked: what should we check?',
    ]);
    expect(transcript.find((entry) => entry.id === mention.id)?.kind).toBe('mention');
  });

  it('registers the slash commands in the guild and answers /crosstalk kb add through the deferred reply', async () => {
    const app = await startBot();
    const put = discord.calls.find((call) => call.method === 'PUT' && call.path === `/applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`);
    expect(put?.body.map((command: { name: string }) => command.name).sort()).toEqual(['ask', 'crosstalk', 'help', 'kb']);

    const id = discord.slashCommand(GENERAL_CHANNEL_ID, ALICE, 'crosstalk', [
      { type: 2, name: 'kb', options: [{ type: 1, name: 'add', options: [{ type: 3, name: 'text', value: 'Rollbacks use make rollback.' }] }] },
    ]);
    const shown = await waitFor('the command reply', () => discord.interactionMessages(id)[0]);
    expect(shown.content).toMatch(/^Added to workspace knowledge/);
    await app.bot.idle();
    expect(discord.calls.filter((call) => call.path.startsWith(`/interactions/${id}/`))).toHaveLength(1);
  });

  it('defers a slash command within 3 s while the model takes 10 s, then edits in the answer', async () => {
    openai = await startFakeOpenAI({
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        return { content: 'Merge to main and the pipeline deploys.' };
      },
    });
    const app = await startBot({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'test-key' });
    const sentAt = Date.now();
    const id = discord.slashCommand(GENERAL_CHANNEL_ID, ALICE, 'ask', [{ type: 3, name: 'question', value: 'how do we deploy?' }]);

    const deferral = await waitFor('the deferral', () => discord.calls.find((call) => call.path.startsWith(`/interactions/${id}/`)));
    expect(deferral.body).toMatchObject({ type: 5 });
    expect(deferral.at - sentAt).toBeLessThan(3_000);
    const answer = await waitFor('the edited answer', () => discord.interactionMessages(id).find((m) => m.content.includes('Merge to main')), 40_000);
    expect(answer.content).toContain('Merge to main and the pipeline deploys.');
    expect(discord.calls.some((call) => call.method === 'PATCH' && call.path.endsWith('/messages/@original'))).toBe(true);
    await app.bot.idle();
  }, 60_000);

  it('splits a 5,000-character answer with a code block into valid messages, editing each at most once a second', async () => {
    const code = Array.from({ length: 60 }, (_, i) => `  step_${i}(); // run deployment step number ${i}`).join('\n');
    const prose = (n: number) => Array.from({ length: n }, (_, i) => `Sentence ${i} explains the deploy in plain words.`).join(' ');
    const long = `${prose(30)}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${prose(20)} See [the runbook](https://wiki.example.com/runbooks/deploy).`;
    expect(long.length).toBeGreaterThan(4_500);
    openai = await startFakeOpenAI({ handler: () => ({ content: long }), chunkSize: 250, chunkDelayMs: 40 });
    const app = await startBot({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'test-key' });
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} explain the deploy`);
    await waitFor('a reply', () => discord.botMessages(question.id).length > 0);
    const parts = await settled(app, question.id);

    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.content.length).toBeLessThanOrEqual(2000);
      expect(fenceAfter(part.content, undefined)).toBeUndefined();
    }
    const shown = parts.map((part: { content: string }) => part.content).join('\n');
    for (let i = 0; i < 60; i++) expect(shown).toContain(`step_${i}(); // run deployment step number ${i}`);
    expect(shown).toContain('[the runbook](https://wiki.example.com/runbooks/deploy)');

    const edits = new Map<string, number[]>();
    for (const call of discord.calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${question.id}/messages/`))) {
      edits.set(call.path, [...(edits.get(call.path) ?? []), call.at]);
    }
    for (const times of edits.values()) {
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
    }
  }, 60_000);

  it('waits out a 429 and posts the reply once', async () => {
    const app = await startBot();
    discord.rateLimitNext(/^POST \/channels\/\d+\/messages$/, 1, 1);
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} are you there?`);
    await waitFor('the reply', () => discord.botMessages(question.id).length > 0);
    expect(await settled(app, question.id)).toHaveLength(1);
    const posts = discord.calls.filter((call) => call.method === 'POST' && call.path === `/channels/${question.id}/messages`);
    expect(posts.map((call) => call.status)).toEqual([429, 200]);
  });

  it('resumes after a dropped connection mid-stream: the replay is not answered twice and the missed message is', async () => {
    const answer = (n: number) => `Answer ${n}: ${'the pipeline builds, tests and ships. '.repeat(12)}`;
    let turn = 0;
    openai = await startFakeOpenAI({ handler: () => ({ content: answer(++turn) }), chunkSize: 20, chunkDelayMs: 60 });
    const app = await startBot({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'test-key' });
    // Replay everything since the session began, as at-least-once delivery may.
    discord.gateway.replayOverlap(1_000);

    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} how do we deploy?`);
    await waitFor('the first reply to start streaming', () => discord.botMessages(question.id).length === 1);
    discord.gateway.dropConnection();
    const missed = discord.say(question.id, ALICE, 'and how do we roll back?');

    await waitFor('the resume', () => discord.gateway.received.some((payload) => payload.op === 6) && discord.gateway.isLive());
    await waitFor('the answer to the missed message', () => discord.botMessages(question.id).length === 2, 30_000);
    const replies = await settled(app, question.id);
    expect(replies.map((reply: { content: string }) => reply.content)).toEqual([answer(1).trim(), answer(2).trim()]);
    const transcript = await app.stores.transcripts.thread({ platform: 'discord', workspaceId: GUILD_ID, channelId: GENERAL_CHANNEL_ID, threadId: question.id });
    expect(transcript.filter((entry) => entry.id === missed.id)).toHaveLength(1);
    expect(discord.gateway.received.filter((payload) => payload.op === 2)).toHaveLength(1);
  }, 60_000);

  it('after a reconnect that cannot resume, fetches and answers what was posted in its threads meanwhile', async () => {
    const app = await startBot();
    const question = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} how do we deploy?`);
    await waitFor('the first reply', () => discord.botMessages(question.id).length === 1);
    await app.bot.idle();

    discord.gateway.invalidateSession();
    discord.gateway.dropConnection();
    discord.say(question.id, ALICE, 'and how do we roll back?', { silently: true });

    await waitFor('a new session', () => discord.gateway.received.filter((payload) => payload.op === 2).length === 2 && discord.gateway.isLive(), 30_000);
    await waitFor('the answer to the missed message', () => discord.botMessages(question.id).length === 2, 30_000);
    expect(await settled(app, question.id)).toHaveLength(2);
  }, 60_000);

  it('stops with a clear message when the Message Content intent is not enabled (close code 4014)', async () => {
    discord.gateway.closeOnIdentify(4014);
    await expect(startBot()).rejects.toThrow(/MESSAGE CONTENT INTENT/);
  });
});
