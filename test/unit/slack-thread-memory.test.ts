// What the Slack adapter remembers per thread must stay bounded and small: a busy process touches
// tens of thousands of threads, and each one it remembers costs memory until evicted.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { THREAD_MEMORY_SIZE } from '../../adapters/slack/limits.js';
import { ThreadMemory } from '../../adapters/slack/thread-memory.js';
import type { ThreadRef } from '../../src/model.js';

v8.setFlagsFromString('--allow-natives-syntax');
/** True when V8 stores both objects with one hidden class (object shape). */
const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const threadOf = (n: number): ThreadRef => ({ platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: `1700000000.${String(n).padStart(6, '0')}` });

/** A mention in thread `n` and the bot's reply, noted as the adapter notes them. */
function askAndReply(memory: ThreadMemory, n: number): void {
  const thread = threadOf(n);
  memory.note(thread, { recipient: { userId: `U${n % 50}`, teamId: 'T1' }, lastAskTs: thread.threadId });
  memory.note(thread, { botReplied: true });
}

describe('ThreadMemory', () => {
  it(`remembers the ${THREAD_MEMORY_SIZE.toLocaleString('en')} most recently noted threads and forgets older ones`, () => {
    const memory = new ThreadMemory();
    for (let n = 0; n < THREAD_MEMORY_SIZE; n++) askAndReply(memory, n);
    // Asked again just before the memory fills: the oldest thread becomes the newest.
    memory.note(threadOf(0), { lastAskTs: 'again' });
    for (let n = THREAD_MEMORY_SIZE; n < THREAD_MEMORY_SIZE + 1_000; n++) askAndReply(memory, n);

    expect(memory.get(threadOf(0))).toMatchObject({ lastAskTs: 'again', botReplied: true });
    expect(memory.get(threadOf(1))).toEqual({});
    expect(memory.get(threadOf(1_000))).toEqual({});
    expect(memory.get(threadOf(1_001)).botReplied).toBe(true);
    expect(memory.get(threadOf(THREAD_MEMORY_SIZE + 999))).toEqual({
      recipient: { userId: 'U49', teamId: 'T1' },
      lastAskTs: threadOf(THREAD_MEMORY_SIZE + 999).threadId,
      botReplied: true,
    });
  });

  it('keeps every thread in one object shape, not a hidden class per thread', () => {
    const memory = new ThreadMemory();
    for (let n = 0; n < 1_000; n++) askAndReply(memory, n);
    const first = memory.get(threadOf(0));
    const shapes = Array.from({ length: 1_000 }, (_, n) => sameShape(first, memory.get(threadOf(n))));
    expect(shapes.filter((same) => !same)).toHaveLength(0);
  });
});
