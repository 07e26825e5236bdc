// What Slack users see of the model's Markdown, and how long answers are cut into messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackToPlain } from '../../adapters/slack/events/slack-text.js';
import { markdownToMrkdwn } from '../../adapters/slack/format/mrkdwn.js';
import { splitMessage } from '../../adapters/slack/format/split.js';

describe('markdown → mrkdwn', () => {
  it('converts bold, italics, strikethrough, headings, bullets and links', () => {
    expect(markdownToMrkdwn('## Deploy\n**Merge** to *main*, ~~not dev~~.\n- see [the runbook](https://docs.example.com/run?a=1&b=2)')).toBe(
      '*Deploy*\n*Merge* to _main_, ~not dev~.\n• see <https://docs.example.com/run?a=1&amp;b=2|the runbook>',
    );
  });

  it('turns the Sources list into Slack links', () => {
    expect(markdownToMrkdwn('Sources:\n[1] [Deploy process](https://wiki.example.com/deploy)')).toBe('Sources:\n[1] <https://wiki.example.com/deploy|Deploy process>');
  });

  it('leaves code alone except for the escapes Slack needs', () => {
    expect(markdownToMrkdwn('Run `a && **b**` then:\n```bash\nif [ 1 < 2 ]; then echo **x**; fi\n```')).toBe(
      'Run `a &amp;&amp; **b**` then:\n```\nif [ 1 &lt; 2 ]; then echo **x**; fi\n```',
    );
  });

  it('escapes &, < and > in plain text', () => {
    expect(markdownToMrkdwn('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
  });
});

describe('Slack text → plain text', () => {
  const names = async (id: string) => ({ U1: 'dana', UBOT: 'crosstalk' })[id] ?? id;
  it('renders mentions, channels, links and entities readably', async () => {
    expect(await slackToPlain('<@UBOT> ask <@U1> in <#C1|eng> about <https://x.example.com|the doc> &amp; <https://y.example.com> `a &lt; b`', names)).toBe(
      '@crosstalk ask @dana in #eng about the doc (https://x.example.com) & https://y.example.com `a < b`',
    );
  });
});

describe('splitMessage', () => {
  it('keeps each part under the limit and loses no words', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,30}$/), { maxLength: 400 }), fc.integer({ min: 40, max: 500 }), (words, limit) => {
        const text = words.join(' ');
        const parts = splitMessage(text, limit);
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
        expect(parts.join(' ').split(/\s+/).filter(Boolean)).toEqual(words);
      }),
    );
  });

  it('closes a code block at a cut and reopens it in the next part', () => {
    const code = Array.from({ length: 40 }, (_, i) => `line ${i} of the script`).join('\n');
    const parts = splitMessage(`Intro.\n\n\`\`\`\n${code}\n\`\`\`\nAfter.`, 300);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(300);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts.join('\n').replaceAll('\n```\n```', '')).toContain(code.split('\n').slice(0, 5).join('\n'));
  });
});
