import { describe, expect, it } from "vitest";
import type { ThreadItem, Turn } from "../../src/generated/index.js";
import { assembleResult, pickFinalResponse } from "../../src/result.js";

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
    const result = assembleResult(turn([]), [message("hi")], null);
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

  it("falls back to the completion's agent messages when item events were lost", () => {
    const result = assembleResult(turn([message("from completion")]), [other], null);
    expect(result.finalResponse).toBe("from completion");
  });
});
