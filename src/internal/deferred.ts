/** A promise with its `resolve` and `reject`, for a result that another party settles later. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

/** A new, unsettled {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Hands `report` the rejection of what a caller's function returned, when that is a promise or
 * another thenable: of this realm or of another (a `node:vm` context, a test environment), which
 * `instanceof Promise` misses. Anything else costs nothing.
 */
export function reportRejection(value: unknown, report: (error: unknown) => void): void {
  if (
    ((typeof value === "object" && value !== null) || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  ) {
    Promise.resolve(value).then(undefined, report);
  }
}
