/**
 * The options of `threadStart`, `threadResume` and `threadFork`: the wire params with the SDK's
 * presets, typed settings, handlers and tools, checked and split before any I/O.
 */
import type {
  DynamicToolSpec,
  ThreadForkParams,
  ThreadListParams,
  ThreadResumeParams,
  ThreadStartParams,
} from "./generated/index.js";
import {
  THREAD_FORK_PARAMS_KEYS,
  THREAD_FORK_PARAMS_FIELDS,
  THREAD_RESUME_PARAMS_KEYS,
  THREAD_RESUME_PARAMS_FIELDS,
  THREAD_START_PARAMS_KEYS,
  THREAD_START_PARAMS_FIELDS,
} from "./generated/index.js";
import { CodexError } from "./errors.js";
import { holdsControl } from "./internal/plain.js";
import { refuseKeysUnder, refuseNull, spacedSegments } from "./internal/toml.js";
import {
  checkConfigVariables,
  checkJson,
  isWellFormed,
  loneSurrogate,
  checkNonEmpty,
  checkWellFormed,
  checkOptionNames,
  callOf,
  describe,
  dropUndefined,
  isPlainObject,
  optionNames,
  quotedKey,
  REQUEST_KEYS,
  shown,
  type OptionNames,
  type RequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import {
  SETTING_KEYS,
  approvalFields,
  checkSettingStrings,
  sandboxMode,
  settingsConfig,
  type ApprovalMode,
  type ReadSettings,
  type Sandbox,
  type ThreadSettings,
} from "./options.js";
import {
  HANDLER_KEYS,
  pickHandlers,
  checkTools,
  type CheckedTool,
  type DefinedTool,
  type DynamicTool,
  type ServerRequestHandlers,
} from "./server-requests.js";

/** Replaces the wire approval and sandbox fields with the SDK's presets, and adds handlers. */
type WithPresets<P> = Omit<
  ReadSettings<WireOptions<P>>,
  "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox"
> &
  ServerRequestHandlers &
  ThreadSettings &
  RequestOptions & {
    /** Approval preset; see {@link ApprovalMode}. */
    readonly approvalMode?: ApprovalMode | undefined;
    /** Sandbox preset, sent as the thread's sandbox mode; see {@link Sandbox}. */
    readonly sandbox?: Sandbox | undefined;
  };

/**
 * Options of `Codex.threadStart`; `approvalMode` defaults to `ApprovalMode.autoReview`, unless
 * `config` sets `approval_policy` or `approvals_reviewer`.
 * `approvals`, `onUserInput` and `onElicitation` answer this thread's server requests, and
 * `tools` offers JavaScript functions to the model.
 */
export type ThreadStartOptions = Omit<WithPresets<ThreadStartParams>, "dynamicTools"> & {
  /** JavaScript functions offered to the model as tools, sent as `dynamicTools`. */
  readonly tools?: readonly (DynamicTool | DefinedTool)[] | undefined;
};
// The wire fields by which a resume or fork would be answered with the thread's history, which
// the `Thread` returned does not hold: the SDK asks for the answer without it.
const HISTORY_FIELDS = ["excludeTurns", "initialTurnsPage"] as const;

/**
 * Options of `Codex.threadResume`; without `approvalMode` the thread keeps its stored policy.
 * `tools` gives the functions behind the thread's dynamic tools again (say, in a new process).
 */
export type ThreadResumeOptions = WithPresets<
  Omit<ThreadResumeParams, "excludeTurns" | "initialTurnsPage">
> & {
  /** The functions behind the thread's dynamic tools, whose specs the runtime kept from its start. */
  readonly tools?: readonly (DynamicTool | DefinedTool)[] | undefined;
};
/**
 * Options of `Codex.threadFork`; without `approvalMode` the fork keeps the source's policy. Its
 * model and reasoning effort are the config's unless given, not the source's, and so is its
 * sandbox when the source's is `workspaceWrite` (a `readOnly` or `fullAccess` one is kept). The
 * source's handlers and tools on this client answer for the fork, but for those given here.
 */
export type ThreadForkOptions = WithPresets<Omit<ThreadForkParams, "excludeTurns">> & {
  /**
   * Functions behind the fork's dynamic tools (the source's, which the runtime gives the fork),
   * by name over the source's on this client.
   */
  readonly tools?: readonly (DynamicTool | DefinedTool)[] | undefined;
};
/** What `Codex.thread` attaches to a thread id: handlers for its server requests, its tools. */
export type ThreadHandlers = ServerRequestHandlers & {
  /** JavaScript functions behind the thread's dynamic tools. */
  readonly tools?: readonly (DynamicTool | DefinedTool)[] | undefined;
};
/** Options of `Codex.threadList`. */
export type ThreadListOptions = WireOptions<ThreadListParams> & RequestOptions;

// What every thread request's options add to, or take from, its wire params.
const THREAD_KEYS = [
  ...HANDLER_KEYS,
  ...REQUEST_KEYS,
  ...SETTING_KEYS,
  "approvalMode",
  "sandbox",
  "tools",
] as const;
const PRESET_FIELDS = ["approvalPolicy", "approvalsReviewer", "sandbox"] as const;
/** @internal */
export const THREAD_START_NAMES = optionNames<ThreadStartOptions>()({
  own: THREAD_KEYS,
  wire: THREAD_START_PARAMS_KEYS,
  fields: THREAD_START_PARAMS_FIELDS,
  omit: [...PRESET_FIELDS, "dynamicTools"],
});
/** @internal */
export const THREAD_RESUME_NAMES = optionNames<ThreadResumeOptions>()({
  own: THREAD_KEYS,
  wire: THREAD_RESUME_PARAMS_KEYS,
  fields: THREAD_RESUME_PARAMS_FIELDS,
  omit: [...PRESET_FIELDS, "threadId", "excludeTurns", "initialTurnsPage"],
});
/** @internal */
export const THREAD_FORK_NAMES = optionNames<ThreadForkOptions>()({
  own: THREAD_KEYS,
  wire: THREAD_FORK_PARAMS_KEYS,
  fields: THREAD_FORK_PARAMS_FIELDS,
  omit: [...PRESET_FIELDS, "threadId", "excludeTurns"],
});
const HANDLERS_NAMES = optionNames<ThreadHandlers>()({ own: [...HANDLER_KEYS, "tools"] });

const HEX = "[0-9a-fA-F]";
const HYPHENATED = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;
// The spellings of a UUID the runtime takes for a thread id: hyphenated in either case, alone,
// after `urn:uuid:` or in braces, or its 32 digits without hyphens.
const UUID_SPELLING = new RegExp(
  `^(?:(${HYPHENATED})|urn:uuid:(${HYPHENATED})|\\{(${HYPHENATED})\\}|(${HEX}{32}))$`,
);

/**
 * @internal A thread id: a non-empty string. A UUID in any spelling the runtime takes is given
 * as the server names the thread (lower case, hyphenated), so that its answers and events match.
 */
export function checkId(id: unknown): string {
  return canonicalThreadId(checkWellFormed(checkNonEmpty(id, "threadId"), "threadId"));
}

// The server's own spelling, which nearly every id given already has.
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** @internal A thread id as the server names the thread; see {@link checkId}. */
export function canonicalThreadId(id: string): string {
  // Only the lengths of the spellings (32 digits, hyphenated, braced, after `urn:uuid:`) can be
  // one: any other id is given as it is, without a regular expression.
  const { length } = id;
  if (length !== 36 && length !== 32 && length !== 38 && length !== 45) return id;
  if (CANONICAL.test(id)) return id;
  const uuid = UUID_SPELLING.exec(id);
  if (uuid === null) return id;
  const hex = (uuid[1] ?? uuid[2] ?? uuid[3] ?? uuid[4])!.replaceAll("-", "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** @internal */
export interface CheckedHandlers {
  readonly handlers: ServerRequestHandlers | undefined;
  /** The tools, each a copy of the one given, made as it was checked. */
  readonly tools: readonly CheckedTool[] | undefined;
  /** The tools' wire specs, when there are tools. */
  readonly specs: DynamicToolSpec[] | undefined;
}

/** @internal The handlers and tools among thread options, checked; `undefined` when there are none. */
export function checkThreadHandlers(
  options: ThreadHandlers | undefined,
): CheckedHandlers | undefined {
  return handlersOf(checkOptionNames(options, HANDLERS_NAMES, "handlers"));
}

function handlersOf(options: ThreadHandlers): CheckedHandlers | undefined {
  const handlers = pickHandlers(options);
  const given = options.tools;
  if (given === undefined) {
    return handlers === undefined ? undefined : { handlers, tools: undefined, specs: undefined };
  }
  // Each tool kept as checked: the functions that answer are the ones the call was given,
  // whatever the caller changes while the thread starts.
  const { specs, tools } = checkTools(given);
  return { handlers, tools, specs };
}

/**
 * @internal Checks thread start/resume/fork options and splits them into the call's options, the
 * wire params (presets resolved) and the handlers to keep; all before any I/O.
 */
export function threadRequest<P>(
  options:
    (WithPresets<P> & { readonly tools?: readonly (DynamicTool | DefinedTool)[] }) | undefined,
  names: OptionNames,
  isStart: boolean,
  platformFamily?: string,
): {
  call: RequestOptions | undefined;
  params: P & { threadId?: string };
  handlers: CheckedHandlers | undefined;
} {
  // Named before the misspelling check, which would call them unknown without saying why.
  if (!isStart && typeof options === "object" && options !== null) {
    for (const field of HISTORY_FIELDS) {
      if (Object.hasOwn(options, field)) {
        throw new TypeError(
          `options.${field}: the Thread returned holds no history, so the answer is asked ` +
            `for without it; read the history with thread.turns() or thread.turnList()`,
        );
      }
    }
  }
  const checked = checkOptionNames(options, names);
  const handlers = handlersOf(checked);
  const call = callOf(checked);
  const params = threadParams<P>(checked, isStart, platformFamily) as P & { threadId?: string };
  // Only a new thread takes tool specs: a resumed or forked one keeps those it was started with.
  if (isStart && handlers?.specs !== undefined) {
    (params as { dynamicTools?: unknown }).dynamicTools = handlers.specs;
  }
  return { call, params, handlers };
}

// Builds thread start/resume/fork params from options; validates presets before any I/O.
function threadParams<P>(
  options: WithPresets<P>,
  isStart: boolean,
  platformFamily: string | undefined,
): P {
  const {
    approvalMode,
    sandbox,
    approvals: _a,
    onUserInput: _u,
    onElicitation: _e,
    signal: _s,
    timeout: _t,
    tools: _tools,
    networkAccess,
    webSearch,
    additionalDirectories,
    reasoningEffort,
    ...rest
  } = options as WithPresets<P> & { tools?: unknown };
  let params: Record<string, unknown> = dropUndefined(rest);
  // The wire fields go out as JSON: a value JSON would change (NaN, a hole, a Date) is refused.
  // Strings and booleans, all most threads give, need no walk.
  for (const key in params) {
    const value = params[key];
    if (typeof value === "string") {
      if (!isWellFormed(value)) throw loneSurrogate(`options.${key}`);
    } else if (typeof value !== "boolean") {
      // The copy checked is what is sent. A whole number past 2^53 would go as `1e+21`, which
      // the runtime refuses where it reads an integer (a config's token limit, say).
      params = checkJson(params, "options", undefined, true);
      break;
    }
  }
  checkSettingStrings(params, NON_EMPTY_KEYS, platformFamily);
  const given = params.config;
  if (given !== undefined && given !== null && !isPlainObject(given)) {
    throw new TypeError(`config must be an object, got ${describe(given)}`);
  }
  const config = given ?? undefined;
  // A misspelt preset is named as such, before what it would conflict with.
  const sandboxPreset = sandbox === undefined ? undefined : sandboxMode(sandbox);
  if (config !== undefined) {
    // The runtime would read a null in it as an empty string.
    refuseNull(config, "config");
    checkConfigKeys(config);
    checkConfigVariables(config, [], "config");
    refuseFieldTwice(params, config);
  }
  checkSandboxSettings(sandbox, params.permissions, config, {
    networkAccess,
    additionalDirectories,
  });
  // Checked only when given: most threads have no setting, and start-up pays per function run.
  const anySetting =
    networkAccess !== undefined ||
    webSearch !== undefined ||
    additionalDirectories !== undefined ||
    reasoningEffort !== undefined;
  const settings = anySetting
    ? settingsConfig(
        { networkAccess, webSearch, additionalDirectories, reasoningEffort },
        platformFamily,
      )
    : {};
  if (Object.keys(settings).length > 0) {
    let withSettings = config ?? {};
    if (config !== undefined) refuseTwice(config, settings);
    for (const [key, value] of Object.entries(settings)) {
      withSettings = withSetting(withSettings, key.split("."), value);
    }
    params.config = withSettings;
  }
  // A preset and the config key it sets: the preset would win without a word.
  if (config !== undefined && (approvalMode !== undefined || sandbox !== undefined)) {
    refusePresetTwice(config, approvalMode, sandbox);
  }
  // The default preset gives way to approvals set through config.
  const defaultMode = isStart && !setsApprovals(config) ? "autoReview" : undefined;
  const mode = approvalMode === undefined ? defaultMode : approvalMode;
  if (mode !== undefined) Object.assign(params, approvalFields(mode));
  if (sandboxPreset !== undefined) params.sandbox = sandboxPreset;
  return params as P;
}

/**
 * Refuses the keys of a thread's `config` the runtime would ignore or apply by chance: a dotted key
 * whose segment is empty or has white space around it, and a key that another one lies under
 * (`"a.b"` beside `a`, or beside `"a.b.c"`): the runtime applies the keys in no fixed order.
 */
function checkConfigKeys(config: Record<string, unknown>): void {
  const keys = Object.keys(config);
  for (const key of keys) {
    const spaced = spacedSegments(key);
    if (spaced !== undefined) throw new TypeError(`config key ${quotedKey(key)} ${spaced}`);
  }
  if (!keys.some((key) => key.includes("."))) return;
  const order = "which the runtime applies in no fixed order, the table replacing what the key set";
  refuseKeysUnder(keys, (table) => isPlainObject(config[table]), "config", order);
}

// Wire strings the server would take empty, and then run with (a model named "") or drop (a
// resume's rollout path), or read as a file of the Codex home's (a path of white space).
const NON_EMPTY_KEYS = [
  "model",
  "modelProvider",
  "cwd",
  "permissions",
  "serviceTier",
  "projectId",
  "path",
] as const;

// The config key that chooses a permissions profile, as `permissions` does.
const PROFILE_KEY = "default_permissions";

// Wire fields and the config key each sets: given both, the runtime keeps the field's value and
// drops the config's without a word.
const FIELD_CONFIG_KEYS = [
  ["model", "model"],
  ["modelProvider", "model_provider"],
  ["serviceTier", "service_tier"],
  ["baseInstructions", "base_instructions"],
  ["developerInstructions", "developer_instructions"],
  ["permissions", PROFILE_KEY],
] as const;

function refuseFieldTwice(params: Record<string, unknown>, config: Record<string, unknown>): void {
  for (const [field, key] of FIELD_CONFIG_KEYS) {
    if (params[field] != null && configHas(config, [key])) {
      throw new TypeError(`${field} and config both set ${key}: give it in one of them`);
    }
  }
}

// The config keys the approval and sandbox presets set.
const APPROVAL_KEYS = ["approval_policy", "approvals_reviewer"] as const;
const SANDBOX_KEY = "sandbox_mode";

function setsApprovals(config: Record<string, unknown> | undefined): boolean {
  return config !== undefined && APPROVAL_KEYS.some((key) => configHas(config, [key]));
}

function refusePresetTwice(
  config: Record<string, unknown>,
  approvalMode: unknown,
  sandbox: unknown,
): void {
  if (approvalMode !== undefined) {
    // Only the keys the preset sends: denyAll leaves the reviewer to the config.
    const { approvalsReviewer } = approvalFields(approvalMode);
    const keys = approvalsReviewer === undefined ? APPROVAL_KEYS.slice(0, 1) : APPROVAL_KEYS;
    const key = keys.find((name) => configHas(config, [name]));
    if (key !== undefined) {
      throw new TypeError(`approvalMode and config both set ${key}: give it in one of them`);
    }
  }
  if (sandbox !== undefined && configHas(config, [SANDBOX_KEY])) {
    throw new TypeError(`sandbox and config both set ${SANDBOX_KEY}: give it in one of them`);
  }
}

/**
 * A thread's sandbox settings that the server would drop without a word: `networkAccess` and
 * `additionalDirectories` set the workspace-write sandbox's config, which a read-only or
 * full-access sandbox, or a permissions profile, does not read; and a profile replaces the
 * preset.
 */
function checkSandboxSettings(
  sandbox: unknown,
  permissions: unknown,
  config: Record<string, unknown> | undefined,
  extras: { readonly networkAccess: unknown; readonly additionalDirectories: unknown },
): void {
  const hasPermissions = permissions !== undefined && permissions !== null;
  if (hasPermissions && sandbox !== undefined) {
    throw new TypeError("permissions and sandbox cannot be combined: give one of them");
  }
  // A profile and a sandbox mode, one given as an option and one in config: the runtime runs
  // the one and drops the other.
  const configProfile = config !== undefined && configHas(config, [PROFILE_KEY]);
  if (hasPermissions && config !== undefined && configHas(config, [SANDBOX_KEY])) {
    throw new TypeError(
      `permissions and config ${SANDBOX_KEY} cannot be combined: give one of them`,
    );
  }
  if (sandbox !== undefined && configProfile) {
    throw new TypeError(`sandbox and config ${PROFILE_KEY} cannot be combined: give one of them`);
  }
  const extra =
    extras.networkAccess !== undefined
      ? "networkAccess"
      : extras.additionalDirectories !== undefined
        ? "additionalDirectories"
        : undefined;
  if (extra === undefined) return;
  if (hasPermissions || configProfile) {
    const profile = hasPermissions ? "permissions" : `config ${PROFILE_KEY}`;
    throw new TypeError(`${extra} sets the workspaceWrite sandbox, which ${profile} replaces`);
  }
  const mode = sandbox === undefined ? config?.[SANDBOX_KEY] : sandboxMode(sandbox);
  const named =
    sandbox === undefined ? `config ${SANDBOX_KEY} ${shown(mode)}` : `sandbox ${sandbox}`;
  if (mode === "danger-full-access") {
    throw new TypeError(`${named} has no ${extra}: it allows everything`);
  }
  if (mode === "read-only") {
    throw new TypeError(
      extra === "additionalDirectories"
        ? `${named} has no additionalDirectories: it writes nowhere`
        : `${named} takes no networkAccess on a thread (the workspaceWrite sandbox's): give it on a turn`,
    );
  }
}

// The option that sets each config key of the typed settings.
const SETTING_OPTIONS: Readonly<Record<string, string>> = {
  "sandbox_workspace_write.network_access": "networkAccess",
  web_search: "webSearch",
  "sandbox_workspace_write.writable_roots": "additionalDirectories",
  model_reasoning_effort: "reasoningEffort",
};

// A key set by a typed setting and in `config` too: the config value would be dropped without a
// word, so it is refused, naming both.
function refuseTwice(config: Record<string, unknown>, settings: Record<string, unknown>): void {
  for (const key of Object.keys(settings)) {
    if (configHas(config, key.split("."))) {
      throw new TypeError(
        `${SETTING_OPTIONS[key]} and config both set ${key}: give it in one of them`,
      );
    }
  }
}

/**
 * A copy of `config` with `value` at `path`, inside the table `config` gives on the way if it
 * gives one: the server applies a table and a dotted key under it (`{ a: {...}, "a.b": 1 }`) in
 * no fixed order, and the one applied last undoes the other.
 */
function withSetting(
  config: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  for (let i = 1; i < path.length; i++) {
    const prefix = path.slice(0, i).join(".");
    const inner = config[prefix];
    if (isPlainObject(inner)) {
      return { ...config, [prefix]: withSetting(inner, path.slice(i), value) };
    }
  }
  return { ...config, [path.join(".")]: value };
}

// The config keys of the typed settings of the workspaceWrite sandbox.
const WORKSPACE_WRITE_KEYS = [
  "sandbox_workspace_write.network_access",
  "sandbox_workspace_write.writable_roots",
];

/**
 * @internal What to warn of when a thread's answer shows settings it was given that it does not
 * run with: the workspaceWrite sandbox's (see {@link unusedSandboxSettings}), and a model,
 * provider or service tier the answer names otherwise. A resume of a thread the server has loaded
 * keeps the thread's settings (the runtime says so only in its own log), and the runtime drops a
 * service tier the model does not offer.
 */
export function unappliedSettings(
  method: string,
  params: {
    readonly sandbox?: unknown;
    readonly config?: { [key: string]: unknown } | null;
    readonly model?: string | null;
    readonly modelProvider?: string | null;
    readonly serviceTier?: string | null;
  },
  response: unknown,
): string[] {
  const warnings: string[] = [];
  const sandbox = unusedSandboxSettings(method, params, response);
  if (sandbox !== undefined) warnings.push(sandbox);
  const answer = response as Record<string, unknown> | null;
  const kept = method === "thread/resume";
  for (const field of ["model", "modelProvider", "serviceTier"] as const) {
    const asked = params[field];
    if (typeof asked !== "string" || answer === null || !(field in answer)) continue;
    const runs = answer[field];
    if (runs === asked) continue;
    const why = kept
      ? "a thread the server has loaded keeps its settings: give them to its next turn"
      : field === "serviceTier"
        ? "the runtime drops a tier the model does not offer"
        : "the runtime chose another";
    warnings.push(
      `${method}: the thread runs with ${field} ${JSON.stringify(runs)}, not the ` +
        `${JSON.stringify(asked)} asked (${why})`,
    );
  }
  return warnings;
}

/**
 * What to warn of when a thread was given settings that widen the workspaceWrite
 * sandbox (`networkAccess: true`, `additionalDirectories`) without `sandbox`, but runs another,
 * where they do nothing: its sandbox came from the user's config (or, on resume and fork, the
 * stored thread), which the client cannot know before the answer.
 */
function unusedSandboxSettings(
  method: string,
  params: { readonly sandbox?: unknown; readonly config?: { [key: string]: unknown } | null },
  response: unknown,
): string | undefined {
  const config = params.config;
  if (config == null || params.sandbox != null) return undefined;
  let given = WORKSPACE_WRITE_KEYS.filter((key) => {
    const value = configValue(config, key.split("."));
    return value === true || (Array.isArray(value) && value.length > 0);
  });
  if (given.length === 0) return undefined;
  const answer = response as {
    sandbox?: { type?: unknown; networkAccess?: unknown; writableRoots?: unknown };
    activePermissionProfile?: { id?: unknown } | null;
  } | null;
  const sandbox = answer?.sandbox;
  const type = sandbox?.type;
  // A workspaceWrite sandbox run as a permissions profile (the user's `default_permissions`)
  // has the profile's settings, not these: those the answer does not show were not applied.
  const profile = answer?.activePermissionProfile?.id;
  if (type === "workspaceWrite" && typeof profile === "string") {
    const roots = Array.isArray(sandbox?.writableRoots) ? sandbox.writableRoots.map(bare) : [];
    given = given.filter((key) => {
      const value = configValue(config, key.split("."));
      if (value === true) return sandbox?.networkAccess !== true;
      return (value as unknown[]).some((dir) => !roots.includes(bare(dir)));
    });
    if (given.length === 0) return undefined;
  }
  const runs =
    typeof type !== "string"
      ? undefined
      : type !== "workspaceWrite"
        ? `the thread's sandbox is ${type}`
        : typeof profile === "string"
          ? `the thread runs the permissions profile ${profile}`
          : undefined;
  if (runs === undefined) return undefined;
  const names = given.map((key) => SETTING_OPTIONS[key]).join(" and ");
  const [what, does] = given.length === 1 ? ["a setting", "does"] : ["settings", "do"];
  return (
    `${method}: ${runs}, where ${names} (${what} of the workspaceWrite ` +
    `sandbox) ${does} nothing: give sandbox: Sandbox.workspaceWrite with it`
  );
}

// A path as the runtime may write it back: without separators at its end (a root keeps its one).
function bare(dir: unknown): unknown {
  if (typeof dir !== "string") return dir;
  let end = dir.length;
  while (end > 1 && (dir[end - 1] === "/" || dir[end - 1] === "\\")) end--;
  return dir.slice(0, end);
}

// The value `config` gives the key path, written dotted, nested or both.
function configValue(config: Record<string, unknown>, path: readonly string[]): unknown {
  const dotted = path.join(".");
  if (config[dotted] !== undefined) return config[dotted];
  for (let i = 1; i < path.length; i++) {
    const inner = config[path.slice(0, i).join(".")];
    if (isPlainObject(inner)) {
      const value = configValue(inner, path.slice(i));
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

// Whether `config` sets the key path, or a key under it, written dotted, nested or both
// (`{ "a.b": 1 }`, `{ a: { b: 1 } }`, `{ "a.b.c": 1 }`).
function configHas(config: Record<string, unknown>, path: readonly string[]): boolean {
  const dotted = path.join(".");
  for (const key in config) {
    if (config[key] !== undefined && (key === dotted || key.startsWith(`${dotted}.`))) return true;
  }
  for (let i = 1; i < path.length; i++) {
    const inner = config[path.slice(0, i).join(".")];
    if (isPlainObject(inner) && configHas(inner, path.slice(i))) return true;
  }
  return false;
}

/**
 * @internal Checks where a fork ends: a turn id the server would look for and not find (`""`)
 * is refused, as are both ends at once, before any I/O.
 */
export function checkForkPoint(params: {
  readonly lastTurnId?: string | null | undefined;
  readonly beforeTurnId?: string | null | undefined;
}): void {
  const { lastTurnId, beforeTurnId } = params;
  for (const [name, id] of [
    ["lastTurnId", lastTurnId],
    ["beforeTurnId", beforeTurnId],
  ] as const) {
    if (id !== undefined && id !== null) checkWellFormed(checkNonEmpty(id, name), name);
  }
  if (lastTurnId != null && beforeTurnId != null) {
    throw new TypeError("lastTurnId and beforeTurnId cannot be combined: give one of them");
  }
}

/**
 * @internal The id in the answer to thread/start, resume or fork. An answer without one is a
 * fault of the server's: the thread could never be named.
 */
export function threadIdOf(answer: unknown, method: string): string {
  const id = (answer as { thread?: { id?: unknown } } | null | undefined)?.thread?.id;
  if (typeof id !== "string" || id === "") {
    throw new CodexError(`the answer to ${method} names no thread`);
  }
  // Errors and logs quote it: one that could run something on a terminal is refused.
  if (holdsControl(id)) {
    throw new CodexError(
      `the answer to ${method} names a thread whose id holds control characters`,
    );
  }
  return id;
}
