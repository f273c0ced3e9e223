// Property of the answers to server requests, whatever a handler makes of them. A real Codex runs
// over a fake transport; a scripted server sends one request of each kind the SDK answers (the
// command, file change and permissions approvals, an MCP tool call's approval and a plain
// elicitation, user input, a dynamic tool call, the legacy approvals and a ChatGPT token refresh),
// with the params recorded from the runtime and the mock model where there are some
// (test/support/fixtures/client-fuzz.jsonl). Its handler returns, resolves, throws or rejects with
// any value: a valid answer, one with a part replaced by anything, dropped, its key misspelt, or a
// key added, or anything at all (fast-check's `anything` and JSON values, with dates, maps, typed
// arrays, big integers, boxed values, null prototypes, sparse arrays, plus symbols, functions,
// cycles, lone surrogates and getters that throw). Checks: each request gets one answer, which
// conforms to the runtime's own JSON schema of its result (an error only for a token refresh, which
// has no default); a handler's answer that is plain JSON and conforms to that schema is sent as it
// is (fields the type does not have left out, what may be left out sent as null), or, where a check
// of the SDK's own that its docs state refuses it (a grant without its scope, with a field of no
// type or a relative path; an elicitation's content no object, or a field of no type; a token with
// white space around it, or a field of no type), the default goes; nothing is thrown or rejected unhandled; nothing is logged as a bug of the SDK;
// the client's tables come back once closed.
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/answers.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and
// FUZZ_PATH replay.
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { fakeStdio } from "../support/fake-stdio.js";
import { trapProcessFaults } from "../support/fault/guards.js";
import { ServedTransport, places, propertyClients, type Wire } from "../support/fuzz-wire.js";
import { anyValue } from "../support/odd-values.js";
import { RECORDED } from "../support/recorded-traffic.js";
import { serverResultCheck } from "../support/wire-schema.js";

const transports: ServedTransport[] = [];
vi.mock("../../src/transport/stdio.js", () =>
  fakeStdio(ServedTransport, (t) => transports.push(t)),
);

const { Codex } = await import("../../src/index.js");
const { clientStats } = await import("../../src/codex.js");
// Loaded on a handler's first answer: here, before any run.
await import("../../src/answer-checks.js");

const SEED = Number(process.env.FUZZ_SEED ?? 41_017);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const PATH = process.env.FUZZ_PATH;
const answerConforms = serverResultCheck();

// ---------------------------------------------------------------------------------------------
// The requests
// ---------------------------------------------------------------------------------------------

/** The params of the request of `method` recorded in `scenario`. */
function recordedParams(scenario: string, method: string): Wire {
  const request = RECORDED.get(scenario)!.messages.find((m) => m.method === method && "id" in m);
  return structuredClone(request!.params as Wire);
}

/** A kind of server request: its method, params, and answers its handler may validly give. */
interface Kind {
  readonly method: string;
  readonly params: Wire;
  readonly valid: readonly unknown[];
}

const MCP = recordedParams("mcp", "mcpServer/elicitation/request");
const { _meta: _approval, ...fieldless } = MCP;
// A form of two fields, whose data the SDK checks against it.
const FORM = { name: { type: "string" }, count: { type: "integer" } };
const ELICITATION = { ...fieldless, requestedSchema: { type: "object", properties: FORM } };
const LEGACY = { callId: "c", command: ["ls"], cwd: "/" };

const KINDS = {
  commandExecution: {
    method: "item/commandExecution/requestApproval",
    params: recordedParams("approval", "item/commandExecution/requestApproval"),
    valid: [
      { decision: "accept" },
      { decision: "cancel" },
      {
        decision: {
          acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "made.txt"] },
        },
      },
      {
        decision: {
          applyNetworkPolicyAmendment: {
            network_policy_amendment: { host: "example.com", action: "allow" },
          },
        },
      },
    ],
  },
  fileChange: {
    method: "item/fileChange/requestApproval",
    params: recordedParams("patch", "item/fileChange/requestApproval"),
    valid: [{ decision: "accept" }, { decision: "acceptForSession" }, { decision: "decline" }],
  },
  permissions: {
    method: "item/permissions/requestApproval",
    params: recordedParams("permissions", "item/permissions/requestApproval"),
    valid: [
      { permissions: { fileSystem: { write: ["/work/out"] } }, scope: "turn" },
      {
        permissions: { network: { enabled: true }, fileSystem: { read: ["/work"], write: null } },
        scope: "session",
        strictAutoReview: true,
      },
      { permissions: {}, scope: "session" },
      {
        permissions: {
          fileSystem: {
            read: null,
            write: null,
            entries: [
              {
                path: { type: "special", value: { kind: "project_roots", subpath: "docs" } },
                access: "read",
              },
              { path: { type: "glob_pattern", pattern: "**/*.log" }, access: "deny" },
              { path: { type: "path", path: "/work/tmp" }, access: "write" },
            ],
          },
        },
        scope: "turn",
      },
    ],
  },
  mcpToolCall: {
    method: "mcpServer/elicitation/request",
    params: MCP,
    valid: [{ action: "accept", content: {} }, { action: "decline" }, { action: "cancel" }],
  },
  elicitation: {
    method: "mcpServer/elicitation/request",
    params: ELICITATION,
    valid: [
      { action: "accept", content: { name: "x", count: 2 }, _meta: { persist: "session" } },
      { action: "decline", content: null, _meta: null },
    ],
  },
  userInput: {
    method: "item/tool/requestUserInput",
    params: recordedParams("input", "item/tool/requestUserInput"),
    valid: [{ answers: { colour: { answers: ["blue"] } } }, { answers: {} }],
  },
  tool: {
    method: "item/tool/call",
    params: recordedParams("tool", "item/tool/call"),
    valid: ["found", { n: 1 }, [{ type: "inputText", text: "found" }]],
  },
  execCommand: {
    method: "execCommandApproval",
    params: LEGACY,
    valid: [
      { decision: "approved" },
      { decision: "abort" },
      { decision: { denied: { rejection: "not now" } } },
      { decision: { approved_execpolicy_amendment: { proposed_execpolicy_amendment: ["ls"] } } },
      {
        decision: {
          network_policy_amendment: {
            network_policy_amendment: { host: "example.com", action: "deny" },
          },
        },
      },
    ],
  },
  applyPatch: {
    method: "applyPatchApproval",
    params: { ...LEGACY, fileChanges: {} },
    valid: [{ decision: "approved_for_session" }, { decision: "denied" }],
  },
  tokenRefresh: {
    method: "account/chatgptAuthTokens/refresh",
    params: { reason: "unauthorized", previousAccountId: null },
    valid: [{ accessToken: "new-token", chatgptAccountId: "acct", chatgptPlanType: null }],
  },
} satisfies Record<string, Kind>;
type KindName = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as KindName[];

// ---------------------------------------------------------------------------------------------
// What a handler gives
// ---------------------------------------------------------------------------------------------

/** Anything: the values fast-check makes, with the odd kinds a program might return. */
const handed: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  anyValue(4),
  fc.constantFrom(
    Symbol("s"),
    () => "f",
    "\ud800",
    { decision: "\udc00" },
    Object.defineProperty({}, "decision", {
      enumerable: true,
      get() {
        throw new Error("the getter broke");
      },
    }),
    (() => {
      const cycle: Wire = { decision: "accept" };
      cycle.self = cycle;
      return cycle;
    })(),
  ),
);

/** How a handler gives its value. */
type Behaviour = "return" | "resolve" | "throw" | "reject";

/**
 * A change of a valid answer: a place in it (modulo) replaced, dropped, or its key misspelt (as
 * `writ`); or a key added (`extra<at>`).
 */
interface Change {
  readonly kind: "replace" | "drop" | "misspell" | "add";
  readonly at: number;
  readonly value: unknown;
}

interface Run {
  readonly kind: KindName;
  readonly behaviour: Behaviour;
  /** Which valid answer (modulo), and how it is changed; or the handler gives `value` as it is. */
  readonly base: number;
  readonly changes: readonly Change[] | undefined;
  readonly value: unknown;
}

const run: fc.Arbitrary<Run> = fc.record({
  kind: fc.constantFrom(...KIND_NAMES),
  behaviour: fc.oneof(
    { arbitrary: fc.constantFrom("return", "resolve"), weight: 4 },
    { arbitrary: fc.constantFrom("throw", "reject"), weight: 1 },
  ),
  base: fc.nat(5),
  changes: fc.option(
    fc.array(
      fc.record({
        kind: fc.constantFrom("replace", "drop", "misspell", "add"),
        at: fc.nat(40),
        value: handed,
      }),
      { maxLength: 2 },
    ),
    { nil: undefined, freq: 3 },
  ),
  value: handed,
});

/** The value a run's handler gives. */
function given({ kind, base, changes, value }: Run): unknown {
  if (changes === undefined) return value;
  const { valid } = KINDS[kind];
  const answer = structuredClone(valid[base % valid.length]);
  // The places of the valid answer (what a change puts there may hold a cycle).
  const spots = places(answer);
  for (const { kind: change, at, value: to } of changes) {
    if (change === "add" || spots.length === 0) {
      if (typeof answer === "object" && answer !== null) (answer as Wire)[`extra${at}`] = to;
      continue;
    }
    const [holder, key] = spots[at % spots.length]!;
    if (change === "replace") holder[key] = to;
    else if (change === "drop" || typeof key === "string") {
      const was = holder[key];
      delete holder[key];
      if (change === "misspell") holder[(key as string).slice(0, -1) || "_"] = was;
    }
  }
  return answer;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `value` is what JSON reads back as it is: null, a boolean, a finite number (not -0), a
 * well-formed string, a dense array, or a plain object of such values, no getter among them.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 50) return false;
  if (value === null || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value === "string") return !LONE_SURROGATE.test(value);
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
    }
    return Object.keys(value).length === value.length;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  return Object.entries(Object.getOwnPropertyDescriptors(value)).every(
    ([, d]) => d.enumerable === true && "value" in d && isPlainJson(d.value, depth + 1),
  );
}

/**
 * Whether a grant names a path that is not absolute on the server's platform (Unix here), or a
 * depth of scan below 1, which the runtime refuses (as the docs of `PermissionsAnswer` say).
 */
function pathsRefused(permissions: Wire): boolean {
  const fileSystem = permissions.fileSystem as Wire | null | undefined;
  if (fileSystem === null || fileSystem === undefined) return false;
  const relative = (path: unknown) => typeof path === "string" && !path.startsWith("/");
  const { read, write, entries, globScanMaxDepth: depth } = fileSystem;
  const listed = [read, write].some((paths) => Array.isArray(paths) && paths.some(relative));
  const entered =
    Array.isArray(entries) &&
    entries.some((entry: Wire | null) => {
      const path = entry?.path as Wire | null | undefined;
      return path?.type === "path" && relative(path.path);
    });
  return listed || entered || (typeof depth === "number" && depth < 1);
}

/** The answer the SDK sends in place of one its checks refuse, for the kinds they may refuse. */
const DEFAULTS: Partial<Record<KindName, unknown>> = {
  permissions: { permissions: {}, scope: "turn" },
  mcpToolCall: { action: "cancel", content: null, _meta: null },
  elicitation: { action: "cancel", content: null, _meta: null },
};

const GRANTED = ["network", "fileSystem"];
/**
 * The fields the runtime's types of a grant, its parts, an entry, an elicitation's answer and a
 * token refresh's have.
 */
const FIELDS: Record<string, readonly string[]> = {
  grant: ["permissions", "scope", "strictAutoReview"],
  network: ["enabled"],
  fileSystem: ["read", "write", "globScanMaxDepth", "entries"],
  entry: ["path", "access"],
  path: ["type", "path"],
  glob_pattern: ["type", "pattern"],
  special: ["type", "value"],
  elicitation: ["action", "content", "_meta"],
  tokenRefresh: ["accessToken", "chatgptAccountId", "chatgptPlanType"],
};

/** The fields of the answers' types, at any depth (the others are not copied). */
const PROTOCOL_FIELDS = new Set([
  ...Object.values(FIELDS).flat(),
  ...["decision", "answers"],
  ...["execpolicy_amendment", "proposed_execpolicy_amendment", "network_policy_amendment"],
  ...["host", "action", "rejection", "kind", "subpath"],
]);

/** Whether `value` holds a field not among `fields`, which is not null. */
const otherField = (value: unknown, fields: readonly string[]): boolean =>
  Object.entries(value as Wire).some(([field, v]) => v !== null && !fields.includes(field));

/** Whether a grant's entry (of its part `part`) holds a field its type does not have. */
function entriesRefused(part: unknown): boolean {
  const { entries } = part as Wire;
  if (!Array.isArray(entries)) return false;
  return entries.some((entry: Wire) => {
    const path = entry.path as Wire;
    const fields = FIELDS[path.type as string];
    const special = path.type === "special" ? (path.value as Wire | null) : null;
    const specialFields = SPECIAL_FIELDS[special?.kind as string];
    return (
      otherField(entry, FIELDS.entry!) ||
      (fields !== undefined && otherField(path, fields)) ||
      (specialFields !== undefined && otherField(special, specialFields))
    );
  });
}

/** The fields of each kind of special path. */
const SPECIAL_FIELDS: Record<string, readonly string[]> = {
  root: ["kind"],
  minimal: ["kind"],
  tmpdir: ["kind"],
  slash_tmp: ["kind"],
  project_roots: ["kind", "subpath"],
  unknown: ["kind", "path", "subpath"],
};

/**
 * Whether the SDK refuses `value`, which the runtime's schema takes, by a check of its own that its
 * docs state: a grant names its scope, and no kind of permission or field of one the runtime does
 * not take, nor a path that is not absolute; an elicitation's content and `_meta` are objects (or
 * null), and it has no other field; a refreshed token and account id are non-empty, the token
 * without white space around it or a control character, and no other field.
 */
function documentedRefusal(kind: KindName, value: Wire): boolean {
  const isObject = (part: unknown) =>
    part === undefined || part === null || (typeof part === "object" && !Array.isArray(part));
  switch (kind) {
    case "permissions": {
      const kinds = Object.entries(value.permissions as Wire);
      // A kind, or a field of a part, the runtime does not take.
      const fields = kinds.some(
        ([kind, part]) =>
          part !== null &&
          (!GRANTED.includes(kind) || otherField(part, FIELDS[kind]!) || entriesRefused(part)),
      );
      const { permissions } = value as { permissions: Wire };
      return (
        value.scope === undefined ||
        otherField(value, FIELDS.grant!) ||
        fields ||
        pathsRefused(permissions)
      );
    }
    case "mcpToolCall":
    case "elicitation":
      return (
        !isObject(value.content) ||
        !isObject(value._meta) ||
        otherField(value, FIELDS.elicitation!) ||
        (value.action === "accept" && !fitsForm(value.content, kind === "elicitation" ? FORM : {}))
      );
    case "tokenRefresh": {
      const { accessToken: token, chatgptAccountId: account } = value as Record<string, string>;
      return (
        token!.trim() !== token ||
        token === "" ||
        account === "" ||
        /\p{Cc}/u.test(token!) ||
        // Sent by the runtime as a header.
        account!.trim() !== account ||
        /[^\x20-\x7e\x80-\xff]/.test(account!) ||
        otherField(value, FIELDS.tokenRefresh!)
      );
    }
    default:
      return false;
  }
}

/** Whether an accepted form's data fits its fields (`type` each): given ones only, of their kind. */
function fitsForm(content: unknown, fields: Record<string, { type: string }>): boolean {
  if (content === undefined || content === null) return true;
  return Object.entries(content as Wire).every(([name, value]) => {
    // Left out, as JSON leaves it out.
    if (value === undefined) return true;
    const type = Object.hasOwn(fields, name) ? fields[name]!.type : undefined;
    if (type === "string") return typeof value === "string";
    return type === "integer" && Number.isInteger(value);
  });
}

/**
 * Where `sent` is not the answer `given` (plain JSON) as the SDK documents sending it: each field
 * as given, but those the type does not have (added, misspelt) left out, and what the answer may
 * leave out filled with null (a grant's scope with "turn").
 */
function disagreement(given: unknown, sent: unknown, at = "answer"): string | undefined {
  if (typeof given !== "object" || given === null) {
    return Object.is(given, sent) ? undefined : `${at} changed`;
  }
  if (typeof sent !== "object" || sent === null) return `${at} replaced`;
  if (Array.isArray(given)) {
    if (!Array.isArray(sent) || sent.length !== given.length) return `${at} changed`;
    for (const [i, item] of given.entries()) {
      const why = disagreement(item, sent[i], `${at}[${i}]`);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  const theirs = sent as Wire;
  for (const [key, item] of Object.entries(given)) {
    if (!(key in theirs)) {
      // A part of a grant given as null grants nothing, as one left out does; a field the type
      // does not have (added, misspelt) is not copied.
      if (item !== null && PROTOCOL_FIELDS.has(key)) return `${at}.${key} left out`;
      continue;
    }
    const why = disagreement(item, theirs[key], `${at}.${key}`);
    if (why !== undefined) return why;
  }
  for (const [key, item] of Object.entries(theirs)) {
    if (key in given) continue;
    if (item !== null && !(key === "scope" && item === "turn")) return `${at}.${key} added`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

const PLAIN = RECORDED.get("plain")!;
const { start: startCodex, closedStats } = propertyClients(
  { Codex, clientStats },
  transports,
  PLAIN.answers.initialize,
);

async function check(load: Run): Promise<void> {
  // The transports of earlier runs, and the clients they hold, are let go.
  transports.length = 0;
  const trap = trapProcessFaults({ exclusive: true });
  const baseline = await closedStats();
  const value = given(load);
  const give = (): unknown => {
    switch (load.behaviour) {
      case "return":
        return value;
      case "resolve":
        return Promise.resolve(value);
      case "throw":
        throw value;
      case "reject":
        return Promise.reject(value);
    }
  };
  const errors: unknown[] = [];
  const { codex, transport } = await startCodex(errors, { onChatgptTokenRefresh: give as never });
  transport.answerAlways("thread/start", PLAIN.answers["thread/start"]);
  try {
    const thread = await codex.threadStart({
      approvals: {
        commandExecution: give as never,
        fileChange: give as never,
        permissions: give as never,
        mcpToolCall: give as never,
        execCommand: give as never,
        applyPatch: give as never,
      },
      onElicitation: give as never,
      onUserInput: give as never,
      tools: [{ name: "lookup", description: "Looks a word up", handler: give }],
    });
    const { method, params } = KINDS[load.kind];
    const id = 7_001;
    const named = { ...params, threadId: thread.id, conversationId: thread.id };
    transport.deliver({ id, method, params: named });
    const answers = () => transport.sent.filter((m) => m.method === undefined);
    while (answers().length === 0) await transport.waitForSent(transport.sent.length + 1);
    const answer = answers()[0]!;
    expect(answer.id, "the id answered").toBe(id);
    // What a handler gave that the runtime's schema takes, as JSON reads it back: sent as it is,
    // unless a check of the SDK's own, documented, refuses it: then the default goes.
    const thrown = load.behaviour === "throw" || load.behaviour === "reject";
    const taken =
      !thrown &&
      load.kind !== "tool" &&
      isPlainJson(value) &&
      answerConforms(method, value) === undefined;
    const refused = taken && documentedRefusal(load.kind, value as Wire);
    const valid = taken && !refused;
    if ("error" in answer) {
      // Only a token refresh has no safe default to answer with.
      expect(load.kind, `an error answer: ${JSON.stringify(answer.error)}`).toBe("tokenRefresh");
      expect(answer.error).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
      expect(valid, `a valid token refresh refused: ${inspect(value)}`).toBe(false);
    } else if (refused) {
      expect(answer.result, `refused ${inspect(value)}`).toEqual(DEFAULTS[load.kind]);
    } else {
      const why = answerConforms(method, answer.result);
      expect(why, `the answer to ${method}: ${JSON.stringify(answer.result)}`).toBeUndefined();
      if (valid) {
        const sent = JSON.stringify(answer.result);
        expect(
          disagreement(value, answer.result),
          `gave ${inspect(value)}, sent ${sent}`,
        ).toBeUndefined();
      }
    }
    await codex.close();
    expect(answers().length, "answers sent").toBe(1);
    expect(clientStats(codex), "tables once closed").toEqual(baseline);
    expect(errors, "what the SDK logged as a bug").toEqual([]);
    await trap.expectNone();
  } finally {
    trap.dispose();
    await codex.close();
  }
}

describe("the answers to server requests (property)", () => {
  it("answers each request once, as the runtime's schema takes it, whatever the handler gives", async () => {
    for (const kind of KIND_NAMES) {
      for (const [base] of KINDS[kind].valid.entries()) {
        await check({ kind, behaviour: "return", base, changes: [], value: undefined });
      }
    }
    await fc.assert(fc.asyncProperty(run, check), {
      seed: SEED,
      numRuns: RUNS,
      ...(PATH === undefined ? {} : { path: PATH }),
    });
  });
});
