import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CodexError,
  InvalidParamsError,
  InvalidRequestError,
  RequestTimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { Secrets } from "../../src/internal/redact.js";
import {
  Connection,
  MAX_IN_FLIGHT,
  MAX_STOPS_IN_FLIGHT,
  PLACE_HOLD_MS,
  ProtocolError,
} from "../../src/rpc/connection.js";
import { LineDecoder, TextTail, lastLines } from "../../src/transport/lines.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";

/** For decoders fed no line too long to hold. */
function noLineTooLong(): never {
  throw new Error("no line here is too long to hold");
}

function setup() {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  return { transport, connection };
}

/**
 * A transport that cannot take a line holding "too long", as stdio cannot take a line one
 * character short of the longest string: appending its newline throws.
 */
class RefusingTransport extends FakeTransport {
  override send(line: string, done?: (error?: Error | null) => void): void {
    if (line.includes("too long")) throw new RangeError("Invalid string length");
    super.send(line, done);
  }
}

describe("Connection", () => {
  it("sends requests without a jsonrpc field and resolves with the matching result", async () => {
    const { transport, connection } = setup();
    const a = connection.request("model/list", { includeHidden: false });
    const b = connection.request("thread/read", { threadId: "t", includeTurns: false });
    await transport.waitForSent(2);
    const [first, second] = transport.sent;
    expect(first).toEqual({
      id: first!.id,
      method: "model/list",
      params: { includeHidden: false },
    });
    expect(first).not.toHaveProperty("jsonrpc");
    transport.deliver({ id: second!.id, result: { thread: { id: "t" } } });
    transport.deliver({ id: first!.id, result: { data: [] } });
    await expect(a).resolves.toEqual({ data: [] });
    await expect(b).resolves.toEqual({ thread: { id: "t" } });
  });

  it("maps error responses through the JSON-RPC error table", async () => {
    const { transport, connection } = setup();
    const call = connection.request("thread/start", {});
    const sent = await transport.waitForSent(1);
    transport.deliver({ id: sent.id, error: { code: -32602, message: "bad cwd" } });
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParamsError);
    expect((err as InvalidParamsError).rpcMessage).toBe("bad cwd");
  });

  it("delivers notifications to every subscriber until it unsubscribes", async () => {
    const { transport, connection } = setup();
    const seen: string[] = [];
    const off = connection.onNotification((n) => seen.push(`a:${n.method}`));
    connection.onNotification((n) => seen.push(`b:${n.method}`));
    transport.deliver({ method: "thread/started", params: {} });
    off();
    transport.deliver({ method: "turn/started", params: {} });
    expect(seen).toEqual(["a:thread/started", "b:thread/started", "b:turn/started"]);
  });

  it("answers server requests with -32601 until a handler is installed, keeping the id as sent", async () => {
    const { transport, connection } = setup();
    transport.deliver({ id: 0, method: "item/tool/call", params: {} });
    const reply = await transport.waitForSent(1);
    expect(reply).toMatchObject({ id: 0, error: { code: -32601 } });

    connection.setServerRequestHandler(async (req) => ({ echoed: req.method }));
    transport.deliver({ id: "abc", method: "x/y", params: {} });
    expect(await transport.waitForSent(2)).toEqual({ id: "abc", result: { echoed: "x/y" } });
  });

  it("runs one handler and sends one answer for a request the server sends again in flight", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const answers: ((value: unknown) => void)[] = [];
    connection.setServerRequestHandler(
      (request) =>
        new Promise((resolve) => answers.push(() => resolve({ echoed: request.method }))),
    );
    const approval = { id: 0, method: "item/commandExecution/requestApproval", params: {} };
    transport.deliver(approval);
    // As after an unsubscribe and a resume: the same request, then another under its id.
    transport.deliver(approval);
    transport.deliver({ id: 0, method: "item/fileChange/requestApproval", params: {} });
    // Malformed, it would be answered with an error at once: not under an id being answered.
    transport.deliver({ id: 0, method: "item/fileChange/requestApproval", params: [] });
    transport.overlong('{"id":0,"method":"item/fileChange/requestApproval","params":{"a":"');
    expect(answers).toHaveLength(1);
    expect(transport.sent).toEqual([]);
    expect(connection.stats.answering).toBe(1);
    const dropped =
      "codex-app-server-sdk: dropped item/fileChange/requestApproval: its id 0 is that of item/commandExecution/requestApproval, which is still being answered";
    expect(entries.map((e) => [e.level, e.message])).toEqual([
      [
        "debug",
        "codex-app-server-sdk: the server sent item/commandExecution/requestApproval (id 0) again; its answer is on the way",
      ],
      ["warn", dropped],
      ["warn", dropped],
      ["warn", dropped],
    ]);
    answers[0]!(undefined);
    expect(await transport.waitForSent(1)).toEqual({
      id: 0,
      result: { echoed: "item/commandExecution/requestApproval" },
    });
    expect(connection.stats.answering).toBe(0);
    // Answered, the id is free again.
    transport.deliver(approval);
    expect(answers).toHaveLength(2);
    answers[1]!(undefined);
    await transport.waitForSent(2);
    expect(transport.sent).toHaveLength(2);
  });

  it("refuses params the server could not read, naming the method, and sends nothing", async () => {
    const { transport, connection } = setup();
    const refusal = (params: unknown) =>
      connection.request("x/y", params).then(
        () => "sent",
        (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`,
      );
    expect(await refusal({ n: 1n })).toBe(
      "TypeError: the params of x/y cannot be sent as JSON: Do not know how to serialize a BigInt",
    );
    // Params too long for one string (JSON.stringify's "Invalid string length", here thrown by a
    // toJSON as a text of 600 MB would) are a size, not a kind of value.
    const tooLong = {
      toJSON() {
        throw new RangeError("Invalid string length");
      },
    };
    expect(await refusal({ text: tooLong })).toBe(
      "RangeError: the params of x/y cannot be sent as JSON: Invalid string length",
    );
    expect(await refusal({ text: "\u{1F324}".slice(0, 1) })).toBe(
      "TypeError: the params of x/y hold a lone surrogate (a string cut inside a character), " +
        "which the server cannot read",
    );
    // A well-formed pair, and text that only looks like an escape, go out.
    void connection.request("x/y", { text: "\u{1F324} \\ud83c" });
    expect(await transport.waitForSent(1)).toMatchObject({ params: { text: "\u{1F324} \\ud83c" } });
    expect(transport.sent).toHaveLength(1);
  });

  it("rejects an answer that is not an object with a CodexError naming the method, and logs it", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const results = [null, 42, "text", [1], undefined];
    const outcomes = results.map((_, i) =>
      connection.request(`m/${i}`, {}).then(
        () => "resolved",
        (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`,
      ),
    );
    await transport.waitForSent(results.length);
    results.forEach((result, i) => transport.deliver({ id: transport.sent[i]!.id, result }));
    expect(await Promise.all(outcomes)).toEqual(
      results.map((_, i) => `CodexError: the answer to m/${i} is not an object`),
    );
    expect(entries.filter((e) => e.message.includes("that is not an object"))).toHaveLength(5);
    // An object, empty or not, is an answer.
    const ok = connection.request("m/ok", {});
    transport.deliver({ id: (await transport.waitForSent(6)).id, result: {} });
    await expect(ok).resolves.toEqual({});
  });

  it("rejects a request after its timeout and clears it", async () => {
    const { connection } = setup();
    const err = await connection
      .request("model/list", { includeHidden: false }, { timeout: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
  });

  it("gives an error answer and a timeout the stack of the code that awaited the call", async () => {
    const { transport, connection } = setup();
    async function callerOfTheAnswer(): Promise<unknown> {
      return await connection.request("thread/start", {});
    }
    async function callerOfTheTimeout(): Promise<unknown> {
      return await connection.request("model/list", {}, { timeout: 5 });
    }
    const answered = callerOfTheAnswer().catch((e: unknown) => e);
    const timedOut = callerOfTheTimeout().catch((e: unknown) => e);
    const sent = await transport.waitForSent(1);
    // Outside the caller's promise chain, as a line read from the server is.
    setImmediate(() => transport.deliver({ id: sent.id, error: { code: -32602, message: "bad" } }));
    const err = (await answered) as Error;
    expect(err).toBeInstanceOf(InvalidParamsError);
    expect(err.stack).toMatch(
      /^InvalidParamsError: JSON-RPC error -32602 \(thread\/start\): bad\n/,
    );
    // (Vitest's source maps write an async frame without its "async".)
    expect(err.stack).toMatch(/\n {4}at (async )?callerOfTheAnswer /);
    expect(err.stack).not.toContain("fromWireError");
    const late = (await timedOut) as Error;
    expect(late).toBeInstanceOf(RequestTimeoutError);
    expect(late.stack).toMatch(/\n {4}at (async )?callerOfTheTimeout /);
    expect(late.stack).not.toContain("Timeout.");
  });

  it("rejects at once with the abort reason, and sends nothing for an aborted signal", async () => {
    const { transport, connection } = setup();
    const aborted = AbortSignal.abort(new Error("stop"));
    await expect(connection.request("model/list", {}, { signal: aborted })).rejects.toThrow("stop");
    expect(transport.sent).toHaveLength(0);

    const controller = new AbortController();
    const call = connection.request("model/list", {}, { signal: controller.signal });
    await transport.waitForSent(1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
  });

  it("rejects every pending request with TransportClosedError when the transport ends", async () => {
    const { transport, connection } = setup();
    const calls = [connection.request("model/list", {}), connection.request("thread/list", {})];
    await transport.waitForSent(2);
    transport.end({ exitCode: 3, stderrTail: "panic: oh no" });
    for (const call of calls) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as TransportClosedError).exitCode).toBe(3);
      expect((err as Error).message).toContain("panic: oh no");
    }
    await expect(connection.request("model/list", {})).rejects.toBeInstanceOf(TransportClosedError);
  });

  it("fails every pending call with the close error when a write fails, never with the bare write error", async () => {
    // A pipe that breaks once the first request is out: the next write fails, and closing the
    // transport reports the exit as a dying process would.
    class BreakingTransport extends FakeTransport {
      override send(line: string, done?: (error?: Error | null) => void): void {
        if (this.sent.length === 0) return super.send(line, done);
        this.failWrite(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }), done);
      }
      override async close(): Promise<void> {
        await super.close();
        this.end({ exitCode: 9, stderrTail: "killed by the test" });
      }
    }
    const transport = new BreakingTransport();
    const connection = new Connection(transport);
    const first = connection.request("model/list", {});
    await transport.waitForSent(1);
    const second = connection.request("thread/list", {});
    const notified = connection.notify("initialized");
    for (const call of [first, second, notified]) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as TransportClosedError).exitCode).toBe(9);
      expect((err as Error).message).not.toContain("EPIPE");
    }
    // Each failed write closes the transport (closing is idempotent).
    expect(transport.closedCalls).toBeGreaterThanOrEqual(1);
    expect(connection.stats.pending).toBe(0);
  });

  it("fails a call whose write failed without waiting for a server that outlives its input", async () => {
    // The server closed its input but ignores SIGTERM: closing would take the kill grace.
    class Outliving extends FakeTransport {
      override send(line: string, done?: (error?: Error | null) => void): void {
        this.failWrite(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }), done);
      }
      override close(): Promise<void> {
        this.closedCalls++;
        return new Promise<void>(() => {});
      }
    }
    const transport = new Outliving();
    const connection = new Connection(transport);
    const started = performance.now();
    const err = await connection.request("thread/list", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as Error).message).toMatch(/^could not write to codex app-server: write EPIPE/);
    // The wait for the exit's report, not the kill grace.
    expect(performance.now() - started).toBeLessThan(1_900);
    expect(transport.closedCalls).toBe(1);
  });

  it("rejects a request whose params cannot be written as JSON before sending anything", async () => {
    const { transport, connection } = setup();
    await expect(connection.request("thread/list", { limit: 1n } as never)).rejects.toThrow(
      /BigInt/,
    );
    expect(transport.sent).toEqual([]);
    expect(connection.stats.pending).toBe(0);
  });

  it("logs and drops a line that is not a JSON-RPC message; the lines after it still flow", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const seen: string[] = [];
    connection.onNotification((n) => seen.push(n.method));
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    const bad = [
      "this is not json",
      "[1,2]",
      "42",
      '{"jsonrpc":"2.0"}',
      '{"method":"turn/started","params":7}',
      '{"method":"turn/started"}',
      '{"method":"x","id":{"a":1}}',
    ];
    for (const line of bad) transport.line(line);
    transport.deliver({ method: "account/updated", params: {} });
    transport.deliver({ id: sent.id, result: { data: [] } });
    await expect(call).resolves.toEqual({ data: [] });
    expect(seen).toEqual(["account/updated"]);
    expect(entries.filter((e) => e.level === "warn")).toHaveLength(bad.length);
    expect(entries[0]!.detail).toBeInstanceOf(ProtocolError);
    expect((entries[0]!.detail as ProtocolError).line).toBe("this is not json");
    expect(connection.closeError).toBeUndefined();
    expect(transport.closedCalls).toBe(0);
  });

  it("drops a long notification nobody reads before parsing it, and parses every other shape", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    connection.setInterest((method) => method !== "item/started");
    const seen: string[] = [];
    connection.onNotification((n) => seen.push(n.method));
    // Only a line long enough to be worth judging (JUDGED_MIN_CHARS) is judged: spaces in the
    // params make each line long without changing what it says.
    const long = (line: string) => line.replace('"params":{', `"params":{${" ".repeat(4096)}`);
    // A short line is parsed whatever the judge says: its broken params are logged.
    transport.line('{"method":"item/started","params":{broken}}');
    expect(entries.filter((e) => e.level === "warn")).toHaveLength(1);
    const lines = [
      // Declined, so never parsed: broken params go unnoticed, nothing is delivered.
      '{"method":"item/started","params":{broken},"emittedAtMs":1796049880390}',
      '{"method":"item/started","params":{"threadId":"th"}}',
      '{"method":"item/started","params":{},"a":-1,"emittedAtMs":2}',
      // Read: a method the judge wants, one the protocol does not know, an escaped method.
      '{"method":"item/completed","params":{"threadId":"th"},"emittedAtMs":1}',
      '{"method":"not/known","params":{}}',
      '{"method":"item\\/started","params":{}}',
      // Not plainly a notification: an id (a request), even spelled with an escape, or a field
      // that is not an integer.
      '{"method":"item/started","params":{},"id":7}',
      '{"method":"item/started","params":{},"emittedAtMs":1,"\\u0069d":8}',
      // An id before a later field whose value closes with a brace: that brace is not the params'.
      '{"method":"item/started","params":{},"id":9,"x":{}}',
      '{"method":"item/started","params":{},"note":"x"}',
      '{"method":"item/started","params":{},"emittedAtMs":1.5}',
    ];
    for (const line of lines) transport.line(long(line));
    await transport.waitForSent(3);
    expect(seen).toEqual([
      "item/completed",
      "not/known",
      "item/started",
      "item/started",
      "item/started",
    ]);
    expect(transport.sent).toEqual([
      expect.objectContaining({ id: 7, error: expect.objectContaining({ code: -32601 }) }),
      expect.objectContaining({ id: 8, error: expect.objectContaining({ code: -32601 }) }),
      expect.objectContaining({ id: 9, error: expect.objectContaining({ code: -32601 }) }),
    ]);
    expect(entries.filter((e) => e.level === "warn")).toHaveLength(1);
  });

  it("reads a line that starts with a byte order mark, as JSON lets a reader", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const seen: string[] = [];
    connection.onNotification((n) => seen.push(n.method));
    const call = connection.request("model/list", {});
    await transport.waitForSent(1);
    // As a wrapper script writing the server's output might start it.
    transport.line('\uFEFF{"id":1,"result":{"data":[]}}');
    transport.line('\uFEFF{"method":"x/y","params":{}}');
    expect(await call).toEqual({ data: [] });
    expect(seen).toEqual(["x/y"]);
    expect(entries).toEqual([]);
  });

  it("reads a line after a long run of byte order marks, taken at once", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const call = connection.request("model/list", {});
    await transport.waitForSent(1);
    // One stack frame a mark overflowed the stack, and the answer was lost without a word.
    transport.line(`${"\uFEFF".repeat(100_000)}{"id":1,"result":{"data":[]}}`);
    expect(await call).toEqual({ data: [] });
    expect(entries).toEqual([]);
  });

  it("logs ten dropped lines a second, and the count of the others as the second ends", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    new Connection(transport, { log });
    const messages = () => entries.map((e) => e.message.replace("codex-app-server-sdk: ", ""));
    for (let i = 0; i < 10; i++) transport.line(`junk ${i}`);
    const shown = Array<string>(10).fill("dropped a line that is no JSON object from app-server");
    expect(messages()).toEqual(shown);
    for (let i = 10; i < 25; i++) transport.line(`junk ${i}`);
    const counting = "more malformed lines from app-server within 1 s are counted, not shown";
    expect(messages()).toEqual([...shown, counting]);
    // The flood over, the count is told all the same.
    await vi.waitFor(() => expect(messages()).toHaveLength(12), { timeout: 2000 });
    expect(messages()[11]).toBe("dropped 15 more malformed lines from app-server");
    // A new second shows lines again.
    transport.line("junk again");
    expect(messages()[12]).toBe("dropped a line that is no JSON object from app-server");
  });

  it("logs the count of dropped lines the server writes as it is closed, leaving no timer", async () => {
    // As the stdio transport does: its output is read to its end after close() began.
    class Chatty extends FakeTransport {
      override async close(): Promise<void> {
        await super.close();
        for (let i = 0; i < 15; i++) this.line(`wrapper: caught TERM ${i}`);
        this.end({ exitCode: 143 });
      }
    }
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { log, entries } = captureLog();
      await new Connection(new Chatty(), { log }).close();
      expect(vi.getTimerCount()).toBe(0);
      expect(entries.at(-1)?.message).toBe(
        "codex-app-server-sdk: dropped 5 more malformed lines from app-server",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("logs the count of dropped lines not shown as the connection ends", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    new Connection(transport, { log });
    for (let i = 0; i < 13; i++) transport.line(`junk ${i}`);
    transport.end();
    expect(entries.map((e) => e.message)).toContain(
      "codex-app-server-sdk: dropped 3 more malformed lines from app-server",
    );
  });

  it("drops a line that cannot begin a message without parsing it", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const parse = vi.spyOn(JSON, "parse");
    try {
      const lines = [
        "y",
        "Starting codex...",
        "[1,2]",
        '"text"',
        "42",
        "  y",
        "\t at x",
        "\uFEFFy",
      ];
      for (const line of lines) transport.line(line);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(entries.map((e) => e.message)).toEqual(
      Array(8).fill("codex-app-server-sdk: dropped a line that is no JSON object from app-server"),
    );
    // White space before a message is JSON's: the line is parsed and read.
    const seen: string[] = [];
    connection.onNotification((n) => seen.push(n.method));
    transport.line(' \t{"method":"x/y","params":{}}');
    expect(seen).toEqual(["x/y"]);
  });

  it("judges a line of many fields in linear time, faster than parsing it", () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    connection.setInterest(() => false);
    const seen: string[] = [];
    connection.onNotification((n) => seen.push(n.method));
    // 200,000 numeric fields after the params, no backslash anywhere: a search for one to the
    // line's end per field made the judge quadratic (seconds, where a parse takes a fifth of one).
    let fields = "";
    for (let i = 0; i < 200_000; i++) fields += `,"f${i}":1`;
    const line = `{"method":"item/agentMessage/delta","params":{"delta":"x"}${fields}}`;
    const parseStart = process.hrtime.bigint();
    JSON.parse(line);
    const parseNs = process.hrtime.bigint() - parseStart;
    const judgeStart = process.hrtime.bigint();
    transport.line(line);
    const judgeNs = process.hrtime.bigint() - judgeStart;
    expect(seen).toEqual([]);
    expect(judgeNs).toBeLessThan(parseNs);
  });

  it("judges no line while a second listener reads every notification, as during start-up", () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    connection.setInterest(() => false);
    const judged: string[] = [];
    const kept: string[] = [];
    connection.onNotification((n) => judged.push(n.method));
    const stop = connection.onNotification((n) => kept.push(n.method));
    const line = JSON.stringify({ method: "configWarning", params: { summary: "w".repeat(5000) } });
    transport.line(line);
    expect(kept).toEqual(["configWarning"]);
    stop();
    transport.line(line);
    expect(judged).toEqual(["configWarning"]);
  });

  it("settles a call by its id, or by the id written as JavaScript writes the number, and no other spelling", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    const id = sent.id as number;
    for (const spelled of [` ${id} `, `0x${id.toString(16)}`, `${id}.0`, `+${id}`]) {
      transport.deliver({ id: spelled, result: { data: [spelled] } });
    }
    // A request whose method is no string is no answer to call `id`.
    transport.line(JSON.stringify({ id, method: 5, result: { data: ["method"] } }));
    transport.deliver({ id: String(id), result: { data: ["ok"] } });
    await expect(call).resolves.toEqual({ data: ["ok"] });
    // The misspelled ids found no call; the request of no method was dropped.
    expect(entries.map((e) => e.message)).toEqual([
      ...Array(4).fill(expect.stringMatching(/dropped a response to no pending request/)),
      expect.stringMatching(/dropped a message whose method is not a string from app-server$/),
    ]);
  });

  it("answers with -32603 when what the handler threw has getters that throw", async () => {
    const { transport, connection } = setup();
    const odd = [
      {
        message: "refresh failed",
        get code(): number {
          throw new Error("code is not available");
        },
      },
      {
        code: 4,
        get message(): string {
          throw new Error("message is not available");
        },
      },
      Object.create(null) as object,
    ];
    let next = 0;
    connection.setServerRequestHandler(() => Promise.reject(odd[next++]));
    for (const id of [1, 2, 3]) transport.deliver({ id, method: "x/y", params: {} });
    await transport.waitForSent(3);
    expect(transport.sent).toEqual([
      { id: 1, error: { code: -32603, message: "refresh failed" } },
      { id: 2, error: { code: 4, message: "an error that cannot be read" } },
      { id: 3, error: { code: -32603, message: "an error that cannot be read" } },
    ]);
  });

  it("sends an internal error instead of a result holding a lone surrogate, which the server cannot read, and a thrown message with U+FFFD in its place", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const cut = "\u{1F324}".slice(0, 1);
    connection.setServerRequestHandler(async (request) =>
      request.id === 1 ? { text: `a${cut}` } : Promise.reject(new Error(`b${cut}`)),
    );
    for (const id of [1, 2]) transport.deliver({ id, method: "x/y", params: {} });
    await transport.waitForSent(2);
    const encodingFailed = { code: -32603, message: "the client's answer could not be encoded" };
    expect(transport.sent).toEqual([
      { id: 1, error: encodingFailed },
      { id: 2, error: { code: -32603, message: "b\ufffd" } },
    ]);
    // Only the result is a bug of the SDK's (its checks let no handler's answer through so).
    expect(entries.filter((e) => e.level === "error")).toHaveLength(1);
  });

  it("answers with what a handler threw in a form the server reads: a code it holds, data JSON carries", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const thrown = [
      { message: "huge code", code: 1e300 },
      { message: "fraction", code: -32000.5 },
      { message: "own code", code: -32001, data: { why: "quota" } },
      { message: "cycle", data: cycle },
      { message: "big integer", data: { n: 1n } },
      { message: "cut", data: ["\u{1F324}".slice(0, 1)] },
      { message: "nothing", data: () => 1 },
    ];
    connection.setServerRequestHandler(async (request) =>
      Promise.reject(thrown[request.id as number]),
    );
    for (const id of thrown.keys()) transport.deliver({ id, method: "x/y", params: {} });
    await transport.waitForSent(thrown.length);
    expect(transport.sent).toEqual([
      { id: 0, error: { code: -32603, message: "huge code" } },
      { id: 1, error: { code: -32603, message: "fraction" } },
      { id: 2, error: { code: -32001, message: "own code", data: { why: "quota" } } },
      { id: 3, error: { code: -32603, message: "cycle" } },
      { id: 4, error: { code: -32603, message: "big integer" } },
      { id: 5, error: { code: -32603, message: "cut" } },
      { id: 6, error: { code: -32603, message: "nothing" } },
    ]);
    expect(entries.filter((e) => e.level === "error")).toEqual([]);
    const warned = entries.filter((e) => e.level === "warn").map((e) => e.message);
    expect(warned).toHaveLength(3);
    for (const line of warned) {
      expect(line).toMatch(
        /^codex-app-server-sdk: the error answering x\/y is sent without its data: /,
      );
    }
    expect(warned[2]).toContain("lone surrogate");
  });

  it("refuses a request over the channel's message limit before sending it, and answers a server request with an error instead of an answer over it", async () => {
    const transport = new FakeTransport({ bytes: 2 ** 20, channel: "over the test channel" });
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    // The line of request 1 with params { t: "" }: each character of t adds its UTF-8 bytes.
    const frame = JSON.stringify({ id: 1, method: "x/y", params: { t: "" } }).length;
    const fits = "a".repeat(2 ** 20 - frame);
    const refusal = (text: string) =>
      connection.request("x/y", { t: text }).then(
        () => "answered",
        (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`,
      );
    // One byte over is refused, and the limit is in bytes: 600,000 two-byte characters are over.
    expect(await refusal(`${fits}a`)).toBe(
      "RangeError: the params of x/y come to 1.0 MiB as JSON, over the 1 MiB the app-server " +
        "takes over the test channel",
    );
    expect(await refusal("\u00e9".repeat(600_000))).toBe(
      "RangeError: the params of x/y come to 1.1 MiB as JSON, over the 1 MiB the app-server " +
        "takes over the test channel",
    );
    expect(transport.sent).toEqual([]);
    // A line of exactly the limit goes, and the connection is still open.
    const exact = refusal(fits);
    const sent = await transport.waitForSent(1);
    expect(JSON.stringify(sent)).toHaveLength(2 ** 20);
    transport.deliver({ id: sent.id, result: {} });
    expect(await exact).toBe("answered");

    connection.setServerRequestHandler(async () => ({ text: fits + fits }));
    transport.deliver({ id: 9, method: "item/tool/call", params: {} });
    expect(await transport.waitForSent(2)).toEqual({
      id: 9,
      error: {
        code: -32603,
        message:
          "the client's answer comes to 2.0 MiB as JSON, over the 1 MiB the app-server takes " +
          "over the test channel",
      },
    });
    expect(entries.filter((e) => e.level === "error").map((e) => e.message)).toEqual([
      "codex-app-server-sdk: the answer to item/tool/call comes to 2.0 MiB as JSON, over the " +
        "1 MiB the app-server takes over the test channel; sent an error instead",
    ]);
    expect(connection.closeError).toBeUndefined();
  });

  it("fails the call a message too long to hold answers, answers a request that long, and drops the rest, showing none of it", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const secrets = new Secrets();
    secrets.add("sk-SECRET-KEY");
    const connection = new Connection(transport, { log, secrets });
    const call = connection.request("fs/readFile", { path: "/big" });
    const sent = await transport.waitForSent(1);
    const tooLong = "longer than a JavaScript string can hold (536,870,888 characters)";
    // Each head ends inside a secret: redaction cannot find it, so no head may be shown.
    transport.overlong(`{"method":"item/agentMessage/delta","params":{"delta":"sk-SEC`);
    transport.overlong(`{"id":99,"result":{"dataBase64":"sk-SEC`);
    transport.overlong(`{"id":"req-1","method":"item/tool/call","params":{"a":"sk-SEC`);
    transport.overlong(`{"id":${String(sent.id)},"result":{"dataBase64":"sk-SEC`);
    // A request as the app-server writes it: its method first.
    transport.overlong(`{"method":"item/tool/call","id":7,"params":{"a":"sk-SEC`);
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(`the answer to fs/readFile is ${tooLong}; it was dropped`);
    const refusal = { code: -32603, message: `the client cannot read a request ${tooLong}` };
    expect(await transport.waitForSent(2)).toEqual({ id: "req-1", error: refusal });
    expect(await transport.waitForSent(3)).toEqual({ id: 7, error: refusal });
    const answered = `warn: codex-app-server-sdk: dropped a request from app-server (item/tool/call) ${tooLong}; answered it with an error`;
    expect(entries.map((e) => `${e.level}: ${e.message}`)).toEqual([
      `warn: codex-app-server-sdk: dropped a message from app-server ${tooLong}`,
      `warn: codex-app-server-sdk: dropped an answer to no pending request (id 99), ${tooLong}`,
      answered,
      answered,
    ]);
    expect(JSON.stringify(entries)).not.toContain("sk-SEC");
    // The connection goes on.
    const next = connection.request("model/list", {});
    transport.deliver({ id: (await transport.waitForSent(4)).id, result: { data: [] } });
    await expect(next).resolves.toEqual({ data: [] });
  });

  it("fails the call an answer answers whose redaction would outgrow a string, and redacts only what a drop shows", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    // Redaction of a line near the longest string V8 holds grows it past that: modelled here by
    // a redaction that fails on any text longer than a shown line can be.
    class Bounded extends Secrets {
      override text(text: string): string {
        if (text.length > 2000) throw new RangeError("Invalid string length");
        return super.text(text);
      }
    }
    const secrets = new Bounded();
    secrets.add("sk-SECRET-KEY");
    const connection = new Connection(transport, { log, secrets });
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    const huge = "sk-SECRET-KEY ".repeat(1000);
    transport.line(JSON.stringify({ id: sent.id, result: { data: [huge] } }));
    const err = await call.catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^the answer to model\/list is longer than a JavaScript/,
    );
    // A binary frame as long: only its start is redacted, and shown.
    transport.dropped("a binary WebSocket frame", huge);
    const dropped = entries.find((e) => e.message.includes("binary WebSocket frame"));
    const shown = (dropped?.detail as { line?: string } | undefined)?.line ?? "";
    expect(shown.length).toBeLessThanOrEqual(1001);
    // Cut, as the ellipsis says.
    expect(shown.endsWith("…")).toBe(true);
    expect(shown).toContain("[redacted]");
    expect(JSON.stringify(entries)).not.toContain("sk-SECRET");
  });

  it("fails a call alone, settled and forgotten, when the transport cannot take its line at all", async () => {
    const transport = new RefusingTransport();
    const connection = new Connection(transport);
    const refused = connection.request("x/y", { t: "too long" });
    expect(connection.stats.pending).toBe(0);
    const err = await refused.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "the params of x/y could not be sent: Invalid string length",
    );
    expect((err as Error).cause).toBeInstanceOf(RangeError);
    const next = connection.request("model/list", {});
    transport.deliver({ id: (await transport.waitForSent(1)).id, result: { data: [] } });
    await expect(next).resolves.toEqual({ data: [] });
  });

  it("answers a server request with an error when the transport cannot take the answer", async () => {
    const transport = new RefusingTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    connection.setServerRequestHandler(async () => ({ text: "too long" }));
    transport.deliver({ id: 5, method: "item/tool/call", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 5,
      error: {
        code: -32603,
        message: "the client's answer could not be sent: Invalid string length",
      },
    });
    expect(entries.map((e) => `${e.level}: ${e.message}`)).toEqual([
      "error: codex-app-server-sdk: the answer to item/tool/call could not be sent; sent an error instead",
    ]);
  });

  it("tells a close listener added after the end, and keeps none", async () => {
    const { transport, connection } = setup();
    transport.end();
    const told: unknown[] = [];
    connection.onClose((error) => told.push(error));
    const off = connection.onClose((error) => told.push(["unsubscribed", error]));
    off();
    expect(told).toEqual([]);
    await Promise.resolve();
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(TransportClosedError);
    expect(connection.stats.closeListeners).toBe(0);
  });

  it("starts no handler for a request read after the connection ended", () => {
    const { transport, connection } = setup();
    const handled: unknown[] = [];
    connection.setServerRequestHandler(async (request) => handled.push(request.id));
    transport.end();
    transport.deliver({ id: 1, method: "item/tool/call", params: {} });
    expect(handled).toEqual([]);
    expect(transport.sent).toEqual([]);
  });

  it("answers a server request whose params are not an object with -32602, and logs it", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const handled: unknown[] = [];
    connection.setServerRequestHandler(async (request) => handled.push(request.id));
    transport.line('{"id":7,"method":"item/commandExecution/requestApproval","params":null}');
    transport.line('{"id":"8","method":"item/commandExecution/requestApproval","params":"oops"}');
    transport.line('{"id":9,"method":"item/commandExecution/requestApproval","params":[]}');
    // A notification's array params are dropped as well: no listener reads them as an object.
    const heard: unknown[] = [];
    connection.onNotification((n) => heard.push(n.params));
    transport.line('{"method":"turn/started","params":[{"threadId":"th"}]}');
    await transport.waitForSent(3);
    expect(transport.sent).toEqual([
      { id: 7, error: { code: -32602, message: expect.stringContaining("must be an object") } },
      { id: "8", error: { code: -32602, message: expect.stringContaining("must be an object") } },
      { id: 9, error: { code: -32602, message: expect.stringContaining("must be an object") } },
    ]);
    expect(handled).toEqual([]);
    expect(heard).toEqual([]);
    const warnings = entries.filter((e) => e.level === "warn");
    expect(warnings.map((e) => e.message)).toEqual([
      "codex-app-server-sdk: answered item/commandExecution/requestApproval with -32602",
      "codex-app-server-sdk: answered item/commandExecution/requestApproval with -32602",
      "codex-app-server-sdk: answered item/commandExecution/requestApproval with -32602",
      "codex-app-server-sdk: dropped turn/started with params that are not an object from app-server",
    ]);
    expect(warnings[0]!.detail).toBeInstanceOf(ProtocolError);
  });

  it("drops, and logs, a request without an id: no listener takes it for a notification", () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const handled: unknown[] = [];
    connection.setServerRequestHandler(async (request) => handled.push(request.id));
    const heard: string[] = [];
    connection.onNotification((n) => heard.push(n.method));
    const params = { threadId: "th", turnId: "t", itemId: "i", command: "ls" };
    transport.deliver({ method: "item/commandExecution/requestApproval", params });
    transport.deliver({ id: null, method: "item/tool/requestUserInput", params });
    transport.deliver({ method: "turn/started", params: { threadId: "th", turn: { id: "t" } } });
    expect(heard).toEqual(["turn/started"]);
    expect(handled).toEqual([]);
    expect(transport.sent).toEqual([]);
    expect(entries.map((e) => [e.level, e.message])).toEqual([
      [
        "warn",
        "codex-app-server-sdk: dropped item/commandExecution/requestApproval without an id from app-server",
      ],
      [
        "warn",
        "codex-app-server-sdk: dropped item/tool/requestUserInput without an id from app-server",
      ],
    ]);
  });

  it("redacts a secret the server writes with escaped slashes, as some JSON encoders do", async () => {
    const key = "sk-test-abc/def/ghi";
    const secrets = new Secrets();
    secrets.add(key);
    const transport = new FakeTransport();
    const connection = new Connection(transport, { secrets });
    const seen: unknown[] = [];
    connection.onNotification((n) => seen.push(n.params));
    const call = connection.request("model/list", {});
    await transport.waitForSent(1);
    transport.line('{"method":"x/y","params":{"text":"key sk-test-abc\\/def\\/ghi, path a\\/b"}}');
    transport.line('{"id":1,"error":{"code":-32600,"message":"bad key sk-test-abc\\/def\\/ghi"}}');
    const err = (await call.catch((e: unknown) => e)) as InvalidRequestError;
    expect(err.rpcMessage).toBe("bad key [redacted]");
    expect(seen).toEqual([{ text: "key [redacted], path a/b" }]);
  });

  it("answers a call whose line a secret of digits would break, redacting the strings alone", async () => {
    const secrets = new Secrets();
    secrets.add("12345678");
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { secrets, log });
    const call = connection.request("model/list", {});
    await transport.waitForSent(1);
    // Redacted as text, the number would become `[redacted]` and the line no JSON.
    transport.line('{"id":1,"result":{"createdAt":123456789,"note":"pin 12345678"}}');
    expect(await call).toEqual({ createdAt: 123456789, note: "pin [redacted]" });
    // A line that is no JSON as sent is still dropped, and shown redacted.
    transport.line('{"id":2,"result":12345678');
    expect(entries.map((e) => [e.level, e.message])).toEqual([
      ["warn", "codex-app-server-sdk: dropped a line that is no JSON object from app-server"],
    ]);
    expect(JSON.stringify(entries)).not.toContain("12345678");
  });

  // A connection holding `secret`, and the params of the notifications it hands on.
  const holding = (secret: string) => {
    const secrets = new Secrets();
    secrets.add(secret);
    const transport = new FakeTransport();
    const connection = new Connection(transport, { secrets });
    const seen: unknown[] = [];
    connection.onNotification((n) => seen.push(n.params));
    return { transport, connection, seen };
  };

  it("hands a command's output chunk on as written when a secret's letters appear in its base64", async () => {
    const output = Buffer.from("user:hunter22 and more text");
    const base64 = output.toString("base64");
    // A secret that is the base64 of the start of the output, as a Basic credential would be.
    const secret = base64.slice(0, 16);
    const { transport, connection, seen } = holding(secret);
    const chunk = { processId: `p-${secret}`, stream: "stdout", deltaBase64: base64 };
    transport.deliver({ method: "command/exec/outputDelta", params: chunk });
    // Any other line naming that method is redacted whole.
    transport.deliver({ method: "x/y", params: { text: `"command/exec/outputDelta" ${secret}` } });
    // So is a process's output chunk, and the model's audio.
    const processChunk = { processHandle: `h-${secret}`, stream: "stdout", deltaBase64: base64 };
    transport.deliver({ method: "process/outputDelta", params: processChunk });
    const audio = { data: base64, sampleRate: 24_000, numChannels: 1, itemId: secret };
    const audioDelta = { threadId: "t", audio };
    transport.deliver({ method: "thread/realtime/outputAudio/delta", params: audioDelta });
    expect(seen).toEqual([
      { processId: "p-[redacted]", stream: "stdout", deltaBase64: base64 },
      { text: '"command/exec/outputDelta" [redacted]' },
      { processHandle: "h-[redacted]", stream: "stdout", deltaBase64: base64 },
      { threadId: "t", audio: { ...audio, itemId: "[redacted]" } },
    ]);
    // And a file's bytes read by fs/readFile; another answer's base64 field is redacted.
    const read = connection.request("fs/readFile", { path: "/x" });
    const other = connection.request("x/read", {});
    transport.deliver({ id: 1, result: { dataBase64: base64 } });
    transport.deliver({ id: 2, result: { dataBase64: base64 } });
    expect(await read).toEqual({ dataBase64: base64 });
    expect(await other).not.toEqual({ dataBase64: base64 });
  });

  it("hands on a thread item's generated image and MCP data as written, each element of a list", async () => {
    const base64 = Buffer.from("user:hunter22 and more text").toString("base64");
    const secret = base64.slice(0, 16);
    const { transport, connection, seen } = holding(secret);
    const image = { type: "imageGeneration", id: secret, status: "completed", result: base64 };
    const content = [
      { type: "text", text: secret },
      { type: "image", data: base64, mimeType: secret },
      { type: "resource", resource: { uri: secret, blob: base64 } },
    ];
    const call = { type: "mcpToolCall", id: "c", result: { content } };
    transport.deliver({ method: "item/completed", params: { threadId: "t", item: image } });
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "t", turn: { id: "u", items: [image, call] } },
    });
    const shownImage = { ...image, id: "[redacted]" };
    const shownContent = [
      { type: "text", text: "[redacted]" },
      { type: "image", data: base64, mimeType: "[redacted]" },
      { type: "resource", resource: { uri: "[redacted]", blob: base64 } },
    ];
    expect(seen).toEqual([
      { threadId: "t", item: shownImage },
      {
        threadId: "t",
        turn: { id: "u", items: [shownImage, { ...call, result: { content: shownContent } }] },
      },
    ]);
    // A thread read's items, and an MCP resource read's contents, the same way.
    const read = connection.request("thread/read", { threadId: "t", includeTurns: true });
    transport.deliver({ id: 1, result: { thread: { turns: [{ items: [image, call] }] } } });
    expect(await read).toEqual({
      thread: { turns: [{ items: [shownImage, { ...call, result: { content: shownContent } }] }] },
    });
    const resource = connection.request("mcpServer/resource/read", {} as never);
    transport.deliver({ id: 2, result: { contents: [{ uri: secret, blob: base64 }] } });
    expect(await resource).toEqual({ contents: [{ uri: "[redacted]", blob: base64 }] });
    const timeline = connection.request("thread/timeline/list", {} as never);
    transport.deliver({ id: 3, result: { data: [{ type: "item", turnId: "u", item: image }] } });
    expect(await timeline).toEqual({ data: [{ type: "item", turnId: "u", item: shownImage }] });
    // Text where base64 belongs (an MCP server's, say) is redacted as any text is.
    const tool = connection.request("mcpServer/tool/call", {} as never);
    const texts = [`key: ${secret}`, `${secret}-x`];
    transport.deliver({
      id: 4,
      result: { content: texts.map((data) => ({ type: "image", data })) },
    });
    expect(await tool).toEqual({
      content: [
        { type: "image", data: "key: [redacted]" },
        { type: "image", data: "[redacted]-x" },
      ],
    });
  });

  it("redacts an item event holding a secret as text, whole however large or deep", () => {
    const { transport, seen } = holding("sk-SECRET-KEY-0123456789");
    // More objects, and deeper, than a walk of a value goes (it would replace what lies past).
    const rows = Array.from({ length: 10_050 }, (_, i) => ({ i }));
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const item = {
      type: "mcpToolCall",
      id: "c",
      arguments: { deep, note: "uses sk-SECRET-KEY-0123456789" },
      result: { content: [], structuredContent: { rows } },
    };
    transport.deliver({ method: "item/completed", params: { threadId: "t", turnId: "u", item } });
    expect(seen).toEqual([
      {
        threadId: "t",
        turnId: "u",
        item: { ...item, arguments: { deep, note: "uses [redacted]" } },
      },
    ]);
  });

  it("settles a call read as sent whose answer is JSON only once redacted, with the redacted answer", async () => {
    // A secret with a character JSON escapes, written unescaped: the line is no JSON as sent.
    const secret = "pw\\q-secret-0123";
    const secrets = new Secrets();
    secrets.add(secret);
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { secrets, log });
    const read = connection.request("fs/readFile", { path: "/x" });
    const config = connection.request("config/read", {});
    const seen: unknown[] = [];
    connection.onNotification((n) => seen.push(n.params));
    transport.line(`{"id":1,"result":{"dataBase64":"QUJD","note":"${secret}"}}`);
    transport.line(`{"id":2,"result":{"config":{"k":"${secret}"}}}`);
    transport.line(
      `{"method":"process/outputDelta","params":{"processHandle":"${secret}","deltaBase64":"QUJD"}}`,
    );
    expect(await read).toEqual({ dataBase64: "QUJD", note: "[redacted]" });
    expect(await config).toEqual({ config: { k: "[redacted]" } });
    expect(seen).toEqual([{ processHandle: "[redacted]", deltaBase64: "QUJD" }]);
    expect(entries).toEqual([]);
  });

  it("redacts a field named __proto__ as any other, without touching the copy's prototype", () => {
    const secrets = new Secrets();
    secrets.add("sk-proto-secret-0123");
    const copy = secrets.value(
      JSON.parse('{"__proto__":{"key":"sk-proto-secret-0123"}}'),
    ) as object;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({
      key: "[redacted]",
    });
  });

  it("shows no part of a secret that the stderr tail's cut would split", async () => {
    const key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0".repeat(4);
    const secrets = new Secrets();
    secrets.add(key);
    const transport = new FakeTransport();
    const connection = new Connection(transport, { secrets });
    const call = connection.request("initialize", {});
    // The tail keeps 4000 characters: this cut falls three characters into the key.
    const stderr = `Authorization: Bearer ${key}\n${"z".repeat(4000 - (key.length - 3) - 1)}\n`;
    transport.end({ exitCode: 3, stderrTail: stderr });
    const err = (await call.catch((e: unknown) => e)) as TransportClosedError;
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.stderrTail.length).toBeLessThanOrEqual(4000);
    expect(err.stderrTail.endsWith("zzz")).toBe(true);
    for (const text of [err.stderrTail, err.message]) {
      for (let at = 0; at + 8 <= key.length; at++)
        expect(text).not.toContain(key.slice(at, at + 8));
    }
  });

  it("shows no part of a secret in a dropped message that the log's cut would split", () => {
    const key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0".repeat(4);
    const secrets = new Secrets();
    secrets.add(key);
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    new Connection(transport, { log, secrets });
    // The log keeps 1000 characters of it: this cut falls three characters before the key's end.
    const text = `${"x".repeat(1000 - key.length + 3)}${key}`;
    transport.dropped("a binary WebSocket frame", text);
    expect(entries).toHaveLength(1);
    const logged = inspect(entries, { depth: 10 });
    for (let at = 0; at + 8 <= key.length; at++)
      expect(logged).not.toContain(key.slice(at, at + 8));
  });

  it("reads an error of null beside a result as no error", async () => {
    const { transport, connection } = setup();
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    transport.deliver({ id: sent.id, result: { data: [] }, error: null });
    await expect(call).resolves.toEqual({ data: [] });
    // And a method of null beside the id: the call is answered, not left waiting.
    const next = connection.request("model/list", {});
    const second = await transport.waitForSent(2);
    transport.deliver({ id: second.id, method: null, result: { data: [1] } });
    await expect(next).resolves.toEqual({ data: [1] });
  });

  it("ignores responses to unknown ids", async () => {
    const { transport, connection } = setup();
    transport.deliver({ id: 999, result: {} });
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    transport.deliver({ id: sent.id, result: { data: [1] } });
    await expect(call).resolves.toEqual({ data: [1] });
  });
});

describe("Connection: requests in flight", () => {
  /** The ids of the requests sent so far, in order. */
  const sentIds = (transport: FakeTransport) => transport.sent.map((m) => m.id as number);
  const waitingBehind = (connection: Connection, count: number) =>
    Array.from({ length: count }, (_, i) =>
      connection.request("thread/read", { threadId: `t${i}` }),
    );
  // The clock stands still, so no place's hold ends on a slow machine; one test moves it.
  beforeEach(() => void vi.useFakeTimers({ toFake: ["hrtime"] }));
  afterEach(() => void vi.useRealTimers());

  it("keeps at most MAX_IN_FLIGHT requests at the server, and sends the rest in order as answers come", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT + 3);
    await transport.waitForSent(MAX_IN_FLIGHT);
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    expect(connection.stats).toMatchObject({ inFlight: MAX_IN_FLIGHT, queued: 3 });
    // An answer to a request still waiting answers nothing: it was never sent.
    transport.deliver({ id: MAX_IN_FLIGHT + 1, result: { thread: { id: "early" } } });
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    // Each answer, success or error, sends the next one waiting.
    transport.deliver({ id: 5, result: { thread: { id: "t4" } } });
    transport.deliver({ id: 7, error: { code: -32600, message: "no" } });
    expect(sentIds(transport).slice(MAX_IN_FLIGHT)).toEqual([MAX_IN_FLIGHT + 1, MAX_IN_FLIGHT + 2]);
    await expect(calls[4]).resolves.toEqual({ thread: { id: "t4" } });
    await expect(calls[6]).rejects.toThrow("no");
    for (const message of [...transport.sent]) {
      if (message.id !== 5 && message.id !== 7) {
        transport.deliver({ id: message.id, result: { thread: { id: "x" } } });
      }
    }
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT + 3);
    transport.deliver({ id: MAX_IN_FLIGHT + 3, result: { thread: { id: "last" } } });
    await expect(calls.at(-1)).resolves.toEqual({ thread: { id: "last" } });
    await Promise.all(calls.map((call) => call.catch(() => undefined)));
    expect(connection.stats).toMatchObject({ pending: 0, inFlight: 0, queued: 0 });
  });

  it("refuses, once closing, every request but those it still sends, and withdraws those waiting", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT + 2);
    await transport.waitForSent(MAX_IN_FLIGHT);
    connection.closeToNew((method) => method === "account/login/cancel");
    const waiting = await Promise.allSettled(calls.slice(MAX_IN_FLIGHT));
    expect(waiting.map((r) => r.status === "rejected" && r.reason)).toEqual([
      new TransportClosedError("the Codex client was closed"),
      new TransportClosedError("the Codex client was closed"),
    ]);
    await expect(connection.request("thread/start", {})).rejects.toBeInstanceOf(
      TransportClosedError,
    );
    const cancel = connection.request("account/login/cancel", { loginId: "L" });
    // Answers still come to those sent, and free no place for the ones withdrawn.
    transport.deliver({ id: 1, result: { thread: { id: "t0" } } });
    await expect(calls[0]).resolves.toEqual({ thread: { id: "t0" } });
    expect(transport.sent.slice(MAX_IN_FLIGHT).map((m) => m.method)).toEqual([
      "account/login/cancel",
    ]);
    expect(connection.stats).toMatchObject({ queued: 0 });
    await connection.close();
    await expect(cancel).rejects.toBeInstanceOf(TransportClosedError);
    await Promise.allSettled(calls);
  });

  it("sends a stop or a steer at once when every place of other requests is taken: it takes one of its own", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT + 1);
    const interrupt = connection.request("turn/interrupt", { threadId: "t", turnId: "u" });
    const pause = connection.request("thread/goal/set", { threadId: "t", status: "paused" });
    await transport.waitForSent(MAX_IN_FLIGHT + 2);
    expect(transport.sent.slice(MAX_IN_FLIGHT).map((m) => m.method)).toEqual([
      "turn/interrupt",
      "thread/goal/set",
    ]);
    expect(connection.stats).toMatchObject({ inFlight: MAX_IN_FLIGHT + 2, queued: 1 });
    transport.deliver({ id: MAX_IN_FLIGHT + 2, result: {} });
    await interrupt;
    // Its answer freed no place of theirs: the request waiting is still waiting.
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT + 2);
    // Every other stop of the protocol too: a search's, a stream's, a watch's, a realtime session's.
    const stops = [
      "account/gatewayOAuth/cancel",
      "userVerification/cancel",
      "thread/backgroundTerminals/terminate",
      "thread/realtime/stop",
      "thread/sample/cancel",
      "thread/search/cancel",
      "thread/search/stream/cancel",
      "fuzzyFileSearch/sessionStop",
      "mcpServer/event/stream/stop",
      "fs/unwatch",
    ];
    const stopped = stops.map((method) => connection.request(method, {}).catch((e: unknown) => e));
    await transport.waitForSent(MAX_IN_FLIGHT + 2 + stops.length);
    expect(transport.sent.slice(MAX_IN_FLIGHT + 2).map((m) => m.method)).toEqual(stops);
    await connection.close();
    await expect(pause).rejects.toBeInstanceOf(TransportClosedError);
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(TransportClosedError);
    for (const stop of stopped) expect(await stop).toBeInstanceOf(TransportClosedError);
    expect(connection.stats).toMatchObject({ pending: 0, inFlight: 0, queued: 0 });
  });

  it("keeps at most MAX_STOPS_IN_FLIGHT stops and steers at the server, the rest in order", async () => {
    // A burst of them (a thousand goal pauses, terminates, unwatches) would overload the server.
    const { transport, connection } = setup();
    const stops = Array.from({ length: MAX_STOPS_IN_FLIGHT + 2 }, (_, i) =>
      connection.request("turn/interrupt", { threadId: `t${i}`, turnId: "u" }),
    );
    await transport.waitForSent(MAX_STOPS_IN_FLIGHT);
    expect(connection.stats).toMatchObject({ inFlight: MAX_STOPS_IN_FLIGHT, queued: 2 });
    // Other requests are not held by them.
    const read = connection.request("thread/read", { threadId: "r" });
    expect(transport.sent.at(-1)!.method).toBe("thread/read");
    transport.deliver({ id: 3, result: {} });
    expect(sentIds(transport).slice(MAX_STOPS_IN_FLIGHT + 1)).toEqual([MAX_STOPS_IN_FLIGHT + 1]);
    for (const { id } of [...transport.sent]) transport.deliver({ id, result: {} });
    expect(sentIds(transport).at(-1)).toBe(MAX_STOPS_IN_FLIGHT + 2);
    transport.deliver({ id: MAX_STOPS_IN_FLIGHT + 2, result: {} });
    await Promise.all([...stops, read]);
    expect(connection.stats).toMatchObject({ pending: 0, inFlight: 0, queued: 0 });
  });

  it("sends a goal's edit other than a pause in line: a clearGoal called before it goes first", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT);
    await transport.waitForSent(MAX_IN_FLIGHT);
    const clear = connection.request("thread/goal/clear", { threadId: "t" });
    const set = connection.request("thread/goal/set", { threadId: "t", objective: "ship it" });
    const paused = { threadId: "t", status: "paused", tokenBudget: 10 };
    const budget = connection.request("thread/goal/set", paused);
    // A pause alone stops work: it goes at once (another thread's: nothing of its waits).
    const pause = connection.request("thread/goal/set", { threadId: "u", status: "paused" });
    await transport.waitForSent(MAX_IN_FLIGHT + 1);
    expect(transport.sent.slice(MAX_IN_FLIGHT).map((m) => m.params)).toEqual([
      { threadId: "u", status: "paused" },
    ]);
    for (let i = 0; i < 3; i++) transport.deliver({ id: i + 1, result: {} });
    await transport.waitForSent(MAX_IN_FLIGHT + 4);
    expect(transport.sent.slice(MAX_IN_FLIGHT + 1).map((m) => [m.method, m.params])).toEqual([
      ["thread/goal/clear", { threadId: "t" }],
      ["thread/goal/set", { threadId: "t", objective: "ship it" }],
      ["thread/goal/set", paused],
    ]);
    await connection.close();
    await Promise.allSettled([...calls, clear, set, budget, pause]);
  });

  it("keeps call order between a stop and work of the same thread or key, whichever waits", async () => {
    const { transport, connection } = setup();
    const methods = () => transport.sent.map((m) => `${m.method} ${JSON.stringify(m.params)}`);
    // Every place of other requests taken: a pause after a goal's edit waiting goes behind it.
    const calls = waitingBehind(connection, MAX_IN_FLIGHT);
    await transport.waitForSent(MAX_IN_FLIGHT);
    const set = connection.request("thread/goal/set", { threadId: "t", objective: "ship it" });
    const pause = connection.request("thread/goal/set", { threadId: "t", status: "paused" });
    const other = connection.request("thread/goal/set", { threadId: "u", status: "paused" });
    await transport.waitForSent(MAX_IN_FLIGHT + 1);
    expect(methods().slice(MAX_IN_FLIGHT)).toEqual([
      'thread/goal/set {"threadId":"u","status":"paused"}',
    ]);
    transport.deliver({ id: 1, result: {} });
    transport.deliver({ id: 2, result: {} });
    await transport.waitForSent(MAX_IN_FLIGHT + 3);
    expect(methods().slice(MAX_IN_FLIGHT + 1)).toEqual([
      'thread/goal/set {"threadId":"t","objective":"ship it"}',
      'thread/goal/set {"threadId":"t","status":"paused"}',
    ]);
    for (const { id } of [...transport.sent]) transport.deliver({ id, result: {} });
    // Every place of the stops taken: work after a stop waiting goes behind it.
    const stops = Array.from({ length: MAX_STOPS_IN_FLIGHT }, (_, i) =>
      connection.request("turn/interrupt", { threadId: `s${i}`, turnId: "u" }),
    );
    const sent = transport.sent.length;
    const unwatch = connection.request("fs/unwatch", { watchId: "w" });
    const pauseAgain = connection.request("thread/goal/set", { threadId: "t", status: "paused" });
    const watch = connection.request("fs/watch", { watchId: "w", path: "/a" });
    const active = connection.request("thread/goal/set", { threadId: "t", status: "active" });
    const otherWatch = connection.request("fs/watch", { watchId: "v", path: "/b" });
    expect(methods().slice(sent)).toEqual(['fs/watch {"watchId":"v","path":"/b"}']);
    for (const { id } of transport.sent.slice(sent - MAX_STOPS_IN_FLIGHT, sent)) {
      transport.deliver({ id, result: {} });
    }
    expect(methods().slice(sent + 1)).toEqual([
      'fs/unwatch {"watchId":"w"}',
      'thread/goal/set {"threadId":"t","status":"paused"}',
      'fs/watch {"watchId":"w","path":"/a"}',
      'thread/goal/set {"threadId":"t","status":"active"}',
    ]);
    await connection.close();
    const all = [
      ...calls,
      set,
      pause,
      other,
      ...stops,
      unwatch,
      pauseAgain,
      watch,
      active,
      otherWatch,
    ];
    await Promise.allSettled(all);
    expect(connection.stats).toMatchObject({ pending: 0, inFlight: 0, queued: 0 });
  });

  it("sends a stop in line behind a request of the work it stops that waits for a place", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT);
    await transport.waitForSent(MAX_IN_FLIGHT);
    // Each start waits for a place; its stop, sent at once, would reach the server first.
    const pairs = [
      ["fs/watch", "fs/unwatch", { watchId: "w" }],
      ["mcpServer/event/stream/start", "mcpServer/event/stream/stop", { subscriptionId: "s" }],
      ["fuzzyFileSearch/sessionStart", "fuzzyFileSearch/sessionStop", { sessionId: "f" }],
      ["process/spawn", "process/kill", { processHandle: "p" }],
    ] as const;
    const later = pairs.flatMap(([start, stop, key]) => [
      connection.request(start, key).catch((e: unknown) => e),
      connection.request(stop, key).catch((e: unknown) => e),
    ]);
    // A stop of other work still goes at once: another process's, a search that is not waiting.
    const others = [
      connection.request("process/kill", { processHandle: "other" }).catch((e: unknown) => e),
      connection.request("thread/search/cancel", { requestId: 1 }).catch((e: unknown) => e),
    ];
    await transport.waitForSent(MAX_IN_FLIGHT + 2);
    expect(transport.sent.slice(MAX_IN_FLIGHT).map((m) => m.method)).toEqual([
      "process/kill",
      "thread/search/cancel",
    ]);
    for (let i = 0; i < MAX_IN_FLIGHT; i++) transport.deliver({ id: i + 1, result: {} });
    await transport.waitForSent(MAX_IN_FLIGHT + 2 + pairs.length * 2);
    expect(transport.sent.slice(MAX_IN_FLIGHT + 2).map((m) => m.method)).toEqual(
      pairs.flatMap(([start, stop]) => [start, stop]),
    );
    await connection.close();
    for (const call of calls) await call;
    for (const call of [...later, ...others])
      expect(await call).toBeInstanceOf(TransportClosedError);
  });

  it("sends a cancel in line behind the request it names, still waiting for a place", async () => {
    const { transport, connection } = setup();
    const calls = waitingBehind(connection, MAX_IN_FLIGHT);
    await transport.waitForSent(MAX_IN_FLIGHT);
    const search = connection.request("thread/search", {}).catch((e: unknown) => e);
    const cancel = connection
      .request("thread/search/cancel", { requestId: MAX_IN_FLIGHT + 1 })
      .catch((e: unknown) => e);
    transport.deliver({ id: 1, result: {} });
    await transport.waitForSent(MAX_IN_FLIGHT + 1);
    expect(transport.sent.at(-1)!.method).toBe("thread/search");
    expect(connection.stats.queued).toBe(1);
    await connection.close();
    await Promise.allSettled(calls);
    for (const call of [search, cancel]) expect(await call).toBeInstanceOf(TransportClosedError);
  });

  it("never sends a waiting request given up on; a sent one keeps its place until its answer", async () => {
    const { transport, connection } = setup();
    const held = waitingBehind(connection, MAX_IN_FLIGHT - 1);
    const slow = connection.request("thread/read", { threadId: "slow" }, { timeout: 30 });
    const controller = new AbortController();
    const abandoned = connection.request("model/list", {}, { signal: controller.signal });
    const timed = connection.request("model/list", {}, { timeout: 5 });
    const next = connection.request("model/list", { cursor: "next" });
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ name: "AbortError" });
    await expect(timed).rejects.toBeInstanceOf(RequestTimeoutError);
    // The sent call given up on still holds its place: the server may still be working on it.
    await expect(slow).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    expect(connection.stats).toMatchObject({ inFlight: MAX_IN_FLIGHT, queued: 1 });
    // Its late answer is dropped and frees the place: the next one waiting is sent, and neither
    // of those given up on while waiting ever is.
    transport.deliver({ id: MAX_IN_FLIGHT, result: { thread: { id: "slow" } } });
    expect(transport.sent.slice(MAX_IN_FLIGHT).map((m) => m.params)).toEqual([{ cursor: "next" }]);
    expect(connection.stats).toMatchObject({ inFlight: MAX_IN_FLIGHT, queued: 0 });
    await connection.close();
    await Promise.allSettled([...held, next]);
  });

  it("gives a place held unanswered for PLACE_HOLD_MS to the next request: a long call or a lost answer jams nothing", async () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, connection } = setup();
    const held = waitingBehind(connection, MAX_IN_FLIGHT);
    const later = waitingBehind(connection, 2);
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    vi.advanceTimersByTime(PLACE_HOLD_MS - 1);
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    vi.advanceTimersByTime(1);
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT + 2);
    expect(connection.stats).toMatchObject({ inFlight: 2, queued: 0 });
    // The long calls still get their answers.
    transport.deliver({ id: 1, result: { thread: { id: "t0" } } });
    await expect(held[0]).resolves.toEqual({ thread: { id: "t0" } });
    await connection.close();
    await Promise.allSettled([...held, ...later]);
    expect(connection.stats).toMatchObject({ pending: 0, inFlight: 0, queued: 0 });
  });

  it("fails a waiting call alone when the transport cannot take its line as its turn comes", async () => {
    const transport = new RefusingTransport();
    const connection = new Connection(transport);
    const held = waitingBehind(connection, MAX_IN_FLIGHT);
    const refused = connection.request("thread/read", { threadId: "too long" });
    const after = connection.request("thread/read", { threadId: "after" });
    await transport.waitForSent(MAX_IN_FLIGHT);
    transport.deliver({ id: 1, result: { thread: { id: "t0" } } });
    await expect(refused).rejects.toThrow("the params of thread/read could not be sent");
    expect(transport.sent.at(-1)).toMatchObject({ params: { threadId: "after" } });
    expect(connection.stats).toMatchObject({ inFlight: MAX_IN_FLIGHT, queued: 0 });
    await connection.close();
    await Promise.allSettled([...held, after]);
  });
});

describe("LineDecoder", () => {
  it("joins lines split across chunks, including a multi-byte character cut in two", () => {
    const lines: string[] = [];
    const decoder = new LineDecoder((l) => lines.push(l), noLineTooLong);
    const bytes = Buffer.from('{"t":"héllo ✓"}\n{"n":2}\n', "utf8");
    for (let i = 0; i < bytes.length; i += 3) decoder.push(bytes.subarray(i, i + 3));
    expect(lines).toEqual(['{"t":"héllo ✓"}', '{"n":2}']);
  });

  it("handles a line over 1 MiB arriving in many chunks", () => {
    const lines: string[] = [];
    const decoder = new LineDecoder((l) => lines.push(l), noLineTooLong);
    const big = JSON.stringify({ text: "x".repeat(3 * 1024 * 1024) });
    const bytes = Buffer.from(big + "\n");
    for (let i = 0; i < bytes.length; i += 65536) decoder.push(bytes.subarray(i, i + 65536));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(big);
  });

  it("emits an unterminated last line at the end", () => {
    const lines: string[] = [];
    const decoder = new LineDecoder((l) => lines.push(l), noLineTooLong);
    decoder.push(Buffer.from("a\nb"));
    decoder.end();
    expect(lines).toEqual(["a", "b"]);
  });
});

describe("TextTail", () => {
  it("keeps the last whole lines of a long stream of small pushes, within its bound", () => {
    const tail = new TextTail(1000);
    let all = "";
    for (let i = 0; i < 20_000; i++) {
      const text = i % 7 === 0 ? `line ${i}\n` : `${i} `;
      tail.push(text);
      all += text;
    }
    const firstLine = all.indexOf("\n", all.length - 1000 - 1) + 1;
    expect(tail.text()).toBe(all.slice(firstLine));
    expect(tail.text().length).toBeLessThanOrEqual(1000);
  });

  it("drops a line the bound would cut, a line longer than the bound included", () => {
    const tail = new TextTail(100);
    tail.push("first\n");
    for (let i = 0; i < 30; i++) tail.push("0123456789");
    expect(tail.text()).toBe("");
    tail.push(" end of the long line\nnext");
    expect(tail.text()).toBe("next");
    tail.push(" line\n");
    expect(tail.text()).toBe("next line\n");
  });
});

describe("Connection.close with requests waiting for a place", () => {
  it("leaves no timer behind", async () => {
    vi.useFakeTimers();
    try {
      const transport = new FakeTransport();
      const connection = new Connection(transport);
      const calls = Array.from({ length: MAX_IN_FLIGHT + 3 }, () =>
        connection.request("model/list", {}).catch((e: unknown) => e),
      );
      await transport.waitForSent(MAX_IN_FLIGHT);
      // The ones waiting for a place wake the pump when the oldest place's hold ends.
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      await connection.close();
      expect(await Promise.all(calls)).toHaveLength(MAX_IN_FLIGHT + 3);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("lastLines", () => {
  it("keeps the last lines, then the last characters of them", () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n") + "\n\n";
    expect(lastLines(text, 3)).toBe("line 47\nline 48\nline 49");
    expect(lastLines(text, 3, 10)).toBe("48\nline 49");
  });

  it("shows the runtime's coloured log lines plain", () => {
    const coloured =
      "\u001b[2m2026-12-04T21:00:00Z\u001b[0m \u001b[31mERROR\u001b[0m codex: failed\n" +
      "\u001b[1;33mWARN\u001b[0m \u001b[2Kdone\n";
    expect(lastLines(coloured)).toBe("2026-12-04T21:00:00Z ERROR codex: failed\nWARN done");
  });

  it("shows no other control character: no clipboard written, title set or line overwritten", () => {
    const esc = "\u001b";
    const hostile =
      `boom${esc}]52;c;aGVsbG8=\u0007 ${esc}]0;pwned\u0007\rOVERWRITE\r\n` +
      "tab\there\u009b31m\u007f\n";
    const tail = lastLines(hostile);
    expect(tail).toBe("boom ]52;c;aGVsbG8=   ]0;pwned OVERWRITE\ntab here 31m");
    expect(tail).not.toMatch(/\p{Cc}(?<!\n)/u);
  });
});

describe("LineDecoder edge cases", () => {
  it("handles empty lines, CRLF endings, and chunks that are only newlines", () => {
    const lines: string[] = [];
    const decoder = new LineDecoder((l) => lines.push(l), noLineTooLong);
    for (const part of ["\n", '{"a":1}\r\n\n{"b"', ":2}", "\n", "\n", '{"c":3}\n{"d":4}\n']) {
      decoder.push(Buffer.from(part));
    }
    decoder.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
  });

  it("splits every byte boundary of a mixed stream the same way", () => {
    const text = '{"x":"é"}\n\n{"y":"✓✓"}\n{"z":1}';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const lines: string[] = [];
      const decoder = new LineDecoder((l) => lines.push(l), noLineTooLong);
      decoder.push(bytes.subarray(0, cut));
      decoder.push(bytes.subarray(cut));
      decoder.end();
      expect(lines).toEqual(['{"x":"é"}', '{"y":"✓✓"}', '{"z":1}']);
    }
  });
});
