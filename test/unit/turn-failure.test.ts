import { describe, expect, it } from 'vitest';
import { describeTurnFailure } from '../../src/turn-failure.js';

describe('what a user is told when a turn fails', () => {
  it('names the cause without internals and says the message was kept', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeTurnFailure(refused)).toBe(
      'Sorry, I could not answer that: the language model did not answer. Your message is saved; ask again in a moment.',
    );
    expect(describeTurnFailure(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toContain('my storage is not available');
    expect(describeTurnFailure(Object.assign(new Error('x'), { status: 429 }))).toContain('rate-limiting me');
  });

  it('copes with numeric error codes, as platform clients use', () => {
    expect(describeTurnFailure(Object.assign(new Error('Missing Access'), { code: 50001 }))).toContain(
      'something went wrong on my side',
    );
  });
});
