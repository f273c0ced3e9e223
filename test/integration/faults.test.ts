// What the SDK promises under faults the real server will not produce on demand: malformed lines
// and params, handlers that return nonsense, a server that dies or ignores SIGTERM. The server is
// the scripted stand-in (or the proxy in front of the real binary); every test asserts that no
// uncaught exception or unhandled rejection fired, that every promise settled within a bound,
// and that no child process is left.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import vm from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Codex,
  CodexError,
  RequestTimeoutError,
  TransportClosedError,
  externalMessage,
  type CodexOptions,
  type Thread,
  type TurnEvent,
  type TurnResult,
} from "../../src/index.js";
import { clientStats } from "../../src/testing/index.js";
import { sse } from "../../src/testing/index.js";
import { createTestCodex } from "../../src/testing/test-codex.js";
import { SDK_VERSION } from "../../src/version.js";
import { captureLog } from "../support/capture-log.js";
import {
  expectNoChild,
  settlesWithin,
  trapProcessFaults,
  type Settled,
  type FaultTrap,
} from "../support/fault/guards.js";
import { startProxy } from "../support/fault/proxy.js";
import {
  startStandin,
  type ClientLine,
  type StandinHandler,
  type StandinOptions,
  type StandinReply,
} from "../support/fault/standin.js";

const run = promisify(execFile);
const THREAD = "thr_f";
const TURN = "turn_f";
const BOUND = 5_000;

const turn = (status = "inProgress") => ({
  id: TURN,
  items: [],
  status,
  error: null,
  startedAt: null,
  completedAt: null,
  durationMs: null,
});
const REPLIES = {
  "model/list": { drop: true },
  "thread/start": { result: { thread: { id: THREAD } } },
  "turn/start": { result: { turn: turn() } },
} as const;
const started = { method: "turn/started", params: { threadId: THREAD, turn: turn() } };
const completed = {
  method: "turn/completed",
  params: { threadId: THREAD, turn: turn("completed") },
};
const message = (text: string) => ({
  method: "item/completed",
  params: {
    threadId: THREAD,
    turnId: TURN,
    item: { type: "agentMessage", id: `m-${text}`, text, phase: null },
  },
});

let trap: FaultTrap;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => {
  trap = trapProcessFaults();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  trap.dispose();
});

async function setup(options: StandinOptions = {}, codexOptions: CodexOptions = {}) {
  const s = await startStandin({ ...options, replies: { ...REPLIES, ...options.replies } });
  cleanups.push(() => s.close());
  const log = captureLog();
  const codex = await Codex.start({
    launchArgs: s.launchArgs,
    logger: log.logger,
    logLevel: "debug",
    ...codexOptions,
  });
  cleanups.push(async () => {
    await codex.close();
    await expectNoChild(s.pid);
  });
  return { s, codex, entries: log.entries };
}

async function collect(stream: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Settles within the bound, or fails the test. */
async function settled<T>(promise: Promise<T>) {
  return settlesWithin(promise, BOUND);
}

describe("a server that floods the start", () => {
  it("keeps the first 1000 notifications sent before the client is ready, and warns once", async () => {
    const flood = Array.from({ length: 1100 }, (_, i) => ({
      message: { method: "configWarning", params: { summary: `warning ${i}`, details: null } },
    }));
    const answer = {
      id: 1,
      result: { userAgent: `flood/${SDK_VERSION} (stand-in)`, codexHome: "/tmp" },
    };
    const { codex, entries } = await setup(
      { initialize: { drop: true, then: [...flood, { message: answer }] } },
      { clientInfo: { name: "flood" } },
    );
    expect(codex.startupNotifications).toHaveLength(1000);
    expect(codex.startupNotifications.at(-1)?.params).toMatchObject({ summary: "warning 999" });
    const warnings = entries.filter((e) => e.level === "warn").map((e) => e.message);
    expect(warnings).toEqual([
      "codex-app-server-sdk: the server sent more than 1000 notifications before the client " +
        "was ready: the later ones are dropped",
    ]);
  });
});

describe("malformed server messages", () => {
  it("warns of a listener for a method the runtime does not send, and still calls it", async () => {
    const { s, codex, entries } = await setup();
    const warnings = () => entries.filter((e) => e.level === "warn").map((e) => e.message);
    codex.on("account/updated", () => undefined);
    expect(warnings()).toEqual([]);
    const seen = new Promise((resolve) => codex.on("account/update", resolve));
    expect(warnings()).toEqual([
      `codex-app-server-sdk: codex.on: account/update is no notification of runtime ${SDK_VERSION}; ` +
        "the listener is called if a server sends it",
    ]);
    await s.send({ method: "account/update", params: { from: "a newer server" } });
    expect(await seen).toEqual({ from: "a newer server" });
    // The SDK's own event, of a turn's stream, is named as such.
    codex.on("client/handlerError", () => undefined);
    expect(warnings().at(-1)).toBe(
      "codex-app-server-sdk: codex.on: client/handlerError is an event of this SDK's, shown in " +
        "the stream() of the turn whose request it is about; the listener is called only if a " +
        "server sends it",
    );
  });

  it("warns of a listener for a method the client asked the server not to send", async () => {
    const { codex, entries } = await setup({}, { events: "results" });
    const warnings = () => entries.filter((e) => e.level === "warn").map((e) => e.message);
    codex.on("item/completed", () => undefined);
    expect(warnings()).toEqual([]);
    codex.on("item/agentMessage/delta", () => undefined);
    expect(warnings()).toEqual([
      "codex-app-server-sdk: codex.on: this client asked the server not to send " +
        'item/agentMessage/delta (events: "results" or optOutNotificationMethods); the listener ' +
        "will not be called",
    ]);
  });

  it("drops each malformed line or params, and the rest of the same chunk still flows", async () => {
    const { s, codex, entries } = await setup();
    const seen: string[] = [];
    codex.on("account/updated", () => seen.push("account/updated"));
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    const junk = [
      "not json at all",
      "[1,2,3]",
      JSON.stringify({ method: "serverRequest/resolved" }),
      JSON.stringify({ method: "serverRequest/resolved", params: {} }),
      JSON.stringify({ method: "turn/started", params: null }),
      JSON.stringify({ method: "item/completed", params: { threadId: THREAD, turnId: TURN } }),
      JSON.stringify({
        method: "item/completed",
        params: { threadId: THREAD, turnId: TURN, item: 5 },
      }),
      JSON.stringify({ method: "thread/tokenUsage/updated", params: { turnId: TURN } }),
      JSON.stringify({
        method: "turn/completed",
        params: { threadId: THREAD, turn: { id: TURN } },
      }),
      JSON.stringify({ method: "thread/archived", params: { threadId: 7 } }),
      JSON.stringify({ id: { nested: true }, result: {} }),
      JSON.stringify({ id: 99_999, result: {} }),
    ];
    const good = [started, message("kept"), { method: "account/updated", params: {} }, completed];
    const chunk = [
      JSON.stringify(good[0]),
      ...junk,
      ...good.slice(1).map((m) => JSON.stringify(m)),
    ];
    // One write: the whole chunk reaches the client at once.
    await s.writeBytes(
      Buffer.concat([
        Buffer.from(chunk.join("\n") + "\n"),
        Buffer.from([0xff, 0xfe, 0x0a]), // invalid UTF-8, its own line
      ]),
    );
    const result = await settled(handle.run());
    expect(result.status).toBe("fulfilled");
    expect(result.status === "fulfilled" && result.value.finalResponse).toBe("kept");
    expect(seen).toEqual(["account/updated"]);
    expect(entries.some((e) => e.level === "warn" && e.message.includes("dropped"))).toBe(true);
    expect(entries.some((e) => e.message.includes("malformed item/completed"))).toBe(true);
    // The connection is still good.
    await expect(settled(codex.threadStart())).resolves.toMatchObject({ status: "fulfilled" });
    await trap.expectNone();
  });

  it("ends a turn whose one turn/completed it cannot read, and the thread's next turn runs", async () => {
    const { s, codex, entries } = await setup();
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    await s.send(started);
    await s.send(message("kept"));
    // As a runtime with a status this SDK does not read might send it: the only completion.
    await s.send({
      method: "turn/completed",
      params: { threadId: THREAD, turn: { ...turn("completed"), status: null } },
    });
    const failed = await settled(handle.run());
    expect(failed.status).toBe("rejected");
    const error = failed.status === "rejected" ? (failed.reason as Error) : undefined;
    expect(error).toBeInstanceOf(CodexError);
    expect(error?.message).toBe(
      `turn ${TURN} ended with a turn/completed the SDK cannot read (its turn's id or status is ` +
        "missing or of the wrong type), and no readable one followed",
    );
    expect(entries.some((e) => e.message.includes("malformed turn/completed"))).toBe(true);
    // The thread is free: its next turn is sent and completes.
    const next = await thread.turn("again");
    await s.send(started);
    await s.send(message("again"));
    await s.send(completed);
    const result = await settled(next.run());
    expect(result.status === "fulfilled" && result.value.finalResponse).toBe("again");
    await trap.expectNone();
  });

  it("ends the thread's turn at a turn/completed that names no turn, and the next turn runs", async () => {
    const { s, codex, entries } = await setup();
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    await s.send(started);
    await s.send(message("kept"));
    const { id: _id, ...unnamed } = turn("completed");
    await s.send({ method: "turn/completed", params: { threadId: THREAD, turn: unnamed } });
    const failed = await settled(handle.run());
    expect(failed.status === "rejected" && failed.reason).toBeInstanceOf(CodexError);
    expect(failed.status === "rejected" && (failed.reason as Error).message).toBe(
      `turn ${TURN} ended with a turn/completed the SDK cannot read (its turn's id or status is ` +
        "missing or of the wrong type), and no readable one followed",
    );
    expect(entries.map((e) => e.message)).toContain(
      "codex-app-server-sdk: turn/completed without both a threadId and a turn id: no turn is " +
        "taken as ended",
    );
    const next = await thread.turn("again");
    await s.send(started);
    await s.send(message("again"));
    await s.send(completed);
    const result = await settled(next.run());
    expect(result.status === "fulfilled" && result.value.finalResponse).toBe("again");
    await trap.expectNone();
  });

  it("resolves a turn ended with a status it does not know as given, and warns", async () => {
    const { s, codex, entries } = await setup();
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    await s.send(started);
    await s.send(message("kept"));
    await s.send({ method: "turn/completed", params: { threadId: THREAD, turn: turn("paused") } });
    const result = await settled(handle.run());
    expect(result.status === "fulfilled" && result.value).toMatchObject({
      status: "paused",
      finalResponse: "kept",
    });
    expect(entries.map((e) => e.message)).toContain(
      `codex-app-server-sdk: turn ${TURN} ended with a status this SDK does not know ("paused"): ` +
        "run() resolves with it as given",
    );
    await trap.expectNone();
  });

  it("takes a huge line and keeps going", async () => {
    const { s, codex } = await setup();
    const events: unknown[] = [];
    codex.on("account/updated", (params) => events.push(params));
    await s.write(
      {
        bigLine: {
          size: 4 * 1024 * 1024,
          prefix: '{"method":"x/huge","params":{"p":"',
          suffix: '"}}',
        },
      },
      { message: { method: "account/updated", params: { n: 1 } } },
    );
    await expect(settled(codex.threadStart())).resolves.toMatchObject({ status: "fulfilled" });
    expect(events).toEqual([{ n: 1 }]);
    await trap.expectNone();
  });
});

describe("a server that floods stdout with lines that are no message", () => {
  it("keeps the event loop turning: the start times out on time", async () => {
    // `yes` writes lines for ever and never answers: a wrong binary or a chatty wrapper. A parse
    // that throws for each held the loop for seconds (6.6 s here, for a 500 ms bound).
    // The longest the loop went without running a timer: a host's load makes ticks late, a loop
    // held by the flood makes one wait for seconds.
    const started = Date.now();
    let last = started;
    let longestGap = 0;
    const tick = setInterval(() => {
      const at = Date.now();
      longestGap = Math.max(longestGap, at - last);
      last = at;
    }, 50);
    try {
      // Indented, and with a logger: each line, logged, cost its error's stack too.
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      const start = Codex.start({
        launchArgs: ["yes", "  y"],
        startTimeout: 500,
        killGraceMs: 200,
        logger,
      });
      await expect(start).rejects.toBeInstanceOf(RequestTimeoutError);
      expect(Date.now() - started).toBeLessThan(3000);
      longestGap = Math.max(longestGap, Date.now() - last);
      expect(longestGap).toBeLessThan(1000);
    } finally {
      clearInterval(tick);
    }
    await trap.expectNone();
  });
});

describe("handler answers", () => {
  const circular: Record<string, unknown> = { decision: "accept" };
  circular.self = circular;
  const cases: Array<[string, () => unknown]> = [
    ["a circular amendment", () => ({ decision: { acceptWithExecpolicyAmendment: circular } })],
    [
      "a BigInt amendment",
      () => ({ decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: [1n] } } }),
    ],
    ["undefined", () => undefined],
    ["a number", () => 42],
    ["an unknown decision", () => ({ decision: "bogus" })],
    [
      "a throw",
      () => {
        throw new Error("handler bug");
      },
    ],
    ["a rejection", () => Promise.reject(new Error("async handler bug"))],
  ];

  it.each(cases)("answers the safe default when a handler returns %s", async (_, bad) => {
    const { s, codex, entries } = await setup(
      {},
      { approvals: { commandExecution: bad as never } },
    );
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    await s.send(started);
    const answer = await s.request("item/commandExecution/requestApproval", {
      threadId: THREAD,
      turnId: TURN,
      itemId: "i1",
      command: "rm -rf /",
    });
    expect(answer.message).toEqual({ id: answer.id, result: { decision: "decline" } });
    await s.send(completed);
    const events = await collect(handle.stream());
    const failure = events.find((e) => e.method === "client/handlerError");
    expect(failure?.params).toMatchObject({
      requestMethod: "item/commandExecution/requestApproval",
      answer: { decision: "decline" },
    });
    expect(entries.some((e) => e.level === "warn" && e.message.includes("handler"))).toBe(true);
    await trap.expectNone();
  });

  it("passes a valid answer through, and checks every kind of request", async () => {
    const { s } = await setup(
      {},
      {
        approvals: {
          commandExecution: () => ({ decision: "acceptForSession" }),
          fileChange: () => ({ decision: "nope" }) as never,
          permissions: () => ({ permissions: {}, scope: "forever" }) as never,
        },
        onUserInput: () => ({ answers: { q: { answers: [1] } } }) as never,
        onElicitation: () => ({ action: "accept" }) as never,
        onChatgptTokenRefresh: () => ({ accessToken: "", chatgptAccountId: "a" }) as never,
      },
    );
    const params = { threadId: THREAD, turnId: TURN, itemId: "i" };
    const ask = async (method: string, extra: object = {}) =>
      (await s.request(method, { ...params, ...extra })).message;
    expect(await ask("item/commandExecution/requestApproval", { command: "ls" })).toMatchObject({
      result: { decision: "acceptForSession" },
    });
    expect(await ask("item/fileChange/requestApproval")).toMatchObject({
      result: { decision: "decline" },
    });
    expect(await ask("item/permissions/requestApproval", { permissions: {} })).toMatchObject({
      result: { permissions: {}, scope: "turn" },
    });
    expect(await ask("item/tool/requestUserInput", { questions: [] })).toMatchObject({
      result: { answers: {} },
    });
    expect(await ask("mcpServer/elicitation/request")).toMatchObject({
      result: { action: "accept", content: null, _meta: null },
    });
    const refresh = await ask("account/chatgptAuthTokens/refresh", { reason: "unauthorized" });
    expect(refresh).toHaveProperty("error.code", -32603);
    const unknown = await ask("something/new");
    expect(unknown).toHaveProperty("error.code", -32601);
    await trap.expectNone();
  });

  it("reports a tool whose output cannot be sent as a failed call", async () => {
    const { s, codex } = await setup();
    codex.thread(THREAD, {
      tools: [
        {
          name: "big",
          description: "",
          inputSchema: { type: "object" },
          handler: () => ({ n: 1n }),
        },
        {
          name: "odd",
          description: "",
          inputSchema: { type: "object" },
          handler: () => [{ type: "video" }],
        },
        {
          name: "fine",
          description: "",
          inputSchema: { type: "object" },
          handler: () => [{ type: "inputText", text: "ok" }],
        },
      ],
    });
    const call = async (tool: string) =>
      (
        await s.request("item/tool/call", {
          threadId: THREAD,
          turnId: TURN,
          callId: "c",
          tool,
          arguments: {},
        })
      ).message as { result: { success: boolean; contentItems: { text: string }[] } };
    expect((await call("big")).result.success).toBe(false);
    expect((await call("odd")).result).toMatchObject({ success: false });
    expect((await call("odd")).result.contentItems[0]!.text).toContain("type");
    expect((await call("fine")).result).toEqual({
      success: true,
      contentItems: [{ type: "inputText", text: "ok" }],
    });
    await trap.expectNone();
  });
});

describe("what the client sends", () => {
  it("keeps signal and timeout out of turn/start, and sends nothing for bad options", async () => {
    const { s, codex } = await setup();
    const thread = await codex.threadStart();
    await expect(thread.turn("x", { timeout: -5 })).rejects.toBeInstanceOf(RangeError);
    // A line the refused call wrote reaches the stand-in's stdin before this control round trip.
    await s.sync();
    expect(s.received.some((line) => line.method === "turn/start")).toBe(false);
    const handle = await thread.turn("x", { timeout: 5_000, signal: new AbortController().signal });
    const sent = await s.nextFromClient("turn/start");
    expect(Object.keys(sent.message!.params as object).sort()).toEqual(["input", "threadId"]);
    await s.send(completed);
    await settled(handle.run());
    await trap.expectNone();
  });
});

describe("answers and listeners the client does not trust", () => {
  it("rejects a key login to persist when config/read answers without a config", async () => {
    const { codex } = await setup({ replies: { "config/read": { result: {} } } });
    await expect(codex.loginApiKey("sk-persist-0123456789", { persist: true })).rejects.toThrow(
      new CodexError("the answer to config/read holds no config"),
    );
  });

  it("deletes a thread whose start was given up on, again while the server refuses it as overloaded", async () => {
    const busy = { code: -32001, message: "Server overloaded; retry later." };
    const { s, codex } = await setup({
      replies: {
        "thread/start": { result: { thread: { id: "t-late", ephemeral: false } }, delayMs: 200 },
        "thread/delete": [{ error: busy }, { result: {} }],
      },
    });
    await expect(codex.threadStart({ timeout: 20 })).rejects.toBeInstanceOf(RequestTimeoutError);
    for (let i = 0; i < 2; i++) {
      const deletion = await s.nextFromClient("thread/delete");
      expect(deletion.message?.params).toEqual({ threadId: "t-late" });
    }
  });

  it("times a key login to persist out as account/login/start when config/read is not answered", async () => {
    const { codex } = await setup({ replies: { "config/read": { drop: true } } });
    const err = await codex
      .loginApiKey("sk-persist-0123456789", { persist: true, timeout: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "account/login/start", timeoutMs: 100 });
    expect((err as Error).cause).toMatchObject({ method: "config/read" });
  });

  it("rejects a thread or turn start whose answer names no id, and goes on", async () => {
    const { s, codex } = await setup({
      replies: {
        "thread/start": [{ result: { thread: {} } }, REPLIES["thread/start"]],
        "turn/start": [{ result: { turn: { ...turn(), id: 42 } } }, REPLIES["turn/start"]],
        "thread/unarchive": { result: {} },
        "thread/resume": { result: { thread: { id: "another-thread" } } },
      },
    });
    await expect(codex.threadStart()).rejects.toThrow("the answer to thread/start names no thread");
    await expect(codex.threadUnarchive("th-1")).rejects.toThrow(
      "the answer to thread/unarchive names no thread",
    );
    await expect(codex.threadResume("th-1")).rejects.toThrow(
      "the answer to thread/resume names thread another-thread, not th-1",
    );
    const thread = await codex.threadStart();
    expect(thread.id).toBe(THREAD);
    await expect(thread.run("x")).rejects.toThrow("the answer to turn/start names no turn");
    const running = thread.run("y");
    await s.nextFromClient(
      (line) => line.method === "turn/start" && line.message?.id !== undefined,
    );
    await s.send(completed);
    expect((await settled(running)).status).toBe("fulfilled");
    expect(clientStats(codex)).toMatchObject({ "router.queues": 0, "router.turns": 0 });
    await trap.expectNone();
  });

  it("logs an async codex.on listener that rejects, as one that throws", async () => {
    const { s, codex, entries } = await setup();
    codex.on("turn/started", async () => {
      await Promise.resolve();
      throw new Error("async listener failed");
    });
    // A promise of another realm (a vm context), which `instanceof Promise` does not know.
    const foreign = vm.runInNewContext(
      "async () => { throw new Error('listener of another realm failed') }",
    ) as () => Promise<void>;
    codex.on("turn/started", foreign);
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    await s.send(started);
    await s.send(completed);
    await settled(handle.run());
    await trap.expectNone();
    const logged = entries.filter((e) => e.message.endsWith("a listener of turn/started rejected"));
    expect(logged.map((e) => (e.detail as Error).message)).toEqual([
      "async listener failed",
      "listener of another realm failed",
    ]);
  });
});

describe("an external message racing the end of the turn it steers", () => {
  const turnOf = (id: string, status = "inProgress") => ({ ...turn(status), id });
  const startedOf = (id: string) => ({
    method: "turn/started",
    params: { threadId: THREAD, turn: turnOf(id) },
  });
  const completedOf = (id: string, status: string) => ({
    method: "turn/completed",
    params: { threadId: THREAD, turn: turnOf(id, status) },
  });
  const interruptsSent = (s: Awaited<ReturnType<typeof setup>>["s"]) =>
    s.received
      .filter((line) => line.method === "turn/interrupt")
      .map((line) => (line.message!.params as { turnId: string }).turnId);
  // Each turn/interrupt ends its turn, as the runtime answers one once the turn stopped.
  const interrupt: StandinHandler = (req) => {
    const { turnId } = req.message!.params as { turnId: string };
    return { result: {}, then: [{ message: completedOf(turnId, "interrupted") }] };
  };
  // The first turn/start starts A; `next` answers the later ones (the second is the message's).
  const turnStarts = (next: (req: ClientLine, n: number) => StandinReply): StandinHandler => {
    let n = 0;
    return (req) =>
      ++n === 1
        ? { result: { turn: turnOf("A") }, then: [{ message: startedOf("A") }] }
        : next(req, n);
  };
  const STARTED_X =
    "turn A ended before the external message reached it; the message started turn X " +
    "instead, which is interrupted";
  // Steers the message into A, started on a new thread; `before` runs as A runs (a queued turn).
  async function steerIntoA(codex: Codex, before: (thread: Thread) => void = () => {}) {
    const thread = await codex.threadStart();
    const a = await thread.turn("A");
    before(thread);
    const steered = await settled(a.steer(externalMessage("ci", "passed")));
    expect(steered.status === "rejected" && (steered.reason as Error).message).toBe(STARTED_X);
  }

  it("stops the turn the message started before the turn queued next is sent, which runs its own", async () => {
    // The steered turn A ends on the server as the message travels: the server starts X for the
    // message and answers with it. This client's next turn, B, queued behind A, must not be sent
    // while X may run: its input would join X, which the client then stops.
    let xStopped = false;
    const { s, codex } = await setup({
      replies: {
        "turn/start": turnStarts((req, n) => {
          if (n === 2) {
            return {
              drop: true,
              then: [
                { message: completedOf("A", "interrupted") },
                { delayMs: 50 },
                { message: { id: req.id, result: { turn: turnOf("X") } } },
                { delayMs: 50 },
                { message: startedOf("X") },
              ],
            };
          }
          // B, once X has stopped, is a turn of its own; while X ran, it would have joined X.
          if (!xStopped) return { result: { turn: turnOf("X") } };
          return {
            result: { turn: turnOf("B") },
            then: [{ message: startedOf("B") }, { message: completedOf("B", "completed") }],
          };
        }),
        "turn/interrupt": (req) => {
          if ((req.message!.params as { turnId: string }).turnId === "X") xStopped = true;
          return interrupt(req);
        },
      },
    });
    let b!: Promise<TurnResult>;
    await steerIntoA(codex, (thread) => (b = thread.run("B")));
    const result = await settled(b);
    expect(result.status === "fulfilled" && [result.value.status, result.value.id]).toEqual([
      "completed",
      "B",
    ]);
    expect(interruptsSent(s)).toEqual(["X"]);
  });

  it("stops the turn the message started when its start is read with the answer, in one chunk", async () => {
    const { s, codex } = await setup({
      replies: {
        "turn/start": turnStarts((req) => {
          // The answer, then X's start, written together (one read of the pipe).
          const answer = JSON.stringify({ id: req.id, result: { turn: turnOf("X") } });
          return {
            drop: true,
            then: [
              { message: completedOf("A", "interrupted") },
              { line: `${answer}\n${JSON.stringify(startedOf("X"))}` },
            ],
          };
        }),
        "turn/interrupt": interrupt,
      },
    });
    await steerIntoA(codex);
    expect(interruptsSent(s)).toEqual(["X"]);
  });
});

describe("a server that dies or will not die", () => {
  it("rejects every pending call, stream and wait when the server exits mid-turn", async () => {
    const { s, codex } = await setup();
    const thread = await codex.threadStart();
    const handle = await thread.turn("go");
    // Each is watched from the start, so a rejection is never unhandled meanwhile.
    const outcomes: Promise<Settled<unknown>>[] = [
      settled(handle.run()),
      settled(collect(handle.stream())),
      settled(codex.models()),
      settled(codex.notifications().next()),
      // Waiting for the turn to be active.
      settled(handle.interrupt()),
    ];
    await s.exit(9);
    await outcomes[0];
    // The turn ended with the connection: what is asked of it afterwards fails the same way.
    outcomes.push(settled(handle.interrupt()), settled(handle.steer(externalMessage("ci", "x"))));
    for (const pending of outcomes) {
      const outcome = await pending;
      expect(outcome.status).toBe("rejected");
      expect(outcome.status === "rejected" && outcome.reason).toBeInstanceOf(TransportClosedError);
      expect((outcome as { reason: TransportClosedError }).reason.exitCode).toBe(9);
    }
    await expectNoChild(s.pid);
    await trap.expectNone();
  });

  it("stops the server and rejects with the reason when the start's signal aborts", async () => {
    const s = await startStandin({ initialize: { drop: true } });
    cleanups.push(() => s.close());
    const controller = new AbortController();
    const reason = new Error("the user gave up");
    const starting = settled(
      Codex.start({ launchArgs: s.launchArgs, startSignal: controller.signal }),
    );
    await s.nextFromClient("initialize");
    controller.abort(reason);
    expect(await starting).toMatchObject({ status: "rejected", reason });
    await expectNoChild(s.pid);
    // Aborted already: refused before anything is spawned.
    await expect(
      Codex.start({ launchArgs: s.launchArgs, startSignal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    await expect(Codex.start({ startSignal: "soon" as never })).rejects.toThrow(
      "startSignal must be an AbortSignal, got string",
    );
    await trap.expectNone();
  });

  it("kills a server that ignores SIGTERM after the grace period", async () => {
    const { s, codex } = await setup(
      { ignoreSigterm: true, stayAfterStdinEnd: true },
      { killGraceMs: 200 },
    );
    const started = performance.now();
    const closing = settled(codex.close());
    expect(await s.nextSignal()).toBe("SIGTERM");
    expect((await closing).status).toBe("fulfilled");
    // SIGKILL came only once the grace period had passed.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await expectNoChild(s.pid);
    await trap.expectNone();
  });

  it("kills its server when the host process exits without closing the client", async () => {
    // The server outlives both its closed stdin and SIGTERM: only the exit hook's SIGKILL, once
    // the grace after its SIGTERM has passed, ends it.
    const s = await startStandin({ ignoreSigterm: true, stayAfterStdinEnd: true });
    cleanups.push(() => s.close());
    const script = [
      `import { Codex } from ${JSON.stringify(path.resolve("src/index.ts"))};`,
      `await Codex.start({ launchArgs: ${JSON.stringify(s.launchArgs)} });`,
      "process.exit(0);",
    ].join("\n");
    const host = await run(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ]);
    expect(host.stderr).toBe("");
    const pid = await s.connected;
    await settlesWithin(s.gone, BOUND, "the server's exit after its host exited");
    await expectNoChild(pid);
    await trap.expectNone();
  });
});

describe("faults in front of the real app-server", () => {
  it("a real turn survives junk injected into its stream", async () => {
    const proxy = await startProxy();
    cleanups.push(() => proxy.close());
    const t = await createTestCodex({ launchArgs: proxy.launchArgs });
    cleanups.push(() => t.close());
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["he", "llo"]), { gate });
    const thread = await t.codex.threadStart();
    const handle = await thread.turn("hi");
    await gate.reached;
    await proxy.inject(
      { line: "garbage" },
      { message: { method: "serverRequest/resolved" } },
      { message: { method: "item/completed", params: { threadId: thread.id, turnId: handle.id } } },
    );
    gate.release();
    const outcome = await settled(handle.run());
    expect(outcome.status).toBe("fulfilled");
    expect(outcome.status === "fulfilled" && outcome.value.finalResponse).toBe("hello");
    await trap.expectNone();
  });
});
