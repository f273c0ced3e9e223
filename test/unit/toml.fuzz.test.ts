// Property of `configOverrides` given as an object, which the SDK writes as `--config key=value`
// arguments: the runtime splits each at its first `=`, the key at every dot, and reads the value as
// TOML, a value that does not parse as a plain string (so a writing error would change the setting
// without a word). Each run gives a config: one TOML can hold (any well-formed strings, control
// characters, quotes and backslashes included; integers up to 2^53; any finite float but a whole
// one past it; booleans; arrays of those, of arrays and of tables; tables, whose keys may hold
// dots, `=`, white space or any character), or any value at all (fast-check's `anything`, with
// dates, maps, typed arrays, big integers, boxed values, null prototypes and sparse arrays, plus
// lone surrogates, infinities, nulls and cycles). Checks: a config TOML can hold is taken; a
// refused one fails with the SDK's own TypeError or RangeError naming `configOverrides`, never an
// engine error; what is taken reads back, with a TOML parser (smol-toml) and the runtime's split of
// keys, as the config that was given.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/toml.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and FUZZ_PATH
// replay.
import fc from "fast-check";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { configArgs } from "../../src/internal/toml.js";
import { anyValue } from "../support/odd-values.js";

const SEED = Number(process.env.FUZZ_SEED ?? 52_711);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const PATH = process.env.FUZZ_PATH;

type Config = { [key: string]: unknown };

/** A table from entries, each key its own (`__proto__` too). */
const table = (entries: [string, unknown][]): Config => Object.fromEntries(entries);

/** Well-formed text of any characters: control ones, quotes, backslashes, astral ones. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary-ascii", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);
/** A key a table of the config's may hold: any well-formed text but the empty one. */
const anyKey = text.filter((key) => key !== "");
/** A key written bare, as most settings are named. */
const name = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,7}$/);

/** A value TOML can hold, nested up to `depth` tables or arrays. */
const writable: fc.Memo<unknown> = fc.memo((depth) => {
  const scalar = fc.oneof(
    text,
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    // A whole number past 2^53 is refused: it is no longer exact.
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter((x) => !Number.isInteger(x) || Number.isSafeInteger(x)),
    fc.boolean(),
  );
  if (depth <= 1) return scalar;
  return fc.oneof(
    { arbitrary: scalar, weight: 4 },
    { arbitrary: fc.array(writable(depth - 1), { maxLength: 4 }), weight: 1 },
    { arbitrary: tableOf(anyKey, writable(depth - 1)), weight: 1 },
  );
});

/** A table of `value`s under distinct `key`s. */
function tableOf(key: fc.Arbitrary<string>, value: fc.Arbitrary<unknown>): fc.Arbitrary<Config> {
  return fc.uniqueArray(fc.tuple(key, value), { maxLength: 4, selector: ([k]) => k }).map(table);
}

/**
 * A config TOML can hold: top-level names, each a setting or a table (a dotted name, as
 * `sandbox_workspace_write.network_access`, stands for the path through tables).
 */
const config: fc.Arbitrary<Config> = fc
  .uniqueArray(fc.tuple(name, writable(4)), { maxLength: 5, selector: ([k]) => k })
  .chain((entries) =>
    // A dotted name under a first one that no other entry names.
    fc.option(fc.tuple(name, name, writable(2)), { nil: undefined }).map((dotted) => {
      const taken = new Set(entries.map(([k]) => k));
      if (dotted === undefined || taken.has(dotted[0])) return table(entries);
      return table([...entries, [`${dotted[0]}.${dotted[1]}`, dotted[2]]]);
    }),
  );

/** Anything: odd values in odd places, which the SDK takes or refuses by name. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  anyValue(3),
  fc.constantFrom(
    "\ud800",
    NaN,
    Infinity,
    2 ** 60,
    null,
    { "": 1 },
    { a: { "": 1 } },
    { a: { "b.c": { "": 1 } } },
    { "a.b": 1, a: { b: 2 } },
    { a: 1, "a.b": 2 },
    (() => {
      const cycle: Config = { a: 1 };
      cycle.self = cycle;
      return cycle;
    })(),
  ),
  config.chain((base) =>
    fc.tuple(fc.constant(base), anyKey, fc.anything()).map(([c, k, v]) => ({ ...c, [k]: v })),
  ),
);

/**
 * The config the runtime reads from `args`: each `--config` pair split at its first `=`, its key
 * at every dot, its value parsed as TOML (which must not fail: the runtime would take the text).
 */
function readBack(args: readonly string[]): Config {
  const pairs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--config") pairs.push(args[++i]!);
    else if (arg.startsWith("--config=")) pairs.push(arg.slice("--config=".length));
    else throw new Error(`not a --config argument: ${arg}`);
  }
  const out: Config = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const path = pair.slice(0, at).split(".");
    const value = parse(`v = ${pair.slice(at + 1)}`).v;
    let holder = out;
    for (const segment of path.slice(0, -1)) {
      holder = (
        Object.hasOwn(holder, segment) ? holder[segment] : define(holder, segment, {})
      ) as Config;
    }
    const last = path.at(-1)!;
    expect(Object.hasOwn(holder, last), `${pair.slice(0, at)} given twice`).toBe(false);
    define(holder, last, value);
  }
  return out;
}

function define(holder: Config, key: string, value: unknown): unknown {
  Object.defineProperty(holder, key, { value, enumerable: true, writable: true });
  return value;
}

/** The config as TOML holds it: top-level dotted names as paths through tables, -0 as 0. */
function asToml(given: Config): Config {
  const out: Config = {};
  for (const [key, value] of Object.entries(given)) {
    const path = key.split(".");
    let holder = out;
    for (const segment of path.slice(0, -1)) {
      holder = (
        Object.hasOwn(holder, segment) ? holder[segment] : define(holder, segment, {})
      ) as Config;
    }
    define(holder, path.at(-1)!, plain(value));
  }
  return out;
}

/** A value as JSON holds it, tables with plain prototypes, so that two compare by content. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

function check(given: unknown, holdable: boolean): void {
  let args: string[];
  try {
    args = configArgs(given);
  } catch (err) {
    expect(holdable, `a config TOML can hold refused: ${String(err)}`).toBe(false);
    expect([TypeError, RangeError]).toContain((err as Error).constructor);
    expect((err as Error).message).toMatch(/^configOverrides/);
    return;
  }
  // None given, none written; an array is of ready `key=value` strings, written as they are.
  if (given === undefined) return void expect(args).toEqual([]);
  if (Array.isArray(given)) return;
  expect(plain(readBack(args))).toEqual(plain(asToml(given as Config)));
}

describe("configOverrides as an object (property)", () => {
  it("writes what TOML can hold so that it reads back the same, and refuses the rest by name", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          config.map((c) => [c, true] as const),
          odd.map((v) => [v, false] as const),
        ),
        ([given, holdable]) => check(given, holdable),
      ),
      { seed: SEED, numRuns: RUNS, ...(PATH === undefined ? {} : { path: PATH }) },
    );
  });
});
