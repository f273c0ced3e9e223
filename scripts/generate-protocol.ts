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
 * 4. Derives `<out>/params-keys.ts` (the property names of each client request's params type, by
 *    which the SDK refuses an option it does not know, and the kinds of value its fields
 *    take, by which it refuses a value of the wrong kind before sending it).
 * 5. Writes `<out>/index.ts`, a flat re-export of every protocol type, the maps and the keys.
 *
 * TypeScript is read with the compiler's own parser: step 2 splices its replacements into the
 * source at the positions of the nodes it changes, so comments and formatting stay as they are,
 * and steps 3 and 4 walk the syntax trees of the type declarations.
 *
 * Anything the script cannot resolve is an error, so a runtime upgrade never yields silently
 * wrong maps. The output depends only on the runtime, so a test can compare it byte for byte.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import ts from "typescript";

import { locateRuntime } from "../src/runtime.js";
import { isMain } from "./is-main.js";

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

/** Type references that are not protocol types (keywords such as `string` are not references). */
const BUILTIN_TYPES = new Set(["Array", "Record"]);

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
// Reading TypeScript: the compiler's syntax tree
// ---------------------------------------------------------------------------------------------

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

/**
 * Throws on the first syntax error in `files`. The parser recovers from errors, so a malformed
 * file would otherwise be read as some other, wrong shape.
 */
function assertWellFormed(files: readonly ts.SourceFile[]): void {
  const byName = new Map(files.map((file) => [file.fileName, file]));
  // Just enough of a host to hand the parsed files to a program: nothing is read or resolved.
  const host: ts.CompilerHost = {
    getSourceFile: (name) => byName.get(name),
    getDefaultLibFileName: () => "lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "",
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (name) => byName.has(name),
    readFile: () => undefined,
  };
  const options = { noLib: true, noResolve: true, types: [] };
  const program = ts.createProgram({ rootNames: [...byName.keys()], options, host });
  const [error] = program.getSyntacticDiagnostics();
  if (error === undefined) return;
  const { line } = error.file.getLineAndCharacterOfPosition(error.start);
  const message = ts.flattenDiagnosticMessageText(error.messageText, "\n");
  throw new Error(`${error.file.fileName}:${line + 1}: ${message}`);
}

/** Every node below `root`, depth first (JSDoc comments are not nodes here, so not included). */
function descendants(root: ts.Node): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    found.push(node);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(root, visit);
  return found;
}

/** The string literal an `import ... from` or `export ... from` statement names. */
function moduleSpecifier(statement: ts.Statement): ts.StringLiteral | undefined {
  const specifier =
    ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)
      ? statement.moduleSpecifier
      : undefined;
  return specifier !== undefined && ts.isStringLiteral(specifier) ? specifier : undefined;
}

function unparenthesize(type: ts.TypeNode): ts.TypeNode {
  return ts.isParenthesizedTypeNode(type) ? unparenthesize(type.type) : type;
}

/** The members of a union, nested unions and parentheses flattened; any other type alone. */
function unionMembers(type: ts.TypeNode): ts.TypeNode[] {
  const bare = unparenthesize(type);
  return ts.isUnionTypeNode(bare) ? bare.types.flatMap(unionMembers) : [bare];
}

/** The name of a plain type reference such as `ThreadId` (no type arguments), else undefined. */
function typeName(type: ts.TypeNode): string | undefined {
  return ts.isTypeReferenceNode(type) &&
    ts.isIdentifier(type.typeName) &&
    type.typeArguments === undefined
    ? type.typeName.text
    : undefined;
}

function isUndefined(type: ts.TypeNode): boolean {
  return type.kind === ts.SyntaxKind.UndefinedKeyword;
}

function isNullish(type: ts.TypeNode): boolean {
  return (
    isUndefined(type) ||
    (ts.isLiteralTypeNode(type) && type.literal.kind === ts.SyntaxKind.NullKeyword)
  );
}

/** `Record<string, never>`, which ts-rs writes for a struct without fields. */
function isEmptyRecord(type: ts.TypeNode): boolean {
  if (!ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return false;
  const [key, value, ...rest] = type.typeArguments ?? [];
  return (
    type.typeName.text === "Record" &&
    key?.kind === ts.SyntaxKind.StringKeyword &&
    value?.kind === ts.SyntaxKind.NeverKeyword &&
    rest.length === 0
  );
}

const printer = ts.createPrinter({ removeComments: true });

/**
 * A type as maps.ts writes it: printed from its node without comments, on one line. For the names,
 * keywords and unions of them that the unions use, that is the source text.
 */
function typeText(type: ts.TypeNode): string {
  return printer
    .printNode(ts.EmitHint.Unspecified, type, type.getSourceFile())
    .replace(/\s+/g, " ")
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Post-processing the ts-rs output
// ---------------------------------------------------------------------------------------------

/** Source text to put between two offsets of a file. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Applies non-overlapping edits from the end backwards, so the offsets still to apply hold. */
function applyEdits(source: string, edits: readonly Edit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce(
      (text, { start, end, text: insert }) => text.slice(0, start) + insert + text.slice(end),
      source,
    );
}

/** Replaces `node` (a token or node of `sf`) by `text`, keeping the comments around it. */
function replace(node: ts.Node, sf: ts.SourceFile, text: string): Edit {
  return { start: node.getStart(sf), end: node.getEnd(), text };
}

/**
 * Rewrites `from "./X"` to the file or folder index it denotes, with a `.js` extension as NodeNext
 * requires. A specifier that points nowhere is an error rather than a broken import.
 */
function rewriteSpecifiers(sf: ts.SourceFile, tree: FileTree): Edit[] {
  const dir = path.posix.dirname(sf.fileName);
  return sf.statements.flatMap((statement) => {
    const specifier = moduleSpecifier(statement);
    const spec = specifier?.text;
    if (specifier === undefined || spec === undefined || !spec.startsWith(".")) return [];
    const target = path.posix.normalize(path.posix.join(dir, spec));
    if (tree.has(`${target}.ts`)) return [replace(specifier, sf, JSON.stringify(`${spec}.js`))];
    if (tree.has(`${target}/index.ts`)) {
      return [replace(specifier, sf, JSON.stringify(`${spec}/index.js`))];
    }
    throw new Error(`${sf.fileName}: import "${spec}" resolves to no generated file`);
  });
}

/**
 * ts-rs types 64-bit integers as `bigint`, but JSON.parse produces numbers. Only the type keyword
 * is replaced: not comments, strings, or a property that happens to be named `bigint`.
 */
function replaceBigint(sf: ts.SourceFile): Edit[] {
  return descendants(sf)
    .filter((node) => node.kind === ts.SyntaxKind.BigIntKeyword)
    .map((node) => replace(node, sf, "number"));
}

function withProvenance(source: string, version: string): string {
  const provenance =
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version} ` +
    `(app-server generate-ts --experimental).`;
  const body = source.startsWith(HEADER) ? source.slice(HEADER.length).replace(/^\n/, "") : source;
  return `${HEADER}\n${provenance}\n${body}`;
}

function postProcess(raw: FileTree, version: string): Map<string, string> {
  const parsed = [...raw].map(([file, content]) => {
    if (!file.endsWith(".ts")) throw new Error(`Unexpected non-TypeScript output: ${file}`);
    // Normalise line endings so the checked-in files do not depend on the platform.
    return parse(file, content.replace(/\r\n/g, "\n"));
  });
  assertWellFormed(parsed);
  const out = new Map<string, string>();
  for (const sf of parsed) {
    const edits = [...rewriteSpecifiers(sf, raw), ...replaceBigint(sf)];
    out.set(sf.fileName, withProvenance(applyEdits(sf.text, edits), version));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the protocol types
// ---------------------------------------------------------------------------------------------

interface Property {
  readonly optional: boolean;
  /** The property's type; for a property a union's members share, each member's (distinct). */
  readonly types: readonly ts.TypeNode[];
}

type Properties = ReadonlyMap<string, Property>;

function propertyText(property: Property): string {
  return property.types.map(typeText).join(" | ");
}

/** The post-processed protocol tree (paths relative to `protocol/`) and lookups into it. */
class Protocol {
  /** Type name -> defining file. Where root and v2 both define a name, v2 wins. */
  readonly files = new Map<string, string>();
  /** Type names defined both at the root and in v2, to the root's file, which `files` does not name. */
  readonly shadowed = new Map<string, string>();
  /** File -> its syntax tree, parsed when first read. */
  private readonly parsed = new Map<string, ts.SourceFile>();
  /** Folder index -> the names it re-exports from their own files. */
  private readonly reexported = new Map<string, Set<string>>();

  constructor(readonly tree: FileTree) {
    // Root first, so that the v2 definition of a duplicated name overwrites it.
    const typeFiles = [...tree.keys()]
      .filter((f) => !f.endsWith("/index.ts") && f !== "index.ts")
      .sort((a, b) => compare(rank(a), rank(b)) || compare(a, b));
    for (const file of typeFiles) {
      const name = path.posix.basename(file, ".ts");
      if (this.alias(file, name) === undefined) {
        throw new Error(`${file} does not export a type named ${name}`);
      }
      const earlier = this.files.get(name);
      if (earlier !== undefined) this.shadowed.set(name, earlier);
      this.files.set(name, file);
    }
  }

  private sourceFile(file: string): ts.SourceFile {
    const cached = this.parsed.get(file);
    if (cached !== undefined) return cached;
    const text = this.tree.get(file);
    if (text === undefined) throw new Error(`Missing generated file ${file}`);
    const sf = parse(file, text);
    this.parsed.set(file, sf);
    return sf;
  }

  fileOf(name: string, context: string): string {
    const file = this.files.get(name);
    if (file === undefined) throw new Error(`${context}: type ${name} has no generated file`);
    return file;
  }

  /** `export type Name = ...;` in `file`, if there is one. */
  private alias(file: string, name: string): ts.TypeAliasDeclaration | undefined {
    return this.sourceFile(file).statements.find(
      (s): s is ts.TypeAliasDeclaration =>
        ts.isTypeAliasDeclaration(s) &&
        s.name.text === name &&
        (s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false),
    );
  }

  /** Type name -> file, as imported by `file` (`import type { X } from "./v2/X.js"`). */
  imports(file: string): Map<string, string> {
    const dir = path.posix.dirname(file);
    const found = new Map<string, string>();
    for (const statement of this.sourceFile(file).statements) {
      const spec = moduleSpecifier(statement)?.text;
      const bindings = ts.isImportDeclaration(statement)
        ? statement.importClause?.namedBindings
        : undefined;
      if (spec === undefined || bindings === undefined || !ts.isNamedImports(bindings)) continue;
      const target = path.posix.normalize(path.posix.join(dir, spec));
      const resolved = `${target.endsWith(".js") ? target.slice(0, -".js".length) : target}.ts`;
      for (const element of bindings.elements) found.set(element.name.text, resolved);
    }
    return found;
  }

  /** The names `index` re-exports from their own files (`export type { X } from "./X.js"`). */
  reexports(index: string): ReadonlySet<string> {
    let names = this.reexported.get(index);
    if (names !== undefined) return names;
    names = new Set();
    for (const statement of this.sourceFile(index).statements) {
      const spec = moduleSpecifier(statement)?.text;
      const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
      if (clause === undefined || !ts.isNamedExports(clause)) continue;
      for (const { name, propertyName } of clause.elements) {
        if (propertyName === undefined && spec === `./${name.text}.js`) names.add(name.text);
      }
    }
    this.reexported.set(index, names);
    return names;
  }

  /** The right-hand side of `export type Name = ...;`. A generic alias is not read. */
  declaration(name: string): ts.TypeNode {
    const file = this.fileOf(name, "declaration");
    const alias = this.alias(file, name);
    if (alias === undefined || alias.typeParameters !== undefined) {
      throw new Error(`${file}: cannot find the declaration of ${name}`);
    }
    return alias.type;
  }

  /**
   * The top-level properties of a named type, following aliases, `&` and `|` (for a union, only
   * the properties every member has). `undefined` when the type is not object-shaped.
   */
  properties(name: string, seen: ReadonlySet<string> = new Set()): Properties | undefined {
    if (seen.has(name) || !this.files.has(name)) return undefined;
    return this.propertiesOf(this.declaration(name), new Set([...seen, name]));
  }

  private propertiesOf(node: ts.TypeNode, seen: ReadonlySet<string>): Properties | undefined {
    const type = unparenthesize(node);
    if (ts.isUnionTypeNode(type)) {
      return commonProperties(type.types.map((m) => this.propertiesOf(m, seen)));
    }
    if (ts.isIntersectionTypeNode(type)) {
      const merged = new Map<string, Property>();
      for (const part of type.types) {
        const shape = this.propertiesOf(part, seen);
        if (shape === undefined) return undefined;
        for (const [key, prop] of shape) merged.set(key, prop);
      }
      return merged;
    }
    if (ts.isTypeLiteralNode(type)) return parseObjectType(type);
    if (isEmptyRecord(type)) return new Map();
    const name = typeName(type);
    return name === undefined ? undefined : this.properties(name, seen);
  }

  /** Whether a type is a string, possibly nullable or via aliases such as `ThreadId = string`. */
  isStringLike(types: readonly ts.TypeNode[], seen: ReadonlySet<string> = new Set()): boolean {
    const values = types.flatMap(unionMembers).filter((m) => !isNullish(m));
    return (
      values.length > 0 &&
      values.every((m) => {
        if (m.kind === ts.SyntaxKind.StringKeyword) return true;
        const name = typeName(m);
        return (
          name !== undefined &&
          this.files.has(name) &&
          !seen.has(name) &&
          this.isStringLike([this.declaration(name)], new Set([...seen, name]))
        );
      })
    );
  }

  /**
   * The kinds of JSON value a field of these types takes (see {@link FieldKind}), or undefined
   * when one of them is of no kind told apart here (a number-or-string, any JSON value).
   */
  fieldKinds(types: readonly ts.TypeNode[]): FieldKind[] | undefined {
    const kinds: FieldKind[] = [];
    // The string values of a named union that has other members too (`"a" | "b" | { c }`).
    const values: string[] = [];
    for (const member of this.mixedMembers(types.flatMap(unionMembers))) {
      if (isUndefined(member)) continue;
      if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) {
        values.push(member.literal.text);
        continue;
      }
      const kind = this.fieldKind(member);
      if (kind === undefined) return undefined;
      if (!kinds.some((known) => JSON.stringify(known) === JSON.stringify(kind))) kinds.push(kind);
    }
    return values.length === 0 ? kinds : [values, ...kinds];
  }

  /**
   * `members`, a named union among them of some strings and other members (an enum with an object
   * variant, such as `AskForApproval`) replaced by its own members; one of strings only is one
   * kind ({@link fieldKind}), and one without strings (any JSON value) is left whole.
   */
  private mixedMembers(
    members: readonly ts.TypeNode[],
    seen: ReadonlySet<string> = new Set(),
  ): ts.TypeNode[] {
    return members.flatMap((member) => {
      const name = typeName(member);
      if (name === undefined || !this.files.has(name) || seen.has(name)) return [member];
      const own = unionMembers(this.declaration(name));
      const strings = own.filter((m) => ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal));
      if (strings.length === 0 || strings.length === own.length) return [member];
      return this.mixedMembers(own, new Set([...seen, name]));
    });
  }

  private fieldKind(type: ts.TypeNode): FieldKind | undefined {
    if (isNullish(type)) return null;
    if (type.kind === ts.SyntaxKind.BooleanKeyword) return "boolean";
    if (type.kind === ts.SyntaxKind.NumberKeyword) return "number";
    const element = arrayElement(type);
    if (element !== undefined) {
      // A list of other items (objects, nullable ones): a list all the same.
      if (unionMembers(element).some(isNullish)) return "array";
      if (this.isStringLike([element])) return "string[]";
      const values = this.stringValues(element);
      return values === undefined ? "array" : { each: values };
    }
    if (this.isStringLike([type])) return "string";
    return this.stringValues(type) ?? (this.isObject(type) ? "object" : undefined);
  }

  /**
   * Whether every value of a type is a JSON object: an object type, a map, or a union or
   * intersection of those (a tagged union of structs), through named types.
   */
  private isObject(type: ts.TypeNode, seen: ReadonlySet<string> = new Set()): boolean {
    const bare = unparenthesize(type);
    if (ts.isTypeLiteralNode(bare) || ts.isMappedTypeNode(bare)) return true;
    if (ts.isUnionTypeNode(bare) || ts.isIntersectionTypeNode(bare)) {
      return bare.types.every((part) => this.isObject(part, seen));
    }
    if (
      ts.isTypeReferenceNode(bare) &&
      ts.isIdentifier(bare.typeName) &&
      bare.typeName.text === "Record"
    ) {
      return true;
    }
    const name = typeName(bare);
    if (name === undefined || !this.files.has(name) || seen.has(name)) return false;
    return this.isObject(this.declaration(name), new Set([...seen, name]));
  }

  /** The values of a named union of string literals, such as `SortDirection`. */
  private stringValues(type: ts.TypeNode): string[] | undefined {
    const name = typeName(type);
    if (name === undefined || !this.files.has(name)) return undefined;
    const values = unionMembers(this.declaration(name)).map((member) =>
      ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)
        ? member.literal.text
        : undefined,
    );
    return values.every((value) => value !== undefined) ? (values as string[]) : undefined;
  }

  /** Whether a (possibly nullable) type is an object with a string `id`, like Turn or Thread. */
  hasStringId(types: readonly ts.TypeNode[]): boolean {
    const values = types.flatMap(unionMembers).filter((m) => !isNullish(m));
    const [only] = values;
    const name = values.length === 1 && only !== undefined ? typeName(only) : undefined;
    if (name === undefined) return false;
    const id = this.properties(name)?.get("id");
    return id !== undefined && !id.optional && this.isStringLike(id.types);
  }
}

/**
 * A kind of JSON value, as `*_PARAMS_FIELDS` give them (`FieldKind` of src/internal/validate.ts):
 * `null`, a boolean, a number, a string, a list of strings, one of some strings, or a list of
 * those; or, for fields of other types, a list or an object whose content is not told apart.
 */
type FieldKind =
  | null
  | "boolean"
  | "number"
  | "string"
  | "string[]"
  | "array"
  | "object"
  | readonly string[]
  | { readonly each: readonly string[] };

/** `Array<T>` or `T[]`: `T`; else undefined. */
function arrayElement(type: ts.TypeNode): ts.TypeNode | undefined {
  if (ts.isArrayTypeNode(type)) return type.elementType;
  const [element, ...rest] =
    ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === "Array"
      ? (type.typeArguments ?? [])
      : [];
  return element !== undefined && rest.length === 0 ? element : undefined;
}

/** Root files before `v2/` before anything else (`serde_json/`). */
function rank(file: string): string {
  if (!file.includes("/")) return "0";
  return file.startsWith("v2/") ? "1" : "2";
}

/** The properties every shape has (none if some member is not object-shaped). */
function commonProperties(shapes: readonly (Properties | undefined)[]): Properties | undefined {
  const [first, ...rest] = shapes;
  if (first === undefined || rest.some((s) => s === undefined)) return undefined;
  const common = new Map<string, Property>();
  for (const [key, prop] of first) {
    const others = rest.map((s) => s?.get(key));
    if (others.some((o) => o === undefined)) continue;
    // Types are told apart by their text, as the error messages show them.
    const types = new Map<string, ts.TypeNode>();
    for (const type of [prop, ...others].flatMap((p) => p?.types ?? [])) {
      const text = typeText(type);
      if (!types.has(text)) types.set(text, type);
    }
    common.set(key, {
      optional: prop.optional || others.some((o) => o?.optional === true),
      types: [...types.values()],
    });
  }
  return common;
}

/** The named properties of `{ a: T, "b"?: U }` (index signatures and methods are skipped). */
function parseObjectType(type: ts.TypeLiteralNode): Properties {
  const props = new Map<string, Property>();
  for (const member of type.members) {
    if (!ts.isPropertySignature(member) || member.type === undefined) continue;
    if (!ts.isIdentifier(member.name) && !ts.isStringLiteral(member.name)) continue;
    props.set(member.name.text, {
      optional: member.questionToken !== undefined,
      types: [member.type],
    });
  }
  return props;
}

/** `undefined`, for a params property that is optional without saying so. */
const IMPLIED_UNDEFINED = ts.factory.createKeywordTypeNode(ts.SyntaxKind.UndefinedKeyword);

interface UnionMember {
  readonly method: string;
  /** The params type's union members, with `undefined` added when the property is optional. */
  readonly params: readonly ts.TypeNode[];
  /** The params type as maps.ts writes it, likewise with `| undefined`. */
  readonly paramsText: string;
  readonly hasId: boolean;
}

/** The value of a property typed by one string literal, such as `"method": "thread/start"`. */
function literalValue(property: Property | undefined): string | undefined {
  const [type, ...rest] = property?.types ?? [];
  return type !== undefined &&
    rest.length === 0 &&
    ts.isLiteralTypeNode(type) &&
    ts.isStringLiteral(type.literal)
    ? type.literal.text
    : undefined;
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
  return unionMembers(protocol.declaration(name)).map((member) => {
    if (!ts.isTypeLiteralNode(member)) {
      throw new Error(`${name}: unexpected member ${typeText(member)}`);
    }
    const props = parseObjectType(member);
    const method = literalValue(props.get("method"));
    const params = props.get("params");
    if (method === undefined || params === undefined) {
      throw new Error(`${name}: member without a literal method or params: ${typeText(member)}`);
    }
    if (seen.has(method)) throw new Error(`${name}: method ${method} appears twice`);
    seen.add(method);
    const members = params.types.flatMap(unionMembers);
    const needsUndefined = params.optional && !members.some(isUndefined);
    return {
      method,
      params: needsUndefined ? [...members, IMPLIED_UNDEFINED] : members,
      paramsText: needsUndefined ? `${propertyText(params)} | undefined` : propertyText(params),
      hasId: props.has("id"),
    };
  });
}

/**
 * The protocol type names that types reference, in order; each must have a generated file. The
 * key variables of mapped types (`{ [K in Keys]: T }`) and built-in generics are not protocol types.
 */
function referencedTypes(
  protocol: Protocol,
  types: readonly ts.TypeNode[],
  context: string,
): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    const inner = ts.isMappedTypeNode(node)
      ? new Set([...bound, node.typeParameter.name.text])
      : bound;
    if (ts.isTypeReferenceNode(node)) {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.getText();
      if (!inner.has(name) && !BUILTIN_TYPES.has(name)) names.push(name);
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  for (const type of types) visit(type, new Set());
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
    const values = params.filter((m) => !isNullish(m));
    const [only] = values;
    const paramsName = values.length === 1 && only !== undefined ? typeName(only) : undefined;
    const candidates = [
      paramsName?.endsWith("Params")
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
    if (!protocol.isStringLike(prop.types)) {
      throw new Error(`${method}: ${paramsType}.${key} has unexpected type ${propertyText(prop)}`);
    }
    return true;
  };
  const nested = (key: string): boolean => {
    const prop = props.get(key);
    return prop !== undefined && protocol.hasStringId(prop.types);
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
  const reexported = protocol.tree.has(index) && protocol.reexports(index).has(name);
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

  // The types maps.ts names, to import.
  const used: string[] = [];
  const paramsOf = ({ method, params, paramsText }: UnionMember): string => {
    used.push(...referencedTypes(protocol, params, method));
    return paramsText;
  };
  const requestEntries = (members: UnionMember[], responses: Map<string, string>) =>
    members.map((member) => {
      // resolveResponses found a type with a generated file for every method.
      const result = responses.get(member.method) ?? "";
      used.push(result);
      return `  ${JSON.stringify(member.method)}: { params: ${paramsOf(member)}; result: ${result} };\n`;
    });
  const clientEntries = requestEntries(clientRequests, clientResponses);
  const serverEntries = requestEntries(serverRequests, serverResponses);
  const notificationEntries = notifications.map(
    (member) => `  ${JSON.stringify(member.method)}: ${paramsOf(member)};\n`,
  );
  const routeEntries = notifications.map(({ method, params, paramsText }) => {
    // A route is read from a single named, required params type.
    const [only, ...rest] = params;
    const paramsName = only !== undefined && rest.length === 0 ? typeName(only) : undefined;
    if (paramsName === undefined) {
      throw new Error(`${method}: cannot derive a route from params type ${paramsText}`);
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

/** `ThreadStartParams` -> `THREAD_START_PARAMS_FIELDS`. */
function fieldsConstName(typeName: string): string {
  return keysConstName(typeName).replace(/_KEYS$/, "_FIELDS");
}

/**
 * The kinds of value each field of `properties` takes (field -> kinds), as JSON text; a field of
 * a type whose values are told apart by none of them (any JSON value) is left out. An optional
 * field takes `null` only when its type says so: the runtime refuses it otherwise.
 */
function fieldsJson(protocol: Protocol, properties: Properties): string {
  const fields: Record<string, FieldKind[]> = {};
  for (const [key, property] of properties) {
    const kinds = protocol.fieldKinds(property.types);
    if (kinds !== undefined) fields[key] = kinds;
  }
  return JSON.stringify(fields);
}

/**
 * params-keys.ts: for each client request whose params are a named object type (not a union, whose
 * members' keys differ), the type's property names and the kinds of value of its fields, one
 * constant each so a bundle keeps only those it uses.
 */
function renderParamsKeys(protocol: Protocol, version: string): string {
  const keysOf = new Map<string, string[]>();
  const fieldsOf = new Map<string, string>();
  for (const { params } of parseMethodUnion(protocol, "ClientRequest")) {
    // A named type, possibly optional (`T | undefined`), but not nullable.
    const [only, ...rest] = params.filter((m) => !isUndefined(m));
    const name = only !== undefined && rest.length === 0 ? typeName(only) : undefined;
    if (name === undefined || !protocol.files.has(name)) continue;
    if (unionMembers(protocol.declaration(name)).length > 1) continue;
    // A shape the parser cannot read gets no constant: code that needs one then fails to compile.
    const properties = protocol.properties(name);
    if (properties === undefined) continue;
    keysOf.set(name, [...properties.keys()]);
    fieldsOf.set(name, fieldsJson(protocol, properties));
  }
  const sorted = [...keysOf.keys()].sort(compare);
  const constants = sorted.map((name) => {
    const list = (keysOf.get(name) ?? []).map((k) => JSON.stringify(k)).join(", ");
    return (
      `export const ${keysConstName(name)} = [${list}] as const satisfies readonly (keyof ${name})[];\n` +
      `export const ${fieldsConstName(name)} = ${JSON.stringify(fieldsOf.get(name))};\n`
    );
  });
  return [
    `${HEADER}\n`,
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version}.\n`,
    `// The property names of each client request's params type, and the kinds of value of its\n`,
    `// fields as JSON text (a field's name -> its kinds), parsed on first use: a string costs an\n`,
    `// import no objects to build.\n`,
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

/** The name under which the root's type of a name v2 also defines is exported. */
const shadowedName = (name: string) => `Root${name}`;

function renderIndex(protocol: Protocol, version: string): string {
  const clash = MAPS_EXPORTS.find((name) => protocol.files.has(name));
  if (clash !== undefined) throw new Error(`maps.ts export ${clash} clashes with a protocol type`);
  const shadowed = [...protocol.shadowed].sort(([a], [b]) => compare(a, b));
  const taken = shadowed.find(([name]) => protocol.files.has(shadowedName(name)));
  if (taken !== undefined) {
    throw new Error(
      `${shadowedName(taken[0])} names a protocol type: the root's ${taken[0]} needs another`,
    );
  }
  return [
    `${HEADER}\n`,
    `// Produced by scripts/generate-protocol.ts from @openai/codex ${version}.\n`,
    `// Every protocol type, flat. Names defined both at the root and in v2 are the v2 ones; the\n`,
    `// root's are exported with the prefix Root (root wire shapes, such as a ResponseItem's, use them).\n`,
    `\n`,
    typeStatements("export", protocol, protocol.files.keys()),
    shadowed
      .map(([name, file]) => {
        const module = `./protocol/${file.replace(/\.ts$/, ".js")}`;
        return `export type { ${name} as ${shadowedName(name)} } from "${module}";\n`;
      })
      .join(""),
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
