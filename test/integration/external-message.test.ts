import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { InvalidRequestError, externalMessage, type TurnEvent } from "../../src/index.js";
import {
  functionCallOutputs,
  inputTexts,
  sse,
  type RecordedRequest,
  type ToolCallOutput,
} from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

/** The tool outputs without a call id: what external messages become in the model's input. */
function externalOutputs(request: RecordedRequest): ToolCallOutput[] {
  return functionCallOutputs(request).filter((output) => output.call_id === null);
}

describe("externalMessage as turn input", () => {
  it("reaches the model as a tool output of the named tool, with no user message", async () => {
    t.mock.enqueueAssistantMessage("The staging checks failed; I will look.");
    const thread = await t.codex.threadStart();
    const result = await thread.run(
      externalMessage("notifications", "Deployment notification: the staging checks failed.", {
        namespace: "slack",
      }),
    );

    expect(result.finalResponse).toBe("The staging checks failed; I will look.");
    const delivered = result.items.filter((item) => item.type === "functionCallOutput");
    expect(delivered).toMatchObject([
      {
        name: "notifications",
        namespace: "slack",
        output: "Deployment notification: the staging checks failed.",
      },
    ]);
    expect(result.items.some((item) => item.type === "userMessage")).toBe(false);

    const request = t.mock.responsesRequests[0]!;
    expect(externalOutputs(request)).toMatchObject([
      {
        name: "notifications",
        namespace: "slack",
        output: "Deployment notification: the staging checks failed.",
      },
    ]);
    expect(inputTexts(request)).not.toContain(
      "Deployment notification: the staging checks failed.",
    );
  });

  it("passes structured content items through as the tool's output", async () => {
    t.mock.enqueueAssistantMessage("noted");
    const thread = await t.codex.threadStart();
    await thread.run(externalMessage("scanner", [{ type: "input_text", text: "3 findings" }]));
    expect(externalOutputs(t.mock.responsesRequests[0]!)).toMatchObject([
      { name: "scanner", output: [{ type: "input_text", text: "3 findings" }] },
    ]);
  });
});

describe("TurnHandle.steer with an external message", () => {
  it("joins the running turn, whose next model request carries the message", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue([sse.assistantMessage("working on it", { phase: "commentary" })], { gate });
    t.mock.enqueueAssistantMessage("Done, and I saw the alert.");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("Do the work.");
    await gate.reached;

    const steered = await turn.steer(externalMessage("alerts", "CPU is at 95%."));
    expect(steered.turnId).toBe(turn.id);
    gate.release();

    const events: TurnEvent[] = [];
    for await (const event of turn.stream()) events.push(event);
    const completed = events.filter((e) => e.method === "item/completed");
    expect(completed.map((e) => e.params.item.type)).toEqual([
      "userMessage",
      "agentMessage",
      "functionCallOutput",
      "agentMessage",
    ]);
    expect(t.mock.responsesRequests).toHaveLength(2);
    expect(externalOutputs(t.mock.responsesRequests[1]!)).toMatchObject([
      { name: "alerts", output: "CPU is at 95%." },
    ]);
    expect((await turn.run()).finalResponse).toBe("Done, and I saw the alert.");
  });

  it("refuses a finished turn without starting another", async () => {
    t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("go");
    await turn.run();
    await expect(turn.steer(externalMessage("alerts", "late"))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(t.mock.responsesRequests).toHaveLength(1);
  });

  it("refuses a message to a thread it unsubscribed from, saying so, while a text steer goes", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("Watch the deployment.");
    await gate.reached;
    await thread.unsubscribe();
    // It could start a turn this client would neither see nor stop.
    await expect(turn.steer(externalMessage("ci", "deploy failed"))).rejects.toThrow(
      `this client unsubscribed from thread ${thread.id}, so it would never see a turn's events there`,
    );
    // The turn still runs there: the server takes a text steer of it.
    expect((await turn.steer("and check the logs")).turnId).toBe(turn.id);
    gate.release();
    // A turn that completed before the thread was left is refused as finished, which it is.
    t.mock.enqueueAssistantMessage("gone");
    const other = await t.codex.threadStart();
    const done = await other.turn("go");
    await done.run();
    await other.unsubscribe();
    await expect(done.steer(externalMessage("ci", "late"))).rejects.toThrow(
      "no active turn to steer",
    );
  });

  it("refuses a turn it was asked to stop, so the next run is a turn of its own", async () => {
    for (const stop of ["interrupt", "abort"] as const) {
      t.mock.clearQueue();
      const gate = t.mock.gate();
      t.mock.enqueue(sse.textDeltas(["working"]), { gate });
      t.mock.enqueueAssistantMessage("four");
      const thread = await t.codex.threadStart();
      const controller = new AbortController();
      const turn = await thread.turn("Watch the deployment.", { signal: controller.signal });
      await gate.reached;
      const before = t.mock.responsesRequests.length;
      if (stop === "interrupt") await turn.interrupt();
      else controller.abort();

      const steered = turn.steer(externalMessage("ci", "deploy failed"));
      await expect(steered).rejects.toBeInstanceOf(InvalidRequestError);
      await turn.run().catch(() => undefined);
      const next = await thread.run("What is 2+2?");
      expect(next.id).not.toBe(turn.id);
      expect(next.finalResponse).toBe("four");
      const { data } = await thread.turnList();
      expect(data.map((listed) => listed.id).sort()).toEqual([turn.id, next.id].sort());
      expect(t.mock.responsesRequests.length - before, stop).toBe(1);
    }
  });
});
