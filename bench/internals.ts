/**
 * What the leak checks (soak, threads) read: the sizes of the SDK client's tables and listener
 * sets, as its internal `clientStats(codex)` reports them, and the process's own listeners.
 *
 * `clientStats` is exported by src/codex.ts only (no package entry point has it, so dist/ leaves
 * it out), and it reads the `#private` state of the `Codex` class of its own module: it must come
 * from the same module graph as the client it is given. So a job that reads the tables imports the
 * SDK from a bundle that run.ts makes like dist/, with src/codex.ts as a second entry point
 * (`Job.sdkEntry` and `Job.sdkStatsEntry`).
 */
import type { EventEmitter } from "node:events";
import type { Codex } from "../src/index.js";

export type ClientStats = (codex: Codex) => Record<string, number>;

/** Imports `clientStats` from `url` (the module beside the SDK entry the job imported). */
export async function loadClientStats(url: string): Promise<ClientStats> {
  const module = (await import(url)) as Partial<typeof import("../src/codex.js")>;
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
