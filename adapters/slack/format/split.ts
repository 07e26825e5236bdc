// Splits a long message into parts under a character limit, at paragraph, line or word
// boundaries, closing and reopening a code block that a cut falls inside.

const FENCE = /^\s*```/u;
const CLOSE = '\n```';

export function splitMessage(text: string, limit: number): string[] {
  if (limit < 16) throw new Error('A split limit under 16 characters cannot hold a code fence');
  const parts: string[] = [];
  let rest = text;
  let openFence: string | undefined;
  while (rest.length > 0) {
    const prefix = openFence ? `${openFence}\n` : '';
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    const budget = limit - prefix.length - CLOSE.length;
    const { cut, skip } = breakPoint(rest, budget);
    const piece = rest.slice(0, cut);
    rest = rest.slice(cut + skip);
    const fenceAtEnd = fenceStateAfter(piece, openFence);
    parts.push(fenceAtEnd ? `${prefix}${piece}${CLOSE}` : prefix + piece);
    openFence = fenceAtEnd;
  }
  return parts.filter((part) => part.trim() !== '');
}

/** Where to cut within `budget` characters, and how many separator characters to drop there. */
export function breakPoint(text: string, budget: number): { cut: number; skip: number } {
  const window = text.slice(0, budget + 1);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph > budget / 2) return { cut: paragraph, skip: 2 };
  const line = window.lastIndexOf('\n');
  if (line > budget / 3) return { cut: line, skip: 1 };
  const space = window.lastIndexOf(' ');
  if (space > budget / 3) return { cut: space, skip: 1 };
  // No boundary: cut hard, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(budget - 1);
  return { cut: code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget, skip: 0 };
}

/** The fence opener still open after `piece`, given the one open before it. */
function fenceStateAfter(piece: string, open: string | undefined): string | undefined {
  let state = open;
  for (const line of piece.split('\n')) {
    if (FENCE.test(line)) state = state ? undefined : line.trim();
  }
  return state;
}
