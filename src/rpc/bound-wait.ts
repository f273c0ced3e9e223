import { JsonRpcError, RequestTimeoutError } from "../errors.js";
import { abortError, deadline, isGivenReason } from "../internal/deadline.js";
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
  const bounded = deadline(work, {
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
  return bounded.then(undefined, callersStack);
}

/**
 * `answer`, whose rejection with an error made for this call alone (the server's error answer, its
 * timeout) gets the stack of the code that awaits it. Made as a line is read or a timer fires,
 * such an error's stack would name only the SDK's internals; here, in the call's own promise
 * chain, V8 adds the caller's async frames (`at async main (app.ts:12)`).
 */
export function withCallersStack<T>(answer: Promise<T>): Promise<T> {
  return answer.then(undefined, callersStack);
}

function callersStack(err: unknown): never {
  // Never an error shared by several calls (a closed connection's) or one the caller gave (an
  // abort's reason, which may be of these two kinds too): each of these two is made for one call.
  if ((err instanceof JsonRpcError || err instanceof RequestTimeoutError) && !isGivenReason(err)) {
    Error.captureStackTrace(err, callersStack);
  }
  throw err;
}

/**
 * `work`, a call made of several requests or waits under one `timeout` (each given what is left
 * of it): whichever of them runs out, the call rejects with a `RequestTimeoutError` naming its own
 * `method` and whole `timeout`, the inner one as its cause. Either way, an error made for the call
 * gets the caller's stack (see {@link withCallersStack}): made as a line was read or a timer
 * fired, down a chain V8 cannot follow back to the caller (a promise with several reactions).
 */
export function asOneCall<T>(
  work: Promise<T>,
  method: string,
  timeout: number | undefined,
): Promise<T> {
  if (timeout === undefined) return withCallersStack(work);
  return work.catch((err: unknown) => {
    // Not the reason the caller's signal gave, whatever its kind: it is the caller's.
    if (
      err instanceof RequestTimeoutError &&
      (err.method !== method || err.timeoutMs !== timeout) &&
      !isGivenReason(err)
    ) {
      throw new RequestTimeoutError(method, timeout, { cause: err });
    }
    // Made as a timer fired (a wait for the thread, a turn's start): given the caller's stack here.
    return callersStack(err);
  });
}
