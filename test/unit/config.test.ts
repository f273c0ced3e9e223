import { describe, expect, it } from "vitest";
import { CodexConfig } from "../../src/config.js";
import { Secrets, type VariableLookup } from "../../src/internal/redact.js";
import { Connection } from "../../src/rpc/connection.js";
import { FakeTransport } from "../support/fake-transport.js";

function setup(variables: VariableLookup = () => []) {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  const secrets = new Secrets();
  const storeReads: unknown[] = [];
  const config = new CodexConfig(
    connection,
    secrets,
    variables,
    async (call) => void storeReads.push(call),
  );
  return { transport, secrets, config, storeReads };
}

/** A value nested `depth` objects deep. */
const nested = (depth: number): object => (depth === 0 ? {} : { a: nested(depth - 1) });

describe("CodexConfig.write", () => {
  it("rejects a value JSON would turn into null (which removes the key) before any I/O", async () => {
    const { transport, config } = setup();
    await expect(config.write("model_context_window", Number.NaN)).rejects.toThrow(
      /^edit\.value must be a finite number, got NaN$/,
    );
    await expect(config.write("tools", { web_search: true, x: Infinity } as never)).rejects.toThrow(
      /^edit\.value\.x must be a finite number/,
    );
    await expect(
      config.batchWrite([{ keyPath: "a", value: { when: new Date() } as never }]),
    ).rejects.toThrow(/^edits\[0\]\.value\.when must be a plain object or an array, got a Date$/);
    await expect(config.write("tui.x", 1, { mergeStrategy: "merge" as never })).rejects.toThrow(
      'mergeStrategy must be "replace" or "upsert", got "merge"',
    );
    expect(transport.sent).toHaveLength(0);
  });

  it("refuses a batch whose later edit would overrule an earlier one, before any I/O", async () => {
    const { transport, config } = setup();
    await expect(
      config.batchWrite([
        { keyPath: "model_verbosity", value: "low" },
        { keyPath: "tui.theme", value: "light" },
        { keyPath: "model_verbosity", value: "high" },
      ]),
    ).rejects.toThrow(
      new TypeError(
        "edits[0] and edits[2] both write model_verbosity, the later overruling the earlier: give one",
      ),
    );
    await expect(
      config.batchWrite([
        { keyPath: 'tui."a.b".theme', value: "light" },
        { keyPath: 'tui."a.b"', value: { alternate_screen: "never" } },
      ]),
    ).rejects.toThrow(
      new TypeError(
        'edits[1] replaces tui."a.b", which holds the key edits[0] wrote before it: give that key inside it, or write it after',
      ),
    );
    // A table upserted over one written before overrules what both give.
    await expect(
      config.batchWrite([
        { keyPath: "a", value: { b: { c: 1 }, d: 1 } },
        { keyPath: "a", value: { b: { c: 2 } }, mergeStrategy: "upsert" },
      ]),
    ).rejects.toThrow("edits[0] and edits[1] both write a, the later overruling the earlier");
    // However the key is spelt: inside a table one edit gives whole, or at its own path.
    await expect(
      config.batchWrite([
        { keyPath: "tui", value: { theme: "light", alternate_screen: "never" } },
        { keyPath: "tui.theme", value: "dark" },
      ]),
    ).rejects.toThrow(
      new TypeError(
        "edits[1] writes tui.theme, which edits[0] gave in tui before it, the later overruling the earlier: give one",
      ),
    );
    await expect(
      config.batchWrite([
        { keyPath: "tui.theme", value: "light" },
        { keyPath: "tui", value: { theme: "dark" }, mergeStrategy: "upsert" },
      ]),
    ).rejects.toThrow(
      new TypeError(
        "edits[1] gives tui.theme in tui, which edits[0] wrote before it, the later overruling the earlier: give one",
      ),
    );
    // A value that is no table, on the way to the key, replaces it.
    await expect(
      config.batchWrite([
        { keyPath: "a.b.c", value: 1 },
        { keyPath: "a", value: { b: 2 }, mergeStrategy: "upsert" },
      ]),
    ).rejects.toThrow("edits[1] gives a.b.c in a, which edits[0] wrote before it");
    await expect(
      config.batchWrite([
        { keyPath: "a", value: 5 },
        { keyPath: "a.b", value: 1 },
      ]),
    ).rejects.toThrow("edits[1] writes a.b, which edits[0] gave in a before it");
    expect(transport.sent).toHaveLength(0);
    // A table merged into, or written before a key inside it, loses nothing.
    for (const edits of [
      [
        { keyPath: "tui.theme", value: "light" },
        { keyPath: "tui", value: { alternate_screen: "never" }, mergeStrategy: "upsert" as const },
      ],
      [
        { keyPath: "tui", value: { alternate_screen: "never" } },
        { keyPath: "tui.theme", value: "light" },
      ],
      [
        { keyPath: 'a."b.c"', value: 1 },
        { keyPath: "a.b.c", value: 2 },
      ],
      // A table removed, then a key of it written anew; keys of a table given apart.
      [
        { keyPath: "tui", value: null },
        { keyPath: "tui.theme", value: "light" },
      ],
      [
        { keyPath: "tui", value: { theme: { name: "x" } } },
        { keyPath: "tui.theme.size", value: 2 },
      ],
      [
        { keyPath: "mcp_servers.docs", value: { url: "https://x" } },
        {
          keyPath: "mcp_servers.docs",
          value: { startup_timeout_sec: 5 },
          mergeStrategy: "upsert" as const,
        },
      ],
    ]) {
      const count = transport.sent.length + 1;
      const written = config.batchWrite(edits);
      const sent = await transport.waitForSent(count);
      expect(sent).toMatchObject({ method: "config/batchWrite" });
      transport.deliver({ id: sent.id, error: { code: -32600, message: "not here" } });
      await expect(written).rejects.toThrow("not here");
    }
  });

  it("refuses integers past 2^53 and lone surrogates, naming their path, before any I/O", async () => {
    const { transport, config } = setup();
    // 2^53 + 2 would be written as it is, though not what was meant; 1e21 JSON writes as 1e+21,
    // which the runtime refuses as a float where it wants an integer.
    for (const value of [2 ** 53 + 2, 1e21, -(2 ** 60)]) {
      await expect(config.write("model_context_window", value)).rejects.toThrow(
        /^edit\.value must be an integer between -\(2\^53-1\) and 2\^53-1/,
      );
    }
    await expect(config.write("profiles", { p: { model: "m\ud800" } } as never)).rejects.toThrow(
      /^edit\.value\.p\.model holds a lone surrogate/,
    );
    await expect(config.write("model\udc00", "m")).rejects.toThrow(
      /^edit\.keyPath holds a lone surrogate/,
    );
    await expect(config.write("model", "m", { filePath: "/x\ud800" })).rejects.toThrow(
      /^filePath holds a lone surrogate/,
    );
    await expect(config.read({ cwd: "\udfff" })).rejects.toThrow(/^cwd holds a lone surrogate/);
    await expect(config.read({ cwd: "/w\0" })).rejects.toThrow(
      new TypeError("cwd contains a NUL character, which no path can hold"),
    );
    expect(transport.sent).toHaveLength(0);
    // A fraction, or a whole number within 2^53, goes through.
    void config.write("x", { ratio: 0.5, big: 2 ** 53 - 1 } as never);
    expect(await transport.waitForSent(1)).toMatchObject({ method: "config/value/write" });
  });

  it("reads where the server keeps credentials before an edit of that key, and only then", async () => {
    const { transport, config, storeReads } = setup();
    const plain = config.write("model", "m");
    const first = await transport.waitForSent(1);
    expect(storeReads).toEqual([]);
    transport.deliver({ id: first.id, result: {} });
    await plain;
    const edits = [
      { keyPath: "model", value: "m" },
      { keyPath: '"cli_auth_credentials_store"', value: "file" },
    ];
    const store = config.batchWrite(edits, { timeout: 5000 });
    const second = await transport.waitForSent(2);
    expect(storeReads).toEqual([{ timeout: 5000 }]);
    expect(second).toMatchObject({ method: "config/batchWrite" });
    transport.deliver({ id: second.id, result: {} });
    await store;
  });

  it("refuses key paths and values the runtime refuses or cannot nest, and holes, before any I/O", async () => {
    const { transport, config } = setup();
    for (const keyPath of ["a..b", ".model", "model."]) {
      await expect(config.write(keyPath, 1)).rejects.toThrow(
        `edit.keyPath must not have an empty segment, got ${JSON.stringify(keyPath)}`,
      );
    }
    for (const keyPath of [
      "features . web_search",
      " model",
      "model ",
      "a.\tb",
      'projects."/tmp/x". trust_level',
      'projects ."/tmp/y".trust_level',
      "a. .b",
    ]) {
      await expect(config.write(keyPath, 1)).rejects.toThrow(
        `edit.keyPath has white space around a segment, which the runtime would keep in the key`,
      );
    }
    await expect(config.write("   ", 1)).rejects.toThrow(
      "edit.keyPath must be a non-empty string, got only white space",
    );
    // Deep enough to break config.toml (or, as one line, to go unread by the runtime).
    await expect(config.write(Array(64).fill("k").join("."), 1)).rejects.toThrow(
      "edit.keyPath has more segments than config.toml can nest",
    );
    await expect(config.write("x", nested(130) as never)).rejects.toThrow(
      /^edit\.value(\.a)+ nests too deep: the SDK sends at most 64 levels of JSON in all /,
    );
    await expect(config.write("a.b.c", nested(61) as never)).rejects.toThrow(/nests too deep/);
    // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
    const edits = [, { keyPath: "model", value: "m" }] as { keyPath: string; value: string }[];
    await expect(config.batchWrite(edits)).rejects.toThrow(
      "edits[0] must be an object, got undefined",
    );
    expect(transport.sent).toHaveLength(0);
    void config.write("a.b.c", nested(60) as never);
    expect(await transport.waitForSent(1)).toMatchObject({ method: "config/value/write" });
    // White space inside a bare segment, or quoted (even alone), is the key's own.
    void config.write("mcp_servers.my server.command", "x");
    void config.write('mcp_servers." padded ".command', "x");
    void config.write('tui." ".b', 1);
    expect(await transport.waitForSent(3)).toMatchObject({
      params: { keyPath: 'mcp_servers." padded ".command' },
    });
    expect(await transport.waitForSent(4)).toMatchObject({ params: { keyPath: 'tui." ".b' } });
  });

  it("refuses a variable an environment table would set under another name, before any I/O", async () => {
    const { transport, config } = setup();
    await expect(
      config.write("shell_environment_policy.set", { "FOO=inj": "rest" }),
    ).rejects.toThrow(
      /^edit\.value at shell_environment_policy\.set key "FOO" \+ "=\.\.\." is no variable name/,
    );
    await expect(
      config.batchWrite([{ keyPath: 'mcp_servers.s.env."K"', value: "a\u0000" }]),
    ).rejects.toThrow("edits[0].value at mcp_servers.s.env.K must not contain NUL characters");
    await expect(config.write("mcp_servers", { s: { env: { "=x": "" } } })).rejects.toThrow(
      /^edit\.value at mcp_servers\.s\.env key "" \+ "=\.\.\." is no variable name/,
    );
    expect(transport.sent).toHaveLength(0);
  });

  it("redacts a credential it writes, which the runtime quotes when it cannot use it", async () => {
    const { transport, secrets, config } = setup();
    const token = "Authorization: Bearer sk-config-secret-0123";
    void config.write("model_providers.mock.http_headers", token);
    void config.batchWrite([
      {
        keyPath: "mcp_servers.docs",
        value: { env: { API_KEY: "env-secret-value-0123", MODE: "production" }, cmd: "npx docs" },
      },
    ]);
    await transport.waitForSent(2);
    expect(secrets.text(`invalid type: string "${token}"`)).toBe(
      'invalid type: string "[redacted]"',
    );
    expect(secrets.text("env-secret-value-0123 and npx docs in production")).toBe(
      "[redacted] and npx docs in production",
    );
  });

  it("redacts what the server's variables hold that a written config names as a credential's", async () => {
    const values: Record<string, string> = {
      GATEWAY: "gateway-secret-0123",
      MCP_BEARER: "mcp-bearer-secret-0123",
      HEADER_VAR: "header-secret-0123",
    };
    const asked: string[][] = [];
    const { transport, secrets, config } = setup((names) => {
      asked.push([...names]);
      return names.flatMap((name) => (values[name] === undefined ? [] : [values[name]]));
    });
    void config.write("model_providers.gw.env_key", "GATEWAY");
    void config.batchWrite([
      {
        keyPath: "mcp_servers.docs",
        value: { url: "https://docs.example/mcp", bearer_token_env_var: "MCP_BEARER" },
      },
      { keyPath: "model_providers.gw.env_http_headers", value: { "X-Key": "HEADER_VAR" } },
    ]);
    await transport.waitForSent(2);
    expect(asked).toEqual([["GATEWAY"], ["MCP_BEARER"], ["HEADER_VAR"]]);
    expect(secrets.text(`${values.GATEWAY} ${values.MCP_BEARER} ${values.HEADER_VAR}`)).toBe(
      "[redacted] [redacted] [redacted]",
    );
    // The names themselves stay, as the runtime's errors name a variable it misses.
    expect(secrets.text("GATEWAY is not set")).toBe("GATEWAY is not set");
  });

  it("reads quoted segments of a key path as the runtime does, redaction included", async () => {
    const { transport, secrets, config } = setup();
    const token = "Authorization: Bearer sk-config-secret-0123";
    void config.write('model_providers.mock."http_headers"', token);
    void config.write('mcp_servers."a..b".command', "npx");
    void config.write('mcp_servers."x\\".y".env', "env-secret-value-0123");
    await transport.waitForSent(3);
    expect(secrets.text(`${token} env-secret-value-0123`)).toBe("[redacted] [redacted]");
    await expect(config.write('mcp_servers."open.command', "npx")).rejects.toThrow(
      `edit.keyPath leaves a quote open, got "mcp_servers.\\"open.command"`,
    );
    await expect(config.write('mcp_servers."".command', "npx")).rejects.toThrow(
      "must not have an empty segment",
    );
    // The runtime refuses a quote that opens inside a segment, or twice in one.
    for (const keyPath of ['tui.zz"a"', 'tui."a""b"', 'tui.a"b"c']) {
      await expect(config.write(keyPath, "x")).rejects.toThrow(
        `edit.keyPath quotes a segment other than from its start, or twice, which the runtime refuses`,
      );
    }
    expect(transport.sent).toHaveLength(3);
    // Bare text after a quoted part joins it, as the runtime reads it (`"a"zz` is `azz`).
    void config.write('model_providers.mock."bearer"_token', "env-secret-value-4567");
    await transport.waitForSent(4);
    expect(secrets.text("env-secret-value-4567")).toBe("[redacted]");
  });

  it("leaves out a table's null member, refuses a null in an array, removes the key for a whole null", async () => {
    const { transport, config } = setup();
    await expect(config.batchWrite([{ keyPath: "a", value: [1, null] as never }])).rejects.toThrow(
      "edits[0].value[1] must not be null: TOML has no null",
    );
    await expect(config.write("x", { list: [{ a: 1 }, [null]] } as never)).rejects.toThrow(
      "edit.value.list[1][0] must not be null",
    );
    expect(transport.sent).toHaveLength(0);
    // As config.read() gives a table: its keys not set are null.
    const read = {
      url: "http://127.0.0.1:9/mcp",
      tool_timeout_sec: null,
      http_headers: { A: "b", C: null },
      tools: [{ name: "t", timeout: null }],
      ["__proto__"]: null,
    };
    void config.write("mcp_servers.docs", { ...read, enabled: false } as never);
    const sent = await transport.waitForSent(1);
    expect(sent.params).toEqual({
      keyPath: "mcp_servers.docs",
      value: {
        url: "http://127.0.0.1:9/mcp",
        http_headers: { A: "b" },
        tools: [{ name: "t" }],
        enabled: false,
      },
      mergeStrategy: "replace",
    });
    void config.write("model", null);
    expect(await transport.waitForSent(2)).toMatchObject({
      params: { keyPath: "model", value: null },
    });
  });

  it("sends what it checked: each field of an edit read once, its value copied", async () => {
    const { transport, config } = setup();
    let reads = 0;
    const edit = {
      keyPath: "model",
      // Read again, it would go out as null, which removes the key.
      get value() {
        return ++reads === 1 ? { name: "gpt-5" } : Number.NaN;
      },
    };
    void config.batchWrite([edit as never]);
    expect(await transport.waitForSent(1)).toMatchObject({
      params: { edits: [{ keyPath: "model", value: { name: "gpt-5" } }] },
    });
    expect(reads).toBe(1);
  });
});

describe("answers the server gets wrong", () => {
  it("hands on a config/read or skills/list answer of an unexpected shape, without throwing", async () => {
    const { listSkills } = await import("../../src/skills.js");
    for (const layers of [5, "x", [null, 3, { name: "user" }], { length: 1 }]) {
      const { transport, config } = setup();
      transport.answerAlways("config/read", { config: {}, origins: {}, layers });
      await expect(config.read({ includeLayers: true })).resolves.toMatchObject({ config: {} });
    }
    for (const data of [5, [null, 3, { skills: 7 }, { skills: [null, 4, { interface: 5 }] }]]) {
      const transport = new FakeTransport();
      const connection = new Connection(transport);
      transport.answerAlways("skills/list", { data });
      await expect(listSkills(connection, undefined)).resolves.toEqual({ data });
    }
  });
});
