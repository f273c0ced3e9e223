import { retryOnOverload, type RetryOnOverloadOptions } from "./errors.js";
import { now, signalWithin, timeLeft } from "./internal/deadline.js";
import type { Connection } from "./rpc/connection.js";

// How a stop is retried: within the few seconds an abort gives the server to confirm it.
const STOP_RETRY: RetryOnOverloadOptions = {
  maxAttempts: 6,
  initialDelayMs: 100,
  maxDelayMs: 1_000,
};

/**
 * @internal Sends what an abort sends to stop something (a turn's interrupt, a goal's pause, a
 * command's terminate), again while the server refuses it as overloaded: a stop it refused would
 * leave the thing running. Given `within` (ms), the whole stop is bounded by it, every send and
 * every wait between two sends: each send is handed what is left (`call`), and a wait past the
 * bound rejects with a `TimeoutError`. The wait between two sends also ends with the connection,
 * rejecting with its close error, so that no timer outlives a `close()`. A module of its own, so
 * that the files loaded on first use (a goal run) bundle it rather than find it among the
 * package's exports.
 */
export async function sendStop<T>(
  connection: Connection,
  send: (call: { timeout: number } | undefined) => Promise<T>,
  within?: number,
): Promise<T> {
  const since = now();
  const ended = new AbortController();
  const off = connection.onClose((error) => ended.abort(error));
  const timedOut = () =>
    new DOMException(`The server refused the stop as overloaded for ${within} ms`, "TimeoutError");
  const bound = signalWithin(ended.signal, within, timedOut);
  const call = () => (within === undefined ? undefined : { timeout: timeLeft(within, since) });
  try {
    return await retryOnOverload(() => send(call()), { ...STOP_RETRY, signal: bound.signal });
  } finally {
    bound.dispose();
    off();
  }
}
