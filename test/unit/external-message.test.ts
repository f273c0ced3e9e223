import { describe, expect, it, vi } from "vitest";

import { CodexError, InvalidRequestError, externalMessage, text } from "../../src/index.js";
import { steerExternalMessage } from "../../src/external-message.js";
import { toToolOutput, toTurnInput, toUserInputs } from "../../src/inputs.js";
import { Connection, MAX_IN_FLIGHT, type RequestOptions } from "../../src/rpc/connection.js";
import { turnParams } from "../../src/thread.js";
import { FakeTransport } from "../support/fake-transport.js";

describe("externalMessage", () => {
  it("travels as toolOutput with no input items", () => {
    expect(
      toTurnInput(externalMessage("notifications", "CI failed", { namespace: "slack" })),
    ).toEqual({
      input: [],
      toolOutput: { name: "notifications", namespace: "slack", output: "CI failed" },
    });
    const parts = [
      { type: "input_text", text: "see this" },
      { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
    ] as const;
    expect(toTurnInput(externalMessage("scanner", parts))).toEqual({
      input: [],
      toolOutput: { name: "scanner", namespace: null, output: parts },
    });
  });

  it("rejects what the server could not take, before any I/O", () => {
    expect(() => toTurnInput(externalMessage("  ", "x"))).toThrow(/non-empty toolName/);
    expect(() => toTurnInput(externalMessage(42 as never, "x"))).toThrow(TypeError);
    expect(() => toTurnInput(externalMessage("t", 7 as never))).toThrow(/string or a list/);
    expect(() => toTurnInput(externalMessage("t", [{ text: "no type" }] as never))).toThrow(
      /item 0 needs a string type/,
    );
    expect(() => toTurnInput(externalMessage("t", [{ type: "input_text" }] as never))).toThrow(
      /needs a string text/,
    );
    for (const [namespace, got] of [
      [1, "1"],
      ["", '""'],
      [" ", '" "'],
    ] as const) {
      expect(() =>
        toTurnInput(externalMessage("t", "x", { namespace: namespace as never })),
      ).toThrow(`an external message's namespace must be a non-empty string or null, got ${got}`);
    }
  });

  it("is a whole input, never an item of a list", () => {
    const message = externalMessage("t", "x");
    expect(() => toUserInputs([text("hi"), message] as never)).toThrow(/whole input/);
    expect(() => turnParams("th", [message] as never, {})).toThrow(/whole input/);
  });

  it("goes into turn/start params; a raw toolOutput, which needs no input, is no turn option", () => {
    expect(turnParams("th", externalMessage("t", "x"), { effort: "low" })).toEqual({
      threadId: "th",
      input: [],
      toolOutput: { name: "t", namespace: null, output: "x" },
      effort: "low",
    });
  });
});

describe("what a queued turn sends", () => {
  it("is what was checked at the call, whatever the caller changes while the turn waits", () => {
    const item = { type: "input_text" as const, text: "3 findings" };
    const schema = { type: "object", properties: { n: { type: "number" } } };
    const params = turnParams("th", externalMessage("scanner", [item]), { outputSchema: schema });
    item.text = "cut \ud83d";
    schema.properties.n.type = "string";
    expect(params.toolOutput?.output).toEqual([{ type: "input_text", text: "3 findings" }]);
    expect(params.outputSchema).toEqual({ type: "object", properties: { n: { type: "number" } } });
  });

  it("reads each field once: what a getter gave the checks is what is sent", () => {
    const reads = { url: 0, kind: 0 };
    const png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
    const item = {
      type: "input_image" as const,
      get image_url() {
        return reads.url++ === 0 ? png : "https://example.com/a.png";
      },
    };
    const entry = {
      value: "v",
      get kind() {
        return reads.kind++ === 0 ? ("untrusted" as const) : ("bogus" as never);
      },
    };
    const params = turnParams("th", externalMessage("scanner", [item]), {
      additionalContext: { ci: entry },
    });
    expect(reads).toEqual({ url: 1, kind: 1 });
    expect(params.toolOutput?.output).toEqual([{ type: "input_image", image_url: png }]);
    expect(params.additionalContext).toEqual({ ci: { value: "v", kind: "untrusted" } });
  });
});

describe("steerExternalMessage", () => {
  const message = toToolOutput(externalMessage("alerts", "disk full"));
  // A target whose thread hold, running turn and stopped turns the test reads and sets;
  // `stopping` settles when a stop does.
  const target = (ended: boolean, stopping = (): Promise<void> => Promise.resolve()) => {
    const state = { holds: 0, running: undefined as string | undefined, stopped: [] as string[] };
    return Object.assign(state, {
      threadId: "th",
      id: "t1",
      ended,
      stopStarted: (turnId: string) => {
        state.stopped.push(turnId);
        return stopping();
      },
      holdThread: () => {
        state.holds++;
        let held = true;
        return () => {
          if (held) state.holds--;
          held = false;
        };
      },
      runningId: () => state.running,
      stopping: new Map<string, Promise<void>>(),
    });
  };

  // Steers the message into `at`, over a connection of its own; returns what was sent.
  async function steering(at: ReturnType<typeof target>, options?: RequestOptions) {
    const transport = new FakeTransport();
    const steered = steerExternalMessage(new Connection(transport), at, message, options);
    return { transport, steered, sent: await transport.waitForSent(1) };
  }

  it("refuses a turn that has ended, sending nothing", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const err = await steerExternalMessage(connection, target(true), message).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).rpcMessage).toBe("no active turn to steer");
    // Named as the request it would have been.
    expect((err as InvalidRequestError).method).toBe("turn/start");
    expect(transport.sent).toEqual([]);
  });

  it("joins the active turn through turn/start and answers with its id", async () => {
    const { transport, steered, sent } = await steering(target(false));
    expect(sent).toMatchObject({
      method: "turn/start",
      params: {
        threadId: "th",
        input: [],
        toolOutput: { name: "alerts", namespace: null, output: "disk full" },
      },
    });
    transport.deliver({ id: sent.id, result: { turn: { id: "t1" } } });
    await expect(steered).resolves.toEqual({ turnId: "t1" });
  });

  it("says which turn the message started when its turn ended on the way", async () => {
    let stop!: () => void;
    const steeredAt = target(false, () => new Promise<void>((resolve) => (stop = resolve)));
    const { transport, steered, sent } = await steering(steeredAt);
    // The thread stays taken while the answer may name a turn of the message's own.
    expect(steeredAt.holds).toBe(1);
    transport.deliver({ id: sent.id, result: { turn: { id: "t2" } } });
    // Its start, read with the answer (one chunk), is the message's turn's, not another client's.
    steeredAt.running = "t2";
    await vi.waitFor(() => expect(steeredAt.stopped).toEqual(["t2"]));
    // Until that turn is stopped: the turn queued next would join it.
    expect(steeredAt.holds).toBe(1);
    stop();
    const err = await steered.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toMatch(/turn t1 ended .* started turn t2 .* interrupted/);
    expect(steeredAt.holds).toBe(0);
  });

  it("tells a turn an earlier message started, stopped once, from another client's", async () => {
    let stop!: () => void;
    const steeredAt = target(false, () => new Promise<void>((resolve) => (stop = resolve)));
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const first = steerExternalMessage(connection, steeredAt, message);
    const second = steerExternalMessage(connection, steeredAt, message);
    const [one, two] = [await transport.waitForSent(1), await transport.waitForSent(2)];
    // The first started t2; the second, folded into it, is answered after t2's start was read.
    transport.deliver({ id: one.id, result: { turn: { id: "t2" } } });
    await vi.waitFor(() => expect(steeredAt.stopped).toEqual(["t2"]));
    steeredAt.running = "t2";
    transport.deliver({ id: two.id, result: { turn: { id: "t2" } } });
    stop();
    const errors = await Promise.all([first, second].map((s) => s.catch((e: unknown) => e)));
    expect(errors.map((e) => (e as Error).message)).toEqual([
      "turn t1 ended before the external message reached it; the message started turn t2 instead, which is interrupted",
      "turn t1 ended before the external message reached it; the message joined turn t2 instead, which an earlier message started, and which is interrupted",
    ]);
    expect(steeredAt.stopped).toEqual(["t2"]);
    expect(steeredAt.holds).toBe(0);
  });

  it("leaves a turn whose start came before the answer running: another client's", async () => {
    const steeredAt = target(false);
    const { transport, steered, sent } = await steering(steeredAt);
    steeredAt.running = "t3";
    transport.deliver({ id: sent.id, result: { turn: { id: "t3" } } });
    const err = await steered.catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/joined turn t3 instead, another client's/);
    expect(steeredAt.stopped).toEqual([]);
    expect(steeredAt.holds).toBe(0);
  });

  it("withdraws a message given up on while it waited for a place, freeing the thread", async () => {
    const steeredAt = target(false);
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const reads = Array.from({ length: MAX_IN_FLIGHT }, () =>
      connection.request("thread/read", { threadId: "th" }),
    );
    const steered = steerExternalMessage(connection, steeredAt, message, { timeout: 20 });
    await expect(steered).rejects.toMatchObject({ name: "RequestTimeoutError" });
    await vi.waitFor(() => expect(steeredAt.holds).toBe(0));
    for (const sent of transport.sent) transport.deliver({ id: sent.id, result: {} });
    await Promise.all(reads);
    expect(transport.sent.filter((m) => m.method === "turn/start")).toEqual([]);
    expect(steeredAt.stopped).toEqual([]);
  });

  it("keeps the thread taken past a caller giving up, until the answer comes", async () => {
    const steeredAt = target(false);
    const controller = new AbortController();
    const { transport, steered, sent } = await steering(steeredAt, { signal: controller.signal });
    controller.abort();
    await expect(steered).rejects.toMatchObject({ name: "AbortError" });
    expect(steeredAt.holds).toBe(1);
    // The late answer names the message's own turn: stopped, then the thread is free.
    transport.deliver({ id: sent.id, result: { turn: { id: "t4" } } });
    await vi.waitFor(() => expect(steeredAt.holds).toBe(0));
    expect(steeredAt.stopped).toEqual(["t4"]);
  });

  it("fails with a CodexError when the answer names no turn", async () => {
    for (const result of [{}, { turn: null }, { turn: { id: 7 } }]) {
      const { transport, steered, sent } = await steering(target(false));
      transport.deliver({ id: sent.id, result });
      await expect(steered).rejects.toEqual(
        new CodexError("the answer to turn/start names no turn"),
      );
    }
  });

  it("refuses a turn id holding control characters, which its error would quote", async () => {
    const at = target(false);
    const { transport, steered, sent } = await steering(at);
    transport.deliver({ id: sent.id, result: { turn: { id: "t\u001b]52;c;cm0gLXJm\u0007" } } });
    await expect(steered).rejects.toEqual(
      new CodexError("the answer to turn/start names a turn whose id holds control characters"),
    );
    expect(at.stopped).toEqual([]);
  });
});

describe("external message content", () => {
  it("is refused before any I/O when the runtime could not read an item, naming it", () => {
    const refusal = (content: unknown) => {
      try {
        toToolOutput({ type: "externalMessage", toolName: "t", namespace: null, content } as never);
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
    expect(refusal([, { type: "input_text", text: "x" }])).toBe(
      "external message content item 0 needs a string type, got undefined",
    );
    expect(refusal([{ type: "bogus" }])).toBe(
      'external message content item 0 has type "bogus"; the types are input_text, input_image, input_audio, encrypted_content',
    );
    expect(refusal([{ type: "input_image" }])).toBe(
      "external message content item 0 (input_image) needs a string image_url or file_id",
    );
    // An empty URL or file id would go to the model provider as it is; empty text is text.
    expect(refusal([{ type: "input_image", image_url: " " }])).toBe(
      "external message content item 0 (input_image) has an empty image_url",
    );
    expect(refusal([{ type: "input_image", file_id: "" }])).toBe(
      "external message content item 0 (input_image) has an empty file_id",
    );
    // The runtime refuses uploaded audio anywhere but in a turn's input, once the turn is sent.
    expect(refusal([{ type: "input_audio", file_id: "file_1" }])).toBe(
      "external message content item 0 (input_audio) gives a file_id: the runtime takes an " +
        'uploaded audio file as turn input only ({ type: "audio", fileId } in the turn\'s ' +
        "input), not in an external message",
    );
    expect(refusal([{ type: "input_text", text: "" }])).toBe("accepted");
    expect(refusal([{ type: "input_text", text: "\u{1F324}".slice(0, 1) }])).toMatch(
      /^external message content item 0\.text holds a lone surrogate/,
    );
    expect(refusal("\u{1F324}".slice(0, 1))).toMatch(/^an external message's content holds/);
    for (const field of ["toolName", "namespace"]) {
      expect(() =>
        toToolOutput({
          type: "externalMessage",
          toolName: "t",
          namespace: null,
          content: "x",
          [field]: "t\ud800",
        } as never),
      ).toThrow(`an external message's ${field} holds a lone surrogate`);
    }
    // A field the message does not have (a misspelt namespace) would be dropped without a word.
    expect(() =>
      toToolOutput({
        type: "externalMessage",
        toolName: "notifications",
        content: "hi",
        nameSpace: "slack",
      } as never),
    ).toThrow(
      'an external message has no field "nameSpace"; its fields are type, toolName, content, namespace',
    );
    // A field the runtime does not read would be dropped without a word.
    expect(refusal([{ type: "input_text", text: "x", extra: NaN }])).toBe(
      'external message content item 0 has no field "extra"; its fields are type, text',
    );
    // Every field given must be a string, though one would do.
    expect(refusal([{ type: "input_image", image_url: 5, file_id: "f" }])).toBe(
      "external message content item 0 (input_image) needs a string image_url or file_id",
    );
    expect(refusal([{ type: "input_image", file_id: "f", detail: "bogus" }])).toBe(
      'external message content item 0.detail must be one of auto, high, original, got "bogus"',
    );
    expect(refusal([{ type: "input_image", file_id: "f", detail: "high" }])).toBe("accepted");
    // A URL the runtime would refuse, or whose content it would leave out, as for an input item.
    expect(refusal([{ type: "input_image", image_url: "https://example.com/a.png" }])).toBe(
      "external message content item 0 (input_image) image_url must be a base64 data: URL " +
        "(data:<type>;base64,...), the only kind the runtime sends to the model: for a file, read " +
        "it and pass its data; fetch a remote image and pass its data",
    );
    expect(refusal([{ type: "input_image", image_url: "/tmp/a.png" }])).toMatch(
      /image_url must be a base64 data: URL/,
    );
    expect(refusal([{ type: "input_audio", audio_url: "data:audio/wav;base64,AA" }])).toMatch(
      /^external message content item 0 \(input_audio\) audio_url holds data that is not base64/,
    );
    expect(
      refusal([
        { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
      ]),
    ).toBe("accepted");
    // The runtime would keep the url alone.
    expect(
      refusal([{ type: "input_image", image_url: "data:image/png;base64,AA", file_id: "f" }]),
    ).toBe(
      "external message content item 0 (input_image) gives both image_url and file_id: give one of them",
    );
    expect(
      refusal([{ type: "input_audio", audio_url: "data:audio/wav;base64,AA", file_id: "f" }]),
    ).toMatch(/^external message content item 0 \(input_audio\) gives a file_id: /);
    expect(
      refusal([
        { type: "input_image", file_id: "f" },
        { type: "input_text", text: "ok" },
      ]),
    ).toBe("accepted");
  });
});
