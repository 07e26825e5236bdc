// `npm run bench`: every benchmark in turn, one table each. BENCH_QUICK=1 for a smoke run.
// Goals are reported, never asserted: this exits 0 unless a benchmark crashes.
import { benchCheckpointer } from './checkpointer.js';
import { benchColdStart } from './cold-start.js';
import { benchDigest } from './digest.js';
import { benchLoad } from './load.js';
import { benchLongThread } from './long-thread.js';
import { benchSlackAck } from './slack-ack.js';
import { printReport, QUICK, type Report } from './report.js';
import { benchTurns } from './turns.js';

const BENCHMARKS: Array<[string, () => Promise<Report | Report[]>]> = [
  ['turns', benchTurns],
  ['long-thread', benchLongThread],
  ['cold-start', benchColdStart],
  ['checkpointer', benchCheckpointer],
  ['slack-ack', benchSlackAck],
  ['digest', benchDigest],
  ['load', benchLoad],
];

process.stdout.write(`Crosstalk benchmarks${QUICK ? ' (quick mode: fewer turns and runs)' : ''}, Node ${process.version}\n`);
const started = performance.now();
for (const [name, bench] of BENCHMARKS) {
  const benchStarted = performance.now();
  const reports = await bench();
  for (const report of [reports].flat()) printReport(report);
  process.stdout.write(`  (${name} took ${((performance.now() - benchStarted) / 1000).toFixed(1)} s)\n`);
}
process.stdout.write(`\nAll benchmarks took ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
