// Property of the whole client under a faulty server. A real Codex runs over a fake transport, and
// a scripted server answers it with wire traffic recorded from the real runtime and the mock model
// (a plain turn, a turn with a command approval, one with a file change's, one with an MCP tool
// call's (an elicitation), one asking for permissions, a dynamic tool call, a goal run over two
// turns, a compaction, a turn with structured output, one asking for user input, an inline review,
// a detached one on a fork, a revert, the answers to a steer and an interrupt:
// test/support/fixtures/client-fuzz.jsonl, made by scripts/record-client-fuzz.ts), mutated: a field
// dropped, null, of the wrong type or another string, a huge string, deep nesting, ids of another
// thread or of a finished turn, a message repeated or moved, a completion before its start or
// without its status, an unknown method, an answer to no request, a request under a pending id. A
// workload drives the public API through it (threadStart with approval handlers of every kind, an
// elicitation handler, a user input handler and a tool, which answer at once, a little or much
// later, with an answer their check refuses, or throw; run (with `output`), turn with stream() or
// textStream() (read to the end or left early), review, runGoal, compact, revert, steer (text or an
// external message), interrupt, an abort, a timeout, a turn queued behind, a turn on another thread
// at once, a notifications() loop, listeners of turn events that throw, reject or unsubscribe
// themselves or another as they are called), with every event or with results only (`events:
// "results"`); the server may refuse the steer and the interrupt ("no active turn"), answers them
// (the program's, bounded by a timeout, a signal or nothing, and the SDK's own on an abort or a
// timeout) at once, late, or only once the turn is over, and ends the turn (and the goal) or closes
// the connection, at the end of its script or part way. Whatever the mutation, the guarantees of
// docs/guarantees.md hold: no uncaught exception or unhandled rejection, nothing the SDK logs as a
// bug of its own, every promise settles (within 21 s of the fake clock once the turn ends; at once,
// with TransportClosedError, when the connection does), rejecting with a CodexError only (or the
// signal's reason, before a turn started; a textStream() without the deltas says so with a
// TypeError), a RequestTimeoutError only where a timeout was given (a steer or an interrupt the
// server does not answer waits for it, or for the connection's end; an external message's holds the
// thread as long), every request the server sent is answered (no more often than it was sent), a
// listener that unsubscribed is called no more (and one that threw is logged, as the docs say), a
// clean turn on the same thread then completes, the client's tables come back to their size once
// the turns are over and once it is closed, and no timer is left once it is. connection.property,
// router.property and lines.property fuzz one layer each; this one is about what they make
// together.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/client.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and
// FUZZ_PATH replay.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type {
  Codex as CodexType,
  DynamicTool,
  EventMode,
  ServerRequestHandlers,
  Thread,
  TurnHandle,
} from "../../src/index.js";
import { ABORT_WAIT_MS } from "../../src/internal/deadline.js";
import { fakeStdio } from "../support/fake-stdio.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import {
  ServedTransport,
  VALUE_MUTATIONS,
  isText,
  lineOf,
  mutateValue,
  mutations,
  propertyClients,
  places,
  type Mutation as WireMutation,
  type ValueMutation,
  type Wire,
} from "../support/fuzz-wire.js";
import { RECORDED, type Recording } from "../support/recorded-traffic.js";
import { drain, tracker } from "../support/tracker.js";
import { clientRequestCheck, serverResultCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const {
  Codex,
  CodexError,
  RequestTimeoutError,
  TransportClosedError,
  TurnAbortedError,
  externalMessage,
} = await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
// The SDK loads the checks of a handler's answer, and a goal's run, on first use: loaded here, that
// takes no I/O in a run, whose wait for the answer would race the loader.
await import("../../src/answer-checks.js");
await import("../../src/goal.js");
await import("../../src/review.js");
await import("../../src/structured-output.js");
await import("../../src/strict-schema.js");
await import("zod/v4/core");

const SEED = Number(process.env.FUZZ_SEED ?? 29_061);
/** Whether params conform to the runtime's own schema of their request. */
const conforms = clientRequestCheck();
/** Whether an answer to a server request conforms to the runtime's schema of its result. */
const answerConforms = serverResultCheck();
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const PATH = process.env.FUZZ_PATH;
/**
 * How long, on the fake clock, every promise has to settle once the server ended the turn: the
 * longest wait the SDK documents (an abort's wait for the interrupted completion), after a
 * compaction that showed no turn held the thread as long, and a second.
 */
const SETTLE_MS = 2 * ABORT_WAIT_MS + 1_000;

// ---------------------------------------------------------------------------------------------
// The recording
// ---------------------------------------------------------------------------------------------

const SCENARIOS = [
  ...["plain", "approval", "tool", "goal", "compact", "output", "input"],
  ...["review", "detached", "revert", "patch", "mcp", "permissions"],
] as const;
type Scenario = (typeof SCENARIOS)[number];

const PLAIN = RECORDED.get("plain")!;
const STEER = RECORDED.get("steer")!;

/**
 * The thread and turn ids of a recorded script, which a run's own replace: the turns it starts, in
 * order, and those the answers name (a review's, which its completion names too).
 */
function recordedIds(recording: Recording): { thread: string; turns: string[] } {
  type Said = { threadId?: string; turn?: Wire };
  const params = recording.messages.map((m) => m.params as Said);
  const said = [...params, ...(Object.values(recording.answers) as Said[])].map((p) => p.turn?.id);
  const thread = params.find((p) => p.threadId !== undefined)!.threadId!;
  return { thread, turns: [...new Set(said.filter((id): id is string => typeof id === "string"))] };
}

/** For each method, the script recorded with an answer to it (the first). */
const ANSWERING = new Map<string, Recording>();
for (const scenario of SCENARIOS) {
  const recording = RECORDED.get(scenario)!;
  for (const method of Object.keys(recording.answers)) {
    if (!ANSWERING.has(method)) ANSWERING.set(method, recording);
  }
}

/** `value` with each string equal to a key of `ids` replaced by its value. */
function withIds<T>(value: T, ids: Readonly<Record<string, string>>): T {
  let text = JSON.stringify(value);
  for (const [from, to] of Object.entries(ids)) text = text.replaceAll(`"${from}"`, `"${to}"`);
  return JSON.parse(text) as T;
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const MUTATIONS = [
  ...VALUE_MUTATIONS,
  "swapThread",
  "swapTurn",
  "duplicate",
  "reorder",
  "completionFirst",
  "unreadableCompletion",
  "unknownMethod",
  "strayAnswer",
  "sameRequestId",
] as const;

/** A mutation: `at` picks the message, `path` a value in it, `to` a place or a size (modulo). */
type Mutation = WireMutation<(typeof MUTATIONS)[number]>;

const mutation = mutations(MUTATIONS, 200);

/** Where a turn's script runs, and what a swap moves a message to: another thread, an old turn. */
interface Ids {
  readonly thread: string;
  readonly turn: string;
  readonly otherThread: string;
  readonly oldTurn: string;
}

/** The fields the SDK reads, which value mutations aim at more often than the others. */
const READ: ReadonlySet<string | number> = new Set([
  ...["method", "id", "params", "result", "threadId", "turnId", "turn", "status", "error"],
  ...["item", "type", "text", "delta", "tokenUsage", "requestId", "items", "tool", "arguments"],
  // What routes an elicitation to the MCP tool call's handler, and what a grant is checked by.
  ...["_meta", "codex_approval_kind", "mode", "requestedSchema", "properties", "permissions"],
  ...["fileSystem", "read", "write", "entries", "path"],
]);
/** Strings the protocol gives meaning to, for `otherString`. */
const STRINGS = ["", "failed", "interrupted", "completed", "inProgress", "agentMessage"];

/** Whether the client reads `message` as a request, which it must answer. */
const isRequest = (message: Wire): boolean =>
  isText(message.method) && (typeof message.id === "number" || isText(message.id));

/** Whether `message` is a turn's completion the SDK cannot read: its turn's id or status missing. */
function isUnreadableCompletion(message: Wire): boolean {
  if (message.method !== "turn/completed") return false;
  const turn = (message.params as { turn?: unknown } | null | undefined)?.turn;
  if (typeof turn !== "object" || turn === null) return true;
  return !isText((turn as Wire).id) || !isText((turn as Wire).status);
}

/**
 * Applies `mutation` to a turn's script: `script[0]` is the answer to `turn/start` (only its result
 * changes, so the call is answered), the rest what the server sends after it.
 */
function mutate(script: Wire[], mutation: Mutation, ids: Ids): void {
  const { kind, path, to } = mutation;
  const at = mutation.at % script.length;
  // A message after the answer, for what moves or adds messages.
  const later = 1 + (mutation.at % (script.length - 1));
  switch (kind) {
    case "drop":
    case "null":
    case "wrongType":
    case "otherString":
    case "huge":
    case "deep": {
      const strings = [...STRINGS, ids.otherThread, ids.oldTurn];
      const root = at === 0 ? script[0]!.result : script[at];
      return mutateValue(root, kind satisfies ValueMutation, path, to, { read: READ, strings });
    }
    case "swapThread":
    case "swapTurn": {
      // One of the messages that name what it swaps.
      const names = kind === "swapThread" ? ["threadId"] : ["turnId", "turn"];
      const naming = script.filter((m) => places(m).some(([, key]) => names.includes(`${key}`)));
      if (naming.length === 0) return;
      for (const [holder, key] of places(naming[mutation.at % naming.length])) {
        if (kind === "swapThread") {
          if (key === "threadId") holder[key] = ids.otherThread;
        } else if (key === "turnId") holder[key] = ids.oldTurn;
        // A turn record's id is its turn's.
        else if (key === "turn" && typeof holder.turn === "object" && holder.turn !== null) {
          (holder.turn as Wire).id = ids.oldTurn;
        }
      }
      return;
    }
    case "duplicate":
      script.splice(later + (to % (script.length - later + 1)), 0, structuredClone(script[later]!));
      return;
    case "reorder":
      script.splice(1 + (to % (script.length - 1)), 0, ...script.splice(later, 1));
      return;
    case "completionFirst": {
      const start = script.findIndex((m) => m.method === "turn/started");
      const end = script.findIndex((m) => m.method === "turn/completed");
      if (start > 0 && end > start) script.splice(start, 0, ...script.splice(end, 1));
      return;
    }
    case "unreadableCompletion": {
      // A turn's completion without its status, which the SDK waits a while to see followed.
      const ends = script.filter((m) => m.method === "turn/completed");
      const turn = (ends[mutation.at % ends.length]?.params as { turn?: Wire } | undefined)?.turn;
      if (turn !== undefined) delete turn.status;
      return;
    }
    case "unknownMethod":
      script[later]!.method = `kit/unknown${to % 3}`;
      return;
    case "strayAnswer":
      // An answer to no request: one never sent, or the turn/start answered already.
      script.splice(later, 0, { id: to % 2 ? 9_000 : script[0]!.id, result: { turnId: ids.turn } });
      return;
    case "sameRequestId": {
      // A request under the id of another the client may still answer: the server's own, or one
      // the client sent (the ids of the two sides are apart).
      const request = script.find(isRequest);
      const id = request !== undefined && to % 2 ? request.id : script[0]!.id;
      const { thread: threadId, turn: turnId } = ids;
      const params = { threadId, turnId, callId: "again", tool: "lookup", arguments: {} };
      script.splice(later, 0, { id, method: "item/tool/call", params });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** One turn the server will play. */
interface TurnScript {
  readonly recording: Recording;
  readonly mutations: readonly Mutation[];
  /** The thread it runs on, if only that one's request starts it. */
  readonly thread?: string | undefined;
  /**
   * After which message (the last, if past the end) the fake clock runs on, and how far (the SDK's
   * timed waits fire).
   */
  readonly pause?: { readonly after: number; readonly ms: number } | undefined;
  /** After which message the server sends no more of the script. */
  readonly stopAfter?: number | undefined;
  /** Called after each message is delivered, with its position. */
  readonly onDelivered?: ((index: number) => void) | undefined;
}

/** One more of `key` in `counts`. */
function count(counts: Map<unknown, number>, key: unknown): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Plays the app-server: answers each request as recorded, with ids of its own; the request the
 * next script follows (`turn/start`, `thread/goal/set`, `thread/compact/start`) with that script,
 * sent a read at a time. Notes the requests it sent and the client's answers to them.
 */
class ScriptedServer {
  /**
   * How many requests it sent under each id, and how many answers the client sent to each: one at
   * least, and no more than it was asked (a request repeated under an id still being answered gets
   * one answer).
   */
  readonly sent = new Map<unknown, number>();
  readonly answers = new Map<unknown, number>();
  /** The methods of the requests it sent under each id (a mutation may reuse one). */
  private readonly methods = new Map<unknown, string[]>();
  /** Whether it refuses every steer and interrupt. */
  refuses = false;
  /**
   * How it answers a steer or an interrupt (a program's, and the SDK's own on an abort or a
   * timeout): at once, that many ms of the fake clock later, or never.
   */
  stopAnswer: StopAnswer = "now";
  /** Its answers waiting to go, which it drops when it stops. */
  private readonly delayed = new Set<ReturnType<typeof setTimeout>>();
  /** The answers it withholds ("never"), until `answerWithheld()`. */
  private readonly withheld: Wire[] = [];
  /** Whether it sent a turn's completion the SDK cannot read (see `isUnreadableCompletion`). */
  unreadableCompletion = false;
  /** Another thread and a turn that completed there, which swapped ids name. */
  elsewhere = { otherThread: "nowhere", oldTurn: "never" };
  /** Settles once every script started so far is played. */
  private played: Promise<void> = Promise.resolve();
  /**
   * Each script it started: its thread, the ids its turns go by (its own, and what the answer
   * said), and the update that ended its goal (if it ran one).
   */
  private readonly turns: Array<{ threadId: string; ids: Set<string>; goal?: Wire | undefined }> =
    [];
  private readonly queue: TurnScript[] = [];
  /** The turn each thread last started. */
  private readonly running = new Map<unknown, string>();
  private threadCount = 0;
  private turnCount = 0;
  private closed = false;

  /** The requests and answers the client sent that the runtime's schema refuses. */
  readonly malformed: string[] = [];

  constructor(private readonly transport: ServedTransport) {
    transport.onSend = (message) => this.receive(message);
  }

  /** The script the next request of its recording's `starts` method is answered with. */
  next(script: TurnScript): void {
    this.queue.push(script);
  }

  private receive(message: Wire): void {
    const { id, method } = message;
    if (typeof method !== "string") {
      // An answer: its result what the runtime's schema takes for one of the requests of its id.
      const methods = this.methods.get(id) ?? [];
      if ("result" in message && methods.length > 0) {
        const whys = methods.map((asked) => answerConforms(asked, message.result));
        if (whys.every((why) => why !== undefined)) {
          this.malformed.push(`the answer to ${methods.join(" or ")}: ${whys.join("; ")}`);
        }
      }
      return void count(this.answers, id);
    }
    const params = message.params as Wire;
    const why = id === undefined ? undefined : conforms(method, params);
    if (why !== undefined) this.malformed.push(`${method}: ${why}`);
    const answer = (reply: Wire) => queueMicrotask(() => this.transport.deliver({ id, ...reply }));
    const answerStop = (reply: Wire) => {
      const { stopAnswer: when } = this;
      if (when === "now") return answer(reply);
      if (when === "never") return void this.withheld.push({ id, ...reply });
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        if (!this.closed) this.transport.deliver({ id, ...reply });
      }, when);
      this.delayed.add(timer);
    };
    switch (method) {
      case "turn/steer":
      case "turn/interrupt": {
        // The runtime's refusal when the turn ended as the request travelled.
        const refusal = { code: -32600, message: `no active turn to ${method.slice(5)}` };
        if (this.refuses) return answerStop({ error: refusal });
        // A steer's answer names the turn it joined.
        const { expectedTurnId: turnId } = params;
        const recorded = STEER.answers[method]!;
        return answerStop({ result: turnId === undefined ? recorded : { ...recorded, turnId } });
      }
      case "turn/start":
        // An external message, folded into the running turn; into a new one should it have ended.
        if (params.toolOutput !== undefined) {
          const turnId = this.refuses
            ? `turn-${this.turnCount++}`
            : this.running.get(params.threadId);
          return answerStop({
            result: { turn: { ...(PLAIN.answers[method]!.turn as Wire), id: turnId } },
          });
        }
      // falls through
      default: {
        const next = this.queue.findIndex(({ recording, thread }) => {
          return recording.starts === method && (thread ?? params.threadId) === params.threadId;
        });
        if (next >= 0) return this.start(id, method, params, this.queue.splice(next, 1)[0]!);
        const recording = ANSWERING.get(method);
        if (recording === undefined) {
          return answer({ error: { code: -32601, message: `not in the script: ${method}` } });
        }
        // A thread/start, or a fork, makes a thread of its own.
        const fork = method === "thread/fork" ? undefined : params?.threadId;
        const thread = fork ?? `thread-${this.threadCount++}`;
        const own = { [recordedIds(recording).thread]: thread as string };
        return answer({ result: withIds(recording.answers[method]!, own) });
      }
    }
  }

  private start(requestId: unknown, method: string, params: Wire, script: TurnScript): void {
    const thread = params.threadId as string;
    const recorded = recordedIds(script.recording);
    const own = { [recorded.thread]: thread };
    for (const turn of recorded.turns) own[turn] = `turn-${this.turnCount++}`;
    // A revert starts no turn.
    const turn = own[recorded.turns[0] ?? ""] ?? "turn-none";
    this.running.set(thread, turn);
    const ids: Ids = { thread, turn, ...this.elsewhere };
    const messages: Wire[] = [
      { id: requestId, result: withIds(script.recording.answers[method]!, own) },
      ...withIds(script.recording.messages, own),
    ];
    // Taken before the mutations: the update that ends its goal, as recorded.
    const goal = structuredClone(messages.filter((m) => m.method === "thread/goal/updated").at(-1));
    for (const m of script.mutations) mutate(messages, m, ids);
    // A clean script ends its turns (and its goal) itself. Those of another are ended by every id
    // it gave them: its own, and those the answer and the starts say (a mutation's).
    const clean = script.mutations.length === 0 && script.stopAfter === undefined;
    const starts = messages.filter((m) => m.method === "turn/started").map((m) => m.params);
    const named = [messages[0]!.result, ...starts].map(
      (said) => (said as { turn?: { id?: unknown } } | null | undefined)?.turn?.id,
    );
    const turnIds = new Set([...recorded.turns.map((turn) => own[turn]!), ...named.filter(isText)]);
    if (!clean) this.turns.push({ threadId: thread, ids: turnIds, goal });
    const sent = messages.slice(0, (script.stopAfter ?? Infinity) + 1);
    this.unreadableCompletion ||= sent.some(isUnreadableCompletion);
    const playing = this.play(sent, script);
    this.played = Promise.all([this.played, playing]).then(() => {});
  }

  private async play(messages: readonly Wire[], script: TurnScript): Promise<void> {
    for (const [index, message] of messages.entries()) {
      // Each message a read of its own, as a pipe may deliver: the client's work runs between.
      await nextMacrotask();
      if (this.closed) return;
      if (isRequest(message)) {
        count(this.sent, message.id);
        const asked = [...(this.methods.get(message.id) ?? []), String(message.method)];
        this.methods.set(message.id, asked);
      }
      this.transport.line(lineOf(message));
      script.onDelivered?.(index);
      const { pause } = script;
      if (pause !== undefined && Math.min(pause.after, messages.length - 1) === index) {
        await vi.advanceTimersByTimeAsync(pause.ms);
      }
    }
    // What the last message sets off runs before the server ends.
    await nextMacrotask();
  }

  /** Resolves once it has played every script, those it started meanwhile included. */
  async idle(): Promise<void> {
    let played;
    do await (played = this.played);
    while (played !== this.played);
  }

  /**
   * Ends every turn (and goal) it started that its script left running, with a clean
   * `turn/completed` (and the goal's update that ended it).
   */
  endTurns(): void {
    const completion = PLAIN.messages.find((m) => m.method === "turn/completed")!;
    const params = completion.params as { turn: Wire };
    for (const { threadId, ids, goal } of this.turns.splice(0)) {
      if (goal !== undefined) this.transport.deliver(goal);
      for (const id of ids) {
        const turn = { ...params.turn, id };
        this.transport.deliver({ method: "turn/completed", params: { ...params, threadId, turn } });
      }
    }
  }

  /** Whether answers it delays are still to go. */
  get delaying(): boolean {
    return this.delayed.size > 0;
  }

  /** Sends the answers it withheld, at last, and answers every later stop at once. */
  answerWithheld(): void {
    this.stopAnswer = "now";
    for (const answer of this.withheld.splice(0)) this.transport.deliver(answer);
  }

  /** Sends none of the answers still waiting to go. */
  stop(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    this.withheld.length = 0;
  }

  /** Ends the connection, as an app-server that exits. */
  close(): void {
    this.closed = true;
    this.stop();
    this.transport.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------------------------

/** What the client does with the mutated turn, and how the server ends it. */
interface Workload {
  /** A goal is run with runGoal, a compaction asked for with compact(); a turn as `drive` says. */
  readonly scenario: Scenario;
  readonly drive: "run" | "stream" | "textStream";
  /** After which message of the turn each call is made (none when undefined). */
  readonly steerAt: number | undefined;
  /** Whether the steer is text or an external message (sent as a `turn/start` into the turn). */
  readonly steerWith: "text" | "external";
  /** Whether a turn runs on the other thread meanwhile. */
  readonly parallel: boolean;
  readonly interruptAt: number | undefined;
  readonly abortAt: number | undefined;
  /**
   * The turn's (goal's, compaction's, review's, revert's) timeout in ms of the fake clock, which
   * moves in steps once the server has played its script, and by a pause's length at once.
   */
  readonly timeout: number | undefined;
  /** After how many events the turn's reader stops reading (`break`), if it stops early. */
  readonly leaveAfter: number | undefined;
  /** The program's listeners of turn events (`codex.on`). */
  readonly listeners: readonly Listening[];
  /** How the thread's handlers and tool answer (see `answerAs`). */
  readonly handler: Behaviour;
  /** Whether another turn waits behind the mutated one on its thread. */
  readonly queued: boolean;
  /** Whether the server refuses the steer and the interrupt, as it does once a turn ended. */
  readonly refuses: boolean;
  /** When the server answers a steer or an interrupt (see `ScriptedServer.stopAnswer`). */
  readonly stopAnswer: StopAnswer;
  /** What bounds the program's steer and interrupt: a timeout in ms, the turn's signal, or none. */
  readonly stopBound: number | "signal" | undefined;
  /** How the server ends: the turn's completion or the connection's end, after which message. */
  readonly end: "completion" | "close";
  readonly stopAfter: number | undefined;
  readonly pause: { readonly after: number; readonly ms: number } | undefined;
  /**
   * The client's event mode: with "results" it reads a long line of a notification nobody reads
   * by its text alone, unparsed (the server here still sends the deltas it opted out of).
   */
  readonly events: EventMode;
}

type StopAnswer = "now" | "never" | number;
/** What the program's steer and interrupt are tracked as. */
const STOPS: readonly string[] = ["steer()", "interrupt()"];

/** A listener of `method`, which does `act` on its call number `after` (from 0; see `listen`). */
interface Listening {
  readonly method: (typeof LISTENED)[number];
  readonly act: "count" | "throw" | "reject" | "leave" | "leaveOther";
  readonly after: number;
}
const LISTENED = [
  "turn/started",
  "item/started",
  "item/agentMessage/delta",
  "item/completed",
  "turn/completed",
] as const;
/** What the listeners that throw (or reject) throw. */
const LISTENER_BROKE = "the listener broke";

/** How a handler answers: see `answerAs`. */
const BEHAVIOURS = ["sync", "async", "late", "invalid", "throw"] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

const moment = (freq: number) => fc.option(fc.nat(30), { nil: undefined, freq });
const workload: fc.Arbitrary<Workload> = fc.record({
  scenario: fc.constantFrom(...SCENARIOS),
  drive: fc.constantFrom("run", "stream", "textStream"),
  steerAt: moment(2),
  steerWith: fc.constantFrom("text", "external"),
  parallel: fc.boolean(),
  interruptAt: moment(2),
  abortAt: moment(4),
  timeout: fc.option(fc.constantFrom(700, 2_000, 8_000), { nil: undefined, freq: 3 }),
  leaveAfter: fc.option(fc.nat(6), { nil: undefined, freq: 3 }),
  listeners: fc.array(
    fc.record({
      method: fc.constantFrom(...LISTENED),
      act: fc.constantFrom("count", "throw", "reject", "leave", "leaveOther"),
      after: fc.nat(3),
    }),
    { maxLength: 3 },
  ),
  handler: fc.constantFrom(...BEHAVIOURS),
  queued: fc.boolean(),
  refuses: fc.boolean(),
  stopAnswer: fc.oneof(
    { arbitrary: fc.constant("now" as const), weight: 4 },
    { arbitrary: fc.constantFrom(600, 3_000), weight: 1 },
    { arbitrary: fc.constant("never" as const), weight: 1 },
  ),
  stopBound: fc.option(fc.constantFrom(400, 5_000, "signal" as const), { nil: undefined, freq: 2 }),
  end: fc.constantFrom("completion", "close"),
  stopAfter: moment(2),
  pause: fc.option(
    fc.record({ after: fc.nat(30), ms: fc.constantFrom(600, 1_100, ABORT_WAIT_MS + 100) }),
    { nil: undefined, freq: 3 },
  ),
  events: fc.constantFrom("all", "results"),
});

/** The recorded traffic as it is, played to the end. */
const CLEAN: Workload = {
  scenario: "plain",
  drive: "run",
  steerAt: undefined,
  steerWith: "text",
  parallel: false,
  interruptAt: undefined,
  abortAt: undefined,
  timeout: undefined,
  leaveAfter: undefined,
  listeners: [],
  handler: "sync",
  queued: false,
  refuses: false,
  stopAnswer: "now",
  stopBound: undefined,
  end: "completion",
  stopAfter: undefined,
  pause: undefined,
  events: "all",
};

/**
 * Lets the client's work run until `done()`, the fake clock moving on by steps for up to `ms`
 * (0: only what is due now runs).
 */
async function runClock(ms: number, done: () => boolean): Promise<void> {
  for (let elapsed = 0; elapsed < ms && !done(); elapsed += 250) {
    await nextMacrotask();
    await vi.advanceTimersByTimeAsync(250);
  }
  await nextMacrotask();
  await nextMacrotask();
}

const { start: startCodex, closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  PLAIN.answers.initialize,
);

/**
 * The tables but for what mirrors the server's word on a thread, which a mutation changes: the
 * turn it said runs there, the turns it said completed before (or without) their start, and the
 * thread it said a thread's turn works for (a sub-agent's). Each is bounded per thread and kept
 * until the thread ends.
 */
function ownTables(stats: Record<string, number>): Record<string, number> {
  const {
    "router.running": _running,
    "router.endedFirst": _endedFirst,
    "dispatcher.parents": _parents,
    ...rest
  } = stats;
  return rest;
}

/**
 * How long, on the fake clock, a late handler takes: past the end of most turns (the server ends
 * them once its script is played, the clock still), and well within the SDK's wait for a handler.
 */
const LATE_MS = 1_500;
/** How many late handlers are waiting: the timers of the program's, not the SDK's. */
let lateWaits = 0;

/**
 * What a handler answers, as `handler` says: `valid` at once, after a macrotask, or `LATE_MS`
 * later; `invalid` (which its check refuses, so the request gets its default); or it throws.
 */
async function answerAs<T>(handler: Behaviour, valid: T, invalid: unknown): Promise<T> {
  if (handler === "throw") throw new Error("the handler broke");
  if (handler === "async") await nextMacrotask();
  if (handler === "late") {
    lateWaits++;
    await new Promise((resolve) => setTimeout(resolve, LATE_MS));
    lateWaits--;
  }
  return handler === "invalid" ? (invalid as T) : valid;
}

function lookupTool(handler: Behaviour): DynamicTool {
  return {
    name: "lookup",
    description: "Looks a word up",
    inputSchema: { type: "object", properties: { q: { type: "string" } } },
    // An image the runtime would not fetch: a failed call.
    handler: () =>
      answerAs(handler, "found", [{ type: "inputImage", imageUrl: "https://example.com/a.png" }]),
  };
}

/**
 * The thread's handlers of every kind, each answering as `handler` says: what it was asked
 * accepted, or an answer of the wrong shape.
 */
function handlers(handler: Behaviour): ServerRequestHandlers {
  const as = <T>(valid: T, invalid: unknown) => answerAs(handler, valid, invalid);
  return {
    approvals: {
      commandExecution: () => as({ decision: "accept" as const }, { decision: "maybe" }),
      fileChange: () => as({ decision: "accept" as const }, { decision: "acceptForever" }),
      mcpToolCall: () => as({ action: "accept" as const }, { action: "approve" }),
      // What was asked, granted; or a path no server takes.
      permissions: (params) =>
        as(
          { permissions: params.permissions, scope: "turn" as const },
          { permissions: { fileSystem: { write: ["relative/out"] } }, scope: "turn" },
        ),
    },
    // An elicitation that is no tool call's approval (a mutation dropped what says it is).
    onElicitation: () => as({ action: "decline" as const }, { action: "later" }),
    onUserInput: () =>
      as({ answers: { colour: { answers: ["blue"] } } }, { answers: { colour: "blue" } }),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Adds the program's `listeners` to `codex`: each does as it says on its call number `after`
 * (throws, rejects, unsubscribes itself or the next one). Returns the calls each had once it had
 * left, and a function that unsubscribes those still there.
 */
function listen(codex: CodexType, listeners: readonly Listening[]) {
  const left = listeners.map(() => false);
  const callsAfterLeaving = listeners.map(() => 0);
  const offs: Array<() => void> = [];
  const leave = (i: number) => {
    left[i] = true;
    offs[i]!();
  };
  for (const [i, { method, act, after }] of listeners.entries()) {
    let calls = 0;
    offs.push(
      codex.on(method, () => {
        if (left[i]) callsAfterLeaving[i]!++;
        if (calls++ !== after) return;
        if (act === "throw") throw new Error(LISTENER_BROKE);
        if (act === "reject") return Promise.reject(new Error(LISTENER_BROKE));
        if (act === "leave") leave(i);
        else if (act === "leaveOther") leave((i + 1) % listeners.length);
      }),
    );
  }
  return { callsAfterLeaving, off: () => offs.forEach((off) => off()) };
}

/** Reads `reader` to its end, or leaves it (`break`) after `count` values. */
async function readUntil(reader: AsyncIterable<unknown>, count = Infinity): Promise<number> {
  let read = 0;
  for await (const _ of reader) if (++read >= count) break;
  return read;
}

/** One run: the whole client through one mutated turn, then the checks. */
async function check(load: Workload, mutations: readonly Mutation[]): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  // The bounds of calls read the clock of `hrtime`, which moves with the timers.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
  // Those of a run before went with its fake clock.
  lateWaits = 0;
  const errors: unknown[] = [];
  const { all, track, pending } = tracker();
  const { codex, transport } = await startCodex(errors, { events: load.events });
  const server = new ScriptedServer(transport);
  // A loop over every notification, which ends with the client.
  const loop = tracker();
  loop.track("notifications()", drain(codex.notifications())).catch(() => {});
  try {
    // Another thread, with a turn that completed: what swapped ids name.
    const decline = () => ({ decision: "decline" as const });
    const other = await codex.threadStart({ approvals: { commandExecution: decline } });
    server.next({ recording: PLAIN, mutations: [] });
    await other.run("hi");
    server.elsewhere = { otherThread: other.id, oldTurn: "turn-0" };

    const thread: Thread = await codex.threadStart({
      tools: [lookupTool(load.handler)],
      ...handlers(load.handler),
    });
    const tables = clientStats(codex);
    server.refuses = load.refuses;
    server.stopAnswer = load.stopAnswer;
    const listening = listen(codex, load.listeners);

    let handle: TurnHandle | undefined;
    const controller = new AbortController();
    server.next({
      recording: RECORDED.get(load.scenario)!,
      mutations,
      // A detached review's runs on its fork.
      thread: load.scenario === "detached" ? undefined : thread.id,
      pause: load.pause,
      stopAfter: load.stopAfter,
      onDelivered: (index) => {
        if (index === load.abortAt) controller.abort();
        if (handle === undefined) return;
        const { stopBound } = load;
        const bound =
          stopBound === undefined
            ? undefined
            : stopBound === "signal"
              ? { signal: controller.signal }
              : { timeout: stopBound };
        if (index === load.steerAt) {
          const steer =
            load.steerWith === "text"
              ? handle.steer("more", bound)
              : handle.steer(externalMessage("ci", "it failed"), bound);
          track("steer()", steer).catch(() => {});
        }
        if (index === load.interruptAt) {
          track("interrupt()", handle.interrupt(bound)).catch(() => {});
        }
      },
    });
    const options = {
      ...(load.abortAt === undefined ? {} : { signal: controller.signal }),
      ...(load.timeout === undefined ? {} : { timeout: load.timeout }),
    };
    if (load.parallel) {
      server.next({ recording: PLAIN, mutations: [], thread: other.id });
      track("another thread's run()", other.run("meanwhile")).catch(() => {});
    }
    // Its server sends it the recorded turn as it is, once the mutated one has ended.
    if (load.queued) server.next({ recording: PLAIN, mutations: [] });
    if (load.scenario === "goal") {
      track("thread.runGoal()", thread.runGoal("write a haiku", options)).catch(() => {});
    } else if (load.scenario === "compact") {
      // The turns asked for after it (queued, the clean one) wait for it to be over.
      track("thread.compact()", thread.compact(options)).catch(() => {});
    }
    const reviews = load.scenario === "review" || load.scenario === "detached";
    if (load.scenario === "goal" || load.scenario === "compact") {
      // Started above.
    } else if (load.scenario === "revert") {
      track("thread.revert()", thread.revert("turn-0", options)).catch(() => {});
    } else if (load.drive === "run" && !reviews) {
      const output = load.scenario === "output" ? z.object({ city: z.string() }) : undefined;
      track("thread.run()", thread.run("look", { ...options, output })).catch(() => {});
    } else {
      const delivery = load.scenario === "detached" ? "detached" : "inline";
      const start = reviews
        ? thread.review("uncommittedChanges", { ...options, delivery })
        : thread.turn("look", options);
      track("thread.turn()", start).then(
        (turn) => {
          handle = turn;
          const reader = load.drive === "textStream" ? turn.textStream() : turn.stream();
          track(`${load.drive}()`, readUntil(reader, load.leaveAfter)).catch(() => {});
          track("handle.run()", turn.run()).catch(() => {});
        },
        () => {},
      );
    }
    const queued = load.queued ? track("a queued thread.run()", thread.run("next")) : undefined;
    // The program's steer and interrupt that the server does not answer, with no timeout, nor an
    // aborted signal, to end their wait: they wait for the answer, or the connection's end.
    const unanswered = (what: string) =>
      load.stopAnswer === "never" &&
      STOPS.includes(what) &&
      typeof load.stopBound !== "number" &&
      !(load.stopBound === "signal" && controller.signal.aborted);
    // An external message's steer takes the thread until it is answered: the queued turn waits.
    const unbounded = (what: string) =>
      unanswered(what) ||
      (what === "a queued thread.run()" &&
        load.steerWith === "external" &&
        pending().some((other) => other === "steer()" && unanswered(other)));
    const waiting = () => pending().filter((what) => !unbounded(what));
    /** Each call rejected with a CodexError, or as the docs say it may not (see below). */
    const checkRejections = () => {
      for (const { what, state, value } of all) {
        if (state !== "rejected") continue;
        // A CodexError, but a textStream() of a client without the deltas, which says so.
        const deltaless =
          what === "textStream()" && load.events === "results" && value instanceof TypeError;
        // Or the signal's reason, as it is, for a call given up on before its turn started.
        const reason = controller.signal.aborted && value === controller.signal.reason;
        if (!deltaless && !reason) {
          const shown = value instanceof Error ? value.stack : String(value);
          expect(value, `${what} rejects with a CodexError, not ${shown}`).toBeInstanceOf(
            CodexError,
          );
        }
        if (value instanceof RequestTimeoutError) {
          const { stopBound } = load;
          const given = STOPS.includes(what)
            ? typeof stopBound === "number"
              ? stopBound
              : undefined
            : load.timeout;
          expect(given, `${what} timed out, with no timeout`).toBeDefined();
        }
      }
    };
    await server.idle();

    if (load.end === "close") {
      const waiting = all.filter((t) => t.state === "pending");
      server.close();
      // Everything pending rejects at once, as the server is gone; a run given up on (its signal
      // aborted) with the reason it was.
      await runClock(0, () => pending().length === 0);
      for (const { what, state, value } of waiting) {
        const bounded = load.abortAt !== undefined || load.timeout !== undefined;
        const aborted = bounded && value instanceof TurnAbortedError;
        expect(state, `${what} pending as the server ended`).toBe("rejected");
        if (!aborted) expect(value, what).toBeInstanceOf(TransportClosedError);
      }
    } else {
      server.endTurns();
      await runClock(SETTLE_MS, () => waiting().length === 0);
    }
    expect(waiting(), `pending once the server ended (${load.end})`).toEqual([]);
    checkRejections();

    if (load.end === "completion") {
      // The server answers at last what it had not: what waited for it settles.
      server.answerWithheld();
      await runClock(SETTLE_MS, () => pending().length === 0 && !server.delaying);
      expect(pending(), "pending once the server answered all").toEqual([]);
      checkRejections();
      // The connection is still usable: a clean turn on the same thread completes.
      server.next({ recording: PLAIN, mutations: [] });
      const again = track("a clean thread.run()", thread.run("again"));
      await runClock(SETTLE_MS, () => pending().length === 0);
      expect(pending()).toEqual([]);
      const clean = { status: "completed", finalResponse: "Hello" };
      await expect(again).resolves.toMatchObject(clean);
      if (queued !== undefined) {
        // The queued turn takes the thread once the mutated one is over or given up on (its start
        // failed, or aborted), while the mutated script may still play: a completion the SDK
        // cannot read is then the queued turn's, which ends with it when nothing readable follows
        // in time (a pause of the clock).
        const outcome = await queued.catch((err: unknown) => err);
        const tookIt =
          server.unreadableCompletion &&
          outcome instanceof CodexError &&
          outcome.message.includes("turn/completed the SDK cannot read");
        if (!tookIt) expect(outcome).toMatchObject(clean);
      }
      const unanswered = () => [...server.sent.keys()].filter((id) => !server.answers.has(id));
      await runClock(SETTLE_MS, () => unanswered().length === 0);
      expect(unanswered(), "requests the client never answered").toEqual([]);
      // A detached review's fork, a thread of the client's (deleted should its review not start).
      const forks = load.scenario === "detached" ? ["threadHandlers", "threadTools"] : [];
      listening.off();
      const after = (stats: Record<string, number>) =>
        Object.entries(ownTables(stats)).filter(([key]) => !forks.includes(key.slice(11)));
      expect(after(clientStats(codex)), "tables once the turns are over").toEqual(after(tables));
    }

    // Its answers still to come are not sent: the client's end settles what waits for them.
    server.stop();
    const closing = track("codex.close()", codex.close());
    await runClock(SETTLE_MS, () => pending().length === 0);
    expect([...pending(), ...loop.pending()]).toEqual([]);
    await closing;
    checkRejections();
    // Closed by the client, the loop ends; after the server's end it throws why.
    const [{ state, value }] = loop.all as [(typeof loop.all)[number]];
    if (load.end === "completion") expect(state).toBe("fulfilled");
    else expect(value).toBeInstanceOf(TransportClosedError);
    expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(vi.getTimerCount() - lateWaits, "the SDK's timers once closed").toBe(0);
    const extra = [...server.answers].filter(([id, n]) => n > (server.sent.get(id) ?? 0));
    expect(extra, "answers to no request, or more than it was sent").toEqual([]);
    // Whatever the server said, the client sent only what the runtime's schema takes.
    expect(server.malformed, "requests and answers the runtime's schema refuses").toEqual([]);
    // A listener that left is called no more.
    expect(listening.callsAfterLeaving, "calls of listeners that left").toEqual(
      load.listeners.map(() => 0),
    );
    // What the listeners threw is logged, as the docs say; nothing else is.
    const theirs = (args: unknown) =>
      (args as unknown[])[1] instanceof Error &&
      ((args as unknown[])[1] as Error).message === LISTENER_BROKE;
    expect(
      errors.filter((args) => !theirs(args)),
      "what the SDK logged as a bug",
    ).toEqual([]);
    vi.useRealTimers();
    await trap.expectNone();
  } finally {
    vi.useRealTimers();
    trap.dispose();
    await codex.close();
  }
}

describe("the client over a faulty server (property)", () => {
  it("keeps its guarantees whatever the recorded traffic is mutated into", async () => {
    // The traffic as recorded passes, or the harness is wrong.
    for (const scenario of SCENARIOS) {
      await check({ ...CLEAN, scenario }, []);
      await check({ ...CLEAN, scenario, drive: "stream", end: "close", stopAfter: 3 }, []);
    }
    await fc.assert(
      fc.asyncProperty(workload, fc.array(mutation, { minLength: 1, maxLength: 3 }), check),
      {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH === undefined ? {} : { path: PATH }),
      },
    );
  });
});
