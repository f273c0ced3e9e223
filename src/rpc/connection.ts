import { constants } from "node:buffer";
import { CodexError, ERROR_CLASS, TransportClosedError, fromWireError } from "../errors.js";
import {
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
  type ClientRequestMap,
  type ClientRequestMethod,
  type RequestId,
} from "../generated/index.js";
import { abortError, deadline, now } from "../internal/deadline.js";
import { deferred } from "../internal/deferred.js";
import { SILENT, thrownMessage, type Log } from "../internal/logger.js";
import type { Secrets } from "../internal/redact.js";
import { boundWait, withCallersStack } from "./bound-wait.js";
import {
  MAX_JSON_DEPTH,
  encodesLoneSurrogate,
  nestsPast,
  wellFormed,
  type RequestOptions,
} from "../internal/validate.js";
import { plainLines, plainText } from "../internal/plain.js";
import { lastLines } from "../transport/lines.js";
import type { MessageLimit, Transport, TransportCloseInfo } from "../transport/transport.js";

export type { RequestOptions } from "../internal/validate.js";

/** A notification as it came off the wire: parsed once and handed on untouched. */
export interface RawNotification {
  readonly method: string;
  readonly params?: unknown;
}

/** A request the server sent to the client. */
export interface RawServerRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params?: unknown;
}

/** Answers a server request: resolve with the result, or throw a `JsonRpcError` to answer with it. */
export type ServerRequestHandler = (request: RawServerRequest) => Promise<unknown>;

/**
 * A line from the server that is not a well-formed JSON-RPC message; it is logged and dropped, or,
 * for a request with malformed params, logged and answered with -32602.
 */
export class ProtocolError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "ProtocolError";
  /** Always "ProtocolError". */
  override readonly name = "ProtocolError";
  constructor(
    message: string,
    /** The offending line, cut to 1000 characters. */
    readonly line: string,
  ) {
    super(message);
  }
}

/**
 * Requests whose result is the user's own stored data, handed on as it is: a config read gives
 * the file's values, credentials included, on every client (redacted, a value this client wrote
 * would read as the placeholder, and a read-modify-write would store it in place of the value).
 */
const UNREDACTED_RESULTS: ReadonlySet<string> = new Set(["config/read"]);

/**
 * The base64 fields handed on as the server wrote them from a line that names a secret, by
 * notification method (the fields' paths in `params`) and by request method (their paths in the
 * result), `*` standing for each element of an array: the letters of a secret can appear in base64
 * by chance, and redacted there, the data would no longer decode. It is a command's or process's
 * output, a file's bytes, the model's audio, a generated image, or an MCP tool's image, audio or
 * resource, which the SDK hands on as written; the rest of the message is redacted.
 */
type Path = readonly string[];
// Of a thread item: an image generation's image, an MCP tool call's images, audio and resources.
const ITEM_BASE64: readonly Path[] = [
  ["result"],
  ["result", "content", "*", "data"],
  ["result", "content", "*", "resource", "blob"],
];
const within = (prefix: Path, paths: readonly Path[]): Path[] =>
  paths.map((p) => [...prefix, ...p]);
// The items of a turn, and of a thread's turns, at `prefix`.
const turnItems = (prefix: Path): Path[] => within([...prefix, "items", "*"], ITEM_BASE64);
const threadItems = (prefix: Path): Path[] => turnItems([...prefix, "turns", "*"]);
const BASE64_PARAMS: ReadonlyMap<string, readonly Path[]> = new Map([
  ["command/exec/outputDelta", [["deltaBase64"]]],
  ["process/outputDelta", [["deltaBase64"]]],
  ["thread/realtime/outputAudio/delta", [["audio", "data"]]],
  ["item/started", within(["item"], ITEM_BASE64)],
  ["item/completed", within(["item"], ITEM_BASE64)],
  ["turn/started", turnItems(["turn"])],
  ["turn/completed", turnItems(["turn"])],
  ["thread/started", threadItems(["thread"])],
]);
const BASE64_RESULTS: ReadonlyMap<string, readonly Path[]> = new Map([
  ["fs/readFile", [["dataBase64"]]],
  ["mcpServer/resource/read", [["contents", "*", "blob"]]],
  [
    "mcpServer/tool/call",
    [
      ["content", "*", "data"],
      ["content", "*", "resource", "blob"],
    ],
  ],
  ["thread/start", threadItems(["thread"])],
  ["thread/read", threadItems(["thread"])],
  ["thread/resume", [...threadItems(["thread"]), ...turnItems(["initialTurnsPage", "data", "*"])]],
  ["thread/fork", threadItems(["thread"])],
  ["thread/unarchive", threadItems(["thread"])],
  ["thread/metadata/update", threadItems(["thread"])],
  ["thread/revert", threadItems(["thread"])],
  ["thread/list", threadItems(["data", "*"])],
  ["thread/turns/list", turnItems(["data", "*"])],
  ["thread/items/list", within(["data", "*", "item"], ITEM_BASE64)],
  ["thread/items/read", within(["data", "*", "item"], ITEM_BASE64)],
  ["thread/timeline/list", within(["data", "*", "item"], ITEM_BASE64)],
  ["turn/start", turnItems(["turn"])],
  ["review/start", turnItems(["turn"])],
  ["thread/queue/start", turnItems(["turn"])],
]);
// What a line of such a notification holds, its method quoted: only a line redaction changed is
// looked at.
const BASE64_NOTIFICATION = new RegExp(`"(?:${[...BASE64_PARAMS.keys()].join("|")})"`);

/**
 * A notification with base64 fields (see {@link BASE64_PARAMS}) from its line as sent,
 * redacted but for those fields; `undefined` when the line is something else.
 */
function withSentBase64(raw: string, line: string, secrets: Secrets): unknown {
  let sent: { method?: unknown };
  try {
    sent = JSON.parse(raw) as { method?: unknown };
  } catch {
    // No JSON as sent (a secret holding a character JSON escapes, written as it is): the line
    // redacted is read instead.
    return undefined;
  }
  const paths = typeof sent.method === "string" ? BASE64_PARAMS.get(sent.method) : undefined;
  if (paths === undefined) return undefined;
  // The line redacted as text, whole however large; the walk of a value, which stops at its
  // bounds, only when that is no JSON.
  let clean: unknown;
  try {
    clean = JSON.parse(line);
  } catch {
    clean = secrets.value(sent);
  }
  for (const path of paths) clean = restored(clean, sent, ["params", ...path]);
  return clean;
}

// Base64 of the standard alphabet, padded or not.
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `clean` (a redacted copy of `sent`) with the base64 strings at `path` of `sent` put back (`*`
 * taking each element of an array), copying only the objects and arrays on the way; `clean` itself
 * where nothing is put back (no object on the way, no string there, or arrays of other lengths).
 */
function restored(clean: unknown, sent: unknown, path: Path): unknown {
  // A field that is no base64 (a server's text where data belongs) is left redacted.
  if (path.length === 0) return typeof sent === "string" && BASE64_TEXT.test(sent) ? sent : clean;
  if (typeof clean !== "object" || clean === null || typeof sent !== "object" || sent === null) {
    return clean;
  }
  const [key, ...rest] = path as [string, ...string[]];
  if (key === "*") {
    if (!Array.isArray(clean) || !Array.isArray(sent) || clean.length !== sent.length) {
      return clean;
    }
    let copy: unknown[] | undefined;
    for (let i = 0; i < clean.length; i++) {
      const back = restored(clean[i], sent[i], rest);
      if (back !== clean[i]) (copy ??= [...clean])[i] = back;
    }
    return copy ?? clean;
  }
  if (Array.isArray(clean)) return clean;
  const inner = (clean as Record<string, unknown>)[key];
  const back = restored(inner, (sent as Record<string, unknown>)[key], rest);
  return back === inner ? clean : { ...clean, [key]: back };
}

/**
 * The result of a line redaction changed, as handed on: the line's as sent for a request of
 * {@link UNREDACTED_RESULTS}, `result` (redacted) with its base64 as sent for one of
 * {@link BASE64_RESULTS}, else `result`. A line that is no JSON as sent (a secret holding a
 * character JSON escapes, written as it is) gives `result`.
 */
function resultAsSent(method: string, raw: string, result: object): object {
  const base64 = BASE64_RESULTS.get(method);
  const whole = UNREDACTED_RESULTS.has(method);
  if (!whole && base64 === undefined) return result;
  let sent: unknown;
  try {
    sent = (JSON.parse(raw) as { result?: unknown }).result;
  } catch {
    return result;
  }
  if (!whole) {
    let clean: unknown = result;
    for (const path of base64!) clean = restored(clean, sent, path);
    return clean as object;
  }
  return typeof sent === "object" && sent !== null && !Array.isArray(sent) ? sent : result;
}

const NOT_JSON = Symbol("not JSON");

/**
 * A line whose redaction broke its JSON (a secret of digits found in a number, or one that spans
 * a string's end), parsed as sent and then redacted in its strings; {@link NOT_JSON} when the
 * line as sent is no JSON either.
 */
function redactedParse(raw: string, secrets: Secrets): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return NOT_JSON;
  }
  return secrets.value(parsed);
}

/** What a connection reports to, and what it keeps out of everything it hands on. */
export interface ConnectionServices {
  readonly log?: Log;
  readonly secrets?: Secrets;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** The request's method, which a malformed answer is reported with. */
  readonly method: string;
  readonly ticket: RequestTicket | undefined;
}

/**
 * How many requests may be at the server unanswered at once (for {@link PLACE_HOLD_MS} at
 * most each); later ones wait in the client, in order, for a place. The runtime's queues are
 * bounded: past a few hundred requests at once, it refuses some as overloaded and never answers
 * others.
 */
export const MAX_IN_FLIGHT = 64;

/**
 * How long a request unanswered holds its place: the server is then taken to be working on it at
 * length (a command, a tool call), or to have lost it, and the place goes to the next request. So
 * long calls delay the others by this much at most, and lost answers never jam the client.
 */
export const PLACE_HOLD_MS = 500;

/** A kind of work: the param naming one, and the start of its methods' names. */
interface Work {
  readonly key: string;
  /** None for a cancel, which names a request by its id. */
  readonly work?: string;
}

/**
 * Stops of work a request starts or feeds, by the kind of work: a stop sent while a request of
 * that same work waits for a place would overtake it, stopping nothing (the watch, stream or
 * process it names starts after, for good), so it waits in line behind it instead; and work
 * asked for after a stop still waiting goes behind it. So for a goal's pause, and its other edits.
 */
const WAITS_BEHIND: ReadonlyMap<string, Work> = new Map([
  ["thread/goal/set", { key: "threadId", work: "thread/goal/" }],
  ["fs/unwatch", { key: "watchId", work: "fs/watch" }],
  ["mcpServer/event/stream/stop", { key: "subscriptionId", work: "mcpServer/event/stream/" }],
  ["fuzzyFileSearch/sessionStop", { key: "sessionId", work: "fuzzyFileSearch/session" }],
  ["thread/realtime/stop", { key: "threadId", work: "thread/realtime/" }],
  ["process/kill", { key: "processHandle", work: "process/" }],
  ["thread/search/cancel", { key: "requestId" }],
  ["thread/search/stream/cancel", { key: "requestId" }],
  ["thread/sample/cancel", { key: "requestId" }],
  ["userVerification/cancel", { key: "requestId" }],
]);

// The kind of work a request starts, feeds or stops, if one has a stop.
function workOf(method: string): Work | undefined {
  const stops = WAITS_BEHIND.get(method);
  if (stops !== undefined) return stops;
  for (const work of WAITS_BEHIND.values()) {
    if (work.work !== undefined && method.startsWith(work.work)) return work;
  }
  return undefined;
}

/**
 * Requests that stop or steer work: they never wait behind other requests, but take places of
 * their own (a burst of them would overload the server as any other), but for a stop that would
 * overtake its work (see {@link WAITS_BEHIND}), and a goal's edit other than a pause.
 */
const UNQUEUED: ReadonlySet<string> = new Set([
  "turn/interrupt",
  "turn/steer",
  "command/exec/terminate",
  "account/login/cancel",
  "account/gatewayOAuth/cancel",
  "thread/backgroundTerminals/terminate",
  ...WAITS_BEHIND.keys(),
]);

/** How many stops and steers may be at the server unanswered at once, beside other requests. */
export const MAX_STOPS_IN_FLIGHT = 32;

// A goal's edit that only pauses it (as an aborted goal run does): it stops work. Any other is work,
// which keeps its place in line (a `clearGoal` called before it goes first).
function pausesGoal(params: unknown): boolean {
  const { status, objective, tokenBudget } = (params ?? {}) as Record<string, unknown>;
  return status === "paused" && objective == null && tokenBudget == null;
}

/**
 * Requests that take places at the server: at most `max` at once (each for
 * {@link PLACE_HOLD_MS} at most), the rest waiting in order.
 */
class Lane {
  // The requests holding a place, in the order sent: id -> when sent. Given up on, one still
  // holds its place until its answer or the hold's end.
  readonly placed = new Map<RequestId, number>();
  // The requests waiting for a place, in order: id -> line.
  readonly queued = new Map<RequestId, string>();
  constructor(readonly max: number) {}

  // Frees the places whose hold has ended; returns how many are taken.
  expire(at: number): number {
    for (const [id, sentAt] of this.placed) {
      if (at - sentAt < PLACE_HOLD_MS) break;
      this.placed.delete(id);
    }
    return this.placed.size;
  }
}

/** Where a request notes the id it takes, for {@link Connection.waiting}. */
// The reasons of requests withdrawn before they were sent (see `Connection.withdraw`).
const withdrawn = new WeakSet<Error>();

/** Whether a request failed with `err` because it was withdrawn before it was sent. */
export function wasWithdrawn(err: unknown): boolean {
  return err instanceof Error && withdrawn.has(err);
}

export interface RequestTicket {
  id?: RequestId;
  /**
   * Called as the answer is read, before any message after it is handled: what the client knew
   * then (a turn started before the answer, say) is not yet mixed with what came after. Given the
   * result, unless the answer is an error or no object.
   */
  readonly onAnswer?: (result: object | undefined) => void;
}

/** A request's options, with the ticket an SDK caller may pass. */
export interface SendOptions extends RequestOptions {
  readonly ticket?: RequestTicket;
}

const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
// How long a failed write waits for the transport to say how it ended before saying it itself.
const CLOSE_REPORT_MS = 1000;
const KNOWN_NOTIFICATIONS: ReadonlySet<string> = new Set(SERVER_NOTIFICATION_METHODS);
const KNOWN_REQUESTS: ReadonlySet<string> = new Set(SERVER_REQUEST_METHODS);
// How many dropped lines a second are logged one by one.
const DROPS_SHOWN = 10;
const DROPS_WINDOW_MS = 1000;
const BYTE_ORDER_MARK = 0xfeff;
// JSON's white space.
const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The shortest line worth judging unparsed. Judging reads the params' structure and skips their
 * strings whole: warm, it costs about half of a parse for a line of many small fields and an
 * eighth for one carried by a long string (command output, a diff), but its first run in a
 * process costs about as much as fifty parses of a 1 KiB line. Lines this long are mostly of the
 * latter kind, where the parses it saves pay for it.
 */
const JUDGED_MIN_CHARS = 4096;

/**
 * What a message too long to hold is, in errors and logs. Made when one comes: formatting the
 * number starts Intl, which would cost every import several milliseconds.
 */
function tooLong(): string {
  const chars = constants.MAX_STRING_LENGTH.toLocaleString("en-US");
  return `longer than a JavaScript string can hold (${chars} characters)`;
}
/** How much of a line a log shows. */
const SHOWN_CHARS = 1000;
/** How much of a message too long to hold is read for its id and kind. */
const OVERLONG_HEAD_CHARS = 256;
/**
 * The start of a message with an id: the id, then `method` (a request, whose name is taken too),
 * `result` or `error` (an answer); or, as the app-server writes its requests, `method` then the id.
 * (An error answer it writes with the id last: one too long to hold names no call.)
 */
const OVERLONG_HEAD = /^\{"id":(-?\d+|"(?:[^"\\]|\\.)*"),"(method|result|error)":(?:"([^"\\]*)")?/;
const OVERLONG_REQUEST_HEAD = /^\{"method":"([^"\\]*)","id":(-?\d+|"(?:[^"\\]|\\.)*")[,}]/;
const NOTIFICATION_HEAD = '{"method":"';
const PARAMS_HEAD = ',"params":{';

/**
 * Whether a line is a notification nobody reads, judged on its text alone: it must open with a
 * method of the protocol's notifications (never a request's, and written without escapes),
 * followed by object params, after which only numeric fields other than `id` may come. The end of
 * the params is found by counting braces outside strings, never by looking back from the end of
 * the line, where a brace of a later field could pass for it. A request carries an `id`, so no
 * request is ever dropped this way; any other shape is parsed as usual.
 */
function unwanted(raw: string, wants: (method: string) => boolean): boolean {
  if (!raw.startsWith(NOTIFICATION_HEAD)) return false;
  const end = raw.indexOf('"', NOTIFICATION_HEAD.length);
  if (end === -1) return false;
  const method = raw.slice(NOTIFICATION_HEAD.length, end);
  // The judge first: while a turn keeps every event, it says yes before anything else is read.
  if (wants(method) || !raw.startsWith(PARAMS_HEAD, end + 1) || !raw.endsWith("}")) return false;
  if (!KNOWN_NOTIFICATIONS.has(method)) return false;
  const paramsEnd = objectEnd(raw, end + PARAMS_HEAD.length);
  return paramsEnd !== -1 && numericFields(raw, paramsEnd + 1, raw.length - 1);
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Where the object opening at `open` closes: the index of its `}`, or -1. Strings are skipped
 * whole (one search for their closing quote), so a brace inside one is text; on valid JSON the
 * answer is exact, and a line that is not valid JSON would be dropped by the parser all the same.
 */
function objectEnd(raw: string, open: number): number {
  let depth = 0;
  for (let at = open; at < raw.length; at++) {
    const c = raw.charCodeAt(at);
    if (c === QUOTE) {
      at = stringEnd(raw, at);
      if (at === -1) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
      return c === CLOSE_BRACE ? at : -1;
    }
  }
  return -1;
}

/** The index of the quote that ends the string opening at `open`, or -1. */
function stringEnd(raw: string, open: number): number {
  for (let close = raw.indexOf('"', open + 1); close !== -1; close = raw.indexOf('"', close + 1)) {
    // A quote after an odd run of backslashes is escaped.
    let backslashes = 0;
    while (raw.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
  }
  return -1;
}

/**
 * Whether `raw[from, to)` is a run of `,"name":digits` fields (what follows a notification's
 * params, such as `"emittedAtMs"`), none named `id` and none with an escape in its name.
 */
function numericFields(raw: string, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    if (raw.charCodeAt(i) !== COMMA || raw.charCodeAt(i + 1) !== QUOTE) return false;
    const close = raw.indexOf('"', i + 2);
    if (close === -1 || close >= to || raw.charCodeAt(close + 1) !== COLON) return false;
    if (close - i === 4 && raw.startsWith("id", i + 2)) return false;
    // A name with an escape could spell `id`: only plain names pass. Searched within the name
    // alone: a search to the line's end for each field would make a line of many fields quadratic.
    for (let at = i + 2; at < close; at++) if (raw.charCodeAt(at) === BACKSLASH) return false;
    i = close + 2;
    if (raw.charCodeAt(i) === MINUS) i++;
    const digits = i;
    while (i < to && raw.charCodeAt(i) >= 0x30 && raw.charCodeAt(i) <= 0x39) i++;
    if (i === digits) return false;
  }
  return true;
}

/** The default for server requests until someone installs a handler: a clear JSON-RPC error. */
const rejectAll: ServerRequestHandler = (request) =>
  Promise.reject(
    Object.assign(new Error(`no handler for server request ${request.method}`), {
      code: METHOD_NOT_FOUND,
    }),
  );

/**
 * JSON-RPC over a line transport: correlates requests with responses, hands notifications to
 * subscribers and server requests to one handler. It knows nothing of threads or turns.
 *
 * Nothing the server sends can throw out of here: a line that is not a well-formed message is
 * logged and dropped, a listener that throws is logged, and the lines after it still flow. Every
 * line is redacted of the client's secrets before it is parsed, so no event or error carries them.
 */
export class Connection {
  readonly #transport: Transport;
  readonly #log: Log;
  readonly #secrets: Secrets | undefined;
  readonly #limit: MessageLimit | undefined;
  #nextId = 1;
  readonly #pending = new Map<RequestId, Pending>();
  // Requests that start or feed work, and the stops and steers, which overtake them.
  readonly #work = new Lane(MAX_IN_FLIGHT);
  readonly #stops = new Lane(MAX_STOPS_IN_FLIGHT);
  // In the order they are served.
  readonly #lanes = [this.#stops, this.#work] as const;
  // Set once the client closes: the requests it still sends, and the error of any other.
  #closing:
    | { error: TransportClosedError; sends: (method: string, params: unknown) => boolean }
    | undefined;
  // Set while requests wait: the end of the oldest place's hold, at `#pumpAt`.
  #pumpTimer: ReturnType<typeof setTimeout> | undefined;
  #pumpAt = 0;
  // The server's requests whose answer is being made: id -> method.
  readonly #answering = new Map<RequestId, string>();
  // Replaced, never changed in place, on (un)subscribe: delivery walks it without a copy.
  #notificationListeners: readonly ((n: RawNotification) => void)[] = [];
  readonly #closeListeners = new Set<(error: TransportClosedError) => void>();
  #serverRequestHandler: ServerRequestHandler = rejectAll;
  #wants: ((method: string) => boolean) | undefined;
  // The dropped lines logged in the current second (from `#dropsSince`), and those not shown.
  #dropsSince = 0;
  #dropsShown = 0;
  #dropsHidden = 0;
  #dropsTimer: NodeJS.Timeout | undefined;
  #closeError: TransportClosedError | undefined;
  // The lines that were no JSON-RPC, as shown, until the first answer: a server that ends before
  // answering anything (a wrapper printing its usage) is shown ending with them.
  #beforeAnswer: string[] | undefined = [];
  #writeFailure: Promise<TransportClosedError> | undefined;
  #closed: Promise<void>;
  #markClosed!: () => void;

  constructor(transport: Transport, services: ConnectionServices = {}) {
    this.#transport = transport;
    this.#log = services.log ?? SILENT;
    this.#secrets = services.secrets;
    this.#limit = transport.messageLimit;
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
    transport.start({
      line: this.#receive,
      overlong: this.#overlong,
      // A failed write closes the connection, which fails every pending call with the close error.
      writeFailed: (err) => void this.#writeFailed(err),
      // Redacted whole, as a line is, before #warn cuts it: a cut secret escapes redaction.
      dropped: (what, text) => this.#drop(what, this.#shownOf(text)),
      closed: (info) =>
        this.#fail(closedErrorFrom(info, this.#stderrTail(info.stderrTail), this.#beforeAnswer)),
    });
  }

  /** The error every call fails with once the connection is gone, or `undefined` while open. */
  get closeError(): TransportClosedError | undefined {
    return this.#closeError;
  }

  /** The error of a closing or closed connection (see `closeToNew`), if it is either. */
  get closingError(): TransportClosedError | undefined {
    return this.#closeError ?? this.#closing?.error;
  }

  /** Sizes of the tables this connection keeps, for leak checks. */
  get stats(): Record<string, number> {
    return {
      pending: this.#pending.size,
      inFlight: this.#lanes.reduce((sum, lane) => sum + lane.expire(now()), 0),
      queued: this.#lanes.reduce((sum, lane) => sum + lane.queued.size, 0),
      answering: this.#answering.size,
      notificationListeners: this.#notificationListeners.length,
      closeListeners: this.#closeListeners.size,
    };
  }

  /**
   * Sends a typed request and resolves with its result. `options` must already be checked
   * (`requestOptions`); they never reach the wire.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]["params"],
    options?: SendOptions,
  ): Promise<ClientRequestMap[M]["result"]>;
  request(method: string, params?: unknown, options?: SendOptions): Promise<unknown>;
  request(method: string, params?: unknown, options?: SendOptions): Promise<unknown> {
    if (this.#closeError !== undefined) return Promise.reject(this.#closeError);
    const closing = this.#closing;
    if (closing !== undefined && !closing.sends(method, params))
      return Promise.reject(closing.error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.#nextId++;
    const message = params === undefined ? { id, method } : { id, method, params };
    let line: string;
    try {
      line = JSON.stringify(message);
    } catch (err) {
      const why = `the params of ${method} cannot be sent as JSON: ${thrownMessage(err)}`;
      // Too long for a string ("Invalid string length") is a size, not a kind of value.
      const Kind = err instanceof RangeError ? RangeError : TypeError;
      return Promise.reject(new Kind(why, { cause: err }));
    }
    // The server could not read the line, and would never answer.
    if (encodesLoneSurrogate(line)) {
      return Promise.reject(
        new TypeError(
          `the params of ${method} hold a lone surrogate (a string cut inside a character), ` +
            "which the server cannot read",
        ),
      );
    }
    if (this.#limit !== undefined) {
      const tooLong = overLimit(line, this.#limit);
      if (tooLong !== undefined) {
        return Promise.reject(new RangeError(`the params of ${method} come to ${tooLong}`));
      }
    }
    const ticket = options?.ticket;
    const answered = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method, ticket });
    });
    if (ticket !== undefined) ticket.id = id;
    const own =
      !UNQUEUED.has(method) || (method === "thread/goal/set" && !pausesGoal(params))
        ? this.#work
        : this.#stops;
    const other = own === this.#work ? this.#stops : this.#work;
    const lane = other.queued.size > 0 && this.#follows(method, params, other) ? other : own;
    if (lane.queued.size > 0 || lane.placed.size >= lane.max) {
      lane.queued.set(id, line);
      this.#pump();
    } else {
      const unsent = this.#send(line, method);
      if (unsent !== undefined) {
        this.#pending.delete(id);
        // Nothing was sent: the ticket stands for no request.
        if (ticket !== undefined) ticket.id = undefined;
        return Promise.reject(unsent);
      }
      lane.placed.set(id, now());
    }
    // Given up on, the call forgets its answer (and is never sent, if it still waits).
    if (signal === undefined && options?.timeout === undefined) return withCallersStack(answered);
    return boundWait(answered, method, options, () => {
      this.#pending.delete(id);
      lane.queued.delete(id);
    });
  }

  // Whether `lane` holds, waiting for a place, a request of the same work as this one (its stop,
  // or work its stop would overtake; for a cancel, the request it names): this one goes after it.
  #follows(method: string, params: unknown, lane: Lane): boolean {
    const work = workOf(method);
    if (work === undefined) return false;
    const named = (params as Record<string, unknown> | null | undefined)?.[work.key];
    if (named === undefined) return false;
    if (work.work === undefined) return lane.queued.has(named as RequestId);
    for (const [id, line] of lane.queued) {
      const queuedMethod = this.#pending.get(id)?.method;
      if (queuedMethod === undefined || workOf(queuedMethod) !== work) continue;
      // Read again only here: work and its stop asked for while one waits is rare.
      const queued = (JSON.parse(line) as { params?: Record<string, unknown> }).params;
      if (queued?.[work.key] === named) return true;
    }
    return false;
  }

  /**
   * Whether the request that took `ticket` still waits for a place: it has not been sent, and
   * giving up on it withdraws it. A request that stops its work (`UNQUEUED`) would overtake it.
   */
  waiting(ticket: RequestTicket): boolean {
    return ticket.id !== undefined && this.#waitingIn(ticket.id) !== undefined;
  }

  // The lane in which request `id` waits for a place, if it does.
  #waitingIn(id: RequestId): Lane | undefined {
    for (const lane of this.#lanes) if (lane.queued.has(id)) return lane;
    return undefined;
  }

  /**
   * Withdraws the request that took `ticket` if it still waits for a place (see `waiting`): it
   * is never sent, and its answer rejects with an error {@link wasWithdrawn} tells. Says whether
   * it did.
   */
  withdraw(ticket: RequestTicket): boolean {
    const id = ticket.id;
    if (id === undefined || !this.#waitingIn(id)?.queued.delete(id)) return false;
    const entry = this.#pending.get(id)!;
    this.#pending.delete(id);
    ticket.id = undefined;
    const reason = new CodexError(`${entry.method} was given up on before it was sent`);
    withdrawn.add(reason);
    entry.reject(reason);
    return true;
  }

  // Its caller waits on the answer, not on the write: a failed write reaches `writeFailed`. A line
  // the transport cannot take at all (stdio's, one character short of the longest string, with
  // its newline) throws here, and that call alone fails: the error is returned.
  #send(line: string, method: string): CodexError | undefined {
    try {
      this.#transport.send(line);
      return undefined;
    } catch (err) {
      const why = `the params of ${method} could not be sent: ${thrownMessage(err)}`;
      return new CodexError(why, { cause: err });
    }
  }

  // Sends the requests waiting, in order in each lane (the stops' first), while there are
  // places; while some still wait, wakes when the oldest place of their lane ends its hold.
  #pump(): void {
    const at = now();
    let wakeAt = Infinity;
    for (const lane of this.#lanes) {
      lane.expire(at);
      for (const [id, line] of lane.queued) {
        if (lane.placed.size >= lane.max) break;
        lane.queued.delete(id);
        const entry = this.#pending.get(id)!;
        const unsent = this.#send(line, entry.method);
        if (unsent === undefined) lane.placed.set(id, at);
        else {
          this.#pending.delete(id);
          entry.reject(unsent);
        }
      }
      if (lane.queued.size > 0) {
        wakeAt = Math.min(wakeAt, lane.placed.values().next().value! + PLACE_HOLD_MS);
      }
    }
    if (wakeAt === Infinity) this.#stopPump();
    else if (this.#pumpTimer === undefined || wakeAt < this.#pumpAt) {
      clearTimeout(this.#pumpTimer);
      this.#pumpAt = wakeAt;
      this.#pumpTimer = setTimeout(this.#wake, wakeAt - at);
    }
  }

  #stopPump(): void {
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
  }

  readonly #wake = (): void => {
    this.#pumpTimer = undefined;
    this.#pump();
  };

  /**
   * How far the answer to request `id` whose result is this JSON text is over what the transport
   * takes in one message (as "65.0 MiB as JSON, over the 64 MiB ..."), or `undefined` when it
   * fits or there is no bound.
   */
  oversize(id: RequestId, json: string): string | undefined {
    if (this.#limit === undefined) return undefined;
    // What the answer's line holds around the result: `{"id":...,"result":` and `}`.
    const envelope = Buffer.byteLength(JSON.stringify({ id, result: 0 })) - 1;
    return overLimit(json, this.#limit, envelope);
  }

  /** Sends a notification (no answer expected). */
  async notify(method: string, params?: unknown): Promise<void> {
    if (this.#closeError !== undefined) throw this.#closeError;
    await this.#write(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  /** Subscribes to every notification; returns the unsubscribe function. */
  onNotification(listener: (notification: RawNotification) => void): () => void {
    if (!this.#notificationListeners.includes(listener)) {
      this.#notificationListeners = [...this.#notificationListeners, listener];
    }
    return () => {
      this.#notificationListeners = this.#notificationListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Subscribes to the end of the connection; called once, with the error calls now fail with.
   * Subscribed after the end, it is called on the next microtask, and nothing is kept.
   */
  onClose(listener: (error: TransportClosedError) => void): () => void {
    const closed = this.#closeError;
    if (closed !== undefined) {
      let off = false;
      queueMicrotask(() => off || this.#tellClosed(listener, closed));
      return () => void (off = true);
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * Installs the one judge of which notifications are read. A long line that is plainly a
   * notification of a method of the protocol (`{"method":"...","params":{...}}`) that it declines
   * is dropped before it is parsed: nobody would read it. Anything else is parsed as always. It
   * judges only while its owner is the one notification listener.
   */
  setInterest(wants: (method: string) => boolean): void {
    this.#wants = wants;
  }

  /** Installs the one handler that answers server requests. */
  setServerRequestHandler(handler: ServerRequestHandler): void {
    this.#serverRequestHandler = handler;
  }

  /** Closes the transport and rejects everything still pending. Idempotent. */
  async close(): Promise<void> {
    this.#fail(this.#closing?.error ?? new TransportClosedError("the Codex client was closed"));
    await this.#transport.close();
    // What the server wrote as it was stopped: its count of dropped lines, told with the end.
    if (this.#dropsHidden > 0) this.#countDrops();
  }

  /**
   * Refuses every request from now on but those `sends` takes (the stops a closing client still
   * sends before `close()`), and withdraws those still waiting for a place.
   */
  closeToNew(sends: (method: string, params: unknown) => boolean): void {
    if (this.#closeError !== undefined || this.#closing !== undefined) return;
    const error = new TransportClosedError("the Codex client was closed");
    this.#closing = { error, sends };
    for (const { queued } of this.#lanes) {
      for (const [id, line] of queued) {
        const entry = this.#pending.get(id);
        if (
          entry === undefined ||
          sends(entry.method, (JSON.parse(line) as { params?: unknown }).params)
        ) {
          continue;
        }
        queued.delete(id);
        this.#pending.delete(id);
        entry.reject(error);
      }
    }
    if (this.#lanes.every((lane) => lane.queued.size === 0)) this.#stopPump();
  }

  // Sends one line, resolving once it is written. A failed write means the transport is going
  // away: the promise then rejects with the close error (exit code, stderr tail), never with a
  // bare EPIPE. A line the transport cannot take at all throws, as `send` does.
  #write(line: string): Promise<void> {
    const { promise, resolve, reject } = deferred<void>();
    this.#transport.send(line, (err) =>
      err ? void this.#writeFailed(err).then(reject, reject) : resolve(),
    );
    return promise;
  }

  // Closes the transport after a failed write, and resolves with the error calls now fail with.
  // Once: a write can fail to its own callback and to the transport's sink both.
  #writeFailed(err: unknown): Promise<TransportClosedError> {
    this.#writeFailure ??= this.#closeAfterWriteFailed(err);
    return this.#writeFailure;
  }

  async #closeAfterWriteFailed(err: unknown): Promise<TransportClosedError> {
    if (this.#closeError === undefined) {
      this.#log.debug("a write to app-server failed; closing the transport", err);
      // Not awaited: a server that keeps running with its input closed is killed only after the
      // grace, and the calls should not wait that long.
      this.#transport.close().catch((closeErr: unknown) => {
        this.#log.debug("closing the transport after a failed write failed too", closeErr);
      });
      // The transport's own report (exit code, signal) usually follows the exit at once.
      await deadline(this.#closed, { timeout: CLOSE_REPORT_MS, onTimeout: () => undefined });
      this.#fail(
        new TransportClosedError(`could not write to codex app-server: ${thrownMessage(err)}`, {
          cause: err,
          stderrTail: this.stderrTail(),
        }),
      );
    }
    return this.#closeError!;
  }

  // Parses each line once and hands the parsed object on as it is; only its envelope is checked.
  // A field, not a method: the transport calls it as it is, with no binding layer per line.
  readonly #receive = (raw: string): void => {
    // A byte order mark, which JSON lets a reader ignore (a wrapper script may write one); a run
    // of them is skipped at once, the rest read once, whatever their number.
    if (raw.charCodeAt(0) === BYTE_ORDER_MARK) {
      let start = 1;
      while (raw.charCodeAt(start) === BYTE_ORDER_MARK) start++;
      return this.#receive(raw.slice(start));
    }
    // Judged only when the judge's is the one listener: another (the notifications kept while
    // the client starts) reads everything.
    if (
      raw.length >= JUDGED_MIN_CHARS &&
      this.#wants !== undefined &&
      this.#notificationListeners.length === 1 &&
      unwanted(raw, this.#wants)
    ) {
      return;
    }
    try {
      const secrets = this.#secrets;
      let line = raw;
      if (secrets !== undefined && !secrets.empty) {
        try {
          line = secrets.text(raw);
        } catch (err) {
          // Anything else is a bug of ours, logged below.
          if (!(err instanceof RangeError)) throw err;
          // Redacted, it would be longer than a string can hold: read as a message too long.
          return this.#overlong(raw.slice(0, OVERLONG_HEAD_CHARS));
        }
      }
      // A message is an object: a line whose first character after white space is another is
      // none, known without the cost of a parse that throws (a flood of them, from a wrapper,
      // say, would hold the event loop for seconds, its timers with it).
      let at = 0;
      let first = raw.charCodeAt(0);
      while (first === SPACE || first === TAB || first === LINE_FEED || first === CARRIAGE_RETURN) {
        first = raw.charCodeAt(++at);
      }
      if (first !== OPEN_BRACE) return this.#dropNoRpc("a line that is no JSON object", line);
      let message: unknown;
      try {
        message =
          line !== raw && BASE64_NOTIFICATION.test(raw)
            ? withSentBase64(raw, line, secrets!)
            : undefined;
        message ??= JSON.parse(line);
      } catch {
        message = line === raw ? NOT_JSON : redactedParse(raw, secrets!);
        if (message === NOT_JSON) return this.#dropNoRpc("a line that is no JSON object", line);
      }
      // Parsed from a `{`: an object.
      const msg = message as {
        id?: unknown;
        method?: unknown;
        params?: unknown;
        result?: unknown;
        error?: unknown;
      };
      const { id, method } = msg;
      const hasId = typeof id === "string" || typeof id === "number";
      if (typeof method === "string") {
        const { params } = msg;
        if (
          params !== undefined &&
          (typeof params !== "object" || params === null || Array.isArray(params))
        ) {
          if (!hasId) return this.#drop(`${method} with params that are not an object`, line);
          if (this.#beingAnswered(id, method)) return;
          // A request still gets an answer, or the server would wait on it for ever.
          this.#warn(
            `answered ${method} with ${INVALID_PARAMS}`,
            "params that are not an object",
            line,
          );
          return this.#reply(msg as RawServerRequest, {
            id,
            error: { code: INVALID_PARAMS, message: `the params of ${method} must be an object` },
          });
        }
        if (hasId) return this.#answer(msg as RawServerRequest);
        if (id !== undefined && id !== null) {
          return this.#drop(`${method} with an id that is neither string nor number`, line);
        }
        if (params === undefined && KNOWN_NOTIFICATIONS.has(method)) {
          return this.#drop(`${method} without params`, line);
        }
        // A request nothing could answer, as it has no id: no listener may take it for an event.
        if (KNOWN_REQUESTS.has(method)) return this.#drop(`${method} without an id`, line);
        const listeners = this.#notificationListeners;
        for (let i = 0; i < listeners.length; i++) {
          try {
            listeners[i]!(msg as RawNotification);
          } catch (err) {
            this.#log.error(`a listener of ${method} threw`, err);
          }
        }
        return;
      }
      // A `method` of null beside an id says there is none, as an `error` of null does.
      if (method !== undefined && method !== null) {
        return this.#drop("a message whose method is not a string", line);
      }
      if (!hasId) return this.#dropNoRpc("a message with neither method nor a valid id", line);
      const entry = this.#settle(id);
      if (entry === undefined) {
        return this.#log.debug(`dropped a response to no pending request (id ${String(id)})`);
      }
      const { result } = msg;
      let answered: object | undefined;
      // An `error` of null beside a result (which JSON-RPC forbids) says there was none.
      if (msg.error !== undefined && msg.error !== null)
        entry.reject(fromWireError(msg.error, entry.method));
      // Every result of the protocol is an object: anything else would be read as one.
      else if (typeof result === "object" && result !== null && !Array.isArray(result)) {
        answered = line === raw ? result : resultAsSent(entry.method, raw, result);
        entry.resolve(answered);
      } else {
        this.#drop(`an answer to ${entry.method} that is not an object`, line);
        entry.reject(new CodexError(`the answer to ${entry.method} is not an object`));
      }
      entry.ticket?.onAnswer?.(answered);
    } catch (err) {
      // Only a bug of ours gets here; the line is lost, the next one is not.
      this.#log.error("failed to handle a line from app-server", err);
    }
  };

  // A message too long to hold as a string. Its start says what it was: an answer fails its call, a
  // request gets an error answer (the server would wait on it for ever), anything else is logged.
  // The start itself is never shown: a secret cut at its end would escape redaction.
  readonly #overlong = (head: string): void => {
    const too = tooLong();
    try {
      const found = OVERLONG_HEAD.exec(head);
      const request = found === null ? OVERLONG_REQUEST_HEAD.exec(head) : null;
      if (found === null && request === null) {
        return this.#log.warn(`dropped a message from app-server ${too}`);
      }
      const [rawId, kind, name = "?"] =
        found === null ? [request![2], "method", request![1]] : found.slice(1);
      const id = JSON.parse(rawId!) as RequestId;
      if (kind === "method") {
        const method = this.#secrets === undefined ? name : this.#secrets.text(name);
        if (this.#beingAnswered(id, method)) return;
        this.#log.warn(
          `dropped a request from app-server (${method}) ${too}; answered it with an error`,
        );
        return this.#reply({ id, method } as RawServerRequest, {
          id,
          error: { code: INTERNAL_ERROR, message: `the client cannot read a request ${too}` },
        });
      }
      const entry = this.#settle(id);
      if (entry === undefined) {
        return this.#log.warn(`dropped an answer to no pending request (id ${id}), ${too}`);
      }
      entry.reject(new CodexError(`the answer to ${entry.method} is ${too}; it was dropped`));
    } catch (err) {
      // Only a bug of ours gets here.
      this.#log.error("failed to handle a message too long to hold", err);
    }
  };

  #answer(request: RawServerRequest): void {
    // A line read after the end (a request the server wrote as it went) starts no handler.
    if (this.#closeError !== undefined) {
      return this.#log.debug(`not answering ${request.method}: the connection is closed`);
    }
    const { id, method } = request;
    if (this.#beingAnswered(id, method)) return;
    this.#answering.set(id, method);
    let result: Promise<unknown>;
    try {
      result = this.#serverRequestHandler(request);
    } catch (err) {
      result = Promise.reject(err);
    }
    result
      .then(
        (value) => ({ id: request.id, result: value ?? {} }),
        (err: unknown) => {
          const dropped = (why: string) =>
            this.#log.warn(`the error answering ${method} is sent without its data: ${why}`);
          return { id: request.id, error: wireError(err, this.#secrets, dropped) };
        },
      )
      .then((reply) => {
        this.#answering.delete(id);
        this.#reply(request, reply);
      })
      // Only a bug of ours gets here, and the server waits on an answer that never comes: say so.
      .catch((err: unknown) => this.#log.error(`failed to answer ${request.method}`, err));
  }

  /**
   * Whether a request's id is that of one still being answered, logged if so: an id gets one
   * answer. The server sends a request again under its id when a client resumes the thread it
   * waits on: the answer being made is the one it waits for, and the handler runs once.
   */
  #beingAnswered(id: RequestId, method: string): boolean {
    const inFlight = this.#answering.get(id);
    if (inFlight === undefined) return false;
    if (inFlight === method) {
      this.#log.debug(`the server sent ${method} (id ${id}) again; its answer is on the way`);
    } else {
      this.#log.warn(
        `dropped ${method}: its id ${id} is that of ${inFlight}, which is still being answered`,
      );
    }
    return true;
  }

  // Every server request gets an answer: one that cannot be serialized becomes an internal error.
  // The reply is serialized once, so what was checked is what is sent.
  #reply(request: RawServerRequest, reply: object): void {
    if (this.#closeError !== undefined) {
      return this.#log.debug(`not answering ${request.method}: the connection is closed`);
    }
    let line: string;
    try {
      line = JSON.stringify(reply);
      if (encodesLoneSurrogate(line)) {
        throw new TypeError("it holds a lone surrogate (a string cut inside a character)");
      }
    } catch (err) {
      this.#log.error(`the answer to ${request.method} cannot be sent as JSON`, err);
      line = internalError(request.id, "the client's answer could not be encoded");
    }
    if (this.#limit !== undefined) {
      const tooLong = overLimit(line, this.#limit);
      if (tooLong !== undefined) {
        // Sent, it would end the connection; the server gets an answer that says why instead.
        this.#log.error(
          `the answer to ${request.method} comes to ${tooLong}; sent an error instead`,
        );
        line = internalError(request.id, `the client's answer comes to ${tooLong}`);
      }
    }
    let written: Promise<void>;
    try {
      written = this.#write(line);
    } catch (err) {
      // A line the transport cannot take at all (over stdio, one character short of the longest
      // string, with its newline): the server gets an answer that says so instead of none.
      this.#log.error(
        `the answer to ${request.method} could not be sent; sent an error instead`,
        err,
      );
      const why = `the client's answer could not be sent: ${thrownMessage(err)}`;
      written = this.#write(internalError(request.id, why));
    }
    written.catch((err: unknown) => this.#log.debug(`could not answer ${request.method}`, err));
  }

  /** The last lines the server wrote to stderr, redacted, as an error shows them ("" if none). */
  stderrTail(): string {
    return this.#stderrTail(this.#transport.stderrTail());
  }

  // The tail of stderr an error shows: plain, then redacted while its lines are whole (a key split
  // by a colour sequence is joined first), then cut, so a cut through a secret leaves no part of
  // it.
  #stderrTail(lines: string): string {
    const plain = plainLines(lines);
    return lastLines(this.#secrets === undefined ? plain : this.#secrets.stderrText(plain));
  }

  // Ids are echoed as sent; a peer that stringifies them is tolerated when it writes the number
  // as JavaScript does ("1", not " 1 ", "0x1" or "1.0").
  #settle(id: RequestId): Pending | undefined {
    this.#beforeAnswer = undefined;
    const key = typeof id === "string" && String(Number(id)) === id ? Number(id) : id;
    // A request still waiting was never sent: an answer to it answers nothing.
    if (this.#waitingIn(key) !== undefined) return undefined;
    // Given up on or not, an answered request frees its place.
    for (const lane of this.#lanes) {
      if (lane.placed.delete(key)) {
        if (lane.queued.size > 0) this.#pump();
        break;
      }
    }
    const entry = this.#pending.get(key);
    if (entry !== undefined) this.#pending.delete(key);
    return entry;
  }

  // Before the first answer, what is no JSON-RPC is kept to be shown should the server end
  // (a wrapper printing its usage): a copy of its start, so a long line is not held whole.
  #dropNoRpc(what: string, line: string): void {
    const kept = this.#beforeAnswer;
    if (kept !== undefined && kept.length < KEPT_BEFORE_ANSWER) kept.push(shownStart(line));
    this.#drop(what, line);
  }

  // Each dropped line is logged, up to DROPS_SHOWN a second: a flood of them (a wrapper's output)
  // would otherwise cost a log entry, with its error's stack, each. Those past it are counted, and
  // the count logged as the second ends (or the connection, first).
  #drop(what: string, line: string): void {
    if (!this.#log.enabled("warn")) return;
    const at = now();
    if (at - this.#dropsSince >= DROPS_WINDOW_MS) {
      this.#countDrops();
      this.#dropsSince = at;
    }
    if (this.#dropsShown < DROPS_SHOWN) {
      this.#dropsShown++;
      return this.#warn(`dropped ${what} from app-server`, what, line);
    }
    if (this.#dropsHidden++ === 0) {
      this.#log.warn(`more malformed lines from app-server within 1 s are counted, not shown`);
      // Once the connection has ended, `close()` tells the count as it returns.
      if (this.#closeError === undefined) {
        const left = DROPS_WINDOW_MS - (at - this.#dropsSince);
        this.#dropsTimer = setTimeout(() => this.#countDrops(), left);
        this.#dropsTimer.unref?.();
      }
    }
  }

  // Logs how many dropped lines were not shown, and starts the count again.
  #countDrops(): void {
    clearTimeout(this.#dropsTimer);
    this.#dropsTimer = undefined;
    if (this.#dropsHidden > 0) {
      this.#log.warn(`dropped ${this.#dropsHidden} more malformed lines from app-server`);
    }
    this.#dropsShown = 0;
    this.#dropsHidden = 0;
  }

  #warn(message: string, what: string, line: string): void {
    if (!this.#log.enabled("warn")) return;
    const shown = line.length > SHOWN_CHARS ? `${line.slice(0, SHOWN_CHARS)}…` : line;
    // Its message says what was dropped, which names what the server sent: plain.
    this.#log.warn(message, new ProtocolError(plainText(what), shown));
  }

  // What a log may show of a text not yet redacted: its start, past what is shown by the longest
  // secret (which a cut there would split), redacted. A redaction of the whole of a huge text
  // could grow it past what a string can hold.
  #shownOf(text: string): string {
    const secrets = this.#secrets;
    if (secrets === undefined) return text;
    const enough = SHOWN_CHARS + secrets.longest;
    // Cut, a secret split at the cut would not be found: only what comes before is shown, and an
    // ellipsis says it was cut.
    return text.length > enough
      ? `${secrets.textBefore(text.slice(0, enough), SHOWN_CHARS)}…`
      : secrets.text(text);
  }

  #fail(error: TransportClosedError): void {
    if (this.#closeError !== undefined) return;
    const clean = this.#secrets === undefined ? error : this.#secrets.error(error);
    this.#closeError = clean;
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    for (const lane of this.#lanes) {
      lane.queued.clear();
      lane.placed.clear();
    }
    this.#stopPump();
    if (this.#dropsHidden > 0) this.#countDrops();
    for (const entry of entries) entry.reject(clean);
    for (const listener of this.#closeListeners) this.#tellClosed(listener, clean);
    this.#closeListeners.clear();
    this.#notificationListeners = [];
    this.#markClosed();
  }

  #tellClosed(listener: (error: TransportClosedError) => void, error: TransportClosedError): void {
    try {
      listener(error);
    } catch (err) {
      this.#log.error("a close listener threw", err);
    }
  }

  /** Resolves once the connection has ended, for whatever reason. */
  get ended(): Promise<void> {
    return this.#closed;
  }
}

/**
 * Why a line is too long for its channel ("66.7 MiB as JSON, over the 64 MiB the app-server takes
 * over WebSocket"), or `undefined`. A line's UTF-8 size is at least its length and at most three
 * times it, so only a line near the bound is measured.
 */
function overLimit(line: string, limit: MessageLimit, around = 0): string | undefined {
  if (line.length * 3 + around <= limit.bytes) return undefined;
  const bytes = Buffer.byteLength(line) + around;
  if (bytes <= limit.bytes) return undefined;
  const mib = (n: number) => n / 2 ** 20;
  return (
    `${mib(bytes).toFixed(1)} MiB as JSON, over the ${mib(limit.bytes)} MiB the app-server ` +
    `takes ${limit.channel}`
  );
}

/** An answer to a server request that reports the client's own failure. */
function internalError(id: RequestId, message: string): string {
  return JSON.stringify({ id, error: { code: INTERNAL_ERROR, message } });
}

// What a handler threw, as an error answer the server can read: its message (redacted) with each
// lone surrogate replaced, its code when it is an integer the runtime can hold (else -32603), and
// its data only when JSON can carry it (`dropped` says why it is left out otherwise). What was
// thrown may be anything, getters that throw included: each field is read once, guarded.
function wireError(
  err: unknown,
  secrets: Secrets | undefined,
  dropped: (why: string) => void,
): { code: number; message: string; data?: unknown } {
  const message = wellFormed(thrownMessage(err, secrets));
  let code = INTERNAL_ERROR;
  let data: unknown;
  try {
    const thrown = (err ?? {}) as { code?: unknown; data?: unknown };
    const given = thrown.code;
    if (typeof given === "number" && Number.isSafeInteger(given)) code = given;
    data = sendableData(thrown.data, secrets, dropped);
  } catch {
    // A getter that throws: the message says what can be said.
  }
  return data === undefined ? { code, message } : { code, message, data };
}

// An error's `data` as it is sent: read once, through its JSON text, every secret redacted. What
// JSON cannot carry (a cycle, a BigInt, a lone surrogate) is left out, and said so.
function sendableData(
  data: unknown,
  secrets: Secrets | undefined,
  dropped: (why: string) => void,
): unknown {
  if (data === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    dropped(thrownMessage(err, secrets));
    return undefined;
  }
  if (json === undefined) return undefined;
  if (encodesLoneSurrogate(json)) {
    dropped("it holds a lone surrogate (a string cut inside a character)");
    return undefined;
  }
  const sendable: unknown = JSON.parse(
    secrets === undefined || secrets.empty ? json : secrets.text(json),
  );
  // Inside `error`, inside the answer.
  if (nestsPast(sendable, MAX_JSON_DEPTH - 2)) {
    dropped(`it nests more than ${MAX_JSON_DEPTH - 2} levels deep`);
    return undefined;
  }
  return sendable;
}

// How many lines that were no JSON-RPC are kept until the first answer, and how much of each.
const KEPT_BEFORE_ANSWER = 8;
const KEPT_LINE_CHARS = 400;

// A line's start as shown: plain (no terminal control sequences, no control characters), cut at
// KEPT_LINE_CHARS and never inside a character, and a copy, not a slice holding the whole line.
function shownStart(line: string): string {
  const head = line.length > 4 * KEPT_LINE_CHARS ? line.slice(0, 4 * KEPT_LINE_CHARS) : line;
  const plain = plainText(head);
  if (plain.length <= KEPT_LINE_CHARS && head === line) return Buffer.from(plain).toString();
  let end = Math.min(plain.length, KEPT_LINE_CHARS);
  const last = plain.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${Buffer.from(plain.slice(0, end)).toString()}…`;
}

function closedErrorFrom(
  info: TransportCloseInfo,
  stderrTail: string,
  beforeAnswer: readonly string[] | undefined,
): TransportClosedError {
  const ended =
    info.reason !== undefined
      ? info.reason
      : info.error !== undefined
        ? `could not run codex app-server: ${info.error.message}`
        : info.signal !== null
          ? `codex app-server was killed by ${info.signal}`
          : info.exitCode !== null
            ? `codex app-server exited with code ${info.exitCode}`
            : "codex app-server closed its output";
  const how =
    beforeAnswer === undefined || beforeAnswer.length === 0
      ? ended
      : `${ended}\nwhat it sent before any answer, which is no JSON-RPC:\n${beforeAnswer.join("\n")}`;
  return new TransportClosedError(how, {
    exitCode: info.exitCode,
    signal: info.signal,
    stderrTail,
    ...(info.error ? { cause: info.error } : {}),
  });
}
