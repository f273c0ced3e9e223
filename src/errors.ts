import type { TurnError } from "./generated/index.js";
import { abortError, sleep } from "./internal/deadline.js";
import { plainLines, plainText } from "./internal/plain.js";
import { MAX_TIMEOUT, checkRetryOptions, describe, optionNames } from "./internal/validate.js";
import type { TurnResult } from "./result.js";

/**
 * @internal What names an error class of the SDK whatever copy of it made the error: a program
 * can load two (the CommonJS build beside the ES one, on a Node without `require(esm)`; or two
 * versions of the package), whose classes differ.
 */
export const ERROR_CLASS: unique symbol = Symbol.for("codex-app-server-sdk.errorClass") as never;

/** Root of every error the SDK throws about Codex, so callers can catch them all with one check. */
export class CodexError extends Error {
  /** @internal The class across copies of the SDK in one process. */
  static readonly [ERROR_CLASS]: string = "CodexError";

  /**
   * `instanceof` of this class or a subclass holds for an error of the class of that name made
   * by another copy of the SDK in the process too.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || !Object.hasOwn(this, ERROR_CLASS)) {
      return false;
    }
    const wanted = (this as { [ERROR_CLASS]?: unknown })[ERROR_CLASS];
    for (
      let proto = Object.getPrototypeOf(value);
      proto !== null;
      proto = Object.getPrototypeOf(proto)
    ) {
      const made: unknown = (proto as { constructor?: unknown }).constructor;
      if (
        typeof made === "function" &&
        Object.hasOwn(made, ERROR_CLASS) &&
        (made as { [ERROR_CLASS]?: unknown })[ERROR_CLASS] === wanted
      ) {
        return true;
      }
    }
    return false;
  }

  /** "CodexError", or the subclass's name. */
  override name = "CodexError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Options for {@link TransportClosedError}. */
export interface TransportClosedErrorOptions {
  /** Exit code of the app-server process, or null when it has not exited or was killed by a signal. */
  exitCode?: number | null | undefined;
  /** Signal that ended the app-server process, or null. */
  signal?: string | null | undefined;
  /** The last lines the app-server wrote to stderr; "" when there were none. */
  stderrTail?: string | undefined;
  /** The underlying error, if any. */
  cause?: unknown | undefined;
}

/** The app-server went away (exited, was killed, or its pipes closed) while the SDK still needed it. */
export class TransportClosedError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "TransportClosedError";
  /** Always "TransportClosedError". */
  override name = "TransportClosedError";
  /** Exit code of the app-server process, or null. */
  readonly exitCode: number | null;
  /** Signal that ended the app-server process, or null. */
  readonly signal: string | null;
  /** The last lines of the app-server's stderr; "" when there were none. */
  readonly stderrTail: string;

  constructor(message: string, options: TransportClosedErrorOptions = {}) {
    const stderrTail = options.stderrTail ?? "";
    // The tail is usually the only clue to why the process died, so keep it in the message that
    // ends up in logs and stack traces rather than only in a field few people inspect.
    const fullMessage = stderrTail.length > 0 ? `${message}\nstderr tail:\n${stderrTail}` : message;
    super(fullMessage, "cause" in options ? { cause: options.cause } : undefined);
    this.exitCode = options.exitCode ?? null;
    this.signal = options.signal ?? null;
    this.stderrTail = stderrTail;
  }
}

/** An error response from the app-server, carrying the JSON-RPC `code`, `message` and `data`. */
export class JsonRpcError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "JsonRpcError";
  /** "JsonRpcError", or the subclass's name. */
  override name = "JsonRpcError";
  /** The JSON-RPC error code. */
  readonly code: number;
  /** The server's own error message (the `message` member of the wire error). */
  readonly rpcMessage: string;
  /** The `data` member of the wire error, if any. */
  readonly data: unknown;
  /**
   * The method of the request the server answered with this error, when the SDK knows it; for a
   * refusal the SDK makes before any I/O, as the server would refuse it, the request it spared.
   */
  readonly method: string | undefined;

  constructor(
    code: number,
    rpcMessage: string,
    data?: unknown,
    options?: { cause?: unknown; method?: string | undefined },
  ) {
    const method = options?.method;
    // The server's words shown plain (`rpcMessage` keeps them as sent).
    super(
      `JSON-RPC error ${code}${method === undefined ? "" : ` (${method})`}: ${plainLines(rpcMessage)}${hintFor(rpcMessage)}`,
      options !== undefined && "cause" in options ? { cause: options.cause } : undefined,
    );
    this.code = code;
    this.rpcMessage = rpcMessage;
    this.data = data;
    this.method = method;
  }
}

// What to do about a refusal whose words say nothing of it: a thread the server has not loaded
// (after `threadUnarchive`, or stored by an earlier process) takes turns once resumed.
function hintFor(rpcMessage: string): string {
  return rpcMessage.startsWith("thread not found: ")
    ? " (a stored thread the server has not loaded, an unarchived one say, is loaded by codex.threadResume(id))"
    : "";
}

/** A JSON-RPC error the Codex server defined (codes -32099..-32000, plus the standard codes). */
export class CodexRpcError extends JsonRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "CodexRpcError";
  /** "CodexRpcError", or the subclass's name. */
  override name = "CodexRpcError";
}

/** The server could not parse the JSON it received (-32700). */
export class ParseError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "ParseError";
  /** Always "ParseError". */
  override name = "ParseError";
}

/** The request was not a valid JSON-RPC request (-32600). */
export class InvalidRequestError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "InvalidRequestError";
  /** Always "InvalidRequestError". */
  override name = "InvalidRequestError";
}

/** The server does not know the requested method (-32601). */
export class MethodNotFoundError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "MethodNotFoundError";
  /** Always "MethodNotFoundError". */
  override name = "MethodNotFoundError";
}

/** The method's parameters were rejected (-32602). */
export class InvalidParamsError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "InvalidParamsError";
  /** Always "InvalidParamsError". */
  override name = "InvalidParamsError";
}

/** The server failed internally while handling the request (-32603). */
export class InternalRpcError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "InternalRpcError";
  /** Always "InternalRpcError". */
  override name = "InternalRpcError";
}

/** The server is overloaded; the request may succeed if retried later. */
export class ServerBusyError extends CodexRpcError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "ServerBusyError";
  /** "ServerBusyError", or the subclass's name. */
  override name = "ServerBusyError";
}

/** The server gave up after exhausting its own retries. */
export class RetryLimitExceededError extends ServerBusyError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "RetryLimitExceededError";
  /** Always "RetryLimitExceededError". */
  override name = "RetryLimitExceededError";
}

/** A request did not get a response within its `timeout` option. */
export class RequestTimeoutError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "RequestTimeoutError";
  /** "RequestTimeoutError", or the subclass's name. */
  override name = "RequestTimeoutError";
  /** The JSON-RPC method of the request that timed out. */
  readonly method: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * The last lines the app-server wrote to stderr, for an `initialize` (or an `apiKey`'s login)
   * that a start gave up on (the server is stopped first): usually why it did not answer. ""
   * otherwise, and when it wrote none.
   */
  readonly stderrTail: string;
  /**
   * What a call still waited for when its bound ended, its request not sent: `"this client's
   * turn on the thread to end"` (a turn or goal run queued behind it) or `"the turn running on the
   * thread to end"` (a compaction, revert or inline review kept from interrupting another client's
   * turn). "" for any other timeout.
   */
  readonly waitedFor: string;

  constructor(
    method: string,
    timeoutMs: number,
    options?: { cause?: unknown; stderrTail?: string | undefined; waitedFor?: string | undefined },
  ) {
    const stderrTail = options?.stderrTail ?? "";
    const waitedFor = options?.waitedFor ?? "";
    const message =
      waitedFor === ""
        ? `Request ${method} timed out after ${timeoutMs} ms`
        : `Request ${method} timed out after ${timeoutMs} ms waiting for ${waitedFor}; it was not sent`;
    super(
      stderrTail.length > 0 ? `${message}\nstderr tail:\n${stderrTail}` : message,
      options !== undefined && "cause" in options ? { cause: options.cause } : undefined,
    );
    this.method = method;
    this.timeoutMs = timeoutMs;
    this.stderrTail = stderrTail;
    this.waitedFor = waitedFor;
  }
}

// The v1 wire spelling and the v2 `CodexErrorInfo` spelling of the same condition.
const OVERLOADED = new Set(["server_overloaded", "serveroverloaded"]);
const OVERLOADED_MAX_CHARS = Math.max(...[...OVERLOADED].map((name) => name.length));
const ERROR_INFO_KEYS = ["codex_error_info", "codexErrorInfo", "errorInfo"] as const;
// Error data comes from the peer; bound the walk so hostile or accidental nesting cannot blow the stack.
const MAX_DATA_DEPTH = 32;

// Only a string as short as the names is lowercased: a copy of a long one from the peer costs
// memory, and past 268 M characters V8 cannot make it.
function isOverloadedString(value: unknown): boolean {
  return (
    typeof value === "string" &&
    value.length <= OVERLOADED_MAX_CHARS &&
    OVERLOADED.has(value.toLowerCase())
  );
}

function isOverloadedInfo(info: unknown): boolean {
  if (isOverloadedString(info)) return true;
  if (typeof info !== "object" || info === null) return false;
  return Object.values(info).some(isOverloadedString);
}

function containsOverload(value: unknown, depth: number, seen: WeakSet<object>): boolean {
  if (isOverloadedString(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  if (depth >= MAX_DATA_DEPTH || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    return value.some((item) => containsOverload(item, depth + 1, seen));
  }
  const record = value as Record<string, unknown>;
  if (ERROR_INFO_KEYS.some((key) => isOverloadedInfo(record[key]))) return true;
  return Object.values(record).some((item) => containsOverload(item, depth + 1, seen));
}

/** Whether JSON-RPC error `data` says the server is overloaded (`server_overloaded` or `serverOverloaded` anywhere in it). */
export function isOverloadData(data: unknown): boolean {
  return containsOverload(data, 0, new WeakSet());
}

// The code of the app-server's refusal of a request when its bounded queues are full.
const OVERLOADED_CODE = -32001;

// A test, not a lowercase copy: the message comes from the peer and may be of any length.
const RETRY_EXHAUSTION = /retry limit|too many failed attempts/i;

function mentionsRetryExhaustion(message: string): boolean {
  return RETRY_EXHAUSTION.test(message);
}

/**
 * Builds the most specific {@link JsonRpcError} subclass for a wire error's code, message and
 * data; `method` names the request it answers.
 */
export function mapJsonRpcError(
  code: number,
  message: string,
  data?: unknown,
  method?: string,
): JsonRpcError {
  if (typeof code !== "number" || !Number.isFinite(code)) {
    throw new TypeError(`code must be a JSON-RPC error code (a number), got ${describe(code)}`);
  }
  if (typeof message !== "string") {
    throw new TypeError(`message must be a string, got ${describe(message)}`);
  }
  if (method !== undefined && (typeof method !== "string" || method === "")) {
    throw new TypeError(
      `method must be a non-empty string, got ${method === "" ? "an empty string" : describe(method)}`,
    );
  }
  const named = method === undefined ? undefined : { method };
  switch (code) {
    case -32700:
      return new ParseError(code, message, data, named);
    case -32600:
      return new InvalidRequestError(code, message, data, named);
    case -32601:
      return new MethodNotFoundError(code, message, data, named);
    case -32602:
      return new InvalidParamsError(code, message, data, named);
    case -32603:
      return new InternalRpcError(code, message, data, named);
  }
  if (code >= -32099 && code <= -32000) {
    if (mentionsRetryExhaustion(message))
      return new RetryLimitExceededError(code, message, data, named);
    // -32001 is the app-server's own refusal when its queues are full ("Server overloaded;
    // retry later."), which carries no data.
    if (code === OVERLOADED_CODE || isOverloadData(data)) {
      return new ServerBusyError(code, message, data, named);
    }
    return new CodexRpcError(code, message, data, named);
  }
  return new JsonRpcError(code, message, data, named);
}

/** Converts a JSON-RPC response's `error` member into an error (a plain CodexError if malformed). */
export function fromWireError(error: unknown, method?: string): CodexError {
  if (typeof error !== "object" || error === null || Array.isArray(error)) {
    return new CodexError(
      `Malformed JSON-RPC error response${method === undefined ? "" : ` to ${method}`}`,
    );
  }
  const wire = error as { code?: unknown; message?: unknown; data?: unknown };
  const code = typeof wire.code === "number" && Number.isFinite(wire.code) ? wire.code : -32000;
  const message = typeof wire.message === "string" ? wire.message : "unknown";
  return mapJsonRpcError(code, message, wire.data, method);
}

/** `run()` of a turn that ended `failed`: carries the result and the server's error. */
export class TurnFailedError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "TurnFailedError";
  /** Always "TurnFailedError". */
  override readonly name = "TurnFailedError";
  /** The server's error (`message`, `codexErrorInfo`, ...), if it sent one. */
  readonly turnError: TurnError | null;
  /** @param result What the turn produced; its `status` is `failed`. */
  constructor(readonly result: TurnResult) {
    // The server's message, if it is a string: an error of another shape still makes this error.
    const message = (result.error as { message?: unknown } | null | undefined)?.message;
    // Shown plain: it may quote the model provider's error (`turnError` keeps it as sent).
    super(
      typeof message === "string" && message !== ""
        ? plainLines(message)
        : plainText(`turn ${String(result.id)} failed with status ${String(result.status)}`),
    );
    this.turnError = result.error;
  }
}

/** A turn stopped through its `signal`: the turn was interrupted, `result` holds what it made. */
export class TurnAbortedError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "TurnAbortedError";
  /** Always "AbortError", like the `DOMException` of other aborted operations. */
  override readonly name = "AbortError";
  constructor(
    /**
     * The partial result: the items completed before the interrupt; `null` when no completion of
     * the turn was read.
     */
    readonly result: TurnResult | null,
    cause: unknown,
  ) {
    super(`The turn was aborted${abortedBecause(cause)}`, { cause });
  }
}

// Why a turn was aborted, as its message says it: a timeout (`The turn took longer than 500 ms`)
// or the signal's own reason, so a log tells a timeout from a caller's abort; nothing for the
// default reason of a bare `abort()`, which says no more than the message does.
/** @internal What an abort's message adds of its reason: `: <reason>`, or nothing. */
export function abortedBecause(cause: unknown): string {
  const reason =
    cause instanceof Error && cause.name === "AbortError" && cause.cause !== undefined
      ? cause.cause
      : cause;
  const text = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "";
  return text === "" || DEFAULT_ABORT_MESSAGES.has(text) ? "" : `: ${text.slice(0, 200)}`;
}

// What Node and the SDK say of an abort that was given no reason.
const DEFAULT_ABORT_MESSAGES: ReadonlySet<string> = new Set([
  "This operation was aborted",
  "The operation was aborted",
]);

/**
 * Whether retrying the failed operation later might succeed because the server or the model was
 * overloaded: a `ServerBusyError`, a JSON-RPC error with overload data, or a turn that failed
 * with `codexErrorInfo: "serverOverloaded"` (the model was at capacity).
 */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof ServerBusyError) return true;
  if (err instanceof TurnFailedError) return isOverloadData(err.turnError?.codexErrorInfo);
  return err instanceof JsonRpcError && isOverloadData(err.data);
}

/** Options for {@link retryOnOverload}. */
export interface RetryOnOverloadOptions {
  /** Total number of calls, including the first; an integer >= 1. Default 3. */
  maxAttempts?: number | undefined;
  /** Wait before the second attempt, in milliseconds; doubles after each wait. Default 250. */
  initialDelayMs?: number | undefined;
  /** Upper bound for the doubling delay, in milliseconds. Default 2000. */
  maxDelayMs?: number | undefined;
  /** Each wait is randomised by up to this fraction of the delay, in [0, 1]. Default 0.2. */
  jitterRatio?: number | undefined;
  /** Aborts the retry loop: rejects with the abort reason before the first call or during a wait. */
  signal?: AbortSignal | undefined;
}

const RETRY_NAMES = optionNames<RetryOnOverloadOptions>()({
  own: ["maxAttempts", "initialDelayMs", "maxDelayMs", "jitterRatio", "signal"],
});

/** Calls `fn`, retrying with exponential backoff and jitter while it fails with a retryable error. */
export async function retryOnOverload<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOnOverloadOptions = {},
): Promise<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`fn must be a function that makes the call, got ${describe(fn)}`);
  }
  const { maxAttempts, initialDelayMs, maxDelayMs, jitterRatio, signal } = checkRetryOptions(
    options,
    RETRY_NAMES,
  );
  let delay = initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    // Also covers the case where a wait was skipped, so an abort is never silently ignored.
    if (signal?.aborted) throw abortError(signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= maxAttempts || !isRetryableError(err)) throw err;
      const capped = Math.min(maxDelayMs, delay);
      const jittered = capped + (Math.random() * 2 - 1) * capped * jitterRatio;
      const wait = Math.min(Math.max(jittered, 0), MAX_TIMEOUT);
      if (wait > 0) await sleep(wait, signal);
      delay = Math.min(maxDelayMs, delay * 2);
    }
  }
}

/** One problem a schema found in a structured answer (the Standard Schema issue shape). */
export interface StructuredOutputIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where in the answer, as keys (or `{ key }` segments); absent for the whole answer. */
  readonly path?:
    | ReadonlyArray<
        | PropertyKey
        | {
            /** The key of this segment. */
            readonly key: PropertyKey;
          }
      >
    | undefined;
}

/**
 * A turn run with `output` answered with something its schema rejects: not JSON, no answer at
 * all, or JSON the schema does not validate. Carries the raw text, the issues and the result.
 */
export class StructuredOutputError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "StructuredOutputError";
  override readonly name = "StructuredOutputError";

  constructor(
    /** The answer as the model gave it (`result.finalResponse`); `null` when there was none. */
    readonly text: string | null,
    /** What the schema (or the JSON parser) reported. */
    readonly issues: readonly StructuredOutputIssue[],
    /** The turn's result, as `run()` would have returned it without `output`. */
    readonly result: TurnResult,
    options?: { cause?: unknown },
  ) {
    // Plain: the parser's words quote the model's answer.
    super(
      `The answer does not match the output schema: ${plainLines(summarizeIssues(issues))}`,
      options,
    );
  }
}

/**
 * @internal The first few issues, each with its path, so a log line says what went wrong. The
 * issues come from a user's `validate`, so anything malformed is described rather than trusted:
 * the list itself may be a proxy or have getters that throw.
 */
export function summarizeIssues(issues: readonly StructuredOutputIssue[]): string {
  try {
    const list: readonly unknown[] = Array.isArray(issues) ? issues : [];
    const count = list.length;
    const shown: string[] = [];
    for (let i = 0; i < count && i < 3; i++) shown.push(summarizeIssue(list[i]));
    if (count > shown.length) shown.push(`and ${count - shown.length} more`);
    return shown.join("; ");
  } catch {
    return "issues that cannot be read";
  }
}

function summarizeIssue(issue: unknown): string {
  if (typeof issue !== "object" || issue === null) return `malformed issue (${describe(issue)})`;
  // The issue is the validator's: a getter of it may throw.
  try {
    const { message, path } = issue as { message?: unknown; path?: unknown };
    const text = typeof message === "string" ? message : "(no message)";
    const keys = Array.isArray(path) ? path.map(pathKey) : path == null ? [] : [pathKey(path)];
    return keys.length === 0 ? text : `${keys.join(".")}: ${text}`;
  } catch {
    return "an issue that cannot be read";
  }
}

// One segment of an issue's path: a key, or a `{ key }` object.
function pathKey(segment: unknown): string {
  const key =
    typeof segment === "object" && segment !== null ? (segment as { key?: unknown }).key : segment;
  switch (typeof key) {
    case "string":
    case "number":
    case "symbol":
      return key.toString();
    default:
      return `(${describe(key)})`;
  }
}
