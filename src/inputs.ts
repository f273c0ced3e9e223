import type { UserInput } from "./generated/index.js";

/** Plain text. */
export interface TextInput {
  readonly type: "text";
  readonly text: string;
}
/** An image given as a `data:image/...;base64,` URL. */
export interface ImageInput {
  readonly type: "image";
  readonly url: string;
}
/** An image file on the app-server's machine. */
export interface LocalImageInput {
  readonly type: "localImage";
  readonly path: string;
}
/** A skill, by name and path. */
export interface SkillInput {
  readonly type: "skill";
  readonly name: string;
  readonly path: string;
}
/** A mention of a file or resource, by name and path. */
export interface MentionInput {
  readonly type: "mention";
  readonly name: string;
  readonly path: string;
}

/** One item of turn input. */
export type InputItem = TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput;
/** What `run`, `turn` and `steer` accept: a string, one item, or a list of items. */
export type RunInput = string | InputItem | readonly InputItem[];

/** A text item. */
export const text = (text: string): TextInput => ({ type: "text", text });
/** An image item from a `data:` URL. */
export const image = (url: string): ImageInput => ({ type: "image", url });
/** An image item from a local file path. */
export const localImage = (path: string): LocalImageInput => ({ type: "localImage", path });
/** A skill item. */
export const skill = (name: string, path: string): SkillInput => ({ type: "skill", name, path });
/** A mention item. */
export const mention = (name: string, path: string): MentionInput => ({
  type: "mention",
  name,
  path,
});

const FIELDS: Record<InputItem["type"], readonly string[]> = {
  text: ["text"],
  image: ["url"],
  localImage: ["path"],
  skill: ["name", "path"],
  mention: ["name", "path"],
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    const type = (value as { type?: unknown }).type;
    return type === undefined ? "object without a type" : `object of type ${JSON.stringify(type)}`;
  }
  return typeof value;
}

function toWire(item: unknown): UserInput {
  const type = (item as { type?: unknown } | null)?.type;
  const fields =
    typeof item === "object" && item !== null && !Array.isArray(item) && typeof type === "string"
      ? FIELDS[type as InputItem["type"]]
      : undefined;
  if (fields === undefined) throw new TypeError(`unsupported input item: ${describe(item)}`);
  const out: Record<string, string> = { type: type as string };
  for (const field of fields) {
    const value = (item as Record<string, unknown>)[field];
    if (typeof value !== "string") {
      throw new TypeError(`input item of type "${String(type)}" needs a string ${field}`);
    }
    out[field] = value;
  }
  // Built field by field so the wire carries exactly these keys (a text item is {type, text}).
  return out as unknown as UserInput;
}

/** Converts `RunInput` to the wire `UserInput[]`, throwing a `TypeError` before any I/O. */
export function toUserInputs(input: RunInput): UserInput[] {
  if (typeof input === "string") return [{ type: "text", text: input } as unknown as UserInput];
  if (Array.isArray(input)) {
    if (input.length === 0) throw new TypeError("input must not be an empty list");
    return input.map(toWire);
  }
  return [toWire(input)];
}
