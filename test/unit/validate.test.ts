import { describe, expect, expectTypeOf, it } from "vitest";
import {
  image,
  localImage,
  mention,
  skill,
  text,
  toTurnInput,
  toUserInputs,
} from "../../src/inputs.js";
import { launchFor } from "../../src/launch.js";
import { checkLogger } from "../../src/internal/logger.js";
import { configArgs, refuseNull, tomlCopy } from "../../src/internal/toml.js";
import {
  checkEnvName,
  checkHeaders,
  checkJson,
  checkNonEmpty,
  checkOptionalDelay,
  checkObjective,
  checkOptionNames,
  checkOptions,
  checkSecret,
  checkSpawnable,
  optionNames,
  shown,
  snapshot,
  trimAsRuntime,
} from "../../src/internal/validate.js";

describe("trimAsRuntime", () => {
  it("takes off Unicode's White_Space at both ends, as Rust's trim does, and nothing else", () => {
    const whiteSpace = /^\p{White_Space}$/u;
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      const expected = whiteSpace.test(char) ? "x" : `${char}x${char}`;
      expect(trimAsRuntime(`${char}x${char}`)).toBe(expected);
    }
    expect(trimAsRuntime(" \u0085a b\ufeff\u3000")).toBe("a b\ufeff");
  });

  it("trims a run of ten million at once", () => {
    // A regular expression's backtracking overflowed the stack on it.
    expect(trimAsRuntime("\u2028".repeat(10_000_000))).toBe("");
    expect(trimAsRuntime(`a${" ".repeat(10_000_000)}b`)).toHaveLength(10_000_002);
  });
});

describe("snapshot", () => {
  it("copies arrays and plain objects all the way down, each field read once, and nothing else", () => {
    const signal = new AbortController().signal;
    const handler = () => "x";
    let reads = 0;
    const given = {
      // A hole at 1.
      argv: Object.assign(["echo"], { 2: "a" }) as string[],
      env: Object.assign(Object.create(null) as object, { A: "1" }),
      get once() {
        return ++reads;
      },
      signal,
      handler,
      when: new Date(0),
    };
    const cycle: Record<string, unknown> = { name: "c" };
    cycle.self = cycle;
    const own = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const copy = snapshot({ given, cycle, own });
    expect(reads).toBe(1);
    given.argv[0] = "rm";
    (given.env as Record<string, string>).A = "2";
    // Cut after its first hole, which every check refuses.
    expect(copy.given.argv).toEqual(["echo", undefined]);
    expect(1 in copy.given.argv).toBe(false);
    expect(copy.given.env).toEqual({ A: "1" });
    expect(Object.getPrototypeOf(copy.given.env)).toBeNull();
    expect(copy.given.once).toBe(1);
    expect(reads).toBe(1);
    expect(copy.given.signal).toBe(signal);
    expect(copy.given.handler).toBe(handler);
    expect(copy.given.when).toBe(given.when);
    expect(copy.cycle.self).toBe(copy.cycle);
    expect(copy.cycle).not.toBe(cycle);
    expect(Object.keys(copy.own)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(copy.own)).toBe(Object.prototype);
    expect(snapshot("text")).toBe("text");
    expect(snapshot(undefined)).toBeUndefined();
  });
});

describe("checkObjective", () => {
  it("counts characters as the server does, not UTF-16 code units", () => {
    expect(checkObjective("😀".repeat(4000))).toBe("😀".repeat(4000));
    expect(checkObjective(` ${"x".repeat(4000)} `)).toBe("x".repeat(4000));
    expect(() => checkObjective("😀".repeat(4001))).toThrow(/at most 4000 characters/);
    expect(() => checkObjective("x".repeat(4001))).toThrow(RangeError);
    expect(() => checkObjective(`${"😀".repeat(3999)}xy`)).toThrow(RangeError);
  });

  it("trims as the runtime does: U+0085 is white space, the byte order mark is not", () => {
    expect(() => checkObjective("\u0085")).toThrow("goal objective must not be empty");
    expect(checkObjective(`\u3000${"x".repeat(4000)}\u0085`)).toBe("x".repeat(4000));
    expect(checkObjective("\ufeff")).toBe("\ufeff");
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
      [{ a: ["ok", "cut\ud800"] }, /^value\.a\[1\] holds a lone surrogate/],
      [{ a: { "k\udc00": 1 } }, /^a key of value\.a holds a lone surrogate/],
      // JSON sends what a toJSON of its own returns, an array's or one not enumerable.
      [
        { list: Object.assign([1], { toJSON: () => "replaced" }) },
        /^value\.list has a toJSON method, whose result JSON would send in its place$/,
      ],
      [
        Object.defineProperty({ a: 1 }, "toJSON", { value: () => "replaced" }),
        /^value has a toJSON method/,
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => checkJson(value, "value")).toThrow(message);
    }
    const shared = { a: 1 };
    expect(() => checkJson([shared, shared], "value")).not.toThrow();
  });

  it("returns a copy of what it checked, each property read once", () => {
    let reads = 0;
    const value = {
      get n() {
        // Read again, it would go out as null.
        return ++reads === 1 ? 1 : Number.NaN;
      },
      list: [{ a: "x" }],
      skipped: undefined,
      ["__proto__"]: { own: true },
    };
    const copy = checkJson(value, "value");
    value.list[0]!.a = "changed";
    expect(reads).toBe(1);
    expect(JSON.stringify(copy)).toBe('{"n":1,"list":[{"a":"x"}],"__proto__":{"own":true}}');
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it("refuses whole numbers past 2^53 only where integers must be exact", () => {
    expect(() => checkJson({ n: 1e21 }, "value")).not.toThrow();
    expect(() => checkJson({ n: 1e21 }, "value", 64, true)).toThrow(
      /^value\.n must be an integer between -\(2\^53-1\) and 2\^53-1, got 1e\+21$/,
    );
    expect(() => checkJson({ n: 2 ** 53 - 1, f: 1.5 }, "value", 64, true)).not.toThrow();
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
    expect(() => configArgs({ sdk: { list: ["a", , "b"] } })).toThrow(
      "configOverrides.sdk.list[1] must be a string, number, boolean, array or object, got undefined",
    );
    /* eslint-enable no-sparse-arrays */
    // Refused at its first hole, without a walk of its length.
    expect(() => configArgs({ sdk: { list: new Array(2 ** 32 - 1) } })).toThrow(
      "configOverrides.sdk.list[0] must be",
    );
  });
});

describe("input items", () => {
  it("carry an image's detail, and refuse a field the wire does not have, naming it", () => {
    expect(
      toUserInputs([
        image("data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "high"),
        localImage("/a.png", "original"),
        { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
      ]),
    ).toEqual([
      { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", detail: "high" },
      { type: "localImage", path: "/a.png", detail: "original" },
      { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
    ]);
    expect(() =>
      toUserInputs({ type: "localImage", path: "/a.png", detail: "max" } as never),
    ).toThrow('input[0].detail must be one of auto, high, original, got "max"');
    // The runtime sends the model a note in place of an image of detail "low", which the
    // helpers' types refuse too.
    expect(() => toUserInputs(localImage("/a.png", "low" as never))).toThrow(
      'input[0].detail "low" is not supported by the runtime, which would drop the image',
    );
    expect(() => toUserInputs({ type: "localImage", path: "/a.png", detail: "low" })).toThrow(
      'input[0].detail "low" is not supported by the runtime, which would drop the image',
    );
    expectTypeOf(image).parameter(1).toEqualTypeOf<"auto" | "high" | "original" | undefined>();
    expectTypeOf(localImage).parameter(1).toEqualTypeOf<"auto" | "high" | "original" | undefined>();
    // An empty URL, path or name loses its item on the way.
    for (const [item, message] of [
      [image(""), "input[0].url of an image item must not be empty"],
      [localImage(" "), "input[0].path of a localImage item must not be empty"],
      [mention("", "app://c"), "input[0].name of a mention item must not be empty"],
      [skill("s", ""), "input[0].path of a skill item must not be empty"],
    ] as const) {
      expect(() => toUserInputs(item)).toThrow(message);
    }
    // The runtime refuses a remote image URL, sends a path to the model as its URL, and leaves
    // out data not in base64, and any audio URL but a base64 data: one.
    for (const url of [
      "https://example.com/a.png",
      "/tmp/a.png",
      "a.png",
      "file:///tmp/a.png",
      "data:image/svg+xml,<svg/>",
    ]) {
      expect(() => toUserInputs([text("look"), image(url)])).toThrow(
        "input[1].url of an image item must be a base64 data: URL (data:<type>;base64,...), the " +
          "only kind the runtime sends to the model: for a file use localImage(path); fetch a " +
          "remote image and pass its data",
      );
    }
    for (const url of ["https://example.com/a.mp3", "http://h/a.wav", "data:audio/wav,RIFF"]) {
      expect(() => toUserInputs({ type: "audio", url })).toThrow(
        "input[0].url of an audio item must be a base64 data: URL (data:<type>;base64,...), the " +
          "only kind the runtime sends to the model: for a file use localAudio(path); fetch a " +
          "remote audio and pass its data",
      );
    }
    // Data it cannot decode: none, not base64, unpadded, wrapped as `base64` prints it.
    for (const [data, problem] of [
      ["", "holds no data after ;base64,"],
      ["this is not base64!!", "holds data that is not base64"],
      ["iVBORw0KGgo", "holds data that is not base64"],
      ["iVBORw0K\nGgo=", "holds data that is not base64"],
      ["iVBO-w0_", "holds data that is not base64"],
    ] as const) {
      expect(() => toUserInputs(image(`data:image/png;base64,${data}`))).toThrow(
        `input[0].url of an image item ${problem}`,
      );
      expect(() => toUserInputs({ type: "audio", url: `data:audio/wav;base64,${data}` })).toThrow(
        `input[0].url of an audio item ${problem}`,
      );
    }
    // Bits past the data's end that are not zero: decoders that allow them give the same bytes.
    for (const data of ["====", "A=A=", "AA=A", "AB==", "AAB="]) {
      expect(() => toUserInputs(image(`data:image/png;base64,${data}`))).toThrow(
        "holds data that is not base64",
      );
    }
    // An image of megabytes is read in linear time, without a deep pattern's stack.
    const png = Buffer.from("89504e470d0a1a0a", "hex");
    const big = Buffer.concat([png, Buffer.alloc(15_000_000, 7)]).toString("base64");
    expect(toUserInputs(image(`data:image/png;base64,${big}`))).toHaveLength(1);
    expect(() => toUserInputs(image(`data:image/png;base64,${big}!`))).toThrow(
      "holds data that is not base64",
    );
    expect(toUserInputs({ type: "audio", url: "data:audio/wav;base64,UklGRg==" })).toEqual([
      { type: "audio", url: "data:audio/wav;base64,UklGRg==" },
    ]);
    // A sound's media type, which the runtime goes by (in any case, with any parameters).
    for (const type of ["audio/MPEG", "audio/x-m4a", "audio/ogg;codecs=opus", "Audio/WebM"]) {
      const url = `data:${type};base64,UklGRg==`;
      expect(toUserInputs({ type: "audio", url })).toEqual([{ type: "audio", url }]);
    }
    for (const type of ["audio/flac", "audio/aac", "", "video/webm", "image/png", " audio/wav"]) {
      expect(() => toUserInputs({ type: "audio", url: `data:${type};base64,UklGRg==` })).toThrow(
        `input[0].url of an audio item names the media type ${JSON.stringify(type)}, a sound ` +
          "the runtime does not send the model: give audio/wav, audio/mpeg, audio/mp4, " +
          "audio/webm or audio/ogg (wav, mp3, m4a, webm or ogg)",
      );
    }
    // 50 MiB at most, decoded: the longest text that holds it, unpadded, holds a byte more.
    const most = Math.ceil((50 * 1024 * 1024) / 3) * 4;
    for (const data of ["A".repeat(most + 4), "A".repeat(most)]) {
      expect(() => toUserInputs({ type: "audio", url: `data:audio/wav;base64,${data}` })).toThrow(
        "input[0].url of an audio item holds more than 50 MiB of sound",
      );
    }
    const whole = `data:audio/wav;base64,${"A".repeat(most - 4)}AA==`;
    expect(toUserInputs({ type: "audio", url: whole })).toHaveLength(1);
    expect(toUserInputs(image("DATA:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="))).toEqual([
      { type: "image", url: "DATA:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
    ]);
    // The runtime stores an image given no detail with `detail: null`: sent again, it gives none.
    expect(
      toUserInputs([
        { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", detail: null },
        { type: "localImage", path: "/a.png", detail: null },
      ] as never),
    ).toEqual([
      { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
      { type: "localImage", path: "/a.png" },
    ]);
    expect(() =>
      toUserInputs([
        { type: "text", text: "a" },
        { type: "text", text: "b", url: "x" },
      ] as never),
    ).toThrow('input[1] has no field "url"; its fields are type, text, text_elements');
    // A stored userMessage's content goes out again as it is.
    const elements = [{ byteRange: { start: 0, end: 4 }, placeholder: "@doc" }];
    expect(toUserInputs([{ type: "text", text: "@doc hi", text_elements: elements }])).toEqual([
      { type: "text", text: "@doc hi", text_elements: elements },
    ]);
    expect(() => toUserInputs({ type: "text", text: "a", text_elements: "x" } as never)).toThrow(
      'input[0].text_elements must be an array, got "x"',
    );
    // The runtime refuses an element that is not a byte range and a placeholder: before any I/O.
    const withElements = (element: unknown) => () =>
      toUserInputs({ type: "text", text: "hi", text_elements: [element] } as never);
    for (const [element, message] of [
      [
        { placeholder: "x" },
        "input[0].text_elements[0].byteRange must be an object { start, end }",
      ],
      [
        { byteRange: { start: 0, end: -1 }, placeholder: null },
        "input[0].text_elements[0].byteRange.end must be a byte offset (an integer of 0 or more), got -1",
      ],
      [
        { byteRange: { start: 0.5, end: 1 } },
        "input[0].text_elements[0].byteRange.start must be a byte offset",
      ],
      [
        { byteRange: { start: 2, end: 1 } },
        "input[0].text_elements[0].byteRange must not end (1) before it starts (2)",
      ],
      [
        { byteRange: { start: 0, end: 1 }, label: "x" },
        'input[0].text_elements[0] has no field "label"; its fields are byteRange, placeholder',
      ],
      [
        { byteRange: { start: 0, end: 1 }, placeholder: 7 },
        "input[0].text_elements[0].placeholder must be a string or null, got 7",
      ],
      ["x", "input[0].text_elements[0] must be an object { byteRange, placeholder }"],
    ] as const) {
      expect(withElements(element)).toThrow(message);
    }
    // A placeholder left out is sent as null, as the runtime stores it.
    expect(
      toUserInputs({
        type: "text",
        text: "hi",
        text_elements: [{ byteRange: { start: 0, end: 2 } }],
      } as never),
    ).toEqual([
      {
        type: "text",
        text: "hi",
        text_elements: [{ byteRange: { start: 0, end: 2 }, placeholder: null }],
      },
    ]);
  });
});

describe("a NAME=value pair given as a key", () => {
  it("is named up to its = in every error, its value never shown", () => {
    const key = "GH_TOKEN=ghp_Zq81mXv0RtY3pQ7sLk2N";
    const refusals: Array<[() => unknown, string]> = [
      [
        () => checkJson({ set: { [key]: 1n } }, "options.config"),
        "options.config.set.GH_TOKEN=...",
      ],
      [() => refuseNull({ set: { [key]: null } }, "config"), "config.set.GH_TOKEN=... must not"],
      [() => tomlCopy({ set: { [key]: [null] } }, "value"), "value.set.GH_TOKEN=...[0] must not"],
      [
        () => configArgs({ "shell_environment_policy.set": { [key]: 1n } }),
        'configOverrides.shell_environment_policy.set["GH_TOKEN=..."]',
      ],
      [
        () => checkHeaders({ [`Authorization=Bearer ${key}`]: "x" }, "headers"),
        '"Authorization..."',
      ],
      [
        () => checkHeaders({ [`Authorization: Bearer ${key}`]: "x" }, "headers"),
        '"Authorization..."',
      ],
    ];
    for (const [refuse, named] of refusals) {
      const error = (() => {
        try {
          refuse();
        } catch (err) {
          return err as Error;
        }
      })();
      expect(error, named).toBeInstanceOf(TypeError);
      expect(error!.message).toContain(named);
      expect(error!.stack).not.toContain("ghp_");
    }
  });
});

describe("configOverrides nesting", () => {
  it("is refused past the depth the runtime reads, naming the path", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => configArgs({ sdk: { deep } })).toThrow(
      /^configOverrides\.sdk\.deep(\[0\])+ nests deeper than the runtime reads$/,
    );
    let table: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 70; i++) table = { t: table };
    expect(() => configArgs(table)).toThrow(
      /^configOverrides(\.t)+ nests deeper than the runtime reads$/,
    );
    let shallow: unknown = "x";
    for (let i = 0; i < 30; i++) shallow = [shallow];
    expect(() => configArgs({ sdk: { shallow } })).not.toThrow();
  });
});

describe("optionNames", () => {
  type Options = { a?: number; b?: string } & { c?: boolean };

  it("lists its own names and the wire names but those it omits", () => {
    const names = optionNames<Options>()({ own: ["a"], wire: ["b", "c", "d"], omit: ["d"] });
    expect([...names.names].sort()).toEqual(["a", "b", "c"]);
    expect(() => checkOptionNames({ a: 1, d: 2 }, names)).toThrow('options has no option "d"');
  });

  it("names the preset option for a wire field the SDK sets from one", async () => {
    const { THREAD_START_NAMES } = await import("../../src/thread-options.js");
    const refusal = (field: string) =>
      `options has no option "${field}": the SDK sets that wire field from the`;
    for (const [field, preset] of [
      ["approvalPolicy", "approvalMode"],
      ["approvalsReviewer", "approvalMode"],
    ]) {
      expect(() => checkOptionNames({ [field!]: "never" }, THREAD_START_NAMES)).toThrow(
        `${refusal(field!)} "${preset}" option (a preset); give that instead`,
      );
    }
    const turn = optionNames<{ sandbox?: string }>()({ own: ["sandbox"] });
    expect(() => checkOptionNames({ sandboxPolicy: {} }, turn)).toThrow(
      `${refusal("sandboxPolicy")} "sandbox" option (a preset); give that instead`,
    );
    // Only where that option is taken.
    expect(() =>
      checkOptionNames({ sandboxPolicy: {} }, optionNames<{ a?: 1 }>()({ own: ["a"] })),
    ).toThrow(/^options has no option "sandboxPolicy"$/);
  });

  it("says where a thread's tools go, to a call that takes none", () => {
    expect(() => checkOptionNames({ tools: [] }, optionNames<{ a?: 1 }>()({ own: ["a"] }))).toThrow(
      'options has no option "tools": a thread\'s tools are given to threadStart, threadResume, ' +
        "threadFork or codex.thread",
    );
  });

  it("is checked against its type by the compiler", () => {
    // @ts-expect-error -- "c" is left out
    const missing = optionNames<Options>()({ own: ["a", "b"] });
    // @ts-expect-error -- Options has no "z"
    const extra = optionNames<Options>()({ own: ["a", "b", "c", "z"] });
    expect([missing.names.size, extra.names.size]).toEqual([2, 4]);
  });
});

describe("checkOptions", () => {
  it("takes plain objects only, as only their own properties are read", () => {
    expect(checkOptions({ a: 1 })).toEqual({ a: 1 });
    expect(checkOptions(Object.create(null) as object)).toEqual({});
    expect(checkOptions(process.env, "env")).toBe(process.env);
    const cases: Array<[unknown, string]> = [
      [new Map([["model", "gpt-x"]]), "options must be a plain object, got a Map"],
      [new Date(0), "options must be a plain object, got a Date"],
      [
        Object.create({ model: "gpt-x" }),
        "options must be a plain object, got an object with its own prototype",
      ],
      [null, "options must be an object, got null"],
      [[], "options must be an object, got an array"],
    ];
    for (const [value, message] of cases) {
      expect(() => checkOptions(value as object)).toThrow(new TypeError(message));
    }
  });
});

describe("strings that leave the process", () => {
  it("refuses a secret the server could not read or would see trimmed, never showing it", () => {
    const cases: Array<[string, string]> = [
      [" sk-key", "apiKey must not begin or end with white space"],
      ["sk-key\t", "apiKey must not contain control characters such as newlines"],
      ["sk-key\ud800", "apiKey holds a lone surrogate"],
    ];
    for (const [value, message] of cases) {
      expect(() => checkSecret(value, "apiKey")).toThrow(message);
    }
    expect(checkSecret("sk-key", "apiKey")).toBe("sk-key");
  });

  it("refuses a NUL or lone surrogate bound for a command line, and an env name no system takes", () => {
    expect(() => checkSpawnable("a\0b", "cwd")).toThrow("cwd must not contain NUL characters");
    expect(() => checkSpawnable("a\udc00", "cwd")).toThrow("cwd holds a lone surrogate");
    const rule = `is no variable name: it must be non-empty and hold no "="`;
    expect(() => checkEnvName("")).toThrow(`env key "" ${rule}`);
    expect(() => checkEnvName("=A")).toThrow(`env key "" + "=..." ${rule}`);
    // A whole NAME=value line given as a key: its value, maybe a credential, is never shown.
    const line = "OPENAI_API_KEY=sk-proj-SECRET0123456789";
    const refusal = (() => {
      try {
        checkEnvName(line);
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal?.message).toBe(
      `env key "OPENAI_API_KEY" + "=..." ${rule} (give the value as the key's value)`,
    );
    expect(JSON.stringify(refusal?.stack)).not.toContain("SECRET");
    expect(checkEnvName("PATH")).toBe("PATH");
  });

  it("says an empty string is one", () => {
    expect(() => checkNonEmpty("", "cwd")).toThrow(
      "cwd must be a non-empty string, got an empty string",
    );
  });
});

describe("checkLogger", () => {
  it("names what logLevel got without serializing it", () => {
    for (const [level, got] of [
      [1n, "bigint"],
      [Symbol("x"), "symbol"],
      ["loud", '"loud"'],
    ] as const) {
      expect(() => checkLogger(undefined, level)).toThrow(
        `logLevel must be one of debug, info, warn, error, off; got ${got}`,
      );
    }
  });
});

describe("checkOptionalDelay", () => {
  it("takes 0 and says so when it refuses a value", () => {
    expect(checkOptionalDelay(0, "killGraceMs")).toBe(0);
    expect(checkOptionalDelay(undefined, "killGraceMs")).toBeUndefined();
    expect(checkOptionalDelay(250, "killGraceMs")).toBe(250);
    for (const value of [-1, Number.NaN, 2 ** 31, "5"]) {
      expect(() => checkOptionalDelay(value, "killGraceMs")).toThrow(
        /^killGraceMs must be a number of milliseconds from 0 to 2147483647, got /,
      );
    }
  });
});

describe("checkNonEmpty", () => {
  it("refuses a string of only white space, which names nothing, as it refuses an empty one", () => {
    expect(checkNonEmpty(" a ", "serverName")).toBe(" a ");
    expect(() => checkNonEmpty("", "serverName")).toThrow(
      "serverName must be a non-empty string, got an empty string",
    );
    for (const blank of [" ", "\t\n", "\u00a0\u2003"]) {
      expect(() => checkNonEmpty(blank, "serverName")).toThrow(
        "serverName must be a non-empty string, got only white space",
      );
    }
    expect(() => checkNonEmpty(5, "serverName")).toThrow(
      "serverName must be a non-empty string, got number",
    );
  });
});

describe("turn input: each field read once", () => {
  it("sends what its checks read, a getter read again answering otherwise changing nothing", () => {
    const png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
    let urlReads = 0;
    const image = {
      type: "image" as const,
      get url() {
        urlReads += 1;
        return urlReads === 1 ? png : (undefined as unknown as string);
      },
    };
    expect(toTurnInput([image])).toEqual({ input: [{ type: "image", url: png }] });
    let typeReads = 0;
    const lone = {
      get type() {
        typeReads += 1;
        return typeReads === 1 ? ("text" as const) : ("externalMessage" as never);
      },
      text: "hi",
    };
    expect(toTurnInput(lone)).toEqual({ input: [{ type: "text", text: "hi" }] });
    expect([urlReads, typeReads]).toEqual([1, 1]);
    // A type read as none is none, whatever a second read would say.
    let shiftyReads = 0;
    const shifty = {
      get type() {
        shiftyReads += 1;
        return shiftyReads === 1 ? undefined : ("text" as const);
      },
      text: "hi",
    };
    expect(() => toTurnInput(shifty as never)).toThrow("object without a type");
    expect(shiftyReads).toBe(1);
  });
});
