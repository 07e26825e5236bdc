// Vitest global setup for the fault suite: starts with an empty report, prints the table last.
import { clearFaultRows, readFaultRows } from './fault-report.js';
import { removeSuiteLogs } from './suite-logs.js';

export function setup(): void {
  clearFaultRows();
  removeSuiteLogs();
}

export function teardown(): void {
  const rows = readFaultRows();
  const columns = ['guarantee', 'tried', 'happened', 'figures', 'held'] as const;
  const cells = rows.map((row) => [row.guarantee, row.tried, row.happened, row.figures ?? '', row.held ? 'yes' : 'NO']);
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((cell) => cell[index]!.length)));
  const line = (values: readonly string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join(' │ ');
  const out = [
    '',
    'Fault and load suite',
    line(columns),
    widths.map((width) => '─'.repeat(width)).join('─┼─'),
    ...cells.map(line),
    `${rows.filter((row) => row.held).length} of ${rows.length} guarantees held`,
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  clearFaultRows();
  removeSuiteLogs();
}
