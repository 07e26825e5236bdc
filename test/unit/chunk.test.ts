import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkDocument, documentTitle } from '../../src/knowledge/chunk.js';

const sentence = (n: number) => `Sentence number ${n} explains one small step of the rollback procedure.`;
const paragraph = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => sentence(from + i)).join(' ');

function firstLine(chunk: string): string {
  return chunk.split('\n')[0] ?? '';
}

function fenceCount(chunk: string): number {
  return chunk.split('\n').filter((line) => /^\s*```/.test(line)).length;
}

describe('chunkDocument', () => {
  it('returns no chunks for empty or blank input', () => {
    expect(chunkDocument('')).toEqual([]);
    expect(chunkDocument('  \n\r\n\t\n')).toEqual([]);
  });

  it('keeps plain text without headings as it is, with no heading line', () => {
    expect(chunkDocument('First paragraph.\n\nSecond paragraph.')).toEqual(['First paragraph.\n\nSecond paragraph.']);
  });

  it('starts each chunk with its heading path', () => {
    const doc = [
      '# Deploy',
      'How we ship.',
      '## Rollback',
      'Run the rollback job.',
      '### Database',
      'Restore the snapshot.',
      '## Canary',
      'Ship to one region first.',
      '# Support',
      'Page the on-call engineer.',
    ].join('\n\n');

    expect(chunkDocument(doc)).toEqual([
      'Deploy\nHow we ship.',
      'Deploy > Rollback\nRun the rollback job.',
      'Deploy > Rollback > Database\nRestore the snapshot.',
      'Deploy > Canary\nShip to one region first.',
      'Support\nPage the on-call engineer.',
    ]);
  });

  it('reads setext headings and ignores YAML front matter', () => {
    const doc = '---\ntitle: Runbook\ntags: [ops]\n---\nDeploy\n======\n\nShip it.\n\nRollback\n--------\n\nUndo it.';
    expect(chunkDocument(doc)).toEqual(['Deploy\nShip it.', 'Deploy > Rollback\nUndo it.']);
  });

  it('repeats the heading path on every chunk of a long section', () => {
    const doc = `# Deploy\n\n## Rollback\n\n${paragraph(1, 40)}`;
    const chunks = chunkDocument(doc, { maxChars: 400 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(firstLine(chunk)).toBe('Deploy > Rollback');
  });

  it('does not read # lines inside a fenced code block as headings', () => {
    const doc = '# Setup\n\n```bash\n# install dependencies\nnpm ci\n```\n\nThen start it.';
    expect(chunkDocument(doc)).toEqual(['Setup\n```bash\n# install dependencies\nnpm ci\n```\n\nThen start it.']);
  });

  it('keeps a fenced code block whole when it fits in one chunk', () => {
    const code = ['```ts', ...Array.from({ length: 12 }, (_, i) => `const value${i} = compute(${i});`), '```'].join('\n');
    const doc = `# Build\n\n${paragraph(1, 3)}\n\n${code}\n\n${paragraph(10, 3)}`;
    const chunks = chunkDocument(doc, { maxChars: 500 });

    expect(chunks.filter((chunk) => chunk.includes(code))).toHaveLength(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(500);
      expect(fenceCount(chunk) % 2).toBe(0);
    }
  });

  it('splits a code block bigger than a chunk on line boundaries, each part fenced', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `echo "step ${i} of the migration"`);
    const doc = `# Migrate\n\n\`\`\`sh\n${lines.join('\n')}\n\`\`\``;
    const chunks = chunkDocument(doc, { maxChars: 300 });

    expect(chunks.length).toBeGreaterThan(1);
    const seen: string[] = [];
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(300);
      const [heading, open, ...rest] = chunk.split('\n');
      expect(heading).toBe('Migrate');
      expect(open).toBe('```sh');
      expect(rest.at(-1)).toBe('```');
      seen.push(...rest.slice(0, -1));
    }
    // Every line survives whole and in order, and no code line is repeated as overlap.
    expect(seen).toEqual(lines);
  });

  it('never exceeds maxChars, whatever the text', () => {
    const word = fc.constantFrom('alpha', 'beta.', 'Gamma!', '#', '##', '```', '~~~', '\n', '\n\n', ' ', '-', 'x'.repeat(90));
    const text = fc.array(word, { maxLength: 400 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(text, fc.integer({ min: 50, max: 400 }), (doc, maxChars) => {
        const overlapChars = Math.floor(maxChars / 5);
        for (const chunk of chunkDocument(doc, { maxChars, overlapChars })) {
          expect(chunk.length).toBeLessThanOrEqual(maxChars);
          expect(chunk.trim()).not.toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('splits an over-long paragraph at sentence ends', () => {
    const chunks = chunkDocument(paragraph(1, 30), { maxChars: 300, overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^Sentence number \d+ .*procedure\.$/s);
    }
    expect(chunks.join(' ')).toBe(paragraph(1, 30));
  });

  it('starts each chunk with whole sentences from the end of the one before', () => {
    const chunks = chunkDocument(paragraph(1, 30), { maxChars: 300, overlapChars: 150 });
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1] ?? '';
      const current = chunks[i] ?? '';
      const repeated = current.split(/(?<=\.) /).filter((s) => previous.includes(s));
      expect(repeated.length).toBeGreaterThan(0);
      const overlap = repeated.join(' ');
      expect(previous.endsWith(overlap)).toBe(true);
      expect(current.startsWith(overlap)).toBe(true);
      expect(overlap.length).toBeLessThanOrEqual(150);
    }
  });

  it('does not carry overlap across a heading', () => {
    const doc = `# One\n\n${paragraph(1, 2)}\n\n# Two\n\n${paragraph(50, 2)}`;
    const chunks = chunkDocument(doc, { maxChars: 400, overlapChars: 150 });
    expect(chunks).toEqual([`One\n${paragraph(1, 2)}`, `Two\n${paragraph(50, 2)}`]);
  });

  it('treats CRLF like LF', () => {
    const doc = `# Deploy\n\n## Rollback\n\n${paragraph(1, 20)}\n\n\`\`\`\ncode\n\`\`\``;
    const crlf = doc.replace(/\n/g, '\r\n');
    expect(chunkDocument(crlf, { maxChars: 300 })).toEqual(chunkDocument(doc, { maxChars: 300 }));
    expect(chunkDocument(crlf, { maxChars: 300 }).join('')).not.toContain('\r');
  });

  it('gives the same chunks for the same input', () => {
    const doc = `# A\n\n${paragraph(1, 25)}\n\n## B\n\n${paragraph(40, 25)}`;
    expect(chunkDocument(doc, { maxChars: 350 })).toEqual(chunkDocument(doc, { maxChars: 350 }));
  });

  it('rejects a maxChars too small to hold a heading and text', () => {
    expect(() => chunkDocument('text', { maxChars: 10 })).toThrow(/maxChars must be a whole number of at least 50/);
    expect(() => chunkDocument('text', { maxChars: 100, overlapChars: 80 })).toThrow(/overlapChars/);
  });
});

describe('documentTitle', () => {
  it('is the first level-one heading', () => {
    expect(documentTitle('intro\n\n## Not this\n\n# Deploy guide #\n\n# Later', 'file.md')).toBe('Deploy guide');
  });

  it('ignores headings inside code fences', () => {
    expect(documentTitle('```sh\n# a comment\n```\n\n# Real title', 'file.md')).toBe('Real title');
  });

  it('falls back when there is no level-one heading', () => {
    expect(documentTitle('## Section\n\ntext', 'docs/notes.md')).toBe('docs/notes.md');
    expect(documentTitle('', 'empty.txt')).toBe('empty.txt');
  });
});
