import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { VariantId } from "../../bench/job.js";
import { summarizeProfiles } from "../../bench/profile.js";
import type { Machine } from "../../bench/machine.js";
import { judge, markdownSection, writeResults, type WorkloadResult } from "../../bench/report.js";
import { formatNumber, formatRatio } from "../../bench/stats.js";
import { threadCpu, threadCpuSince } from "../../bench/threads.js";
import { workloadById } from "../../bench/workloads.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MACHINE: Machine = {
  cpu: "cpu",
  cores: 2,
  memoryGb: 1,
  node: "v20",
  os: "os",
  loadAverage: 0,
  commit: "abc1234",
  date: "2026-12-07",
};

describe("the bench's verdicts", () => {
  function result(
    id: "turns" | "startup",
    medians: Partial<Record<VariantId, Record<string, number>>>,
    imports?: WorkloadResult["imports"],
  ): WorkloadResult {
    const variants = Object.fromEntries(
      Object.entries(medians).map(([v, m]) => [v, { runs: [], medians: m }]),
    );
    return { workload: workloadById(id), variants, notes: [], ...(imports ? { imports } : {}) };
  }

  it("never prints a missed target's figure as its budget", () => {
    const turns = judge(
      result("turns", {
        floor: { totalMs: 1000, cpuMs: 27 },
        sdk: { totalMs: 1000, cpuMs: 29.71 },
      }),
    ).find((t) => t.text.startsWith("SDK client CPU within 1.10x"))!;
    expect(turns).toMatchObject({ met: false });
    expect(turns.text).toMatch(/: 1\.1004x \(29\.7 ms vs 27\.0 ms\)$/);
    const imported = judge(
      result(
        "startup",
        { floor: { readyMs: 55, cpuMs: 7 }, sdk: { readyMs: 58, cpuMs: 9 } },
        { first: { floor: 3, sdk: 12 }, afterEntry: { floor: 2.3, sdk: 10.04 } },
      ),
    ).find((t) => t.text.startsWith("SDK import within 10 ms"))!;
    expect(imported).toMatchObject({ met: false, text: expect.stringMatching(/: 10\.04 ms$/) });
  });

  it("shows a figure with its usual decimals unless rounding would put it on the budget", () => {
    expect(formatRatio(33, 30, 1.1)).toBe("1.10x");
    expect(formatRatio(32.99, 30, 1.1)).toBe("1.0997x");
    expect(formatRatio(36, 30, 1.1)).toBe("1.20x");
    expect(formatNumber(9.996, 10)).toBe("9.996");
    expect(formatNumber(12.34, 10)).toBe("12.3");
    expect(formatNumber(1234.5)).toBe("1,235");
    // Rounded as the decimals were chosen: a figure under its budget never reads as the budget.
    expect(formatNumber(9.995, 10)).toBe("9.99");
    expect(formatNumber(9.9995, 10)).toBe("9.999");
    expect(formatNumber(-1234567.25)).toBe("-1,234,567");
  });

  it("keeps the star of a note that explains a starred cell, where it would start a list", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-report-"));
    try {
      const file = path.join(dir, "RESULTS.md");
      const section = markdownSection(
        { ...result("turns", { floor: { totalMs: 1, cpuMs: 1 } }), notes: ["* a footnote"] },
        MACHINE,
      );
      await writeResults(file, MACHINE, new Map([["turns", section]]));
      expect(readFileSync(file, "utf8")).toContain("\n- \\* a footnote\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it("counts the CPU of the threads that ran since a start, none negative when one ends", async () => {
  const worker = new Worker(
    "const t = Date.now(); while (Date.now() - t < 100); " +
      'require("node:worker_threads").parentPort.postMessage("done"); setInterval(() => {}, 1000);',
    { eval: true },
  );
  await new Promise((resolve) => worker.once("message", resolve));
  const start = threadCpu();
  expect(start).toBeDefined();
  // The worker, 100 ms of CPU before the start, ends in between: not counted, nor subtracted.
  await worker.terminate();
  const since = threadCpuSince(start)!;
  expect(since.others).toBeGreaterThanOrEqual(0);
  expect(since.others).toBeLessThan(50);
  expect(since.main).toBeGreaterThanOrEqual(0);
});

describe("the bench's profile summary", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-bench-profile-test-"));
    bundle = path.join(dir, "child.mjs");
    // As child-process.ts bundles the bench's child, the runtime lookup of src/ included.
    await build({
      entryPoints: [path.join(ROOT, "bench", "child.ts")],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      packages: "external",
      sourcemap: true,
      logLevel: "warning",
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts the SDK's sources bundled into the floor's process as the floor's, not the SDK's", () => {
    const lines = readFileSync(bundle, "utf8").split("\n");
    const frame = (functionName: string, text: string) => {
      const lineNumber = lines.findIndex((line) => line.includes(text));
      expect(lineNumber).toBeGreaterThanOrEqual(0);
      const columnNumber = lines[lineNumber]!.indexOf(text);
      return { functionName, url: pathToFileURL(bundle).href, lineNumber, columnNumber };
    };
    const root = { functionName: "(root)", url: "", lineNumber: -1, columnNumber: -1 };
    const file = path.join(dir, "startup-floor-0.cpuprofile");
    writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: root, children: [2] },
          { id: 2, callFrame: frame("start", "static async start("), children: [3] },
          { id: 3, callFrame: frame("locateRuntime", "function locateRuntime(") },
        ],
        samples: [2, 3],
        timeDeltas: [1000, 1000],
        startTime: 0,
        endTime: 2000,
      }),
    );
    const summary = summarizeProfiles([file], ROOT, path.join(dir, "dist"));
    expect(summary).toMatch(/^\s+2\.0 ms\s+100\.0%\s+floor client$/m);
    expect(summary).not.toMatch(/%\s+SDK$/m);
  });

  it("gives each sample the same share of the run, not the gap in sampling before it", () => {
    const frame = (functionName: string) => ({
      functionName,
      url: "node:internal/test",
      lineNumber: 0,
      columnNumber: 0,
    });
    const file = path.join(dir, "gap-sdk-0.cpuprofile");
    writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: { ...frame("(root)"), url: "" }, children: [2, 3] },
          { id: 2, callFrame: frame("before") },
          { id: 3, callFrame: frame("afterGap") },
        ],
        // Four samples in 4 ms: the last one comes 3.7 ms after the one before it.
        samples: [2, 2, 2, 3],
        timeDeltas: [100, 100, 100, 3700],
        startTime: 0,
        endTime: 4000,
      }),
    );
    const summary = summarizeProfiles([file], ROOT, path.join(dir, "dist"));
    expect(summary).toMatch(/^\s+3\.0 ms\s+75\.0%\s+before node:internal\/test:1$/m);
    expect(summary).toMatch(/^\s+1\.0 ms\s+25\.0%\s+afterGap node:internal\/test:1$/m);
  });
});
