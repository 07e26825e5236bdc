import { defineConfig } from 'vitest/config';
import FaultSequencer from './test/faults/sequencer.js';

// The fault and load suite (`npm run test:faults`): slower, one file at a time so load figures
// are not skewed by other tests, and a closing table of what held.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/print-table.ts'],
    fileParallelism: false,
    // Name order, the log-secrets scan last (it reads the logs every other file captured).
    sequence: { sequencer: FaultSequencer },
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
