// What the properties that play a faulty server from recorded traffic share (client.fuzz,
// calls.fuzz, command.fuzz and start.fuzz): the transport whose every message the server sees, the
// clients started over it, the mutations of a value in a message, error answers of odd shapes, and
// the line that carries a message so mutated.
import fc from "fast-check";
import type { Codex as CodexClass, CodexOptions } from "../../src/index.js";
import { startOverFake } from "./fake-stdio.js";
import { FakeTransport } from "./fake-transport.js";

/** A message as the wire carries it. */
export type Wire = Record<string, unknown>;

/** A transport whose every message from the client the test's server sees as it is sent. */
export class ServedTransport extends FakeTransport {
  onSend: ((message: Wire) => void) | undefined;
  override send(line: string, done?: (error?: Error | null) => void): void {
    super.send(line, done);
    this.onSend?.(JSON.parse(line) as Wire);
  }
}

/**
 * The clients of a property, over the `transports` its mock makes, their `initialize` answered
 * with `initialize`. `start` starts one at log level "error" (where the SDK logs only what it takes
 * for a bug of its own, or a listener's throw), what it logs pushed to `errors`; `closedStats`
 * gives the tables of a client closed as soon as it started: what every closed client comes back
 * to. `sdk` is the SDK as the test file imported it, after its mock.
 */
export function propertyClients(
  sdk: { Codex: typeof CodexClass; clientStats: (codex: CodexClass) => Record<string, number> },
  transports: readonly ServedTransport[],
  initialize: unknown,
) {
  const start = (errors: unknown[], options: CodexOptions = {}) =>
    startOverFake(sdk.Codex, transports, initialize, {
      ...options,
      logger: {
        debug() {},
        info() {},
        warn() {},
        error: (...args: unknown[]) => errors.push(args),
      },
      logLevel: "error",
    });
  let closed: Record<string, number> | undefined;
  const closedStats = async (): Promise<Record<string, number>> => {
    if (closed === undefined) {
      const { codex } = await start([]);
      await codex.close();
      closed = sdk.clientStats(codex);
    }
    return closed;
  };
  return { start, closedStats };
}

/**
 * A mutation of a property's traffic: its `kind`; `at` picks the message, `path` a value in it,
 * `to` what it becomes or where it goes, each modulo what there is (see each property).
 */
export interface Mutation<K extends string> {
  readonly kind: K;
  readonly at: number;
  readonly path: number;
  readonly to: number;
}

/** Mutations of the `kinds`, `at` up to `maxAt`. */
export function mutations<K extends string>(
  kinds: readonly K[],
  maxAt: number,
): fc.Arbitrary<Mutation<K>> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    at: fc.nat(maxAt),
    path: fc.nat(600),
    to: fc.nat(200),
  });
}

/** The mutations of one value of a message: see {@link mutateValue}. */
export const VALUE_MUTATIONS = [
  "drop",
  "null",
  "wrongType",
  "otherString",
  "huge",
  "deep",
] as const;
export type ValueMutation = (typeof VALUE_MUTATIONS)[number];

/** Values of another type than most they replace; `wrongType` takes one of another type. */
const WRONG: readonly unknown[] = [0, -1.5, "x", true, [], {}, [null], { id: 1 }];
const HUGE = [5_000, 300_000, 3_000_000];
const DEEP = [100, 10_000, 300_000];
/** Stands for `[[[...]]]` nested `depth` deep, written out as the line is sent. */
const DEEP_MARK = "\u0000deep:";

/** A string as the line carries it (a deep-nesting mark is sent as arrays). */
export const isText = (value: unknown): value is string =>
  typeof value === "string" && !value.startsWith(DEEP_MARK);

/** Every place holding a value in `root`: object fields and array items, at any depth. */
export function places(root: unknown): Array<[holder: Wire, key: string | number]> {
  const out: Array<[Wire, string | number]> = [];
  const walk = (value: unknown) => {
    if (typeof value !== "object" || value === null) return;
    for (const [key, item] of Object.entries(value)) {
      out.push([value as Wire, Array.isArray(value) ? Number(key) : key]);
      walk(item);
    }
  };
  walk(root);
  return out;
}

/** What {@link mutateValue} aims at and puts in. */
export interface ValueTargets {
  /** The fields the SDK reads, which the mutations aim at more often than the others. */
  readonly read: ReadonlySet<string | number>;
  /** Strings the protocol gives meaning to, for `otherString`. */
  readonly strings: readonly string[];
}

/**
 * Changes one value inside `root` (two times in three a field the SDK reads, else any; `path`
 * picks it, `to` what it becomes): drops it, or makes it null, a value of another type, another
 * string, a huge string or deep nesting.
 */
export function mutateValue(
  root: unknown,
  kind: ValueMutation,
  path: number,
  to: number,
  targets: ValueTargets,
): void {
  const all = places(root);
  const read = all.filter(([, key]) => targets.read.has(key));
  const spots = path % 3 === 0 || read.length === 0 ? all : read;
  if (spots.length === 0) return;
  const [holder, key] = spots[Math.floor(path / 3) % spots.length]!;
  if (kind === "drop") {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key];
    return;
  }
  const wrong = WRONG.filter((value) => typeof value !== typeof holder[key]);
  const { strings } = targets;
  holder[key] = {
    null: () => null,
    // A copy: a later mutation may change what it holds, which must not reach later runs.
    wrongType: () => structuredClone(wrong[to % wrong.length]),
    otherString: () => strings[to % strings.length],
    huge: () => hugeString(to),
    deep: () => deepNesting(to),
  }[kind]();
}

/** A string of thousands to millions of characters, as `to` picks. */
export const hugeString = (to: number): string => "x".repeat(HUGE[to % HUGE.length]!);

/** Arrays nested a hundred to hundreds of thousands deep, as `to` picks (see {@link lineOf}). */
export const deepNesting = (to: number): string => `${DEEP_MARK}${DEEP[to % DEEP.length]}`;

/** A line as sent, the deep-nesting marks written out. */
export function lineOf(message: Wire): string {
  return JSON.stringify(message).replace(/"\\u0000deep:(\d+)"/g, (_, depth: string) => {
    return "[".repeat(Number(depth)) + "]".repeat(Number(depth));
  });
}

/**
 * Error answers of shapes JSON-RPC does not allow, or of sizes no error has, or whose message the
 * SDK reads; `to` picks one.
 */
export function oddError(to: number): Wire {
  const size = Math.floor(to / 12);
  const errors: ReadonlyArray<() => Wire> = [
    () => ({ error: null }),
    () => ({ error: "the server broke" }),
    () => ({ error: 500 }),
    () => ({ error: ["refused"] }),
    () => ({ error: {} }),
    () => ({ error: { code: "-32600", message: "refused" } }),
    () => ({ error: { code: null, message: { text: "refused" } } }),
    () => ({ error: { code: -32600.5, message: "refused" } }),
    () => ({ error: { code: -32600, message: hugeString(size), data: hugeString(size) } }),
    () => ({ error: { code: -32603, message: "internal", data: deepNesting(size) } }),
    // How the runtime refuses the history of a thread without a turn: the SDK checks why.
    () => ({ error: { code: -32601, message: "list_turns is not supported yet" } }),
    () => ({ error: { code: -32600, message: "thread not found" }, result: {} }),
  ];
  return errors[to % errors.length]!();
}
