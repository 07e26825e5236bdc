// Inbound text as the bot keeps it: well-formed Unicode, no control characters but tab and
// newline, bounded in size.

export const MAX_MESSAGE_CHARS = 200_000;

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

export function cleanText(text: string): string {
  const clean = text.toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROL, '');
  if (clean.length <= MAX_MESSAGE_CHARS) return clean;
  return `${clean.slice(0, MAX_MESSAGE_CHARS)}\n[… ${clean.length - MAX_MESSAGE_CHARS} more characters were not kept]`;
}

/** The text with every `@botName` mention removed. */
export function withoutMention(text: string, botName: string): string {
  const escaped = botName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`@${escaped}\\b`, 'giu'), '').trim();
}
