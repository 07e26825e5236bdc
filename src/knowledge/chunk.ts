// Splits Markdown or plain text into self-describing passages for retrieval: each chunk starts
// with its heading path ("Deploy > Rollback") so a passage found alone still says where it is from.

export interface ChunkOptions {
  /** Upper bound on a chunk's length, heading line included. */
  maxChars?: number;
  /** Text repeated from the end of one chunk at the start of the next, within a section. */
  overlapChars?: number;
}

const DEFAULT_MAX_CHARS = 1200;
const DEFAULT_OVERLAP_CHARS = 150;
const MIN_MAX_CHARS = 50;
const HEADING_SEPARATOR = ' > ';
// A long heading path must not starve the body of room.
const MAX_HEADING_SHARE = 4;
// Below this, re-opening the fence on every piece of a split code block costs more than it helps.
const MIN_FENCED_CODE_ROOM = 20;

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(={3,}|-{3,})[ \t]*$/;
const NOT_A_SETEXT_TITLE = /^\s*(?:[-*+>|]|\d+[.)])(?:\s|$)/;
const FENCE_OPEN = /^\s*(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^\s*(`{3,}|~{3,})\s*$/;
const FRONT_MATTER_KEY = /^[\w-]+\s*:/;

// Separators, each matching the whitespace between two units so the original layout survives.
const SENTENCE_GAP = /(?<=[.!?…]["'”’)\]]*)\s+(?=[^\s\p{Ll}])/gu;
const LINE_GAP = /[ \t]*\n/g;
const WORD_GAP = /\s+/g;

interface Section {
  path: string[];
  lines: string[];
}

/** A unit that is never split further while packing; `sep` is what joins it to the one before. */
interface Piece {
  text: string;
  sep: string;
  code: boolean;
}

interface Fence {
  char: string;
  length: number;
}

export function chunkDocument(text: string, options: ChunkOptions = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const overlapChars = options.overlapChars ?? DEFAULT_OVERLAP_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < MIN_MAX_CHARS) {
    throw new RangeError(`chunkDocument: maxChars must be a whole number of at least ${MIN_MAX_CHARS} (got ${maxChars}).`);
  }
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars > maxChars / 2) {
    throw new RangeError(
      `chunkDocument: overlapChars must be a whole number from 0 to half of maxChars (${maxChars / 2}); got ${overlapChars}.`,
    );
  }

  const chunks: string[] = [];
  for (const section of parseSections(documentLines(text))) {
    const heading = headingLine(section.path, Math.floor(maxChars / MAX_HEADING_SHARE));
    const budget = heading ? maxChars - heading.length - 1 : maxChars;
    const pieces = sectionPieces(section.lines).flatMap((piece) => fit(piece, budget));
    for (const body of pack(pieces, budget, overlapChars)) {
      if (body.trim() === '') continue;
      chunks.push(heading ? `${heading}\n${body}` : body);
    }
  }
  return chunks;
}

/** The first level-one (`# `) heading, else `fallback`. */
export function documentTitle(text: string, fallback: string): string {
  let fence: Fence | undefined;
  for (const line of documentLines(text)) {
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    fence = opensFence(line);
    if (fence) continue;
    const heading = ATX_HEADING.exec(line);
    if (heading?.[1] === '#' && heading[2]?.trim()) return heading[2].trim();
  }
  return fallback;
}

function documentLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  return stripFrontMatter(lines);
}

// YAML front matter (common in .md and .mdx) is metadata, and its closing `---` would read as a heading.
function stripFrontMatter(lines: string[]): string[] {
  if (lines[0]?.trim() !== '---' || !FRONT_MATTER_KEY.test(lines[1] ?? '')) return lines;
  const end = lines.findIndex((line, index) => index > 0 && (line.trim() === '---' || line.trim() === '...'));
  return end > 0 ? lines.slice(end + 1) : lines;
}

function opensFence(line: string): Fence | undefined {
  const match = FENCE_OPEN.exec(line);
  const marker = match?.[1];
  if (!match || !marker) return undefined;
  // A backtick fence's info string cannot hold backticks; such a line is inline code.
  if (marker.startsWith('`') && match[2]?.includes('`')) return undefined;
  return { char: marker.charAt(0), length: marker.length };
}

function closesFence(line: string, fence: Fence): boolean {
  const marker = FENCE_CLOSE.exec(line)?.[1];
  return marker !== undefined && marker.startsWith(fence.char) && marker.length >= fence.length;
}

/** Splits the document at headings (ATX and setext), outside fenced code. */
function parseSections(lines: string[]): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; title: string }[] = [];
  let current: Section = { path: [], lines: [] };
  let fence: Fence | undefined;
  // Whether the last line could be a setext heading's title: the first line of a plain paragraph.
  let titleCandidate = false;

  const startSection = (level: number, title: string) => {
    sections.push(current);
    while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= level) stack.pop();
    if (title !== '') stack.push({ level, title });
    current = { path: stack.map((entry) => entry.title), lines: [] };
  };

  for (const line of lines) {
    if (fence) {
      current.lines.push(line);
      if (closesFence(line, fence)) fence = undefined;
      titleCandidate = false;
      continue;
    }
    fence = opensFence(line);
    if (fence) {
      current.lines.push(line);
      titleCandidate = false;
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      startSection(atx[1]?.length ?? 1, atx[2]?.trim() ?? '');
      titleCandidate = false;
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    if (underline && titleCandidate) {
      const title = current.lines.pop()?.trim() ?? '';
      startSection(underline[1]?.startsWith('=') ? 1 : 2, title);
      titleCandidate = false;
      continue;
    }
    const previous = current.lines.at(-1);
    titleCandidate =
      line.trim() !== '' && (previous === undefined || previous.trim() === '') && !NOT_A_SETEXT_TITLE.test(line);
    current.lines.push(line);
  }
  sections.push(current);
  return sections;
}

function headingLine(path: string[], maxLength: number): string {
  const line = path.join(HEADING_SEPARATOR);
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 1)}…`;
}

/** Paragraphs and whole fenced code blocks, with the blank lines between them as separators. */
function sectionPieces(lines: string[]): Piece[] {
  const pieces: Piece[] = [];
  let paragraph: string[] = [];
  let blankBefore = false;

  const push = (text: string, code: boolean) => {
    const sep = pieces.length === 0 ? '' : blankBefore ? '\n\n' : '\n';
    pieces.push({ text, sep, code });
    blankBefore = false;
  };
  const flushParagraph = () => {
    if (paragraph.length > 0) push(paragraph.join('\n'), false);
    paragraph = [];
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const fence = opensFence(line);
    if (fence) {
      flushParagraph();
      const block = [line];
      while (++index < lines.length) {
        const inner = lines[index] ?? '';
        block.push(inner);
        if (closesFence(inner, fence)) break;
      }
      push(block.join('\n'), true);
    } else if (line.trim() === '') {
      flushParagraph();
      if (pieces.length > 0) blankBefore = true;
    } else {
      paragraph.push(line.trimEnd());
    }
  }
  flushParagraph();
  return pieces;
}

/** Splits a piece longer than `budget`: prose by sentence, then line, then word; code by line. */
function fit(piece: Piece, budget: number): Piece[] {
  if (piece.text.length <= budget) return [piece];
  return piece.code ? splitCode(piece, budget) : splitProse(piece.text, piece.sep, budget, 0);
}

const PROSE_GAPS = [SENTENCE_GAP, LINE_GAP, WORD_GAP];

function splitProse(text: string, sep: string, budget: number, level: number): Piece[] {
  if (text.length <= budget) return [{ text, sep, code: false }];
  const gap = PROSE_GAPS[level];
  if (!gap) {
    return hardCut(text, budget).map((part, index) => ({ text: part, sep: index === 0 ? sep : '', code: false }));
  }
  const parts = splitAt(text, gap);
  if (parts.length <= 1) return splitProse(text, sep, budget, level + 1);
  return parts.flatMap((part, index) => splitProse(part.text, index === 0 ? sep : part.sep, budget, level + 1));
}

function splitAt(text: string, gap: RegExp): { text: string; sep: string }[] {
  const parts: { text: string; sep: string }[] = [];
  let start = 0;
  let sep = '';
  for (const match of text.matchAll(gap)) {
    const end = match.index;
    if (end > start) parts.push({ text: text.slice(start, end), sep });
    sep = match[0].includes('\n') ? '\n' : ' ';
    start = end + match[0].length;
  }
  if (start < text.length) parts.push({ text: text.slice(start), sep });
  return parts;
}

/** Fixed-size slices that never cut a surrogate pair in two. */
function hardCut(text: string, size: number): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length && end - start > 1 && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/** A code block too big for one chunk, split on line boundaries; each part re-fenced so it still reads as code. */
function splitCode(piece: Piece, budget: number): Piece[] {
  const lines = piece.text.split('\n');
  const open = lines[0] ?? '';
  const fence = opensFence(open);
  const last = lines.at(-1);
  const closed = lines.length > 1 && fence !== undefined && last !== undefined && closesFence(last, fence);
  const close = closed ? (last ?? '').trim() : (fence?.char ?? '`').repeat(fence?.length ?? 3);
  const body = lines.slice(1, closed ? -1 : undefined);
  const room = budget - open.length - close.length - 2;
  if (room < MIN_FENCED_CODE_ROOM) {
    return lines
      .flatMap((line) => (line === '' ? [''] : hardCut(line, budget)))
      .map((text, index) => ({ text, sep: index === 0 ? piece.sep : '\n', code: true }));
  }

  const groups: string[][] = [];
  let group: string[] = [];
  let length = -1;
  for (const line of body.flatMap((line) => (line.length > room ? hardCut(line, room) : [line]))) {
    if (group.length > 0 && length + 1 + line.length > room) {
      groups.push(group);
      group = [];
      length = -1;
    }
    group.push(line);
    length += 1 + line.length;
  }
  if (group.length > 0) groups.push(group);
  return groups.map((lines, index) => ({
    text: `${open}\n${lines.join('\n')}\n${close}`,
    sep: index === 0 ? piece.sep : '\n',
    code: true,
  }));
}

/** Greedily fills chunks of at most `budget` characters, each starting with the previous one's tail. */
function pack(pieces: Piece[], budget: number, overlapChars: number): string[] {
  const bodies: string[] = [];
  let current: Piece[] = [];
  for (const piece of pieces) {
    if (current.length > 0 && joinedLength(current) + piece.sep.length + piece.text.length > budget) {
      bodies.push(join(current));
      const room = budget - piece.sep.length - piece.text.length;
      current = overlapTail(current, Math.min(overlapChars, room));
    }
    current.push(piece);
  }
  if (current.length > 0) bodies.push(join(current));
  return bodies;
}

function joinedLength(pieces: Piece[]): number {
  return pieces.reduce((sum, piece, index) => sum + piece.text.length + (index === 0 ? 0 : piece.sep.length), 0);
}

function join(pieces: Piece[]): string {
  return pieces.map((piece, index) => (index === 0 ? piece.text : piece.sep + piece.text)).join('');
}

/**
 * The end of a finished chunk to repeat at the start of the next: whole pieces and sentences
 * where they fit, else trailing words. Never code (half a code block misleads), never the
 * whole chunk.
 */
function overlapTail(emitted: Piece[], limit: number): Piece[] {
  if (limit <= 0) return [];
  const taken: Piece[] = [];
  let length = 0;
  // What joins a unit to the front of `taken`; nothing while `taken` is empty.
  const joint = () => taken[0]?.sep.length ?? 0;

  for (let index = emitted.length - 1; index >= 0; index--) {
    const piece = emitted[index];
    if (!piece || piece.code) break;
    if (index > 0 && length + joint() + piece.text.length <= limit) {
      taken.unshift(piece);
      length = joinedLength(taken);
      continue;
    }
    const sentences = splitAt(piece.text, SENTENCE_GAP).map((part) => ({ ...part, code: false }));
    const partial = trailingUnits(sentences, limit - length - joint());
    if (partial.length > 0) taken.unshift(...partial);
    else if (taken.length === 0) {
      const words = splitAt(piece.text, WORD_GAP).map((part) => ({ ...part, code: false }));
      taken.unshift(...trailingUnits(words, limit));
    }
    break;
  }
  return taken;
}

/** The longest run of trailing units within `limit`, short of all of them. */
function trailingUnits(units: Piece[], limit: number): Piece[] {
  const taken: Piece[] = [];
  for (let index = units.length - 1; index > 0; index--) {
    const unit = units[index];
    if (!unit || joinedLength([unit, ...taken]) > limit) break;
    taken.unshift(unit);
  }
  return taken;
}
