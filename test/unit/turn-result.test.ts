import { describe, expect, expectTypeOf, it, vi } from "vitest";
import type { ThreadItem, Turn } from "../../src/generated/index.js";
import { Log } from "../../src/internal/logger.js";
import { assembleResult, pickFinalResponse, type TurnResult } from "../../src/result.js";
import type { RawNotification } from "../../src/rpc/connection.js";
import { TurnCollector } from "../../src/turn.js";

const message = (text: string, phase: "commentary" | "final_answer" | null = null) =>
  ({ type: "agentMessage", id: `m-${text}`, text, phase }) as unknown as ThreadItem;
const other = { type: "reasoning", id: "r", summary: [], content: [] } as unknown as ThreadItem;

describe("pickFinalResponse", () => {
  it("prefers the latest final_answer over later phase-less messages", () => {
    const items = [message("draft"), message("answer", "final_answer"), message("later")];
    expect(pickFinalResponse(items)).toBe("answer");
  });

  it("takes the latest phase-less message when there is no final_answer", () => {
    expect(pickFinalResponse([message("one"), other, message("two")])).toBe("two");
  });

  it("keeps an empty string rather than treating it as missing", () => {
    expect(pickFinalResponse([message("")])).toBe("");
  });

  it("gives null for commentary-only turns", () => {
    expect(pickFinalResponse([message("thinking", "commentary"), other])).toBeNull();
  });
});

describe("assembleResult", () => {
  it("types the items as read-only: every run() of a turn resolves with the same result", () => {
    expectTypeOf<TurnResult["items"]>().toEqualTypeOf<readonly ThreadItem[]>();
  });

  const turn = (items: ThreadItem[]): Turn =>
    ({
      id: "t1",
      status: "completed",
      error: null,
      startedAt: 10,
      completedAt: 12,
      durationMs: 2000,
      items,
    }) as unknown as Turn;

  it("copies the completion's fields and uses the collected items", () => {
    const result = assembleResult(turn([]), [message("hi")], null, false);
    expect(result).toMatchObject({
      id: "t1",
      status: "completed",
      startedAt: 10,
      completedAt: 12,
      durationMs: 2000,
      finalResponse: "hi",
    });
    expect(result.items).toHaveLength(1);
  });

  it("falls back to the completion's agent messages when item events were lost, keeping the rest", () => {
    const result = assembleResult(turn([message("from completion")]), [other], null, false);
    expect(result.finalResponse).toBe("from completion");
    expect(result.items.map((item) => item.id)).toEqual(["r", "m-from completion"]);
  });

  it("takes no answer from a completion's message under the id of an item collected", () => {
    // The server's fault: the message the completion carries has the reasoning item's id.
    const clashing = { ...message("not among the items"), id: "r" } as ThreadItem;
    const result = assembleResult(turn([clashing, message("joined")]), [other], null, false);
    expect(result.finalResponse).toBe("joined");
    expect(result.items.map((item) => item.id)).toEqual(["r", "m-joined"]);
    const alone = assembleResult(turn([clashing]), [other], null, false);
    expect(alone).toMatchObject({ finalResponse: null, items: [other] });
  });

  it("gives a review's output only for a code review, from the items or else the completion", () => {
    const exited = { type: "exitedReviewMode", id: "r", review: "looks fine" } as ThreadItem;
    expect(assembleResult(turn([]), [exited], null, true).review).toBe("looks fine");
    expect(assembleResult(turn([exited]), [], null, true).review).toBe("looks fine");
    expect(assembleResult(turn([exited]), [exited], null, false).review).toBeNull();
  });
});

describe("TurnCollector", () => {
  const THREAD = "th";
  const TURN = "t1";
  const event = (method: string, params: Record<string, unknown>): RawNotification => ({
    method,
    params: { threadId: THREAD, ...params },
  });

  function collector(review = false) {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    return { collector: new TurnCollector(false, new Log(logger), { review }), warnings };
  }

  it.each<[string, RawNotification]>([
    ["an item that is a number", event("item/completed", { turnId: TURN, item: 5 })],
    ["an item that is an array", event("item/completed", { turnId: TURN, item: [] })],
    ["an item without a type", event("item/completed", { turnId: TURN, item: { id: "i" } })],
    ["an item typed by a number", event("item/completed", { turnId: TURN, item: { type: 5 } })],
    ["no item", event("item/completed", { turnId: TURN })],
    ["a started item that is null", event("item/started", { turnId: TURN, item: null })],
    ["no started item", event("item/started", { turnId: TURN })],
    ["usage that is an array", event("thread/tokenUsage/updated", { tokenUsage: [] })],
    ["usage that is null", event("thread/tokenUsage/updated", { tokenUsage: null })],
    ["usage that is a string", event("thread/tokenUsage/updated", { tokenUsage: "x" })],
    ["a completion without a status", event("turn/completed", { turn: { id: TURN } })],
    ["a completion whose id is a number", event("turn/completed", { turn: { id: 1 } })],
    ["a completion whose turn is an array", event("turn/completed", { turn: [] })],
  ])("drops %s with a warning, and the turn completes after it", (_, bad) => {
    const { collector: c, warnings } = collector();
    c.push(event("item/completed", { turnId: TURN, item: message("kept") }));
    expect(c.push(bad)).toBe(false);
    expect(warnings).toEqual([`codex-app-server-sdk: dropped a malformed ${bad.method} event`]);
    expect(c.result).toBeUndefined();
    const usage = { total: { totalTokens: 3 } };
    c.push(event("thread/tokenUsage/updated", { turnId: TURN, tokenUsage: usage }));
    const done = c.push(
      event("turn/completed", { turn: { id: TURN, status: "completed", items: [] } }),
    );
    expect(done).toBe(true);
    expect(c.result).toMatchObject({ id: TURN, finalResponse: "kept", usage });
    expect(c.result?.items).toEqual([message("kept")]);
  });

  it("ends, failed, at a final error for a turn that never started, and only then", () => {
    const failure = { message: "not a git repository", codexErrorInfo: "other" };
    const final = event("error", { turnId: TURN, error: failure, willRetry: false });
    // The runtime gave up on a review before it started: nothing more will come of it.
    const { collector: never } = collector(true);
    expect(never.push(final)).toBe(true);
    expect(never.result).toMatchObject({ id: TURN, status: "failed", error: failure });
    // A turn whose start this client did not see (one it joined) ends at its completion, which
    // follows (or 1 s after the error, should none come).
    const { collector: joined } = collector();
    expect(joined.push(final)).toBe(false);
    const completion = { id: TURN, status: "failed", error: failure, items: [] };
    expect(joined.push(event("turn/completed", { turn: completion }))).toBe(true);
    expect(joined.result).toMatchObject({ id: TURN, status: "failed", error: failure });
    // A retried error ends nothing, nor one of a started turn, whose turn/completed follows.
    const { collector: started } = collector();
    expect(started.push({ ...final, params: { ...final.params!, willRetry: true } })).toBe(false);
    started.push(event("turn/started", { turn: { id: TURN, status: "inProgress" } }));
    expect(started.push(final)).toBe(false);
    expect(started.result).toBeUndefined();
    // One without a message is dropped with a warning.
    const { collector: odd, warnings } = collector();
    expect(odd.push(event("error", { turnId: TURN, error: 5, willRetry: false }))).toBe(false);
    expect(warnings).toEqual(["codex-app-server-sdk: dropped a malformed error event"]);
  });

  it("arms no wait for a readable completion once the turn has ended", () => {
    // A turn given up on (its interrupt's wait over) may still be routed an unreadable completion.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const unreadable = event("turn/completed", { turn: { id: TURN } });
      const { collector: failed } = collector();
      failed.fail(new Error("given up on"));
      expect(failed.push(unreadable)).toBe(false);
      const { collector: done } = collector();
      done.push(event("turn/completed", { turn: { id: TURN, status: "completed", items: [] } }));
      expect(done.push(unreadable)).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows each server request still open at the turn's end withdrawn, before its completion", async () => {
    const request = (method: string, requestId: number): RawNotification =>
      ({ ...event(method, { turnId: TURN }), requestId }) as RawNotification;
    const completion = event("turn/completed", {
      turn: { id: TURN, status: "interrupted", items: [] },
    });
    const streamed = new TurnCollector(true);
    streamed.push(request("item/commandExecution/requestApproval", 1));
    streamed.push(request("item/fileChange/requestApproval", 2));
    streamed.push(event("serverRequest/resolved", { requestId: 2 }));
    // A dynamic tool call's end is its item's item/completed, not a withdrawal.
    streamed.push(request("item/tool/call", 3));
    expect(streamed.push(completion)).toBe(true);
    const methods: unknown[] = [];
    for await (const n of streamed.reader()) methods.push([n.method, n.params]);
    expect(methods.slice(-3)).toEqual([
      ["item/tool/call", { threadId: THREAD, turnId: TURN }],
      ["serverRequest/resolved", { threadId: THREAD, requestId: 1 }],
      ["turn/completed", completion.params],
    ]);
    expect(methods).toHaveLength(6);
  });

  it("is active from its turn/started, and keeps the id it names", async () => {
    const { collector: c } = collector();
    const active = c.active;
    c.push(event("turn/started", { turn: { id: "started-id", status: "inProgress" } }));
    await active;
    expect(c.startedId).toBe("started-id");
  });
});
