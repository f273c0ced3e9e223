import { retryOnOverload, type RetryOnOverloadOptions } from "./errors.js";

// How a stop is retried: within the few seconds an abort gives the server to confirm it.
const STOP_RETRY: RetryOnOverloadOptions = {
  maxAttempts: 6,
  initialDelayMs: 100,
  maxDelayMs: 1_000,
};

/**
 * @internal Sends what an abort sends to stop something (a turn's interrupt, a goal's pause, a
 * command's terminate), again while the server refuses it as overloaded: a stop it refused would
 * leave the thing running. A module of its own, so that the files loaded on first use (a goal
 * run) bundle it rather than find it among the package's exports.
 */
export function sendStop<T>(send: () => Promise<T>): Promise<T> {
  return retryOnOverload(send, STOP_RETRY);
}
