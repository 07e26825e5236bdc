// How benchmarks report: one table per benchmark with the figure, its baseline, the ratio and
// the goal. Goals are printed, never asserted: a benchmark does not fail on time.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ReportRow {
  measure: string;
  figure: string;
  baseline?: string;
  ratio?: string;
  goal?: string;
  /** Whether the figure meets its goal, when it has one. */
  met?: boolean;
}

export interface Report {
  title: string;
  rows: ReportRow[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const ms = (value: number) => `${fixed(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
export const times = (value: number) => `${fixed(value, 2)}×`;

export function formatReport(report: Report): string {
  const allHeaders = ['measure', 'figure', 'baseline', 'ratio', 'goal', 'status'];
  const allCells = report.rows.map((row) => [
    row.measure,
    row.figure,
    row.baseline ?? '',
    row.ratio ?? '',
    row.goal ?? '',
    row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
  ]);
  // A table without goals (a breakdown) drops the empty columns.
  const shown = allHeaders.map((_, column) => column < 2 || allCells.some((line) => line[column] !== ''));
  const header = allHeaders.filter((_, column) => shown[column]);
  const cells = allCells.map((line) => line.filter((_, column) => shown[column]));
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join(' │ ').trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('─┼─');
  return [
    `\n${report.title}`,
    line(header),
    rule,
    ...cells.map(line),
    ...report.notes.map((note) => `  · ${note}`),
    '',
  ].join('\n');
}

export function printReport(report: Report): void {
  process.stdout.write(formatReport(report));
}

/** Benchmarks shrink in quick mode (BENCH_QUICK=1), a smoke test that finishes in seconds. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** True when `moduleUrl` is the script node was started with, so each bench also runs alone. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl === pathToFileURL(path.resolve(entry)).href;
}
