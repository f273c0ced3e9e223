import { describe, expect, it } from "vitest";
import { configArgs, readOverride, type ConfigValue } from "../../src/internal/toml.js";

/** The error `configArgs` throws for these overrides (it fails the test when none is thrown). */
function configError(overrides: unknown): Error {
  try {
    configArgs(overrides);
  } catch (err) {
    return err as Error;
  }
  throw new Error("configArgs did not throw");
}

describe("configArgs", () => {
  it("writes safe integers as integers and fractions as floats that read back the same", () => {
    expect(
      configArgs({ a: 9007199254740991, b: -9007199254740991, c: 0.1, d: 1.5e-7, e: -0 }),
    ).toEqual([
      "--config",
      "a=9007199254740991",
      "--config",
      "b=-9007199254740991",
      "--config",
      "c=0.1",
      "--config",
      "d=1.5e-7",
      "--config",
      "e=0",
    ]);
  });

  it("writes a pair whose key starts with a hyphen on to the option, where it cannot be one", () => {
    expect(configArgs({ "-x": 1, y: -1 })).toEqual(["--config=-x=1", "--config", "y=-1"]);
    expect(configArgs(["-x=1", " -y=2"])).toEqual(["--config=-x=1", "--config", " -y=2"]);
  });

  it("refuses a key=value whose key has an empty segment or one with white space around it", () => {
    for (const pair of [
      "sandbox_workspace_write. network_access=true",
      "a .b=1",
      "a..b=1",
      ".a=1",
    ]) {
      const key = JSON.stringify(pair.slice(0, pair.indexOf("=")).trim());
      expect(() => configArgs([pair])).toThrow(
        new TypeError(
          `configOverrides[0] (key ${key}) must be dot-separated names, none empty, with white ` +
            "space around it or holding a `: ` (a key: value line): the runtime would read it as " +
            "written, a setting it does not know",
        ),
      );
    }
    // The key itself may have white space around it: the runtime trims it.
    expect(configArgs([" model = o3"])).toEqual(["--config", " model = o3"]);
    // No value: the runtime would take the empty string (a model named "", say).
    for (const pair of ["model=", "model= \t"]) {
      expect(() => configArgs(["a=1", pair])).toThrow(
        new TypeError(
          'configOverrides[1] (key "model") has no value: write key="" for an empty string',
        ),
      );
    }
    expect(configArgs(['model=""'])).toEqual(["--config", 'model=""']);
  });

  it("rejects whole numbers past 2^53, which the runtime would read as another number or a string", () => {
    for (const n of [2 ** 53, 1e19, -1e19, 1e21, Number.MAX_VALUE]) {
      const err = configError({ model_context_window: n });
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toMatch(/^configOverrides\.model_context_window must be an integer/);
    }
  });

  it("rejects a string with a lone surrogate, which the command line would turn into U+FFFD", () => {
    expect(configError({ a: { model: "a\uD800b" } }).message).toMatch(
      /^configOverrides\.a\.model must be well-formed Unicode/,
    );
    expect(configError({ ["mod\uDC00el"]: "x" }).message).toMatch(/lone surrogates/);
    expect(configError(['model="a\uD800b"']).message).toMatch(
      /^configOverrides\[0\] \(key "model"\) must be well-formed Unicode/,
    );
    expect(configArgs({ model: "emoji 😀" })).toEqual(["--config", 'model="emoji 😀"']);
  });

  it("rejects objects that are not plain, naming the path, instead of writing {} or their fields", () => {
    class Settings {
      readonly web_search = true;
    }
    const cases: Array<[unknown, RegExp]> = [
      [{ tools: new Date() }, /^configOverrides\.tools must be a plain object, got a Date$/],
      [
        { a: { b: new Map([["c", 1]]) } },
        /^configOverrides\.a\.b must be a plain object, got a Map$/,
      ],
      [
        { tools: new Settings() },
        /^configOverrides\.tools must be a plain object, got a Settings$/,
      ],
      [new Map(), /^configOverrides must be an array or a plain object, got a Map$/],
    ];
    for (const [overrides, message] of cases) {
      const err = configError(overrides);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(message);
    }
    expect(configArgs({ tools: Object.assign(Object.create(null), { web_search: true }) })).toEqual(
      ["--config", "tools.web_search=true"],
    );
  });

  it("writes a table inside an array as an inline table (an array of tables, as hooks take)", () => {
    const hooks: ConfigValue = {
      UserPromptSubmit: [
        { matcher: "*", hooks: [{ type: "command", command: "check", timeout: 5 }] },
      ],
    };
    expect(configArgs({ hooks })).toEqual([
      "--config",
      'hooks.UserPromptSubmit=[{ matcher = "*", hooks = [{ type = "command", command = "check", timeout = 5 }] }]',
    ]);
    const nested: ConfigValue = {
      roots: [
        ["/a", "/b"],
        [1, true],
      ],
    };
    expect(configArgs({ nested })).toEqual(["--config", 'nested.roots=[["/a", "/b"], [1, true]]']);
    // An object that is no table, and a table that holds itself, are refused naming the place.
    expect(configError({ list: [new Date(0)] } as never).message).toBe(
      "configOverrides.list[0] must be a plain object, got a Date",
    );
    const looped: Record<string, unknown> = {};
    looped.again = [looped];
    expect(configError({ list: [looped] } as never).message).toMatch(/contains itself/);
  });

  it("rejects keys with control characters, which are written unquoted", () => {
    for (const key of ["mod\0el", "a\nb", "a\u007fb"]) {
      expect(configError({ [key]: "x" })).toBeInstanceOf(TypeError);
    }
  });

  it("takes U+0085 for the white space the runtime trims a key of, never another key", () => {
    // Unquoted, "\u0085model" would be read as model, and "k\u0085" as k.
    expect(configError({ "\u0085model": "other-model" })).toBeInstanceOf(TypeError);
    expect(configArgs({ zz: { "k\u0085": 1 } })).toEqual(["--config", 'zz={ "k\u0085" = 1 }']);
  });

  it("writes a table with a key the runtime would split (a dot, =, a space) or that needs quotes as one inline table", () => {
    // Dotted, projects./tmp/my.app.trust_level would set {"/tmp/my": {...}}, the trust lost.
    expect(
      configArgs({
        projects: {
          "/tmp/my.app": { trust_level: "trusted", notes: { "a b": ["x"] } },
          "/srv/plain": { trust_level: "untrusted" },
        },
      }),
    ).toEqual([
      "--config",
      'projects={ "/tmp/my.app" = { trust_level = "trusted", notes = { "a b" = ["x"] } }, ' +
        '"/srv/plain" = { trust_level = "untrusted" } }',
    ]);
    // So does one whose key holds a control character, which only a quoted key can carry.
    expect(configArgs({ shell_environment_policy: { set: { "A\u0001B": "x" } } })).toEqual([
      "--config",
      'shell_environment_policy.set={ "A\\u0001B" = "x" }',
    ]);
    // A key of such a table given apart: one pair would overrule the other, in either order.
    for (const overrides of [
      { "projects./srv/c.trust_level": "untrusted", projects: { "/p.q": {} } },
      { projects: { "/p.q": {} }, "projects./srv/c.trust_level": "untrusted" },
    ]) {
      expect(configError(overrides).message).toBe(
        "configOverrides gives projects as a whole table and projects./srv/c.trust_level apart, " +
          "of which the later would overrule the other: give projects./srv/c.trust_level inside projects",
      );
    }
    // One setting given twice, or a value with a key under it: one pair would overrule the other.
    expect(
      configError({
        sandbox_workspace_write: { network_access: true },
        "sandbox_workspace_write.network_access": false,
      }).message,
    ).toBe(
      "configOverrides gives sandbox_workspace_write.network_access twice (as a dotted key and " +
        "within a table), of which the later would overrule the other: give it once",
    );
    expect(configError({ a: { b: { "c.d": 1 }, x: 1 }, "a.b": 3 }).message).toMatch(
      /^configOverrides gives a\.b twice/,
    );
    expect(configError({ "a.b": 3, a: { b: { c: 1 } } }).message).toBe(
      "configOverrides gives a.b a value and a.b.c under it, which the runtime cannot both take: " +
        "give one",
    );
    const cyclic: Record<string, unknown> = { "x.y": 1 };
    cyclic.self = cyclic;
    expect(configError({ t: cyclic }).message).toBe('configOverrides.t["self"] contains itself');
    expect(configError({ t: { "a.b": 1, "": 2 } }).message).toBe(
      "configOverrides.t has a key that is empty or holds a lone surrogate",
    );
    // A dotted key at the top is a path, as on the command line.
    expect(configArgs({ "projects.web.trust_level": "trusted", a: { b: 1 } })).toEqual([
      "--config",
      'projects.web.trust_level="trusted"',
      "--config",
      "a.b=1",
    ]);
  });

  it("refuses a variable an environment table would set under another name, or could not set", () => {
    const misnamed =
      'is no variable name: it must be non-empty and hold no "=" or NUL (a process would get ' +
      "the variable named by what comes before it)";
    const cases: Array<[Record<string, unknown>, string]> = [
      // The process would get FOO, set to "inj=rest", and a filter of names would be passed by.
      [
        { shell_environment_policy: { set: { "FOO=inj": "rest" } } },
        `configOverrides shell_environment_policy.set key "FOO" + "=..." ${misnamed}`,
      ],
      [
        { "mcp_servers.s": { command: "x", env: { "LD_PRELOAD=/x.so": "" } } },
        `configOverrides mcp_servers.s.env key "LD_PRELOAD" + "=..." ${misnamed}`,
      ],
      // Every command would fail to spawn, naming neither the key nor the setting.
      [
        { shell_environment_policy: { set: { TOKEN: "a\u0000b" } } },
        "configOverrides shell_environment_policy.set.TOKEN must not contain NUL characters: " +
          "no command could be spawned with it",
      ],
    ];
    for (const [overrides, message] of cases) {
      expect(() => configArgs(overrides)).toThrow(new TypeError(message));
    }
    // Any other name is the table's own, dots and control characters included.
    expect(
      configArgs({ shell_environment_policy: { set: { "A.B": "x", "A\u0001B": "y" } } }),
    ).toHaveLength(2);
  });

  it("rejects array pairs with control characters, naming the key and never the value", () => {
    const secret = "sk-live-SECRET";
    for (const pair of [
      `model="${secret}"\nmodel_context_window=5`,
      `model="${secret}"\r`,
      `model="${secret}\0"`,
      `model="${secret}\u001b"`,
    ]) {
      const err = configError([pair]);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/^configOverrides\[0\] \(key "model"\) must not contain control/);
      expect(err.message).not.toContain(secret);
    }
    expect(configArgs(['developer_instructions="a\tb\\nc"'])).toEqual([
      "--config",
      'developer_instructions="a\tb\\nc"',
    ]);
    expect(configError([" =x"]).message).toMatch(/key=value/);
  });
});

describe("readOverride", () => {
  it("reads a pair as codex --config does a plain word: first =, trimmed, unquoted", () => {
    const cases: Array<[string, string, string]> = [
      ["a=b", "a", "b"],
      [" a . b = c ", "a . b", "c"],
      ['k="x=y"', "k", "x=y"],
      ["k='lit\\eral'", "k", "lit\\eral"],
      ['k = "v" # note', "k", "v"],
      ["k = 'v'#note", "k", "v"],
      // Not TOML: the runtime falls back to the text without its surrounding quotes.
      ['k="unterminated', "k", "unterminated"],
      ['k="v" trailing', "k", 'v" trailing'],
      ['k="""multi"""', "k", "multi"],
      ["k=ephemeral", "k", "ephemeral"],
      // As the runtime trims: U+0085 too, but not a byte order mark (unlike String#trim).
      ["\u0085cli_auth_credentials_store\u0085=file", "cli_auth_credentials_store", "file"],
      [
        "\ufeffcli_auth_credentials_store=file\ufeff",
        "\ufeffcli_auth_credentials_store",
        "file\ufeff",
      ],
    ];
    for (const [pair, key, text] of cases) {
      expect(readOverride(pair), pair).toEqual({ key, text });
    }
  });
});
