import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { TransportClosedError } from "../../src/errors.js";
import type { RawNotification } from "../../src/rpc/connection.js";
import { Connection } from "../../src/rpc/connection.js";
import {
  EventLog,
  Router,
  droppableReader,
  threadIdOf,
  turnIdOf,
  type TurnSlot,
} from "../../src/rpc/router.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";
import { takeSlot } from "../support/turn-slot.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe("EventLog", () => {
  it("gives every reader opened before reading starts every event", async () => {
    const log = new EventLog<number>();
    const a = log.reader();
    const b = log.reader();
    for (let i = 0; i < 5; i++) log.push(i);
    log.end();
    expect(await collect(a)).toEqual([0, 1, 2, 3, 4]);
    expect(await collect(b)).toEqual([0, 1, 2, 3, 4]);
  });

  it("replays events pushed before the first reader", async () => {
    const log = new EventLog<string>();
    log.push("early");
    const reader = log.reader();
    log.push("late");
    log.end();
    expect(await collect(reader)).toEqual(["early", "late"]);
  });

  it("drops what every reader has read, so a long stream stays small", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    for (let i = 0; i < 5000; i++) log.push(i);
    let seen = 0;
    for (let i = 0; i < 5000; i++) {
      const { value } = await reader.next();
      expect(value).toBe(i);
      seen++;
    }
    expect(seen).toBe(5000);
    expect(log.stats.kept).toBeLessThan(1100);
  });

  it("keeps nothing its one reader has read once that reader keeps up", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    const first = reader.next();
    // The reader waits, so the event goes straight to it.
    log.push(1);
    expect(log.stats.kept).toBe(0);
    await expect(first).resolves.toEqual({ value: 1, done: false });
    log.push(2);
    log.push(3);
    expect(log.stats.kept).toBe(2);
    await expect(reader.next()).resolves.toEqual({ value: 2, done: false });
    await expect(reader.next()).resolves.toEqual({ value: 3, done: false });
    // Caught up: asking again drops what it read before it waits.
    const fourth = reader.next();
    expect(log.stats.kept).toBe(0);
    log.push(4);
    // A reader opened now starts after what the first one has read.
    const late = log.reader();
    log.push(5);
    log.end();
    await expect(fourth).resolves.toEqual({ value: 4, done: false });
    const lateSeen: number[] = [];
    for await (const value of late) lateSeen.push(value);
    expect(lateSeen).toEqual([5]);
  });

  it("throws the failure after the events already pushed", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    log.push(1);
    log.fail(new Error("gone"));
    expect(await reader.next()).toEqual({ value: 1, done: false });
    await expect(reader.next()).rejects.toThrow("gone");
  });

  it("hands a waiting reader the next event, and answers reads asked at once in order", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    const first = reader.next();
    const second = reader.next();
    log.push(1);
    log.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await second).toEqual({ value: 2, done: false });
    expect(log.stats.readers).toBe(1);
  });

  it("rejects a waiting reader when the log fails, and ends one when it ends", async () => {
    const failing = new EventLog<number>();
    const waiting = failing.reader().next();
    failing.fail(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(failing.stats.readers).toBe(0);
    const ending = new EventLog<number>();
    const pending = ending.reader().next();
    ending.end();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
  });

  it("polls kept events without a promise, and never ahead of a read that waits", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    expect(reader.poll()).toBeUndefined();
    log.push(1);
    log.push(2);
    expect(reader.poll()).toEqual({ value: 1, done: false });
    expect(await reader.next()).toEqual({ value: 2, done: false });
    const waiting = reader.next();
    // The waiting read is owed the next event: a poll must not take it.
    expect(reader.poll()).toBeUndefined();
    log.push(3);
    expect(await waiting).toEqual({ value: 3, done: false });
    log.push(4);
    log.end();
    expect(reader.poll()).toEqual({ value: 4, done: false });
    // The end is answered by next(), which closes the reader.
    expect(reader.poll()).toBeUndefined();
    expect(await reader.next()).toEqual({ value: undefined, done: true });
  });

  it("ends a reader whose loop was left early", async () => {
    const log = new EventLog<number>();
    log.push(1);
    log.push(2);
    const seen: number[] = [];
    for await (const value of log.reader()) {
      seen.push(value);
      break;
    }
    expect(seen).toEqual([1]);
    expect(log.stats.readers).toBe(0);
  });

  it("ends a pending next() when the reader is returned from elsewhere", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    const waiting = reader.next();
    await reader.return!();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
  });
});

describe("turnIdOf and threadIdOf", () => {
  it("read the turn id from turnId, else turn.id, and the thread id from threadId, else thread.id", () => {
    const completed = { method: "turn/completed", params: { threadId: "th", turn: { id: "t" } } };
    expect(turnIdOf(completed)).toBe("t");
    expect(threadIdOf(completed)).toBe("th");
    expect(turnIdOf({ method: "item/agentMessage/delta", params: { turnId: "t2" } })).toBe("t2");
    expect(turnIdOf({ method: "future/thing", params: { turn: { id: "t3" } } })).toBe("t3");
    const started = { method: "thread/started", params: { thread: { id: "th" } } };
    expect(turnIdOf(started)).toBeUndefined();
    expect(threadIdOf(started)).toBe("th");
    expect(turnIdOf({ method: "turn/started", params: null })).toBeUndefined();
  });
});

describe("Router", () => {
  function setup() {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const router = new Router(connection);
    return { transport, router };
  }
  const sinkOf = (events: RawNotification[], errors: Error[] = []) => ({
    push: (n: RawNotification) => {
      events.push(n);
      return n.method === "turn/completed";
    },
    fail: (e: Error) => errors.push(e),
  });

  it("holds a thread's turn events that arrive before the turn/start response", () => {
    const { transport, router } = setup();
    const slot = takeSlot(router, "th");
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn: { id: "t1" } } });
    transport.deliver({ method: "item/started", params: { threadId: "th", turnId: "t1" } });
    const events: RawNotification[] = [];
    slot.bind("t1", sinkOf(events));
    transport.deliver({ method: "turn/completed", params: { threadId: "th", turn: { id: "t1" } } });
    transport.deliver({ method: "item/started", params: { threadId: "th", turnId: "t1" } });
    expect(events.map((e) => e.method)).toEqual(["turn/started", "item/started", "turn/completed"]);
  });

  it("takes no late start for a turn running, even after a newer turn's start", () => {
    const { transport, router } = setup();
    const started = (id: string) => ({
      method: "turn/started",
      params: { threadId: "th", turn: { id } },
    });
    const completed = (id: string) => ({
      method: "turn/completed",
      params: { threadId: "th", turn: { id } },
    });
    transport.deliver(completed("t1"));
    transport.deliver(started("t2"));
    transport.deliver(started("t1"));
    expect(turnIdOf(router.runningStart("th")!)).toBe("t2");
    transport.deliver(completed("t2"));
    expect(router.runningStart("th")).toBeUndefined();
    expect(router.stats).toMatchObject({ running: 0, endedFirst: 0 });
    // Kept for a few turns only.
    for (let i = 0; i < 40; i++) transport.deliver(completed(`joined-${i}`));
    transport.deliver(started("joined-0"));
    expect(turnIdOf(router.runningStart("th")!)).toBe("joined-0");
    transport.deliver(started("joined-39"));
    expect(turnIdOf(router.runningStart("th")!)).toBe("joined-0");
  });

  it("takes a start sent again after its turn's completion for no turn running", () => {
    const { transport, router } = setup();
    const started = { method: "turn/started", params: { threadId: "th", turn: { id: "t1" } } };
    const review = {
      method: "turn/started",
      params: { threadId: "th", turn: { id: "child", rootTurnId: "review" } },
    };
    const completed = (id: string, threadId = "th") => ({
      method: "turn/completed",
      params: { threadId, turn: { id } },
    });
    for (const [start, id] of [
      [started, "t1"],
      [review, "review"],
    ] as const) {
      transport.deliver(start);
      expect(router.runningStart("th")).toEqual(start);
      transport.deliver(completed(id));
      transport.deliver(start);
      expect(router.runningStart("th")).toBeUndefined();
    }
    // A new turn naming a completed one as its root (`rootTurnId`) runs.
    const rooted = {
      method: "turn/started",
      params: { threadId: "th", turn: { id: "t3", rootTurnId: "t1" } },
    };
    transport.deliver(rooted);
    expect(router.runningStart("th")).toEqual(rooted);
    transport.deliver(completed("t3"));
    expect(router.runningStart("th")).toBeUndefined();
    // A turn of that id completed on another thread is none of this one's.
    transport.deliver(completed("t2", "other"));
    const t2 = { method: "turn/started", params: { threadId: "th", turn: { id: "t2" } } };
    transport.deliver(t2);
    expect(router.runningStart("th")).toEqual(t2);
    expect(router.stats).toMatchObject({ running: 1, endedFirst: 1 });
  });

  it("records no turn running for a review whose completion overtook its turn's start", () => {
    const started = {
      method: "turn/started",
      params: { threadId: "th", turn: { id: "child", rootTurnId: "review" } },
    };
    const completed = {
      method: "turn/completed",
      params: { threadId: "th", turn: { id: "review" } },
    };
    const settled = { running: 0, endedFirst: 0, turns: 0, childTurns: 0, pendingByThread: 0 };
    // Live.
    let { transport, router } = setup();
    takeSlot(router, "th").bind("review", sinkOf([]), { childStart: true });
    transport.deliver(completed);
    transport.deliver(started);
    expect(router.runningStart("th")).toBeUndefined();
    expect(router.stats).toMatchObject(settled);
    // Held before the review/start answer, then replayed.
    ({ transport, router } = setup());
    const slot = takeSlot(router, "th");
    transport.deliver(completed);
    transport.deliver(started);
    const events: RawNotification[] = [];
    slot.bind("review", sinkOf(events), { childStart: true });
    expect(events.map((e) => e.method)).toEqual(["turn/completed"]);
    expect(router.runningStart("th")).toBeUndefined();
    expect(router.stats).toMatchObject(settled);
  });

  it("takes a turn start that names no thread for no review's running turn", () => {
    const { transport, router } = setup();
    takeSlot(router, "th").bind("review", sinkOf([]), { childStart: true });
    const events: RawNotification[] = [];
    takeSlot(router, "other").bind("plain", sinkOf(events));
    // Its root a turn of this client's, no review: neither it nor its turn's later events go there.
    transport.deliver({
      method: "turn/started",
      params: { turn: { id: "stray", rootTurnId: "plain" } },
    });
    const item = { type: "agentMessage", id: "m", text: "not yours" };
    transport.deliver({
      method: "item/completed",
      params: { threadId: "elsewhere", turnId: "stray", item },
    });
    expect(events).toEqual([]);
    expect(router.stats).toMatchObject({ childTurns: 0 });
  });

  it("gives a listener of every notification added while one is delivered only the next ones", () => {
    const { transport, router } = setup();
    const seen: string[] = [];
    const off = router.on("thread/started", () => {
      router.onAny((n) => seen.push(n.method));
      off();
    });
    transport.deliver({ method: "thread/started", params: { thread: { id: "a" } } });
    transport.deliver({ method: "account/updated", params: {} });
    expect(seen).toEqual(["account/updated"]);
  });

  it("gives a keyed listener added while a notification is delivered only the next ones", () => {
    const { transport, router } = setup();
    const seen: string[] = [];
    const record = (n: RawNotification): void => {
      seen.push((n.params as { turn: { id: string } }).turn.id);
    };
    // Added by a listener of the method, and by a keyed listener of the same key.
    const off = router.on("turn/completed", () => {
      off();
      router.onKey("turn/completed", "threadId", "th", record);
    });
    const offKeyed = router.onKey("turn/completed", "threadId", "other", () => {
      offKeyed();
      router.onKey("turn/completed", "threadId", "other", record);
    });
    for (const [threadId, id] of [
      ["th", "t1"],
      ["other", "o1"],
      ["th", "t2"],
      ["other", "o2"],
    ]) {
      transport.deliver({ method: "turn/completed", params: { threadId, turn: { id } } });
    }
    expect(seen).toEqual(["t2", "o2"]);
  });

  it("calls no listener an earlier one unsubscribed while a notification is delivered", () => {
    const { transport, router } = setup();
    const calls: string[] = [];
    let offB = (): void => undefined;
    let offD = (): void => undefined;
    router.on("turn/completed", () => {
      calls.push("A");
      offB();
      offD();
    });
    offB = router.on("turn/completed", () => calls.push("B"));
    router.on("turn/completed", () => calls.push("C"));
    offD = router.onAny(() => calls.push("D"));
    let offF = (): void => undefined;
    router.onKey("turn/completed", "threadId", "th", () => {
      calls.push("E");
      offF();
    });
    offF = router.onKey("turn/completed", "threadId", "th", () => calls.push("F"));
    transport.deliver({ method: "turn/completed", params: { threadId: "th", turn: { id: "t" } } });
    expect(calls).toEqual(["A", "C", "E"]);
  });

  it("keeps interleaved turns apart, each in order", () => {
    const { transport, router } = setup();
    const a: RawNotification[] = [];
    const b: RawNotification[] = [];
    takeSlot(router, "thread-A").bind("A", sinkOf(a));
    takeSlot(router, "thread-B").bind("B", sinkOf(b));
    for (let i = 0; i < 3; i++) {
      transport.deliver({
        method: "item/agentMessage/delta",
        params: { turnId: "A", delta: `a${i}` },
      });
      transport.deliver({
        method: "item/agentMessage/delta",
        params: { turnId: "B", delta: `b${i}` },
      });
    }
    const deltas = (list: RawNotification[]) =>
      list.map((n) => (n.params as { delta: string }).delta);
    expect(deltas(a)).toEqual(["a0", "a1", "a2"]);
    expect(deltas(b)).toEqual(["b0", "b1", "b2"]);
  });

  it("sends serverRequest/resolved to the turn of the request it names", () => {
    const { transport, router } = setup();
    const events: RawNotification[] = [];
    takeSlot(router, "thread-T").bind("T", sinkOf(events));
    router.trackServerRequest(0, "T", { method: "item/tool/call", params: {} });
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th", requestId: 0 },
    });
    expect(events.map((e) => e.method)).toEqual(["item/tool/call", "serverRequest/resolved"]);
  });

  it("keeps delivering to other listeners when one throws, and logs the throw", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const router = new Router(new Connection(transport), log);
    const seen: string[] = [];
    router.on("account/updated", () => {
      throw new Error("listener bug");
    });
    router.on("account/updated", (n) => seen.push(n.method));
    transport.deliver({ method: "account/updated", params: {} });
    expect(seen).toEqual(["account/updated"]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.level).toBe("error");
    expect(String(entries[0]!.detail)).toContain("listener bug");
  });

  it("logs a turn's start or end naming no thread or turn, and a withdrawal naming no request", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const router = new Router(new Connection(transport), log);
    const seen: string[] = [];
    router.on("turn/started", (n) => seen.push(n.method));
    transport.deliver({ method: "turn/started", params: { turn: { id: "t1" } } });
    transport.deliver({ method: "turn/completed", params: { threadId: "th", turn: {} } });
    transport.deliver({ method: "serverRequest/resolved", params: { threadId: "th" } });
    transport.deliver({ method: "serverRequest/resolved", params: { requestId: 7 } });
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn: { id: "t2" } } });
    const prefix = "codex-app-server-sdk: ";
    expect(entries.map((e) => [e.level, e.message.slice(prefix.length)])).toEqual([
      ["warn", "turn/started without both a threadId and a turn id: no turn is taken as started"],
      ["warn", "turn/completed without both a threadId and a turn id: no turn is taken as ended"],
      ["warn", "serverRequest/resolved without a requestId: no request is taken as withdrawn"],
    ]);
    // Still delivered to who reads them; the well-formed start is followed.
    expect(seen).toEqual(["turn/started", "turn/started"]);
    expect(turnIdOf(router.runningStart("th")!)).toBe("t2");
  });

  it("leaves unparsed only the notifications no listener and no turn in flight reads", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const router = new Router(new Connection(transport, { log }), log);
    // A line with broken params is logged when it is parsed, so the log tells what was read. Only
    // long lines are judged unparsed: spaces make this one long.
    const parsed = (method: string): boolean => {
      const before = entries.length;
      transport.line(`{"method":"${method}","params":{${" ".repeat(4096)}broken},"emittedAtMs":1}`);
      return entries.length > before;
    };
    expect(parsed("item/started")).toBe(false);
    // Which turn runs on each thread is always followed (a turn/start may be answered with it).
    expect(parsed("turn/started")).toBe(true);
    const off = router.on("item/started", () => undefined);
    expect(parsed("item/started")).toBe(true);
    off();
    expect(parsed("item/started")).toBe(false);

    // A turn/start awaiting its answer may need anything; a bound turn of run() reads its few.
    const slot = takeSlot(router, "th");
    expect(parsed("item/started")).toBe(true);
    const reads = new Set(["item/completed", "turn/completed"]);
    slot.bind("t1", { ...sinkOf([]), reads });
    expect(parsed("item/started")).toBe(false);
    expect(parsed("item/completed")).toBe(true);
    // Turns reading the same methods share one entry, and it lasts as long as the last of them.
    takeSlot(router, "th3").bind("t3", { ...sinkOf([]), reads });
    expect(router.stats.turnReads).toBe(1);

    // A turn whose events are kept for readers reads every method.
    takeSlot(router, "th2").bind("t2", sinkOf([]));
    expect(parsed("item/started")).toBe(true);
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th2", turn: { id: "t2" } },
    });
    expect(parsed("item/started")).toBe(false);
    transport.deliver({ method: "turn/completed", params: { threadId: "th", turn: { id: "t1" } } });
    expect(parsed("item/completed")).toBe(true);
    expect(parsed("item/started")).toBe(false);
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th3", turn: { id: "t3" } },
    });
    expect(parsed("item/completed")).toBe(false);
    expect(router.stats.turnReads).toBe(0);

    const offAny = router.onAny(() => undefined);
    expect(parsed("account/rateLimits/updated")).toBe(true);
    offAny();
    expect(parsed("account/rateLimits/updated")).toBe(false);
    // A thread's status is always read: an unload may come by it alone.
    expect(parsed("thread/status/changed")).toBe(true);
  });

  it("fails every routed turn when the connection closes", () => {
    const { transport, router } = setup();
    const errors: Error[] = [];
    takeSlot(router, "thread-T").bind("T", sinkOf([], errors));
    transport.end();
    expect(errors[0]).toBeInstanceOf(TransportClosedError);
  });

  it("forgets a thread it unsubscribed from once the server closes, archives or deletes it", () => {
    const { transport, router } = setup();
    for (const method of ["thread/closed", "thread/archived", "thread/deleted"]) {
      router.setSubscribed("th-u", false);
      expect(router.stats.unsubscribed).toBe(1);
      transport.deliver({ method, params: { threadId: "th-u" } });
      expect(router.stats.unsubscribed).toBe(0);
    }
  });

  it("remembers the work it started for a turn on another thread until that turn ends there", () => {
    const { transport, router } = setup();
    const start = (threadId: string, id: string) =>
      transport.deliver({
        method: "turn/started",
        params: { threadId, turn: { id, status: "inProgress", items: [] } },
      });
    const complete = (threadId: string, id: string) =>
      transport.deliver({
        method: "turn/completed",
        params: { threadId, turn: { id, status: "completed", items: [] } },
      });
    start("th-a", "ta1");
    router.noteDelegation("ta1");
    router.noteDelegation("ta1");
    expect(router.delegates("ta1")).toBe(true);
    expect(router.delegates("ta0")).toBe(false);
    // Whatever became of the work's own turns: until the turn it works for completes.
    start("th-b", "tb1");
    complete("th-b", "tb1");
    expect(router.delegates("ta1")).toBe(true);
    complete("th-a", "ta1");
    expect(router.stats.delegations).toBe(0);
    // Nothing for a turn already seen completed; until its thread ends for one still running.
    router.noteDelegation("ta1");
    expect(router.stats.delegations).toBe(0);
    start("th-a", "ta2");
    router.noteDelegation("ta2");
    transport.deliver({ method: "thread/archived", params: { threadId: "th-a" } });
    expect(router.stats.delegations).toBe(0);
    // And at the close of the connection.
    router.noteDelegation("unknown");
    expect(router.stats.delegations).toBe(1);
    transport.end();
    expect(router.stats.delegations).toBe(0);
  });

  it("fails a turn bound after its thread was unsubscribed, which would never see its events, and frees the thread", () => {
    const { router } = setup();
    const slot = takeSlot(router, "th-u");
    router.setSubscribed("th-u", false);
    const failures: string[] = [];
    slot.bind("t1", { push: () => false, fail: (error) => failures.push(error.message) });
    slot.release();
    expect(failures).toEqual([expect.stringContaining("unsubscribed")]);
    expect(router.stats).toMatchObject({ turns: 0, queues: 0 });
    // Subscribed again, the thread takes its next turn.
    router.setSubscribed("th-u", true);
    expect(() => takeSlot(router, "th-u")).not.toThrow();
  });

  it("fails a goal run's hold at once when its thread was unsubscribed or the connection ended as it got ready", () => {
    const { transport, router } = setup();
    const failures: string[] = [];
    const holder = { fail: (error: Error) => void failures.push(error.message) };
    const slot = takeSlot(router, "th-u");
    router.setSubscribed("th-u", false);
    expect(slot.hold(holder)).toBe(false);
    expect(failures).toEqual([expect.stringContaining("unsubscribed")]);
    slot.release();
    router.setSubscribed("th-u", true);
    const open = takeSlot(router, "th-o");
    expect(open.hold(holder)).toBe(true);
    transport.end();
    open.release();
    const late = takeSlot(router, "th-c");
    expect(late.hold(holder)).toBe(false);
    // The open one learns of the end from the connection itself (a goal run listens for it).
    expect(failures).toHaveLength(2);
    expect(failures[1]).toMatch(/closed|exited|ended/);
  });

  it("keeps no listener added after the connection closed, where nothing more can come", () => {
    const { transport, router } = setup();
    transport.end();
    const before = router.stats;
    for (let i = 0; i < 100; i++) {
      const listener = () => {};
      router.on("turn/started", listener);
      router.onAny(listener);
      router.onKey("thread/archived", "threadId", `th-${i}`, listener)();
    }
    expect(router.stats).toEqual(before);
  });

  it("drops what a slot held when it is released unbound, and lets the next turn start", () => {
    const { transport, router } = setup();
    const slot = takeSlot(router, "th");
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn: { id: "t1" } } });
    expect(router.stats).toMatchObject({ pendingByThread: 1, queues: 1 });
    slot.release();
    slot.release();
    expect(router.stats).toMatchObject({ pendingByThread: 0, queues: 0 });
    // The next turn of the thread sees nothing of the one that failed to start.
    const events: RawNotification[] = [];
    takeSlot(router, "th").bind("t2", sinkOf(events));
    expect(events).toEqual([]);
  });

  it("knows a thread runs a shell command's turn, from its first item's start however long, until it ends", () => {
    const { transport, router } = setup();
    const shell = (threadId: string, turnId: string, command: string) =>
      transport.line(
        JSON.stringify({
          method: "item/started",
          params: {
            threadId,
            turnId,
            item: { type: "commandExecution", id: "c", command, source: "userShell" },
          },
        }),
      );
    transport.deliver({
      method: "turn/started",
      params: { threadId: "th", turn: { id: "s1", status: "inProgress", items: [] } },
    });
    expect(router.runsShell("th")).toBe(false);
    // A line long enough to be judged before it is parsed.
    shell("th", "s1", "x".repeat(8192));
    expect(router.runsShell("th")).toBe(true);
    expect(router.runsShell("other")).toBe(false);
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th", turn: { id: "s1", status: "completed", items: [] } },
    });
    expect(router.runsShell("th")).toBe(false);
    // A shell command in a turn this client routes (its own, which asks the model) is no
    // shell command's turn; nor is one in another client's turn after its first item.
    takeSlot(router, "own").bind("t1", sinkOf([]));
    shell("own", "t1", "ls");
    expect(router.runsShell("own")).toBe(false);
    const item = (threadId: string, turnId: string) =>
      transport.deliver({
        method: "item/started",
        params: { threadId, turnId, item: { type: "userMessage", id: "m", content: [] } },
      });
    item("other", "o1");
    shell("other", "o1", "ls");
    expect(router.runsShell("other")).toBe(false);
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "other", turn: { id: "o1", status: "completed", items: [] } },
    });
    // Forgotten as the client leaves the thread (nothing more is heard of it), and as the thread
    // goes idle, whose status is listened for only while a shell command's turn runs.
    const listeners = router.stats.methodListeners!;
    shell("th", "s2", "ls");
    expect(router.runsShell("th")).toBe(true);
    router.setSubscribed("th", false);
    expect(router.runsShell("th")).toBe(false);
    router.setSubscribed("th", true);
    shell("th", "s3", "ls");
    expect(router.stats.methodListeners).toBe(listeners + 1);
    transport.deliver({
      method: "thread/status/changed",
      params: { threadId: "th", status: { type: "active", activeFlags: [] } },
    });
    expect(router.runsShell("th")).toBe(true);
    transport.deliver({
      method: "thread/status/changed",
      params: { threadId: "th", status: { type: "idle" } },
    });
    expect(router.runsShell("th")).toBe(false);
    expect(router.stats).toMatchObject({ running: 0, methodListeners: listeners });
    // Of a turn that ran as the client resumed the thread, the first item seen may be a later one.
    router.noteRunningUnseen("resumed");
    shell("resumed", "r1", "ls");
    expect(router.runsShell("resumed")).toBe(false);
  });

  it("holds nothing for a turn queued without holding (a goal run follows its own)", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const router = new Router(new Connection(transport, { log }), log);
    let slot: TurnSlot | undefined;
    await router.queueTurn("th", async (s) => void (slot = s), false);
    expect(router.stats).toMatchObject({ pendingByThread: 0, queues: 1 });
    // Nothing reads item/started, so a long broken line of it goes unparsed (and unlogged).
    transport.line(`{"method":"item/started","params":{${" ".repeat(4096)}broken}}`);
    expect(entries).toEqual([]);
    slot!.release();
    expect(router.stats.queues).toBe(0);
  });

  it("lists the work of this client's that holds a thread: its own turns and a goal run, not a turn it joined", async () => {
    const { transport, router } = setup();
    const started = (threadId: string, id: string, rootTurnId?: string) =>
      transport.deliver({
        method: "turn/started",
        params: { threadId, turn: { id, status: "inProgress", items: [], rootTurnId } },
      });
    // A turn of its own; a review, whose start names another turn; a turn of another client's
    // that the input joined; a goal run; a turn that is over.
    takeSlot(router, "own").bind("t1", sinkOf([]));
    started("own", "t1");
    takeSlot(router, "review").bind("r1", sinkOf([]), { childStart: true });
    started("review", "r2", "r1");
    started("joined", "x1");
    takeSlot(router, "joined").bind("x1", sinkOf([]), { joined: true });
    const goal = { fail: () => undefined, leave: async () => undefined };
    takeSlot(router, "goal").hold(goal);
    const over = takeSlot(router, "over");
    over.bind("o1", sinkOf([]));
    over.release();
    await Promise.resolve();
    expect(router.ownWork().map(({ threadId, turnId }) => [threadId, turnId])).toEqual([
      ["own", "t1"],
      ["review", "r1"],
      ["goal", undefined],
    ]);
    expect(router.ownWork()[2]!.holder).toBe(goal);
  });

  it("runs turns of one thread one after another", async () => {
    const { router } = setup();
    const order: string[] = [];
    let finishFirst!: () => void;
    const firstDone = new Promise<void>((r) => (finishFirst = r));
    const first = router.queueTurn("th", async (slot) => {
      order.push("start 1");
      void firstDone.then(slot.release);
      return 1;
    });
    const second = router.queueTurn("th", async (slot) => {
      order.push("start 2");
      slot.release();
      return 2;
    });
    expect(await first).toBe(1);
    await Promise.resolve();
    expect(order).toEqual(["start 1"]);
    finishFirst();
    expect(await second).toBe(2);
    expect(order).toEqual(["start 1", "start 2"]);
  });
});

describe("EventLog readers leaving", () => {
  it("keeps what the last reader did not read for the next reader", async () => {
    const log = new EventLog<number>();
    for (const n of [1, 2, 3]) log.push(n);
    for await (const value of log.reader()) {
      expect(value).toBe(1);
      break;
    }
    log.end();
    const rest: number[] = [];
    for await (const value of log.reader()) rest.push(value);
    expect(rest).toEqual([2, 3]);
  });

  it("drops everything once discarded, and its readers end", async () => {
    const log = new EventLog<number>();
    const reader = log.reader();
    const waiting = reader.next();
    for (const n of [1, 2, 3]) log.push(n);
    const unread = log.reader();
    expect(log.stats).toEqual({ kept: 2, readers: 2 });
    log.discard();
    expect(log.stats).toEqual({ kept: 0, readers: 0 });
    expect(await waiting).toEqual({ value: 1, done: false });
    expect(await unread.next()).toEqual({ value: undefined, done: true });
    log.push(4);
    expect(log.stats.kept).toBe(0);
  });
});

describe("droppableReader", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  // As a command's output stream does: released, the reader's place in the log closes.
  const open = (log: EventLog<string>) => {
    const reader = log.reader();
    return droppableReader(reader, () => void reader.return());
  };
  const collectUntil = async (log: EventLog<string>, readers: number) => {
    for (let round = 0; round < 50 && log.stats.readers > readers; round++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  it("releases a reader dropped without leaving its loop, once collected", async () => {
    const log = new EventLog<string>();
    // One dropped after a read that was answered (a server's "ready" line), one never read.
    await (async () => {
      const first = open(log);
      log.push("ready");
      await expect(first.next()).resolves.toEqual({ value: "ready", done: false });
    })();
    (() => void open(log))();
    expect(log.stats.readers).toBe(2);
    await collectUntil(log, 0);
    expect(log.stats.readers).toBe(0);
  });

  it("keeps a reader whose read waits, and one whose waiting read's promise alone is kept", async () => {
    const log = new EventLog<string>();
    const waiting = open(log);
    const next = waiting.next();
    const alone = open(log).next();
    await collectUntil(log, 1);
    expect(log.stats.readers).toBe(2);
    log.push("chunk");
    await expect(next).resolves.toEqual({ value: "chunk", done: false });
    await expect(alone).resolves.toEqual({ value: "chunk", done: false });
    await waiting.return!();
    expect(log.stats.readers).toBeLessThanOrEqual(1);
  });
});
