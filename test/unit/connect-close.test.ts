// close() of a Codex.connect client stops what it started on the server that outlives it, a turn
// or review whose start is on its way included, once its answer names it; and waits for nothing
// it has no turn to stop for. Codex.connect runs here over a fake transport, so the test decides
// when each answer arrives.
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeTransport } from "../support/fake-transport.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/websocket.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/transport/websocket.js")>();
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  class WebSocketTransport extends Fake {
    constructor() {
      super();
      transports.push(this);
    }
    get stats(): Record<string, number> {
      return {};
    }
  }
  return { ...original, WebSocketTransport };
});

const { Codex, TransportClosedError, externalMessage } = await import("../../src/index.js");

afterEach(() => void transports.splice(0));

async function connect() {
  const connecting = Codex.connect("ws://127.0.0.1:1/");
  await vi.waitFor(() => expect(transports.length).toBe(1));
  const transport = transports[0]!;
  const init = await transport.waitForSent(1);
  transport.deliver({
    id: init.id,
    result: { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } },
  });
  return { codex: await connecting, transport };
}

function sentWhen(transport: FakeTransport, match: (m: Record<string, unknown>) => boolean) {
  return vi.waitFor(() => {
    const found = transport.sent.filter(match).at(-1);
    expect(found).toBeDefined();
    return found!;
  });
}
const nth = (transport: FakeTransport, method: string, n: number) =>
  vi.waitFor(() => {
    const all = transport.sent.filter((m) => m.method === method);
    expect(all.length).toBeGreaterThanOrEqual(n);
    return all[n - 1]!;
  });

const turnOf = (id: string, status = "inProgress") => ({ id, status, items: [], error: null });

async function closeWhileAnswerComes(
  codex: Awaited<ReturnType<typeof connect>>["codex"],
  transport: FakeTransport,
  request: Record<string, unknown>,
  answer: unknown,
) {
  let closedAt: "before answer" | "after answer" | undefined;
  let answered = false;
  const closing = codex.close().then(() => {
    closedAt = answered ? "after answer" : "before answer";
  });
  // close() goes as far as it can without the answer: it waits for it.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(closedAt).toBeUndefined();
  answered = true;
  transport.deliver({ id: request.id, result: answer });
  await closing;
  return closedAt;
}

it("interrupts a turn whose turn/start is on its way once its answer names it", async () => {
  const { codex, transport } = await connect();
  const thread = codex.thread("th");
  const starting = thread.turn("go").catch((e: unknown) => e);
  const start = await nth(transport, "turn/start", 1);
  const closedAt = await closeWhileAnswerComes(codex, transport, start, { turn: turnOf("t1") });
  expect(closedAt).toBe("after answer");
  expect(transport.sent.filter((m) => m.method === "turn/interrupt").map((m) => m.params)).toEqual([
    { threadId: "th", turnId: "t1" },
  ]);
  // Answered during the close: the call rejects as every pending one does.
  expect(await starting).toBeInstanceOf(TransportClosedError);
});

// The events of a turn's start with its first user message, marked by `clientId`.
function startedWithMessage(transport: FakeTransport, turnId: string, clientId: string | null) {
  transport.deliver({ method: "turn/started", params: { threadId: "th", turn: turnOf(turnId) } });
  const item = { type: "userMessage", id: `u-${turnId}`, clientId, content: [] };
  transport.deliver({ method: "item/started", params: { threadId: "th", turnId, item } });
}

it("leaves running, on close, another client's turn its input joined as their starts raced", async () => {
  const { codex, transport } = await connect();
  const turning = codex.thread("th").turn("go");
  const start = await nth(transport, "turn/start", 1);
  // Its input is marked as this client's.
  const marker = (start.params as { clientUserMessageId?: unknown }).clientUserMessageId;
  expect(marker).toEqual(expect.any(String));
  // The answer names the turn before its start is read: the answer of a turn this client's
  // input started and of one it joined are the same.
  transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
  const handle = await turning;
  // Its first user message is another client's: the turn is theirs.
  startedWithMessage(transport, "t1", "another-client");
  const running = handle.run().catch((e: unknown) => e);
  await codex.close();
  expect(transport.sent.filter((m) => m.method === "turn/interrupt")).toEqual([]);
  expect(await running).toBeInstanceOf(TransportClosedError);
});

it("interrupts on close a turn its input started, told by its first user message", async () => {
  const { codex, transport } = await connect();
  const turning = codex.thread("th").turn("go", { clientUserMessageId: "mine" });
  const start = await nth(transport, "turn/start", 1);
  // One the caller gives is the one it is told by.
  expect(start.params).toMatchObject({ clientUserMessageId: "mine" });
  transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
  await turning;
  startedWithMessage(transport, "t1", "mine");
  await codex.close();
  expect(transport.sent.filter((m) => m.method === "turn/interrupt").map((m) => m.params)).toEqual([
    { threadId: "th", turnId: "t1" },
  ]);
});

it("interrupts on close its own turn whose user message has no clientId, which any client may send", async () => {
  const { codex, transport } = await connect();
  const turning = codex.thread("th").turn("go");
  const start = await nth(transport, "turn/start", 1);
  transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
  await turning;
  // A server that does not write the marker (an older runtime, a proxy).
  startedWithMessage(transport, "t1", null);
  await codex.close();
  expect(transport.sent.filter((m) => m.method === "turn/interrupt").map((m) => m.params)).toEqual([
    { threadId: "th", turnId: "t1" },
  ]);
});

describe("a turn without input (an external message's), which has no user message to mark", () => {
  // What the runtime sends as it starts: the tool output, no user message.
  function externalStarted(transport: FakeTransport, turnId: string) {
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn: turnOf(turnId) } });
    const item = { type: "functionCallOutput", id: `f-${turnId}`, name: "bot", output: "news" };
    transport.deliver({ method: "item/started", params: { threadId: "th", turnId, item } });
  }
  const interrupts = (transport: FakeTransport) =>
    transport.sent.filter((m) => m.method === "turn/interrupt").map((m) => m.params);

  it("is sent unmarked, and interrupted at once on close, even once another client's input joined it", async () => {
    const { codex, transport } = await connect();
    const turning = codex.thread("th").turn(externalMessage("bot", "news"));
    const start = await nth(transport, "turn/start", 1);
    expect(start.params).not.toHaveProperty("clientUserMessageId");
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    const handle = await turning;
    externalStarted(transport, "t1");
    // Another client's input joins this client's turn.
    const item = { type: "userMessage", id: "u-b", clientId: "client-b", content: [] };
    transport.deliver({ method: "item/started", params: { threadId: "th", turnId: "t1", item } });
    const running = handle.run().catch((e: unknown) => e);
    const closing = codex.close();
    await vi.waitFor(
      () => expect(interrupts(transport)).toEqual([{ threadId: "th", turnId: "t1" }]),
      {
        timeout: 200,
      },
    );
    await closing;
    expect(await running).toBeInstanceOf(TransportClosedError);
  });

  it("is interrupted on close when its answer comes 1.2 s into the close, within its 2 s", async () => {
    const { codex, transport } = await connect();
    const turning = codex
      .thread("th")
      .turn("go")
      .catch((e: unknown) => e);
    const start = await nth(transport, "turn/start", 1);
    const closing = codex.close();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    // A marked turn whose first item has not come: the wait for it leaves time to stop it.
    transport.deliver({ id: start.id, result: { turn: turnOf("t1") } });
    await closing;
    expect(await turning).toBeInstanceOf(TransportClosedError);
    expect(interrupts(transport)).toEqual([{ threadId: "th", turnId: "t1" }]);
  });
});

it("a turn resent after ActiveTurnNotSteerable is interrupted on close once answered", async () => {
  const { codex, transport } = await connect();
  const thread = codex.thread("th");
  const starting = thread.turn("go").catch((e: unknown) => e);
  const first = await nth(transport, "turn/start", 1);
  // A compaction runs there (sent by another client): the input is refused, then sent again.
  transport.deliver({
    id: first.id,
    error: { code: -32600, message: "ActiveTurnNotSteerable: the turn takes no input" },
  });
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  transport.deliver({
    method: "thread/status/changed",
    params: { threadId: "th", status: { type: "idle" } },
  });
  const second = await nth(transport, "turn/start", 2);
  const closedAt = await closeWhileAnswerComes(codex, transport, second, { turn: turnOf("t2") });
  expect(closedAt).toBe("after answer");
  expect(transport.sent.filter((m) => m.method === "turn/interrupt").map((m) => m.params)).toEqual([
    { threadId: "th", turnId: "t2" },
  ]);
  // Answered during the close: the call rejects as every pending one does.
  expect(await starting).toBeInstanceOf(TransportClosedError);
});

it("an inline review sent after another client's turn ended is interrupted on close once answered", async () => {
  const { codex, transport } = await connect();
  const thread = codex.thread("th");
  // Another client's turn runs there: the review waits for it.
  transport.deliver({ method: "turn/started", params: { threadId: "th", turn: turnOf("other") } });
  const reviewing = thread.review("uncommittedChanges").catch((e: unknown) => e);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(transport.sent.filter((m) => m.method === "review/start")).toEqual([]);
  transport.deliver({
    method: "turn/completed",
    params: { threadId: "th", turn: turnOf("other", "completed") },
  });
  const start = await nth(transport, "review/start", 1);
  const closedAt = await closeWhileAnswerComes(codex, transport, start, {
    turn: turnOf("r1"),
    reviewThreadId: "th",
  });
  expect(closedAt).toBe("after answer");
  expect(transport.sent.filter((m) => m.method === "turn/interrupt").length).toBeGreaterThan(0);
  expect(await reviewing).toBeInstanceOf(TransportClosedError);
});

it("interrupts an inline review whose review/start is on its way once its answer names it", async () => {
  const { codex, transport } = await connect();
  const thread = codex.thread("th");
  const reviewing = thread.review("uncommittedChanges").catch((e: unknown) => e);
  const start = await nth(transport, "review/start", 1);
  const closedAt = await closeWhileAnswerComes(codex, transport, start, {
    turn: turnOf("r1"),
    reviewThreadId: "th",
  });
  expect(closedAt).toBe("after answer");
  expect(await reviewing).toBeInstanceOf(TransportClosedError);
});

it("close() does not wait for the answer to a thread/revert it has nothing to stop for", async () => {
  const { codex, transport } = await connect();
  const reverting = codex
    .thread("th")
    .revert("t0")
    .catch((e: unknown) => e);
  await sentWhen(transport, (m) => m.method === "thread/turns/list");
  const t0 = Date.now();
  await codex.close();
  // Well within the 2 s close() gives a stop.
  expect(Date.now() - t0).toBeLessThan(1000);
  await reverting;
});
