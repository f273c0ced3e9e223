import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CodexError,
  CodexRpcError,
  InternalRpcError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  RequestTimeoutError,
  RetryLimitExceededError,
  ServerBusyError,
  StructuredOutputError,
  TransportClosedError,
  TurnAbortedError,
  fromWireError,
  isOverloadData,
  isRetryableError,
  mapJsonRpcError,
  retryOnOverload,
  TurnFailedError,
} from "../../src/errors.js";
import type { TurnResult } from "../../src/result.js";
import { abortError, deadline } from "../../src/internal/deadline.js";
import { deferred } from "../../src/internal/deferred.js";
import { trapProcessFaults } from "../support/fault/guards.js";

const overloaded = { codex_error_info: "server_overloaded" };

describe("error classes", () => {
  it("set name to the class name and keep the prototype chain", () => {
    const cases: [Error, string][] = [
      [new CodexError("x"), "CodexError"],
      [new TransportClosedError("x"), "TransportClosedError"],
      [new JsonRpcError(1, "x"), "JsonRpcError"],
      [new CodexRpcError(-32000, "x"), "CodexRpcError"],
      [new ParseError(-32700, "x"), "ParseError"],
      [new InvalidRequestError(-32600, "x"), "InvalidRequestError"],
      [new MethodNotFoundError(-32601, "x"), "MethodNotFoundError"],
      [new InvalidParamsError(-32602, "x"), "InvalidParamsError"],
      [new InternalRpcError(-32603, "x"), "InternalRpcError"],
      [new ServerBusyError(-32001, "x"), "ServerBusyError"],
      [new RetryLimitExceededError(-32001, "x"), "RetryLimitExceededError"],
      [new RequestTimeoutError("thread/start", 10), "RequestTimeoutError"],
    ];
    for (const [err, name] of cases) {
      expect(err.name).toBe(name);
      expect(err).toBeInstanceOf(CodexError);
      expect(err).toBeInstanceOf(Error);
      expect(String(err.stack)).toContain(`${name}: `);
    }
  });

  it("carry a cause", () => {
    const cause = new Error("root");
    expect(new CodexError("x", { cause }).cause).toBe(cause);
    expect(new TransportClosedError("x", { cause }).cause).toBe(cause);
    expect(new JsonRpcError(1, "x", undefined, { cause }).cause).toBe(cause);
    expect(new ServerBusyError(-32001, "x", undefined, { cause }).cause).toBe(cause);
    expect(new RequestTimeoutError("m", 1, { cause }).cause).toBe(cause);
  });
});

describe("TransportClosedError", () => {
  it("appends the stderr tail to the message", () => {
    const err = new TransportClosedError("codex app-server exited with code 1", {
      exitCode: 1,
      stderrTail: "error: bad config\npanic",
    });
    expect(err.message).toBe(
      "codex app-server exited with code 1\nstderr tail:\nerror: bad config\npanic",
    );
    expect(err.exitCode).toBe(1);
    expect(err.signal).toBeNull();
    expect(err.stderrTail).toBe("error: bad config\npanic");
  });

  it("leaves the message alone when the tail is empty", () => {
    const err = new TransportClosedError("codex app-server was killed by SIGKILL", {
      signal: "SIGKILL",
      stderrTail: "",
    });
    expect(err.message).toBe("codex app-server was killed by SIGKILL");
    expect(err.signal).toBe("SIGKILL");
    expect(err.exitCode).toBeNull();
  });

  it("defaults every field when no options are given", () => {
    const err = new TransportClosedError("stdout closed");
    expect(err.message).toBe("stdout closed");
    expect(err.exitCode).toBeNull();
    expect(err.signal).toBeNull();
    expect(err.stderrTail).toBe("");
    expect(err.cause).toBeUndefined();
  });
});

describe("JsonRpcError", () => {
  it("formats the message from the code and the server's message", () => {
    const err = new JsonRpcError(-32601, "no such method", { extra: 1 });
    expect(err.message).toBe("JSON-RPC error -32601: no such method");
    expect(err.code).toBe(-32601);
    expect(err.rpcMessage).toBe("no such method");
    expect(err.data).toEqual({ extra: 1 });
    expect(err.method).toBeUndefined();
    // Named by the request it answers, when known: a log line says which call failed.
    const named = mapJsonRpcError(-32600, "no rollout found", undefined, "thread/read");
    expect(named).toBeInstanceOf(InvalidRequestError);
    for (const [method, got] of [
      [null, "null"],
      [42, "number"],
      ["", "an empty string"],
    ] as const) {
      expect(() => mapJsonRpcError(-32600, "bad", undefined, method as never)).toThrow(
        new RegExp(`^method must be a non-empty string, got ${got}`),
      );
    }
    expect([named.method, named.message]).toEqual([
      "thread/read",
      "JSON-RPC error -32600 (thread/read): no rollout found",
    ]);
  });
});

describe("RequestTimeoutError", () => {
  it("records the method and the timeout", () => {
    const err = new RequestTimeoutError("turn/start", 5000);
    expect(err.method).toBe("turn/start");
    expect(err.timeoutMs).toBe(5000);
    expect(err.message).toContain("turn/start");
    expect(err.message).toContain("5000");
  });
});

describe("abortError", () => {
  it("returns the signal's reason when it is an Error", () => {
    const reason = new Error("user cancelled");
    const controller = new AbortController();
    controller.abort(reason);
    expect(abortError(controller.signal)).toBe(reason);
  });

  it("returns Node's default AbortError reason for a bare abort()", () => {
    const controller = new AbortController();
    controller.abort();
    const err = abortError(controller.signal);
    expect(err).toBe(controller.signal.reason);
    expect(err.name).toBe("AbortError");
  });

  it("returns a DOMException AbortError, the reason its cause, when the reason is not an Error", () => {
    for (const reason of ["user closed the dialog", { code: "CANCELLED" }]) {
      const controller = new AbortController();
      controller.abort(reason);
      const err = abortError(controller.signal);
      expect(err).toBeInstanceOf(DOMException);
      expect(err.name).toBe("AbortError");
      expect(err.message).toBe("The operation was aborted");
      expect(err.cause).toBe(reason);
    }
  });
});

describe("deadline", () => {
  it("holds one listener on a signal however many waits share it, and none once they end", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const { signal } = controller;
      const never = new Promise<never>(() => {});
      const gates = Array.from({ length: 30 }, () => deferred<string>());
      const waits = gates.map((gate) => deadline(gate.promise, { signal }));
      expect(getEventListeners(signal, "abort")).toHaveLength(1);
      gates[0]!.resolve("done");
      await expect(waits[0]).resolves.toBe("done");
      const aborted = Array.from({ length: 5 }, () => deadline(never, { signal }));
      controller.abort();
      for (const wait of [...waits.slice(1), ...aborted]) {
        await expect(wait).rejects.toMatchObject({ name: "AbortError" });
      }
      expect(getEventListeners(signal, "abort")).toHaveLength(0);

      // Waits that all end without an abort leave no listener behind.
      const other = new AbortController();
      const quick = Array.from({ length: 12 }, (_, i) =>
        deadline(Promise.resolve(i), { signal: other.signal }),
      );
      expect(await Promise.all(quick)).toHaveLength(12);
      expect(getEventListeners(other.signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("handles the rejection of work it gave up on, an abort already made before it too", async () => {
    const trap = trapProcessFaults();
    try {
      const controller = new AbortController();
      controller.abort();
      let fail!: (error: Error) => void;
      const work = new Promise<never>((_, reject) => (fail = reject));
      await expect(deadline(work, { signal: controller.signal })).rejects.toMatchObject({
        name: "AbortError",
      });
      fail(new Error("the work failed after the wait was given up"));
      await trap.expectNone();
    } finally {
      trap.dispose();
    }
  });
});

describe("mapJsonRpcError", () => {
  it.each([
    [-32700, ParseError],
    [-32600, InvalidRequestError],
    [-32601, MethodNotFoundError],
    [-32602, InvalidParamsError],
    [-32603, InternalRpcError],
  ])("maps the standard code %i to its own class under CodexRpcError", (code, cls) => {
    const err = mapJsonRpcError(code, "boom", { detail: true });
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(CodexRpcError);
    expect(err).toBeInstanceOf(JsonRpcError);
    expect(err).toBeInstanceOf(CodexError);
    expect(err.code).toBe(code);
    expect(err.rpcMessage).toBe("boom");
    expect(err.data).toEqual({ detail: true });
  });

  it("does not treat overload data on a standard code as ServerBusyError", () => {
    expect(mapJsonRpcError(-32603, "internal", overloaded)).toBeInstanceOf(InternalRpcError);
    expect(mapJsonRpcError(-32603, "internal", overloaded)).not.toBeInstanceOf(ServerBusyError);
  });

  it("maps -32001 with server_overloaded data to ServerBusyError", () => {
    const err = mapJsonRpcError(-32001, "busy", overloaded);
    expect(err.constructor).toBe(ServerBusyError);
    expect(err).toBeInstanceOf(CodexRpcError);
  });

  it("maps the app-server's own refusal when its queues are full (-32001, no data) to ServerBusyError", () => {
    const err = mapJsonRpcError(-32001, "Server overloaded; retry later.");
    expect(err.constructor).toBe(ServerBusyError);
    expect(isRetryableError(err)).toBe(true);
    // Another code of the server range without overload data stays a plain CodexRpcError.
    expect(mapJsonRpcError(-32002, "Server overloaded; retry later.").constructor).toBe(
      CodexRpcError,
    );
  });

  it("maps overload data plus a retry-exhaustion message to RetryLimitExceededError", () => {
    const err = mapJsonRpcError(-32000, "Retry limit reached", overloaded);
    expect(err.constructor).toBe(RetryLimitExceededError);
    expect(err).toBeInstanceOf(ServerBusyError);
    expect(err).toBeInstanceOf(CodexRpcError);
    expect(err).toBeInstanceOf(JsonRpcError);
  });

  it.each([
    "exceeded retry limit, last status: 503",
    "RETRY LIMIT exceeded",
    "Too many failed attempts",
    "stream failed: too many FAILED attempts (5)",
  ])(
    "maps a retry-exhaustion message without overload data to RetryLimitExceededError: %s",
    (message) => {
      expect(mapJsonRpcError(-32050, message).constructor).toBe(RetryLimitExceededError);
    },
  );

  it("reads a message and data of any length without a lowercase copy, which V8 cannot make past 268 M characters", () => {
    // "İ" lowercases to two characters: a copy of this message would pass V8's string limit,
    // which crashes Node 20 outright.
    const huge = "\u0130".repeat(268_435_450);
    const err = mapJsonRpcError(-32050, huge, { codexErrorInfo: huge });
    expect(err.constructor).toBe(CodexRpcError);
    expect(err.rpcMessage).toHaveLength(huge.length);
  });

  it("maps the edges of the server range (-32000 and -32099) like any server code", () => {
    expect(mapJsonRpcError(-32000, "busy", overloaded).constructor).toBe(ServerBusyError);
    expect(mapJsonRpcError(-32099, "busy", overloaded).constructor).toBe(ServerBusyError);
    expect(mapJsonRpcError(-32000, "x").constructor).toBe(CodexRpcError);
    expect(mapJsonRpcError(-32099, "x").constructor).toBe(CodexRpcError);
  });

  it("names a code or a message that is none", () => {
    for (const code of [undefined, "-32000", Number.NaN, Infinity]) {
      expect(() => mapJsonRpcError(code as never, "m")).toThrow(
        /^code must be a JSON-RPC error code \(a number\), got /,
      );
    }
    for (const message of [undefined, 42]) {
      expect(() => mapJsonRpcError(-32001, message as never)).toThrow(
        /^message must be a string, got /,
      );
    }
  });

  it("says how to load a thread the server did not find, keeping the server's words", () => {
    const err = mapJsonRpcError(-32600, "thread not found: th-1", undefined, "turn/start");
    expect(err.rpcMessage).toBe("thread not found: th-1");
    expect(err.message).toBe(
      "JSON-RPC error -32600 (turn/start): thread not found: th-1 (a stored thread the server " +
        "has not loaded, an unarchived one say, is loaded by codex.threadResume(id))",
    );
    expect(mapJsonRpcError(-32600, "no thread here", undefined, "turn/start").message).toBe(
      "JSON-RPC error -32600 (turn/start): no thread here",
    );
  });

  it("maps a server code without overload data or retry message to plain CodexRpcError", () => {
    const err = mapJsonRpcError(-32010, "thread not found", { codex_error_info: "other" });
    expect(err.constructor).toBe(CodexRpcError);
  });

  it.each([-31999, -32100, 0, 1, 42, -1])(
    "maps the code %i outside every known range to plain JsonRpcError",
    (code) => {
      const err = mapJsonRpcError(code, "retry limit reached", overloaded);
      expect(err.constructor).toBe(JsonRpcError);
      expect(err).not.toBeInstanceOf(CodexRpcError);
    },
  );

  describe("recognises overload data", () => {
    it.each<[string, unknown]>([
      ["the data itself as a string", "server_overloaded"],
      ["the data itself in another case", "SERVER_OVERLOADED"],
      ["codex_error_info as a string", { codex_error_info: "server_overloaded" }],
      ["codexErrorInfo as a string", { codexErrorInfo: "Server_Overloaded" }],
      ["errorInfo as a string", { errorInfo: "server_overloaded" }],
      ["the v2 camelCase spelling", { codexErrorInfo: "serverOverloaded" }],
      ["codexErrorInfo as an object", { codexErrorInfo: { type: "server_overloaded" } }],
      ["codex_error_info as an object", { codex_error_info: { kind: "SERVER_OVERLOADED" } }],
      ["a string nested in an object", { error: { details: { reason: "server_overloaded" } } }],
      ["a string in an array", { reasons: ["timeout", "server_overloaded"] }],
      ["an object in an array", [{ info: { codexErrorInfo: "server_overloaded" } }]],
    ])("in %s", (_label, data) => {
      expect(isOverloadData(data)).toBe(true);
      expect(mapJsonRpcError(-32001, "busy", data).constructor).toBe(ServerBusyError);
    });

    it.each<[string, unknown]>([
      ["undefined", undefined],
      ["null", null],
      ["a number", 503],
      ["another string", "overloaded"],
      ["a longer string that mentions it", "server_overloaded: try later"],
      ["the word only as a key", { server_overloaded: true }],
      ["an unrelated object", { codexErrorInfo: { type: "unauthorized" } }],
    ])("but not %s", (_label, data) => {
      expect(isOverloadData(data)).toBe(false);
      // On a code other than the app-server's own overload code.
      expect(mapJsonRpcError(-32050, "busy", data).constructor).toBe(CodexRpcError);
    });

    it("survives cyclic data", () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      cyclic.list = [cyclic];
      expect(isOverloadData(cyclic)).toBe(false);
      cyclic.later = "server_overloaded";
      expect(isOverloadData(cyclic)).toBe(true);
    });

    it("stops at a depth limit instead of overflowing the stack", () => {
      let deep: unknown = "server_overloaded";
      for (let i = 0; i < 100_000; i++) deep = { next: deep };
      expect(isOverloadData(deep)).toBe(false);

      let shallow: unknown = "server_overloaded";
      for (let i = 0; i < 10; i++) shallow = [{ next: shallow }];
      expect(isOverloadData(shallow)).toBe(true);
    });
  });
});

describe("fromWireError", () => {
  it("maps a well-formed error member", () => {
    const err = fromWireError({ code: -32601, message: "unknown method", data: { m: "x" } });
    expect(err).toBeInstanceOf(MethodNotFoundError);
    expect(err).toMatchObject({ code: -32601, rpcMessage: "unknown method", data: { m: "x" } });
  });

  it("maps overload data from the wire", () => {
    const err = fromWireError({ code: -32001, message: "busy", data: overloaded });
    expect(err.constructor).toBe(ServerBusyError);
  });

  it("defaults a missing code to -32000 and a missing message to 'unknown'", () => {
    const err = fromWireError({});
    expect(err.constructor).toBe(CodexRpcError);
    expect(err).toMatchObject({ code: -32000, rpcMessage: "unknown" });
    expect(err.message).toBe("JSON-RPC error -32000: unknown");
  });

  it("treats a non-numeric code and a non-string message as missing", () => {
    expect(fromWireError({ code: "-32601", message: 7 })).toMatchObject({
      code: -32000,
      rpcMessage: "unknown",
    });
  });

  it.each<unknown>([null, undefined, "boom", 42, true, [1, 2]])(
    "returns a plain CodexError for the malformed member %j",
    (wire) => {
      const err = fromWireError(wire);
      expect(err.constructor).toBe(CodexError);
      expect(err.message).toBe("Malformed JSON-RPC error response");
    },
  );
});

describe("TurnFailedError", () => {
  it("takes the server's message when it is a string, and is made whatever shape the error has", () => {
    const failed = (error: unknown) =>
      new TurnFailedError({ id: "t", status: "failed", error } as unknown as TurnResult);
    expect(failed({ message: "the model broke" }).message).toBe("the model broke");
    for (const error of [
      { message: { toString: 1 } },
      { message: 42 },
      { message: "" },
      "boom",
      7,
      null,
    ]) {
      const err = failed(error);
      expect(err).toBeInstanceOf(TurnFailedError);
      expect(err.message).toBe("turn t failed with status failed");
      expect(err.turnError).toBe(error);
    }
  });
});

describe("the server's words in an error's message", () => {
  // What a program printing the error to a terminal would run: a clipboard write, a window
  // title, a line overwritten by a carriage return.
  const hostile = "boom\u001b]52;c;aGVsbG8=\u0007\u001b]0;pwned\u0007\rOVERWRITE\nline two\u009b";
  const shown = "boom ]52;c;aGVsbG8= ]0;pwned OVERWRITE\nline two ";

  it("are shown plain, line breaks kept, and kept as sent in their own fields", () => {
    const rpc = new JsonRpcError(-32000, hostile);
    expect(rpc.message).toBe(`JSON-RPC error -32000: ${shown}`);
    expect(rpc.rpcMessage).toBe(hostile);
    const error = { message: hostile, codexErrorInfo: null, additionalDetails: null };
    const turn = new TurnFailedError({ id: "t", status: "failed", error } as unknown as TurnResult);
    expect(turn.message).toBe(shown);
    expect(turn.turnError).toBe(error);
    // The JSON parser's words quote the model's answer.
    const result = { id: "t", status: "completed" } as unknown as TurnResult;
    const output = new StructuredOutputError(hostile, [{ message: hostile }], result);
    expect(output.message).toBe(`The answer does not match the output schema: ${shown}`);
    expect(output.text).toBe(hostile);
    // Without a message of the server's, the turn's id and status are quoted: plain too.
    const quiet = { id: "t\u001b]0;x\u0007", status: "failed", error: null };
    expect(new TurnFailedError(quiet as unknown as TurnResult).message).toBe(
      "turn t ]0;x  failed with status failed",
    );
  });
});

describe("isRetryableError", () => {
  it("is true for a turn that failed because the model was at capacity, and only then", () => {
    const failed = (codexErrorInfo: unknown) =>
      new TurnFailedError({
        id: "t",
        status: "failed",
        error: { message: "busy", codexErrorInfo, additionalDetails: null },
      } as unknown as TurnResult);
    expect(isRetryableError(failed("serverOverloaded"))).toBe(true);
    expect(isRetryableError(failed("contextWindowExceeded"))).toBe(false);
    expect(isRetryableError(failed(null))).toBe(false);
  });

  it("is true for ServerBusyError and RetryLimitExceededError", () => {
    expect(isRetryableError(new ServerBusyError(-32001, "busy"))).toBe(true);
    expect(isRetryableError(new RetryLimitExceededError(-32001, "retry limit"))).toBe(true);
  });

  it("is true for any JsonRpcError whose data is overload-like", () => {
    expect(isRetryableError(new JsonRpcError(7, "odd", overloaded))).toBe(true);
    expect(isRetryableError(new InternalRpcError(-32603, "x", ["server_overloaded"]))).toBe(true);
  });

  it("is false for other errors and non-errors", () => {
    expect(isRetryableError(new CodexRpcError(-32001, "nope"))).toBe(false);
    expect(isRetryableError(new JsonRpcError(7, "odd"))).toBe(false);
    expect(
      isRetryableError(new TransportClosedError("gone", { stderrTail: "server_overloaded" })),
    ).toBe(false);
    expect(isRetryableError(new RequestTimeoutError("m", 1))).toBe(false);
    expect(isRetryableError(new Error("server_overloaded"))).toBe(false);
    expect(isRetryableError("server_overloaded")).toBe(false);
    expect(isRetryableError(undefined)).toBe(false);
  });
});

describe("retryOnOverload", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  const busy = (): ServerBusyError => new ServerBusyError(-32001, "busy", overloaded);

  /** An operation that fails with `failures` busy errors, then succeeds; it records when it ran. */
  function flaky(failures: number) {
    const callTimes: number[] = [];
    const fn = vi.fn(async (attempt: number) => {
      callTimes.push(Date.now());
      if (attempt <= failures) throw busy();
      return `ok on attempt ${attempt}`;
    });
    const gaps = (): number[] => callTimes.slice(1).map((t, i) => t - (callTimes[i] ?? 0));
    return { fn, gaps };
  }

  it("names an fn that is no function", async () => {
    for (const fn of [undefined, "call"]) {
      await expect(retryOnOverload(fn as never)).rejects.toThrow(
        /^fn must be a function that makes the call, got /,
      );
    }
  });

  it("returns the first result without waiting when fn succeeds", async () => {
    const { fn } = flaky(0);
    await expect(retryOnOverload(fn)).resolves.toBe("ok on attempt 1");
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("retries overload errors and passes the attempt number, waiting 250 then 500 ms", async () => {
    const { fn, gaps } = flaky(2);
    const result = retryOnOverload(fn);
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("ok on attempt 3");
    expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(gaps()).toEqual([250, 500]);
  });

  it("does not call fn again before the delay has elapsed", async () => {
    const { fn } = flaky(1);
    const result = retryOnOverload(fn);
    await vi.advanceTimersByTimeAsync(249);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await expect(result).resolves.toBe("ok on attempt 2");
  });

  it("doubles the delay up to maxDelayMs", async () => {
    const { fn, gaps } = flaky(4);
    const result = retryOnOverload(fn, { maxAttempts: 5, maxDelayMs: 600 });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("ok on attempt 5");
    expect(gaps()).toEqual([250, 500, 600, 600]);
  });

  it("subtracts up to 20% jitter when Math.random returns 0", async () => {
    vi.mocked(Math.random).mockReturnValue(0);
    const { fn, gaps } = flaky(2);
    const result = retryOnOverload(fn);
    await vi.runAllTimersAsync();
    await result;
    expect(gaps()).toEqual([200, 400]);
  });

  it("adds up to 20% jitter when Math.random returns 1", async () => {
    vi.mocked(Math.random).mockReturnValue(1);
    const { fn, gaps } = flaky(2);
    const result = retryOnOverload(fn);
    await vi.runAllTimersAsync();
    await result;
    expect(gaps()).toEqual([300, 600]);
  });

  it("honours custom initialDelayMs and jitterRatio", async () => {
    vi.mocked(Math.random).mockReturnValue(1);
    const { fn, gaps } = flaky(2);
    const result = retryOnOverload(fn, { initialDelayMs: 100, jitterRatio: 0.5 });
    await vi.runAllTimersAsync();
    await result;
    expect(gaps()).toEqual([150, 300]);
  });

  it("retries immediately without timers when the delay is zero", async () => {
    const { fn, gaps } = flaky(2);
    await expect(retryOnOverload(fn, { initialDelayMs: 0 })).resolves.toBe("ok on attempt 3");
    expect(gaps()).toEqual([0, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rethrows the last error unchanged after maxAttempts calls", async () => {
    const errors: ServerBusyError[] = [];
    const fn = vi.fn(async () => {
      const err = busy();
      errors.push(err);
      throw err;
    });
    const result = retryOnOverload(fn, { maxAttempts: 3 });
    const settled = result.catch((err: unknown) => err);
    await vi.runAllTimersAsync();
    expect(await settled).toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("calls fn once when maxAttempts is 1", async () => {
    const err = busy();
    const fn = vi.fn(async () => Promise.reject(err));
    await expect(retryOnOverload(fn, { maxAttempts: 1 })).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("refuses a misspelt option before the first call", async () => {
    const fn = vi.fn(async () => "never");
    await expect(retryOnOverload(fn, { maxAttempt: 5 } as never)).rejects.toThrow(
      'options has no option "maxAttempt"; did you mean "maxAttempts"?',
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it.each<[string, unknown]>([
    ["a plain CodexRpcError", new CodexRpcError(-32001, "no")],
    ["a TransportClosedError", new TransportClosedError("gone")],
    ["a RequestTimeoutError", new RequestTimeoutError("m", 5)],
    ["a generic Error", new Error("bug")],
    ["a non-Error value", "string failure"],
  ])("passes %s through at once after one call", async (_label, thrown) => {
    const fn = vi.fn(async () => Promise.reject(thrown));
    await expect(retryOnOverload(fn)).rejects.toBe(thrown);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("retries a JsonRpcError whose data is overload-like", async () => {
    const fn = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new JsonRpcError(1, "odd", { errorInfo: "server_overloaded" }))
      .mockResolvedValueOnce("done");
    const result = retryOnOverload(fn);
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("done");
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it.each<[string, Parameters<typeof retryOnOverload>[1]]>([
    ["maxAttempts", { maxAttempts: 0 }],
    ["maxAttempts", { maxAttempts: 1.5 }],
    ["maxAttempts", { maxAttempts: Number.NaN }],
    ["initialDelayMs", { initialDelayMs: -1 }],
    ["initialDelayMs", { initialDelayMs: Number.POSITIVE_INFINITY }],
    ["maxDelayMs", { maxDelayMs: -5 }],
    ["maxDelayMs", { maxDelayMs: Number.NaN }],
    ["jitterRatio", { jitterRatio: -0.1 }],
    ["jitterRatio", { jitterRatio: 1.5 }],
    ["jitterRatio", { jitterRatio: Number.NaN }],
    ["maxAttempts", { maxAttempts: Symbol("n") as never }],
    ["jitterRatio", { jitterRatio: Symbol("r") as never }],
  ])("rejects a bad %s with a RangeError before calling fn (%j)", async (option, options) => {
    const fn = vi.fn(async () => "never");
    const err: unknown = await retryOnOverload(fn, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as RangeError).message).toContain(option);
    expect(fn).not.toHaveBeenCalled();
  });

  it("accepts the boundary values of every option", async () => {
    const { fn } = flaky(0);
    await expect(
      retryOnOverload(fn, { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, jitterRatio: 0 }),
    ).resolves.toBe("ok on attempt 1");
    await expect(retryOnOverload(fn, { jitterRatio: 1 })).resolves.toBe("ok on attempt 1");
  });

  it("rejects with the abort reason without calling fn when the signal is already aborted", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    const fn = vi.fn(async () => "never");
    await expect(retryOnOverload(fn, { signal: controller.signal })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it("rejects with an AbortError when aborted without a reason", async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = vi.fn(async () => "never");
    await expect(retryOnOverload(fn, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(fn).not.toHaveBeenCalled();
  });

  it("stops waiting and rejects when aborted during a wait, leaving no timers or listeners", async () => {
    const controller = new AbortController();
    const { fn } = flaky(5);
    const result = retryOnOverload(fn, { signal: controller.signal });
    const settled = result.catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);

    const reason = new Error("user cancelled");
    controller.abort(reason);
    expect(await settled).toBe(reason);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("removes its abort listener after each completed wait", async () => {
    const controller = new AbortController();
    const { fn } = flaky(2);
    const result = retryOnOverload(fn, { signal: controller.signal });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("ok on attempt 3");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the abort reason when aborted while fn runs and the wait is skipped", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const fn = vi.fn(async () => {
      controller.abort(reason);
      throw busy();
    });
    await expect(
      retryOnOverload(fn, { signal: controller.signal, initialDelayMs: 0 }),
    ).rejects.toBe(reason);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("rejects with the abort reason when aborted while fn runs before a wait", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const fn = vi.fn(async () => {
      controller.abort(reason);
      throw busy();
    });
    await expect(retryOnOverload(fn, { signal: controller.signal })).rejects.toBe(reason);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("takes the jitter from the capped delay, so maxDelayMs bounds the wait", async () => {
    for (const [random, expected] of [
      [0, 99],
      [1, 101],
    ] as const) {
      vi.mocked(Math.random).mockReturnValue(random);
      const { fn, gaps } = flaky(2);
      const options = { initialDelayMs: 60_000, maxDelayMs: 100, jitterRatio: 0.01 };
      const result = retryOnOverload(fn, options);
      await vi.runAllTimersAsync();
      await result;
      expect(gaps()).toEqual([expected, expected]);
    }
  });

  it("never waits longer than a timer can (2^31-1 ms), whatever the jitter", async () => {
    vi.mocked(Math.random).mockReturnValue(1);
    const { fn, gaps } = flaky(1);
    const options = { initialDelayMs: 2 ** 31 - 1, maxDelayMs: 2 ** 31 - 1, jitterRatio: 1 };
    const result = retryOnOverload(fn, options);
    await vi.advanceTimersByTimeAsync(2 ** 31 - 2);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe("ok on attempt 2");
    expect(gaps()).toEqual([2 ** 31 - 1]);
  });
});

describe("StructuredOutputError", () => {
  const result = { id: "t1", status: "completed" } as unknown as TurnResult;

  it("summarises well-formed issues with their paths", () => {
    const err = new StructuredOutputError(
      "{}",
      [{ message: "Required", path: ["a", { key: "b" }, 0] }, { message: "Too short" }],
      result,
    );
    expect(err.message).toBe(
      "The answer does not match the output schema: a.b.0: Required; Too short",
    );
  });

  it("keeps its class and result when a validator returns malformed issues", () => {
    const malformed = [
      null,
      "just text",
      { message: "m", path: "a.b" },
      { message: 5, path: [null, { key: Symbol("k") }, 10n] },
    ];
    const err = new StructuredOutputError("{}", malformed as never, result);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect(err.result).toBe(result);
    expect(err.message).toBe(
      "The answer does not match the output schema: malformed issue (null); " +
        "malformed issue (string); a.b: m; and 1 more",
    );
    const odd = new StructuredOutputError("{}", [malformed[3]] as never, result);
    expect(odd.message).toMatch(/\(null\)\.Symbol\(k\)\.\(bigint\): \(no message\)$/);
    expect(new StructuredOutputError(null, {} as never, result).message).toMatch(/schema: $/);
  });

  it("keeps its class when the issue list itself cannot be read", () => {
    const throwingConstructor = [{ message: "bad" }];
    Object.defineProperty(throwingConstructor, "constructor", {
      get() {
        throw new Error("constructor getter");
      },
    });
    const slicing = new Proxy([{ message: "bad" }], {
      get(target, key, receiver) {
        if (key === "slice" || key === "map") throw new Error("proxy trap");
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const { proxy: revoked, revoke } = Proxy.revocable([], {});
    revoke();
    const messages = [throwingConstructor, slicing, revoked].map(
      (issues) => new StructuredOutputError("{}", issues as never, result).message,
    );
    expect(messages.slice(0, 2)).toEqual([
      "The answer does not match the output schema: bad",
      "The answer does not match the output schema: bad",
    ]);
    expect(messages[2]).toBe(
      "The answer does not match the output schema: issues that cannot be read",
    );
  });
});

describe("error classes across copies of the SDK", () => {
  it("instanceof holds for an error another copy made, class by class", async () => {
    const ours = await import("../../src/errors.js");
    vi.resetModules();
    const theirs = await import("../../src/errors.js");
    expect(theirs.ServerBusyError).not.toBe(ours.ServerBusyError);
    const busy = new theirs.RetryLimitExceededError(-32000, "retry limit reached");
    expect(busy instanceof ours.RetryLimitExceededError).toBe(true);
    expect(busy instanceof ours.ServerBusyError).toBe(true);
    expect(busy instanceof ours.JsonRpcError).toBe(true);
    expect(busy instanceof ours.CodexError).toBe(true);
    expect(busy instanceof ours.InvalidRequestError).toBe(false);
    expect(busy instanceof ours.TurnFailedError).toBe(false);
    expect(ours.isRetryableError(busy)).toBe(true);
    // A parent's error is no child's, and no other error is one.
    expect(new theirs.ServerBusyError(-32001, "busy") instanceof ours.RetryLimitExceededError).toBe(
      false,
    );
    expect(new Error("x") instanceof ours.CodexError).toBe(false);
    expect(Object.create(null) instanceof ours.CodexError).toBe(false);
    // A class of the user's own, of no name the SDK gave, is matched as any class is.
    class Mine extends ours.CodexError {}
    expect(new Mine("m") instanceof Mine).toBe(true);
    expect(new theirs.CodexError("c") instanceof Mine).toBe(false);
    expect(new Mine("m") instanceof theirs.CodexError).toBe(true);
  });

  it("gives every error class the SDK exports a name of its own across copies", async () => {
    const sdk = (await import("../../src/index.js")) as Record<string, unknown>;
    const { CodexError, ERROR_CLASS } = await import("../../src/errors.js");
    const classes = Object.entries(sdk).filter(
      ([, value]) =>
        typeof value === "function" &&
        (value === CodexError ||
          Object.prototype.isPrototypeOf.call(CodexError.prototype, value.prototype)),
    );
    expect(classes.length).toBeGreaterThan(15);
    for (const [name, value] of classes) {
      expect(Object.hasOwn(value as object, ERROR_CLASS), name).toBe(true);
      expect((value as Record<symbol, unknown>)[ERROR_CLASS], name).toBe(name);
    }
  });
});

describe("TurnAbortedError", () => {
  it("says why the turn was aborted, but for a bare abort()", () => {
    const message = (cause: unknown) => new TurnAbortedError(null, cause).message;
    const timeout = new DOMException("The turn took longer than 500 ms", "TimeoutError");
    expect(message(timeout)).toBe("The turn was aborted: The turn took longer than 500 ms");
    const bare = new AbortController();
    bare.abort();
    expect(message(bare.signal.reason)).toBe("The turn was aborted");
    expect(message(new Error("client disconnected"))).toBe(
      "The turn was aborted: client disconnected",
    );
    // A reason that is no Error comes wrapped, as abortError() wraps it.
    const wrapped = new DOMException("The operation was aborted", {
      name: "AbortError",
      cause: "shutting down",
    } as never);
    expect(message(wrapped)).toBe("The turn was aborted: shutting down");
    expect(message(undefined)).toBe("The turn was aborted");
    expect(message(new DOMException("user pressed stop", "AbortError"))).toBe(
      "The turn was aborted: user pressed stop",
    );
  });
});
