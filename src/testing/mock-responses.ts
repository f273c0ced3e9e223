/**
 * An offline stand-in for the OpenAI Responses API, for testing code that drives `codex app-server`.
 *
 * The app-server's custom model provider posts every model turn to `POST {base_url}/responses` with
 * `stream: true` and reads the answer as server-sent events. This server answers each such request
 * with the next scripted response from a queue, records every request it receives, and serves the
 * provider's `GET {base_url}/models` catalogue.
 *
 * @module
 */

import { setMaxListeners } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import zlib from "node:zlib";
import {
  MAX_TIMEOUT,
  checkBoolean,
  checkHeaders,
  checkJson,
  checkNonEmpty,
  checkOptionNames,
  checkOptions,
  isPlainObject,
  optionNames,
  type OptionNames,
  checkTimeout,
  describe,
} from "../internal/validate.js";
import type { MessagePhase as GeneratedMessagePhase } from "../generated/index.js";

// ---------------------------------------------------------------------------------------------
// Wire types
// ---------------------------------------------------------------------------------------------

/** One server-sent event of a Responses stream; `type` doubles as the SSE `event:` name. */
export interface SseEvent {
  /** The Responses event type, e.g. `response.output_item.done`. */
  readonly type: string;
  /** The rest of the event's JSON payload. */
  readonly [field: string]: unknown;
}

/** A single event or a (nested) list of events, as the `sse.*` builders return them. */
export type ResponsePart = SseEvent | readonly ResponsePart[];

/**
 * How an assistant message is labelled, as the runtime reads it: interim commentary, a partial
 * answer, or the turn's final answer.
 */
export type MessagePhase = GeneratedMessagePhase;
const PHASES = [
  "commentary",
  "partial_answer",
  "final_answer",
] as const satisfies readonly MessagePhase[];
const _allPhases: [Exclude<MessagePhase, (typeof PHASES)[number]>] extends [never] ? true : false =
  true;

/** Token counts reported in `response.completed`; omitted counts are 0, the total is derived. */
export interface MockUsage {
  /** Prompt tokens. */
  inputTokens?: number | undefined;
  /** Prompt tokens served from cache (part of `inputTokens`). */
  cachedInputTokens?: number | undefined;
  /** Generated tokens. */
  outputTokens?: number | undefined;
  /** Generated reasoning tokens (part of `outputTokens`). */
  reasoningOutputTokens?: number | undefined;
  /** Overrides `inputTokens + outputTokens`. */
  totalTokens?: number | undefined;
}

/** Holds a scripted response after its first event until released, so tests can act mid-turn. */
export interface Gate {
  /** Resolves once a response using this gate has written its first event and is being held. */
  readonly reached: Promise<void>;
  /** Whether {@link Gate.release} has been called. */
  readonly released: boolean;
  /** Lets the held response (or the next one to reach the gate) continue; idempotent. */
  release(): void;
}

/** Pacing and synchronisation options for one scripted response. */
export interface ResponseOptions {
  /** Milliseconds to wait between consecutive events (default 0). */
  delayMs?: number | undefined;
  /** Holds the response after its first event until `gate.release()`. */
  gate?: Gate | undefined;
  /**
   * Extra HTTP headers of the response, such as the rate-limit headers the real service sends
   * (`x-codex-primary-used-percent`, ...), which the runtime reports as
   * `account/rateLimits/updated`.
   */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** Options for {@link mockResponse}: pacing plus what to put in the events it adds. */
export interface MockResponseOptions extends ResponseOptions {
  /** Response id used for the added `response.created`/`response.completed` events. */
  id?: string | undefined;
  /** Usage for the `response.completed` event added when the parts do not end the response. */
  usage?: MockUsage | undefined;
}

/**
 * A fully scripted response: the events to stream, plus pacing options. `enqueue` gives a response
 * event without an id the response's, and refuses an event after the response's end.
 */
export interface MockResponse extends ResponseOptions {
  /** Events in stream order; normally `response.created` first and a terminal event last. */
  readonly events: readonly SseEvent[];
}

/** Anything {@link MockResponsesServer.enqueue} accepts: a built response or a list of parts. */
export type MockResponseInput = MockResponse | readonly ResponsePart[];

/**
 * A model catalogue entry in the snake_case shape the runtime reads from `GET /models` and from a
 * `model_catalog_json` file. Only the fields the pinned runtime requires are typed; add any other.
 */
export interface MockModelInfo {
  /** Model id, as used in `model = "..."` and in the request body's `model`. */
  slug: string;
  /** Name shown in model pickers. */
  display_name: string;
  /** One-line description. */
  description?: string | null | undefined;
  /** Reasoning efforts offered, e.g. `[{ effort: "low", description: "..." }]`. */
  supported_reasoning_levels: readonly {
    /** A reasoning effort (`"low"`, `"medium"`, `"high"`, ...). */
    effort: string;
    /** What the effort is good for, as pickers show it. */
    description: string;
  }[];
  /** Which shell tool the model gets (`"shell_command"`, `"unified_exec"`, ...). */
  shell_type: string;
  /** `"list"` to show in pickers, `"hide"` otherwise. */
  visibility: string;
  /** Whether the model is usable with API-key auth. */
  supported_in_api: boolean;
  /** Sort key; lower sorts first. */
  priority: number;
  /** Whether the `verbosity` request field is supported. */
  support_verbosity: boolean;
  /** How tool output is truncated, e.g. `{ mode: "bytes", limit: 10000 }`. */
  truncation_policy: {
    /** What `limit` counts: `"bytes"` or `"tokens"`. */
    mode: string;
    /** How much of a tool's output the model sees. */
    limit: number;
  };
  /** Extra experimental tools to expose. */
  experimental_supported_tools: readonly string[];
  /** System instructions sent as the first developer message. */
  base_instructions?: string | undefined;
  /** `"freeform"` exposes `apply_patch` as a custom (freeform) tool; absent means no such tool. */
  apply_patch_tool_type?: string | null | undefined;
  /** Input kinds, e.g. `["text", "image"]`. */
  input_modalities?: readonly string[] | undefined;
  /**
   * Context window in tokens. `thread/tokenUsage/updated` reports the part the runtime lets a
   * thread use (95% of it on runtime 0.171.0: 190,000 for `mockModelInfo`'s 200,000).
   */
  context_window?: number | null | undefined;
  /** Any further catalogue field the runtime understands. */
  [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

let idCounter = 0;
function nextId(prefix: string): string {
  idCounter += 1;
  return `${prefix}_mock_${idCounter}`;
}

const TERMINAL_TYPES = new Set(["response.completed", "response.failed", "response.incomplete"]);
const RESPONSE_TYPES = new Set(["response.created", ...TERMINAL_TYPES]);

const USAGE_NAMES = optionNames<MockUsage>()({
  own: ["inputTokens", "cachedInputTokens", "outputTokens", "reasoningOutputTokens", "totalTokens"],
});

// A misspelt count (the wire's input_tokens, say) would be left out, and report 0; a count that
// is no whole number of tokens ("12", NaN) would fail the turn, as the runtime reads integers.
// A part larger than its whole (cached tokens beyond the input) is no usage a provider reports.
function checkUsage(usage: MockUsage, name: string): void {
  const checked = checkOptionNames(usage, USAGE_NAMES, name);
  for (const [key, count] of Object.entries(checked)) {
    if (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0)) {
      throw new RangeError(
        `${name}.${key} must be a whole number of tokens, 0 or more, got ${shownValue(count)}`,
      );
    }
  }
  for (const [part, whole] of USAGE_PARTS) {
    const [partCount, wholeCount] = [checked[part] ?? 0, checked[whole] ?? 0];
    if (partCount > wholeCount) {
      throw new RangeError(
        `${name}.${part} (${partCount}) is part of ${name}.${whole} (${wholeCount}), so cannot ` +
          "exceed it",
      );
    }
  }
}

const USAGE_PARTS = [
  ["cachedInputTokens", "inputTokens"],
  ["reasoningOutputTokens", "outputTokens"],
] as const;

function shownValue(value: unknown): string {
  return typeof value === "number" ? String(value) : describe(value);
}

function usageJson(usage: MockUsage = {}): Record<string, unknown> {
  checkUsage(usage, "usage");
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens ?? 0 },
    total_tokens: usage.totalTokens ?? input + output,
  };
}

function responseObject(id: string | undefined, fields: Record<string, unknown> = {}): object {
  return id === undefined ? { ...fields } : { id, ...fields };
}

function outputText(text: string): object {
  return { type: "output_text", text, annotations: [] };
}

function assistantItem(
  id: string,
  content: readonly object[],
  phase: MessagePhase | undefined,
  status: string,
): object {
  return {
    type: "message",
    role: "assistant",
    id,
    status,
    content,
    ...(phase === undefined ? {} : { phase }),
  };
}

/** Options for assistant-message builders. */
export interface AssistantMessageOptions {
  /** A {@link MessagePhase}; omitted means the item carries no phase (`phase: null`). */
  phase?: MessagePhase | undefined;
  /** Item id; becomes the app-server's `agentMessage` item id. Generated when omitted. */
  id?: string | undefined;
}

/** Options for tool-call builders. */
export interface ToolCallOptions {
  /** The call id; becomes the app-server item id and the `call_id` of the tool output. */
  callId?: string | undefined;
  /** The output item's own id. Generated when omitted. */
  id?: string | undefined;
  /**
   * The namespace of a tool the runtime offers in one (`{ type: "namespace" }` in the request's
   * tools): an MCP server's tools (`mcp__<server>`), the sub-agent tools (`multi_agent_v1`).
   * Omitted for a tool offered on its own, as the runtime's shell and dynamic tools are.
   */
  namespace?: string | undefined;
}

/** Options for the calls of the runtime's own tools, which sit in no namespace. */
export type OwnToolCallOptions = Omit<ToolCallOptions, "namespace">;

/** Options for {@link sse.execCommand}. */
export interface ExecCommandOptions extends OwnToolCallOptions {
  /** Working directory for the command. */
  workdir?: string | undefined;
  /** How long the tool waits for output before returning, in milliseconds. */
  yieldTimeMs?: number | undefined;
}

/** Options for {@link sse.reasoning}. */
export interface ReasoningOptions {
  /** Item id. Generated when omitted. */
  id?: string | undefined;
  /** Also stream each summary part as `response.reasoning_summary_text.delta` (default true). */
  stream?: boolean | undefined;
}

// An id the runtime would take as none, or a phase it does not know, would make a stream that
// fails the turn for no reason it names.
function checkItemOptions<
  T extends { id?: unknown; callId?: unknown; phase?: unknown; namespace?: unknown },
>(options: T, names: OptionNames): T {
  const checked = checkOptionNames(options, names);
  if (checked.id !== undefined) checkNonEmpty(checked.id, "options.id");
  if (checked.callId !== undefined) checkNonEmpty(checked.callId, "options.callId");
  if (checked.namespace !== undefined) checkNonEmpty(checked.namespace, "options.namespace");
  const { phase } = checked;
  if (phase !== undefined && !(PHASES as readonly unknown[]).includes(phase)) {
    throw new TypeError(
      `options.phase must be one of ${PHASES.join(", ")}, got ${describe(phase)}`,
    );
  }
  return checked;
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

function isStrings(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

const ID_NAMES = optionNames<{ id?: string }>()({ own: ["id"] });
const COMPLETED_NAMES = optionNames<{ id?: string; usage?: MockUsage }>()({ own: ["id", "usage"] });
const MESSAGE_NAMES = optionNames<AssistantMessageOptions>()({ own: ["phase", "id"] });
const REASONING_NAMES = optionNames<ReasoningOptions>()({ own: ["id", "stream"] });
const CALL_NAMES = optionNames<ToolCallOptions>()({ own: ["callId", "id", "namespace"] });
const OWN_CALL_NAMES = optionNames<OwnToolCallOptions>()({ own: ["callId", "id"] });
const EXEC_COMMAND_NAMES = optionNames<ExecCommandOptions>()({
  own: ["callId", "id", "workdir", "yieldTimeMs"],
});

/** Builders for Responses stream events; list-returning ones give every event one item needs. */
export const sse = {
  /** Any event: `sse.event("response.output_text.delta", { delta: "x" })`. */
  event(type: string, fields: Record<string, unknown> = {}): SseEvent {
    checkEventType(type, "type");
    return { ...checkOptions(fields, "fields"), type };
  },

  /** `response.created`; the id is filled in by {@link mockResponse} when omitted. */
  created(id?: string): SseEvent {
    if (id !== undefined) checkNonEmpty(id, "id");
    return { type: "response.created", response: responseObject(id) };
  },

  /** `response.completed` with usage (zeros by default); the id is filled in when omitted. */
  completed(options: { id?: string | undefined; usage?: MockUsage | undefined } = {}): SseEvent {
    checkItemOptions(options, COMPLETED_NAMES);
    return {
      type: "response.completed",
      response: responseObject(options.id, { usage: usageJson(options.usage) }),
    };
  },

  /**
   * `response.failed`; the app-server fails the turn with this message (code `server_error` by
   * default). The codes `insufficient_quota`, `server_is_overloaded`, `usage_not_included` and
   * `context_length_exceeded` fail it with the runtime's own message for those errors instead, and
   * `rate_limit_exceeded` puts "rate limit exceeded: " before it.
   */
  failed(
    message: string,
    code = "server_error",
    options: { id?: string | undefined } = {},
  ): SseEvent {
    checkString(message, "message");
    checkNonEmpty(code, "code");
    checkItemOptions(options, ID_NAMES);
    return {
      type: "response.failed",
      response: responseObject(options.id, { error: { code, message } }),
    };
  },

  /** `response.incomplete`; the app-server fails the turn naming the reason. */
  incomplete(reason = "max_output_tokens", options: { id?: string | undefined } = {}): SseEvent {
    checkNonEmpty(reason, "reason");
    checkItemOptions(options, ID_NAMES);
    return {
      type: "response.incomplete",
      response: responseObject(options.id, { incomplete_details: { reason } }),
    };
  },

  /** A complete assistant message (`output_item.added` then `output_item.done`). */
  assistantMessage(text: string, options: AssistantMessageOptions = {}): SseEvent[] {
    checkString(text, "text");
    checkItemOptions(options, MESSAGE_NAMES);
    const id = options.id ?? nextId("msg");
    return [
      {
        type: "response.output_item.added",
        item: assistantItem(id, [], options.phase, "in_progress"),
      },
      {
        type: "response.output_item.done",
        item: assistantItem(id, [outputText(text)], options.phase, "completed"),
      },
    ];
  },

  /** An assistant message streamed as `response.output_text.delta` events, then completed. */
  textDeltas(deltas: readonly string[], options: AssistantMessageOptions = {}): SseEvent[] {
    if (!isStrings(deltas)) {
      throw new TypeError(`deltas must be an array of strings, got ${describe(deltas)}`);
    }
    checkItemOptions(options, MESSAGE_NAMES);
    const id = options.id ?? nextId("msg");
    return [
      {
        type: "response.output_item.added",
        item: assistantItem(id, [], options.phase, "in_progress"),
      },
      ...deltas.map((delta): SseEvent => ({
        type: "response.output_text.delta",
        item_id: id,
        output_index: 0,
        content_index: 0,
        delta,
      })),
      {
        type: "response.output_item.done",
        item: assistantItem(id, [outputText(deltas.join(""))], options.phase, "completed"),
      },
    ];
  },

  /** A reasoning item whose summary parts are streamed (unless `stream: false`) and completed. */
  reasoning(summary: string | readonly string[], options: ReasoningOptions = {}): SseEvent[] {
    const parts = typeof summary === "string" ? [summary] : summary;
    if (!isStrings(parts)) {
      throw new TypeError(
        `summary must be a string or an array of strings, got ${describe(summary)}`,
      );
    }
    checkItemOptions(options, REASONING_NAMES);
    if (options.stream !== undefined) checkBoolean(options.stream, "options.stream");
    const id = options.id ?? nextId("rs");
    const events: SseEvent[] = [
      { type: "response.output_item.added", item: { type: "reasoning", id, summary: [] } },
    ];
    if (options.stream ?? true) {
      parts.forEach((text, index) => {
        events.push(
          {
            type: "response.reasoning_summary_part.added",
            item_id: id,
            output_index: 0,
            summary_index: index,
            part: { type: "summary_text", text: "" },
          },
          {
            type: "response.reasoning_summary_text.delta",
            item_id: id,
            output_index: 0,
            summary_index: index,
            delta: text,
          },
        );
      });
    }
    events.push({
      type: "response.output_item.done",
      item: {
        type: "reasoning",
        id,
        summary: parts.map((text) => ({ type: "summary_text", text })),
      },
    });
    return events;
  },

  /** A function tool call; `args` objects are JSON-encoded as the API does. */
  functionCall(name: string, args: string | object, options: ToolCallOptions = {}): SseEvent[] {
    checkNonEmpty(name, "name");
    // The runtime drops a call without arguments, and the turn ends with no word of it.
    if (typeof args !== "string") {
      if (!isPlainObject(args)) {
        throw new TypeError(`args must be a string or a plain object, got ${describe(args)}`);
      }
      checkJson(args, "args");
    }
    checkItemOptions(options, CALL_NAMES);
    return [
      {
        type: "response.output_item.done",
        item: {
          type: "function_call",
          id: options.id ?? nextId("fc"),
          call_id: options.callId ?? nextId("call"),
          name,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
          arguments: typeof args === "string" ? args : JSON.stringify(args),
          status: "completed",
        },
      },
    ];
  },

  /** A call of the runtime's `exec_command` tool (runs `cmd` in a shell). */
  execCommand(cmd: string, options: ExecCommandOptions = {}): SseEvent[] {
    checkString(cmd, "cmd");
    const { workdir, yieldTimeMs, ...call } = checkItemOptions(options, EXEC_COMMAND_NAMES);
    if (workdir !== undefined) checkNonEmpty(workdir, "options.workdir");
    // The runtime reads it as a whole number of milliseconds, 0 included.
    if (yieldTimeMs !== undefined && !(Number.isSafeInteger(yieldTimeMs) && yieldTimeMs >= 0)) {
      throw new RangeError(
        `options.yieldTimeMs must be a whole number of milliseconds, 0 or more, got ${shownValue(yieldTimeMs)}`,
      );
    }
    const args: Record<string, unknown> = { cmd };
    if (workdir !== undefined) args.workdir = workdir;
    if (yieldTimeMs !== undefined) args.yield_time_ms = yieldTimeMs;
    return sse.functionCall("exec_command", args, call);
  },

  /** A freeform (custom) tool call, whose input is raw text rather than JSON. */
  customToolCall(name: string, input: string, options: ToolCallOptions = {}): SseEvent[] {
    checkNonEmpty(name, "name");
    checkString(input, "input");
    checkItemOptions(options, CALL_NAMES);
    return [
      {
        type: "response.output_item.done",
        item: {
          type: "custom_tool_call",
          id: options.id ?? nextId("ctc"),
          call_id: options.callId ?? nextId("call"),
          name,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
          input,
          status: "completed",
        },
      },
    ];
  },

  /**
   * A call of the freeform `apply_patch` tool (`*** Begin Patch` ... `*** End Patch`). The runtime
   * offers this tool only for models whose catalogue entry has `apply_patch_tool_type: "freeform"`,
   * as {@link mockModelInfo} does.
   */
  applyPatch(patch: string, options: OwnToolCallOptions = {}): SseEvent[] {
    checkString(patch, "patch");
    return sse.customToolCall("apply_patch", patch, checkItemOptions(options, OWN_CALL_NAMES));
  },
};

function flatten(parts: readonly ResponsePart[], out: SseEvent[] = []): SseEvent[] {
  for (const part of parts) {
    if (isEventList(part)) flatten(part, out);
    else out.push(checkEvent(part, `event ${out.length}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks of what a test hands the mock: a mistake there would show only as a request the mock
// drops ("socket hang up") and a turn failing for no reason it names.
// ---------------------------------------------------------------------------------------------

function checkEvent(event: unknown, name: string): SseEvent {
  if (typeof event !== "object" || event === null || typeof (event as SseEvent).type !== "string") {
    throw new TypeError(
      `${name} must be an SSE event object with a string type, got ${describe(event)}`,
    );
  }
  checkEventType((event as SseEvent).type, `${name}.type`);
  // What JSON cannot write (a BigInt, a cycle) would end the stream when it is served.
  checkJson(event, name);
  // A copy: what is served is what was checked, whatever becomes of the caller's object.
  return JSON.parse(JSON.stringify(event)) as SseEvent;
}

// An event's type is written raw on its `event:` line: a line break would start another frame.
function checkEventType(type: string, name: string): void {
  checkNonEmpty(type, name);
  if (/[\r\n]/.test(type)) throw new TypeError(`${name} must not contain a line break`);
}

/**
 * Checks a model catalogue (of a mock server, or of a home's `models.json`) and returns it: an
 * entry with no slug, or a value JSON cannot write, would fail the runtime's load, or the mock's
 * `GET /models`, far from the mistake.
 */
export function checkCatalogue(models: unknown, name: string): readonly MockModelInfo[] {
  if (!Array.isArray(models)) {
    throw new TypeError(`${name} must be an array of model entries, got ${describe(models)}`);
  }
  models.forEach((entry: unknown, index) => {
    if (!isPlainObject(entry) || typeof entry.slug !== "string" || entry.slug === "") {
      throw new TypeError(
        `${name}[${index}] must be a model entry with a slug (see mockModelInfo), got ${describe(entry)}`,
      );
    }
  });
  checkJson(models, name);
  return models as readonly MockModelInfo[];
}

// A copy no caller can change past the checks, entries included (they are JSON, checked).
function frozenCatalogue(models: readonly MockModelInfo[]): readonly MockModelInfo[] {
  const freeze = <T>(value: T): T => {
    if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) freeze(item);
      Object.freeze(value);
    }
    return value;
  };
  return freeze(JSON.parse(JSON.stringify(models)) as MockModelInfo[]);
}

// Rejects the `reached` of each gated response of `responses`, none of which will be served.
function abandonGates(responses: readonly MockResponse[], why: string): void {
  for (const response of responses) {
    if (response.gate !== undefined) gateControls.get(response.gate)?.abandon(new Error(why));
  }
}

const RESPONSE_KEYS = ["delayMs", "gate", "headers"] as const;
const MOCK_RESPONSE_NAMES = optionNames<MockResponseOptions>()({
  own: [...RESPONSE_KEYS, "id", "usage"],
});
const BUILT_RESPONSE_NAMES = optionNames<MockResponse>()({ own: [...RESPONSE_KEYS, "events"] });
const ENQUEUE_KEYS = [...RESPONSE_KEYS, "responseId", "usage"] as const;
// A failed response has no usage.
const FAILURE_ENQUEUE_NAMES = optionNames<Omit<EnqueueOptions, "usage">>()({
  own: [...RESPONSE_KEYS, "responseId"],
});
const MESSAGE_ENQUEUE_NAMES = optionNames<AssistantMessageOptions & EnqueueOptions>()({
  own: [...ENQUEUE_KEYS, "phase", "id"],
});
const CALL_ENQUEUE_NAMES = optionNames<ToolCallOptions & EnqueueOptions>()({
  own: [...ENQUEUE_KEYS, "callId", "id", "namespace"],
});
const SERVER_NAMES = optionNames<MockResponsesServerOptions>()({
  own: ["models", "waitTimeoutMs"],
});
const WAIT_NAMES = optionNames<{ timeoutMs?: number }>()({ own: ["timeoutMs"] });

/** The options of a mock server, checked before it starts; `label` names them in errors. */
export function checkServerOptions(
  options: MockResponsesServerOptions | undefined,
  label: string,
): MockResponsesServerOptions {
  const checked = checkOptionNames(options, SERVER_NAMES, label);
  checkTimeout(checked.waitTimeoutMs, "waitTimeoutMs");
  if (checked.models !== undefined) checkCatalogue(checked.models, "models");
  return checked;
}

/**
 * Checks a response's options, and returns a copy of its headers: the caller's object may change
 * before the response is served.
 */
function checkResponseOptions(
  options: unknown,
  name: string,
): Readonly<Record<string, string>> | undefined {
  const { delayMs, gate, headers, id, usage } = checkOptionNames(
    options as MockResponseOptions,
    MOCK_RESPONSE_NAMES,
    name,
  );
  // Past what a timer holds, Node would wait 1 ms instead, and warn.
  if (
    delayMs !== undefined &&
    (typeof delayMs !== "number" || !(delayMs >= 0) || delayMs > MAX_TIMEOUT)
  ) {
    throw new RangeError(
      `${name}.delayMs must be a number of milliseconds from 0 to ${MAX_TIMEOUT}, got ` +
        shownValue(delayMs),
    );
  }
  if (gate !== undefined && !gateControls.has(gate)) {
    throw new TypeError(`${name}.gate must be a gate made by createGate() or mock.gate()`);
  }
  if (id !== undefined) checkNonEmpty(id, `${name}.id`);
  if (usage !== undefined) checkUsage(usage, `${name}.usage`);
  if (headers === undefined) return undefined;
  // Lower-cased, so a name given in any case replaces the mock's default instead of doubling it.
  const lower: [string, string][] = [];
  for (const [key, value] of Object.entries(checkHeaders(headers, `${name}.headers`))) {
    const header = key.toLowerCase();
    if (FRAMING_HEADERS.has(header)) {
      throw new TypeError(
        `${name}.headers.${key} shapes the HTTP stream, which the mock writes itself: leave it out`,
      );
    }
    lower.push([header, value]);
  }
  // `fromEntries` defines each name, `__proto__` too.
  return Object.fromEntries(lower);
}

// Headers that say how the response is framed, encoded or the connection kept: given, they
// would break the stream the client reads.
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "content-encoding",
  "content-length",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function checkBuiltResponse(response: unknown): MockResponse {
  if (
    typeof response !== "object" ||
    response === null ||
    !Array.isArray((response as MockResponse).events)
  ) {
    throw new TypeError(
      `response must be a list of parts or a built response ({ events: [...] }), got ${describe(response)}`,
    );
  }
  const built = checkOptionNames(response as MockResponse, BUILT_RESPONSE_NAMES, "response");
  // Array.from visits a hole too, which is refused.
  const events = Array.from(built.events as unknown[], (event, i) =>
    checkEvent(event, `response.events[${i}]`),
  );
  // Streamed as they are, but for what the runtime could not read: an event after the end is
  // refused, and a response event without an id (`sse.created()`) gets the response's.
  const end = events.findIndex((event) => TERMINAL_TYPES.has(event.type));
  if (end !== -1 && end < events.length - 1) {
    throw new TypeError(
      `response.events[${end + 1}] (${events[end + 1]!.type}) follows the response's end ` +
        `(${events[end]!.type}), which the runtime would never read`,
    );
  }
  const id = namedId(events) ?? nextId("resp");
  const headers = checkResponseOptions(
    { delayMs: built.delayMs, gate: built.gate, headers: built.headers },
    "response",
  );
  return { ...built, events: events.map((event, i) => withResponseId(event, i, id)), headers };
}

function isEventList(part: ResponsePart): part is readonly ResponsePart[] {
  return Array.isArray(part);
}

// Fills in the id of a response event that has none; one naming another response is refused
// (`index` counts the caller's events).
function withResponseId(event: SseEvent, index: number, id: string): SseEvent {
  if (!RESPONSE_TYPES.has(event.type)) return event;
  const response = event.response;
  // The runtime reads a response event by its `response`: one written bare gets one.
  if (response === undefined) return { ...event, response: { id } };
  if (typeof response !== "object" || response === null) return event;
  if (!("id" in response)) return { ...event, response: { id, ...response } };
  if (String(response.id) !== id) {
    throw new TypeError(
      `event ${index} (${event.type}) is of response ${JSON.stringify(response.id)}, the ` +
        `others of ${JSON.stringify(id)}: give the response id in one place`,
    );
  }
  return event;
}

/**
 * Turns builder output into a complete response: prepends `response.created` and appends
 * `response.completed` (with `options.usage`) when missing, and gives every response event one id:
 * `options.id`, else the first a response event of `parts` names (its `response.created`, or its
 * closing event), else a new one.
 */
export function mockResponse(
  parts: readonly ResponsePart[],
  options: MockResponseOptions = {},
): MockResponse {
  const headers = checkResponseOptions(options, "options");
  if (!Array.isArray(parts)) {
    throw new TypeError(`parts must be an array of SSE events, got ${describe(parts)}`);
  }
  let events = flatten(parts);
  const first = events[0];
  const id = options.id ?? namedId(events) ?? nextId("resp");
  const added = first?.type === "response.created" ? 0 : 1;
  if (added === 1) events = [sse.created(id), ...events];
  // The runtime reads nothing after a response's end: what follows it would vanish unsaid.
  const end = events.findIndex((event) => TERMINAL_TYPES.has(event.type));
  if (end === -1) events.push(sse.completed({ usage: options.usage }));
  else {
    const ending = events[end]!.type;
    if (end < events.length - 1) {
      throw new TypeError(
        `event ${end - added + 1} (${events[end + 1]!.type}) follows the response's end ` +
          `(${ending}), which the runtime would never read`,
      );
    }
    if (options.usage !== undefined) {
      throw new TypeError(
        `usage goes into the response.completed the mock adds; these parts end with ${ending}: ` +
          "give the usage to it (sse.completed({ usage })) instead",
      );
    }
  }
  return {
    events: events.map((event, index) => withResponseId(event, index - added, id)),
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    ...(options.gate === undefined ? {} : { gate: options.gate }),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** The response id the first response event that names one gives. */
function namedId(events: readonly SseEvent[]): string | undefined {
  for (const event of events) {
    if (!RESPONSE_TYPES.has(event.type)) continue;
    const { response } = event;
    if (typeof response === "object" && response !== null && "id" in response) {
      return String(response.id);
    }
  }
  return undefined;
}

/**
 * Formats one event as an SSE frame (`event:` and `data:` lines, blank-line terminated); throws a
 * `TypeError` naming the problem, as `enqueue` does, for one the mock would not serve.
 */
export function formatSseEvent(event: SseEvent): string {
  return frameOf(checkEvent(event, "event"));
}

// An event checked (by `enqueue`) as an SSE frame.
function frameOf(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A catalogue entry for `slug` that the pinned runtime accepts, with freeform `apply_patch`. */
export function mockModelInfo(
  slug = "mock-model",
  overrides: Partial<MockModelInfo> = {},
): MockModelInfo {
  return {
    slug,
    display_name: slug,
    description: `Offline mock model ${slug}`,
    supported_reasoning_levels: [],
    shell_type: "shell_command",
    visibility: "list",
    supported_in_api: true,
    priority: 0,
    support_verbosity: false,
    truncation_policy: { mode: "bytes", limit: 10_000 },
    experimental_supported_tools: [],
    base_instructions: "You are a mock model used in offline tests.",
    apply_patch_tool_type: "freeform",
    input_modalities: ["text", "image"],
    context_window: 200_000,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Gates
// ---------------------------------------------------------------------------------------------

interface GateControl {
  markReached(): void;
  waitForRelease(signal: AbortSignal): Promise<void>;
  /** The server closed before a response held by the gate was requested: `reached` rejects. */
  abandon(error: Error): void;
}

const gateControls = new WeakMap<Gate, GateControl>();

/** Creates a {@link Gate}; pass it in a response's options, await `reached`, then `release()`. */
export function createGate(): Gate {
  let markReached!: () => void;
  let abandon!: (error: Error) => void;
  const reached = new Promise<void>((resolve, reject) => {
    markReached = resolve;
    abandon = reject;
  });
  // Nobody may await it; a gate abandoned then is no unhandled rejection.
  reached.catch(() => undefined);
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let isReleased = false;
  const gate: Gate = {
    reached,
    get released() {
      return isReleased;
    },
    release() {
      isReleased = true;
      release();
    },
  };
  gateControls.set(gate, {
    markReached,
    abandon,
    waitForRelease: (signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        void released.then(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        });
      }),
  });
  return gate;
}

// ---------------------------------------------------------------------------------------------
// Recorded requests and helpers
// ---------------------------------------------------------------------------------------------

/** One HTTP request the mock received. */
export interface RecordedRequest {
  /** 0-based position among all requests the server received (since `clearRequests()`). */
  readonly index: number;
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** URL path without the query, e.g. `/v1/responses`. */
  readonly path: string;
  /** Query parameters, e.g. `{ client_version: "0.171.0" }` for `/models`. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers, lower-cased; repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON, or the raw text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
  /** The body as text (after undoing any `content-encoding`). */
  readonly rawBody: string;
}

/** An `input_image` content part of a request's input. */
export type InputImagePart = {
  /** Always `input_image`. */
  readonly type: "input_image";
  /** Requested detail level, when given. */
  readonly detail?: string;
} & (
  | {
      /** A `data:` URL or an `http(s)` URL. */
      readonly image_url: string;
      /** None: the image is given by its URL. */
      readonly file_id?: undefined;
    }
  | {
      /** The id of an uploaded file, for an image given by `fileId`. */
      readonly file_id: string;
      /** None: the image is given by its file's id. */
      readonly image_url?: undefined;
    }
);

/** A tool result that the runtime sent back to the model. */
export interface ToolCallOutput {
  /** `function_call_output` or `custom_tool_call_output`. */
  readonly type: string;
  /**
   * The call id this output answers; `null` for the output an external message turn input
   * becomes, which answers no call and names its tool instead.
   */
  readonly call_id: string | null;
  /** The tool's name, when the item names it (an external message's). */
  readonly name?: string;
  /** The tool's namespace, when the item names one (an external message's). */
  readonly namespace?: string;
  /** The tool output: usually text, sometimes a list of content parts. */
  readonly output: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bodyOf(request: RecordedRequest | unknown): unknown {
  return isRecord(request) && "rawBody" in request && "method" in request ? request.body : request;
}

/** The `input` items of a Responses request (or of its parsed body); [] when there are none. */
export function inputItems(request: RecordedRequest | unknown): Record<string, unknown>[] {
  const body = bodyOf(request);
  if (!isRecord(body) || !Array.isArray(body.input)) return [];
  return body.input.filter(isRecord);
}

function messageParts(
  request: RecordedRequest | unknown,
  role: string | undefined,
): Record<string, unknown>[] {
  return inputItems(request)
    .filter((item) => item.type === "message" && (role === undefined || item.role === role))
    .flatMap((item) => (Array.isArray(item.content) ? item.content.filter(isRecord) : []));
}

/**
 * Every `input_text` of the request's messages from `role` (default `user`), in order. The runtime
 * adds context messages of its own (e.g. `<environment_context>`), so expect more than you typed.
 */
export function inputTexts(request: RecordedRequest | unknown, role = "user"): string[] {
  return messageParts(request, role)
    .filter((part) => part.type === "input_text" && typeof part.text === "string")
    .map((part) => part.text as string);
}

// The items whose content may hold images: a message's, or a tool call output given as a list.
const IMAGE_HOLDERS: Readonly<Record<string, string>> = {
  message: "content",
  function_call_output: "output",
  custom_tool_call_output: "output",
};

/**
 * Every `input_image` part of the request, in order: those of its messages, and those a tool
 * gave back in its output (an image `view_image` or a dynamic tool returned).
 */
export function inputImages(request: RecordedRequest | unknown): InputImagePart[] {
  return inputItems(request)
    .flatMap((item) => {
      const type = item.type;
      // An own key only: a type such as "constructor" must not find Object's members.
      const field =
        typeof type === "string" && Object.hasOwn(IMAGE_HOLDERS, type)
          ? IMAGE_HOLDERS[type]
          : undefined;
      const parts = field === undefined ? undefined : item[field];
      return Array.isArray(parts) ? parts.filter(isRecord) : [];
    })
    .flatMap((part): InputImagePart[] => {
      if (part.type !== "input_image") return [];
      const detail = typeof part.detail === "string" ? { detail: part.detail } : {};
      if (typeof part.image_url === "string") {
        return [{ type: "input_image", image_url: part.image_url, ...detail }];
      }
      // An image given by the id of an uploaded file.
      if (typeof part.file_id === "string") {
        return [{ type: "input_image", file_id: part.file_id, ...detail }];
      }
      return [];
    });
}

function callOutputs(request: RecordedRequest | unknown, type: string): ToolCallOutput[] {
  const outputs: ToolCallOutput[] = [];
  for (const item of inputItems(request)) {
    const { call_id: callId, name, namespace } = item;
    // One without a call id answers no call: the output an external message becomes.
    if (item.type !== type || (callId != null && typeof callId !== "string")) continue;
    outputs.push({
      type,
      call_id: callId ?? null,
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof namespace === "string" ? { namespace } : {}),
      output: item.output,
    });
  }
  return outputs;
}

/** The `function_call_output` items (results of function tools such as `exec_command`). */
export function functionCallOutputs(request: RecordedRequest | unknown): ToolCallOutput[] {
  return callOutputs(request, "function_call_output");
}

/** The `custom_tool_call_output` items (results of freeform tools such as `apply_patch`). */
export function customToolCallOutputs(request: RecordedRequest | unknown): ToolCallOutput[] {
  return callOutputs(request, "custom_tool_call_output");
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/** The message a request gets when nothing is queued for it. */
export const NO_RESPONSE_QUEUED = "mock Responses server: no response queued";

// The names by which the server under test reaches the mock itself.
const LOOPBACK: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

// Why a request the mock was asked to carry elsewhere, as a proxy, is refused.
function leaves(target: string): string {
  return (
    `mock Responses server: refused to carry a request to ${target} as a proxy: ` +
    "nothing a test does leaves the machine"
  );
}

/** Options for {@link startMockResponsesServer}. */
export interface MockResponsesServerOptions {
  /** Catalogue served by `GET /models` (default: `[mockModelInfo("mock-model")]`). */
  models?: readonly MockModelInfo[] | undefined;
  /** Default for {@link MockResponsesServer.waitForRequests}'s timeout, in ms (default 10000). */
  waitTimeoutMs?: number | undefined;
}

/** Options for the `enqueue*` conveniences. */
export interface EnqueueOptions extends ResponseOptions {
  /** Response id (`response.created`/`response.completed`). Generated when omitted. */
  responseId?: string | undefined;
  /** Usage reported by the closing `response.completed`. */
  usage?: MockUsage | undefined;
}

/** A running mock Responses API; see {@link startMockResponsesServer}. */
export interface MockResponsesServer extends AsyncDisposable {
  /** Base URL for a provider's `base_url`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  /** Every request received, in order (model turns, `/models`, unknown routes). */
  readonly requests: readonly RecordedRequest[];
  /** Only the `POST /responses` requests, in order. */
  readonly responsesRequests: readonly RecordedRequest[];
  /** How many queued responses have not been served yet. */
  readonly pending: number;
  /**
   * The catalogue served by `GET /models`: a frozen copy, so only an assignment (checked as the
   * `models` option is) changes it.
   */
  get models(): readonly MockModelInfo[];
  /** Replaces the catalogue, checked as the `models` option is (a `TypeError` naming the entry). */
  set models(value: readonly MockModelInfo[]);
  /** Queues one response; each `POST /responses` consumes the oldest. */
  enqueue(response: MockResponseInput, options?: MockResponseOptions): void;
  /** Queues a response holding one assistant message. */
  enqueueAssistantMessage(text: string, options?: AssistantMessageOptions & EnqueueOptions): void;
  /** Queues a response streaming an assistant message in the given deltas. */
  enqueueTextDeltas(
    deltas: readonly string[],
    options?: AssistantMessageOptions & EnqueueOptions,
  ): void;
  /** Queues a response whose only output is a function tool call. */
  enqueueFunctionCall(
    name: string,
    args: string | object,
    options?: ToolCallOptions & EnqueueOptions,
  ): void;
  /** Queues a `response.failed` response (which reports no usage). */
  enqueueFailure(message: string, code?: string, options?: Omit<EnqueueOptions, "usage">): void;
  /** Creates a {@link Gate} (same as {@link createGate}). */
  gate(): Gate;
  /** Resolves once at least `count` `POST /responses` requests arrived; rejects on timeout or close. */
  waitForRequests(count: number, options?: { timeoutMs?: number | undefined }): Promise<void>;
  /**
   * Forgets the requests recorded so far, so a mock shared by many tests keeps its memory flat:
   * `requests` and `responsesRequests` empty, and `waitForRequests` counts from 0 again.
   */
  clearRequests(): void;
  /**
   * Drops the responses queued and not yet served, so a test that failed before its model calls
   * leaves nothing for the next test of a shared mock; the gate of a dropped response rejects its
   * `reached`, as at `close()`. Returns how many were dropped.
   */
  clearQueue(): number;
  /** Stops the server, ends held or paced responses and destroys open sockets; idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  count: number;
  resolve(): void;
  reject(error: Error): void;
  /** Rejects it as the mock closes, a rejection nobody need await. */
  abandon(error: Error): void;
}

// The largest request body the mock keeps, before and after decompression: a model request with
// one audio item of the most the runtime takes (50 MiB, 67 MiB of base64 in its JSON) is under
// it, one with two such items is not; and the log of a long test stays within memory.
const MAX_BODY_BYTES = 128 * 1024 * 1024;

// A body the mock cannot read, answered with this status and message and not recorded.
interface Unreadable {
  readonly status: number;
  readonly message: string;
}

// A body over the bound is neither kept nor served.
const TOO_LARGE: Unreadable = {
  status: 413,
  message: `mock Responses server: a request body over ${MAX_BODY_BYTES} bytes`,
};

function refuse(res: http.ServerResponse, { status, message }: Unreadable): void {
  sendJson(res, status, { error: { type: "invalid_request_error", message } });
}

const zstdDecompress = (zlib as { zstdDecompressSync?: (input: Buffer, options: object) => Buffer })
  .zstdDecompressSync;

// The body as text, after undoing its `content-encoding`; what cannot be undone is refused,
// never recorded as text it is not.
function decodeBody(buffer: Buffer, encoding: string | undefined): string | Unreadable {
  const bound = { maxOutputLength: MAX_BODY_BYTES };
  const name = encoding?.trim().toLowerCase();
  try {
    switch (name) {
      case "gzip":
      case "x-gzip":
        return zlib.gunzipSync(buffer, bound).toString("utf8");
      case "deflate":
        return zlib.inflateSync(buffer, bound).toString("utf8");
      case "br":
        return zlib.brotliDecompressSync(buffer, bound).toString("utf8");
      case "zstd":
        if (zstdDecompress !== undefined) return zstdDecompress(buffer, bound).toString("utf8");
        return {
          status: 415,
          message:
            `mock Responses server: Node ${process.version} cannot decode a zstd request body ` +
            "(it can from Node 22.15); run the runtime with " +
            "features.enable_request_compression=false",
        };
      default:
        return buffer.toString("utf8");
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      return TOO_LARGE;
    }
    return {
      status: 400,
      message: `mock Responses server: a request body that is not valid ${name}: ${String((err as Error).message)}`,
    };
  }
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function writeChunk(res: http.ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Starts a mock Responses API on `127.0.0.1` (random port). Queue responses with `enqueue*`, point
 * a provider's `base_url` at {@link MockResponsesServer.url}, and `close()` (or `await using`) it.
 *
 * A `POST /responses` with nothing queued gets a `response.failed` saying {@link NO_RESPONSE_QUEUED}
 * so the turn fails promptly; `GET /models` returns `{ models }`; other routes get a JSON 404,
 * and a request target that is no URL path a JSON 400.
 */
export async function startMockResponsesServer(
  options: MockResponsesServerOptions = {},
): Promise<MockResponsesServer> {
  const queue: MockResponse[] = [];
  const requests: RecordedRequest[] = [];
  const responsesRequests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<Waiter>();
  const shutdown = new AbortController();
  // One listener per response in flight: as many as a test holds at once are no leak.
  setMaxListeners(0, shutdown.signal);
  const checked = checkServerOptions(options, "options");
  const waitTimeoutMs = checked.waitTimeoutMs ?? 10_000;
  let models = frozenCatalogue(checked.models ?? [mockModelInfo()]);
  let closing: Promise<void> | undefined;

  const notifyWaiters = (): void => {
    for (const waiter of waiters) {
      if (responsesRequests.length >= waiter.count) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const stream = async (res: http.ServerResponse, response: MockResponse): Promise<void> => {
    const abort = new AbortController();
    const onClose = (): void => abort.abort(new Error("client went away"));
    const onShutdown = (): void => abort.abort(new Error("mock server closed"));
    res.once("close", onClose);
    shutdown.signal.addEventListener("abort", onShutdown, { once: true });
    const control = response.gate === undefined ? undefined : gateControls.get(response.gate);
    let reached = false;
    try {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        ...response.headers,
      });
      const delayMs = response.delayMs ?? 0;
      for (const [index, event] of response.events.entries()) {
        if (index > 0 && delayMs > 0) {
          await delay(delayMs, undefined, { signal: abort.signal });
        }
        await writeChunk(res, frameOf(event));
        if (index === 0 && control !== undefined) {
          reached = true;
          control.markReached();
          await control.waitForRelease(abort.signal);
        }
      }
      res.end();
    } catch {
      // The client disconnected or the server is closing: drop the stream.
      if (!res.destroyed) res.destroy();
    } finally {
      // Its first event never reached the client (none, or the client left first): the gate's
      // `reached` would wait for ever.
      // A later response held by the same gate may still reach it.
      if (control !== undefined && !reached && !queue.some((next) => next.gate === response.gate)) {
        control.abandon(new Error("the gated response ended before its first event was sent"));
      }
      res.off("close", onClose);
      shutdown.signal.removeEventListener("abort", onShutdown);
    }
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void => {
    const target = req.url ?? "/";
    // A request the server under test sent through it as its proxy (see `startMockResponsesServer`)
    // to another host: refused, as nothing of a test may leave the machine.
    if (/^[a-z][a-z\d+.-]*:\/\//i.test(target) && !isOwnTarget(target)) {
      sendJson(res, 403, { error: { type: "forbidden", message: leaves(target) } });
      return;
    }
    // A target such as "//" is no path; `new URL` would throw, and crash the process under test.
    if (!URL.canParse(target, "http://127.0.0.1")) {
      sendJson(res, 400, {
        error: {
          type: "invalid_request_error",
          message: `mock Responses server: bad request target ${JSON.stringify(target)}`,
        },
      });
      return;
    }
    const url = new URL(target, "http://127.0.0.1");
    // Every value of a repeated header: `req.headers` keeps only the first of some (authorization).
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      // Defined, not assigned: a header named `__proto__` is kept as one.
      if (values !== undefined) {
        Object.defineProperty(headers, name, {
          value: values.join(", "),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    const rawBody = decodeBody(raw, headers["content-encoding"]);
    if (typeof rawBody !== "string") return refuse(res, rawBody);
    const record: RecordedRequest = {
      index: requests.length,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(rawBody),
      rawBody,
    };
    requests.push(record);

    // A run of slashes matched from its start only: tried from each of its points, a long run
    // took time growing as its square.
    const path = url.pathname.replace(/(?<!\/)\/+$/, "");
    if (record.method === "POST" && path.endsWith("/responses")) {
      responsesRequests.push(record);
      notifyWaiters();
      const next = queue.shift();
      const response =
        next ??
        mockResponse([
          // The code the runtime passes the message on with as it is: the default, or a code it
          // does not know, would read as a dropped stream.
          sse.failed(
            `${NO_RESPONSE_QUEUED} (request #${responsesRequests.length} to ${url.pathname})`,
            "invalid_prompt",
          ),
        ]);
      void stream(res, response);
      return;
    }
    if (record.method === "GET" && path.endsWith("/models")) {
      sendJson(res, 200, { models });
      return;
    }
    sendJson(res, 404, {
      error: {
        type: "invalid_request_error",
        message: `mock Responses server: no route for ${record.method} ${url.pathname}`,
      },
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the bound the body is not kept: the request is answered 413 and not recorded.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return refuse(res, TOO_LARGE);
      // A throw here would be uncaught, and end the process under test: it is a 500 instead.
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        if (res.headersSent) res.destroy();
        else {
          sendJson(res, 500, {
            error: { type: "server_error", message: `mock Responses server: ${String(error)}` },
          });
        }
      }
    });
    req.on("error", () => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // A tunnel asked of it as a proxy (an https:// request elsewhere): refused, saying why.
  server.on("connect", (req: http.IncomingMessage, socket: Duplex) => {
    const body = leaves(req.url ?? "");
    socket.on("error", () => undefined);
    socket.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const isOwnTarget = (target: string): boolean => {
    const { hostname, port: given } = new URL(target);
    return LOOPBACK.has(hostname) && given === String(port);
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      shutdown.abort(new Error("mock server closed"));
      // Left queued, so `pending` still says after the close how many were never used.
      abandonGates(queue, "mock Responses server closed before the gated response was requested");
      for (const waiter of waiters) {
        waiter.abandon(new Error("mock Responses server closed while waiting for requests"));
      }
      waiters.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };

  // The options are checked before the parts are built from them, so each mistake is named as
  // the caller wrote it (`options.responseId`, not the `options.id` it becomes).
  const enqueueParts = <O extends EnqueueOptions>(
    opts: O | undefined,
    names: OptionNames,
    build: (checked: O) => readonly ResponsePart[],
  ): void => {
    if (closing !== undefined) throw new Error("mock Responses server is closed");
    const checked = checkOptionNames(opts, names);
    if (checked.responseId !== undefined) {
      checkNonEmpty(checked.responseId, "options.responseId");
    }
    queue.push(
      mockResponse(build(checked), {
        id: checked.responseId,
        usage: checked.usage,
        delayMs: checked.delayMs,
        gate: checked.gate,
        headers: checked.headers,
      }),
    );
  };

  const mock: MockResponsesServer = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    responsesRequests,
    get pending() {
      return queue.length;
    },
    clearRequests() {
      requests.length = 0;
      responsesRequests.length = 0;
    },
    clearQueue() {
      const dropped = queue.splice(0);
      abandonGates(
        dropped,
        "the gated response was dropped from the queue before it was requested",
      );
      return dropped.length;
    },
    get models() {
      return models;
    },
    set models(value: readonly MockModelInfo[]) {
      models = frozenCatalogue(checkCatalogue(value, "models"));
    },
    enqueue(response, opts = {}) {
      if (closing !== undefined) throw new Error("mock Responses server is closed");
      if (Array.isArray(response)) {
        queue.push(mockResponse(response as readonly ResponsePart[], opts));
      } else {
        const built = checkBuiltResponse(response);
        const headers = checkResponseOptions(opts, "options");
        if (opts.id !== undefined || opts.usage !== undefined) {
          throw new TypeError(
            "options.id and options.usage shape the events of a list of parts; a built " +
              "response streams its own events (a missing response id filled in)",
          );
        }
        queue.push({
          ...built,
          ...(opts.delayMs === undefined ? {} : { delayMs: opts.delayMs }),
          ...(opts.gate === undefined ? {} : { gate: opts.gate }),
          ...(headers === undefined ? {} : { headers }),
        });
      }
    },
    enqueueAssistantMessage(text, opts) {
      enqueueParts(opts, MESSAGE_ENQUEUE_NAMES, ({ phase, id }) => [
        sse.assistantMessage(text, { phase, id }),
      ]);
    },
    enqueueTextDeltas(deltas, opts) {
      enqueueParts(opts, MESSAGE_ENQUEUE_NAMES, ({ phase, id }) => [
        sse.textDeltas(deltas, { phase, id }),
      ]);
    },
    enqueueFunctionCall(name, args, opts) {
      enqueueParts(opts, CALL_ENQUEUE_NAMES, ({ callId, id, namespace }) => [
        sse.functionCall(name, args, { callId, id, namespace }),
      ]);
    },
    enqueueFailure(message, code, opts) {
      enqueueParts(opts, FAILURE_ENQUEUE_NAMES, () => [sse.failed(message, code)]);
    },
    gate: createGate,
    waitForRequests(count, opts = {}) {
      let timeoutMs: number | undefined;
      try {
        if (!Number.isInteger(count) || count < 0) {
          throw new RangeError(`count must be an integer of 0 or more, got ${String(count)}`);
        }
        timeoutMs = checkTimeout(checkOptionNames(opts, WAIT_NAMES).timeoutMs, "timeoutMs");
      } catch (err) {
        return Promise.reject(err as Error);
      }
      if (responsesRequests.length >= count) return Promise.resolve();
      if (closing !== undefined) {
        return Promise.reject(new Error("mock Responses server is closed"));
      }
      const waitMs = timeoutMs ?? waitTimeoutMs;
      const waiting = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `mock Responses server: waited ${waitMs} ms for ${count} POST /responses ` +
                `request(s), received ${responsesRequests.length}`,
            ),
          );
        }, waitMs);
        const waiter: Waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
          abandon: (error) => {
            // A test that failed before awaiting its wait, then closed the mock in its teardown,
            // gets no unhandled rejection from that close; whoever awaits it still sees this one.
            waiting.catch(() => undefined);
            waiter.reject(error);
          },
        };
        waiters.add(waiter);
      });
      return waiting;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return mock;
}
