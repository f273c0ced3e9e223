/**
 * What the leak checks (soak, threads) read: the sizes of the SDK client's tables and listener
 * sets, as `clientStats(codex)` reports them, and the process's own listeners.
 *
 * `clientStats` is exported by the package's `./testing` entry. It reads the `#private` state of
 * the `Codex` class of its own module graph, so it must come from the same build as the client it
 * is given: a job that reads the tables imports it from the testing entry beside the SDK entry
 * (`Job.sdkTestingEntry` beside `Job.sdkEntry`), that is dist/testing/index.js of the bench's
 * snapshot of dist/, which takes the `Codex` class (and `clientStats`) from dist/index.js, or
 * src/testing/index.ts when the SDK runs from its TypeScript source.
 */
import type { EventEmitter } from "node:events";
import type { Codex } from "../src/index.js";

export type ClientStats = (codex: Codex) => Record<string, number>;

/** Imports `clientStats` from `url`, the `./testing` entry beside the SDK entry the job imported. */
export async function loadClientStats(url: string): Promise<ClientStats> {
  const module = (await import(url)) as Partial<typeof import("../src/testing/index.js")>;
  if (typeof module.clientStats !== "function") {
    throw new Error(`${url} does not export clientStats`);
  }
  return module.clientStats;
}

/** Every listener of every event of an emitter. */
export function emitterListeners(emitter: EventEmitter): number {
  return emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
}

/** Listeners on `process` and the handles keeping the event loop alive. */
export function processInternals(): Record<string, number> {
  return {
    "process listeners": emitterListeners(process),
    "active resources": process.getActiveResourcesInfo().length,
  };
}
