// Markdown from the model → Slack mrkdwn (the dialect of `text` in chat.postMessage/update).
// Code blocks and inline code keep their content; links become <url|label>.

const FENCE = /^\s*```/u;
const INLINE_CODE = /(`+)([\s\S]*?)\1/gu;
const LINK = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|<(https?:\/\/[^\s>]+)>/gu;
const HOLE = '\u0000';

/** Escapes the three characters Slack treats as control sequences in message text. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function markdownToMrkdwn(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (FENCE.test(line)) {
        inFence = !inFence;
        // Slack ignores a language tag and would show it as code text.
        return inFence ? line.replace(/```.*$/u, '```') : line;
      }
      return inFence ? escapeMrkdwn(line) : convertLine(line);
    })
    .join('\n');
}

function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/u.exec(line);
  if (heading) return `*${convertInline(heading[1]!.replace(/\*\*|__/gu, ''))}*`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/u.exec(line);
  if (bullet) return `${bullet[1]}• ${convertInline(bullet[2]!)}`;
  return convertInline(line);
}

/** Converts a line outside code blocks, leaving inline code spans untouched but escaped. */
function convertInline(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(INLINE_CODE)) {
    out += convertText(line.slice(last, match.index));
    out += escapeMrkdwn(match[0]);
    last = match.index + match[0].length;
  }
  return out + convertText(line.slice(last));
}

function convertText(text: string): string {
  const links: string[] = [];
  const withHoles = text.replace(LINK, (_match, label: string | undefined, url: string | undefined, bare: string | undefined) => {
    const target = escapeLinkPart(url ?? bare ?? '');
    links.push(label === undefined ? `<${target}>` : `<${target}|${escapeLinkPart(label)}>`);
    return `${HOLE}${links.length - 1}${HOLE}`;
  });
  const styled = escapeMrkdwn(withHoles.replaceAll(HOLE, '\u0001'))
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__/gu, (_m, a: string | undefined, b: string | undefined) => `\u0002${a ?? b}\u0002`)
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/gu, '$1_$2_')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/gu, '~$1~')
    .replaceAll('\u0002', '*');
  // eslint-disable-next-line no-control-regex -- \u0001 marks where a link was set aside
  return styled.replace(/\u0001(\d+)\u0001/gu, (_m, index: string) => links[Number(index)] ?? '');
}

/** `|` and `>` end a link's parts in mrkdwn. */
function escapeLinkPart(part: string): string {
  return escapeMrkdwn(part).replaceAll('|', '¦');
}
