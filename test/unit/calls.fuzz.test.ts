// Property of the client's calls under a faulty server. A real Codex runs over a fake transport,
// and a scripted server answers each request with the answer the real runtime gave it (every public
// call but turns, made once with the mock model: the account, its rate limits and usage, which the
// runtime refuses offline, the models, skills, MCP servers (and the OAuth login of one, with the
// completion it waits for, which the server sends right after its answer) and loaded threads, a
// thread's start, fork (also before a turn, and before an inline review, which the runtime refuses
// and the SDK looks up in the thread's turns to fork before the turn it ran in), resume, archive,
// unarchive, delete and unsubscribe, the thread list, a thread's read, turns and items (one page,
// and every page through the iterables), those of a thread without a turn yet, which the SDK
// checks, its name, its goal read, set, its status changed and cleared, the config read and
// written, a command run, an API key's login, a browser login started and cancelled, a device-code
// login, which the runtime refuses offline, ChatGPT tokens refused, and a logout:
// test/support/fixtures/call-answers.jsonl, made by scripts/record-call-answers.ts), mutated: a
// field dropped, null, of another type or another string, a huge string, deep nesting, an error of
// odd shape (null, a string, a code that is no number, huge data, the runtime's "not supported
// yet"; one quoting the secrets the calls give), a result that is no object, the answer sent twice,
// sent under the id of another waiting request (which gets this one's), or never sent (the
// connection then closes), page cursors that come round again (A, B, A). A run is one to four
// calls, some made at once, each answered a macrotask or a few later, some given up on through
// their signal a few macrotasks in, some bounded by a timeout whose time passes in two halves a few
// macrotasks apart (on fake timers: a list's later pages get what is left of it). Whatever the
// mutation, the guarantees of docs/guarantees.md hold: no uncaught exception or unhandled
// rejection, nothing the SDK logs as a bug of its own, every call settles (resolves, with what it
// says where the SDK checks the answer: a page, a thread, a goal, a command's exit; or rejects with
// a CodexError, never a TypeError of reading the answer; at once with TransportClosedError when the
// connection closes; given up on, with its signal's reason; out of time, with a RequestTimeoutError
// naming the method, or a command's CommandAbortedError caused by its timeout, and only then), a
// list loop ends (a cursor seen again ends it with a CodexError naming the method), a thread or a
// browser login whose start was given up on or timed out is deleted or cancelled once its answer
// comes, a call whose answers are as recorded settles as it does alone, a call's secret (an API
// key, an access token) is in nothing it rejects with nor in the client's `util.inspect`, a clean
// call then works, the client's tables come back to their size after the run and once it is closed,
// and no timer of the SDK is left once it is. client.fuzz does the same for turns.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/calls.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and FUZZ_PATH
// replay.
import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { Codex as CodexClass, RequestOptions } from "../../src/index.js";
import { fakeStdio } from "../support/fake-stdio.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import {
  ServedTransport,
  VALUE_MUTATIONS,
  lineOf,
  mutateValue,
  mutations,
  oddError,
  propertyClients,
  type Mutation as WireMutation,
  type ValueMutation,
  type Wire,
} from "../support/fuzz-wire.js";
import { drain, tracker } from "../support/tracker.js";
import { clientRequestCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const { Codex, CodexError, RequestTimeoutError, TransportClosedError } =
  await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
// The SDK loads what some calls need on first use: loaded here, that takes no I/O in a run, where
// the server would take the call for one that waits on nothing.
await import("../../src/login-flows.js");
await import("../../src/skills.js");
await import("../../src/command-run.js");

const SEED = Number(process.env.FUZZ_SEED ?? 7_919);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const PATH = process.env.FUZZ_PATH;

// ---------------------------------------------------------------------------------------------
// The recording
// ---------------------------------------------------------------------------------------------

/** The answer to one request a call sent, as recorded. */
interface Answer {
  readonly method: string;
  readonly result?: unknown;
  readonly error?: unknown;
}

/** A notification a call waits for, as recorded. */
interface Notified {
  readonly notification: string;
  readonly params: Wire;
}

/** For each call, the answers to the requests it sent, in order, and what it waited for. */
const [RECORDED, NOTIFIED] = (() => {
  const text = readFileSync(new URL("../support/fixtures/call-answers.jsonl", import.meta.url));
  const answers = new Map<string, Answer[]>();
  const notified = new Map<string, Notified>();
  for (const line of text.toString("utf8").split("\n").filter(Boolean)) {
    const { call, ...entry } = JSON.parse(line) as (Answer | Notified) & { call: string };
    if ("notification" in entry) notified.set(call, entry);
    else answers.set(call, [...(answers.get(call) ?? []), entry]);
  }
  return [answers as ReadonlyMap<string, readonly Answer[]>, notified] as const;
})();

/**
 * What the server sends once it has answered a request of a method: the completion of an MCP
 * server's login (as the browser came back at once), naming the login its answer named.
 */
const FOLLOWS = new Map<string, (reply: Wire) => Wire>([
  [
    "mcpServer/oauth/login",
    (reply) => {
      const { notification, params } = NOTIFIED.get("mcpLogin")!;
      const loginId = (reply.result as Wire | undefined)?.loginId;
      return {
        method: notification,
        params: typeof loginId === "string" ? { ...params, loginId } : params,
      };
    },
  ],
]);

/** What `call`'s answer number `index` says of the thread it names. */
const threadOf = (call: string, index = 0): string =>
  (RECORDED.get(call)![index]!.result as { thread: { id: string } }).thread.id;

/** The thread with turns, its fork, another thread with a turn, and one without a turn. */
const MAIN = threadOf("threadStart");
const FORK = threadOf("threadFork");
const OTHER = threadOf("threadResume");
const TURNLESS = threadOf("readTurnless", 1);
/** The thread with an inline review, and the review's id, as the review's turns name it. */
const REVIEWED = (RECORDED.get("threadForkReview")!.at(-1)!.result as { thread: Wire }).thread
  .forkedFromId as string;
const REVIEW = (
  RECORDED.get("threadForkReview")![1]!.result as {
    data: Array<{ id: string; rootTurnId: string }>;
  }
).data.find((turn) => turn.rootTurnId !== turn.id)!.rootTurnId;
/** The browser login the recording started. */
const LOGIN = (RECORDED.get("loginChatgpt")![0]!.result as { loginId: string }).loginId;

/** For each method, the first answer recorded: what a request no call's script holds gets. */
const ANSWERING = new Map<string, Answer>();
for (const answers of RECORDED.values()) {
  for (const answer of answers)
    if (!ANSWERING.has(answer.method)) ANSWERING.set(answer.method, answer);
}

/** The secrets the calls give the server, which it may quote back ("echo"). */
const SECRETS = {
  loginApiKey: "sk-mock-not-a-real-key",
  loginChatgptAuthTokens: "not-a-jwt-access-token",
} as const;
const isSecretCall = (call: string): call is keyof typeof SECRETS => call in SECRETS;

/** Whether params conform to the runtime's own schema of their request. */
const conforms = clientRequestCheck();

/** Past this many elements, a list loop is one that never ends. */
const MAX_ELEMENTS = 1_000;

/** Each call, made as the recording made it, with `o` (a signal, or nothing) as its options. */
const CALLS = {
  threadStart: (codex, o) => codex.threadStart({ cwd: "/work", ...o }),
  account: (codex, o) => codex.account(o),
  rateLimits: (codex, o) => codex.rateLimits(o),
  usage: (codex, o) => codex.usage(o),
  models: (codex, o) => codex.models(o),
  skills: (codex, o) => codex.skills({ cwds: ["/work"], ...o }),
  mcpServers: (codex, o) => codex.mcpServers(o),
  mcpLogin: async (codex, o) => (await codex.mcpLogin("docs", o)).wait(o),
  loadedThreads: (codex, o) => codex.loadedThreads(o),
  threadList: (codex, o) => codex.threadList({ limit: 1, ...o }),
  threads: (codex, o) => drain(codex.threads({ limit: 1, ...o }), MAX_ELEMENTS),
  read: (codex, o) => codex.thread(MAIN).read({ includeTurns: true, ...o }),
  turnList: (codex, o) => codex.thread(MAIN).turnList(o),
  turns: (codex, o) => drain(codex.thread(MAIN).turns({ limit: 1, ...o }), MAX_ELEMENTS),
  itemList: (codex, o) => codex.thread(MAIN).itemList(o),
  items: (codex, o) => drain(codex.thread(MAIN).items({ limit: 2, ...o }), MAX_ELEMENTS),
  readTurnless: (codex, o) => codex.thread(TURNLESS).read({ includeTurns: true, ...o }),
  turnListTurnless: (codex, o) => codex.thread(TURNLESS).turnList(o),
  itemListTurnless: (codex, o) => codex.thread(TURNLESS).itemList(o),
  setName: (codex, o) => codex.thread(MAIN).setName("fuzzed", o),
  setGoal: (codex, o) => codex.thread(MAIN).setGoal("tidy the docs", { status: "paused", ...o }),
  goal: (codex, o) => codex.thread(MAIN).goal(o),
  setGoalStatus: (codex, o) => codex.thread(MAIN).setGoalStatus("blocked", o),
  clearGoal: (codex, o) => codex.thread(MAIN).clearGoal(o),
  threadFork: (codex, o) => codex.threadFork(MAIN, o),
  unsubscribe: (codex, o) => codex.thread(FORK).unsubscribe(o),
  // Before the main thread's second turn (its id is the server's to check).
  threadForkBefore: (codex, o) => codex.threadFork(MAIN, { beforeTurnId: "turn-2", ...o }),
  threadForkReview: (codex, o) => codex.threadFork(REVIEWED, { beforeTurnId: REVIEW, ...o }),
  threadArchive: (codex, o) => codex.threadArchive(OTHER, o),
  threadUnarchive: (codex, o) => codex.threadUnarchive(OTHER, o),
  threadResume: (codex, o) => codex.threadResume(OTHER, o),
  threadDelete: (codex, o) => codex.threadDelete(OTHER, o),
  configRead: (codex, o) => codex.config.read(o),
  configWrite: (codex, o) => codex.config.write("hide_agent_reasoning", true, o),
  configBatchWrite: (codex, o) =>
    codex.config.batchWrite(
      [
        { keyPath: "hide_agent_reasoning", value: false },
        { keyPath: "show_raw_agent_reasoning", value: false },
      ],
      o,
    ),
  exec: async (codex, o) => (await codex.exec(["echo", "hi"], o)).wait(),
  loginApiKey: (codex, o) => codex.loginApiKey(SECRETS.loginApiKey, o),
  loginChatgpt: async (codex, o) => (await codex.loginChatgpt(o)).cancel(),
  loginChatgptDeviceCode: async (codex, o) => (await codex.loginChatgptDeviceCode(o)).cancel(),
  loginChatgptAuthTokens: (codex, o) =>
    codex.loginChatgptAuthTokens(
      { accessToken: SECRETS.loginChatgptAuthTokens, chatgptAccountId: "acct-fuzz" },
      o,
    ),
  logout: (codex, o) => codex.logout(o),
} satisfies Record<string, (codex: CodexClass, o: RequestOptions) => Promise<unknown>>;
type CallName = keyof typeof CALLS;
const CALL_NAMES = Object.keys(CALLS) as CallName[];

/**
 * What a call given up on before its answer sends once the answer comes: a thread started or
 * forked is deleted, a browser login cancelled (its callback listener would run on).
 */
const CLEANUP: Partial<Record<CallName, { method: string; of: (params: unknown) => boolean }>> = {
  threadStart: { method: "thread/delete", of: (p) => (p as Wire).threadId === MAIN },
  threadFork: { method: "thread/delete", of: (p) => (p as Wire).threadId === FORK },
  threadForkBefore: {
    method: "thread/delete",
    of: (p) => (p as Wire).threadId === threadOf("threadForkBefore"),
  },
  loginChatgpt: { method: "account/login/cancel", of: (p) => (p as Wire).loginId === LOGIN },
};

/** The calls that read every page of a list, and the request of each page. */
const LISTS: Partial<Record<CallName, string>> = {
  threads: "thread/list",
  turns: "thread/turns/list",
  items: "thread/items/list",
  mcpServers: "mcpServerStatus/list",
  loadedThreads: "thread/loaded/list",
};

const isObject = (value: unknown): value is Wire => typeof value === "object" && value !== null;
const isString = (value: unknown): value is string => typeof value === "string";
const isPage = (value: unknown) =>
  isObject(value) &&
  Array.isArray(value.data) &&
  (value.nextCursor == null || typeof value.nextCursor === "string");
const isThread = (value: unknown) => isObject(value) && isString(value.id) && value.id !== "";
const isGoal = (value: unknown) => isObject(value) && isString(value.status) && value.status !== "";

/**
 * What the calls whose answers the SDK checks resolve with, whatever the server said (anything
 * else rejects with a CodexError): a page, a thread, a goal, a command's exit.
 */
const RESOLVES: Partial<Record<CallName, (value: unknown) => boolean>> = {
  threadStart: isThread,
  threadFork: isThread,
  threadForkBefore: isThread,
  threadForkReview: isThread,
  threadResume: isThread,
  threadUnarchive: isThread,
  threadList: isPage,
  turnList: isPage,
  itemList: isPage,
  turnListTurnless: isPage,
  itemListTurnless: isPage,
  loadedThreads: (value) => Array.isArray(value) && value.every(isString),
  mcpLogin: (value) =>
    isObject(value) && value.name === "docs" && typeof value.success === "boolean",
  goal: (value) => value === null || isGoal(value),
  setGoal: isGoal,
  setGoalStatus: isGoal,
  clearGoal: (value) => typeof value === "boolean",
  exec: (value) =>
    isObject(value) &&
    Number.isInteger(value.exitCode) &&
    isString(value.stdout) &&
    isString(value.stderr),
};

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const MUTATIONS = [
  ...VALUE_MUTATIONS,
  "oddError",
  "notObject",
  "twice",
  "crossed",
  "silent",
  "cursorCycle",
  "echo",
] as const;

/**
 * A mutation of one call's answers: `at` picks the answer (modulo their number), `path` a value in
 * it, `to` what it becomes. `cursorCycle` changes every answer of the call.
 */
type Mutation = WireMutation<(typeof MUTATIONS)[number]>;

const mutation = mutations(MUTATIONS, 20);

/** The fields the SDK reads of the answers, which value mutations aim at more often. */
const READ: ReadonlySet<string | number> = new Set([
  ...["thread", "id", "status", "type", "preview", "ephemeral", "data", "nextCursor", "goal"],
  ...["cleared", "exitCode", "stdout", "stderr", "config", "layers", "disabledReason", "skills"],
  ...["interface", "shortDescription", "dependencies", "cli_auth_credentials_store", "code"],
  ...["message", "error", "account", "sandbox"],
]);
/** Strings the protocol gives meaning to, for `otherString`. */
const STRINGS = ["", "active", "idle", "notLoaded", "ephemeral", "apiKey", MAIN, OTHER];

/** Results that are no object, and none at all. */
const NOT_OBJECTS: readonly unknown[] = [[], "ok", null, 0, false, [{}], undefined];
/** The page cursors of `cursorCycle`, in turn. */
const CYCLE = ["A", "B"];

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** One call of a run, as the server answers it. */
interface Running {
  readonly script: readonly Answer[];
  readonly mutation: Mutation | undefined;
  /** How many macrotasks each answer takes. */
  readonly delay: number;
  /** How many requests of it were answered from its script, and how many pages it was given. */
  next: number;
  pages: number;
}

/** What the server sends for one request: its reply (none, if it never answers), and how. */
interface Planned {
  readonly id: unknown;
  readonly method: string;
  readonly reply: Wire | undefined;
  readonly twice: boolean;
  readonly crossed: boolean;
}

/** The call each request is sent for: the one in whose async context the client sends it. */
const calls = new AsyncLocalStorage<Running>();

/** More requests than this in one run is a loop that would not end. */
const MAX_REQUESTS = 200;
/** An id the client never sent, for an answer to no request. */
const STRAY_ID = 900_000;

/**
 * Plays the app-server: answers each request with the answer recorded for the call that sent it
 * (the next of its script; a page asked for past its script gets its last page again), mutated as
 * the call's mutation says; a request no call's script holds gets the first answer recorded for
 * its method, as it is.
 */
class CallServer {
  /** How many requests it received. */
  requests = 0;
  /** The ids of the requests it never answers. */
  readonly withheld: unknown[] = [];
  /** How many answers are on their way. */
  busy = 0;
  /** The requests it received, in order. */
  readonly received: Wire[] = [];
  private readonly waiting: Planned[] = [];
  private closed = false;

  constructor(private readonly transport: ServedTransport) {
    transport.onSend = (message) => this.receive(message);
  }

  /**
   * Makes `call` (named as recorded) with `mutation`, answering what it sends after `delay`
   * macrotasks.
   */
  run<T>(name: string, call: () => Promise<T>, mutation?: Mutation, delay = 0): Promise<T> {
    const running: Running = { script: RECORDED.get(name)!, mutation, delay, next: 0, pages: 0 };
    return calls.run(running, call);
  }

  private receive(message: Wire): void {
    const { id, method } = message;
    // The `initialized` notification.
    if (typeof method !== "string" || id === undefined) return;
    if (++this.requests > MAX_REQUESTS) return void this.withheld.push(id);
    this.received.push(message);
    const running = calls.getStore();
    const planned = { id, method, ...this.plan(running, method) };
    this.waiting.push(planned);
    this.busy++;
    void (async () => {
      for (let i = 0; i <= (running?.delay ?? 0); i++) await nextMacrotask();
      this.busy--;
      this.answer(planned);
    })();
  }

  private plan(running: Running | undefined, method: string): Omit<Planned, "id" | "method"> {
    const clean = { twice: false, crossed: false };
    const script = running?.script ?? [];
    let index = -1;
    let answer: Answer | undefined;
    if (running !== undefined && script[running.next]?.method === method) {
      answer = script[(index = running.next++)];
    } else if (running !== undefined && running.next >= script.length) {
      // A page past the script: the last one again.
      answer = script.filter((a) => a.method === method).at(-1);
      if (answer !== undefined) index = running.next++;
    }
    if (answer === undefined) {
      const recorded = ANSWERING.get(method);
      const reply =
        recorded === undefined
          ? { error: { code: -32601, message: `not in the script: ${method}` } }
          : replyOf(recorded);
      return { reply, ...clean };
    }
    const reply = replyOf(answer);
    const mutation = running!.mutation;
    if (mutation === undefined) return { reply, ...clean };
    const { kind, path, to } = mutation;
    if (kind === "cursorCycle") {
      const result = reply.result as Wire | undefined;
      if (typeof result === "object" && result !== null) {
        result.nextCursor = CYCLE[running!.pages++ % CYCLE.length];
      }
      return { reply, ...clean };
    }
    if (index !== mutation.at % script.length) return { reply, ...clean };
    switch (kind) {
      case "echo": {
        const all = Object.values(SECRETS);
        const data = { seen: all, escaped: JSON.stringify({ all }) };
        return {
          reply: { error: { code: -32600, message: `refused ${all.join(" ")}`, data } },
          ...clean,
        };
      }
      case "oddError":
        return { reply: oddError(to), ...clean };
      case "notObject":
        return { reply: { result: NOT_OBJECTS[to % NOT_OBJECTS.length] }, ...clean };
      case "silent":
        return { reply: undefined, ...clean };
      case "twice":
        return { reply, twice: true, crossed: false };
      case "crossed":
        return { reply, twice: false, crossed: true };
      default: {
        const root = reply.error ?? reply.result;
        mutateValue(root, kind satisfies ValueMutation, path, to, { read: READ, strings: STRINGS });
        return { reply, ...clean };
      }
    }
  }

  private answer(planned: Planned): void {
    const at = this.waiting.indexOf(planned);
    // Sent already, under another's id.
    if (at < 0 || this.closed) return;
    this.waiting.splice(at, 1);
    if (planned.reply === undefined) return void this.withheld.push(planned.id);
    let id = planned.id;
    if (planned.crossed) {
      // Under the id of another request still waiting, which gets this one's place; else to no
      // request, before its own.
      const other = this.waiting.shift();
      if (other === undefined) this.send({ ...planned.reply, id: STRAY_ID });
      else {
        id = other.id;
        if (other.reply === undefined) this.withheld.push(planned.id);
        else this.send({ ...other.reply, id: planned.id });
      }
    }
    this.send({ ...planned.reply, id });
    if (planned.twice) this.send({ ...planned.reply, id });
    const follow = FOLLOWS.get(planned.method);
    if (follow !== undefined) this.send(follow(planned.reply));
  }

  private send(message: Wire): void {
    this.transport.line(lineOf(message));
  }

  /** Ends the connection, as an app-server that exits. */
  close(): void {
    this.closed = true;
    this.transport.end();
  }
}

/** A recorded answer as a reply, a copy of its own. */
function replyOf(answer: Answer): Wire {
  return structuredClone(
    answer.error === undefined ? { result: answer.result } : { error: answer.error },
  );
}

/**
 * Lets the client's work run until `done()`, or until the server has had no answer on its way
 * for a few macrotasks (what is still pending then waits on an answer that never comes).
 */
async function settle(server: CallServer, done: () => boolean): Promise<void> {
  let quiet = 0;
  for (let turn = 0; turn < 10_000 && !done() && quiet < 3; turn++) {
    await nextMacrotask();
    quiet = server.busy > 0 ? 0 : quiet + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** One call of a run. */
interface Step {
  readonly call: CallName;
  readonly mutation: Mutation | undefined;
  /** Made at once with the step before, instead of once the calls before have settled. */
  readonly together: boolean;
  /** How many macrotasks the server takes to answer each of its requests. */
  readonly delay: number;
  /** After how many macrotasks the call's signal aborts, if it has one. */
  readonly abortAfter: number | undefined;
  /**
   * If the call has a timeout: after how many macrotasks half its time passes, and after how many
   * more the other half.
   */
  readonly timeoutAfter: readonly [number, number] | undefined;
}

const step: fc.Arbitrary<Step> = fc.record({
  call: fc.constantFrom(...CALL_NAMES),
  mutation: fc.option(mutation, { nil: undefined, freq: 4 }),
  together: fc.boolean(),
  delay: fc.nat(2),
  abortAfter: fc.option(fc.nat(4), { nil: undefined, freq: 3 }),
  timeoutAfter: fc.option(fc.tuple(fc.nat(4), fc.nat(4)), { nil: undefined, freq: 3 }),
});

/** The timeout of a call that has one, in fake milliseconds. */
const TIMEOUT_MS = 1_000;

const { start: startCodex, closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  RECORDED.get("initialize")![0]!.result,
);

/** The reason a call's signal aborts with. */
class GivenUp extends Error {}

/**
 * Whether `value` is how a call given up on rejects: with its signal's reason, as it is (a
 * command, once it has exited or the connection has ended, with a CommandAbortedError caused by
 * it).
 */
const givenUp = (value: unknown): boolean =>
  value instanceof GivenUp || (value instanceof CodexError && value.cause instanceof GivenUp);

/**
 * Whether `value` is how a call out of time rejects: with a RequestTimeoutError naming a method
 * (a command with a CommandAbortedError caused by its timeout).
 */
const timedOut = (value: unknown): boolean =>
  (value instanceof RequestTimeoutError &&
    typeof value.method === "string" &&
    value.timeoutMs <= TIMEOUT_MS) ||
  (value instanceof CodexError &&
    value.cause instanceof DOMException &&
    value.cause.name === "TimeoutError");

/** Lets `macrotasks` macrotasks run. */
async function macrotasks(count: number): Promise<void> {
  for (let i = 0; i <= count; i++) await nextMacrotask();
}

/** Aborts `controller` after `count` macrotasks, with a {@link GivenUp}. */
async function abortLater(controller: AbortController, count: number): Promise<void> {
  await macrotasks(count);
  controller.abort(new GivenUp("given up"));
}

/** Lets a timeout's time pass: half of it after `first` macrotasks, the rest `second` later. */
async function timeLater([first, second]: readonly [number, number]): Promise<void> {
  await macrotasks(first);
  vi.advanceTimersByTime(TIMEOUT_MS / 2);
  await macrotasks(second);
  vi.advanceTimersByTime(TIMEOUT_MS / 2);
}

/** How a call settles alone, its answers as recorded: rejected if the last is an error. */
const alone = (call: CallName) =>
  RECORDED.get(call)!.at(-1)!.error === undefined ? "fulfilled" : "rejected";

/** One run: the calls of `steps` through the mutated answers, then the checks. */
async function check(steps: readonly Step[]): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  const errors: unknown[] = [];
  const { codex, transport } = await startCodex(errors);
  // Timeouts pass when a step says so; nothing else of the SDK waits on a timer in a run but the
  // waits for a confirmation after giving up, which the run's end cuts short.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
  const server = new CallServer(transport);
  // The login flows keep a tracker of the client's logins from the first call that needs it.
  await server.run("account", () => codex.account());
  const tables = clientStats(codex);
  const { all, track, pending } = tracker();
  const aborts: Array<Promise<void>> = [];
  try {
    for (const [index, s] of steps.entries()) {
      const { call, mutation, together, delay, abortAfter, timeoutAfter } = s;
      if (!together) await settle(server, () => pending().length === 0);
      const options: { -readonly [K in keyof RequestOptions]: RequestOptions[K] } = {};
      if (abortAfter !== undefined) {
        const controller = new AbortController();
        aborts.push(abortLater(controller, abortAfter));
        options.signal = controller.signal;
      }
      if (timeoutAfter !== undefined) {
        aborts.push(timeLater(timeoutAfter));
        options.timeout = TIMEOUT_MS;
      }
      const made = server.run<unknown>(call, () => CALLS[call](codex, options), mutation, delay);
      track(`${call} (step ${index})`, made).catch(() => {});
    }
    await settle(server, () => pending().length === 0);
    await Promise.all(aborts);
    // What the client still sends once its calls are over (the deletion of a thread started by a
    // call given up on) is answered.
    await settle(server, () => false);
    const waiting = all.filter((t) => t.state === "pending");
    const closes = waiting.length > 0;
    if (closes) {
      expect(server.withheld, `${pending().join(", ")} pending, every answer sent`).not.toEqual([]);
      // Everything pending rejects at once, as the server is gone.
      server.close();
      await settle(server, () => pending().length === 0);
      for (const { what, state, value } of waiting) {
        expect(state, `${what} pending as the server ended`).toBe("rejected");
        if (!givenUp(value) && !timedOut(value)) {
          expect(value, what).toBeInstanceOf(TransportClosedError);
        }
      }
    }
    expect(server.requests, "requests in one run").toBeLessThanOrEqual(MAX_REQUESTS);
    // Whatever the server said, the client sent only what the runtime's schema takes.
    const malformed = server.received.flatMap(({ method, params }) => {
      const why = conforms(method as string, params);
      return why === undefined ? [] : [`${String(method)}: ${why}`];
    });
    expect(malformed, "requests the runtime's schema refuses").toEqual([]);

    // A crossed answer reaches another call, which then settles as that answer says.
    const crossed = steps.some((s) => s.mutation?.kind === "crossed");
    for (const [index, { what, state, value }] of all.entries()) {
      const { call, mutation, timeoutAfter } = steps[index]!;
      if (state === "fulfilled") {
        expect(RESOLVES[call]?.(value) ?? true, `${what} resolves with what it says`).toBe(true);
      }
      // A call's secret is in nothing it rejects with, whatever the server quoted back.
      if (state === "rejected" && isSecretCall(call)) {
        const shown = `${inspect(value, { depth: 10 })} ${value instanceof Error ? value.stack : ""}`;
        expect(shown, `${what}, its secret`).not.toContain(SECRETS[call]);
      }
      if (timedOut(value))
        expect(timeoutAfter, `${what} out of time, with no timeout`).toBeDefined();
      if (givenUp(value) || timedOut(value)) {
        // What a call given up on before its answer does once the answer comes, when it did.
        const cleanup = CLEANUP[call];
        if (cleanup !== undefined && mutation === undefined && !crossed && !closes) {
          const sent = server.received.filter((m) => m.method === cleanup.method);
          expect(sent.map((m) => m.params).filter(cleanup.of), `${what}, given up on`).not.toEqual(
            [],
          );
        }
        continue;
      }
      if (state === "rejected" && !(value instanceof CodexError)) {
        const shown = value instanceof Error ? value.stack : String(value);
        expect.fail(`${what} rejects with a CodexError, not ${shown}`);
      }
      if (crossed || value instanceof TransportClosedError) continue;
      if (mutation === undefined) expect(state, `${what}, answered as recorded`).toBe(alone(call));
      const list = LISTS[call];
      if (mutation?.kind === "cursorCycle" && list !== undefined) {
        expect(value, `${what}, its cursors coming round again`).toBeInstanceOf(CodexError);
        expect((value as Error).message).toContain(`${list}: the server returned the same page`);
      }
    }

    if (!closes) {
      // The connection is still usable: a clean call works.
      const models = RECORDED.get("models")![0]!.result;
      const clean = track(
        "a clean models()",
        server.run("models", () => codex.models()),
      );
      await expect(clean).resolves.toEqual(models);
      // A request given up on whose answer never came is still the server's to answer: its entry
      // goes with the answer, or with the connection.
      if (server.withheld.length === 0) {
        expect(
          ownTables(clientStats(codex), steps),
          `tables once ${steps.map((s) => s.call).join(", ")} are over`,
        ).toEqual(ownTables(tables, steps));
      }
    }
    await codex.close();
    expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(vi.getTimerCount(), "timers once closed").toBe(0);
    expect(errors, "what the SDK logged as a bug").toEqual([]);
    for (const { call } of steps) {
      if (isSecretCall(call)) expect(inspect(codex, { depth: 10 })).not.toContain(SECRETS[call]);
    }
    await trap.expectNone();
  } finally {
    vi.useRealTimers();
    trap.dispose();
    await codex.close();
  }
}

/**
 * The tables but for the record of the threads this client unsubscribed from, which the docs say
 * it keeps until the server ends the thread.
 */
function ownTables(stats: Record<string, number>, steps: readonly Step[]): Record<string, number> {
  if (!steps.some((s) => s.call === "unsubscribe")) return stats;
  const { "router.unsubscribed": _unsubscribed, ...rest } = stats;
  return rest;
}

describe("the client's calls over a faulty server (property)", () => {
  it("records every public call but turns", () => {
    expect([...RECORDED.keys()].filter((call) => call !== "initialize")).toEqual(CALL_NAMES);
  });

  it(
    "keeps its guarantees whatever the recorded answers are mutated into",
    async () => {
      // The answers as recorded pass, or the harness is wrong.
      for (const call of CALL_NAMES) {
        await check([
          {
            call,
            mutation: undefined,
            together: false,
            delay: 0,
            abortAfter: undefined,
            timeoutAfter: undefined,
          },
        ]);
      }
      await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), check), {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    },
    // A run takes a few milliseconds: room for the runs asked for.
    30_000 + RUNS * 20,
  );
});
