import { describe, expect, it } from "vitest";
import { toUserInputs } from "../../src/inputs.js";
import { launchFor } from "../../src/launch.js";
import { configArgs } from "../../src/internal/toml.js";
import {
  checkJson,
  checkObjective,
  checkOptionNames,
  optionNames,
  shown,
} from "../../src/internal/validate.js";

describe("checkObjective", () => {
  it("counts characters as the server does, not UTF-16 code units", () => {
    expect(checkObjective("😀".repeat(4000))).toBe("😀".repeat(4000));
    expect(checkObjective(` ${"x".repeat(4000)} `)).toBe("x".repeat(4000));
    expect(() => checkObjective("😀".repeat(4001))).toThrow(/at most 4000 characters/);
    expect(() => checkObjective("x".repeat(4001))).toThrow(RangeError);
    expect(() => checkObjective(`${"😀".repeat(3999)}xy`)).toThrow(RangeError);
  });
});

describe("checkJson", () => {
  it("accepts what JSON carries as it is, and undefined properties JSON leaves out", () => {
    for (const value of [null, 0, -1.5, "", true, [1, "a", null], { a: { b: [] }, c: undefined }]) {
      expect(() => checkJson(value, "value")).not.toThrow();
    }
    expect(() => checkJson(Object.assign(Object.create(null), { a: 1 }), "value")).not.toThrow();
  });

  it("rejects what JSON would write as something else, naming the path", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    class Point {
      x = 1;
    }
    const cases: Array<[unknown, RegExp]> = [
      [Number.NaN, /^value must be a finite number, got NaN$/],
      [{ a: { b: Infinity } }, /^value\.a\.b must be a finite number, got Infinity$/],
      [[1, undefined], /^value\[1\] must be a JSON value, got undefined$/],
      [undefined, /^value must be a JSON value, got undefined$/],
      [{ f: () => 1 }, /^value\.f must be a JSON value, got function$/],
      [{ s: Symbol("s") }, /^value\.s must be a JSON value, got symbol$/],
      [{ n: 10n }, /^value\.n must be a JSON value, got bigint$/],
      [{ when: new Date(0) }, /^value\.when must be a plain object or an array, got a Date$/],
      [[new Map()], /^value\[0\] must be a plain object or an array, got a Map$/],
      [{ p: new Point() }, /^value\.p must be a plain object or an array, got a Point$/],
      [cyclic, /^value\.self contains itself$/],
    ];
    for (const [value, message] of cases) {
      expect(() => checkJson(value, "value")).toThrow(message);
    }
    const shared = { a: 1 };
    expect(() => checkJson([shared, shared], "value")).not.toThrow();
  });
});

describe("shown", () => {
  it("describes any value without throwing: BigInt, symbol and cycles included", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(shown("x")).toBe('"x"');
    expect(shown(5)).toBe("5");
    expect(shown(10n)).toBe("bigint");
    expect(shown(Symbol("s"))).toBe("symbol");
    expect(shown(cyclic)).toBe("object");
  });
});

describe("arrays with holes", () => {
  // forEach and map skip a hole, and JSON writes it as null: each check must see it.
  it("are refused wherever an array is checked, naming the index", () => {
    /* eslint-disable no-sparse-arrays -- the holes are the point */
    expect(() => checkJson({ list: [1, , 3] }, "value")).toThrow(
      "value.list[1] must be a JSON value, got undefined",
    );
    expect(() => configArgs(["a=1", , "b=2"])).toThrow(
      "configOverrides entries must look like key=value, got undefined",
    );
    expect(() => launchFor({ launchArgs: ["node", , "-v"] as string[] })).toThrow(
      "launchArgs[1] must be a string, got undefined",
    );
    const text = { type: "text", text: "a" } as const;
    expect(() => toUserInputs([text, , text] as (typeof text)[])).toThrow(TypeError);
    /* eslint-enable no-sparse-arrays */
  });
});

describe("optionNames", () => {
  type Options = { a?: number; b?: string } & { c?: boolean };

  it("lists its own names and the wire names but those it omits", () => {
    const names = optionNames<Options>()({ own: ["a"], wire: ["b", "c", "d"], omit: ["d"] });
    expect([...names.names].sort()).toEqual(["a", "b", "c"]);
    expect(() => checkOptionNames({ a: 1, d: 2 }, names)).toThrow('options has no option "d"');
  });

  it("is checked against its type by the compiler", () => {
    // @ts-expect-error -- "c" is left out
    const missing = optionNames<Options>()({ own: ["a", "b"] });
    // @ts-expect-error -- Options has no "z"
    const extra = optionNames<Options>()({ own: ["a", "b", "c", "z"] });
    expect([missing.names.size, extra.names.size]).toEqual([2, 4]);
  });
});
