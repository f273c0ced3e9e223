import { writeFile } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ApprovalMode,
  Codex,
  CodexError,
  InvalidRequestError,
  RequestTimeoutError,
  Sandbox,
  TurnAbortedError,
  TurnFailedError,
  audio,
  externalMessage,
  image,
  localAudio,
  localImage,
  text,
  type Thread,
  type TurnEvent,
} from "../../src/index.js";
import {
  clientStats,
  inputImages,
  inputItems,
  inputTexts,
  mockModelInfo,
  sse,
} from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { startStandin } from "../support/fault/standin.js";

// A 1x1 transparent PNG.
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

async function collect<T = TurnEvent>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("Thread.run", () => {
  it("returns the model's text, the completed items and the usage", async () => {
    t.mock.enqueueAssistantMessage("Hello from the mock.", {
      usage: { inputTokens: 11, outputTokens: 7 },
    });
    const thread = await t.codex.threadStart();
    const result = await thread.run("Say hello.");
    expect(result.finalResponse).toBe("Hello from the mock.");
    expect(result.status).toBe("completed");
    expect(result.items.some((item) => item.type === "agentMessage")).toBe(true);
    expect(result.usage?.total.inputTokens).toBe(11);
    expect(result.usage?.total.outputTokens).toBe(7);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);

    const request = t.mock.responsesRequests[0]!;
    expect(inputTexts(request)).toContain("Say hello.");
    expect((request.body as { model: string }).model).toBe("mock-model");
  });

  it("chooses finalResponse as the latest final_answer, else the latest phase-less message", async () => {
    const thread = await t.codex.threadStart();
    const cases: Array<[Parameters<typeof sse.assistantMessage>[], string | null]> = [
      [
        [
          ["draft", {}],
          ["the answer", { phase: "final_answer" }],
          ["afterthought", {}],
        ],
        "the answer",
      ],
      [
        [
          ["one", {}],
          ["two", {}],
        ],
        "two",
      ],
      [[["", {}]], ""],
      [[["thinking aloud", { phase: "commentary" }]], null],
      [[["so far", { phase: "partial_answer" }]], null],
    ];
    for (const [messages, expected] of cases) {
      t.mock.enqueue(messages.flatMap(([body, options]) => sse.assistantMessage(body, options)));
      const result = await thread.run("go");
      expect(result.finalResponse).toBe(expected);
    }
  });

  it("rejects with TurnFailedError carrying the model's message when the response fails", async () => {
    t.mock.enqueueFailure("the mock model broke");
    const thread = await t.codex.threadStart();
    const err = await thread.run("go").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    const failed = err as TurnFailedError;
    expect(failed.message).toContain("the mock model broke");
    expect(failed.result.status).toBe("failed");
    expect(failed.turnError?.message).toContain("the mock model broke");
  });

  it("sends an image data URL and a local image to the model as input_image", async () => {
    const file = path.join(t.workDir, "pixel.png");
    await writeFile(file, Buffer.from(PNG_BASE64, "base64"));
    t.mock.enqueueAssistantMessage("seen");
    const thread = await t.codex.threadStart();
    const result = await thread.run([
      text("Describe these."),
      image(`data:image/png;base64,${PNG_BASE64}`),
      localImage(file),
    ]);
    const images = inputImages(t.mock.responsesRequests[0]!);
    expect(images).toHaveLength(2);
    for (const part of images) expect(part.image_url).toMatch(/^data:image\/png;base64,/);

    // The stored message (its images with `detail: null`) goes out again as it is.
    const user = result.items.find((item) => item.type === "userMessage");
    if (user?.type !== "userMessage") throw new Error("no userMessage item");
    t.mock.enqueueAssistantMessage("seen again");
    expect((await thread.run(user.content)).finalResponse).toBe("seen again");
    expect(inputImages(t.mock.responsesRequests[1]!)).toHaveLength(4);
  });

  it("finds with inputImages the image a tool gave back to the model, as well as the user's", async () => {
    const file = path.join(t.workDir, "pixel.png");
    await writeFile(file, Buffer.from(PNG_BASE64, "base64"));
    t.mock.enqueue(sse.functionCall("view_image", { path: file }, { callId: "call-view" }));
    t.mock.enqueueAssistantMessage("seen");
    const thread = await t.codex.threadStart();
    await thread.run([
      text("Look at pixel.png, and this."),
      image(`data:image/png;base64,${PNG_BASE64}`),
    ]);
    // The second request: the user's image in its message, then view_image's in the call output.
    const images = inputImages(t.mock.responsesRequests[1]!);
    expect(images).toHaveLength(2);
    for (const part of images) expect(part.image_url).toMatch(/^data:image\/png;base64,/);
  });

  it("sends images by file id and audio by URL, file id and local file, as the runtime takes them", async () => {
    await t.close();
    const audioModel = mockModelInfo("mock-model", {
      input_modalities: ["text", "image", "audio"],
    });
    t = await createTestCodex({ home: { models: [audioModel] } });
    const file = path.join(t.workDir, "clip.wav");
    await writeFile(file, Buffer.from("RIFF", "latin1"));
    t.mock.enqueueAssistantMessage("heard");
    const thread = await t.codex.threadStart();
    await thread.run([
      text("Listen."),
      { type: "image", fileId: "file_img" },
      audio("data:audio/wav;base64,UklGRg=="),
      { type: "audio", fileId: "file_audio" },
      localAudio(file),
    ]);
    const message = inputItems(t.mock.responsesRequests[0]!).at(-1) as { content: unknown[] };
    expect(message.content).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "input_image", file_id: "file_img" }),
        { type: "input_audio", audio_url: "data:audio/wav;base64,UklGRg==" },
        { type: "input_audio", file_id: "file_audio" },
        { type: "input_audio", audio_url: "data:audio/wav;base64,UklGRg==" },
      ]),
    );
    // The testing kit finds an image given by file id, as the model got it.
    expect(inputImages(t.mock.responsesRequests[0]!)).toEqual([
      expect.objectContaining({ type: "input_image", file_id: "file_img" }),
    ]);
  });

  it("rejects an unknown sandbox before any request reaches the model", async () => {
    const thread = await t.codex.threadStart();
    await expect(thread.run("go", { sandbox: "workspace" as never })).rejects.toThrow(TypeError);
    // A turn the server got would reach the mock only later, but before the next turn's request.
    t.mock.enqueueAssistantMessage("after");
    await thread.run("after");
    expect(t.mock.responsesRequests).toHaveLength(1);
  });
});

describe("TurnHandle.stream", () => {
  it("keeps two threads' interleaved deltas apart, in order, while other calls still answer", async () => {
    const gateA = t.mock.gate();
    const gateB = t.mock.gate();
    const deltasA = ["a1", "a2", "a3", "a4"];
    const deltasB = ["b1", "b2", "b3", "b4"];
    t.mock.enqueue(sse.textDeltas(deltasA), { gate: gateA });
    const threadA = await t.codex.threadStart();
    const turnA = await threadA.turn("first");
    await gateA.reached;
    t.mock.enqueue(sse.textDeltas(deltasB), { gate: gateB });
    const threadB = await t.codex.threadStart();
    const turnB = await threadB.turn("second");
    await gateB.reached;

    const streamA = collect(turnA.stream());
    const streamB = collect(turnB.stream());
    const models = await t.codex.models();
    expect(models.data.length).toBeGreaterThan(0);
    gateB.release();
    gateA.release();

    const deltas = (events: TurnEvent[]) =>
      events.flatMap((e) => (e.method === "item/agentMessage/delta" ? [e.params.delta] : []));
    const [eventsA, eventsB] = await Promise.all([streamA, streamB]);
    expect(deltas(eventsA)).toEqual(deltasA);
    expect(deltas(eventsB)).toEqual(deltasB);
    expect(eventsA.at(-1)?.method).toBe("turn/completed");
    for (const e of eventsA) {
      if ("turnId" in e.params) expect(e.params.turnId).toBe(turnA.id);
    }
  });

  it("gives two consumers of one turn every event each", async () => {
    t.mock.enqueue(sse.textDeltas(["x", "y"]));
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("go");
    const [one, two] = await Promise.all([collect(turn.stream()), collect(turn.stream())]);
    expect(one.map((e) => e.method)).toEqual(two.map((e) => e.method));
    expect(one[0]?.method).toBe("turn/started");
    // Each notification says when the server emitted it.
    const started = one[0];
    if (started?.method !== "turn/started") throw new Error("no turn/started first");
    expect(started.emittedAtMs).toBeGreaterThan(Date.now() - 60_000);
    const result = await turn.run();
    expect(result.finalResponse).toBe("xy");
  });

  it("keeps nothing of a stream({ signal }) closed while its turn runs", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const heapUsed = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const streams = 20_000;
    // One signal for every stream, as a UI that reopens the stream on each reconnect keeps.
    const { signal } = new AbortController();
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["done"]), { gate });
    const turn = await thread.turn("a long turn");
    await gate.reached;
    const before = heapUsed();
    for (let i = 0; i < streams; i++) await turn.stream({ signal }).return!();
    // Each such stream kept about 1.3 KB until the turn's end (26 MB here).
    expect(heapUsed() - before).toBeLessThan(2 * 1024 * 1024);
    gate.release();
    expect((await turn.run()).finalResponse).toBe("done");
  });
});

describe("the runtime's limit on a turn's text", () => {
  it("refuses more than 2^20 characters before the wait for the thread, as the runtime would after it", async () => {
    const limit = 2 ** 20;
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("steered");
    const thread = await t.codex.threadStart();
    const running = await thread.turn("first");
    await gate.reached;
    // Counted in characters, over the text items together, and for an external message's text.
    const over = [
      () => thread.turn([text("a".repeat(limit / 2)), text("b".repeat(limit / 2 + 1))]),
      () => thread.run("\u{1F600}".repeat(limit + 1)),
      () => thread.run(externalMessage("ci", "x".repeat(limit + 1))),
      () => running.steer("s".repeat(limit + 1)),
      () => running.steer(text("s".repeat(limit + 1))),
    ];
    for (const call of over) {
      await expect(call()).rejects.toThrow(
        /holds 1,048,577 characters of text \(Unicode code points\), more than the 1,048,576/,
      );
    }
    // The runtime's own limit, turn and steer alike: one more character it refuses.
    const raw = (method: "turn/start" | "turn/steer", extra: object) =>
      t.codex
        .request(method, {
          threadId: thread.id,
          input: [{ type: "text", text: "r".repeat(limit + 1), text_elements: [] }],
          ...extra,
        })
        .catch((e: unknown) => e);
    expect(String(await raw("turn/steer", { expectedTurnId: running.id }))).toMatch(
      "Input exceeds the maximum length of 1048576 characters",
    );
    // Two characters of one emoji each: within the limit, as the runtime counts.
    await running.steer("\u{1F600}".repeat(limit / 2 + 1));
    gate.release();
    await running.run();
    expect(String(await raw("turn/start", {}))).toMatch("Input exceeds the maximum length");
    t.mock.enqueueAssistantMessage("all of it");
    expect((await thread.run("x".repeat(limit))).finalResponse).toBe("all of it");
  });
});

describe("TurnHandle controls", () => {
  it("steer returns the same turn id and reaches the model as a second request", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("done after steer");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("start something");
    await gate.reached;
    const steered = await turn.steer("also do this");
    expect(steered.turnId).toBe(turn.id);
    gate.release();
    const result = await turn.run();
    expect(result.status).toBe("completed");
    await t.mock.waitForRequests(2);
    expect(inputTexts(t.mock.responsesRequests[1]!)).toContain("also do this");
  });

  it("steer sends the wire's context and metadata with the input, and checks them first", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("after");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("first");
    await gate.reached;
    await expect(turn.steer("more", { clientUserMessageId: "" })).rejects.toThrow(
      "clientUserMessageId must be a non-empty string",
    );
    await expect(
      turn.steer(externalMessage("ci", "passed"), {
        additionalContext: { source: { value: "v", kind: "application" } },
      }),
    ).rejects.toThrow("an external message joins the turn through turn/start");
    await turn.steer("more", {
      additionalContext: { source: { value: "CONTEXT-OF-THE-STEER", kind: "application" } },
      responsesapiClientMetadata: { trace: "TRACE-OF-THE-STEER" },
    });
    gate.release();
    await turn.run();
    const last = t.mock.responsesRequests.at(-1)!;
    expect(last.rawBody).toContain("CONTEXT-OF-THE-STEER");
    expect(JSON.stringify(last.headers) + last.rawBody).toContain("TRACE-OF-THE-STEER");
  });

  it("sends a context value of 4,000 UTF-8 bytes whole, and refuses a longer one before any I/O", async () => {
    const thread = await t.codex.threadStart();
    // 4,000 bytes in 3,000 characters: the bound is the runtime's, in bytes.
    const value = `${"\u00e9".repeat(1000)}${"h".repeat(2000)}`;
    for (const kind of ["application", "untrusted"] as const) {
      await expect(
        thread.run("hi", { additionalContext: { notes: { value: `${value}h`, kind } } }),
      ).rejects.toThrow(
        new RangeError(
          'additionalContext["notes"].value is 4,001 bytes of UTF-8, more than the 4,000 the ' +
            "runtime keeps whole (it cuts out the middle)",
        ),
      );
    }
    expect(t.mock.responsesRequests).toHaveLength(0);
    for (const kind of ["application", "untrusted"] as const) {
      t.mock.enqueueAssistantMessage("ok");
      await thread.run("hello", { additionalContext: { notes: { value, kind } } });
      expect(t.mock.responsesRequests.at(-1)!.rawBody, kind).toContain(value);
    }
  });

  it("interrupt ends the turn interrupted, and the thread runs again afterwards", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("long task");
    await gate.reached;
    await turn.interrupt();
    const result = await turn.run();
    expect(result.status).toBe("interrupted");
    gate.release();

    t.mock.enqueueAssistantMessage("fresh");
    expect((await thread.run("again")).finalResponse).toBe("fresh");
  });

  it("an aborted signal interrupts through run and rejects with the partial result", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const running = thread.run("long task", { signal: controller.signal });
    await gate.reached;
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnAbortedError);
    expect((err as TurnAbortedError).name).toBe("AbortError");
    expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    gate.release();

    t.mock.enqueueAssistantMessage("fresh");
    expect((await thread.run("again")).finalResponse).toBe("fresh");
  });

  it("the signal of thread.turn serves its handle's run() and stream(): they reject as aborted", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["partial"]), { gate });
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn("long task", { signal: controller.signal });
    await gate.reached;
    const streamed = collect(turn.stream()).catch((e: unknown) => e);
    const ran = turn.run().catch((e: unknown) => e);
    // With signals of their own (never aborted), as without.
    const own = new AbortController().signal;
    const ranOwn = turn.run({ signal: own }).catch((e: unknown) => e);
    const streamedOwn = collect(turn.stream({ signal: own })).catch((e: unknown) => e);
    const texts = collect(turn.textStream({ signal: own })).catch((e: unknown) => e);
    controller.abort();
    for (const err of [await ran, await streamed, await ranOwn, await streamedOwn, await texts]) {
      expect(err).toBeInstanceOf(TurnAbortedError);
      expect((err as TurnAbortedError).result?.status).toBe("interrupted");
    }
    gate.release();

    // Aborted only after its turn completed (cleanup, say), the signal stopped nothing.
    const later = new AbortController();
    t.mock.enqueueAssistantMessage("done");
    const done = await thread.turn("short task", { signal: later.signal });
    expect((await done.run()).finalResponse).toBe("done");
    later.abort();
    expect((await done.run()).status).toBe("completed");
    expect((await collect(done.stream())).at(-1)?.method).toBe("turn/completed");
  });

  it("an already-aborted signal sends nothing", async () => {
    const thread = await t.codex.threadStart();
    await expect(thread.run("go", { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    // A turn the server got would reach the mock only later, but before the next turn's request.
    t.mock.enqueueAssistantMessage("after");
    await thread.run("after");
    expect(t.mock.responsesRequests).toHaveLength(1);
  });

  it("serializes two turns on one thread instead of folding them into one", async () => {
    t.mock.enqueueAssistantMessage("first");
    t.mock.enqueueAssistantMessage("second");
    const thread = await t.codex.threadStart();
    const [a, b] = await Promise.all([thread.run("one"), thread.run("two")]);
    expect(a.id).not.toBe(b.id);
    expect([a.finalResponse, b.finalResponse]).toEqual(["first", "second"]);
    expect(t.mock.responsesRequests).toHaveLength(2);
  });
});

describe("thread lifecycle", () => {
  it("resume and fork keep the thread's approval policy unless asked", async () => {
    const thread = await t.codex.threadStart({ approvalMode: ApprovalMode.denyAll });
    t.mock.enqueueAssistantMessage("stored");
    await thread.run("persist me");
    const resumed = await t.codex.request("thread/resume", { threadId: thread.id });
    expect(resumed.approvalPolicy).toBe("never");
    const viaSdk = await t.codex.threadResume(thread.id);
    expect(viaSdk.id).toBe(thread.id);
    const fork = await t.codex.threadFork(thread.id);
    expect(fork.id).not.toBe(thread.id);
    const forkState = await t.codex.request("thread/resume", { threadId: fork.id });
    expect(forkState.approvalPolicy).toBe("never");
  });

  it("lends a fork made by path the tools of the thread at that path, which the server forks", async () => {
    const calls: string[] = [];
    const pick = (answer: string) => ({
      name: "pick",
      description: "Picks a value",
      inputSchema: { type: "object", properties: {} },
      handler: () => {
        calls.push(answer);
        return answer;
      },
    });
    const a = await t.codex.threadStart({ tools: [pick("from A")] });
    const b = await t.codex.threadStart({ tools: [pick("from B")] });
    t.mock.enqueueAssistantMessage("stored");
    await b.run("persist me");
    const { path: stored } = (await b.read()).thread;
    // The server forks the thread at the path, and ignores the id given beside it.
    const fork = await t.codex.threadFork(a.id, { path: stored! });
    expect((await fork.read()).thread.forkedFromId).toBe(b.id);
    t.mock.enqueue(sse.functionCall("pick", {}, { callId: "call_pick" }));
    t.mock.enqueueAssistantMessage("picked");
    await fork.run("pick one");
    expect(calls).toEqual(["from B"]);
  });

  it("forks a thread into an ephemeral one that holds its history", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("first answer");
    await thread.run("first question");
    const fork = await t.codex.threadFork(thread.id, { ephemeral: true });
    t.mock.enqueueAssistantMessage("forked");
    expect((await fork.run("go on")).finalResponse).toBe("forked");
    // The fork holds the source's history: the model is given it.
    expect(JSON.stringify(t.mock.responsesRequests.at(-1)!.body)).toContain("first question");
    const stored = await t.codex.threadFork(thread.id);
    expect(await stored.turnList()).toMatchObject({ data: [{ items: expect.any(Array) }] });
  });

  it("takes a thread id in every spelling the runtime takes, and names it as the server does", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("stored");
    await thread.run("persist me");
    const { id } = thread;
    const spellings = [id.toUpperCase(), `urn:uuid:${id}`, `{${id}}`, id.replaceAll("-", "")];
    for (const spelling of spellings) {
      expect((await t.codex.threadResume(spelling)).id).toBe(id);
    }
    // A handle made from another spelling follows the thread's events: a compaction ends, and
    // the turn queued behind it runs.
    const handle = t.codex.thread(id.toUpperCase());
    expect(handle.id).toBe(id);
    t.mock.enqueueAssistantMessage("summary");
    await handle.compact();
    t.mock.enqueueAssistantMessage("again");
    expect((await handle.run("go")).finalResponse).toBe("again");
    // A spelling the runtime refuses is sent as it is, for the server to refuse.
    await expect(t.codex.threadResume(`URN:UUID:${id}`)).rejects.toThrow(/invalid/);
  });

  it("follows an unsubscribe sent through codex.request in another spelling of the thread id", async () => {
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    const inFlight = thread.run("one").catch((e: unknown) => e);
    await gate.reached;
    const queued = thread.run("two").catch((e: unknown) => e);
    const threadId = thread.id.toUpperCase();
    expect(await t.codex.request("thread/unsubscribe", { threadId })).toEqual({
      status: "unsubscribed",
    });
    for (const err of await Promise.all([inFlight, queued])) {
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toMatch(/unsubscribed from thread/);
    }
    gate.release();
  });

  it("reads with turns, renames, compacts, lists and archives", async () => {
    const thread = await t.codex.threadStart({ sandbox: Sandbox.readOnly });
    t.mock.enqueueAssistantMessage("kept");
    await thread.run("remember this");

    const read = await thread.read({ includeTurns: true });
    expect(read.thread.turns.length).toBe(1);

    await thread.setName("Renamed thread");
    expect((await thread.read()).thread.name).toBe("Renamed thread");
    // The server trims a name and refuses one left empty (InvalidRequestError): refused here.
    for (const blank of ["", " \n\t", "\u0085\u3000"]) {
      await expect(thread.setName(blank)).rejects.toThrow(
        new TypeError("name must not be empty or only white space"),
      );
    }
    expect((await thread.read()).thread.name).toBe("Renamed thread");

    t.mock.enqueueAssistantMessage("summary of the conversation");
    const compacted = new Promise<void>((resolve) => {
      const off = t.codex.on("item/completed", ({ item }) => {
        if (item.type !== "contextCompaction") return;
        off();
        resolve();
      });
    });
    await thread.compact();
    await t.mock.waitForRequests(2);
    await compacted;

    const listed = await t.codex.threadList({ archived: false });
    expect(listed.data.map((th) => th.id)).toContain(thread.id);
    await t.codex.threadArchive(thread.id);
    const archived = await t.codex.threadList({ archived: true });
    expect(archived.data.map((th) => th.id)).toContain(thread.id);
    const restored = await t.codex.threadUnarchive(thread.id);
    expect(restored.id).toBe(thread.id);
    // Unarchived, not loaded: its history reads, and a turn needs a resume first.
    expect((await restored.read()).thread.id).toBe(thread.id);
    const refused = await restored.run("again").catch((e: unknown) => e);
    expect((refused as InvalidRequestError).rpcMessage).toBe(`thread not found: ${thread.id}`);
    expect((refused as Error).message).toBe(
      `JSON-RPC error -32600 (turn/start): thread not found: ${thread.id} (a stored thread the ` +
        "server has not loaded, an unarchived one say, is loaded by codex.threadResume(id))",
    );
    const resumed = await t.codex.threadResume(thread.id);
    t.mock.enqueueAssistantMessage("back");
    expect((await resumed.run("again")).finalResponse).toBe("back");
  });
});

describe("compaction", () => {
  it("runs in the thread's queue: after the turn in flight, and before the turn asked for next", async () => {
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueueTextDeltas(["first"], { gate });
    const first = await thread.turn("one");
    await gate.reached;
    t.mock.enqueueAssistantMessage("summary of the conversation");
    t.mock.enqueueAssistantMessage("after the compaction");
    // Asked while the first turn runs: it waits for it, where the server would interrupt it.
    const compacted = thread.compact();
    const next = thread.run("two");
    gate.release();
    expect((await first.run()).status).toBe("completed");
    await expect(compacted).resolves.toEqual({});
    // Asked right after the compaction was accepted: it waits for the compaction to complete,
    // where the server would refuse it.
    const result = await next;
    expect(result).toMatchObject({ status: "completed", finalResponse: "after the compaction" });
    expect(await itemTypes(thread)).toEqual([
      ["userMessage", "agentMessage"],
      ["contextCompaction"],
      ["userMessage", "agentMessage"],
    ]);
  });
});

// A thread that ran a first turn, its compaction's summary queued behind a gate held closed.
async function threadWithHeldSummary() {
  const thread = await t.codex.threadStart();
  t.mock.enqueueAssistantMessage("first answer");
  await thread.run("first");
  const gate = t.mock.gate();
  t.mock.enqueue(sse.assistantMessage("summary"), { gate });
  return { thread, gate };
}

// The types of the items of each of the thread's turns, as the server stored them.
async function itemTypes(thread: Thread): Promise<string[][]> {
  const { thread: read } = await thread.read({ includeTurns: true });
  return read.turns.map((turn) => turn.items.map((item) => item.type));
}

// Runs a user's shell command on the thread, in a turn of its own; resolves once it runs, with
// what lets it end.
async function gatedShellCommand(thread: Thread): Promise<() => Promise<void>> {
  const gate = path.join(t.workDir, "shell-gate");
  const shellRuns = userShellStarted();
  await t.codex.request("thread/shellCommand", {
    threadId: thread.id,
    command: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo done`,
  });
  await shellRuns;
  return () => writeFile(gate, "");
}

// Resolves once a user's shell command starts on any thread.
function userShellStarted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = t.codex.on("item/started", ({ item }) => {
      if (item.type !== "commandExecution" || item.source !== "userShell") return;
      off();
      resolve();
    });
  });
}

// A client whose log says when a turn/start was refused as the thread's turn takes no input.
async function withRefusals(): Promise<{ refused: () => Promise<void> }> {
  let count = 0;
  let waiting: { at: number; wake: () => void } | undefined;
  const debug = (message: string) => {
    if (!message.includes("waits for the turn running there, which does not take its input"))
      return;
    count += 1;
    if (waiting !== undefined && count >= waiting.at) waiting.wake();
  };
  await t.close();
  const quiet = () => undefined;
  t = await createTestCodex({
    logger: { debug, info: quiet, warn: quiet, error: quiet },
    logLevel: "debug",
  });
  let seen = 0;
  return {
    // Resolves at the next refusal not yet waited for.
    refused: () => {
      seen += 1;
      const at = seen;
      if (count >= at) return Promise.resolve();
      return new Promise<void>((wake) => (waiting = { at, wake }));
    },
  };
}

describe("a turn asked for while the server runs one that takes no input", () => {
  it("waits for a compaction sent through codex.request, then starts", async () => {
    const { refused } = await withRefusals();
    const { thread, gate } = await threadWithHeldSummary();
    t.mock.enqueueAssistantMessage("second answer");
    await t.codex.request("thread/compact/start", { threadId: thread.id });
    await gate.reached;
    const second = thread.run("second");
    await refused();
    gate.release();
    await expect(second).resolves.toMatchObject({
      status: "completed",
      finalResponse: "second answer",
    });
    expect(await itemTypes(thread)).toEqual([
      ["userMessage", "agentMessage"],
      ["contextCompaction"],
      ["userMessage", "agentMessage"],
    ]);
  });

  it("waits for a compaction that ran as the client resumed the thread", async () => {
    const { refused } = await withRefusals();
    const { thread, gate } = await threadWithHeldSummary();
    t.mock.enqueueAssistantMessage("second answer");
    await thread.compact();
    await gate.reached;
    await thread.unsubscribe();
    const resumed = await t.codex.threadResume(thread.id);
    const second = resumed.run("second");
    await refused();
    gate.release();
    await expect(second).resolves.toMatchObject({ finalResponse: "second answer" });
  });

  it("waits for a review sent through codex.request, then starts", async () => {
    const { refused } = await withRefusals();
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["reviewing"]), { gate });
    t.mock.enqueueAssistantMessage("after the review");
    await t.codex.request("review/start", {
      threadId: thread.id,
      target: { type: "uncommittedChanges" },
    });
    await gate.reached;
    const next = thread.run("next");
    await refused();
    gate.release();
    await expect(next).resolves.toMatchObject({ finalResponse: "after the review" });
  });

  it("waits for a shell command's turn, which would take its input and never ask the model", async () => {
    const { refused } = await withRefusals();
    const thread = await t.codex.threadStart();
    const release = await gatedShellCommand(thread);
    t.mock.enqueueAssistantMessage("the answer");
    const run = thread.run("hello");
    await refused();
    await release();
    await expect(run).resolves.toMatchObject({ status: "completed", finalResponse: "the answer" });
    expect(await itemTypes(thread)).toEqual([
      ["commandExecution"],
      ["userMessage", "agentMessage"],
    ]);
    expect(inputTexts(t.mock.responsesRequests.at(-1)!)).toContain("hello");
  });

  it("joins a model turn of another client's that runs a shell command, not the first of its items", async () => {
    let waited!: () => void;
    const waits = new Promise<string>((resolve) => (waited = () => resolve("waited")));
    await t.close();
    const quiet = () => undefined;
    t = await createTestCodex({
      logger: {
        debug: (message) => void (message.includes("waits for the turn running") && waited()),
        info: quiet,
        warn: quiet,
        error: quiet,
      },
      logLevel: "debug",
    });
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["thinking"]), { gate });
    t.mock.enqueueAssistantMessage("the answer");
    // A model turn started around this client's handles, in which the runtime runs the command.
    await t.codex.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "first", text_elements: [] }],
    });
    await gate.reached;
    const shellRuns = userShellStarted();
    await t.codex.request("thread/shellCommand", { threadId: thread.id, command: "echo hi" });
    await shellRuns;
    const joined = new Promise<string>((resolve) => {
      const off = t.codex.on("item/started", ({ item }) => {
        if (item.type !== "userMessage" || !JSON.stringify(item.content).includes("steer")) return;
        off();
        resolve("joined");
      });
    });
    const run = thread.run("steer");
    expect(await Promise.race([joined, waits])).toBe("joined");
    gate.release();
    await expect(run).resolves.toMatchObject({ status: "completed" });
    expect(await itemTypes(thread)).toHaveLength(1);
  });

  it("forgets a shell command's turn on a thread it leaves, and runs a turn there once resumed", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("stored");
    await thread.run("persist me");
    const before = clientStats(t.codex)["router.running"];
    const release = await gatedShellCommand(thread);
    await thread.unsubscribe();
    expect(clientStats(t.codex)["router.running"]).toBe(before);
    await release();
    // Nothing more is heard of the thread: read until it says it is idle.
    let status = "active";
    while (status === "active") {
      status = (await t.codex.request("thread/read", { threadId: thread.id })).thread.status.type;
    }
    const resumed = await t.codex.threadResume(thread.id);
    t.mock.enqueueAssistantMessage("again");
    await expect(resumed.run("once more", { timeout: 8000 })).resolves.toMatchObject({
      finalResponse: "again",
    });
  });

  it("gives up at its timeout or its signal, sending nothing more, and the thread runs again", async () => {
    const { refused } = await withRefusals();
    const { thread, gate } = await threadWithHeldSummary();
    await t.codex.request("thread/compact/start", { threadId: thread.id });
    await gate.reached;
    await expect(thread.run("late", { timeout: 300 })).rejects.toBeInstanceOf(RequestTimeoutError);
    const controller = new AbortController();
    const aborted = thread.run("stopped", { signal: controller.signal });
    await refused();
    await refused();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    t.mock.enqueueAssistantMessage("third answer");
    gate.release();
    await expect(thread.run("third")).resolves.toMatchObject({ finalResponse: "third answer" });
    expect(await itemTypes(thread)).toEqual([
      ["userMessage", "agentMessage"],
      ["contextCompaction"],
      ["userMessage", "agentMessage"],
    ]);
  });
});

describe("request options", () => {
  it("every high-level call takes a signal and a timeout", async () => {
    const thread = await t.codex.threadStart({ timeout: 10_000 });
    const aborted = AbortSignal.abort();
    await expect(thread.read({ signal: aborted })).rejects.toMatchObject({ name: "AbortError" });
    await expect(t.codex.models({ signal: aborted })).rejects.toMatchObject({ name: "AbortError" });
    await expect(t.codex.threadList({ signal: aborted, limit: 1 })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect((await thread.read({ timeout: 10_000 })).thread.id).toBe(thread.id);
  });
});

describe("Codex.on and notifications()", () => {
  it("delivers thread notifications with no turn, typed by method", async () => {
    const names: string[] = [];
    const off = t.codex.on("thread/name/updated", (params) => {
      names.push(params.threadName ?? "");
    });
    const all = t.codex.notifications();
    const thread = await t.codex.threadStart();
    await thread.setName("Hello");
    let sawStarted = false;
    for await (const n of all) {
      if (n.method === "thread/started") sawStarted = true;
      if (n.method === "thread/name/updated") break;
    }
    off();
    expect(sawStarted).toBe(true);
    expect(names).toEqual(["Hello"]);
  });
});

describe("Codex.close and notifications()", () => {
  it("ends a notifications() loop quietly when the client is closed on purpose", async () => {
    const all = t.codex.notifications();
    let first!: () => void;
    const received = new Promise<void>((resolve) => (first = resolve));
    const loop = (async () => {
      let count = 0;
      for await (const _ of all) {
        count++;
        first();
      }
      return count;
    })();
    await t.codex.threadStart();
    await received;
    await t.codex.close();
    await expect(loop).resolves.toBeGreaterThan(0);
  });

  it("sends requests without params when the method takes none", async () => {
    // The real server takes it (any answer is an object: the client refuses one that is not).
    await t.codex.request("configRequirements/read");
    // And what went on the wire has no params at all (the server also takes {} or null).
    await using s = await startStandin({ replies: { "configRequirements/read": { result: {} } } });
    await using codex = await Codex.start({ launchArgs: s.launchArgs });
    await codex.request("configRequirements/read");
    const sent = await s.nextFromClient("configRequirements/read");
    expect(sent.message).toEqual({ id: sent.message!.id, method: "configRequirements/read" });
  });
});
