import { RequestTimeoutError } from "../errors.js";
import { abortError, deadline } from "../internal/deadline.js";
import type { RequestOptions } from "../internal/validate.js";

/**
 * Waits for `work`, what follows the answer to `method` sent without the caller's bounds, within
 * the caller's `signal` and `timeout`, failing as `request` fails when they end the wait. The
 * server acts on such a request whatever the caller does, so the work goes on, and `onGiveUp` is
 * told when the caller stops waiting first. An aborted signal must be checked before sending.
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
