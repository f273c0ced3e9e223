/**
 * Regenerates `src/generated/` from the pinned Codex runtime.
 *
 *   npm run generate [-- --out DIR]
 *
 * 1. Runs `codex app-server generate-ts --experimental` (the ts-rs protocol types).
 * 2. Copies them to `<out>/protocol/`, rewritten to type-check under NodeNext (`.js` specifiers)
 *    and to describe what `JSON.parse` yields (`bigint` -> `number`).
 * 3. Derives `<out>/maps.ts` (method -> params/result/notification types and routing keys) from
 *    the `ClientRequest`, `ServerRequest` and `ServerNotification` unions.
 * 4. Derives `<out>/params-keys.ts` (the property names of each client request's params type), by
 *    which the SDK refuses an option it does not know.
 * 5. Writes `<out>/index.ts`, a flat re-export of every protocol type, the maps and the keys.
 *
 * Anything the script cannot resolve is an error, so a runtime upgrade never yields silently
 * wrong maps. The output depends only on the runtime, so a test can compare it byte for byte.
 */
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import { locateRuntime } from "../src/runtime.js";

/** Relative POSIX path -> file content. Iteration order is the sorted path order. */
export type FileTree = ReadonlyMap<string, string>;

export interface GenerateOptions {
  /** The codex executable; defaults to the pinned runtime. */
  readonly binary?: string;
  /** The `@openai/codex` version named in the headers; defaults to the installed one. */
  readonly version?: string;
}

export const DEFAULT_OUT_DIR = fileURLToPath(new URL("../src/generated", import.meta.url));

/**
 * Response types that neither `FooParams` -> `FooResponse` nor the PascalCased method name finds.
 * Entries must stay necessary: one that names an unknown method, or that the rules above now
 * resolve, is an error, so the table is revisited on every runtime upgrade.
 */
const CLIENT_RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
  "account/logout": "LogoutAccountResponse",
  "account/securitySetup/read": "GetAccountSecuritySetupResponse",
  "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
  "accountSession/list": "AccountSessionsResponse",
  "config/batchWrite": "ConfigWriteResponse",
  "config/mcpServer/reload": "McpServerRefreshResponse",
  "config/value/write": "ConfigWriteResponse",
  "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
  // 0.171.0 prints no response type for it; the server answers with a config write result.
  "modelProvider/default/set": "ConfigWriteResponse",
};

const SERVER_RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {};

const HEADER = "// GENERATED CODE! DO NOT MODIFY BY HAND!";

/** Identifiers that may appear in a type expression without being protocol types. */
const BUILTIN_TYPES = new Set([
  "Array",
  "Record",
  "boolean",
  "never",
  "null",
  "number",
  "string",
  "undefined",
  "unknown",
]);

// ---------------------------------------------------------------------------------------------
// Running the runtime
// ---------------------------------------------------------------------------------------------

/** Reads every file under `root` into a tree keyed by sorted relative POSIX paths. */
export function readTree(root: string): FileTree {
  const entries: [string, string][] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, relPath);
      else entries.push([relPath, readFileSync(full, "utf8")]);
    }
  };
  walk(root, "");
  return new Map(entries.sort(([a], [b]) => compare(a, b)));
}

/** Runs `generate-ts` in a scratch directory and returns what it wrote, unprocessed. */
export function runGenerateTs(binary: string = locateRuntime().binary): FileTree {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "codex-generate-ts-"));
  try {
    const out = path.join(scratch, "out");
    // An empty CODEX_HOME keeps the developer's config.toml (feature flags) out of the output.
    const home = path.join(scratch, "home");
    mkdirSync(home);
    const result = spawnSync(
      binary,
      ["app-server", "generate-ts", "--experimental", "--out", out],
      { encoding: "utf8", env: { ...process.env, CODEX_HOME: home }, timeout: 120_000 },
    );
    if (result.error !== undefined) {
      throw new Error(`Failed to run ${binary}: ${result.error.message}`);
    }
    if (result.status !== 0) {
      throw new Error(
        `${binary} app-server generate-ts exited with ${result.status ?? result.signal}:\n` +
          `${result.stderr}${result.stdout}`,
      );
    }
    return readTree(out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function installedCodexVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg: unknown = require("@openai/codex/package.json");
  const version = (pkg as { version?: unknown }).version;
  if (typeof version !== "string") throw new Error("@openai/codex/package.json has no version");
  return version;
}

// ---------------------------------------------------------------------------------------------
// Lexing: just enough of TypeScript to tell code from strings and comments
// ---------------------------------------------------------------------------------------------

interface Segment {
  readonly kind: "code" | "string" | "comment";
  readonly text: string;
}

function scan(source: string): Segment[] {
  const segments: Segment[] = [];
  let code = "";
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    const next = source.charAt(i + 1);
    let end = -1;
    let kind: Segment["kind"] = "code";
    if (ch === "/" && next === "/") {
      end = source.indexOf("\n", i);
      if (end === -1) end = source.length;
      kind = "comment";
    } else if (ch === "/" && next === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close === -1) throw new Error("Unterminated block comment");
      end = close + 2;
      kind = "comment";
    } else if (ch === '"' || ch === "'" || ch === "`") {
      let j = i + 1;
      while (j < source.length && source.charAt(j) !== ch) j += source.charAt(j) === "\\" ? 2 : 1;
      if (j >= source.length) throw new Error("Unterminated string literal");
      end = j + 1;
      kind = "string";
    }
    if (kind === "code") {
      code += ch;
      i += 1;
      continue;
    }
    if (code !== "") segments.push({ kind: "code", text: code });
    code = "";
    segments.push({ kind, text: source.slice(i, end) });
    i = end;
  }
  if (code !== "") segments.push({ kind: "code", text: code });
  return segments;
}

function stripComments(source: string): string {
  return scan(source)
    .map((s) => (s.kind === "comment" ? " " : s.text))
    .join("");
}

/**
 * Splits `text` (comment-free) at top-level occurrences of `separator`, outside strings and
 * brackets. Empty parts (trailing commas, a leading `|`) are dropped.
 */
function splitTopLevel(text: string, separator: "," | "|" | "&"): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  // Offsets are tracked across segments; strings are skipped so `"a|b"` is not split.
  let offset = 0;
  for (const segment of scan(text)) {
    if (segment.kind === "code") {
      for (let k = 0; k < segment.text.length; k++) {
        const ch = segment.text.charAt(k);
        if ("{[(<".includes(ch)) depth++;
        // `=>` is not a closing bracket.
        else if ("}])".includes(ch) || (ch === ">" && segment.text.charAt(k - 1) !== "=")) depth--;
        else if (ch === separator && depth === 0) {
          parts.push(text.slice(start, offset + k));
          start = offset + k + 1;
        }
      }
    }
    offset += segment.text.length;
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------------------------
// Post-processing the ts-rs output
// ---------------------------------------------------------------------------------------------

/**
 * Rewrites `from "./X"` to the file or folder index it denotes, with a `.js` extension as NodeNext
 * requires. A specifier that points nowhere is an error rather than a broken import.
 */
function rewriteSpecifiers(file: string, source: string, tree: FileTree): string {
  const dir = path.posix.dirname(file);
  const segments = scan(source);
  return segments
    .map((segment, index) => {
      const previous = segments[index - 1];
      const isSpecifier =
        segment.kind === "string" && previous?.kind === "code" && /\bfrom\s*$/.test(previous.text);
      const spec = segment.text.slice(1, -1);
      if (!isSpecifier || !spec.startsWith(".")) return segment.text;
      const target = path.posix.normalize(path.posix.join(dir, spec));
      if (tree.has(`${target}.ts`)) return JSON.stringify(`${spec}.js`);
      if (tree.has(`${target}/index.ts`)) return JSON.stringify(`${spec}/index.js`);
      throw new Error(`${file}: import "${spec}" resolves to no generated file`);
    })
    .join("");
}

/**
 * ts-rs types 64-bit integers as `bigint`, but JSON.parse produces numbers. Only the type keyword
 * in code is replaced: not comments, strings, or a property that happens to be named `bigint`.
 */
function replaceBigint(source: string): string {
  return scan(source)
    .map((s) =>
      s.kind === "code"
        ? s.text.replace(/(?<![\w$])bigint(?![\w$])(?!\s*\??\s*:)/g, "number")
        : s.text,
    )
    .join("");
}

function withProvenance(source: string, version: string): string {
  const provenance =
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version} ` +
    `(app-server generate-ts --experimental).`;
  const body = source.startsWith(HEADER) ? source.slice(HEADER.length).replace(/^\n/, "") : source;
  return `${HEADER}\n${provenance}\n${body}`;
}

function postProcess(raw: FileTree, version: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, content] of raw) {
    if (!file.endsWith(".ts")) throw new Error(`Unexpected non-TypeScript output: ${file}`);
    // Normalise line endings so the checked-in files do not depend on the platform.
    const source = content.replace(/\r\n/g, "\n");
    out.set(file, withProvenance(replaceBigint(rewriteSpecifiers(file, source, raw)), version));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the protocol types
// ---------------------------------------------------------------------------------------------

interface Property {
  readonly optional: boolean;
  /** The property's type expression, comment-free and whitespace-normalised. */
  readonly type: string;
}

type Properties = ReadonlyMap<string, Property>;

/** The post-processed protocol tree (paths relative to `protocol/`) and lookups into it. */
class Protocol {
  /** Type name -> defining file. Where root and v2 both define a name, v2 wins. */
  readonly files = new Map<string, string>();
  /** Type names defined in more than one file. */
  readonly duplicates = new Set<string>();

  constructor(readonly tree: FileTree) {
    // Root first, so that the v2 definition of a duplicated name overwrites it.
    const typeFiles = [...tree.keys()]
      .filter((f) => !f.endsWith("/index.ts") && f !== "index.ts")
      .sort((a, b) => compare(rank(a), rank(b)) || compare(a, b));
    for (const file of typeFiles) {
      const name = path.posix.basename(file, ".ts");
      if (!new RegExp(`^export type ${name}\\b`, "m").test(this.source(file))) {
        throw new Error(`${file} does not export a type named ${name}`);
      }
      if (this.files.has(name)) this.duplicates.add(name);
      this.files.set(name, file);
    }
  }

  source(file: string): string {
    const text = this.tree.get(file);
    if (text === undefined) throw new Error(`Missing generated file ${file}`);
    return text;
  }

  fileOf(name: string, context: string): string {
    const file = this.files.get(name);
    if (file === undefined) throw new Error(`${context}: type ${name} has no generated file`);
    return file;
  }

  /** Type name -> file, as imported by `file` (`import type { X } from "./v2/X.js"`). */
  imports(file: string): Map<string, string> {
    const dir = path.posix.dirname(file);
    const found = new Map<string, string>();
    for (const [, name, spec] of this.source(file).matchAll(
      /^import type \{ (\w+) \} from "([^"]+)\.js";$/gm,
    )) {
      if (name !== undefined && spec !== undefined) {
        found.set(name, `${path.posix.normalize(path.posix.join(dir, spec))}.ts`);
      }
    }
    return found;
  }

  /** The right-hand side of `export type Name = ...;`, comment-free. */
  declaration(name: string): string {
    const file = this.fileOf(name, "declaration");
    const code = stripComments(this.source(file));
    const match = new RegExp(`^export type ${name}\\s*=([\\s\\S]*);\\s*$`, "m").exec(code);
    if (match?.[1] === undefined)
      throw new Error(`${file}: cannot find the declaration of ${name}`);
    return match[1].trim();
  }

  /**
   * The top-level properties of a named type, following aliases, `&` and `|` (for a union, only
   * the properties every member has). `undefined` when the type is not object-shaped.
   */
  properties(name: string, seen: ReadonlySet<string> = new Set()): Properties | undefined {
    if (seen.has(name) || !this.files.has(name)) return undefined;
    return this.propertiesOf(this.declaration(name), new Set([...seen, name]));
  }

  private propertiesOf(expr: string, seen: ReadonlySet<string>): Properties | undefined {
    const members = splitTopLevel(expr, "|");
    if (members.length > 1) {
      const shapes = members.map((m) => this.propertiesOf(m, seen));
      const [first, ...rest] = shapes;
      if (first === undefined || rest.some((s) => s === undefined)) return undefined;
      const common = new Map<string, Property>();
      for (const [key, prop] of first) {
        const others = rest.map((s) => s?.get(key));
        if (others.some((o) => o === undefined)) continue;
        const types = new Set([prop.type, ...others.map((o) => o?.type ?? "")]);
        common.set(key, {
          optional: prop.optional || others.some((o) => o?.optional === true),
          type: [...types].join(" | "),
        });
      }
      return common;
    }
    const parts = splitTopLevel(expr, "&");
    if (parts.length > 1) {
      const merged = new Map<string, Property>();
      for (const part of parts) {
        const shape = this.propertiesOf(part, seen);
        if (shape === undefined) return undefined;
        for (const [key, prop] of shape) merged.set(key, prop);
      }
      return merged;
    }
    const text = expr.trim();
    if (text.startsWith("{") && text.endsWith("}")) return parseObjectType(text);
    if (/^Record<\s*string\s*,\s*never\s*>$/.test(text)) return new Map();
    if (/^[A-Za-z_$][\w$]*$/.test(text)) return this.properties(text, seen);
    return undefined;
  }

  /** Whether a type is a string, possibly nullable or via aliases such as `ThreadId = string`. */
  isStringLike(type: string, seen: ReadonlySet<string> = new Set()): boolean {
    const members = splitTopLevel(type, "|");
    const values = members.filter((m) => m !== "null" && m !== "undefined");
    return (
      values.length > 0 &&
      values.every(
        (m) =>
          m === "string" ||
          (/^[A-Za-z_$][\w$]*$/.test(m) &&
            this.files.has(m) &&
            !seen.has(m) &&
            this.isStringLike(this.declaration(m), new Set([...seen, m]))),
      )
    );
  }

  /** Whether a (possibly nullable) type is an object with a string `id`, like Turn or Thread. */
  hasStringId(type: string): boolean {
    const values = splitTopLevel(type, "|").filter((m) => m !== "null" && m !== "undefined");
    const [only] = values;
    if (values.length !== 1 || only === undefined) return false;
    const id = this.properties(only)?.get("id");
    return id !== undefined && !id.optional && this.isStringLike(id.type);
  }
}

/** Root files before `v2/` before anything else (`serde_json/`). */
function rank(file: string): string {
  if (!file.includes("/")) return "0";
  return file.startsWith("v2/") ? "1" : "2";
}

/** Parses `{ a: T, "b"?: U, }` into its named properties (index signatures are skipped). */
function parseObjectType(text: string): Properties {
  const props = new Map<string, Property>();
  for (const part of splitTopLevel(text.slice(1, -1), ",")) {
    const match = /^(?:"([^"]*)"|([A-Za-z_$][\w$]*))\s*(\?)?\s*:([\s\S]*)$/.exec(part);
    if (match === null) continue;
    const key = match[1] ?? match[2] ?? "";
    props.set(key, { optional: match[3] === "?", type: normalizeSpace(match[4] ?? "") });
  }
  return props;
}

interface UnionMember {
  readonly method: string;
  /** The params type as written, with `| undefined` added when the property is optional. */
  readonly params: string;
  readonly hasId: boolean;
}

/** Reads the `{ "method": "...", id?, params }` members of a method union such as ClientRequest. */
function parseMethodUnion(protocol: Protocol, name: string): UnionMember[] {
  // maps.ts resolves names with the "v2 wins" rule; make sure the union itself agrees.
  for (const [imported, file] of protocol.imports(protocol.fileOf(name, name))) {
    if (protocol.files.get(imported) !== file) {
      throw new Error(`${name} uses ${file}, but ${imported} resolves elsewhere in maps.ts`);
    }
  }
  const seen = new Set<string>();
  return splitTopLevel(protocol.declaration(name), "|").map((member) => {
    if (!member.startsWith("{")) throw new Error(`${name}: unexpected member ${member}`);
    const props = parseObjectType(member);
    const method = /^"([^"\\]+)"$/.exec(props.get("method")?.type ?? "")?.[1];
    const params = props.get("params");
    if (method === undefined || params === undefined) {
      throw new Error(`${name}: member without a literal method or params: ${member}`);
    }
    if (seen.has(method)) throw new Error(`${name}: method ${method} appears twice`);
    seen.add(method);
    const needsUndefined =
      params.optional && !splitTopLevel(params.type, "|").includes("undefined");
    return {
      method,
      params: needsUndefined ? `${params.type} | undefined` : params.type,
      hasId: props.has("id"),
    };
  });
}

/** The protocol type names an expression mentions; each must have a generated file. */
function referencedTypes(protocol: Protocol, type: string, context: string): string[] {
  const code = scan(type)
    .filter((s) => s.kind === "code")
    .map((s) => s.text)
    .join(" ")
    // Drop mapped-type binders: `{ [key in string]?: X }` names no type `key`.
    .replace(/\[\s*[A-Za-z_$][\w$]*\s+in\b/g, "[");
  const names = (code.match(/[A-Za-z_$][\w$]*/g) ?? []).filter((n) => !BUILTIN_TYPES.has(n));
  for (const name of names) protocol.fileOf(name, context);
  return names;
}

/**
 * The response type of a request: `FooParams` -> `FooResponse`, else the PascalCased method
 * (`memory/reset` -> `MemoryResetResponse`), else the override table.
 */
function resolveResponses(
  protocol: Protocol,
  union: string,
  members: readonly UnionMember[],
  overrides: Readonly<Record<string, string>>,
): Map<string, string> {
  const resolved = new Map<string, string>();
  const errors: string[] = [];
  const methods = new Set(members.map((m) => m.method));
  for (const method of Object.keys(overrides)) {
    if (!methods.has(method)) errors.push(`override for ${method}: no such method in ${union}`);
  }
  for (const { method, params } of members) {
    const values = splitTopLevel(params, "|").filter((m) => m !== "null" && m !== "undefined");
    const [paramsName] = values;
    const candidates = [
      values.length === 1 && paramsName?.endsWith("Params")
        ? `${paramsName.slice(0, -"Params".length)}Response`
        : undefined,
      `${pascalCase(method)}Response`,
    ];
    const derived = candidates.find((c) => c !== undefined && protocol.files.has(c));
    const override = overrides[method];
    if (derived !== undefined && override !== undefined) {
      errors.push(`override for ${method} is stale: the rules now find ${derived}`);
    } else if (override !== undefined && !protocol.files.has(override)) {
      errors.push(`override for ${method} names ${override}, which has no generated file`);
    } else if (derived === undefined && override === undefined) {
      const tried = candidates.filter((c) => c !== undefined).join(", ");
      errors.push(`${method}: no response type (tried ${tried}); add it to the override table`);
    } else {
      resolved.set(method, derived ?? override ?? "");
    }
  }
  if (errors.length > 0) {
    throw new Error(`Cannot map ${union} methods to response types:\n  ${errors.join("\n  ")}`);
  }
  return resolved;
}

function pascalCase(method: string): string {
  return method
    .split(/[/_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

type RouteKey = "turnId" | "threadId" | "loginId";
type Route = Partial<Record<RouteKey, string>>;

/**
 * Where a notification names its turn, thread and login: a direct `turnId` / `threadId` /
 * `loginId` string, or the `id` of a nested `turn` / `thread` object.
 */
function notificationRoute(protocol: Protocol, method: string, paramsType: string): Route {
  const props = protocol.properties(paramsType);
  if (props === undefined) {
    throw new Error(`${method}: params type ${paramsType} is not an object type`);
  }
  const route: Route = {};
  const direct = (key: RouteKey): boolean => {
    const prop = props.get(key);
    if (prop === undefined) return false;
    if (!protocol.isStringLike(prop.type)) {
      throw new Error(`${method}: ${paramsType}.${key} has unexpected type ${prop.type}`);
    }
    return true;
  };
  const nested = (key: string): boolean => {
    const prop = props.get(key);
    return prop !== undefined && protocol.hasStringId(prop.type);
  };
  if (direct("turnId")) route.turnId = "turnId";
  else if (nested("turn")) route.turnId = "turn.id";
  if (direct("threadId")) route.threadId = "threadId";
  else if (nested("thread")) route.threadId = "thread.id";
  if (direct("loginId")) route.loginId = "loginId";
  return route;
}

// ---------------------------------------------------------------------------------------------
// Emitting maps.ts and index.ts
// ---------------------------------------------------------------------------------------------

/** The module that re-exports a type: its folder's index when it has one, else its own file. */
function exportingModule(protocol: Protocol, name: string): string {
  const file = protocol.fileOf(name, "export");
  const dir = path.posix.dirname(file);
  const index = dir === "." ? "index.ts" : `${dir}/index.ts`;
  const indexSource = protocol.tree.get(index);
  const reexported =
    indexSource !== undefined &&
    new RegExp(`^export type \\{ ${name} \\} from "\\./${name}\\.js";$`, "m").test(indexSource);
  return `./protocol/${(reexported ? index : file).replace(/\.ts$/, ".js")}`;
}

/** `export type { A, B } from "m";`-style lines, grouped by module, everything sorted. */
function typeStatements(keyword: "import" | "export", protocol: Protocol, names: Iterable<string>) {
  const byModule = new Map<string, string[]>();
  for (const name of new Set(names)) {
    const module = exportingModule(protocol, name);
    byModule.set(module, [...(byModule.get(module) ?? []), name]);
  }
  return [...byModule.keys()]
    .sort(compare)
    .map((module) => {
      const list = (byModule.get(module) ?? []).sort(compare);
      return `${keyword} type {\n${list.map((n) => `  ${n},\n`).join("")}} from "${module}";\n`;
    })
    .join("");
}

function renderMaps(protocol: Protocol, version: string): string {
  const clientRequests = sortByMethod(parseMethodUnion(protocol, "ClientRequest"));
  const serverRequests = sortByMethod(parseMethodUnion(protocol, "ServerRequest"));
  const notifications = sortByMethod(parseMethodUnion(protocol, "ServerNotification"));
  for (const [union, members, wantsId] of [
    ["ClientRequest", clientRequests, true],
    ["ServerRequest", serverRequests, true],
    ["ServerNotification", notifications, false],
  ] as const) {
    const wrong = members.find((m) => m.hasId !== wantsId);
    if (wrong !== undefined) {
      throw new Error(`${union}: ${wrong.method} ${wantsId ? "lacks" : "has"} an id`);
    }
  }
  const clientResponses = resolveResponses(
    protocol,
    "ClientRequest",
    clientRequests,
    CLIENT_RESPONSE_OVERRIDES,
  );
  const serverResponses = resolveResponses(
    protocol,
    "ServerRequest",
    serverRequests,
    SERVER_RESPONSE_OVERRIDES,
  );

  const used: string[] = [];
  const use = (type: string, context: string): string => {
    used.push(...referencedTypes(protocol, type, context));
    return type;
  };
  const requestEntries = (members: UnionMember[], responses: Map<string, string>) =>
    members.map(({ method, params }) => {
      const result = use(responses.get(method) ?? "", method);
      return `  ${JSON.stringify(method)}: { params: ${use(params, method)}; result: ${result} };\n`;
    });
  const clientEntries = requestEntries(clientRequests, clientResponses);
  const serverEntries = requestEntries(serverRequests, serverResponses);
  const notificationEntries = notifications.map(
    ({ method, params }) => `  ${JSON.stringify(method)}: ${use(params, method)};\n`,
  );
  const routeEntries = notifications.map(({ method, params }) => {
    const [paramsName, ...rest] = referencedTypes(protocol, params, method);
    if (paramsName === undefined || rest.length > 0 || params !== paramsName) {
      throw new Error(`${method}: cannot derive a route from params type ${params}`);
    }
    const route = notificationRoute(protocol, method, paramsName);
    const fields = (["turnId", "threadId", "loginId"] as const)
      .filter((key) => route[key] !== undefined)
      .map((key) => `${key}: ${JSON.stringify(route[key])}`);
    const value = fields.length === 0 ? "{}" : `{ ${fields.join(", ")} }`;
    return `  ${JSON.stringify(method)}: ${value},\n`;
  });
  const methodList = (members: UnionMember[]) =>
    members.map((m) => `  ${JSON.stringify(m.method)},\n`).join("");

  return [
    `${HEADER}\n`,
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version}.\n`,
    `// Derived from the ClientRequest, ServerRequest and ServerNotification unions.\n`,
    `\n`,
    typeStatements("import", protocol, used),
    `\n`,
    `/** Requests the client sends: method -> params and result types. */\n`,
    `export interface ClientRequestMap {\n${clientEntries.join("")}}\n`,
    `\n`,
    `/** Notifications the server sends: method -> params type. */\n`,
    `export interface ServerNotificationMap {\n${notificationEntries.join("")}}\n`,
    `\n`,
    `/** Requests the server sends to the client: method -> params and result types. */\n`,
    `export interface ServerRequestMap {\n${serverEntries.join("")}}\n`,
    `\n`,
    `export type ClientRequestMethod = keyof ClientRequestMap;\n`,
    `export type ServerNotificationMethod = keyof ServerNotificationMap;\n`,
    `export type ServerRequestMethod = keyof ServerRequestMap;\n`,
    `\n`,
    `/**\n`,
    ` * Where a notification's params name the turn, thread and login it belongs to, as a path into\n`,
    ` * the params (\`"turn.id"\` means \`params.turn.id\`). The value there may be null.\n`,
    ` */\n`,
    `export interface NotificationRoute {\n`,
    `  readonly turnId?: "turnId" | "turn.id";\n`,
    `  readonly threadId?: "threadId" | "thread.id";\n`,
    `  readonly loginId?: "loginId";\n`,
    `}\n`,
    `\n`,
    `export const NOTIFICATION_ROUTES: {\n`,
    `  readonly [M in ServerNotificationMethod]: NotificationRoute;\n`,
    `} = {\n${routeEntries.join("")}};\n`,
    `\n`,
    `export const CLIENT_REQUEST_METHODS = [\n${methodList(clientRequests)}] as const satisfies readonly ClientRequestMethod[];\n`,
    `\n`,
    `export const SERVER_NOTIFICATION_METHODS = [\n${methodList(notifications)}] as const satisfies readonly ServerNotificationMethod[];\n`,
    `\n`,
    `export const SERVER_REQUEST_METHODS = [\n${methodList(serverRequests)}] as const satisfies readonly ServerRequestMethod[];\n`,
  ].join("");
}

/** `ThreadStartParams` -> `THREAD_START_PARAMS_KEYS`. */
function keysConstName(typeName: string): string {
  return `${typeName.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_KEYS`;
}

/**
 * params-keys.ts: for each client request whose params are a named object type (not a union, whose
 * members' keys differ), the type's property names, one constant per type so a bundle keeps only
 * those it uses.
 */
function renderParamsKeys(protocol: Protocol, version: string): string {
  const keysOf = new Map<string, string[]>();
  for (const { params } of parseMethodUnion(protocol, "ClientRequest")) {
    const name = params.replace(/\s*\|\s*undefined$/, "");
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || !protocol.files.has(name)) continue;
    if (splitTopLevel(protocol.declaration(name), "|").length > 1) continue;
    // A shape the parser cannot read gets no constant: code that needs one then fails to compile.
    const properties = protocol.properties(name);
    if (properties !== undefined) keysOf.set(name, [...properties.keys()]);
  }
  const sorted = [...keysOf.keys()].sort(compare);
  const constants = sorted.map((name) => {
    const list = (keysOf.get(name) ?? []).map((k) => JSON.stringify(k)).join(", ");
    return `export const ${keysConstName(name)} = [${list}] as const satisfies readonly (keyof ${name})[];\n`;
  });
  return [
    `${HEADER}\n`,
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version}.\n`,
    `// The property names of each client request's params type.\n`,
    `\n`,
    typeStatements("import", protocol, sorted),
    `\n`,
    constants.join(""),
  ].join("");
}

/** The names maps.ts exports, which must not clash with protocol type names in index.ts. */
const MAPS_EXPORTS = [
  "ClientRequestMap",
  "ServerNotificationMap",
  "ServerRequestMap",
  "ClientRequestMethod",
  "ServerNotificationMethod",
  "ServerRequestMethod",
  "NotificationRoute",
  "NOTIFICATION_ROUTES",
  "CLIENT_REQUEST_METHODS",
  "SERVER_NOTIFICATION_METHODS",
  "SERVER_REQUEST_METHODS",
];

function renderIndex(protocol: Protocol, version: string): string {
  const clash = MAPS_EXPORTS.find((name) => protocol.files.has(name));
  if (clash !== undefined) throw new Error(`maps.ts export ${clash} clashes with a protocol type`);
  return [
    `${HEADER}\n`,
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version}.\n`,
    `// Every protocol type, flat. Names defined both at the root and in v2 (${[...protocol.duplicates].sort(compare).join(", ")}) are the v2 ones.\n`,
    `\n`,
    typeStatements("export", protocol, protocol.files.keys()),
    `export * from "./maps.js";\n`,
    `export * from "./params-keys.js";\n`,
  ].join("");
}

function sortByMethod(members: UnionMember[]): UnionMember[] {
  return [...members].sort((a, b) => compare(a.method, b.method));
}

/** Code-unit order: locale-independent, so the output is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Builds every output file from a raw `generate-ts` tree. Pure: touches no files. */
export function buildGeneratedFiles(raw: FileTree, version: string): FileTree {
  const processed = postProcess(raw, version);
  const protocol = new Protocol(processed);
  const files = new Map<string, string>();
  for (const [file, content] of processed) files.set(`protocol/${file}`, content);
  files.set("maps.ts", renderMaps(protocol, version));
  files.set("params-keys.ts", renderParamsKeys(protocol, version));
  files.set("index.ts", renderIndex(protocol, version));
  return new Map([...files].sort(([a], [b]) => compare(a, b)));
}

/**
 * Regenerates `outDir` from the runtime. Everything is built in memory first, so a failure leaves
 * the previous output untouched; then the previous output is removed and the new one written.
 */
export function generateProtocol(outDir: string, options: GenerateOptions = {}): FileTree {
  const binary = options.binary ?? locateRuntime().binary;
  const version = options.version ?? installedCodexVersion();
  const files = buildGeneratedFiles(runGenerateTs(binary), version);
  // Only what this script owns is removed, so a mistaken --out cannot wipe unrelated files.
  for (const owned of ["protocol", "maps.ts", "params-keys.ts", "index.ts"]) {
    rmSync(path.join(outDir, owned), { recursive: true, force: true });
  }
  for (const [file, content] of files) {
    const target = path.join(outDir, ...file.split("/"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return files;
}

/** Whether the module at `moduleUrl` is the script Node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { out: { type: "string" } } });
    const outDir = path.resolve(values.out ?? DEFAULT_OUT_DIR);
    const files = generateProtocol(outDir);
    console.log(`Wrote ${files.size} files to ${outDir}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
