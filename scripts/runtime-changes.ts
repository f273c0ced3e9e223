/**
 * What changed in the app-server protocol between two Codex runtimes, read from the JSON Schema
 * each binary prints (`codex app-server generate-json-schema`), and rendered as one entry of
 * `docs/runtime-changes.md`. Used by `scripts/runtime-upgrade.ts`.
 *
 * A method is experimental when it appears only with `--experimental`. Wire types are compared by
 * structure (fields, their types and optionality, union variants, enum values); descriptions and
 * number formats are ignored, so a reworded comment is not a change.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// ---------------------------------------------------------------------------------------------
// Reading a runtime
// ---------------------------------------------------------------------------------------------

/** A JSON Schema node, as the runtime prints it. */
export type Schema = { readonly [key: string]: unknown };

/** The three method unions of the protocol. */
export const METHOD_KINDS = ["clientRequests", "notifications", "serverRequests"] as const;
export type MethodKind = (typeof METHOD_KINDS)[number];

const UNION_OF: Readonly<Record<MethodKind, string>> = {
  clientRequests: "ClientRequest",
  notifications: "ServerNotification",
  serverRequests: "ServerRequest",
};

/** One method and the wire type of its params. */
export interface Method {
  readonly experimental: boolean;
  /** The name of the params type, when the params are a named type. */
  readonly params: string | undefined;
}

/** What one runtime's protocol offers: its methods and its named wire types. */
export interface ProtocolSurface {
  readonly version: string;
  readonly methods: Readonly<Record<MethodKind, ReadonlyMap<string, Method>>>;
  /** Type name -> schema; where the root and v2 both define a name, the v2 one. */
  readonly types: ReadonlyMap<string, Schema>;
}

/** The combined schema bundle's definitions, flattened (v2 wins, as in `src/generated`). */
function definitionsOf(bundle: Schema): Map<string, Schema> {
  const defs = (bundle.definitions ?? {}) as Record<string, Schema>;
  const types = new Map<string, Schema>();
  for (const [name, schema] of Object.entries(defs)) if (name !== "v2") types.set(name, schema);
  for (const [name, schema] of Object.entries((defs.v2 ?? {}) as Record<string, Schema>)) {
    types.set(name, schema);
  }
  return types;
}

function methodsOf(
  types: ReadonlyMap<string, Schema>,
  union: string,
): Map<string, string | undefined> {
  const schema = types.get(union);
  const members = schema?.oneOf;
  if (!Array.isArray(members)) throw new Error(`The schema has no ${union} union`);
  const methods = new Map<string, string | undefined>();
  for (const member of members as Schema[]) {
    const props = (member.properties ?? {}) as Record<string, Schema>;
    const method = (props.method?.enum as unknown[] | undefined)?.[0];
    if (typeof method !== "string") throw new Error(`${union}: a member has no literal method`);
    const ref = props.params?.$ref;
    methods.set(method, typeof ref === "string" ? refName(ref) : undefined);
  }
  return methods;
}

/**
 * Builds a surface from the two bundles `generate-json-schema` writes
 * (`codex_app_server_protocol.schemas.json`), without and with `--experimental`.
 */
export function surfaceFromBundles(
  version: string,
  stable: Schema,
  experimental: Schema,
): ProtocolSurface {
  const stableTypes = definitionsOf(stable);
  const types = definitionsOf(experimental);
  const methods = {} as Record<MethodKind, Map<string, Method>>;
  for (const kind of METHOD_KINDS) {
    const stableMethods = methodsOf(stableTypes, UNION_OF[kind]);
    methods[kind] = new Map(
      [...methodsOf(types, UNION_OF[kind])].map(([method, params]) => [
        method,
        { experimental: !stableMethods.has(method), params },
      ]),
    );
  }
  return { version, methods, types };
}

const BUNDLE = "codex_app_server_protocol.schemas.json";

/** The schema bundles of a runtime's protocol, stable and experimental. */
export interface ProtocolBundles {
  readonly stable: Schema;
  readonly experimental: Schema;
}

/** Runs `generate-json-schema` (with and without `--experimental`) and reads the result. */
export function readSurface(binary: string, version: string): ProtocolSurface {
  const { stable, experimental } = readBundles(binary);
  return surfaceFromBundles(version, stable, experimental);
}

/** Runs `generate-json-schema` with and without `--experimental`, and reads both bundles. */
export function readBundles(binary: string): ProtocolBundles {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "codex-json-schema-"));
  try {
    // An empty CODEX_HOME keeps the developer's config (feature flags) out of the output.
    const home = path.join(scratch, "home");
    mkdirSync(home);
    const run = (out: string, extra: string[]): Schema => {
      const result = spawnSync(
        binary,
        ["app-server", "generate-json-schema", ...extra, "--out", out],
        { encoding: "utf8", env: { ...process.env, CODEX_HOME: home }, timeout: 120_000 },
      );
      if (result.error !== undefined)
        throw new Error(`Failed to run ${binary}: ${result.error.message}`);
      if (result.status !== 0) {
        throw new Error(
          `${binary} app-server generate-json-schema exited with ${result.status ?? result.signal}:\n` +
            `${result.stderr}${result.stdout}`,
        );
      }
      return JSON.parse(readFileSync(path.join(out, BUNDLE), "utf8")) as Schema;
    };
    return {
      stable: run(path.join(scratch, "stable"), []),
      experimental: run(path.join(scratch, "experimental"), ["--experimental"]),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Describing a wire type
// ---------------------------------------------------------------------------------------------

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** Whether `value` is a schema object (not an array, not null). */
export const isSchema = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A schema as a compact TypeScript-like expression; object literals show only their keys. */
export function renderType(schema: unknown): string {
  if (!isSchema(schema)) return "unknown";
  if (typeof schema.$ref === "string") return refName(schema.$ref);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  for (const key of ["anyOf", "oneOf"] as const) {
    const members = schema[key];
    if (Array.isArray(members)) return union(members.map((m) => renderType(m)));
  }
  if (Array.isArray(schema.allOf)) {
    return schema.allOf.map((m) => renderType(m)).join(" & ");
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return union(types.map((type) => renderOneType(schema, type)));
}

function renderOneType(schema: Schema, type: unknown): string {
  switch (type) {
    case "integer":
    case "number":
      return "number";
    case "string":
    case "boolean":
    case "null":
      return type;
    case "array": {
      const item = renderType(schema.items);
      return /[ |&]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
    case "object": {
      if (isSchema(schema.properties)) {
        const required = new Set((schema.required as string[] | undefined) ?? []);
        const keys = Object.keys(schema.properties).sort(compare);
        return `{ ${keys.map((k) => (required.has(k) ? k : `${k}?`)).join(", ")} }`;
      }
      if (isSchema(schema.additionalProperties)) {
        return `Record<string, ${renderType(schema.additionalProperties)}>`;
      }
      return "object";
    }
    default:
      return "unknown";
  }
}

function union(members: string[]): string {
  const unique = [...new Set(members)];
  // `null` last, as the generated TypeScript writes it.
  unique.sort((a, b) => Number(a === "null") - Number(b === "null"));
  return unique.join(" | ");
}

interface Field {
  readonly type: string;
  readonly optional: boolean;
}
type Fields = ReadonlyMap<string, Field>;

/** The comparable structure of a named wire type. */
export type Shape =
  | { readonly kind: "object"; readonly fields: Fields }
  | {
      readonly kind: "union";
      /** The property whose literal value tells the variants apart. */
      readonly tag: string;
      /** Fields every variant has, declared beside the union. */
      readonly common: Fields;
      /** Tag value (JSON) -> that variant's own fields. */
      readonly variants: ReadonlyMap<string, Fields>;
    }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | {
      readonly kind: "alias";
      readonly type: string;
      /** The members when the type is a union (string enums spelled out one value each). */
      readonly members: readonly string[];
    };

function fieldsOf(schema: Schema, skip?: string): Map<string, Field> {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = new Map<string, Field>();
  const props = isSchema(schema.properties) ? schema.properties : {};
  for (const key of Object.keys(props).sort(compare)) {
    if (key === skip) continue;
    fields.set(key, { type: renderType(props[key]), optional: !required.has(key) });
  }
  return fields;
}

/** The single literal a property of an object schema is fixed to, if it is. */
function literalOf(schema: Schema, key: string): string | undefined {
  const prop = isSchema(schema.properties) ? schema.properties[key] : undefined;
  if (!isSchema(prop)) return undefined;
  if (Array.isArray(prop.enum) && prop.enum.length === 1) return JSON.stringify(prop.enum[0]);
  return "const" in prop ? JSON.stringify(prop.const) : undefined;
}

export function shapeOf(schema: Schema): Shape {
  const members = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(members) && members.length > 0 && members.every(isSchema)) {
    const [first] = members as Schema[];
    const candidates = Object.keys(isSchema(first?.properties) ? first.properties : {}).sort(
      compare,
    );
    const tag = candidates.find((key) => {
      const values = (members as Schema[]).map((m) => literalOf(m, key));
      return values.every((v) => v !== undefined) && new Set(values).size === values.length;
    });
    if (tag !== undefined) {
      const variants = new Map<string, Fields>();
      for (const member of members as Schema[]) {
        variants.set(literalOf(member, tag) ?? "", fieldsOf(member, tag));
      }
      return { kind: "union", tag, common: fieldsOf(schema), variants };
    }
  }
  if (isSchema(schema.properties)) return { kind: "object", fields: fieldsOf(schema) };
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) {
    return { kind: "enum", values: (schema.enum as string[]).map((v) => JSON.stringify(v)) };
  }
  return { kind: "alias", type: renderType(schema), members: unionMembers(schema) };
}

function unionMembers(schema: Schema): string[] {
  const members = (schema.anyOf ?? schema.oneOf) as unknown;
  if (!Array.isArray(members)) return [];
  return [...new Set(members.flatMap((m) => renderType(m).split(" | ")))];
}

// ---------------------------------------------------------------------------------------------
// Diffing two runtimes
// ---------------------------------------------------------------------------------------------

/** Methods of one kind that were added or removed, or changed stability. */
export interface MethodChanges {
  readonly before: number;
  readonly after: number;
  readonly added: readonly { method: string; experimental: boolean }[];
  readonly removed: readonly { method: string; experimental: boolean }[];
  readonly nowStable: readonly string[];
  readonly nowExperimental: readonly string[];
}

/** A wire type whose structure changed. */
export interface TypeChange {
  readonly name: string;
  /** Where a method reaches the type, e.g. `item/completed` `params.item(agentMessage).moderation.display`. */
  readonly where: string | undefined;
  /** One line per change, Markdown. */
  readonly details: readonly string[];
}

export interface RuntimeChanges {
  readonly from: string;
  readonly to: string;
  readonly methods: Readonly<Record<MethodKind, MethodChanges>>;
  readonly changedTypes: readonly TypeChange[];
  readonly addedTypes: readonly string[];
  readonly removedTypes: readonly string[];
}

function diffMethods(
  before: ReadonlyMap<string, Method>,
  after: ReadonlyMap<string, Method>,
): MethodChanges {
  const sorted = <T>(items: T[], key: (item: T) => string) =>
    items.sort((a, b) => compare(key(a), key(b)));
  return {
    before: before.size,
    after: after.size,
    added: sorted(
      [...after]
        .filter(([m]) => !before.has(m))
        .map(([method, { experimental }]) => ({ method, experimental })),
      (m) => m.method,
    ),
    removed: sorted(
      [...before]
        .filter(([m]) => !after.has(m))
        .map(([method, { experimental }]) => ({ method, experimental })),
      (m) => m.method,
    ),
    nowStable: [...after]
      .filter(([m, info]) => before.get(m)?.experimental === true && !info.experimental)
      .map(([m]) => m)
      .sort(compare),
    nowExperimental: [...after]
      .filter(([m, info]) => before.get(m)?.experimental === false && info.experimental)
      .map(([m]) => m)
      .sort(compare),
  };
}

const code = (text: string) => `\`${text}\``;

function diffFields(before: Fields, after: Fields, prefix = ""): string[] {
  const lines: string[] = [];
  for (const [key, field] of after) {
    const old = before.get(key);
    if (old === undefined) {
      lines.push(
        `${prefix}${code(key)} added${field.optional ? " (optional)" : ""}: ${code(field.type)}`,
      );
    } else if (old.type !== field.type || old.optional !== field.optional) {
      const show = (f: Field) => code(`${f.optional ? "?" : ""}${f.type}`);
      lines.push(`${prefix}${code(key)} changed: ${show(old)} -> ${show(field)}`);
    }
  }
  for (const key of before.keys()) {
    if (!after.has(key)) lines.push(`${prefix}${code(key)} removed`);
  }
  return lines;
}

function renderFields(...groups: Fields[]): string {
  const entries = groups.flatMap((fields) => [...fields]);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, f]) => `${k}${f.optional ? "?" : ""}: ${f.type}`).join("; ")} }`;
}

function summarize(shape: Shape): string {
  switch (shape.kind) {
    case "object":
      return shape.fields.size === 0
        ? "an empty object"
        : `an object with ${[...shape.fields.keys()].map(code).join(", ")}`;
    case "union":
      return `a union on ${code(shape.tag)}: ${[...shape.variants.keys()].map(code).join(" | ")}`;
    case "enum":
      return `one of ${shape.values.map(code).join(" | ")}`;
    case "alias":
      return code(shape.type);
  }
}

/** The changes between two shapes of one type, one Markdown line each; empty when equal. */
export function diffShapes(before: Shape, after: Shape): string[] {
  if (before.kind === "object" && after.kind === "object") {
    return diffFields(before.fields, after.fields);
  }
  if (before.kind === "union" && after.kind === "union" && before.tag === after.tag) {
    const lines = diffFields(before.common, after.common);
    for (const [value, fields] of after.variants) {
      const old = before.variants.get(value);
      if (old === undefined) lines.push(`variant ${code(value)} added`);
      else lines.push(...diffFields(old, fields, `${code(value)}: `));
    }
    for (const value of before.variants.keys()) {
      if (!after.variants.has(value)) lines.push(`variant ${code(value)} removed`);
    }
    return lines;
  }
  if (before.kind === "enum" && after.kind === "enum") {
    const added = after.values.filter((v) => !before.values.includes(v));
    const removed = before.values.filter((v) => !after.values.includes(v));
    return [
      ...(added.length > 0 ? [`added ${added.map(code).join(", ")}`] : []),
      ...(removed.length > 0 ? [`removed ${removed.map(code).join(", ")}`] : []),
    ];
  }
  if (before.kind === "alias" && after.kind === "alias") {
    if (before.type === after.type) return [];
    // Members of a union are listed one by one: a long union differing in one value says which.
    if (before.members.length > 1 && after.members.length > 1) {
      const added = after.members.filter((m) => !before.members.includes(m));
      const removed = before.members.filter((m) => !after.members.includes(m));
      return [
        ...(added.length > 0 ? [`added ${added.map(code).join(", ")}`] : []),
        ...(removed.length > 0 ? [`removed ${removed.map(code).join(", ")}`] : []),
      ];
    }
    return [`${code(before.type)} -> ${code(after.type)}`];
  }
  const lines = [`was ${summarize(before)}; now ${summarize(after)}`];
  if (after.kind === "union") {
    for (const [value, fields] of after.variants) {
      lines.push(`${code(value)}: ${code(renderFields(after.common, fields))}`);
    }
  }
  return lines;
}

/** The named types a schema refers to, each with the step that leads there. */
function references(schema: Schema): { name: string; step: string }[] {
  const found: { name: string; step: string }[] = [];
  const walk = (node: unknown, step: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, step);
      return;
    }
    if (!isSchema(node)) return;
    if (typeof node.$ref === "string") found.push({ name: refName(node.$ref), step });
    const members = [...((node.oneOf as unknown[]) ?? []), ...((node.anyOf as unknown[]) ?? [])];
    for (const member of members) {
      // Entering a tagged variant is shown as `(tag)`, so the path says which one it is.
      const tag = isSchema(member) ? shapeTag(member) : undefined;
      walk(member, tag === undefined ? step : `${step}(${tag})`);
    }
    if (Array.isArray(node.allOf)) walk(node.allOf, step);
    if (isSchema(node.items)) walk(node.items, `${step}[]`);
    if (isSchema(node.additionalProperties)) walk(node.additionalProperties, `${step}[key]`);
    if (isSchema(node.properties)) {
      for (const [key, prop] of Object.entries(node.properties)) walk(prop, `${step}.${key}`);
    }
  };
  walk(schema, "");
  return found;
}

// The value of a variant's `type`/`kind`/`mode`-like tag: the first property fixed to one string.
function shapeTag(member: Schema): string | undefined {
  const props = isSchema(member.properties) ? member.properties : {};
  for (const key of Object.keys(props).sort(compare)) {
    const literal = literalOf(member, key);
    if (literal !== undefined && literal.startsWith('"')) return JSON.parse(literal) as string;
  }
  return undefined;
}

/**
 * For each type, the shortest way a method reaches it: notifications first, then server requests,
 * then client requests, each in method order. Paths look like
 * `item/completed` `params.item(agentMessage).moderation.display`.
 */
function reachPaths(surface: ProtocolSurface): Map<string, string> {
  const paths = new Map<string, { method: string; path: string }>();
  let frontier: string[] = [];
  for (const kind of ["notifications", "serverRequests", "clientRequests"] as const) {
    for (const method of [...surface.methods[kind].keys()].sort(compare)) {
      const params = surface.methods[kind].get(method)?.params;
      if (params === undefined || paths.has(params)) continue;
      paths.set(params, { method, path: "params" });
      frontier.push(params);
    }
  }
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const name of frontier) {
      const from = paths.get(name)!;
      const schema = surface.types.get(name);
      if (schema === undefined) continue;
      for (const { name: target, step } of references(schema)) {
        if (paths.has(target) || !surface.types.has(target)) continue;
        paths.set(target, { method: from.method, path: `${from.path}${step}` });
        next.push(target);
      }
    }
    frontier = next;
  }
  return new Map(
    [...paths].map(([name, { method, path: p }]) => [name, `${code(method)} ${code(p)}`]),
  );
}

/** Everything that changed from `before` to `after`. */
export function diffSurfaces(before: ProtocolSurface, after: ProtocolSurface): RuntimeChanges {
  const methods = {} as Record<MethodKind, MethodChanges>;
  for (const kind of METHOD_KINDS)
    methods[kind] = diffMethods(before.methods[kind], after.methods[kind]);
  const where = reachPaths(after);
  const changedTypes: TypeChange[] = [];
  for (const name of [...after.types.keys()].sort(compare)) {
    const old = before.types.get(name);
    if (old === undefined || isMethodUnion(name)) continue;
    const details = diffShapes(shapeOf(old), shapeOf(after.types.get(name)!));
    if (details.length > 0) changedTypes.push({ name, where: where.get(name), details });
  }
  const names = (from: ProtocolSurface, without: ProtocolSurface) =>
    [...from.types.keys()].filter((n) => !without.types.has(n)).sort(compare);
  return {
    from: before.version,
    to: after.version,
    methods,
    changedTypes,
    addedTypes: names(after, before),
    removedTypes: names(before, after),
  };
}

// The unions themselves change with every added method; the method lists already say how.
function isMethodUnion(name: string): boolean {
  return (
    Object.values(UNION_OF).includes(name) ||
    name === "ClientNotification" ||
    name.startsWith("JSONRPC")
  );
}

// ---------------------------------------------------------------------------------------------
// The Markdown entry
// ---------------------------------------------------------------------------------------------

/** Marks the section a human completes; the upgrade script never writes below it again. */
export const SDK_CHANGES_PLACEHOLDER =
  "_To fill in: what the SDK had to change for this runtime (server-request defaults, routing, " +
  "readers of changed types, docs), or “Nothing”._";

const TITLES: Readonly<Record<MethodKind, string>> = {
  clientRequests: "Client requests",
  notifications: "Notifications",
  serverRequests: "Server requests",
};

/** The heading of the entry for an upgrade to `version`. */
export function entryHeading(from: string, to: string): string {
  return `## ${from} -> ${to}`;
}

/** Whether `doc` already has an entry for an upgrade to `version`. */
export function hasEntryFor(doc: string, version: string): boolean {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^## \\S+ -> ${escaped}$`, "m").test(doc);
}

function methodList(methods: readonly string[]): string {
  return methods.map(code).join(", ");
}

function renderMethods(kind: MethodKind, changes: MethodChanges): string[] {
  const lines = [`### ${TITLES[kind]}: ${changes.before} -> ${changes.after}`, ""];
  const bullets: string[] = [];
  for (const [label, list] of [
    ["Added, stable", changes.added.filter((m) => !m.experimental)],
    ["Added, experimental", changes.added.filter((m) => m.experimental)],
    ["Removed, stable", changes.removed.filter((m) => !m.experimental)],
    ["Removed, experimental", changes.removed.filter((m) => m.experimental)],
  ] as const) {
    if (list.length > 0) bullets.push(`- ${label}: ${methodList(list.map((m) => m.method))}`);
  }
  if (changes.nowStable.length > 0) bullets.push(`- Now stable: ${methodList(changes.nowStable)}`);
  if (changes.nowExperimental.length > 0) {
    bullets.push(`- Now experimental: ${methodList(changes.nowExperimental)}`);
  }
  return [...lines, ...(bullets.length > 0 ? bullets : ["No change."]), ""];
}

/** One entry of `docs/runtime-changes.md`, ending with the section a human fills in. */
export function renderEntry(
  changes: RuntimeChanges,
  sdkChanges: string = SDK_CHANGES_PLACEHOLDER,
): string {
  const lines = [
    entryHeading(changes.from, changes.to),
    "",
    `\`@openai/codex\` ${changes.from} -> ${changes.to}, as \`npm run runtime:upgrade -- ${changes.to}\` measured it ` +
      "from the two binaries' `generate-json-schema` output. Experimental means the method needs " +
      "`capabilities.experimentalApi`.",
    "",
  ];
  for (const kind of METHOD_KINDS) lines.push(...renderMethods(kind, changes.methods[kind]));

  lines.push("### Wire types", "");
  if (changes.changedTypes.length === 0) lines.push("No type changed its fields.", "");
  else {
    lines.push("Changed:", "");
    for (const type of changes.changedTypes) {
      const where = type.where === undefined ? "" : ` (at ${type.where})`;
      if (type.details.length === 1) lines.push(`- ${code(type.name)}${where}: ${type.details[0]}`);
      else {
        lines.push(`- ${code(type.name)}${where}:`);
        for (const detail of type.details) lines.push(`  - ${detail}`);
      }
    }
    lines.push("");
  }
  if (changes.addedTypes.length > 0) lines.push(`New: ${methodList(changes.addedTypes)}.`, "");
  if (changes.removedTypes.length > 0)
    lines.push(`Removed: ${methodList(changes.removedTypes)}.`, "");

  lines.push("### What the SDK changed", "", sdkChanges, "");
  return lines.join("\n");
}

/** Code-unit order: locale-independent, so the output is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
