/**
 * `npm run bench [-- [options] [workload...]]`: builds the SDK, then for each workload runs every
 * client in turn (a fresh process per run, warm-ups discarded), prints the medians with their
 * ratio to the floor and the targets, and refreshes `bench/RESULTS.md`.
 *
 * Workloads are named by number or id: `npm run bench -- 3` or `npm run bench -- stream soak`.
 * Options: `--no-build` (reuse the bench's last build), `--runs N` (measured runs per client),
 * `--verbose` (every run's figure), `--profile` (CPU-profiled runs of the floor and the SDK per
 * workload, 3 each unless `--runs` says, summarized; RESULTS.md is left alone).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { locateRuntime, type RuntimeLocation } from "../src/runtime.js";
import { ROOT, runChild } from "./child-process.js";
import { IMPORT_RUNS, measureImports } from "./import-cost.js";
import { VARIANT_LABELS, type Job, type Measurement, type VariantId } from "./job.js";
import { describeMachine, loadNow, machineLine } from "./machine.js";
import { BenchServer, mockStreamMs } from "./mock.js";
import { summarizeProfiles } from "./profile.js";
import type { ThreadCpu } from "./threads.js";
import {
  consoleReport,
  markdownSection,
  writeResults,
  type VariantResult,
  type WorkloadResult,
} from "./report.js";
import { formatNumber, median, roundOrder } from "./stats.js";
import { STREAM_DELTAS, WORKLOADS, type Workload } from "./workloads.js";

const RESULTS = path.join(ROOT, "bench", "RESULTS.md");
/** The SDK's TypeScript source, run through tsx when a build fails. */
const SOURCE_ENTRY = pathToFileURL(path.join(ROOT, "src", "index.ts")).href;
/** Its `./testing` entry, which exports `clientStats`. */
const SOURCE_TESTING_ENTRY = pathToFileURL(path.join(ROOT, "src", "testing", "index.ts")).href;

interface Options {
  readonly workloads: readonly Workload[];
  readonly build: boolean;
  /** Overrides every workload's number of measured runs. */
  readonly runs: number | undefined;
  readonly verbose: boolean;
  readonly profile: boolean;
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "no-build": { type: "boolean", default: false },
      runs: { type: "string" },
      verbose: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
    },
  });
  const chosen = positionals.map((arg) => {
    const workload = WORKLOADS.find((w) => String(w.number) === arg || w.id === arg);
    if (workload === undefined) {
      const names = WORKLOADS.map((w) => `${w.number} (${w.id})`).join(", ");
      throw new Error(`unknown workload ${JSON.stringify(arg)}; choose from ${names}`);
    }
    return workload;
  });
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) {
    throw new Error(`--runs takes a positive integer, got ${values.runs}`);
  }
  return {
    workloads: chosen.length === 0 ? WORKLOADS : WORKLOADS.filter((w) => chosen.includes(w)),
    build: !values["no-build"],
    runs,
    verbose: values.verbose,
    profile: values.profile,
  };
}

interface SdkEntry {
  /** URL of the SDK entry the clients are made from. */
  readonly url: string;
  /** URL of the `./testing` entry beside it, which exports `clientStats` (see internals.ts). */
  readonly testingUrl: string;
  readonly fromSource: boolean;
  /** Set when the build failed. */
  readonly warning?: string;
}

const SNAPSHOT_ROOT = path.join(ROOT, "node_modules", ".cache", "codex-app-server-sdk-bench");
/**
 * The SDK the bench measures: a copy of dist/ taken right after `npm run build`, so that a build
 * run meanwhile by someone else (which empties dist/) cannot pull the SDK from under a
 * measurement. Under node_modules, its dependencies resolve as they do from dist/. Beside it goes
 * the package's package.json, as in an installed package: a file under node_modules belongs to
 * no package of ours without one, and Node loads such a `.js` file by first trying it as
 * CommonJS, which an installed SDK never pays for.
 */
const SNAPSHOT_DIR = path.join(SNAPSHOT_ROOT, "dist");
const SNAPSHOT_PACKAGE = path.join(SNAPSHOT_ROOT, "package.json");

/** Builds and snapshots dist/; falls back to the TypeScript source (via tsx) if the build fails. */
function sdkEntry(build: boolean): SdkEntry {
  const dist = path.join(ROOT, "dist");
  const entry = path.join(SNAPSHOT_DIR, "index.js");
  const testing = path.join(SNAPSHOT_DIR, "testing", "index.js");
  if (build) {
    const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
    if (result.status !== 0 || !existsSync(path.join(dist, "index.js"))) {
      const why = `${result.stdout}${result.stderr}`.trim().split("\n").slice(-5).join(" / ");
      return {
        url: SOURCE_ENTRY,
        testingUrl: SOURCE_TESTING_ENTRY,
        fromSource: true,
        warning: `npm run build failed (${why}): the SDK ran from its TypeScript source via tsx`,
      };
    }
    rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
    cpSync(dist, SNAPSHOT_DIR, { recursive: true });
    cpSync(path.join(ROOT, "package.json"), SNAPSHOT_PACKAGE);
  }
  for (const file of [entry, testing, SNAPSHOT_PACKAGE]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run without --no-build`);
  }
  return {
    url: pathToFileURL(entry).href,
    testingUrl: pathToFileURL(testing).href,
    fromSource: false,
  };
}

/**
 * The runtime writes session files under CODEX_HOME (a temporary directory) on every turn; on
 * tmpfs, disk latency adds no noise to what is a comparison of clients.
 */
function preferTmpfs(): string {
  if (process.env.TMPDIR === undefined && process.platform === "linux" && existsSync("/dev/shm")) {
    process.env.TMPDIR = "/dev/shm";
  }
  return os.tmpdir();
}

interface Context {
  readonly runtime: RuntimeLocation;
  readonly sdk: SdkEntry;
  readonly options: Options;
}

function jobFor(
  workload: Workload,
  variant: VariantId,
  server: BenchServer,
  context: Context,
): Job {
  return {
    workload: workload.id,
    variant,
    binary: context.runtime.binary,
    pathDir: context.runtime.pathDir,
    env: server.home.env,
    workDir: server.home.workDir,
    sdkEntry: context.sdk.url,
    ...(workload.readsInternals === true ? { sdkTestingEntry: context.sdk.testingUrl } : {}),
  };
}

function medians(runs: readonly Measurement[]): Record<string, number | null> {
  const keys = new Set(runs.flatMap((run) => Object.keys(run.metrics)));
  return Object.fromEntries([...keys].map((k) => [k, median(runs.map((r) => r.metrics[k]))]));
}

/**
 * Runs every client of the workload, round-robin so drift on the machine hits all alike, in an
 * order that turns round by round.
 */
async function measureWorkload(workload: Workload, context: Context): Promise<WorkloadResult> {
  const notes: string[] = [];
  const runs = new Map<VariantId, Measurement[]>(workload.variants.map((v) => [v, []]));
  const errors = new Map<VariantId, string>();
  const measured = (v: VariantId) =>
    context.options.runs ??
    (v === "codex-sdk" ? (workload.codexSdkRuns ?? workload.runs) : workload.runs);
  const rounds = Math.max(...workload.variants.map((v) => workload.warmups + measured(v)));
  process.stdout.write("   runs ");
  let server = await BenchServer.start();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of roundOrder(workload.variants, round)) {
        if (round >= workload.warmups + measured(variant) || errors.has(variant)) continue;
        try {
          server.prepare(workload.mock);
          const job = jobFor(workload, variant, server, context);
          const child = await runChild(job, workload.timeoutMs);
          server.checkServed();
          if (child.lingered) {
            notes.push(
              `${VARIANT_LABELS[variant]}: a process did not exit by itself (open handle)`,
            );
          }
          if (round >= workload.warmups) runs.get(variant)!.push(child.measurement);
          process.stdout.write(".");
        } catch (error) {
          errors.set(variant, (error as Error).message);
          process.stdout.write("x");
          // What the failed run left queued must not reach the next client: start afresh.
          await server.close();
          server = await BenchServer.start();
        }
      }
    }
  } finally {
    await server.close();
  }
  process.stdout.write("\n");
  const variants: Partial<Record<VariantId, VariantResult>> = {};
  for (const variant of workload.variants) {
    const error = errors.get(variant);
    const own = runs.get(variant)!;
    variants[variant] =
      error === undefined
        ? { runs: own, medians: medians(own) }
        : { runs: own, medians: {}, error };
  }
  return { workload, variants, notes };
}

/** What some workloads add: import costs for start-up, the mock's own share for streaming. */
async function extras(
  workload: Workload,
  result: WorkloadResult,
  context: Context,
): Promise<Pick<WorkloadResult, "imports" | "notes">> {
  const notes: string[] = [];
  if (context.sdk.warning !== undefined) notes.push(context.sdk.warning);
  if (workload.id === "startup") {
    const imports = await measureImports({
      sdkEntry: context.sdk.url,
      sdkFromSource: context.sdk.fromSource,
      cwd: ROOT,
    });
    notes.push(
      "@openai/codex-sdk starts nothing until a turn runs (`codex exec` per turn), so it has no " +
        "ready time; it is compared on spawn -> first turn done.",
      `import: median of \`await import(...)\` timed in ${IMPORT_RUNS} fresh \`node\` processes per ` +
        "row, interleaved. As the first module, it includes Node's ES module loader starting (the " +
        "floor's row, Node built-ins only, shows part of it) and, for a file, its file loader " +
        "starting (about 2 ms here), which a program whose own entry is a file has paid before it " +
        "imports a client; after the program's module (an empty file imported first) it is the " +
        "client's cost alone, which the import target is judged on.",
    );
    return { imports, notes };
  }
  if (workload.id === "stream") {
    const mock = await mockStreamMs(STREAM_DELTAS);
    const sdkMs = result.variants.sdk?.medians.totalMs;
    const share = sdkMs ? ` (${Math.round((mock.ms / sdkMs) * 100)}% of the SDK's turn)` : "";
    notes.push(
      `the mock alone serves the ${mock.events} SSE events (one write each) in ` +
        `${formatNumber(mock.ms)} ms to a reader in its own process${share}.`,
      'this SDK, events: "results": started with `Codex.start({ events: "results" })`, which ' +
        "asks the server (initialize's `optOutNotificationMethods`) not to send the per-token " +
        "delta notifications; it reads the same turn with `turn.stream()` (item events only) and " +
        "checks the answer of `turn.run()`, while the floor reads every delta.",
      "* @openai/codex-sdk cannot observe deltas: `codex exec --experimental-json` writes the " +
        "agent message once, complete, instead of 20,000 deltas, so its column times a turn with " +
        "far less output and is not comparable.",
    );
    return { notes };
  }
  if (workload.readsInternals === true) {
    notes.push(
      "the heap trend includes V8's compiled code, which keeps growing as functions called once " +
        "per thread get optimized late; memory is judged on the data objects (heap snapshots at " +
        "the first and last measurement, code and V8 internals left out) and the table sizes.",
    );
  }
  if (workload.id === "threads") {
    notes.push(
      "each thread: `thread/start` with its own approval handler and one dynamic tool (the floor " +
        "sends the same tool spec), then `thread/archive`, then a wait for the client to have " +
        "handled `thread/archived`; no turns. Table sizes are read before the first thread and " +
        "after the last, with nothing in flight: they must be equal.",
    );
  }
  return { notes };
}

function printRuns(result: WorkloadResult): void {
  const key = result.workload.headline;
  for (const [variant, own] of Object.entries(result.variants)) {
    const figures = own.runs.map((run) => {
      const value = run.metrics[key];
      return value == null ? "n/a" : formatNumber(value);
    });
    console.log(`   ${VARIANT_LABELS[variant as VariantId]} ${key}: ${figures.join(", ")}`);
    const threads = own.runs
      .map((run) => run.details?.threadsMs as ThreadCpu | undefined)
      .filter((t) => t !== undefined);
    if (threads.length > 0) {
      const main = formatNumber(median(threads.map((t) => t.main))!);
      const others = formatNumber(median(threads.map((t) => t.others))!);
      console.log(`     CPU by thread (whole run, median): main ${main} ms, others ${others} ms`);
    }
  }
}

/** Profiled runs per client when `--runs` does not say. */
const PROFILE_RUNS = 3;

/**
 * CPU-profiled runs of the floor and of the SDK per workload, interleaved, summarized as the mean
 * per run.
 */
async function profileWorkloads(context: Context): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-bench-profiles-"));
  const runs = context.options.runs ?? PROFILE_RUNS;
  const variants = ["floor", "sdk"] as const;
  for (const workload of context.options.workloads) {
    console.log(`\n${workload.number}. ${workload.title}`);
    const files = new Map<VariantId, string[]>(variants.map((v) => [v, []]));
    const cpu = new Map<VariantId, number[]>(variants.map((v) => [v, []]));
    const threads = new Map<VariantId, ThreadCpu[]>(variants.map((v) => [v, []]));
    const server = await BenchServer.start();
    try {
      for (let run = 0; run < runs; run++) {
        for (const variant of variants) {
          const profilePath = path.join(dir, `${workload.id}-${variant}-${run}.cpuprofile`);
          server.prepare(workload.mock);
          const job = { ...jobFor(workload, variant, server, context), profilePath };
          const { measurement } = await runChild(job, workload.timeoutMs);
          server.checkServed();
          files.get(variant)!.push(profilePath);
          const cpuMs = measurement.metrics.cpuMs;
          if (cpuMs != null) cpu.get(variant)!.push(cpuMs);
          const threadsMs = measurement.details?.threadsMs as ThreadCpu | undefined;
          if (threadsMs !== undefined) threads.get(variant)!.push(threadsMs);
        }
      }
    } finally {
      await server.close();
    }
    const sdkDir = path.dirname(fileURLToPath(context.sdk.url));
    for (const variant of variants) {
      const own = files.get(variant)!;
      console.log(
        `\n   ${VARIANT_LABELS[variant]}: ${path.join(dir, `${workload.id}-${variant}-*`)}`,
      );
      const cpuMs = median(cpu.get(variant)!);
      console.log(summarizeProfiles(own, ROOT, sdkDir, cpuMs));
      const byThread = threads.get(variant)!;
      if (byThread.length > 0) {
        const main = median(byThread.map((t) => t.main))!;
        const others = median(byThread.map((t) => t.others))!;
        console.log(
          `   CPU by thread over the whole run (client start included, profiler too): main ` +
            `${formatNumber(main)} ms, others (V8 compiler and GC helpers, libuv) ${formatNumber(others)} ms`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const chosen = options(process.argv.slice(2));
  const tmp = preferTmpfs();
  const started = performance.now();
  const machine = describeMachine(ROOT);
  console.log(`codex-app-server-sdk bench: ${machineLine(machine)}; CODEX_HOME under ${tmp}`);
  const sdk = sdkEntry(chosen.build);
  if (sdk.warning !== undefined) console.log(`warning: ${sdk.warning}`);
  const context: Context = { runtime: locateRuntime(), sdk, options: chosen };
  if (chosen.profile) return profileWorkloads(context);

  const sections = new Map<string, string>();
  for (const workload of chosen.workloads) {
    console.log(`\n${workload.number}. ${workload.title}`);
    const loadStart = loadNow();
    const measured = await measureWorkload(workload, context);
    const extra = await extras(workload, measured, context);
    const result: WorkloadResult = {
      ...measured,
      ...extra,
      notes: [...measured.notes, ...extra.notes],
      load: { start: loadStart, end: loadNow() },
    };
    if (chosen.verbose) printRuns(result);
    console.log(`\n${consoleReport(result)}`);
    sections.set(workload.id, markdownSection(result, machine));
    // Refreshed after every workload, so an interrupted run keeps what it measured.
    await writeResults(RESULTS, machine, sections);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nwrote ${path.relative(process.cwd(), RESULTS)} in ${seconds.toFixed(0)} s`);
}

await main();
