/**
 * What a valid answer to each server request is, and the safe default sent when there is no
 * handler or its answer is not valid. Checked at run time, since handlers are user code; the
 * lists are tied to the generated wire types, so a runtime upgrade that changes them fails to
 * compile here.
 */
import type {
  ChatgptAuthTokensRefreshResponse,
  CommandExecutionApprovalDecision,
  DynamicToolCallOutputContentItem,
  FileChangeApprovalDecision,
  McpServerElicitationAction,
  PermissionGrantScope,
  ReviewDecision,
  ServerRequestMap,
  ServerRequestMethod,
} from "./generated/index.js";

/** The answers given when there is no handler, or the handler failed: nothing is allowed. */
export const DEFAULT_ANSWERS = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  "item/permissions/requestApproval": { permissions: {}, scope: "turn" },
  "item/tool/requestUserInput": { answers: {} },
  "mcpServer/elicitation/request": { action: "cancel", content: null, _meta: null },
  execCommandApproval: { decision: { denied: { rejection: "declined by the client" } } },
  applyPatchApproval: { decision: { denied: { rejection: "declined by the client" } } },
} as const satisfies Partial<{ [M in ServerRequestMethod]: ServerRequestMap[M]["result"] }>;

/** The server requests with a safe default answer. */
export type DefaultedMethod = keyof typeof DEFAULT_ANSWERS;

type Strings<T> = Extract<T, string>;
type Keys<T> = T extends object ? keyof T : never;
// `true` only when `Listed` names every member of `All`: a new member fails to compile.
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;

const COMMAND_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"] as const;
const COMMAND_DECISION_KEYS = [
  "acceptWithExecpolicyAmendment",
  "applyNetworkPolicyAmendment",
] as const;
const FILE_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"] as const;
const REVIEW_DECISIONS = [
  "approved",
  "approved_for_session",
  "approved_mcp_policy_amendment",
  "timed_out",
  "abort",
] as const;
const REVIEW_DECISION_KEYS = [
  "approved_execpolicy_amendment",
  "network_policy_amendment",
  "denied",
] as const;
const GRANT_SCOPES = ["turn", "session"] as const;
const ELICITATION_ACTIONS = ["accept", "decline", "cancel"] as const;
const CONTENT_FIELDS = {
  inputText: "text",
  inputImage: "imageUrl",
  inputAudio: "audioUrl",
} as const;

const _complete: [
  Exhaustive<Strings<CommandExecutionApprovalDecision>, (typeof COMMAND_DECISIONS)[number]>,
  Exhaustive<Keys<CommandExecutionApprovalDecision>, (typeof COMMAND_DECISION_KEYS)[number]>,
  Exhaustive<FileChangeApprovalDecision, (typeof FILE_DECISIONS)[number]>,
  Exhaustive<Strings<ReviewDecision>, (typeof REVIEW_DECISIONS)[number]>,
  Exhaustive<Keys<ReviewDecision>, (typeof REVIEW_DECISION_KEYS)[number]>,
  Exhaustive<PermissionGrantScope, (typeof GRANT_SCOPES)[number]>,
  Exhaustive<McpServerElicitationAction, (typeof ELICITATION_ACTIONS)[number]>,
  Exhaustive<DynamicToolCallOutputContentItem["type"], keyof typeof CONTENT_FIELDS>,
] = [true, true, true, true, true, true, true, true];

/** A handler's answer that is not valid for its request. */
export class InvalidAnswerError extends Error {
  override readonly name = "InvalidAnswerError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function includes<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}

function shown(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value)
    ? "an array"
    : `an object with keys [${Object.keys(value).join(", ")}]`;
}

function invalid(what: string, value: unknown): never {
  throw new InvalidAnswerError(`${what}, got ${shown(value)}`);
}

// A decision: one of `strings`, or an object with exactly one of `keys` holding an object.
function decision<T>(value: unknown, strings: readonly string[], keys: readonly string[]): T {
  const answer = isRecord(value) ? value.decision : undefined;
  if (includes(strings, answer)) return answer as T;
  if (isRecord(answer)) {
    const own = Object.keys(answer);
    if (own.length === 1 && includes(keys, own[0]) && isRecord(answer[own[0]!])) return answer as T;
  }
  return invalid(`decision must be one of ${[...strings, ...keys].join(", ")}`, answer);
}

type Answers = { [M in DefaultedMethod]: (value: unknown) => ServerRequestMap[M]["result"] };

/**
 * Checks a handler's answer to each defaulted request and returns what goes on the wire; throws
 * `InvalidAnswerError` naming the problem.
 */
export const CHECK_ANSWER: Answers = {
  "item/commandExecution/requestApproval": (value) => ({
    decision: decision(value, COMMAND_DECISIONS, COMMAND_DECISION_KEYS),
  }),
  "item/fileChange/requestApproval": (value) => ({
    decision: decision(value, FILE_DECISIONS, []),
  }),
  execCommandApproval: (value) => ({
    decision: decision(value, REVIEW_DECISIONS, REVIEW_DECISION_KEYS),
  }),
  applyPatchApproval: (value) => ({
    decision: decision(value, REVIEW_DECISIONS, REVIEW_DECISION_KEYS),
  }),
  "item/permissions/requestApproval": (value) => {
    if (!isRecord(value) || !isRecord(value.permissions)) {
      return invalid("the answer must be { permissions: {...}, scope }", value);
    }
    if (!includes(GRANT_SCOPES, value.scope)) {
      return invalid(`scope must be one of ${GRANT_SCOPES.join(", ")}`, value.scope);
    }
    const { strictAutoReview } = value;
    if (strictAutoReview !== undefined && typeof strictAutoReview !== "boolean") {
      return invalid("strictAutoReview must be a boolean", strictAutoReview);
    }
    return {
      permissions: value.permissions,
      scope: value.scope,
      ...(strictAutoReview === undefined ? {} : { strictAutoReview }),
    };
  },
  "item/tool/requestUserInput": (value) => {
    const answers = isRecord(value) ? value.answers : undefined;
    if (!isRecord(answers)) return invalid("the answer must be { answers: {...} }", value);
    for (const [id, answer] of Object.entries(answers)) {
      const list = isRecord(answer) ? answer.answers : undefined;
      if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
        return invalid(`answers[${JSON.stringify(id)}] must be { answers: string[] }`, answer);
      }
    }
    return {
      answers: answers as ServerRequestMap["item/tool/requestUserInput"]["result"]["answers"],
    };
  },
  "mcpServer/elicitation/request": (value) => {
    const action = isRecord(value) ? value.action : undefined;
    if (!includes(ELICITATION_ACTIONS, action)) {
      return invalid(`action must be one of ${ELICITATION_ACTIONS.join(", ")}`, action);
    }
    const record = value as Record<string, unknown>;
    return {
      action,
      content: (record.content ?? null) as never,
      _meta: (record._meta ?? null) as never,
    };
  },
};

/** The content items of a dynamic tool's output: a string is one text item, an array is checked. */
export function toolContent(value: unknown): DynamicToolCallOutputContentItem[] {
  if (typeof value === "string") return [{ type: "inputText", text: value }];
  if (!Array.isArray(value)) {
    const text = JSON.stringify(value ?? null);
    return [{ type: "inputText", text }];
  }
  return value.map((item, i) => {
    const type = isRecord(item) ? item.type : undefined;
    if (!isRecord(item) || typeof type !== "string" || !Object.hasOwn(CONTENT_FIELDS, type)) {
      return invalid(
        `tool output item ${i} must have type ${Object.keys(CONTENT_FIELDS).join(", ")}`,
        item,
      );
    }
    const field = CONTENT_FIELDS[type as keyof typeof CONTENT_FIELDS];
    if (typeof item[field] !== "string")
      invalid(`tool output item ${i} needs a string ${field}`, item[field]);
    return { type, [field]: item[field] } as unknown as DynamicToolCallOutputContentItem;
  });
}

/** Checks the answer of an `account/chatgptAuthTokens/refresh` handler. */
export function checkTokenRefresh(value: unknown): ChatgptAuthTokensRefreshResponse {
  const ok =
    isRecord(value) &&
    typeof value.accessToken === "string" &&
    value.accessToken !== "" &&
    typeof value.chatgptAccountId === "string" &&
    value.chatgptAccountId !== "" &&
    (value.chatgptPlanType === undefined ||
      value.chatgptPlanType === null ||
      typeof value.chatgptPlanType === "string");
  if (!ok) {
    // Names the shape only: the value holds a token.
    throw new InvalidAnswerError(
      "a token refresh must answer { accessToken, chatgptAccountId, chatgptPlanType? } with non-empty strings",
    );
  }
  return {
    accessToken: value.accessToken as string,
    chatgptAccountId: value.chatgptAccountId as string,
    chatgptPlanType: (value.chatgptPlanType ?? null) as string | null,
  };
}

/** Throws when `answer` cannot travel as JSON (a cycle, a BigInt, a function at the top). */
export function checkEncodable(answer: unknown): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(answer);
  } catch (err) {
    throw new InvalidAnswerError(
      `the answer cannot be encoded as JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (text === undefined) throw new InvalidAnswerError("the answer cannot be encoded as JSON");
}
