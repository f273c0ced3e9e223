import { describe, expect, it } from "vitest";
import type { RawNotification } from "../../src/rpc/connection.js";
import { Connection } from "../../src/rpc/connection.js";
import { Router, type TurnSink } from "../../src/rpc/router.js";
import { pickReview } from "../../src/result.js";
import { reviewTarget, type ReviewTarget } from "../../src/review.js";
import { FakeTransport } from "../support/fake-transport.js";
import { takeSlot } from "../support/turn-slot.js";

function sink(): TurnSink & { events: RawNotification[] } {
  const events: RawNotification[] = [];
  return {
    events,
    push: (n) => {
      events.push(n);
      return n.method === "turn/completed";
    },
    fail: () => {},
  };
}

const started = (threadId: string, id: string, rootTurnId: string | null) => ({
  method: "turn/started",
  params: { threadId, turn: { id, rootTurnId, items: [], status: "inProgress" } },
});
const item = (threadId: string, turnId: string) => ({
  method: "item/completed",
  params: { threadId, turnId, item: { type: "agentMessage", id: "m", text: "x" } },
});
const completed = (threadId: string, id: string) => ({
  method: "turn/completed",
  params: { threadId, turn: { id, status: "completed", items: [] } },
});

describe("Router with childStart", () => {
  function setup() {
    const transport = new FakeTransport();
    const router = new Router(new Connection(transport));
    return { transport, router };
  }

  it("routes a child turn's turn/started to the review, held before bind and live after", () => {
    const { transport, router } = setup();
    const held = takeSlot(router, "th");
    transport.deliver(started("th", "child", "review"));
    transport.deliver(item("th", "review"));
    const s = sink();
    held.bind("review", s, { childStart: true });
    expect(s.events.map((n) => n.method)).toEqual(["turn/started", "item/completed"]);

    const live = takeSlot(router, "th2");
    const s2 = sink();
    live.bind("review2", s2, { childStart: true });
    transport.deliver(started("th2", "child2", "review2"));
    transport.deliver(completed("th2", "review2"));
    expect(s2.events.map((n) => n.method)).toEqual(["turn/started", "turn/completed"]);
    expect(router.stats.childStarts).toBe(1);
  });

  it("routes the events that name the child turn (a hook's) to the review, held and live, but not its completion", () => {
    const { transport, router } = setup();
    const hook = (threadId: string, turnId: string) => ({
      method: "hook/completed",
      params: { threadId, turnId, run: { eventName: "preToolUse", status: "blocked" } },
    });
    const held = takeSlot(router, "th");
    transport.deliver(started("th", "child", "review"));
    transport.deliver(hook("th", "child"));
    transport.deliver(completed("th", "child"));
    const s = sink();
    held.bind("review", s, { childStart: true });
    transport.deliver(hook("th", "child"));
    transport.deliver(completed("th", "child"));
    expect(s.events.map((n) => n.method)).toEqual([
      "turn/started",
      "hook/completed",
      "hook/completed",
    ]);
    transport.deliver(completed("th", "review"));
    expect(s.events.map((n) => n.method).at(-1)).toBe("turn/completed");
    expect(router.stats).toMatchObject({ childTurns: 0, childStarts: 0, turns: 0 });
  });

  it("takes the child turn's events from what was read before the thread ended, as live", () => {
    const { transport, router } = setup();
    const slot = takeSlot(router, "th");
    transport.deliver(started("th", "child", "review"));
    transport.deliver({
      method: "hook/completed",
      params: { threadId: "th", turnId: "child", run: { status: "blocked" } },
    });
    transport.deliver(completed("th", "child"));
    transport.deliver(completed("th", "review"));
    transport.deliver({ method: "thread/closed", params: { threadId: "th" } });
    const s = sink();
    expect(slot.bind("review", s, { childStart: true })).toBe("bound");
    expect(s.events.map((n) => n.method)).toEqual([
      "turn/started",
      "hook/completed",
      "turn/completed",
    ]);
    expect((s.events.at(-1)!.params as { turn: { id: string } }).turn.id).toBe("review");
  });

  it("routes nothing of another thread, nor a child start without the option", () => {
    const { transport, router } = setup();
    const s = sink();
    takeSlot(router, "th").bind("review", s, { childStart: true });
    transport.deliver(started("other", "child", "review"));
    const plain = sink();
    takeSlot(router, "th3").bind("turn", plain);
    transport.deliver(started("th3", "child", "turn"));
    expect(s.events).toEqual([]);
    expect(plain.events).toEqual([]);
  });

  it("replays no child start held for a turn bound without the option, and keeps no mapping", () => {
    const { transport, router } = setup();
    const slot = takeSlot(router, "th");
    transport.deliver(started("th", "child", "turn"));
    const plain = sink();
    slot.bind("turn", plain);
    expect(plain.events).toEqual([]);
    expect(router.stats.childTurns).toBe(0);
  });

  it("forgets the review once it completed", () => {
    const { transport, router } = setup();
    const s = sink();
    takeSlot(router, "th").bind("review", s, { childStart: true });
    transport.deliver(completed("th", "review"));
    expect(router.stats.childStarts).toBe(0);
    expect(router.stats.turns).toBe(0);
  });
});

describe("reviewTarget", () => {
  it("maps each form to the wire", () => {
    expect(reviewTarget("uncommittedChanges")).toEqual({ type: "uncommittedChanges" });
    expect(reviewTarget({ baseBranch: "main" })).toEqual({ type: "baseBranch", branch: "main" });
    expect(reviewTarget({ commit: "abc" })).toEqual({ type: "commit", sha: "abc", title: null });
    expect(reviewTarget({ commit: "abc", title: "t" })).toEqual({
      type: "commit",
      sha: "abc",
      title: "t",
    });
    expect(reviewTarget({ instructions: "look" })).toEqual({
      type: "custom",
      instructions: "look",
    });
  });

  it("names the accepted forms for anything else", () => {
    for (const bad of ["all", 1, [], {}, { baseBranch: "main", commit: "abc" }, { sha: "abc" }]) {
      expect(() => reviewTarget(bad)).toThrow(/review target must be "uncommittedChanges"/);
    }
    expect(() => reviewTarget({ instructions: "" })).toThrow(/instructions must be a non-empty/);
    // White space as the runtime trims it, U+0085 included.
    expect(() => reviewTarget({ instructions: "\u0085\u3000" })).toThrow(
      "instructions must not be only white space",
    );
    // A title only labels the commit: an empty one (a commit's subject may be) is none, as the
    // runtime reads it; one that is no string is refused.
    for (const title of ["", "  ", "\u0085\u3000", null]) {
      expect(reviewTarget({ commit: "abc", title } as never)).toEqual({
        type: "commit",
        sha: "abc",
        title: null,
      });
    }
    expect(() => reviewTarget({ commit: "abc", title: 5 } as never)).toThrow(
      "title must be a string, got number",
    );
    // The compiler refuses a target of two forms, too.
    // @ts-expect-error -- baseBranch and commit are two targets
    const two: ReviewTarget = { baseBranch: "main", commit: "abc" };
    expect(() => reviewTarget(two)).toThrow(/review target must be "uncommittedChanges"/);
  });

  it("refuses a string cut inside a character, before a detached review forks", () => {
    const cut = "\u{1F50D}".slice(0, 1);
    const cases: Array<[object, string]> = [
      [{ baseBranch: `main${cut}` }, "baseBranch"],
      [{ commit: `abc${cut}` }, "commit"],
      [{ commit: "abc", title: `t${cut}` }, "title"],
      [{ instructions: `look${cut}` }, "instructions"],
    ];
    for (const [target, name] of cases) {
      expect(() => reviewTarget(target)).toThrow(`${name} holds a lone surrogate`);
    }
  });
});

describe("pickReview", () => {
  it("takes the latest exitedReviewMode item's text", () => {
    expect(
      pickReview([
        { type: "enteredReviewMode", id: "a", review: "current changes" },
        { type: "exitedReviewMode", id: "b", review: "first" },
        { type: "exitedReviewMode", id: "c", review: "findings" },
      ]),
    ).toBe("findings");
    expect(pickReview([{ type: "enteredReviewMode", id: "a", review: "x" }])).toBeNull();
  });
});
