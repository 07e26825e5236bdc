// Slack's message markup → the plain text the bot keeps: `<@U1>` → `@name`, `<#C1|x>` → `#x`,
// `<url|label>` → `label (url)`, entities unescaped. Code spans are left as Slack sent them.

export type NameOf = (userId: string) => Promise<string>;

const TOKEN = /<([@#!])?([^<>|]+)(?:\|([^<>]*))?>/gu;

export async function slackToPlain(text: string, nameOf: NameOf): Promise<string> {
  const ids = [...text.matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/gu)].map((match) => match[1]!);
  const names = new Map(await Promise.all([...new Set(ids)].map(async (id) => [id, await nameOf(id)] as const)));
  const plain = text.replace(TOKEN, (whole, sigil: string | undefined, target: string, label: string | undefined) => {
    if (sigil === '@') return `@${names.get(target) ?? label ?? target}`;
    if (sigil === '#') return `#${label || target}`;
    if (sigil === '!') {
      // <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
      if (label) return label;
      return `@${target.split('^')[0]}`;
    }
    if (/^(https?|mailto|tel):/u.test(target)) {
      if (!label || label === target || `mailto:${label}` === target) return target.replace(/^mailto:/u, '');
      return `${label} (${target})`;
    }
    return whole;
  });
  return plain.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** True when `text` mentions the Slack user `userId`. */
export function mentionsUser(text: string, userId: string): boolean {
  return new RegExp(`<@${userId}(\\|[^>]*)?>`, 'u').test(text);
}
