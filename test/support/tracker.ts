/** A promise a test made, and how it settled so far. */
export interface Tracked {
  readonly what: string;
  state: "pending" | "fulfilled" | "rejected";
  value?: unknown;
}

/** The promises a test made, and how each settled so far. */
export function tracker() {
  const all: Tracked[] = [];
  const promises: Promise<unknown>[] = [];
  const track = <T>(what: string, promise: Promise<T>): Promise<T> => {
    const entry: Tracked = { what, state: "pending" };
    all.push(entry);
    promises.push(
      promise.then(
        (value) => Object.assign(entry, { state: "fulfilled", value }),
        (reason: unknown) => Object.assign(entry, { state: "rejected", value: reason }),
      ),
    );
    return promise;
  };
  const pending = () => all.filter((t) => t.state === "pending").map((t) => t.what);
  /** Resolves once every promise tracked settled, those tracked meanwhile included. */
  const settled = async (): Promise<void> => {
    for (let seen = 0; seen < promises.length;) {
      seen = promises.length;
      await Promise.all(promises);
    }
  };
  return { all, track, pending, settled };
}

/**
 * Reads `reader` to its end; resolves with how many values it gave. Past `limit` values it rejects:
 * a reader that never ends.
 */
export async function drain(reader: AsyncIterable<unknown>, limit = Infinity): Promise<number> {
  let count = 0;
  for await (const _ of reader) {
    if (++count > limit) throw new Error(`the reader gave more than ${limit} values`);
  }
  return count;
}
