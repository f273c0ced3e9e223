// The relay of the fault-injection kit (test/support/fault/proxy) in front of the real app-server:
// it relays a real turn, drops, rewrites and injects lines, exits at a chosen moment, and never
// leaves the real server behind.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  Codex,
  TransportClosedError,
  externalMessage,
  type Thread,
  type TurnEvent,
} from "../../src/index.js";
import { sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { expectNoChild, isAlive, settlesWithin } from "../support/fault/guards.js";
import { startProxy, type Proxy, type ProxyOptions } from "../support/fault/proxy.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: ProxyOptions = {}): Promise<{ p: Proxy; t: TestCodex }> {
  const p = await startProxy(options);
  cleanups.push(() => p.close());
  const t = await createTestCodex({ launchArgs: p.launchArgs, killGraceMs: 500 });
  cleanups.push(() => t.close());
  return { p, t };
}

describe("proxy in front of the real app-server", () => {
  it("relays a real turn, drops a method, rewrites and injects lines", async () => {
    const { p, t } = await setup({
      rules: [
        {
          match: { direction: "toClient", method: "item/agentMessage/delta" },
          action: { drop: true },
        },
      ],
    });
    expect(p.pid).toBe(t.codex.pid);
    // Set from the control channel, which the client's pipe may overtake: wait for it.
    const realPid = await p.realStarted;
    expect(p.realPid).toBe(realPid);
    expect(isAlive(realPid)).toBe(true);

    const deltas: string[] = [];
    t.codex.on("item/agentMessage/delta", (params) => deltas.push(params.delta));
    const injected: unknown[] = [];
    t.codex.on("kit/injected", (params) => injected.push(params));

    t.mock.enqueue(sse.textDeltas(["Hel", "lo"]));
    const thread = await t.codex.threadStart();
    const first = await thread.run("hi");
    expect(first.finalResponse).toBe("Hello");
    expect(deltas).toEqual([]);
    await p.sync();
    const dropped = p.log.filter((l) => l.fate === "dropped");
    expect(dropped.map((l) => [l.direction, l.method])).toEqual([
      ["toClient", "item/agentMessage/delta"],
      ["toClient", "item/agentMessage/delta"],
    ]);
    const startLine = await p.next({ direction: "toServer", method: "turn/start" });
    expect(startLine.fate).toBe("forwarded");
    expect(startLine.kind).toBe("request");
    const startAnswer = await p.next({ direction: "toClient", kind: "response", id: startLine.id });
    expect(startAnswer.method).toBe("turn/start");
    await p.next({ direction: "toClient", method: "turn/completed" });

    // Deltas now reach the client, upper-cased on the way.
    await p.clearRules();
    await p.rule({
      match: { direction: "toClient", method: "item/agentMessage/delta" },
      action: {
        rewrite: (message) => {
          const m = message as { params: { delta: string } };
          return { ...m, params: { ...m.params, delta: m.params.delta.toUpperCase() } };
        },
      },
    });
    t.mock.enqueue(sse.textDeltas(["ab", "cd"]));
    const turn = await thread.turn("again");
    const events: TurnEvent[] = [];
    for await (const event of turn.stream()) events.push(event);
    expect(deltas).toEqual(["AB", "CD"]);
    expect(events.at(-1)?.method).toBe("turn/completed");
    await p.sync();
    expect(p.log.filter((l) => l.fate === "rewritten")).toHaveLength(2);

    await p.inject({ message: { method: "kit/injected", params: { n: 1 } } });
    const injectedLine = await p.next((l) => l.fate === "injected");
    expect(injectedLine.direction).toBe("toClient");
    // The client saw it: a round trip through the real server orders it after the injection.
    await t.codex.models();
    expect(injected).toEqual([{ n: 1 }]);
    expect(p.errors).toEqual([]);
  });

  it("exits with the chosen code when the client sends turn/start, taking the server down", async () => {
    const { p, t } = await setup({
      rules: [{ match: { direction: "toServer", method: "turn/start" }, action: { exit: 7 } }],
    });
    const realPid = await p.realStarted;
    const thread = await t.codex.threadStart();
    const settled = await settlesWithin(thread.run("hi"), 5000, "run()");
    expect(settled.status).toBe("rejected");
    const error = (settled as { reason: unknown }).reason;
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as TransportClosedError).exitCode).toBe(7);
    expect(await p.gone).toEqual({ code: 7 });
    const turnStart = p.log.find((l) => l.method === "turn/start")!;
    expect(turnStart.fate).toBe("exit");
    expect(t.mock.responsesRequests).toHaveLength(0);
    await expectNoChild(realPid);
  });

  it("the real server dies with the proxy, even when the proxy is SIGKILLed mid-turn", async () => {
    const { p, t } = await setup({ ignoreSigterm: true });
    const realPid = await p.realStarted;
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["never", "finished"]), { gate });
    const thread = await t.codex.threadStart();
    const run = thread.run("hold on");
    await gate.reached;

    process.kill(p.pid!, "SIGTERM");
    // SIGTERM is ignored as asked: the relay and the turn go on.
    expect(await p.nextSignal()).toBe("SIGTERM");
    expect(isAlive(p.pid!)).toBe(true);

    process.kill(p.pid!, "SIGKILL");
    const settled = await settlesWithin(run, 5000, "run()");
    expect((settled as { reason: unknown }).reason).toBeInstanceOf(TransportClosedError);
    expect(await p.gone).toEqual({ code: null });
    await expectNoChild(realPid);
    gate.release();
  });

  it("passes on the real server's stderr and exit code", async () => {
    const p = await startProxy({ args: ["app-server", "--no-such-flag"] });
    cleanups.push(() => p.close());
    const error = await Codex.start({ launchArgs: p.launchArgs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as TransportClosedError).exitCode).toBe(2);
    expect((error as TransportClosedError).stderrTail).toContain("--no-such-flag");
    expect(await p.gone).toEqual({ code: 2 });
    expect(await p.realExited).toEqual({ code: 2, signal: null });
  });
});

describe("a review whose review/start answer comes after the client left its thread", () => {
  it("is stopped: the interrupt names the turn the server runs for it, which it accepts", async () => {
    const { p, t } = await setup({
      rules: [
        {
          match: { direction: "toClient", kind: "response", method: "review/start" },
          action: { delayMs: 1_500, keepOrder: false },
        },
      ],
    });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: t.workDir });
    git("init", "-q", "-b", "main");
    git(
      "-c",
      "user.email=sdk@example.com",
      "-c",
      "user.name=SDK",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "c",
    );
    await writeFile(path.join(t.workDir, "a.js"), "2\n");
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const review = thread.review("uncommittedChanges");
    await gate.reached;
    await thread.unsubscribe();
    // The handle comes, the thread left: its run() rejects, and the SDK stops the review.
    await expect((await review).run()).rejects.toThrow(/unsubscribed from thread/);
    const interrupt = await p.next({ direction: "toServer", method: "turn/interrupt" });
    const answer = await p.next({ direction: "toClient", kind: "response", id: interrupt.id });
    gate.release();
    expect(JSON.parse(answer.line!)).toMatchObject({ result: {} });
  });
});

describe("an external message whose turn ended on the way, with a turn queued behind it", () => {
  // The steered turn A is interrupted from elsewhere (a raw turn/interrupt, as another client
  // would) just as the message is sent, and this client's next turn B is queued. The answer to
  // the message's turn/start and the start of the turn it made are slowed on the way, as a loaded
  // pipe would, which fixes the order the race takes.
  it("stops the message's turn before B is sent, and B runs to its end", async () => {
    const { p, t } = await setup();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    // The model's answers in the turn the message starts take their time.
    const later = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["answer to the message"]), { gate: later });
    t.mock.enqueue(sse.textDeltas(["answer to the message and B"]), { gate: later });
    for (let k = 0; k < 4; k++) t.mock.enqueueAssistantMessage(`reply${k}`);
    const thread = await t.codex.threadStart();
    const a = await thread.turn("A");
    await gate.reached;
    await p.rule({
      match: { direction: "toClient", kind: "response", method: "turn/start" },
      action: { delayMs: 200, keepOrder: false },
      times: 1,
    });
    await p.rule({
      match: { direction: "toClient", method: "turn/started" },
      action: { delayMs: 600, keepOrder: false },
      times: 1,
    });
    const b = thread.run("B");
    const raw = t.codex.request("turn/interrupt", { threadId: thread.id, turnId: a.id });
    const steer = a.steer(externalMessage("ci", "passed")).catch((e: unknown) => e as Error);
    await raw;
    const steered = await steer;
    await later.reached;
    await p.next(
      (line) =>
        line.direction === "toServer" &&
        line.method === "turn/interrupt" &&
        (line.message?.params as { turnId?: string } | undefined)?.turnId !== a.id,
    );
    later.release();
    const result = await b;
    gate.release();
    await p.sync();
    const interrupted = p.log
      .filter((line) => line.direction === "toServer" && line.method === "turn/interrupt")
      .map((line) => (line.message!.params as { turnId: string }).turnId);
    expect({
      steer: steered instanceof Error ? steered.message.replace(/[0-9a-f-]{36}/g, "<id>") : "ok",
      b: result.status,
      interruptedB: interrupted.includes(result.id),
    }).toEqual({
      steer:
        "turn <id> ended before the external message reached it; the message started turn " +
        "<id> instead, which is interrupted",
      b: "completed",
      interruptedB: false,
    });
  }, 30_000);
});

describe("a history read the server refused as its thread's first turn started", () => {
  // The runtime refuses the history of a thread without a turn (-32601 "... is not supported
  // yet"); its refusal is held on the way until the first turn has started, so that the client's
  // check of whether the thread has a turn finds one.
  async function refusedAsTurnStarts<T>(
    method: "thread/read" | "thread/items/list" | "thread/turns/list",
    ask: (thread: Thread) => Promise<T>,
    before?: (thread: Thread) => Promise<unknown>,
  ): Promise<T> {
    const { p, t } = await setup({
      rules: [
        {
          match: { direction: "toClient", kind: "response", method },
          action: { delayMs: 2_000, keepOrder: false },
          times: 1,
        },
      ],
    });
    t.mock.enqueueAssistantMessage("hello");
    const thread = await t.codex.threadStart();
    await before?.(thread);
    const asked = ask(thread);
    const refusal = await p.next({ direction: "toClient", kind: "response", method });
    expect(refusal.line).toMatch(/not supported yet/);
    const started = new Promise<void>((resolve) => t.codex.on("turn/started", () => resolve()));
    const turn = await thread.turn("hi");
    await started;
    await turn.run();
    return asked;
  }

  it("reads the thread again, with the turn it has now", async () => {
    const read = await refusedAsTurnStarts("thread/read", (thread) =>
      thread.read({ includeTurns: true }),
    );
    expect(read.thread.turns).toHaveLength(1);
  });

  it("lists its items again, the turn's now", async () => {
    const page = await refusedAsTurnStarts("thread/items/list", (thread) => thread.itemList());
    expect(page.data.map(({ item }) => item.type)).toEqual(["userMessage", "agentMessage"]);
  });

  it("lists its turns again, after a read that made the runtime refuse them", async () => {
    const page = await refusedAsTurnStarts(
      "thread/turns/list",
      (thread) => thread.turnList(),
      (thread) => thread.read({ includeTurns: true }),
    );
    expect(page.data).toHaveLength(1);
  });
});

describe("a resume the runtime refused as the thread's first turn started", () => {
  // As a thread's first turn starts, the runtime refuses a resume for a moment (-32601
  // "list_turns is not supported yet"): the refusal is written here in place of answers, which
  // the runtime gives at random.
  const refusals = (times?: number) =>
    ({
      match: { direction: "toClient", kind: "response", method: "thread/resume" },
      action: {
        rewrite: (message: unknown) => ({
          id: (message as { id: unknown }).id,
          error: { code: -32601, message: "list_turns is not supported yet" },
        }),
      },
      ...(times === undefined ? {} : { times }),
    }) as const;
  const resumesSent = (p: Proxy) =>
    p.log.filter((l) => l.direction === "toServer" && l.method === "thread/resume");

  it("is sent again until answered, and the thread resumed runs its next turn", async () => {
    const { p, t } = await setup({ rules: [refusals(2)] });
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("first");
    await thread.run("one");
    const resumed = await t.codex.threadResume(thread.id);
    expect(resumed.id).toBe(thread.id);
    await p.sync();
    expect(resumesSent(p).map((l) => l.message?.params)).toEqual(
      Array(3).fill({ threadId: thread.id, excludeTurns: true }),
    );
    t.mock.enqueueAssistantMessage("second");
    expect((await resumed.run("two")).finalResponse).toBe("second");
  });

  it("rejects with the refusal after three more tries", async () => {
    const { p, t } = await setup({ rules: [refusals()] });
    const thread = await t.codex.threadStart();
    await expect(t.codex.threadResume(thread.id)).rejects.toThrow(
      "JSON-RPC error -32601 (thread/resume): list_turns is not supported yet",
    );
    await p.sync();
    expect(resumesSent(p)).toHaveLength(4);
  });

  it("is not sent again once the call was given up on", async () => {
    const { p, t } = await setup({
      rules: [
        { ...refusals(1), action: { ...refusals(1).action, delayMs: 300, keepOrder: false } },
      ],
    });
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const resuming = t.codex.threadResume(thread.id, { signal: controller.signal });
    await p.next({ direction: "toServer", method: "thread/resume" });
    controller.abort(new Error("enough"));
    await expect(resuming).rejects.toThrow("enough");
    await p.next({ direction: "toClient", kind: "response", method: "thread/resume" });
    // A round trip after the refusal and past the first wait: a resume sent again would be
    // logged before its answer.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.codex.models();
    await p.sync();
    expect(resumesSent(p)).toHaveLength(1);
  });
});
