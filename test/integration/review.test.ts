import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  InvalidRequestError,
  TurnAbortedError,
  TurnFailedError,
  type Thread,
  type TurnEvent,
} from "../../src/index.js";
import { clientStats, functionCallOutputs, inputTexts, sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { gitWorkspace } from "../support/git-workspace.js";
import { lookupTool } from "../support/lookup-tool.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
  await gitWorkspace(t.workDir);
});
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await t.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** What a reviewer model answers: the JSON the runtime renders into the review's text. */
function reviewerAnswer(dir: string, title = "add subtracts"): string {
  return JSON.stringify({
    findings: [
      {
        title,
        body: "The adder now returns a - b.",
        confidence_score: 0.9,
        priority: 1,
        code_location: {
          absolute_file_path: path.join(dir, "app.js"),
          line_range: { start: 1, end: 1 },
        },
      },
    ],
    overall_correctness: "patch is incorrect",
    overall_explanation: "The change breaks addition.",
    overall_confidence_score: 0.8,
  });
}

async function collect(stream: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function turnCount(thread: Thread): Promise<number> {
  let count = 0;
  for await (const _ of thread.turns()) count++;
  return count;
}

describe("Thread.review", () => {
  it("reviews uncommitted changes: the findings in result.review, the text as finalResponse", async () => {
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const review = await thread.review("uncommittedChanges");
    expect(review.threadId).toBe(thread.id);
    const [events, result] = await Promise.all([collect(review.stream()), review.run()]);

    expect(result.status).toBe("completed");
    expect(result.id).toBe(review.id);
    expect(result.review).toContain("The change breaks addition.");
    expect(result.review).toContain("add subtracts");
    expect(result.finalResponse).toBe(result.review);
    const types = result.items.map((item) => item.type);
    expect(types).toContain("enteredReviewMode");
    expect(types).toContain("exitedReviewMode");

    // The review's turn/started names another turn, whose root is the review's.
    const started = events.find((e) => e.method === "turn/started");
    expect(started?.method === "turn/started" && started.params.turn.rootTurnId).toBe(review.id);
    expect(events.at(-1)?.method).toBe("turn/completed");

    const prompt = inputTexts(t.mock.responsesRequests[0]!).join("\n");
    expect(prompt).toMatch(/uncommitted|current code changes/i);
  });

  it("asks no approval of its handlers: the runtime runs a review with approval policy never", async () => {
    // A thread whose client answers approvals; the review's model asks to run a command outside
    // the sandbox, which a turn of the thread would ask this client about.
    const thread = await t.codex.threadStart({
      cwd: t.workDir,
      sandbox: "readOnly",
      approvalMode: "askUser",
    });
    t.mock.enqueue(
      sse.functionCall("exec_command", {
        cmd: "cat app.js",
        sandbox_permissions: "require_escalated",
        justification: "read the file",
      }),
    );
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const asked: string[] = [];
    const review = await thread.review("uncommittedChanges", {
      approvals: {
        commandExecution: (params) => {
          asked.push(params.command ?? "");
          return { decision: "accept" };
        },
      },
    });
    expect((await review.run()).status).toBe("completed");
    expect(asked).toEqual([]);
    // The model is told it may not ask: the docs say so of ReviewOptions.approvals.
    const [output] = functionCallOutputs(t.mock.responsesRequests.at(-1));
    expect(String(output?.output)).toContain("approval policy is Never");
  });

  it("leaves a thread resumed after an inline review free for a compaction at once", async () => {
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    t.mock.enqueueAssistantMessage("summary");
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    await (await thread.review("uncommittedChanges")).run();
    // The runtime answers this resume with the thread active, though it runs nothing.
    const resumed = await t.codex.threadResume(thread.id);
    await expect(resumed.compact({ timeout: 300 })).resolves.toEqual({});
    await vi.waitFor(() => expect(clientStats(t.codex)).toMatchObject({ "router.running": 0 }));
  });

  it("reverts, and forks, to before an inline review by the id its handle and result give", async () => {
    t.mock.enqueueAssistantMessage("noted");
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const first = await thread.run("first");
    const review = await (await thread.review("uncommittedChanges")).run();
    const turnIds = async (of: Thread) => {
      const ids: string[] = [];
      for await (const turn of of.turns()) ids.push(turn.id);
      return ids;
    };
    // The runtime keeps the review as the turn it ran in, then the review's own.
    expect(await turnIds(thread)).toHaveLength(3);
    const fork = await t.codex.threadFork(thread.id, { beforeTurnId: review.id });
    expect(await turnIds(fork)).toEqual([first.id]);
    await thread.revert(review.id);
    expect(await turnIds(thread)).toEqual([first.id]);
    // An id that is no review's is refused as before.
    await expect(thread.revert("not-a-turn")).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("sends each kind of target to the model", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: t.workDir, encoding: "utf8" });
    const targets = [
      { target: { baseBranch: "main" }, expected: "main" },
      { target: { commit: sha.trim(), title: "add an adder" }, expected: "add an adder" },
      { target: { instructions: "Check app.js for arithmetic bugs." }, expected: "arithmetic" },
    ] as const;
    for (const [i, { target, expected }] of targets.entries()) {
      t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir, `finding ${i}`));
      const result = await (await thread.review(target)).run();
      expect(result.review).toContain(`finding ${i}`);
      expect(inputTexts(t.mock.responsesRequests[i]!).join("\n")).toContain(expected);
    }
  });

  it("interrupts through the turn the runtime started, from the moment the handle exists", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const review = await thread.review("uncommittedChanges");
    await review.interrupt();
    const result = await review.run();
    expect(result.status).toBe("interrupted");
    gate.release();
  });

  it("an abort interrupts the review, and frees the thread", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const controller = new AbortController();
    const review = await thread.review("uncommittedChanges", { signal: controller.signal });
    await gate.reached;
    controller.abort();
    // As for a turn: the handle's run() says the caller's abort stopped it.
    const err = await review.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    gate.release();

    t.mock.enqueueAssistantMessage("fresh");
    expect((await thread.run("again")).finalResponse).toBe("fresh");
  });

  it("leaves the thread's queue when its timeout or signal gives up, sending nothing", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["busy"]), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const first = await thread.turn("hold the thread");
    await gate.reached;
    await expect(thread.review("uncommittedChanges", { timeout: 50 })).rejects.toMatchObject({
      name: "RequestTimeoutError",
      method: "review/start",
    });
    const controller = new AbortController();
    const reason = new Error("gave up");
    const aborted = thread.review("uncommittedChanges", { signal: controller.signal });
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    gate.release();
    expect((await first.run()).status).toBe("completed");
    // Neither review reached the model: only the first turn did, and the next one (a review the
    // server got would have reached the mock before that turn's request).
    t.mock.enqueueAssistantMessage("after");
    await thread.run("after");
    expect(t.mock.responsesRequests).toHaveLength(2);
  });

  it("run's signal interrupts the review and rejects with the partial result", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const review = await thread.review({ instructions: "Review app.js." });
    await gate.reached;
    const err = await review.run({ timeout: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    expect((err as TurnAbortedError).cause).toMatchObject({ name: "TimeoutError" });
    gate.release();
  });

  it("refuses steer before any I/O, as the runtime would", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.assistantMessage(reviewerAnswer(t.workDir)), { gate });
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const review = await thread.review("uncommittedChanges");
    const err = await review.steer("look harder").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).message).toMatch(/cannot steer a review/);
    expect((err as InvalidRequestError).method).toBe("turn/steer");
    gate.release();
    expect((await review.run()).status).toBe("completed");
    expect(t.mock.responsesRequests).toHaveLength(1);
  });

  it("runs a detached review on a fork and leaves the thread as it was", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    t.mock.enqueueAssistantMessage("noted");
    await thread.run("I changed app.js.");
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const review = await thread.review("uncommittedChanges", { delivery: "detached" });
    expect(review.threadId).not.toBe(thread.id);
    const result = await review.run();
    expect(result.review).toContain("add subtracts");
    expect(await turnCount(thread)).toBe(1);
    const fork = await t.codex.threadResume(review.threadId);
    const forkTurns = await fork.turnList({ sortDirection: "asc", itemsView: "full" });
    const forkItems = forkTurns.data.flatMap((turn) => turn.items.map((item) => item.type));
    expect(forkItems).toContain("exitedReviewMode");
  });

  it("says that a thread whose delete its detached review's fork refused was unloaded all the same", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir, tools: [lookupTool([])] });
    t.mock.enqueueAssistantMessage("noted");
    await thread.run("I changed app.js.");
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    await (await thread.review("uncommittedChanges", { delivery: "detached" })).run();
    const tools = clientStats(t.codex)["dispatcher.threadTools"]!;
    const err = await t.codex.threadDelete(thread.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).rpcMessage).toMatch(/forked history still references it/);
    expect((err as Error).message).toContain(
      `(the thread is not loaded on the server, which unloads it as it refuses: codex.threadResume("${thread.id}") loads it again)`,
    );
    expect(await t.codex.loadedThreads()).not.toContain(thread.id);
    // What the client kept for the thread went with it.
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(tools - 1);
    // Resumed, it runs turns again.
    const resumed = await t.codex.threadResume(thread.id);
    t.mock.enqueueAssistantMessage("back");
    expect((await resumed.run("again")).finalResponse).toBe("back");
  });

  it("makes a detached review's fork in the thread's queue, after this client's turn there", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    t.mock.enqueueAssistantMessage("noted");
    await thread.run("I changed app.js.");
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["fixing the adder"]), { gate });
    const fix = await thread.turn("Fix the adder.");
    await gate.reached;
    const forks: string[] = [];
    t.codex.on("thread/started", ({ thread: started }) => forks.push(started.id));
    // Queued behind the fix, it gives up there: no fork is made of a history mid-turn.
    await expect(
      thread.review("uncommittedChanges", { delivery: "detached", timeout: 300 }),
    ).rejects.toMatchObject({ name: "RequestTimeoutError", method: "review/start" });
    const queued = thread.review("uncommittedChanges", { delivery: "detached" });
    gate.release();
    const fixed = await fix.run();
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const review = await queued;
    expect(forks).toEqual([review.threadId]);
    expect((await review.run()).review).toContain("add subtracts");
    const fork = await t.codex.thread(review.threadId).turnList({ sortDirection: "asc" });
    expect(fork.data.find((turn) => turn.id === fixed.id)?.status).toBe("completed");
  });

  it("takes a detached review's place in the queue at the call: a turn asked for after it is not forked", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    t.mock.enqueueAssistantMessage("noted");
    await thread.run("I changed app.js.");
    // Whichever goes first gets a reviewer's answer: a plain turn shows it as text.
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const reviewing = thread.review("uncommittedChanges", { delivery: "detached" });
    const later = await thread.turn("asked after the review");
    const review = await reviewing;
    const [afterwards] = await Promise.all([later.run(), review.run()]);
    const fork = await t.codex.thread(review.threadId).turnList({ sortDirection: "asc" });
    expect(fork.data.map((turn) => turn.id)).not.toContain(afterwards.id);
  });

  it("keeps the thread's tool functions for the fork once its review is done", async () => {
    const calls: unknown[] = [];
    const thread = await t.codex.threadStart({
      cwd: t.workDir,
      tools: [lookupTool(calls)],
    });
    t.mock.enqueueAssistantMessage("noted");
    await thread.run("I changed app.js.");
    t.mock.enqueueAssistantMessage(reviewerAnswer(t.workDir));
    const review = await thread.review("uncommittedChanges", { delivery: "detached" });
    await review.run();
    // The fork stays, with the thread's tools: its later turns call them as the thread's do.
    t.mock.enqueue(sse.functionCall("lookup", { q: "x" }, { callId: "call_l" }));
    t.mock.enqueueAssistantMessage("done");
    await t.codex.thread(review.threadId).run("look x up");
    expect(calls).toEqual([{ q: "x" }]);
  });

  it("says why a thread without a turn cannot have a detached review", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const err = await thread
      .review("uncommittedChanges", { delivery: "detached" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(/at least one turn/);
    expect(t.mock.responsesRequests).toHaveLength(0);
  });

  it("keeps the fork's own error when asking why it was refused fails too", async () => {
    // A thread the runtime does not know: the fork is refused, and so is listing its turns.
    const unknown = t.codex.thread("01a23a1e-0000-7000-8000-000000000000");
    const forkError = await t.codex
      .request("thread/fork", { threadId: unknown.id })
      .catch((e: unknown) => e);
    expect(forkError).toBeInstanceOf(InvalidRequestError);
    const err = await unknown
      .review("uncommittedChanges", { delivery: "detached" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toBe((forkError as Error).message);
  });

  it("ends a review the runtime fails before it starts, and frees the thread", async () => {
    // No git repository there: the runtime answers review/start, then sends only an error for
    // the turn, with neither turn/started nor turn/completed.
    const plain = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-no-git-"));
    cleanups.push(() => rmSync(plain, { recursive: true, force: true }));
    const thread = await t.codex.threadStart({ cwd: plain });
    const handle = await thread.review({ baseBranch: "main" });
    const err = await handle.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).message).toMatch(/is not a git repository/);
    expect((err as TurnFailedError).result).toMatchObject({ id: handle.id, status: "failed" });
    t.mock.enqueueAssistantMessage("after");
    expect((await thread.run("after", { timeout: 10_000 })).finalResponse).toBe("after");
  });

  it("rejects bad targets and options before any I/O", async () => {
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    const bad: Array<[unknown, unknown]> = [
      ["everything", undefined],
      [{}, undefined],
      [{ baseBranch: "" }, undefined],
      [{ baseBranch: "  " }, undefined],
      [{ commit: " " }, undefined],
      [{ instructions: "\n" }, undefined],
      [{ commit: "abc", instructions: "both" }, undefined],
      [{ commit: "abc", title: 3 }, undefined],
      [null, undefined],
      ["uncommittedChanges", { delivery: "later" }],
      ["uncommittedChanges", { timeout: -1 }],
      ["uncommittedChanges", { signal: "stop" }],
    ];
    for (const [target, options] of bad) {
      let result!: Promise<unknown>;
      expect(() => (result = thread.review(target as never, options as never))).not.toThrow();
      const err = await result.catch((e: unknown) => e);
      expect(err, JSON.stringify(target)).toSatisfy(
        (e) => e instanceof TypeError || e instanceof RangeError,
      );
    }
    await expect(
      thread.review("uncommittedChanges", { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
    // Bad input is named before an aborted signal's reason, as every call names it.
    const aborted = AbortSignal.abort(new Error("gave up"));
    for (const delivery of ["inline", "detached"] as const) {
      await expect(
        thread.review("everything" as never, { delivery, signal: aborted }),
      ).rejects.toThrow(TypeError);
      await expect(
        thread.review("uncommittedChanges", { delivery: "later" as never, signal: aborted }),
      ).rejects.toThrow(TypeError);
    }
    // A review the server got would reach the mock only later, but before the next turn's request.
    t.mock.enqueueAssistantMessage("after");
    await thread.run("after");
    expect(t.mock.requests).toHaveLength(1);
  });
});
