import { reportRejection } from "./deferred.js";
import { plainLines } from "./plain.js";
import { REDACTED, type Secrets } from "./redact.js";
import { isPlainObject } from "./validate.js";

/** How much the SDK reports: each level includes the ones after it. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

/**
 * Where the SDK reports what it does not throw: dropped or malformed server messages, failed
 * interrupts, handler errors, unanswered or unknown server requests. `console` fits.
 */
export interface Logger {
  /** Receives `debug` messages: expected events, such as a request answered by its default. */
  debug(message: string, ...rest: unknown[]): void;
  /** Receives `info` messages. */
  info(message: string, ...rest: unknown[]): void;
  /** Receives `warn` messages: dropped server messages, failed interrupts and handlers. */
  warn(message: string, ...rest: unknown[]): void;
  /** Receives `error` messages: a listener that threw, an answer that could not be sent. */
  error(message: string, ...rest: unknown[]): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** The SDK's side of a `Logger`: filtered by level, redacted, and never throwing. */
export class Log {
  readonly #logger: Logger | undefined;
  readonly #rank: number;
  readonly #secrets: Secrets | undefined;

  constructor(logger?: Logger, level: LogLevel = "warn", secrets?: Secrets) {
    this.#logger = logger;
    this.#rank = logger === undefined ? RANK.off : RANK[level];
    this.#secrets = secrets;
  }

  /** Whether `level` reaches the logger: callers skip building costly details otherwise. */
  enabled(level: Exclude<LogLevel, "off">): boolean {
    return RANK[level] >= this.#rank;
  }

  debug(message: string, detail?: unknown): void {
    this.#write("debug", message, detail);
  }

  info(message: string, detail?: unknown): void {
    this.#write("info", message, detail);
  }

  warn(message: string, detail?: unknown): void {
    this.#write("warn", message, detail);
  }

  error(message: string, detail?: unknown): void {
    this.#write("error", message, detail);
  }

  #write(level: Exclude<LogLevel, "off">, message: string, detail: unknown): void {
    if (!this.enabled(level)) return;
    try {
      const secrets = this.#secrets;
      // Plain: it may quote what the server sent (a method, an id), and a console logger
      // writes it to a terminal. Made plain first: a key split by a colour sequence is joined,
      // then redacted.
      const plain = plainLines(message);
      const text = `codex-app-server-sdk: ${secrets ? secrets.text(plain) : plain}`;
      const rest = detail === undefined ? [] : [secrets ? redactDetail(secrets, detail) : detail];
      // An async logger's failure has nowhere to go either, but it must not go unhandled.
      reportRejection(this.#logger![level](text, ...rest), ignore);
    } catch {
      // A logger that throws must not turn a report into a crash; there is nowhere left to say it.
    }
  }
}

// Where a failing logger's own rejection goes: it is the one place a report could have gone.
const ignore = (): undefined => undefined;

function redactDetail(secrets: Secrets, detail: unknown): unknown {
  try {
    return detail instanceof Error ? secrets.error(detail) : secrets.value(detail);
  } catch {
    // A detail that cannot be read (a getter or a proxy trap throws) cannot be shown as checked;
    // the message still goes out.
    return REDACTED;
  }
}

// The most of a thrown plain object's JSON a message shows.
const SHOWN_CHARS = 200;

/**
 * What a thrown value says, for a report or an answer: its `message` when that is a string, else
 * a plain object's JSON (its first 200 characters), else the value as a string; redacted of
 * `secrets` (a plain object's before it is cut, which could leave a secret's start). Never
 * throws, whatever was thrown (a getter that throws, an object without a prototype).
 */
export function thrownMessage(thrown: unknown, secrets?: Secrets): string {
  const redact = (text: string) => (secrets === undefined ? text : secrets.text(text));
  try {
    const message = (thrown as { message?: unknown } | null | undefined)?.message;
    if (typeof message === "string") return redact(message);
    // A plain object (a rejection with `{ status, error }`) would read "[object Object]".
    const json = isPlainObject(thrown) ? plainJson(thrown) : undefined;
    if (json !== undefined && json !== "{}") {
      const text = redact(json);
      return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text;
    }
    return redact(String(thrown));
  } catch {
    return "an error that cannot be read";
  }
}

function plainJson(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // A BigInt or a cycle in it.
    return undefined;
  }
}

/** A log that reports nothing. */
export const SILENT = new Log();

/** Checks the `logger` and `logLevel` options before anything starts. */
export function checkLogger(logger: unknown, level: unknown): void {
  if (logger !== undefined) {
    const ok =
      typeof logger === "object" &&
      logger !== null &&
      ["debug", "info", "warn", "error"].every(
        (name) => typeof (logger as Record<string, unknown>)[name] === "function",
      );
    if (!ok) throw new TypeError("logger must have debug, info, warn and error methods");
  }
  if (level !== undefined && (typeof level !== "string" || !Object.hasOwn(RANK, level))) {
    throw new TypeError(
      `logLevel must be one of ${Object.keys(RANK).join(", ")}; got ` +
        (typeof level === "string" ? JSON.stringify(level) : typeof level),
    );
  }
}
