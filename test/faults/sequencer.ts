// Runs the fault suite's files in name order, with the log scan last so it reads every other
// file's logs.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LAST = 'log-secrets.test.ts';

export default class FaultSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => (spec.moduleId.endsWith(LAST) ? 1 : 0);
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}
