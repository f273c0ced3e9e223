// Orderings and messages the real server makes only by chance or by fault. What the client knows
// of the threads it follows stays true when the server answers several follow-up requests in one
// read or a turn's completion overtakes its start; a turn given up on before its start was
// answered keeps its own handlers; a thread's tools are those of the call while its start is
// answered; a request named like a notification is not read as one. Codex runs here over a fake
// transport in place of the child process, so the test decides which messages arrive when.
import { expect, it, vi } from "vitest";
import { approvalPolicies, type DynamicTool } from "../../src/index.js";
import { FakeTransport } from "../support/fake-transport.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  class StdioTransport extends Fake {
    constructor() {
      super();
      transports.push(this);
    }
    get pid(): undefined {
      return undefined;
    }
    get stats(): Record<string, number> {
      return {};
    }
  }
  return { StdioTransport };
});

const { Codex } = await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");

async function startCodex() {
  const starting = Codex.start({ launchArgs: ["codex-stand-in"] });
  await Promise.resolve();
  const transport = transports.at(-1)!;
  const init = await transport.waitForSent(1);
  transport.deliver({
    id: init.id,
    result: { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } },
  });
  return { codex: await starting, transport };
}

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
    const turn = { id: "t1", status: "inProgress", items: [] };
    if (requestFirst) transport.deliver(approval);
    transport.deliver({ id: start.id, result: { turn, reviewThreadId: "th" } });
    if (!requestFirst) transport.deliver(approval);
    await vi.waitFor(() => expect(transport.sent.find((m) => m.id === 0)).toBeDefined());
    expect(transport.sent.find((m) => m.id === 0)).toEqual({
      id: 0,
      result: { decision: "decline" },
    });
    // The late turn is interrupted once it is active; its completion drops its handlers.
    expect(clientStats(codex)["dispatcher.turnHandlers"]).toBe(1);
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn } });
    const interrupt = await vi.waitFor(() => {
      const sent = transport.sent.find((m) => m.method === "turn/interrupt");
      expect(sent).toBeDefined();
      return sent!;
    });
    expect(interrupt.params).toEqual({ threadId: "th", turnId: "t1" });
    transport.deliver({ id: interrupt.id, result: {} });
    const completed = { ...turn, status: "interrupted" };
    transport.deliver({ method: "turn/completed", params: { threadId: "th", turn: completed } });
    await vi.waitFor(() => expect(clientStats(codex)["dispatcher.turnHandlers"]).toBe(0));
    await codex.close();
  });
}

it("answers a thread's tool calls with the tools checked at the call, whatever the caller changes", async () => {
  const { codex, transport } = await startCodex();
  const tool = (name: string, text: string): DynamicTool => ({
    name,
    description: "",
    inputSchema: {},
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
  const answers = await vi.waitFor(() => {
    const sent = [100, 101].map((id) => transport.sent.find((m) => m.id === id));
    expect(sent).not.toContain(undefined);
    return sent;
  });
  expect(answers.map((m) => m!.result)).toEqual([
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
  const turn = (status: string) => ({ id: "t1", status, items: [], error: null });
  transport.deliver({ id: start.id, result: { turn: turn("inProgress") } });
  const handle = await turning;
  // Requests (each has an id) that a turn would take for its end, or its failure.
  const fake = { threadId: "th", turnId: "t1", turn: turn("completed") };
  transport.deliver({ id: 0, method: "turn/completed", params: fake });
  transport.deliver({ id: 1, method: "error", params: { ...fake, willRetry: false, error: {} } });
  transport.deliver({
    method: "turn/started",
    params: { threadId: "th", turn: turn("inProgress") },
  });
  const item = { type: "agentMessage", id: "m", text: "the answer", phase: null };
  transport.deliver({ method: "item/completed", params: { threadId: "th", turnId: "t1", item } });
  transport.deliver({
    method: "turn/completed",
    params: { threadId: "th", turn: turn("completed") },
  });
  expect((await handle.run()).finalResponse).toBe("the answer");
  const codeOf = (id: number) =>
    (transport.sent.find((m) => m.id === id && !("method" in m))?.error as { code?: number })?.code;
  await vi.waitFor(() => expect([codeOf(0), codeOf(1)]).toEqual([-32601, -32601]));
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
  const turn = (id: string, status: string) => ({ id, status, items: [], error: null });
  const before = clientStats(codex);
  const turning = thread.turn("hi");
  const start = await transport.waitForSent(transport.sent.length);
  transport.deliver({ id: start.id, result: { turn: turn("t1", "inProgress") } });
  const handle = await turning;
  transport.deliver({
    method: "turn/completed",
    params: { threadId: "th", turn: turn("t1", "completed") },
  });
  transport.deliver({
    method: "turn/started",
    params: { threadId: "th", turn: turn("t1", "inProgress") },
  });
  expect((await handle.run()).status).toBe("completed");
  expect(clientStats(codex)).toEqual(before);

  // A goal run would otherwise take t1 for a turn of its own, which never completes.
  const running = thread.runGoal("ship it");
  const set = await vi.waitFor(() => {
    const sent = transport.sent.find((m) => m.method === "thread/goal/set");
    expect(sent).toBeDefined();
    return sent!;
  });
  transport.deliver({ id: set.id, result: { goal: goal("active") } });
  transport.deliver({
    method: "turn/started",
    params: { threadId: "th", turn: turn("t2", "inProgress") },
  });
  transport.deliver({
    method: "turn/completed",
    params: { threadId: "th", turn: turn("t2", "completed") },
  });
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
    const turn = (status: string) => ({ id: "c1", status, items: [], error: null });
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th", turn: turn("completed") },
    });
    transport.deliver({
      method: "turn/started",
      params: { threadId: "th", turn: turn("inProgress") },
    });
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
    tools: [{ name: "t", description: "", inputSchema: {}, handler: () => "from the tool" }],
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
  const answers = await vi.waitFor(() => {
    // Answers, not the client's own requests of the same ids.
    const sent = [0, 1].map((id) => transport.sent.find((m) => m.id === id && !("method" in m)));
    expect(sent).not.toContain(undefined);
    return sent.map((m) => m!.result);
  });
  expect(answers).toEqual([
    { decision: "accept" },
    { contentItems: [{ type: "inputText", text: "from the tool" }], success: true },
  ]);
  expect(clientStats(codex)["router.resuming"]).toBe(0);
  await codex.close();
});

it("answers a detached review's requests with its thread's handlers, lent to the fork while it runs", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th", { approvals: approvalPolicies.acceptAll() });
  const before = transport.sent.length;
  const reviewing = thread.review("uncommittedChanges", { delivery: "detached" });
  const fork = await transport.waitForSent(before + 1);
  expect(fork.method).toBe("thread/fork");
  transport.deliver({ id: fork.id, result: { thread: { id: "fork" } } });
  const start = await transport.waitForSent(before + 2);
  expect(start.method).toBe("review/start");
  const turn = (status: string) => ({ id: "r1", status, items: [], error: null });
  transport.deliver({ id: start.id, result: { turn: turn("inProgress"), reviewThreadId: "fork" } });
  const review = await reviewing;
  expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(2);
  transport.deliver({
    id: 0,
    method: "item/commandExecution/requestApproval",
    params: { threadId: "fork", turnId: "r1", itemId: "i", command: "git diff" },
  });
  const answer = await vi.waitFor(() => {
    const sent = transport.sent.find((m) => m.id === 0 && !("method" in m));
    expect(sent).toBeDefined();
    return sent!;
  });
  expect(answer.result).toEqual({ decision: "accept" });
  transport.deliver({
    method: "turn/completed",
    params: { threadId: "fork", turn: turn("completed") },
  });
  await review.run();
  // Given back: the thread keeps its own, the fork has none.
  expect(clientStats(codex)["dispatcher.threadHandlers"]).toBe(1);
  await codex.close();
});
