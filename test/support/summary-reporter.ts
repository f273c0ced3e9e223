import type { SerializedError } from "vitest";
import type { Reporter, TestModule, TestRunEndReason } from "vitest/node";

/**
 * Ends the run with one plain `N passed, N failed` line (skipped added when any), the summary
 * line that tools outside Vitest read. A file that failed with no test failed (it threw as it
 * loaded, or a hook failed) and an error of the run (an unhandled rejection) count as failures,
 * and a run that failed with none of these (no test file matched) as one: the line never reads
 * `0 failed` for a run Vitest failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
    reason: TestRunEndReason = "passed",
  ): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      let testsFailed = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") testsFailed++;
        else skipped++;
      }
      failed += testsFailed === 0 && module.state() === "failed" ? 1 : testsFailed;
    }
    if (failed === 0 && reason !== "passed") failed = 1;
    const tail = skipped > 0 ? `, ${skipped} skipped` : "";
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
