// Rows of the fault suite's closing table. Each test records what it tried, what happened and
// the figures it measured; the global teardown prints them all as one table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FaultRow {
  /** The guarantee under test, e.g. "1,000 mentions × 4 deliveries → 1,000 replies". */
  guarantee: string;
  tried: string;
  happened: string;
  /** Measured figures, e.g. "p99 first chunk 41 ms". */
  figures?: string;
  held: boolean;
}

// The global setup names the file before the test workers start; they inherit it.
const REPORT_ENV = 'CROSSTALK_FAULT_REPORT';
process.env[REPORT_ENV] ??= path.join(os.tmpdir(), `crosstalk-faults-${process.pid}.jsonl`);
const REPORT_FILE = process.env[REPORT_ENV];

/** Records a row; call it just before the test's assertions so a failed guarantee shows too. */
export function recordFault(row: FaultRow): void {
  fs.appendFileSync(REPORT_FILE, `${JSON.stringify(row)}\n`);
}

export function readFaultRows(file = REPORT_FILE): FaultRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRow);
}

export function clearFaultRows(file = REPORT_FILE): void {
  fs.rmSync(file, { force: true });
}
