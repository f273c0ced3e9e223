import { afterEach, expect, it, vi } from "vitest";
import type { TestModule } from "vitest/node";

import SummaryReporter from "../support/summary-reporter.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A test module as the reporter reads it: its state and its tests' states. */
function moduleOf(state: string, tests: readonly string[]): TestModule {
  const all = tests.map((s) => ({ result: () => ({ state: s }) }));
  return { state: () => state, children: { allTests: () => all } } as unknown as TestModule;
}

function summary(
  modules: readonly TestModule[],
  errors: readonly unknown[] = [],
  reason: "passed" | "failed" | "interrupted" = "passed",
): string {
  let written = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    written += String(chunk);
    return true;
  });
  new SummaryReporter().onTestRunEnd(modules, errors as never, reason);
  vi.restoreAllMocks();
  return written.trim();
}

it("counts a file that failed with no failed test, and each error of the run, as failures", () => {
  expect(summary([moduleOf("passed", ["passed", "passed"])])).toBe("2 passed, 0 failed");
  expect(summary([moduleOf("failed", ["passed", "failed", "failed"])])).toBe("1 passed, 2 failed");
  // A file that threw as it loaded: none of its tests ran.
  expect(summary([moduleOf("passed", ["passed"]), moduleOf("failed", [])])).toBe(
    "1 passed, 1 failed",
  );
  // An unhandled rejection fails the run, every test passed.
  expect(summary([moduleOf("passed", ["passed", "skipped"])], [{ message: "x" }])).toBe(
    "1 passed, 1 failed, 1 skipped",
  );
  // No test file matched: the run failed with nothing else to count.
  expect(summary([], [], "failed")).toBe("0 passed, 1 failed");
  expect(summary([moduleOf("passed", ["passed"])], [], "interrupted")).toBe("1 passed, 1 failed");
});
