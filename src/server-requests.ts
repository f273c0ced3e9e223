import { defaultAnswer, hasDefault, type DefaultedMethod } from "./answers.js";
import { CodexError, MethodNotFoundError, summarizeIssues } from "./errors.js";
import type {
  DynamicToolCallResponse,
  DynamicToolSpec,
  JsonValue,
  RequestId,
  ServerRequestMap,
  ServerRequestMethod,
} from "./generated/index.js";
import { SERVER_REQUEST_METHODS } from "./generated/index.js";
import { deadline } from "./internal/deadline.js";
import { SILENT, thrownMessage, type Log } from "./internal/logger.js";
import { CHATGPT_TOKEN_SLOT, type Secrets } from "./internal/redact.js";
import {
  checkJson,
  checkStandardSchema,
  checkOptionalDelay,
  checkOptions,
  checkWellFormed,
  describe,
  isPlainObject,
  optionNames,
  refuseUnknownOptions,
  shown,
  wellFormed,
  type ReadOnly,
  type StandardProps,
} from "./internal/validate.js";
import type { RawNotification, RawServerRequest } from "./rpc/connection.js";
import { rootTurnOf, threadIdOf, turnIdOf, type Router } from "./rpc/router.js";
import { SDK_VERSION } from "./version.js";
import type { OutputOf, OutputSchema } from "./structured-output.js";

/**
 * What a server-request handler learns besides the request's params; `M` is the method it
 * handles.
 */
export interface ServerRequestContext<M extends ServerRequestMethod = ServerRequestMethod> {
  /** The JSON-RPC id of the request (opaque; may be `0`). */
  readonly requestId: RequestId;
  /** The request's method. */
  readonly method: M;
  /** The request's `threadId` param, if it has one. */
  readonly threadId: string | undefined;
  /** The request's `turnId` param, if it has one. */
  readonly turnId: string | undefined;
  /**
   * Aborts when the server withdraws the request (`serverRequest/resolved`), the turn or its
   * thread ends (closed, archived or deleted), the handler times out, the answer is sent, or the
   * client closes (`close()`, or the connection to the server ends). An
   * `abort` listener that throws is an uncaught exception, as for every `AbortSignal`.
   */
  readonly signal: AbortSignal;
}

// The fields of a handler's answer that the SDK sends as null when the handler leaves them out.
interface FilledWithNull {
  "mcpServer/elicitation/request": "content" | "_meta";
  "account/chatgptAuthTokens/refresh": "chatgptPlanType";
}

/**
 * What a handler of `M` answers: the wire result, where the fields the SDK sends as `null` when
 * they are left out (an elicitation's `content` and `_meta`, a token refresh's
 * `chatgptPlanType`) may be left out or `undefined`, and where the parts of a permissions grant
 * may be `null` as in the request (granting nothing of that part), so that
 * `{ permissions: params.permissions, scope: "turn" }` grants what was asked. Its arrays and
 * objects may be read-only (declared `as const`, or frozen): they are only read.
 */
export type ServerRequestAnswer<M extends ServerRequestMethod> = ReadOnly<
  M extends "mcpServer/elicitation/request"
    ? ElicitationAnswer
    : M extends keyof FilledWithNull
      ? OptionalFields<ServerRequestMap[M]["result"], FilledWithNull[M]>
      : M extends "item/permissions/requestApproval"
        ? PermissionsAnswer
        : ServerRequestMap[M]["result"]
>;

/**
 * What an elicitation handler answers: the wire result, whose `content` and `_meta` may be left
 * out, and may be objects typed by an interface (form data), which `JsonValue` refuses for lack of
 * an index signature: the SDK checks them at run time (a plain object, no Map or Set in it, JSON).
 */
export type ElicitationAnswer = Omit<
  ServerRequestMap["mcpServer/elicitation/request"]["result"],
  "content" | "_meta"
> & {
  /** The form's fields, for an `accept`; left out (sent as `null`) for the other actions. */
  readonly content?: JsonValue | object | null | undefined;
  /** Metadata for the server; left out, it is sent as `null`. */
  readonly _meta?: JsonValue | object | null | undefined;
};

// `R` with its fields named in `F` made optional.
type OptionalFields<R, F> = { [K in keyof R as K extends F ? never : K]: R[K] } & {
  [K in keyof R as K extends F ? K : never]?: R[K] | undefined;
};

/**
 * What a permissions handler answers: the wire result, where each part of the grant may be
 * missing, `undefined` or `null` (all three grant nothing of it), so the request's own
 * `permissions` can be granted as they are.
 */
export type PermissionsAnswer = Omit<
  ServerRequestMap["item/permissions/requestApproval"]["result"],
  "permissions" | "strictAutoReview"
> & {
  /** What is granted: each part (`network`, `fileSystem`) missing or `null` grants nothing of it. */
  readonly permissions: {
    readonly [
      K in keyof ServerRequestMap["item/permissions/requestApproval"]["result"]["permissions"]
    ]?:
      | ServerRequestMap["item/permissions/requestApproval"]["result"]["permissions"][K]
      | null
      | undefined;
  };
  /** Review every later command of the turn before it runs in the sandbox. */
  readonly strictAutoReview?: boolean | undefined;
};

/**
 * Answers one kind of server request.
 * @param params The request's params.
 * @param context The request's ids, and a signal for when it is withdrawn.
 * @returns The result to answer with, or a promise of it.
 */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestMap[M]["params"],
  context: ServerRequestContext<M>,
) => ServerRequestAnswer<M> | Promise<ServerRequestAnswer<M>>;

/** Handlers for the approval requests; a missing one declines. */
export interface ApprovalHandlers {
  /** `item/commandExecution/requestApproval`: run this command? */
  readonly commandExecution?:
    ServerRequestHandler<"item/commandExecution/requestApproval"> | undefined;
  /** `item/fileChange/requestApproval`: apply this patch? */
  readonly fileChange?: ServerRequestHandler<"item/fileChange/requestApproval"> | undefined;
  /** `item/permissions/requestApproval`: grant extra permissions? */
  readonly permissions?: ServerRequestHandler<"item/permissions/requestApproval"> | undefined;
  /** Legacy `execCommandApproval`. */
  readonly execCommand?: ServerRequestHandler<"execCommandApproval"> | undefined;
  /** Legacy `applyPatchApproval`. */
  readonly applyPatch?: ServerRequestHandler<"applyPatchApproval"> | undefined;
  /**
   * An MCP server's tool call that needs approval, which the runtime asks as an
   * `mcpServer/elicitation/request`: a form asking for nothing, whose `_meta.codex_approval_kind`
   * is `"mcp_tool_call"`. `{ action: "accept", content: {} }` runs it. Without this handler `onElicitation` answers
   * it (default: cancelled, the tool not run).
   */
  readonly mcpToolCall?: ServerRequestHandler<"mcpServer/elicitation/request"> | undefined;
}

/** Every handler for requests the server sends to the client. */
export interface ServerRequestHandlers {
  /** Handlers for approval requests (commands, patches, permissions, MCP tool calls). */
  readonly approvals?: ApprovalHandlers | undefined;
  /** `item/tool/requestUserInput`: the agent asks the user questions. Default: cancelled (no answers). */
  readonly onUserInput?: ServerRequestHandler<"item/tool/requestUserInput"> | undefined;
  /** `mcpServer/elicitation/request`: an MCP server asks for input. Default: cancelled. */
  readonly onElicitation?: ServerRequestHandler<"mcpServer/elicitation/request"> | undefined;
}

/** @internal The names of {@link ServerRequestHandlers}, which many options take on. */
export const HANDLER_KEYS = ["approvals", "onUserInput", "onElicitation"] as const;

/** A JavaScript function offered to the model as a tool (`dynamicTools` on thread start). */
export interface DynamicTool {
  /** The name the model calls the tool by. */
  readonly name: string;
  /** What the tool does, as told to the model; default none (`""`). */
  readonly description?: string | undefined;
  /**
   * JSON Schema of the arguments object, sent as it is; default an object with no properties.
   * For arguments checked and typed by a schema object, give `input` instead.
   */
  readonly inputSchema?: object | undefined;
  /**
   * The arguments as a schema object (a Standard Schema v1 that gives its JSON Schema: a zod 4.2+
   * `z.object(...)`, an ArkType type), in place of `inputSchema`. Its JSON Schema is what the
   * model is told; each call's arguments are validated by it before the handler runs, and the
   * handler gets what they validate to. Arguments it refuses are reported to the model as a
   * failed call naming the issues, and the handler does not run. Here its output must be JSON
   * values, as `args` is typed; write the tool with {@link defineTool} for `args` typed by the
   * schema, whatever it gives.
   */
  readonly input?: OutputSchema<JsonValue> | undefined;
  /**
   * Runs the tool. A string becomes one text item; an array is sent as content items
   * (`inputText`, `inputImage`, `inputAudio`, an image or a sound as a `data:` URL); any other
   * value is sent as its JSON text. A throw, or an output that cannot be sent, is reported to the
   * model as a failed call.
   * @param args - the call's arguments as the model sent them; with `input`, what the schema
   * validated them to.
   * @returns The tool's output, or a promise of it.
   */
  readonly handler: (
    args: JsonValue,
    context: ServerRequestContext<"item/tool/call">,
  ) => unknown | Promise<unknown>;
}

/**
 * A {@link DynamicTool} whose arguments a schema object checks, the handler's `args` typed as the
 * schema's output: what {@link defineTool} takes.
 */
export interface TypedTool<S extends OutputSchema> {
  /** The name the model calls the tool by. */
  readonly name: string;
  /** What the tool does, as told to the model; default none (`""`). */
  readonly description?: string | undefined;
  /** None: the JSON Schema sent is the one `input` gives. */
  readonly inputSchema?: undefined;
  /**
   * The arguments as a schema object: a Standard Schema v1 that gives its JSON Schema (a zod
   * 4.2+ `z.object(...)`, an ArkType type). Its JSON Schema is what the model is told; each
   * call's arguments are validated by it before the handler runs, and the handler gets what they
   * validate to. Arguments it refuses are reported to the model as a failed call naming the
   * issues, and the handler does not run.
   */
  readonly input: S;
  /**
   * Runs the tool, as {@link DynamicTool.handler} does.
   * @param args - the call's arguments, as the schema validated them.
   * @returns The tool's output, or a promise of it.
   */
  readonly handler: (
    args: OutputOf<S>,
    context: ServerRequestContext<"item/tool/call">,
  ) => unknown | Promise<unknown>;
}

/**
 * A tool made by {@link defineTool}, which a thread's `tools` take beside {@link DynamicTool}s:
 * its handler takes what its schema validates the arguments to, so it is no `DynamicTool`.
 */
export interface DefinedTool {
  /** The name the model calls the tool by. */
  readonly name: string;
  /** What the tool does, as told to the model. */
  readonly description?: string | undefined;
  /** The arguments as a schema object. */
  readonly input: OutputSchema;
  /**
   * Made by `defineTool`: a mark of the type alone, which no object holds. A key of text, so that
   * two copies of the SDK take each other's tools, and a library's declarations can name it.
   */
  readonly "~definedTool": true;
}

/**
 * A tool whose handler's `args` are typed by its `input` schema, for a thread's `tools`:
 * `defineTool({ name: "weather", input: z.object({ city: z.string() }), handler: ({ city }) => ... })`.
 * It returns the tool as given, its handler still typed by the schema (called directly, as a
 * test may, it gets no validation); the checks are `threadStart`'s, before any I/O, and each
 * call's arguments are validated by the schema before the handler runs.
 * @param tool - the tool.
 * @returns The same tool.
 */
export function defineTool<S extends OutputSchema>(tool: TypedTool<S>): TypedTool<S> & DefinedTool {
  return tool as TypedTool<S> & DefinedTool;
}

/** A tool as checked: what answers its calls (and a handler written as a method sees as `this`). */
export interface CheckedTool {
  readonly name: string;
  readonly description?: string;
  /** The JSON Schema sent; none kept for a tool with a schema object, which it came from. */
  readonly inputSchema?: object;
  readonly input?: OutputSchema;
  /** Takes the arguments as sent: a tool's with `input` validates them first. */
  readonly handler: (
    args: JsonValue,
    context: ServerRequestContext<"item/tool/call">,
  ) => unknown | Promise<unknown>;
}

/**
 * The server requests whose handler's failure is answered by a safe default and reported as a
 * {@link HandlerErrorEvent}: approvals, user input, elicitations and dynamic tool calls.
 */
export type DefaultedRequestMethod = DefaultedMethod | "item/tool/call";

/**
 * A failed request answered by its default, as reported on the turn's stream. A union over
 * `M`: narrowing on `params.requestMethod` types `params.answer` as that method's answer.
 */
export type HandlerErrorEvent<M extends DefaultedRequestMethod = DefaultedRequestMethod> =
  M extends DefaultedRequestMethod
    ? {
        /** Always `"client/handlerError"`: an event of the SDK's, not a server method. */
        readonly method: "client/handlerError";
        /** Which request failed, why, and what was answered. */
        readonly params: {
          /** The JSON-RPC id of the failed request. */
          readonly requestId: RequestId;
          /** The method of the failed request. */
          readonly requestMethod: M;
          /** The request's `threadId` param, if it has one. */
          readonly threadId: string | undefined;
          /** The request's `turnId` param, if it has one. */
          readonly turnId: string | undefined;
          /** The message of the handler's error. */
          readonly message: string;
          /** What was sent instead: the default answer, or a failed call for a tool. */
          readonly answer: ServerRequestMap[M]["result"];
        };
      }
    : never;

/** How server requests are answered: the handlers, a token refresh's, and how long each may take. */
export interface ServerRequestOptions extends ServerRequestHandlers {
  /** How long a handler may take before its request is answered with the default; default 300 000 ms, 0 for none. */
  readonly serverRequestTimeout?: number | undefined;
  /** Answers `account/chatgptAuthTokens/refresh`. */
  readonly onChatgptTokenRefresh?:
    ServerRequestHandler<"account/chatgptAuthTokens/refresh"> | undefined;
}

const TOOL_NAMES = optionNames<DynamicTool>()({
  own: ["name", "description", "inputSchema", "input", "handler"],
});

// The names the Responses API takes for a function, as the runtime checks them.
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * @internal The tools the pinned runtime offers the model itself in its default setup, as the
 * tools' integration test checks.
 */
export const DEFAULT_RUNTIME_TOOLS = [
  "apply_patch",
  "create_goal",
  "exec_command",
  "get_goal",
  "request_user_input",
  "update_goal",
  "view_image",
  "write_stdin",
] as const;

/**
 * @internal The names of the pinned runtime's own tools, in its default setup and in others (with
 * an MCP server configured, its resource tools; with `features.request_permissions_tool`,
 * `request_permissions`). A client's tool of one of these names is dropped from what the model
 * sees, and its calls run the runtime's tool (a command, for `exec_command`): its handler would
 * never run.
 */
export const RUNTIME_TOOL_NAMES: ReadonlySet<string> = new Set([
  ...DEFAULT_RUNTIME_TOOLS,
  "list_mcp_resource_templates",
  "list_mcp_resources",
  "read_mcp_resource",
  "request_permissions",
]);

/**
 * The wire spec of a dynamic tool; throws a `TypeError` naming `name` (where it was given) before
 * any I/O when it is not usable, as the runtime would refuse it or could not call it.
 */
function toolSpec(
  tool: DynamicTool,
  name: string,
): DynamicToolSpec & { handler: CheckedTool["handler"]; input: OutputSchema | undefined } {
  if (typeof tool !== "object" || tool === null) {
    throw new TypeError(`${name} must be an object, got ${describe(tool)}`);
  }
  // Each field read once, and kept as read: a getter read again could give what was not checked,
  // and a copy by spread would drop a field that is not enumerable.
  const {
    name: toolName,
    handler,
    description: givenDescription,
    inputSchema: givenSchema,
    input,
  } = tool;
  if (typeof toolName !== "string" || !TOOL_NAME.test(toolName)) {
    throw new TypeError(
      `${name}.name must be 1 to 128 letters, digits, "_" or "-" (the Responses API's rule), ` +
        `got ${shown(toolName)}`,
    );
  }
  if (toolName === "mcp" || toolName.startsWith("mcp__")) {
    throw new TypeError(
      `${name}.name ${toolName} is reserved: the runtime names its MCP servers' tools "mcp__..."`,
    );
  }
  if (RUNTIME_TOOL_NAMES.has(toolName)) {
    throw new TypeError(
      `${name}.name ${toolName} is a tool of the runtime's own, which would take its place: ` +
        "the handler would never run",
    );
  }
  const where = `${name} (${toolName})`;
  refuseUnknownOptions(tool, TOOL_NAMES, where);
  if (typeof handler !== "function") {
    throw new TypeError(`${where}: handler must be a function, got ${describe(handler)}`);
  }
  // Only a missing field takes the default: null is no description and no schema.
  const description = givenDescription === undefined ? "" : givenDescription;
  if (typeof description !== "string") {
    throw new TypeError(`${where}: description must be a string, got ${describe(description)}`);
  }
  checkWellFormed(description, `${where}: description`);
  let inputSchema: unknown = givenSchema;
  let props: StandardProps | undefined;
  // The JSON Schema a schema object gives, checked as one given would be.
  let at = `${where}: inputSchema`;
  if (input !== undefined) {
    if (givenSchema !== undefined) {
      throw new TypeError(
        `${where}: give input (a schema object) or inputSchema (JSON Schema), not both`,
      );
    }
    props = checkStandardSchema(input, `${where}: input`, "inputSchema");
    at = `${where}: input (as JSON Schema)`;
    inputSchema = inputJsonSchema(props, `${where}: input`);
  }
  // Only a missing schema takes the default: null is none.
  if (inputSchema === undefined) inputSchema = { type: "object", properties: {} };
  if (!isPlainObject(inputSchema)) {
    // A zod schema, say, where the JSON Schema goes: named for what it is.
    const standard = props === undefined && isStandardSchema(inputSchema);
    throw new TypeError(
      `${at} must be a JSON Schema object, got ` +
        (standard ? "a schema object: give it as input" : describe(inputSchema)),
    );
  }
  // The copy checked is what is sent.
  const copy = checkJson(inputSchema, at) as Record<string, unknown>;
  if (copy.type === "null") {
    throw new TypeError(`${at} must describe an object of arguments, not null`);
  }
  // The runtime passes any other type on as the function's parameters, which the model's API
  // refuses, failing each turn of the thread, unless an object is among them; without a type it
  // reads one from the keywords, as below.
  const { type } = copy;
  const read = type === undefined ? typeReadFrom(copy) : undefined;
  if (read !== undefined) {
    throw new TypeError(
      `${at} must describe an object of arguments (type "object"): without a ` +
        `type, the runtime reads it as ${read.type}, by its "${read.keyword}"`,
    );
  }
  // A list of types is sent as it is (but `["object"]`, as `"object"`): the model's API takes
  // `"object"` alone, failing every turn of the thread on any other.
  if (
    type !== undefined &&
    !(type === "object" || (Array.isArray(type) && type.length === 1 && type[0] === "object"))
  ) {
    throw new TypeError(
      `${at} must describe an object of arguments (type "object"), got type ` +
        `${JSON.stringify(type)}`,
    );
  }
  checkToolSchema(copy, at);
  checkToolRoot(copy, type, at, props !== undefined);
  return {
    type: "function",
    name: toolName,
    description,
    inputSchema: copy as JsonValue,
    handler:
      props === undefined
        ? (handler as CheckedTool["handler"])
        : validating(handler as (args: unknown, context: ToolContext) => unknown, props),
    input,
  };
}

/** The JSON Schema dialect asked of a tool's `input` schema. */
const INPUT_SCHEMA_TARGET = "draft-2020-12";

// The JSON Schema of a tool's arguments a schema object gives, through Standard JSON Schema v1
// (`~standard.jsonSchema.input`): what the model is to send, before any transform of the schema's.
function inputJsonSchema(props: StandardProps, name: string): unknown {
  let jsonSchema: StandardProps["jsonSchema"];
  let converter: unknown;
  let vendor: unknown;
  // Each read once: the schema is the caller's, and a getter of it may throw.
  try {
    ({ jsonSchema, vendor } = props);
    converter = jsonSchema?.input;
  } catch (err) {
    throw new TypeError(`${name}["~standard"] cannot be read: ${thrownMessage(err)}`, {
      cause: err,
    });
  }
  if (typeof converter !== "function") {
    throw new TypeError(
      // The library's name, quoted, when it is text (one without a prototype would throw).
      `${name}: this ${typeof vendor === "string" ? `"${vendor}" ` : ""}schema cannot give ` +
        "its JSON Schema (no " +
        "~standard.jsonSchema); use zod 4.2+, ArkType 2.1.28+, Valibot through " +
        "toStandardJsonSchema(), or give JSON Schema as inputSchema",
    );
  }
  try {
    return rootResolved(
      (converter as (options: object) => unknown).call(jsonSchema, {
        target: INPUT_SCHEMA_TARGET,
      }),
    );
  } catch (err) {
    throw new TypeError(`${name}: the schema cannot give its JSON Schema: ${thrownMessage(err)}`, {
      cause: err,
    });
  }
}

type ToolContext = ServerRequestContext<"item/tool/call">;

// A schema whose root is a reference to one of its definitions (as zod writes a schema with an
// id): that definition at the root, the definitions kept for the references inside, as the
// runtime sends a root `$ref` with no type, which the model's API refuses.
function rootResolved(produced: unknown): unknown {
  if (!isPlainObject(produced)) return produced;
  const { $ref, $defs, ...rest } = produced as Record<string, unknown>;
  const name = typeof $ref === "string" ? /^#\/\$defs\/([^/]+)$/.exec($ref)?.[1] : undefined;
  if (name === undefined || !isPlainObject($defs)) return produced;
  const target = ($defs as Record<string, unknown>)[
    name.replaceAll("~1", "/").replaceAll("~0", "~")
  ];
  if (!isPlainObject(target) || Object.hasOwn(target, "$ref")) return produced;
  return { ...rest, ...(target as object), $defs };
}

// Whether a value is a schema object (it has `~standard`), read without throwing.
function isStandardSchema(value: unknown): boolean {
  try {
    return typeof value === "object" && value !== null && "~standard" in value;
  } catch {
    return false;
  }
}

// A tool's handler behind its `input` schema: a call's arguments are validated first, and the
// handler gets what they validate to; arguments refused fail the call, naming the issues. A call
// answered while they were validated (timed out, withdrawn) runs no handler: the model was told
// it failed.
function validating(
  handler: (args: unknown, context: ToolContext) => unknown,
  props: StandardProps,
): CheckedTool["handler"] {
  // A function, not an arrow: a handler written as a method sees the tool as `this`.
  return async function (this: unknown, args, context) {
    const { validated } = await import("./strict-schema.js");
    const reading = await validated(args, props, "the arguments");
    if (context.signal.aborted) throw context.signal.reason;
    if ("issues" in reading) {
      throw new TypeError(
        `the arguments do not match the tool's input schema: ${summarizeIssues(reading.issues)}`,
        { cause: reading.cause },
      );
    }
    return handler.call(this, reading.value, context);
  };
}

// Whether a handler stopped as its signal asked; a value whose name cannot be read did not.
function isAbortError(reason: unknown): boolean {
  try {
    return (reason as { name?: unknown } | null)?.name === "AbortError";
  } catch {
    return false;
  }
}

// The type other than an object the runtime gives a tool's schema without one, by the first
// keyword it goes by: an object's before any other; none for a schema without any of them.
const COMBINERS = ["anyOf", "oneOf", "allOf", "$ref"];
const TYPE_KEYWORDS: readonly (readonly [type: string, keywords: readonly string[]])[] = [
  ["an object", ["properties", "required", "additionalProperties"]],
  ["an array", ["items", "prefixItems"]],
  ["a string", ["enum", "const", "format"]],
  ["a number", ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]],
];

function typeReadFrom(
  schema: Record<string, unknown>,
): { type: string; keyword: string } | undefined {
  // A schema of others, or a reference to one, is sent as it is.
  if (COMBINERS.some((name) => Object.hasOwn(schema, name))) return undefined;
  for (const [type, keywords] of TYPE_KEYWORDS) {
    const keyword = keywords.find((name) => Object.hasOwn(schema, name));
    if (keyword !== undefined) return type === "an object" ? undefined : { type, keyword };
  }
  return undefined;
}

// What the model's API refuses at the root of a function's parameters, failing every turn of the
// thread: the runtime sends these as they are (a `const` as an `enum`).
const ROOT_REFUSED = ["anyOf", "oneOf", "allOf", "enum", "const"];
// The keywords by which the runtime types a root without `type` as an object.
const OBJECT_KEYWORDS = ["properties", "required", "additionalProperties"];

/**
 * Refuses, naming its place, the root of a tool's schema that the model's API would refuse, as
 * it takes a function's parameters only as an object schema without a choice at its root: one
 * with a combiner, `enum` or `const` there, or one the runtime sends with no type (no `type` and
 * no keyword of an object: `{}`, a root `$ref`).
 */
function checkToolRoot(
  schema: Record<string, unknown>,
  type: unknown,
  at: string,
  fromSchemaObject: boolean,
): void {
  // The runtime reads a keyword of null as one left out.
  const choice = ROOT_REFUSED.find((keyword) => schema[keyword] != null);
  if (choice !== undefined) {
    throw new TypeError(
      `${at} has "${choice}" at its root, which the model's API refuses in a function's ` +
        "parameters (every turn of the thread would fail): make the arguments an object, with " +
        "the choice in one of its properties",
    );
  }
  if (type === undefined && !OBJECT_KEYWORDS.some((keyword) => schema[keyword] != null)) {
    throw new TypeError(
      `${at} must say it describes an object of arguments: without "type": "object" or ` +
        "properties, the runtime sends it with no type, which the model's API refuses (every " +
        "turn of the thread would fail); " +
        (fromSchemaObject
          ? "give an object schema (z.object({}) for a tool without arguments)"
          : 'write { "type": "object" } for a tool without arguments'),
    );
  }
}

/**
 * Refuses, naming its place, what of a tool's schema the runtime cannot read, which it refuses
 * the whole thread for with a message that names no field: `properties` that are no map of
 * schemas, a `required` that is no list of names, an `enum` that is no list, an `items` that is a
 * list (a draft-7 tuple) or no schema, an `additionalProperties` that is neither a yes or no nor a
 * schema, an `anyOf`, `oneOf` or `allOf` that is no list of schemas; and so in each schema they
 * hold. `schema` is a copy checked as JSON: acyclic and bounded.
 */
function checkToolSchema(schema: Record<string, unknown>, at: string): void {
  const { properties, required, items, additionalProperties } = schema;
  if (properties !== undefined && properties !== null) {
    if (!isPlainObject(properties)) {
      throw new TypeError(`${at}.properties must be an object, got ${describe(properties)}`);
    }
    for (const [key, property] of Object.entries(properties)) {
      checkSubSchema(property, `${at}.properties[${JSON.stringify(key)}]`);
    }
  }
  // The runtime reads a keyword of null as one left out.
  if (required != null && (!Array.isArray(required) || !required.every(isString))) {
    throw new TypeError(`${at}.required must be a list of property names`);
  }
  if (schema.enum != null && !Array.isArray(schema.enum)) {
    throw new TypeError(`${at}.enum must be a list of values, got ${describe(schema.enum)}`);
  }
  if (Array.isArray(items)) {
    throw new TypeError(
      `${at}.items is a list (a draft-7 tuple), which the runtime cannot read: describe each ` +
        "item with one schema, or make the tuple an object",
    );
  }
  // The runtime drops a 2020-12 tuple's `prefixItems`, and tells the model a list of strings
  // for an `items` of true or false (a zod tuple's): calls would never fit the schema.
  if (schema.prefixItems != null) {
    throw new TypeError(
      `${at}.prefixItems (a tuple) is left out by the runtime, which would tell the model ` +
        "another list: describe each item with one schema, or make the tuple an object",
    );
  }
  if (typeof items === "boolean") {
    throw new TypeError(
      `${at}.items is ${items}, which the runtime tells the model as a list of strings: ` +
        "describe each item with one schema",
    );
  }
  if (items != null) checkSubSchema(items, `${at}.items`);
  if (additionalProperties != null && typeof additionalProperties !== "boolean") {
    if (!isPlainObject(additionalProperties)) {
      throw new TypeError(
        `${at}.additionalProperties must be true, false or a schema, got ${describe(additionalProperties)}`,
      );
    }
    checkToolSchema(additionalProperties, `${at}.additionalProperties`);
  }
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[key];
    if (options == null) continue;
    if (!Array.isArray(options)) {
      throw new TypeError(`${at}.${key} must be a list of schemas, got ${describe(options)}`);
    }
    options.forEach((option, i) => checkSubSchema(option, `${at}.${key}[${i}]`));
  }
}

// A schema inside another: an object, checked as the whole is, or `true` or `false`.
function checkSubSchema(schema: unknown, at: string): void {
  if (isPlainObject(schema)) checkToolSchema(schema, at);
  else if (typeof schema !== "boolean") {
    throw new TypeError(`${at} must be a schema (an object), got ${describe(schema)}`);
  }
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

/**
 * A thread's tools, checked as {@link toolSpec} does (names must differ): their wire specs, and
 * each tool as it was checked, to answer its calls.
 */
export function checkTools(tools: unknown): { specs: DynamicToolSpec[]; tools: CheckedTool[] } {
  if (!Array.isArray(tools)) throw new TypeError(`tools must be an array, got ${describe(tools)}`);
  const specs: DynamicToolSpec[] = [];
  const checked: CheckedTool[] = [];
  const names = new Set<string>();
  // An index loop, not forEach: a hole is a tool too, and refused.
  for (let i = 0; i < tools.length; i++) {
    const { handler, input, ...spec } = toolSpec(tools[i] as DynamicTool, `tools[${i}]`);
    if (names.has(spec.name)) {
      throw new TypeError(`tools[${i}]: two tools are named ${spec.name}`);
    }
    names.add(spec.name);
    specs.push(spec);
    // What a handler written as a method sees as `this`: the tool, as checked.
    const { name, description, inputSchema } = spec as DynamicToolSpec & { inputSchema: object };
    checked.push(
      input === undefined
        ? { name, description, inputSchema, handler }
        : { name, description, input, handler },
    );
  }
  return { specs, tools: checked };
}

const REQUEST_METHODS: ReadonlySet<string> = new Set(SERVER_REQUEST_METHODS);

// The handlers `approvals` may hold: one per kind of approval request.
const APPROVAL_KINDS: readonly string[] = [
  "commandExecution",
  "fileChange",
  "permissions",
  "execCommand",
  "applyPatch",
  "mcpToolCall",
] satisfies readonly (keyof ApprovalHandlers)[];

/**
 * Checks handler options before any I/O: each one given must be a function. Returns a copy of
 * `approvals`, made of the handlers it checked.
 */
export function checkHandlers(
  options: ServerRequestHandlers & ServerRequestOptions,
): ApprovalHandlers | undefined {
  const check = (value: unknown, name: string) => {
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(`${name} must be a function, got ${describe(value)}`);
    }
  };
  const { approvals } = options;
  let copy: Record<string, unknown> | undefined;
  if (approvals !== undefined) {
    copy = {};
    for (const [key, value] of Object.entries(checkOptions(approvals, "approvals"))) {
      // A misspelt kind would leave its requests to the default: declined, silently.
      if (!APPROVAL_KINDS.includes(key)) {
        throw new TypeError(
          `approvals.${key} is no kind of approval; the kinds are ${APPROVAL_KINDS.join(", ")}`,
        );
      }
      check(value, `approvals.${key}`);
      copy[key] = value;
    }
  }
  check(options.onUserInput, "onUserInput");
  check(options.onElicitation, "onElicitation");
  check(options.onChatgptTokenRefresh, "onChatgptTokenRefresh");
  checkOptionalDelay(options.serverRequestTimeout, "serverRequestTimeout");
  return copy as ApprovalHandlers | undefined;
}

/** The server-request handlers among some options, or `undefined` when there are none. */
export function pickHandlers(
  options: ServerRequestHandlers | undefined,
): ServerRequestHandlers | undefined {
  if (options === undefined) return undefined;
  // Copied, as the dispatcher's own are: a later change to the caller's object changes nothing.
  const approvals = checkHandlers(options);
  const { onUserInput, onElicitation } = options;
  if (approvals === undefined && onUserInput === undefined && onElicitation === undefined) {
    return undefined;
  }
  return { approvals, onUserInput, onElicitation };
}

// `top`'s handlers over `base`'s, approval by approval.
function overlay(base: ServerRequestHandlers, top: ServerRequestHandlers): ServerRequestHandlers {
  const approvals =
    base.approvals === undefined || top.approvals === undefined
      ? (top.approvals ?? base.approvals)
      : { ...base.approvals, ...definedOf(top.approvals) };
  return {
    approvals,
    onUserInput: top.onUserInput ?? base.onUserInput,
    onElicitation: top.onElicitation ?? base.onElicitation,
  };
}

function definedOf<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, handler]) => handler !== undefined),
  ) as Partial<T>;
}

/**
 * Whether an elicitation is the runtime asking to approve an MCP server's tool call: a form that
 * asks for nothing, marked in `_meta`. The runtime passes on an MCP server's own `_meta` as it is,
 * so the marker alone does not tell: a page to open (`mode: "url"`) or a form with fields is
 * always the server's own question, for `onElicitation`.
 */
function isMcpToolApproval(params: Record<string, unknown>): boolean {
  const { _meta: meta, mode, requestedSchema: schema } = params;
  if (mode !== "form" || !isPlainObject(schema)) return false;
  const { properties } = schema;
  return (
    (properties === undefined ||
      (isPlainObject(properties) && Object.keys(properties).length === 0)) &&
    isPlainObject(meta) &&
    meta.codex_approval_kind === "mcp_tool_call"
  );
}

// Which handler answers a request: that of its method, or, for an MCP tool call's approval, the
// approval handler (looked for at every level before any `onElicitation`).
type HandlerKind = DefaultedMethod | "mcpToolCall";

function handlerFor(
  handlers: ServerRequestHandlers | undefined,
  method: HandlerKind,
): ServerRequestHandler<never> | undefined {
  if (handlers === undefined) return undefined;
  const approvals = handlers.approvals;
  const found =
    method === "item/commandExecution/requestApproval"
      ? approvals?.commandExecution
      : method === "item/fileChange/requestApproval"
        ? approvals?.fileChange
        : method === "item/permissions/requestApproval"
          ? approvals?.permissions
          : method === "execCommandApproval"
            ? approvals?.execCommand
            : method === "applyPatchApproval"
              ? approvals?.applyPatch
              : method === "mcpToolCall"
                ? approvals?.mcpToolCall
                : method === "item/tool/requestUserInput"
                  ? handlers.onUserInput
                  : handlers.onElicitation;
  return found as ServerRequestHandler<never> | undefined;
}

/** How one request is answered: the handler to run and check, and the default when it fails. */
// What checks a handler's answer: loaded with the first answer a handler gives.
type AnswerChecks = typeof import("./answer-checks.js");
let answerChecks: Promise<AnswerChecks> | undefined;

interface Plan {
  readonly run: (() => unknown) | undefined;
  /** Turns the handler's value into the wire answer; throws when it is not valid. */
  readonly check: (value: unknown, checks: AnswerChecks) => unknown;
  /** Told of the wire answer once it is checked and encoded, as it goes to the server. */
  readonly sending?: (answer: unknown) => void;
  readonly fallback: ((error?: string) => unknown) | undefined;
  /** How long the server waits for the answer, when it gives up sooner than the client would. */
  readonly serverWaitMs?: number;
  /**
   * The turn whose stream is told of the handler's failure, where it is not the request's own:
   * the turn a sub-agent works for, whose handlers (or its thread's, or the client's) answered.
   */
  readonly reportTo?: string;
}

/**
 * How long the runtime waits for the answer to `account/chatgptAuthTokens/refresh`: past it, it
 * fails the model call and forgets the request without a word, and a later answer goes nowhere.
 */
const TOKEN_REFRESH_WAIT_MS = 10_000;

interface Inflight {
  readonly controller: AbortController;
  readonly threadId: string | undefined;
  /** The turn whose handlers answer it, once it is bound. */
  turnId: string | undefined;
  /** The turn it was held for, when it was read before that turn's start answer. */
  heldFor?: string;
  /** The server no longer wants an answer (it resolved the request, or the turn ended). */
  withdrawn: boolean;
}

/** What the dispatcher reports to, and keeps secret. */
export interface DispatcherServices {
  readonly log?: Log;
  readonly secrets?: Secrets;
  /** The server's `platformFamily` (`"unix"`, `"windows"`), to which a grant's paths are held. */
  readonly platformFamily?: string;
  /** How far an answer is over what one message may hold (`Connection.oversize`). */
  readonly oversize?: (id: RequestId, json: string) => string | undefined;
}

/**
 * Answers every server request: from the turn's handlers, else the thread's, else the client's,
 * else the safe default. Never leaves one unanswered, and never sends a handler's answer that is
 * not valid for its request: that becomes the default, reported as `client/handlerError`.
 * What it keeps for a thread is released when the server closes, archives or deletes the thread,
 * or on `release`.
 */
export class ServerRequestDispatcher {
  readonly #router: Router;
  readonly #options: ServerRequestOptions;
  readonly #log: Log;
  readonly #secrets: Secrets | undefined;
  readonly #oversize: ((id: RequestId, json: string) => string | undefined) | undefined;
  readonly #platformFamily: string | undefined;
  readonly #threadHandlers = new Map<string, ServerRequestHandlers>();
  readonly #turnHandlers = new Map<string, ServerRequestHandlers>();
  readonly #threadTools = new Map<string, Map<string, CheckedTool>>();
  readonly #inflight = new Map<RequestId, Inflight>();
  // Sub-agent threads, which the model spawned from a turn of another thread, to that thread:
  // with no handlers or tools of their own, its turn's and its own answer their requests.
  // Forgotten as either thread ends or is unloaded.
  readonly #parents = new Map<string, string>();
  // Stops watching for unloaded threads: set while `#parents` holds any.
  #unwatchUnloads: (() => void) | undefined;
  // Turns ended on a thread this client left while a request of theirs was being handled: their
  // handlers are kept until it is answered.
  readonly #lingering = new Set<string>();
  // Set once the connection is gone (see `clear`): nothing is kept after, as nothing can use it.
  #cleared = false;
  // Subscribed to turn/completed only while some turn has handlers or a request in flight: the
  // end of any other turn needs nothing from here.
  #offTurnEnds: (() => void) | undefined;

  constructor(
    router: Router,
    options: ServerRequestOptions = {},
    services: DispatcherServices = {},
  ) {
    this.#router = router;
    // A copy: what was checked is what answers, whatever becomes of the caller's object later.
    const { approvals, onUserInput, onElicitation, onChatgptTokenRefresh, serverRequestTimeout } =
      options;
    this.#options = {
      approvals: approvals === undefined ? undefined : { ...approvals },
      onUserInput,
      onElicitation,
      onChatgptTokenRefresh,
      serverRequestTimeout,
    };
    this.#log = services.log ?? SILENT;
    this.#secrets = services.secrets;
    this.#oversize = services.oversize;
    this.#platformFamily = services.platformFamily;
    router.on("serverRequest/resolved", (n) => {
      const requestId = (n.params as { requestId?: RequestId }).requestId;
      const entry = requestId === undefined ? undefined : this.#inflight.get(requestId);
      if (entry === undefined) return;
      entry.withdrawn = true;
      entry.controller.abort(new Error("the server withdrew the request"));
    });
    // A sub-agent's turn names as its root the turn it works for, running on the parent thread.
    // A turn this client started on another thread may name one too (work done on behalf of that
    // turn, `rootTurnId`), and so do the sub-agents that work spawns (the runtime names the root
    // of the whole tree): while this client has such work, a thread naming that root may belong
    // to it, not to the root's thread, whose handlers are then nobody's to lend.
    router.on("turn/started", (n) => {
      const root = rootTurnOf(n);
      const threadId = root === undefined ? undefined : threadIdOf(n);
      if (threadId === undefined || router.delegates(root!)) return;
      const parent = router.threadRunning(root!);
      if (parent !== undefined && parent !== threadId) {
        this.#parents.set(threadId, this.#parents.get(parent) ?? parent);
        // A sub-agent its parent closes is unloaded, told by its status alone (no thread/closed):
        // watched while there are sub-agents, so that no other client pays for it.
        this.#unwatchUnloads ??= router.on("thread/status/changed", this.#onStatus);
      }
    });
    for (const method of ["thread/closed", "thread/archived", "thread/deleted"]) {
      router.on(method, (n) => {
        const threadId = (n.params as { threadId?: unknown }).threadId;
        if (typeof threadId !== "string") return;
        this.release(threadId);
        // Its turns ended with it, turn/completed or not: whichever handler answers is told.
        this.#withdraw((entry) => entry.threadId === threadId, "the thread ended");
      });
    }
  }

  /** Sizes of the tables the dispatcher keeps, for leak checks. */
  get stats(): Record<string, number> {
    return {
      threadHandlers: this.#threadHandlers.size,
      turnHandlers: this.#turnHandlers.size,
      threadTools: this.#threadTools.size,
      inflight: this.#inflight.size,
      lingering: this.#lingering.size,
      parents: this.#parents.size,
    };
  }

  /**
   * Lends thread `from`'s handlers and tools to thread `to` (a fork running on its behalf) until
   * the returned function is called, which takes back those still lent.
   */
  lendThread(from: string, to: string): () => void {
    if (this.#cleared) return () => {};
    const handlers = this.#threadHandlers.get(from);
    const tools = this.#threadTools.get(from);
    if (handlers !== undefined) this.#threadHandlers.set(to, handlers);
    if (tools !== undefined) this.#threadTools.set(to, tools);
    return () => {
      if (handlers !== undefined && this.#threadHandlers.get(to) === handlers) {
        this.#threadHandlers.delete(to);
      }
      if (tools !== undefined && this.#threadTools.get(to) === tools) this.#threadTools.delete(to);
    };
  }

  /**
   * Adds handlers and tools to those kept for a thread (a fork's over its source's, or those given
   * again for a thread): each handler and tool given takes the place of the one of its kind or
   * name, the others stay. The tools are kept as they are: copies made as they were checked.
   */
  addToThread(
    threadId: string,
    handlers: ServerRequestHandlers | undefined,
    tools: readonly CheckedTool[] | undefined,
  ): void {
    if (this.#cleared) return;
    const had = this.#threadHandlers.get(threadId);
    if (handlers !== undefined) {
      this.#threadHandlers.set(threadId, had === undefined ? handlers : overlay(had, handlers));
    }
    if (tools !== undefined) {
      const byName = new Map(this.#threadTools.get(threadId));
      for (const tool of tools) byName.set(tool.name, tool);
      this.#threadTools.set(threadId, byName);
    }
  }

  /** Forgets what was kept for a thread: its handlers and tools, and its sub-agents' link. */
  release(threadId: string): void {
    this.#threadHandlers.delete(threadId);
    this.#threadTools.delete(threadId);
    this.#unlink(threadId);
  }

  // Forgets a thread's link to its parent, and its sub-agents' to it.
  #unlink(threadId: string): void {
    if (this.#parents.size === 0) return;
    this.#parents.delete(threadId);
    for (const [child, parent] of this.#parents) {
      if (parent === threadId) this.#parents.delete(child);
    }
    if (this.#parents.size === 0) {
      this.#unwatchUnloads?.();
      this.#unwatchUnloads = undefined;
    }
  }

  // An unloaded thread's link goes (a sub-agent resumed later is linked again by its next turn).
  readonly #onStatus = (n: RawNotification): void => {
    const { threadId, status } = n.params as { threadId?: unknown; status?: { type?: unknown } };
    if (typeof threadId === "string" && status?.type === "notLoaded") this.#unlink(threadId);
  };

  /** Handlers for one turn, overriding the thread's; dropped when the turn ends. */
  setTurnHandlers(turnId: string, handlers: ServerRequestHandlers): void {
    if (this.#cleared) return;
    this.#turnHandlers.set(turnId, handlers);
    this.#watchTurnEnds();
  }

  /** The turn is over: drop its handlers and withdraw its requests still being handled. */
  endTurn(turnId: string): void {
    // Not those of a thread this client left: the turn goes on there without it, waiting for the
    // answers, which the turn's handlers still give (a request held for the turn's start has yet
    // to pick one): its handlers stay until those are answered.
    const router = this.#router;
    let answering = false;
    for (const entry of this.#inflight.values()) {
      if (entry.withdrawn || entry.turnId !== turnId) continue;
      if (entry.threadId !== undefined && !router.subscribed(entry.threadId)) answering = true;
      else {
        entry.withdrawn = true;
        entry.controller.abort(new Error("the turn ended"));
      }
    }
    if (answering) this.#lingering.add(turnId);
    else this.#turnHandlers.delete(turnId);
    this.#unwatchTurnEnds();
  }

  // A turn that ended on a thread this client left: its handlers go once its last request is
  // answered.
  #endLingering(turnId: string): void {
    for (const entry of this.#inflight.values()) if (entry.turnId === turnId) return;
    this.#lingering.delete(turnId);
    this.#turnHandlers.delete(turnId);
  }

  #withdraw(which: (entry: Inflight) => boolean, why: string): void {
    for (const entry of this.#inflight.values()) {
      if (entry.withdrawn || !which(entry)) continue;
      entry.withdrawn = true;
      entry.controller.abort(new Error(why));
    }
  }

  readonly #onTurnCompleted = (n: RawNotification): void => {
    const turnId = (n.params as { turn?: { id?: unknown } }).turn?.id;
    if (typeof turnId === "string") this.endTurn(turnId);
  };

  #watchTurnEnds(): void {
    this.#offTurnEnds ??= this.#router.on("turn/completed", this.#onTurnCompleted);
  }

  #unwatchTurnEnds(): void {
    if (this.#turnHandlers.size > 0 || this.#inflight.size > 0) return;
    this.#offTurnEnds?.();
    this.#offTurnEnds = undefined;
  }

  /** Answers one request; the connection writes what this resolves with or throws. */
  handle = async (request: RawServerRequest): Promise<unknown> => {
    // No request of the pinned runtime's protocol (a newer runtime's, say): no handler answers
    // it, and no turn's stream shows it, where a request named like a notification
    // (`turn/completed`, `error`) would be read as one.
    if (!REQUEST_METHODS.has(request.method)) {
      this.#log.warn(
        `answered ${request.method} with -32601: no request of runtime ${SDK_VERSION}, ` +
          "whose requests this SDK handles",
      );
      throw new MethodNotFoundError(-32601, `the client does not handle ${request.method}`);
    }
    const method = request.method as ServerRequestMethod;
    // The handler judges a copy, taken before the stream shows the request: a reader changing
    // the event it is handed changes nothing the handler reads. Params nested too deep to copy
    // (thousands of levels, which the runtime never sends) are not handed to it: the request is
    // answered as if the handler failed.
    const given = (request.params ?? {}) as Record<string, unknown>;
    let params = given;
    let uncopied: Error | undefined;
    try {
      params = structuredClone(given);
    } catch (err) {
      uncopied = new CodexError(`the params of ${method} nest too deep to copy`, { cause: err });
    }
    // The legacy approvals (execCommandApproval, applyPatchApproval) name it conversationId.
    const thread = params.threadId ?? params.conversationId;
    const threadId = typeof thread === "string" ? thread : undefined;
    const turnId = typeof params.turnId === "string" ? params.turnId : undefined;
    const controller = new AbortController();
    const context: ServerRequestContext = {
      requestId: request.id,
      method,
      threadId,
      turnId,
      signal: controller.signal,
    };
    // Kept from the start, so a `serverRequest/resolved` or the end of the turn or thread that
    // comes while it waits for its turn to be bound is not missed.
    // One at a time per id: the connection does not hand on a request sent again in flight.
    // Of the turn that owns it as far as is known now (a review's, for the turn it runs), whose
    // end withdraws it while it waits (on a resume's handlers, say).
    const first = turnId === undefined ? undefined : this.#router.turnFor(turnId);
    const entry: Inflight = { controller, threadId, turnId: first, withdrawn: false };
    this.#inflight.set(request.id, entry);
    this.#watchTurnEnds();
    try {
      return await this.#respond(request, params, context, entry, uncopied);
    } finally {
      this.#inflight.delete(request.id);
      // Both owners it had, should it have been handed on (held for a review being started).
      for (const owner of new Set([first, entry.turnId])) {
        if (owner !== undefined && this.#lingering.has(owner)) this.#endLingering(owner);
      }
      this.#unwatchTurnEnds();
      if (!controller.signal.aborted) controller.abort(new Error("the request was answered"));
    }
  };

  async #respond(
    request: RawServerRequest,
    params: Record<string, unknown>,
    context: ServerRequestContext,
    entry: Inflight,
    uncopied: Error | undefined,
  ): Promise<unknown> {
    const { method, threadId, turnId } = context;
    // Sent with the answer to a resume that brings the thread's handlers: it waits for them.
    const resuming = threadId === undefined ? undefined : this.#router.requestsHeld(threadId);
    if (resuming !== undefined) await resuming;
    if (turnId !== undefined) {
      const event = { method, params: request.params, requestId: request.id } as RawNotification & {
        requestId: RequestId;
      };
      // A request can overtake the answer to its turn's turn/start: it is held in its place among
      // the turn's events, and waits for the turn to be bound, so the turn's handlers answer it.
      // Told which turn it is of as the turn binds, before the turn may end there.
      const assign = (owner: string) => void (entry.turnId = entry.heldFor = owner);
      const held =
        threadId === undefined ? undefined : this.#router.holdRequest(threadId, event, assign);
      if (held !== undefined) await held;
      else {
        // A sub-agent's, read with the answer that starts the turn it works for (in one chunk):
        // it waits for that turn to be bound, so the turn's own handlers answer it.
        const parent = this.#parentOf(threadId);
        const parentStart = parent === undefined ? undefined : this.#router.startSettled(parent);
        if (parentStart !== undefined) await parentStart;
      }
      // The wait ends when the connection does too: its handlers are gone, and so is the server.
      if (this.#router.closeError !== undefined) {
        throw new Error("the connection closed before the request was handled");
      }
      // One withdrawn as it waited on a resume shows in the stream no more than its withdrawal does.
      if (held === undefined && !entry.withdrawn) {
        this.#router.trackServerRequest(request.id, turnId, event);
      }
    }
    // The turn whose handlers apply: a review's, when the request comes from the turn it runs.
    const owner =
      entry.heldFor ?? (turnId === undefined ? undefined : this.#router.turnFor(turnId));
    entry.turnId = owner;

    const plan = this.#plan(method, params, context, owner);
    const { check, fallback } = plan;
    const run =
      uncopied === undefined || plan.run === undefined
        ? plan.run
        : () => {
            throw uncopied;
          };
    if (run === undefined || entry.withdrawn) {
      if (fallback === undefined) {
        if (entry.withdrawn) throw new Error(`the server withdrew ${request.method}`);
        this.#log.warn(`answered ${request.method} with -32601: the client does not handle it`);
        throw new MethodNotFoundError(-32601, `the client does not handle ${request.method}`);
      }
      const why = entry.withdrawn ? "the server withdrew it" : "no handler";
      if (this.#log.enabled("debug")) {
        this.#log.debug(`answered ${request.method} with its default: ${why}`);
      }
      return fallback(why);
    }

    const { controller } = entry;
    // Bounded by the server's own wait too: an answer past it would go nowhere.
    const given = this.#options.serverRequestTimeout ?? 300_000;
    const { serverWaitMs } = plan;
    const timeoutMs =
      serverWaitMs === undefined || (given > 0 && given < serverWaitMs) ? given : serverWaitMs;
    try {
      const value = await deadline(Promise.resolve().then(run), {
        signal: controller.signal,
        timeout: timeoutMs > 0 ? timeoutMs : undefined,
        onTimeout: () => {
          // Named, so that a reader knows which bound to raise.
          const bound =
            timeoutMs === serverWaitMs ? "the server's own wait" : "serverRequestTimeout";
          controller.abort(new Error(`handler timed out after ${timeoutMs} ms (${bound})`));
          throw controller.signal.reason;
        },
        // Its answer went already; what it gives now goes nowhere (a value unlogged: a secret).
        // A handler that stops with its signal's reason, as it should, failed at nothing.
        onLate: (late) => {
          if (late.status === "fulfilled") {
            this.#log.debug(`the handler of ${request.method} answered too late; dropped`);
          } else if (late.reason !== controller.signal.reason && !isAbortError(late.reason)) {
            this.#log.debug(`the handler of ${request.method} failed too late`, late.reason);
          }
        },
      });
      const checks = await (answerChecks ??= import("./answer-checks.js"));
      const oversize = this.#oversize;
      const answer = checks.encoded(
        check(value, checks),
        oversize && ((json: string) => oversize(request.id, json)),
      );
      plan.sending?.(answer);
      return answer;
    } catch (err) {
      // It goes to the server (a tool's failure, which the model reads) and into the stream.
      const message = wellFormed(thrownMessage(err, this.#secrets));
      if (fallback === undefined) {
        this.#log.warn(`the handler of ${request.method} failed; answered with an error`, err);
        throw err;
      }
      const answer = fallback(message);
      // A withdrawn request still gets an answer, but it is not the handler's failure.
      if (entry.withdrawn) return answer;
      this.#log.warn(`the handler of ${request.method} failed; sent the default answer`, err);
      // Into the stream of the turn whose handlers failed: a review's, for its running turn's. Only
      // a DefaultedRequestMethod has a fallback, which gives that method's answer.
      const event = {
        method: "client/handlerError",
        params: {
          requestId: request.id,
          requestMethod: method,
          threadId,
          turnId,
          message,
          // A copy: a reader that changes it changes nothing sent.
          answer: structuredClone(answer),
        },
      } as HandlerErrorEvent;
      this.#router.injectTurnEvent(plan.reportTo ?? owner, event);
      return answer;
    }
  }

  /** Drops everything (the connection is gone), and keeps nothing given after. */
  clear(): void {
    this.#cleared = true;
    this.#threadHandlers.clear();
    this.#turnHandlers.clear();
    this.#lingering.clear();
    this.#threadTools.clear();
    this.#parents.clear();
    this.#unwatchUnloads?.();
    this.#unwatchUnloads = undefined;
    for (const entry of this.#inflight.values()) {
      entry.withdrawn = true;
      entry.controller.abort(new Error("the connection closed"));
    }
  }

  // Picks the handler (turn, then thread, then client), its answer check and its default.
  #plan(
    method: ServerRequestMethod,
    params: Record<string, unknown>,
    context: ServerRequestContext,
    owner: string | undefined,
  ): Plan {
    // The context names the request's method, the one each handler below is for.
    if (method === "item/tool/call") return this.#toolPlan(params, context as never);
    if (method === "account/chatgptAuthTokens/refresh") {
      const handler = this.#options.onChatgptTokenRefresh;
      return {
        run: handler && (() => handler(params as never, context as never)),
        check: (value, checks) => checks.checkTokenRefresh(value),
        // In place of the token it refreshes, once it goes to the server (an answer refused after
        // its check, as too long, leaves the server the old one). The server answers nothing to
        // it and may refuse it, still using the old one: that one stays redacted beside it until
        // the next token. A long-lived client keeps two.
        sending: (answer) => {
          const { accessToken } = answer as { accessToken: string };
          this.#secrets?.holdKeeping(CHATGPT_TOKEN_SLOT, accessToken);
        },
        fallback: undefined,
        serverWaitMs: TOKEN_REFRESH_WAIT_MS,
      };
    }
    if (!hasDefault(method)) {
      return { run: undefined, check: (value) => value, fallback: undefined };
    }
    const defaulted = method;
    const { threadId } = context;
    const parent = this.#parentOf(threadId);
    // The turn a sub-agent's running turn works for.
    const root = parent === undefined ? undefined : this.#rootTurnOf(threadId!, context.turnId);
    // Turn, thread, the turn and thread a sub-agent works for, then the client.
    const levels = [
      owner === undefined ? undefined : this.#turnHandlers.get(owner),
      threadId ? this.#threadHandlers.get(threadId) : undefined,
      root === undefined ? undefined : this.#turnHandlers.get(root),
      parent === undefined ? undefined : this.#threadHandlers.get(parent),
      this.#options,
    ];
    // Where the handler was found: a sub-agent's own turn and thread are its first two levels.
    let found = 0;
    const find = (kind: HandlerKind) => {
      for (const [at, level] of levels.entries()) {
        const handler = handlerFor(level, kind);
        if (handler !== undefined) {
          found = at;
          return handler;
        }
      }
      return undefined;
    };
    const mcp = defaulted === "mcpServer/elicitation/request" && isMcpToolApproval(params);
    const handler = (mcp ? find("mcpToolCall") : undefined) ?? find(defaulted);
    // A sub-agent's turn has no stream of the client's: a failure of a handler not its own is
    // told in the stream of the turn it works for, whose handlers took it over.
    const reportTo = found >= 2 ? root : undefined;
    return {
      reportTo,
      run: handler && (() => handler(params as never, context as never)),
      check: (value, checks) => {
        const answer = checks.CHECK_ANSWER[defaulted](value);
        if (defaulted === "item/permissions/requestApproval" && this.#platformFamily) {
          checks.checkGrantPlatform(answer as never, this.#platformFamily);
        }
        // Neither the runtime nor, often, the MCP server checks a form's data against the form.
        if (defaulted === "mcpServer/elicitation/request" && params.mode === "form") {
          checks.checkFormContent(answer as never, params.requestedSchema);
        }
        if (defaulted === "item/tool/requestUserInput") {
          checks.checkUserInputAnswers(answer as never, params.questions);
        }
        return answer;
      },
      fallback: () => defaultAnswer(defaulted),
    };
  }

  // The thread a sub-agent thread works for, when it is one.
  #parentOf(threadId: string | undefined): string | undefined {
    return threadId === undefined || this.#parents.size === 0
      ? undefined
      : this.#parents.get(threadId);
  }

  // The turn a sub-agent's running turn works for (its root), when `turnId` is that turn.
  #rootTurnOf(threadId: string, turnId: string | undefined): string | undefined {
    const started = this.#router.runningStart(threadId);
    if (started === undefined || turnId === undefined || turnIdOf(started) !== turnId) {
      return undefined;
    }
    return rootTurnOf(started);
  }

  #toolPlan(
    params: Record<string, unknown>,
    context: ServerRequestContext<"item/tool/call">,
  ): Plan {
    const call = params as unknown as ServerRequestMap["item/tool/call"]["params"];
    const failed = (message: string): DynamicToolCallResponse => ({
      contentItems: [{ type: "inputText", text: message }],
      success: false,
    });
    // Read as it is: as a string, an array would name the tool its items join to, and one nested
    // deep enough would overflow the stack.
    if (typeof call.tool !== "string") {
      const message = `the call names no tool (its tool is ${describe(call.tool)})`;
      return { run: undefined, check: (value) => value, fallback: () => failed(message) };
    }
    // The thread's functions are offered at the top level: a tool of a namespace (one a raw
    // thread/start offered, say) is none of them, whatever its name.
    const namespace = call.namespace;
    const name = typeof namespace === "string" ? `${namespace}.${call.tool}` : call.tool;
    const { threadId } = context;
    // The pinned runtime offers a sub-agent none of its thread's tools; a runtime that did would
    // have the thread's functions answer.
    const parent = this.#parentOf(threadId);
    const tool =
      threadId === undefined || typeof namespace === "string"
        ? undefined
        : (this.#threadTools.get(threadId)?.get(name) ??
          (parent === undefined ? undefined : this.#threadTools.get(parent)?.get(name)));
    if (tool === undefined) {
      // The model is told; so is whoever reads the log, as a thread resumed without its tools,
      // say, fails every call of them.
      this.#log.warn(
        typeof namespace === "string"
          ? `the model called ${name}, a tool in a namespace, which none of this client's tools ` +
              "is: answered that it is not registered"
          : `the model called ${name} on thread ${threadId ?? "(none)"}, which no tool of ` +
              "the thread is on this client: answered that it is not registered (give the " +
              "thread's tools to codex.threadResume(id, { tools }) or codex.thread(id, { tools }))",
      );
      return {
        run: undefined,
        check: (value) => value,
        fallback: () => failed(`no tool named ${name} is registered`),
      };
    }
    return {
      run: () => tool.handler(call.arguments, context),
      check: (value, checks): DynamicToolCallResponse => ({
        contentItems: checks.toolContent(value),
        success: true,
      }),
      fallback: (error) => failed(`tool ${name} failed: ${error}`),
    };
  }
}
