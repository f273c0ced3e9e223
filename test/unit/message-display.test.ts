import { describe, expect, expectTypeOf, it } from "vitest";

import { ServerRequestDispatcher } from "../../src/server-requests.js";
import { SILENT } from "../../src/internal/logger.js";
import type { AgentMessageDisplay, ThreadItem } from "../../src/generated/index.js";
import { answerDisplay, isShown, messageDisplay } from "../../src/index.js";
import { Connection } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { Thread } from "../../src/thread.js";
import { FakeTransport } from "../support/fake-transport.js";

const BLOCK: AgentMessageDisplay = {
  mode: "block",
  version: 1,
  reason: { kind: "cyber", trustedAccess: false },
};
const HIDE: AgentMessageDisplay = {
  mode: "hide",
  version: 1,
  replacement: { kind: "wellbeingPromptHelpline" },
};
const SHOW: AgentMessageDisplay = {
  mode: "show",
  version: 1,
  annotation: { kind: "wellbeingHelpline", subject: "answer" },
  trustedContacts: "check",
};

const message = (
  text: string,
  display: AgentMessageDisplay | null,
  phase: "commentary" | "final_answer" | null = null,
): ThreadItem => ({
  type: "agentMessage",
  id: `m-${text}`,
  text,
  phase,
  moderation: display === null ? null : { moderated: true, display },
  memoryCitation: null,
  delivery: null,
  questions: null,
});

describe("messageDisplay", () => {
  it("gives the runtime's display instruction, typed as a union on mode", () => {
    const display = messageDisplay(message("x", HIDE));
    expect(display).toEqual(HIDE);
    if (display?.mode === "hide") expectTypeOf(display.replacement.kind).toBeString();
    if (display?.mode === "block") expectTypeOf(display.reason).toHaveProperty("kind");
  });

  it("gives null without an instruction, and for items that are not agent messages", () => {
    expect(messageDisplay(message("x", null))).toBeNull();
    const moderatedWithoutDisplay = {
      ...message("x", null),
      moderation: { moderated: true, display: null },
    } as ThreadItem;
    expect(messageDisplay(moderatedWithoutDisplay)).toBeNull();
    const reasoning = { type: "reasoning", id: "r", summary: [], content: [] } as ThreadItem;
    expect(messageDisplay(reasoning)).toBeNull();
  });
});

describe("isShown", () => {
  it("shows text without an instruction or in mode show, and nothing else", () => {
    expect(isShown(null)).toBe(true);
    expect(isShown(SHOW)).toBe(true);
    expect(isShown(HIDE)).toBe(false);
    expect(isShown(BLOCK)).toBe(false);
    // A mode from a newer runtime is not taken for permission to show.
    expect(isShown({ mode: "blur", version: 2 } as unknown as AgentMessageDisplay)).toBe(false);
  });

  it("names a display that is none", () => {
    for (const bad of [undefined, "show", 1]) {
      expect(() => isShown(bad as never)).toThrow(
        /^display must be a display instruction \(from messageDisplay\) or null, got /,
      );
    }
  });
});

describe("answerDisplay", () => {
  it("names a result that is none, and reads past items that are none", () => {
    for (const bad of [undefined, null, {}, { items: "x" }]) {
      expect(() => answerDisplay(bad as never)).toThrow(
        /^result must be a turn's result, with its items, got /,
      );
    }
    const items = [message("answer", HIDE, "final_answer"), null] as never;
    expect(answerDisplay({ items })).toEqual(HIDE);
  });

  it("reads the message finalResponse comes from, not a later one", () => {
    const items = [
      message("draft", null),
      message("answer", BLOCK, "final_answer"),
      message("afterthought", SHOW),
    ];
    expect(answerDisplay({ items })).toEqual(BLOCK);
    expect(answerDisplay({ items: [message("only commentary", HIDE, "commentary")] })).toBeNull();
  });

  it("reads no update sent while the turn went on as its answer, whatever its phase", () => {
    const update = { ...message("still working", HIDE, "final_answer"), delivery: "async" };
    const items = [update as ThreadItem, message("answer", SHOW)];
    expect(answerDisplay({ items })).toEqual(SHOW);
    expect(answerDisplay({ items: [update as ThreadItem] })).toBeNull();
  });

  it("reads moderation from a turn the server completed, through Thread.run", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const router = new Router(connection);
    const dispatcher = new ServerRequestDispatcher(router);
    const thread = new Thread({ connection, router, dispatcher, log: SILENT, events: "all" }, "th");

    const running = thread.run("go");
    const start = await transport.waitForSent(1);
    expect(start.method).toBe("turn/start");
    const turn = { id: "t1", items: [], status: "inProgress", error: null };
    transport.deliver({ id: start.id, result: { turn } });
    transport.deliver({
      method: "item/completed",
      params: { threadId: "th", turnId: "t1", item: message("blocked text", BLOCK) },
    });
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th", turn: { ...turn, status: "completed" } },
    });
    const result = await running;

    expect(result.finalResponse).toBe("blocked text");
    const display = answerDisplay(result);
    expect(isShown(display)).toBe(false);
    expect(display?.mode === "block" && display.reason.kind).toBe("cyber");
  });
});
