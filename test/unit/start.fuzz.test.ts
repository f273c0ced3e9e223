// Property of Codex.start under a faulty server. The start runs over a fake transport in place of
// the app-server's process, and a scripted server answers its `initialize` and, when the start is
// given an `apiKey`, its login (`account/login/start`) with the answers the real runtime gave them
// (test/support/fixtures/call-answers.jsonl, made by scripts/record-call-answers.ts), mutated: a
// value dropped, null, of another type or another string, a huge string, deep nesting, an error of
// odd shape, an error that quotes the key, a result that is no object, the answer sent twice,
// under an id the client never sent or never, the server's exit in its place, a line that is no
// JSON and quotes the key before it, or notifications before it (past the thousand the client
// keeps). Each answer comes a macrotask or a few later; the start may be bounded by `startTimeout`
// or by `startSignal`, which run out a few macrotasks in (on fake timers), and asks for every event
// or results only. Whatever the mutation: Codex.start settles, with a client that works (its
// startup notifications frozen, a thousand at most; a clean call then answered) or rejecting with
// a CodexError (the signal's reason once given up on; TransportClosedError once the server exits;
// RequestTimeoutError naming the request once out of time, and only then), the server then
// stopped; the key is in no error, log line or `util.inspect` of the client; nothing is thrown or
// rejected unhandled, nothing logged as a bug of the SDK; and once closed, the client's tables are
// those of any closed client, with no timer left.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/start.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and FUZZ_PATH
// replay.
import { readFileSync } from "node:fs";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Codex as CodexClass, EventMode, LogLevel } from "../../src/index.js";
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
import { tracker } from "../support/tracker.js";
import { clientRequestCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const { Codex, CodexError, RequestTimeoutError, TransportClosedError } =
  await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
// Loaded on the first login: loaded here, that takes no I/O in a run.
await import("../../src/login-flows.js");

/** Whether params conform to the runtime's own schema of their request. */
const conforms = clientRequestCheck();
const SEED = Number(process.env.FUZZ_SEED ?? 7_919);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const PATH = process.env.FUZZ_PATH;

/** The key a start logs in with, which nothing the client shows may hold. */
const KEY = "sk-fuzz-4d1c9e7a2b6f08135c7e9a2d";
/** How much of the key, cut, still tells it. */
const KEY_HEAD = KEY.slice(0, KEY.length / 2);

/** For each method the start sends, its answer as the runtime gave it. */
const RECORDED: ReadonlyMap<string, Wire> = (() => {
  const text = readFileSync(new URL("../support/fixtures/call-answers.jsonl", import.meta.url));
  const out = new Map<string, Wire>();
  for (const line of text.toString("utf8").split("\n").filter(Boolean)) {
    const { call, method, ...answer } = JSON.parse(line) as Wire & { call: string; method: string };
    if (call === "initialize" || call === "loginApiKey" || call === "models") {
      out.set(method, answer);
    }
  }
  return out;
})();
/** The requests of a start, in order: those a mutation aims at. */
const START = ["initialize", "account/login/start"];

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const MUTATIONS = [
  ...VALUE_MUTATIONS,
  "oddError",
  "echo",
  "notObject",
  "twice",
  "stray",
  "silent",
  "exit",
  "garbage",
  "flood",
] as const;

/** A mutation of the answer to the start's request `at` (modulo their number). */
type Mutation = WireMutation<(typeof MUTATIONS)[number]>;

/** The fields the SDK reads of the answers, which value mutations aim at more often. */
const READ: ReadonlySet<string | number> = new Set([
  ...["userAgent", "codexHome", "platformFamily", "platformOs", "type", "code", "message"],
]);
const STRINGS = ["", "unix", "windows", "apiKey", "chatgpt", KEY];
const NOT_OBJECTS: readonly unknown[] = [[], "ok", null, 0, false, undefined];
/** How many notifications a flood sends before the answer. */
const FLOODS = [1, 20, 1_200];

/** An error answer that quotes the key, as a server that echoes what it refused might. */
const echoed = (to: number): Wire =>
  [
    { error: { code: -32600, message: `invalid api key: ${KEY}` } },
    { error: { code: -32603, message: "refused", data: { apiKey: KEY, seen: [`key=${KEY}`] } } },
    { error: { code: -32600, message: JSON.stringify({ request: { apiKey: KEY } }) } },
  ][to % 3]!;

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** Plays the app-server: answers each request with its recorded answer, mutated as the run says. */
class StartServer {
  /** How many answers are on their way. */
  busy = 0;
  /** Whether an answer the client waits for was withheld (sent under another id, or never). */
  withheld = false;
  /** The requests the client sent that the runtime's schema refuses. */
  readonly malformed: string[] = [];
  private requests = 0;
  private exited = false;

  constructor(
    private readonly transport: ServedTransport,
    private readonly mutation: Mutation | undefined,
    private readonly delay: number,
  ) {
    transport.onSend = (message) => this.receive(message);
    // Sent as the start was called.
    for (const message of transport.sent) this.receive(message);
  }

  private receive({ id, method, params }: Wire): void {
    // The `initialized` notification.
    if (typeof method !== "string" || id === undefined) return;
    const why = conforms(method, params);
    if (why !== undefined) this.malformed.push(`${method}: ${why}`);
    const index = START.indexOf(method) >= 0 ? START.indexOf(method) : START.length + this.requests;
    this.requests++;
    this.busy++;
    void (async () => {
      for (let i = 0; i <= this.delay; i++) await nextMacrotask();
      this.busy--;
      this.answer(id, method, index);
    })();
  }

  private answer(id: unknown, method: string, index: number): void {
    if (this.exited) return;
    const recorded = RECORDED.get(method);
    const reply: Wire = structuredClone(
      recorded ?? { error: { code: -32601, message: `not in the script: ${method}` } },
    );
    const mutation = this.mutation;
    if (mutation === undefined || mutation.at % START.length !== index) return this.send(reply, id);
    const { kind, path, to } = mutation;
    switch (kind) {
      case "oddError":
        return this.send(oddError(to), id);
      case "echo":
        return this.send(echoed(to), id);
      case "notObject":
        return this.send({ result: NOT_OBJECTS[to % NOT_OBJECTS.length] }, id);
      case "twice":
        this.send(reply, id);
        return this.send(reply, id);
      case "stray":
        this.withheld = true;
        return this.send(reply, 900_000 + to);
      case "silent":
        this.withheld = true;
        return;
      case "exit":
        this.exited = true;
        return this.transport.end();
      case "garbage":
        this.transport.line(`{"the server broke": ${KEY}`);
        return this.send(reply, id);
      case "flood":
        for (let i = 0; i < FLOODS[to % FLOODS.length]!; i++) {
          this.send({
            method: "configWarning",
            params: { summary: `warning ${i}`, details: null },
          });
        }
        return this.send(reply, id);
      default:
        mutateValue(reply.error ?? reply.result, kind satisfies ValueMutation, path, to, {
          read: READ,
          strings: STRINGS,
        });
        return this.send(reply, id);
    }
  }

  private send(message: Wire, id?: unknown): void {
    this.transport.line(lineOf(id === undefined ? message : { ...message, id }));
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** One start. */
interface Run {
  readonly mutation: Mutation | undefined;
  readonly apiKey: boolean;
  readonly events: EventMode;
  /** How many macrotasks the server takes to answer each request. */
  readonly delay: number;
  /** What bounds the start, and after how many macrotasks it runs out. */
  readonly bound: { readonly by: "timeout" | "signal"; readonly after: number } | undefined;
}

const run: fc.Arbitrary<Run> = fc.record({
  mutation: fc.option(mutations(MUTATIONS, 1), { nil: undefined, freq: 5 }),
  apiKey: fc.boolean(),
  events: fc.constantFrom("all", "results"),
  delay: fc.nat(2),
  bound: fc.option(fc.record({ by: fc.constantFrom("timeout", "signal"), after: fc.nat(6) }), {
    nil: undefined,
    freq: 3,
  }),
});

/** `startTimeout` when a run gives one, and the start's own default, in fake milliseconds. */
const TIMEOUT_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 60_000;

/** The reason a start's signal aborts with. */
class GivenUp extends Error {}

const { closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  RECORDED.get("initialize")!.result,
);

/** Lets the client's work run until `done()`, or until no answer is on its way for a while. */
async function settle(server: StartServer | undefined, done: () => boolean): Promise<void> {
  let quiet = 0;
  for (let turn = 0; turn < 10_000 && !done() && quiet < 3; turn++) {
    await nextMacrotask();
    quiet = (server?.busy ?? 0) > 0 ? 0 : quiet + 1;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

/** One run: a start through the mutated answers, then the checks. */
async function check({ mutation, apiKey, events, delay, bound }: Run): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
  const entries: Array<{ level: LogLevel; args: unknown[] }> = [];
  const log =
    (level: LogLevel) =>
    (...args: unknown[]) =>
      void entries.push({ level, args });
  const logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  const controller = new AbortController();
  const { all, track, pending } = tracker();
  const made = transports.length;
  let codex: CodexClass | undefined;
  try {
    const starting = track(
      "Codex.start()",
      Codex.start({
        // No process is spawned: the fake transport stands in for it.
        codexBin: process.execPath,
        logger,
        logLevel: "debug",
        events,
        ...(apiKey ? { apiKey: KEY } : {}),
        ...(bound?.by === "timeout" ? { startTimeout: TIMEOUT_MS } : {}),
        ...(bound?.by === "signal" ? { startSignal: controller.signal } : {}),
      }),
    );
    starting.catch(() => {});
    expect(transports.length, "a transport made at once").toBe(made + 1);
    const transport = transports.at(-1)!;
    const server = new StartServer(transport, mutation, delay);
    if (bound !== undefined) {
      let left = bound.after;
      await settle(server, () => pending().length === 0 || left-- <= 0);
      if (bound.by === "timeout") vi.advanceTimersByTime(TIMEOUT_MS);
      else controller.abort(new GivenUp("given up"));
    }
    await settle(server, () => pending().length === 0);
    // A start that waits on an answer that never comes ends with its default bound.
    const waited = pending().length > 0;
    if (waited) {
      expect(server.withheld, "a start waiting with every answer sent").toBe(true);
      vi.advanceTimersByTime(DEFAULT_TIMEOUT_MS);
      await settle(server, () => pending().length === 0);
    }
    expect(pending(), "pending once every bound ran out").toEqual([]);

    const [{ state, value }] = all as [(typeof all)[number]];
    if (state === "fulfilled") {
      codex = value as CodexClass;
      const notifications = codex.startupNotifications;
      expect(Object.isFrozen(notifications), "the startup notifications frozen").toBe(true);
      expect(notifications.length).toBeLessThanOrEqual(1_000);
      // The client works: a clean call is answered.
      const models = track("a clean models()", codex.models());
      await settle(server, () => pending().length === 0);
      await expect(models).resolves.toEqual(RECORDED.get("model/list")!.result);
    } else {
      const why = value instanceof Error ? value.stack : String(value);
      if (!(value instanceof GivenUp)) {
        expect(value, `the start rejects with a CodexError, not ${why}`).toBeInstanceOf(CodexError);
      }
      if (value instanceof GivenUp) expect(bound?.by, "given up on, unasked").toBe("signal");
      if (value instanceof RequestTimeoutError) {
        expect(bound?.by === "timeout" || waited, `out of time, unbounded: ${why}`).toBe(true);
        expect(START).toContain(value.method);
      }
      if (mutation?.kind === "exit" && !(value instanceof GivenUp)) {
        // Unless a bound ran out first.
        if (!(value instanceof RequestTimeoutError)) {
          expect(value, "the server exited").toBeInstanceOf(TransportClosedError);
        }
      }
      expect(transport.closedCalls, "the server stopped once the start failed").toBeGreaterThan(0);
    }

    expect(server.malformed, "requests the runtime's schema refuses").toEqual([]);
    const bugs = entries.filter((e) => e.level === "error");
    expect(bugs, "what the SDK logged as a bug").toEqual([]);
    await codex?.close();
    const shown = [
      ...entries.map((e) => inspect(e.args, { depth: 10 })),
      inspect(value, { depth: 10 }),
      ...(value instanceof Error ? [String(value.stack)] : []),
      inspect(codex, { depth: 10 }),
    ];
    // The key is the client's secret when it logs in with it (else a server may quote it).
    if (apiKey) {
      for (const text of shown) expect(text, "what the client shows").not.toContain(KEY_HEAD);
    }
    if (codex !== undefined) expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(vi.getTimerCount(), "timers once over").toBe(0);
    await trap.expectNone();
  } finally {
    vi.useRealTimers();
    trap.dispose();
    await codex?.close();
  }
}

describe("Codex.start over a faulty server (property)", () => {
  it(
    "keeps its guarantees whatever the recorded answers are mutated into",
    async () => {
      // The answers as recorded start a client, or the harness is wrong.
      for (const apiKey of [false, true]) {
        await check({ mutation: undefined, apiKey, events: "all", delay: 0, bound: undefined });
      }
      await fc.assert(fc.asyncProperty(run, check), {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    },
    30_000 + RUNS * 20,
  );
});
