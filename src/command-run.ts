import { constants } from "node:buffer";
import { StringDecoder } from "node:string_decoder";

import {
  CommandAbortedError,
  CommandHandle,
  type CommandContext,
  type CommandControl,
  type CommandResult,
  type ExecOptions,
} from "./command.js";
import { CodexError, InvalidRequestError } from "./errors.js";
import type {
  CommandExecOutputDeltaNotification,
  CommandExecParams,
  CommandExecResponse,
  CommandExecTerminalSize,
} from "./generated/index.js";
import { ABORT_WAIT_MS, abortError, deadline, now, timeLeft } from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import { paramsCredentials } from "./internal/redact.js";
import {
  checkBoolean,
  checkEnvName,
  checkNonEmpty,
  checkOptionNames,
  checkOptions,
  checkSignal,
  checkSpawnable,
  checkTimeout,
  checkWellFormed,
  describe,
  optionNames,
  REQUEST_KEYS,
  requestOptions,
  type RequestOptions,
} from "./internal/validate.js";
import { SANDBOX_KEYS, sandboxPolicy } from "./options.js";
import { withCallersStack } from "./rpc/bound-wait.js";
import type { Connection, RequestTicket } from "./rpc/connection.js";
import { EventLog, droppableReader } from "./rpc/router.js";
import { sendStop } from "./stop.js";

const EXEC_NAMES = optionNames<ExecOptions>()({
  own: [
    ...REQUEST_KEYS,
    ...SANDBOX_KEYS,
    "permissionProfile",
    "cwd",
    "env",
    "tty",
    "size",
    "stdin",
    "collectOutput",
  ],
});

// How long a terminate the server refused waits for the exit answer, which comes with the refusal
// when the command exited as the request travelled.
const EXIT_WAIT_MS = 1_000;

/**
 * The most bytes one `write` takes: base64 (4 characters for every 3 bytes) makes them a string,
 * which has a length limit, and the request's JSON holds a few characters more.
 */
const MAX_WRITE_BYTES = Math.floor((constants.MAX_STRING_LENGTH - 256) / 4) * 3;

/** One output stream: its chunks as they come, decoded, and (unless told not to) all of them. */
class OutputStream implements AsyncIterable<string> {
  readonly #decoder = new StringDecoder("utf8");
  readonly #log = new EventLog<string>();
  // Both hold the same strings: keeping the text for wait() costs no second copy. Without it,
  // what arrives while no loop reads goes at once: a command's endless output that nobody reads
  // must not pile up.
  readonly #chunks: string[] | undefined;
  #collected = 0;
  readonly #maxChars: number;
  #ended = false;
  // Whether the output kept for wait() outgrew one string: it is then kept no more, and the
  // loops still get all of it.
  #overflowed = false;

  constructor(collect: boolean, maxChars: number) {
    this.#chunks = collect ? [] : undefined;
    this.#maxChars = maxChars;
  }

  push(bytes: Buffer): void {
    this.#add(this.#decoder.write(bytes));
  }

  end(error?: Error): void {
    this.#add(this.#decoder.end());
    this.#ended = true;
    if (error === undefined) this.#log.end();
    else this.#log.fail(error);
  }

  #add(text: string): void {
    if (text === "" || this.#ended) return;
    if (this.#chunks === undefined) {
      if (this.#log.reading) this.#log.push(text);
      return;
    }
    this.#log.push(text);
    if (this.#overflowed) return;
    this.#collected += text.length;
    if (this.#collected <= this.#maxChars) {
      this.#chunks.push(text);
    } else {
      this.#overflowed = true;
      this.#chunks.length = 0;
    }
  }

  /** `before`, then the output kept; `undefined` when the two would outgrow one string. */
  text(before: string): string | undefined {
    if (this.#overflowed || before.length + this.#collected > this.#maxChars) return undefined;
    return this.#chunks === undefined ? before : before + this.#chunks.join("");
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    // Dropped without leaving its loop, an iterator would keep all later output (a command may
    // write for ever) until the command exits: once collected, its place in the log closes.
    const reader = this.#log.reader();
    return droppableReader(reader, () => void reader.return());
  }
}

/** A command the server runs (`command/exec`), as its `CommandHandle` (see there) drives it. */
export class CommandRun implements CommandControl {
  readonly stdout: AsyncIterable<string>;
  readonly stderr: AsyncIterable<string>;
  readonly #connection: Connection;
  readonly #log: Log;
  readonly #tty: boolean;
  readonly #stdin: boolean;
  readonly #outcome: Promise<CommandResult>;
  // What `wait()` hands out: the outcome, its failure given the first waiter's stack.
  #waited: Promise<CommandResult> | undefined;
  // Settles once the answer to command/exec came, whatever it said.
  readonly #answered: Promise<unknown>;
  #exited: CommandResult | undefined;
  #stopping: Promise<void> | undefined;
  // Gives up on the command/exec request when an abort's wait for the exit runs out, or
  // withdraws it while it still waits for a place.
  readonly #giveUp = new AbortController();
  // The command/exec request's id, to ask whether it still waits for a place.
  readonly #ticket: RequestTicket = {};

  constructor(
    context: CommandContext,
    /** The connection-scoped process id the SDK gave the command. */
    readonly processId: string,
    params: CommandExecParams,
    options: {
      collect: boolean;
      signal?: AbortSignal;
      timeout?: number;
      /** How much output `wait()` can give, per stream: what one string holds. */
      maxChars?: number;
      /** The credentials of its environment, held in `context.secrets` until its answer. */
      credentials?: readonly string[];
    },
  ) {
    const { connection, router, log } = context;
    this.#connection = connection;
    this.#log = log;
    this.#tty = params.tty === true;
    this.#stdin = params.streamStdin === true || this.#tty;
    const maxChars = options.maxChars ?? constants.MAX_STRING_LENGTH;
    const stdout = new OutputStream(options.collect, maxChars);
    const stderr = new OutputStream(options.collect, maxChars);
    this.stdout = stdout;
    this.stderr = stderr;
    const off = router.onKey("command/exec/outputDelta", "processId", processId, (n) => {
      const delta = n.params as CommandExecOutputDeltaNotification;
      // Buffer.from skips what is not base64, so a broken chunk would decode to garbage.
      if (typeof delta.deltaBase64 !== "string" || !BASE64.test(delta.deltaBase64)) {
        return log.warn("dropped a command/exec/outputDelta without base64 deltaBase64", delta);
      }
      if (delta.stream !== "stdout" && delta.stream !== "stderr") {
        return log.warn("dropped a command/exec/outputDelta of no known stream", delta);
      }
      const bytes = Buffer.from(delta.deltaBase64, "base64");
      (delta.stream === "stderr" ? stderr : stdout).push(bytes);
    });
    // Its environment's credentials are redacted until the server has said all it will of it.
    const { credentials } = options;
    const answered = (): void => {
      off();
      if (credentials !== undefined) context.secrets?.removeAll(credentials);
    };
    // The response comes after the last output delta of the command, and only once it exited.
    const request = { signal: this.#giveUp.signal, ticket: this.#ticket };
    const exited = connection.request("command/exec", params, request).then(
      (response: CommandExecResponse): CommandResult => {
        answered();
        const malformed = malformedExit(response);
        if (malformed !== undefined) {
          const error = new CodexError(`the answer to command/exec ${malformed}`);
          stdout.end(error);
          stderr.end(error);
          throw error;
        }
        stdout.end();
        stderr.end();
        // Streamed output is not repeated in the response; anything it holds comes first.
        const out = stdout.text(response.stdout ?? "");
        const err = stderr.text(response.stderr ?? "");
        const result = { exitCode: response.exitCode, stdout: out ?? "", stderr: err ?? "" };
        this.#exited = result;
        const overflowed = out === undefined ? "stdout" : err === undefined ? "stderr" : undefined;
        if (overflowed !== undefined) {
          throw new CodexError(
            `the command exited with code ${response.exitCode}, but its ${overflowed} came to ` +
              `more than ${maxChars.toLocaleString("en-US")} characters, more than one string ` +
              `can hold: run it with collectOutput: false and read ${overflowed} as it comes`,
          );
        }
        return result;
      },
      (error: Error) => {
        answered();
        stdout.end(error);
        stderr.end(error);
        throw error;
      },
    );
    this.#answered = exited.catch(() => undefined);
    const { signal, timeout } = options;
    this.#outcome = deadline(exited, {
      signal,
      timeout,
      onAbort: () => this.#abort(exited, abortError(signal!)),
      onTimeout: () =>
        this.#abort(
          exited,
          new DOMException(`The command took longer than ${timeout} ms`, "TimeoutError"),
        ),
    });
    // Nobody may ever call wait(); its failure is reported there, not as an unhandled rejection.
    this.#outcome.catch((err: unknown) => log.debug(`command ${processId} ended`, err));
  }

  /**
   * Whether the connection refused the request before any I/O, as its params cannot be
   * carried (too long as JSON, over a WebSocket's message limit, more than the transport could
   * take): `wait()` rejects with why.
   */
  get refused(): boolean {
    return this.#ticket.id === undefined;
  }

  get exited(): boolean {
    return this.#exited !== undefined;
  }

  wait(): Promise<CommandResult> {
    // The server's refusal, read long before, gets the stack of the code that first waits for
    // it: once, as every waiter is handed the same error.
    this.#waited ??= withCallersStack(this.#outcome);
    return this.#waited;
  }

  async write(data: string | Uint8Array, options?: RequestOptions): Promise<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError(`data must be a string or a Uint8Array, got ${describe(data)}`);
    }
    // UTF-8 has no bytes for a lone surrogate: the encoder would write U+FFFD in its place. Text
    // cut between the halves of a character is better written as bytes.
    if (typeof data === "string") checkWellFormed(data, "data");
    const call = requestOptions(options);
    this.#checkStdin("write", "command/exec/write");
    // An array's size and bytes read through its own slots: a subclass's `byteLength`, `length`
    // or `valueOf` (which Buffer.from reads) could give other bytes than those checked.
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : byteLengthOf(data);
    if (bytes > MAX_WRITE_BYTES) {
      throw new RangeError(
        `data is ${bytes} bytes, more than one write carries (${MAX_WRITE_BYTES}, as base64 ` +
          "the longest string there can be): write it in parts",
      );
    }
    const given = typeof data === "string" ? Buffer.from(data) : bytesOf(data);
    const deltaBase64 = given.toString("base64");
    await this.#connection.request(
      "command/exec/write",
      { processId: this.processId, deltaBase64 },
      call,
    );
  }

  async closeStdin(options?: RequestOptions): Promise<void> {
    const call = requestOptions(options);
    this.#checkStdin("closeStdin", "command/exec/write");
    await this.#connection.request(
      "command/exec/write",
      { processId: this.processId, closeStdin: true },
      call,
    );
  }

  async resize(size: CommandExecTerminalSize, options?: RequestOptions): Promise<void> {
    const checked = checkSize(size);
    const call = requestOptions(options);
    if (!this.#tty) throw new TypeError("resize needs a command started with tty: true");
    this.#checkRunning("resize", "command/exec/resize");
    await this.#connection.request(
      "command/exec/resize",
      { processId: this.processId, size: checked },
      call,
    );
  }

  async terminate(options?: RequestOptions): Promise<void> {
    const call = requestOptions(options);
    if (call?.signal?.aborted) throw abortError(call.signal);
    if (this.exited) return;
    // Not sent yet (more than 64 requests in flight): a terminate would overtake it, and the
    // command would run after all. Withdrawn, it never runs.
    if (this.#connection.waiting(this.#ticket)) {
      const why = new CodexError(`command ${this.processId} was terminated before it was sent`);
      this.#giveUp.abort(new CommandAbortedError(null, why));
      return;
    }
    const t0 = now();
    try {
      await this.#connection.request("command/exec/terminate", { processId: this.processId }, call);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      // It exited while the request travelled: the server refuses, and the answer to
      // command/exec, with the exit, comes with the refusal or just after it.
      const timeout =
        call?.timeout === undefined
          ? EXIT_WAIT_MS
          : Math.min(EXIT_WAIT_MS, timeLeft(call.timeout, t0));
      const ended = await deadline(
        this.#answered.then(() => true),
        {
          signal: call?.signal,
          timeout,
          onTimeout: () => false,
        },
      );
      if (ended) return this.#log.debug(`command ${this.processId} had exited`, err);
      throw err;
    }
  }

  #checkStdin(action: string, method: string): void {
    if (!this.#stdin) {
      throw new TypeError(`${action} needs a command started with stdin: true (or tty: true)`);
    }
    this.#checkRunning(action, method);
  }

  // The server's own refusal, named, without a request: a command known to have exited has no
  // input or terminal left. One that exits as the request travels gets the server's.
  #checkRunning(action: string, method: string): void {
    if (this.exited) {
      throw new InvalidRequestError(
        -32600,
        `command ${this.processId} has exited: no active command/exec to ${action}`,
        undefined,
        { method },
      );
    }
  }

  // Terminates (once), waits bounded for the exit, and rejects with what the command wrote. The
  // termination and the wait share one bound: past it, the command is given up on.
  async #abort(exited: Promise<CommandResult>, cause: Error): Promise<never> {
    this.#stopping ??= (async () => {
      const since = now();
      try {
        await sendStop(this.#connection, (left) => this.terminate(left), ABORT_WAIT_MS);
      } catch (err) {
        this.#log.warn(`could not terminate command ${this.processId}`, err);
      }
      const settled = exited.then(
        () => true,
        () => true,
      );
      const timeout = timeLeft(ABORT_WAIT_MS, since);
      const done = await deadline(settled, { timeout, onTimeout: () => false });
      if (!done) {
        this.#log.warn(
          `command ${this.processId} did not exit within ${ABORT_WAIT_MS} ms of its termination`,
        );
        // Its output and its exit can no longer reach anyone: stop waiting for them.
        this.#giveUp.abort(new CodexError(`gave up on command ${this.processId}`));
      }
    })();
    await this.#stopping;
    throw new CommandAbortedError(this.#exited ?? null, cause);
  }
}

// Standard base64 with its padding, as the server writes output chunks: whole groups of four.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// What is wrong with a command/exec answer (an object, as the connection has seen), if anything.
function malformedExit(response: CommandExecResponse): string | undefined {
  const { exitCode, stdout, stderr } = response as Record<string, unknown>;
  if (!Number.isInteger(exitCode)) return "has no integer exitCode";
  for (const [name, text] of [
    ["stdout", stdout],
    ["stderr", stderr],
  ] as const) {
    if (text !== undefined && text !== null && typeof text !== "string") {
      return `has a ${name} that is not a string`;
    }
  }
  return undefined;
}

function checkSize(size: unknown): CommandExecTerminalSize {
  const record = size as Record<string, unknown> | null;
  const ok = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 0xffff;
  if (
    typeof size !== "object" ||
    record === null ||
    !ok(record.rows) ||
    !ok(record.cols) ||
    Object.keys(record).some((key) => key !== "rows" && key !== "cols")
  ) {
    throw new TypeError("size must be { rows, cols }, two integers from 1 to 65535");
  }
  return { rows: record.rows as number, cols: record.cols as number };
}

function checkArgv(argv: unknown): string[] {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new TypeError(`argv must be a non-empty array of strings, got ${describe(argv)}`);
  }
  // Array.from visits holes too (as undefined), so none is left unchecked.
  const command = Array.from(argv as unknown[], (arg, i) => {
    if (typeof arg !== "string") {
      throw new TypeError(`argv[${i}] must be a string, got ${describe(arg)}`);
    }
    return checkSpawnable(arg, `argv[${i}]`);
  });
  checkNonEmpty(command[0], "argv[0]");
  return command;
}

function checkEnv(env: unknown): Record<string, string | null> | undefined {
  if (env === undefined) return undefined;
  // No prototype: a variable named `__proto__` is one more key, not the object's prototype.
  const out = Object.create(null) as Record<string, string | null>;
  for (const [key, value] of Object.entries(checkOptions(env as object, "env"))) {
    if (value === undefined) continue;
    // First: a whole `NAME=value` line given as a key is named without its value.
    checkEnvName(key);
    const name = `env.${key}`;
    if (value !== null && typeof value !== "string") {
      throw new TypeError(`${name} must be a string or null, got ${describe(value)}`);
    }
    out[key] = value === null ? null : checkSpawnable(value, name);
  }
  return out;
}

/**
 * Starts `argv` in the app-server's sandbox and returns its handle once the request is sent.
 * Output is always streamed, never capped, and the runtime's own time limit is off: `timeout` is
 * the caller's. Process ids are random UUIDs, so they never collide on a connection.
 */
export async function startCommand(
  context: CommandContext,
  argv: readonly string[],
  options: ExecOptions | undefined,
): Promise<CommandHandle> {
  const command = checkArgv(argv);
  const checked = checkOptionNames(options, EXEC_NAMES);
  const signal = checkSignal(checked.signal);
  const timeout = checkTimeout(checked.timeout);
  const tty = checked.tty === undefined ? false : checkBoolean(checked.tty, "tty");
  const stdin = checked.stdin === undefined ? false : checkBoolean(checked.stdin, "stdin");
  const collect =
    checked.collectOutput === undefined
      ? true
      : checkBoolean(checked.collectOutput, "collectOutput");
  // The global Web Crypto, not node:crypto: importing that module costs every client about a
  // millisecond at load, for the few that run commands.
  const processId = `codex-sdk-exec-${globalThis.crypto.randomUUID()}`;
  const params: CommandExecParams = {
    command,
    processId,
    streamStdoutStderr: true,
    disableOutputCap: true,
    disableTimeout: true,
  };
  if (tty) params.tty = true;
  if (stdin || tty) params.streamStdin = true;
  if (checked.size !== undefined) {
    if (!tty) throw new TypeError("size needs tty: true");
    params.size = checkSize(checked.size);
  }
  if (checked.cwd !== undefined)
    params.cwd = checkSpawnable(checkNonEmpty(checked.cwd, "cwd"), "cwd");
  const env = checkEnv(checked.env);
  if (env !== undefined) params.env = env;
  const policy = sandboxPolicy(checked, context.platformFamily);
  if (policy !== undefined) params.sandboxPolicy = policy;
  if (checked.permissionProfile !== undefined) {
    if (policy !== undefined) {
      throw new TypeError("permissionProfile and sandbox cannot be combined: give one of them");
    }
    const name = "permissionProfile";
    params.permissionProfile = checkWellFormed(
      checkNonEmpty(checked.permissionProfile, name),
      name,
    );
  }
  if (signal?.aborted) throw abortError(signal);
  const closed = context.connection.closeError;
  if (closed !== undefined) throw closed;
  const credentials = paramsCredentials("command/exec", params);
  context.secrets?.addAll(credentials);
  const run = new CommandRun(context, processId, params, {
    collect,
    credentials,
    ...(signal === undefined ? {} : { signal }),
    ...(timeout === undefined ? {} : { timeout }),
  });
  // Nothing was sent: no handle stands for it, and exec rejects with why (a RangeError).
  if (run.refused) await run.wait();
  return new CommandHandle(run);
}

// The size of a typed array as its slots hold it: the getter of every typed array's prototype,
// which a subclass may shadow but not change. A detached buffer's is 0.
const typedArrayByteLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  "byteLength",
)!.get!;

function byteLengthOf(data: Uint8Array): number {
  return typedArrayByteLength.call(data) as number;
}

// The bytes a Uint8Array holds, copied through its slots, in a Buffer of their own.
function bytesOf(data: Uint8Array): Buffer {
  let copy: Uint8Array;
  try {
    copy = new Uint8Array(data);
  } catch (err) {
    // Its buffer was transferred away (detached).
    throw new TypeError(`data cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.from(copy.buffer, 0, copy.length);
}
