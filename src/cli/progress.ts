// A one-line progress bar for long CLI runs. Only a terminal gets the redrawn bar; a pipe or
// a log file gets the summary line alone, so captured output stays clean.

export interface Progress {
  update(done: number, total: number, label: string): void;
  /** Clears the bar and prints `summaryLine` on its own line. */
  done(summaryLine: string): void;
}

const BAR_WIDTH = 20;
const MIN_REDRAW_MS = 100;
const CLEAR_TO_END_OF_LINE = '\x1b[K';
const FALLBACK_COLUMNS = 80;

export function createProgress(stream: NodeJS.WriteStream, now: () => number = Date.now): Progress {
  let lastDraw = -Infinity;
  let drawn = false;

  return {
    update(done, total, label) {
      if (!stream.isTTY) return;
      const finished = total > 0 && done >= total;
      const time = now();
      if (!finished && time - lastDraw < MIN_REDRAW_MS) return;
      lastDraw = time;
      drawn = true;
      stream.write(`\r${progressLine(done, total, label, stream.columns || FALLBACK_COLUMNS)}${CLEAR_TO_END_OF_LINE}`);
    },
    done(summaryLine) {
      stream.write(`${drawn ? `\r${CLEAR_TO_END_OF_LINE}` : ''}${summaryLine}\n`);
      drawn = false;
    },
  };
}

/** `[#####...............] 12/40 docs/deploy.md`, the label cut from the left to fit `columns`. */
export function progressLine(done: number, total: number, label: string, columns: number): string {
  const shown = Math.max(0, Math.min(done, total));
  const filled = total > 0 ? Math.round((shown / total) * BAR_WIDTH) : 0;
  const head = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${shown}/${total}`;
  // One column short of the width: writing the last column makes some terminals wrap, breaking `\r`.
  const room = columns - 1 - head.length - 1;
  if (label === '' || room <= 1) return head;
  return `${head} ${label.length <= room ? label : `…${label.slice(label.length - room + 1)}`}`;
}
