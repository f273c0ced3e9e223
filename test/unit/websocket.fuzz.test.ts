// Property of the WebSocket transport under faulty frames. A scripted server on 127.0.0.1 or on a
// unix socket (the `ws` package) plays the app-server for `Codex.connect`: it answers `initialize`,
// `thread/start` and `turn/start` with the plain turn recorded from the runtime and the mock model
// (test/support/fixtures/client-fuzz.jsonl), sends the turn's messages, and answers an interrupt
// with the turn's interrupted completion. At positions the property picks, several per run, it
// sends a message split over frames (a ping between them or not), a frame a few bytes at a time
// (its header cut across reads), two or more messages in one frame, a message in a binary frame, a
// message with a byte that is no UTF-8, an extra frame of invalid UTF-8 or an empty one, a ping, a
// frame announcing more than the client's message limit, a close frame (with a code `ws` takes or
// one it refuses, and a reason holding the client's secret), a frame the protocol forbids, a
// message left unfinished, a frame cut short by the TCP socket's end, or it goes silent (from the
// start: it never answers `initialize`); it may leave the client's pings unanswered. The workload
// connects with a `token` or an `Authorization` header, starts a thread and runs a turn
// (`thread.run`, or `thread.turn` with `stream()` and `run()`), every call bounded by a timeout,
// sometimes reads `notifications()`, sometimes closes the client part way. Whatever the frames, the
// guarantees of docs/guarantees.md hold: every promise settles as a result or a `CodexError` (but a
// turn a silent server leaves waiting, or one whose thread or turn an answer misnamed, which may
// wait the 10 s an interrupted turn's completion is waited for: the client's close() ends it); what
// is pending when the connection ends, or the client closes, rejects with TransportClosedError at
// once; a turn none of whose messages was lost or changed completes as recorded; each frame dropped
// is logged; there is no uncaught exception or unhandled rejection, nothing the SDK logs as a bug
// of its own, no secret (nor its start) in any error, log line or `util.inspect` of the client; and
// once closed, the client's tables come back to their size and no socket, timer or listener is left
// in the process. websocket.test.ts holds the transport's cases one by one; client.fuzz.test.ts
// fuzzes messages.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/websocket.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and
// FUZZ_PATH replay.
import { setTimeout as sleep, setImmediate as nextMacrotask } from "node:timers/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import {
  Codex,
  CodexError,
  TransportClosedError,
  TurnAbortedError,
  type ConnectOptions,
  type Thread,
} from "../../src/index.js";
import { clientStats } from "../../src/codex.js";
import { captureLog } from "../support/capture-log.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import type { Wire } from "../support/fuzz-wire.js";
import { RECORDED } from "../support/recorded-traffic.js";
import { drain, tracker, type Tracked } from "../support/tracker.js";
import {
  closeScriptedServers,
  rawSocketOf,
  scriptedServer,
  textFrameHeader,
} from "../support/ws-server.js";

const SEED = Number(process.env.FUZZ_SEED ?? 7_919);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const PATH = process.env.FUZZ_PATH;

/** The client's secret: its capability token, or what its Authorization header carries. */
const SECRET = "wsfuzz-capability-3f9c2a71d04e";

/** The bound of every call of the workload: `startTimeout`, and each call's `timeout`. */
const BOUND_MS = 250;
/** How long a run waits for its promises to settle, where nothing may be left waiting. */
const SETTLE_MS = 3_000;
/** How long, once the server went silent, a run goes on before the client closes. */
const SILENCE_MS = BOUND_MS + 150;
/** The client's ping interval when the property makes it short. */
const PING_MS = 100;
/**
 * A pause of the whole process (a busy host's scheduler, a long garbage collection) this long or
 * longer may outlast a ping's answer (the server shares the event loop) or a call's bound: a run
 * that saw one is judged as one whose pings go unanswered, where a connection may end early.
 */
const STALL_MS = 40;

const PLAIN = RECORDED.get("plain")!;
/**
 * What the server sends on a clean run, in order: the answers to `initialize`, `thread/start` and
 * `turn/start`, then the turn. A fault's position is one of these.
 */
const SCRIPT_LENGTH = 3 + PLAIN.messages.length;
const COMPLETED = PLAIN.messages.find((m) => m.method === "turn/completed")!;
/**
 * The positions of what names the thread and the turn: the answers to `thread/start` and
 * `turn/start`, and the turn's start. One of them lost or changed, the turn may wait for events
 * that never come, and its timeout for the interrupted completion, which the SDK waits 10 s for.
 */
const NAMING = [1, 2, 3 + PLAIN.messages.findIndex((m) => m.method === "turn/started")];
/** The turn's completion after an interrupt. */
const INTERRUPTED: Wire = (() => {
  const params = COMPLETED.params as { turn: Wire };
  const turn = { ...params.turn, status: "interrupted", items: [] };
  return { method: "turn/completed", params: { ...params, turn } };
})();

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

const FAULTS = [
  "fragment",
  "trickle",
  "batch",
  "binary",
  "badUtf8",
  "garbage",
  "empty",
  "ping",
  "overLimit",
  "close",
  "badClose",
  "badFrame",
  "unfinished",
  "destroy",
  "silent",
] as const;

/** A fault: `kind` at the message in position `at` (see SCRIPT_LENGTH); `n` picks its details. */
interface Fault {
  readonly kind: (typeof FAULTS)[number];
  readonly at: number;
  readonly n: number;
}

const fault: fc.Arbitrary<Fault> = fc.record({
  kind: fc.constantFrom(...FAULTS),
  at: fc.nat(SCRIPT_LENGTH - 1),
  n: fc.nat(10_000),
});

/** Close codes `ws` sends and takes, and codes it refuses to read (1005 and 1006 never go out). */
const CLOSE_CODES = [1000, 1001, 1008, 1011, 1012, 3000, 4001, 4999];
const BAD_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 2999, 5000];
/**
 * Lengths past the client's bound on a message (2 GiB less a byte): just past it, past 4 GiB,
 * past the 2^53 - 1 `ws` reads at most, and one with the top bit set, which the protocol forbids.
 */
const OVER_LIMIT = [2 ** 31, 2 ** 31 + 1, 5 * 2 ** 30, 2 ** 53, 2 ** 63];
/**
 * Frames the protocol forbids: a text frame with RSV1 set (no extension was agreed), one of a
 * reserved opcode, a masked one (only a client masks), a ping longer than a control frame may be,
 * a ping in fragments, a continuation with nothing to continue.
 */
const BAD_FRAMES = [
  Buffer.from([0xc1, 0x02, 0x7b, 0x7d]),
  Buffer.from([0x83, 0x00]),
  Buffer.from([0x81, 0x82, 0x01, 0x02, 0x03, 0x04, 0x7a, 0x7f]),
  Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126, 0x61)]),
  Buffer.from([0x09, 0x00]),
  Buffer.from([0x80, 0x02, 0x7b, 0x7d]),
];
/** What the client logs as it drops a binary frame, and a text frame that is no JSON. */
const BINARY = "dropped a binary WebSocket frame from app-server";
const NOT_JSON = "dropped a line that is no JSON object from app-server";
/** How the messages of one frame are run together. */
const SEPARATORS = ["\n", "", " ", "\r\n"];
/** Bytes that are no UTF-8: a lone continuation byte, one never used, a sequence cut short. */
const NOT_UTF8 = [Buffer.from([0x80]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82])];

/** `bytes` with `insert` put in at `at` (modulo its length). */
function spliced(bytes: Buffer, insert: Buffer, at: number): Buffer {
  const cut = at % (bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, cut), insert, bytes.subarray(cut)]);
}

/** `bytes` cut in `count` non-empty parts (as few as it has bytes) at places `n` picks. */
function parts(bytes: Buffer, count: number, n: number): Buffer[] {
  const cuts = new Set<number>();
  for (let k = 1; k < count && bytes.length > 1; k++) {
    cuts.add(1 + ((n * 7_919 * k) % (bytes.length - 1)));
  }
  const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  return at.slice(1).map((end, k) => bytes.subarray(at[k], end));
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/**
 * Plays the app-server on one connection: answers the requests as recorded and plays the turn
 * after its `turn/start` answer, one message a macrotask, the faults of each position applied as
 * it is sent. An interrupt of the running turn stops the script; it is answered, and the turn's
 * interrupted completion sent, with no fault (lost, the client would wait the 10 s it gives the
 * server to confirm).
 */
class FaultyServer {
  /** The position of the next message of the script. */
  private position = 0;
  /** Whether the turn runs, as far as the server knows: until its completion went out unchanged. */
  private running = false;
  private interrupted = false;
  private sending: Promise<void> = Promise.resolve();
  /** Set once it went silent: it sends and answers nothing more (pings `ws` answers still). */
  silent = false;
  /** What a fault of its ended the connection with, once one did. */
  ended: string | undefined;
  /** What the client logs for each frame it sent to be dropped, in order. */
  readonly drops: string[] = [];
  /** Whether it left a message unfinished: the client ends the connection at the next frame. */
  broken = false;
  /** The positions of the messages that did not reach the client as the runtime sent them. */
  readonly changed: number[] = [];
  /** Called once the message at each position has been sent (or dropped, or garbled). */
  onSent: ((position: number) => void) | undefined;
  /** Called as it ends the connection, and as it goes silent. */
  onEnd: (() => void) | undefined;
  onSilent: (() => void) | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly faults: readonly Fault[],
  ) {
    socket.on("message", (data) => this.receive(JSON.parse(String(data)) as Wire));
  }

  /** Whether it sends no more: silent, or the connection ended. */
  private get stopped(): boolean {
    return this.silent || this.ended !== undefined || this.socket.readyState !== this.socket.OPEN;
  }

  private receive(message: Wire): void {
    const { id, method } = message;
    // The client's `initialized`, and its answers (it is asked nothing).
    if (id === undefined || typeof method !== "string" || this.silent) return;
    switch (method) {
      case "initialize":
      case "thread/start":
        return this.play([{ id, result: PLAIN.answers[method] }]);
      case "turn/start":
        this.running = true;
        return this.play([{ id, result: PLAIN.answers[method] }, ...PLAIN.messages]);
      case "turn/interrupt":
        if (!this.running) {
          return this.reply({
            id,
            error: { code: -32600, message: "no active turn to interrupt" },
          });
        }
        this.running = false;
        this.interrupted = true;
        return this.reply({ id, result: {} }, INTERRUPTED);
      default:
        return this.reply({ id, error: { code: -32601, message: `not in the script: ${method}` } });
    }
  }

  /** Sends `messages` with the faults of their positions, after what is being sent. */
  private play(messages: readonly Wire[]): void {
    this.sending = this.sending.then(async () => {
      for (let i = 0; i < messages.length;) {
        // Each message a read of its own: the client's work runs between.
        await nextMacrotask();
        if (this.stopped || this.interrupted) return;
        i += await this.send(messages.slice(i));
      }
    });
  }

  /** Sends `messages` as they are, after what is being sent. */
  private reply(...messages: Wire[]): void {
    this.sending = this.sending.then(async () => {
      for (const message of messages) {
        await nextMacrotask();
        if (this.stopped) return;
        this.socket.send(JSON.stringify(message));
      }
    });
  }

  /**
   * Sends the first of `next` (more, should a fault run several into one frame) with the faults
   * of its position; returns how many it took.
   */
  private async send(next: readonly Wire[]): Promise<number> {
    const socket = this.socket;
    const raw = rawSocketOf(socket);
    const position = this.position;
    let taken = 1;
    let bytes: Buffer = Buffer.from(JSON.stringify(next[0]));
    let binary = false;
    let split: { count: number; n: number; ping: boolean } | undefined;
    let trickle: { count: number; n: number } | undefined;
    // A frame that is dropped holds the secret (once: one copy inside another would leave the
    // two halves of the outer one about the redacted inner one).
    let secret = false;
    const withSecret = (bytes: Buffer, n: number) => {
      if (secret) return bytes;
      secret = true;
      return spliced(bytes, Buffer.from(SECRET), n);
    };
    for (const { kind, n } of this.faults.filter((f) => f.at === position)) {
      switch (kind) {
        case "fragment":
          split = { count: 2 + (n % 4), n, ping: n % 2 === 1 };
          break;
        case "trickle":
          trickle = { count: 2 + (n % 6), n };
          break;
        case "batch": {
          // The next messages of the script (their positions' faults left out), or this one
          // again at its end.
          const count = 2 + (n % 2);
          const batch = Array.from({ length: count }, (_, k) => next[k] ?? next[0]);
          taken = Math.max(taken, Math.min(count, next.length));
          const joined = batch.map((m) => JSON.stringify(m)).join(SEPARATORS[n % 4]);
          bytes = withSecret(Buffer.from(joined), n);
          break;
        }
        case "binary":
          binary = true;
          bytes = withSecret(bytes, n);
          break;
        case "badUtf8":
          bytes = spliced(bytes, NOT_UTF8[n % NOT_UTF8.length]!, n);
          break;
        case "garbage":
          this.drops.push(NOT_JSON);
          socket.send(Buffer.concat([NOT_UTF8[n % NOT_UTF8.length]!, Buffer.from(SECRET)]), {
            binary: false,
          });
          break;
        case "empty":
          // An empty text frame is no message, as an empty stdio line is: nothing is dropped.
          if (n % 2 === 1) this.drops.push(BINARY);
          socket.send(Buffer.alloc(0), { binary: n % 2 === 1 });
          break;
        case "ping":
          socket.ping(n % 2 === 1 ? Buffer.from("are you there") : undefined);
          break;
        case "overLimit":
          raw.write(textFrameHeader(OVER_LIMIT[n % OVER_LIMIT.length]!));
          return this.end(position, "overLimit");
        case "close": {
          const reason = `refused: token ${SECRET} revoked`;
          if (n % 9 === 8) socket.close();
          else socket.close(CLOSE_CODES[n % CLOSE_CODES.length], reason);
          return this.end(position, "close");
        }
        case "badClose": {
          const code = BAD_CLOSE_CODES[n % BAD_CLOSE_CODES.length]!;
          const payload =
            n % 5 === 4
              ? Buffer.from([0x03])
              : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(SECRET)]);
          raw.write(Buffer.concat([Buffer.from([0x88, payload.length]), payload]));
          return this.end(position, "badClose");
        }
        case "badFrame":
          raw.write(BAD_FRAMES[n % BAD_FRAMES.length]!);
          return this.end(position, "badFrame");
        case "unfinished": {
          // The first part, in a frame that says more follows; the next frame starts a message.
          const part = bytes.subarray(0, 1 + (n % Math.min(bytes.length, 125)));
          raw.write(Buffer.concat([Buffer.from([0x01, part.length]), part]));
          this.changed.push(position);
          this.broken = true;
          return this.sent(position, 1);
        }
        case "destroy":
          raw.write(
            Buffer.concat([textFrameHeader(bytes.length), bytes.subarray(0, n % bytes.length)]),
            () => raw.destroy(),
          );
          return this.end(position, "destroy");
        case "silent":
          this.silent = true;
          this.onSilent?.();
          return this.sent(position, 1);
      }
    }
    if (binary) this.drops.push(BINARY);
    else if (taken > 1) this.drops.push(NOT_JSON);
    // What the client reads: the frame's bytes decoded as stdio lines are.
    if (binary || bytes.toString() !== JSON.stringify(next[0])) {
      for (let k = 0; k < taken; k++) this.changed.push(position + k);
    } else if (next[0] === COMPLETED) this.running = false;
    if (trickle !== undefined && !binary && split === undefined) {
      // The frame's bytes a few at a time, the header cut too; `ws` writes no pong between.
      socket.pause();
      for (const part of parts(
        Buffer.concat([textFrameHeader(bytes.length), bytes]),
        trickle.count,
        trickle.n,
      )) {
        raw.write(part);
        await nextMacrotask();
      }
      socket.resume();
    } else if (split === undefined) socket.send(bytes, { binary });
    else {
      const all = parts(bytes, split.count, split.n);
      all.forEach((part, k) => {
        if (k > 0 && split.ping) socket.ping();
        socket.send(part, { binary, fin: k === all.length - 1 });
      });
    }
    return this.sent(position, taken);
  }

  private end(position: number, how: string): number {
    this.ended = how;
    this.onEnd?.();
    return this.sent(position, 1);
  }

  private sent(position: number, taken: number): number {
    this.position = position + taken;
    for (let k = 0; k < taken; k++) this.onSent?.(position + k);
    return taken;
  }
}

// ---------------------------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------------------------

/** What the client does, and how the server treats its pings. */
interface Workload {
  /** Whether the server listens on TCP (`ws://`) or on a unix socket (`unix://`). */
  readonly over: "tcp" | "unix";
  /** How the client gives its secret. */
  readonly auth: "token" | "authorization";
  /** Whether the turn is run with `thread.run`, or started with `thread.turn` and streamed. */
  readonly drive: "run" | "stream";
  /** Whether a `notifications()` loop runs. */
  readonly notifications: boolean;
  /** Pings every 30 s (none in a run), or every PING_MS, answered or not. */
  readonly pings: "default" | "answered" | "unanswered";
  /** After the message of which position the client closes (none when undefined). */
  readonly closeAt: number | undefined;
}

const workload: fc.Arbitrary<Workload> = fc.record({
  over: fc.constantFrom("tcp", "unix"),
  auth: fc.constantFrom("token", "authorization"),
  drive: fc.constantFrom("run", "stream"),
  notifications: fc.boolean(),
  pings: fc.constantFrom("default", "answered", "unanswered"),
  closeAt: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.nat(SCRIPT_LENGTH - 1), weight: 1 },
  ),
});

/** The recorded turn as it is, read to its end. */
const CLEAN: Workload = {
  over: "tcp",
  auth: "token",
  drive: "run",
  notifications: true,
  pings: "default",
  closeAt: undefined,
};

/**
 * Resolves once `done` settles, `ms` have passed, or `early.ms` after `early.after` resolves; no
 * timer is left.
 */
async function until(
  done: Promise<unknown>,
  ms: number,
  early?: { after: Promise<unknown>; ms: number },
): Promise<void> {
  const stop = new AbortController();
  const wait = (ms: number) => sleep(ms, undefined, { signal: stop.signal }).catch(() => {});
  const waits = [done.catch(() => {}), wait(ms)];
  if (early !== undefined) waits.push(early.after.then(() => wait(early.ms)));
  try {
    await Promise.race(waits);
  } finally {
    stop.abort();
  }
}

/** Whether `err` is a turn's abort by its own `timeout`. */
const timedOut = (err: unknown): boolean =>
  err instanceof TurnAbortedError &&
  err.cause instanceof DOMException &&
  err.cause.name === "TimeoutError";

/** What keeps the process alive (sockets, servers, timers), by kind. */
const resources = () => process.getActiveResourcesInfo().sort();
/** What `after` holds more of than `before`. */
function added(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  return after.filter((kind) => {
    const at = left.indexOf(kind);
    if (at >= 0) left.splice(at, 1);
    return at < 0;
  });
}
/** How many listeners the process has for each of its events. */
const processListeners = () =>
  Object.fromEntries(process.eventNames().map((e) => [String(e), process.listenerCount(e)]));

/** A unix socket's path of its own for each server, the one before's file perhaps not yet gone. */
let sockets = 0;
const nextSocketPath = () => join(tmpdir(), `codex-sdk-wsfuzz-${process.pid}-${sockets++}.sock`);

let closedOnce: Record<string, number> | undefined;
/** The tables of a client closed once connected: what every closed client comes back to. */
async function closedStats(): Promise<Record<string, number>> {
  if (closedOnce !== undefined) return closedOnce;
  const url = await scriptedServer((socket) => new FaultyServer(socket, []));
  const codex = await Codex.connect(url);
  await codex.close();
  await closeScriptedServers();
  return (closedOnce = clientStats(codex));
}

afterEach(closeScriptedServers);

/** What was pending at a moment (the connection's end, the client's close), and when. */
interface Moment {
  readonly at: number;
  readonly pending: readonly Tracked[];
}

const NEVER: Moment = { at: 0, pending: [] };

/** One run: the workload against a server with `faults`, then the checks. */
async function check(load: Workload, faults: readonly Fault[]): Promise<void> {
  const baseline = await closedStats();
  const listeners = processListeners();
  const before = resources();
  const trap = trapProcessFaults({ exclusive: true });
  const { logger, entries } = captureLog();
  const { all, track, pending, settled } = tracker();
  const delays = monitorEventLoopDelay({ resolution: 5 });
  delays.enable();
  // A loop over every notification, which ends with the connection.
  const loop = tracker();
  const moment = (): Moment => ({
    at: performance.now(),
    pending: all.filter((t) => t.state === "pending"),
  });
  // When each run() was called.
  const began = new Map<string, number>();

  let codex: Codex | undefined;
  let thread: Thread | undefined;
  let ended: Moment | undefined;
  let closed: Moment | undefined;
  let closeWanted = false;
  const close = () => {
    if (codex === undefined) return void (closeWanted = true);
    closed ??= moment();
    track("codex.close()", codex.close()).catch(() => {});
  };
  let wentSilent!: () => void;
  const silence = new Promise<void>((resolve) => (wentSilent = resolve));
  let server: FaultyServer | undefined;
  let authorization: string | undefined;
  const socketPath = nextSocketPath();
  const url = await scriptedServer(
    (socket, request) => {
      authorization = request.headers.authorization;
      server = new FaultyServer(socket, faults);
      server.onSent = (position) => position === load.closeAt && close();
      server.onEnd = () => (ended = moment());
      server.onSilent = wentSilent;
    },
    { autoPong: load.pings !== "unanswered", ...(load.over === "unix" ? { socketPath } : {}) },
  );

  try {
    const options: ConnectOptions = {
      ...(load.auth === "token"
        ? { token: SECRET }
        : { headers: { Authorization: `Bearer ${SECRET}` } }),
      ...(load.pings === "default" ? {} : { pingInterval: PING_MS }),
      startTimeout: BOUND_MS,
      logger,
      logLevel: "debug",
    };
    const run = (what: string, promise: () => Promise<unknown>) => {
      began.set(what, performance.now());
      track(what, promise()).catch(() => {});
    };
    const work = async () => {
      codex = await track("Codex.connect()", Codex.connect(url, options));
      if (closeWanted) close();
      if (load.notifications) {
        loop.track("notifications()", drain(codex.notifications())).catch(() => {});
      }
      thread = await track("codex.threadStart()", codex.threadStart({ timeout: BOUND_MS }));
      if (load.drive === "run")
        return run("thread.run()", () => thread!.run("hi", { timeout: BOUND_MS }));
      const turn = await track("thread.turn()", thread.turn("hi", { timeout: BOUND_MS }));
      track("stream()", drain(turn.stream())).catch(() => {});
      run("handle.run()", () => turn.run({ timeout: BOUND_MS }));
    };
    await work().catch(() => {});

    // Everything settles while the server answers; a silent one leaves the turn waiting for it
    // (the client's pings unanswered end the connection), until the client closes a while after.
    await until(settled(), SETTLE_MS, { after: silence, ms: SILENCE_MS });
    const unnamed = server?.changed.some((position) => NAMING.includes(position)) === true;
    delays.disable();
    // Whether the client's pings were answered in time, the host keeping pace.
    const answered = load.pings !== "unanswered" && delays.max < STALL_MS * 1e6;
    const waits =
      (server?.silent === true || unnamed) && load.pings !== "unanswered" && closed === undefined;
    const bounded = ["Codex.connect()", "codex.threadStart()", "thread.turn()"];
    const left = pending().filter((what) => !waits || bounded.includes(what));
    expect(left, "pending with the server still there").toEqual([]);
    // Ended by the server, not closed by the client: the loop throws why.
    const endedFirst = ended !== undefined && closed === undefined;
    if (endedFirst) await until(loop.settled(), SETTLE_MS);

    const clean =
      server !== undefined &&
      server.changed.length === 0 &&
      server.ended === undefined &&
      !server.silent &&
      closed === undefined &&
      answered;
    if (clean) {
      for (const { what, state } of all) expect(state, what).toBe("fulfilled");
      const turn = all.find((t) => t.what.endsWith("run()"));
      expect(turn?.value).toMatchObject({ status: "completed", finalResponse: "Hello" });
    }

    const lasted =
      server !== undefined &&
      ended === undefined &&
      !server.broken &&
      closed === undefined &&
      answered;

    // The client's own close ends what is left at once.
    if (codex !== undefined) close();
    await until(Promise.all([settled(), loop.settled()]), SETTLE_MS);
    expect([...pending(), ...loop.pending()], "pending once the client closed").toEqual([]);
    for (const { what, state, value } of all) {
      if (state === "rejected") {
        expect(value, `${what} rejects with a CodexError`).toBeInstanceOf(CodexError);
      }
    }
    for (const { at, pending: then } of [ended ?? NEVER, closed ?? NEVER]) {
      for (const { what, state, value } of then) {
        // A close still stopping what the client started (its stops wait for answers) resolves
        // however the connection then ends.
        if (what === "codex.close()") {
          expect(state, what).toBe("fulfilled");
          continue;
        }
        expect(state, `${what} pending as the connection ended`).toBe("rejected");
        // A run whose timeout came first, waiting for its interrupted completion, is aborted.
        const late = at - (began.get(what) ?? at) >= BOUND_MS - 5;
        if (!(late && timedOut(value))) expect(value, what).toBeInstanceOf(TransportClosedError);
      }
    }
    // A loop ends quietly when the client closes, and throws why when the connection ended first.
    for (const { state, value } of loop.all) {
      if (state === "rejected") expect(value).toBeInstanceOf(TransportClosedError);
      if (endedFirst) expect(state, "the loop as the server ended").toBe("rejected");
      else if (!(ended !== undefined || server?.broken === true || !answered)) {
        expect(state, "the loop as the client closed").toBe("fulfilled");
      }
    }

    expect(authorization, "the upgrade's Authorization header").toBe(`Bearer ${SECRET}`);
    // Each frame dropped is logged (a message changed may be dropped too), while the connection
    // lasts.
    if (lasted) {
      for (const what of [BINARY, NOT_JSON]) {
        const logged = entries.filter((e) => e.message === `codex-app-server-sdk: ${what}`);
        const sent = server!.drops.filter((d) => d === what);
        expect(logged.length, what).toBeGreaterThanOrEqual(sent.length);
      }
    }
    const bugs = entries.filter((e) => e.level === "error");
    expect(bugs, "what the SDK logged as a bug").toEqual([]);
    const shown = [
      ...entries.map((e) => inspect(e, { depth: 10 })),
      ...[...all, ...loop.all].map((t) => inspect(t.value, { depth: 10 })),
      inspect(codex, { depth: 10 }),
      inspect(thread, { depth: 10 }),
    ];
    // Nor any start of it, where a text is cut.
    for (const text of shown) expect(text).not.toContain(SECRET.slice(0, 10));
    if (codex !== undefined) expect(clientStats(codex), "tables once closed").toEqual(baseline);
    await closeScriptedServers();
    expect(existsSync(socketPath), "the unix socket's file").toBe(false);
    // A closed handle goes in the loop's close phase, which no event follows.
    for (let turns = 0; turns < 10 && added(before, resources()).length > 0; turns++) {
      await nextMacrotask();
    }
    // Those the run began, that is (a timer of the test runner's may have ended meanwhile).
    expect(added(before, resources()), "what keeps the process alive").toEqual([]);
    await trap.expectNone();
  } finally {
    trap.dispose();
    await codex?.close();
    await closeScriptedServers();
  }
  expect(processListeners(), "the process's listeners").toEqual(listeners);
}

describe("Codex.connect over faulty frames (property)", () => {
  it(
    "keeps its guarantees whatever frames the server sends",
    { timeout: 30_000 + RUNS * 1_000 },
    async () => {
      // The recorded traffic as it is passes, or the harness is wrong.
      await check(CLEAN, []);
      await check({ ...CLEAN, drive: "stream", auth: "authorization", pings: "answered" }, []);
      await check({ ...CLEAN, over: "unix" }, []);
      await fc.assert(
        fc.asyncProperty(workload, fc.array(fault, { minLength: 1, maxLength: 3 }), check),
        {
          seed: SEED,
          numRuns: RUNS,
          ...(PATH === undefined ? {} : { path: PATH }),
        },
      );
    },
  );
});
