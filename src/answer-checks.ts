/**
 * What a valid answer to each server request is. Checked at run time, since handlers are user
 * code; the lists are tied to the generated wire types, so a runtime upgrade that changes them
 * fails to compile here. Loaded on the first answer a handler gives: a client without handlers
 * never needs it.
 */
import { types } from "node:util";
import type {
  AdditionalFileSystemPermissions,
  AdditionalNetworkPermissions,
  ChatgptAuthTokensRefreshResponse,
  CommandExecutionApprovalDecision,
  DynamicToolCallOutputContentItem,
  FileChangeApprovalDecision,
  FileSystemAccessMode,
  FileSystemPath,
  FileSystemSandboxEntry,
  FileSystemSpecialPath,
  GrantedPermissionProfile,
  McpServerElicitationAction,
  McpServerElicitationRequestResponse,
  NetworkPolicyAmendment,
  NetworkPolicyRuleAction,
  PermissionGrantScope,
  PermissionsRequestApprovalResponse,
  ReviewDecision,
  ServerRequestMap,
} from "./generated/index.js";
import type { DefaultedMethod } from "./answers.js";
import { thrownMessage } from "./internal/logger.js";
import {
  checkHeaderValue,
  checkNonEmpty,
  checkSecret,
  checkWellFormed,
  describe,
  encodesLoneSurrogate,
  isPlainObject,
  isServerAbsolute,
  MAX_JSON_DEPTH,
  nestsPast,
  quotedKey,
} from "./internal/validate.js";
import { mediaUrlProblem } from "./internal/media.js";

type Strings<T> = Extract<T, string>;
// `true` only when `Listed` names every member of `All`: a new member fails to compile.
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
// `true` when every check of `Checks` holds, else `never`.
type AllHold<Checks extends readonly boolean[]> = false extends Checks[number] ? never : true;

// Checks a part of an answer (`what` is its path, for the message) and returns its wire copy.
type Check<T> = (value: Record<string, unknown>, what: string) => T;
// A check per variant of a union tagged by its only key (`{ denied: {...} }`) or by a field
// (`{ type: "path", ... }`): mapped from the wire type, so a new variant fails to compile.
type KeyVariants<T> = {
  [K in (T extends object ? keyof T : never) & string]: Check<
    T extends Record<K, infer V> ? V : never
  >;
};
type TagVariants<T, Tag extends keyof T> = {
  [K in T[Tag] & string]: Check<Extract<T, Record<Tag, K>>>;
};

const COMMAND_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"] as const;
const FILE_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"] as const;
const REVIEW_DECISIONS = [
  "approved",
  "approved_for_session",
  "approved_mcp_policy_amendment",
  "timed_out",
  "abort",
] as const;
const GRANT_SCOPES = ["turn", "session"] as const;
const RULE_ACTIONS = ["allow", "deny"] as const;
const ACCESS_MODES = ["read", "write", "deny"] as const;
const ELICITATION_ACTIONS = ["accept", "decline", "cancel"] as const;
const CONTENT_FIELDS = {
  inputText: "text",
  inputImage: "imageUrl",
  inputAudio: "audioUrl",
} as const;

// The lists and the fields the checks copy, tied to the wire types: a new member fails to compile.
const _complete: AllHold<
  [
    Exhaustive<Strings<CommandExecutionApprovalDecision>, (typeof COMMAND_DECISIONS)[number]>,
    Exhaustive<FileChangeApprovalDecision, (typeof FILE_DECISIONS)[number]>,
    Exhaustive<Strings<ReviewDecision>, (typeof REVIEW_DECISIONS)[number]>,
    Exhaustive<PermissionGrantScope, (typeof GRANT_SCOPES)[number]>,
    Exhaustive<NetworkPolicyRuleAction, (typeof RULE_ACTIONS)[number]>,
    Exhaustive<FileSystemAccessMode, (typeof ACCESS_MODES)[number]>,
    Exhaustive<McpServerElicitationAction, (typeof ELICITATION_ACTIONS)[number]>,
    Exhaustive<DynamicToolCallOutputContentItem["type"], keyof typeof CONTENT_FIELDS>,
    Exhaustive<keyof NetworkPolicyAmendment, "host" | "action">,
    Exhaustive<keyof GrantedPermissionProfile, "network" | "fileSystem">,
    Exhaustive<keyof AdditionalNetworkPermissions, (typeof NETWORK_FIELDS)[number]>,
    Exhaustive<keyof AdditionalFileSystemPermissions, (typeof FILE_SYSTEM_FIELDS)[number]>,
    Exhaustive<keyof FileSystemSandboxEntry, (typeof SANDBOX_ENTRY_FIELDS)[number]>,
    Exhaustive<keyof PermissionsRequestApprovalResponse, (typeof GRANT_FIELDS)[number]>,
    Exhaustive<keyof McpServerElicitationRequestResponse, (typeof ELICITATION_FIELDS)[number]>,
    Exhaustive<keyof ChatgptAuthTokensRefreshResponse, (typeof TOKEN_REFRESH_FIELDS)[number]>,
  ]
> = true;

/** A handler's answer that is not valid for its request. */
export class InvalidAnswerError extends Error {
  override readonly name = "InvalidAnswerError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function includes<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}

function shown(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  // Not its source text, which can be long.
  if (typeof value === "function") return "a function";
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value)
    ? "an array"
    : `an object with keys [${Object.keys(value).join(", ")}]`;
}

// A string by its length only: an answer to the user's questions may be the secret one asked for.
function shape(value: unknown): string {
  return typeof value === "string" ? `a string of ${value.length} characters` : shown(value);
}

function invalid(what: string, value: unknown, describe = shown): never {
  throw new InvalidAnswerError(`${what}, got ${describe(value)}`);
}

function object(value: unknown, what: string): Record<string, unknown> {
  return isRecord(value) ? value : invalid(`${what} must be an object`, value);
}

function string(value: unknown, what: string): string {
  return typeof value === "string" ? value : invalid(`${what} must be a string`, value);
}

function nullableString(value: unknown, what: string): string | null {
  return absent(value) ? null : string(value, what);
}

// `Array.from` reads a gap in a sparse array as `undefined`, which fails the check, where `every`
// and `map` skip it and it went out as `null`.
function strings(value: unknown, what: string, describe = shown): string[] {
  const list = Array.isArray(value) ? Array.from(value as unknown[]) : undefined;
  if (list !== undefined && list.every((item) => typeof item === "string")) return list;
  return invalid(`${what} must be an array of strings`, value, describe);
}

// A path the runtime grants as it is: it refuses a relative one, and ends the turn. Either
// platform's form: `checkGrantPlatform` holds it to the server's.
function absolutePath(value: unknown, what: string): string {
  const text = string(value, what);
  return isServerAbsolute(text) ? text : invalid(`${what} must be an absolute path`, text);
}

/**
 * Refuses a grant (checked by `CHECK_ANSWER`) that names a path absolute on another platform
 * than the server's (`platformFamily` of its `initialize` answer): the runtime would refuse it,
 * or grant nothing, and end the turn.
 */
export function checkGrantPlatform(
  answer: ServerRequestMap["item/permissions/requestApproval"]["result"],
  platformFamily: string,
): void {
  const family = platformFamily === "windows" ? "windows" : "unix";
  const system = family === "windows" ? "Windows" : "Unix";
  const fileSystem = answer.permissions.fileSystem;
  if (fileSystem === undefined || fileSystem === null) return;
  const check = (path: string, what: string) => {
    if (!isServerAbsolute(path, family)) {
      invalid(`${what} must be an absolute path of ${system}, where the server runs`, path);
    }
  };
  fileSystem.read?.forEach((path, i) => check(path, `permissions.fileSystem.read[${i}]`));
  fileSystem.write?.forEach((path, i) => check(path, `permissions.fileSystem.write[${i}]`));
  fileSystem.entries?.forEach(({ path }, i) => {
    if (path.type === "path") check(path.path, `permissions.fileSystem.entries[${i}].path.path`);
  });
}

function absolutePaths(value: unknown, what: string): string[] {
  return strings(value, what).map((item, i) => absolutePath(item, `${what}[${i}]`));
}

function oneOf<T extends string>(list: readonly T[], value: unknown, what: string): T {
  return includes(list, value)
    ? value
    : invalid(`${what} must be one of ${list.join(", ")}`, value);
}

function networkAmendment(value: unknown, what: string): NetworkPolicyAmendment {
  const amendment = object(value, what);
  return {
    host: string(amendment.host, `${what}.host`),
    action: oneOf(RULE_ACTIONS, amendment.action, `${what}.action`),
  };
}

const COMMAND_DECISION_VARIANTS: KeyVariants<CommandExecutionApprovalDecision> = {
  acceptWithExecpolicyAmendment: (inner, what) => ({
    execpolicy_amendment: strings(inner.execpolicy_amendment, `${what}.execpolicy_amendment`),
  }),
  applyNetworkPolicyAmendment: (inner, what) => ({
    network_policy_amendment: networkAmendment(
      inner.network_policy_amendment,
      `${what}.network_policy_amendment`,
    ),
  }),
};

const REVIEW_DECISION_VARIANTS: KeyVariants<ReviewDecision> = {
  approved_execpolicy_amendment: (inner, what) => ({
    proposed_execpolicy_amendment: strings(
      inner.proposed_execpolicy_amendment,
      `${what}.proposed_execpolicy_amendment`,
    ),
  }),
  network_policy_amendment: (inner, what) => ({
    network_policy_amendment: networkAmendment(
      inner.network_policy_amendment,
      `${what}.network_policy_amendment`,
    ),
  }),
  denied: (inner, what) => ({ rejection: string(inner.rejection, `${what}.rejection`) }),
};

// A decision: one of `names`, or an object whose only key is a variant, checked by it.
function decision<T>(
  value: unknown,
  names: readonly string[],
  variants: Record<string, Check<unknown>>,
): T {
  const answer = isRecord(value) ? value.decision : undefined;
  if (includes(names, answer)) return answer as T;
  if (isRecord(answer)) {
    const own = Object.keys(answer);
    const key = own[0]!;
    if (own.length === 1 && Object.hasOwn(variants, key)) {
      const what = `decision.${key}`;
      return { [key]: variants[key]!(object(answer[key], what), what) } as T;
    }
  }
  const all = [...names, ...Object.keys(variants)];
  return invalid(`decision must be one of ${all.join(", ")}`, answer);
}

// A variant of a union tagged by the field `tag`.
function tagged<T>(
  variants: Record<string, Check<T>>,
  tag: string,
  value: unknown,
  what: string,
): T {
  const record = object(value, what);
  const name = record[tag];
  if (typeof name !== "string" || !Object.hasOwn(variants, name)) {
    return invalid(`${what}.${tag} must be one of ${Object.keys(variants).join(", ")}`, name);
  }
  const variant = variants[name]!(record, what);
  // Its output holds each field the variant takes (a misspelt `subpth` would widen a grant).
  knownKeys(record, Object.keys(variant as object), what, "field");
  return variant;
}

const SPECIAL_PATH_VARIANTS: TagVariants<FileSystemSpecialPath, "kind"> = {
  root: () => ({ kind: "root" }),
  minimal: () => ({ kind: "minimal" }),
  project_roots: (value, what) => ({
    kind: "project_roots",
    subpath: nullableString(value.subpath, `${what}.subpath`),
  }),
  tmpdir: () => ({ kind: "tmpdir" }),
  slash_tmp: () => ({ kind: "slash_tmp" }),
  unknown: (value, what) => ({
    kind: "unknown",
    path: string(value.path, `${what}.path`),
    subpath: nullableString(value.subpath, `${what}.subpath`),
  }),
};

const PATH_VARIANTS: TagVariants<FileSystemPath, "type"> = {
  path: (value, what) => ({ type: "path", path: absolutePath(value.path, `${what}.path`) }),
  glob_pattern: (value, what) => ({
    type: "glob_pattern",
    pattern: string(value.pattern, `${what}.pattern`),
  }),
  special: (value, what) => ({
    type: "special",
    value: tagged<FileSystemSpecialPath>(
      SPECIAL_PATH_VARIANTS,
      "kind",
      value.value,
      `${what}.value`,
    ),
  }),
};

function sandboxEntry(value: unknown, what: string): FileSystemSandboxEntry {
  const entry = knownKeys(value, SANDBOX_ENTRY_FIELDS, what, "field");
  return {
    path: tagged<FileSystemPath>(PATH_VARIANTS, "type", entry.path, `${what}.path`),
    access: oneOf(ACCESS_MODES, entry.access, `${what}.access`),
  };
}

// The fields of a grant and its parts, of an elicitation's answer and of a token refresh's, many of
// them optional: one the pinned runtime does not know (a misspelt `wirte` or `strictAutoReveiw`, or
// a newer runtime's) would be dropped without a word, changing what is granted or answered.
const NETWORK_FIELDS = ["enabled"] as const;
const FILE_SYSTEM_FIELDS = ["read", "write", "globScanMaxDepth", "entries"] as const;
const SANDBOX_ENTRY_FIELDS = ["path", "access"] as const;
const GRANT_FIELDS = ["permissions", "scope", "strictAutoReview"] as const;
const ELICITATION_FIELDS = ["action", "content", "_meta"] as const;
const TOKEN_REFRESH_FIELDS = ["accessToken", "chatgptAccountId", "chatgptPlanType"] as const;

/**
 * `value`, an object holding no key but the `known` ones (named `noun`), or ones whose value is
 * absent; else it throws.
 */
function knownKeys(
  value: unknown,
  known: readonly string[],
  what: string,
  noun: "kind" | "field",
): Record<string, unknown> {
  const record = object(value, what);
  for (const [key, part] of Object.entries(record)) {
    if (!absent(part) && !known.includes(key)) {
      const unknown =
        noun === "kind" ? "a kind the runtime does not grant" : "a field it does not take";
      return invalid(
        `${what} holds ${quotedKey(key)}, ${unknown} (the ${noun}s are ${known.join(", ")})`,
        part,
        shape,
      );
    }
  }
  return record;
}

function networkPermissions(value: unknown, what: string): AdditionalNetworkPermissions {
  const { enabled } = knownKeys(value, NETWORK_FIELDS, what, "field");
  if (absent(enabled)) return { enabled: null };
  if (typeof enabled === "boolean") return { enabled };
  return invalid(`${what}.enabled must be a boolean or null`, enabled);
}

function fileSystemPermissions(value: unknown, what: string): AdditionalFileSystemPermissions {
  const {
    read,
    write,
    globScanMaxDepth: depth,
    entries,
  } = knownKeys(value, FILE_SYSTEM_FIELDS, what, "field");
  const out: AdditionalFileSystemPermissions = {
    read: absent(read) ? null : absolutePaths(read, `${what}.read`),
    write: absent(write) ? null : absolutePaths(write, `${what}.write`),
  };
  if (!absent(depth)) {
    if (typeof depth !== "number" || !Number.isSafeInteger(depth) || depth < 1) {
      return invalid(`${what}.globScanMaxDepth must be a positive integer`, depth);
    }
    out.globScanMaxDepth = depth;
  }
  if (!absent(entries)) {
    if (!Array.isArray(entries)) return invalid(`${what}.entries must be an array`, entries);
    out.entries = Array.from(entries as unknown[], (entry, i) =>
      sandboxEntry(entry, `${what}.entries[${i}]`),
    );
  }
  return out;
}

// The kinds of permission the pinned runtime grants.
const PERMISSION_KINDS = [
  "network",
  "fileSystem",
] as const satisfies readonly (keyof GrantedPermissionProfile)[];

// Each part may be missing or `null` on the wire: either way it grants nothing. A kind the pinned
// runtime does not know (a misspelt one, or a newer runtime's) would be dropped without a word.
function grantedPermissions(value: unknown): GrantedPermissionProfile {
  const permissions = knownKeys(value, PERMISSION_KINDS, "permissions", "kind");
  const { network, fileSystem } = permissions;
  const out: GrantedPermissionProfile = {};
  if (!absent(network)) out.network = networkPermissions(network, "permissions.network");
  if (!absent(fileSystem)) {
    out.fileSystem = fileSystemPermissions(fileSystem, "permissions.fileSystem");
  }
  return out;
}

/**
 * What `acceptAll()` grants of a permission request: each part asked for that the pinned runtime
 * grants as it is. A part holding what it does not know (a newer runtime's field, path type or
 * access mode, which may narrow the part) is left out, not granted without it; the rest is granted.
 */
export function grantableParts(asked: unknown): GrantedPermissionProfile {
  const out: GrantedPermissionProfile = {};
  if (!isRecord(asked)) return out;
  const { network, fileSystem } = asked;
  if (!absent(network)) {
    const granted = checkedOrNone(() => networkPermissions(network, "network"));
    if (granted !== undefined) out.network = granted;
  }
  if (!absent(fileSystem)) {
    const granted = checkedOrNone(() => fileSystemPermissions(fileSystem, "fileSystem"));
    if (granted !== undefined) out.fileSystem = granted;
  }
  return out;
}

// What `check` gives, or undefined where it finds the value invalid.
function checkedOrNone<T>(check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidAnswerError) return undefined;
    throw err;
  }
}

type Answers = { [M in DefaultedMethod]: (value: unknown) => ServerRequestMap[M]["result"] };

/**
 * Checks a handler's answer to each defaulted request and returns what goes on the wire; throws
 * `InvalidAnswerError` naming the problem.
 */
export const CHECK_ANSWER: Answers = {
  "item/commandExecution/requestApproval": (value) => ({
    decision: decision(value, COMMAND_DECISIONS, COMMAND_DECISION_VARIANTS),
  }),
  "item/fileChange/requestApproval": (value) => ({
    decision: decision(value, FILE_DECISIONS, {}),
  }),
  execCommandApproval: (value) => ({
    decision: decision(value, REVIEW_DECISIONS, REVIEW_DECISION_VARIANTS),
  }),
  applyPatchApproval: (value) => ({
    decision: decision(value, REVIEW_DECISIONS, REVIEW_DECISION_VARIANTS),
  }),
  "item/permissions/requestApproval": (value) => {
    if (!isRecord(value) || !isRecord(value.permissions)) {
      return invalid("the answer must be { permissions: {...}, scope }", value);
    }
    knownKeys(value, GRANT_FIELDS, "the answer", "field");
    const scope = oneOf(GRANT_SCOPES, value.scope, "scope");
    // Left out or null, as the runtime reads it: no review asked for.
    const { strictAutoReview } = value;
    if (!absent(strictAutoReview) && typeof strictAutoReview !== "boolean") {
      return invalid("strictAutoReview must be a boolean", strictAutoReview);
    }
    return {
      permissions: grantedPermissions(value.permissions),
      scope,
      ...(absent(strictAutoReview) ? {} : { strictAutoReview }),
    };
  },
  "item/tool/requestUserInput": (value) => {
    const answers = isRecord(value) ? value.answers : undefined;
    if (!isRecord(answers)) return invalid("the answer must be { answers: {...} }", value, shape);
    // A copy of the protocol's fields only; a question left `undefined` is not answered, as
    // JSON would leave it out. `fromEntries` defines each key, `__proto__` too.
    const copy: [string, { answers: string[] }][] = [];
    for (const [id, answer] of Object.entries(answers)) {
      if (answer === undefined) continue;
      const what = `answers[${JSON.stringify(id)}]`;
      if (!isRecord(answer)) return invalid(`${what} must be { answers: string[] }`, answer, shape);
      copy.push([id, { answers: strings(answer.answers, `${what}.answers`, shape) }]);
    }
    return { answers: Object.fromEntries(copy) };
  },
  "mcpServer/elicitation/request": (value) => {
    const action = isRecord(value) ? value.action : undefined;
    if (!includes(ELICITATION_ACTIONS, action)) {
      return invalid(`action must be one of ${ELICITATION_ACTIONS.join(", ")}`, action);
    }
    const record = knownKeys(value, ELICITATION_FIELDS, "the answer", "field");
    return {
      action,
      content: formObject(record.content, "content") as never,
      _meta: formObject(record._meta, "_meta") as never,
    };
  },
};

/**
 * Checks the data of an accepted form elicitation against the form the MCP server asked for
 * (`requestedSchema`: flat, of strings, numbers, booleans and choices): every field it requires
 * given, none it does not ask for, each of its kind, within its choices and bounds. Values are
 * named by their kind only: what a user typed may be a secret. A form the SDK cannot read is not
 * checked.
 */
export function checkFormContent(
  answer: { action: string; content: unknown },
  requested: unknown,
): void {
  if (answer.action !== "accept" || !isPlainObject(requested)) return;
  const { properties, required } = requested;
  if (!isPlainObject(properties)) return;
  const content = isPlainObject(answer.content) ? answer.content : {};
  for (const name of Array.isArray(required) ? required : []) {
    if (
      typeof name === "string" &&
      content[name] === undefined &&
      Object.hasOwn(properties, name)
    ) {
      throw new InvalidAnswerError(
        `content lacks ${JSON.stringify(name)}, which the form requires`,
      );
    }
  }
  for (const [name, value] of Object.entries(content)) {
    const field = `content[${JSON.stringify(name)}]`;
    if (!Object.hasOwn(properties, name)) {
      const fields = Object.keys(properties).join(", ");
      throw new InvalidAnswerError(`${field} is no field of the form (its fields are ${fields})`);
    }
    const problem = fieldProblem(value, properties[name]);
    if (problem !== undefined) invalid(`${field} ${problem}`, value, kindOnly);
  }
}

/**
 * Checks that each answer of a user-input request answers a question it asked (by the question's
 * `id`): the runtime passes an answer to no question on to the model as it is, and the question
 * asked goes unanswered without a word. Questions the SDK cannot read are not checked.
 */
export function checkUserInputAnswers(answer: { answers: object }, questions: unknown): void {
  if (!Array.isArray(questions)) return;
  const ids: string[] = [];
  for (const question of questions) {
    const id: unknown = isRecord(question) ? question.id : undefined;
    if (typeof id !== "string") return;
    ids.push(id);
  }
  for (const id of Object.keys(answer.answers)) {
    if (!ids.includes(id)) {
      throw new InvalidAnswerError(
        `answers[${JSON.stringify(id)}] answers no question asked (their ids are ${ids.join(", ")})`,
      );
    }
  }
}

// A form's value by its kind alone: a number typed may be a secret too (a PIN).
function kindOnly(value: unknown): string {
  return typeof value === "string" ? shape(value) : describe(value);
}

// What is wrong with a form field's value for its schema, if anything.
function fieldProblem(value: unknown, schema: unknown): string | undefined {
  if (!isPlainObject(schema)) return undefined;
  const { type, minimum, maximum, minLength, maxLength, minItems, maxItems } = schema;
  const within = (size: number, least: unknown, most: unknown, unit: string) =>
    typeof least === "number" && size < least
      ? `must be at least ${least}${unit}`
      : typeof most === "number" && size > most
        ? `must be at most ${most}${unit}`
        : undefined;
  switch (type) {
    case "string": {
      if (typeof value !== "string") return "must be a string";
      const choices = choicesOf(schema);
      if (choices !== undefined && !choices.includes(value)) return "is none of the form's choices";
      return within([...value].length, minLength, maxLength, " characters");
    }
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      if (type === "integer" && !Number.isInteger(value)) return "must be a whole number";
      return within(value, minimum, maximum, "");
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "array": {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        return "must be a list of strings";
      }
      const choices = isPlainObject(schema.items) ? choicesOf(schema.items) : undefined;
      if (choices !== undefined && value.some((item) => !choices.includes(item as string))) {
        return "holds a value none of the form's choices";
      }
      return within(value.length, minItems, maxItems, " items");
    }
    default:
      return undefined;
  }
}

// The values a choice field takes: its `enum`, or the `const` of each `oneOf` or `anyOf` option.
function choicesOf(schema: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  const options = schema.oneOf ?? schema.anyOf;
  if (!Array.isArray(options)) return undefined;
  return options.map((option) => (isPlainObject(option) ? option.const : undefined));
}

// An elicitation's form data or metadata: a plain object, or none (`null`). A class's instance
// (a `URLSearchParams`, one holding private fields) or a Map or a Set in it would be sent as
// `{}`, its entries lost. Copied as JSON reads it, each getter read once.
function formObject(value: unknown, what: string): unknown {
  if (absent(value)) return null;
  // Named by its shape only: what a user typed into a form may be a secret.
  if (!isPlainObject(value)) return invalid(`${what} must be a plain object`, value, shape);
  let text: string | undefined;
  try {
    text = JSON.stringify(value, noCollection(what));
  } catch (err) {
    if (err instanceof InvalidAnswerError) throw err;
    throw new InvalidAnswerError(`${what} cannot be encoded as JSON: ${thrownMessage(err)}`);
  }
  // Its `toJSON` may give anything.
  const copy: unknown = text === undefined ? undefined : JSON.parse(text);
  return isRecord(copy) ? copy : invalid(`${what} must be encoded as a JSON object`, copy, shape);
}

/** The content items of a dynamic tool's output: a string is one text item, an array is checked. */
export function toolContent(value: unknown): DynamicToolCallOutputContentItem[] {
  if (typeof value === "string") return [{ type: "inputText", text: value }];
  if (!Array.isArray(value)) {
    // A function, a symbol or a `toJSON` giving `undefined` encodes to nothing, not to text.
    const text = JSON.stringify(value ?? null, noCollection("the tool output")) as
      string | undefined;
    if (text === undefined) return invalid("the tool output cannot be encoded as JSON", value);
    return [{ type: "inputText", text }];
  }
  return Array.from(value as unknown[], (item, i) => {
    const type = isRecord(item) ? item.type : undefined;
    if (!isRecord(item) || typeof type !== "string" || !Object.hasOwn(CONTENT_FIELDS, type)) {
      // A list of results, most likely: said what an array is read as, and how to send data.
      return invalid(
        `tool output item ${i} must have type ${Object.keys(CONTENT_FIELDS).join(", ")} (an ` +
          'array is read as content items, { type: "inputText", text } and the like; to send ' +
          "a list as data, return an object holding it, or its JSON text)",
        item,
        shape,
      );
    }
    const field = CONTENT_FIELDS[type as keyof typeof CONTENT_FIELDS];
    const content = item[field];
    if (typeof content !== "string")
      invalid(`tool output item ${i} needs a string ${field}`, content);
    // The runtime takes an image or a sound inline only: a remote URL fails the whole call, a
    // path or other text reaches the model as the image's URL, and data it cannot decode is
    // left out.
    if (field !== "text") {
      const kind = field === "imageUrl" ? "image" : "audio";
      const problem = mediaUrlProblem(content, kind, "for a file, read it and pass its data");
      if (problem !== undefined) {
        throw new InvalidAnswerError(`tool output item ${i}'s ${field} ${problem}`);
      }
    }
    return { type, [field]: content } as unknown as DynamicToolCallOutputContentItem;
  });
}

// JSON writes a Map or a Set as `{}`, an Error without its message, and an object of a class
// whose fields are private (or a promise, a regular expression) as `{}`: the model would be told
// the call succeeded with nothing, or a form be answered empty. The replacer, which sees each
// value after its `toJSON`, refuses them in `what`.
function noCollection(what: string): (key: string, value: unknown) => unknown {
  return (key, value) => {
    const lost = lostByJson(value);
    if (lost === undefined) return value;
    const where = key === "" ? "" : ` at ${JSON.stringify(key)}`;
    throw new InvalidAnswerError(
      `${what} holds ${lost[0]}${where}, which JSON would send ${lost[1]}`,
    );
  };
}

// What JSON loses of a value, if anything: what the value is, and how JSON would send it.
function lostByJson(value: unknown): readonly [string, string] | undefined {
  // Run on each value JSON writes: most are plain objects and arrays, which it writes whole.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  if (isPlainObject(value)) return undefined;
  // By its tag, not `instanceof`: an object made by another realm (a `vm` context) is of its kind.
  const tag = Object.prototype.toString.call(value).slice("[object ".length, -1);
  if (tag === "Map" || tag === "WeakMap") return ["a Map", "as {}, losing its entries"];
  if (tag === "Set" || tag === "WeakSet") return ["a Set", "as {}, losing its entries"];
  if (tag === "Error") return ["an Error", "without its message: give its message"];
  // A proxy's fields are what its traps give JSON, which its descriptors need not show.
  const keys = Object.keys(value);
  if (types.isProxy(value) ? keys.length > 0 : keys.some(sentBy(value))) return undefined;
  // A boxed string, number or boolean is written as its value; another realm's `{}` is plain.
  if (tag === "String" || tag === "Number" || tag === "Boolean") return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (tag === "Object" && proto !== null && Object.getPrototypeOf(proto) === null) {
    return undefined;
  }
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  const kind = typeof name === "string" && name !== "" ? `an instance of ${name}` : "an object";
  return [kind, "as {}, none of it being an own enumerable field"];
}

// Whether JSON sends an own enumerable field of `owner`: one it reads through a getter, or a
// value it writes (not `undefined`, a function or a symbol). Read by its descriptor: a getter is
// not run here.
function sentBy(owner: object): (key: string) => boolean {
  return (key) => {
    const field = Object.getOwnPropertyDescriptor(owner, key);
    if (field === undefined || field.get !== undefined) return field !== undefined;
    const kind = typeof field.value;
    return kind !== "undefined" && kind !== "function" && kind !== "symbol";
  };
}

/** Checks the answer of an `account/chatgptAuthTokens/refresh` handler. */
export function checkTokenRefresh(value: unknown): ChatgptAuthTokensRefreshResponse {
  // Each field read once: a getter read again could give what the checks never saw.
  const {
    accessToken,
    chatgptAccountId,
    chatgptPlanType: plan,
  } = isRecord(value) ? value : ({} as Record<string, unknown>);
  const ok =
    isRecord(value) &&
    typeof accessToken === "string" &&
    accessToken !== "" &&
    typeof chatgptAccountId === "string" &&
    chatgptAccountId !== "" &&
    (plan === undefined || plan === null || typeof plan === "string");
  if (!ok) {
    // Names the shape only: the value holds a token.
    throw new InvalidAnswerError(
      "a token refresh must answer { accessToken, chatgptAccountId, chatgptPlanType? } with non-empty strings",
    );
  }
  // A misspelt `chatgptPlanTyep` would lose the plan without a word (as loginChatgptAuthTokens
  // refuses it).
  knownKeys(value, TOKEN_REFRESH_FIELDS, "a token refresh's answer", "field");
  // As loginChatgptAuthTokens checks it: a token with white space around it (read from a file
  // with its newline) would be quoted back trimmed, and escape redaction.
  try {
    checkSecret(accessToken, "accessToken");
    checkHeaderValue(chatgptAccountId, "chatgptAccountId");
    // An empty plan would be taken as the plan, where null has the server read it from the token.
    if (typeof plan === "string") {
      checkWellFormed(checkNonEmpty(plan, "chatgptPlanType"), "chatgptPlanType");
    }
  } catch (err) {
    throw new InvalidAnswerError(`a token refresh's ${(err as Error).message}`);
  }
  return { accessToken, chatgptAccountId, chatgptPlanType: plan ?? null };
}

/**
 * The answer as the server will read it: encoded once and read back, so a getter or `toJSON` of
 * the handler's is run once and what was checked is what is sent. Throws when `answer` cannot
 * travel as JSON (a cycle, a BigInt, a function at the top), nests deeper than the SDK sends, or
 * when `oversize` finds it longer than one message may be.
 */
export function encoded(answer: unknown, oversize?: (json: string) => string | undefined): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(answer);
  } catch (err) {
    throw new InvalidAnswerError(`the answer cannot be encoded as JSON: ${thrownMessage(err)}`);
  }
  if (text === undefined) throw new InvalidAnswerError("the answer cannot be encoded as JSON");
  if (encodesLoneSurrogate(text)) {
    throw new InvalidAnswerError(
      "the answer holds a lone surrogate (a string cut inside a character), which the server cannot read",
    );
  }
  const over = oversize?.(text);
  if (over !== undefined) throw new InvalidAnswerError(`the answer comes to ${over}`);
  const copy: unknown = JSON.parse(text);
  if (nestsPast(copy, MAX_JSON_DEPTH)) {
    throw new InvalidAnswerError(
      `the answer nests too deep: the SDK sends at most ${MAX_JSON_DEPTH} levels of JSON ` +
        "(the runtime drops a line nested 128 levels deep, and would never read the answer)",
    );
  }
  return copy;
}
