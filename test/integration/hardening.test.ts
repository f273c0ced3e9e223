import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { inspect } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Codex,
  CodexError,
  RequestTimeoutError,
  TransportClosedError,
  TurnAbortedError,
  TurnFailedError,
  type TurnEvent,
} from "../../src/index.js";
import { clientStats, sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { expectNoChild, trapProcessFaults, type FaultTrap } from "../support/fault/guards.js";

const KEY = "sk-hardening-0123456789abcdefXYZ";
const ENV_SECRET = "env-secret-value-42";

// Every test also holds the general promises: no uncaught exception or unhandled rejection, and
// no child process left once the client is closed. Each test bounds its own waits (vitest's
// timeout is the outer bound).
let t: TestCodex;
let trap: FaultTrap;
// Taken at the start: `codex.pid` is undefined once the server has exited.
let pid: number | undefined;
beforeEach(async () => {
  trap = trapProcessFaults();
  t = await createTestCodex({ env: { HARDENING_SECRET: ENV_SECRET } });
  pid = t.codex.pid;
});
afterEach(async () => {
  await t.close();
  await expectNoChild(pid);
  try {
    await trap.expectNone();
  } finally {
    trap.dispose();
  }
});

/** The garbage collector, as `--expose-gc` gives it, from a context made after the flag is set. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Every way a user could print or serialize an object. */
function everything(value: unknown): string {
  return [
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    JSON.stringify(value) ?? "",
  ].join("\n");
}

async function collect(stream: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("bad input", () => {
  it("rejects, never throws, and sends nothing, for every bad timeout, signal and id", async () => {
    const { codex } = t;
    const thread = await codex.threadStart();
    const before = t.mock.requests.length;
    const calls: Array<() => Promise<unknown>> = [];
    for (const timeout of [-1, 0, Number.NaN, Infinity, 2 ** 31, "5" as never]) {
      calls.push(
        () => codex.models({ timeout }),
        () => codex.threadList({ timeout }),
        () => codex.account({ timeout }),
        () => thread.read({ timeout }),
        () => thread.run("x", { timeout }),
        () => thread.turn("x", { timeout }),
        () => codex.request("model/list", {}, { timeout }),
      );
    }
    for (const id of ["", 42 as never, null as never]) {
      calls.push(
        () => codex.threadArchive(id),
        () => codex.threadResume(id),
        () => codex.threadFork(id),
        () => codex.threadUnarchive(id),
      );
    }
    calls.push(
      () => thread.run("x", { signal: "nope" as never }),
      () => thread.run("x", { sandbox: "everything" as never }),
      () => codex.threadStart({ approvalMode: "maybe" as never }),
      () => codex.threadStart({ tools: [{ name: "" } as never] }),
      () => codex.threadStart({ approvals: { commandExecution: "yes" as never } }),
      () => thread.run([]),
    );
    calls.push(
      () => thread.setGoal("a goal", { status: "bogus" as never }),
      () => thread.setGoalStatus("bogus" as never),
      () => thread.setGoalStatus(undefined as never),
    );
    for (const tokenBudget of [0, -1, 1.5, Number.NaN, 2 ** 53, "5" as never]) {
      calls.push(
        () => thread.setGoal("a goal", { tokenBudget }),
        () => thread.runGoal("a goal", { tokenBudget }),
      );
    }
    for (const call of calls) {
      let result: Promise<unknown>;
      expect(() => (result = call())).not.toThrow();
      const err = await result!.then(
        () => new Error("resolved"),
        (e: unknown) => e,
      );
      expect(err, String(call)).toBeInstanceOf(Error);
      expect(err, String(call)).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
    // The client still works after all of that.
    t.mock.enqueueAssistantMessage("still fine");
    expect((await thread.run("hello")).finalResponse).toBe("still fine");
    // Only that turn reached the model: one the server got from a refused call would have come
    // before it (read right after the refusals, the count could not see it yet).
    expect(t.mock.requests.length).toBe(before + 1);
  });

  it("checks start options before spawning anything", async () => {
    const missing = "/nonexistent/codex-binary";
    for (const options of [
      { startTimeout: -1 },
      { startTimeout: Number.NaN },
      { killGraceMs: -5 },
      { logger: {} as never },
      { logLevel: "loud" as never },
      { serverRequestTimeout: Infinity },
      { optOutNotificationMethods: [42] as never },
    ]) {
      const err = await Codex.start({ codexBin: missing, ...options }).catch((e: unknown) => e);
      expect(err).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
  });
});

describe("secrets", () => {
  it("never shows the API key or the child's environment in inspect, JSON or errors", async () => {
    const { codex } = t;
    await codex.loginApiKey(KEY);
    const thread = await codex.threadStart();
    t.mock.enqueue(sse.textDeltas(["a"]));
    const turn = await thread.turn("hi");
    await turn.run();
    for (const value of [codex, thread, turn]) {
      const text = everything(value);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(ENV_SECRET);
    }
    const closed = await t.codex.close().then(() => thread.read().catch((e: unknown) => e));
    expect(closed).toBeInstanceOf(TransportClosedError);
    expect(everything(closed)).not.toContain(KEY);
  });

  it("redacts the key from the stream events and the error of a turn whose provider quoted it", async () => {
    const { codex } = t;
    await codex.loginApiKey(KEY);
    const thread = await codex.threadStart();
    t.mock.enqueueFailure(`Incorrect API key provided: ${KEY}. You can find your key at ...`);
    const turn = await thread.turn("hi");
    const events = await collect(turn.stream());
    const err = await turn.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).message).toContain("[redacted]");
    const all = JSON.stringify(events) + everything(err);
    expect(all).toContain("[redacted]");
    expect(all).not.toContain(KEY);
  });

  it("redacts a key the config names by its variable, and one given with white space around it, as the provider quotes them", async () => {
    // The runtime sends what the variables hold, whatever their names; HTTP drops the white
    // space around a value, and the provider quotes what it received.
    const gateway = `${KEY}-gateway`;
    const spaced = `${KEY}-spaced`;
    const bearer = `${KEY}-bearer`;
    const ownGateway = `${KEY}-thread`;
    const quoted = `Incorrect API key provided: ${gateway}, ${spaced}, ${bearer}, ${ownGateway}`;
    const started = await createTestCodex({
      env: { LLM_GATEWAY: gateway, GATEWAY_HEADER: `${spaced} `, THREAD_GATEWAY: ownGateway },
      configOverrides: {
        "model_providers.mock.env_key": "LLM_GATEWAY",
        "model_providers.mock.env_http_headers": { "X-Gateway": "GATEWAY_HEADER" },
      },
    });
    try {
      const thread = await started.codex.threadStart();
      started.mock.enqueueFailure(quoted);
      const err = await thread.run("hi").catch((e: unknown) => e);
      const { headers } = started.mock.responsesRequests.at(-1)!;
      expect([headers.authorization, headers["x-gateway"]]).toEqual([`Bearer ${gateway}`, spaced]);
      expect(err).toBeInstanceOf(TurnFailedError);
      expect(everything(err)).toContain("Incorrect API key provided: [redacted], [redacted], ");
      for (const secret of [gateway, spaced]) expect(everything(err)).not.toContain(secret);
      // A thread's own config naming another variable: what it holds is the thread's key.
      const own = await started.codex.threadStart({
        config: { "model_providers.mock.env_key": "THREAD_GATEWAY" },
      });
      started.mock.enqueueFailure(quoted);
      const ownErr = await own.run("hi").catch((e: unknown) => e);
      const sent = started.mock.responsesRequests.at(-1)!.headers.authorization;
      expect(sent).toBe(`Bearer ${ownGateway}`);
      expect(ownErr).toBeInstanceOf(TurnFailedError);
      expect(everything(ownErr)).not.toContain(ownGateway);
    } finally {
      await started.close();
    }
    // A thread's own bearer token, with white space around it.
    const thread = await t.codex.threadStart({
      config: { "model_providers.mock.experimental_bearer_token": `${bearer}\t` },
    });
    t.mock.enqueueFailure(quoted);
    const err = await thread.run("hi").catch((e: unknown) => e);
    expect(t.mock.responsesRequests.at(-1)!.headers.authorization).toBe(`Bearer ${bearer}`);
    expect(err).toBeInstanceOf(TurnFailedError);
    expect(everything(err)).toContain(", [redacted]");
    expect(everything(err)).not.toContain(bearer);
  });

  it("takes a key too long for a regular expression, redacts it, and keeps working", async () => {
    // Its pattern was refused by V8 with an error quoting it: every later answer was then taken
    // for a line too long to hold, and a start given one in env failed with the key in its message.
    const long = `sk-${"Zq81xA".repeat(10_000)}`;
    const started = await createTestCodex({ env: { DEPLOY_TOKEN: long } });
    try {
      await started.codex.loginApiKey(long);
      const thread = await started.codex.threadStart();
      started.mock.enqueueFailure(`Incorrect API key provided: ${long}`);
      const turn = await thread.turn("hi");
      const events = await collect(turn.stream());
      const err = await turn.run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TurnFailedError);
      const all = JSON.stringify(events) + everything(err);
      expect(all).toContain("[redacted]");
      expect(all).not.toContain("Zq81xAZq81xA");
      // The next call is answered as usual.
      await expect(thread.setName("after")).resolves.toEqual({});
    } finally {
      await started.close();
    }
  });

  it("redacts the token of a marketplace's source URL from the error of its failed clone", async () => {
    const token = "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // A private repository reached with a token in its URL, as a CI checkout writes it.
    for (const source of [
      `https://x-access-token:${token}@127.0.0.1:1/org/market.git`,
      `https://${token}@127.0.0.1:1/org/market.git`,
    ]) {
      const err = (await t.codex
        .request("marketplace/add", { source })
        .catch((e: unknown) => e)) as Error | undefined;
      expect(err?.message).toMatch(/git clone https:\/\/.*\[redacted\]@127\.0\.0\.1:1/);
      expect(inspect(err, { depth: Infinity, showHidden: true })).not.toContain(token);
    }
  });

  it("warns, naming the option and not the value, of a credential put on the command line", async () => {
    const token = "sk-gw-0123456789abcdefABCDEF";
    const warned: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warned.push(m), error() {} };
    const gateway = { name: "gw", base_url: "http://127.0.0.1:9/v1" };
    // Started, as the provider is never used; any user of the machine reads its command line.
    await using started = await createTestCodex({
      logger,
      configOverrides: {
        model_providers: { gw: { ...gateway, experimental_bearer_token: token } },
      },
    });
    expect(started.codex.pid).toBeGreaterThan(0);
    expect(warned).toEqual([
      expect.stringMatching(/: configOverrides put a credential on the app-server's command line/),
    ]);
    expect(warned.join()).not.toContain(token);
    // Named by the config and given in env, it is not on the command line: no warning.
    warned.length = 0;
    await using named = await createTestCodex({
      logger,
      env: { GW_KEY: token },
      configOverrides: { model_providers: { gw: { ...gateway, env_key: "GW_KEY" } } },
    });
    expect(named.codex.pid).toBeGreaterThan(0);
    expect(warned).toEqual([]);
    // A start that fails once the server runs had it on the command line all the same.
    const failed = await createTestCodex({
      logger,
      configOverrides: {
        model_providers: { gw: { ...gateway, experimental_bearer_token: token } },
        sandbox_mode: "bogus",
      },
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(warned).toEqual([
      expect.stringMatching(/: configOverrides put a credential on the app-server's command line/),
    ]);
  });
});

describe("a thread's config credentials", () => {
  /** A thread config that hands the server `token` (an MCP server's header; it never connects). */
  const withToken = (token: string) => ({
    config: {
      mcp_servers: {
        docs: {
          url: "http://127.0.0.1:9/mcp",
          http_headers: { Authorization: `Bearer ${token}` },
          enabled: false,
        },
      },
    },
  });
  /** What the model's answer quoting `token` reaches the caller as, on `thread`. */
  const quoted = async (
    thread: { run(input: string): Promise<{ finalResponse: string | null }> },
    token: string,
  ) => {
    t.mock.enqueueAssistantMessage(`it is ${token}`);
    return (await thread.run("which?")).finalResponse;
  };
  /**
   * Runs `act`, which deletes or archives `threadId`, and resolves once the client has handled the
   * server's `method` notification of it (which may come before or after the answer).
   */
  const ending = async (
    method: "thread/deleted" | "thread/archived",
    threadId: string,
    act: () => Promise<unknown>,
  ) => {
    const seen = new Promise<void>((resolve) => {
      const off = t.codex.on(method, (params) => {
        if (params.threadId !== threadId) return;
        off();
        resolve();
      });
    });
    await act();
    await seen;
  };
  const held = () => clientStats(t.codex)["threadSecrets.threads"];

  it("redacts them while the thread lives, and lets them go once it is deleted or archived", async () => {
    const { codex } = t;
    const other = await codex.threadStart();
    const first = "tenant-one-token-0123456789";
    const thread = await codex.threadStart(withToken(first));
    expect(await quoted(thread, first)).toBe("it is [redacted]");
    expect(held()).toBe(1);
    await ending("thread/deleted", thread.id, () => codex.threadDelete(thread.id));
    expect(held()).toBe(0);
    // Another thread's text quoting it is its own now: the client no longer holds it.
    expect(await quoted(other, first)).toBe(`it is ${first}`);

    // Resumed with one: held for the thread from the resume, until its archive.
    const second = "tenant-two-token-0123456789";
    const stored = await codex.threadStart();
    t.mock.enqueueAssistantMessage("stored");
    await stored.run("store it");
    await stored.unsubscribe();
    const resumed = await codex.threadResume(stored.id, withToken(second));
    expect(await quoted(resumed, second)).toBe("it is [redacted]");
    expect(held()).toBe(1);
    await ending("thread/archived", stored.id, () => codex.threadArchive(stored.id));
    expect(held()).toBe(0);
    expect(await quoted(other, second)).toBe(`it is ${second}`);
  });

  it("holds a token once for a thread resumed again and again with it", async () => {
    // A service resuming the conversation's thread for each message, with the user's token read
    // afresh each time: each resume kept one more copy, for the thread's life.
    const { codex } = t;
    const stored = await codex.threadStart();
    t.mock.enqueueAssistantMessage("stored");
    await stored.run("store it");
    const token = () => ["tenant-again-token-", "0123456789"].join("");
    const credentials = () => clientStats(codex)["threadSecrets.credentials"];
    await codex.threadResume(stored.id, withToken(token()));
    // The header's value and the token in it.
    expect([held(), credentials()]).toEqual([1, 2]);
    for (let i = 0; i < 20; i++) await codex.threadResume(stored.id, withToken(token()));
    expect([held(), credentials()]).toEqual([1, 2]);
    const resumed = await codex.threadResume(stored.id, withToken(token()));
    expect(await quoted(resumed, token())).toBe("it is [redacted]");
    await ending("thread/archived", stored.id, () => codex.threadArchive(stored.id));
    expect([held(), credentials()]).toEqual([0, 0]);
    // Each hold was let go: nothing redacts it now.
    const other = await codex.threadStart();
    expect(await quoted(other, token())).toBe(`it is ${token()}`);
  });

  it("holds them for the thread when the start is sent through codex.request", async () => {
    const token = "tenant-raw-token-0123456789";
    const { thread } = await t.codex.request("thread/start", withToken(token));
    expect(held()).toBe(1);
    await ending("thread/deleted", thread.id, () =>
      t.codex.request("thread/delete", { threadId: thread.id }),
    );
    expect(held()).toBe(0);
    const other = await t.codex.threadStart();
    expect(await quoted(other, token)).toBe(`it is ${token}`);
  });

  it("keeps no more of them than the threads that hold them", async () => {
    const { codex } = t;
    for (let i = 0; i < 30; i++) {
      const thread = await codex.threadStart(withToken(`tenant-${i}-token-0123456789`));
      await ending("thread/deleted", thread.id, () => codex.threadDelete(thread.id));
    }
    expect(held()).toBe(0);
    const other = await codex.threadStart();
    expect(await quoted(other, "tenant-7-token-0123456789")).toBe(
      "it is tenant-7-token-0123456789",
    );
  });

  it("redacts them from the refusal of a start the server makes no thread of, then lets them go", async () => {
    const token = "tenant-refused-token-0123456789";
    const err = await t.codex
      .threadStart({ config: { model_provider: token, ...withToken(token).config } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toContain("[redacted]");
    expect(everything(err)).not.toContain(token);
    expect(held()).toBe(0);
    const other = await t.codex.threadStart();
    expect(await quoted(other, token)).toBe(`it is ${token}`);
  });
});

describe("a handle you can act on at once", () => {
  it("interrupts a turn right after thread.turn() resolves", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("long task");
    await expect(turn.interrupt()).resolves.toBeDefined();
    const result = await turn.run();
    expect(result.status).toBe("interrupted");
    gate.release();
  });

  it("steers a turn right after thread.turn() resolves", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("start");
    const steered = turn.steer("and this");
    gate.release();
    expect((await steered).turnId).toBe(turn.id);
    expect((await turn.run()).status).toBe("completed");
  });

  it("an abort at once stops the turn on the server promptly and leaves the thread free", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn("long task", { signal: controller.signal });
    controller.abort();
    const started = Date.now();
    const err = await turn.run({ signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(turn.completed).toBe(true);
    // The interrupt may land before the model was even called; either way the thread is free
    // for the next turn, which gets whatever the mock serves next.
    gate.release();
    t.mock.enqueueAssistantMessage("next");
    expect((await thread.run("again")).status).toBe("completed");
  });

  it("a run timeout interrupts the turn and rejects with a TimeoutError cause", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const err = await thread.run("long task", { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    // Named by the call's whole timeout, part of which the start took.
    expect((err as TurnAbortedError).cause).toMatchObject({
      name: "TimeoutError",
      message: "The turn took longer than 200 ms",
    });
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    gate.release();
  });
});

describe("lifecycles", () => {
  it("keeps nothing of a thread released after a turn it left ran to its end on resume", async () => {
    const before = clientStats(t.codex);
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial", " answer"]), { gate });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("a long task");
    const left = turn.run().catch((err: unknown) => err);
    await gate.reached;
    await thread.unsubscribe();
    expect(await left).toBeInstanceOf(CodexError);
    const resumed = await t.codex.threadResume(thread.id);
    const completed = new Promise<void>((resolve) => {
      const off = t.codex.on("turn/completed", ({ turn: done }) => {
        if (done.id !== turn.id) return;
        off();
        resolve();
      });
    });
    // The resume's answer says the thread runs a turn whose start this client, which left, did
    // not see: it is noted as running until its completion, and nothing is kept after.
    expect(clientStats(t.codex)["router.running"]).toBe(1);
    gate.release();
    await completed;
    expect(clientStats(t.codex)).toMatchObject({ "router.endedFirst": 0, "router.running": 0 });
    resumed.release();
    expect(clientStats(t.codex)).toEqual(before);
  });

  it("notifications() opened after close() ends at once", async () => {
    await t.codex.close();
    const stream = t.codex.notifications();
    await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it("notifications() opened after the server died fails at once with TransportClosedError", async () => {
    process.kill(t.codex.pid!, "SIGKILL");
    await expect(t.codex.threadStart()).rejects.toBeInstanceOf(TransportClosedError);
    await expect(t.codex.notifications().next()).rejects.toBeInstanceOf(TransportClosedError);
  });

  it("unsubscribes a notifications() iterator dropped without leaving its loop, once collected", async () => {
    const gc = collector();
    const listeners = () => clientStats(t.codex)["router.anyListeners"]!;
    const collectUntil = async (count: number) => {
      for (let round = 0; round < 50 && listeners() > count; round++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const before = listeners();
    // Dropped with no break and no return(); a loop that waits for its next notification; and a
    // read whose promise alone is kept.
    (() => void t.codex.notifications())();
    const waiting = t.codex.notifications();
    const next = waiting.next();
    const alone = t.codex.notifications().next();
    expect(listeners()).toBe(before + 3);
    await collectUntil(before + 2);
    expect(listeners()).toBe(before + 2);
    // The waiting reads were kept, and each gets its notification.
    await t.codex.threadStart();
    const read = { done: false, value: { method: expect.any(String) } };
    await expect(next).resolves.toMatchObject(read);
    await expect(alone).resolves.toMatchObject(read);
    await waiting.return!();
    // The iterator whose read alone was kept goes once it is collected.
    await collectUntil(before);
    expect(listeners()).toBe(before);
  });

  // A thread's own handlers and tool, which the client keeps until the thread ends.
  const THREAD_HANDLERS = {
    approvals: { commandExecution: () => ({ decision: "decline" as const }) },
    tools: [{ name: "t", description: "d", inputSchema: { type: "object" }, handler: () => "ok" }],
  };

  // Settles on the client's next notification of a thread's end.
  const nextOf = (codex: Codex, method: "thread/archived" | "thread/deleted" | "thread/closed") =>
    new Promise<void>((resolve) => {
      const off = codex.on(method, () => {
        off();
        resolve();
      });
    });

  it("releases a thread's handlers and tools when it is archived, and on release()", async () => {
    const { codex } = t;
    const base = clientStats(codex);
    const archived = nextOf(codex, "thread/archived");
    const a = await codex.threadStart(THREAD_HANDLERS);
    const b = await codex.threadStart(THREAD_HANDLERS);
    expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(2);
    expect(clientStats(codex)["dispatcher.threadTools"]).toBe(2);
    await codex.threadArchive(a.id);
    await archived;
    b.release();
    expect(clientStats(codex)).toEqual(base);
  });

  it("releases a thread's handlers and tools when the server deletes or closes the thread", async () => {
    // The runtime unloads a thread nobody is subscribed to after this delay, and says so.
    const own = await createTestCodex({ home: { extraConfig: "thread_unload_delay_secs = 1" } });
    try {
      const { codex } = own;
      const base = clientStats(codex);
      const deleted = await codex.threadStart(THREAD_HANDLERS);
      const closed = await codex.threadStart(THREAD_HANDLERS);
      expect(clientStats(codex)["dispatcher.threadTools"]).toBe(2);
      // Raw requests, so only the server's notifications tell the client what became of them.
      const gone = nextOf(codex, "thread/deleted");
      await codex.request("thread/delete", { threadId: deleted.id });
      await gone;
      expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(1);
      expect(clientStats(codex)["dispatcher.threadTools"]).toBe(1);
      const unloaded = nextOf(codex, "thread/closed");
      await codex.request("thread/unsubscribe", { threadId: closed.id });
      await unloaded;
      expect(clientStats(codex)).toEqual(base);
    } finally {
      await own.close();
    }
  });

  it("drops a turn's handlers when it completes, and listens for turn ends only while some turn has them", async () => {
    const { codex } = t;
    const thread = await codex.threadStart();
    const base = clientStats(codex);
    t.mock.enqueueAssistantMessage("plain");
    await thread.run("no handlers");
    expect(clientStats(codex)).toEqual(base);
    t.mock.enqueueAssistantMessage("handled");
    const turn = await thread.turn("with handlers", {
      approvals: { commandExecution: () => ({ decision: "decline" as const }) },
    });
    expect(clientStats(codex)["dispatcher.turnHandlers"]).toBe(1);
    expect(clientStats(codex)["router.methodListeners"]).toBe(base["router.methodListeners"]! + 1);
    expect((await turn.run()).finalResponse).toBe("handled");
    expect(clientStats(codex)).toEqual(base);
  });
});

describe("a burst of requests", () => {
  /** Every call answered, and nothing left at the server or waiting for a place. */
  async function expectEveryAnswer(calls: Promise<unknown>[]): Promise<void> {
    const settled = await Promise.allSettled(calls);
    const failed = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
    expect(failed.slice(0, 3)).toEqual([]);
    expect(clientStats(t.codex)).toMatchObject({
      "connection.inFlight": 0,
      "connection.queued": 0,
    });
  }

  it("gets every answer: the client keeps the server under the load at which it drops some", async () => {
    // Sent at once, the runtime refuses some of 1000 as overloaded and never answers others.
    const calls = Array.from({ length: 1000 }, () => t.codex.models({ timeout: 15_000 }));
    await expectEveryAnswer(calls);
  });

  it("gets every answer to a burst of stops too, which overtake the other requests", async () => {
    // Sent at once, the runtime refused some of 2000 as overloaded and never answered others.
    const calls = Array.from({ length: 2000 }, (_, i) =>
      t.codex.request("fs/unwatch", { watchId: `w${i}` }, { timeout: 15_000 }),
    );
    await expectEveryAnswer(calls);
  });
});

describe("a message too long to hold", () => {
  it("fails only the call it answers, with no crash, and the client goes on: a read of a 400 MiB file", async () => {
    const { codex } = t;
    const file = path.join(t.workDir, "large.bin");
    await writeFile(file, Buffer.alloc(400 * 2 ** 20, 120));
    // In base64 the answer is 533 MiB of text, more than a JavaScript string can hold: read
    // whole, it threw out of the stdout callback and ended the host process.
    const err = await codex.request("fs/readFile", { path: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "the answer to fs/readFile is longer than a JavaScript string can hold " +
        "(536,870,888 characters); it was dropped",
    );
    await rm(file);
    expect((await codex.models()).data.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("start-up failures", () => {
  it("a binary that exits at once rejects with its exit code and stderr, never a bare EPIPE", async () => {
    for (let i = 0; i < 10; i++) {
      const err = await Codex.start({
        launchArgs: [process.execPath, "-e", "console.error('no such flag'); process.exit(3)"],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as TransportClosedError).exitCode).toBe(3);
      expect((err as TransportClosedError).stderrTail).toContain("no such flag");
    }
  });

  it("a server that never answers initialize: the timeout shows what it wrote to stderr, redacted", async () => {
    const explains =
      "console.error('error: database is locked', process.env.SERVICE_TOKEN); setInterval(() => {}, 1e6)";
    const err = (await Codex.start({
      launchArgs: [process.execPath, "-e", explains],
      env: { SERVICE_TOKEN: "token-value-0123456789" },
      startTimeout: 2000,
    }).catch((e: unknown) => e)) as RequestTimeoutError;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.method).toBe("initialize");
    expect(err.stderrTail).toBe("error: database is locked [redacted]");
    expect(err.message).toBe(
      "Request initialize timed out after 2000 ms\nstderr tail:\nerror: database is locked [redacted]",
    );
    expect(`${err.stack} ${inspect(err)}`).not.toContain("token-value");
    // One that wrote nothing: the bare timeout.
    const silent = (await Codex.start({
      launchArgs: [process.execPath, "-e", "setInterval(() => {}, 1e6)"],
      startTimeout: 500,
    }).catch((e: unknown) => e)) as RequestTimeoutError;
    expect(silent).toBeInstanceOf(RequestTimeoutError);
    expect([silent.message, silent.stderrTail]).toEqual([
      "Request initialize timed out after 500 ms",
      "",
    ]);
  });

  it("redacts credentials given in apiKey, env or configOverrides from what the server prints", async () => {
    // The runtime quotes a config value it cannot use: here a header map given as a string.
    const bearer = "Bearer config-secret-0123456789";
    for (const configOverrides of [
      { "mcp_servers.x.http_headers": bearer },
      [`mcp_servers.x.http_headers="${bearer}"`],
    ]) {
      const err = (await Codex.start({ configOverrides, env: t.home.env }).catch(
        (e: unknown) => e,
      )) as TransportClosedError | undefined;
      expect(err).toBeInstanceOf(TransportClosedError);
      expect(err!.stderrTail).toContain('invalid type: string "[redacted]"');
      expect(`${err!.stack} ${inspect(err)}`).not.toContain("config-secret");
    }
    // The API key, before the login sends it: here the runtime quotes a value it cannot use.
    const started = Codex.start({
      apiKey: KEY,
      configOverrides: { sandbox_mode: KEY },
      env: t.home.env,
    });
    const refused = (await started.catch((e: unknown) => e)) as TransportClosedError;
    expect(refused.stderrTail).toContain("unknown variant `[redacted]`");
    expect(`${refused.stack} ${inspect(refused)}`).not.toContain(KEY);
    // A server that prints its environment: values under credential names are redacted, others kept.
    const printEnv = "console.error(process.env.SERVICE_TOKEN, process.env.PLAIN); process.exit(3)";
    const err = (await Codex.start({
      launchArgs: [process.execPath, "-e", printEnv],
      env: { SERVICE_TOKEN: "token-value-0123456789", PLAIN: "plain-value-0123456789" },
    }).catch((e: unknown) => e)) as TransportClosedError;
    expect(err.stderrTail).toBe("[redacted] plain-value-0123456789");
  });

  it("a thread start given up on leaves no thread behind once its answer comes; an ephemeral one, no subscription", async () => {
    const dropped: string[] = [];
    const warned: string[] = [];
    let told!: () => void;
    const both = new Promise<void>((resolve) => (told = resolve));
    const logger = {
      debug: (message: string) => {
        if (!/, whose thread\/start was given up on$/.test(message)) return;
        dropped.push(message);
        if (dropped.length === 2) told();
      },
      info: () => {},
      warn: (message: string) => void warned.push(message),
      error: () => {},
    };
    await using given = await createTestCodex({ logger, logLevel: "debug" });
    for (const ephemeral of [false, true]) {
      const controller = new AbortController();
      const starting = given.codex.threadStart({ ephemeral, signal: controller.signal });
      controller.abort();
      await expect(starting).rejects.toMatchObject({ name: "AbortError" });
    }
    await both;
    // In either order: the two answers race.
    const idOf = (done: string) => {
      const found = dropped.map((message) => new RegExp(`: ${done} thread (\\S+),`).exec(message));
      return found.find((match) => match !== null)?.[1];
    };
    const deleted = idOf("deleted");
    const left = idOf("unsubscribed from");
    expect(deleted).toBeDefined();
    expect(left).toBeDefined();
    expect(warned).toEqual([]);
    expect(await given.codex.loadedThreads()).not.toContain(deleted);
    // The server keeps an ephemeral thread loaded for a while; this client no longer follows it.
    const status = await given.codex.request("thread/unsubscribe", { threadId: left! });
    expect(status).toEqual({ status: "notSubscribed" });
  });

  it("a request written to a server that closed its input fails with the close error, at once", async () => {
    // A stand-in that answers initialize, reads `initialized`, closes its stdin, says so with a
    // notification, and then stays alive: the next request's write meets a broken pipe.
    const server = [
      "read -r line",
      `id=$(printf '%s' "$line" | sed -E 's/.*"id":([0-9]+).*/\\1/')`,
      `printf '{"id":%s,"result":{"userAgent":"stand_in/1.0"}}\\n' "$id"`,
      "read -r line",
      "exec 0<&-",
      `printf '{"method":"account/updated","params":{}}\\n'`,
      "exec sleep 60",
    ].join("\n");
    await using codex = await Codex.start({ launchArgs: ["bash", "-c", server] });
    await new Promise<void>((resolve) => codex.on("account/updated", () => resolve()));
    const started = performance.now();
    const err = await codex.threadStart().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as Error).message).not.toContain("EPIPE");
    // Not the 60 s the stand-in would stay alive: the failed write itself ended the call.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
