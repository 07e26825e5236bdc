// Readable log lines for a terminal, without a transport or worker thread: pino writes its JSON
// line to this stream, which prints `12:03:04.567 INFO  message  key=value …` instead.
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, { label: string; color: number }> = {
  10: { label: 'TRACE', color: 90 },
  20: { label: 'DEBUG', color: 36 },
  30: { label: 'INFO ', color: 32 },
  40: { label: 'WARN ', color: 33 },
  50: { label: 'ERROR', color: 31 },
  60: { label: 'FATAL', color: 35 },
};

/** Fields every line has, or that are shown elsewhere on the line. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'app', 'err']);

export function prettyDestination(write: (text: string) => void, colors: boolean): DestinationStream {
  const paint = (code: number, text: string) => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return void write(line);
      }
      const level = LEVELS[entry.level as number] ?? { label: String(entry.level), color: 0 };
      const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
      const fields = Object.entries(entry)
        .filter(([key]) => !HIDDEN.has(key))
        .map(([key, value]) => `${paint(90, `${key}=`)}${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      let text = `${paint(90, time)} ${paint(level.color, level.label)} ${String(entry.msg ?? '')}${fields ? `  ${fields}` : ''}\n`;
      const error = entry.err as { type?: string; message?: string; stack?: string } | undefined;
      if (error) text += `${paint(31, error.stack ?? `${error.type ?? 'Error'}: ${error.message ?? ''}`)}\n`;
      write(text);
    },
  };
}
