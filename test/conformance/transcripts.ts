// Conformance suite for TranscriptStore: every implementation calls describeTranscriptStore with its own factory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelRef, ThreadRef } from '../../src/model.js';
import type { TranscriptEntry, TranscriptStore } from '../../src/stores/ports.js';

export function describeTranscriptStore(
  name: string,
  create: () => Promise<{ store: TranscriptStore; cleanup(): Promise<void> }>,
): void {
  describe(`TranscriptStore: ${name}`, () => {
    let store: TranscriptStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await create());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('returns an appended entry from thread(), field for field', async () => {
      const entry = message({ id: 'm1', text: 'hello' });

      expect(await store.append(entry)).toBe(true);

      expect(await store.thread(THREAD)).toEqual([entry]);
    });

    it('returns a thread oldest first, even when entries arrive out of order', async () => {
      const second = message({ id: 'm2', at: at(2) });
      const first = message({ id: 'm1', at: at(1) });
      const third = message({ id: 'm3', at: at(3) });
      for (const entry of [second, first, third]) await store.append(entry);

      expect(ids(await store.thread(THREAD))).toEqual(['m1', 'm2', 'm3']);
    });

    it('refuses a second append of the same entry and keeps one copy', async () => {
      await store.append(message({ id: 'm1', text: 'original' }));

      expect(await store.append(message({ id: 'm1', text: 'edited' }))).toBe(false);

      const stored = await store.thread(THREAD);
      expect(stored.map((entry) => entry.text)).toEqual(['original']);
    });

    it('keeps the same message id in two channels as two entries', async () => {
      const other: ThreadRef = { ...THREAD, channelId: 'C2' };

      expect(await store.append(message({ id: 'm1' }))).toBe(true);
      expect(await store.append(message({ id: 'm1', thread: other }))).toBe(true);

      expect(ids(await store.thread(THREAD))).toEqual(['m1']);
      expect(ids(await store.thread(other))).toEqual(['m1']);
    });

    it('keeps an inbound and an outbound entry that share an id', async () => {
      await store.append(message({ id: 'm1', direction: 'inbound', at: at(1) }));

      expect(await store.append(reply({ id: 'm1', at: at(2) }))).toBe(true);

      const stored = await store.thread(THREAD);
      expect(stored.map((entry) => entry.direction)).toEqual(['inbound', 'outbound']);
    });

    it('with a limit, returns the latest entries, oldest first', async () => {
      for (let n = 1; n <= 10; n++) await store.append(message({ id: `m${n}`, at: at(n) }));

      expect(ids(await store.thread(THREAD, 3))).toEqual(['m8', 'm9', 'm10']);
    });

    it('keeps thread "1" apart from thread "10"', async () => {
      const one: ThreadRef = { ...THREAD, threadId: '1' };
      const ten: ThreadRef = { ...THREAD, threadId: '10' };
      await store.append(message({ id: 'in-1', thread: one }));
      await store.append(message({ id: 'in-10', thread: ten }));

      expect(ids(await store.thread(one))).toEqual(['in-1']);
      expect(ids(await store.thread(ten))).toEqual(['in-10']);
    });

    it('keeps threads apart when ids contain ":" or "%"', async () => {
      // Joined naively, both would read "slack:T1:a:b:c".
      const colonInChannel: ThreadRef = { ...THREAD, channelId: 'a:b', threadId: 'c' };
      const colonInThread: ThreadRef = { ...THREAD, channelId: 'a', threadId: 'b:c' };
      const escapedLookalike: ThreadRef = { ...THREAD, channelId: 'a%3Ab', threadId: 'c' };
      await store.append(message({ id: 'x', thread: colonInChannel }));
      await store.append(message({ id: 'y', thread: colonInThread }));
      await store.append(message({ id: 'z', thread: escapedLookalike }));

      expect(await store.thread(colonInChannel)).toEqual([message({ id: 'x', thread: colonInChannel })]);
      expect(await store.thread(colonInThread)).toEqual([message({ id: 'y', thread: colonInThread })]);
      expect(await store.thread(escapedLookalike)).toEqual([message({ id: 'z', thread: escapedLookalike })]);
    });

    it('keeps threads apart when ids are non-ASCII', async () => {
      const speech: ThreadRef = { ...THREAD, workspaceId: 'ワークスペース', threadId: '💬' };
      const thought: ThreadRef = { ...THREAD, workspaceId: 'ワークスペース', threadId: '💭' };
      await store.append(message({ id: 'speech', thread: speech }));
      await store.append(message({ id: 'thought', thread: thought }));

      expect(await store.thread(speech)).toEqual([message({ id: 'speech', thread: speech })]);
      expect(await store.thread(thought)).toEqual([message({ id: 'thought', thread: thought })]);
    });

    it('returns an empty list for a thread with no entries', async () => {
      await store.append(message({ id: 'm1' }));

      expect(await store.thread({ ...THREAD, threadId: 'never-used' })).toEqual([]);
    });

    it('channelSince returns every thread of the channel at or after the given time, oldest first', async () => {
      const otherThread: ThreadRef = { ...THREAD, threadId: 'other' };
      await store.append(message({ id: 'before', at: at(1) }));
      await store.append(message({ id: 'exactly-since', at: at(2) }));
      await store.append(message({ id: 'other-thread', thread: otherThread, at: at(3) }));
      await store.append(reply({ id: 'bot-reply', at: at(4) }));

      expect(ids(await store.channelSince(CHANNEL, at(2)))).toEqual(['exactly-since', 'other-thread', 'bot-reply']);
    });

    it('channelSince leaves out other channels, including ones whose ids share a prefix', async () => {
      await store.append(message({ id: 'here', at: at(1) }));
      await store.append(message({ id: 'prefix-channel', thread: { ...THREAD, channelId: 'C10' }, at: at(1) }));
      await store.append(message({ id: 'other-workspace', thread: { ...THREAD, workspaceId: 'T2' }, at: at(1) }));
      await store.append(message({ id: 'other-platform', thread: { ...THREAD, platform: 'discord' }, at: at(1) }));

      expect(ids(await store.channelSince(CHANNEL, at(0)))).toEqual(['here']);
    });

    it('channelSince with a limit returns the earliest entries from that time', async () => {
      for (let n = 1; n <= 5; n++) await store.append(message({ id: `m${n}`, at: at(n) }));

      expect(ids(await store.channelSince(CHANNEL, at(2), 2))).toEqual(['m2', 'm3']);
    });

    it('round-trips 100 KB of text exactly', async () => {
      const text = 'The quick brown fox. '.repeat(5_000).slice(0, 100 * 1024);

      await store.append(message({ id: 'long', text }));

      const [stored] = await store.thread(THREAD);
      expect(stored?.text.length).toBe(100 * 1024);
      expect(stored?.text).toBe(text);
    });

    it('round-trips control characters and non-ASCII text exactly', async () => {
      const text = [
        'nul\u0000 tab\t cr\r lf\n bell\u0007 del\u007f bom\ufeff',
        'zwj👩‍💻 rtl\u202eשלום\u202c é vs e\u0301 𝔘𝔫𝔦',
      ].join('\n');

      await store.append(message({ id: 'odd', text }));

      const [stored] = await store.thread(THREAD);
      expect(stored?.text).toBe(text);
    });

    it('deleteBefore removes only entries older than the cutoff and says how many', async () => {
      await store.append(message({ id: 'old', at: at(1) }));
      await store.append(reply({ id: 'old-reply', at: at(2) }));
      await store.append(message({ id: 'new', at: at(10) }));

      expect(await store.deleteBefore(at(10))).toBe(2);

      expect(ids(await store.thread(THREAD))).toEqual(['new']);
      expect(await store.deleteBefore(at(10))).toBe(0);
    });

    it('round-trips the timestamp to the millisecond', async () => {
      const when = new Date('2024-02-29T23:59:59.999Z');

      await store.append(message({ id: 'leap', at: when }));

      const [stored] = await store.thread(THREAD);
      expect(stored?.at).toBeInstanceOf(Date);
      expect(stored?.at.getTime()).toBe(when.getTime());
    });
  });
}

const CHANNEL: ChannelRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1' };
const THREAD: ThreadRef = { ...CHANNEL, threadId: '1700000000.000100' };
const START = Date.parse('2025-01-01T00:00:00.000Z');

/** A moment `minutes` after the start of the test's timeline. */
function at(minutes: number): Date {
  return new Date(START + minutes * 60_000);
}

function message(overrides: Partial<TranscriptEntry> & { id: string }): TranscriptEntry {
  return {
    thread: THREAD,
    author: { id: 'U1', name: 'Ada', isBot: false },
    text: `message ${overrides.id}`,
    kind: 'thread_reply',
    direction: 'inbound',
    at: at(0),
    ...overrides,
  };
}

function reply(overrides: Partial<TranscriptEntry> & { id: string }): TranscriptEntry {
  const bot = { id: 'B1', name: 'crosstalk', isBot: true };
  return message({ author: bot, kind: 'reply', direction: 'outbound', ...overrides });
}

function ids(entries: TranscriptEntry[]): string[] {
  return entries.map((entry) => entry.id);
}
