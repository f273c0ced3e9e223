import { CodexError } from "./errors.js";
import type {
  ApprovalsReviewer,
  AskForApproval,
  JsonValue,
  SandboxMode,
  SandboxPolicy,
  ThreadGoal,
  ThreadGoalStatus,
  WebSearchMode,
} from "./generated/index.js";
import { SERVER_NOTIFICATION_METHODS } from "./generated/index.js";
import {
  checkBoolean,
  checkNonEmpty,
  isPlainObject,
  isServerAbsolute,
  refuseNul,
  refuseOtherFields,
  checkWellFormed,
  describe,
  shown,
} from "./internal/validate.js";

/** How approvals are handled for a thread or turn. */
export const ApprovalMode = {
  /** Never ask: `approvalPolicy: "never"`. */
  denyAll: "denyAll",
  /** The server's reviewer decides escalations: `"on-request"` + `approvalsReviewer: "auto_review"`. */
  autoReview: "autoReview",
  /** The server asks this client, and the approval handlers answer: `"on-request"` + `"user"`. */
  askUser: "askUser",
} as const;
/** One of the {@link ApprovalMode} presets. */
export type ApprovalMode = (typeof ApprovalMode)[keyof typeof ApprovalMode];

/** Sandbox presets for what commands the agent runs may touch. */
export const Sandbox = {
  /** Read files anywhere, write nowhere, no network: `sandbox: "read-only"`. */
  readOnly: "readOnly",
  /** Write inside the workspace (and temp folders), no network: `"workspace-write"`. */
  workspaceWrite: "workspaceWrite",
  /** No sandbox at all: `"danger-full-access"`. Only for machines you can afford to lose. */
  fullAccess: "fullAccess",
} as const;
/** One of the {@link Sandbox} presets. */
export type Sandbox = (typeof Sandbox)[keyof typeof Sandbox];

interface ApprovalFields {
  approvalPolicy: AskForApproval;
  approvalsReviewer?: ApprovalsReviewer;
}

const APPROVAL_WIRE: Record<ApprovalMode, ApprovalFields> = {
  denyAll: { approvalPolicy: "never" },
  autoReview: { approvalPolicy: "on-request", approvalsReviewer: "auto_review" },
  askUser: { approvalPolicy: "on-request", approvalsReviewer: "user" },
};

const SANDBOX_MODE: Record<Sandbox, SandboxMode> = {
  readOnly: "read-only",
  workspaceWrite: "workspace-write",
  fullAccess: "danger-full-access",
};

function choices(preset: object, name: string): string {
  return Object.keys(preset)
    .map((k) => `${name}.${k}`)
    .join(", ");
}

/** The wire approval fields of a preset; throws a `TypeError` naming the valid ones otherwise. */
export function approvalFields(mode: unknown): ApprovalFields {
  if (typeof mode === "string" && Object.hasOwn(APPROVAL_WIRE, mode)) {
    return { ...APPROVAL_WIRE[mode as ApprovalMode] };
  }
  throw new TypeError(
    `approvalMode must be one of ${choices(ApprovalMode, "ApprovalMode")}; got ${shown(mode)}`,
  );
}

function checkSandbox(sandbox: unknown): Sandbox {
  if (typeof sandbox === "string" && Object.hasOwn(SANDBOX_MODE, sandbox))
    return sandbox as Sandbox;
  throw new TypeError(
    `sandbox must be one of ${choices(Sandbox, "Sandbox")}; got ${shown(sandbox)}`,
  );
}

/** The `sandbox` mode string for thread start, resume and fork. */
export function sandboxMode(sandbox: unknown): SandboxMode {
  return SANDBOX_MODE[checkSandbox(sandbox)];
}

/**
 * A sandbox preset for a turn or a command, and what it lets commands reach besides. The three go
 * out as one `sandboxPolicy` object, which replaces the thread's whole policy: what it does not
 * grant is off, whatever the thread's settings said.
 */
export interface SandboxOptions {
  /** The sandbox preset, sent as the full `sandboxPolicy` object. */
  readonly sandbox?: Sandbox | undefined;
  /** With `sandbox` `readOnly` or `workspaceWrite`: let commands reach the network; default `false`. */
  readonly networkAccess?: boolean | undefined;
  /** With `sandbox: "workspaceWrite"`: more directories commands may write to, as absolute paths. */
  readonly additionalDirectories?: readonly string[] | undefined;
}

/** @internal The names of {@link SandboxOptions}. */
export const SANDBOX_KEYS = ["sandbox", "networkAccess", "additionalDirectories"] as const;

/**
 * The full `sandboxPolicy` object of a turn or a command, default fields included; `undefined`
 * when no preset is given. Network access and writable directories are refused where the preset
 * has no such field, or without a preset, rather than dropped.
 */
export function sandboxPolicy(
  options: SandboxOptions,
  platformFamily?: string,
): SandboxPolicy | undefined {
  const { sandbox, networkAccess, additionalDirectories } = options;
  // The first of the two given, for messages.
  const extra =
    networkAccess !== undefined
      ? "networkAccess"
      : additionalDirectories !== undefined
        ? "additionalDirectories"
        : undefined;
  if (sandbox === undefined) {
    if (extra !== undefined) {
      throw new TypeError(`${extra} is part of the sandbox policy: give sandbox with it`);
    }
    return undefined;
  }
  const preset = checkSandbox(sandbox);
  if (preset === "fullAccess") {
    if (extra !== undefined) {
      throw new TypeError(`sandbox fullAccess has no ${extra}: it allows everything`);
    }
    return { type: "dangerFullAccess" };
  }
  const network =
    networkAccess === undefined ? false : checkBoolean(networkAccess, "networkAccess");
  if (preset === "readOnly") {
    if (additionalDirectories !== undefined) {
      throw new TypeError("sandbox readOnly has no additionalDirectories: it writes nowhere");
    }
    return { type: "readOnly", networkAccess: network };
  }
  return {
    type: "workspaceWrite",
    writableRoots:
      additionalDirectories === undefined
        ? []
        : checkAbsolutePaths(additionalDirectories, "additionalDirectories", platformFamily),
    networkAccess: network,
    excludeTmpdirEnvVar: false,
    excludeSlashTmp: false,
  };
}

/**
 * Wire options `W` with the deprecated settings the runtime ignores narrowed to the values it
 * reads, as `checkSettingStrings` refuses the others: `personality` `"none"`, `multiAgentMode`
 * `"explicitRequestOnly"`.
 */
export type ReadSettings<W> = Omit<W, "personality" | "multiAgentMode"> &
  ("personality" extends keyof W
    ? {
        /** `"none"` alone changes anything: the runtime ignores its other (deprecated) styles. */
        readonly personality?: "none" | null | undefined;
      }
    : unknown) &
  ("multiAgentMode" extends keyof W
    ? {
        /**
         * The runtime always runs `"explicitRequestOnly"` (its other modes are deprecated): give
         * effort `"ultra"` for proactive multi-agent work.
         */
        readonly multiAgentMode?: "explicitRequestOnly" | null | undefined;
      }
    : unknown);

/**
 * Checks the wire strings of thread or turn params that the server would take empty (a model
 * named "" goes to the model provider), and `runtimeWorkspaceRoots`, absolute paths.
 */
export function checkSettingStrings(
  params: Readonly<Record<string, unknown>>,
  nonEmpty: readonly string[],
  platformFamily?: string,
): void {
  for (const key of nonEmpty) {
    if (params[key] !== undefined && params[key] !== null) checkNonEmpty(params[key], key);
  }
  for (const key of PATH_KEYS) {
    if (typeof params[key] === "string") refuseNul(params[key], key);
  }
  // An environment's working directory and roots are the thread's, sticky, as a `cwd` is.
  const { environments, selectedCapabilityRoots } = params;
  if (Array.isArray(environments)) {
    environments.forEach((environment: unknown, i) => {
      const at = `environments[${i}]`;
      const { cwd, runtimeWorkspaceRoots: roots } = wireObject(environment, at, ENVIRONMENT);
      refuseNul(cwd as string, `${at}.cwd`);
      if (Array.isArray(roots)) {
        roots.forEach((root: string, j) => refuseNul(root, `${at}.runtimeWorkspaceRoots[${j}]`));
      }
    });
  }
  if (Array.isArray(selectedCapabilityRoots)) {
    selectedCapabilityRoots.forEach((root: unknown, i) => {
      const at = `selectedCapabilityRoots[${i}]`;
      const { location } = wireObject(root, at, CAPABILITY_ROOT);
      wireObject(location, `${at}.location`, CAPABILITY_ROOT_LOCATION);
    });
  }
  const roots = params.runtimeWorkspaceRoots;
  if (roots !== undefined && roots !== null) {
    checkAbsolutePaths(roots, "runtimeWorkspaceRoots", platformFamily);
  }
  // Settings the runtime reads no more (deprecated), which would change nothing.
  const { personality, multiAgentMode } = params;
  if (personality === "friendly" || personality === "pragmatic") {
    throw new TypeError(
      `personality ${JSON.stringify(personality)} selects no style in this runtime, which ignores ` +
        'it: only "none" changes anything',
    );
  }
  if (multiAgentMode !== undefined && multiAgentMode !== null) {
    if (multiAgentMode !== "explicitRequestOnly") {
      throw new TypeError(
        'multiAgentMode is ignored by this runtime (it is always "explicitRequestOnly"): give ' +
          'effort "ultra" for proactive multi-agent work',
      );
    }
  }
}

// The fields of a wire object in a list option, by kind (`strings?`: a list of strings, or none).
type WireFields = Readonly<Record<string, "string" | "object" | "strings?">>;
const ENVIRONMENT: WireFields = {
  environmentId: "string",
  cwd: "string",
  runtimeWorkspaceRoots: "strings?",
};
const CAPABILITY_ROOT: WireFields = { id: "string", location: "object" };
const CAPABILITY_ROOT_LOCATION: WireFields = {
  type: "string",
  environmentId: "string",
  path: "string",
};

/**
 * An entry of a list option checked against its wire fields: the server refuses one of another
 * kind naming no field ("invalid type: integer 42, expected a string"), and drops a field it
 * does not have without a word.
 */
function wireObject(value: unknown, name: string, fields: WireFields): Record<string, unknown> {
  const names = Object.keys(fields);
  if (!isPlainObject(value)) {
    throw new TypeError(
      `${name} must be an object { ${names.join(", ")} }, got ${describe(value)}`,
    );
  }
  refuseOtherFields(value, names, name, false);
  for (const key of names) {
    const field = value[key];
    const kind = fields[key];
    const fits =
      kind === "string"
        ? typeof field === "string"
        : kind === "object"
          ? isPlainObject(field)
          : field == null || (Array.isArray(field) && field.every((x) => typeof x === "string"));
    if (!fits) {
      const wanted = kind === "strings?" ? "an array of strings or null" : `a ${kind}`;
      throw new TypeError(`${name}.${key} must be ${wanted}, got ${describe(field)}`);
    }
  }
  return value;
}

// The wire's paths: the runtime takes one with a NUL, by which no file is found, and each
// command of the thread then fails.
const PATH_KEYS = ["cwd", "path"] as const;

// An option that lists directories: an array of absolute paths (the server's, which may run on
// another system than the client's: see `isServerAbsolute`), holes refused.
function checkAbsolutePaths(value: unknown, option: string, platformFamily?: string): string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${option} must be an array of absolute paths, got ${describe(value)}`);
  }
  return Array.from(value as unknown[], (dir, i) => {
    const name = `${option}[${i}]`;
    const text = refuseNul(checkWellFormed(checkNonEmpty(dir, name), name), name);
    if (!isServerAbsolute(text, platformFamily)) {
      const known = platformFamily === "unix" || platformFamily === "windows";
      const where = known ? ` on the server's system (${platformFamily})` : "";
      throw new TypeError(`${name} must be an absolute path${where}, got ${JSON.stringify(text)}`);
    }
    return text;
  });
}

/**
 * A JSON value as callers write it: read-only arrays and objects are fine, so a schema declared
 * `as const` can be passed as it is.
 */
export type JsonInput =
  | string
  | number
  | boolean
  | null
  | readonly JsonInput[]
  | { readonly [key: string]: JsonInput | undefined };

/** The runtime's web search modes. */
export const WEB_SEARCH_MODES = [
  "disabled",
  "cached",
  "indexed",
  "live",
] as const satisfies readonly WebSearchMode[];
const _allModes: [Exclude<WebSearchMode, (typeof WEB_SEARCH_MODES)[number]>] extends [never]
  ? true
  : false = true;

/** The runtime's goal statuses. */
const GOAL_STATUSES = [
  "active",
  "paused",
  "blocked",
  "usageLimited",
  "budgetLimited",
  "complete",
] as const satisfies readonly ThreadGoalStatus[];
const _allStatuses: [Exclude<ThreadGoalStatus, (typeof GOAL_STATUSES)[number]>] extends [never]
  ? true
  : false = true;

/** Whether a value is one of the runtime's goal statuses. */
export function isGoalStatus(value: unknown): value is ThreadGoalStatus {
  return (GOAL_STATUSES as readonly unknown[]).includes(value);
}

/**
 * Whether the server's `value` is a goal: an object with a status. A status this SDK does not know
 * (a newer runtime's) is taken as it is, and read as ended, as every status but `active` is.
 */
export function isGoal(value: unknown): value is ThreadGoal {
  if (typeof value !== "object" || value === null) return false;
  const { status } = value as { status?: unknown };
  return typeof status === "string" && status !== "";
}

/** The goal of an answer to `method`, when it is one (see {@link isGoal}). */
export function goalOf(goal: unknown, method: string): ThreadGoal {
  if (!isGoal(goal)) throw new CodexError(`the answer to ${method} holds no goal with a status`);
  return goal;
}

/** Checks a goal status. */
export function checkGoalStatus(value: unknown): ThreadGoalStatus {
  if (isGoalStatus(value)) return value;
  throw new TypeError(`status must be one of ${GOAL_STATUSES.join(", ")}; got ${shown(value)}`);
}

/** @internal The names of {@link ThreadSettings}. */
export const SETTING_KEYS = [
  "networkAccess",
  "webSearch",
  "additionalDirectories",
  "reasoningEffort",
] as const;

/**
 * Thread settings with their own typed options, each mapped to the runtime's config key. A key
 * set by one of them may not also be given in `config`.
 */
export interface ThreadSettings {
  /** Network access for commands in the workspace-write sandbox (`sandbox_workspace_write.network_access`). */
  readonly networkAccess?: boolean | undefined;
  /**
   * The model's web search tool (`web_search`): `"disabled"` (no tool), `"cached"` (cached
   * results only), `"indexed"` or `"live"` (live access).
   */
  readonly webSearch?: WebSearchMode | undefined;
  /** More directories the workspace-write sandbox may write to, as absolute paths (`sandbox_workspace_write.writable_roots`). */
  readonly additionalDirectories?: readonly string[] | undefined;
  /**
   * Reasoning effort (`model_reasoning_effort`), one of those `codex.models()` lists for the
   * model under `supportedReasoningEfforts` (`"low"`, `"medium"`, `"high"`, ...).
   */
  readonly reasoningEffort?: string | undefined;
}

/** The config entries of typed thread settings, checked before any I/O. */
export function settingsConfig(
  settings: ThreadSettings,
  platformFamily?: string,
): Record<string, JsonValue> {
  const config: Record<string, JsonValue> = {};
  const { networkAccess, webSearch, additionalDirectories, reasoningEffort } = settings;
  if (networkAccess !== undefined) {
    config["sandbox_workspace_write.network_access"] = checkBoolean(networkAccess, "networkAccess");
  }
  if (webSearch !== undefined) {
    if (!(WEB_SEARCH_MODES as readonly unknown[]).includes(webSearch)) {
      throw new TypeError(
        `webSearch must be one of ${WEB_SEARCH_MODES.join(", ")}; got ${shown(webSearch)}`,
      );
    }
    config.web_search = webSearch;
  }
  if (additionalDirectories !== undefined) {
    config["sandbox_workspace_write.writable_roots"] = checkAbsolutePaths(
      additionalDirectories,
      "additionalDirectories",
      platformFamily,
    );
  }
  if (reasoningEffort !== undefined) {
    config.model_reasoning_effort = checkWellFormed(
      checkNonEmpty(reasoningEffort, "reasoningEffort"),
      "reasoningEffort",
    );
  }
  return config;
}

/**
 * Which events the server sends: `"all"` (the default), or `"results"`, which leaves out the
 * per-token deltas of turn items (agent text, reasoning, command and patch output, plans) and of
 * realtime sessions. Results, items and every item-level event are the same in both.
 */
export type EventMode = "all" | "results";

/** The notifications `events: "results"` opts out of: every item and realtime delta of the pinned runtime. */
export const DELTA_METHODS: readonly string[] = SERVER_NOTIFICATION_METHODS.filter(
  (method) => /delta$/i.test(method) && /^(item|thread\/realtime)\//.test(method),
);

/** Checks an `events` option. */
export function checkEventMode(mode: unknown): EventMode {
  if (mode === undefined || mode === "all" || mode === "results") return mode ?? "all";
  throw new TypeError(`events must be "all" or "results"; got ${shown(mode)}`);
}
