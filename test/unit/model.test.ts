import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseThreadKey, PLATFORMS, threadKey, type ThreadRef } from '../../src/model.js';

const anyId = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.stringMatching(/^[:%A3a25]*$/),
);
const anyThread = fc.record({
  platform: fc.constantFrom(...PLATFORMS),
  workspaceId: anyId,
  channelId: anyId,
  threadId: anyId,
});

describe('thread keys', () => {
  it('round-trip any ids, including ":", "%", unicode and lone surrogates', () => {
    fc.assert(
      fc.property(anyThread, (thread) => {
        expect(parseThreadKey(threadKey(thread))).toEqual(thread);
      }),
      { numRuns: 2_000 },
    );
  });

  it('differ whenever the threads differ', () => {
    fc.assert(
      fc.property(anyThread, anyThread, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(threadKey(a) === threadKey(b)).toBe(same);
      }),
    );
  });

  it('stay readable for ordinary ids', () => {
    const thread: ThreadRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1700000000.000100' };
    expect(threadKey(thread)).toBe('slack:T1:C1:1700000000.000100');
  });

  it('refuse keys that are not thread keys', () => {
    expect(() => parseThreadKey('slack:T1:C1')).toThrow(/Not a thread key/);
    expect(() => parseThreadKey('irc:a:b:c')).toThrow(/Unknown platform "irc"/);
  });
});
