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
  if (os.platform() !== "linux" || !existsSync(`${TASKS}/${process.pid}/schedstat`)) {
    return undefined;
  }
  const main = String(process.pid);
  let others = 0;
  for (const tid of readdirSync(TASKS)) if (tid !== main) others += threadMs(tid);
  return { main: threadMs(main), others };
}

/** The CPU time threads spent since `start` (threads that ended in between are not counted). */
export function threadCpuSince(start: ThreadCpu | undefined): ThreadCpu | undefined {
  const now = threadCpu();
  if (start === undefined || now === undefined) return undefined;
  return { main: now.main - start.main, others: now.others - start.others };
}
