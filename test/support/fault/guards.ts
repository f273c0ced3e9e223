import { readFileSync } from "node:fs";
import { setImmediate as nextMacrotask } from "node:timers/promises";

/** An error that reached Node's event loop while a trap was set. */
export interface ProcessFault {
  readonly kind: "uncaughtException" | "unhandledRejection";
  readonly error: unknown;
}

/** What {@link trapProcessFaults} returns. */
export interface FaultTrap {
  /** Every fault recorded so far, in order. */
  readonly faults: readonly ProcessFault[];
  /**
   * Lets pending rejections surface (Node reports an unhandled rejection only after the microtask
   * queue drains), then throws if any fault was recorded, naming each.
   */
  expectNone(): Promise<void>;
  /** Removes the listeners (and puts back the ones `exclusive` took away); idempotent. */
  dispose(): void;
}

/** Options of {@link trapProcessFaults}. */
export interface TrapOptions {
  /**
   * Takes the process's other listeners (vitest's among them) off while the trap is set, so a
   * fault the test provokes on purpose is only recorded here and does not fail the run. Without it
   * vitest still reports every fault as an error of the run, on top of this record.
   */
  readonly exclusive?: boolean;
}

const EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * Records every `uncaughtException` and `unhandledRejection` until `dispose()`, so a test can
 * assert that none fired, right where it matters.
 */
export function trapProcessFaults(options: TrapOptions = {}): FaultTrap {
  const faults: ProcessFault[] = [];
  const onException = (error: unknown) => faults.push({ kind: "uncaughtException", error });
  const onRejection = (reason: unknown) =>
    faults.push({ kind: "unhandledRejection", error: reason });
  const saved = new Map<string, Array<(...args: unknown[]) => void>>();
  if (options.exclusive) {
    for (const event of EVENTS) {
      saved.set(event, process.listeners(event) as Array<(...args: unknown[]) => void>);
      process.removeAllListeners(event);
    }
  }
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    for (const [event, listeners] of saved) {
      for (const listener of listeners) process.on(event, listener);
    }
  };
  return {
    faults,
    dispose,
    async expectNone() {
      // Two turns of the event loop: one for the rejection to be found unhandled, one for slack.
      await nextMacrotask();
      await nextMacrotask();
      if (faults.length > 0) {
        const list = faults
          .map((f) => `${f.kind}: ${f.error instanceof Error ? f.error.stack : String(f.error)}`)
          .join("\n");
        throw new Error(`${faults.length} process fault(s) fired:\n${list}`);
      }
    },
  };
}

/** How a promise settled; see {@link settlesWithin}. */
export type Settled<T> =
  | { readonly status: "fulfilled"; readonly value: T }
  | { readonly status: "rejected"; readonly reason: unknown };

/**
 * Resolves with how `promise` settled, or rejects (failing the test) when it has not settled
 * within `ms`: the error names `what` and the timeout.
 */
export function settlesWithin<T>(
  promise: Promise<T>,
  ms: number,
  what = "the promise",
): Promise<Settled<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ status: "fulfilled", value });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        resolve({ status: "rejected", reason });
      },
    );
  });
}

/** Whether a process with this pid runs (a zombie, dead but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform === "linux") {
    try {
      // Field 3 of /proc/PID/stat is the state; the command name before it may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Fails unless the process is gone within `withinMs` (default 3000). Process death has no event
 * a stranger can wait for, so this polls every 20 ms.
 */
export async function expectNoChild(pid: number | undefined, withinMs = 3000): Promise<void> {
  if (pid === undefined) throw new Error("expectNoChild: no pid (the process never started?)");
  const deadline = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) {
      throw new Error(`process ${pid} is still running ${withinMs} ms later`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
