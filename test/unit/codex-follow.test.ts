// Orderings and messages the real server makes only by chance or by fault. What the client knows
// of the threads it follows stays true when the server answers several follow-up requests in one
// read or a turn's completion overtakes its start; a turn given up on before its start was
// answered keeps its own handlers; a thread's tools are those of the call while its start is
// answered; a request named like a notification is not read as one. Codex runs here over a fake
// transport in place of the child process, so the test decides which messages arrive when.
import { describe, expect, it, vi } from "vitest";
import { approvalPolicies, type DynamicTool } from "../../src/index.js";
import { FakeTransport } from "../support/fake-transport.js";
import { startOverFake } from "../support/fake-stdio.js";

const transports: FakeTransport[] = [];
// The index is imported before this file's own imports are: the mock takes what it needs itself.
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  const { fakeStdio } = await import("../support/fake-stdio.js");
  return fakeStdio(Fake, (t) => transports.push(t));
});

const { Codex, RequestTimeoutError, skill } = await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");

const startCodex = () =>
  startOverFake(Codex, transports, {
    userAgent: "codex/0.0.1",
    serverInfo: { name: "codex", version: "0.0.1" },
  });

/** A turn record as the server sends it. */
const turnOf = (id: string, status = "inProgress") => ({ id, status, items: [], error: null });
/** The `turn/started` of turn `id` on `threadId`. */
const started = (id: string, threadId = "th") => ({
  method: "turn/started",
  params: { threadId, turn: turnOf(id) },
});
/** The `turn/completed` of turn `id` on `threadId`, with `status`. */
const completed = (id: string, status = "completed", threadId = "th") => ({
  method: "turn/completed",
  params: { threadId, turn: turnOf(id, status) },
});

/** The first message the client sent that `match` takes, once it has sent it. */
function sentWhen(
  transport: FakeTransport,
  match: (message: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return vi.waitFor(() => {
    const sent = transport.sent.find(match);
    expect(sent).toBeDefined();
    return sent!;
  });
}

/**
 * Checks that `token` is no longer redacted (the credentials of a request never sent are let go):
 * a notification of the server's that holds it reaches a listener as it is.
 */
function expectShownAsIs(
  codex: Awaited<ReturnType<typeof startCodex>>["codex"],
  transport: FakeTransport,
  token: string,
): void {
  const names: string[] = [];
  const off = codex.on("thread/name/updated", (p) => names.push(String(p.threadName)));
  transport.deliver({
    method: "thread/name/updated",
    params: { threadId: "x", threadName: token },
  });
  off();
  expect(names).toEqual([token]);
}

/**
 * Takes every place for a request at the server (`thread/read`s left unanswered), so the next
 * request waits in the client; the function returned answers them, and the places free.
 */
async function takeEveryPlace(
  codex: Awaited<ReturnType<typeof startCodex>>["codex"],
  transport: FakeTransport,
): Promise<() => Promise<void>> {
  const { MAX_IN_FLIGHT } = await import("../../src/rpc/connection.js");
  const reads = Array.from({ length: MAX_IN_FLIGHT }, () =>
    codex.request("thread/read", { threadId: "t" }),
  );
  return async () => {
    for (const message of transport.sent.filter((m) => m.method === "thread/read")) {
      transport.deliver({ id: message.id, result: { thread: { id: "t" } } });
    }
    await Promise.all(reads);
  };
}

/** A thread the client resumed, the server answering that it runs a turn (`status: active`). */
async function resumedActive(
  codex: Awaited<ReturnType<typeof startCodex>>["codex"],
  transport: FakeTransport,
) {
  const resuming = codex.threadResume("th");
  const resume = await sentWhen(transport, (m) => m.method === "thread/resume");
  transport.deliver({ id: resume.id, result: { thread: { id: "th", status: ACTIVE } } });
  return resuming;
}

const ACTIVE = { type: "active", activeFlags: [] };

/** The client's answer to server request `id` (not a request of its own of the same id). */
const answerTo = (transport: FakeTransport, id: number) =>
  sentWhen(transport, (message) => message.id === id && !("method" in message));

it("keeps the unsubscribe answered right after a resume in the same read", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  const before = transport.sent.length;
  const resumed = codex.threadResume("th");
  const unsubscribed = thread.unsubscribe();
  const resume = await transport.waitForSent(before + 1);
  const unsubscribe = await transport.waitForSent(before + 2);
  expect([resume.method, unsubscribe.method]).toEqual(["thread/resume", "thread/unsubscribe"]);
  // One read: the two answers are handled before either caller's code goes on.
  transport.deliver({ id: resume.id, result: { thread: { id: "th" } } });
  transport.deliver({ id: unsubscribe.id, result: { status: "unsubscribed" } });
  await resumed;
  await unsubscribed;
  // The unsubscribe was the last word: a turn is refused, and nothing is sent.
  await expect(thread.run("x")).rejects.toThrow(/unsubscribed from thread th/);
  expect(transport.sent.filter((m) => m.method === "turn/start")).toHaveLength(0);
  await codex.close();
});

it("forgets the threads it unsubscribed from once closed, as it forgets every other", async () => {
  const { codex, transport } = await startCodex();
  const closedSizes = clientStats(codex);
  const unsubscribing = codex.thread("th").unsubscribe();
  const unsubscribe = await sentWhen(transport, (m) => m.method === "thread/unsubscribe");
  transport.deliver({ id: unsubscribe.id, result: { status: "unsubscribed" } });
  await unsubscribing;
  expect(clientStats(codex)["router.unsubscribed"]).toBe(1);
  await codex.close();
  expect(clientStats(codex)["router.unsubscribed"]).toBe(closedSizes["router.unsubscribed"]);
  // As on any thread of a closed client: no advice to resume, which a closed client cannot do.
  await expect(codex.thread("th").run("x")).rejects.toMatchObject({
    name: "TransportClosedError",
  });
});

for (const [kind, requestFirst] of [
  ["turn", true],
  ["turn", false],
  ["review", true],
] as const) {
  it(`answers the requests of a ${kind} given up on before its start was answered with its own handlers (request ${requestFirst ? "before" : "after"} the late answer)`, async () => {
    const { codex, transport } = await startCodex();
    // The thread accepts everything; this one turn declines everything.
    const thread = codex.thread("th", { approvals: approvalPolicies.acceptAll() });
    const controller = new AbortController();
    const before = transport.sent.length;
    const options = { approvals: approvalPolicies.declineAll(), signal: controller.signal };
    const turning =
      kind === "turn"
        ? thread.turn("clean up", options)
        : thread.review({ instructions: "clean up" }, options);
    const start = await transport.waitForSent(before + 1);
    expect(start.method).toBe(`${kind}/start`);
    controller.abort();
    await expect(turning).rejects.toThrow(/aborted/);
    const approval = {
      id: 0,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "th", turnId: "t1", itemId: "i", command: "rm -rf build" },
    };
    if (requestFirst) transport.deliver(approval);
    transport.deliver({ id: start.id, result: { turn: turnOf("t1"), reviewThreadId: "th" } });
    if (!requestFirst) transport.deliver(approval);
    expect((await answerTo(transport, 0)).result).toEqual({ decision: "decline" });
    // The late turn is interrupted once it is active; its completion drops its handlers.
    expect(clientStats(codex)["dispatcher.turnHandlers"]).toBe(1);
    transport.deliver(started("t1"));
    const interrupt = await sentWhen(transport, (m) => m.method === "turn/interrupt");
    expect(interrupt.params).toEqual({ threadId: "th", turnId: "t1" });
    transport.deliver({ id: interrupt.id, result: {} });
    transport.deliver(completed("t1", "interrupted"));
    await vi.waitFor(() => expect(clientStats(codex)["dispatcher.turnHandlers"]).toBe(0));
    await codex.close();
  });
}

it("answers a thread's tool calls with the tools checked at the call, whatever the caller changes", async () => {
  const { codex, transport } = await startCodex();
  const tool = (name: string, text: string): DynamicTool => ({
    name,
    description: "",
    inputSchema: { type: "object" },
    handler: () => text,
  });
  const weather = tool("weather", "sunny");
  const tools = [weather, tool("time", "noon")];
  const before = transport.sent.length;
  const starting = codex.threadStart({ tools });
  // The caller reuses its array and objects while the start is answered.
  tools[1] = tool("other", "other");
  (weather as { handler: unknown }).handler = undefined;
  const start = await transport.waitForSent(before + 1);
  transport.deliver({ id: start.id, result: { thread: { id: "th" } } });
  await starting;
  const call = (id: number, name: string) => ({
    id,
    method: "item/tool/call",
    params: {
      threadId: "th",
      turnId: "t1",
      callId: `c${id}`,
      namespace: null,
      tool: name,
      arguments: {},
    },
  });
  transport.deliver(call(100, "weather"));
  transport.deliver(call(101, "time"));
  const answers = [await answerTo(transport, 100), await answerTo(transport, 101)];
  expect(answers.map((m) => m.result)).toEqual([
    { contentItems: [{ type: "inputText", text: "sunny" }], success: true },
    { contentItems: [{ type: "inputText", text: "noon" }], success: true },
  ]);
  await codex.close();
});

it("answers a request named like a notification with -32601, and the turn does not read it as one", async () => {
  const { codex, transport } = await startCodex();
  const before = transport.sent.length;
  const turning = codex.thread("th").turn("hi");
  const start = await transport.waitForSent(before + 1);
  transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
  const handle = await turning;
  // Requests (each has an id) that a turn would take for its end, or its failure.
  const fake = { ...completed("t1").params, turnId: "t1" };
  transport.deliver({ id: 0, method: "turn/completed", params: fake });
  transport.deliver({ id: 1, method: "error", params: { ...fake, willRetry: false, error: {} } });
  transport.deliver(started("t1"));
  const item = { type: "agentMessage", id: "m", text: "the answer", phase: null };
  transport.deliver({ method: "item/completed", params: { threadId: "th", turnId: "t1", item } });
  transport.deliver(completed("t1"));
  expect((await handle.run()).finalResponse).toBe("the answer");
  for (const id of [0, 1]) {
    expect((await answerTo(transport, id)).error).toMatchObject({ code: -32601 });
  }
  await codex.close();
});

const goal = (status: string, updatedAt = 2) => ({
  threadId: "th",
  objective: "ship it",
  status,
  tokenBudget: null,
  tokensUsed: 0,
  timeUsedSeconds: 0,
  createdAt: 1,
  updatedAt,
});

it("leaves no turn running when a turn's completion overtakes its start: a goal run then ends", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  const before = clientStats(codex);
  const turning = thread.turn("hi");
  const start = await transport.waitForSent(transport.sent.length);
  transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
  const handle = await turning;
  transport.deliver(completed("t1"));
  transport.deliver(started("t1"));
  expect((await handle.run()).status).toBe("completed");
  expect(clientStats(codex)).toEqual(before);

  // A goal run would otherwise take t1 for a turn of its own, which never completes.
  transport.answerAlways("thread/read", { thread: { id: "th", status: { type: "idle" } } });
  transport.answerAlways("thread/goal/clear", { cleared: false });
  const running = thread.runGoal("ship it");
  const set = await sentWhen(transport, (m) => m.method === "thread/goal/set");
  transport.deliver({ id: set.id, result: { goal: goal("active") } });
  transport.deliver(started("t2"));
  transport.deliver(completed("t2"));
  transport.deliver({
    method: "thread/goal/updated",
    params: { threadId: "th", goal: goal("complete", 3) },
  });
  expect((await running).turns.map((result) => result.id)).toEqual(["t2"]);
  await codex.close();
});

it("frees a compaction's hold when its turn's completion overtakes its start", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    const compacting = thread.compact();
    const request = await transport.waitForSent(transport.sent.length);
    expect(request.method).toBe("thread/compact/start");
    transport.deliver({ id: request.id, result: {} });
    await compacting;
    transport.deliver(completed("c1"));
    transport.deliver(started("c1"));
    const sent = transport.sent.length;
    const next = thread.turn("next").catch((e: unknown) => e);
    // Held until no compaction is seen to start within the wait, and not for ever.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.sent.slice(sent).map((m) => m.method)).toEqual(["turn/start"]);
    await codex.close();
    expect(await next).toBeInstanceOf(Error);
  } finally {
    vi.useRealTimers();
  }
});

it("answers the requests sent again with a resume's answer, in the same read, from the resume's handlers", async () => {
  const { codex, transport } = await startCodex();
  const before = transport.sent.length;
  const resuming = codex.threadResume("th", {
    approvals: { commandExecution: () => ({ decision: "accept" }) },
    tools: [
      {
        name: "t",
        description: "",
        inputSchema: { type: "object" },
        handler: () => "from the tool",
      },
    ],
  });
  const resume = await transport.waitForSent(before + 1);
  expect(resume.method).toBe("thread/resume");
  // The server answers, then sends again what the thread's turn still waits on.
  transport.deliver({ id: resume.id, result: { thread: { id: "th" } } });
  const params = { threadId: "th", turnId: "t1" };
  transport.deliver({
    id: 0,
    method: "item/commandExecution/requestApproval",
    params: { ...params, itemId: "i", command: "touch x" },
  });
  transport.deliver({
    id: 1,
    method: "item/tool/call",
    params: { ...params, callId: "c", namespace: null, tool: "t", arguments: {} },
  });
  await resuming;
  const answers = [(await answerTo(transport, 0)).result, (await answerTo(transport, 1)).result];
  expect(answers).toEqual([
    { decision: "accept" },
    { contentItems: [{ type: "inputText", text: "from the tool" }], success: true },
  ]);
  expect(clientStats(codex)["router.resuming"]).toBe(0);
  await codex.close();
});

it("aborts a waiting handler's signal when the client closes or its connection ends", async () => {
  for (const end of ["close", "lost"] as const) {
    const { codex, transport } = await startCodex();
    let signal: AbortSignal | undefined;
    codex.thread("th", {
      approvals: {
        commandExecution: (_params, context) => {
          signal = context.signal;
          return new Promise(() => {});
        },
      },
    });
    transport.deliver({
      id: 0,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "th", turnId: "t1", itemId: "i", command: "touch x" },
    });
    await vi.waitFor(() => expect(signal).toBeDefined());
    expect(signal!.aborted, end).toBe(false);
    if (end === "close") await codex.close();
    else transport.end();
    expect(signal!.aborted, end).toBe(true);
    if (end === "lost") await codex.close();
  }
});

it("makes no fork for a detached review given up on as its module loads", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  const controller = new AbortController();
  const before = transport.sent.length;
  const reviewing = thread.review("uncommittedChanges", {
    delivery: "detached",
    signal: controller.signal,
  });
  controller.abort();
  await expect(reviewing).rejects.toMatchObject({ name: "AbortError" });
  expect(transport.sent.slice(before)).toEqual([]);
  expect(clientStats(codex)["router.queues"]).toBe(0);
  await codex.close();
});

it("answers a detached review's requests with its thread's handlers, lent to the fork for good", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th", { approvals: approvalPolicies.acceptAll() });
  const before = transport.sent.length;
  const reviewing = thread.review("uncommittedChanges", { delivery: "detached" });
  const fork = await transport.waitForSent(before + 1);
  expect(fork.method).toBe("thread/fork");
  transport.deliver({ id: fork.id, result: { thread: { id: "fork" } } });
  const start = await transport.waitForSent(before + 2);
  expect(start.method).toBe("review/start");
  transport.deliver({ id: start.id, result: { turn: turnOf("r1"), reviewThreadId: "fork" } });
  const review = await reviewing;
  expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(2);
  transport.deliver({
    id: 0,
    method: "item/commandExecution/requestApproval",
    params: { threadId: "fork", turnId: "r1", itemId: "i", command: "git diff" },
  });
  expect((await answerTo(transport, 0)).result).toEqual({ decision: "accept" });
  transport.deliver(completed("r1", "completed", "fork"));
  await review.run();
  // The fork stays, with the thread's tools and policy: its handlers stay lent, until it ends.
  expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(2);
  transport.deliver({ method: "thread/closed", params: { threadId: "fork" } });
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(1);
  await codex.close();
});

it("asks for no turns in the answers to a resume or fork, which the Thread returned does not hold", async () => {
  const { codex, transport } = await startCodex();
  const sent = async (call: () => Promise<unknown>, result: unknown) => {
    const before = transport.sent.length;
    const calling = call();
    const request = await transport.waitForSent(before + 1);
    transport.deliver({ id: request.id, result });
    await calling;
    return request;
  };
  const answer = (id: string) => ({ thread: { id } });
  for (const [call, id] of [
    [() => codex.threadResume("th"), "th"],
    [() => codex.threadFork("th"), "fork"],
    [() => codex.threadFork("th", { ephemeral: true }), "ephemeral fork"],
  ] as const) {
    expect(await sent(call, answer(id))).toMatchObject({ params: { excludeTurns: true } });
  }
  // The history the answer would carry is asked for by no option: the Thread holds none.
  const before = transport.sent.length;
  for (const [call, field] of [
    [() => codex.threadResume("th", { excludeTurns: false } as never), "excludeTurns"],
    [
      () => codex.threadResume("th", { initialTurnsPage: { limit: 1 } } as never),
      "initialTurnsPage",
    ],
    [
      () => codex.threadFork("th", { ephemeral: true, excludeTurns: false } as never),
      "excludeTurns",
    ],
  ] as const) {
    await expect(call()).rejects.toThrow(
      `options.${field}: the Thread returned holds no history, so the answer is asked for ` +
        `without it; read the history with thread.turns() or thread.turnList()`,
    );
  }
  expect(transport.sent).toHaveLength(before);
  await codex.close();
});

it("refuses clientStats of anything but a client, naming what it takes", async () => {
  const { codex } = await startCodex();
  // The harness around a client is an easy slip for the client itself.
  for (const notClient of [{ codex }, null, "codex"]) {
    expect(() => clientStats(notClient as never)).toThrow(
      /^clientStats takes a Codex client, got /,
    );
  }
  expect(clientStats(codex)["connection.pending"]).toBe(0);
  await codex.close();
});

it("waits with a compaction for the turn a resume's answer said runs, whose start it did not see", async () => {
  const { codex, transport } = await startCodex();
  const thread = await resumedActive(codex, transport);
  // The status is asked then (the runtime answers active for an idle thread after a review), and
  // again by the compaction: active both times.
  const asked = await sentWhen(transport, (m) => m.method === "thread/read");
  transport.deliver({ id: asked.id, result: { thread: { id: "th", status: ACTIVE } } });
  const compacted = thread.compact();
  const askedAgain = await sentWhen(transport, (m) => m.method === "thread/read" && m !== asked);
  transport.deliver({ id: askedAgain.id, result: { thread: { id: "th", status: ACTIVE } } });
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(transport.sent.some((m) => m.method === "thread/compact/start")).toBe(false);
  // That turn's completion: the compaction goes, and nothing is kept of a completion that came
  // before its start.
  transport.deliver(completed("theirs"));
  const request = await sentWhen(transport, (m) => m.method === "thread/compact/start");
  transport.deliver({ id: request.id, result: {} });
  await expect(compacted).resolves.toEqual({});
  expect(clientStats(codex)).toMatchObject({ "router.endedFirst": 0, "router.running": 0 });
  await codex.close();
});

it("keeps nothing of a thread's turns once the runtime unloads it by its status alone", async () => {
  const { codex, transport } = await startCodex();
  const before = clientStats(codex);
  const notLoaded = (threadId: string) => ({
    method: "thread/status/changed",
    params: { threadId, status: { type: "notLoaded" } },
  });
  // As the runtime unloads a sub-agent its parent closed, without thread/closed: over many
  // threads, a turn whose completion was lost (its start and first item recorded), and a
  // completion that came before its start.
  for (let i = 0; i < 100; i++) {
    transport.deliver(started(`t-${i}`, `lost-${i}`));
    transport.deliver({
      method: "item/started",
      params: {
        threadId: `lost-${i}`,
        turnId: `t-${i}`,
        item: { type: "agentMessage", id: `m-${i}`, text: "" },
      },
    });
    transport.deliver(notLoaded(`lost-${i}`));
    transport.deliver(completed(`u-${i}`, "completed", `early-${i}`));
    transport.deliver(notLoaded(`early-${i}`));
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  const after = clientStats(codex);
  expect(after["router.running"]).toBe(before["router.running"]);
  expect(after["router.endedFirst"]).toBe(before["router.endedFirst"]);
  await codex.close();
});

// The answer names another client's turn, which the input joined: not this call's to stop,
// whether a resume's answer said it runs or its start came as the request travelled.
for (const known of ["from a resume", "started after the request was sent"] as const) {
  it(`leaves running a turn that a turn given up on joined (${known})`, async () => {
    const { codex, transport } = await startCodex();
    const thread =
      known === "from a resume" ? await resumedActive(codex, transport) : codex.thread("th");
    const controller = new AbortController();
    const joining = thread.run("more", { signal: controller.signal });
    const request = await sentWhen(transport, (m) => m.method === "turn/start");
    if (known !== "from a resume") transport.deliver(started("theirs"));
    controller.abort();
    await expect(joining).rejects.toMatchObject({ name: "AbortError" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      transport.deliver({ id: request.id, result: { turn: turnOf("theirs") } });
      // Past the second an interrupt waits for a start that already came.
      await vi.advanceTimersByTimeAsync(2_000);
      expect(transport.sent.filter((m) => m.method === "turn/interrupt")).toEqual([]);
      transport.deliver(completed("theirs"));
      await vi.advanceTimersByTimeAsync(0);
      expect(clientStats(codex)).toMatchObject({ "router.queues": 0, "router.running": 0 });
    } finally {
      vi.useRealTimers();
    }
    await codex.close();
  });
}

it("drops the note of an unseen turn once the server reads the thread idle", async () => {
  const { codex, transport } = await startCodex();
  await resumedActive(codex, transport);
  expect(clientStats(codex)).toMatchObject({ "router.running": 1 });
  const asked = await sentWhen(transport, (m) => m.method === "thread/read");
  transport.deliver({ id: asked.id, result: { thread: { id: "th", status: { type: "idle" } } } });
  await vi.waitFor(() => expect(clientStats(codex)).toMatchObject({ "router.running": 0 }));
  await codex.close();
});

it("asks first, before waiting, whether the unseen turn a compaction would wait for runs", async () => {
  const { codex, transport } = await startCodex();
  const thread = await resumedActive(codex, transport);
  const asked = await sentWhen(transport, (m) => m.method === "thread/read");
  // Before that status comes, a compaction with a short timeout asks its own, which says idle.
  const compacted = thread.compact({ timeout: 300 });
  const askedAgain = await sentWhen(transport, (m) => m.method === "thread/read" && m !== asked);
  transport.deliver({
    id: askedAgain.id,
    result: { thread: { id: "th", status: { type: "idle" } } },
  });
  const request = await sentWhen(transport, (m) => m.method === "thread/compact/start");
  transport.deliver({ id: request.id, result: {} });
  await expect(compacted).resolves.toEqual({});
  await codex.close();
});

it("notes no unseen turn when a turn there completed while the resume that said so travelled", async () => {
  const { codex, transport } = await startCodex();
  const resuming = codex.threadResume("th");
  const resume = await sentWhen(transport, (m) => m.method === "thread/resume");
  // The server read the thread active, then the turn completed before its answer was read.
  transport.deliver(completed("theirs"));
  transport.deliver({ id: resume.id, result: { thread: { id: "th", status: ACTIVE } } });
  const thread = await resuming;
  expect(clientStats(codex)).toMatchObject({ "router.running": 0 });
  // So a compaction goes at once.
  const compacted = thread.compact();
  const request = await sentWhen(transport, (m) => m.method === "thread/compact/start");
  transport.deliver({ id: request.id, result: {} });
  await expect(compacted).resolves.toEqual({});
  await codex.close();
});

it("notes the unseen turn of a resume sent by a listener of the completion before it", async () => {
  const { codex, transport } = await startCodex();
  let resuming: Promise<unknown> | undefined;
  codex.on("turn/completed", () => {
    resuming ??= codex.threadResume("th");
  });
  // That completion came before the resume was sent: it is not one that came while it travelled.
  transport.deliver(completed("earlier"));
  const resume = await sentWhen(transport, (m) => m.method === "thread/resume");
  transport.deliver({ id: resume.id, result: { thread: { id: "th", status: ACTIVE } } });
  await resuming;
  expect(clientStats(codex)).toMatchObject({ "router.running": 1 });
  await codex.close();
});

it("keeps nothing for a thread started or forked that ended in the read that answered", async () => {
  const { codex, transport } = await startCodex();
  const approvals = { commandExecution: () => ({ decision: "decline" as const }) };
  const tools = [{ name: "lookup", inputSchema: { type: "object" }, handler: () => "ok" }];
  codex.thread("th", { approvals, tools });
  const base = clientStats(codex);
  const header = { Authorization: "Bearer sk-thread-token-123456" };
  const config = { mcp_servers: { docs: { url: "https://x", http_headers: header } } };
  const starting = codex.threadStart({ approvals, tools, config });
  const start = await sentWhen(transport, (m) => m.method === "thread/start");
  transport.deliver({ id: start.id, result: { thread: { id: "new", status: { type: "idle" } } } });
  transport.deliver({ method: "thread/deleted", params: { threadId: "new" } });
  await starting;
  const forking = codex.threadFork("th");
  const fork = await sentWhen(transport, (m) => m.method === "thread/fork");
  transport.deliver({ id: fork.id, result: { thread: { id: "fork", status: { type: "idle" } } } });
  transport.deliver({ method: "thread/archived", params: { threadId: "fork" } });
  await forking;
  expect(clientStats(codex)).toEqual(base);
  await codex.close();
});

it("sends nothing asked for once close() is called, in the same tick too", async () => {
  const { codex, transport } = await startCodex();
  const before = transport.sent.length;
  const closing = codex.close();
  const calls = [
    codex.thread("th").run("x"),
    codex.threadStart(),
    codex.exec(["true"]),
    codex.request("model/list", {}),
    // A goal's set, but its pause, which stops work: with no params too.
    codex.request("thread/goal/set", undefined as never),
  ];
  for (const outcome of await Promise.allSettled(calls)) {
    expect(outcome).toMatchObject({ status: "rejected", reason: { name: "TransportClosedError" } });
  }
  await closing;
  expect(transport.sent.slice(before)).toEqual([]);
});

it("waits with a compaction for a turn started through codex.request, answered before its start", async () => {
  const { codex, transport } = await startCodex();
  const raw = codex.request("turn/start", {
    threadId: "th",
    input: [{ type: "text", text: "raw", text_elements: [] }],
  });
  const start = await sentWhen(transport, (m) => m.method === "turn/start");
  // The runtime answers turn/start before the turn's start notification.
  transport.deliver({ id: start.id, result: { turn: turnOf("R") } });
  await raw;
  const compacted = codex.thread("th").compact();
  await new Promise((resolve) => setImmediate(resolve));
  transport.deliver(started("R"));
  await new Promise((resolve) => setImmediate(resolve));
  // Nothing that would interrupt R goes out while it runs, nor any question of the thread's.
  expect(transport.sent.slice(-1)).toEqual([start]);
  transport.deliver(completed("R"));
  const request = await sentWhen(transport, (m) => m.method === "thread/compact/start");
  transport.deliver({ id: request.id, result: {} });
  await expect(compacted).resolves.toEqual({});
  expect(clientStats(codex)).toMatchObject({ "router.running": 0 });
  await codex.close();
});

it("hands a turn joined to a raw turn/start's turn the server's start alone, and keeps none past its thread's end", async () => {
  const { codex, transport } = await startCodex();
  const input = [{ type: "text" as const, text: "raw", text_elements: [] }];
  const raw = codex.request("turn/start", { threadId: "th", input });
  const rawStart = await sentWhen(transport, (m) => m.method === "turn/start");
  transport.deliver({ id: rawStart.id, result: { turn: turnOf("R") } });
  await raw;
  // A second input joins the running turn R: the runtime answers it with R, then R starts.
  const joining = codex.thread("th").turn("more");
  const second = await sentWhen(transport, (m) => m.method === "turn/start" && m !== rawStart);
  transport.deliver({ id: second.id, result: { turn: turnOf("R") } });
  const turn = await joining;
  const events: { method: string; params: unknown }[] = [];
  const reading = (async () => {
    for await (const event of turn.stream()) events.push(event);
  })();
  await new Promise((resolve) => setImmediate(resolve));
  const serverStart = started("R");
  transport.deliver(serverStart);
  transport.deliver(completed("R"));
  await reading;
  expect(events.filter((e) => e.method === "turn/started")).toEqual([serverStart]);
  // Answered in the read that ends its thread: nothing is kept running there.
  const again = codex.request("turn/start", { threadId: "th", input });
  const third = await sentWhen(
    transport,
    (m) => m.method === "turn/start" && m !== rawStart && m !== second,
  );
  transport.deliver({ id: third.id, result: { turn: turnOf("S") } });
  transport.deliver({ method: "thread/archived", params: { threadId: "th" } });
  await again;
  await new Promise((resolve) => setImmediate(resolve));
  expect(clientStats(codex)).toMatchObject({ "router.running": 0 });
  await codex.close();
});

it("lets a raw thread/start's config credentials go with its thread, its answer waited for or not", async () => {
  const { codex, transport } = await startCodex();
  const token = "tenant-raw-token-0123456789";
  const header = { Authorization: `Bearer ${token}` };
  const config = { mcp_servers: { docs: { url: "https://x", http_headers: header } } };
  const names: string[] = [];
  codex.on("thread/name/updated", (p) => names.push(String(p.threadName)));
  const starting = codex.request("thread/start", { config }, { timeout: 20 });
  const start = await sentWhen(transport, (m) => m.method === "thread/start");
  await expect(starting).rejects.toMatchObject({ name: "RequestTimeoutError" });
  // The server made the thread all the same: the token is redacted while the thread lives.
  transport.deliver({ id: start.id, result: { thread: { id: "th2", ephemeral: false } } });
  await new Promise((resolve) => setImmediate(resolve));
  transport.deliver({
    method: "thread/name/updated",
    params: { threadId: "th2", threadName: token },
  });
  transport.deliver({ method: "thread/deleted", params: { threadId: "th2" } });
  transport.deliver({
    method: "thread/name/updated",
    params: { threadId: "x", threadName: token },
  });
  expect(names).toEqual(["[redacted]", token]);
  expect(clientStats(codex)).toMatchObject({ "threadSecrets.threads": 0 });
  await codex.close();
});

it("holds the requests sent again with a resume by path for the thread its answer names", async () => {
  const { codex, transport } = await startCodex();
  const resuming = codex.threadResume("th", {
    path: "/home/u/.codex/sessions/rollout-stored.jsonl",
    approvals: { commandExecution: () => ({ decision: "accept" }) },
  });
  const resume = await sentWhen(transport, (m) => m.method === "thread/resume");
  // In the same read as the answer: a request of the thread the answer names.
  transport.deliver({ id: resume.id, result: { thread: { id: "stored" } } });
  transport.deliver({
    id: 0,
    method: "item/commandExecution/requestApproval",
    params: { threadId: "stored", turnId: "t1", itemId: "i1", command: "touch x" },
  });
  expect((await resuming).id).toBe("stored");
  const answer = await sentWhen(transport, (m) => m.id === 0 && !("method" in m));
  expect(answer.result).toEqual({ decision: "accept" });
  expect(clientStats(codex)).toMatchObject({ "router.resuming": 0 });
  await codex.close();
});

it("names thread/fork and its whole timeout when a fork before an inline review runs out", async () => {
  const { codex, transport } = await startCodex();
  const forking = codex.threadFork("th", { beforeTurnId: "review-1", timeout: 300 });
  const fork = await sentWhen(transport, (m) => m.method === "thread/fork");
  const startless = "turn review-1 does not have a persisted start boundary";
  transport.deliver({ id: fork.id, error: { code: -32600, message: startless } });
  // The search for the turn the review ran in is never answered.
  await sentWhen(transport, (m) => m.method === "thread/turns/list");
  await expect(forking).rejects.toMatchObject({
    name: "RequestTimeoutError",
    method: "thread/fork",
    timeoutMs: 300,
    cause: { method: "thread/turns/list" },
  });
  await codex.close();
});

it("sends what was given at the call to the calls checked once their module loads", async () => {
  const { codex, transport } = await startCodex();
  const argv = ["echo", "safe"];
  const env = { GREETING: "hello" };
  const cwds = ["/work/a"];
  const tokens = { accessToken: "tok-0123456789abcdef", chatgptAccountId: "acct-1" };
  const target = { baseBranch: "main" };
  const calls = [
    codex.exec(argv, { env }),
    codex.skills({ cwds }),
    codex.loginChatgptAuthTokens(tokens),
    codex.thread("th").review(target),
  ];
  for (const call of calls) call.catch(() => {});
  // Reused by the caller while the calls wait.
  argv[1] = "changed";
  env.GREETING = "changed";
  cwds[0] = "/changed";
  tokens.chatgptAccountId = "acct-changed";
  target.baseBranch = "changed";
  const sent = (method: string) => sentWhen(transport, (m) => m.method === method);
  expect((await sent("command/exec")).params).toMatchObject({
    command: ["echo", "safe"],
    env: { GREETING: "hello" },
  });
  expect((await sent("skills/list")).params).toMatchObject({ cwds: ["/work/a"] });
  expect((await sent("account/login/start")).params).toMatchObject({ chatgptAccountId: "acct-1" });
  expect((await sent("review/start")).params).toMatchObject({
    target: { type: "baseBranch", branch: "main" },
  });
  await codex.close();
});

it("sends no thread/start given up on while it waited for a place, and lets its credentials go", async () => {
  const { codex, transport } = await startCodex();
  const freePlaces = await takeEveryPlace(codex, transport);
  const token = "tenant-queued-token-0123456789";
  const config = { mcp_servers: { docs: { url: "https://x", bearer_token: token } } };
  await expect(codex.threadStart({ config, timeout: 20 })).rejects.toMatchObject({
    name: "RequestTimeoutError",
  });
  // Sent raw, alike.
  await expect(codex.request("thread/start", { config }, { timeout: 20 })).rejects.toMatchObject({
    name: "RequestTimeoutError",
  });
  // The places free: nothing is left to send.
  await freePlaces();
  expect(transport.sent.filter((m) => m.method === "thread/start")).toEqual([]);
  expectShownAsIs(codex, transport, token);
  await codex.close();
});

it("sends no unsubscribe, resume, archive or delete given up on while it waited for a place", async () => {
  const { codex, transport } = await startCodex();
  const freePlaces = await takeEveryPlace(codex, transport);
  const controller = new AbortController();
  const token = "resume-queued-token-0123456789";
  const config = { mcp_servers: { docs: { url: "https://x", bearer_token: token } } };
  const calls = [
    codex.threadDelete("th", { signal: controller.signal }),
    codex.threadArchive("th", { timeout: 20 }),
    codex.threadResume("th", { config, signal: controller.signal }),
    codex.thread("th").unsubscribe({ timeout: 20 }),
    codex.request("thread/delete", { threadId: "th" }, { signal: controller.signal }),
  ];
  await expect(calls[1]).rejects.toMatchObject({ name: "RequestTimeoutError" });
  controller.abort();
  const outcomes = await Promise.allSettled(calls);
  expect(outcomes.map((o) => o.status === "rejected" && (o.reason as Error).name)).toEqual([
    "AbortError",
    "RequestTimeoutError",
    "AbortError",
    "RequestTimeoutError",
    "AbortError",
  ]);
  // The places free: nothing given up on is left to send.
  await freePlaces();
  const follows = ["thread/delete", "thread/archive", "thread/resume", "thread/unsubscribe"];
  expect(transport.sent.filter((m) => follows.includes(String(m.method)))).toEqual([]);
  // The resume's credentials were let go with it.
  expectShownAsIs(codex, transport, token);
  await codex.close();
});

it("sends no turn, review, review's fork or compaction given up on while it waited for a place", async () => {
  const { codex, transport } = await startCodex();
  const freePlaces = await takeEveryPlace(codex, transport);
  const thread = codex.thread("th");
  const queued = () => clientStats(codex)["connection.queued"];
  const calls: Array<(signal: AbortSignal) => Promise<unknown>> = [
    (signal) => thread.run("given up", { signal }),
    (signal) => thread.review("uncommittedChanges", { signal }),
    (signal) => thread.review("uncommittedChanges", { delivery: "detached", signal }),
    (signal) => thread.compact({ signal }),
  ];
  for (const call of calls) {
    const controller = new AbortController();
    const given = call(controller.signal);
    // Its request waits for a place in the client, the thread held for it.
    await vi.waitFor(() => expect(queued()).toBe(1));
    controller.abort();
    await expect(given).rejects.toMatchObject({ name: "AbortError" });
    // Withdrawn, never to be sent: the thread is free for the next at once.
    expect(queued()).toBe(0);
  }
  const turn = thread.turn("next");
  await freePlaces();
  const starts = [
    "turn/start",
    "review/start",
    "thread/fork",
    "thread/compact/start",
    "turn/interrupt",
  ];
  const sentStarts = () => transport.sent.filter((m) => starts.includes(String(m.method)));
  await vi.waitFor(() => expect(sentStarts()).toHaveLength(1));
  expect(sentStarts()[0]).toMatchObject({
    method: "turn/start",
    params: { threadId: "th", input: [{ type: "text", text: "next" }] },
  });
  await codex.close();
  await expect(turn).rejects.toMatchObject({ name: "TransportClosedError" });
});

it("holds a thread's directories to a Windows server's system, whatever the client's", async () => {
  const { codex, transport } = await startOverFake(Codex, transports, {
    userAgent: "codex/0.0.1",
    serverInfo: { name: "codex", version: "0.0.1" },
    platformFamily: "windows",
    platformOs: "windows",
  });
  try {
    await expect(
      codex.threadStart({ sandbox: "workspaceWrite", runtimeWorkspaceRoots: ["/srv"] }),
    ).rejects.toThrow("runtimeWorkspaceRoots[0] must be an absolute path on the server's system");
    const starting = codex.threadStart({
      sandbox: "workspaceWrite",
      additionalDirectories: ["C:\\data", "\\\\host\\share\\x"],
      runtimeWorkspaceRoots: ["D:\\work"],
    });
    // After initialize and initialized.
    const sent = await transport.waitForSent(3);
    expect(sent).toMatchObject({
      method: "thread/start",
      params: {
        runtimeWorkspaceRoots: ["D:\\work"],
        config: { "sandbox_workspace_write.writable_roots": ["C:\\data", "\\\\host\\share\\x"] },
      },
    });
    transport.deliver({ id: sent.id, result: { thread: { id: "th" } } });
    const thread = await starting;
    await expect(
      thread.run("hi", { sandbox: "workspaceWrite", additionalDirectories: ["/srv"] }),
    ).rejects.toThrow("additionalDirectories[0] must be an absolute path on the server's system");
    // A skill's path too, in a turn and in a steer: the runtime would find none by it.
    const relative = skill("review", "/skills/review/SKILL.md");
    await expect(thread.run(relative)).rejects.toThrow(
      "input[0].path of a skill item must be the absolute path of its SKILL.md",
    );
    const before = transport.sent.length;
    const turning = thread.turn([skill("review", "C:\\skills\\review\\SKILL.md")]);
    const start = await transport.waitForSent(before + 1);
    expect(start).toMatchObject({ method: "turn/start" });
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    const handle = await turning;
    await expect(handle.steer(relative)).rejects.toThrow(
      "input[0].path of a skill item must be the absolute path of its SKILL.md",
    );
    expect(transport.sent.length).toBe(before + 1);
  } finally {
    await codex.close();
  }
});

describe("a resume refused as its thread's first turn starts, sent again", () => {
  const NOT_YET = { code: -32601, message: "list_turns is not supported yet" };
  const resumesSent = (transport: FakeTransport) =>
    transport.sent.filter((m) => m.method === "thread/resume").length;

  it("times out as one call, naming its whole timeout", async () => {
    const { codex, transport } = await startCodex();
    const caught = codex.threadResume("th", { timeout: 1000 }).catch((err: unknown) => err);
    const first = await sentWhen(transport, (m) => m.method === "thread/resume");
    transport.deliver({ id: first.id, error: NOT_YET });
    // The second is never answered: the call's bound runs out on it.
    await sentWhen(transport, (m) => m.method === "thread/resume" && m.id !== first.id);
    const err = await caught;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "thread/resume", timeoutMs: 1000 });
    await codex.close();
  });

  it("is not sent again once its bound passed while it waited (a busy event loop)", async () => {
    const { codex, transport } = await startCodex();
    const caught = codex.threadResume("th", { timeout: 300 }).catch((err: unknown) => err);
    const first = await sentWhen(transport, (m) => m.method === "thread/resume");
    transport.deliver({ id: first.id, error: NOT_YET });
    // The program is busy for 350 ms as the resume waits its 50 ms: its 300 ms bound passes.
    setTimeout(() => {
      const end = performance.now() + 350;
      while (performance.now() < end);
    }, 10);
    expect(await caught).toMatchObject({ name: "RequestTimeoutError", timeoutMs: 300 });
    expect(resumesSent(transport)).toBe(1);
    await codex.close();
  });

  it("ends its wait to go again at close(), rejecting, and leaves no timer", async () => {
    const { codex, transport } = await startCodex();
    // The wait's timer never fires by itself: only the close can end it.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const resuming = codex.threadResume("th").catch((err: unknown) => err);
      const first = await sentWhen(transport, (m) => m.method === "thread/resume");
      transport.deliver({ id: first.id, error: NOT_YET });
      // Its wait: the one timer (the refusal is handled within a turn of the event loop).
      await new Promise((resolve) => setImmediate(resolve));
      expect(vi.getTimerCount()).toBe(1);
      await codex.close();
      expect(await resuming).toMatchObject({ name: "TransportClosedError" });
      expect(vi.getTimerCount()).toBe(0);
      expect(resumesSent(transport)).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

it("refuses a thread or turn id holding control characters, which errors and logs would quote", async () => {
  const { codex, transport } = await startCodex();
  const starting = codex.threadStart();
  const start = await sentWhen(transport, (m) => m.method === "thread/start");
  transport.deliver({ id: start.id, result: { thread: { id: "th\u001b]0;owned\u0007" } } });
  await expect(starting).rejects.toThrow(
    "the answer to thread/start names a thread whose id holds control characters",
  );
  const running = codex.thread("th").run("hi");
  const turn = await sentWhen(transport, (m) => m.method === "turn/start");
  transport.deliver({ id: turn.id, result: { turn: turnOf("tu\u009b2J") } });
  await expect(running).rejects.toThrow(
    "the answer to turn/start names a turn whose id holds control characters",
  );
  await codex.close();
});
