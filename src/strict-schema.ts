/**
 * The strict JSON Schema of an `output` schema, and the reading of the answer against it. Loaded
 * by `structured-output.ts` only for a turn with `output`. It imports nothing at run time, so it
 * stays one lazily loaded file and adds nothing to the SDK's import.
 *
 * The schema object is a Standard Schema v1 (it validates) that can also give its JSON Schema:
 * through Standard JSON Schema v1 (`~standard.jsonSchema`, as zod 4.2+, ArkType 2.1.28+ and
 * Valibot's `toStandardJsonSchema()` give it), or, for zod 4 schemas without it (zod/mini, zod
 * 4.0 and 4.1, `zod/v4` of zod 3.25), through zod's own converter, imported only then.
 *
 * Strict mode needs every object closed (`additionalProperties: false`) and every property
 * listed in `required`. An optional property is therefore sent as required and nullable; a `null`
 * the model gives for it is removed before validation, so the schema sees the property missing,
 * as it expects. A property the schema itself allows to be `null` keeps its `null`.
 */
import type { StructuredOutputIssue } from "./errors.js";
import type { StandardProps } from "./internal/validate.js";

type JsonObject = { [key: string]: unknown };

/** What reading an answer gives: the schema's value, or what is wrong with the answer. */
export type AnswerReading =
  | { readonly value: unknown }
  | { readonly issues: readonly StructuredOutputIssue[]; readonly cause?: unknown };

/** A converted schema: what to send, and how to read the answer. */
export interface ConvertedOutput {
  readonly schema: JsonObject;
  readonly read: (text: string | null) => Promise<AnswerReading>;
}

/** The JSON Schema dialect asked of the schema library. */
const TARGET = "draft-2020-12";

/** zod's core (`zod/v4/core`), loaded from the app when a zod schema needs it. */
export type ZodCoreLoader = () => Promise<typeof import("zod/v4/core")>;

/**
 * Converts a checked schema; a `TypeError` naming the path when it cannot be made strict. A zod 4
 * schema without Standard JSON Schema converts through zod's core, which `loadZodCore` gives:
 * the importer loads it, so that this file imports nothing at run time.
 */
export async function convertOutput(
  schema: object,
  props: StandardProps,
  loadZodCore: ZodCoreLoader,
): Promise<ConvertedOutput> {
  const strict = new StrictSchema(await jsonSchemaOf(schema, props, loadZodCore));
  return { schema: strict.root, read: (text) => readAnswer(text, strict, props) };
}

async function jsonSchemaOf(
  schema: object,
  props: StandardProps,
  loadZodCore: ZodCoreLoader,
): Promise<JsonObject> {
  let jsonSchema: StandardProps["jsonSchema"];
  let converter: unknown;
  let vendor: unknown;
  let isZod: boolean;
  // Each read once: the schema is the caller's, and a getter of it may throw.
  try {
    ({ jsonSchema, vendor } = props);
    converter = jsonSchema?.input;
    isZod = vendor === "zod" && "_zod" in schema;
  } catch (err) {
    throw new TypeError(`output["~standard"] cannot be read: ${reasonOf(err)}`, { cause: err });
  }
  if (typeof converter !== "function" && !isZod) {
    throw new TypeError(
      // The library's name, quoted, when it is text (one without a prototype would throw).
      `output: this ${typeof vendor === "string" ? `"${vendor}" ` : ""}schema cannot give its ` +
        "JSON Schema (no " +
        '~standard.jsonSchema); use zod 4 (or "zod/v4" of zod 3.25), ArkType 2.1.28+, Valibot ' +
        "through toStandardJsonSchema(), or pass raw JSON Schema as outputSchema",
    );
  }
  let produced: unknown;
  try {
    produced =
      typeof converter === "function"
        ? (converter as (options: object) => unknown).call(jsonSchema, {
            target: TARGET,
            // zod then turns what has no JSON Schema into `{}`, whose path the walk names.
            libraryOptions: isZod ? { unrepresentable: "any", override: noJsonAnswer } : undefined,
          })
        : await zodJsonSchema(schema, await loadZodCore());
  } catch (err) {
    throw new TypeError(`output: the schema cannot give its JSON Schema: ${reasonOf(err)}`, {
      cause: err,
    });
  }
  if (!isObject(produced)) {
    throw new TypeError(`output: the schema's JSON Schema is ${kindOf(produced)}, not an object`);
  }
  // Returned from here, a thenable would be awaited, for ever if it never settles, with the
  // thread's queue behind it. (A JSON Schema's own `then` is a schema, never a function.)
  if (typeof produced.then === "function") {
    throw new TypeError(
      "output: the schema's JSON Schema is a promise, not an object: a Standard JSON Schema " +
        "converter gives it at once",
    );
  }
  return produced;
}

// zod 4 schemas without Standard JSON Schema (zod/mini, zod 4.0 and 4.1, zod 3.25's zod/v4)
// convert through zod's own core: the user's zod, as a peer.
function zodJsonSchema(schema: object, core: typeof import("zod/v4/core")): unknown {
  return core.toJSONSchema(schema as Parameters<typeof core.toJSONSchema>[0], {
    target: TARGET,
    io: "input",
    unrepresentable: "any",
    override: noJsonAnswer,
  });
}

// zod writes a file as a string and a bigint literal as a number, which no JSON answer can turn
// back into: they become `{}`, which the walk refuses with its path, as it refuses a date. And a
// string's checks that zod writes narrower than it reads them are left out (see `looserString`).
function noJsonAnswer(context: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (context.zodSchema as { _zod?: { def?: ZodDef } })._zod?.def;
  if (def?.type === "string") return looserString(def, context.jsonSchema);
  const bigintLiteral =
    def?.type === "literal" &&
    Array.isArray(def.values) &&
    def.values.some((value) => typeof value === "bigint");
  if (def?.type !== "file" && !bigintLiteral) return;
  for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
}

/** What the conversion reads of a zod schema's or check's definition. */
interface ZodDef {
  readonly type?: unknown;
  readonly values?: unknown;
  readonly check?: unknown;
  readonly checks?: readonly { readonly _zod?: { readonly def?: ZodDef } }[];
  readonly format?: unknown;
  readonly pattern?: unknown;
  readonly local?: unknown;
  readonly precision?: unknown;
}

// Flags that change which strings a regular expression matches, or how its source reads (`v`'s
// set operations); zod writes a pattern's source alone, so the sent pattern would refuse what
// the schema takes (`/^[a-f]+$/i` and "ABC").
const MEANINGFUL_FLAGS = /[imsv]/;

/**
 * Leaves out of a zod string's JSON Schema what would hold the model to fewer strings than the
 * schema takes (the schema still checks the answer): the pattern of a regex with a flag that
 * changes its meaning, and a format its strings break. An ISO duration may have a fraction of a
 * second (`PT0.5S`), which the `duration` format's whole seconds refuse; a time has no offset, a
 * local date-time may have none and a minute-precision one no seconds, which the `time` and
 * `date-time` formats need (zod 4.2+ leaves the last three out itself, zod 4.0, 4.1 and 3.25's
 * `zod/v4` do not).
 */
function looserString(def: ZodDef, json: Record<string, unknown>): void {
  // A format schema (`z.iso.time()`) is its own first check.
  for (const check of [def, ...(def.checks ?? []).map((one) => one._zod?.def)]) {
    if (check?.check !== "string_format" && check !== def) continue;
    const { format, pattern } = check;
    if (pattern instanceof RegExp && MEANINGFUL_FLAGS.test(pattern.flags)) {
      dropPattern(json, pattern.source);
    }
    const loose =
      format === "duration" ||
      format === "time" ||
      (format === "datetime" && (check.local === true || check.precision === -1));
    if (loose && json.format === (format === "datetime" ? "date-time" : format)) delete json.format;
  }
}

// Drops `source` as the string's pattern, or as one of the patterns zod writes in an `allOf`.
function dropPattern(json: Record<string, unknown>, source: string): void {
  if (json.pattern === source) delete json.pattern;
  if (!Array.isArray(json.allOf)) return;
  const kept = json.allOf.filter((part) => !(isObject(part) && part.pattern === source));
  if (kept.length === 0) delete json.allOf;
  else json.allOf = kept;
}

// ---------------------------------------------------------------------------------------------
// The strict schema
// ---------------------------------------------------------------------------------------------

// How deep a schema may nest (a recursive one nests through $ref, which is not walked again).
const MAX_SCHEMA_DEPTH = 100;
/**
 * The Responses API's limits on a strict schema ("Supported schemas" of its structured outputs
 * guide), measured on what is sent: past one, the server refuses the turn's first request.
 */
const LIMITS = {
  /** Objects nested in objects, the root counting as one (through arrays and unions too). */
  objectDepth: 10,
  properties: 5_000,
  enumValues: 1_000,
  /** Characters of every property and definition name, enum value and const value. */
  names: 120_000,
  /** An enum of more strings than `values` may hold `length` characters in all. */
  largeEnum: { values: 250, length: 15_000 },
} as const;
/**
 * How deep in an answer optional nulls are dropped, and how many unions and references one value
 * is followed through, at most.
 */
const MAX_ANSWER_DEPTH = 256;
const MAX_HOPS = 64;

/** A merged `allOf` is a level of its own (a schema may merge itself), shown as nothing. */
type Segment =
  string | { readonly items: true } | { readonly anyOf: number } | { readonly allOf: true };

function render(path: readonly Segment[]): string {
  let out = "output";
  for (const segment of path) {
    if (typeof segment === "object") {
      if ("items" in segment) out += "[]";
      else if ("anyOf" in segment) out += `.anyOf[${segment.anyOf}]`;
    } else {
      out += /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    }
  }
  return out;
}

function cannot(path: readonly Segment[], why: string): TypeError {
  return new TypeError(`output schema at ${render(path)} cannot be made strict: ${why}`);
}

/**
 * Keywords strict mode enforces, kept as they are. Any other keyword (`minLength`, `not`,
 * `uniqueItems`, `default`, ...) is left out of the sent schema: the schema still checks it when
 * the answer arrives, and without it the rest still describes the answer, only more loosely.
 */
const KEPT = [
  "title",
  "description",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
] as const;

/** The string formats strict mode knows; another format is left out (the schema still checks it). */
const FORMATS = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uuid",
]);

/** Keywords that only narrow a value of the node's own type (see {@link ofOneKind}). */
const CONSTRAINTS: ReadonlySet<string> = new Set([
  ...KEPT,
  "minLength",
  "maxLength",
  "contentEncoding",
  "contentMediaType",
]);

const DEFS_KEYS = ["$defs", "definitions"] as const;

/**
 * Whether an object or array of an answer fits a schema node, by node, once weighed. Safe to keep
 * for a whole walk: `JSON.parse` shares no object, and the walk drops a value's nulls only once
 * every question about that value and what it holds has been answered.
 */
interface FitsMemo {
  /**
   * Whether a `null` where the source's property was optional (not nullable) fits, as it will be
   * dropped; when not, the value fits only as the source's schema would take it as given.
   */
  readonly dropping: boolean;
  readonly seen: WeakMap<object, Map<JsonObject, boolean>>;
}

/**
 * How a walk that drops nulls weighs union options (see {@link FitsMemo.dropping}): with
 * `asGiven`, an option the value fits as given is taken before one it fits once a null is dropped;
 * without, the first it fits either way.
 */
interface DropMemos {
  readonly asGiven: FitsMemo | undefined;
  readonly dropping: FitsMemo;
}

/**
 * The strict form of a JSON Schema, and for each object in it the properties that were optional
 * (not nullable) in the source, whose `null` the answer loses before validation.
 */
class StrictSchema {
  readonly root: JsonObject;
  /** Converted nodes by `$ref` ("#", "#/$defs/Name"). */
  readonly #refs = new Map<string, JsonObject>();
  readonly #sourceRefs = new Map<string, unknown>();
  readonly #optional = new WeakMap<object, ReadonlySet<string>>();
  /** The kept patterns, compiled as answers are weighed against them. */
  readonly #patterns = new Map<string, RegExp | null>();
  /** Whether any object has an optional property: else no answer has a null to drop. */
  #anyOptional = false;
  // How many nulls the drops have removed, so one drop can tell whether it removed any.
  #dropped = 0;

  constructor(source: JsonObject) {
    const body: JsonObject = { ...source };
    const defsOut: Partial<Record<(typeof DEFS_KEYS)[number], JsonObject>> = {};
    for (const key of DEFS_KEYS) {
      const defs = body[key];
      delete body[key];
      if (defs === undefined) continue;
      if (!isObject(defs)) throw cannot([key], `${key} is ${kindOf(defs)}, not an object`);
      for (const [name, def] of Object.entries(defs)) {
        this.#sourceRefs.set(`#/${key}/${pointerEscape(name)}`, def);
      }
      defsOut[key] = dictionary();
    }
    this.#sourceRefs.set("#", body);
    for (const key of DEFS_KEYS) {
      const out = defsOut[key];
      if (out === undefined) continue;
      for (const [name, def] of Object.entries(source[key] as JsonObject)) {
        const converted = this.#convert(def, [key, name]);
        out[name] = converted;
        this.#refs.set(`#/${key}/${pointerEscape(name)}`, converted);
      }
    }
    const converted = this.#convert(body, []);
    // A root $ref is inlined below, so its title and description can stay.
    const root = this.#inlineRoot(
      typeof converted.$ref === "string" ? { ...converted, ...annotations(body) } : converted,
    );
    // The answer is an object: a null the root also allows is one strict mode cannot take.
    if (isObjectOrNull(root.type)) root.type = "object";
    if (Array.isArray(root.anyOf)) {
      throw cannot(
        [],
        "strict mode takes no union (anyOf) at the root, even of objects: make the union a " +
          "property of an object (z.object({ result: z.union([...]) }))",
      );
    }
    if (root.type !== "object") {
      throw cannot([], "the answer must be a JSON object (strict mode needs an object root)");
    }
    // Mutated, not copied: the optional properties are known by the node's identity.
    this.root = Object.assign(root, defsOut);
    this.#refs.set("#", this.root);
    checkLimits(this.root);
  }

  // A root that is a $ref (a schema given an id, as zod's `.meta({ id })` does) becomes its
  // definition, as strict mode needs the object itself at the root; the definition stays in
  // $defs for the references inside it.
  #inlineRoot(root: JsonObject): JsonObject {
    const seen = new Set<string>();
    let node = root;
    while (typeof node.$ref === "string" && !seen.has(node.$ref)) {
      seen.add(node.$ref);
      const target = this.#refs.get(node.$ref);
      if (target === undefined) return node;
      const { $ref: _ref, ...notes } = node;
      const inlined = { ...target, ...notes };
      const optional = this.#optional.get(target);
      if (optional !== undefined) this.#optional.set(inlined, optional);
      node = inlined;
    }
    return node;
  }

  #convert(node: unknown, path: readonly Segment[]): JsonObject {
    // A schema that contains itself other than by $ref would be walked for ever.
    if (path.length > MAX_SCHEMA_DEPTH) {
      throw cannot(path, `it nests deeper than ${MAX_SCHEMA_DEPTH} levels, or contains itself`);
    }
    if (node === true || (isObject(node) && Object.keys(node).length === 0)) {
      throw cannot(
        path,
        "it accepts any value (unknown, any, custom, a date, a file, a bigint literal or a transform)",
      );
    }
    if (node === false) throw cannot(path, "it accepts no value");
    if (!isObject(node)) throw cannot(path, `a schema must be an object, got ${kindOf(node)}`);
    if (Array.isArray(node.allOf)) {
      const merged = ofOneKind(node.allOf)
        ? foldOneKind(node, node.allOf, path)
        : this.#mergeAllOf(node, path);
      return this.#convert(merged, [...path, { allOf: true }]);
    }
    if (typeof node.$ref === "string") {
      const { $ref, ...rest } = node;
      // Properties beside a $ref (draft 2020-12 allows them) extend its definition: merged.
      if (rest.properties !== undefined || rest.required !== undefined) {
        return this.#convert({ ...rest, allOf: [{ $ref }] }, path);
      }
      return this.#ref(node, path);
    }
    const options = node.anyOf ?? node.oneOf;
    if (node.anyOf !== undefined && node.oneOf !== undefined) {
      throw cannot(path, "both anyOf and oneOf");
    }
    if (options !== undefined) {
      if (!Array.isArray(options) || options.length === 0) {
        throw cannot(path, "anyOf/oneOf must be a non-empty list");
      }
      return {
        ...annotations(node),
        anyOf: options.map((option, i) => this.#convert(option, [...path, { anyOf: i }])),
      };
    }
    const out: JsonObject = {};
    if (node.type !== undefined) out.type = node.type;
    const types = typeof node.type === "string" ? [node.type] : node.type;
    if (types !== undefined && !isStringArray(types)) {
      throw cannot(path, "type must be a string or a list of strings");
    }
    if (node.enum !== undefined) {
      if (!Array.isArray(node.enum)) throw cannot(path, "enum must be a list");
      if (node.enum.length === 0) throw cannot(path, "its enum is empty: no value fits it");
      out.enum = node.enum;
    }
    if ("const" in node) out.const = node.const;
    checkListed(out, types, path);
    for (const key of KEPT) {
      if (node[key] === undefined) continue;
      if (key === "format" && !FORMATS.has(node.format as string)) continue;
      if (key === "pattern" && hasLookaround(node.pattern)) continue;
      // JSON has no infinite bound, which zod writes as null (`max(Infinity)`): it bounds nothing.
      const value = node[key];
      if (value === null || (typeof value === "number" && !Number.isFinite(value))) continue;
      out[key] = node[key];
    }
    if (types !== undefined) checkBounds(node, types, path);
    const isObjectType = types?.includes("object") ?? node.properties !== undefined;
    const isArrayType = types?.includes("array") ?? node.items !== undefined;
    if (isObjectType) this.#object(node, out, path);
    if (isArrayType) {
      if (node.prefixItems !== undefined) {
        throw cannot(path, "tuples (prefixItems) are not supported by strict mode; use an object");
      }
      out.items = this.#convert(node.items ?? {}, [...path, { items: true }]);
    }
    if (out.type === undefined && out.enum === undefined && !("const" in out)) {
      // A `not` with nothing beside it (z.never()) says what no value may be, and nothing else;
      // beside other keywords it is left out, as other keywords strict mode lacks are.
      if (node.not !== undefined) {
        throw cannot(path, "it excludes values with not (a never type), which strict mode lacks");
      }
      throw cannot(path, "it accepts any value (unknown, any, custom, a date or a transform)");
    }
    return out.type === undefined ? typedValues(out) : out;
  }

  #object(node: JsonObject, out: JsonObject, path: readonly Segment[]): void {
    // Made an object, the node would lose its other kinds from what is sent.
    if (Array.isArray(out.type) && out.type.some((kind) => kind !== "object" && kind !== "null")) {
      throw cannot(path, "its type lists object with other kinds; give each its own anyOf option");
    }
    const givenProperties = node.properties ?? {};
    const givenRequired = node.required ?? [];
    if (!isObject(givenProperties)) throw cannot(path, "properties must be an object");
    if (!isStringArray(givenRequired)) throw cannot(path, "required must be a list of names");
    let properties: JsonObject = givenProperties;
    let required: string[] = givenRequired;
    const keys = recordKeys(node);
    if (keys !== undefined && Object.keys(properties).length === 0) {
      // A record over a fixed set of keys (an enum) is an object with those properties.
      properties = Object.fromEntries(keys.map((key) => [key, node.additionalProperties]));
      required = required.filter((key) => keys.includes(key));
    } else if (node.propertyNames !== undefined || node.patternProperties !== undefined) {
      throw cannot(path, "its keys are free (a record); list them as properties");
    } else {
      if (isTypedExtra(node.additionalProperties)) {
        throw cannot(
          path,
          "it takes extra keys of a given type (a catchall); list them as properties",
        );
      }
    }
    const converted = dictionary();
    const optional = new Set<string>();
    for (const [key, value] of Object.entries(properties)) {
      let child = this.#convert(value, [...path, key]);
      if (!required.includes(key) && !this.#acceptsNull(child, new Set())) {
        const inner = child;
        child = nullable(inner);
        const innerOptional = this.#optional.get(inner);
        if (innerOptional !== undefined) this.#optional.set(child, innerOptional);
        optional.add(key);
      }
      converted[key] = child;
    }
    // An object or null keeps its null, the schema's own.
    out.type = isObjectOrNull(out.type) ? out.type : "object";
    out.properties = converted;
    out.required = Object.keys(converted);
    out.additionalProperties = false;
    if (optional.size > 0) {
      this.#optional.set(out, optional);
      this.#anyOptional = true;
    }
  }

  #ref(node: JsonObject, path: readonly Segment[]): JsonObject {
    const ref = node.$ref as string;
    if (!this.#sourceRefs.has(ref)) {
      throw cannot(path, `$ref ${JSON.stringify(ref)} does not point into this schema's $defs`);
    }
    // Strict mode refuses any keyword beside a $ref: a title or description given there is left
    // out (the definition keeps its own).
    return { $ref: ref };
  }

  /** An `allOf` of object schemas, or `$ref`s to them, merged into one object schema. */
  #mergeAllOf(node: JsonObject, path: readonly Segment[]): JsonObject {
    const { allOf, ...rest } = node;
    const given = allOf as unknown[];
    // Properties beside the allOf are one more part of it.
    const { properties: ownProperties, required: ownRequired, ...others } = rest;
    const extended = ownProperties !== undefined || ownRequired !== undefined;
    // One part is how draft 7 describes a `$ref` (`allOf: [{ $ref }]` beside a description): kept
    // a reference, which a recursive definition needs.
    if (given.length === 1 && isObject(given[0]) && !extended) return { ...given[0], ...rest };
    const parts = given.map((part) => this.#resolve(part));
    if (extended) parts.push({ properties: ownProperties ?? {}, required: ownRequired ?? [] });
    const properties = dictionary();
    const required: string[] = [];
    // A property two parts declare is of both: one `allOf` of their schemas, folded in turn.
    const shared = new Set<string>();
    for (const part of parts) {
      const keys = isObject(part) ? recordKeys(part) : undefined;
      if (
        !isObject(part) ||
        (part.type !== "object" && part.properties === undefined && keys === undefined)
      ) {
        throw cannot(
          path,
          "allOf (an intersection) merges only object schemas, or values of one kind",
        );
      }
      let partProperties = part.properties ?? {};
      if (!isObject(partProperties)) throw cannot(path, "properties must be an object");
      if (keys !== undefined && Object.keys(partProperties).length === 0) {
        // A record over a fixed set of keys: an object with those properties.
        partProperties = Object.fromEntries(keys.map((key) => [key, part.additionalProperties]));
      } else if (
        part.propertyNames !== undefined ||
        part.patternProperties !== undefined ||
        isTypedExtra(part.additionalProperties)
      ) {
        throw cannot(path, "allOf merges a part whose keys are free (a record or a catchall)");
      }
      for (const [key, value] of Object.entries(partProperties)) {
        if (!Object.hasOwn(properties, key)) properties[key] = value;
        else if (shared.has(key)) ((properties[key] as JsonObject).allOf as unknown[]).push(value);
        else {
          properties[key] = { allOf: [properties[key], value] };
          shared.add(key);
        }
      }
      if (isStringArray(part.required)) required.push(...part.required);
    }
    return { ...others, type: "object", properties, required: [...new Set(required)] };
  }

  /** The source schema a `$ref` (through any `$ref`s it names in turn) stands for. */
  #resolve(node: unknown): unknown {
    const seen = new Set<string>();
    while (isObject(node) && typeof node.$ref === "string" && !seen.has(node.$ref)) {
      seen.add(node.$ref);
      if (!this.#sourceRefs.has(node.$ref)) return node;
      node = this.#sourceRefs.get(node.$ref);
    }
    return node;
  }

  #acceptsNull(node: unknown, seen: Set<string>): boolean {
    if (!isObject(node)) return false;
    if (typeof node.$ref === "string") {
      if (seen.has(node.$ref)) return false;
      seen.add(node.$ref);
      const target = this.#refs.get(node.$ref) ?? this.#sourceRefs.get(node.$ref);
      return this.#acceptsNull(target, seen);
    }
    if (Array.isArray(node.anyOf ?? node.oneOf)) {
      return ((node.anyOf ?? node.oneOf) as unknown[]).some((o) => this.#acceptsNull(o, seen));
    }
    if ("const" in node) return node.const === null;
    if (Array.isArray(node.enum)) return node.enum.includes(null);
    const type: unknown = node.type;
    return type === "null" || (Array.isArray(type) && type.includes("null"));
  }

  /**
   * Removes the `null` of each property that was optional, not nullable, in the source, down to
   * `MAX_ANSWER_DEPTH` levels; says whether it removed any.
   */
  dropOptionalNulls(value: unknown, asGivenFirst: boolean): boolean {
    if (!this.#anyOptional) return false;
    const before = this.#dropped;
    const memos = {
      asGiven: asGivenFirst ? { dropping: false, seen: new WeakMap() } : undefined,
      dropping: { dropping: true, seen: new WeakMap() },
    };
    this.#drop(value, this.root, memos, 0, 0);
    return this.#dropped !== before;
  }

  // The node a strict schema's `$ref` stands for, through any `$ref`s it names in turn (a `$defs`
  // entry that is only a reference: zod's for a schema given a second id); none for a loop.
  #deref(node: JsonObject): JsonObject | undefined {
    let target: JsonObject | undefined = node;
    for (let hops = 0; target !== undefined && typeof target.$ref === "string"; hops++) {
      if (hops > MAX_HOPS) return undefined;
      target = this.#refs.get(target.$ref);
    }
    return target;
  }

  // Both walks count two things: `depth`, how deep in the answer the value is, and `hops`, the
  // unions and references passed through for this one value, which a schema whose union names
  // itself (A = A | string) would pass through for ever.
  #drop(value: unknown, node: JsonObject, memos: DropMemos, depth: number, hops: number): void {
    if (depth > MAX_ANSWER_DEPTH || hops > MAX_HOPS) return;
    const target = this.#deref(node);
    if (target === undefined) return;
    if (Array.isArray(target.anyOf)) {
      const options = target.anyOf as JsonObject[];
      const { asGiven, dropping } = memos;
      const option =
        (asGiven && options.find((o) => this.#fits(value, o, asGiven, depth, hops + 1))) ||
        options.find((o) => this.#fits(value, o, dropping, depth, hops + 1));
      if (option !== undefined) this.#drop(value, option, memos, depth, hops + 1);
      return;
    }
    if (Array.isArray(value) && isObject(target.items)) {
      for (const item of value) this.#drop(item, target.items, memos, depth + 1, 0);
      return;
    }
    if (!isObject(value) || !isObject(target.properties)) return;
    const optional = this.#optional.get(target);
    for (const [key, child] of Object.entries(value)) {
      if (child === null && optional?.has(key)) {
        delete value[key];
        this.#dropped++;
      } else if (isObject(target.properties[key])) {
        this.#drop(child, target.properties[key], memos, depth + 1, 0);
      }
    }
  }

  // Whether a union option describes the value: its JSON kind, constants and enumerations, and
  // for objects the exact key set (strict objects require every key) and each property in turn
  // (a `null` where the property was optional fits when it is to be dropped: see `FitsMemo`), for
  // arrays each item. Each object or array of the answer is weighed against each schema node once:
  // options that differ only after a recursive property would otherwise walk that subtree again
  // for every option, at every level (exponential in the answer's depth).
  #fits(value: unknown, node: JsonObject, memo: FitsMemo, depth: number, hops: number): boolean {
    const target = this.#deref(node);
    if (target === undefined || depth > MAX_ANSWER_DEPTH || hops > MAX_HOPS) return false;
    if (typeof value !== "object" || value === null) {
      return this.#fitsNow(value, target, memo, depth, hops);
    }
    let known = memo.seen.get(value);
    const seen = known?.get(target);
    if (seen !== undefined) return seen;
    const fits = this.#fitsNow(value, target, memo, depth, hops);
    if (known === undefined) memo.seen.set(value, (known = new Map()));
    known.set(target, fits);
    return fits;
  }

  #fitsNow(value: unknown, target: JsonObject, memo: FitsMemo, depth: number, hops: number) {
    if (Array.isArray(target.anyOf)) {
      const options = target.anyOf as JsonObject[];
      return options.some((o) => this.#fits(value, o, memo, depth, hops + 1));
    }
    if ("const" in target) return target.const === value;
    if (Array.isArray(target.enum)) return target.enum.includes(value);
    const types: unknown[] = Array.isArray(target.type) ? target.type : [target.type];
    const kind = jsonKind(value);
    if (!types.includes(kind) && !(kind === "integer" && types.includes("number"))) return false;
    // Options that differ only in a pattern or a bound (`^A` or `^B`) are told apart by them.
    if (!this.#withinKept(value, target)) return false;
    if (kind === "array" && isObject(target.items)) {
      const items = target.items;
      return (value as unknown[]).every((item) => this.#fits(item, items, memo, depth + 1, 0));
    }
    if (kind !== "object" || !isObject(target.properties)) return true;
    const properties = target.properties;
    const optional = this.#optional.get(target);
    const keys = Object.keys(value as JsonObject);
    return (
      keys.length === Object.keys(properties).length &&
      keys.every((key) => {
        const property = properties[key];
        const child = (value as JsonObject)[key];
        if (!isObject(property)) return false;
        if (child === null && optional?.has(key) === true) return memo.dropping;
        return this.#fits(child, property, memo, depth + 1, 0);
      })
    );
  }

  // Whether a value meets its node's kept pattern and bounds (a pattern that does not compile
  // here is taken as met: the schema's own check comes after).
  #withinKept(value: unknown, node: JsonObject): boolean {
    if (typeof value === "string") {
      const { pattern } = node;
      return typeof pattern !== "string" || this.#pattern(pattern)?.test(value) !== false;
    }
    if (typeof value === "number") {
      const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = node;
      return !(
        (typeof minimum === "number" && value < minimum) ||
        (typeof maximum === "number" && value > maximum) ||
        (typeof exclusiveMinimum === "number" && value <= exclusiveMinimum) ||
        (typeof exclusiveMaximum === "number" && value >= exclusiveMaximum) ||
        (typeof multipleOf === "number" &&
          multipleOf > 0 &&
          !Number.isInteger(Number((value / multipleOf).toPrecision(12))))
      );
    }
    if (Array.isArray(value)) {
      const { minItems, maxItems } = node;
      return !(
        (typeof minItems === "number" && value.length < minItems) ||
        (typeof maxItems === "number" && value.length > maxItems)
      );
    }
    return true;
  }

  // A schema's pattern as a RegExp, compiled once; `null` when it does not compile here.
  #pattern(source: string): RegExp | null {
    let compiled = this.#patterns.get(source);
    if (compiled === undefined) {
      try {
        compiled = new RegExp(source, "u");
      } catch {
        compiled = null;
      }
      this.#patterns.set(source, compiled);
    }
    return compiled;
  }
}

/** The same schema, also accepting `null`. */
function nullable(node: JsonObject): JsonObject {
  if (typeof node.type === "string" && !("const" in node) && node.$ref === undefined) {
    const out: JsonObject = { ...node, type: [node.type, "null"] };
    if (Array.isArray(node.enum)) out.enum = [...node.enum, null];
    return out;
  }
  if (Array.isArray(node.type) && !("const" in node)) {
    const out: JsonObject = { ...node, type: [...node.type, "null"] };
    if (Array.isArray(node.enum)) out.enum = [...node.enum, null];
    return out;
  }
  if (Array.isArray(node.anyOf)) return { ...node, anyOf: [...node.anyOf, { type: "null" }] };
  return { anyOf: [node, { type: "null" }] };
}

/**
 * Refuses the values an enum or const lists (kept in `out`) that strict mode cannot take, objects
 * and arrays, and a list none of whose values is of the node's `types`, which no value fits.
 */
function checkListed(
  out: JsonObject,
  types: readonly string[] | undefined,
  path: readonly Segment[],
): void {
  const listed: readonly unknown[] =
    "const" in out ? [out.const] : Array.isArray(out.enum) ? out.enum : [];
  for (const value of listed) {
    const kind = jsonKind(value);
    if (kind === "object" || kind === "array") {
      throw cannot(path, `an enum or const holds ${kindOf(value)}, which strict mode cannot take`);
    }
  }
  if (types === undefined || listed.length === 0) return;
  const fits = (value: unknown) => {
    const kind = jsonKind(value);
    return types.includes(kind) || (kind === "integer" && types.includes("number"));
  };
  if (!listed.some(fits)) {
    throw cannot(path, `no value of its enum or const is of its type (${types.join(", ")})`);
  }
}

// The bounds of each kind, and what a value of that kind counts against them.
const COUNT_BOUNDS = [
  { kind: "array", min: "minItems", max: "maxItems" },
  { kind: "string", min: "minLength", max: "maxLength" },
  { kind: "object", min: "minProperties", max: "maxProperties" },
] as const;

/**
 * Refuses bounds no value of the node's one kind can meet: a minimum above the maximum (zod takes
 * `z.number().min(5).max(2)` without a word), no whole number between those of an integer, fewer
 * items, characters or properties allowed than required. The model could give no answer that the
 * schema takes. A node that also takes another kind (null) is left as it is.
 */
function checkBounds(node: JsonObject, types: readonly string[], path: readonly Segment[]): void {
  const bound = (key: string): number | undefined => {
    const value = node[key];
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  };
  if (types.length === 0) return;
  if (types.every((kind) => kind === "number" || kind === "integer")) {
    let low = bound("minimum") ?? -Infinity;
    let lowOpen = false;
    const exclusiveLow = bound("exclusiveMinimum");
    if (exclusiveLow !== undefined && exclusiveLow >= low) [low, lowOpen] = [exclusiveLow, true];
    let high = bound("maximum") ?? Infinity;
    let highOpen = false;
    const exclusiveHigh = bound("exclusiveMaximum");
    if (exclusiveHigh !== undefined && exclusiveHigh <= high) {
      [high, highOpen] = [exclusiveHigh, true];
    }
    const empty = !types.includes("number")
      ? (lowOpen ? Math.floor(low) + 1 : Math.ceil(low)) >
        (highOpen ? Math.ceil(high) - 1 : Math.floor(high))
      : low > high || (low === high && (lowOpen || highOpen));
    if (empty) {
      const whole = types.includes("number") ? "number" : "whole number";
      throw cannot(path, `no ${whole} is within its bounds (its minimum is above its maximum)`);
    }
    return;
  }
  for (const { kind, min, max } of COUNT_BOUNDS) {
    if (types.some((given) => given !== kind)) continue;
    const least = bound(min);
    const most = bound(max);
    if (least !== undefined && most !== undefined && least > most) {
      throw cannot(path, `its ${min} (${least}) is above its ${max} (${most}): no value fits it`);
    }
  }
}

/**
 * An enum or const without a type (zod's literals of several kinds: `z.literal([1, "max"])`),
 * which strict mode refuses, given the type of its values; values of several kinds become one
 * option each, as strict mode takes no list of kinds but a kind and null.
 */
function typedValues(node: JsonObject): JsonObject {
  const values: unknown[] = "const" in node ? [node.const] : (node.enum as unknown[]);
  const byKind = new Map<string, unknown[]>();
  for (const value of values) {
    let kind = jsonKind(value);
    if (kind === "integer") kind = "number";
    const same = byKind.get(kind);
    if (same === undefined) byKind.set(kind, [value]);
    else same.push(value);
  }
  if (byKind.size === 1) return { ...node, type: byKind.keys().next().value };
  const options = [...byKind].map(([type, same]) =>
    type === "null" ? { type } : { type, enum: same },
  );
  return { ...annotations(node), anyOf: options };
}

/**
 * Whether a pattern looks around (`(?=`, `(?!`, `(?<=`, `(?<!`), which strict mode refuses: zod
 * writes one for `z.email()`, `z.hostname()` and `z.iso.duration()`. Left out of what is sent,
 * the pattern is still checked by the schema when the answer arrives.
 */
function hasLookaround(pattern: unknown): boolean {
  if (typeof pattern !== "string") return false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") i++;
    else if (inClass) inClass = char !== "]";
    else if (char === "[") inClass = true;
    else if (char === "(" && pattern[i + 1] === "?") {
      const next = pattern[i + 2];
      if (next === "=" || next === "!") return true;
      if (next === "<" && (pattern[i + 3] === "=" || pattern[i + 3] === "!")) return true;
    }
  }
  return false;
}

// How many characters a text holds, a pair of surrogates being one.
function characters(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** Refuses a strict schema past one of the Responses API's {@link LIMITS}. */
function checkLimits(root: JsonObject): void {
  const count = { properties: 0, enumValues: 0, names: 0 };
  const walk = (node: unknown, path: readonly Segment[], objects: number): void => {
    if (!isObject(node)) return;
    const properties = node.properties;
    if (isObject(properties)) {
      objects++;
      if (objects > LIMITS.objectDepth) {
        throw cannot(
          path,
          `it nests objects ${objects} deep, past the ${LIMITS.objectDepth} levels strict mode takes`,
        );
      }
      for (const [name, child] of Object.entries(properties)) {
        count.properties++;
        count.names += characters(name);
        walk(child, [...path, name], objects);
      }
    }
    if (Array.isArray(node.enum)) {
      let strings = 0;
      let length = 0;
      let counted = 0;
      // The null an optional property's enum is given is not counted: an enum of the most values
      // strict mode takes stays one, made optional.
      for (const value of node.enum) {
        if (value === null) continue;
        const text = typeof value === "string" ? value : String(value);
        if (typeof value === "string") strings++;
        length += characters(text);
        counted++;
      }
      count.enumValues += counted;
      count.names += length;
      const { values, length: most } = LIMITS.largeEnum;
      if (strings > values && length > most) {
        throw cannot(
          path,
          `its enum of ${strings} strings holds ${length} characters, past the ${most} strict ` +
            `mode takes in an enum of more than ${values}`,
        );
      }
    }
    if ("const" in node) {
      count.names += characters(typeof node.const === "string" ? node.const : String(node.const));
    }
    walk(node.items, [...path, { items: true }], objects);
    if (Array.isArray(node.anyOf)) {
      node.anyOf.forEach((option, i) => walk(option, [...path, { anyOf: i }], objects));
    }
  };
  for (const key of DEFS_KEYS) {
    const defs = root[key];
    if (!isObject(defs)) continue;
    for (const [name, def] of Object.entries(defs)) {
      count.names += characters(name);
      walk(def, [key, name], 0);
    }
  }
  walk(root, [], 0);
  const over = (what: string, value: number, limit: number) =>
    cannot([], `it has ${value} ${what}, past the ${limit} strict mode takes in a schema`);
  if (count.properties > LIMITS.properties) {
    throw over("object properties", count.properties, LIMITS.properties);
  }
  if (count.enumValues > LIMITS.enumValues) {
    throw over("enum values", count.enumValues, LIMITS.enumValues);
  }
  if (count.names > LIMITS.names) {
    throw over("characters of names, enum and const values", count.names, LIMITS.names);
  }
}

// Whether `additionalProperties` gives extra keys a type (a catchall), not a yes or no.
function isTypedExtra(extra: unknown): boolean {
  return extra !== undefined && typeof extra !== "boolean" && !isEmptyObject(extra);
}

/** The keys of a record over a fixed set of keys (`propertyNames` an enum or a constant). */
function recordKeys(node: JsonObject): string[] | undefined {
  if (!isObject(node.additionalProperties)) return undefined;
  const keys = fixedNames(node.propertyNames);
  return keys !== undefined && keys.length > 0 ? keys : undefined;
}

// The names a `propertyNames` schema allows when it lists them: a const, an enum, or a union of
// those (zod's record over a union of literals), nested no deeper than a schema may be.
function fixedNames(names: unknown, depth = 0): string[] | undefined {
  if (!isObject(names) || depth > MAX_SCHEMA_DEPTH) return undefined;
  if (Array.isArray(names.anyOf)) {
    const all: string[] = [];
    for (const option of names.anyOf) {
      const some = fixedNames(option, depth + 1);
      if (some === undefined) return undefined;
      all.push(...some);
    }
    return all;
  }
  const keys = "const" in names ? [names.const] : names.enum;
  return isStringArray(keys) ? keys : undefined;
}

function isObjectOrNull(type: unknown): boolean {
  return (
    Array.isArray(type) && type.length === 2 && type.includes("object") && type.includes("null")
  );
}

function annotations(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (typeof node.title === "string") out.title = node.title;
  if (typeof node.description === "string") out.description = node.description;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The answer
// ---------------------------------------------------------------------------------------------

async function readAnswer(
  text: string | null,
  strict: StrictSchema,
  props: StandardProps,
): Promise<AnswerReading> {
  if (text === null) return { issues: [{ message: "the turn gave no answer" }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = `the answer is not JSON (${(err as Error).message})`;
    return { issues: [{ message }], cause: err };
  }
  // A union option is chosen by the sent schema, which may lack checks of the source's (a
  // length, a pattern): the option the answer fits as given, then the first it fits once its
  // nulls are dropped, then the answer as given, until the schema takes one. The first reading's
  // issues are the ones told.
  const dropped = strict.dropOptionalNulls(value, true);
  const reading = await validated(value, props);
  if (!("issues" in reading)) return reading;
  const other = JSON.parse(text) as unknown;
  if (strict.dropOptionalNulls(other, false)) {
    const droppingFirst = await validated(other, props);
    if (!("issues" in droppingFirst)) return droppingFirst;
  }
  if (!dropped) return reading;
  const given = await validated(JSON.parse(text), props);
  return "issues" in given ? reading : given;
}

/**
 * What a schema's `validate` makes of a value: its value, or its issues; a validator that throws
 * or returns what cannot be read gives an issue saying so, and one that refuses the value
 * without an issue says it rejected `what`.
 */
export async function validated(
  value: unknown,
  props: StandardProps,
  what = "the answer",
): Promise<AnswerReading> {
  let outcome: unknown;
  try {
    outcome = await props.validate(value);
  } catch (err) {
    return { issues: [{ message: `the schema's validate threw: ${reasonOf(err)}` }], cause: err };
  }
  // The outcome is the validator's: its getters may throw too.
  try {
    // Any object: ArkType's failure is an array of its errors that has `issues` too.
    if (typeof outcome !== "object" || outcome === null) {
      return { issues: [{ message: "the schema's validate returned no value" }] };
    }
    const { issues } = outcome as { issues?: unknown };
    if (issues !== undefined && issues !== null) {
      const list = Array.isArray(issues) ? (issues as StructuredOutputIssue[]) : [];
      return { issues: list.length > 0 ? list : [{ message: `the schema rejected ${what}` }] };
    }
    if (!("value" in outcome)) {
      return { issues: [{ message: "the schema's validate returned no value" }] };
    }
    return { value: outcome.value };
  } catch (err) {
    const message = `the schema's validate gave a result that cannot be read: ${reasonOf(err)}`;
    return { issues: [{ message }], cause: err };
  }
}

// What a thrown value says, never throwing itself (its message or text may be a throwing getter,
// or it may have no text at all). The converter has no run-time imports, so it has its own.
function reasonOf(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    return `a thrown ${typeof err} that cannot be shown`;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * An object for keys the user names (properties, `$defs`): with no prototype, `__proto__` or
 * `constructor` is an ordinary key, kept by `JSON.stringify`, not a setter or an inherited one.
 */
function dictionary(): JsonObject {
  return Object.create(null) as JsonObject;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function pointerEscape(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** A value's JSON kind, for messages that must not echo the value. */
function kindOf(value: unknown): string {
  const kind = jsonKind(value);
  if (kind === "integer") return "a number";
  return kind === "object" || kind === "array" ? `an ${kind}` : kind;
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

// The keywords of a value that is no object or array: its kind, its values, and checks.
const ONE_KIND_KEYS: ReadonlySet<string> = new Set([
  "type",
  "const",
  "enum",
  "default",
  "examples",
  ...CONSTRAINTS,
]);
const SCALAR_TYPES: ReadonlySet<unknown> = new Set(["string", "number", "integer", "boolean"]);
const LOWER_BOUNDS: ReadonlySet<string> = new Set([
  "minimum",
  "exclusiveMinimum",
  "minLength",
  "minItems",
]);
const UPPER_BOUNDS: ReadonlySet<string> = new Set([
  "maximum",
  "exclusiveMaximum",
  "maxLength",
  "maxItems",
]);

/**
 * Whether every part of an `allOf` is a string, number, integer or boolean, or checks and values
 * alone (zod's way of writing a string with two patterns), which narrow the node's own kind.
 */
function ofOneKind(parts: readonly unknown[]): parts is JsonObject[] {
  return parts.every(
    (part) =>
      isObject(part) &&
      Object.keys(part).every((key) => ONE_KIND_KEYS.has(key)) &&
      (part.type === undefined || SCALAR_TYPES.has(part.type)),
  );
}

/**
 * An `allOf` of values of one kind (zod's `.and` of two strings, of two enums, of a number and
 * an integer, or checks alone), as one node: the narrower kind, the values every part allows, the
 * tighter of each bound, and of the other checks the node's own, then the first part's. Strict
 * mode takes one `pattern` (say); the others are left out of what is sent, and still checked when
 * the answer arrives, as every keyword strict mode lacks is.
 */
function foldOneKind(node: JsonObject, parts: readonly JsonObject[], path: readonly Segment[]) {
  const { allOf: _allOf, ...folded } = node;
  let type = folded.type;
  let allowed: unknown[] | undefined;
  for (const part of [folded, ...parts]) {
    if (part.type !== undefined && part.type !== type) {
      const pair = [type, part.type];
      if (type === undefined) type = part.type;
      else if (pair.includes("integer") && pair.includes("number")) type = "integer";
      else {
        const kinds = `${String(type)} and ${String(part.type)}`;
        throw cannot(path, `allOf (an intersection) of ${kinds} takes no value`);
      }
    }
    const values =
      "const" in part ? [part.const] : Array.isArray(part.enum) ? part.enum : undefined;
    if (values !== undefined) {
      allowed = allowed === undefined ? [...values] : allowed.filter((v) => values.includes(v));
    }
  }
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const had = folded[key];
      if (key === "type" || key === "const" || key === "enum") continue;
      // A null bound is one JSON could not write (`max(Infinity)`): no bound. A pattern with
      // lookaround, which strict mode refuses, gives way to one it takes.
      if (had === undefined || had === null || (key === "pattern" && hasLookaround(had))) {
        folded[key] = value;
      } else if (typeof had === "number" && typeof value === "number") {
        if (LOWER_BOUNDS.has(key)) folded[key] = Math.max(had, value);
        if (UPPER_BOUNDS.has(key)) folded[key] = Math.min(had, value);
      }
    }
  }
  if (type !== undefined) folded.type = type;
  delete folded.const;
  delete folded.enum;
  // A value of another kind (`z.literal([1, 1.5]).and(z.int())`) is no value of this one.
  allowed = allowed?.filter((value) => type === undefined || isOfType(value, type));
  if (allowed?.length === 0) {
    throw cannot(path, "allOf (an intersection) whose parts allow no value in common");
  }
  if (allowed?.length === 1) folded.const = allowed[0];
  else if (allowed !== undefined) folded.enum = allowed;
  return folded;
}

// Whether a JSON value is of a JSON Schema type.
function isOfType(value: unknown, type: unknown): boolean {
  if (type === "integer") return Number.isInteger(value);
  return jsonKind(value) === type || (type === "number" && jsonKind(value) === "integer");
}
