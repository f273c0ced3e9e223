/**
 * Reads the sizes of the SDK's private tables and listener sets, for the leak check of the soak
 * workload. These are internals, read through casts: a table that was renamed shows as -1 rather
 * than breaking the bench.
 */
import type { EventEmitter } from "node:events";
import type { Codex } from "../src/index.js";

/** Where each table lives, as a property path from the `Codex` object. */
const SDK_TABLES: Readonly<Record<string, readonly string[]>> = {
  "connection.pending": ["connection", "pending"],
  "connection.notificationListeners": ["connection", "notificationListeners"],
  "connection.closeListeners": ["connection", "closeListeners"],
  "router.turns": ["router", "turns"],
  "router.pendingByThread": ["router", "pendingByThread"],
  "router.idleWaiters": ["router", "idleWaiters"],
  "router.requestTurns": ["router", "requestTurns"],
  "router.byMethod": ["router", "byMethod"],
  "router.anyListeners": ["router", "anyListeners"],
  "dispatcher.threadHandlers": ["dispatcher", "threadHandlers"],
  "dispatcher.turnHandlers": ["dispatcher", "turnHandlers"],
  "dispatcher.threadTools": ["dispatcher", "threadTools"],
  "dispatcher.inflight": ["dispatcher", "inflight"],
};

/** The child process and its pipes, whose listeners are counted together. */
const CHILD_EMITTERS: readonly (readonly string[])[] = [
  ["transport", "child"],
  ["transport", "child", "stdin"],
  ["transport", "child", "stdout"],
  ["transport", "child", "stderr"],
];

function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function sizeOf(value: unknown): number {
  if (value instanceof Map || value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  return -1;
}

/** Every listener of every event of an emitter. */
export function emitterListeners(emitter: EventEmitter): number {
  return emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
}

/** Sizes of the SDK client's tables, its per-method listeners, and its child's listeners. */
export function sdkInternals(codex: Codex): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, path] of Object.entries(SDK_TABLES)) out[name] = sizeOf(at(codex, path));
  const byMethod = at(codex, SDK_TABLES["router.byMethod"]!);
  out["router.byMethod listeners"] =
    byMethod instanceof Map ? [...byMethod.values()].reduce((n, set) => n + sizeOf(set), 0) : -1;
  out["child + pipes listeners"] = CHILD_EMITTERS.reduce((sum, path) => {
    const emitter = at(codex, path) as EventEmitter | undefined;
    return sum + (typeof emitter?.eventNames === "function" ? emitterListeners(emitter) : 0);
  }, 0);
  return out;
}
