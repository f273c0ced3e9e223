/**
 * The six workloads: what the mock must serve for one run, which figures each reports, and how
 * a measuring child process takes them. Every client runs the same code through `BenchClient`.
 */
import v8 from "node:v8";
import type { BenchClient, BenchThread, LoadedClient } from "./clients.js";
import type { Measurement, VariantId, WorkloadId } from "./job.js";
import { Snapshots, censusGrowth, dataCensus } from "./heap.js";
import { slope } from "./stats.js";

/** What the mock serves for one run: short replies, or one reply streamed in small deltas. */
export type MockPlan =
  | { readonly kind: "replies"; readonly count: number }
  | { readonly kind: "deltas"; readonly count: number };

export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: "ms" | "MB" | "B/turn" | "B/thread" | "";
  /** Print the ratio to the floor (default true). */
  readonly ratio?: boolean;
}

export interface Workload {
  readonly id: WorkloadId;
  readonly number: number;
  readonly title: string;
  /** Clients that run it, in column order. */
  readonly variants: readonly VariantId[];
  /** Measured runs per client (median reported), after `warmups` discarded ones. */
  readonly runs: number;
  /** Fewer runs for `@openai/codex-sdk`, whose turns each start a process. */
  readonly codexSdkRuns?: number;
  readonly warmups: number;
  /** How long one run may take before its process is killed (default: child-process.ts). */
  readonly timeoutMs?: number;
  /** Reads the SDK client's table sizes, which needs the SDK from source (see internals.ts). */
  readonly readsInternals?: boolean;
  readonly mock: MockPlan;
  readonly metrics: readonly MetricSpec[];
  /** The metric the targets are judged on. */
  readonly headline: string;
  measure(client: LoadedClient): Promise<Measurement>;
}

export const REPLY = "ok";
export const SEQUENTIAL_TURNS = 30;
export const STREAM_DELTAS = 20_000;
export const CONCURRENT_THREADS = 8;
export const TURNS_PER_CONCURRENT_THREAD = 3;
export const SOAK_TURNS = 1_000;
/**
 * Runs per client of the workloads that take seconds a run (start-up, turns, stream, concurrent):
 * their CPU figures swing by several percent from run to run on a shared 2-core machine, and 15
 * runs narrow the median for little time. The soak, at about 40 s a run, keeps 9.
 */
export const SHORT_RUNS = 15;
/** The soak moves to a new thread every this many turns, so per-thread state is checked too. */
export const SOAK_TURNS_PER_THREAD = 100;
export const CHURNED_THREADS = 10_000;
/** The threads workload takes the heap (after GC) every this many threads. */
export const THREADS_PER_SAMPLE = 1_000;

/** The text of the i-th streamed delta. */
export function deltaText(i: number): string {
  return `w${i} `;
}

const ALL: readonly VariantId[] = ["floor", "sdk", "codex-sdk"];
/** The streamed answer, which every client must end up with, deltas or not. */
const STREAMED_ANSWER = Array.from({ length: STREAM_DELTAS }, (_, i) => deltaText(i)).join("");
const MB = 1024 * 1024;

async function expectReply(reply: Promise<string | null>): Promise<void> {
  const text = await reply;
  if (text !== REPLY) throw new Error(`expected the reply ${JSON.stringify(REPLY)}, got ${text}`);
}

async function withClient<T>(
  client: LoadedClient,
  body: (started: BenchClient) => Promise<T>,
): Promise<T> {
  const started = await client.start();
  try {
    return await body(started);
  } finally {
    await started.close();
  }
}

/**
 * Milliseconds on a monotonic clock that costs nothing to start. Not `performance.now()`: its
 * first read loads Node's perf_hooks (about 2 ms of CPU), which a measured section would charge
 * to whichever client had not loaded it, or hide for a client that loads it itself.
 */
function clock(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/**
 * Where a measured section starts: after a full garbage collection, so that the section pays for
 * the garbage it makes, not for what loading and starting the client left in the young
 * generation. Left there, that garbage is collected (a scavenge of 1 to 9 ms on this bench's
 * host) in whichever section first fills the young generation: by one client and not the other,
 * as often as not.
 */
function sectionStart(): { cpu: NodeJS.CpuUsage; t0: number } {
  collectGarbage();
  return { cpu: process.cpuUsage(), t0: clock() };
}

function cpuMs(since: NodeJS.CpuUsage): { cpuMs: number; cpuUserMs: number } {
  const { user, system } = process.cpuUsage(since);
  return { cpuMs: (user + system) / 1000, cpuUserMs: user / 1000 };
}

const startup: Workload = {
  id: "startup",
  number: 1,
  title: "Start-up: spawn to thread ready (initialize + initialized + thread/start)",
  variants: ALL,
  runs: SHORT_RUNS,
  codexSdkRuns: 5,
  warmups: 1,
  mock: { kind: "replies", count: 1 },
  metrics: [
    { key: "readyMs", label: "spawn -> thread ready", unit: "ms" },
    { key: "firstTurnMs", label: "spawn -> first turn done", unit: "ms" },
    { key: "cpuMs", label: "client CPU, spawn -> first turn done", unit: "ms" },
  ],
  headline: "readyMs",
  async measure(client) {
    const { cpu, t0 } = sectionStart();
    // Not `withClient`: the clock must stop before the client is closed.
    const started = await client.start();
    try {
      const thread = await started.startThread();
      const readyMs = clock() - t0;
      await expectReply(thread.run("hello"));
      const firstTurnMs = clock() - t0;
      const metrics = { firstTurnMs, cpuMs: cpuMs(cpu).cpuMs };
      // @openai/codex-sdk starts nothing before the first turn: it has no "ready".
      return { metrics: { readyMs: client.persistent ? readyMs : null, ...metrics } };
    } finally {
      await started.close();
    }
  },
};

const turns: Workload = {
  id: "turns",
  number: 2,
  title: `${SEQUENTIAL_TURNS} sequential short turns on one thread (thread.run)`,
  variants: ALL,
  runs: SHORT_RUNS,
  codexSdkRuns: 3,
  warmups: 1,
  mock: { kind: "replies", count: SEQUENTIAL_TURNS },
  metrics: [
    { key: "totalMs", label: "total", unit: "ms" },
    { key: "perTurnMs", label: "per turn", unit: "ms" },
    { key: "cpuMs", label: "client CPU", unit: "ms" },
  ],
  headline: "totalMs",
  measure: (client) =>
    withClient(client, async (started) => {
      const thread = await started.startThread();
      const { cpu, t0 } = sectionStart();
      for (let i = 0; i < SEQUENTIAL_TURNS; i++) await expectReply(thread.run(`turn ${i}`));
      const totalMs = clock() - t0;
      return {
        metrics: { totalMs, perTurnMs: totalMs / SEQUENTIAL_TURNS, cpuMs: cpuMs(cpu).cpuMs },
      };
    }),
};

/**
 * Tracks the peak heap while a turn streams (the RSS peak comes from `resourceUsage`): the heap
 * grows only between collections, so its peak is the largest of what it held before each
 * collection and at the end, which V8's GC profiler records. No timer: one sampling every 10 ms
 * woke the client a hundred times a second, and its CPU was counted as the client's (most of the
 * results mode's, whose turn takes little else).
 */
function sampleHeap(): { stop(): number } {
  const profiler = new v8.GCProfiler();
  profiler.start();
  return {
    stop() {
      let peak = v8.getHeapStatistics().used_heap_size;
      for (const gc of profiler.stop().statistics) {
        peak = Math.max(peak, gc.beforeGC.heapStatistics.usedHeapSize);
      }
      return peak;
    },
  };
}

const stream: Workload = {
  id: "stream",
  number: 3,
  title: `One turn streaming ${STREAM_DELTAS.toLocaleString("en-US")} small text deltas (turn.stream())`,
  variants: ["floor", "sdk", "sdk-results", "codex-sdk"],
  runs: SHORT_RUNS,
  codexSdkRuns: 3,
  warmups: 1,
  mock: { kind: "deltas", count: STREAM_DELTAS },
  metrics: [
    { key: "totalMs", label: "turn/start -> completed", unit: "ms" },
    { key: "cpuMs", label: "client CPU (user+sys)", unit: "ms" },
    { key: "cpuUserMs", label: "client CPU (user)", unit: "ms" },
    { key: "peakRssMb", label: "peak RSS", unit: "MB" },
    { key: "peakHeapMb", label: "peak heap used", unit: "MB" },
    { key: "deltas", label: "deltas checked", unit: "", ratio: false },
    { key: "answerChars", label: "answer checked (characters)", unit: "", ratio: false },
  ],
  headline: "totalMs",
  measure: (client) =>
    withClient(client, async (started) => {
      const expected = Array.from({ length: STREAM_DELTAS }, (_, i) => deltaText(i));
      const thread = await started.startThread();
      let count = 0;
      let wrong = 0;
      // Collected first, so the peak is of this turn's heap.
      collectGarbage();
      const heap = sampleHeap();
      const { cpu, t0 } = sectionStart();
      const answer = await thread.stream("stream", (delta) => {
        if (delta !== expected[count]) wrong++;
        count++;
      });
      const totalMs = clock() - t0;
      const { cpuMs: total, cpuUserMs } = cpuMs(cpu);
      const peakHeap = heap.stop();
      if (client.streams && (count !== STREAM_DELTAS || wrong > 0)) {
        throw new Error(`expected ${STREAM_DELTAS} deltas in order, got ${count} (${wrong} wrong)`);
      }
      // Whether it saw the deltas or not, every client must have the whole answer.
      if (answer !== STREAMED_ANSWER) {
        const got = answer === null ? "none" : `${answer.length} characters`;
        throw new Error(`the answer is not the streamed text (${got})`);
      }
      return {
        metrics: {
          totalMs,
          cpuMs: total,
          cpuUserMs,
          peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
          peakHeapMb: peakHeap / MB,
          // @openai/codex-sdk cannot show deltas, nor this SDK with events: "results".
          deltas: client.streams ? count : null,
          answerChars: answer.length,
        },
      };
    }),
};

async function runThread(thread: BenchThread, name: string, turnCount: number): Promise<void> {
  for (let i = 0; i < turnCount; i++) await expectReply(thread.run(`${name} turn ${i}`));
}

const concurrent: Workload = {
  id: "concurrent",
  number: 4,
  title: `${CONCURRENT_THREADS} threads x ${TURNS_PER_CONCURRENT_THREAD} turns, concurrently on one client`,
  variants: ALL,
  runs: SHORT_RUNS,
  codexSdkRuns: 3,
  warmups: 1,
  mock: { kind: "replies", count: CONCURRENT_THREADS * TURNS_PER_CONCURRENT_THREAD },
  metrics: [
    { key: "totalMs", label: "total (thread starts included)", unit: "ms" },
    { key: "cpuMs", label: "client CPU", unit: "ms" },
  ],
  headline: "totalMs",
  measure: (client) =>
    withClient(client, async (started) => {
      const { cpu, t0 } = sectionStart();
      await Promise.all(
        Array.from({ length: CONCURRENT_THREADS }, async (_, t) => {
          const thread = await started.startThread();
          await runThread(thread, `thread ${t}`, TURNS_PER_CONCURRENT_THREAD);
        }),
      );
      return { metrics: { totalMs: clock() - t0, cpuMs: cpuMs(cpu).cpuMs } };
    }),
};

/** A full garbage collection (needs `--expose-gc`). */
function collectGarbage(): void {
  if (globalThis.gc === undefined) throw new Error("run the child with --expose-gc");
  globalThis.gc();
}

/** Heap used after a full collection. */
function settledHeap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Runs `body` and reports the wall and CPU time it took, to take them out of a figure. */
function timed(body: () => void): { ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const t0 = clock();
  body();
  return { ms: clock() - t0, cpuMs: cpuMs(cpu).cpuMs };
}

const SOAK_THREADS = SOAK_TURNS / SOAK_TURNS_PER_THREAD;
/** Turns between the first and the last measurement. */
const SOAK_MEASURED_TURNS = SOAK_TURNS - SOAK_TURNS_PER_THREAD;

const soak: Workload = {
  id: "soak",
  number: 5,
  title: `${SOAK_TURNS.toLocaleString("en-US")} turns in a loop on one client (a new thread every ${SOAK_TURNS_PER_THREAD})`,
  variants: ["floor", "sdk"],
  // Nine, not SHORT_RUNS: a run takes about 40 s. The leak check reads the first run's tables.
  runs: 9,
  warmups: 0,
  readsInternals: true,
  mock: { kind: "replies", count: SOAK_TURNS },
  metrics: [
    { key: "totalMs", label: "total", unit: "ms" },
    { key: "perTurnMs", label: "per turn", unit: "ms" },
    { key: "cpuMs", label: "client CPU", unit: "ms" },
    { key: "heapStartMb", label: `heap after GC, turn ${SOAK_TURNS_PER_THREAD}`, unit: "MB" },
    { key: "heapEndMb", label: `heap after GC, turn ${SOAK_TURNS}`, unit: "MB" },
    {
      key: "heapSlope",
      label: `heap trend, turns ${SOAK_TURNS_PER_THREAD}-${SOAK_TURNS}`,
      unit: "B/turn",
      ratio: false,
    },
    {
      key: "dataPerTurn",
      label: `data objects growth, turns ${SOAK_TURNS_PER_THREAD}-${SOAK_TURNS}`,
      unit: "B/turn",
      ratio: false,
    },
    { key: "dataObjects", label: "data objects added", unit: "", ratio: false },
  ],
  headline: "totalMs",
  measure: (client) =>
    withClient(client, async (started) => {
      const samples: { turn: number; heap: number }[] = [];
      const snapshots = new Snapshots();
      try {
        const snapshotFiles: string[] = [];
        let internalsStart: Record<string, number> = {};
        // The wall and CPU time of measuring (GCs, heap snapshots) are taken out of the figures.
        const excluded = { ms: 0, cpuMs: 0 };
        const { cpu, t0 } = sectionStart();
        for (let t = 1; t <= SOAK_THREADS; t++) {
          const thread = await started.startThread();
          for (let i = 0; i < SOAK_TURNS_PER_THREAD; i++) {
            await expectReply(thread.run(`soak thread ${t} turn ${i}`));
          }
          // Between threads, where nothing is in flight.
          const spent = timed(() => {
            samples.push({ turn: t * SOAK_TURNS_PER_THREAD, heap: settledHeap() });
            if (t === 1) internalsStart = started.internals();
            if (t === 1 || t === SOAK_THREADS) snapshotFiles.push(snapshots.take());
          });
          excluded.ms += spent.ms;
          excluded.cpuMs += spent.cpuMs;
        }
        // Read before the snapshots are counted, which is measuring too.
        const totalMs = clock() - t0 - excluded.ms;
        const clientCpuMs = cpuMs(cpu).cpuMs - excluded.cpuMs;
        const first = samples[0]!.heap;
        const last = samples.at(-1)!.heap;
        const internalsEnd = started.internals();
        const data = censusGrowth(dataCensus(snapshotFiles[0]!), dataCensus(snapshotFiles[1]!));
        return {
          metrics: {
            totalMs,
            perTurnMs: totalMs / SOAK_TURNS,
            cpuMs: clientCpuMs,
            heapStartMb: first / MB,
            heapEndMb: last / MB,
            heapSlope: slope(samples.map((s) => [s.turn, s.heap])),
            dataPerTurn: data.bytes / SOAK_MEASURED_TURNS,
            dataObjects: data.count,
          },
          details: {
            internalsStart,
            internalsEnd,
            samples,
            largestDataGrowth: data.largest,
          },
        };
      } finally {
        snapshots.dispose();
      }
    }),
};

/** Threads between the first and the last heap snapshot. */
const CHURN_MEASURED_THREADS = CHURNED_THREADS - THREADS_PER_SAMPLE;
const grouped = (n: number) => n.toLocaleString("en-US");

const threads: Workload = {
  id: "threads",
  number: 6,
  title: `${grouped(CHURNED_THREADS)} threads on one client, each started with its own handlers and a tool, then archived`,
  variants: ["floor", "sdk"],
  runs: 1,
  warmups: 0,
  // About 15 ms a thread, nearly all of it the app-server's, on a busy 2-core machine.
  timeoutMs: 900_000,
  readsInternals: true,
  mock: { kind: "replies", count: 0 },
  metrics: [
    { key: "totalMs", label: "total (start + archive + notification)", unit: "ms" },
    { key: "perThreadMs", label: "per thread", unit: "ms" },
    { key: "cpuMs", label: "client CPU", unit: "ms" },
    { key: "heapZeroMb", label: "heap after GC, before the first thread", unit: "MB" },
    {
      key: "heapStartMb",
      label: `heap after GC, thread ${grouped(THREADS_PER_SAMPLE)}`,
      unit: "MB",
    },
    { key: "heapEndMb", label: `heap after GC, thread ${grouped(CHURNED_THREADS)}`, unit: "MB" },
    {
      key: "heapSlope",
      label: `heap trend, threads ${grouped(THREADS_PER_SAMPLE)}-${grouped(CHURNED_THREADS)}`,
      unit: "B/thread",
      ratio: false,
    },
    {
      key: "dataPerThread",
      label: `data objects growth, threads ${grouped(THREADS_PER_SAMPLE)}-${grouped(CHURNED_THREADS)}`,
      unit: "B/thread",
      ratio: false,
    },
    { key: "dataObjects", label: "data objects added", unit: "", ratio: false },
  ],
  headline: "totalMs",
  measure: (client) =>
    withClient(client, async (started) => {
      if (started.startAndArchiveThread === undefined) {
        throw new Error("this client cannot start and archive threads");
      }
      const samples: { thread: number; heap: number }[] = [{ thread: 0, heap: settledHeap() }];
      // Taken with nothing in flight, like the end's: the two must be equal.
      const internalsStart = started.internals();
      const snapshots = new Snapshots();
      try {
        const snapshotFiles: string[] = [];
        const excluded = { ms: 0, cpuMs: 0 };
        const { cpu, t0 } = sectionStart();
        for (let t = 1; t <= CHURNED_THREADS; t++) {
          await started.startAndArchiveThread();
          if (t % THREADS_PER_SAMPLE !== 0) continue;
          const spent = timed(() => {
            samples.push({ thread: t, heap: settledHeap() });
            if (t === THREADS_PER_SAMPLE || t === CHURNED_THREADS) {
              snapshotFiles.push(snapshots.take());
            }
          });
          excluded.ms += spent.ms;
          excluded.cpuMs += spent.cpuMs;
        }
        // Read before the snapshots are counted, which is measuring too.
        const totalMs = clock() - t0 - excluded.ms;
        const clientCpuMs = cpuMs(cpu).cpuMs - excluded.cpuMs;
        const internalsEnd = started.internals();
        const measured = samples.filter((s) => s.thread >= THREADS_PER_SAMPLE);
        const data = censusGrowth(dataCensus(snapshotFiles[0]!), dataCensus(snapshotFiles[1]!));
        return {
          metrics: {
            totalMs,
            perThreadMs: totalMs / CHURNED_THREADS,
            cpuMs: clientCpuMs,
            heapZeroMb: samples[0]!.heap / MB,
            heapStartMb: measured[0]!.heap / MB,
            heapEndMb: measured.at(-1)!.heap / MB,
            heapSlope: slope(measured.map((s) => [s.thread, s.heap])),
            dataPerThread: data.bytes / CHURN_MEASURED_THREADS,
            dataObjects: data.count,
          },
          details: { internalsStart, internalsEnd, samples, largestDataGrowth: data.largest },
        };
      } finally {
        snapshots.dispose();
      }
    }),
};

export const WORKLOADS: readonly Workload[] = [startup, turns, stream, concurrent, soak, threads];

export function workloadById(id: WorkloadId): Workload {
  const workload = WORKLOADS.find((w) => w.id === id);
  if (workload === undefined) throw new Error(`unknown workload ${id}`);
  return workload;
}
