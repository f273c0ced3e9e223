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

const { workloadById } = await import("../../bench/workloads.js");
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
