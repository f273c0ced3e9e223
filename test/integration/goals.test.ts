import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Codex, TurnAbortedError } from "../../src/index.js";
import { clientStats, sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { startProxy } from "../support/fault/proxy.js";
import { gitWorkspace } from "../support/git-workspace.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

/**
 * A client behind a relay that aborts `controller` the first time a message of `method` for which
 * `when` holds passes it toward the client: a signal that aborts at a set point of the exchange,
 * whatever the host's load. Disposing of it closes the client, then the relay.
 */
async function abortingAt(method: string, when: (message: unknown) => boolean) {
  const controller = new AbortController();
  const p = await startProxy({
    rules: [
      {
        match: { direction: "toClient", method },
        action: {
          rewrite: (message) => {
            if (!controller.signal.aborted && when(message)) controller.abort();
            return message;
          },
        },
      },
    ],
  });
  const relayed = await createTestCodex({ launchArgs: p.launchArgs, killGraceMs: 500 }).catch(
    async (err: unknown) => {
      await p.close();
      throw err;
    },
  );
  return Object.assign(relayed, {
    controller,
    async [Symbol.asyncDispose]() {
      await relayed.close();
      await p.close();
    },
  });
}

describe("Thread.runGoal", () => {
  it("follows the server's turns until the model marks the goal complete", async () => {
    t.mock.enqueueAssistantMessage("first draft");
    t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    t.mock.enqueueAssistantMessage("the haiku is done");
    const thread = await t.codex.threadStart();
    const result = await thread.runGoal("  write a haiku  ");
    expect(result.goal?.status).toBe("complete");
    expect(result.goal?.objective).toBe("write a haiku");
    expect(result.turns.length).toBe(2);
    expect(result.turns.every((turn) => turn.status === "completed")).toBe(true);
    expect(result.finalResponse).toBe("the haiku is done");
    expect((await thread.goal())?.status).toBe("complete");

    // The thread takes ordinary turns again afterwards.
    t.mock.enqueueAssistantMessage("plain turn");
    expect((await thread.run("hello")).finalResponse).toBe("plain turn");
  });

  it("keeps an earlier turn's answer when the last turn only marks the goal complete", async () => {
    t.mock.enqueue(
      sse.assistantMessage("the haiku: pipes hum at night", { phase: "final_answer" }),
    );
    t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    t.mock.enqueue([]);
    const thread = await t.codex.threadStart();
    const result = await thread.runGoal("write a haiku");
    expect(result.goal?.status).toBe("complete");
    expect(result.turns.map((turn) => turn.finalResponse)).toEqual([
      "the haiku: pipes hum at night",
      null,
    ]);
    expect(result.finalResponse).toBe("the haiku: pipes hum at night");
  });

  it("starts a fresh goal: nothing of the thread's earlier goal carries over", async () => {
    const thread = await t.codex.threadStart();
    // An earlier goal that spent its budget.
    t.mock.enqueue(sse.assistantMessage("spent"), {
      usage: { inputTokens: 100, outputTokens: 100 },
    });
    const first = await thread.runGoal("old objective", { tokenBudget: 50 });
    expect(first.goal?.status).toBe("budgetLimited");

    t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    t.mock.enqueueAssistantMessage("done");
    const second = await thread.runGoal("new objective");
    expect(second.goal).toMatchObject({ objective: "new objective", status: "complete" });
    expect(second.goal?.tokenBudget ?? null).toBeNull();
    expect(second.turns).toHaveLength(1);
    expect(second.finalResponse).toBe("done");
  });

  it("refuses a stored thread the server has not loaded, leaving its goal as it was", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("stored");
    await thread.run("hello");
    // Another server on the same home, which has not loaded the thread.
    await using other = await Codex.start({ env: { ...t.home.env }, cwd: t.workDir });
    const stored = other.thread(thread.id);
    await expect(stored.runGoal("do it")).rejects.toThrow(
      `thread ${thread.id} is not loaded on this server, which would run no turn for its goal`,
    );
    expect(await stored.goal()).toBeNull();
    expect(t.mock.responsesRequests).toHaveLength(1);
  });

  it("rejects an empty or oversized objective before any I/O", async () => {
    const thread = await t.codex.threadStart();
    await expect(thread.runGoal("   ")).rejects.toThrow("goal objective must not be empty");
    await expect(thread.setGoal("x".repeat(4001))).rejects.toThrow(/at most 4000/);
    await expect(thread.runGoal(42 as never)).rejects.toThrow(TypeError);
    expect(await thread.goal()).toBeNull();
    expect(t.mock.responsesRequests).toHaveLength(0);
  });

  it("aborting pauses the goal and interrupts its turn", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const running = thread.runGoal("never finishes", { signal: controller.signal });
    await gate.reached;
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    // The result is the turn the abort stopped, once it has ended.
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    expect((await thread.goal())?.status).toBe("paused");
    gate.release();
  });

  it("a timeout aborts it as a signal does: the goal paused, its turn interrupted", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart();
    let asked = false;
    void gate.reached.then(() => (asked = true));
    const err = await thread.runGoal("never finishes", { timeout: 2_000 }).catch((e: unknown) => e);
    // The time ran out while the model was being asked: the goal's turn was running.
    expect(asked).toBe(true);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as Error).message).toBe(
      "The turn was aborted: The goal run took longer than 2000 ms",
    );
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    expect((await thread.goal())?.status).toBe("paused");
    gate.release();
  });

  it("ends when another client interrupts its turn, and the turn queued behind it runs", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("a plain turn");
    const thread = await t.codex.threadStart();
    const started = new Promise<string>((resolve) => {
      const off = t.codex.on("turn/started", (p) => {
        off();
        resolve(p.turn.id);
      });
    });
    const running = thread.runGoal("interrupted elsewhere");
    const queued = thread.run("hello");
    const turnId = await started;
    await gate.reached;
    await t.codex.request("turn/interrupt", { threadId: thread.id, turnId });
    gate.release();
    const result = await running;
    expect(result.turns.map((turn) => turn.status)).toEqual(["interrupted"]);
    // The runtime leaves the goal active, and starts no further turn for it.
    expect(result.goal?.status).toBe("active");
    expect((await queued).finalResponse).toBe("a plain turn");
  });
});

describe("Thread.runGoal whose turn work sent from elsewhere interrupts", () => {
  // The runtime interrupts the goal's turn, runs the compaction or the review as a turn of its
  // own, then goes on with the goal in a new turn: the run follows them all.
  const interrupters = [
    {
      name: "a compaction",
      answer: "the compaction's summary",
      send: (threadId: string) => t.codex.request("thread/compact/start", { threadId }),
    },
    {
      name: "an inline review",
      answer: "the review's text",
      send: (threadId: string) =>
        t.codex.request("review/start", { threadId, target: { type: "uncommittedChanges" } }),
    },
  ];
  for (const interrupter of interrupters) {
    it(`follows the goal on after ${interrupter.name} sent through codex.request`, async () => {
      await gitWorkspace(t.workDir);
      const thread = await t.codex.threadStart({ cwd: t.workDir });
      const gate = t.mock.gate();
      t.mock.enqueue(sse.textDeltas(["working"]), { gate });
      t.mock.enqueueAssistantMessage(interrupter.answer);
      t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
      t.mock.enqueueAssistantMessage("the goal is done");
      const before = clientStats(t.codex);
      const running = thread.runGoal("finish the work", { timeout: 20_000 });
      await gate.reached;
      await interrupter.send(thread.id);
      gate.release();
      const result = await running;
      expect(result.goal?.status).toBe("complete");
      expect(result.turns[0]?.status).toBe("interrupted");
      expect(result.turns.at(-1)?.status).toBe("completed");
      expect(result.finalResponse).toBe("the goal is done");
      expect((await thread.goal())?.status).toBe("complete");
      // Nothing of the run is left behind: no listener, no timer's wait, no call.
      expect(clientStats(t.codex)).toEqual(before);
    });
  }

  it("keeps a turn queued behind the goal out of the goal's turns after a compaction", async () => {
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("the compaction's summary");
    t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    t.mock.enqueueAssistantMessage("the goal is done");
    t.mock.enqueueAssistantMessage("the plain answer");
    const running = thread.runGoal("finish the work", { timeout: 20_000 });
    const queued = thread.run("a plain question", { timeout: 20_000 });
    await gate.reached;
    await t.codex.request("thread/compact/start", { threadId: thread.id });
    gate.release();
    const result = await running;
    expect(result.goal?.status).toBe("complete");
    // The queued turn ran after the goal, on its own: its answer is not the goal's.
    const plain = await queued;
    expect(plain.finalResponse).toBe("the plain answer");
    expect(result.turns.map((turn) => turn.id)).not.toContain(plain.id);
  });
});

describe("Thread.runGoal aborted before its turn started", () => {
  it("interrupts the turn when it starts, and the turn queued behind runs on its own", async () => {
    // The abort comes as the goal's turn/started passes the relay: the server has started the
    // turn, and the client has not seen it yet, whatever the host's load.
    await using relayed = await abortingAt("turn/started", () => true);
    const { controller } = relayed;
    const gate = relayed.mock.gate();
    relayed.mock.enqueue(sse.textDeltas(["the goal's turn"]), { gate });
    relayed.mock.enqueueAssistantMessage("the queued turn");
    const thread = await relayed.codex.threadStart();
    const ended = new Map<string, string>();
    const offEnded = relayed.codex.on("turn/completed", ({ turn }) => {
      ended.set(turn.id, turn.status);
    });
    const running = thread.runGoal("an objective", { signal: controller.signal });
    const queued = thread.run("after the goal");
    const err = await running.catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
    gate.release();
    const result = await queued;
    offEnded();
    // The goal's turn, started as the abort came, was interrupted; the queued turn ran after it.
    expect([...ended]).toEqual([
      [expect.not.stringMatching(result.id), "interrupted"],
      [result.id, "completed"],
    ]);
    expect((await thread.goal())?.status).toBe("paused");
  });
});

describe("Thread.runGoal aborted as the model completes the goal", () => {
  it("leaves the goal complete: the pause the server read after the completion is taken back", async () => {
    // The abort comes as the goal's `complete` update passes the relay: the server has completed
    // the goal (the model called update_goal), and the client has not read it yet.
    await using relayed = await abortingAt(
      "thread/goal/updated",
      (message) =>
        (message as { params?: { goal?: { status?: string } } }).params?.goal?.status ===
        "complete",
    );
    const { controller } = relayed;
    relayed.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    relayed.mock.enqueueAssistantMessage("the goal is done");
    const thread = await relayed.codex.threadStart();
    const statuses: string[] = [];
    relayed.codex.on("thread/goal/updated", ({ goal }) => statuses.push(goal.status));
    const err = await thread
      .runGoal("an objective", { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect(statuses.slice(0, 2)).toEqual(["active", "complete"]);
    expect((await thread.goal())?.status).toBe("complete");
  });
});

describe("a turn asked for while the server runs a goal's turn", () => {
  it("is that turn, active from the start: interrupt() stops it at once", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    // The model's next request, which the message joining the turn may bring, is held too.
    t.mock.enqueue(sse.textDeltas(["still working"]), { gate });
    const thread = await t.codex.threadStart();
    const goalTurn = new Promise<string>((resolve) => {
      const off = t.codex.on("turn/started", (params) => {
        off();
        resolve(params.turn.id);
      });
    });
    // The server starts a turn by itself for an active goal.
    await thread.setGoal("keep working");
    await gate.reached;
    const turn = await thread.turn("hello");
    expect(turn.id).toBe(await goalTurn);
    const events = turn.stream();
    const t0 = performance.now();
    await turn.interrupt({ timeout: 5_000 });
    expect((await turn.run({ timeout: 5_000 })).status).toBe("interrupted");
    // Not the ten seconds the SDK gives a turn it never saw start.
    expect(performance.now() - t0).toBeLessThan(5_000);
    const first = await events.next();
    expect(first.value?.method).toBe("turn/started");
    gate.release();
    await thread.setGoalStatus("paused");
  });
});

describe("goal controls", () => {
  it("sets, pauses and clears a goal", async () => {
    const thread = await t.codex.threadStart();
    const goal = await thread.setGoal("tidy the docs", { status: "paused", tokenBudget: 5000 });
    expect(goal).toMatchObject({ objective: "tidy the docs", status: "paused", tokenBudget: 5000 });
    expect((await thread.setGoalStatus("blocked")).status).toBe("blocked");
    expect(await thread.clearGoal()).toBe(true);
    expect(await thread.goal()).toBeNull();
  });

  it("tells the model of a goal its user set (origin), and removes a budget (tokenBudget: null)", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("one");
    await thread.run("hello");
    await thread.setGoal("OBJECTIVE-WITHOUT-ORIGIN", { status: "paused", tokenBudget: 50 });
    t.mock.enqueueAssistantMessage("two");
    await thread.run("again");
    expect(t.mock.responsesRequests.at(-1)!.rawBody).not.toContain("OBJECTIVE-WITHOUT-ORIGIN");
    const edited = await thread.setGoal("OBJECTIVE-OF-THE-USER", {
      status: "paused",
      origin: "user",
      tokenBudget: null,
    });
    expect(edited).toMatchObject({ objective: "OBJECTIVE-OF-THE-USER", tokenBudget: null });
    t.mock.enqueueAssistantMessage("three");
    await thread.run("once more");
    expect(t.mock.responsesRequests.at(-1)!.rawBody).toContain("OBJECTIVE-OF-THE-USER");
    expect((await thread.setGoalStatus("blocked", { origin: "automatic" })).status).toBe("blocked");
    expect(await thread.clearGoal({ origin: "user" })).toBe(true);
    await expect(thread.clearGoal({ origin: "admin" as never })).rejects.toThrow(
      'origin must be "user" or "automatic"; got "admin"',
    );
  });
});
