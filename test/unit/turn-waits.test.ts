// Every wait a caller bounds with a signal or a timeout ends in time, wherever the turn is: queued
// behind another turn of the thread, waiting for the answer to turn/start, or interrupted by a
// server that never completes it. And a turn given up on leaves nothing behind.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CodexError,
  RequestTimeoutError,
  TransportClosedError,
  TurnAbortedError,
  TurnFailedError,
  type Thread as ThreadType,
} from "../../src/index.js";
import type { GoalResult } from "../../src/goal.js";
import { externalMessage } from "../../src/inputs.js";
import { Connection, MAX_IN_FLIGHT } from "../../src/rpc/connection.js";
import { Router, turnIdOf } from "../../src/rpc/router.js";
import { ServerRequestDispatcher } from "../../src/server-requests.js";
import { Thread } from "../../src/thread.js";
import { checkId } from "../../src/thread-options.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";

const TH = "th";
const turnOf = (id: string, status = "inProgress") => ({ id, items: [], status, error: null });
const started = (id: string) => ({
  method: "turn/started",
  params: { threadId: TH, turn: turnOf(id) },
});
const completed = (id: string, status = "completed") => ({
  method: "turn/completed",
  params: { threadId: TH, turn: turnOf(id, status) },
});

afterEach(() => {
  vi.useRealTimers();
});

// What thread/read answers while a turn runs there.
const ACTIVE_THREAD = { thread: { id: TH, status: { type: "active", activeFlags: [] } } };

function setup(answerClears = true) {
  const transport = new FakeTransport();
  // A goal run clears the thread's earlier goal first; the tests here are about what follows.
  if (answerClears) transport.answerAlways("thread/goal/clear", { cleared: false });
  // And reads the thread's status first: a thread the server has not loaded runs no goal.
  transport.answerAlways("thread/read", { thread: { id: TH, status: { type: "idle" } } });
  const { log, entries } = captureLog();
  const connection = new Connection(transport, { log });
  const router = new Router(connection, log);
  const dispatcher = new ServerRequestDispatcher(router, {}, { log });
  const context = { connection, router, dispatcher, log, events: "all" } as const;
  const thread: ThreadType = new Thread(context, TH);
  const sentOf = (method: string) => transport.sent.filter((m) => m.method === method);
  // Answers the n-th message the client sent (1-based), which must be a request of `method`.
  const answer = async (n: number, method: string, result: unknown) => {
    const request = await transport.waitForSent(n);
    expect(request.method).toBe(method);
    transport.deliver({ id: request.id, result });
  };
  // A turn the server answered as t1, its handle in hand (and active, if `active`).
  const turnT1 = async (active = true) => {
    const pending = thread.turn("first");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    if (active) transport.deliver(started("t1"));
    return turn;
  };
  const tables = (): Record<string, number> => ({
    ...router.stats,
    turnHandlers: dispatcher.stats.turnHandlers!,
  });
  return { transport, context, router, thread, entries, sentOf, answer, turnT1, tables };
}

// Lets every promise callback queued so far run.
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

// A goal run whose outcome is kept (its error, if it fails), and whether it has settled yet.
function watchedGoal(
  thread: ThreadType,
  objective: string,
  options?: Parameters<ThreadType["runGoal"]>[1],
) {
  const run = { settled: false, goal: undefined as unknown as Promise<unknown> };
  run.goal = thread
    .runGoal(objective, options)
    .catch((e: unknown) => e)
    .finally(() => (run.settled = true));
  return run;
}

// Unsubscribes from the thread, the server answering with the n-th message the client sent.
async function leave(
  { thread, answer }: Pick<ReturnType<typeof setup>, "thread" | "answer">,
  n: number,
): Promise<void> {
  const left = thread.unsubscribe();
  await answer(n, "thread/unsubscribe", { status: "unsubscribed" });
  await left;
}

describe("a turn queued behind another", () => {
  it("leaves the queue when its signal aborts or its timeout passes; the others keep their place", async () => {
    const { transport, thread, sentOf, answer, tables } = setup();
    const first = await (async () => {
      const turn = thread.turn("first");
      await answer(1, "turn/start", { turn: turnOf("t1") });
      return turn;
    })();
    transport.deliver(started("t1"));

    const controller = new AbortController();
    const aborted = thread.run("aborted", { signal: controller.signal });
    const timedRun = thread.run("timed run", { timeout: 50 });
    const timedTurn = thread.turn("timed turn", { timeout: 50 });
    const goal = thread.runGoal("a goal", { signal: controller.signal });
    const patient = thread.run("patient");
    const reason = new Error("gave up");
    controller.abort(reason);

    await expect(aborted).rejects.toBe(reason);
    await expect(goal).rejects.toBe(reason);
    const timeouts = await Promise.all(
      [timedRun, timedTurn].map((p) => p.catch((e: unknown) => e)),
    );
    for (const err of timeouts) {
      expect(err).toBeInstanceOf(RequestTimeoutError);
      const { method, waitedFor, message } = err as RequestTimeoutError;
      expect({ method, waitedFor, message }).toEqual({
        method: "turn/start",
        waitedFor: "this client's turn on the thread to end",
        message:
          "Request turn/start timed out after 50 ms waiting for this client's turn on the " +
          "thread to end; it was not sent",
      });
    }
    // Only the first turn was ever sent; the one that did not give up goes next.
    expect(sentOf("turn/start")).toHaveLength(1);
    expect(sentOf("thread/goal/set")).toHaveLength(0);
    transport.deliver(completed("t1"));
    await expect(first.run()).resolves.toMatchObject({ status: "completed" });
    await answer(2, "turn/start", { turn: turnOf("t2") });
    expect((sentOf("turn/start")[1]!.params as { input: unknown }).input).toEqual([
      { type: "text", text: "patient" },
    ]);
    transport.deliver(completed("t2"));
    await expect(patient).resolves.toMatchObject({ id: "t2", status: "completed" });
    expect(tables()).toMatchObject({ queues: 0, turns: 0, pendingByThread: 0, turnReads: 0 });
  });

  it("passes the thread on when it is handed the thread and aborted in the same moment", async () => {
    const { transport, router, thread, sentOf, answer, tables } = setup();
    const first = thread.turn("first");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    await first;
    const controller = new AbortController();
    const aborted = thread.run("aborted", { signal: controller.signal });
    const next = thread.run("next");
    // The completion hands the thread to the aborted turn; the abort comes before it can act.
    transport.deliver(completed("t1"));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    await answer(2, "turn/start", { turn: turnOf("t2") });
    expect(sentOf("turn/start")).toHaveLength(2);
    transport.deliver(completed("t2"));
    await expect(next).resolves.toMatchObject({ id: "t2" });
    expect(router.stats.queues).toBe(0);
    expect(tables().turns).toBe(0);
  });
});

describe("a turn whose turn/start is not answered", () => {
  it("rejects at once on abort, and interrupts the turn the late answer names", async () => {
    const { transport, thread, sentOf, tables } = setup();
    const controller = new AbortController();
    const running = thread.run("x", { signal: controller.signal });
    const request = await transport.waitForSent(1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    // The thread stays taken: the server may be starting that turn.
    const next = thread.run("next");
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);

    transport.deliver({ id: request.id, result: { turn: turnOf("late") } });
    transport.deliver(started("late"));
    const interrupt = await transport.waitForSent(2);
    expect(interrupt).toMatchObject({
      method: "turn/interrupt",
      params: { threadId: TH, turnId: "late" },
    });
    transport.deliver({ id: interrupt.id, result: {} });
    transport.deliver(completed("late", "interrupted"));
    const nextStart = await transport.waitForSent(3);
    expect(nextStart.method).toBe("turn/start");
    transport.deliver({ id: nextStart.id, result: { turn: turnOf("t2") } });
    transport.deliver(completed("t2"));
    await expect(next).resolves.toMatchObject({ id: "t2" });
    expect(tables()).toMatchObject({ queues: 0, turns: 0, pendingByThread: 0 });
  });

  it("times out with RequestTimeoutError, and frees the thread if no answer ever comes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf, entries, tables } = setup();
    const running = thread.run("x", { timeout: 1_000 }).catch((e: unknown) => e);
    await transport.waitForSent(1);
    const next = thread.run("next");
    await vi.advanceTimersByTimeAsync(1_000);
    const err = await running;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(sentOf("turn/start")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entries.map((e) => e.message)).toContain(
      "codex-app-server-sdk: no answer to turn/start within 10000 ms of giving up on it",
    );
    const nextStart = await transport.waitForSent(2);
    expect(nextStart.method).toBe("turn/start");
    transport.deliver({ id: nextStart.id, result: { turn: turnOf("t2") } });
    transport.deliver(completed("t2"));
    await expect(next).resolves.toMatchObject({ id: "t2" });
    expect(tables()).toMatchObject({ queues: 0, turns: 0, pendingByThread: 0 });
  });

  it("rejects an answer that names no turn, and the thread runs the next turn", async () => {
    const { transport, thread, answer, tables } = setup();
    const bad = thread.run("x");
    await answer(1, "turn/start", { turn: { id: 42 } });
    await expect(bad).rejects.toThrow(new CodexError("the answer to turn/start names no turn"));
    const good = thread.run("y");
    await answer(2, "turn/start", { turn: turnOf("t2") });
    transport.deliver(completed("t2"));
    await expect(good).resolves.toMatchObject({ id: "t2" });
    expect(tables()).toMatchObject({ queues: 0, turns: 0, pendingByThread: 0 });
  });

  it("fails a turn the server gives the id of a turn still in flight, not the first one", async () => {
    const { transport, context, thread, answer, tables } = setup();
    const other = new Thread(context, "other");
    const first = thread.run("first");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const second = other.run("second");
    await answer(2, "turn/start", { turn: turnOf("t1") });
    await expect(second).rejects.toThrow(
      new CodexError("the server gave this turn the id of a turn still in flight (t1)"),
    );
    transport.deliver(completed("t1"));
    await expect(first).resolves.toMatchObject({ id: "t1", status: "completed" });
    expect(tables()).toMatchObject({ turns: 0, queues: 0, turnReads: 0 });
  });
});

describe("a turn/start refused as the thread's turn takes no input", () => {
  const NOT_STEERABLE = {
    code: -32603,
    message: "failed to submit turn input: ActiveTurnNotSteerable { turn_kind: Compact }",
  };
  const statusChanged = {
    method: "thread/status/changed",
    params: { threadId: TH, status: { type: "idle" } },
  };

  it("goes again at the thread's next status change, and after a doubling wait without one", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf, tables } = setup();
    const running = thread.run("x");
    const first = await transport.waitForSent(1);
    transport.deliver({ id: first.id, error: NOT_STEERABLE });
    await flush();
    transport.deliver(statusChanged);
    const second = await transport.waitForSent(2);
    expect(second).toMatchObject({ method: "turn/start", params: first.params });
    // Named in the error's data, as a runtime may.
    const data = { codexErrorInfo: { activeTurnNotSteerable: { turnKind: "review" } } };
    transport.deliver({ id: second.id, error: { code: -32603, message: "busy", data } });
    await vi.advanceTimersByTimeAsync(999);
    expect(sentOf("turn/start")).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const third = await transport.waitForSent(3);
    transport.deliver({ id: third.id, result: { turn: turnOf("t1") } });
    transport.deliver(completed("t1"));
    await expect(running).resolves.toMatchObject({ id: "t1", status: "completed" });
    expect(vi.getTimerCount()).toBe(0);
    expect(tables()).toMatchObject({ queues: 0, turns: 0, pendingByThread: 0 });
  });

  it("rejects with any other refusal, and with the connection's close while it waits", async () => {
    const { transport, thread, tables } = setup();
    const other = thread.run("x");
    const first = await transport.waitForSent(1);
    transport.deliver({ id: first.id, error: { code: -32603, message: "something else" } });
    await expect(other).rejects.toMatchObject({ rpcMessage: "something else" });
    const waiting = thread.run("y");
    const second = await transport.waitForSent(2);
    transport.deliver({ id: second.id, error: NOT_STEERABLE });
    await flush();
    transport.end();
    await expect(waiting).rejects.toBeInstanceOf(TransportClosedError);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });

  it("sends nothing more once the thread ends or the client leaves it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, sentOf, tables } = setup();
    const archived = thread.run("x");
    const first = await transport.waitForSent(1);
    transport.deliver({ id: first.id, error: NOT_STEERABLE });
    await flush();
    transport.deliver({ method: "thread/archived", params: { threadId: TH } });
    await expect(archived).rejects.toThrow(`thread ${TH} was archived while this client ran there`);
    const left = thread.run("y");
    const second = await transport.waitForSent(2);
    transport.deliver({ id: second.id, error: NOT_STEERABLE });
    await flush();
    void thread.unsubscribe();
    await answer(3, "thread/unsubscribe", { status: "unsubscribed" });
    // At once, not when the wait would have ended.
    await expect(left).rejects.toThrow(`this client unsubscribed from thread ${TH}`);
    expect(sentOf("turn/start")).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });

  // A run refused as the thread's turn takes no input, sent again at the next status change: the
  // run, its controller and the second turn/start.
  async function sentAgain(transport: FakeTransport, thread: ThreadType) {
    const controller = new AbortController();
    const running = thread.run("x", { signal: controller.signal });
    const first = await transport.waitForSent(1);
    transport.deliver({ id: first.id, error: NOT_STEERABLE });
    await flush();
    transport.deliver(statusChanged);
    return { controller, running, second: await transport.waitForSent(2) };
  }

  it("leaves running the turn of a client that sent as it came free too, once given up on", async () => {
    const { transport, thread, sentOf, tables } = setup();
    const { controller, running, second } = await sentAgain(transport, thread);
    // The other client's turn starts after this one was sent, and the input joins it.
    transport.deliver(started("theirs"));
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    transport.deliver({ id: second.id, result: { turn: turnOf("theirs") } });
    await flush();
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    transport.deliver(completed("theirs"));
    await flush();
    expect(tables()).toMatchObject({ queues: 0, turns: 0, running: 0 });
  });

  it("stops its own turn, whose start is read with the answer to the turn/start sent again, once given up on", async () => {
    const { transport, thread, sentOf, tables } = setup();
    const { controller, running, second } = await sentAgain(transport, thread);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    // The answer, then the start of the turn it made, in one read: this call's own turn.
    transport.deliver({ id: second.id, result: { turn: turnOf("mine") } });
    transport.deliver(started("mine"));
    await flush();
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([
      { threadId: TH, turnId: "mine" },
    ]);
    transport.deliver(completed("mine", "interrupted"));
    await flush();
    expect(tables()).toMatchObject({ queues: 0, turns: 0, running: 0 });
  });

  it("leaves running a turn of another client that the input joined after the caller gave up", async () => {
    const { transport, thread, sentOf, tables } = setup();
    transport.deliver(started("compaction"));
    const controller = new AbortController();
    const running = thread.run("x", { signal: controller.signal });
    const first = await transport.waitForSent(1);
    transport.deliver({ id: first.id, error: NOT_STEERABLE });
    await flush();
    // The compaction ends, another client's turn starts, and the input goes again.
    transport.deliver(completed("compaction"));
    transport.deliver(started("theirs"));
    const second = await transport.waitForSent(2);
    expect(second.method).toBe("turn/start");
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    // The late answer names their turn, which the input joined: not this call's to stop.
    transport.deliver({ id: second.id, result: { turn: turnOf("theirs") } });
    await flush();
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    transport.deliver(completed("theirs"));
    await flush();
    expect(tables()).toMatchObject({ queues: 0, turns: 0, running: 0 });
  });
});

describe("a wait for another turn running on the thread", () => {
  const IDLE = { thread: { id: TH, status: { type: "idle" } } };
  const approval = (id: number, turnId: string) => ({
    id,
    method: "item/commandExecution/requestApproval",
    params: { threadId: TH, turnId, itemId: `i${id}`, command: "ls", commandActions: [] },
  });
  // The client's answer to server request `id`, once sent.
  const answered = (transport: FakeTransport, id: number) =>
    vi.waitFor(() =>
      expect(transport.sent.some((m) => m.id === id && !("method" in m))).toBe(true),
    );

  it("holds neither that turn's events nor its requests: they are answered meanwhile", async () => {
    const { transport, context, thread, tables } = setup();
    context.connection.setServerRequestHandler(context.dispatcher.handle);
    transport.deliver(started("theirs"));
    const review = thread.review("uncommittedChanges");
    await flush();
    transport.deliver(approval(7, "theirs"));
    transport.deliver({
      method: "item/agentMessage/delta",
      params: { threadId: TH, turnId: "theirs", itemId: "m", delta: "x" },
    });
    await answered(transport, 7);
    expect(tables()).toMatchObject({ pendingByThread: 0, startWaiters: 0 });
    transport.deliver(completed("theirs"));
    const request = await vi.waitFor(() => {
      const sent = transport.sent.find((m) => m.method === "review/start");
      expect(sent).toBeDefined();
      return sent!;
    });
    transport.deliver({ id: request.id, result: { turn: turnOf("r1") } });
    transport.deliver(completed("r1"));
    await expect((await review).run()).resolves.toMatchObject({ id: "r1" });
  });

  it("holds no request of a review while a turn refused by it waits to be sent again", async () => {
    const { transport, context, thread } = setup();
    context.connection.setServerRequestHandler(context.dispatcher.handle);
    transport.deliver(started("review"));
    const run = thread.run("x");
    const first = await transport.waitForSent(1);
    transport.deliver({
      id: first.id,
      error: { code: -32603, message: "ActiveTurnNotSteerable { turn_kind: Review }" },
    });
    await flush();
    transport.deliver(approval(9, "review"));
    await answered(transport, 9);
    transport.deliver(completed("review"));
    const second = await vi.waitFor(() => {
      const sent = transport.sent.filter((m) => m.method === "turn/start");
      expect(sent).toHaveLength(2);
      return sent[1]!;
    });
    transport.deliver({ id: second.id, result: { turn: turnOf("t1") } });
    transport.deliver(completed("t1"));
    await expect(run).resolves.toMatchObject({ id: "t1" });
  });

  it("withdraws a turn sent again after a refusal, given up on while it waited for a place", async () => {
    const { transport, context, thread, sentOf } = setup();
    transport.deliver(started("review"));
    const controller = new AbortController();
    const run = thread.run("x", { signal: controller.signal });
    const first = await transport.waitForSent(1);
    transport.deliver({
      id: first.id,
      error: { code: -32603, message: "ActiveTurnNotSteerable { turn_kind: Review }" },
    });
    await flush();
    // Every place is taken as the thread comes free: the turn/start sent again waits for one.
    const reads = Array.from({ length: MAX_IN_FLIGHT }, () =>
      context.connection.request("model/list", {}),
    );
    transport.deliver(completed("review"));
    await vi.waitFor(() => expect(context.connection.stats.queued).toBe(1));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(context.connection.stats.queued).toBe(0);
    for (const list of sentOf("model/list")) transport.deliver({ id: list.id, result: {} });
    await Promise.all(reads);
    expect(sentOf("turn/start")).toHaveLength(1);
    expect(sentOf("turn/interrupt")).toEqual([]);
  });

  it("sends nothing when the caller gives up or leaves the thread while its status is read", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf } = setup();
    transport.stopAnswering("thread/read");
    transport.deliver(started("theirs"));
    const controller = new AbortController();
    const aborted = thread.compact({ signal: controller.signal });
    const refused = expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    await vi.advanceTimersByTimeAsync(500);
    const read = await transport.waitForSent(1);
    expect(read.method).toBe("thread/read");
    controller.abort();
    await refused;
    transport.deliver({ id: read.id, result: IDLE });
    await vi.advanceTimersByTimeAsync(10);
    transport.deliver(started("theirs"));
    const left = thread.compact();
    const leftRefused = expect(left).rejects.toThrow(/unsubscribed from thread th/);
    await vi.advanceTimersByTimeAsync(500);
    const read2 = await transport.waitForSent(2);
    expect(read2.method).toBe("thread/read");
    void thread.unsubscribe();
    const unsubscribe = await transport.waitForSent(3);
    transport.deliver({ id: unsubscribe.id, result: { status: "unsubscribed" } });
    await vi.advanceTimersByTimeAsync(10);
    transport.deliver({ id: read2.id, result: IDLE });
    await leftRefused;
    expect(sentOf("thread/compact/start")).toHaveLength(0);
  });

  it("bounds the status read by the call's timeout, and sends nothing once it ran out", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf } = setup();
    transport.stopAnswering("thread/read");
    transport.deliver(started("theirs"));
    const compacted = thread.compact({ timeout: 1_000 });
    const refused = expect(compacted).rejects.toBeInstanceOf(RequestTimeoutError);
    await vi.advanceTimersByTimeAsync(500);
    const read = await transport.waitForSent(1);
    expect(read.method).toBe("thread/read");
    await vi.advanceTimersByTimeAsync(500);
    await refused;
    transport.deliver({ id: read.id, result: IDLE });
    await vi.advanceTimersByTimeAsync(10);
    expect(sentOf("thread/compact/start")).toHaveLength(0);
  });
});

describe("an interrupted turn the server never completes", () => {
  it("rejects every wait after the abort bound and leaves nothing routed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, tables, entries } = setup();
    const handle = (async () => {
      const turn = thread.turn("x", {
        approvals: { commandExecution: () => ({ decision: "decline" }) },
      });
      await answer(1, "turn/start", { turn: turnOf("t1") });
      return turn;
    })();
    const turn = await handle;
    transport.deliver(started("t1"));
    // Each settles while the timers run, so each is caught at once and checked after.
    const bounded = turn.run({ timeout: 100 }).catch((e: unknown) => e);
    const unbounded = turn.run().catch((e: unknown) => e);
    const stream = (async () => {
      for await (const event of turn.stream()) void event;
    })().catch((e: unknown) => e);
    expect(tables()).toMatchObject({ turns: 1, turnHandlers: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect((await transport.waitForSent(2)).method).toBe("turn/interrupt");
    // Neither the interrupt nor the completion is ever answered.
    await vi.advanceTimersByTimeAsync(10_000);
    const err = await bounded;
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).cause).toMatchObject({ name: "TimeoutError" });
    expect(await unbounded).toBeInstanceOf(TurnAbortedError);
    expect(await stream).toBeInstanceOf(TurnAbortedError);
    expect(entries.map((e) => e.message)).toContain(
      "codex-app-server-sdk: turn t1 did not complete within 10000 ms of its interrupt",
    );
    // The server says (through `thread/read`) the thread runs nothing: the turn is no longer
    // noted as running there.
    expect(tables()).toMatchObject({
      turns: 0,
      turnHandlers: 0,
      queues: 0,
      turnReads: 0,
      running: 0,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("refuses an external message steered into it once given up on, sending nothing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, sentOf } = setup();
    const pending = thread.turn("first");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    const next = thread.turn("next");
    const run = turn.run({ timeout: 100 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_100);
    expect(await run).toBeInstanceOf(TurnAbortedError);
    // The thread went on to the next turn, which the message would be folded into.
    const start = sentOf("turn/start")[1]!;
    transport.deliver({ id: start.id, result: { turn: turnOf("t2") } });
    await next;
    transport.deliver(started("t2"));
    await expect(turn.steer(externalMessage("slack", "hello"))).rejects.toThrow(
      "no active turn to steer",
    );
    expect(sentOf("turn/start")).toHaveLength(2);
  });

  /**
   * Steers t1 with an external message, and ends t1 as the message travels: the server starts t2
   * with it, which the SDK interrupts.
   */
  async function steerIntoEndedTurn() {
    const context = setup();
    const { transport, answer, turnT1 } = context;
    const turn = await turnT1();
    const steered = turn.steer(externalMessage("ci", "deploy failed")).catch((e: unknown) => e);
    await transport.waitForSent(2);
    transport.deliver(completed("t1"));
    await answer(2, "turn/start", { turn: turnOf("t2") });
    return { ...context, steered };
  }

  it("stops the turn an external message started when its turn ended on the way", async () => {
    const { sentOf, steered } = await steerIntoEndedTurn();
    const err = await steered;
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toMatch(/started turn t2 instead, which is interrupted$/);
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([{ threadId: TH, turnId: "t2" }]);
  });

  it("rejects with TransportClosedError an external message whose started turn the server exits before stopping", async () => {
    const { transport, sentOf, steered } = await steerIntoEndedTurn();
    // The interrupt of t2 goes out, and the server exits before answering it: nothing was stopped.
    await transport.waitForSent(3);
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([{ threadId: TH, turnId: "t2" }]);
    transport.end();
    expect(await steered).toBeInstanceOf(TransportClosedError);
  });

  it("lets an external message into a turn whose interrupt gave up before it was sent", async () => {
    const { transport, answer, sentOf, turnT1 } = setup();
    const turn = await turnT1(false);
    // Not active yet: the interrupt's own timeout passes with nothing sent.
    await expect(turn.interrupt({ timeout: 20 })).rejects.toBeInstanceOf(RequestTimeoutError);
    transport.deliver(started("t1"));
    const steered = turn.steer(externalMessage("ci", "deploy failed"));
    await answer(2, "turn/start", { turn: turnOf("t1") });
    await expect(steered).resolves.toEqual({ turnId: "t1" });
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    // Once one goes out, the message would start a turn of its own: refused, nothing sent.
    const interrupted = turn.interrupt();
    await answer(3, "turn/interrupt", {});
    await interrupted;
    await expect(turn.steer(externalMessage("ci", "late"))).rejects.toThrow(
      "no active turn to steer",
    );
    expect(sentOf("turn/start")).toHaveLength(2);
  });

  it("leaves running the turn of another client that an external message joined", async () => {
    const { transport, answer, sentOf, turnT1 } = setup();
    const turn = await turnT1();
    const steered = turn.steer(externalMessage("ci", "late")).catch((e: unknown) => e);
    // The turn ends as the message travels, and another client's turn starts before it arrives.
    await transport.waitForSent(2);
    transport.deliver(completed("t1"));
    transport.deliver(started("other"));
    await answer(2, "turn/start", { turn: turnOf("other") });
    const err = await steered;
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "turn t1 ended before the external message reached it; the message joined turn other " +
        "instead, another client's, which goes on",
    );
    await flush();
    expect(sentOf("turn/interrupt")).toHaveLength(0);
  });

  it("bounds interrupt() and steer() by their timeout while the turn is not yet active", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { thread, answer, sentOf } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const interrupt = turn.interrupt({ timeout: 100 }).catch((e: unknown) => e);
    const steer = turn.steer("more", { timeout: 100 }).catch((e: unknown) => e);
    // Their wait for the turn's start takes the whole timeout: nothing is sent.
    await vi.advanceTimersByTimeAsync(100);
    expect(await interrupt).toMatchObject({
      name: "RequestTimeoutError",
      method: "turn/interrupt",
      timeoutMs: 100,
    });
    expect(await steer).toMatchObject({
      name: "RequestTimeoutError",
      method: "turn/steer",
      timeoutMs: 100,
    });
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    expect(sentOf("turn/steer")).toHaveLength(0);
  });
});

describe("an interrupt sent before the server started the turn", () => {
  // Past the wait for the turn's start, the interrupt goes and is refused as not yet active;
  // `later` ms on, the server starts the turn.
  const refusedThenStarted = async (transport: FakeTransport, later: number) => {
    await vi.advanceTimersByTimeAsync(1000);
    const sent = transport.sent.filter((m) => m.method === "turn/interrupt");
    expect(sent).toHaveLength(1);
    transport.deliver({
      id: sent[0]!.id,
      error: { code: -32600, message: "no active turn to interrupt" },
    });
    await vi.advanceTimersByTimeAsync(later);
    transport.deliver(started("t1"));
    await vi.advanceTimersByTimeAsync(0);
  };

  it("goes again once the turn starts, when the server refused it as not yet active", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const interrupted = turn.interrupt();
    // Under load the server starts the turn seconds after its answer: past the wait for it.
    await refusedThenStarted(transport, 500);
    const again = sentOf("turn/interrupt");
    expect(again).toHaveLength(2);
    expect(again[1]!.params).toEqual({ threadId: TH, turnId: "t1" });
    transport.deliver({ id: again[1]!.id, result: {} });
    await expect(interrupted).resolves.toEqual({});
    transport.deliver(completed("t1", "interrupted"));
    expect((await turn.run()).status).toBe("interrupted");
  });

  it("goes again once the turn starts for a turn whose signal aborted as its start was answered", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf } = setup();
    const controller = new AbortController();
    const running = thread.run("x", { signal: controller.signal }).catch((e: unknown) => e);
    await transport.waitForSent(1);
    controller.abort();
    // Answered after the caller gave up: the turn is stopped once active, or after the wait.
    await answer(1, "turn/start", { turn: turnOf("t1") });
    await refusedThenStarted(transport, 1500);
    expect(sentOf("turn/interrupt")).toHaveLength(2);
    transport.deliver({ id: sentOf("turn/interrupt")[1]!.id, result: {} });
    transport.deliver(completed("t1", "interrupted"));
    expect(await running).toBeInstanceOf(Error);
  });
});

describe("a stream's signal", () => {
  it("aborted after the turn completed changes nothing: the loop reads the rest", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const controller = new AbortController();
    const stream = turn.stream({ signal: controller.signal });
    transport.deliver(started("t1"));
    const first = await stream.next();
    transport.deliver(completed("t1"));
    await turn.run();
    controller.abort();
    const methods = [(first.value as { method: string }).method];
    for await (const event of stream) methods.push(event.method);
    expect(methods).toEqual(["turn/started", "turn/completed"]);
    // Nothing to interrupt: nothing is sent.
    expect(sentOf("turn/interrupt")).toEqual([]);
    // Aborted before the stream was asked for, after the completion: as without a signal.
    const plain: string[] = [];
    for await (const event of turn.stream()) plain.push(event.method);
    const late: string[] = [];
    for await (const event of turn.stream({ signal: controller.signal })) late.push(event.method);
    expect(late).toEqual(plain);
  });

  it("aborted after the turn completed changes nothing for run() either: it gives the result", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    transport.deliver(completed("t1"));
    const result = await turn.run();
    expect(await turn.run({ signal: AbortSignal.abort() })).toEqual(result);
    const controller = new AbortController();
    const bounded = turn.run({ signal: controller.signal, timeout: 1000 });
    controller.abort();
    expect(await bounded).toEqual(result);
    expect(sentOf("turn/interrupt")).toEqual([]);
  });
});

describe("per-turn state", () => {
  it("drops a turn's handlers when its events all came before the turn/start answer", async () => {
    const { transport, thread, tables } = setup();
    const running = thread.run("x", {
      approvals: { commandExecution: () => ({ decision: "decline" }) },
    });
    const request = await transport.waitForSent(1);
    transport.deliver(started("t1"));
    transport.deliver(completed("t1"));
    transport.deliver({ id: request.id, result: { turn: turnOf("t1") } });
    await expect(running).resolves.toMatchObject({ id: "t1", status: "completed" });
    expect(tables()).toMatchObject({ turns: 0, turnHandlers: 0, queues: 0, pendingByThread: 0 });
  });
});

describe("thread requests the caller gave up on", () => {
  it("follows an unsubscribe answered after the caller stopped waiting: the next turn fails at once", async () => {
    const { transport, thread, sentOf } = setup();
    const controller = new AbortController();
    const unsubscribed = thread.unsubscribe({ signal: controller.signal });
    const request = await transport.waitForSent(1);
    expect(request.method).toBe("thread/unsubscribe");
    controller.abort();
    await expect(unsubscribed).rejects.toMatchObject({ name: "AbortError" });
    transport.deliver({ id: request.id, result: { status: "unsubscribed" } });
    await flush();
    await expect(thread.run("x")).rejects.toThrow(/unsubscribed from thread th/);
    expect(sentOf("turn/start")).toHaveLength(0);
  });

  it("sends nothing for an unsubscribe whose signal is already aborted", async () => {
    const { transport, thread } = setup();
    await expect(thread.unsubscribe({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(transport.sent).toEqual([]);
  });

  it("bounds an unsubscribe's wait by its timeout, as any request", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread } = setup();
    const unsubscribed = thread.unsubscribe({ timeout: 50 }).catch((e: unknown) => e);
    await transport.waitForSent(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(await unsubscribed).toMatchObject({
      name: "RequestTimeoutError",
      method: "thread/unsubscribe",
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a revert in the thread's queue", () => {
  it("waits for another client's turn running there, which it would interrupt, within its bounds", async () => {
    const { transport, thread, answer, tables } = setup();
    transport.deliver(started("theirs"));
    await expect(thread.revert("t0", { timeout: 50 })).rejects.toBeInstanceOf(RequestTimeoutError);
    const reverted = thread.revert("t0");
    await flush();
    expect(transport.sent).toHaveLength(0);
    transport.deliver(completed("theirs"));
    const page = { data: [turnOf("t0", "completed")], nextCursor: null, backwardsCursor: null };
    await answer(1, "thread/turns/list", page);
    const request = await transport.waitForSent(2);
    expect(request).toMatchObject({
      method: "thread/revert",
      params: { threadId: TH, beforeTurnId: "t0" },
    });
    transport.deliver({ id: request.id, result: { thread: { id: TH } } });
    await expect(reverted).resolves.toMatchObject({ thread: { id: TH } });
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
  });
});

describe("a revert to an inline review", () => {
  it("bounds by its timeout the search for the turn the review ran in, however many pages", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf } = setup();
    const page = (data: object[], nextCursor: string | null) => ({
      data,
      nextCursor,
      backwardsCursor: null,
    });
    let settled = false;
    const reverting = thread
      .revert("review", { timeout: 300 })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    await answer(1, "thread/turns/list", page([turnOf("review")], null));
    const refused = await transport.waitForSent(2);
    const startless = "turn review does not have a persisted start boundary";
    transport.deliver({ id: refused.id, error: { code: -32600, message: startless } });
    // Newest first, each page answered 250 ms after it is asked: the second answer comes past
    // the bound.
    const pages = [
      page([{ ...turnOf("review"), rootTurnId: "review" }], "c1"),
      page([{ ...turnOf("t3"), rootTurnId: "t3" }], "c2"),
      page([{ ...turnOf("t1"), rootTurnId: "review" }], null),
    ];
    for (const [i, next] of pages.entries()) {
      await vi.advanceTimersByTimeAsync(250);
      if (settled) break;
      await answer(3 + i, "thread/turns/list", next);
    }
    expect(settled).toBe(true);
    expect(await reverting).toMatchObject({ name: "RequestTimeoutError" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sentOf("thread/revert")).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("compaction in the thread's queue", () => {
  const compactionStarted = (turnId: string) => ({
    method: "item/started",
    params: { threadId: TH, turnId, item: { type: "contextCompaction", id: "i1" } },
  });
  // Answers the turn queued behind the compaction (the second request sent), which then runs.
  const runQueued = (transport: FakeTransport) => {
    transport.deliver({ id: transport.sent[1]!.id, result: { turn: turnOf("t1") } });
    transport.deliver(started("t1"));
    transport.deliver(completed("t1"));
  };

  it("waits for a turn this client saw start and did not wait for, which it would interrupt", async () => {
    const { transport, thread, sentOf, tables } = setup();
    transport.deliver(started("theirs"));
    const compacted = thread.compact();
    await flush();
    expect(transport.sent).toHaveLength(0);
    transport.deliver(completed("theirs"));
    const request = await transport.waitForSent(1);
    expect(request.method).toBe("thread/compact/start");
    transport.deliver({ id: request.id, result: {} });
    await expect(compacted).resolves.toEqual({});
    transport.deliver(started("c1"));
    transport.deliver(compactionStarted("c1"));
    transport.deliver(completed("c1"));
    await flush();
    expect(sentOf("thread/compact/start")).toHaveLength(1);
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
  });

  it("forgets a turn whose completion was lost once the server says the thread runs nothing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer } = setup();
    transport.stopAnswering("thread/read");
    transport.deliver(started("lost"));
    const compacted = thread.compact();
    await vi.advanceTimersByTimeAsync(499);
    expect(transport.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // Its status asked: active, so it waits on; then idle, and the compaction goes.
    await answer(1, "thread/read", ACTIVE_THREAD);
    await vi.advanceTimersByTimeAsync(1_000);
    await answer(2, "thread/read", { thread: { id: TH, status: { type: "idle" } } });
    const request = await transport.waitForSent(3);
    expect(request.method).toBe("thread/compact/start");
    transport.deliver({ id: request.id, result: {} });
    await expect(compacted).resolves.toEqual({});
  });

  it("names that wait when its timeout ends as it asks the thread's status, sending nothing else", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    for (const [method, call] of [
      ["thread/compact/start", (t: ThreadType) => t.compact({ timeout: 700 })],
      ["thread/revert", (t: ThreadType) => t.revert("t0", { timeout: 700 })],
    ] as const) {
      const { transport, thread } = setup();
      // Another client's turn runs there; the status read the wait sends after 500 ms is not
      // answered.
      transport.stopAnswering("thread/read");
      transport.deliver(started("theirs"));
      const pending = call(thread).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(800);
      const err = await pending;
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect(transport.sent.map((m) => m.method)).toEqual(["thread/read"]);
      expect(err, method).toMatchObject({ waitedFor: "the turn running on the thread to end" });
    }
  });

  it("gives up that wait at its signal or timeout, sending nothing, and the next turn runs", async () => {
    const { transport, thread, sentOf, tables } = setup();
    transport.deliver(started("theirs"));
    const timedOut = await thread.compact({ timeout: 50 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(timedOut).toMatchObject({
      method: "thread/compact/start",
      waitedFor: "the turn running on the thread to end",
      message:
        "Request thread/compact/start timed out after 50 ms waiting for the turn running on " +
        "the thread to end; it was not sent",
    });
    const controller = new AbortController();
    const aborted = thread.compact({ signal: controller.signal });
    await flush();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    expect(transport.sent.map((m) => [m.method, JSON.stringify(m.params)])).toEqual([]);
    transport.deliver(completed("theirs"));
    const next = thread.run("next");
    const request = await transport.waitForSent(1);
    expect(request.method).toBe("turn/start");
    transport.deliver({ id: request.id, result: { turn: turnOf("t1") } });
    transport.deliver(completed("t1"));
    await expect(next).resolves.toMatchObject({ id: "t1" });
    expect(sentOf("thread/compact/start")).toHaveLength(0);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });

  it("frees the thread a second after a completion that names no turn, unless a readable one comes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, entries } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    transport.deliver({ id: request.id, result: {} });
    await compacted;
    transport.deliver(started("c1"));
    transport.deliver(compactionStarted("c1"));
    const nameless = { threadId: TH, turn: { status: "completed", items: [], error: null } };
    transport.deliver({ method: "turn/completed", params: nameless });
    const next = thread.run("next");
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent[1]?.method).toBe("turn/start");
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: `codex-app-server-sdk: a turn/completed on ${TH} named no turn: the compaction is taken as over`,
      }),
    );
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1" });
  });

  it("frees the thread at once when the server refuses the compaction", async () => {
    const { transport, thread, sentOf } = setup();
    const compacted = thread.compact().catch((e: unknown) => e);
    const request = await transport.waitForSent(1);
    expect(request.method).toBe("thread/compact/start");
    const next = thread.run("x");
    transport.deliver({ id: request.id, error: { code: -32600, message: "nothing to compact" } });
    expect(await compacted).toMatchObject({ name: "InvalidRequestError" });
    await transport.waitForSent(2);
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1", status: "completed" });
  });

  it("frees the thread when no compaction turn starts within the wait, leaving no timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf, tables } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    const next = thread.turn("x");
    transport.deliver({ id: request.id, result: {} });
    await expect(compacted).resolves.toEqual({});
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sentOf("turn/start")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await transport.waitForSent(2);
    transport.deliver({ id: transport.sent[1]!.id, result: { turn: turnOf("t1") } });
    await expect(next).resolves.toMatchObject({ id: "t1" });
    transport.deliver(completed("t1"));
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(tables()).toMatchObject({ queues: 0, keyListeners: 0 });
  });

  it("holds the thread until the compaction turn completes, not another turn", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    const next = thread.run("x");
    // Another client's turn starts and ends meanwhile: it is not the compaction.
    transport.deliver(started("other"));
    transport.deliver({ id: request.id, result: {} });
    await compacted;
    transport.deliver(started("c1"));
    transport.deliver(compactionStarted("c1"));
    transport.deliver(completed("other"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(0);
    transport.deliver(completed("c1"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1", status: "completed" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("frees the thread when the compaction item names a turn that did not start since the request", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    const next = thread.run("x");
    transport.deliver({ id: request.id, result: {} });
    await compacted;
    transport.deliver(started("c1"));
    // A broken item: the id of a turn that ended long ago, whose completion will not come again.
    transport.deliver(compactionStarted("old"));
    transport.deliver(completed("c1"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1", status: "completed" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("holds the thread for a compaction given up on once sent, which the server still runs", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const controller = new AbortController();
    const compacted = thread.compact({ signal: controller.signal });
    const request = await transport.waitForSent(1);
    const next = thread.run("x");
    controller.abort();
    await expect(compacted).rejects.toMatchObject({ name: "AbortError" });
    transport.deliver({ id: request.id, result: {} });
    transport.deliver(started("c1"));
    transport.deliver(compactionStarted("c1"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(0);
    transport.deliver(completed("c1"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1" });
  });

  it("frees the thread when the compaction's turn ends without a compaction, and not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    const next = thread.run("x");
    transport.deliver({ id: request.id, result: {} });
    await compacted;
    transport.deliver(started("c1"));
    // Hooks may run long before the compaction's item: the wait for a start is over.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sentOf("turn/start")).toHaveLength(0);
    transport.deliver(completed("c1", "failed"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("frees the thread when a review that started meanwhile completes, named by its root", async () => {
    const { transport, thread, sentOf, tables } = setup();
    const compacted = thread.compact();
    const request = await transport.waitForSent(1);
    const next = thread.run("x");
    transport.deliver({ id: request.id, result: {} });
    await compacted;
    // Another client's review: its start names the turn run for it, its completion the root.
    transport.deliver({
      method: "turn/started",
      params: { threadId: TH, turn: { ...turnOf("child"), rootTurnId: "review" } },
    });
    await flush();
    expect(sentOf("turn/start")).toHaveLength(0);
    transport.deliver(completed("review"));
    await transport.waitForSent(2);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1" });
    expect(tables()).toMatchObject({ queues: 0, keyListeners: 0 });
  });

  it("frees the thread 10 s after giving up on a compaction the server never answers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf, tables } = setup();
    const compacted = thread.compact({ timeout: 1_000 }).catch((e: unknown) => e);
    await transport.waitForSent(1);
    const next = thread.run("x");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await compacted).toMatchObject({ name: "RequestTimeoutError" });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sentOf("turn/start")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await transport.waitForSent(2);
    expect(sentOf("turn/start")).toHaveLength(1);
    runQueued(transport);
    await expect(next).resolves.toMatchObject({ id: "t1" });
    expect(vi.getTimerCount()).toBe(0);
    expect(tables()).toMatchObject({ queues: 0, keyListeners: 0 });
  });

  it("sends nothing for a compaction whose signal is already aborted", async () => {
    const { transport, thread } = setup();
    await expect(thread.compact({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(transport.sent).toEqual([]);
  });
});

describe("stopping what the caller gave up on", () => {
  it("sends no interrupt for a turn that ended as it became active", async () => {
    const { transport, thread, sentOf, answer, tables } = setup();
    const controller = new AbortController();
    const running = thread.run("x", { signal: controller.signal });
    await answer(1, "turn/start", { turn: turnOf("t1") });
    await flush();
    controller.abort();
    // Started and completed in one read: there is nothing left to interrupt.
    transport.deliver(started("t1"));
    transport.deliver(completed("t1"));
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).result).toMatchObject({ id: "t1", status: "completed" });
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    expect(tables()).toMatchObject({ turns: 0, queues: 0 });
  });

  it("resolves interrupt() with {} and sends nothing when the turn ended as it became active", async () => {
    const { transport, thread, sentOf, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const interrupted = turn.interrupt();
    transport.deliver(started("t1"));
    transport.deliver(completed("t1"));
    await expect(interrupted).resolves.toEqual({});
    expect(sentOf("turn/interrupt")).toHaveLength(0);
  });

  it("resolves interrupt() with {} when the server refuses it as the turn completes", async () => {
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    const interrupted = turn.interrupt();
    const request = await transport.waitForSent(2);
    expect(request.method).toBe("turn/interrupt");
    // The runtime's order: the refusal, then the completion.
    transport.deliver({
      id: request.id,
      error: { code: -32600, message: "no active turn to interrupt" },
    });
    transport.deliver(completed("t1"));
    await expect(interrupted).resolves.toEqual({});
  });

  it("rejects interrupt() with TransportClosedError when the server refuses it, then exits before the completion", async () => {
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    const run = turn.run().catch((e: unknown) => e);
    const interrupted = turn.interrupt().catch((e: unknown) => e);
    const request = await transport.waitForSent(2);
    transport.deliver({
      id: request.id,
      error: { code: -32600, message: "no active turn to interrupt" },
    });
    await flush();
    // No completion ever comes: whether the turn stopped is unknown, so nothing says it did.
    transport.end();
    expect(await run).toBeInstanceOf(TransportClosedError);
    expect(await interrupted).toBeInstanceOf(TransportClosedError);
  });

  it("rejects with the abort when the signal aborts while a refused interrupt() waits", async () => {
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    const controller = new AbortController();
    const interrupted = turn.interrupt({ signal: controller.signal }).catch((e: unknown) => e);
    const request = await transport.waitForSent(2);
    transport.deliver({ id: request.id, error: { code: -32600, message: "turn id mismatch" } });
    await flush();
    controller.abort();
    expect(await interrupted).toMatchObject({ name: "AbortError" });
  });

  it("rejects with the server's refusal of interrupt() when the turn goes on", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    const interrupted = turn.interrupt().catch((e: unknown) => e);
    const request = await transport.waitForSent(2);
    transport.deliver({ id: request.id, error: { code: -32600, message: "turn id mismatch" } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await interrupted).toMatchObject({ name: "InvalidRequestError" });
    expect(turn.completed).toBe(false);
  });

  it("interrupts a turn given up on whose late answer comes after an unsubscribe", async () => {
    const { transport, thread, answer, sentOf, tables } = setup();
    const controller = new AbortController();
    const run = thread.run("x", { signal: controller.signal }).catch((e: unknown) => e);
    const start = await transport.waitForSent(1);
    controller.abort();
    expect(await run).toMatchObject({ name: "AbortError" });
    await leave({ thread, answer }, 2);
    // The server had started the turn: this client no longer follows it, but stops it.
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    await transport.waitForSent(3);
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([{ threadId: TH, turnId: "t1" }]);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });

  it("interrupts no turn in flight whose id the late answer of a turn given up on names", async () => {
    const { transport, context, thread, answer, sentOf } = setup();
    const first = await (async () => {
      const turn = thread.turn("first");
      await answer(1, "turn/start", { turn: turnOf("t1") });
      return turn;
    })();
    transport.deliver(started("t1"));
    const other = new Thread(context, "other");
    const controller = new AbortController();
    const run = other.run("x", { signal: controller.signal }).catch((e: unknown) => e);
    const start = await transport.waitForSent(2);
    controller.abort();
    expect(await run).toMatchObject({ name: "AbortError" });
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    await flush();
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    transport.deliver(completed("t1"));
    await expect(first.run()).resolves.toMatchObject({ id: "t1", status: "completed" });
  });

  it("keeps the handlers of a turn whose id the server gives another turn", async () => {
    const { transport, context, thread, answer, tables } = setup();
    context.connection.setServerRequestHandler(context.dispatcher.handle);
    const other = new Thread(context, "other");
    const decided: string[] = [];
    const first = thread.run("first", {
      approvals: { commandExecution: () => (decided.push("first"), { decision: "accept" }) },
    });
    await answer(1, "turn/start", { turn: turnOf("t1") });
    await flush();
    const second = other.run("second", {
      approvals: { commandExecution: () => (decided.push("second"), { decision: "decline" }) },
    });
    await answer(2, "turn/start", { turn: turnOf("t1") });
    await expect(second).rejects.toThrow("the id of a turn still in flight (t1)");
    transport.deliver({
      id: 99,
      method: "item/commandExecution/requestApproval",
      params: { threadId: TH, turnId: "t1", itemId: "i", command: "ls", commandActions: [] },
    });
    expect(await transport.waitForSent(3)).toMatchObject({
      id: 99,
      result: { decision: "accept" },
    });
    expect(decided).toEqual(["first"]);
    transport.deliver(completed("t1"));
    await first;
    expect(tables()).toMatchObject({ turns: 0, queues: 0, turnHandlers: 0 });
  });

  it("sends no turn/start for a turn given up on while its schema converted", async () => {
    const { z } = await import("zod");
    const { transport, thread, sentOf, tables } = setup();
    const controller = new AbortController();
    const reason = new Error("gave up");
    const schema = z.object({ a: z.string() });
    const aborted = thread.run("x", { output: schema, signal: controller.signal });
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const late = thread.run("x", { output: schema, timeout: 5 }).catch((e: unknown) => e);
    // The conversion outlasts the call's 5 ms.
    vi.advanceTimersByTime(10);
    expect(await late).toMatchObject({ name: "RequestTimeoutError", method: "turn/start" });
    await flush();
    expect(sentOf("turn/start")).toHaveLength(0);
    expect(transport.sent).toHaveLength(0);
    expect(tables()).toMatchObject({ queues: 0, pendingByThread: 0 });
  });

  it("sends no review/start for a review whose time ran out while its module loaded", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { thread, sentOf } = setup();
    const review = thread.review("uncommittedChanges", { timeout: 5 }).catch((e: unknown) => e);
    vi.advanceTimersByTime(10);
    expect(await review).toMatchObject({ name: "RequestTimeoutError", method: "review/start" });
    expect(sentOf("review/start")).toHaveLength(0);
  });

  it("keeps interrupt() within its timeout when the refusal comes late", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver(started("t1"));
    let settled: unknown;
    void turn.interrupt({ timeout: 1_000 }).then(
      (value) => (settled = value),
      (error: unknown) => (settled = error),
    );
    const request = await transport.waitForSent(2);
    await vi.advanceTimersByTimeAsync(900);
    transport.deliver({ id: request.id, error: { code: -32600, message: "turn id mismatch" } });
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ name: "InvalidRequestError" });
  });

  it("interrupts the turn a given-up turn/start names, even when it is answered after the bound", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const running = thread.run("x", { timeout: 1_000 }).catch((e: unknown) => e);
    const request = await transport.waitForSent(1);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(await running).toBeInstanceOf(RequestTimeoutError);
    transport.deliver({ id: request.id, result: { turn: turnOf("late") } });
    await flush();
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([
      { threadId: TH, turnId: "late" },
    ]);
  });

  it("interrupts the turn a review given up on runs for, its answer come after the bound", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf } = setup();
    const review = thread.review("uncommittedChanges", { timeout: 100 }).catch((e: unknown) => e);
    const request = await transport.waitForSent(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(await review).toMatchObject({ name: "RequestTimeoutError", method: "review/start" });
    // The turn the server runs for the review, which turn/interrupt takes where the review's
    // own id is refused.
    const child = { ...turnOf("child"), rootTurnId: "review" };
    transport.deliver({ method: "turn/started", params: { threadId: TH, turn: child } });
    await vi.advanceTimersByTimeAsync(10_000);
    transport.deliver({ id: request.id, result: { turn: turnOf("review") } });
    await flush();
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([
      { threadId: TH, turnId: "child" },
    ]);
  });

  it("fails the turn in flight when the client unsubscribes, and the turns queued behind it", async () => {
    const { transport, thread, answer, tables } = setup();
    const inFlight = thread.run("x").catch((e: unknown) => e);
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const queued = thread.run("y").catch((e: unknown) => e);
    const unsubscribed = thread.unsubscribe();
    await answer(2, "thread/unsubscribe", { status: "unsubscribed" });
    await unsubscribed;
    for (const err of [await inFlight, await queued]) {
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toMatch(/unsubscribed from thread th.*threadResume/);
    }
    expect(transport.sent.filter((m) => m.method === "turn/start")).toHaveLength(1);
    expect(tables()).toMatchObject({ turns: 0, queues: 0, pendingByThread: 0 });
  });

  it("fails the turn in flight when the server archives, closes or deletes its thread", async () => {
    for (const method of ["thread/archived", "thread/closed", "thread/deleted"]) {
      const { transport, thread, answer, tables } = setup();
      const inFlight = thread.run("x").catch((e: unknown) => e);
      await answer(1, "turn/start", { turn: turnOf("t1") });
      await flush();
      const queued = thread.run("y");
      transport.deliver({ method, params: { threadId: TH } });
      expect(((await inFlight) as Error).message).toBe(
        `thread ${TH} was ${method.slice(7)} while this client ran there`,
      );
      // The turn queued behind it goes on (the server refuses it, if it must).
      await answer(2, "turn/start", { turn: turnOf("t2") });
      transport.deliver(completed("t2"));
      await expect(queued).resolves.toMatchObject({ id: "t2" });
      expect(tables()).toMatchObject({ turns: 0, queues: 0 });
    }
  });

  it("keeps no mark of an unsubscribe when the server closes the thread as it answers", async () => {
    const { transport, thread, tables } = setup();
    const unsubscribed = thread.unsubscribe();
    const request = await transport.waitForSent(1);
    // One chunk from the server: the answer, then the close, read before the answer's await ends.
    transport.deliver({ id: request.id, result: { status: "unsubscribed" } });
    transport.deliver({ method: "thread/closed", params: { threadId: TH } });
    await unsubscribed;
    expect(tables().unsubscribed).toBe(0);
    const notLoaded = thread.unsubscribe();
    transport.deliver({ id: (await transport.waitForSent(2)).id, result: { status: "notLoaded" } });
    await notLoaded;
    expect(tables().unsubscribed).toBe(0);
  });

  it("fails a turn whose start is answered in the same chunk as its thread's close", async () => {
    const { transport, thread, tables } = setup();
    const running = thread.run("x").catch((e: unknown) => e);
    const start = await transport.waitForSent(1);
    const unsubscribed = thread.unsubscribe();
    const unsubscribe = await transport.waitForSent(2);
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    transport.deliver({ id: unsubscribe.id, result: { status: "unsubscribed" } });
    transport.deliver({ method: "thread/closed", params: { threadId: TH } });
    await unsubscribed;
    expect(((await running) as Error).message).toBe(
      `thread ${TH} was closed while this client ran there`,
    );
    expect(tables()).toMatchObject({ turns: 0, queues: 0, unsubscribed: 0 });
  });

  it("keeps a turn's completion read before its thread's close in the same chunk", async () => {
    const { transport, thread, tables } = setup();
    const running = thread.run("x");
    const start = await transport.waitForSent(1);
    // One read: the answer, the whole turn, then the thread closing, all before the answer's
    // code runs.
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    transport.deliver(started("t1"));
    transport.deliver({
      method: "item/completed",
      params: { threadId: TH, turnId: "t1", item: { type: "agentMessage", id: "m", text: "done" } },
    });
    transport.deliver(completed("t1"));
    transport.deliver({ method: "thread/closed", params: { threadId: TH } });
    await expect(running).resolves.toMatchObject({ status: "completed", finalResponse: "done" });
    expect(tables()).toMatchObject({ turns: 0, queues: 0 });
  });

  it("streams what a turn read before its thread's close, then fails it", async () => {
    const { transport, thread } = setup();
    const turning = thread.turn("x");
    const start = await transport.waitForSent(1);
    transport.deliver(started("t1"));
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    transport.deliver({ method: "thread/closed", params: { threadId: TH } });
    const turn = await turning;
    const seen: string[] = [];
    const failed = (async () => {
      for await (const event of turn.stream()) seen.push(event.method);
    })();
    await expect(failed).rejects.toThrow(`thread ${TH} was closed while this client ran there`);
    expect(seen).toEqual(["turn/started"]);
  });

  // Runs a turn, aborts it, and refuses its first interrupt as overloaded.
  async function abortRefusedOnce(
    t: ReturnType<typeof setup>,
  ): Promise<{ running: Promise<unknown> }> {
    const controller = new AbortController();
    const running = t.thread.run("x", { signal: controller.signal }).catch((e: unknown) => e);
    await t.answer(1, "turn/start", { turn: turnOf("t1") });
    t.transport.deliver(started("t1"));
    await flush();
    controller.abort();
    const refused = await t.transport.waitForSent(2);
    expect(refused.method).toBe("turn/interrupt");
    t.transport.deliver({
      id: refused.id,
      error: { code: -32001, message: "Server overloaded; retry later." },
    });
    return { running };
  }

  it("sends the interrupt of an abort again while the server refuses it as overloaded", async () => {
    const t = setup();
    const { transport, answer, sentOf } = t;
    const { running } = await abortRefusedOnce(t);
    await answer(3, "turn/interrupt", {});
    transport.deliver(completed("t1", "interrupted"));
    const err = (await running) as TurnAbortedError;
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect(err.result?.status).toBe("interrupted");
    expect(sentOf("turn/interrupt")).toHaveLength(2);
  });

  it("ends the wait before an abort's next interrupt when the client closes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const t = setup();
    const { context, entries, sentOf } = t;
    const { running } = await abortRefusedOnce(t);
    await flush();
    // The turn's bounded wait for its completion, the interrupt's bound and the wait before the
    // next interrupt.
    expect(vi.getTimerCount()).toBe(3);
    await context.connection.close();
    expect(await running).toBeInstanceOf(TurnAbortedError);
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(sentOf("turn/interrupt")).toHaveLength(1);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "codex-app-server-sdk: could not interrupt turn t1",
      }),
    );
  });

  it("takes a turn the server already runs (a goal's) as active, when turn/start names it", async () => {
    const { transport, thread, answer, sentOf, tables } = setup();
    // The server started a turn by itself before this client asked for one.
    transport.deliver(started("goal"));
    const turnP = thread.turn("hello");
    await answer(1, "turn/start", { turn: turnOf("goal") });
    const turn = await turnP;
    const events = turn.stream();
    // Sent at once: the turn is active, as its start already came.
    const interrupted = turn.interrupt();
    await answer(2, "turn/interrupt", {});
    await interrupted;
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([
      { threadId: TH, turnId: "goal" },
    ]);
    transport.deliver(completed("goal", "interrupted"));
    const methods: string[] = [];
    for await (const event of events) methods.push(event.method);
    expect(methods).toEqual(["turn/started", "turn/completed"]);
    await expect(turn.run()).resolves.toMatchObject({ id: "goal", status: "interrupted" });
    expect(tables()).toMatchObject({ turns: 0, queues: 0, running: 0 });
  });

  it("forgets the turn the server runs on a thread once it completes or the thread ends", async () => {
    const { transport, router } = setup();
    transport.deliver(started("a"));
    transport.deliver({ method: "turn/started", params: { threadId: "other", turn: turnOf("b") } });
    await flush();
    expect(router.stats.running).toBe(2);
    // The completion of another turn of the thread leaves it.
    transport.deliver(completed("older"));
    expect(router.stats.running).toBe(2);
    transport.deliver(completed("a"));
    transport.deliver({ method: "thread/closed", params: { threadId: "other" } });
    await flush();
    expect(router.stats.running).toBe(0);
    // A review's start names the turn the server runs for it, its completion the review's root.
    transport.deliver({
      method: "turn/started",
      params: { threadId: TH, turn: { ...turnOf("child"), rootTurnId: "review" } },
    });
    expect(router.stats.running).toBe(1);
    transport.deliver(completed("review"));
    expect(router.stats.running).toBe(0);
  });

  it("leaves the turn in flight alone when an unsubscribe fails", async () => {
    const { transport, thread, answer, sentOf, tables } = setup();
    const inFlight = thread.run("x");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const failed = thread.unsubscribe().catch((e: unknown) => e);
    const request = await transport.waitForSent(2);
    transport.deliver({ id: request.id, error: { code: -32603, message: "boom" } });
    expect(await failed).toBeInstanceOf(CodexError);
    // The thread still has its turn: the next one waits for it.
    const next = thread.run("y");
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    transport.deliver(completed("t1"));
    await expect(inFlight).resolves.toMatchObject({ id: "t1" });
    await answer(3, "turn/start", { turn: turnOf("t2") });
    transport.deliver(completed("t2"));
    await expect(next).resolves.toMatchObject({ id: "t2" });
    expect(tables()).toMatchObject({ turns: 0, queues: 0, unsubscribed: 0 });
  });

  it("bounds a goal's activation and its pause by the abort", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf, tables } = setup();
    const controller = new AbortController();
    const goal = thread.runGoal("a goal", { signal: controller.signal }).catch((e: unknown) => e);
    const activation = await transport.waitForSent(1);
    expect(activation).toMatchObject({ method: "thread/goal/set", params: { status: "active" } });
    controller.abort();
    expect(await goal).toMatchObject({ name: "AbortError" });
    // The server may have activated it: a pause follows, bounded although never answered.
    expect(sentOf("thread/goal/set").map((m) => (m.params as { status: string }).status)).toEqual([
      "active",
      "paused",
    ]);
    // The thread stays taken while the goal may be starting a turn: until the pause is
    // answered, or the abort's bound has passed.
    expect(tables().queues).toBe(1);
    // The bound of 10 s, and the millisecond each request asked after it gets.
    await vi.advanceTimersByTimeAsync(10_010);
    expect(tables().queues).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts a goal run past its timeout as its signal would: paused, its turn interrupted", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf, answer, tables } = setup();
    const goal = thread.runGoal("a goal", { timeout: 5_000 }).catch((e: unknown) => e);
    const active = { threadId: TH, objective: "a goal", status: "active" };
    await answer(1, "thread/goal/set", { goal: active });
    await flush();
    transport.deliver(started("g1"));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(sentOf("turn/interrupt")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const pause = sentOf("thread/goal/set")[1]!;
    expect(pause.params).toMatchObject({ status: "paused" });
    transport.deliver({ id: pause.id, result: { goal: { ...active, status: "paused" } } });
    const interrupt = sentOf("turn/interrupt")[0]!;
    expect(interrupt.params).toMatchObject({ threadId: TH, turnId: "g1" });
    transport.deliver({ id: interrupt.id, result: {} });
    transport.deliver(completed("g1", "interrupted"));
    const err = await goal;
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).message).toBe(
      "The turn was aborted: The goal run took longer than 5000 ms",
    );
    expect((err as TurnAbortedError).cause).toMatchObject({ name: "TimeoutError" });
    expect((err as TurnAbortedError).result).toMatchObject({ id: "g1", status: "interrupted" });
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("times a goal run out while it waits for the thread or its activation, as run() for turn/start", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, sentOf, turnT1, tables } = setup();
    // Queued behind a turn, then its activation unanswered.
    await turnT1();
    const queued = thread.runGoal("a goal", { timeout: 1_000 }).catch((e: unknown) => e);
    const unanswered = thread.runGoal("a goal", { timeout: 5_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    // Never sent, and it says so; the one sent says nothing of the kind.
    expect(await queued).toMatchObject({
      name: "RequestTimeoutError",
      method: "thread/goal/set",
      waitedFor: "this client's turn on the thread to end",
      message:
        "Request thread/goal/set timed out after 1000 ms waiting for this client's turn on the " +
        "thread to end; it was not sent",
    });
    transport.deliver(completed("t1"));
    await vi.advanceTimersByTimeAsync(0);
    expect(sentOf("thread/goal/set")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    const err = await unanswered;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "thread/goal/set", timeoutMs: 5_000, waitedFor: "" });
    // The server may have activated it: it is paused, within the abort's bound.
    expect(sentOf("thread/goal/set")[1]?.params).toMatchObject({ status: "paused" });
    await vi.advanceTimersByTimeAsync(10_010);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears a goal run's timeout once it ends, and stops watching its signal", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer } = setup();
    const controller = new AbortController();
    const goal = thread.runGoal("a goal", { timeout: 60_000, signal: controller.signal });
    const active = { threadId: TH, objective: "a goal", status: "active" };
    await answer(1, "thread/goal/set", { goal: active });
    await flush();
    transport.deliver(started("g1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, turnId: "g1", goal: { ...active, status: "complete" } },
    });
    transport.deliver(completed("g1"));
    await expect(goal).resolves.toMatchObject({ goal: { status: "complete" } });
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("ends a failed goal turn at its turn/completed, not at the error before it", async () => {
    const { transport, thread, answer, tables } = setup();
    const goal = thread.runGoal("a goal").catch((e: unknown) => e);
    const active = { threadId: TH, objective: "a goal", status: "active" };
    await answer(1, "thread/goal/set", { goal: active });
    await flush();
    const failure = { message: "boom", codexErrorInfo: "other" };
    transport.deliver({
      method: "turn/started",
      params: { threadId: TH, turn: { id: "g1", status: "inProgress" } },
    });
    transport.deliver({
      method: "error",
      params: { threadId: TH, turnId: "g1", error: failure, willRetry: false },
    });
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: { ...active, status: "blocked" } },
    });
    await flush();
    // The turn runs on until its completion: the thread stays the goal's.
    expect(tables().queues).toBe(1);
    transport.deliver({
      method: "turn/completed",
      params: {
        threadId: TH,
        turn: { id: "g1", status: "failed", error: failure, items: [], completedAt: 5 },
      },
    });
    const err = await goal;
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).result).toMatchObject({ id: "g1", completedAt: 5 });
    expect(tables().queues).toBe(0);
  });

  it("rejects a goal whose activation is answered with no goal, and frees the thread", async () => {
    const { transport, thread, tables } = setup();
    for (const answer of [
      { goal: "done" },
      { goal: { status: 5 } },
      { goal: { status: "" } },
      {},
    ]) {
      const goal = thread.runGoal("a goal").catch((e: unknown) => e);
      const activation = await transport.waitForSent(transport.sent.length + 1);
      transport.deliver({ id: activation.id, result: answer });
      expect(await goal).toMatchObject({
        message: "the answer to thread/goal/set holds no goal with a status",
      });
      expect(tables().queues).toBe(0);
    }
  });

  it("sends the pause of an aborted goal again while the server refuses it as overloaded", async () => {
    const { transport, thread, sentOf } = setup();
    const controller = new AbortController();
    const goal = thread.runGoal("a goal", { signal: controller.signal }).catch((e: unknown) => e);
    await transport.waitForSent(1);
    controller.abort();
    const pause = await transport.waitForSent(2);
    expect(pause).toMatchObject({ method: "thread/goal/set", params: { status: "paused" } });
    transport.deliver({
      id: pause.id,
      error: { code: -32001, message: "Server overloaded; retry later." },
    });
    const again = await transport.waitForSent(3);
    expect(again).toMatchObject({ method: "thread/goal/set", params: { status: "paused" } });
    transport.deliver({ id: again.id, result: { goal: null } });
    expect(await goal).toMatchObject({ name: "AbortError" });
    expect(sentOf("thread/goal/set")).toHaveLength(3);
  });

  it("ends an aborted goal run with the turn that started while its status was read", async () => {
    const { transport, thread, answer, tables } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "a goal", status });
    const controller = new AbortController();
    const run = watchedGoal(thread, "a goal", { signal: controller.signal });
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    controller.abort();
    transport.stopAnswering("thread/read");
    // As the runtime does, the goal's update comes before the pause's answer: it ends nothing yet.
    await transport.waitForSent(2);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("paused") },
    });
    await answer(2, "thread/goal/set", { goal: goalOf("paused") });
    const read = await transport.waitForSent(3);
    expect(read.method).toBe("thread/read");
    // The goal's turn starts as the read travels, which then finds the thread active.
    transport.deliver(started("t1"));
    transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "active" } } } });
    await flush();
    await answer(4, "turn/interrupt", {});
    transport.deliver(completed("t1", "interrupted"));
    await flush();
    // Ended with that turn, not at the abort's 10 s bound.
    expect(run.settled).toBe(true);
    expect(await run.goal).toMatchObject({ name: "AbortError", result: { id: "t1" } });
    expect(tables().queues).toBe(0);
  });

  it("bounds an abort's pause by its 10 s, the status the goal ended with set back included", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "g", status, updatedAt: 1 });
    const controller = new AbortController();
    const run = watchedGoal(thread, "g", { signal: controller.signal });
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    transport.deliver(started("g1"));
    await flush();
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    const [, pause] = sentOf("thread/goal/set");
    const [interrupt] = sentOf("turn/interrupt");
    transport.deliver({ id: interrupt!.id, result: {} });
    transport.deliver(completed("g1", "interrupted"));
    // The model completed the goal as the pause travelled, answered 9 s on: the status it ended
    // with is set back, and that is never answered.
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("complete") },
    });
    await vi.advanceTimersByTimeAsync(9_000);
    transport.deliver({ id: pause!.id, result: { goal: goalOf("paused") } });
    await vi.advanceTimersByTimeAsync(0);
    expect(sentOf("thread/goal/set")[2]?.params).toMatchObject({ status: "complete" });
    await vi.advanceTimersByTimeAsync(999);
    expect(run.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.settled).toBe(true);
    expect(await run.goal).toBeInstanceOf(TurnAbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sends one pause when aborted as its first turn's wait ends, and stops the turn starting", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "g", status });
    // Its timeout ends just before the 30 s the run waits for a first turn.
    const run = watchedGoal(thread, "g", { timeout: 30_000 });
    await vi.advanceTimersByTimeAsync(10);
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    transport.stopAnswering("thread/read");
    await vi.advanceTimersByTimeAsync(29_990);
    const [, pause] = sentOf("thread/goal/set");
    expect(pause?.params).toMatchObject({ status: "paused" });
    await vi.advanceTimersByTimeAsync(10);
    transport.deliver({ id: pause!.id, result: { goal: goalOf("paused") } });
    await vi.advanceTimersByTimeAsync(0);
    // The abort reads whether a turn of the goal is starting: one is.
    const [read] = sentOf("thread/read");
    transport.deliver({ id: read!.id, result: ACTIVE_THREAD });
    transport.deliver(started("g1"));
    await vi.advanceTimersByTimeAsync(0);
    expect(sentOf("thread/goal/set")).toHaveLength(2);
    expect(sentOf("turn/interrupt").map((m) => m.params)).toEqual([{ threadId: TH, turnId: "g1" }]);
    expect(run.settled).toBe(false);
    transport.deliver(completed("g1", "interrupted"));
    await vi.advanceTimersByTimeAsync(0);
    const err = await run.goal;
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect(err).toMatchObject({ result: { id: "g1" } });
  });

  it("stops following a turn it took for running once the thread runs none, leaving no timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer } = setup();
    transport.stopAnswering("thread/read");
    const goalOf = (status: string) => ({ threadId: TH, objective: "g", status });
    transport.deliver(started("lost"));
    const goal = thread.runGoal("g");
    const read = await transport.waitForSent(1);
    // A completion it cannot read (no status) before the read's answer: the turn's collector
    // waits a second for a readable one. Then the server says it runs nothing there.
    transport.deliver({ method: "turn/completed", params: { threadId: TH, turn: { id: "lost" } } });
    transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "idle" } } } });
    await answer(2, "thread/goal/set", { goal: goalOf("active") });
    await vi.advanceTimersByTimeAsync(0);
    transport.deliver(started("g1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("complete") },
    });
    transport.deliver(completed("g1"));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "g1" }] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shows a goal turn's id plain in the error of a completion it cannot read", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "g", status });
    // An id named by the server's events alone, never by an answer the SDK checked.
    const id = "g\u001b]52;c;cm0gLXJm\u0007";
    const goal = thread.runGoal("g");
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await vi.advanceTimersByTimeAsync(0);
    transport.deliver(started(id));
    transport.deliver({ method: "turn/completed", params: { threadId: TH, turn: { id } } });
    await vi.advanceTimersByTimeAsync(1_000);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("complete") },
    });
    // The run fails with its failed turn, whose error the SDK wrote.
    const err = await goal.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    const { error } = (err as TurnFailedError).result;
    expect(error!.message).toBe(
      "turn g ]52;c;cm0gLXJm  ended with a turn/completed the SDK cannot read (its turn's id or " +
        "status is missing or of the wrong type), and no readable one followed",
    );
  });

  it("leaves a goal that already ended as it is when aborted, and stops its turn", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "a goal", status });
    const controller = new AbortController();
    const goal = thread.runGoal("a goal", { signal: controller.signal }).catch((e: unknown) => e);
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    transport.deliver(started("t1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("complete") },
    });
    await flush();
    controller.abort();
    // No pause, which would turn the complete goal into a paused one.
    await answer(2, "turn/interrupt", {});
    transport.deliver(completed("t1", "interrupted"));
    expect(await goal).toMatchObject({ name: "AbortError", result: { id: "t1" } });
    expect(sentOf("thread/goal/set")).toHaveLength(1);
  });

  it("bounds a detached review's fork by its signal", async () => {
    const { transport, thread } = setup();
    const controller = new AbortController();
    const review = thread
      .review("uncommittedChanges", { delivery: "detached", signal: controller.signal })
      .catch((e: unknown) => e);
    expect((await transport.waitForSent(1)).method).toBe("thread/fork");
    controller.abort();
    expect(await review).toMatchObject({ name: "AbortError" });
  });

  it("sends the deletion of a review's fork again while the server refuses it as overloaded", async () => {
    const { transport, thread, entries } = setup();
    const review = thread
      .review("uncommittedChanges", { delivery: "detached" })
      .catch((e: unknown) => e);
    const fork = await transport.waitForSent(1);
    transport.deliver({ id: fork.id, result: { thread: { id: "fork-1" } } });
    const start = await transport.waitForSent(2);
    transport.deliver({ id: start.id, error: { code: -32600, message: "no git repository" } });
    await review;
    const busy = { code: -32001, message: "Server overloaded; retry later." };
    const deletion = await transport.waitForSent(3);
    expect(deletion).toMatchObject({ method: "thread/delete", params: { threadId: "fork-1" } });
    transport.deliver({ id: deletion.id, error: busy });
    const again = await transport.waitForSent(4);
    expect(again).toMatchObject({ method: "thread/delete", params: { threadId: "fork-1" } });
    transport.deliver({ id: again.id, result: {} });
    await flush();
    expect(entries.filter((e) => e.level === "warn")).toEqual([]);
  });

  it("deletes the fork of a detached review given up on, when the server makes it late", async () => {
    const { transport, thread, entries } = setup();
    const review = thread
      .review("uncommittedChanges", { delivery: "detached", timeout: 20 })
      .catch((e: unknown) => e);
    const fork = await transport.waitForSent(1);
    expect(fork.method).toBe("thread/fork");
    // The review reads only the fork's id: its history is not sent.
    expect(fork.params).toEqual({ threadId: thread.id, excludeTurns: true });
    // The call's timeout, named by the call's method, whichever request ran out.
    expect(await review).toMatchObject({
      name: "RequestTimeoutError",
      method: "review/start",
      timeoutMs: 20,
    });
    transport.deliver({ id: fork.id, result: { thread: { id: "fork-1" } } });
    const deletion = await transport.waitForSent(2);
    expect(deletion).toMatchObject({ method: "thread/delete", params: { threadId: "fork-1" } });
    transport.deliver({ id: deletion.id, result: {} });
    await flush();
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "debug",
        message: expect.stringContaining("deleted fork-1"),
      }),
    );
    expect(transport.sent.map((m) => m.method)).toEqual(["thread/fork", "thread/delete"]);
  });

  it("deletes the fork of a detached review that does not start, and logs a failed deletion", async () => {
    const { transport, thread, entries, answer, tables } = setup();
    const review = thread
      .review("uncommittedChanges", { delivery: "detached" })
      .catch((e: unknown) => e);
    await answer(1, "thread/fork", { thread: { id: "fork-2" } });
    const start = await transport.waitForSent(2);
    expect(start).toMatchObject({ method: "review/start", params: { threadId: "fork-2" } });
    transport.deliver({ id: start.id, error: { code: -32600, message: "no git repository" } });
    expect(await review).toMatchObject({
      name: "InvalidRequestError",
      message: expect.stringContaining("no git repository"),
    });
    const deletion = await transport.waitForSent(3);
    expect(deletion).toMatchObject({ method: "thread/delete", params: { threadId: "fork-2" } });
    transport.deliver({ id: deletion.id, error: { code: -32603, message: "busy" } });
    await flush();
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: expect.stringContaining("could not delete fork-2"),
      }),
    );
    expect(tables().queues).toBe(0);
  });

  it("rejects a fork answer that names no thread", async () => {
    const { thread, answer } = setup();
    const review = thread
      .review("uncommittedChanges", { delivery: "detached" })
      .catch((e: unknown) => e);
    await answer(1, "thread/fork", { thread: null });
    expect(await review).toMatchObject({
      name: "CodexError",
      message: "the answer to thread/fork names no thread",
    });
  });
});

describe("a goal run", () => {
  const goalOf = (objective: string, status: string, updatedAt = 0) => ({
    threadId: TH,
    objective,
    status,
    tokenBudget: null,
    tokensUsed: 0,
    timeUsedSeconds: 0,
    createdAt: 0,
    updatedAt,
  });

  it("takes no goal event from before its goal was set for its own", async () => {
    const { transport, thread, tables, answer } = setup();
    let settled = false;
    const goal = thread.runGoal("new goal").finally(() => (settled = true));
    const set = await transport.waitForSent(1);
    // The clear answered just before, and an update of the goal before, arrive late.
    transport.deliver({ method: "thread/goal/cleared", params: { threadId: TH } });
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("old goal", "paused") },
    });
    transport.deliver({ id: set.id, result: { goal: goalOf("new goal", "active") } });
    // The clear may be of this goal: the server says it is not.
    await answer(2, "thread/goal/get", { goal: goalOf("new goal", "active") });
    await flush();
    expect(settled).toBe(false);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("new goal", "complete") },
    });
    await expect(goal).resolves.toMatchObject({
      goal: { objective: "new goal", status: "complete" },
    });
    expect(tables().queues).toBe(0);
  });

  it("asks for its goal when a clear was read with the activation's answer, and ends if gone", async () => {
    const { transport, thread, answer, tables } = setup();
    const goal = thread.runGoal("ship it");
    const set = await transport.waitForSent(1);
    // One read: the answer, then the clear of this goal (a clearGoal called just after).
    transport.deliver({ id: set.id, result: { goal: goalOf("ship it", "active") } });
    transport.deliver({ method: "thread/goal/cleared", params: { threadId: TH } });
    await answer(2, "thread/goal/get", { goal: null });
    await expect(goal).resolves.toMatchObject({ goal: null, turns: [] });
    expect(tables().queues).toBe(0);
  });

  it("follows a running turn with a root to its completion, named by the root or its own id", async () => {
    // A review's turn (another client's) completes under the review's id, its root; work done
    // for a turn of another thread completes under its own.
    for (const { own, root, named } of [
      { own: "child", root: "review", named: "review" },
      { own: "delegated", root: "elsewhere", named: "delegated" },
    ]) {
      const { transport, thread, answer, tables } = setup();
      transport.answerAlways("thread/read", ACTIVE_THREAD);
      transport.deliver({
        method: "turn/started",
        params: { threadId: TH, turn: { ...turnOf(own), rootTurnId: root } },
      });
      const goal = thread.runGoal("ship it");
      await answer(1, "thread/goal/set", { goal: goalOf("ship it", "active") });
      await flush();
      transport.deliver({
        method: "thread/goal/updated",
        params: { threadId: TH, goal: goalOf("ship it", "complete", 1) },
      });
      transport.deliver(completed(named));
      await expect(goal).resolves.toMatchObject({ turns: [{ id: named }] });
      expect(tables().queues).toBe(0);
    }
  });

  it("ends when its turn's completion overtakes the turn's start, which runs nothing", async () => {
    const { transport, thread, tables } = setup();
    const goal = thread.runGoal("ship it");
    const set = await transport.waitForSent(1);
    transport.deliver({ id: set.id, result: { goal: goalOf("ship it", "active") } });
    await flush();
    transport.deliver(completed("g1"));
    transport.deliver(started("g1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("ship it", "complete", 1) },
    });
    await expect(goal).resolves.toMatchObject({ goal: { status: "complete" } });
    expect(tables()).toMatchObject({ queues: 0, running: 0, endedFirst: 0 });
  });

  // A turn/completed without the turn's status: the SDK cannot read it.
  const unreadable = (id: string) => {
    const { status: _status, ...turn } = turnOf(id, "completed");
    return { method: "turn/completed", params: { threadId: TH, turn } };
  };

  it("counts a turn whose only completion it cannot read as failed a second on, and ends", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, complete, goal, tables, entries } = await activeGoal();
    transport.deliver(started("g1"));
    complete();
    transport.deliver(unreadable("g1"));
    await vi.advanceTimersByTimeAsync(1_000);
    const err = await goal;
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).result).toMatchObject({
      id: "g1",
      status: "failed",
      error: {
        message: expect.stringMatching(/turn g1 ended with a turn\/completed the SDK cannot read/),
      },
    });
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
    expect(entries.filter((e) => e.level === "error")).toEqual([]);
  });

  it.each([
    ["", false],
    [", its start sent again (of the turn it follows)", true],
  ])(
    "leaves no timer once the server exits while a turn waits for a completion it can read%s",
    async (_, again) => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { transport, goal, tables } = await activeGoal();
      transport.deliver(started("g1"));
      transport.deliver(unreadable("g1"));
      if (again) transport.deliver(started("g1"));
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      transport.end();
      expect(await goal).toBeInstanceOf(TransportClosedError);
      expect(vi.getTimerCount()).toBe(0);
      expect(tables()).toMatchObject({ queues: 0, running: 0 });
    },
  );

  it("takes a turn's start sent again once the turn ended as none, and ends with the goal", async () => {
    const { transport, complete, goal, tables } = await activeGoal();
    transport.deliver(started("g1"));
    transport.deliver(completed("g1"));
    transport.deliver(started("g1"));
    complete();
    const result = (await goal) as GoalResult;
    expect(result.turns.map((t) => [t.id, t.status])).toEqual([["g1", "completed"]]);
    expect(tables().queues).toBe(0);
  });

  it("drops at once an unreadable completion of a turn whose start it never read, timer and all", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, complete, goal, tables, entries } = await activeGoal();
    // The wait for the goal's first turn.
    expect(vi.getTimerCount()).toBe(1);
    transport.deliver(unreadable("g1"));
    expect(vi.getTimerCount()).toBe(1);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: expect.stringContaining("turn/completed"),
      }),
    );
    // Its readable completion, then, is the goal's turn.
    transport.deliver(completed("g1"));
    complete();
    const result = (await goal) as GoalResult;
    expect(result.turns.map((t) => [t.id, t.status])).toEqual([["g1", "completed"]]);
    expect(vi.getTimerCount()).toBe(0);
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
  });

  it("takes a readable completion after the wait for one as of a turn it already ended", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, complete, goal, tables, entries } = await activeGoal();
    transport.deliver(started("g1"));
    transport.deliver(unreadable("g1"));
    await vi.advanceTimersByTimeAsync(1_500);
    // The goal goes on: its next turn completes it.
    transport.deliver(completed("g1"));
    transport.deliver(started("g2"));
    complete();
    transport.deliver(completed("g2"));
    const result = (await goal) as GoalResult;
    expect(result.turns.map((t) => [t.id, t.status])).toEqual([
      ["g1", "failed"],
      ["g2", "completed"],
    ]);
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
    expect(entries.filter((e) => e.level === "error")).toEqual([]);
  });

  it("weighs an update read before its activation's answer against the answer by time", async () => {
    const { transport, thread, tables } = setup();
    // Paused earlier, run again: the earlier goal's update arrives just before the answer.
    let settled = false;
    const goal = thread.runGoal("X").finally(() => (settled = true));
    const set = await transport.waitForSent(1);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "paused", 100) },
    });
    transport.deliver({ id: set.id, result: { goal: goalOf("X", "active", 101) } });
    transport.deliver(started("g1"));
    await flush();
    expect(settled).toBe(false);
    transport.deliver(completed("g1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "complete", 102) },
    });
    await expect(goal).resolves.toMatchObject({
      goal: { status: "complete" },
      turns: [{ id: "g1" }],
    });

    // An answer that shows the goal ended ends the run, whatever an older update said.
    const spent = thread.runGoal("X", { tokenBudget: 10 });
    const again = await transport.waitForSent(2);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "active", 102) },
    });
    transport.deliver({ id: again.id, result: { goal: goalOf("X", "budgetLimited", 103) } });
    await expect(spent).resolves.toMatchObject({ goal: { status: "budgetLimited" }, turns: [] });

    // A newer update, read in the same chunk after the answer, counts.
    const quick = thread.runGoal("X");
    const third = await transport.waitForSent(3);
    transport.deliver({ id: third.id, result: { goal: goalOf("X", "active", 104) } });
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "complete", 105) },
    });
    await expect(quick).resolves.toMatchObject({ goal: { status: "complete" } });

    // Of the same second and saying otherwise: the server is asked.
    const tied = thread.runGoal("X");
    const fourth = await transport.waitForSent(4);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "active", 106) },
    });
    transport.deliver({ id: fourth.id, result: { goal: goalOf("X", "budgetLimited", 106) } });
    const get = await transport.waitForSent(5);
    expect(get).toMatchObject({ method: "thread/goal/get", params: { threadId: TH } });
    transport.deliver({ id: get.id, result: { goal: goalOf("X", "budgetLimited", 106) } });
    await expect(tied).resolves.toMatchObject({ goal: { status: "budgetLimited" } });

    // And an answer of no goal rejects, whatever came before it.
    const bad = thread.runGoal("X").catch((e: unknown) => e);
    const sixth = await transport.waitForSent(6);
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "complete", 107) },
    });
    transport.deliver({ id: sixth.id, result: { goal: "bogus" } });
    expect(await bad).toBeInstanceOf(CodexError);
    expect(tables().queues).toBe(0);
  });

  it("follows a turn the server already runs on the thread as one of the goal's", async () => {
    const { transport, thread, sentOf, tables } = setup();
    // An earlier activation's turn runs when the goal is run.
    transport.answerAlways("thread/read", ACTIVE_THREAD);
    transport.deliver(started("g0"));
    let settled = false;
    const goal = thread.runGoal("X").finally(() => (settled = true));
    const next = thread.run("next");
    const set = await transport.waitForSent(1);
    transport.deliver({ id: set.id, result: { goal: goalOf("X", "active", 1) } });
    // The model completes the goal from within g0, which goes on a little.
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("X", "complete", 2) },
    });
    await flush();
    expect(settled).toBe(false);
    expect(sentOf("turn/start")).toHaveLength(0);
    transport.deliver(completed("g0"));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "g0" }] });
    const start = await transport.waitForSent(2);
    expect(start.method).toBe("turn/start");
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    transport.deliver(completed("t1"));
    await expect(next).resolves.toMatchObject({ id: "t1" });
    expect(tables().queues).toBe(0);
  });

  it("ends when the answer shows the goal already ended, and frees the thread", async () => {
    const { transport, thread, answer, tables } = setup();
    const goal = thread.runGoal("over budget");
    await answer(1, "thread/goal/set", { goal: goalOf("over budget", "budgetLimited") });
    await expect(goal).resolves.toMatchObject({
      goal: { status: "budgetLimited" },
      turns: [],
      finalResponse: null,
    });
    expect(tables().queues).toBe(0);
    const next = thread.run("next");
    await answer(2, "turn/start", { turn: turnOf("t2") });
    transport.deliver(completed("t2"));
    await expect(next).resolves.toMatchObject({ id: "t2" });
  });

  it("refuses a thread the server has not loaded, changing nothing, and frees the thread", async () => {
    const { transport, thread, tables } = setup();
    transport.answerAlways("thread/read", { thread: { id: TH, status: { type: "notLoaded" } } });
    await expect(thread.runGoal("stored")).rejects.toThrow(
      new CodexError(
        `thread ${TH} is not loaded on this server, which would run no turn for its goal: ` +
          `resume it first with codex.threadResume("${TH}")`,
      ),
    );
    expect(transport.sent.map((m) => m.method)).toEqual([]);
    expect(tables().queues).toBe(0);
  });

  it("pauses its goal and fails when no turn starts within 30 s of the activation", async () => {
    const { transport, thread, answer, tables } = setup();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const goal = thread.runGoal("idle").catch((e: unknown) => e);
    await answer(1, "thread/goal/set", { goal: goalOf("idle", "active") });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const pause = await transport.waitForSent(2);
    expect(pause).toMatchObject({
      method: "thread/goal/set",
      params: { threadId: TH, status: "paused" },
    });
    // The pause's update comes first: the run fails all the same.
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("idle", "paused") },
    });
    transport.deliver({ id: pause.id, result: { goal: goalOf("idle", "paused") } });
    expect(await goal).toEqual(
      new CodexError(
        `no turn started for the goal of thread ${TH} within 30 s of its activation; ` +
          "the goal was paused",
      ),
    );
    expect(tables().queues).toBe(0);
    // The pause's bound is cleared as its call returns, a few reactions after the run failed.
    await flush();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("follows a goal turn that starts while the pause of its late start is on the way", async () => {
    const { transport, thread, answer, tables } = setup();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const goal = thread.runGoal("slow");
    await answer(1, "thread/goal/set", { goal: goalOf("slow", "active") });
    await vi.advanceTimersByTimeAsync(30_000);
    const pause = await transport.waitForSent(2);
    transport.deliver(started("t1"));
    transport.deliver({ id: pause.id, result: { goal: goalOf("slow", "paused") } });
    await flush();
    transport.deliver(completed("t1"));
    await expect(goal).resolves.toMatchObject({
      goal: { status: "paused" },
      turns: [{ id: "t1" }],
    });
    expect(tables().queues).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears the thread's earlier goal before setting its own; aborted meanwhile, sets nothing", async () => {
    const { transport, thread, answer, sentOf, tables } = setup(false);
    const goal = thread.runGoal("fresh").catch((e: unknown) => e);
    await answer(1, "thread/goal/clear", { cleared: true });
    await answer(2, "thread/goal/set", { goal: goalOf("fresh", "complete") });
    expect(await goal).toMatchObject({ goal: { status: "complete" }, turns: [] });

    const controller = new AbortController();
    const reason = new Error("no longer");
    const aborted = thread.runGoal("later", { signal: controller.signal }).catch((e: unknown) => e);
    expect((await transport.waitForSent(3)).method).toBe("thread/goal/clear");
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    expect(transport.sent.map((m) => m.method)).toEqual([
      "thread/goal/clear",
      "thread/goal/set",
      "thread/goal/clear",
    ]);
    expect(sentOf("turn/interrupt")).toEqual([]);
    expect(tables().queues).toBe(0);
  });

  it("rejects goal answers without a goal with a status, or a clear without its boolean", async () => {
    const { thread, answer } = setup(false);
    let n = 0;
    const outcome = async (call: Promise<unknown>, method: string, result: unknown) => {
      await answer(++n, method, result);
      return call.then(
        (value) => value,
        (e: unknown) => (e as Error).message,
      );
    };
    expect(await outcome(thread.goal(), "thread/goal/get", {})).toBe(
      "the answer to thread/goal/get holds no goal with a status",
    );
    expect(await outcome(thread.goal(), "thread/goal/get", { goal: null })).toBeNull();
    expect(await outcome(thread.setGoal("g"), "thread/goal/set", { goal: "done" })).toBe(
      "the answer to thread/goal/set holds no goal with a status",
    );
    expect(await outcome(thread.clearGoal(), "thread/goal/clear", { cleared: "yes" })).toBe(
      "the answer to thread/goal/clear does not say whether it cleared one",
    );
    expect(await outcome(thread.clearGoal(), "thread/goal/clear", { cleared: true })).toBe(true);
  });

  // Runs a goal to the point where the server has activated it.
  async function activeGoal() {
    const parts = setup();
    const goal = parts.thread.runGoal("a goal").catch((e: unknown) => e as Error);
    const set = await parts.transport.waitForSent(1);
    parts.transport.deliver({ id: set.id, result: { goal: goalOf("a goal", "active") } });
    await flush();
    // The goal's update that marks it complete.
    const complete = () =>
      parts.transport.deliver({
        method: "thread/goal/updated",
        params: { threadId: TH, goal: goalOf("a goal", "complete", 1) },
      });
    return { ...parts, goal, complete };
  }

  it("is handed its own thread's events alone, not every notification", async () => {
    const parts = setup();
    const { transport, context, tables } = parts;
    const before = tables();
    const runs = [
      watchedGoal(parts.thread, "a goal"),
      watchedGoal(new Thread(context, "th2"), "b"),
    ];
    await transport.waitForSent(2);
    for (const set of transport.sent) {
      const { threadId, objective } = set.params as { threadId: string; objective: string };
      expect(set.method).toBe("thread/goal/set");
      transport.deliver({
        id: set.id,
        result: { goal: { ...goalOf(objective, "active"), threadId } },
      });
    }
    await flush();
    // A goal run on each of many threads would otherwise be called for every thread's events.
    expect(tables()).toMatchObject({ anyListeners: before.anyListeners, threadListeners: 2 });
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: "th2", goal: { ...goalOf("b", "complete", 1), threadId: "th2" } },
    });
    expect(await runs[1]!.goal).toMatchObject({ goal: { objective: "b", status: "complete" } });
    expect(runs[0]!.settled).toBe(false);
    expect(tables()).toMatchObject({ threadListeners: 1 });
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("a goal", "complete", 1) },
    });
    expect(await runs[0]!.goal).toMatchObject({ goal: { status: "complete" } });
    expect(tables()).toMatchObject({ anyListeners: before.anyListeners, threadListeners: 0 });
  });

  it("drops and logs an update whose goal has no status, and goes on", async () => {
    const { transport, goal, entries } = await activeGoal();
    let settled = false;
    void goal.finally(() => (settled = true));
    for (const bad of [null, "complete", { objective: "a goal" }, goalOf("a goal", "")]) {
      transport.deliver({ method: "thread/goal/updated", params: { threadId: TH, goal: bad } });
    }
    await flush();
    expect(settled).toBe(false);
    expect(entries.filter((e) => e.message.includes("malformed thread/goal/updated"))).toHaveLength(
      4,
    );
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("a goal", "complete") },
    });
    expect(await goal).toMatchObject({ goal: { status: "complete" } });
  });

  it("reads a goal status it does not know (a newer runtime's) as ended, and says so", async () => {
    const { transport, goal, entries, tables } = await activeGoal();
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("a goal", "achieved") },
    });
    expect(await goal).toMatchObject({ goal: { status: "achieved" }, turns: [] });
    expect(entries.map((e) => e.message)).toContain(
      `codex-app-server-sdk: the goal of thread ${TH} has a status this SDK does not know ` +
        '("achieved"): read as ended',
    );
    expect(tables().queues).toBe(0);
  });

  it("rejects when the server archives, closes or deletes its thread, and frees the thread", async () => {
    for (const method of ["thread/archived", "thread/closed", "thread/deleted"]) {
      const { transport, goal, tables } = await activeGoal();
      transport.deliver({ method, params: { threadId: TH } });
      const err = await goal;
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toBe(
        `thread ${TH} was ${method.slice(7)} while this client ran there`,
      );
      expect(tables()).toMatchObject({ queues: 0, anyListeners: 0, threadListeners: 0 });
    }
  });

  it("rejects when the client unsubscribes from its thread, and so do the turns behind it", async () => {
    const { thread, router, goal, tables } = await activeGoal();
    const queued = thread.run("next").catch((e: unknown) => e as Error);
    router.setSubscribed(TH, false);
    expect(((await goal) as Error).message).toMatch(/unsubscribed from thread th/);
    expect(((await queued) as Error).message).toMatch(/unsubscribed from thread th/);
    expect(tables()).toMatchObject({ queues: 0, anyListeners: 0, threadListeners: 0 });
  });
});

describe("a turn's text stream", () => {
  it("ends at once on return(), also while a read waits for the server", async () => {
    const { transport, thread, answer, tables } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    transport.deliver(started("t1"));
    // Bad options throw at the call, as stream()'s do, before any read.
    expect(() => turn.textStream({ signl: undefined } as never)).toThrow(
      'options has no option "signl"; did you mean "signal"?',
    );
    expect(() => turn.textStream({ signal: {} as never })).toThrow(
      "signal must be an AbortSignal, got object",
    );
    const text = turn.textStream();
    const waiting = text.next();
    await flush();
    const returned = await text.return!();
    expect(returned).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await text.next()).toEqual({ value: undefined, done: true });
    transport.deliver(completed("t1"));
    await turn.run();
    expect(tables().turns).toBe(0);
  });

  it("ends done on return() from a listener of the delta the waiting read would take", async () => {
    const { transport, thread, router, answer } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    transport.deliver(started("t1"));
    const text = turn.textStream();
    const waiting = text.next();
    await flush();
    // As a codex.on listener would: it runs as the delta is read, after the turn's stream took it.
    let returned: Promise<IteratorResult<string>> | undefined;
    router.on("item/agentMessage/delta", () => {
      returned ??= text.return!();
    });
    transport.deliver({
      method: "item/agentMessage/delta",
      params: { threadId: TH, turnId: "t1", itemId: "m1", delta: "late" },
    });
    expect(await returned).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    transport.deliver(completed("t1"));
    await turn.run();
  });

  it("ends at once on return() a read an abort of its own signal left waiting for the stop", async () => {
    for (const kind of ["stream", "textStream"] as const) {
      const { transport, thread, answer } = setup();
      const turnP = thread.turn("go");
      await answer(1, "turn/start", { turn: turnOf("t1") });
      const turn = await turnP;
      transport.deliver(started("t1"));
      const controller = new AbortController();
      const options = { signal: controller.signal };
      const reader = kind === "stream" ? turn.stream(options) : turn.textStream(options);
      if (kind === "stream") await reader.next();
      const waiting = reader.next();
      controller.abort();
      // The interrupt is sent, and not answered: the read waits for the turn to stop.
      await vi.waitFor(() =>
        expect(transport.sent.some((m) => m.method === "turn/interrupt")).toBe(true),
      );
      await flush();
      expect(await reader.return!()).toEqual({ value: undefined, done: true });
      expect(await waiting, kind).toEqual({ value: undefined, done: true });
      expect(await reader.next()).toEqual({ value: undefined, done: true });
      transport.deliver(completed("t1", "interrupted"));
      await turn.run();
    }
  });

  it("keeps the text from its call on, whatever is read first", async () => {
    const { transport, thread, answer } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    // Opened before any read, then a stream of the same turn read to its end first.
    const text = turn.textStream();
    const events = turn.stream();
    transport.deliver(started("t1"));
    for (const delta of ["a", "b"]) {
      transport.deliver({
        method: "item/agentMessage/delta",
        params: { threadId: TH, turnId: "t1", itemId: "m", delta },
      });
    }
    transport.deliver(completed("t1"));
    const methods: string[] = [];
    for await (const event of events) methods.push(event.method);
    expect(methods).toHaveLength(4);
    const texts: string[] = [];
    for await (const chunk of text) texts.push(chunk);
    expect(texts).toEqual(["a", "b"]);
  });

  it("adds a message's completed text only after the deltas it read from the message's start", async () => {
    const { transport, thread, answer } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    const text = turn.textStream();
    const message = (id: string) => ({ type: "agentMessage", id, text: "" });
    const delta = (itemId: string, value: string) => ({
      method: "item/agentMessage/delta",
      params: { threadId: TH, turnId: "t1", itemId, delta: value },
    });
    const done = (id: string, whole: string) => ({
      method: "item/completed",
      params: { threadId: TH, turnId: "t1", item: { ...message(id), text: whole } },
    });
    const begun = (id: string) => ({
      method: "item/started",
      params: { threadId: TH, turnId: "t1", item: message(id) },
    });
    transport.deliver(started("t1"));
    // Read from its start: the completed text adds what the deltas left out.
    transport.deliver(begun("a"));
    transport.deliver(delta("a", "Hel"));
    transport.deliver(done("a", "Hello"));
    // Its start before this stream's call (a joined turn): nothing can be told of the rest.
    transport.deliver(delta("b", "lo"));
    transport.deliver(done("b", "Hello"));
    // The completed text is not the deltas' (redacted): nothing is added.
    transport.deliver(begun("c"));
    transport.deliver(delta("c", "key sk-"));
    transport.deliver(done("c", "key [redacted]!"));
    transport.deliver(completed("t1"));
    const texts: string[] = [];
    for await (const chunk of text) texts.push(chunk);
    expect(texts).toEqual(["Hel", "lo", "lo", "key sk-"]);
  });

  it("drops and logs a delta that is no string, and the rest still flows", async () => {
    const { transport, thread, answer, entries } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    const delta = (value: unknown) => ({
      method: "item/agentMessage/delta",
      params: { threadId: TH, turnId: "t1", itemId: "m", delta: value },
    });
    transport.deliver(started("t1"));
    for (const value of ["a", undefined, 42, { evil: true }, "b"]) transport.deliver(delta(value));
    transport.deliver(completed("t1"));
    const texts: unknown[] = [];
    for await (const text of turn.textStream()) texts.push(text);
    expect(texts).toEqual(["a", "b"]);
    const dropped = entries.filter((e) => e.message.includes("item/agentMessage/delta"));
    expect(dropped).toHaveLength(3);
  });
});

describe("null given for an option", () => {
  it("is refused, not read as the default, before any I/O", async () => {
    const { thread, transport } = setup();
    await expect(thread.setGoal("g", { status: null } as never)).rejects.toThrow(
      /^status must be one of .*got null/,
    );
    await expect(thread.read({ includeTurns: null } as never)).rejects.toThrow(
      "includeTurns must be a boolean, got null",
    );
    expect(transport.sent).toHaveLength(0);
  });

  it("is refused, naming the option, when a string is cut inside a character", async () => {
    const { thread, transport } = setup();
    const cut = "\u{1F324}".slice(0, 1);
    await expect(thread.setName(`n${cut}`)).rejects.toThrow(/^name holds a lone surrogate/);
    await expect(thread.revert(`t${cut}`)).rejects.toThrow(/^beforeTurnId holds a lone surrogate/);
    await expect(thread.setGoal(`g${cut}`)).rejects.toThrow(
      /^goal objective holds a lone surrogate/,
    );
    expect(() => checkId(`th${cut}`)).toThrow(/^threadId holds a lone surrogate/);
    expect(transport.sent).toHaveLength(0);
  });
});

describe("a goal run on a thread with a turn it took for running", () => {
  const goalOf = (status: string, objective = "g") => ({ threadId: TH, objective, status });
  const updated = (goal: object) => ({
    method: "thread/goal/updated",
    params: { threadId: TH, goal },
  });
  // A client whose thread a resume found running a turn it did not see start.
  const runningUnseen = () => {
    const parts = setup();
    parts.router.noteRunningUnseen(TH);
    parts.transport.answerAlways("thread/read", ACTIVE_THREAD);
    return parts;
  };
  // A goal run "g" on `parts`' thread, its activation answered.
  const activated = async (parts = setup()) => {
    const goal = parts.thread.runGoal("g");
    await parts.answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    return { ...parts, goal };
  };
  it("drops that turn when the server says the thread is idle, and follows its own", async () => {
    const { transport, thread, answer, tables } = setup();
    // A turn given up on: its start was read, its completion never.
    transport.deliver(started("lost"));
    const goal = thread.runGoal("g");
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    transport.deliver(started("g1"));
    transport.deliver(completed("g1"));
    transport.deliver(updated(goalOf("complete")));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "g1" }] });
    expect(tables()).toMatchObject({ queues: 0, running: 0 });
  });

  it("keeps following a turn that starts just after the idle read", async () => {
    const { transport, thread, router } = setup();
    transport.stopAnswering("thread/read");
    transport.deliver(started("lost"));
    const goal = thread.runGoal("g");
    const read = await transport.waitForSent(1);
    // One read: the idle answer, then another turn's start.
    transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "idle" } } } });
    transport.deliver(started("other"));
    const set = await transport.waitForSent(2);
    expect(turnIdOf(router.runningStart(TH)!)).toBe("other");
    transport.deliver({ id: set.id, result: { goal: goalOf("active") } });
    await flush();
    transport.deliver(completed("other"));
    transport.deliver(updated(goalOf("complete")));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "other" }] });
  });

  it("ends a second after its turn was interrupted from elsewhere, once the thread reads idle", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, goal, tables } = await activated();
    let settled = false;
    void goal.finally(() => (settled = true));
    transport.deliver(started("g1"));
    transport.deliver(completed("g1", "interrupted"));
    // A compaction or a review sent from elsewhere would start its turn meanwhile.
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(goal).resolves.toMatchObject({
      goal: { status: "active" },
      turns: [{ id: "g1", status: "interrupted" }],
    });
    expect(vi.getTimerCount()).toBe(0);
    expect(tables().queues).toBe(0);
  });

  it("follows the turn that interrupted its own from elsewhere (a compaction's), and the goal after it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, goal, tables } = await activated();
    transport.deliver(started("g1"));
    transport.deliver(completed("g1", "interrupted"));
    await vi.advanceTimersByTimeAsync(100);
    transport.deliver(started("compaction"));
    // The wait is over: the run follows that turn however long it runs.
    await vi.advanceTimersByTimeAsync(5_000);
    transport.deliver(completed("compaction"));
    transport.deliver(started("g2"));
    transport.deliver(updated(goalOf("complete")));
    transport.deliver(completed("g2"));
    await expect(goal).resolves.toMatchObject({
      goal: { status: "complete" },
      turns: [{ id: "g1" }, { id: "compaction" }, { id: "g2" }],
    });
    expect(vi.getTimerCount()).toBe(0);
    expect(tables().queues).toBe(0);
  });

  it("keeps a goal turn whose completion overtook its start", async () => {
    const { transport, goal } = await activated();
    transport.deliver(completed("g1"));
    transport.deliver(started("g1"));
    transport.deliver(updated(goalOf("complete")));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "g1" }] });
  });

  it("takes no goal set in its place (another client's) for its own", async () => {
    const { transport, thread, answer } = setup();
    const goal = thread.runGoal("mine");
    await answer(1, "thread/goal/set", { goal: goalOf("active", "mine") });
    await flush();
    transport.deliver(started("g1"));
    // Another client clears it and sets its own, which runs to completion.
    transport.deliver({ method: "thread/goal/cleared", params: { threadId: TH } });
    transport.deliver(updated(goalOf("active", "theirs")));
    transport.deliver(completed("g1"));
    transport.deliver(updated(goalOf("complete", "theirs")));
    expect(await goal).toMatchObject({ goal: null, turns: [{ id: "g1" }] });
  });

  it("follows its goal when its objective is edited", async () => {
    const { transport, thread, answer } = setup();
    const goal = thread.runGoal("mine");
    await answer(1, "thread/goal/set", { goal: goalOf("active", "mine") });
    await flush();
    transport.deliver(started("g1"));
    transport.deliver(updated(goalOf("active", "mine, edited")));
    transport.deliver(completed("g1"));
    await flush();
    transport.deliver(updated(goalOf("complete", "mine, edited")));
    expect(await goal).toMatchObject({
      goal: { objective: "mine, edited", status: "complete" },
      turns: [{ id: "g1" }],
    });
  });

  it("counts a goal turn once when its completion comes twice", async () => {
    const { transport, thread, answer } = setup();
    const goal = thread.runGoal("g");
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    transport.deliver(started("g1"));
    transport.deliver(completed("g1"));
    transport.deliver(completed("g1"));
    transport.deliver(updated(goalOf("complete")));
    expect((await goal).turns.map((turn) => turn.id)).toEqual(["g1"]);
  });

  it("ends an aborted run at once when the turn it found starting completes before its start", async () => {
    const { transport, thread, answer } = setup();
    const controller = new AbortController();
    const run = watchedGoal(thread, "g", { signal: controller.signal });
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await flush();
    transport.stopAnswering("thread/read");
    controller.abort();
    await answer(2, "thread/goal/set", { goal: goalOf("paused") });
    // The abort's read of the thread: a turn is starting there.
    await answer(3, "thread/read", ACTIVE_THREAD);
    await flush();
    transport.deliver(completed("g1", "interrupted"));
    transport.deliver(started("g1"));
    await flush();
    expect(run.settled).toBe(true);
    expect(await run.goal).toMatchObject({ name: "AbortError", result: { id: "g1" } });
  });

  it("pauses a goal activated as the client left the thread, unless it already ended", async () => {
    for (const status of ["active", "budgetLimited"]) {
      const { transport, thread, answer } = setup();
      const goal = thread.runGoal("g").catch((e: unknown) => e);
      const set = await transport.waitForSent(1);
      await leave({ thread, answer }, 2);
      transport.deliver({ id: set.id, result: { goal: goalOf(status) } });
      expect(await goal).toMatchObject({
        message: expect.stringMatching(/unsubscribed/) as unknown,
      });
      await flush();
      const pauses = transport.sent.filter((m) => m.method === "thread/goal/set").slice(1);
      expect(
        pauses.map((m) => m.params),
        status,
      ).toEqual(status === "active" ? [{ threadId: TH, status: "paused" }] : []);
    }
  });

  it("activates nothing once the client left the thread while the run got ready", async () => {
    const { transport, thread, answer, tables } = setup();
    transport.stopAnswering("thread/read");
    const goal = thread.runGoal("g").catch((e: unknown) => e);
    const read = await transport.waitForSent(1);
    await leave({ thread, answer }, 2);
    transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "idle" } } } });
    expect(await goal).toMatchObject({ message: expect.stringMatching(/unsubscribed/) as unknown });
    await flush();
    expect(transport.sent.map((m) => m.method)).toEqual(["thread/read", "thread/unsubscribe"]);
    expect(tables().queues).toBe(0);
  });

  it("counts no turn that ended before the goal was set, an interrupted one ending nothing", async () => {
    for (const status of ["interrupted", "completed"]) {
      const { transport, thread, answer, sentOf } = setup();
      transport.stopAnswering("thread/read");
      // Another client's turn runs; it ends as the run reads the thread.
      transport.deliver(started("t0"));
      let settled = false;
      const goal = thread.runGoal("g").finally(() => (settled = true));
      const read = await transport.waitForSent(1);
      transport.deliver(completed("t0", status));
      transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "idle" } } } });
      await flush();
      expect(settled, status).toBe(false);
      await answer(2, "thread/goal/set", { goal: goalOf("active") });
      await flush();
      transport.deliver(started("t1"));
      transport.deliver(completed("t1"));
      transport.deliver(updated(goalOf("complete")));
      await expect(goal).resolves.toMatchObject({ turns: [{ id: "t1" }] });
      expect(sentOf("thread/goal/set"), status).toHaveLength(1);
    }
  });

  it("waits for its first turn 30 s after the activation when the only turn seen ended before it", async () => {
    const { transport, thread, answer } = setup();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    transport.stopAnswering("thread/read");
    transport.deliver(started("t0"));
    const goal = thread.runGoal("g").catch((e: unknown) => e);
    const read = await transport.waitForSent(1);
    transport.deliver(completed("t0"));
    transport.deliver({ id: read.id, result: { thread: { id: TH, status: { type: "idle" } } } });
    await answer(2, "thread/goal/set", { goal: goalOf("active") });
    await vi.advanceTimersByTimeAsync(30_000);
    const pause = await transport.waitForSent(3);
    expect(pause).toMatchObject({ method: "thread/goal/set", params: { status: "paused" } });
    transport.deliver({ id: pause.id, result: { goal: goalOf("paused") } });
    expect(await goal).toMatchObject({ message: expect.stringMatching(/^no turn started/) });
  });

  it("follows no turn a final error names, which may never start (a review refused)", async () => {
    const { transport, goal } = await activated();
    transport.deliver(started("g1"));
    const error = {
      message: "not a git repository",
      codexErrorInfo: null,
      additionalDetails: null,
    };
    transport.deliver({
      method: "error",
      params: { threadId: TH, turnId: "rv", willRetry: false, error },
    });
    transport.deliver(completed("g1"));
    transport.deliver(updated(goalOf("complete")));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "g1" }] });
  });

  it("takes a review's running turn started after its review's events for the review", async () => {
    const { transport, goal } = await activated();
    // A review runs under turn X; its items and completion name the review R.
    const item = { type: "agentMessage", id: "m1", text: "hi", phase: null };
    transport.deliver({ method: "item/completed", params: { threadId: TH, turnId: "R", item } });
    transport.deliver({
      method: "turn/started",
      params: { threadId: TH, turn: { ...turnOf("X"), rootTurnId: "R" } },
    });
    transport.deliver(completed("R"));
    transport.deliver(updated(goalOf("complete")));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "R" }] });
  });

  it("follows a turn a resume found running unseen from its first event read", async () => {
    const item = (type: string, id: string, extra: object) => ({
      method: "item/completed",
      params: { threadId: TH, turnId: "g1", item: { type, id, ...extra } },
    });
    const answerItem = item("agentMessage", "m1", { text: "the answer", phase: null });
    for (const goalFirst of [false, true]) {
      const { transport, goal } = await activated(runningUnseen());
      transport.deliver(item("reasoning", "r1", { summary: ["s"], content: [] }));
      transport.deliver(answerItem);
      // The goal completes within the turn: the run waits for the turn's end.
      if (goalFirst) transport.deliver(updated(goalOf("complete")));
      transport.deliver({
        method: "turn/completed",
        params: {
          threadId: TH,
          turn: { ...turnOf("g1", "completed"), items: [answerItem.params.item] },
        },
      });
      transport.deliver(started("g1"));
      if (!goalFirst) transport.deliver(updated(goalOf("complete")));
      const result = await goal;
      expect(result.turns.map((turn) => turn.items.map((i) => i.type))).toEqual([
        ["reasoning", "agentMessage"],
      ]);
      expect(result.finalResponse).toBe("the answer");
    }
  });

  it("ends a turn followed from its events at a completion it cannot read, as one it saw start", async () => {
    const item = { type: "agentMessage", id: "m1", text: "the answer", phase: null };
    const { status: _status, ...noStatus } = turnOf("g1", "completed");
    for (const readableAfter of [true, false]) {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { transport, goal: running } = await activated(runningUnseen());
      const goal = running.catch((e: unknown) => e);
      transport.deliver({ method: "item/completed", params: { threadId: TH, turnId: "g1", item } });
      transport.deliver(updated(goalOf("complete")));
      transport.deliver({ method: "turn/completed", params: { threadId: TH, turn: noStatus } });
      if (readableAfter) {
        transport.deliver({
          method: "turn/completed",
          params: { threadId: TH, turn: { ...turnOf("g1", "completed"), items: [item] } },
        });
      }
      await vi.advanceTimersByTimeAsync(2_000);
      const result = (await goal) as {
        turns?: { id: string; status: string }[];
        result?: { id: string; status: string };
      };
      const turns = result.turns ?? [result.result!];
      expect(turns.map((t) => [t.id, t.status])).toEqual([
        ["g1", readableAfter ? "completed" : "failed"],
      ]);
      vi.useRealTimers();
    }
  });

  it("waits for a turn a resume found running unseen, in which the goal completes", async () => {
    const { transport, goal } = await activated(runningUnseen());
    let settled = false;
    void goal.finally(() => (settled = true));
    transport.deliver(updated(goalOf("complete")));
    await flush();
    expect(settled).toBe(false);
    // An event naming a turn the server never ran (its fault) is followed no longer than the
    // turn that runs there.
    const item = { type: "agentMessage", id: "m", text: "stray", phase: null };
    transport.deliver({
      method: "item/completed",
      params: { threadId: TH, turnId: "ghost", item },
    });
    transport.deliver(completed("theirs"));
    await expect(goal).resolves.toMatchObject({ turns: [{ id: "theirs" }] });
  });
});

describe("a turn joined without its start", () => {
  const fatal = (turnId: string) => ({
    method: "error",
    params: {
      threadId: TH,
      turnId,
      willRetry: false,
      error: { message: "boom", codexErrorInfo: null, additionalDetails: null },
    },
  });

  it("ends at its completion after a final error, and the turn queued behind waits for it", async () => {
    const { transport, thread, sentOf, tables } = setup();
    const turning = thread.turn("go");
    const start = await transport.waitForSent(1);
    const next = thread.run("next").catch((e: unknown) => e);
    // Answered with the turn the server already runs, whose start came before this client
    // followed the thread.
    transport.deliver({ id: start.id, result: { turn: turnOf("X") } });
    const turn = await turning;
    transport.deliver(fatal("X"));
    await flush();
    expect(sentOf("turn/start")).toHaveLength(1);
    transport.deliver(completed("X", "failed"));
    const seen: string[] = [];
    for await (const event of turn.stream()) seen.push(event.method);
    expect(seen).toEqual(["error", "turn/completed"]);
    await expect(turn.run()).rejects.toBeInstanceOf(TurnFailedError);
    const second = await transport.waitForSent(2);
    expect(second.method).toBe("turn/start");
    transport.deliver({ id: second.id, result: { turn: turnOf("t2") } });
    transport.deliver(completed("t2"));
    expect(await next).toMatchObject({ id: "t2" });
    expect(tables()).toMatchObject({ turns: 0, queues: 0 });
  });

  it("ends at its final error when no completion follows within 1 s", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, tables } = setup();
    const running = thread.run("go").catch((e: unknown) => e);
    await answer(1, "turn/start", { turn: turnOf("X") });
    await flush();
    transport.deliver(fatal("X"));
    await vi.advanceTimersByTimeAsync(999);
    expect(tables().turns).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await running).toMatchObject({ result: { id: "X", status: "failed" } });
    expect(tables()).toMatchObject({ turns: 0, queues: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a thread released while a turn not of this client runs there", () => {
  it("still gives a turn joined to it the running turn's start, and forgets completions seen first", async () => {
    const { transport, thread, answer, tables } = setup();
    // A completion whose start this client never saw, then the start of another client's turn.
    transport.deliver(completed("gone"));
    transport.deliver(started("theirs"));
    await flush();
    expect(tables().endedFirst).toBe(1);
    thread.release();
    expect(tables().endedFirst).toBe(0);
    const joining = thread.turn("hello");
    await answer(1, "turn/start", { turn: turnOf("theirs") });
    const turn = await joining;
    transport.deliver(completed("theirs"));
    const seen: string[] = [];
    for await (const event of turn.stream()) seen.push(event.method);
    expect(seen).toEqual(["turn/started", "turn/completed"]);
  });
});

describe("a turn answered after its thread was left", () => {
  it("does not stop the turn that ran there before it was sent, when its caller gave up", async () => {
    const { transport, thread, sentOf, tables } = setup();
    transport.deliver(started("theirs"));
    const controller = new AbortController();
    const run = thread.run("x", { signal: controller.signal }).catch((e: unknown) => e);
    const start = await transport.waitForSent(1);
    controller.abort();
    expect(await run).toMatchObject({ name: "AbortError" });
    transport.deliver({ id: start.id, result: { turn: turnOf("theirs") } });
    await flush();
    expect(sentOf("turn/interrupt")).toEqual([]);
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });

  it("does not stop the turn that ran there before it was sent (another client's)", async () => {
    const { transport, thread, answer, sentOf } = setup();
    transport.deliver(started("theirs"));
    const run = thread.run("x").catch((e: unknown) => e);
    const start = await transport.waitForSent(1);
    await leave({ thread, answer }, 2);
    // The runtime answers a turn/start sent while a turn runs with that turn.
    transport.deliver({ id: start.id, result: { turn: turnOf("theirs") } });
    expect(await run).toMatchObject({ name: "CodexError" });
    await flush();
    expect(sentOf("turn/interrupt")).toEqual([]);
  });

  it("rejects, and is stopped: nothing else could reach it", async () => {
    const { transport, thread, answer, tables } = setup();
    const run = thread.run("x").catch((e: unknown) => e);
    const start = await transport.waitForSent(1);
    await leave({ thread, answer }, 2);
    // The server started the turn as the unsubscribe travelled.
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    expect(await run).toMatchObject({
      name: "CodexError",
      message: expect.stringMatching(/unsubscribed from thread th/) as unknown,
    });
    const interrupt = await transport.waitForSent(3);
    expect(interrupt).toMatchObject({
      method: "turn/interrupt",
      params: { threadId: TH, turnId: "t1" },
    });
    transport.deliver({ id: interrupt.id, result: {} });
    expect(tables()).toMatchObject({ queues: 0, turns: 0 });
  });
});

describe("steering a turn not yet active", () => {
  it("refuses a malformed external message at once, before waiting for the turn", async () => {
    const { thread, answer, sentOf } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    const bad = { type: "externalMessage", toolName: "" } as never;
    await expect(turn.steer(bad)).rejects.toBeInstanceOf(TypeError);
    expect(sentOf("turn/start")).toHaveLength(1);
  });

  it("times out as turn/steer with the call's whole timeout, whichever wait ran out", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer } = setup();
    const turnP = thread.turn("go");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await turnP;
    const steering = turn.steer("more", { timeout: 400 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    transport.deliver(started("t1"));
    expect((await transport.waitForSent(2)).method).toBe("turn/steer");
    await vi.advanceTimersByTimeAsync(200);
    const err = await steering;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "turn/steer", timeoutMs: 400 });
  });

  it("sends an interrupt after 1 s when the turn's start never shows, and stops it on abort", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer } = setup();
    const turnP = thread.turn("go");
    // Answered with a turn the server already ran, whose start came before this client followed.
    await answer(1, "turn/start", { turn: turnOf("goal-turn") });
    const turn = await turnP;
    const interrupting = turn.interrupt();
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const interrupt = await transport.waitForSent(2);
    expect(interrupt).toMatchObject({
      method: "turn/interrupt",
      params: { threadId: TH, turnId: "goal-turn" },
    });
    transport.deliver({ id: interrupt.id, result: {} });
    await expect(interrupting).resolves.toEqual({});
  });
});

describe("turns in call order", () => {
  it("keeps a structured turn ahead of a plain turn called after it", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const { z } = await import("zod");
    const first = thread.run("FIRST", { output: z.object({ a: z.string() }) });
    const second = thread.run("SECOND");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const starts = () =>
      sentOf("turn/start").map((m) => (m.params as { input: { text: string }[] }).input[0]!.text);
    expect(starts()).toEqual(["FIRST"]);
    expect(sentOf("turn/start")[0]!.params).toHaveProperty("outputSchema");
    transport.deliver(completed("t1"));
    await expect(first).rejects.toMatchObject({ name: "StructuredOutputError" });
    await answer(2, "turn/start", { turn: turnOf("t2") });
    expect(starts()).toEqual(["FIRST", "SECOND"]);
    transport.deliver(completed("t2"));
    await expect(second).resolves.toMatchObject({ id: "t2" });
  });

  it("keeps an inline review and a goal run ahead of turns called after them", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const review = thread.review("uncommittedChanges");
    const after = thread.run("AFTER");
    await answer(1, "review/start", { turn: turnOf("r1"), reviewThreadId: TH });
    expect(sentOf("turn/start")).toHaveLength(0);
    const handle = await review;
    transport.deliver(completed("r1"));
    await handle.run();
    await answer(2, "turn/start", { turn: turnOf("t2") });
    transport.deliver(completed("t2"));
    await after;

    const goal = thread.runGoal("a goal").catch((e: unknown) => e);
    const later = thread.run("LATER");
    expect((await transport.waitForSent(3)).method).toBe("thread/goal/set");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sentOf("turn/start")).toHaveLength(1);
    transport.deliver({ id: transport.sent[2]!.id, error: { code: -32600, message: "no goals" } });
    expect(await goal).toMatchObject({ name: "InvalidRequestError" });
    await answer(4, "turn/start", { turn: turnOf("t4") });
    transport.deliver(completed("t4"));
    await later;
  });

  it("refuses a bad inline review or schema at once, and takes it out of the queue", async () => {
    const { transport, thread, answer, sentOf, tables } = setup();
    const running = thread.run("busy");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const signal = new AbortController().signal;
    const options = { signal, timeout: 60_000 };
    await expect(thread.review("nonsense" as never, options)).rejects.toBeInstanceOf(TypeError);
    const { z } = await import("zod");
    const output = z.object({ at: z.date() });
    await expect(thread.run("x", { ...options, output })).rejects.toThrow(
      /^output schema at output\.at cannot be made strict/,
    );
    // Neither waits for the thread any longer: no place in its queue, no listener on the signal.
    expect(tables()).toMatchObject({ queues: 1, queued: 0 });
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    expect(sentOf("review/start")).toHaveLength(0);
    transport.deliver(completed("t1"));
    await expect(running).resolves.toMatchObject({ id: "t1" });
    expect(sentOf("turn/start")).toHaveLength(1);
    expect(tables()).toMatchObject({ queues: 0, queued: 0 });
  });

  it("sends a turn's options as the checks read them, each read once", async () => {
    const { transport, thread, answer } = setup();
    let reads = 0;
    // A getter that gives the checks one value, then one the runtime would refuse.
    const options = Object.defineProperty({}, "summary", {
      enumerable: true,
      get() {
        reads += 1;
        return reads === 1 ? "concise" : "bogus";
      },
    });
    const running = thread.run("x", options);
    const sent = await transport.waitForSent(1);
    expect(sent.params).toMatchObject({ summary: "concise" });
    expect(reads).toBe(1);
    await answer(1, "turn/start", { turn: turnOf("t1") });
    transport.deliver(completed("t1"));
    await expect(running).resolves.toMatchObject({ id: "t1" });
  });

  it("refuses input the server could not read at once, not when the thread comes free", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const running = thread.run("busy");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const cut = "\u{1F324}".slice(0, 1);
    await expect(thread.run(`x${cut}`)).rejects.toThrow(
      "input holds a lone surrogate (a string cut inside a character), which the server cannot read",
    );
    await expect(thread.run([{ type: "text", text: cut }])).rejects.toThrow(
      /^input\[0\]\.text holds/,
    );
    expect(sentOf("turn/start")).toHaveLength(1);
    transport.deliver(completed("t1"));
    await expect(running).resolves.toMatchObject({ id: "t1" });
  });

  it("refuses additional context the runtime could not read, on a turn or a steer, before any I/O", async () => {
    const { transport, thread, answer, sentOf } = setup();
    const pending = thread.turn("busy");
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const cases: Array<[unknown, string]> = [
      [
        "notes",
        "additionalContext must be an object of named entries { value, kind, name? }, or null, got string",
      ],
      [
        { doc: "text" },
        'additionalContext["doc"] must be an object { value, kind, name? }, got string',
      ],
      [
        { doc: { kind: "untrusted" } },
        'additionalContext["doc"].value must be a string, got undefined',
      ],
      [
        { doc: { value: "x", kind: "trusted" } },
        'additionalContext["doc"].kind must be one of untrusted, application, got "trusted"',
      ],
      [
        { doc: { value: "x", kind: "application", label: "y" } },
        'additionalContext["doc"] has no field "label"; its fields are value, kind, name',
      ],
      [
        { doc: { value: "x", kind: "application", name: 3 } },
        'additionalContext["doc"].name must be a string or null, got 3',
      ],
      [
        { doc: { value: "x", kind: "untrusted", name: "Slack" } },
        'additionalContext["doc"].name must be a lowercase letter, then up to 63 lowercase ' +
          'letters, digits or _ (as the runtime requires), got "Slack"',
      ],
    ];
    for (const [additionalContext, message] of cases) {
      await expect(thread.run("x", { additionalContext } as never)).rejects.toThrow(
        new TypeError(message),
      );
    }
    // Waiting for the turn to be active, a steer is refused at once too.
    for (const [additionalContext, message] of cases) {
      await expect(turn.steer("more", { additionalContext } as never)).rejects.toThrow(
        new TypeError(message),
      );
    }
    expect(sentOf("turn/start")).toHaveLength(1);
    expect(sentOf("turn/steer")).toHaveLength(0);
    transport.deliver(completed("t1"));
    await expect(turn.run()).resolves.toMatchObject({ id: "t1" });
  });

  it("refuses a turn's wire field of the wrong shape, a list or an object, before any I/O", async () => {
    const { thread, sentOf } = setup();
    for (const [options, message] of [
      [{ environments: "local" }, "environments must be an array or null, got a string"],
      [
        { responsesapiClientMetadataPatch: [] },
        "responsesapiClientMetadataPatch must be an object or null, got an array",
      ],
    ] as const) {
      await expect(thread.run("x", options as never)).rejects.toThrow(new TypeError(message));
      await expect(thread.turn("x", options as never)).rejects.toThrow(new TypeError(message));
    }
    expect(sentOf("turn/start")).toHaveLength(0);
  });

  it("refuses a raw toolOutput, which the runtime takes with no input only, before any I/O", async () => {
    const { transport, thread } = setup();
    const toolOutput = { name: "scanner", namespace: null, output: "3 findings" };
    for (const input of ["hello", externalMessage("scanner", "3 findings")]) {
      await expect(thread.run(input, { toolOutput } as never)).rejects.toThrow(
        new TypeError('options has no option "toolOutput"'),
      );
    }
    expect(transport.sent).toHaveLength(0);
  });
});

describe("a turn whose events came before its turn/start answer", () => {
  const agentItem = (turnId: string, text: string) => ({
    method: "item/completed",
    params: { threadId: TH, turnId, item: { type: "agentMessage", id: `m-${text}`, text } },
  });
  const failedTurn = {
    ...turnOf("t1", "failed"),
    error: { message: "boom", codexErrorInfo: null, additionalDetails: null },
  };

  it("ends at its first completion, as when they come after it: what follows is not its", async () => {
    const { transport, thread, answer, tables } = setup();
    const running = thread.run("x");
    await transport.waitForSent(1);
    transport.deliver(agentItem("t1", "answer"));
    transport.deliver(completed("t1"));
    transport.deliver(agentItem("t1", "late"));
    transport.deliver({ method: "turn/completed", params: { threadId: TH, turn: failedTurn } });
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const result = await running;
    expect(result.status).toBe("completed");
    expect(result.items.map((item) => (item as { text?: string }).text)).toEqual(["answer"]);
    expect(tables()).toMatchObject({ turns: 0, pendingByThread: 0, queues: 0 });
  });
});

describe("a sub-agent's request read with its parent turn's start answer", () => {
  it("is answered by the handlers of the turn it works for, once that turn is bound", async () => {
    const { transport, context, thread, tables } = setup();
    context.connection.setServerRequestHandler(context.dispatcher.handle);
    const asked: unknown[] = [];
    const running = thread.run("spawn a helper", {
      approvals: {
        commandExecution: ({ threadId }) => {
          asked.push(threadId);
          return { decision: "accept" };
        },
      },
    });
    const start = await transport.waitForSent(1);
    // One chunk: the answer, the turn's start, its sub-agent's start and the sub-agent's request,
    // all read before the answer's continuation gives the turn its handlers.
    transport.deliver({ id: start.id, result: { turn: turnOf("root") } });
    transport.deliver(started("root"));
    transport.deliver({
      method: "turn/started",
      params: { threadId: "child", turn: { ...turnOf("child-turn"), rootTurnId: "root" } },
    });
    transport.deliver({
      id: 7,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "child", turnId: "child-turn", itemId: "i", command: "ls" },
    });
    expect(await transport.waitForSent(2)).toEqual({ id: 7, result: { decision: "accept" } });
    expect(asked).toEqual(["child"]);
    transport.deliver(completed("root"));
    await expect(running).resolves.toMatchObject({ id: "root", status: "completed" });
    expect(tables()).toMatchObject({
      turns: 0,
      pendingByThread: 0,
      startWaiters: 0,
      turnHandlers: 0,
    });
  });
});

describe("a turn started with output", () => {
  it("reads its answer once: every run() gives the same result, the schema checked once", async () => {
    const { z } = await import("zod");
    const { transport, thread, answer } = setup();
    let checks = 0;
    const schema = z.object({ a: z.string() }).refine(() => ++checks > 0);
    const pending = thread.turn("x", { output: schema });
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    transport.deliver({
      method: "item/completed",
      params: {
        threadId: TH,
        turnId: "t1",
        item: { type: "agentMessage", id: "m", text: '{"a":"b"}' },
      },
    });
    transport.deliver(completed("t1"));
    const first = await turn.run();
    expect(first.parsed).toEqual({ a: "b" });
    expect(await turn.run()).toBe(first);
    expect(await turn.run({ timeout: 1_000 })).toBe(first);
    expect(checks).toBe(1);
  });
});

describe("a turn's handle at the edges of its life", () => {
  it("ends a review whose only, final error it cannot read a second on, freeing the thread", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, sentOf } = setup();
    const pending = thread.review("uncommittedChanges");
    const request = await transport.waitForSent(1);
    transport.deliver({ id: request.id, result: { turn: turnOf("r1"), reviewThreadId: TH } });
    const review = await pending;
    const ran = review.run().catch((e: unknown) => e);
    transport.deliver({
      method: "error",
      params: { threadId: TH, turnId: "r1", error: "not a git repository", willRetry: false },
    });
    const next = thread.run("next").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(sentOf("turn/start")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await ran).toMatchObject({
      message: "turn r1 ended with a final error the SDK cannot read, and nothing followed",
    });
    expect(sentOf("turn/start")).toHaveLength(1);
    void next;
  });

  it("sends a steer again once the turn starts when refused before its start was read", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, thread, answer, sentOf, turnT1 } = setup();
    const turn = await turnT1(false);
    let steered: unknown;
    void turn.steer("more").then(
      (value) => (steered = value),
      (error: unknown) => (steered = error),
    );
    // Past the second the steer waits for the turn's start, it goes, and is refused.
    await vi.advanceTimersByTimeAsync(1_000);
    const [refused] = sentOf("turn/steer");
    transport.deliver({
      id: refused!.id,
      error: { code: -32600, message: "no active turn to steer" },
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(steered).toBeUndefined();
    transport.deliver(started("t1"));
    await vi.advanceTimersByTimeAsync(0);
    const [, again] = sentOf("turn/steer");
    expect(again?.params).toMatchObject({ expectedTurnId: "t1" });
    transport.deliver({ id: again!.id, result: { turnId: "t1" } });
    await vi.advanceTimersByTimeAsync(0);
    expect(steered).toEqual({ turnId: "t1" });
    // One that ended meanwhile takes no input: the refusal stands.
    const ending = thread.turn("y");
    transport.deliver(completed("t1"));
    await answer(4, "turn/start", { turn: turnOf("t2") });
    const second = await ending;
    const failed = second.steer("late").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const [, , last] = sentOf("turn/steer");
    transport.deliver({
      id: last!.id,
      error: { code: -32600, message: "no active turn to steer" },
    });
    transport.deliver(completed("t2"));
    expect(await failed).toMatchObject({ name: "InvalidRequestError" });
    expect(sentOf("turn/steer")).toHaveLength(3);
  });

  it("ends a stream or run aborted after its turn ended by an error with that error, stopping nothing", async () => {
    const { transport, turnT1, sentOf } = setup();
    const turn = await turnT1();
    transport.deliver({ method: "thread/archived", params: { threadId: TH } });
    const why = `thread ${TH} was archived while this client ran there`;
    await expect(turn.run()).rejects.toThrow(why);
    const events: string[] = [];
    const read = async () => {
      for await (const event of turn.stream({ signal: AbortSignal.abort() })) {
        events.push(event.method);
      }
    };
    // What was kept is read, then the turn's own end: the abort came after it and stops nothing.
    await expect(read()).rejects.toThrow(why);
    expect(events).toEqual(["turn/started"]);
    await expect(turn.run({ signal: AbortSignal.abort() })).rejects.toThrow(why);
    await flush();
    expect(sentOf("turn/interrupt")).toEqual([]);
  });

  it("rejects at once a steer refused before its turn's start was read for another reason", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, turnT1, sentOf } = setup();
    const turn = await turnT1(false);
    const steered = turn.steer("more").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const [refused] = sentOf("turn/steer");
    transport.deliver({
      id: refused!.id,
      error: { code: -32600, message: "cannot steer a compact turn" },
    });
    // No wait for the turn's start, which would change nothing: the refusal is the call's.
    await vi.advanceTimersByTimeAsync(0);
    expect(await steered).toMatchObject({
      name: "InvalidRequestError",
      rpcMessage: "cannot steer a compact turn",
    });
    expect(sentOf("turn/steer")).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stops an external message's turn once it starts, its first interrupt refused as too early", async () => {
    const { transport, answer, turnT1 } = setup();
    const turn = await turnT1();
    const steered = turn.steer(externalMessage("ci", "deploy failed")).catch((e: unknown) => e);
    await transport.waitForSent(2);
    // t1 ended as the message travelled: the server started t2 with it.
    transport.deliver(completed("t1"));
    await answer(2, "turn/start", { turn: turnOf("t2") });
    const interrupt = await transport.waitForSent(3);
    expect(interrupt).toMatchObject({ method: "turn/interrupt", params: { turnId: "t2" } });
    transport.deliver({
      id: interrupt.id,
      error: { code: -32600, message: "no active turn to interrupt" },
    });
    await flush();
    transport.deliver(started("t2"));
    const again = await transport.waitForSent(4);
    expect(again).toMatchObject({ method: "turn/interrupt", params: { turnId: "t2" } });
    transport.deliver({ id: again.id, result: {} });
    expect(await steered).toMatchObject({
      message: expect.stringMatching(/started turn t2 instead, which is interrupted$/),
    });
  });

  it("gives a structured turn's parsed result again, whatever signal a later run() gets", async () => {
    const { z } = await import("zod");
    const { transport, thread, answer } = setup();
    const pending = thread.turn("x", { output: z.object({ a: z.string() }) });
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const item = { type: "agentMessage", id: "m", text: '{"a":"b"}' };
    transport.deliver({ method: "item/completed", params: { threadId: TH, turnId: "t1", item } });
    transport.deliver(completed("t1"));
    const first = await turn.run();
    expect(first.parsed).toEqual({ a: "b" });
    await expect(turn.run({ signal: AbortSignal.abort() })).resolves.toBe(first);
  });

  it("ends a read waiting as its reader returns, for a turn its own signal stopped", async () => {
    for (const kind of ["textStream", "stream"] as const) {
      const { transport, thread, answer } = setup();
      const controller = new AbortController();
      const pending = thread.turn("x", { signal: controller.signal });
      await answer(1, "turn/start", { turn: turnOf("t1") });
      const turn = await pending;
      transport.deliver(started("t1"));
      const reader = kind === "textStream" ? turn.textStream() : turn.stream();
      if (kind === "stream") await reader.next();
      const waiting = reader.next().catch((e: unknown) => e);
      await flush();
      // Its interrupted completion has not come yet.
      controller.abort();
      await flush();
      await expect(reader.return!()).resolves.toEqual({ value: undefined, done: true });
      expect(await waiting).toEqual({ value: undefined, done: true });
      transport.deliver(completed("t1", "interrupted"));
    }
  });

  it("interrupts the turn at once when stream() is given a signal already aborted, read or not", async () => {
    const { transport, sentOf, turnT1 } = setup();
    const turn = await turnT1();
    const events = turn.stream({ signal: AbortSignal.abort() });
    await flush();
    expect(sentOf("turn/interrupt")).toHaveLength(1);
    transport.deliver(completed("t1", "interrupted"));
    await events.return!();
  });
});

describe("a completion that names no turn", () => {
  const nameless = {
    method: "turn/completed",
    params: { threadId: TH, turn: { status: "completed", items: [], error: null } },
  };

  it("ends the turn it came for a second on, read before the answer to turn/start too", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, tables } = setup();
    const pending = thread.turn("x");
    await transport.waitForSent(1);
    // Held for the turn being started, with its start.
    transport.deliver(started("t1"));
    transport.deliver(nameless);
    await answer(1, "turn/start", { turn: turnOf("t1") });
    const turn = await pending;
    const ran = turn.run().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await ran).toMatchObject({
      message: expect.stringMatching(/^turn t1 ended with a turn\/completed the SDK cannot read/),
    });
    expect(tables().queues).toBe(0);
  });

  it("ends a goal run's turn a second on, and with it the run", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { transport, thread, answer, tables } = setup();
    const goalOf = (status: string) => ({ threadId: TH, objective: "g", status });
    let settled = false;
    const goal = thread
      .runGoal("g")
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    await answer(1, "thread/goal/set", { goal: goalOf("active") });
    await vi.advanceTimersByTimeAsync(0);
    transport.deliver(started("g1"));
    transport.deliver({
      method: "thread/goal/updated",
      params: { threadId: TH, goal: goalOf("complete") },
    });
    transport.deliver(nameless);
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    expect(await goal).toMatchObject({ name: "TurnFailedError" });
    expect(tables().queues).toBe(0);
  });
});
