// Generated hostile messages: odd text, odd kinds, odd commands. The bot never throws, never
// leaves a rejection unhandled, and answers each addressed message exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ChatMessage, MessageKind } from '../../src/model.js';
import { RecordingSurface } from '../fakes/recording-surface.js';

let dir: string;
let app: App;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-hostile-'));
  app = await createApp(loadConfig({ DATA_DIR: dir }), createLogger('silent'));
  await app.stores.knowledge.replaceSource('T1', { id: 'docs/a.md', title: 'A' }, ['Deploys run from main after review.']);
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\u001b', '\u202e', '\ud800', '\r', '\n', '@', '`', '*'), maxLength: 60 }),
  fc.constantFrom('', ' ', '@crosstalk', '@crosstalk    ', '/', '//', '/kb', '/kb add', '/ask'),
  fc.integer({ min: 10_000, max: 120_000 }).map((size) => `@crosstalk ${'x'.repeat(size)}`),
);
const kind = fc.constantFrom<MessageKind>('mention', 'dm', 'thread_reply', 'command', 'ambient');
const hostile = fc.record({
  text: hostileText,
  kind,
  isBot: fc.boolean(),
  commandName: fc.oneof(fc.constantFrom('ask', 'kb', 'help', 'crosstalk', 'KB', ''), fc.string({ maxLength: 20 })),
  authorName: fc.string({ maxLength: 40 }),
});

describe('hostile input', () => {
  it('never crashes and answers each addressed message exactly once', async () => {
    const samples = fc.sample(hostile, { numRuns: 300, seed: 20261125 });
    const surface = new RecordingSurface();
    const messages: ChatMessage[] = samples.map((sample, index) => ({
      id: `h${index}`,
      // One thread each, so every answer is its own reply.
      thread: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: `t${index}` },
      author: { id: `U${index}`, name: sample.authorName, isBot: sample.isBot },
      text: sample.text,
      kind: sample.kind,
      ...(sample.kind === 'command' ? { command: { name: sample.commandName, args: sample.text } } : {}),
      receivedAt: new Date(),
    }));

    for (const message of messages) await expect(app.bot.handle(message, surface)).resolves.toBeUndefined();
    await app.bot.idle();

    expect(unhandled).toEqual([]);
    for (const message of messages) {
      const expected = message.author.isBot || message.kind === 'ambient' ? 0 : 1;
      const replies = surface.repliesIn(message.thread);
      expect(replies, `message ${message.id} (${message.kind}, bot: ${message.author.isBot})`).toHaveLength(expected);
      for (const reply of replies) expect(reply.shown.trim()).not.toBe('');
    }
  });
});
