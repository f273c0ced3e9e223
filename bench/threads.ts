/**
 * The CPU time of the process's threads, from /proc (Linux only): the main thread, where the
 * client's JavaScript runs, and the others (V8's compiler and GC helpers, libuv's pool), whose
 * time `process.cpuUsage()` counts too but a CPU profile of the main thread does not show.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";

const TASKS = "/proc/self/task";

export interface ThreadCpu {
  /** Milliseconds of the main thread. */
  readonly main: number;
  /** Milliseconds of every other thread. */
  readonly others: number;
  /** Milliseconds of each thread, by id, for a later `threadCpuSince`. */
  readonly byThread?: ReadonlyMap<string, number>;
}

// The first field of schedstat is the thread's time on a CPU, in nanoseconds.
function threadMs(tid: string): number {
  try {
    return Number(readFileSync(`${TASKS}/${tid}/schedstat`, "utf8").split(" ", 1)[0]) / 1e6;
  } catch {
    return 0; // The thread ended between listing and reading.
  }
}

/** Thread CPU times now, or undefined where /proc cannot tell. */
export function threadCpu(): ThreadCpu | undefined {
  const times = threadTimes();
  if (times === undefined) return undefined;
  const main = String(process.pid);
  let others = 0;
  for (const [tid, ms] of times) if (tid !== main) others += ms;
  return { main: times.get(main)!, others, byThread: times };
}

// Each thread's CPU time by its id.
function threadTimes(): Map<string, number> | undefined {
  if (os.platform() !== "linux" || !existsSync(`${TASKS}/${process.pid}/schedstat`)) {
    return undefined;
  }
  return new Map(readdirSync(TASKS).map((tid) => [tid, threadMs(tid)]));
}

/**
 * The CPU time threads spent since `start`, each thread's own difference: a thread that ended in
 * between is not counted, one begun since counts whole.
 */
export function threadCpuSince(start: ThreadCpu | undefined): ThreadCpu | undefined {
  const now = threadTimes();
  if (start?.byThread === undefined || now === undefined) return undefined;
  const main = String(process.pid);
  let others = 0;
  for (const [tid, ms] of now) if (tid !== main) others += ms - (start.byThread.get(tid) ?? 0);
  return { main: now.get(main)! - start.main, others };
}
