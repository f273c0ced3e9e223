import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
} from "./generated/index.js";

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
    `approvalMode must be one of ${choices(ApprovalMode, "ApprovalMode")}; got ${JSON.stringify(mode)}`,
  );
}

function checkSandbox(sandbox: unknown): Sandbox {
  if (typeof sandbox === "string" && Object.hasOwn(SANDBOX_MODE, sandbox))
    return sandbox as Sandbox;
  throw new TypeError(
    `sandbox must be one of ${choices(Sandbox, "Sandbox")}; got ${JSON.stringify(sandbox)}`,
  );
}

/** The `sandbox` mode string for thread start, resume and fork. */
export function sandboxMode(sandbox: unknown): SandboxMode {
  return SANDBOX_MODE[checkSandbox(sandbox)];
}

/** The full `sandboxPolicy` object for a turn, default fields included. */
export function sandboxPolicy(sandbox: unknown): SandboxPolicy {
  switch (checkSandbox(sandbox)) {
    case "readOnly":
      return { type: "readOnly", networkAccess: false };
    case "workspaceWrite":
      return {
        type: "workspaceWrite",
        writableRoots: [],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      };
    case "fullAccess":
      return { type: "dangerFullAccess" };
  }
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
