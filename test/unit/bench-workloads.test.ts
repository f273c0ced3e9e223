import { expect, it, vi } from "vitest";
import type { BenchClient, LoadedClient } from "../../bench/clients.js";

/** CPU a stand-in census burns, as counting a real snapshot does. */
const CENSUS_CPU_MS = 150;
const snapshotSets = { made: 0, disposed: 0 };

// No real snapshots: what is checked is where the census's CPU lands, and that each set of
// snapshots is disposed of.
vi.mock(import("../../bench/heap.js"), async (original) => {
  const real = await original();
  return {
    ...real,
    Snapshots: class {
      #n = 0;
      constructor() {
        snapshotSets.made++;
      }
      take(): string {
        return `snapshot-${++this.#n}`;
      }
      dispose(): void {
        snapshotSets.disposed++;
      }
    } as unknown as typeof real.Snapshots,
    dataCensus: () => {
      const start = process.cpuUsage();
      for (;;) {
        const { user, system } = process.cpuUsage(start);
        if ((user + system) / 1000 >= CENSUS_CPU_MS) break;
      }
      return { bytes: 0, count: 0, byName: new Map() };
    },
  };
});

const { STREAM_DELTAS, deltaText, workloadById } = await import("../../bench/workloads.js");
(globalThis as { gc?: () => void }).gc ??= () => {};

/** A client whose turns and thread archives answer at once; its `fail`-th call fails. */
function client(fail = 0): LoadedClient {
  let calls = 0;
  const step = async (): Promise<void> => {
    if (++calls === fail) throw new Error("app-server exited");
  };
  const started: BenchClient = {
    startThread: async () => ({ run: async () => (await step(), "ok"), stream: async () => null }),
    startAndArchiveThread: step,
    internals: () => ({}),
    close: async () => {},
  };
  return { start: async () => started, streams: true, persistent: true };
}

for (const id of ["soak", "threads"] as const) {
  it(`${id}: the client CPU figure leaves out the count of the heap snapshots`, async () => {
    const { metrics } = await workloadById(id).measure(client());
    // Two censuses of 150 ms each would be counted in a figure of a few ms of instant calls.
    expect(metrics.cpuMs!).toBeLessThan(CENSUS_CPU_MS);
    expect(metrics.totalMs!).toBeLessThan(CENSUS_CPU_MS);
  }, 60_000);

  it(`${id}: a run that fails after its first snapshot disposes of its snapshots`, async () => {
    const before = { ...snapshotSets };
    // Call 101 fails: the soak's first thread (100 turns) or the threads' first sample is taken.
    await expect(workloadById(id).measure(client(101))).rejects.toThrow("app-server exited");
    expect(snapshotSets.made).toBe(before.made + 1);
    expect(snapshotSets.disposed).toBe(before.disposed + 1);
  }, 60_000);
}

/** A client whose one streamed turn gives `answer`, idle `idleMs` first, seeing no delta. */
function streamingClient(answer: string | null, idleMs = 0): LoadedClient {
  const started: BenchClient = {
    startThread: async () => ({
      run: async () => "ok",
      stream: async () => {
        if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
        return answer;
      },
    }),
    internals: () => ({}),
    close: async () => {},
  };
  return { start: async () => started, streams: false, persistent: true };
}

const STREAMED = Array.from({ length: STREAM_DELTAS }, (_, i) => deltaText(i)).join("");

it("stream: a client that reports no answer fails the run, whether it saw the deltas or not", async () => {
  await expect(workloadById("stream").measure(streamingClient(null))).rejects.toThrow(
    "the answer is not the streamed text (none)",
  );
  const { metrics } = await workloadById("stream").measure(streamingClient(STREAMED));
  expect(metrics.answerChars).toBe(STREAMED.length);
});

it("stream: the peak heap is taken without waking the client while its turn runs", async () => {
  // Idle for 500 ms: a sampling timer of 10 ms cost the client about 8 ms of CPU in that time.
  const idle = async () => {
    const cpu = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { user, system } = process.cpuUsage(cpu);
    return (user + system) / 1000;
  };
  const baseline = Math.min(await idle(), await idle());
  const { metrics } = await workloadById("stream").measure(streamingClient(STREAMED, 500));
  expect(metrics.cpuMs! - baseline).toBeLessThan(3);
  expect(metrics.peakHeapMb).toBeGreaterThan(0);
});
