import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientStats } from "../../src/codex.js";
import { ChatgptAuthRequiredError, InvalidRequestError } from "../../src/index.js";
import type { AccountRateLimitsUpdatedNotification } from "../../src/types.js";
import { sse } from "../../src/testing/mock-responses.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

describe("Codex.rateLimits and Codex.usage", () => {
  it("reject with ChatgptAuthRequiredError when logged out, and with an API key", async () => {
    for (const read of [() => t.codex.rateLimits(), () => t.codex.usage()]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatgptAuthRequiredError);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect((err as Error).message).toMatch(/authentication required/);
    }
    await t.codex.loginApiKey("sk-test-not-chatgpt");
    await expect(t.codex.rateLimits()).rejects.toBeInstanceOf(ChatgptAuthRequiredError);
    await expect(t.codex.usage({ threadId: null })).rejects.toBeInstanceOf(
      ChatgptAuthRequiredError,
    );
  });

  it("reject bad options before any I/O", async () => {
    await expect(t.codex.rateLimits({ supportsLunaReserve: "yes" as never })).rejects.toThrow(
      TypeError,
    );
    await expect(t.codex.usage({ threadId: "" })).rejects.toThrow(TypeError);
    await expect(t.codex.usage({ timeout: -5 })).rejects.toThrow(RangeError);
    expect(clientStats(t.codex)["connection.pending"]).toBe(0);
  });

  it("account/rateLimits/updated reaches codex.on when the model's response carries limits", async () => {
    const updates: AccountRateLimitsUpdatedNotification[] = [];
    const off = t.codex.on("account/rateLimits/updated", (params) => updates.push(params));
    t.mock.enqueueAssistantMessage("hi", {
      headers: {
        "x-codex-primary-used-percent": "42",
        "x-codex-primary-window-minutes": "300",
      },
    });
    const thread = await t.codex.threadStart();
    await thread.run("hello");
    off();
    expect(updates.at(-1)?.rateLimits.primary).toMatchObject({
      usedPercent: 42,
      windowDurationMins: 300,
    });
  });
});

describe("Codex.models", () => {
  it("lists a configured provider's models with modelProvider, and refuses an empty one", async () => {
    const raw = await t.codex.request("model/list", {
      modelProvider: "mock",
      includeHidden: false,
    });
    const listed = await t.codex.models({ modelProvider: "mock" });
    expect(listed.data.length).toBeGreaterThan(0);
    expect(listed.data.map((model) => model.id)).toEqual(raw.data.map((model) => model.id));
    await expect(t.codex.models({ modelProvider: "" })).rejects.toThrow(
      "modelProvider must be a non-empty string",
    );
    // A provider the config does not name is the server's to refuse.
    await expect(t.codex.models({ modelProvider: "nowhere" })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});

describe("Codex.config", () => {
  it("reads the effective config, with layers on request", async () => {
    const { config, layers } = await t.codex.config.read();
    expect(config.model).toBe("mock-model");
    // Left out by the runtime when not asked for; null, as the type says.
    expect(layers).toBeNull();
    const layered = await t.codex.config.read({ includeLayers: true, cwd: t.workDir });
    expect(Array.isArray(layered.layers)).toBe(true);
    expect(layered.layers!.length).toBeGreaterThan(0);
    for (const layer of layered.layers!) expect(layer.disabledReason).toBeNull();
  });

  it("writes one key, then several, to the user's config.toml", async () => {
    const written = await t.codex.config.write("model_reasoning_effort", "high");
    expect(written.status).toBe("ok");
    expect((await t.codex.config.read()).config.model_reasoning_effort).toBe("high");

    const batch = await t.codex.config.batchWrite(
      [
        { keyPath: "model_reasoning_effort", value: "low" },
        { keyPath: "model_verbosity", value: "medium" },
      ],
      { expectedVersion: written.version },
    );
    expect(batch.version).not.toBe(written.version);
    const { config } = await t.codex.config.read();
    expect(config.model_reasoning_effort).toBe("low");
    expect(config.model_verbosity).toBe("medium");
    const toml = await readFile(t.home.configPath, "utf8");
    expect(toml).toMatch(/model_verbosity = "medium"/);
  });

  it("merges a table with upsert, and removes a key written as null", async () => {
    await t.codex.config.write("tui", { theme: "dark" });
    await t.codex.config.write("tui", { alternate_screen: "never" }, { mergeStrategy: "upsert" });
    const toml = await readFile(t.home.configPath, "utf8");
    expect(toml).toMatch(/theme = "dark"/);
    expect(toml).toMatch(/alternate_screen = "never"/);
    await t.codex.config.write("tui", null);
    expect(await readFile(t.home.configPath, "utf8")).not.toMatch(/\[tui\]/);
  });

  it("reads a credential it wrote as it is, so a table read, changed and written back (nulls and all) keeps it", async () => {
    const token = "Bearer sk-config-token-0123456789";
    const docs = { url: "http://127.0.0.1:9/mcp", http_headers: { Authorization: token } };
    await t.codex.config.write("mcp_servers.docs", docs);
    const read = await t.codex.config.read();
    const table = (read.config as unknown as { mcp_servers: { docs: typeof docs } }).mcp_servers
      .docs;
    expect(table.http_headers.Authorization).toBe(token);
    const headers = { ...table.http_headers, "X-Extra": "1" };
    await t.codex.config.write("mcp_servers.docs.http_headers", headers);
    expect(await readFile(t.home.configPath, "utf8")).toContain(`Authorization = "${token}"`);
    // The whole table as read, whose keys not set are null, goes back too, nulls left out.
    const whole = (await t.codex.config.read()).config as unknown as {
      mcp_servers: { docs: Record<string, unknown> };
    };
    expect(Object.values(whole.mcp_servers.docs)).toContain(null);
    await t.codex.config.write("mcp_servers.docs", { ...whole.mcp_servers.docs, enabled: false });
    const after = (await t.codex.config.read()).config as unknown as typeof whole;
    expect(after.mcp_servers.docs).toEqual({ ...whole.mcp_servers.docs, enabled: false });
    expect(await readFile(t.home.configPath, "utf8")).toContain(`Authorization = "${token}"`);
    // What the server quotes of it elsewhere is still redacted.
    const err: unknown = await t.codex
      .request("thread/start", { config: { model_provider: token } })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain("Model provider `[redacted]` not found");
  });

  it("redacts no plain value of a server's env or headers, which turns and tools then keep", async () => {
    const project = `${t.workDir}/project`;
    await t.codex.config.write("mcp_servers.docs", {
      command: "docs-server",
      enabled: false,
      env: { JOB_FILTER: "completed", PROJECT_DIR: project, DOCS_TOKEN: "docs-token-0123" },
    });
    await t.codex.config.write("model_providers.mock.http_headers", { Accept: "application/json" });
    let args: unknown;
    const thread = await t.codex.threadStart({
      tools: [
        {
          name: "read_file",
          description: "reads a file",
          inputSchema: { type: "object", properties: { path: { type: "string" } } },
          handler: (toolArgs) => {
            args = toolArgs;
            return "ok";
          },
        },
      ],
    });
    t.mock.enqueue(sse.functionCall("read_file", { path: `${project}/README.md` }));
    t.mock.enqueueAssistantMessage("Filter completed jobs; application/json; docs-token-0123.");
    // The turn's `"status":"completed"` reached the client whole: it settled.
    const result = await thread.run("go");
    expect(args).toEqual({ path: `${project}/README.md` });
    expect(result.finalResponse).toBe("Filter completed jobs; application/json; [redacted].");
  });

  it("refuses a write whose expectedVersion is stale", async () => {
    const first = await t.codex.config.write("model_verbosity", "low");
    await t.codex.config.write("model_verbosity", "high");
    await expect(
      t.codex.config.write("model_verbosity", "medium", { expectedVersion: first.version }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect((await t.codex.config.read()).config.model_verbosity).toBe("high");
  });

  it("rejects bad key paths, values and options before any I/O", async () => {
    const { config } = t.codex;
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const calls = [
      () => config.write("", "x"),
      () => config.write("model", undefined as never),
      () => config.write("model", cycle as never),
      () => config.write("model", "x", { mergeStrategy: "merge" as never }),
      () => config.write("model", "x", { expectedVersion: "" }),
      () => config.batchWrite([]),
      () => config.batchWrite([{ keyPath: 3 as never, value: 1 }]),
      () => config.batchWrite([{ keyPath: "a", value: 1 }], { reloadUserConfig: "y" as never }),
      () => config.read({ includeLayers: 1 as never }),
      () => config.read({ timeout: Infinity }),
    ];
    for (const call of calls) {
      let result!: Promise<unknown>;
      expect(() => (result = call())).not.toThrow();
      const err = await result.catch((e: unknown) => e);
      expect(err, String(call)).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
    expect(clientStats(t.codex)["connection.pending"]).toBe(0);
  });
});

describe("Codex.loginApiKey where a project's config chooses the credential store", () => {
  it("reads the store for the directory the server started in, and refuses to persist there", async () => {
    const project = await mkdtemp(path.join(tmpdir(), "codex-sdk-project-"));
    try {
      await mkdir(path.join(project, ".git"));
      await mkdir(path.join(project, ".codex"));
      await writeFile(
        path.join(project, ".codex", "config.toml"),
        'cli_auth_credentials_store = "ephemeral"\n',
      );
      await using inProject = await createTestCodex({
        cwd: project,
        home: { extraConfig: `projects.${JSON.stringify(project)}.trust_level = "trusted"` },
      });
      // The server keeps keys in memory there: a key to persist is refused, one not is taken.
      await expect(
        inProject.codex.loginApiKey("sk-test-project-0123456789", { persist: true }),
      ).rejects.toThrow(/in memory/);
      await inProject.codex.loginApiKey("sk-test-project-0123456789", { persist: false });
      expect(await readdir(inProject.home.codexHome)).not.toContain("auth.json");
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
