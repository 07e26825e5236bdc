// Splitting replies for Discord: every part fits in a message, renders on its own (code fences
// balanced), and together the parts say exactly what the reply said.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FENCE_CLOSE, fenceAfter, splitMessage } from '../../adapters/discord/split.js';

/** The original text back from the parts: drops the closing fence and reopening line split adds. */
function rejoin(parts: string[]): string {
  let text = '';
  let open: ReturnType<typeof fenceAfter>;
  for (const [index, part] of parts.entries()) {
    let body = part;
    if (open) {
      expect(body.startsWith(`${open.opener}\n`)).toBe(true);
      body = body.slice(open.opener.length + 1);
    }
    const after = fenceAfter(body, open);
    if (after && index < parts.length - 1) {
      expect(body.endsWith(FENCE_CLOSE)).toBe(true);
      body = body.slice(0, -FENCE_CLOSE.length);
    }
    text += body;
    open = after;
  }
  return text;
}

const word = fc.stringMatching(/^[a-z]{1,12}$/);
const prose = fc.array(word, { minLength: 1, maxLength: 400 }).map((words) => words.join(' '));
const codeBlock = fc
  .tuple(fc.constantFrom('', 'ts', 'python'), fc.array(fc.stringMatching(/^[a-z(); =]{0,70}$/), { minLength: 1, maxLength: 80 }))
  .map(([lang, lines]) => `\`\`\`${lang}\n${lines.join('\n')}\n\`\`\``);
const link = fc.tuple(fc.array(word, { minLength: 1, maxLength: 6 }), word).map(([text, path]) => `[${text.join(' ')}](https://example.com/${path})`);
const reply = fc.array(fc.oneof(prose, codeBlock, link), { minLength: 1, maxLength: 12 }).map((blocks) => blocks.join('\n\n'));

describe('splitMessage', () => {
  it('keeps a short reply as one message', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
  });

  it('gives parts of at most 2000 characters, fences balanced in each, that rejoin to the reply', () => {
    fc.assert(
      fc.property(reply, (text) => {
        const parts = splitMessage(text);
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(2000);
          expect(fenceAfter(part, undefined)).toBeUndefined();
        }
        expect(rejoin(parts)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never breaks inside a word or a Markdown link', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(word, link), { minLength: 300, maxLength: 900 }), (tokens) => {
        const text = tokens.join(' ');
        const parts = splitMessage(text);
        for (const part of parts.slice(0, -1)) expect(part.endsWith(' ') || part.endsWith('\n')).toBe(true);
        for (const token of tokens) expect(parts.some((part) => part.includes(token))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('reopens a cut code block with its language', () => {
    const code = Array.from({ length: 120 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
    const parts = splitMessage(`Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[1]!.startsWith('```ts\n')).toBe(true);
    expect(parts[0]!.endsWith('\n```')).toBe(true);
  });

  it('cuts a single run longer than a message without splitting a surrogate pair', () => {
    const text = '😀'.repeat(1500);
    const parts = splitMessage(text);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part.isWellFormed()).toBe(true);
  });
});
