import { retryOnOverload, type RetryOnOverloadOptions } from "./errors.js";
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
 * leave the thing running. The wait between two sends ends with the connection, rejecting with
 * its close error, so that no timer outlives a `close()`. A module of its own, so that the files
 * loaded on first use (a goal run) bundle it rather than find it among the package's exports.
 */
export async function sendStop<T>(connection: Connection, send: () => Promise<T>): Promise<T> {
  const ended = new AbortController();
  const off = connection.onClose((error) => ended.abort(error));
  try {
    return await retryOnOverload(send, { ...STOP_RETRY, signal: ended.signal });
  } finally {
    off();
  }
}
