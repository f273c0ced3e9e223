/**
 * How long an abort waits for the server to confirm what it stopped (a turn's interrupted
 * completion, a command's exit, a goal's pause) before giving up on it.
 */
export const ABORT_WAIT_MS = 10_000;

/** Options of {@link deadline}. */
export interface DeadlineOptions<T> {
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds; already checked by the caller (see `checkTimeout`). */
  readonly timeout?: number | undefined;
  /** What the wait becomes when the timeout fires first; default: rejects with a `TimeoutError`. */
  readonly onTimeout?: () => T | Promise<T>;
  /** What the wait becomes when the signal aborts first; default: rejects with its reason. */
  readonly onAbort?: () => T | Promise<T>;
  /** Told how `work` settled when it settles after the timeout or the abort ended the wait. */
  readonly onLate?: (outcome: PromiseSettledResult<T>) => void;
}

// The SDK's waits on each signal, behind one listener of its own: a program that hands one signal
// to many calls at once (a shutdown signal, say) gets no MaxListenersExceededWarning from Node.
interface AbortWatch {
  readonly watchers: Set<() => void>;
  readonly listener: () => void;
}
const abortWatches = new WeakMap<AbortSignal, AbortWatch>();

/**
 * Calls `onAbort` when `signal` (not yet aborted) aborts, until the returned function is called;
 * the signal holds one listener for all the SDK's watchers, removed when the last one leaves.
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let watch = abortWatches.get(signal);
  if (watch === undefined) {
    const watchers = new Set<() => void>();
    const listener = () => {
      abortWatches.delete(signal);
      // A copy: a watcher may stop another as it runs, which must still be told.
      for (const watcher of [...watchers]) watcher();
    };
    watch = { watchers, listener };
    abortWatches.set(signal, watch);
    signal.addEventListener("abort", listener, { once: true });
  }
  const { watchers, listener } = watch;
  // Its own function each time: one caller watching twice is watched twice.
  const watcher = () => onAbort();
  watchers.add(watcher);
  return () => {
    if (!watchers.delete(watcher) || watchers.size > 0) return;
    if (abortWatches.get(signal)?.watchers === watchers) abortWatches.delete(signal);
    signal.removeEventListener("abort", listener);
  };
}

/**
 * Waits for `work`, or the timeout, or the signal, whichever comes first, and always removes its
 * timer and abort listener. The one place that races a wait against time and cancellation: every
 * call that waits goes through it.
 */
export function deadline<T>(work: Promise<T>, options: DeadlineOptions<T>): Promise<T> {
  const { signal, timeout } = options;
  if (signal === undefined && timeout === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let unwatch: (() => void) | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      unwatch?.();
      return true;
    };
    const divert = (then: (() => T | Promise<T>) | undefined, otherwise: () => Error) => {
      if (!finish()) return;
      if (then === undefined) return reject(otherwise());
      try {
        Promise.resolve(then()).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    };
    const onAbort = () => divert(options.onAbort, () => abortError(signal!));
    // Watched first, so that its rejection is handled whatever wins, an abort already made too.
    const { onLate } = options;
    work.then(
      (value) => {
        if (finish()) resolve(value);
        else onLate?.({ status: "fulfilled", value });
      },
      (error: unknown) => {
        if (finish()) reject(error);
        else onLate?.({ status: "rejected", reason: error });
      },
    );
    if (signal?.aborted) return onAbort();
    if (signal !== undefined) unwatch = watchAbort(signal, onAbort);
    if (timeout !== undefined) {
      timer = setTimeout(
        () =>
          divert(options.onTimeout, () => new DOMException("The wait timed out", "TimeoutError")),
        timeout,
      );
    }
  });
}

/**
 * A signal that aborts when `signal` does (for the same reason) or once `timeout` ms have passed
 * (with `timedOut()`), for a call of many steps that takes a signal at each and is bounded as a
 * whole; `signal` itself without a timeout. `dispose` ends the watch, timer and listener, at once.
 */
export function signalWithin(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  timedOut: () => Error,
): { readonly signal: AbortSignal | undefined; dispose(): void } {
  if (timeout === undefined) return { signal, dispose: () => {} };
  const bound = new AbortController();
  if (signal?.aborted) {
    bound.abort(signal.reason);
    return { signal: bound.signal, dispose: () => {} };
  }
  let unwatch: (() => void) | undefined;
  const dispose = () => {
    clearTimeout(timer);
    unwatch?.();
    unwatch = undefined;
  };
  const end = (reason: unknown) => {
    dispose();
    bound.abort(reason);
  };
  const timer = setTimeout(() => {
    const error = timedOut();
    if (typeof error === "object" && error !== null) ownReasons.add(error);
    end(error);
  }, timeout);
  if (signal !== undefined) unwatch = watchAbort(signal, () => end(signal.reason));
  return { signal: bound.signal, dispose };
}

/** Whether `err` is the reason a caller's signal aborted a call with (see `abortError`). */
export function isGivenReason(err: unknown): boolean {
  return typeof err === "object" && err !== null && givenReasons.has(err);
}

/**
 * Milliseconds on a monotonic clock, for the bounds of calls. Not `performance.now()`: the first
 * read of the global `performance` loads Node's perf_hooks, about 2 ms of CPU that a program
 * which never used it would pay on its first request.
 */
export function now(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/**
 * What is left of `timeout` milliseconds counted from `since` (a `now()`), at least 1
 * for a timer: one timeout bounding several waits, each given the rest.
 */
export function timeLeft(timeout: number, since: number): number {
  return Math.max(1, Math.round(timeout - (now() - since)));
}

/**
 * A call's options with what is left of its `timeout` since `since` (`now()`), for
 * the next request of a call made of several; the options as they are when they bound no time.
 */
export function callLeft<C extends { readonly timeout?: number | undefined }>(
  call: C | undefined,
  since: number,
): C | undefined {
  const timeout = call?.timeout;
  return timeout === undefined ? call : ({ ...call, timeout: timeLeft(timeout, since) } as C);
}

/** Resolves after `ms`, or rejects with the abort reason when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return deadline(new Promise<void>(() => {}), {
    signal,
    timeout: ms,
    onTimeout: () => undefined,
  });
}

// The reasons the SDK aborts its own signals with (a bound's timeout), and the errors callers gave
// as their signals' reasons, which calls reject with as they are: never renamed as a call's own
// timeout, nor given its stack (see `rpc/bound-wait.ts`).
const ownReasons = new WeakSet<object>();
const givenReasons = new WeakSet<object>();

/** The error to reject with when `signal` aborts an operation, matching Node's own APIs. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) {
    if (!ownReasons.has(reason)) givenReasons.add(reason);
    return reason;
  }
  // The reason kept as the cause, as Node's own APIs keep it.
  return new DOMException("The operation was aborted", { name: "AbortError", cause: reason });
}
