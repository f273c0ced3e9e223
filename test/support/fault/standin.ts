/**
 * A scripted stand-in for `codex app-server`: a Node script the client spawns instead of the real
 * binary, which answers `initialize` like the real server and then does what the test says.
 *
 * ```ts
 * await using s = await startStandin({ replies: { "thread/start": { result: { thread: { id: "t1" } } } } });
 * const codex = await Codex.start({ launchArgs: s.launchArgs });
 * const thread = await codex.threadStart();
 * await s.send({ method: "serverRequest/resolved", params: { threadId: "t1", requestId: 0 } });
 * const sent = await s.nextFromClient("turn/interrupt");
 * ```
 */
import { SDK_VERSION } from "../../../src/version.js";
import {
  ControlServer,
  Inbox,
  parseObject,
  scriptPath,
  writeToWire,
  type ControlMessage,
  type Wire,
} from "./control.js";

/** A JSON-RPC id as it appears on the wire. */
export type JsonRpcId = string | number;

/** A JSON-RPC error object. */
export interface WireError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** Options of a {@link StandinWrite} `bigLine`: one line of `size` bytes (newline not counted). */
export interface BigLine {
  readonly size: number;
  /** Written first (e.g. the start of a JSON object). */
  readonly prefix?: string;
  /** Written last. */
  readonly suffix?: string;
  /** The byte pattern filling the middle; default `"x"`. */
  readonly fill?: string;
  /** Whether a newline ends it; default true. */
  readonly newline?: boolean;
}

/** One thing written toward the client, in order. */
export type StandinWrite =
  /** One JSON line (any JSON: a notification, a server request, a non-JSON-RPC object). */
  | { readonly message: unknown }
  /** Text plus a newline, as is (need not be JSON). */
  | { readonly line: string }
  /** Raw bytes, nothing appended (invalid UTF-8, partial lines, several lines at once). */
  | { readonly bytes: Uint8Array }
  /** A huge line, built in the script (cheap to ask for several MB). */
  | { readonly bigLine: BigLine }
  /** Waits before the next write. */
  | { readonly delayMs: number }
  /** Exits the script with this code (nothing after it happens). */
  | { readonly exit: number }
  /** Closes stdout while the process keeps running. */
  | { readonly closeStdout: true };

/** How the stand-in answers one client request (or reacts to one client notification). */
export type StandinReply = (
  | { readonly result: unknown }
  | { readonly error: WireError }
  /** Never answers. */
  | { readonly drop: true }
  /** Exits with this code instead of answering. */
  | { readonly exit: number }
) & {
  /** Waits this long first (other messages are handled meanwhile). */
  readonly delayMs?: number;
  /** Written right after the answer (or in its place, when dropped). */
  readonly then?: readonly StandinWrite[];
};

/** Computes a reply in the test process, from the request as the client sent it. */
export type StandinHandler = (request: ClientLine) => StandinReply | Promise<StandinReply>;

/**
 * How a method is answered: one reply for every call, a list used call by call (the last one
 * repeating), or a function of the request.
 */
export type StandinRule = StandinReply | readonly StandinReply[] | StandinHandler;

/** A JSON-RPC message's fields, as far as the line had them. */
export interface JsonRpcFields {
  readonly id?: JsonRpcId | null;
  readonly method?: string;
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: WireError;
}

/** One line the client wrote to the stand-in's stdin. */
export interface ClientLine {
  /** Position among all lines the client sent (0-based). */
  readonly index: number;
  /** The line as received (no newline). */
  readonly line: string;
  /** The parsed object, or undefined when the line is not a JSON object. */
  readonly message: JsonRpcFields | undefined;
  /** `message.method` (requests and notifications). */
  readonly method: string | undefined;
  /** `message.id` (requests and responses). */
  readonly id: JsonRpcId | undefined;
}

/** Options of {@link startStandin}. */
export interface StandinOptions {
  /** Replies by method, in place before the client starts. */
  readonly replies?: Readonly<Record<string, StandinRule>>;
  /** The reply to requests no rule covers; default a `-32601` error naming the method. */
  readonly defaultReply?: StandinReply;
  /** The answer to `initialize`; default a result shaped like the real server's. */
  readonly initialize?: StandinReply;
  /** Written right after the `initialize` answer. */
  readonly afterInitialize?: readonly StandinWrite[];
  /** Keeps running on SIGTERM (the client must then SIGKILL it). The signal is still recorded. */
  readonly ignoreSigterm?: boolean;
  /** On SIGTERM, closes its stdout at once and exits (code 0) this many milliseconds later. */
  readonly slowExitMs?: number;
  /** Keeps running after the client closes stdin (the real server exits then; so does the default). */
  readonly stayAfterStdinEnd?: boolean;
  /** `codexHome` in the default `initialize` answer. */
  readonly codexHome?: string;
  /** How long `nextFromClient` and `request` wait by default; 5000 ms. */
  readonly timeoutMs?: number;
}

/** A stand-in app-server; see {@link startStandin}. */
export interface Standin extends AsyncDisposable {
  /** What to pass as `CodexOptions.launchArgs`. */
  readonly launchArgs: readonly string[];
  /** The script's pid, once the client has started it. */
  readonly pid: number | undefined;
  /** Resolves with the pid once the client has started the script. */
  readonly connected: Promise<number>;
  /** Resolves once the script has exited; `code` is what it exited with by script or `exit()`. */
  readonly gone: Promise<{ code: number | null }>;
  /**
   * Every line the client sent, in order, as the script's reports have arrived: after `sync()`
   * (or `nextFromClient`) it holds the lines of every call the client has seen answered.
   */
  readonly received: readonly ClientLine[];
  /** Signals the script received (`"SIGTERM"`), in order. */
  readonly signals: readonly string[];
  /** The next signal received that no earlier call returned (waits for it). */
  nextSignal(timeoutMs?: number): Promise<string>;
  /** Resolves when the client closes the script's stdin. */
  readonly stdinEnded: Promise<void>;
  /** Errors inside the script (a broken script shows here rather than as a hang). */
  readonly errors: readonly string[];
  /** Sets how `method` is answered from now on; resolves once the script has it. */
  reply(method: string, rule: StandinRule): Promise<void>;
  /** Writes one JSON message to the client. */
  send(message: unknown): Promise<void>;
  /** Writes `text` plus a newline. */
  writeLine(text: string): Promise<void>;
  /** Writes raw bytes. */
  writeBytes(bytes: Uint8Array): Promise<void>;
  /** Carries out writes in order; resolves once they are handed to the OS. */
  write(...writes: StandinWrite[]): Promise<void>;
  /**
   * Sends a server request (`id` defaults to 0, 1, 2, ...) and resolves with the client's answer,
   * which is also in `received`.
   */
  request(method: string, params?: unknown, options?: { id?: JsonRpcId }): Promise<ClientLine>;
  /**
   * The earliest line from the client, matching `match` (a method name, or a predicate), that no
   * earlier call returned; waits for it if needed, and fails after the timeout naming what came.
   */
  nextFromClient(
    match?: string | ((line: ClientLine) => boolean),
    timeoutMs?: number,
  ): Promise<ClientLine>;
  /**
   * Resolves once `received` holds every line the script has read: a round trip on the control
   * channel, which carries each line's report before the script answers the line. A call the
   * client has seen answered is then recorded, whichever of the two pipes the test read first.
   */
  sync(): Promise<void>;
  /** Makes the script exit with `code` now; resolves once it has. */
  exit(code: number): Promise<{ code: number | null }>;
  /** Kills the script if it still runs and closes the control channel; idempotent. */
  close(): Promise<void>;
}

function replyToWire(reply: StandinReply): Wire {
  const { then, ...rest } = reply;
  return then === undefined ? rest : { ...rest, then: then.map(writeToWire) };
}

function describeMatch(match: string | ((line: ClientLine) => boolean) | undefined): string {
  return typeof match === "string" ? `a "${match}" line from the client` : "a matching client line";
}

/** Starts the control channel of a stand-in; the client launches the script with `launchArgs`. */
export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const rules = new Map<string, Wire[]>();
  const handlers = new Map<string, StandinHandler>();
  const queued: Wire[] = [];
  const inbox = new Inbox<ClientLine>();
  const signalInbox = new Inbox<string>();
  const signals = signalInbox.all;
  const errors: string[] = [];
  let stdinEnded!: () => void;
  const stdinEndedPromise = new Promise<void>((resolve) => (stdinEnded = resolve));
  let nextServerRequestId = 0;

  const setRule = (method: string, rule: StandinRule): Wire[] => {
    if (typeof rule === "function") {
      handlers.set(method, rule);
      return [{ ask: true }];
    }
    handlers.delete(method);
    const list = Array.isArray(rule) ? (rule as readonly StandinReply[]) : [rule as StandinReply];
    if (list.length === 0) throw new TypeError(`no reply given for ${method}`);
    return list.map(replyToWire);
  };
  for (const [method, rule] of Object.entries(options.replies ?? {})) {
    rules.set(method, setRule(method, rule));
  }

  const answer = async (ask: number, index: number): Promise<void> => {
    const request = inbox.all[index]!;
    let reply: StandinReply;
    try {
      reply = await handlers.get(request.method ?? "")!(request);
    } catch (err) {
      reply = { error: { code: -32603, message: `stand-in handler threw: ${String(err)}` } };
    }
    control.post({ t: "answer", ask, answer: replyToWire(reply) });
  };

  const onEvent = (message: ControlMessage): void => {
    switch (message.t) {
      case "client": {
        const line = message.line as string;
        const parsed = parseObject(line);
        const id = parsed?.id;
        inbox.push({
          index: inbox.all.length,
          line,
          message: parsed,
          method: typeof parsed?.method === "string" ? parsed.method : undefined,
          id: typeof id === "string" || typeof id === "number" ? id : undefined,
        });
        break;
      }
      case "ask":
        void answer(message.ask as number, message.index as number);
        break;
      case "signal":
        signalInbox.push(message.name as string);
        break;
      case "stdinEnd":
        stdinEnded();
        break;
      case "error":
        errors.push(message.message as string);
        break;
    }
  };

  const control = await ControlServer.listen(
    () => ({
      t: "config",
      version: SDK_VERSION,
      replies: Object.fromEntries(rules),
      defaultReply:
        options.defaultReply === undefined ? undefined : replyToWire(options.defaultReply),
      initialize: options.initialize === undefined ? undefined : replyToWire(options.initialize),
      afterInitialize: options.afterInitialize?.map(writeToWire),
      ignoreSigterm: options.ignoreSigterm ?? false,
      stayAfterStdinEnd: options.stayAfterStdinEnd ?? false,
      slowExitMs: options.slowExitMs,
      codexHome: options.codexHome,
      queued: queued.splice(0),
    }),
    onEvent,
  );
  void control.gone.then(({ code }) => {
    inbox.close(`the stand-in exited with code ${code}`);
    signalInbox.close(`the stand-in exited with code ${code}`);
  });

  // Before the script connects, commands go into its config and resolve at once.
  const command = (cmd: Wire): Promise<void> => {
    if (control.pid === undefined) {
      queued.push(cmd);
      return Promise.resolve();
    }
    return control.command(cmd);
  };
  const write = (...writes: StandinWrite[]) =>
    command({ op: "write", actions: writes.map(writeToWire) });
  const nextFromClient = (
    match?: string | ((line: ClientLine) => boolean),
    wait = timeoutMs,
  ): Promise<ClientLine> => {
    const test =
      match === undefined
        ? () => true
        : typeof match === "string"
          ? (l: ClientLine) => l.method === match
          : match;
    return inbox.next(test, wait, () => {
      const seen = inbox.all.map((l) => l.method ?? `#${String(l.id ?? "?")}`).join(", ");
      return `waiting for ${describeMatch(match)} (client sent: ${seen || "nothing"})`;
    });
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (control.pid !== undefined && control.live) {
        try {
          process.kill(control.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await control.close();
      await control.gone;
    })());

  return {
    launchArgs: [process.execPath, scriptPath("standin.mjs"), "--control", control.address],
    get pid() {
      return control.pid;
    },
    connected: control.connected,
    gone: control.gone,
    received: inbox.all,
    signals,
    nextSignal: (wait = timeoutMs) =>
      signalInbox.next(
        () => true,
        wait,
        () => "waiting for a signal",
      ),
    errors,
    stdinEnded: stdinEndedPromise,
    reply(method, rule) {
      const wire = setRule(method, rule);
      if (control.pid === undefined) {
        rules.set(method, wire);
        return Promise.resolve();
      }
      return control.command({ op: "reply", method, replies: wire });
    },
    send: (message) => write({ message }),
    writeLine: (line) => write({ line }),
    writeBytes: (bytes) => write({ bytes }),
    write,
    async request(method, params, requestOptions) {
      const id = requestOptions?.id ?? nextServerRequestId++;
      await write({ message: params === undefined ? { id, method } : { id, method, params } });
      return nextFromClient((l) => l.method === undefined && l.id === id);
    },
    nextFromClient,
    sync: () => command({ op: "sync" }),
    exit(code) {
      // The script exits instead of acknowledging: wait for it to be gone.
      command({ op: "write", actions: [{ exit: code }] }).catch(() => {});
      return control.gone;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
