// The bot pipeline on real SQLite files with the real assistant graph (offline model): what a
// user sees when messages are duplicated, arrive mid-turn, or the process restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assistantFromGraph, buildAssistantGraph } from '../../graphs/assistant/graph.js';
import type { Assistant } from '../../src/assistant.js';
import { Bot } from '../../src/bot.js';
import { CommandRegistry } from '../../src/commands/registry.js';
import { OfflineChatModel } from '../../src/llm/offline-model.js';
import { createLogger } from '../../src/logger.js';
import { threadKey, type ChatMessage, type ThreadRef } from '../../src/model.js';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import type { Stores } from '../../src/stores/ports.js';
import { RecordingSurface } from '../fakes/recording-surface.js';

const BUDGET = 6_000;
let dir: string;
const opened: Stores[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bot-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((stores) => stores.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One "process": its own connection to the shared data folder, its own graph and bot. */
async function startBot(wrap: (assistant: Assistant) => Assistant = (assistant) => assistant) {
  const stores = openEmbeddedStores(dir);
  opened.push(stores);
  await stores.knowledge.replaceSource('T1', { id: 'docs/deploy.md', title: 'Deploy guide' }, [
    'To deploy, run make release from main. Staging comes first, production after approval.',
  ]);
  const graph = await buildAssistantGraph({
    model: new OfflineChatModel(),
    offline: true,
    knowledge: stores.knowledge,
    transcripts: stores.transcripts,
    checkpointer: stores.checkpointer,
    botName: 'crosstalk',
    promptTokenBudget: BUDGET,
  });
  const bot = new Bot({
    stores,
    assistant: wrap(assistantFromGraph(graph, BUDGET)),
    commands: new CommandRegistry('crosstalk'),
    logger: createLogger('silent'),
    botName: 'crosstalk',
  });
  return { bot, stores };
}

/** Holds every turn until released, and records which messages each turn answered. */
function gated() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const turns: string[][] = [];
  const wrap =
    (inner: Assistant): Assistant => ({
      startTurn(thread, messages) {
        turns.push(messages.map((message) => message.text));
        const started = gate.then(() => inner.startTurn(thread, messages));
        return {
          text: (async function* () {
            yield* (await started).text;
          })(),
          answer: started.then((run) => run.answer),
          done: started.then((run) => run.done),
        };
      },
    });
  return { wrap, turns, release: () => open() };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const thread = (threadId: string): ThreadRef => ({ platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId });

let sequence = 0;
function mention(text: string, threadId = '100.1', id = `${Date.now()}.${++sequence}`): ChatMessage {
  return {
    id,
    thread: thread(threadId),
    author: { id: 'U1', name: 'alice', isBot: false },
    text: `@crosstalk ${text}`,
    kind: 'mention',
    receivedAt: new Date(),
  };
}

describe('the bot pipeline', () => {
  it('given one message delivered four times, posts exactly one reply in its thread', async () => {
    const { bot } = await startBot();
    const surface = new RecordingSurface();
    const message = mention('what is our deploy process?');
    await Promise.all([bot.handle(message, surface), bot.handle({ ...message }, surface)]);
    await bot.handle({ ...message }, surface);
    await bot.handle({ ...message, kind: 'thread_reply' }, surface);
    await bot.idle();

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]!.thread).toEqual(message.thread);
    expect(surface.replies[0]!.shown).toContain('To deploy, run make release from main.');
    expect(surface.replies[0]!.shown).toMatch(/Sources:\n\[1\] Deploy guide \(docs\/deploy\.md\)$/);
  });

  it('given two processes sharing the data folder, a message both receive is answered once', async () => {
    const first = await startBot();
    const second = await startBot();
    const surface = new RecordingSurface();
    const message = mention('what is our deploy process?');
    await Promise.all([first.bot.handle(message, surface), second.bot.handle({ ...message }, surface)]);
    await Promise.all([first.bot.idle(), second.bot.idle()]);
    expect(surface.replies).toHaveLength(1);
  });

  it('answers messages that arrive during a turn in the next turn, once each, none dropped', async () => {
    const { wrap, turns, release } = gated();
    const { bot, stores } = await startBot(wrap);
    const surface = new RecordingSurface();

    await bot.handle(mention('what is our deploy process?'), surface);
    await until(() => turns.length === 1);
    await bot.handle(mention('and who approves production?'), surface);
    await bot.handle(mention('is staging first?'), surface);

    // The later messages wait for the thread, but are already in the transcript.
    const recorded = await stores.transcripts.thread(thread('100.1'));
    expect(recorded.map((entry) => entry.text)).toEqual([
      '@crosstalk what is our deploy process?',
      '@crosstalk and who approves production?',
      '@crosstalk is staging first?',
    ]);
    expect(turns).toEqual([['@crosstalk what is our deploy process?']]);

    release();
    await bot.idle();
    expect(turns).toEqual([
      ['@crosstalk what is our deploy process?'],
      ['@crosstalk and who approves production?', '@crosstalk is staging first?'],
    ]);
    expect(surface.replies).toHaveLength(2);
    expect(await stores.inbox.pendingThreads()).toEqual([]);
  });

  it('writes each final answer to the transcript once, sources included, never partial chunks', async () => {
    const { bot, stores } = await startBot();
    const surface = new RecordingSurface();
    await bot.handle(mention('what is our deploy process?'), surface);
    await bot.idle();
    await bot.handle(mention('how does staging work?'), surface);
    await bot.idle();

    const entries = await stores.transcripts.thread(thread('100.1'));
    const outbound = entries.filter((entry) => entry.direction === 'outbound');
    expect(outbound.map((entry) => entry.text)).toEqual(surface.replies.map((reply) => reply.shown));
    expect(surface.replies.every((reply) => reply.chunks.length > 1)).toBe(true);
    expect(outbound.every((entry) => entry.author.isBot && entry.id.startsWith('reply-'))).toBe(true);
  });

  it('does not hold one thread up while another is busy', async () => {
    const held = gated();
    const { bot } = await startBot(held.wrap);
    const surface = new RecordingSurface();
    await bot.handle(mention('what is our deploy process?', '100.1'), surface);
    await bot.handle(mention('what is our deploy process?', '200.1'), surface);
    await until(() => held.turns.length === 2);
    held.release();
    await bot.idle();
    expect(surface.repliesIn(thread('100.1'))).toHaveLength(1);
    expect(surface.repliesIn(thread('200.1'))).toHaveLength(1);
  });

  it('after a restart, answers the messages that were waiting, once', async () => {
    const before = await startBot();
    const waiting = mention('what is our deploy process?');
    // As if the process died after queueing the message and before its turn ran.
    await before.stores.inbox.push(threadKey(waiting.thread), waiting);

    const after = await startBot();
    const surface = new RecordingSurface();
    await after.bot.resumePending(() => surface);
    await after.bot.idle();
    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]!.shown).toContain('make release');
    expect(await after.stores.inbox.pendingThreads()).toEqual([]);
  });

  it('after a crash mid-turn, answers the waiting message once the dead process\'s thread lock lapses', async () => {
    const before = await startBot();
    const waiting = mention('what is our deploy process?');
    // As if the process died mid-turn: the message still queued, its thread lock still held.
    await before.stores.inbox.push(threadKey(waiting.thread), waiting);
    expect(await before.stores.locks.acquire(threadKey(waiting.thread), 1_000)).toBeDefined();

    const after = await startBot();
    const surface = new RecordingSurface();
    await after.bot.resumePending(() => surface);
    await until(() => surface.replies.length > 0, 20_000);
    await after.bot.idle();
    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]!.shown).toContain('make release');
    expect(await after.stores.inbox.pendingThreads()).toEqual([]);
  }, 30_000);

  it('ignores messages from bots, its own included', async () => {
    const { bot, stores } = await startBot();
    const surface = new RecordingSurface();
    await bot.handle({ ...mention('loop?'), author: { id: 'B1', name: 'crosstalk', isBot: true } }, surface);
    await bot.idle();
    expect(surface.replies).toHaveLength(0);
    expect(await stores.transcripts.thread(thread('100.1'))).toEqual([]);
  });

  it('when a turn fails, posts one apology, keeps the message, and answers the next one', async () => {
    let failures = 1;
    const { bot, stores } = await startBot((inner) => ({
      startTurn(thread, messages) {
        if (failures-- > 0) {
          const failed = Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
          failed.catch(() => {});
          return { text: (async function* () {})(), answer: failed, done: failed };
        }
        return inner.startTurn(thread, messages);
      },
    }));
    const surface = new RecordingSurface();
    await bot.handle(mention('what is our deploy process?'), surface);
    await bot.idle();
    await bot.handle(mention('and now?'), surface);
    await bot.idle();

    expect(surface.replies.map((reply) => reply.shown)).toEqual([
      'Sorry, I could not answer that: the language model did not answer. Your message is saved; ask again in a moment.',
      expect.stringContaining('no language model is configured'),
    ]);
    const inbound = (await stores.transcripts.thread(thread('100.1'))).filter((entry) => entry.direction === 'inbound');
    expect(inbound).toHaveLength(2);
  });

  it('keeps running when a store fails: the user gets an apology and the next message works', async () => {
    const { bot, stores } = await startBot();
    const surface = new RecordingSurface();
    const append = stores.transcripts.append.bind(stores.transcripts);
    stores.transcripts.append = async () => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    };
    await bot.handle(mention('what is our deploy process?'), surface);
    stores.transcripts.append = append;
    await bot.handle(mention('what is our deploy process?'), surface);
    await bot.idle();

    expect(surface.replies.map((reply) => reply.shown)).toEqual([
      'Sorry, I could not answer that: my storage is not available. Your message is saved; ask again in a moment.',
      expect.stringContaining('make release'),
    ]);
  });
});
