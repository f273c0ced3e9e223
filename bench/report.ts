/** Tables, target verdicts and `bench/RESULTS.md`. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as prettier from "prettier";
import type { ImportTiming } from "./import-cost.js";
import { VARIANT_LABELS, WORKLOAD_IDS, type Measurement, type VariantId } from "./job.js";
import { machineLine, type Machine } from "./machine.js";
import { formatNumber, formatRatio, pairedRatio } from "./stats.js";
import type { MetricSpec, Workload } from "./workloads.js";

export interface VariantResult {
  readonly runs: readonly Measurement[];
  /** Median of each metric over the runs. */
  readonly medians: Readonly<Record<string, number | null>>;
  /** Set when a run failed: the variant has no figures. */
  readonly error?: string;
}

export interface WorkloadResult {
  readonly workload: Workload;
  readonly variants: Partial<Record<VariantId, VariantResult>>;
  /** Import cost per client (start-up only), timed as a process's first module and after one. */
  readonly imports?: {
    readonly [T in ImportTiming]: Readonly<Partial<Record<VariantId, number | null>>>;
  };
  /** Lines that explain the figures. */
  readonly notes: readonly string[];
  /** The 1-minute load average when the workload started and ended. */
  readonly load?: { readonly start: number; readonly end: number };
}

export interface Target {
  readonly text: string;
  /** undefined: could not be judged (a figure is missing), or `info` (not a target). */
  readonly met: boolean | undefined;
  readonly info?: boolean;
}

/** Within this many ms of the floor counts as "no start-up overhead". */
const STARTUP_BUDGET_MS = 10;
/** The SDK's import, after the program's own first module, takes at most this long. */
const IMPORT_BUDGET_MS = 10;
/** Within this ratio of the floor counts as "no overhead" on the throughput workloads. */
const THROUGHPUT_BUDGET = 1.05;
/** The SDK's client CPU within this ratio of the floor's, on every workload that times turns. */
const CPU_BUDGET = 1.1;
/** `events: "results"` must use at most this share of the floor's client CPU on the stream. */
const RESULTS_CPU_SHARE = 0.1;
/**
 * Data objects growing by less than this per turn (or per thread) count as flat: one leaked object
 * per turn (a closure, a map entry, a promise) is above it. V8's compiled code is not counted (see
 * heap.ts).
 */
const FLAT_BYTES = 32;

function figure(result: WorkloadResult, variant: VariantId, key: string): number | null {
  return result.variants[variant]?.medians[key] ?? null;
}

function ms(value: number, budget?: number): string {
  return `${formatNumber(value, budget)} ms`;
}

function signedMs(value: number, budget?: number): string {
  return `${value < 0 ? "-" : "+"}${ms(Math.abs(value), value < 0 ? undefined : budget)}`;
}

/** Judges the targets of the issue against the medians. */
export function judge(result: WorkloadResult): Target[] {
  const { workload } = result;
  const key = workload.headline;
  const floor = figure(result, "floor", key);
  const sdk = figure(result, "sdk", key);
  const targets: Target[] = [];
  const missing = (text: string): Target => ({ text: `${text}: no figure`, met: undefined });

  if (workload.id === "startup") {
    const text = `SDK spawn -> ready within ${STARTUP_BUDGET_MS} ms of the floor`;
    targets.push(
      floor === null || sdk === null
        ? missing(text)
        : {
            text: `${text}: ${signedMs(sdk - floor, STARTUP_BUDGET_MS)}`,
            met: sdk - floor <= STARTUP_BUDGET_MS,
          },
    );
    const imported = result.imports?.first.sdk;
    const floorImported = result.imports?.first.floor;
    if (floor !== null && sdk !== null && imported != null && floorImported != null) {
      // Timed as the first module: what the SDK adds is its import over the floor's.
      const extra = sdk - floor + (imported - floorImported);
      targets.push({
        text: `the same with the SDK's import (over the floor's) counted: ${signedMs(extra, STARTUP_BUDGET_MS)}`,
        met: extra <= STARTUP_BUDGET_MS,
      });
    }
    const ownImport = result.imports?.afterEntry.sdk;
    if (result.imports !== undefined) {
      const text = `SDK import within ${IMPORT_BUDGET_MS} ms, after the program's own module`;
      targets.push(
        ownImport == null
          ? missing(text)
          : {
              text: `${text}: ${ms(ownImport, IMPORT_BUDGET_MS)}`,
              met: ownImport <= IMPORT_BUDGET_MS,
            },
      );
    }
  } else if (workload.id === "soak") {
    targets.push(...leakTargets(result, "dataPerTurn", "turn", "grew"));
  } else if (workload.id === "threads") {
    targets.push(...leakTargets(result, "dataPerThread", "thread", "changed"));
  } else {
    const text = `SDK within ${Math.round((THROUGHPUT_BUDGET - 1) * 100)}% of the floor`;
    targets.push(
      floor === null || sdk === null
        ? missing(text)
        : {
            text: `${text}: ${formatRatio(sdk, floor, THROUGHPUT_BUDGET)}${extraCpu(result)}`,
            met: sdk <= floor * THROUGHPUT_BUDGET,
          },
    );
  }

  const floorCpu = figure(result, "floor", "cpuMs");
  const sdkCpu = figure(result, "sdk", "cpuMs");
  if (workload.id !== "threads" && (floorCpu !== null || sdkCpu !== null)) {
    const text = `SDK client CPU within ${CPU_BUDGET.toFixed(2)}x of the floor`;
    targets.push(
      floorCpu === null || sdkCpu === null
        ? missing(text)
        : {
            text: `${text}: ${formatRatio(sdkCpu, floorCpu, CPU_BUDGET)} (${ms(sdkCpu)} vs ${ms(floorCpu)})${pairedCpu(result)}`,
            met: sdkCpu <= floorCpu * CPU_BUDGET,
          },
    );
  }

  if (workload.variants.includes("sdk-results")) targets.push(...resultsTargets(result));

  if (workload.variants.includes("codex-sdk")) {
    // Start-up compares time to the first answer: @openai/codex-sdk spawns nothing before it.
    const compared = workload.id === "startup" ? "firstTurnMs" : key;
    const ours = figure(result, "sdk", compared);
    const theirs = figure(result, "codex-sdk", compared);
    const text = `SDK faster than @openai/codex-sdk`;
    if (workload.id === "stream") {
      targets.push({ text: `${text}: not comparable (it cannot observe deltas)`, met: undefined });
    } else if (ours === null || theirs === null) {
      targets.push(missing(text));
    } else {
      const floorToo = figure(result, "floor", compared);
      const context = floorToo === null ? "" : ` (the floor: ${ms(floorToo)})`;
      targets.push({
        text: `${text}: ${ms(ours)} vs ${ms(theirs)}${context}`,
        met: ours < theirs,
      });
    }
  }
  return targets;
}

/**
 * The targets of `events: "results"`: the turn done sooner than by the floor, which reads every
 * delta, on a tenth of its client CPU or less.
 */
function resultsTargets(result: WorkloadResult): Target[] {
  const key = result.workload.headline;
  const floor = figure(result, "floor", key);
  const results = figure(result, "sdk-results", key);
  const floorCpu = figure(result, "floor", "cpuMs");
  const resultsCpu = figure(result, "sdk-results", "cpuMs");
  const faster = 'SDK with events: "results" finishes the turn sooner than the floor';
  const lighter = `the same on at most ${RESULTS_CPU_SHARE * 100}% of the floor's client CPU`;
  return [
    floor === null || results === null
      ? { text: `${faster}: no figure`, met: undefined }
      : { text: `${faster}: ${ms(results)} vs ${ms(floor)}`, met: results < floor },
    floorCpu === null || resultsCpu === null
      ? { text: `${lighter}: no figure`, met: undefined }
      : {
          text: `${lighter}: ${ms(resultsCpu)} vs ${ms(floorCpu)}, ${formatNumber(floorCpu / resultsCpu, 1 / RESULTS_CPU_SHARE)}x less`,
          met: resultsCpu <= floorCpu * RESULTS_CPU_SHARE,
        },
  ];
}

/**
 * The leak workloads' targets: data objects flat, tables that did not grow (`grew`) or are the
 * same at the end as at the start (`changed`), and the time as information.
 */
function leakTargets(
  result: WorkloadResult,
  dataKey: string,
  per: "turn" | "thread",
  tables: "grew" | "changed",
): Target[] {
  const targets: Target[] = [];
  const growth = figure(result, "sdk", dataKey);
  const text = `SDK memory flat (data objects grow under ${FLAT_BYTES} B/${per})`;
  const largest = leakCheck(result, "sdk")?.largestDataGrowth ?? [];
  const what = largest.length === 0 ? "" : `; largest: ${largest.slice(0, 3).join(", ")}`;
  targets.push(
    growth === null
      ? { text: `${text}: no figure`, met: undefined }
      : {
          text: `${text}: ${formatNumber(growth)} B/${per}${what}`,
          met: growth < FLAT_BYTES,
        },
  );
  const floor = figure(result, "floor", result.workload.headline);
  const sdk = figure(result, "sdk", result.workload.headline);
  if (floor !== null && sdk !== null) {
    targets.push({
      text: `time (no target): ${formatRatio(sdk, floor)}${extraCpu(result)}`,
      met: undefined,
      info: true,
    });
  }
  const moved = movedTables(result, "sdk", tables);
  if (moved !== undefined) {
    const none = moved.length === 0;
    targets.push(
      tables === "grew"
        ? {
            text: `SDK tables and listeners do not grow: ${none ? "none grew" : moved.join(", ")}`,
            met: none,
          }
        : {
            text: none
              ? "SDK tables and listeners at the end equal those at the start: all equal"
              : `SDK tables and listeners at the end DIFFER from the start: ${moved.join(", ")}`,
            met: none,
          },
    );
  }
  return targets;
}

/**
 * The SDK's client CPU over the floor's, round by round (`pairedRatio`): how far the ratio of the
 * medians, on which the target is judged, can be trusted on this host.
 */
function pairedCpu(result: WorkloadResult): string {
  const cpu = (variant: VariantId) =>
    result.variants[variant]?.runs.map((run) => run.metrics.cpuMs) ?? [];
  const estimate = pairedRatio(cpu("sdk"), cpu("floor"));
  if (estimate === null) return "";
  const { median, low, high, pairs } = estimate;
  return (
    `; round by round ${median.toFixed(2)}x, ` +
    `95% interval ${low.toFixed(2)}x-${high.toFixed(2)}x over ${pairs} rounds`
  );
}

/**
 * What the SDK's own work costs next to the wall time: its extra client CPU as a share of the
 * floor's wall time. Wall times carry the server's noise; this does not.
 */
function extraCpu(result: WorkloadResult): string {
  const floorCpu = figure(result, "floor", "cpuMs");
  const sdkCpu = figure(result, "sdk", "cpuMs");
  const floorWall = figure(result, "floor", result.workload.headline);
  if (floorCpu === null || sdkCpu === null || floorWall === null) return "";
  const extra = sdkCpu - floorCpu;
  return (
    ` (the SDK's extra client CPU: ${signedMs(extra)}, ` +
    `${((extra / floorWall) * 100).toFixed(1)}% of the floor's wall time)`
  );
}

interface LeakCheck {
  readonly internalsStart: Readonly<Record<string, number>>;
  readonly internalsEnd: Readonly<Record<string, number>>;
  readonly largestDataGrowth?: readonly string[];
}

/** A leak workload's table sizes at its start and end, for one client. */
function leakCheck(result: WorkloadResult, variant: VariantId): LeakCheck | undefined {
  return result.variants[variant]?.runs[0]?.details as LeakCheck | undefined;
}

/**
 * Tables of a leak check that are larger at the end than at the start (`grew`), or not the same
 * (`changed`, which also catches a table present at only one end).
 */
function movedTables(
  result: WorkloadResult,
  variant: VariantId,
  how: "grew" | "changed",
): string[] | undefined {
  const check = leakCheck(result, variant);
  if (check === undefined) return undefined;
  const { internalsStart: start, internalsEnd: end } = check;
  const names = [...new Set([...Object.keys(start), ...Object.keys(end)])];
  return names
    .filter((name) =>
      how === "grew" ? (end[name] ?? 0) > (start[name] ?? 0) : end[name] !== start[name],
    )
    .map((name) => `${name} ${start[name] ?? "none"} -> ${end[name] ?? "none"}`);
}

/**
 * `@openai/codex-sdk` on the streaming turn: it runs `codex exec`, which writes the answer once
 * instead of the deltas, so its figures are not comparable.
 */
function unchecked(result: WorkloadResult, variant: VariantId): boolean {
  const checks = result.workload.metrics.some((m) => m.key === "deltas");
  return (
    checks &&
    variant === "codex-sdk" &&
    result.variants[variant]?.error === undefined &&
    figure(result, variant, "deltas") === null
  );
}

function cell(result: WorkloadResult, variant: VariantId, metric: MetricSpec): string {
  const value = figure(result, variant, metric.key);
  if (value === null) return result.variants[variant]?.error !== undefined ? "failed" : "n/a";
  // Unitless figures are counts.
  const text =
    metric.unit === ""
      ? Math.round(value).toLocaleString("en-US")
      : `${formatNumber(value)} ${metric.unit}`;
  if (unchecked(result, variant)) return `${text} *`;
  const floor = figure(result, "floor", metric.key);
  const showRatio = variant !== "floor" && metric.ratio !== false && floor !== null && floor > 0;
  return showRatio ? `${text} (${formatRatio(value, floor)})` : text;
}

function rows(result: WorkloadResult): string[][] {
  const { workload } = result;
  const header = ["", ...workload.variants.map((v) => VARIANT_LABELS[v])];
  const body = workload.metrics.map((metric) => [
    metric.label,
    ...workload.variants.map((v) => cell(result, v, metric)),
  ]);
  if (result.imports !== undefined) {
    const imports = result.imports;
    const labels: Record<ImportTiming, string> = {
      first: "import, as the first module (fresh node)",
      afterEntry: "import, after the program's module (fresh node)",
    };
    for (const timing of ["first", "afterEntry"] as const) {
      body.push([
        labels[timing],
        ...workload.variants.map((v) => {
          const value = imports[timing][v];
          return value == null ? "n/a" : ms(value);
        }),
      ]);
    }
  }
  return [header, ...body];
}

function runsLine(result: WorkloadResult): string {
  const { workload } = result;
  const counts = workload.variants.map((v) => result.variants[v]?.runs.length ?? 0);
  const same = counts.every((n) => n === counts[0]);
  const what = same
    ? counts[0] === 1
      ? "one run"
      : `median of ${counts[0]} runs`
    : `median of ${workload.variants.map((v, i) => `${counts[i]} (${VARIANT_LABELS[v]})`).join(", ")} runs`;
  const warm = workload.warmups > 0 ? `, after ${workload.warmups} discarded warm-up run` : "";
  return `${what}${warm}, each in a fresh process`;
}

function verdict(target: Target): string {
  if (target.info === true) return "info";
  return target.met === undefined ? "n/a" : target.met ? "met" : "MISSED";
}

function padTable(table: string[][]): string {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]?.length ?? 0)));
  return table
    .map((row) =>
      row
        .map((text, c) => text.padEnd(widths[c]!))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

function markdownTable(table: string[][]): string {
  const [header, ...body] = table;
  const line = (row: string[]) => `| ${row.map((t) => t.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(header!), line(header!.map(() => "---")), ...body.map(line)].join("\n");
}

/** Rows of a leak workload's table sizes, "start -> end" per client. */
function leakTable(result: WorkloadResult): string[][] | undefined {
  const { variants } = result.workload;
  const checks = variants.map((v) => leakCheck(result, v));
  const names = [...new Set(checks.flatMap((c) => Object.keys(c?.internalsEnd ?? {})))];
  if (names.length === 0) return undefined;
  return [
    ["table / listeners (start -> end)", ...variants.map((v) => VARIANT_LABELS[v])],
    ...names.map((name) => [
      name,
      ...checks.map((c) =>
        c?.internalsEnd[name] === undefined
          ? ""
          : `${c.internalsStart[name]} -> ${c.internalsEnd[name]}`,
      ),
    ]),
  ];
}

function errorLines(result: WorkloadResult): string[] {
  return Object.entries(result.variants)
    .filter(([, r]) => r.error !== undefined)
    .map(([v, r]) => `${VARIANT_LABELS[v as VariantId]} failed: ${r.error}`);
}

/** The workload's figures as plain text for the terminal (its title is printed before the runs). */
export function consoleReport(result: WorkloadResult): string {
  const out = [`   ${runsLine(result)}`, ""];
  out.push(padTable(rows(result)));
  const leaks = leakTable(result);
  if (leaks !== undefined) out.push("", padTable(leaks));
  out.push("");
  for (const target of judge(result)) out.push(`  [${verdict(target)}] ${target.text}`);
  for (const line of [...result.notes, ...errorLines(result)]) out.push(`  note: ${line}`);
  return out.join("\n");
}

/** The workload's section of RESULTS.md, between markers so one workload can be refreshed alone. */
export function markdownSection(result: WorkloadResult, machine: Machine): string {
  const { workload } = result;
  const out = [
    `<!-- workload:${workload.id} -->`,
    `## ${workload.number}. ${workload.title}`,
    "",
    `${runsLine(result)}. Measured on ${machineLine(machine, result.load)}.`,
    "",
    markdownTable(rows(result)),
    "",
  ];
  const leaks = leakTable(result);
  if (leaks !== undefined) out.push(markdownTable(leaks), "");
  out.push("Targets:", "");
  for (const target of judge(result)) out.push(`- **${verdict(target)}**: ${target.text}`);
  const notes = [...result.notes, ...errorLines(result)];
  // A note that starts with a star (the footnote of a starred cell) keeps it: unescaped, it would
  // start a list inside the note's item.
  if (notes.length > 0) out.push("", ...notes.map((line) => `- ${line.replace(/^\*/, "\\*")}`));
  out.push(`<!-- /workload:${workload.id} -->`);
  return out.join("\n");
}

const HEADER = `# Benchmarks

Written by \`npm run bench\`; \`npm run bench -- <workload>\` refreshes one section (${WORKLOAD_IDS.join(", ")}
or 1-${WORKLOAD_IDS.length}), and \`npm run bench -- --profile <workload>\` prints where the client's CPU goes.

Every run starts the real pinned \`codex app-server\` against the offline mock Responses API of
\`src/testing\` (CODEX_HOME on tmpfs when there is one), from a fresh measuring process. Ratios are to
the floor, a minimal hand-written JSON-RPC client (\`bench/floor-client.ts\`). \`@openai/codex-sdk\`
runs \`codex exec\` per turn with the same binary and CODEX_HOME. CPU and memory are the client
process's own; the app-server, the mock and \`codex exec\` are not counted. Each measured section
starts after a full garbage collection, so it pays for the garbage it makes itself, not for what
loading and starting the client left in the young generation. Left there, that garbage would be
collected by a scavenge of 1 to 9 ms in whichever section first filled the young generation
(traced, the SDK's concurrent section took such a scavenge in 5 runs of 5, the floor's in 1).
Sections are timed with \`process.hrtime()\`, whose first use loads nothing: the first read of
\`performance.now()\` loads Node's \`perf_hooks\` (about 2 ms of CPU), which before run 23 every
client's first section paid, the floor's included, while a client that read it itself paid it no
more. The wall times are mostly the app-server's, which varies by several percent from run to
run; the client CPU figures show what the SDK itself adds. Figures are reported, never asserted.

The Python SDK of \`openai/codex\` (\`sdk/python\`, \`openai_codex\`) has no column, because its source
cannot be had here. Its requirements are met (Python 3.10+ and pydantic 2.12+; pyenv's Python 3.11
has pydantic 2.13), but github.com and PyPI are out of reach, the machine's local wheel mirror has
no \`openai-codex\`, and the copies of \`sdk/python\` readable from here come from several branches and
forks, none complete (the one copy of a single commit lacks \`errors.py\`, \`retry.py\` and
\`_version.py\`). No consistent package can be put together to run against the pinned runtime.

The leak checks (soak, threads) read the SDK client's table sizes with \`clientStats\`, which the
package's \`./testing\` entry exports. The bench imports it from the testing entry of the same dist/
snapshot as the SDK (\`dist/testing/index.js\` takes the \`Codex\` class, and \`clientStats\`, from
\`dist/index.js\`), and reads the tables at the start and at the end, with nothing in flight. Memory
is judged on the data objects of two heap snapshots, since the heap trend also counts V8's compiled
code.

Each CPU target also gives the ratio round by round: in each round the clients run one after the
other (from run 33, in the order reversed every other round, so that a drift within a round does
not always fall on the same one), and the median of the per-round ratios, with its 95% bootstrap interval, shows whether a
target met or missed by a few percent is decided or within this host's noise (the floor's own CPU
moves by 15% to 30% between batches). The ratios also move with the host's load: when the shared
host is busy, the SDK's larger working set costs it more than the floor's costs the floor. Within
one hour, 21 interleaved rounds of the concurrent workload measured 1.04x with the floor at 31 ms,
then 1.16x with the floor at about 37 ms, on code that differed by one helper call a turn.

Where the SDK's extra client CPU goes, measured on the AMD EPYC host (2026-12-07, outside the bench,
200 to 300 turns on one thread): against the real runtime a turn cost the floor 2.7 to 3.2 ms of
client CPU and the SDK about 0.5 ms more, while the work the SDK does per turn, measured hot, is a
small part of that. The recorded traffic of a turn replayed in one process with no I/O (20,000
turns) cost the SDK about 40 µs a turn and the floor's parse-and-resolve 25 µs, most of either
being the \`JSON.parse\` of the same twelve lines. Replayed over real pipes by a scripted server,
it cost the floor 0.135 ms and the SDK 0.185 ms a turn when the messages came back to back, 0.28
and 0.43 ms with 1 ms between them. The runtime writes a turn's messages one by one, milliseconds
apart (a turn takes about 80 ms of wall time here), and the client sleeps between them: each
wake-up runs its code from cold caches, where a path costs in proportion to the code and data it
touches rather than to what it computes, and the SDK's path (the thread's queue, the turn's slot
and collector, the router's tables) touches more than the floor's. Closing the gap means touching
less per message, not computing less.

Counted in instructions rather than seconds (valgrind's callgrind, whose count for the same code and
inputs repeats to within 0.3%, whatever else the host runs), the same turn replayed
by a scripted server, 30 ms between messages so that each arrives alone, with the counters started
after a full garbage collection: over turns 6 to 45 the floor's main thread ran about 0.89 million
instructions a turn and the SDK's 1.17 million (1.32x); over turns 101 to 140, 0.60 and 0.75
million (1.24x). Half of the early difference is warming up, which a 30-turn workload pays in full:
more functions compiled to baseline code, more property lookups seen for the first time, more
object shapes built. The rest is the bytecode's own work, spread over the whole path rather than
in one place: about 35,000 instructions a turn of property loads (private fields, read through
V8's keyed-load path, among them), 6,000 of comparisons, and calls, each a builtin call in
baseline code, and more scavenges from more allocation. Changes of a few thousand instructions a
turn (one promise less per request, one set lookup less per line) measured within the 0.5% by
which any change of the code moves the garbage collector's timing.

The full runs so far are below; this file holds the thirty-first, with the stream section of the
thirty-second. Each ratio is the SDK's client CPU over the floor's, as the section's CPU target
gives it (not the round-by-round median). Runs 1 to 6
are of code whose measured paths differ by no more than a null check in reading a turn's answer,
one more callback handed to the transport and the keeping of the notifications sent during
start-up: runs 1 and 2 were an hour apart, run 3 a round later, then runs 4, 5 and 6. The soak's
client CPU of runs 1 to 29 also counted the bench's own count of its two heap snapshots, about
0.2 s for each client, which drew its ratio toward 1.00x; it is left out from run 30.

| Run | Commit  | Changed on the measured paths                                                                    | Start-up | Sequential turns | Concurrent threads | Stream | Soak  | Notes                                                                                                  |
| --- | ------- | ------------------------------------------------------------------------------------------------ | -------- | ---------------- | ------------------ | ------ | ----- | ------------------------------------------------------------------------------------------------------ |
| 1   | 0f979c6 | see above                                                                                        | 1.20x    | 1.12x            | 1.11x              | 0.96x  | 1.21x |                                                                                                        |
| 2   | c168d16 | see above                                                                                        | 1.47x    | 1.21x            | 1.16x              | 1.01x  | 1.02x |                                                                                                        |
| 3   | 95d90ba | see above                                                                                        | 1.28x    | 1.16x            | 1.15x              | 1.02x  | 1.09x |                                                                                                        |
| 4   | 47511d3 | see above                                                                                        | 1.30x    | 1.18x            | 1.21x              | 1.07x  | 1.08x | A/B against run 5 below                                                                                |
| 5   | 8508a4a | see above                                                                                        | 1.29x    | 1.18x            | 1.31x              | 1.11x  | 1.07x | A/B against run 4 below                                                                                |
| 6   | 11ac014 | see above                                                                                        | 1.30x    | 1.12x            | 1.18x              | 1.12x  | 1.11x | floor's start-up CPU 20.8 ms                                                                           |
| 7   | 34f70f1 | line decoder copies less; requests weighed against message limit                                 | 1.33x    | 1.15x            | 1.21x              | 1.10x  | 0.97x | floor's start-up CPU 16.0 ms                                                                           |
| 8   | 3804830 | as run 7; a turn's binding checks one more set                                                   | 1.17x    | 1.16x            | 1.12x              | 1.06x  | 1.13x | floor's start-up CPU 18.4 ms                                                                           |
| 9   | 6b1456d | option and string checks; router watches for thread ends                                         | 1.41x    | 1.13x            | 1.21x              | 1.07x  | 1.14x | floor's start-up CPU 16.0 ms; start-up A/B below                                                       |
| 10  | ab005ff | router reads every turn start and end; one abort listener                                        | 1.28x    | 1.14x            | 1.21x              | 1.09x  | 1.10x | floor's start-up CPU 18.5 ms                                                                           |
| 11  | 04120db | ids of answered server requests kept; finalization registry                                      | 1.25x    | 1.17x            | 1.12x              | 1.17x  | 1.03x | floor's start-up CPU 15.8 ms                                                                           |
| 12  | 86d5df9 | wire options checked against the generated kinds                                                 | 1.45x    | 1.12x            | 1.22x              | 1.20x  | 1.07x | floor's start-up CPU 11.6 ms, the lowest yet measured                                                  |
| 13  | ef38a38 | a turn's collector reads one more method; a final error; snapshot's package.json                 | 1.41x    | 1.10x            | 1.14x              | 1.13x  | 1.08x | import 9.79 ms (floor's 3.11 ms)                                                                       |
| 14  | eecfea6 | long-line check; thread start and archive through a wait helper                                  | 1.36x    | 1.12x            | 1.13x              | 1.12x  | 1.06x | import 11.4 ms (floor's 3.13 ms); floor's sequential-turns CPU 62.0 ms; import A/B below               |
| 15  | 8b5dbb2 | a request bounds its wait through the same helper                                                | 1.36x    | 1.26x            | 1.15x              | 1.06x  | 1.16x | import 9.65 ms (floor's 3.42 ms); floor's sequential-turns CPU 48.7 ms                                 |
| 16  | 30066cc | a stream's reads queued in order; a turn's start re-checked only with bounds                     | 1.39x    | 1.20x            | 1.16x              | 1.07x  | 1.09x | import 12.6 ms (floor's 4.47 ms); floor's sequential-turns CPU 60.0 ms; import A/B below               |
| 17  | 5e13590 | array params refused; turn starts after their end ignored                                        | 1.37x    | 1.18x            | 1.20x              | 1.11x  | 1.10x | another host (Intel Xeon; runs 1-16 AMD EPYC); import 9.95 ms (floor's 2.88 ms)                        |
| 18  | 68fb485 | a turn handle's run() asks whether its signal stopped it                                         | 1.31x    | 1.28x            | 1.18x              | 1.10x  | 1.11x | busier host (floor's start-up CPU 19.3 ms); import 14.5 ms (floor's 5.27 ms); stream section run again |
| 19  | bbbcaab | a held turn's replay checks the turn is still routed; thread options checked for lone surrogates | 1.44x    | 1.19x            | 1.23x              | 1.09x  | 1.16x | quieter host (floor's start-up CPU 11.2 ms); import 10.4 ms (floor's 2.75 ms)                          |
| 20  | d4a73bf | held server requests keep their place; a turn's start notes the thread's running turn            | 1.39x    | 1.22x            | 1.22x              | 1.06x  | 1.12x | busier host (floor's start-up CPU 16.5 ms); import 13.0 ms (floor's 3.61 ms)                           |
| 21  | 4c12ee9 | a streamed turn's collector notes open server requests; thread start checks more options         | 1.41x    | 1.18x            | 1.26x              | 1.15x  | 1.10x | quiet host (floor's start-up CPU 11.6 ms); import 10.7 ms (floor's 2.77 ms)                            |
| 22  | 6001bdc | a turn given up on asks its thread's status; answers weighed against the message limit           | 1.49x    | 1.21x            | 1.24x              | 1.12x  | 1.07x | quietest host yet (floor's start-up CPU 8.16 ms); import 9.04 ms (floor's 2.33 ms)                     |
| 23  | af73ace | the clock of calls' bounds (and of the bench) loads no perf_hooks; listeners re-checked after one unsubscribes | 1.25x | 1.20x | 1.17x | 1.09x | 1.13x | busiest host yet (floor's start-up CPU 17.7 ms, soak 3,041 ms); import 27.6 ms (floor's 5.51 ms) |
| 24  | 5f34511 | a request's method looked for among the server requests'; sub-agents' turn starts read | 1.28x | 1.16x | 1.15x | 1.04x | 1.09x | busy host (floor's start-up CPU 23.3 ms); import 24.3 ms (floor's 6.55 ms) |
| 25  | b1f7910 | a turn's options copied by the walk that checks them; its text measured against the runtime's limit | 1.29x | 1.31x | 1.25x | 1.07x | 1.19x | quieter host (floor's turns CPU 43.7 ms); import 24.6 ms (floor's 6.07 ms) |
| 26  | 6ad4950 | a turn's start resent after a refusal, through one more promise; a completion without a turn id read | 1.24x | 1.27x | 1.23x | 1.01x | 1.19x | busy host (floor's turns CPU 61.7 ms, soak 2,438 ms); import 30.9 ms (floor's 6.39 ms) |
| 27  | 10641da | a thread start's credentials held through one more call; a turn's bounds as one object | 1.48x | 1.36x | 1.32x | 1.22x | 1.25x | quietest host yet, Intel Xeon (floor's start-up CPU 7.23 ms, turns 26.3 ms); import 9.80 ms (floor's 2.22 ms), met |
| 28  | efcba7a | a turn's collector counts what holds its thread; a pending request keeps its ticket | 1.51x | 1.32x | 1.34x | 1.13x | 1.24x | same host, a little busier (floor's start-up CPU 7.98 ms, turns 26.5 ms); import 10.2 ms (floor's 2.39 ms), missed by 0.2 ms |
| 29  | 20b33fb | a command's code and three built-ins loaded on first use (the import only) | 1.57x | 1.32x | 1.31x | 1.23x | 1.22x | same host (floor's start-up CPU 7.55 ms, turns 27.0 ms); import 9.55 ms (floor's 2.35 ms), met; start-up and turns sections run again; this file |
| 30  | 6c22ae0 | requests given up on while they wait for a place withdrawn (a ticket per turn start and followed request); the soak's CPU leaves out the snapshot count | | | | | 1.07x | soak section only, another host (AMD EPYC, load 2.2; floor's soak CPU 1,266 ms); round by round 1.18x, 95% interval 1.00x-1.32x |
| 31  | aad41fe | sessions of fixes off the main paths; a line redaction changed is looked at for base64 events; an item's start read while a thread runs a turn not routed here | 1.35x | 1.27x | 1.43x | 1.01x | 1.19x | slow host (AMD EPYC; floor's start-up CPU 20.9 ms, turns 61.6 ms); import 33.9 ms (floor's 7.67 ms); threads 1.76x; the results mode 15.5x less CPU |
| 32  | ebd8f14 | the stream's peak heap taken from V8's GC profiler, not a 10 ms timer (the bench's change; the SDK's paths as run 31's) | | | | 1.00x | | stream section only (AMD EPYC, load 1.6; floor's stream CPU 391 ms); the results mode 22.1x less CPU |

What changed on the measured paths, in more detail:

- Run 7 (34f70f1): the line decoder joins only a chunk's first line to what it kept of the chunks
  before (one copy of each chunk fewer) and weighs each line against the longest string; the
  connection weighs each request against the transport's message limit.
- Run 9 (6b1456d): the checks refuse options that are not plain objects, and strings cut inside a
  character; the router listens for thread ends from its construction and looks for one as a turn
  binds; the redaction does no more, as this bench has no secret.
- Run 10 (ab005ff): the router keeps, per thread, the start of the turn the server runs, and so
  reads every \`turn/started\` and \`turn/completed\`; the waits share one abort listener per signal;
  the checks of JSON values look for lone surrogates.
- Run 11 (04120db): the connection keeps the ids of the server requests it is answering, and
  \`notifications()\` iterators are watched by a finalization registry.
- Run 12 (86d5df9): calls check each wire option against the kinds of value generated with the
  protocol, kept as JSON text and parsed on first use.
- Run 14 (eecfea6): the connection judges a long line only while the router is its one listener, a
  thread's start and archive are sent through a helper that bounds only the wait, and ids are
  checked for white space.
- Run 15 (8b5dbb2): a request bounds its wait through the same helper, with the same early return
  for a call without bounds.
- Run 16 (30066cc): each read of a stream's event log checks one more field (a read queued behind
  another, which a \`for await\` loop never asks), a turn's start checks that its caller still
  wants it only when it has a signal or a timeout, and binding a turn says whether it routed it.
- Run 17 (5e13590), on another host (an Intel Xeon, where runs 1 to 16 had an AMD EPYC, so its
  figures compare with its own floor's only): each message's params are checked not to be an
  array, the router records a turn whose completion came before its start (it reads every
  \`turn/started\` and \`turn/completed\` already), a server request's method is looked up among the
  protocol's, and a turn's handle keeps the signal it was started with.
- Run 18 (68fb485), on the same host busier (the floor's start-up CPU 19.3 ms against 11.9 ms,
  its sequential turns 81.6 ms against 47.3 ms): a turn handle's \`run()\` reads the completion
  through one more method, which asks whether the signal the turn was started with stopped it.
  Its stream section, in which the results mode measured 8.52x less CPU than the floor (target
  10x), was run again twice on the same code: 9.93x, then 10.4x.
- Run 19 (bbbcaab), on the same host quieter (the floor's start-up CPU 11.2 ms, its sequential
  turns 42.7 ms): the replay of the events held for a turn before its \`turn/start\` answer
  checks, event by event, that the turn is still routed; the router compares a completion that
  overtook its start with the start's root too, and reads its list of listeners to every
  notification before delivering one; a thread's string options are checked for lone surrogates
  one by one; a turn handle's \`run()\` reads the result through one more method. Its stream
  section met both targets (1.09x; the results mode 10.9x less CPU than the floor, and 764 ms
  against the floor's 901 ms); start-up's ratio is of a smaller floor (11.2 ms against 19.3 ms in
  run 18) for much the same extra (5 ms against 6 ms).
- Run 20 (d4a73bf), on the same host busier (the floor's start-up CPU 16.5 ms, its sequential
  turns 59.6 ms): a \`serverRequest/resolved\` of a request this client does not know is held,
  while a turn is being started, for that turn; the replay of a turn's held events goes through
  one more method; a turn's start notes the thread's running turn before it is sent, and reads
  what its binding answered; a turn's collector checks the item of each \`item/started\`; a turn
  started with a signal or a timeout has one more promise handler, naming the call in a
  timeout. Its stream section met both targets again (1.06x; the results mode 10.5x less CPU
  than the floor, and 916 ms against the floor's 1,082 ms).
- Run 21 (4c12ee9): a turn whose events are kept for \`stream()\` readers notes the
  \`requestId\` of each event outside its own cases (the server requests it shows) and forgets it
  at its \`serverRequest/resolved\`; \`threadStart\` checks its string options for emptiness, its
  sandbox settings against the preset and \`permissions\`, and \`config\` for the keys the
  presets set. The deltas of the stream workload keep their own cases, and a thread started
  without \`config\` skips the last of these checks. On a quiet host (the floor's start-up CPU
  11.6 ms, its sequential turns 44.2 ms), its stream section missed its CPU target at 1.15x,
  within the 1.06x to 1.20x of runs 11 to 20, while the results mode met both (759 ms against
  the floor's 905 ms, 10.7x less CPU); the soak measured 1.10x (1,653 against 1,502 ms), just
  over the line.
- Run 22 (6001bdc): off the measured paths, a turn given up on reads its thread's status, a
  handler's answer is weighed against the transport's message limit before it is sent (no
  bound on stdio), a stream's signal is read only while its turn runs, and a tool's options are
  checked for more names; the measured paths run much the same code as run 21's (one more field
  in a turn's context, one helper for a call's remaining timeout). On the quietest host yet (the
  floor's start-up CPU 8.16 ms, its import 2.33 ms), the import met its target at 9.04 ms and
  the soak at 1.07x (1,047 against 975 ms), the results mode met both (631 ms against the
  floor's 731 ms, 14.9x less CPU), and the start-up (1.49x), turns (1.21x), concurrent (1.24x)
  and stream (1.12x) CPU targets missed.
- Run 23 (af73ace): the SDK's bounds and request places read \`process.hrtime()\` instead of
  \`performance.now()\`, whose first read loads \`perf_hooks\` (about 1.8 ms of CPU in a fresh
  \`node\`), and so does the bench's clock, which before this run charged that load to every
  client's measured section, the floor's included: the floor's figures lose about 2 ms, and the
  start-up ratio is not comparable with runs 1 to 22. A \`codex.on\` listener is re-checked
  after an earlier one of the same notification unsubscribed. On the busiest host yet (the
  floor's start-up CPU 17.7 ms, its sequential turns 84.4 ms, its soak 3,041 ms against 975 ms
  in run 22, its import 5.51 ms), the stream met its CPU target (1.09x) and the results mode
  both of its own (937 ms against the floor's 1,335 ms, 11.9x less CPU); the start-up (1.25x),
  turns (1.20x), concurrent (1.17x) and soak (1.13x) CPU targets and the import (27.6 ms)
  missed. Measured interleaved in 15 rounds just before this run, on the same busy host, the
  start-up of the code before the clock's change took 30.3 ms of client CPU and this code
  29.0 ms (the floor 22.7 ms).
- Run 24 (5f34511): on the measured paths, each notification's method is also looked for among
  the server requests' (a request without an id is dropped, where it reached a turn's stream),
  the server-request dispatcher reads every \`turn/started\` (a sub-agent's names the turn it
  works for), and a line that fails to parse is checked for a byte order mark; off them, an
  interrupt refused before its turn started is sent again once it starts. On a busy host (the
  floor's start-up CPU 23.3 ms, its import 6.55 ms), the stream (1.04x) and soak (1.09x) met
  their CPU targets and the results mode both of its own (938 ms against the floor's 1,438 ms,
  14.2x less CPU); the start-up (1.28x), turns (1.16x) and concurrent (1.15x) CPU targets and the
  import (24.3 ms) missed.
- Run 25 (b1f7910): on the measured paths, a turn's options are copied by the walk that checks
  them (where they were walked, then copied through JSON), a turn's collaboration mode is read,
  and a text input is measured against the runtime's limit of 2^20 characters (one comparison of
  its length; characters are counted only past 2^20 UTF-16 units); a thread's tools are kept as
  read once. On a quieter host than run 24's (the floor's start-up CPU 20.0 ms, its sequential
  turns 43.7 ms against 84.6 ms, its import 6.07 ms), the stream (1.07x) met its CPU target and
  the results mode both of its own (884 ms against the floor's 1,266 ms, 12.8x less CPU); the
  start-up (1.29x), turns (1.31x; round by round 1.23x), concurrent (1.25x), soak (1.19x) and
  threads (1.41x) CPU targets and the import (24.6 ms) missed. The SDK's extra CPU was about run
  24's where the floor's fell (sequential turns +13.4 ms against +13.6 ms, concurrent +12.6 ms
  against +10.3 ms). Alternating the builds of 5498bb6 (run 24's paths) and b1f7910 in fresh
  processes after this run, 600 threads started and archived took 689 and 696 ms (medians of
  five each), and 60 sequential turns 313.8 and 312.1 ms (seven each, the mock's CPU included):
  the ratios moved with the host, not the change.
- Run 26 (6ad4950): on the measured paths, a turn's \`turn/start\` goes through a helper that
  sends it again should the server refuse it as the thread's turn takes no input (one more
  promise and two closures a turn, and a look in one more set), a \`turn/completed\` is checked for
  a turn id before routing, and a thread id already in the server's spelling skips the UUID
  regular expressions. On a busy host (the floor's start-up CPU 20.7 ms, its sequential
  turns 61.7 ms against 43.7 ms in run 25, its soak 2,438 ms, its import 6.39 ms), the stream met
  its CPU target (1.01x) and the results mode both of its own (868 ms against the floor's
  1,284 ms, 15.0x less CPU); the start-up (1.24x), turns (1.27x), concurrent (1.23x), soak
  (1.19x) and threads (1.43x) CPU targets and the import (30.9 ms) missed. The SDK's extra CPU
  was about run 25's: start-up +5.0 ms against +5.8 ms, sequential turns +16.9 ms against
  +13.4 ms on a floor 18 ms busier, concurrent +9.6 ms against +12.6 ms.
- Run 27 (10641da): on the measured paths, a thread's start goes through one more call (which
  holds the credentials of its config, when it has any, for the thread), and a turn's start builds
  its bounds as one object. On the quietest host yet (an Intel Xeon; the floor's start-up CPU
  7.23 ms, its sequential turns 26.3 ms, its concurrent threads 22.3 ms), the import met its
  target (9.80 ms) and the results mode both of its own (663 ms against the floor's 767 ms, 16.8x
  less CPU); the CPU targets missed by more than in run 26 as ratios, while the SDK's extra CPU
  was less: start-up +3.5 ms against +5.0 ms, sequential turns +9.4 ms against +16.9 ms,
  concurrent +7.3 ms against +9.6 ms. On a quiet host the floor's own cost falls more than the
  SDK's. The stream measured 1.22x (+33 ms) and 1.08x in time. A local stand-in that replays a
  recorded turn's 12 lines measured the same split as before: all 12 in one write, the SDK took
  about 1.09x the floor's CPU over 3,000 turns (0.5 µs more a line); each line in its own write
  4 ms apart, about 1.43x over 300 turns (about 15 µs more at each wakeup).
- Run 28 (efcba7a): on the measured paths, a turn's collector keeps a count of what holds its
  thread past its end (an external message's steer in flight; none for other turns), a pending
  request keeps the ticket it was given (none for a turn's start), and a turn's options, when
  given, are copied as they are checked. On the same host as run 27, a little busier (the floor's
  start-up CPU 7.98 ms against 7.23 ms, its import 2.39 ms against 2.22 ms), the CPU ratios moved
  within a few percent of run 27's (start-up 1.51x, turns 1.32x, concurrent 1.34x, soak 1.24x,
  threads 1.39x) but for the stream's, 1.13x against 1.22x, which met its 5% in time this run
  (1.03x). The import measured 10.2 ms (and 10.3 ms in a second run of the start-up section),
  just over its 10 ms target: the client's \`dist/index.js\` grew by 6.4 KB (1.7%) with this
  session's fixes, and the floor's own import rose by 8% on the busier host, the SDK's by 4%. The
  results mode met its targets (627 ms against the floor's 750 ms, 15.9x less client CPU). The
  workloads of 60 turns run the SDK's code as bytecode throughout: V8's optimizing compiler,
  whose background threads \`process.cpuUsage()\` counts, took 0.1 to 0.4 ms of CPU in a 60-turn
  run of either client (per-thread \`/proc/self/task/*/schedstat\`), so what the SDK adds there is
  the bytecode it runs per line and per turn.
- Run 29 (20b33fb): nothing changed on the measured paths but the import: what runs a command
  is a file the first \`exec\` loads, and \`node:util\`, \`node:url\` and \`node:querystring\` are
  taken on first use (the runtime's lookup takes \`node:url\` through \`process.getBuiltinModule\`,
  about 25 µs once per start). The first full run's start-up and sequential-turns sections ran
  while another process built the package (the floor's import 2.47 ms, the SDK's 10.2 ms; the
  floor's turns 33.9 ms against run 28's 26.5 ms), so those two were run again on a quiet host:
  the import measured 9.55 ms (the floor's 2.35 ms), which meets its target, start-up 1.57x
  (11.8 ms against 7.55 ms) and turns 1.32x (35.6 ms against 27.0 ms). The other sections are of
  the first run: concurrent threads 1.31x, soak 1.22x, threads 1.30x, the stream 1.23x (195 ms
  against 159 ms, 1.02x in time; run 28 measured 1.13x, runs 11 to 28 from 1.01x to 1.22x),
  and the results mode met both its targets (662 ms against the floor's 803 ms, 14.8x less
  client CPU).
- Run 30 (6c22ae0): a turn's start, a review's and a compaction's, and the unsubscribe, resume,
  archive and delete a thread follows each take a ticket (one object more), withdrawn should the
  caller give up while the request waits for a place; the soak's client CPU no longer counts the
  bench's own count of its heap snapshots (about 0.2 s for each client in the runs before).
  Only the soak was run: 1.07x by the medians (1,357 ms against 1,266 ms), which meets its
  target, but 1.18x round by round (95% interval 1.00x to 1.32x), which does not decide it.
- Run 31 (aad41fe), the first full run since run 29, after three sessions of fixes that are
  almost all off the measured paths (redaction of credentials a config names, base64 fields,
  WebSocket URLs, structured output, external messages, a shell command's turn, stops behind a
  burst, paths held to the server's system). On them: a line that redaction changed (never, in
  this bench) is looked at for a base64 event; the router reads an item's start while a thread
  runs a turn this client does not route (none here); a thread's start passes the server's
  platform to its checks. On a slow host (the floor's start-up CPU 20.9 ms against run 29's
  7.55 ms, its import 7.67 ms against 2.35 ms, its sequential turns 61.6 ms against 27.0 ms), the
  stream met its CPU target (1.01x) and the results mode both of its own (858 ms against the
  floor's 1,247 ms, 15.5x less CPU); start-up (1.35x), turns (1.27x), concurrent threads (1.43x;
  round by round 1.28x), the soak (1.19x) and the import (33.9 ms) missed. The 10,000 threads
  took 1.76x the floor's CPU (12.4 s against 7.0 s) and 1.20x its time, from 1.30x to 1.43x in
  runs 25 to 29: a single run, not yet told apart from the host.
- Run 32 (ebd8f14), the stream section alone, on the same code's measured paths as run 31 (the
  changes since were to dynamic tools, which the bench does not offer): the bench took the stream's
  peak heap with a timer that woke the client every 10 ms, whose CPU was counted as the client's,
  about 20 ms of it a second; it now reads the peaks V8's GC profiler records before each
  collection. Taken side by side in one child process before the change, the results mode
  measured 33.0 ms with the timer and 12.6 ms without. Here, on a busier host than run 31's (the
  floor's CPU 391 ms against 314 ms), the SDK's stream CPU matched the floor's (1.00x; round by
  round 0.99x, 95% interval 0.94x-1.07x), and the results mode finished in 985 ms against the
  floor's 1,450 ms, on 17.7 ms of client CPU, 22.1x less (15.5x in run 31, with the timer).

Interleaved comparisons:

- Start-up alone, right after run 9, in four pairs of batches of the code before that round
  (9a6ba60) then 6b1456d: 1.28x, 1.22x, 1.28x and 1.26x round by round for the older code, and
  1.32x, 1.28x and 1.24x for the newer (the fourth pair's newer batch is run 9 itself, 1.36x
  round by round). That is a few percent more at most, within the spread of one batch.
- 47511d3 (run 4) and 8508a4a (run 5), in one process: they differed by 0.996x in concurrent CPU
  (95% interval 0.93x to 1.05x, 15 rounds) and by 0.956x in start-up CPU (0.90x to 0.99x, 21
  rounds).
- Import, after run 14, in 31 fresh processes each on a busier host: the build of a371887 (run 13's
  code, tidied) took 14.2 ms and that of eecfea6 14.0 ms.
- Import, after run 16, alternating in 31 fresh processes each on a busy host: the build of
  1c2784b (run 15's code) and that of 30066cc (6 KB larger) took 14.87 and 15.67 ms, then 16.44
  and 16.51 ms (medians, their quartiles overlapping): run 16's 12.6 ms, against run 15's
  9.65 ms, follows the host's load, as the floor's own row (4.47 ms against 3.42 ms) does.
- Threads, after run 17, whose single run measured the SDK at 1.41x the floor's client CPU (run
  16: 1.00x): 800 threads started and archived after 100 of warm-up, in fresh processes,
  alternating the build of 783a661 (run 16's code) and 5e13590, six of each: 706, 752, 653, 747,
  860 and 781 ms against 745, 688, 797, 749, 804 and 829 ms (medians 750 and 773 ms, each build
  ahead in some pairs). The run's ratio is the host's, not the change's.

Where the SDK's extra client CPU goes (\`npm run bench -- --profile <workload>\`), workload by
workload. The SDK makes the same system calls as the floor (as many reads and event-loop waits per
turn); the difference is its JavaScript.

- Start-up: V8 compiles each function on its first call. Between spawn and the first answer the
  SDK first calls well over 100 of its functions, the floor about 25; with everything compiled in
  advance (\`node --no-lazy\`) the SDK's start-up CPU is about 1.1x the floor's instead of 1.3x. The
  first compile after the client slept costs the most (0.1 to 0.3 ms, the compiler's own code
  being cold), and the SDK meets new code in more of the start-up's wake-ups (the first long line,
  the turn's answer, its first event, its first item, its completion). About 0.4 ms more is Node's
  own timer code, compiled on first use: the \`initialize\` deadline (\`startTimeout\`, which keeps
  \`Codex.start\` from waiting forever on a server that never answers) is the first timer the
  process arms, and the floor arms none. A fresh \`node\` takes 0.3 to 0.45 ms for its first
  \`setTimeout\` and 0.1 ms for its first \`clearTimeout\`, and 0.01 ms for the next pair, so a
  program that has already armed a timer pays none of it; over 21 interleaved rounds, the SDK
  without that deadline used 7% less start-up CPU (95% interval 0.3% to 11%). Phase by phase up to
  a ready client (\`Codex.start\` against the floor's \`start\`, medians of 15 interleaved runs), the
  SDK spent about 0.7 to 1.1 ms more before the spawn (checking the options, building the command
  line), 0.5 ms more spawning and wiring the connection, 0.7 ms more on the \`initialize\` exchange
  (its deadline included) and 0.8 ms more after the answer (reading it, sending \`initialized\` and
  waiting for that write, building the router and the request dispatcher): in each phase, mostly
  its code running for the first time.
- Import, after the program's module, medians of 31 fresh processes on a quiet host: importing
  \`node:child_process\` alone takes about 2.5 ms, the four built-in modules of the floor's row
  3.05 ms, a file importing the built-ins the SDK imports (\`child_process\`, \`fs\`, \`path\`, \`url\`,
  \`module\`, \`string_decoder\`) 4.0 ms, of which 0.75 ms is loading any file, and the SDK 9.1 ms.
  Its 5.1 ms more is nearly all V8 compiling \`dist/index.js\` (204 KB, every function in it
  pre-parsed; running its top level takes about 0.6 ms). The names of every option, by which each
  call refuses one it does not take, cost about 0.3 ms of it (9.5 KB, 0.1 ms of top level). The
  figure follows the host's load: in run 13 the floor's row took 3.11 ms and the SDK 9.79 ms; in
  the twelve full runs before it (runs 1 to 12), 3.9, 4.15, 4.37, 3.71, 4.50, 5.05, 4.01, 4.46,
  4.04, 4.37, 3.80 and 4.08 ms against 10.8, 13.7, 12.9, 11.8, 15.3, 15.4, 14.3, 14.6, 14.2, 15.0,
  11.8 and 13.6 ms (runs 14 and 15: see the table).
  The generated kinds of value of the wire options (about 5 KB of JSON text in the file) measured
  no slower in two interleaved sets of 31 fresh processes on a quiet host: 9.51 against 9.92 ms,
  then 8.99 against 8.99 ms.
  The cost of an import follows the number of functions more than the bytes: over 15 runs each,
  the file stripped of whitespace and comments compiled no faster, and fully minified only about
  0.9 ms faster, at the cost of a readable dist. Goal runs, logins, reviews, skills, the WebSocket
  transport, structured output's schema conversion and the checks of handlers' answers are loaded
  on first use, and since run 29 so is what runs a command: its handle, a class the package
  exports (one class, so \`instanceof\` holds), stays in the file over the command it drives, which
  the first \`exec\` loads (16 KB less, about 0.25 ms). History, MCP and config edits stay, each
  with such a class and with checks that throw before any request: a build with those three and
  commands stubbed out, 30 KB smaller, imported 0.4 to 0.9 ms faster in three interleaved runs of
  31 to 61 processes, each with a spread (first to third quartile) of 2 to 3 ms. Taking every
  built-in through \`process.getBuiltinModule\` instead of \`import\` measured no faster; taking the
  three that only cold paths use (\`node:util\` for error redaction, \`node:url\` for the runtime's
  lookup, \`node:querystring\` for credentials in URLs) on first use saved about 0.3 ms, most of it
  \`node:util\`'s ES module facade. With both, the file took 9.84 ms against the one before's
  10.4 ms in 21 interleaved processes on a quiet host; in 31 more, 9.58 ms, and stripped of white
  space 9.09 ms: half a millisecond, which the dist's readability is still judged worth.
  Two earlier costs in these rows are gone. Before run 1, each row also counted about 2 ms that was
  not the import: the timed code wrote its figure with
  \`process.stdout.write(String(performance.now() - t0))\`, which builds \`process.stdout\` (on its
  first use) before the argument reads the clock. Before run 13, the SDK's row also paid for a
  detection an installed SDK never runs: the bench's copy of dist/, under node_modules, had no
  package.json beside it, so Node took its files for files of no package and tried each as
  CommonJS before loading it as an ES module. The copy now has the package's package.json; in two
  interleaved sets of 61 fresh processes the difference measured within the noise (10.66 against
  10.39 ms, then 11.09 against 11.58 ms, without then with it).
- Turns and concurrent threads: over turns 10 to 30 of a run the SDK spends about 0.1 to 0.15 ms a
  turn more than the floor's 1.0 ms. In so few turns V8 optimizes none of either client's
  functions (with \`--trace-opt\`, the first of Node's own is marked at about turn 70, the clients'
  line handlers between turns 130 and 460): both run as bytecode throughout, in the interpreter and
  then Sparkplug, where each property access and each call goes through one of V8's inline-cache
  or call builtins. That is also why \`--max-opt=0\` or \`--max-opt=1\` leave the ratio as it is.
  Sampled with Linux perf over these 30 turns (12 runs of each client, the interpreter's frames
  included), \`JSON.parse\`, Node's stream code and libuv cost the same in both; the SDK's extra
  main-thread time is its own bytecode and the builtins it calls (property and keyed loads, its
  private fields among them, calls and Sparkplug's prologues): for each line the line decoder, the
  connection's receive, the router's dispatch and the turn's collector, for each turn the turn
  queue, the request and the result. Per turn the SDK runs about 31 distinct functions of its own
  (about 85 calls), the floor 12 (about 50 calls). Warm (a local replay of the same lines, back to
  back) the difference is about 0.025 ms a turn; the rest comes from the client waking cold for
  each line. Layer by layer, against the replay with the client cold at each line: the transport
  and connection alone cost about 1.05x the floor, with the router's turn routing about 1.07x to
  1.09x, and the turn's collector, result and thread API bring the rest. Single changes are hard
  to see: running about ten fewer functions a turn once measured 4% less CPU over 41 interleaved
  rounds, and taking nine more off (the result collected by the turn's collector itself) measured
  within the noise. In the concurrent workload the eight thread starts cost the SDK about what
  they cost the floor, its first turn about 1.3 ms more (the turn's path is compiled then), and the
  other 23 turns 1.13x to 1.18x the floor's.
- Stream: most of the difference is V8's optimizing compiler, on background threads that
  \`process.cpuUsage()\` counts. Each function an event goes through is optimized on its own once it
  is hot: on 20,000 deltas the SDK's path (the line decoder, the connection, the router, the reader
  and the program's \`for await\` loop) costs about 9 ms of compilation, the floor's one callback
  about 2 ms. The \`for await\` itself adds a promise and a result object per event: over 20,000
  events handed out at once by a trivial iterator it costs about 8 ms of CPU on its own (4 ms of it
  optimizing the loop), whatever yields the events. Against a local replay of the same turn, the
  SDK cost the floor's 22 ms plus about 14 ms through \`stream()\`, and plus about 5 ms through a
  \`codex.on\` listener and \`run()\`. A program that does not need the deltas should use
  \`events: "results"\`.
- Soak: the same costs per turn, with the optimizing compiler taking over the turn's functions in
  the first few hundred turns; over its 1,000 turns the SDK has used 0.97x to 1.21x the floor's
  CPU from one run of the bench to the next (the table) (round by round 1.01x to 1.17x). Stream, concurrent
  threads and soak sit near the 1.10x line, and the host's noise moves them across it: over the
  runs up to run 6 (some of them before run 1) the stream measured 0.96x to 1.14x, the concurrent
  threads 1.03x to 1.31x.
`;

/**
 * Writes RESULTS.md: the machine, then every section, replacing those measured now and keeping
 * the others. It is formatted with the repository's Prettier settings, as `npm run lint` checks.
 */
export async function writeResults(
  file: string,
  machine: Machine,
  sections: Map<string, string>,
): Promise<void> {
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const kept = (id: string): string | undefined =>
    new RegExp(`<!-- workload:${id} -->[\\s\\S]*?<!-- /workload:${id} -->`).exec(previous)?.[0];
  const body = WORKLOAD_IDS.map((id) => sections.get(id) ?? kept(id)).filter(
    (s): s is string => s !== undefined,
  );
  const text = `${HEADER}\nMachine of the latest run: ${machineLine(machine)}.\n\n${body.join("\n\n")}\n`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
