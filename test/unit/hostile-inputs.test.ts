// Inputs a JavaScript caller may give that no type allows: getters that answer differently when
// read again, lists changed after the call, values nested past any limit, sparse lists of huge
// length. What is checked must be what is sent, and a refusal must come at once, naming the
// option, with nothing sent.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { checkTokenRefresh } from "../../src/answer-checks.js";
import { startOverFake } from "../support/fake-stdio.js";
import type { ServedTransport } from "../support/fuzz-wire.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { ServedTransport: Served } = await import("../support/fuzz-wire.js");
  const { fakeStdio } = await import("../support/fake-stdio.js");
  return fakeStdio(Served, (t) => transports.push(t));
});
const { Codex } = await import("../../src/index.js");

type Client = Awaited<ReturnType<typeof Codex.start>>;

const THREAD_ID = "019a0000-0000-7000-8000-000000000000";
const INITIALIZED = {
  userAgent: "codex/0.0.1",
  serverInfo: { name: "codex", version: "0.0.1" },
  platformFamily: "unix",
  platformOs: "linux",
};

/** A client over a fake stdio whose every request the server refuses at once. */
async function client() {
  transports.length = 0;
  const { codex, transport } = await startOverFake(Codex, transports, INITIALIZED, {
    logLevel: "off",
  });
  transport.onSend = ({ id, method }) => {
    if (typeof method !== "string" || id === undefined) return;
    setImmediate(() => transport.deliver({ id, error: { code: -32600, message: "refused" } }));
  };
  return { codex, transport };
}

async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextMacrotask();
}

/** A list of one item whose getter gives `good` for its first `reads` reads, then `bad`. */
function turning(good: string, bad: string, reads: number): string[] {
  const list: string[] = [];
  let read = 0;
  Object.defineProperty(list, 0, {
    enumerable: true,
    get: () => (++read <= reads ? good : bad),
  });
  return list;
}

/** A list of `length` holes and nothing else. */
function holes(length: number): string[] {
  const list: string[] = [];
  list.length = length;
  return list;
}

function nested(levels: number): unknown {
  let value: unknown = { leaf: 1 };
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe("lists inside options are read once", () => {
  // Each call's own check refuses the second value when given plainly.
  const CASES = [
    {
      name: "mcpLogin's scopes",
      method: "mcpServer/oauth/login",
      call: (codex: Client, list: string[]) => codex.mcpLogin("docs", { scopes: list }),
      good: "repo",
      bad: "repo admin",
      field: "scopes",
    },
    {
      name: "threadList's modelProviders",
      method: "thread/list",
      call: (codex: Client, list: string[]) => codex.threadList({ modelProviders: list }),
      good: "openai",
      bad: "",
      field: "modelProviders",
    },
  ];
  for (const { name, method, call, good, bad, field } of CASES) {
    it(`${name}: what is checked is what is sent`, async () => {
      const sent: unknown[] = [];
      for (let reads = 1; reads <= 5; reads++) {
        const { codex, transport } = await client();
        await call(codex, turning(good, bad, reads)).catch(() => undefined);
        await settled();
        const request = transport.sent.find((m) => m.method === method);
        await codex.close();
        expect(request).toBeDefined();
        sent.push((request!.params as Record<string, unknown[]>)[field]![0]);
      }
      expect(sent).toEqual([good, good, good, good, good]);
    });
  }

  it("a turn's disabledPluginIds: what is checked is what is sent", async () => {
    const sent: unknown[] = [];
    for (let reads = 1; reads <= 5; reads++) {
      const { codex, transport } = await client();
      const list = turning("plugin-a", 42 as never, reads);
      await codex
        .thread(THREAD_ID)
        .turn("hi", { disabledPluginIds: list })
        .catch(() => undefined);
      await settled();
      const request = transport.sent.find((m) => m.method === "turn/start");
      await codex.close();
      expect(request).toBeDefined();
      sent.push((request!.params as { disabledPluginIds: unknown[] }).disabledPluginIds[0]);
    }
    expect(sent).toEqual(["plugin-a", "plugin-a", "plugin-a", "plugin-a", "plugin-a"]);
  });

  it("codex.threads() asks every page with the options as given at the call", async () => {
    const { codex, transport } = await client();
    const providers = ["openai"];
    const pages = codex.threads({ modelProviders: providers });
    providers[0] = "somebody-else";
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toThrow(/refused/);
    const list = transport.sent.find((m) => m.method === "thread/list");
    await codex.close();
    expect((list!.params as { modelProviders: unknown }).modelProviders).toEqual(["openai"]);
  });

  it("a token refresh's answer is sent as it was checked", () => {
    for (let good = 1; good <= 5; good++) {
      let reads = 0;
      const answer = {
        get accessToken() {
          return ++reads <= good ? "token" : "token\nX-Other: 1";
        },
        chatgptAccountId: "account",
      };
      expect(checkTokenRefresh(answer)).toEqual({
        accessToken: "token",
        chatgptAccountId: "account",
        chatgptPlanType: null,
      });
    }
  });
});

describe("values nested past any limit", () => {
  const CALLS: Record<string, (codex: Client) => Promise<unknown>> = {
    "exec's options": (codex) => codex.exec(["ls"], { sandboxPolicy: nested(100_000) } as never),
    "a review's target": (codex) =>
      codex.thread(THREAD_ID).review({ commit: nested(100_000) } as never),
    "skills' cwds": (codex) => codex.skills({ cwds: [nested(100_000)] } as never),
    "loginChatgptAuthTokens' tokens": (codex) =>
      codex.loginChatgptAuthTokens({ accessToken: nested(100_000) } as never),
  };
  for (const [name, call] of Object.entries(CALLS)) {
    it(`${name}: refused by the SDK, not by the engine's stack, and nothing sent`, async () => {
      const { codex, transport } = await client();
      const before = transport.sent.length;
      const error = await call(codex).catch((err: unknown) => err);
      await settled();
      const sent = transport.sent.length - before;
      await codex.close();
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).not.toMatch(/call stack/);
      expect(sent).toBe(0);
    });
  }
});

describe("sparse lists of huge length", () => {
  const LENGTH = 2 ** 24;
  const CALLS: Record<string, (codex: Client, list: string[]) => unknown> = {
    "exec's argv": (codex, list) => codex.exec(list),
    "skills' cwds": (codex, list) => codex.skills({ cwds: list }),
    "threadList's sourceKinds": (codex, list) => codex.threadList({ sourceKinds: list as never }),
    "a thread's config": (codex, list) => codex.threadStart({ config: { x: list } }),
    "codex.request's params": (codex, list) => codex.request("thread/list", { cwd: list }),
    "Codex.start's optOutNotificationMethods": (_codex, list) =>
      Codex.start({ launchArgs: ["codex-stand-in"], optOutNotificationMethods: list as never }),
  };
  for (const [name, call] of Object.entries(CALLS)) {
    it(`${name}: refused at its first hole, without walking the rest`, async () => {
      const { codex } = await client();
      const list = holes(LENGTH);
      const t0 = performance.now();
      const error = await Promise.resolve()
        .then(() => call(codex, list))
        .catch((err: unknown) => err);
      const ms = performance.now() - t0;
      await codex.close();
      expect(error).toBeInstanceOf(TypeError);
      // Walked through, 2^24 holes take 400 ms and more here.
      expect(ms).toBeLessThan(100);
    });
  }
});

describe("schemas, bytes and strings that are not what they seem", () => {
  const schemaGiving = (produced: () => unknown) => ({
    "~standard": {
      version: 1,
      vendor: "custom",
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: produced, output: produced },
    },
  });

  it("refuses an output schema whose JSON Schema comes as a promise, and the thread goes on", async () => {
    const { codex, transport } = await client();
    const thread = codex.thread(THREAD_ID);
    // One that never settles held the thread's queue for ever; a settled one was awaited.
    for (const produced of [() => ({ then() {} }), () => Promise.resolve({ type: "object" })]) {
      await expect(thread.run("x", { output: schemaGiving(produced) as never })).rejects.toThrow(
        "output: the schema's JSON Schema is a promise, not an object",
      );
    }
    expect(transport.sent.some((m) => m.method === "turn/start")).toBe(false);
    await expect(thread.run("next")).rejects.toThrow(/refused/);
    expect(transport.sent.filter((m) => m.method === "turn/start")).toHaveLength(1);
    await codex.close();
  });

  it("refuses at once a value whose objects, given twice at each level, JSON would write 2^20 times", async () => {
    const { codex, transport } = await client();
    let value: unknown = 1;
    for (let i = 0; i < 20; i++) value = [value, value];
    const t0 = performance.now();
    await expect(codex.config.write("a", value as never)).rejects.toThrow(
      /^edit\.value holds more than 2\^20 \(1048576\) values as JSON writes it/,
    );
    // Copied once for each place it stands in, it took a second here (gigabytes at 26 levels).
    expect(performance.now() - t0).toBeLessThan(100);
    expect(transport.sent.some((m) => m.method === "config/value/write")).toBe(false);
    // The same object twice, a few times over, is sent as given.
    let small: unknown = { a: 1 };
    for (let i = 0; i < 10; i++) small = { left: small, right: small };
    await expect(codex.config.write("b", small as never)).rejects.toThrow(/refused/);
    const sent = transport.sent.find((m) => m.method === "config/value/write");
    expect(JSON.stringify((sent!.params as { value: unknown }).value)).toBe(JSON.stringify(small));
    await codex.close();
  });

  it("writes to a command the bytes an array holds, whatever its own getters say", async () => {
    transports.length = 0;
    const { codex, transport } = await startOverFake(Codex, transports, INITIALIZED, {
      logLevel: "off",
    });
    const written: string[] = [];
    transport.onSend = ({ id, method, params }) => {
      if (id === undefined || method === "command/exec") return;
      if (method === "command/exec/write") {
        written.push(
          Buffer.from((params as { deltaBase64: string }).deltaBase64, "base64").toString(),
        );
      }
      setImmediate(() => transport.deliver({ id, result: {} }));
    };
    const handle = await codex.exec(["cat"], { stdin: true });
    const lying = new Uint8Array([104, 105]);
    // Buffer.from reads valueOf, and a subclass's length.
    Object.defineProperty(lying, "valueOf", { value: () => "rm -rf ~\n" });
    class Short extends Uint8Array {
      override get length(): number {
        return 0;
      }
    }
    await handle.write(lying);
    await handle.write(new Short([104, 105]));
    const gone = new Uint8Array(new ArrayBuffer(2));
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    await expect(handle.write(gone)).rejects.toThrow(/^data cannot be read: /);
    expect(written).toEqual(["hi", "hi"]);
    await codex.close();
  });

  it("refuses a credential or a key path of megabytes at once", async () => {
    const { codex } = await client();
    const huge = "k".repeat(10_000_000);
    const t0 = performance.now();
    await expect(codex.loginApiKey(huge)).rejects.toThrow(
      /^apiKey is 10000000 characters long, more than a credential may be/,
    );
    await expect(codex.config.write(huge, 1)).rejects.toThrow(
      /^edit\.keyPath is 10000000 characters long, more than a key path may be/,
    );
    // Seconds each, before.
    expect(performance.now() - t0).toBeLessThan(500);
    await codex.close();
  });
});
