import { RequestTimeoutError } from "../errors.js";
import { abortError, deadline } from "../internal/deadline.js";
import type { RequestOptions } from "../internal/validate.js";

/**
 * Waits for `work`, the answer to `method` or what follows it, within the caller's `signal` and
 * `timeout`: an abort rejects with the signal's reason, a timeout with `RequestTimeoutError`, and
 * `onGiveUp` is told when the caller stops waiting first. `Connection.request` forgets its answer
 * then; a request sent without the caller's bounds, which the server acts on whatever the caller
 * does, lets the work go on. An aborted signal must be checked before sending.
 */
export function boundWait<T>(
  work: Promise<T>,
  method: string,
  call: RequestOptions | undefined,
  onGiveUp?: () => void,
): Promise<T> {
  const signal = call?.signal;
  const timeout = call?.timeout;
  if (signal === undefined && timeout === undefined) return work;
  return deadline(work, {
    signal,
    timeout,
    onAbort: () => {
      onGiveUp?.();
      throw abortError(signal!);
    },
    onTimeout: () => {
      onGiveUp?.();
      throw new RequestTimeoutError(method, timeout!);
    },
  });
}

/**
 * `work`, a call made of several requests or waits under one `timeout` (each given what is left
 * of it): whichever of them runs out, the call rejects with a `RequestTimeoutError` naming its own
 * `method` and whole `timeout`, the inner one as its cause.
 */
export function asOneCall<T>(
  work: Promise<T>,
  method: string,
  timeout: number | undefined,
): Promise<T> {
  if (timeout === undefined) return work;
  return work.catch((err: unknown) => {
    if (
      err instanceof RequestTimeoutError &&
      (err.method !== method || err.timeoutMs !== timeout)
    ) {
      throw new RequestTimeoutError(method, timeout, { cause: err });
    }
    throw err;
  });
}
