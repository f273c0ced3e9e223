import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import {
  CODEX_OPTION_NAMES,
  checkConnectionOptions,
  launchFor,
  type CodexOptions,
  type OptOutMethod,
} from "../../src/launch.js";
import { checkHeaders } from "../../src/internal/validate.js";
import { checkCodexBin, locateRuntime } from "../../src/runtime.js";

const SECRET = "sk-live-SECRET-0123456789";
// An existing file, so launchFor gets past the binary check without spawning anything.
const BIN = process.execPath;

/** The error `launchFor` throws for these options (it fails the test when none is thrown). */
function launchError(options: CodexOptions): Error {
  try {
    launchFor(options);
  } catch (err) {
    return err as Error;
  }
  throw new Error("launchFor did not throw");
}

describe("launchFor", () => {
  it("reads each env value once, so the child gets what was checked", () => {
    let reads = 0;
    const env = {
      get SERVICE_TOKEN(): string {
        reads++;
        return reads === 1 ? "checked-token-value" : `${SECRET}\0`;
      },
      UNSET_ME: undefined,
    };
    const { launch, secrets } = launchFor({ codexBin: BIN, env, inheritEnv: false });
    expect(launch.env.SERVICE_TOKEN).toBe("checked-token-value");
    expect(Object.hasOwn(launch.env, "UNSET_ME")).toBe(true);
    expect(launch.env.UNSET_ME).toBeUndefined();
    expect(reads).toBe(1);
    expect(secrets).toEqual(["checked-token-value"]);

    // A variable named __proto__ is one more variable, and so is a header of that name.
    const named = JSON.parse('{"__proto__": "kept"}') as Record<string, string>;
    for (const inheritEnv of [false, true]) {
      const { launch: own } = launchFor({ codexBin: BIN, env: named, inheritEnv });
      expect(Object.getOwnPropertyDescriptor(own.env, "__proto__")?.value).toBe("kept");
    }
    expect(Object.hasOwn(checkHeaders(named, "headers"), "__proto__")).toBe(true);
  });

  it("names the options that put a credential on the command line, which any local user reads", () => {
    const exposed = (options: CodexOptions) =>
      launchFor({ codexBin: BIN, inheritEnv: false, ...options }).exposed;
    const provider = { name: "gw", base_url: "http://127.0.0.1:9/v1" };
    expect(
      exposed({
        configOverrides: {
          model_providers: { gw: { ...provider, experimental_bearer_token: SECRET } },
        },
      }),
    ).toEqual(["configOverrides"]);
    expect(exposed({ baseUrl: `https://user:${SECRET}@gw.example/v1` })).toEqual(["baseUrl"]);
    expect(
      launchFor({ launchArgs: [BIN, "--config", `mcp_servers.x.bearer_token="${SECRET}"`] })
        .exposed,
    ).toEqual(["launchArgs"]);
    // Set as a variable by a wrapper on the command line: on it too, and redacted.
    const wrapped = launchFor({
      launchArgs: ["/usr/bin/env", "LANG=C", `OPENAI_API_KEY=${SECRET}`, BIN, "app-server"],
    });
    expect([wrapped.exposed, wrapped.secrets]).toEqual([["launchArgs"], [SECRET]]);
    expect(launchFor({ launchArgs: ["/usr/bin/env", "LANG=C", BIN] }).exposed).toEqual([]);
    // systemd-run's `--setenv NAME` passes the caller's own value on: the next word is no value,
    // run inside bwrap too.
    const passed = ["systemd-run", "--setenv", "OPENAI_API_KEY", BIN, "app-server"];
    expect(launchFor({ launchArgs: passed, inheritEnv: false }).secrets).toEqual([]);
    const inBwrap = ["bwrap", "--ro-bind", "/", "/", ...passed];
    expect(launchFor({ launchArgs: inBwrap, inheritEnv: false })).toMatchObject({
      secrets: [],
      exposed: [],
    });
    // A literal URL password in a script's single quotes, `$` and all, is redacted as written.
    const quoted = "curl -s 'https://user:pa$sword123456@vault.example/k' && exec codex";
    expect(launchFor({ launchArgs: ["/bin/sh", "-c", quoted], inheritEnv: false })).toMatchObject({
      secrets: expect.arrayContaining(["pa$sword123456"]),
      exposed: ["launchArgs"],
    });
    // Docker's forms, and a shell's script: the key alone is redacted.
    for (const launchArgs of [
      ["docker", "run", `--env=OPENAI_API_KEY=${SECRET}`, "img", BIN],
      ["docker", "run", `-eOPENAI_API_KEY=${SECRET}`, "img", BIN],
      ["/bin/bash", "-lc", `LANG=C OPENAI_API_KEY='${SECRET}' exec ${BIN} app-server`],
      ["/bin/sh", "-c", `OPENAI_API_KEY=${SECRET} exec ${BIN} app-server`],
      // systemd-run's and bubblewrap's forms.
      ["systemd-run", "--user", `--setenv=OPENAI_API_KEY=${SECRET}`, BIN, "app-server"],
      ["bwrap", "--ro-bind", "/", "/", "--setenv", "OPENAI_API_KEY", SECRET, BIN, "app-server"],
      // A URL's first query parameter, in a word or a script.
      ["proxy-run", `--via=https://proxy.example/?token=${SECRET}`, BIN, "app-server"],
      ["/bin/sh", "-c", `curl -s "https://vault.example/k?token=${SECRET}" && exec ${BIN}`],
      // A wrapper's prefixed form in a script, or after ssh.
      ["/bin/sh", "-c", `systemd-run --user --setenv=OPENAI_API_KEY=${SECRET} codex app-server`],
      ["ssh", "host", "docker", "run", `--env=OPENAI_API_KEY=${SECRET}`, "img", "codex"],
      ["ssh", "host", "systemd-run", `--setenv=OPENAI_API_KEY=${SECRET}`, "codex"],
    ]) {
      const found = launchFor({ launchArgs });
      expect(found.exposed, launchArgs[2]).toEqual(["launchArgs"]);
      expect(found.secrets, launchArgs[2]).toContain(SECRET);
    }
    // A key the shell reads as it runs the script is not on the command line.
    for (const script of [
      'OPENAI_API_KEY="$(cat ~/.openai-key)" exec codex app-server',
      "OPENAI_API_KEY=`cat ~/.openai-key` exec codex app-server",
      'OPENAI_API_KEY="${KEY_FROM_VAULT}" exec codex app-server',
      'curl -s "https://vault.example/k?token=$VAULT_TOKEN" && exec codex app-server',
      'curl -s "https://user:$VAULT_PASSWORD@vault.example/k" && exec codex app-server',
    ]) {
      for (const shell of ["-c", "-lc"]) {
        expect(launchFor({ launchArgs: ["/bin/sh", shell, script] }).exposed, script).toEqual([]);
      }
    }
    // A credential given in env, which the config names, is not on it.
    expect(
      exposed({
        env: { GW_KEY: SECRET },
        configOverrides: { model_providers: { gw: { ...provider, env_key: "GW_KEY" } } },
        baseUrl: "https://gw.example/v1",
      }),
    ).toEqual([]);
  });

  it("holds as secrets the variables the config names as a credential's, inherited ones too, whatever their names", () => {
    const other = "not-a-credential-value";
    const inherited = `${SECRET}-inherited`;
    process.env.SDK_TEST_GATEWAY = inherited;
    try {
      const { secrets } = launchFor({
        codexBin: BIN,
        env: { GATEWAY: SECRET, OTHER: other, SHORT: "abc" },
        configOverrides: {
          "model_providers.gw.env_key": "GATEWAY",
          "model_providers.gw.env_http_headers": { "X-Key": "SDK_TEST_GATEWAY", "X-No": "SHORT" },
          "mcp_servers.x.bearer_token_env_var": "OTHER_MISSING",
        },
      });
      expect(secrets).toEqual(expect.arrayContaining([SECRET, inherited]));
      // A header's value, as env_http_headers takes it: its credential after the scheme too.
      const header = launchFor({
        codexBin: BIN,
        env: { GATEWAY_HEADER: `Bearer ${SECRET}-header` },
        configOverrides: { "model_providers.gw.env_http_headers": { "X-Key": "GATEWAY_HEADER" } },
      }).secrets;
      expect(header).toEqual(
        expect.arrayContaining([`Bearer ${SECRET}-header`, `${SECRET}-header`]),
      );
      expect(secrets).not.toContain(other);
      expect(secrets).not.toContain("abc");
      // Through launchArgs, and for an MCP server's bearer token variable, the same.
      const args = launchFor({
        launchArgs: [BIN, "-c", 'mcp_servers.x.bearer_token_env_var="OTHER"', "app-server"],
        env: { OTHER: other },
      }).secrets;
      expect(args).toContain(other);
      // A name the config gives as a variable's is no credential of its own.
      expect(args).not.toContain("OTHER");
    } finally {
      delete process.env.SDK_TEST_GATEWAY;
    }
  });

  it("rejects NUL in env, cwd, launchArgs and config pairs, naming the option but not the value", () => {
    const values: Array<[CodexOptions, RegExp]> = [
      [{ codexBin: BIN, env: { OPENAI_API_KEY: `${SECRET}\0` } }, /env\.OPENAI_API_KEY .*NUL/],
      [{ codexBin: BIN, cwd: `/tmp/${SECRET}\0` }, /^cwd .*NUL/],
      [{ launchArgs: ["codex", `--token=${SECRET}\0`] }, /launchArgs\[1\] .*NUL/],
      [
        { codexBin: BIN, configOverrides: [`model_providers.x.token="${SECRET}"\0`] },
        /configOverrides\[0\] \(key "model_providers\.x\.token"\).*NUL/,
      ],
    ];
    for (const [options, named] of values) {
      const err = launchError(options);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(named);
      expect(err.message).not.toContain(SECRET);
    }
    expect(launchError({ codexBin: BIN, inheritEnv: null as never }).message).toBe(
      "inheritEnv must be a boolean, got null",
    );
    // What the child would get as U+FFFD, or with a name cut at its "=", is refused too.
    const changed: Array<[CodexOptions, RegExp]> = [
      [{ codexBin: BIN, env: { TOKEN: `${SECRET}\ud800` } }, /^env\.TOKEN holds a lone surrogate/],
      [{ codexBin: BIN, env: { "A=B": "x" } }, /^env key "A" \+ "=\.\.\." is no variable name/],
      [{ codexBin: BIN, env: { "": "x" } }, /^env key "" is no variable name/],
      // Read by the runtime as unset: it would run on the user's own ~/.codex.
      [
        { codexBin: BIN, env: { CODEX_HOME: "" } },
        /^env\.CODEX_HOME is empty, which the runtime reads as unset, running on ~\/\.codex/,
      ],
      // A whole pair given as a key: named without its value.
      [
        { codexBin: BIN, configOverrides: { [`openai_api_key=${SECRET}`]: true } },
        /^configOverrides key "openai_api_key" \+ "=\.\.\." must be dot-separated/,
      ],
      [{ codexBin: BIN, cwd: "/tmp/\udc00" }, /^cwd holds a lone surrogate/],
      [{ launchArgs: ["codex", "arg\ud800"] }, /^launchArgs\[1\] holds a lone surrogate/],
      [{ codexBin: BIN, apiKey: `${SECRET}\ud800` }, /^apiKey holds a lone surrogate/],
      [{ codexBin: BIN, baseUrl: "https://example.com/v1\ud800" }, /^baseUrl /],
    ];
    for (const [options, named] of changed) {
      const err = launchError(options);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(named);
      expect(err.message).not.toContain(SECRET);
    }
    // A key is a name, not a value: it is shown, with the NUL escaped.
    expect(launchError({ codexBin: BIN, env: { "A\0B": "x" } }).message).toMatch(
      /env key "A\\u0000B" .*NUL/,
    );
    expect(launchError({ codexBin: BIN, configOverrides: { "a\0b": 1 } }).message).toMatch(
      /configOverrides key "a\\u0000b"/,
    );
  });

  it("rejects a config pair whose newline would smuggle in a second setting", () => {
    const err = launchError({
      codexBin: BIN,
      configOverrides: ['model="gpt-x"\nmodel_context_window=5'],
    });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/configOverrides\[0\] \(key "model"\).*newlines/);
    expect(() =>
      launchFor({ codexBin: BIN, configOverrides: ['developer_instructions="a\\nb\tc"'] }),
    ).not.toThrow();
  });

  it("requires launchArgs to be a non-empty array of strings led by a command", () => {
    const cases: Array<[unknown, RegExp]> = [
      ["codex app-server", /launchArgs must be a non-empty array.*got string/],
      [[], /launchArgs must be a non-empty array.*got an array/],
      [["codex", 5], /launchArgs\[1\] must be a string, got number/],
      [["codex", null], /launchArgs\[1\] must be a string, got null/],
      [[""], /launchArgs\[0\], the command to run, must be a non-empty string/],
    ];
    for (const [launchArgs, message] of cases) {
      expect(() => launchFor({ launchArgs: launchArgs as never })).toThrow(message);
    }
    expect(launchFor({ launchArgs: ["node", "-e", ""] }).launch).toMatchObject({
      command: "node",
      args: ["-e", ""],
    });
  });

  it("does not show a baseUrl that may carry a password, and refuses control characters", () => {
    for (const baseUrl of [
      `http://user:${SECRET}@exa mple.com`,
      `http://user:${SECRET}@host:99999`,
      `http://exa\nmple.com/v1?key=${SECRET}`,
    ]) {
      const err = launchError({ codexBin: BIN, baseUrl });
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/^baseUrl /);
      expect(err.message).not.toContain(SECRET);
    }
  });

  it("reads the credential store from a pair as the runtime does: quotes of either kind, spaces around", () => {
    const store = (pair: string) => launchFor({ codexBin: BIN, configOverrides: [pair] });
    for (const pair of [
      'cli_auth_credentials_store="ephemeral"',
      "cli_auth_credentials_store='ephemeral'",
      " cli_auth_credentials_store = ephemeral ",
      'cli_auth_credentials_store = "ephemeral" # in memory',
    ]) {
      expect(store(pair).credentialStore, pair).toBe("memory");
    }
    for (const pair of [
      "cli_auth_credentials_store='file'",
      'cli_auth_credentials_store = "ephemeral-not"',
    ]) {
      expect(store(pair).credentialStore, pair).toBe("config");
    }
    expect(() =>
      launchFor({
        codexBin: BIN,
        apiKey: "sk-test-123",
        configOverrides: [" cli_auth_credentials_store = 'file'"],
      }),
    ).toThrow(/cli_auth_credentials_store to file/);
  });

  it("refuses baseUrl beside an openai_base_url of configOverrides, as one would win unseen", () => {
    for (const configOverrides of [
      ['openai_base_url="https://a.example/v1"'],
      { openai_base_url: "https://a.example/v1" },
    ]) {
      expect(() =>
        launchFor({ codexBin: BIN, baseUrl: "https://b.example/v1", configOverrides }),
      ).toThrow("baseUrl sets openai_base_url, which configOverrides sets too: give the URL once");
    }
  });

  it("spawns a relative codexBin from the directory it was checked in, whatever cwd says", () => {
    const relative = path.relative(process.cwd(), locateRuntime().binary);
    const { launch } = launchFor({ codexBin: relative, cwd: tmpdir() });
    expect(launch.command).toBe(path.resolve(relative));
    expect(path.isAbsolute(launch.command)).toBe(true);
  });
});

describe("checkCodexBin", () => {
  it("returns an absolute path, resolved against this process's working directory", () => {
    const relative = path.relative(process.cwd(), process.execPath);
    expect(checkCodexBin(relative)).toBe(process.execPath);
  });

  it("refuses a directory or a file that cannot be executed, naming codexBin, before any spawn", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-bin-"));
    try {
      const plain = path.join(dir, "codex");
      writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 });
      expect(() => checkCodexBin(dir)).toThrow(`codexBin ${dir} is a directory. Set codexBin`);
      expect(() => checkCodexBin(plain)).toThrow(
        `codexBin ${plain} is not executable (chmod +x). Set codexBin`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names codexBin and the fix for a path the disk cannot read, alike on every Node", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-bin-"));
    try {
      // A loop of links, and a path through a file (which Node 22 and later report as missing
      // where a stat is told not to throw).
      symlinkSync(path.join(dir, "b"), path.join(dir, "a"));
      symlinkSync(path.join(dir, "a"), path.join(dir, "b"));
      expect(() => checkCodexBin(path.join(dir, "a"))).toThrow(
        new RegExp(`^codexBin ${path.join(dir, "a")} cannot be used: ELOOP.*\\. Set codexBin`),
      );
      const through = `${process.execPath}/codex`;
      expect(() => checkCodexBin(through)).toThrow(
        new RegExp(`^codexBin ${through} cannot be used: ENOTDIR.*\\. Set codexBin`),
      );
      expect(() => checkCodexBin(path.join(dir, "missing"))).toThrow(
        `Codex binary not found at ${path.join(dir, "missing")}. Set codexBin`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects what is not a non-empty string before looking at the disk", () => {
    expect(() => checkCodexBin(5)).toThrow(/codexBin must be a non-empty string, got number/);
    expect(() => checkCodexBin("")).toThrow(TypeError);
    expect(() => checkCodexBin(`${process.execPath}\0`)).toThrow(/codexBin .*NUL/);
  });
});

describe("checkConnectionOptions", () => {
  it("checks clientInfo before anything is spawned or dialled", () => {
    const cases: Array<[unknown, RegExp]> = [
      ["me", /clientInfo must be an object, got string/],
      [[], /clientInfo must be an object, got an array/],
      [{ name: 5 }, /clientInfo\.name must be a non-empty string, got number/],
      [{ title: "" }, /clientInfo\.title must be a non-empty string/],
      [{ version: null }, /clientInfo\.version must be a non-empty string, got null/],
      [{ name: "app\ud800" }, /clientInfo\.name holds a lone surrogate/],
      // The runtime refuses one that is no HTTP header value, once spawned.
      [{ name: "my\nclient" }, /clientInfo\.name must not hold a control character/],
      [{ name: "del\u007fname" }, /clientInfo\.name must not hold a control character/],
      // The version too: the runtime rewrites one in its user agent.
      [
        { version: "1.0\nX-Injected: yes" },
        /clientInfo\.version must not hold a control character/,
      ],
    ];
    for (const [clientInfo, message] of cases) {
      expect(() =>
        checkConnectionOptions({ clientInfo: clientInfo as never }, CODEX_OPTION_NAMES),
      ).toThrow(message);
    }
    const optOut = (methods: string[]) => () =>
      checkConnectionOptions({ optOutNotificationMethods: methods as never }, CODEX_OPTION_NAMES);
    expect(optOut(["item/plan/delta", "c\udc00"])).toThrow(
      /^optOutNotificationMethods\[1\] holds a lone surrogate/,
    );
    expect(optOut(["item/plan/delta", "item/agentMessage/delt"])).toThrow(
      "optOutNotificationMethods[1] is no notification method of the protocol: item/agentMessage/delt",
    );
    // What the SDK's own waits end on: opted out of, they would wait for ever.
    const needed = [
      "turn/completed",
      "account/login/completed",
      "item/completed",
      "item/started",
      "hook/completed",
      // A sub-agent's link to its parent ends at its unload, which only this tells.
      "thread/status/changed",
    ];
    for (const method of needed) {
      expect(optOut(["item/plan/delta", method])).toThrow(
        `optOutNotificationMethods[1] is ${method}, which the SDK itself needs to end calls and complete results`,
      );
    }
    expect(() =>
      // @ts-expect-error -- a misspelt method is refused by the compiler too
      checkConnectionOptions({ optOutNotificationMethods: ["turn/start"] }, CODEX_OPTION_NAMES),
    ).toThrow("optOutNotificationMethods[0] is no notification method of the protocol");
    expect(() =>
      // @ts-expect-error -- so is a method the SDK's own waits end on
      checkConnectionOptions({ optOutNotificationMethods: ["turn/completed"] }, CODEX_OPTION_NAMES),
    ).toThrow("which the SDK itself needs");
    const clientInfo = { name: "my_app", title: "My App", version: "1.0.0" };
    expect(checkConnectionOptions({ clientInfo }, CODEX_OPTION_NAMES).clientInfo).toEqual(
      clientInfo,
    );
    expect(() =>
      checkConnectionOptions({ clientInfo: { name: "only_a_name" } }, CODEX_OPTION_NAMES),
    ).not.toThrow();
  });

  it("keeps a copy of what it checked, whatever becomes of the caller's objects", () => {
    const accept = () => ({ decision: "accept" as const });
    const approvals: { commandExecution?: typeof accept } = { commandExecution: accept };
    const clientInfo = { name: "my_app" };
    const optOut: OptOutMethod[] = ["item/agentMessage/delta"];
    const options = { approvals, clientInfo, optOutNotificationMethods: optOut, startTimeout: 5 };
    const checked = checkConnectionOptions(options, CODEX_OPTION_NAMES);
    // Changed while the client starts: none of it reaches what the client uses.
    delete approvals.commandExecution;
    clientInfo.name = "";
    optOut.push("" as never);
    options.startTimeout = -1;
    expect(checked).toEqual({
      approvals: { commandExecution: accept },
      clientInfo: { name: "my_app" },
      optOutNotificationMethods: ["item/agentMessage/delta"],
      startTimeout: 5,
    });
  });

  it("reads each option once: a getter cannot give what the checks never saw", () => {
    let reads = 0;
    const options = {
      get startTimeout() {
        reads += 1;
        return reads === 1 ? 5 : -1;
      },
    };
    expect(checkConnectionOptions(options, CODEX_OPTION_NAMES).startTimeout).toBe(5);
    expect(reads).toBe(1);
  });
});

describe("credentials on the command line, as a wrapper or a shell's script sets them", () => {
  // What the machine's own environment holds is left aside: only what the options gave counts.
  const own = (secrets: string[]) => secrets.filter((s) => !Object.values(process.env).includes(s));
  const password = "Pa$sw0rd-2024";

  it("holds a value with a `$` that no shell reads: a config pair's, a wrapper's, a quoted one's", () => {
    const given = launchFor({
      configOverrides: {
        mcp_servers: { db: { command: "db-mcp", env: { DB_PASSWORD: password } } },
      },
    });
    expect([own(given.secrets), given.exposed]).toEqual([[password], ["configOverrides"]]);
    for (const launchArgs of [
      ["codex", "--config", `model_providers.p.experimental_bearer_token="${password}"`],
      ["/usr/bin/env", `DB_PASSWORD=${password}`, "codex", "app-server"],
      ["sh", "-c", `DB_PASSWORD='${password}' exec codex app-server`],
    ]) {
      const found = launchFor({ launchArgs });
      expect([own(found.secrets), found.exposed], launchArgs[1]).toEqual([
        [password],
        ["launchArgs"],
      ]);
    }
  });

  it("reads codex's own -c as a config pair, a shell's -c as a script", () => {
    const pair =
      'model_providers.azure={name="Azure", base_url="https://x.example/openai", env_key="AZURE_OPENAI_API_KEY"}';
    const codex = launchFor({ launchArgs: ["codex", "-c", pair, "app-server"] });
    expect([own(codex.secrets), codex.exposed]).toEqual([[], []]);
    const key = "sk-proj-abcdefgh123456";
    const script = launchFor({
      launchArgs: ["/bin/sh", "-c", `export OPENAI_API_KEY=${key}; exec codex app-server`],
    });
    expect([own(script.secrets), script.exposed]).toEqual([[key], ["launchArgs"]]);
    // The shell's options may come between it and its -c; a pair's value naming a shell is no
    // shell.
    for (const launchArgs of [
      ["bash", "--login", "-c", `OPENAI_API_KEY=${key} exec codex app-server`],
      ["/usr/bin/env", "bash", "--noprofile", "-c", `OPENAI_API_KEY=${key} codex app-server`],
      [
        "codex",
        "-c",
        "a.shell=/bin/bash",
        "-c",
        `model_providers.p.experimental_bearer_token="${key}"`,
      ],
    ]) {
      const found = launchFor({ launchArgs });
      expect([own(found.secrets), found.exposed], launchArgs.join(" ")).toEqual([
        [key],
        ["launchArgs"],
      ]);
    }
    // ssh hands its words to a shell on the other machine, which computes `$NAME`.
    const remote = launchFor({
      launchArgs: ["ssh", "host", "OPENAI_API_KEY=$FROM_VAULT", "codex"],
    });
    expect([own(remote.secrets), remote.exposed]).toEqual([[], []]);
  });
});
