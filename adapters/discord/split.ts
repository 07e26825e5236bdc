// Splits a reply into Discord messages of at most 2000 characters. A break never lands inside
// a word or a Markdown link; a code block cut in two is closed at the end of one part and
// reopened (with its language) at the start of the next, so every part renders on its own.
import { MESSAGE_MAX_CHARS } from './limits.js';

/** Added to a part that ends inside a code block. */
export const FENCE_CLOSE = '\n```';
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const LINK = /\[[^\]\n]*\]\([^)\s]*\)/g;

interface Fence {
  /** The opening line as written, e.g. "```ts", reused to reopen the block in the next part. */
  opener: string;
  marker: string;
}

/** The fence open at the end of `text`, given the one open at its start. */
export function fenceAfter(text: string, open: Fence | undefined): Fence | undefined {
  let fence = open;
  for (const line of text.split('\n')) {
    const match = FENCE_LINE.exec(line);
    if (!match) continue;
    const marker = match[1]!;
    if (!fence) fence = { opener: line.trim(), marker };
    else if (marker[0] === fence.marker[0] && marker.length >= fence.marker.length && match[2]!.trim() === '') fence = undefined;
  }
  return fence;
}

/** Positions a part may not end at: inside a Markdown link. */
function linkSpans(text: string): [number, number][] {
  return [...text.matchAll(LINK)].map((match) => [match.index, match.index + match[0].length]);
}

function insideSpan(position: number, spans: [number, number][]): boolean {
  return spans.some(([start, end]) => position > start && position < end);
}

/**
 * Where the part starting at `start` should end, at most `start + room`: after a blank line,
 * else after a newline, else after a space; never inside a link or a surrogate pair.
 */
function breakPoint(text: string, start: number, room: number, spans: [number, number][]): number {
  const limit = start + room;
  if (limit >= text.length) return text.length;
  const allowed = (position: number) => position > start && !insideSpan(position, spans);
  for (const separator of ['\n\n', '\n', ' ']) {
    let found = text.lastIndexOf(separator, limit - separator.length);
    while (found >= start) {
      const position = found + separator.length;
      if (allowed(position)) return position;
      found = text.lastIndexOf(separator, found - 1);
    }
  }
  // One unbroken run longer than a message: cut it, but not between a surrogate pair.
  let cut = limit;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

/** The messages to post for `text`, in order; each at most `max` characters. */
export function splitMessage(text: string, max = MESSAGE_MAX_CHARS): string[] {
  if (text.length <= max) return [text];
  const spans = linkSpans(text);
  const parts: string[] = [];
  let start = 0;
  let open: Fence | undefined;
  while (start < text.length) {
    const prefix = open ? `${open.opener}\n` : '';
    // Room for the prefix and, in case the part ends inside a block, its closing fence.
    const room = max - prefix.length - FENCE_CLOSE.length;
    if (room < 1) throw new Error(`splitMessage: a code fence opener is too long to continue within ${max} characters`);
    const end = prefix.length + text.length - start <= max ? text.length : breakPoint(text, start, room, spans);
    const body = text.slice(start, end);
    const after = fenceAfter(body, open);
    parts.push(`${prefix}${body}${after && end < text.length ? FENCE_CLOSE : ''}`);
    open = after;
    start = end;
  }
  return parts;
}
