import path from "node:path";

import type {
  AdditionalContextKind,
  FunctionCallOutputContentItem,
  ImageDetail,
  TextElement,
  TurnToolOutput,
  UserInput,
} from "./generated/index.js";
import {
  checkJson,
  checkOptionNames,
  codePoints,
  checkWellFormed,
  describe,
  isPlainObject,
  isServerAbsolute,
  isWellFormed,
  loneSurrogate,
  optionNames,
  refuseNul,
  refuseOtherFields,
  shown,
} from "./internal/validate.js";
import { mediaUrlProblem } from "./internal/media.js";

/** Plain text. */
export interface TextInput {
  /** Discriminant of the item kind. */
  readonly type: "text";
  /** The text, as the user would type it. */
  readonly text: string;
  /**
   * Spans of `text` a UI rendered as elements (a mention, a pasted block), as the text items of
   * a stored `userMessage` item carry them: those items can be sent again as they are.
   */
  readonly text_elements?: readonly TextElement[] | undefined;
}
/**
 * An image given as a `data:image/...;base64,` URL (`url`), or as the id of a file uploaded to the
 * model provider (`fileId`): one of the two.
 */
export type ImageInput = {
  /** Discriminant of the item kind. */
  readonly type: "image";
  /**
   * How closely the model looks at the image; `"high"` when left out (`"auto"`: the model's
   * choice). `"original"` goes as `"high"` to a model whose catalogue entry lacks
   * `supports_image_detail_original`. The wire's `"low"` (kept in the type, as a stored message
   * may be sent again as it is) is refused: the runtime would drop the image.
   */
  readonly detail?: ImageDetail | undefined;
} & (
  | {
      /**
       * The image as a `data:` URL of a PNG, JPEG, GIF or WebP image; the pinned runtime refuses
       * any other URL, and leaves out an image of another format.
       */
      readonly url: string;
      /** Not with `url`. */
      readonly fileId?: undefined;
    }
  | {
      /** The id of an image file uploaded to the model provider. */
      readonly fileId: string;
      /** Not with `fileId`. */
      readonly url?: undefined;
    }
);
/** An image file on the app-server's machine. */
export interface LocalImageInput {
  /** Discriminant of the item kind. */
  readonly type: "localImage";
  /** Path of the image file, read by the app-server. */
  readonly path: string;
  /**
   * How closely the model looks at the image; `"high"` when left out (`"auto"`: the model's
   * choice). `"original"` goes as `"high"` to a model whose catalogue entry lacks
   * `supports_image_detail_original`. The wire's `"low"` (kept in the type, as a stored message
   * may be sent again as it is) is refused: the runtime would drop the image.
   */
  readonly detail?: ImageDetail | undefined;
}
/**
 * Audio given as a URL (`url`), or as the id of a file uploaded to the model provider (`fileId`):
 * one of the two.
 */
export type AudioInput = {
  /** Discriminant of the item kind. */
  readonly type: "audio";
} & (
  | {
      /**
       * The audio as a `data:audio/...;base64,` URL of wav, mp3, m4a, webm or ogg; the pinned
       * runtime sends no other.
       */
      readonly url: string;
      /** Not with `url`. */
      readonly fileId?: undefined;
    }
  | {
      /** The id of an audio file uploaded to the model provider. */
      readonly fileId: string;
      /** Not with `fileId`. */
      readonly url?: undefined;
    }
);
/** An audio file on the app-server's machine. */
export interface LocalAudioInput {
  /** Discriminant of the item kind. */
  readonly type: "localAudio";
  /** Path of the audio file, read by the app-server. */
  readonly path: string;
}
/** A skill, by name and path. */
export interface SkillInput {
  /** Discriminant of the item kind. */
  readonly type: "skill";
  /** The skill's name. */
  readonly name: string;
  /** Path of the skill's definition. */
  readonly path: string;
}
/**
 * A mention of an app or plugin, by name and path (`app://<connector-id>` or
 * `plugin://<name>@<marketplace>`; the runtime leaves a mention of anything else out).
 */
export interface MentionInput {
  /** Discriminant of the item kind. */
  readonly type: "mention";
  /** The name shown for the mention. */
  readonly name: string;
  /** Path (or resource URI) of what is mentioned. */
  readonly path: string;
}

/**
 * Untrusted content from another agent, tool or application, delivered to the model as the output
 * of the named tool: it has a tool's authority, below the user's and the developer's, and grants
 * no approval. It is a whole input on its own, never part of a list.
 */
export interface ExternalMessageInput {
  /** Discriminant of the item kind. */
  readonly type: "externalMessage";
  /** The tool or application delivering the message; not empty. */
  readonly toolName: string;
  /** Text, or Responses function-output content items (`input_text`, `input_image`, ...). */
  readonly content: string | readonly FunctionCallOutputContentItem[];
  /** The tool's namespace, or `null` (the default). */
  readonly namespace?: string | null | undefined;
}

/** One item of turn input. */
export type InputItem =
  | TextInput
  | ImageInput
  | LocalImageInput
  | AudioInput
  | LocalAudioInput
  | SkillInput
  | MentionInput;
/** What `run`, `turn` and `steer` accept: a string, one item, a list of items, or an external message. */
export type RunInput = string | InputItem | readonly InputItem[] | ExternalMessageInput;

/** A text item. */
export const text = (text: string): TextInput => ({ type: "text", text });
/** An image item from a base64 `data:` URL, with the detail the model should look at it in, if given. */
export const image = (url: string, detail?: Exclude<ImageDetail, "low">): ImageInput =>
  detail === undefined ? { type: "image", url } : { type: "image", url, detail };
/** An image item from a local file path, with the detail the model should look at it in, if given. */
export const localImage = (path: string, detail?: Exclude<ImageDetail, "low">): LocalImageInput =>
  detail === undefined ? { type: "localImage", path } : { type: "localImage", path, detail };
/** An audio item from a base64 `data:` URL (`data:audio/wav;base64,...`). */
export const audio = (url: string): AudioInput => ({ type: "audio", url });
/** An audio item from a local file path. */
export const localAudio = (path: string): LocalAudioInput => ({ type: "localAudio", path });
/** A skill item. */
export const skill = (name: string, path: string): SkillInput => ({ type: "skill", name, path });
/** A mention item. */
export const mention = (name: string, path: string): MentionInput => ({
  type: "mention",
  name,
  path,
});

const EXTERNAL_MESSAGE_NAMES = optionNames<{ namespace?: string | null }>()({ own: ["namespace"] });

/** An external message: `content` from the tool `toolName` (in `namespace`, if given). */
export const externalMessage = (
  toolName: string,
  content: string | readonly FunctionCallOutputContentItem[],
  options: { readonly namespace?: string | null | undefined } = {},
): ExternalMessageInput => ({
  type: "externalMessage",
  toolName,
  content,
  namespace: checkOptionNames(options, EXTERNAL_MESSAGE_NAMES).namespace ?? null,
});

// The string fields each kind of item needs; a pair is a choice of one of the two.
const FIELDS: Record<InputItem["type"], readonly (string | readonly [string, string])[]> = {
  text: ["text"],
  image: [["url", "fileId"]],
  localImage: ["path"],
  audio: [["url", "fileId"]],
  localAudio: ["path"],
  skill: ["name", "path"],
  mention: ["name", "path"],
};
// Every kind of the runtime's input items has its fields here.
const _kinds: [UserInput["type"]] extends [InputItem["type"]] ? true : false = true;
// The extensions of the audio files the runtime attaches (in any case).
const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([".wav", ".mp3", ".m4a", ".webm", ".ogg"]);

// What an image may say besides, as the wire's image items do.
const IMAGE_DETAILS = ["auto", "low", "high", "original"] as const;
const _details: [ImageDetail] extends [(typeof IMAGE_DETAILS)[number]] ? true : false = true;

// An image's detail, checked; `undefined` when it gives none. The runtime stores an image given
// none with `detail: null`, so a stored message's content can be sent again as it is.
function imageDetail(value: unknown, name: string): ImageDetail | undefined {
  if (value === undefined || value === null) return undefined;
  // The wire's type has it, but the pinned runtime sends the model a note in the image's place.
  if (value === "low") {
    throw new TypeError(
      `${name} "low" is not supported by the runtime, which would drop the image: use "auto", "high" or "original"`,
    );
  }
  if (typeof value === "string" && (IMAGE_DETAILS as readonly string[]).includes(value)) {
    return value as ImageDetail;
  }
  throw new TypeError(`${name} must be one of auto, high, original, got ${shown(value)}`);
}

// A text item's elements, checked as the runtime reads them (a byte range of the text, and a
// placeholder), and copied.
function textElements(value: unknown, index: number): TextElement[] {
  const name = `input[${index}].text_elements`;
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array, got ${shown(value)}`);
  // Array.from visits holes too, so a missing element is refused.
  return Array.from(value as unknown[], (element, i) => textElement(element, `${name}[${i}]`));
}

function textElement(element: unknown, name: string): TextElement {
  if (!isPlainObject(element)) {
    throw new TypeError(
      `${name} must be an object { byteRange, placeholder }, got ${shown(element)}`,
    );
  }
  refuseOtherFields(element, ["byteRange", "placeholder"], name, false);
  const { byteRange, placeholder } = element as { byteRange?: unknown; placeholder?: unknown };
  if (!isPlainObject(byteRange)) {
    throw new TypeError(
      `${name}.byteRange must be an object { start, end }, got ${shown(byteRange)}`,
    );
  }
  refuseOtherFields(byteRange, ["start", "end"], `${name}.byteRange`, false);
  const { start, end } = byteRange as { start?: unknown; end?: unknown };
  for (const [field, offset] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
      throw new TypeError(
        `${name}.byteRange.${field} must be a byte offset (an integer of 0 or more), got ${shown(offset)}`,
      );
    }
  }
  if ((start as number) > (end as number)) {
    throw new TypeError(`${name}.byteRange must not end (${end}) before it starts (${start})`);
  }
  if (placeholder !== undefined && placeholder !== null && typeof placeholder !== "string") {
    throw new TypeError(`${name}.placeholder must be a string or null, got ${shown(placeholder)}`);
  }
  // Built anew: a steer sends it after a wait, and what was checked is sent.
  return {
    byteRange: { start: start as number, end: end as number },
    placeholder:
      typeof placeholder === "string" ? checkWellFormed(placeholder, `${name}.placeholder`) : null,
  };
}

// What an item is, for an error; `type` is the one read from it (not read again).
function describeItem(value: unknown, type: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    return type === undefined ? "object without a type" : `object of type ${shown(type)}`;
  }
  return typeof value;
}

// The one of `pair` an item gives (a field given as `undefined` is not given), and its value,
// each field read once.
function oneOf(
  record: Record<string, unknown>,
  pair: readonly [string, string],
  type: string,
  index: number,
): [field: string, value: unknown] {
  const values = [record[pair[0]], record[pair[1]]];
  const given = [0, 1].filter((i) => values[i] !== undefined);
  if (given.length === 1) return [pair[given[0]!]!, values[given[0]!]];
  const fields = `${pair[0]} or ${pair[1]}`;
  throw new TypeError(
    given.length === 0
      ? `input[${index}] of type "${type}" needs a string ${fields}`
      : `input[${index}] gives both ${pair[0]} and ${pair[1]}: give one of them`,
  );
}

/** The `type` of a lone input item, read once; `undefined` for a text or a list. */
export function loneType(input: RunInput): unknown {
  return typeof input === "object" && input !== null && !Array.isArray(input)
    ? (input as { type?: unknown }).type
    : undefined;
}

// An item as the wire carries it; `known` holds its type when the caller read it already (each
// field is read once: a getter that answers differently again changes nothing checked).
// A path as an error quotes it; but a URL given for one is named as such, not quoted: its query
// or user part may hold a credential (a presigned link).
function shownPath(value: string): string {
  return URL.canParse(value) && /^[a-z][a-z0-9+.-]+:\/\//i.test(value)
    ? "a URL, not a path"
    : JSON.stringify(value);
}

function toWire(
  item: unknown,
  index: number,
  known?: { readonly type: unknown },
  platformFamily?: string,
): UserInput {
  const type = known === undefined ? (item as { type?: unknown } | null)?.type : known.type;
  if (type === "externalMessage") {
    throw new TypeError("an external message must be the whole input, not an item of a list");
  }
  // An own property only: `"constructor"` or `"toString"` must not find Object's methods.
  const fields =
    typeof item === "object" &&
    item !== null &&
    !Array.isArray(item) &&
    typeof type === "string" &&
    Object.hasOwn(FIELDS, type)
      ? FIELDS[type as InputItem["type"]]
      : undefined;
  if (fields === undefined)
    throw new TypeError(
      `input[${index}] is an unsupported input item: ${describeItem(item, type)}`,
    );
  const record = item as Record<string, unknown>;
  const out: Record<string, string> = { type: type as string };
  for (const spec of fields) {
    const [field, value] =
      typeof spec === "string" ? [spec, record[spec]] : oneOf(record, spec, type as string, index);
    if (typeof value !== "string") {
      throw new TypeError(`input[${index}] of type "${String(type)}" needs a string ${field}`);
    }
    // An empty URL, path or name is sent as it is, and the item is lost on the way.
    if (type !== "text" && value.trim() === "") {
      throw new TypeError(
        `input[${index}].${field} of ${article(String(type))} item must not be empty`,
      );
    }
    if ((type === "image" || type === "audio") && field === "url") {
      const local = type === "image" ? "localImage(path)" : "localAudio(path)";
      const problem = mediaUrlProblem(value, type, `for a file use ${local}`);
      if (problem !== undefined) {
        const kind = type === "image" ? "an image" : "an audio";
        throw new TypeError(`input[${index}].url of ${kind} item ${problem}`);
      }
    }
    // No file's path holds a NUL, so no file is found by one.
    if (field === "path") refuseNul(value, `input[${index}].path of ${article(String(type))} item`);
    // The runtime sends a skill only from the absolute path of one it loaded.
    if (type === "skill" && field === "path" && !isServerAbsolute(value, platformFamily)) {
      throw new TypeError(
        `input[${index}].path of a skill item must be the absolute path of its SKILL.md, got ` +
          `${shownPath(value)}: the runtime leaves out a skill it cannot find by its path`,
      );
    }
    // The runtime reads a path, and a `file:` URL read as one names no file (`file:/a` too; a
    // relative name that begins `file:` without a slash is a path).
    if ((type === "localImage" || type === "localAudio") && /^file:\//i.test(value)) {
      throw new TypeError(
        `input[${index}].path of a ${type} item is a file: URL, not a path: ` +
          "give the path (url.fileURLToPath)",
      );
    }
    // The runtime attaches audio by its file's extension alone, and sends the model a note in
    // place of any other.
    if (type === "localAudio" && !AUDIO_EXTENSIONS.has(path.extname(value).toLowerCase())) {
      throw new TypeError(
        `input[${index}].path of a localAudio item must name a .wav, .mp3, .m4a, .webm or .ogg ` +
          `file, got ${shownPath(value)}: the runtime attaches no other audio format`,
      );
    }
    out[field] = checkWellFormed(value, `input[${index}].${field}`);
  }
  const isImage = type === "image" || type === "localImage";
  const optional = isImage ? "detail" : type === "text" ? "text_elements" : undefined;
  const names = fields.flat();
  refuseOtherFields(item as object, optional ? [...names, optional] : names, `input[${index}]`);
  if (isImage) {
    const detail = imageDetail((item as { detail?: unknown }).detail, `input[${index}].detail`);
    if (detail !== undefined) out.detail = detail;
  } else if (type === "text") {
    const elements = (item as { text_elements?: unknown }).text_elements;
    if (elements !== undefined)
      (out as Record<string, unknown>).text_elements = textElements(elements, index);
  }
  // Built field by field so the wire carries exactly these keys and no other.
  return out as unknown as UserInput;
}

// The kinds of additional context, every one of the runtime's (checked by the compiler).
const CONTEXT_KINDS = ["untrusted", "application"] as const;
const _contextKinds: [AdditionalContextKind] extends [(typeof CONTEXT_KINDS)[number]]
  ? true
  : false = true;

/**
 * Checks the context a turn or a steer gives the model: `additionalContext` (named entries
 * `{ value, kind, name? }`), which the runtime would refuse only once the turn is sent, after the
 * thread's turn in flight, or cut or rewrite without a word; and the Responses API metadata,
 * whose reserved keys it drops.
 */
export function checkTurnContext(given: Readonly<Record<string, unknown>>): void {
  checkAdditionalContext(given.additionalContext);
  for (const option of ["responsesapiClientMetadata", "responsesapiClientMetadataPatch"]) {
    const metadata = given[option];
    if (!isPlainObject(metadata)) continue;
    for (const [key, value] of Object.entries(metadata)) {
      if (RESERVED_METADATA.has(key)) {
        throw new TypeError(
          `${option}[${JSON.stringify(key)}] is a key the runtime keeps for its own: it would drop it`,
        );
      }
      // The runtime takes strings alone, and refuses the whole turn for another value.
      if (typeof value !== "string" && value !== undefined) {
        throw new TypeError(
          `${option}[${JSON.stringify(key)}] must be a string, got ${describe(value)}`,
        );
      }
    }
  }
}

function checkAdditionalContext(context: unknown): void {
  if (context === undefined || context === null) return;
  const name = "additionalContext";
  if (!isPlainObject(context)) {
    throw new TypeError(
      `${name} must be an object of named entries { value, kind, name? }, or null, got ${describe(context)}`,
    );
  }
  for (const [key, entry] of Object.entries(context)) {
    if (entry === undefined) continue;
    const at = `${name}[${JSON.stringify(key)}]`;
    if (!isPlainObject(entry)) {
      throw new TypeError(`${at} must be an object { value, kind, name? }, got ${describe(entry)}`);
    }
    refuseOtherFields(entry, ["value", "kind", "name"], at, false);
    const { value, kind, name: label } = entry as Record<string, unknown>;
    if (typeof value !== "string") {
      throw new TypeError(`${at}.value must be a string, got ${shown(value)}`);
    }
    const bytes = value.length <= MAX_CONTEXT_BYTES / 3 ? 0 : Buffer.byteLength(value);
    if (bytes > MAX_CONTEXT_BYTES) {
      throw new RangeError(
        `${at}.value is ${bytes.toLocaleString("en-US")} bytes of UTF-8, more than the ` +
          `${MAX_CONTEXT_BYTES.toLocaleString("en-US")} the runtime keeps whole (it cuts out the middle)`,
      );
    }
    if (!(CONTEXT_KINDS as readonly unknown[]).includes(kind)) {
      throw new TypeError(
        `${at}.kind must be one of ${CONTEXT_KINDS.join(", ")}, got ${shown(kind)}`,
      );
    }
    if (label === undefined || label === null) {
      checkContextKey(key, kind as AdditionalContextKind, at);
    } else {
      if (typeof label !== "string") {
        throw new TypeError(`${at}.name must be a string or null, got ${shown(label)}`);
      }
      if (kind !== "untrusted") {
        throw new TypeError(
          `${at}.name is for untrusted context only: give it with kind untrusted`,
        );
      }
      if (!CONTEXT_NAME.test(label)) {
        throw new TypeError(
          `${at}.name must be a lowercase letter, then up to 63 lowercase letters, digits or _ ` +
            `(as the runtime requires), got ${shown(label)}`,
        );
      }
    }
  }
}

// An entry's key, which names it to the model: the runtime writes an application entry between
// `<key>` and `</key>` as given, and makes an untrusted one's the name of a tool, dropping what a
// tool's name cannot hold.
function checkContextKey(key: string, kind: AdditionalContextKind, at: string): void {
  if (kind === "application" ? !CONTEXT_TAG.test(key) : !CONTEXT_TOOL.test(key)) {
    throw new TypeError(
      kind === "application"
        ? `${at}: the key of an application entry is written as a tag (<key>...</key>), so it ` +
            "must be non-empty, without control characters, < or >"
        : `${at}: the key of an untrusted entry without a name is the name the model sees, so it ` +
            "must be 1 to 128 ASCII letters, digits or _ (the runtime rewrites any other): " +
            "give a name, or another key",
    );
  }
}

const CONTEXT_TAG = /^[^\p{Cc}<>]+$/u;
const CONTEXT_TOOL = /^[A-Za-z0-9_]{1,128}$/;

// The keys of a turn's Responses API metadata the runtime keeps for its own, dropping an entry of
// the caller's under any of them (found by sending each to the pinned runtime).
const RESERVED_METADATA = new Set([
  "agent_name",
  "analytics_enabled",
  "auto_review_enabled",
  "code_mode_tool_names",
  "context_window_id",
  "forked_from_thread_id",
  "guardian_credits_requested",
  "history_ingest_requested",
  "history_initialization",
  "installation_id",
  "model",
  "node_repl_auto_review_required",
  "node_repl_disabled",
  "parent_turn_id",
  "reasoning_effort",
  "request_kind",
  "root_turn_id",
  "sandbox",
  "sandbox_mode",
  "session_id",
  "subagent_kind",
  "thread_id",
  "thread_source",
  "tool_namespaces_info",
  "turn_id",
  "turn_started_at_unix_ms",
  "turn_trigger",
  "window_id",
  "window_number",
  "workspaces",
  "x-codex-installation-id",
  "x-codex-parent-thread-id",
  "x-codex-turn-metadata",
  "x-codex-window-id",
  "x-openai-subagent",
]);

// How long a context entry's value may be, in UTF-8 bytes: the runtime keeps the first and last
// half of a longer one, whatever the model.
const MAX_CONTEXT_BYTES = 4000;

// The runtime's rule for the name of an untrusted context entry.
const CONTEXT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** "an localImage" reads wrong: the item's type with its article. */
function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** The wire `toolOutput` of an external message, throwing a `TypeError` before any I/O. */
export function toToolOutput(message: ExternalMessageInput): TurnToolOutput {
  refuseOtherFields(message, ["toolName", "content", "namespace"], "an external message");
  const { toolName, content, namespace } = message;
  if (typeof toolName !== "string" || toolName.trim() === "") {
    throw new TypeError("an external message needs a non-empty toolName");
  }
  checkWellFormed(toolName, "an external message's toolName");
  if (namespace !== null && namespace !== undefined) {
    // An empty one names no namespace: the model would be shown one all the same.
    if (typeof namespace !== "string" || namespace.trim() === "") {
      throw new TypeError(
        `an external message's namespace must be a non-empty string or null, got ${shown(namespace)}`,
      );
    }
    checkWellFormed(namespace, "an external message's namespace");
  }
  let output: string | Record<string, unknown>[];
  if (typeof content === "string")
    output = checkWellFormed(content, "an external message's content");
  else {
    const items: unknown = content;
    if (!Array.isArray(items)) {
      throw new TypeError(
        "an external message's content must be a string or a list of content items",
      );
    }
    // Its items copied as checked: a queued turn or a steer sends them after a wait. Array.from
    // visits holes too, so a missing item is refused.
    output = Array.from(items as unknown[], contentItem);
  }
  const texts =
    typeof output === "string"
      ? [output]
      : output.flatMap((item) => (item.type === "input_text" ? [item.text as string] : []));
  checkInputLength(texts, "an external message's content");
  return {
    name: toolName,
    namespace: namespace ?? null,
    output: output as TurnToolOutput["output"],
  };
}

// The string fields each kind of tool output item needs, any one of a list, and every field it
// may have: the runtime's `FunctionCallOutputContentItem`.
const CONTENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  input_text: ["text"],
  input_image: ["image_url", "file_id"],
  // An uploaded audio file (file_id) the runtime takes as turn input only.
  input_audio: ["audio_url"],
  encrypted_content: ["encrypted_content"],
};

// A content item of an external message, checked, as a copy of what was checked.
function contentItem(item: unknown, i: number): Record<string, unknown> {
  const name = `external message content item ${i}`;
  const type = (item as { type?: unknown } | null)?.type;
  if (typeof item !== "object" || item === null || typeof type !== "string") {
    throw new TypeError(`${name} needs a string type, got ${describeItem(item, type)}`);
  }
  const fields = Object.hasOwn(CONTENT_FIELDS, type) ? CONTENT_FIELDS[type] : undefined;
  if (fields === undefined) {
    throw new TypeError(
      `${name} has type ${shown(type)}; the types are ${Object.keys(CONTENT_FIELDS).join(", ")}`,
    );
  }
  const isImage = type === "input_image";
  if (type === "input_audio" && (item as { file_id?: unknown }).file_id !== undefined) {
    throw new TypeError(
      `${name} (input_audio) gives a file_id: the runtime takes an uploaded audio file as turn ` +
        `input only ({ type: "audio", fileId } in the turn's input), not in an external message`,
    );
  }
  refuseOtherFields(item, isImage ? [...fields, "detail"] : fields, name);
  // Each field read once: the checks below read this copy, and it is what is sent. It goes out
  // as JSON: what JSON would change (NaN, a Date) and a string cut inside a character are
  // refused, naming the field.
  const record: Record<string, unknown> = checkJson({ ...item, type }, name);
  const given = fields.filter((field) => record[field] !== undefined);
  if (given.length === 0 || given.some((field) => typeof record[field] !== "string")) {
    throw new TypeError(`${name} (${type}) needs a string ${fields.join(" or ")}`);
  }
  // The runtime keeps only the url of an item that gives both.
  if (given.length > 1) {
    throw new TypeError(`${name} (${type}) gives both ${given.join(" and ")}: give one of them`);
  }
  // An empty URL or file id goes to the model provider as it is (text may be empty).
  const [field] = given as [string];
  if (type !== "input_text" && (record[field] as string).trim() === "") {
    throw new TypeError(`${name} (${type}) has an empty ${field}`);
  }
  if (field === "image_url" || field === "audio_url") {
    const kind = field === "image_url" ? "image" : "audio";
    const forFile = "for a file, read it and pass its data";
    const problem = mediaUrlProblem(record[field] as string, kind, forFile);
    if (problem !== undefined) throw new TypeError(`${name} (${type}) ${field} ${problem}`);
  }
  if (isImage) imageDetail(record.detail, `${name}.detail`);
  return record;
}

/**
 * Converts `RunInput` to what `turn/start` carries: input items, or for an external message no
 * items and a `toolOutput`. Throws a `TypeError` before any I/O. A skill's path must be absolute
 * on the server's system (`platformFamily`), or on either when it is not known.
 */
export function toTurnInput(
  input: RunInput,
  platformFamily?: string,
): { input: UserInput[]; toolOutput?: TurnToolOutput } {
  const type = loneType(input);
  // An external message travels as `toolOutput`, not as input items.
  if (type === "externalMessage") {
    return { input: [], toolOutput: toToolOutput(input as ExternalMessageInput) };
  }
  return { input: toUserInputs(input, { type }, platformFamily) };
}

/** A plain text input as the wire carries it. */
export function textInput(text: string): UserInput[] {
  if (!isWellFormed(text)) throw loneSurrogate("input");
  if (text.length > MAX_INPUT_CHARS) checkInputLength([text], "input");
  return [{ type: "text", text } as unknown as UserInput];
}

// The most characters (Unicode code points) of text the runtime takes in one turn or steer.
const MAX_INPUT_CHARS = 2 ** 20;

// The runtime refuses a turn or steer whose texts together hold more characters than it takes,
// but a turn only once it is sent, after the thread's turn in flight: refused here, before that.
function checkInputLength(texts: readonly string[], name: string): void {
  let units = 0;
  for (const text of texts) units += text.length;
  // A character is one or two UTF-16 units: within the limit in units, within it in characters.
  if (units <= MAX_INPUT_CHARS) return;
  let chars = 0;
  for (const text of texts) chars += codePoints(text);
  if (chars > MAX_INPUT_CHARS) {
    throw new RangeError(
      `${name} holds ${chars.toLocaleString("en-US")} characters of text (Unicode code points), ` +
        `more than the ${MAX_INPUT_CHARS.toLocaleString("en-US")} the runtime takes at once`,
    );
  }
}

/**
 * Converts `RunInput` to the wire `UserInput[]`, throwing a `TypeError` before any I/O; `lone`
 * holds a lone item's type when the caller read it already (see `loneType`), `platformFamily`
 * the server's system, where a skill's path must be absolute.
 */
export function toUserInputs(
  input: RunInput,
  lone?: { readonly type: unknown },
  platformFamily?: string,
): UserInput[] {
  if (typeof input === "string") return textInput(input);
  if (Array.isArray(input)) {
    if (input.length === 0) throw new TypeError("input must not be an empty list");
    // Array.from visits holes too, so a missing item is refused.
    const items = Array.from(input as unknown[], (item, i) =>
      toWire(item, i, undefined, platformFamily),
    );
    const texts: string[] = [];
    for (const item of items) if (item.type === "text") texts.push(item.text);
    checkInputLength(texts, "input");
    return items;
  }
  const item = toWire(input, 0, lone, platformFamily);
  if (item.type === "text") checkInputLength([item.text], "input");
  return [item];
}
