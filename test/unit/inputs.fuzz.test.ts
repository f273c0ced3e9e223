// Property of the client's public calls given any input. A real Codex runs over a fake transport,
// whose server refuses every request it gets (but a clean `models()` at the end); each run hands
// one to three calls any values in any argument (fast-check's `anything`, with dates, maps, sets,
// typed arrays, big integers, boxed values, null prototypes and sparse arrays, and symbols,
// functions and abort signals), whole or as a field of an options object, under the names the
// options take. Whatever the input: an async call never throws at the call, a sync one throws only
// a TypeError or RangeError; a call that fails on its input does so with a TypeError or RangeError
// of the SDK's own, naming the problem (never one the engine threw reading the input, "Cannot read
// properties of ...", "Do not know how to serialize a BigInt", ...), before anything is sent; what
// is sent conforms to the runtime's own JSON schema of the request (written by the pinned runtime
// as the test starts: test/support/wire-schema.ts), but `codex.request`'s params, which are the
// caller's; any other failure is a CodexError (the server's refusal); every call settles; nothing
// is thrown or rejected unhandled, nothing logged as a bug; a clean call then works, and the
// client's tables and timers come back to those of any closed client once it is closed.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/inputs.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and FUZZ_PATH
// replay.
import { readFileSync } from "node:fs";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Codex as CodexClass, Thread } from "../../src/index.js";
import { fakeStdio } from "../support/fake-stdio.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import { ServedTransport, propertyClients, type Wire } from "../support/fuzz-wire.js";
import * as PARAMS from "../../src/generated/params-keys.js";
import { tracker } from "../support/tracker.js";
import { anyValue } from "../support/odd-values.js";
import { clientRequestCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const { Codex, CodexError } = await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
// Loaded on first use by some calls: loaded here, that takes no I/O in a run.
await import("../../src/login-flows.js");
await import("../../src/skills.js");
await import("../../src/command-run.js");
await import("../../src/goal.js");
await import("../../src/review.js");
await import("../../src/structured-output.js");
await import("../../src/strict-schema.js");

const SEED = Number(process.env.FUZZ_SEED ?? 7_919);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const PATH = process.env.FUZZ_PATH;

/** The runtime's recorded answers to `initialize` and `model/list`. */
const RECORDED = (() => {
  const text = readFileSync(new URL("../support/fixtures/call-answers.jsonl", import.meta.url));
  const out = new Map<string, unknown>();
  for (const line of text.toString("utf8").split("\n").filter(Boolean)) {
    const { method, result } = JSON.parse(line) as { method: string; result?: unknown };
    if (!out.has(method)) out.set(method, result);
  }
  return out;
})();

/** Whether params conform to the runtime's own schema of their request. */
const conforms = clientRequestCheck();
/** The steps whose input goes to the wire as it is: `codex.request`'s params are the caller's. */
const RAW: ReadonlySet<string> = new Set(["requestMethod", "requestParams", "requestOptions"]);

/** A thread id, well formed. */
const ID = "019a0000-0000-7000-8000-000000000000";

/** The public calls, each given `v` in one of its arguments. */
const CALLS = {
  threadStart: ({ codex }, v) => codex.threadStart(v),
  threadResume: ({ codex }, v) => codex.threadResume(ID, v),
  threadResumeId: ({ codex }, v) => codex.threadResume(v),
  threadFork: ({ codex }, v) => codex.threadFork(ID, v),
  threadForkId: ({ codex }, v) => codex.threadFork(v),
  threadArchive: ({ codex }, v) => codex.threadArchive(v),
  threadUnarchive: ({ codex }, v) => codex.threadUnarchive(ID, v),
  threadDelete: ({ codex }, v) => codex.threadDelete(v),
  threadList: ({ codex }, v) => codex.threadList(v),
  threads: ({ codex }, v) => first(codex.threads(v)),
  loadedThreads: ({ codex }, v) => codex.loadedThreads(v),
  models: ({ codex }, v) => codex.models(v),
  skills: ({ codex }, v) => codex.skills(v),
  mcpServers: ({ codex }, v) => codex.mcpServers(v),
  mcpLogin: ({ codex }, v) => codex.mcpLogin("docs", v),
  mcpLoginName: ({ codex }, v) => codex.mcpLogin(v),
  account: ({ codex }, v) => codex.account(v),
  rateLimits: ({ codex }, v) => codex.rateLimits(v),
  usage: ({ codex }, v) => codex.usage(v),
  loginApiKey: ({ codex }, v) => codex.loginApiKey(v),
  loginApiKeyOptions: ({ codex }, v) => codex.loginApiKey("sk-fuzz-0123456789abcdef", v),
  loginChatgpt: ({ codex }, v) => codex.loginChatgpt(v),
  loginChatgptDeviceCode: ({ codex }, v) => codex.loginChatgptDeviceCode(v),
  loginChatgptAuthTokens: ({ codex }, v) => codex.loginChatgptAuthTokens(v),
  logout: ({ codex }, v) => codex.logout(v),
  exec: ({ codex }, v) => codex.exec(v),
  execOptions: ({ codex }, v) => codex.exec(["echo", "hi"], v),
  configRead: ({ codex }, v) => codex.config.read(v),
  configWriteKey: ({ codex }, v) => codex.config.write(v, true),
  configWriteValue: ({ codex }, v) => codex.config.write("model", v),
  configWriteOptions: ({ codex }, v) => codex.config.write("model", "gpt-5", v),
  configBatchWrite: ({ codex }, v) => codex.config.batchWrite(v),
  requestMethod: ({ codex }, v) => anyRequest(codex)(v, {}),
  requestParams: ({ codex }, v) => codex.request("model/list", v),
  requestOptions: ({ codex }, v) => codex.request("model/list", {}, v),
  onMethod: ({ codex }, v) => codex.on(v, () => {}),
  onListener: ({ codex }, v) => codex.on("turn/completed", v),
  thread: ({ codex }, v) => codex.thread(v),
  threadHandlers: ({ codex }, v) => codex.thread(ID, v),
  run: ({ thread }, v) => thread.run(v),
  runOptions: ({ thread }, v) => thread.run("hi", v),
  turn: ({ thread }, v) => thread.turn(v),
  turnOptions: ({ thread }, v) => thread.turn("hi", v),
  review: ({ thread }, v) => thread.review(v),
  reviewOptions: ({ thread }, v) => thread.review("uncommittedChanges", v),
  compact: ({ thread }, v) => thread.compact(v),
  revert: ({ thread }, v) => thread.revert(v),
  revertOptions: ({ thread }, v) => thread.revert("turn-1", v),
  read: ({ thread }, v) => thread.read(v),
  turnList: ({ thread }, v) => thread.turnList(v),
  turns: ({ thread }, v) => first(thread.turns(v)),
  itemList: ({ thread }, v) => thread.itemList(v),
  items: ({ thread }, v) => first(thread.items(v)),
  setName: ({ thread }, v) => thread.setName(v),
  setNameOptions: ({ thread }, v) => thread.setName("a name", v),
  setGoal: ({ thread }, v) => thread.setGoal(v),
  setGoalOptions: ({ thread }, v) => thread.setGoal("a goal", v),
  setGoalStatus: ({ thread }, v) => thread.setGoalStatus(v),
  setGoalStatusOptions: ({ thread }, v) => thread.setGoalStatus("paused", v),
  goal: ({ thread }, v) => thread.goal(v),
  clearGoal: ({ thread }, v) => thread.clearGoal(v),
  runGoal: ({ thread }, v) => thread.runGoal(v),
  runGoalOptions: ({ thread }, v) => thread.runGoal("a goal", v),
  unsubscribe: ({ thread }, v) => thread.unsubscribe(v),
} satisfies Record<string, (context: Context, v: never) => unknown>;
type CallName = keyof typeof CALLS;

interface Context {
  readonly codex: CodexClass;
  readonly thread: Thread;
}

/** `codex.request`, whose method may be anything. */
const anyRequest = (codex: CodexClass) =>
  codex.request.bind(codex) as (method: unknown, params?: unknown) => Promise<unknown>;

/** The first value of `iterable`, read as a call that sends a request would be. */
async function first(iterable: AsyncIterable<unknown>): Promise<unknown> {
  for await (const value of iterable) return value;
  return undefined;
}

/**
 * The names the calls' options take (the wire params' of every request, the SDK's own, and a few
 * no call takes), for a value put in one field.
 */
const KEYS = [
  ...new Set(
    Object.entries(PARAMS)
      .filter(([name]) => name.endsWith("_KEYS"))
      .flatMap(([, keys]) => keys as readonly string[]),
  ),
  ...["timeout", "signal", "cwd", "model", "modelProvider", "sandbox", "approvalMode", "config"],
  ...["tools", "approvals", "onElicitation", "onUserInput", "output", "effort", "summary"],
  ...["cursor", "limit", "ephemeral", "baseInstructions", "developerInstructions", "personality"],
  ...["serviceTier", "outputSchema", "env", "tty", "size", "persist", "scopes", "timeoutSecs"],
  ...["includeHidden", "includeTurns", "status", "tokenBudget", "delivery", "beforeTurnId"],
  ...["lastTurnId", "path", "history", "cwds", "detail", "accessToken", "chatgptAccountId"],
  ...["keyPath", "value", "mergeStrategy", "collectOutput", "stdin", "clientUserMessageId"],
  ...["approvalPolicy", "origin", "sortKey", "archived", "searchTerm", "refreshToken", "__proto__"],
  ...["constructor", "toString", "type", "text", "instructions", "branch", "sha", "title"],
];

/** A signal aborted already: a call given it rejects with its reason. */
const ABORTED = AbortSignal.abort(new Error("aborted already"));

/** Any value, and the values the SDK's checks meet less often. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: anyValue(3),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Symbol("fuzz"),
      () => "a function",
      new AbortController().signal,
      ABORTED,
      -0,
      Number.NaN,
      2 ** 53,
      "\ud800",
      "",
      " ",
      "x".repeat(100_000),
    ),
  },
);

/** A value, whole or as a field (or a few) of an options object. */
const input: fc.Arbitrary<unknown> = fc.oneof(
  value,
  fc.dictionary(fc.constantFrom(...KEYS), value, { minKeys: 1, maxKeys: 3 }),
);

/** What engines say as they fail to read a value: no error of the SDK's says so. */
const ENGINE =
  /Cannot read propert|is not a function|is not iterable|Cannot convert|serialize a BigInt|circular structure|Cannot create property|Invalid array length|call stack|is not a constructor|Cannot destructure|is not an object|Invalid time value|object null prototype/i;

const { start: startCodex, closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  RECORDED.get("initialize"),
);

afterEach(() => {
  vi.useRealTimers();
});

/** One run: `steps`, each a call given its input, then the checks. */
async function check(steps: ReadonlyArray<readonly [CallName, unknown]>): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  const errors: unknown[] = [];
  const { codex, transport } = await startCodex(errors);
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  // The server refuses everything, a macrotask later (but the clean call at the end).
  let clean = false;
  let busy = 0;
  let raw = false;
  // What the client sent that the runtime's schema refuses: the SDK sent what it should have
  // refused.
  const malformed: string[] = [];
  transport.onSend = ({ id, method, params }: Wire) => {
    if (typeof method !== "string" || id === undefined) return;
    const why = raw ? undefined : conforms(method, params);
    if (why !== undefined) malformed.push(`${method}: ${why}: ${JSON.stringify(params)}`);
    busy++;
    void nextMacrotask().then(() => {
      busy--;
      const answer =
        clean && method === "model/list"
          ? { id, result: RECORDED.get("model/list") }
          : { id, error: { code: -32600, message: `refused by the fuzz server: ${method}` } };
      transport.deliver(answer);
    });
  };
  const { all, track, pending } = tracker();
  const settle = async () => {
    for (let turn = 0, quiet = 0; turn < 1_000 && pending().length > 0 && quiet < 5; turn++) {
      await nextMacrotask();
      quiet = busy > 0 ? 0 : quiet + 1;
    }
  };
  const thread = codex.thread(ID);
  try {
    for (const [index, [call, given]] of steps.entries()) {
      const what = `${call} (step ${index})`;
      const sent = transport.sent.length;
      raw = RAW.has(call);
      let made: unknown;
      try {
        made = CALLS[call]({ codex, thread }, given as never);
      } catch (err) {
        // Only what is no async call may throw at the call: a sync one, or a list's first read.
        expect(err, `${what} throws`).toSatisfy(
          (e) => e instanceof TypeError || e instanceof RangeError,
        );
        expect((err as Error).message, what).not.toMatch(ENGINE);
        expect(transport.sent.length, `${what} sent before it threw`).toBe(sent);
        continue;
      }
      if (!(made instanceof Promise)) continue;
      track(what, made).catch(() => {});
      await settle();
      const entry = all.at(-1)!;
      expect(entry.state, `${what} settles`).not.toBe("pending");
      expect(malformed, `${what} sent what the runtime's schema refuses`).toEqual([]);
      if (entry.state !== "rejected") continue;
      const err = entry.value;
      if (err instanceof TypeError || err instanceof RangeError) {
        expect(err.message, `${what}: ${err.stack}`).not.toMatch(ENGINE);
        expect(transport.sent.length, `${what} sent before its ${err.name}`).toBe(sent);
      } else if (err !== ABORTED.reason) {
        const shown = err instanceof Error ? err.stack : String(err);
        expect(err, `${what} rejects with a CodexError, not ${shown}`).toBeInstanceOf(CodexError);
      }
    }
    // The client still works.
    clean = true;
    const models = track("a clean models()", codex.models());
    await settle();
    await expect(models).resolves.toEqual(RECORDED.get("model/list"));
    await codex.close();
    expect(pending(), "pending once closed").toEqual([]);
    expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(vi.getTimerCount(), "timers once closed").toBe(0);
    expect(errors, "what the SDK logged as a bug").toEqual([]);
    await trap.expectNone();
  } finally {
    vi.useRealTimers();
    trap.dispose();
    await codex.close();
  }
}

const CALL_NAMES = Object.keys(CALLS) as CallName[];
const step = fc.tuple(fc.constantFrom(...CALL_NAMES), input);

describe("the client's calls given any input (property)", () => {
  it(
    "refuses bad input with an error of its own before sending anything, and settles",
    async () => {
      await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), check), {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    },
    30_000 + RUNS * 20,
  );
});
