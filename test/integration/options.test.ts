import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Codex, TurnAbortedError, TurnFailedError, type RequestOptions } from "../../src/index.js";
import type { ClientRequestMap, ClientRequestMethod } from "../../src/types.js";
import { clientStats, createCodexHome, sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { captureLog } from "../support/capture-log.js";

const KEY = "sk-in-memory-0123456789abcdef";
const MISSING_BIN = "/nonexistent/codex";

const opened: TestCodex[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});
async function testCodex(options: Parameters<typeof createTestCodex>[0] = {}) {
  const t = await createTestCodex(options);
  opened.push(t);
  return t;
}

function lastBody(t: TestCodex): string {
  return JSON.stringify(t.mock.responsesRequests.at(-1)!.body);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe("configOverrides", () => {
  it("flattens nested objects to dotted keys and writes valid TOML the runtime applies", async () => {
    const instructions = 'Say "hi" \\ then\nstop.';
    const t = await testCodex({
      configOverrides: {
        sandbox_workspace_write: { network_access: true, writable_roots: ["/tmp/a b", "/tmp/c"] },
        developer_instructions: instructions,
        "model_providers.mock.stream_idle_timeout_ms": 300_000,
        model_reasoning_effort: "high",
      },
    });
    const { config } = await t.codex.request("config/read", { includeLayers: false });
    expect(config.sandbox_workspace_write).toMatchObject({
      network_access: true,
      writable_roots: ["/tmp/a b", "/tmp/c"],
    });
    expect(config.developer_instructions).toBe(instructions);
    expect(config.model_providers).toMatchObject({ mock: { stream_idle_timeout_ms: 300_000 } });
    t.mock.enqueueAssistantMessage("ok");
    const thread = await t.codex.threadStart({ sandbox: "workspaceWrite" });
    await thread.run("hi");
    expect(lastBody(t)).toContain("Network access is enabled.");
    expect(
      (t.mock.responsesRequests.at(-1)!.body as { reasoning: { effort: string } }).reasoning.effort,
    ).toBe("high");
  });

  it("gives a table with a key holding a dot (a project's path) whole, and the runtime reads it", async () => {
    const project = "/srv/my.app";
    const t = await testCodex({
      configOverrides: {
        projects: {
          [project]: { trust_level: "trusted" },
          "/srv/other": { trust_level: "untrusted" },
        },
      },
    });
    const { config } = await t.codex.request("config/read", { includeLayers: false });
    expect(config.projects).toMatchObject({
      [project]: { trust_level: "trusted" },
      "/srv/other": { trust_level: "untrusted" },
    });
    // The provider tables of config.toml are still there.
    expect(config.model_providers).toHaveProperty("mock");
  });

  it("gives a key the runtime would trim (U+0085 at an end) in a table written whole, read back as written", async () => {
    // The runtime trims a --config key of Rust's white space, which U+0085 is: unquoted,
    // { zz: { "k\u0085": 1 } } would be read as { zz: { k: 1 } }.
    const t = await testCodex({ configOverrides: { zz: { "k\u0085": 1 } } });
    const { layers } = await t.codex.config.read({ includeLayers: true });
    const flags = layers?.find((layer) => (layer.name as { type: string }).type === "sessionFlags");
    expect(flags?.config).toMatchObject({ zz: { "k\u0085": 1 } });
    expect(flags?.config).not.toHaveProperty("zz.k");
  });

  it("hands the runtime a key that starts with a hyphen as a value, not as an option of its own", async () => {
    // The runtime knows no such key and ignores it; read as an option, it refused to start.
    for (const configOverrides of [{ "-x": { y: 1 } }, ["-x.y=1"]]) {
      const t = await testCodex({ configOverrides });
      t.mock.enqueueAssistantMessage("started");
      const thread = await t.codex.threadStart();
      expect((await thread.run("hi")).finalResponse).toBe("started");
    }
  });

  it("rejects what TOML cannot carry, naming the key path, before spawning anything", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[unknown, RegExp]> = [
      [{ a: { b: Number.NaN } }, /a\.b/],
      [{ a: Infinity }, /configOverrides\.a /],
      [{ a: [1, undefined] }, /a\[1\]/],
      [{ a: { f: () => 1 } }, /a\.f/],
      [{ a: Symbol("s") }, /configOverrides\.a /],
      [{ a: 10n }, /configOverrides\.a /],
      [{ "x..y": 1 }, /x\.\.y/],
      [{ a: { "x.y": 1, "": 2 } }, /configOverrides\.a has a key that is empty/],
      [{ "a b": 1 }, /a b/],
      // Read as model by the runtime, which trims U+0085 off a key.
      [{ "\u0085model": "other-model" }, /\u0085model/],
      [{ a: [new Date(0)] }, /a\[0\] must be a plain object/],
      [cyclic, /self/],
      [["no-equals-sign"], /key=value/],
    ];
    for (const [configOverrides, named] of cases) {
      const err = await Codex.start({
        codexBin: MISSING_BIN,
        configOverrides: configOverrides as never,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(named);
    }
  });
});

describe("apiKey and baseUrl", () => {
  it("authenticates with a key kept in memory: sent as Bearer, never written to the Codex home", async () => {
    const t = await testCodex({
      apiKey: KEY,
      configOverrides: { model_providers: { mock: { requires_openai_auth: true } } },
    });
    t.mock.enqueueAssistantMessage("ok");
    const thread = await t.codex.threadStart();
    await thread.run("hi");
    expect(t.mock.responsesRequests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((await t.codex.account()).account).toEqual({ type: "apiKey" });
    for (const file of filesUnder(t.home.codexHome)) {
      expect(readFileSync(file, "latin1").includes(KEY), file).toBe(false);
    }
    expect(existsSync(path.join(t.home.codexHome, "auth.json"))).toBe(false);
    // Switching keys stays in memory; asking to persist is refused before anything is sent.
    await t.codex.loginApiKey(`${KEY}-2`, { persist: false });
    await expect(t.codex.loginApiKey(KEY, { persist: true })).rejects.toThrow(/in memory/);
  });

  it("gives baseUrl to the server as openai_base_url", async () => {
    const home = await createCodexHome({ mockUrl: "http://127.0.0.1:9/v1" });
    try {
      await using codex = await Codex.start({
        env: home.env,
        cwd: home.workDir,
        baseUrl: "https://proxy.example.test/v1",
      });
      const { config } = await codex.request("config/read", { includeLayers: false });
      expect(config).toMatchObject({ openai_base_url: "https://proxy.example.test/v1" });
    } finally {
      await home.cleanup();
    }
  });

  it("refuses persist: false on a client that stores credentials in its home", async () => {
    const t = await testCodex();
    await expect(t.codex.loginApiKey(KEY, { persist: false })).rejects.toThrow(
      /keeps them where they last \(its Codex home, or the system keyring .*Codex\.start\(\{ apiKey \}\)/,
    );
    expect(existsSync(path.join(t.home.codexHome, "auth.json"))).toBe(false);
  });

  it("checks persist against the store the Codex home's config chose, before the key is sent", async () => {
    const t = await testCodex({
      home: { extraConfig: 'cli_auth_credentials_store = "ephemeral"\n' },
      configOverrides: { model_providers: { mock: { requires_openai_auth: true } } },
    });
    // The config keeps credentials in memory: asking to persist would be a silent non-write.
    await expect(t.codex.loginApiKey(KEY, { persist: true })).rejects.toThrow(/in memory/);
    expect((await t.codex.account()).account).toBeNull();
    await t.codex.loginApiKey(KEY, { persist: false });
    expect((await t.codex.account()).account).toEqual({ type: "apiKey" });
    expect(existsSync(path.join(t.home.codexHome, "auth.json"))).toBe(false);
  });

  it("checks persist against the store the server started with, not one config.toml chose since", async () => {
    const t = await testCodex();
    // The server keeps credentials in its home; the edit changes the file, not the server.
    await t.codex.config.write("cli_auth_credentials_store", "ephemeral");
    const { config } = await t.codex.config.read();
    expect(config.cli_auth_credentials_store).toBe("ephemeral");
    await expect(t.codex.loginApiKey(KEY, { persist: false })).rejects.toThrow(
      /Codex\.start\(\{ apiKey \}\)/,
    );
    expect(existsSync(path.join(t.home.codexHome, "auth.json"))).toBe(false);
    await t.codex.loginApiKey(KEY, { persist: true });
    expect(existsSync(path.join(t.home.codexHome, "auth.json"))).toBe(true);
  });

  it("checks apiKey and baseUrl before spawning anything", async () => {
    for (const options of [
      { apiKey: "" },
      { apiKey: "a\nb" },
      { baseUrl: "ftp://x" },
      { baseUrl: "not a url" },
    ]) {
      await expect(Codex.start({ codexBin: MISSING_BIN, ...options })).rejects.toBeInstanceOf(
        TypeError,
      );
    }
    // The runtime appends /responses to the whole URL: a query or a fragment would come first.
    for (const baseUrl of [
      "https://proxy.example/v1?api-version=1",
      "https://proxy.example/v1#x",
    ]) {
      await expect(Codex.start({ codexBin: MISSING_BIN, baseUrl })).rejects.toThrow(
        "baseUrl must not have a query or a fragment, as the runtime appends /responses to it",
      );
    }
    await expect(
      Codex.start({
        codexBin: MISSING_BIN,
        apiKey: KEY,
        configOverrides: { cli_auth_credentials_store: "file" },
      }),
    ).rejects.toThrow(/cli_auth_credentials_store/);
  });
});

describe("inheritEnv", () => {
  it("gives the child only env when false, and everything merged by default", async () => {
    process.env.SDK_PARENT_MARKER = "from-the-parent";
    try {
      const isolated = await testCodex({ inheritEnv: false, env: { SDK_CHILD_MARKER: "given" } });
      const own = readFileSync(`/proc/${isolated.codex.pid}/environ`, "utf8").split("\0");
      expect(own).toContain("SDK_CHILD_MARKER=given");
      expect(own.some((entry) => entry.startsWith("SDK_PARENT_MARKER="))).toBe(false);
      isolated.mock.enqueueAssistantMessage("isolated but working");
      expect((await (await isolated.codex.threadStart()).run("hi")).finalResponse).toBe(
        "isolated but working",
      );

      const merged = await testCodex({ env: { SDK_CHILD_MARKER: "given" } });
      const all = readFileSync(`/proc/${merged.codex.pid}/environ`, "utf8").split("\0");
      expect(all).toContain("SDK_PARENT_MARKER=from-the-parent");
      expect(all).toContain("SDK_CHILD_MARKER=given");
    } finally {
      delete process.env.SDK_PARENT_MARKER;
    }
  });
});

describe("typed thread options", () => {
  it("map networkAccess, additionalDirectories, reasoningEffort and webSearch to the runtime", async () => {
    const t = await testCodex();
    const thread = await t.codex.threadStart({
      sandbox: "workspaceWrite",
      networkAccess: true,
      additionalDirectories: ["/tmp/sdk-extra-dir"],
      reasoningEffort: "high",
      webSearch: "disabled",
    });
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    const body = t.mock.responsesRequests.at(-1)!.body as {
      reasoning: { effort: string };
      tools: { type: string; external_web_access?: boolean }[];
    };
    expect(lastBody(t)).toContain("Network access is enabled.");
    expect(lastBody(t)).toContain("/tmp/sdk-extra-dir");
    expect(body.reasoning.effort).toBe("high");
    expect(body.tools.some((tool) => tool.type === "web_search")).toBe(false);

    const live = await t.codex.threadStart({ webSearch: "live", reasoningEffort: "low" });
    t.mock.enqueueAssistantMessage("ok");
    await live.run("hi");
    const liveBody = t.mock.responsesRequests.at(-1)!.body as typeof body;
    expect(liveBody.tools.find((tool) => tool.type === "web_search")).toMatchObject({
      external_web_access: true,
    });
    expect(liveBody.reasoning.effort).toBe("low");
    expect(lastBody(t)).not.toContain("Network access is enabled.");
  });

  it("holds directories to the server's system: a Windows path is relative to a Unix server", async () => {
    const t = await testCodex();
    expect(t.codex.metadata.platformFamily).toBe("unix");
    const windows = ["C:\\data"];
    await expect(
      t.codex.threadStart({ sandbox: "workspaceWrite", additionalDirectories: windows }),
    ).rejects.toThrow(
      `additionalDirectories[0] must be an absolute path on the server's system (unix), got "C:\\\\data"`,
    );
    const thread = await t.codex.threadStart();
    await expect(thread.run("hi", { runtimeWorkspaceRoots: windows })).rejects.toThrow(TypeError);
    await expect(
      t.codex.exec(["true"], { sandbox: "workspaceWrite", additionalDirectories: windows }),
    ).rejects.toThrow("additionalDirectories[0] must be an absolute path on the server's system");
    expect(t.mock.responsesRequests).toHaveLength(0);
  });

  it("warns when networkAccess or additionalDirectories meet a thread that runs another sandbox", async () => {
    const log = captureLog();
    const t = await testCodex({ logger: log.logger });
    const warnings = () => log.entries.filter((e) => e.level === "warn").map((e) => e.message);
    // The config's sandbox (read-only here), which the client could not know before the answer.
    const readOnly = await t.codex.threadStart({ networkAccess: true });
    expect(warnings()).toEqual([
      "codex-app-server-sdk: thread/start: the thread's sandbox is readOnly, where networkAccess " +
        "(a setting of the workspaceWrite sandbox) does nothing: give sandbox: " +
        "Sandbox.workspaceWrite with it",
    ]);
    t.mock.enqueueAssistantMessage("ok");
    await readOnly.run("hi");
    await t.codex.threadFork(readOnly.id, { additionalDirectories: ["/tmp/sdk-dir"] });
    expect(warnings()).toHaveLength(2);
    // Asked for nothing the sandbox lacks, or for the workspaceWrite sandbox itself: no warning.
    await t.codex.threadStart({ networkAccess: false, additionalDirectories: [] });
    await t.codex.threadStart({ sandbox: "workspaceWrite", networkAccess: true });
    expect(warnings()).toHaveLength(2);
    // Nested in the thread's config, as a typed setting may be written.
    await t.codex.threadStart({ config: { sandbox_workspace_write: { network_access: true } } });
    expect(warnings()).toHaveLength(3);
  });

  it("a turn's sandbox preset replaces the thread's policy; networkAccess and additionalDirectories go with it", async () => {
    const t = await testCodex();
    const thread = await t.codex.threadStart({ sandbox: "workspaceWrite", networkAccess: true });
    // The policy the model was last told of: the runtime tells it again after each change.
    const turn = async (options: Parameters<typeof thread.run>[1]): Promise<string> => {
      t.mock.enqueueAssistantMessage("ok");
      await thread.run("hi", options);
      return lastBody(t).split("<permissions instructions>").at(-1)!;
    };
    expect(await turn({})).toContain("Network access is enabled.");
    // The preset alone is a whole policy: network off, no extra directories.
    expect(await turn({ sandbox: "workspaceWrite" })).toContain("Network access is restricted.");
    const granted = await turn({
      sandbox: "workspaceWrite",
      networkAccess: true,
      additionalDirectories: ["/tmp/sdk-turn-dir"],
    });
    expect(granted).toContain("Network access is enabled.");
    expect(granted).toContain("/tmp/sdk-turn-dir");
    // A turn's policy stays for the turns after it.
    const later = await turn({});
    expect(later).toContain("Network access is enabled.");
    expect(later).toContain("/tmp/sdk-turn-dir");
  });

  it("a config that sets the approval policy is what the thread runs with, not the default preset", async () => {
    const t = await testCodex();
    const thread = await t.codex.threadStart({ config: { approval_policy: "never" } });
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    const { approvalPolicy } = await t.codex.request("thread/resume", { threadId: thread.id });
    expect(approvalPolicy).toBe("never");
    const preset = await t.codex.threadStart({});
    t.mock.enqueueAssistantMessage("ok");
    await preset.run("hi");
    const resumed = await t.codex.request("thread/resume", { threadId: preset.id });
    expect(resumed.approvalPolicy).toBe("on-request");
  });

  it("rejects bad values before any I/O", async () => {
    const t = await testCodex();
    const before = t.mock.requests.length;
    for (const options of [
      { networkAccess: "yes" },
      { webSearch: "sometimes" },
      { additionalDirectories: ["relative/dir"] },
      { additionalDirectories: "/tmp" },
      // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
      { additionalDirectories: ["/tmp", , "/var"] },
      { reasoningEffort: "" },
      { reasoningEffort: 3 },
    ]) {
      await expect(t.codex.threadStart(options as never)).rejects.toBeInstanceOf(TypeError);
    }
    expect(t.mock.requests.length).toBe(before);
  });
});

describe("wire values", () => {
  it("takes read-only arrays and objects, as const or frozen, and sends them", async () => {
    const t = await testCodex();
    const config = Object.freeze({
      developer_instructions: "Answer in haiku.",
      sandbox_workspace_write: { writable_roots: ["/tmp/sdk-frozen-root"] },
    } as const);
    const roots: readonly string[] = Object.freeze([t.workDir]);
    const thread = await t.codex.threadStart({
      config,
      runtimeWorkspaceRoots: roots,
      sandbox: "workspaceWrite",
    });
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi", { runtimeWorkspaceRoots: roots });
    expect(lastBody(t)).toContain("Answer in haiku.");
    expect(lastBody(t)).toContain("/tmp/sdk-frozen-root");
    const { data } = await t.codex.request("thread/list", { cwd: roots });
    expect(data.map((stored) => stored.id)).toContain(thread.id);
  });

  it("refuses what JSON would change or the method cannot take, naming it, before any I/O", async () => {
    const t = await testCodex();
    const thread = await t.codex.threadStart();
    const before = t.mock.requests.length;
    const pending = () => clientStats(t.codex)["connection.pending"];
    await expect(t.codex.threadStart({ config: { x: NaN } })).rejects.toThrow(
      "options.config.x must be a finite number, got NaN",
    );
    // Each wire field takes the kinds of value the runtime's types give it.
    await expect(thread.run("x", { effort: NaN as never })).rejects.toThrow(
      "effort must be a string or null, got NaN",
    );
    await expect(thread.run("x", { model: 5 as never })).rejects.toThrow(
      "model must be a string or null, got 5",
    );
    await expect(t.codex.threadStart({ ephemeral: "yes" as never })).rejects.toThrow(
      "ephemeral must be a boolean or null, got a string",
    );
    await expect(t.codex.threadStart({ personality: "grumpy" as never })).rejects.toThrow(
      'personality must be one of "none", "friendly", "pragmatic" or null, got "grumpy"',
    );
    // An optional field whose type has no null: the runtime refuses null there too.
    await expect(
      t.codex.threadStart({ allowProviderModelFallback: null as never }),
    ).rejects.toThrow("allowProviderModelFallback must be a boolean, got null");
    // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
    await expect(thread.run("x", { outputSchema: { enum: [1, , 2] as number[] } })).rejects.toThrow(
      "options.outputSchema.enum[1] must be a JSON value, got undefined",
    );
    await expect(t.codex.threadList({ limit: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(t.codex.threadList({ cursor: 5 as never })).rejects.toBeInstanceOf(TypeError);
    await expect(t.codex.request("thread/list", [] as never)).rejects.toThrow(
      "params of thread/list must be an object, got an array",
    );
    // The server would take NaN, which JSON writes as null, for no limit at all.
    await expect(t.codex.request("thread/list", { limit: NaN })).rejects.toThrow(
      "params.limit must be a finite number, got NaN",
    );
    await expect(
      t.codex.request("thread/list", { cursor: new Date(0) as unknown as string }),
    ).rejects.toThrow("params.cursor must be a plain object or an array, got a Date");
    // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
    const providers = ["a", , "b"] as string[];
    await expect(t.codex.request("thread/list", { modelProviders: providers })).rejects.toThrow(
      "params.modelProviders[1] must be a JSON value, got undefined",
    );
    expect(pending()).toBe(0);
    t.mock.enqueueAssistantMessage("still fine");
    expect((await thread.run("x")).finalResponse).toBe("still fine");
    // Only that turn reached the model: one the server got from a refused call would have come
    // before it.
    expect(t.mock.requests.length).toBe(before + 1);
  });

  it("sends null params where the protocol takes them, and wants params if any method may", async () => {
    const t = await testCodex();
    const answer = await t.codex.request("account/gatewayOAuth/read", null);
    expect(answer).toHaveProperty("providerId", "mock");
    const method = (pick: boolean) => (pick ? "thread/read" : "account/logout");
    // @ts-expect-error -- thread/read needs params, so a method that may be it does too
    const missing = t.codex.request(method(true));
    await expect(missing).rejects.toThrow(/params/);
  });

  it("takes a request from a wrapper generic over the method", async () => {
    const t = await testCodex();
    const sent: string[] = [];
    const logged = <M extends ClientRequestMethod>(
      method: M,
      params: ClientRequestMap[M]["params"],
      options?: RequestOptions,
    ) => {
      sent.push(method);
      return t.codex.request(method, params, options);
    };
    const { config } = await logged("config/read", { includeLayers: false });
    expect(config).toHaveProperty("model");
    const { data } = await logged("thread/list", {}, { timeout: 5_000 });
    expect(Array.isArray(data)).toBe(true);
    expect(sent).toEqual(["config/read", "thread/list"]);
  });
});

describe("streams", () => {
  it("textStream yields only the agent's text deltas and ends with the turn", async () => {
    const t = await testCodex();
    t.mock.enqueue(sse.textDeltas(["Hel", "lo", "!"]));
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    const chunks: string[] = [];
    for await (const chunk of turn.textStream()) chunks.push(chunk);
    expect(chunks).toEqual(["Hel", "lo", "!"]);
  });

  it("textStream gives the text of a message that came without deltas, once", async () => {
    const t = await testCodex();
    t.mock.enqueue([sse.textDeltas(["Hel", "lo"]), sse.assistantMessage(" world")]);
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    const chunks: string[] = [];
    for await (const chunk of turn.textStream()) chunks.push(chunk);
    expect(chunks).toEqual(["Hel", "lo", " world"]);
  });

  it("textStream answers reads asked together in the order they were asked", async () => {
    const t = await testCodex();
    t.mock.enqueue(sse.textDeltas(["a", "b", "c"]));
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    await turn.run();
    const text = turn.textStream();
    const steps = await Promise.all([text.next(), text.next(), text.next()]);
    expect(steps.map((step) => step.value)).toEqual(["a", "b", "c"]);
    expect(await text.next()).toEqual({ value: undefined, done: true });
  });

  it("textStream throws TurnFailedError after the text of a failed turn", async () => {
    const t = await testCodex();
    t.mock.enqueueFailure("the model broke");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    const chunks: string[] = [];
    const err = await (async () => {
      for await (const chunk of turn.textStream()) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
  });

  it("stream({ signal }) interrupts the turn on abort and the loop throws TurnAbortedError", async () => {
    const t = await testCodex();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial", "never"]), { gate });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("long");
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of turn.stream({ signal: controller.signal })) {
        seen.push(event.method);
        if (event.method === "turn/started") controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect(seen).toContain("turn/started");
    expect((await turn.run()).status).toBe("interrupted");
    gate.release();
  });
});

describe("stream({ signal }) listeners", () => {
  /** A signal that counts the listeners added to it. */
  function countingSignal(): { controller: AbortController; added: () => number } {
    const controller = new AbortController();
    const { signal } = controller;
    let added = 0;
    const add = signal.addEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => {
      added++;
      add(...args);
    };
    return { controller, added: () => added };
  }

  it("adds no abort listener per event it finds already kept", async () => {
    const t = await testCodex();
    const deltas = Array.from({ length: 50 }, (_, i) => `d${i} `);
    t.mock.enqueue(sse.textDeltas(deltas));
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    // Every event is kept by the time the loop starts: no read has to wait for the server.
    await turn.run();
    const { controller, added } = countingSignal();
    let read = 0;
    for await (const event of turn.stream({ signal: controller.signal })) {
      if (event.method === "item/agentMessage/delta") read++;
    }
    expect(read).toBe(deltas.length);
    // The stream's own listener (it interrupts the turn on abort), not one per event.
    expect(added()).toBe(1);
  });

  it("ends a read waiting for the server with TurnAbortedError through the stream's one listener", async () => {
    const t = await testCodex();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["held"]), { gate });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("long");
    await gate.reached;
    const { controller, added } = countingSignal();
    // No delta arrives while the gate holds the model's answer, so the text stream ends up
    // waiting for the server; one turn of the event loop lets it read what is kept first.
    const read = turn.textStream({ signal: controller.signal }).next();
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(read).rejects.toBeInstanceOf(TurnAbortedError);
    expect(added()).toBe(1);
    expect(gate.released).toBe(false);
    expect((await turn.run()).status).toBe("interrupted");
    gate.release();
  });
});

describe('events: "results"', () => {
  it("leaves out every delta, keeps results and item events whole, and says textStream needs them", async () => {
    const t = await testCodex({ events: "results" });
    t.mock.enqueue(sse.textDeltas(["Hel", "lo"]));
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    const methods: string[] = [];
    for await (const event of turn.stream()) methods.push(event.method);
    expect(methods).toContain("item/completed");
    expect(methods.filter((method) => /delta$/i.test(method))).toEqual([]);
    expect((await turn.run()).finalResponse).toBe("Hello");
    await expect(turn.textStream().next()).rejects.toThrow(/events: "all"/);

    const full = await testCodex();
    full.mock.enqueue(sse.textDeltas(["Hel", "lo"]));
    const fullTurn = await (await full.codex.threadStart()).turn("hi");
    const fullMethods: string[] = [];
    for await (const event of fullTurn.stream()) fullMethods.push(event.method);
    expect(fullMethods).toContain("item/agentMessage/delta");
  });

  it("rejects an unknown events mode before spawning anything", async () => {
    await expect(Codex.start({ codexBin: MISSING_BIN, events: "some" as never })).rejects.toThrow(
      /events must be/,
    );
  });
});

describe("thread options the runtime would drop without a word", () => {
  type Body = { service_tier?: string };
  const lastBody = (t: TestCodex) => t.mock.responsesRequests.at(-1)!.body as Body;

  it("refuses a wire field and its config key together, before any I/O", async () => {
    const t = await testCodex();
    const cases: [Record<string, unknown>, string][] = [
      [{ model: "a", config: { model: "b" } }, "model and config both set model"],
      [
        { modelProvider: "mock", config: { model_provider: "x" } },
        "modelProvider and config both set model_provider",
      ],
      [
        { serviceTier: "flex", config: { service_tier: "fast" } },
        "serviceTier and config both set service_tier",
      ],
      [
        { baseInstructions: "a", config: { base_instructions: "b" } },
        "baseInstructions and config both set base_instructions",
      ],
      [
        { developerInstructions: "a", config: { developer_instructions: "b" } },
        "developerInstructions and config both set developer_instructions",
      ],
      [
        { permissions: ":workspace", config: { default_permissions: ":read-only" } },
        "permissions and config both set default_permissions",
      ],
      [
        { permissions: ":read-only", config: { sandbox_mode: "danger-full-access" } },
        "permissions and config sandbox_mode cannot be combined: give one of them",
      ],
      [
        { sandbox: "fullAccess", config: { default_permissions: ":read-only" } },
        "sandbox and config default_permissions cannot be combined: give one of them",
      ],
      [
        { networkAccess: true, config: { default_permissions: ":workspace" } },
        "networkAccess sets the workspaceWrite sandbox, which config default_permissions replaces",
      ],
    ];
    const before = t.mock.requests.length;
    for (const [options, message] of cases) {
      await expect(t.codex.threadStart(options as never), message).rejects.toThrow(
        new TypeError(
          message.includes("cannot") || message.includes("replaces")
            ? message
            : `${message}: give it in one of them`,
        ),
      );
      await expect(t.codex.threadFork("th", options as never)).rejects.toBeInstanceOf(TypeError);
    }
    expect(t.mock.requests.length).toBe(before);
  });

  it("warns when the user's config runs a permissions profile, where networkAccess does nothing", async () => {
    const capture = captureLog();
    const t = await testCodex({
      logger: capture.logger,
      configOverrides: { default_permissions: ":workspace" },
    });
    const thread = await t.codex.threadStart({ networkAccess: true });
    expect(capture.entries.filter((e) => e.level === "warn").map((e) => e.message)).toEqual([
      "codex-app-server-sdk: thread/start: the thread runs the permissions profile :workspace, " +
        "where networkAccess (a setting of the workspaceWrite sandbox) does nothing: give " +
        "sandbox: Sandbox.workspaceWrite with it",
    ]);
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    expect(JSON.stringify(lastBody(t))).toContain("Network access is restricted");
    // With the preset, the settings apply and nothing is warned of.
    await t.codex.threadStart({ sandbox: "workspaceWrite", networkAccess: true });
    expect(capture.entries.filter((e) => e.level === "warn")).toHaveLength(1);
  });

  it("warns of no profile that gives what was asked", async () => {
    const capture = captureLog();
    const t = await testCodex({
      logger: capture.logger,
      configOverrides: {
        default_permissions: "net",
        permissions: { net: { extends: ":workspace", network: { enabled: true } } },
      },
    });
    const thread = await t.codex.threadStart({ networkAccess: true });
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    expect(JSON.stringify(lastBody(t))).toContain("Network access is enabled");
    expect(capture.entries.filter((e) => e.level === "warn")).toEqual([]);
  });

  it("refuses an empty serviceTier, projectId or sectionId, before any I/O", async () => {
    const t = await testCodex({ configOverrides: { service_tier: "flex" } });
    const thread = await t.codex.threadStart();
    const before = t.mock.requests.length;
    await expect(t.codex.threadStart({ serviceTier: "" })).rejects.toThrow(
      new TypeError("serviceTier must be a non-empty string, got an empty string"),
    );
    await expect(t.codex.threadStart({ projectId: "" })).rejects.toThrow(
      new TypeError("projectId must be a non-empty string, got an empty string"),
    );
    await expect(t.codex.threadList({ projectId: "" })).rejects.toThrow(
      new TypeError("projectId must be a non-empty string, got an empty string"),
    );
    await expect(t.codex.threadList({ sectionId: "" })).rejects.toThrow(
      new TypeError("sectionId must be a non-empty string, got an empty string"),
    );
    await expect(t.codex.threadList({ modelProviders: ["mock", ""] })).rejects.toThrow(
      new TypeError("modelProviders[1] must be a non-empty string, got an empty string"),
    );
    for (const key of ["serviceTier", "serviceTierForTurn"]) {
      await expect(thread.run("hi", { [key]: "" })).rejects.toThrow(
        new TypeError(`${key} must be a non-empty string, got an empty string`),
      );
    }
    expect(t.mock.requests.length).toBe(before);
    // The thread keeps its tier.
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    expect(lastBody(t).service_tier).toBe("flex");
  });
});

describe("thread settings the answer shows were not applied", () => {
  it("warns of a service tier dropped and of a resume's settings a loaded thread kept", async () => {
    const capture = captureLog();
    const t = await testCodex({ logger: capture.logger });
    const warnings = () => capture.entries.filter((e) => e.level === "warn").map((e) => e.message);
    const thread = await t.codex.threadStart({ model: "a-model", serviceTier: "bogus" });
    expect(warnings()).toEqual([
      'codex-app-server-sdk: thread/start: the thread runs with serviceTier null, not the "bogus" ' +
        "asked (the runtime drops a tier the model does not offer)",
    ]);
    t.mock.enqueueAssistantMessage("ok");
    await thread.run("hi");
    await t.codex.threadResume(thread.id, { model: "b-model", serviceTier: "flex" });
    const kept = "(a thread the server has loaded keeps its settings: give them to its next turn)";
    expect(warnings().slice(1)).toEqual([
      `codex-app-server-sdk: thread/resume: the thread runs with model "a-model", not the "b-model" asked ${kept}`,
      `codex-app-server-sdk: thread/resume: the thread runs with serviceTier null, not the "flex" asked ${kept}`,
    ]);
    // What is applied is not warned of.
    await t.codex.threadStart({ model: "c-model", serviceTier: "flex" });
    expect(warnings()).toHaveLength(3);
  });
});
