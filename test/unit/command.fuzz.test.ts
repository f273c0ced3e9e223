// Property of a running command under a faulty server. A real Codex runs over a fake transport,
// and a scripted server plays the commands recorded from the runtime (output over a few writes to
// both streams with characters of two to four bytes, `cat` fed and closed, a terminal resized, a
// command terminated while it runs, one that exits non-zero:
// test/support/fixtures/command-fuzz.jsonl, made by scripts/record-command-fuzz.ts): after
// `command/exec`, it sends the command's output and answers in the recorded order, each answer
// once the client has sent its request, mutated: a field of an output chunk or an answer dropped,
// null, of another type or another string, a huge string, deep nesting; a chunk that is not
// base64, split inside a character, for another command, repeated, swapped with what follows it,
// or sent after the exit; the exit sent before the last chunk, or never (the connection then
// closes); an odd refusal of a write, resize or terminate (the runtime's "no active command", and
// shapes it never sends); a notification of an unknown method. A run is one to three commands,
// some at once, each read through `wait()` and its `stdout` and `stderr` loops (from the start,
// left after a chunk, or opened once it exited), its output collected or not, driven as recorded
// (written to, its input closed, resized, terminated) and sometimes written to, closed, resized or
// terminated once more at a chosen point, some given a signal that aborts or a timeout (on fake
// timers: a millisecond passes at each step of the server, and the clock jumps to the next timer
// when nothing else is left to do). Whatever the mutation, the guarantees of docs/guarantees.md
// hold: no uncaught exception or unhandled rejection, nothing the SDK logs as a bug of its own,
// every promise settles (`wait()` with a CommandResult or a CodexError, a CommandAbortedError
// caused by the signal or the timeout once aborted; a write, resize or terminate resolves or
// rejects with a CodexError; at once with TransportClosedError when the connection closes), the
// loops and `wait()` give text (no lone surrogate), a command whose traffic is as recorded (or
// changed in what changes nothing: a character split, another command's chunk, a chunk after the
// exit, an unknown notification) gives the recorded exit and output to `wait()` and to its loops,
// a clean command then runs, the client's tables come back to their size after the run and once
// it is closed, and no timer is left. calls.fuzz covers a command's answer alone, client.fuzz
// turns.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/command.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and FUZZ_PATH
// replay.
import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExecOptions } from "../../src/index.js";
import { fakeStdio } from "../support/fake-stdio.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import {
  ServedTransport,
  VALUE_MUTATIONS,
  deepNesting,
  hugeString,
  lineOf,
  mutateValue,
  mutations,
  propertyClients,
  type Mutation as WireMutation,
  type ValueMutation,
  type Wire,
} from "../support/fuzz-wire.js";
import { RECORDED as TURNS } from "../support/recorded-traffic.js";
import { tracker } from "../support/tracker.js";
import { clientRequestCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const { Codex, CodexError, CommandAbortedError, TransportClosedError } =
  await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
const { isWellFormed } = await import("../../src/internal/validate.js");
// Loaded on the first exec: loaded here, that takes no I/O in a run.
await import("../../src/command-run.js");

/** Whether params conform to the runtime's own schema of their request. */
const conforms = clientRequestCheck();
const SEED = Number(process.env.FUZZ_SEED ?? 7_919);
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const PATH = process.env.FUZZ_PATH;

afterEach(() => {
  vi.useRealTimers();
});

// ---------------------------------------------------------------------------------------------
// The recording
// ---------------------------------------------------------------------------------------------

/** What the recording writes in place of a command's process id. */
const PROCESS = "PROCESS";

/** One message of a command's traffic, in the order the runtime's wire showed it. */
type Event =
  | { readonly request: string; readonly params: Wire }
  | { readonly answer: string; readonly result?: unknown; readonly error?: unknown }
  | { readonly message: Wire };

/** A command as recorded: how it was started, its traffic, and what it gave. */
interface Recorded {
  readonly argv: readonly string[];
  readonly options: ExecOptions;
  readonly events: readonly Event[];
  readonly result: { exitCode: number; stdout: string; stderr: string };
}

const RECORDED: ReadonlyMap<string, Recorded> = (() => {
  const text = readFileSync(new URL("../support/fixtures/command-fuzz.jsonl", import.meta.url));
  const out = new Map<string, { argv: string[]; options: ExecOptions; events: Event[] }>();
  for (const line of text.toString("utf8").split("\n").filter(Boolean)) {
    const { command, argv, options, ...event } = JSON.parse(line) as Wire & { command: string };
    if (argv !== undefined) out.set(command, { argv, options, events: [] } as never);
    else out.get(command)!.events.push(event as Event);
  }
  return new Map(
    [...out].map(([name, { argv, options, events }]) => {
      const output = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      for (const event of events) {
        if (!("message" in event)) continue;
        const { stream, deltaBase64 } = event.message.params as Wire;
        output[stream as "stdout" | "stderr"].push(Buffer.from(deltaBase64 as string, "base64"));
      }
      const exit = events.find((e) => "answer" in e && e.answer === "command/exec");
      const { exitCode } = (exit as { result: { exitCode: number } }).result;
      const result = {
        exitCode,
        stdout: Buffer.concat(output.stdout).toString("utf8"),
        stderr: Buffer.concat(output.stderr).toString("utf8"),
      };
      return [name, { argv, options, events, result }];
    }),
  );
})();
const COMMANDS = [...RECORDED.keys()];

/** The answer each method got first in the recording: what a request out of the script gets. */
const ANSWERING = new Map<string, Wire>();
for (const { events } of RECORDED.values()) {
  for (const event of events) {
    if ("answer" in event && !ANSWERING.has(event.answer)) ANSWERING.set(event.answer, event);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const MUTATIONS = [
  ...VALUE_MUTATIONS,
  "notBase64",
  "splitCharacter",
  "otherProcess",
  "duplicated",
  "reordered",
  "afterExit",
  "exitEarly",
  "noExit",
  "oddError",
  "unknownMethod",
] as const;
type MutationKind = (typeof MUTATIONS)[number];

/** Mutations after which the command's exit and output are still the recorded ones. */
const HARMLESS: ReadonlySet<MutationKind> = new Set([
  "splitCharacter",
  "otherProcess",
  "afterExit",
  "unknownMethod",
]);

/**
 * A mutation of one command's traffic: `at` picks the message (modulo the number of those it can
 * change), `path` a value in it, `to` what it becomes.
 */
type Mutation = WireMutation<MutationKind>;

const mutation = mutations(MUTATIONS, 20);

/** The fields the SDK reads of the traffic, which value mutations aim at more often. */
const READ: ReadonlySet<string | number> = new Set([
  ...["processId", "stream", "deltaBase64", "capReached", "exitCode", "stdout", "stderr"],
  ...["method", "params", "result", "error", "code", "message"],
]);
/** Strings the protocol gives meaning to, for `otherString`. */
const STRINGS = [
  "",
  "stdout",
  "stderr",
  PROCESS,
  "codex-sdk-exec-other",
  "command/exec/outputDelta",
];

/** A process id no command of the run has. */
const OTHER_PROCESS = "codex-sdk-exec-00000000-0000-4000-8000-000000000000";

/** Chunks that are not standard base64, or not whole; `to` picks one. */
const NOT_BASE64 = ["!!!", "YQ", "Y===", "a b=", "-_-_", "=abc", "8J+Z", "\u00e9t\u00e9", 42];

/** Refusals of a write, resize or terminate: the runtime's, and shapes it never sends. */
function oddError(to: number, processId: string): Wire {
  const errors: ReadonlyArray<() => Wire> = [
    () => ({
      error: { code: -32600, message: `no active command/exec for process id "${processId}"` },
    }),
    () => ({ error: { code: -32603, message: "internal", data: deepNesting(to) } }),
    () => ({ error: null }),
    () => ({ error: "the server broke" }),
    () => ({ error: { code: "-32600", message: "refused" } }),
    () => ({ error: { code: -32600, message: hugeString(to) } }),
    () => ({ result: "not an object" }),
  ];
  return errors[to % errors.length]!();
}

/** `event` as the server sends it for the command `processId`, a copy of its own. */
function wireOf(event: Event, processId: string): Wire {
  const copy = JSON.parse(JSON.stringify(event).replaceAll(PROCESS, processId)) as Wire;
  if ("message" in event) return copy.message as Wire;
  const { answer: _method, ...reply } = copy;
  return reply;
}

/** A step of the server's script: a message to send, or a request to wait for and answer. */
type Play =
  | { readonly send: Wire }
  | { readonly request: string }
  | { readonly answer: string; readonly reply: Wire };

/** The script of a command as the server plays it, `mutation` applied. */
function script(name: string, processId: string, mutation: Mutation | undefined): Play[] {
  const plays: Play[] = RECORDED.get(name)!.events.map((event) => {
    if ("request" in event) return { request: event.request };
    if ("answer" in event) return { answer: event.answer, reply: wireOf(event, processId) };
    return { send: wireOf(event, processId) };
  });
  if (mutation === undefined) return plays;
  const { kind, at, path, to } = mutation;
  const chunks = plays.flatMap((p, i) => ("send" in p ? [i] : []));
  const chunk = chunks[at % chunks.length]!;
  const params = (i: number) => (plays[i] as { send: Wire }).send.params as Wire;
  const exit = plays.findIndex((p) => "answer" in p && p.answer === "command/exec");
  switch (kind) {
    case "notBase64":
      params(chunk).deltaBase64 = NOT_BASE64[to % NOT_BASE64.length];
      break;
    case "splitCharacter": {
      // Cut inside a character where there is one of more than a byte (else anywhere).
      const bytes = Buffer.from(params(chunk).deltaBase64 as string, "base64");
      const inside = [...bytes.keys()].filter((i) => i > 0 && (bytes[i]! & 0xc0) === 0x80);
      const cut = inside.length > 0 ? inside[to % inside.length]! : to % (bytes.length + 1);
      const second = structuredClone((plays[chunk] as { send: Wire }).send);
      params(chunk).deltaBase64 = bytes.subarray(0, cut).toString("base64");
      (second.params as Wire).deltaBase64 = bytes.subarray(cut).toString("base64");
      plays.splice(chunk + 1, 0, { send: second });
      break;
    }
    case "otherProcess": {
      const other = structuredClone((plays[chunk] as { send: Wire }).send);
      (other.params as Wire).processId = OTHER_PROCESS;
      plays.splice(chunk + (to % 2), 0, { send: other });
      break;
    }
    case "duplicated":
      plays.splice(chunk, 0, structuredClone(plays[chunk]!));
      break;
    case "reordered": {
      // With the message or answer after it.
      const next = plays.findIndex((p, i) => i > chunk && !("request" in p));
      if (next >= 0) [plays[chunk], plays[next]] = [plays[next]!, plays[chunk]!];
      break;
    }
    case "afterExit": {
      const late = structuredClone((plays[chunk] as { send: Wire }).send);
      const plain = Buffer.from(`late ${to}\n`).toString("base64");
      (late.params as Wire).deltaBase64 = to % 2 === 0 ? plain : (late.params as Wire).deltaBase64;
      plays.push({ send: late });
      break;
    }
    case "exitEarly": {
      const [answer] = plays.splice(exit, 1);
      const last = chunks.at(-1)!;
      plays.splice(last - (to % 2), 0, answer!);
      break;
    }
    case "noExit":
      plays.splice(exit, 1);
      break;
    case "oddError": {
      // A write, resize or terminate if the command has one, else the exit.
      const answers = plays.flatMap((p, i) => ("answer" in p ? [i] : []));
      const others = answers.filter((i) => i !== exit);
      const target = others.length > 0 ? others[at % others.length]! : exit;
      const { answer } = plays[target] as { answer: string };
      plays[target] = { answer, reply: oddError(to, processId) };
      break;
    }
    case "unknownMethod":
      plays.splice(chunk + (to % 2), 0, {
        send: { method: "command/exec/somethingNew", params: { processId, value: to } },
      });
      break;
    default: {
      const targets = plays.flatMap((p, i) => ("request" in p ? [] : [i]));
      const target = plays[targets[at % targets.length]!]!;
      // The whole message: its method, its params or result, and what they hold.
      const root = "send" in target ? target.send : "reply" in target ? target.reply : {};
      mutateValue(root, kind satisfies ValueMutation, path, to, { read: READ, strings: STRINGS });
    }
  }
  return plays;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** One command of a run, as the server plays it. */
class Playing {
  readonly plays: Play[];
  /** The next step of its script. */
  next = 0;
  /** Macrotasks before its next step. */
  wait = 0;
  /** The ids of the requests of each method sent and waiting for their place in the script. */
  readonly sent = new Map<string, unknown[]>();
  /** The ids of the requests of each method whose place came, waiting for their answer. */
  readonly matched = new Map<string, unknown[]>();
  exited = false;
  /** Whether the server closed the connection. */
  ended = false;
  /** Those waiting for a place in the script: each says whether its place came. */
  private readonly waiters: Array<() => boolean> = [];

  constructor(
    readonly execId: unknown,
    readonly processId: string,
    readonly name: string,
    readonly mutation: Mutation | undefined,
    readonly delay: number,
  ) {
    this.plays = script(name, processId, mutation);
  }

  /** Whether it has no step left. */
  get done(): boolean {
    return this.next >= this.plays.length;
  }

  /**
   * Resolves once its script reaches the request number `index` of the recording (or stops at an
   * earlier one the client never sent), or ends, or the server closes.
   */
  reached(index: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        const seen = this.plays.slice(0, this.next).filter((p) => "request" in p).length;
        const play = this.plays[this.next];
        const stopped =
          play !== undefined &&
          "request" in play &&
          (this.sent.get(play.request) ?? []).length === 0;
        const come = this.ended || this.done || seen > index || stopped;
        if (come) resolve();
        return come;
      };
      if (!check()) this.waiters.push(check);
    });
  }

  /**
   * Tells those waiting for a place in the script that it moved (or stopped at a request, or will
   * never move again); whether it was the place of any.
   */
  moved(): boolean {
    const waiting = this.waiters.splice(0);
    this.waiters.push(...waiting.filter((come) => !come()));
    return this.waiters.length < waiting.length;
  }
}

/** The command each `command/exec` starts: the step in whose async context the client sends it. */
const steps = new AsyncLocalStorage<{ name: string; mutation?: Mutation; delay: number }>();

/** More steps than this in one settling is a loop that would not end. */
const MAX_TICKS = 5_000;
/** How many macrotasks with nothing sent mean nothing is left to do: more than a step waits. */
const QUIET = 16;

/**
 * Plays the app-server: answers `command/exec` with the recorded traffic of the command the
 * step names, one message a macrotask (or a few), and a request of the command's out of its
 * script at once: as recorded for its method, or refused once the command has exited.
 */
class CommandServer {
  readonly playing: Playing[] = [];
  /** Answers out of the script, with the macrotasks left before each is sent. */
  private readonly outOfScript: Array<{ wait: number; send: () => void }> = [];
  /** Whether it closed the connection. */
  closed = false;
  /** The requests the client sent that the runtime's schema refuses. */
  readonly malformed: string[] = [];

  constructor(private readonly transport: ServedTransport) {
    transport.onSend = (message) => this.receive(message);
  }

  /** Runs `work` as the step `name` with `mutation`, each step of it `delay` macrotasks apart. */
  run<T>(name: string, work: () => Promise<T>, mutation?: Mutation, delay = 0): Promise<T> {
    return steps.run({ name, ...(mutation === undefined ? {} : { mutation }), delay }, work);
  }

  private receive(message: Wire): void {
    const { id, method, params } = message;
    // The `initialized` notification.
    if (typeof method !== "string" || id === undefined) return;
    const why = conforms(method, params);
    if (why !== undefined) this.malformed.push(`${method}: ${why}`);
    const processId = (params as Wire | undefined)?.processId as string;
    if (method === "command/exec") {
      const step = steps.getStore()!;
      const { name, mutation, delay } = step;
      this.playing.push(new Playing(id, processId, name, mutation, delay));
      return;
    }
    const playing = this.playing.find((p) => p.processId === processId);
    if (playing === undefined) {
      return void this.outOfScript.push({
        wait: 0,
        send: () => this.send({ ...oddError(0, processId), id }),
      });
    }
    const ahead = playing.plays
      .slice(playing.next)
      .some((p) => "request" in p && p.request === method);
    if (ahead) {
      playing.sent.set(method, [...(playing.sent.get(method) ?? []), id]);
      return;
    }
    const recorded = ANSWERING.get(method);
    const reply = playing.exited
      ? oddError(0, processId)
      : recorded === undefined
        ? { result: {} }
        : wireOf(recorded as Event, processId);
    this.outOfScript.push({ wait: playing.delay, send: () => this.send({ ...reply, id }) });
  }

  /** One step of each command's script, and of the answers out of it; whether any moved. */
  step(): boolean {
    if (this.closed) return false;
    let moved = false;
    for (const entry of [...this.outOfScript]) {
      if (entry.wait-- > 0) continue;
      this.outOfScript.splice(this.outOfScript.indexOf(entry), 1);
      entry.send();
      moved = true;
    }
    for (const playing of this.playing) {
      if (playing.done) continue;
      if (playing.wait-- > 0) {
        moved = true;
        continue;
      }
      const play = playing.plays[playing.next]!;
      if ("request" in play) {
        const sent = playing.sent.get(play.request) ?? [];
        if (sent.length === 0) {
          // The client's turn: what it does next is work still to wait for.
          if (playing.moved()) moved = true;
          continue;
        }
        const matched = playing.matched.get(play.request) ?? [];
        playing.matched.set(play.request, [...matched, sent.shift()]);
      } else if ("answer" in play) {
        if (play.answer === "command/exec") {
          playing.exited = true;
          this.send({ ...play.reply, id: playing.execId });
        } else {
          const id = playing.matched.get(play.answer)?.shift();
          if (id !== undefined) this.send({ ...play.reply, id });
        }
      } else this.send(play.send);
      playing.next++;
      playing.wait = playing.delay;
      playing.moved();
      moved = true;
    }
    return moved;
  }

  /** Whether a request sent is still waiting for its answer from the script. */
  get withholding(): boolean {
    return this.playing.some(
      (p) => !p.exited || [...p.sent.values(), ...p.matched.values()].some((ids) => ids.length > 0),
    );
  }

  private send(message: Wire): void {
    this.transport.line(lineOf(message));
  }

  /** Ends the connection, as an app-server that exits. */
  close(): void {
    this.closed = true;
    this.transport.end();
    for (const playing of this.playing) {
      playing.ended = true;
      playing.moved();
    }
  }
}

/**
 * Lets the client's work and the server run until `done()`, a millisecond of the fake clock for
 * each step; when neither has anything left to do for `QUIET` macrotasks, the clock jumps to the
 * next timer, and with none left, it ends (what is still pending then waits on the server).
 */
async function settle(server: CommandServer, done: () => boolean): Promise<void> {
  let quiet = 0;
  for (let tick = 0; tick < MAX_TICKS && !done(); tick++) {
    await nextMacrotask();
    const moved = server.step();
    vi.advanceTimersByTime(1);
    quiet = moved ? 0 : quiet + 1;
    if (quiet < QUIET) continue;
    if (vi.getTimerCount() === 0) {
      // What the last timer set off (this tick's) runs first, and may give the server work.
      await nextMacrotask();
      if (!server.step() && vi.getTimerCount() === 0) return;
    } else vi.advanceTimersToNextTimer();
    quiet = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** How a step reads its command's output. */
const READS = ["wait", "loops", "firstChunk", "afterExit"] as const;
/** What a step does to its command once more, beside what the recording did. */
const EXTRAS = ["write", "closeStdin", "resize", "terminate"] as const;

/** One command of a run. */
interface Step {
  readonly command: string;
  readonly mutation: Mutation | undefined;
  readonly read: (typeof READS)[number];
  readonly collect: boolean;
  /** Something more done to it after so many macrotasks. */
  readonly extra: { kind: (typeof EXTRAS)[number]; after: number } | undefined;
  /** After how many macrotasks its signal aborts, if it has one. */
  readonly abortAfter: number | undefined;
  /** Its timeout in milliseconds (steps of the server), if it has one. */
  readonly timeout: number | undefined;
  /** Started at once with the step before, instead of once the steps before have settled. */
  readonly together: boolean;
  /** How many macrotasks the server takes for each step of its script. */
  readonly delay: number;
}

/** `value` one time in four, else `undefined`. */
const sometimes = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

const step: fc.Arbitrary<Step> = fc.record({
  command: fc.constantFrom(...COMMANDS),
  mutation: fc.option(mutation, { nil: undefined, freq: 4 }),
  read: fc.constantFrom(...READS),
  collect: fc.boolean(),
  extra: fc.option(fc.record({ kind: fc.constantFrom(...EXTRAS), after: fc.nat(12) }), {
    nil: undefined,
    freq: 3,
  }),
  abortAfter: sometimes(fc.nat(12)),
  timeout: sometimes(fc.integer({ min: 1, max: 40 })),
  together: fc.boolean(),
  delay: fc.nat(2),
});

const clean = (command: string): Step => ({
  command,
  mutation: undefined,
  read: "loops",
  collect: true,
  extra: undefined,
  abortAfter: undefined,
  timeout: undefined,
  together: false,
  delay: 0,
});

const { start: startCodex, closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  TURNS.get("plain")!.answers.initialize,
);

/** The reason a step's signal aborts with. */
class GivenUp extends Error {}

/** Waits `macrotasks` macrotasks. */
async function macrotasks(count: number): Promise<void> {
  for (let i = 0; i <= count; i++) await nextMacrotask();
}

/** Whether `value` is text: a string with no lone surrogate, as UTF-8 decodes to. */
const isText = (value: unknown): boolean => typeof value === "string" && isWellFormed(value);

/** Reads `stream` to its end (or its first chunk), checking it gives text. */
async function read(stream: AsyncIterable<string>, first = false): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    if (!isText(chunk)) throw new Error(`a chunk that is no text: ${JSON.stringify(chunk)}`);
    text += chunk;
    if (first) break;
  }
  return text;
}

/** One run: the commands of `steps` through the mutated traffic, then the checks. */
async function check(runSteps: readonly Step[]): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  const errors: unknown[] = [];
  const { codex, transport } = await startCodex(errors);
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "hrtime"],
  });
  const server = new CommandServer(transport);
  const tables = clientStats(codex);
  const { all, track, pending } = tracker();
  // Whether each step's command was started.
  const started: boolean[] = [];
  // What the steps still have to do to their commands (an abort, a write, ...): work to wait for.
  let driving = 0;
  const drive = (work: Promise<unknown>) => {
    driving++;
    void work.finally(() => driving--);
  };
  const idle = () => pending().length === 0 && driving === 0;
  try {
    for (const [index, s] of runSteps.entries()) {
      if (!s.together) await settle(server, idle);
      const what = `${s.command} (step ${index})`;
      const recorded = RECORDED.get(s.command)!;
      const controller = new AbortController();
      const options: ExecOptions = {
        ...recorded.options,
        collectOutput: s.collect,
        ...(s.abortAfter === undefined ? {} : { signal: controller.signal }),
        ...(s.timeout === undefined ? {} : { timeout: s.timeout }),
      };
      const exec = server.run(
        s.command,
        () => codex.exec(recorded.argv, options),
        s.mutation,
        s.delay,
      );
      const handle = await track(`${what}: exec`, exec).catch(() => undefined);
      started.push(handle !== undefined);
      if (handle === undefined) continue;
      const playing = server.playing.find((p) => p.processId === handle.processId)!;
      if (s.abortAfter !== undefined) {
        drive(macrotasks(s.abortAfter).then(() => controller.abort(new GivenUp("given up"))));
      }
      const loops = (async () => {
        if (s.read === "wait") return undefined;
        if (s.read === "afterExit") await handle.wait().catch(() => undefined);
        const first = s.read === "firstChunk";
        const [stdout, stderr] = await Promise.all([
          read(handle.stdout, first),
          read(handle.stderr, first),
        ]);
        return first ? undefined : { stdout, stderr };
      })();
      track(`${what}: loops`, loops).catch(() => {});
      track(`${what}: wait`, handle.wait()).catch(() => {});
      // What the recording did to the command, each once the script reaches it.
      const requests = recorded.events.filter((e) => "request" in e);
      drive(
        (async () => {
          for (const [i, event] of requests.entries()) {
            await playing.reached(i);
            const { params } = event as { params: Wire };
            const done =
              event.request === "command/exec/resize"
                ? handle.resize(params.size as { rows: number; cols: number })
                : event.request === "command/exec/terminate"
                  ? handle.terminate()
                  : params.closeStdin === true
                    ? handle.closeStdin()
                    : handle.write(Buffer.from(params.deltaBase64 as string, "base64"));
            await track(`${what}: ${event.request} as recorded`, done).catch(() => {});
          }
        })(),
      );
      const { extra } = s;
      const { tty, stdin } = recorded.options;
      const fits =
        extra !== undefined &&
        (extra.kind === "terminate" ||
          (extra.kind === "resize" ? tty === true : tty === true || stdin === true));
      if (fits) {
        drive(
          macrotasks(extra.after).then(() => {
            const done =
              extra.kind === "write"
                ? handle.write("more\n")
                : extra.kind === "closeStdin"
                  ? handle.closeStdin()
                  : extra.kind === "resize"
                    ? handle.resize({ rows: 10, cols: 20 })
                    : handle.terminate();
            track(`${what}: ${extra.kind} once more`, done).catch(() => {});
          }),
        );
      }
    }
    await settle(server, idle);
    const closes = !idle();
    if (closes) {
      expect(server.withholding, `${pending().join(", ")} pending, every answer sent`).toBe(true);
      // Everything pending rejects at once, as the server is gone.
      server.close();
      const waiting = all.filter((t) => t.state === "pending");
      for (let i = 0; i < 5 && pending().length > 0; i++) await nextMacrotask();
      for (const { what, state, value } of waiting) {
        expect(state, `${what} pending as the server ended`).toBe("rejected");
        const aborted = value instanceof CommandAbortedError;
        if (!aborted) expect(value, what).toBeInstanceOf(TransportClosedError);
      }
    }

    for (const { what, state, value } of all) {
      if (state === "rejected" && !(value instanceof CodexError)) {
        const shown = value instanceof Error ? value.stack : String(value);
        expect.fail(`${what} rejects with a CodexError, not ${shown}`);
      }
    }
    for (const [index, s] of runSteps.entries()) {
      if (!started[index]) continue;
      const what = `${s.command} (step ${index})`;
      const entry = (suffix: string) => all.find((t) => t.what === `${what}: ${suffix}`)!;
      const waited = entry("wait");
      const result = waited.value as { exitCode: unknown; stdout: unknown; stderr: unknown };
      if (waited.state === "fulfilled") {
        expect(Number.isInteger(result.exitCode), `${what}: an integer exit code`).toBe(true);
        expect(isText(result.stdout), `${what}: stdout as text`).toBe(true);
        expect(isText(result.stderr), `${what}: stderr as text`).toBe(true);
      }
      if (waited.value instanceof CommandAbortedError) {
        const cause = waited.value.cause;
        const why = cause instanceof GivenUp || (cause as Error).name === "TimeoutError";
        expect(why, `${what}: aborted by its signal or timeout, not ${String(cause)}`).toBe(true);
      }
      const asRecorded = s.mutation === undefined || HARMLESS.has(s.mutation.kind);
      if (!asRecorded || closes) continue;
      // As recorded, the exit comes: wait() resolves with it, or rejects with it once aborted.
      const { result: expected } = RECORDED.get(s.command)!;
      const kept = s.collect ? expected : { ...expected, stdout: "", stderr: "" };
      if (waited.state === "fulfilled") expect(waited.value, `${what}: its exit`).toEqual(kept);
      else {
        expect(waited.value, `${what}: its exit`).toBeInstanceOf(CommandAbortedError);
        expect((waited.value as { result: unknown }).result, `${what}: its exit`).toEqual(kept);
      }
      const loops = entry("loops");
      expect(loops.state, `${what}: its loops`).toBe("fulfilled");
      if (s.read === "loops" || (s.read === "afterExit" && s.collect)) {
        expect(loops.value, `${what}: what its loops read`).toEqual({
          stdout: expected.stdout,
          stderr: expected.stderr,
        });
      }
    }

    if (!closes) {
      // The connection is still usable: a clean command runs as recorded.
      const again = await server.run("failing", async () => {
        const handle = await codex.exec(RECORDED.get("failing")!.argv);
        const wait = track("a clean exec", handle.wait());
        await settle(server, () => pending().length === 0);
        return wait;
      });
      expect(again).toEqual(RECORDED.get("failing")!.result);
      expect(clientStats(codex), "tables once the commands are over").toEqual(tables);
      expect(vi.getTimerCount(), "timers once the commands are over").toBe(0);
    }
    await codex.close();
    expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(errors, "what the SDK logged as a bug").toEqual([]);
    expect(vi.getTimerCount(), "timers left once closed").toBe(0);
    // Whatever the server said, the client sent only what the runtime's schema takes.
    expect(server.malformed, "requests the runtime's schema refuses").toEqual([]);
    vi.useRealTimers();
    await trap.expectNone();
  } finally {
    vi.useRealTimers();
    trap.dispose();
    await codex.close();
  }
}

describe("a running command over a faulty server (property)", () => {
  it("records each command's output and exit", () => {
    expect(COMMANDS).toEqual(["streamed", "stdin", "tty", "terminated", "failing"]);
    expect(RECORDED.get("streamed")!.result).toEqual({
      exitCode: 0,
      stdout: "one é\ntwo € 🙂\n",
      stderr: "err ü\nend\n",
    });
  });

  it(
    "keeps its guarantees whatever the recorded traffic is mutated into",
    async () => {
      // The traffic as recorded passes, or the harness is wrong.
      for (const command of COMMANDS) await check([clean(command)]);
      await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), check), {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    },
    // A run takes a few milliseconds: room for the runs asked for.
    30_000 + RUNS * 30,
  );
});
