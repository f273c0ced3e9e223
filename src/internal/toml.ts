/**
 * TOML as `codex --config key=value` reads it: the value is parsed as a TOML value, and the key
 * is a dotted path split on `.` (no quoting). And the key paths of `config/value/write`, which
 * may quote a segment.
 */
import {
  checkConfigVariables,
  MAX_JSON_DEPTH,
  hasControlCharacter,
  isPlainObject,
  isWellFormed,
  objectKind,
  quotedKey,
  shownKey,
  trimAsRuntime,
} from "./validate.js";

/**
 * A key path of `config/value/write` as the runtime reads it: split at each `.` outside double
 * quotes, the quotes dropped, and inside them a backslash taking the next character as it is
 * (`mcp_servers."a.b".command` is three segments, the second `a.b`); whether a bare (unquoted)
 * part of a segment starts or ends with white space, which the runtime keeps in the key
 * (`features . web_search`, `projects."/x". trust_level`); and whether a quote opens anywhere but
 * at a segment's start, or a second time in one segment (`a"b"`, `"a""b"`), which the runtime
 * refuses (`"a"b` is the key `ab`). `undefined` when a quote is left open.
 */
export function readKeyPath(
  keyPath: string,
): { segments: string[]; spaced: boolean; misquoted: boolean; colon: boolean } | undefined {
  const segments: string[] = [];
  let segment = "";
  let quoted = false;
  let spaced = false;
  let misquoted = false;
  // A colon before white space (or at the end) outside a quoted segment: a `key: value` line.
  let colon = false;
  // At a segment's start, whether the segment has had a quoted part, and whether the last
  // character was bare white space.
  let start = true;
  let quotedPart = false;
  let spaceLast = false;
  for (let i = 0; i < keyPath.length; i++) {
    const char = keyPath[i]!;
    const bareSpace = !quoted && char !== "." && char.trim() === "";
    if (bareSpace && start) spaced = true;
    if (!quoted && char === ":" && (keyPath[i + 1] ?? " ").trim() === "") colon = true;
    if (quoted && char === "\\" && i + 1 < keyPath.length) segment += keyPath[++i];
    else if (char === '"') {
      if (!quoted && (!start || quotedPart)) misquoted = true;
      quoted = !quoted;
      quotedPart = true;
    } else if (char === "." && !quoted) {
      if (spaceLast) spaced = true;
      segments.push(segment);
      segment = "";
      start = true;
      quotedPart = false;
      spaceLast = false;
      continue;
    } else segment += char;
    start = false;
    spaceLast = bareSpace;
  }
  if (quoted) return undefined;
  segments.push(segment);
  return { segments, spaced: spaced || spaceLast, misquoted, colon };
}

/** The segments of a key path as the runtime reads it (see `readKeyPath`). */
export function keyPathSegments(keyPath: string): string[] | undefined {
  return readKeyPath(keyPath)?.segments;
}

/** A value of `configOverrides` given as an object: nested objects become dotted keys. */
export type ConfigValue = ConfigArrayItem | { readonly [key: string]: ConfigValue };

/**
 * What a {@link ConfigValue} array holds: scalars, arrays, and tables, each written as an inline
 * table (an array of tables, as `hooks` takes).
 */
export type ConfigArrayItem =
  string | number | boolean | readonly ConfigArrayItem[] | { readonly [key: string]: ConfigValue };

/** What each one-character escape of a TOML basic string (`\n`, `\e`, ...) stands for. */
export const TOML_ESCAPES: Readonly<Record<string, string>> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\u001b",
  '"': '"',
  "\\": "\\",
};

/** Escapes a string as a TOML basic string (quotes included). */
export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/** A key as TOML writes it: bare when it can be, quoted otherwise. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/**
 * A JSON value `checkJson` passed, as `config.toml` can hold it (it has no null): a null member
 * of a table is left out, as not set (`config.read()` gives a key that is not set as null, so a
 * table read, changed and written back holds nulls), and a null in an array is a `TypeError`
 * naming its place.
 */
export function tomlCopy(value: unknown, name: string): unknown {
  if (value === null) throw new TypeError(`${name} must not be null: TOML has no null`);
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item, i) => tomlCopy(item, `${name}[${i}]`));
  // fromEntries defines each key as its own, `__proto__` included.
  return Object.fromEntries(
    Object.entries(value)
      .filter((entry) => entry[1] !== null)
      .map(([key, item]) => [key, tomlCopy(item, `${name}.${shownKey(key)}`)]),
  );
}

/**
 * Refuses a null anywhere in a JSON value `checkJson` passed that the runtime merges into its
 * TOML config (a thread's `config`), where it would read a null as an empty string.
 */
export function refuseNull(value: unknown, name: string): void {
  if (value === null) {
    throw new TypeError(`${name} must not be null: TOML has no null (leave the key out)`);
  }
  if (Array.isArray(value)) value.forEach((item, i) => refuseNull(item, `${name}[${i}]`));
  else if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) refuseNull(item, `${name}.${shownKey(key)}`);
  }
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return String(value);
  return typeof value;
}

// A scalar or an array (of scalars, arrays and tables), as a TOML value; anything else is a
// TypeError naming `path`.
// `depth` counts the tables and arrays it lies in, which the runtime's reader bounds.
function tomlValue(value: unknown, path: string, seen: Set<object>, depth: number): string {
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) {
        throw new TypeError(
          `configOverrides.${path} must be well-formed Unicode, but holds a lone surrogate`,
        );
      }
      return tomlString(value);
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`configOverrides.${path} must be a finite number, got ${value}`);
      }
      // Past 2^53 a whole number is no longer exact, and past 2^63 the runtime would read it as
      // a string; a fraction is written as a TOML float, which round-trips.
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new RangeError(
          `configOverrides.${path} must be an integer between -(2^53-1) and 2^53-1, got ${value}`,
        );
      }
      return String(value);
  }
  if (Array.isArray(value)) {
    if (seen.has(value)) throw new TypeError(`configOverrides.${path} contains itself`);
    tooDeep(path, depth);
    seen.add(value);
    // An index loop, not map: a hole is `undefined` here, and refused, where map would skip it
    // and write `[1, , 2]`, which the runtime reads as a string.
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const at = `${path}[${i}]`;
      items.push(
        isTable(item, at)
          ? inlineTable(item, at, seen, depth + 1)
          : tomlValue(item, at, seen, depth + 1),
      );
    }
    seen.delete(value);
    return `[${items.join(", ")}]`;
  }
  throw new TypeError(
    `configOverrides.${path} must be a string, number, boolean, array or object, got ${kind(value)}`,
  );
}

// White space as the runtime trims a `--config` key (Rust's): JavaScript's `\s` and U+0085.
const RUNTIME_SPACE = /[\s\u0085]/;

// A key may itself be a dotted path (`"sandbox_workspace_write.network_access"`), but each of
// its segments must be non-empty, and none may hold `=`, white space or a control character:
// the key is written unquoted.
function checkSegment(key: string, parent: string): string {
  const path = parent === "" ? key : `${parent}.${key}`;
  if (
    key.split(".").some((segment) => segment === "") ||
    key.includes("=") ||
    RUNTIME_SPACE.test(key) ||
    hasControlCharacter(key) ||
    !isWellFormed(key)
  ) {
    throw new TypeError(
      `configOverrides key ${quotedKey(path)} must be dot-separated non-empty names ` +
        "without =, spaces, control characters or lone surrogates",
    );
  }
  return path;
}

// Whether a key of a nested table can be written as a segment of a `--config` key, unquoted.
function bareSegment(key: string): boolean {
  return !/[.=]/.test(key) && !RUNTIME_SPACE.test(key) && !hasControlCharacter(key);
}

// Past this many levels of tables and arrays the runtime reads a value as a plain string.
function tooDeep(path: string, depth: number): void {
  if (depth >= MAX_JSON_DEPTH) {
    throw new TypeError(`configOverrides.${path} nests deeper than the runtime reads`);
  }
}

// Walks nested objects down to their leaves, each a `path=value` pair.
function flatten(
  value: Readonly<Record<string, unknown>>,
  parent: string,
  seen: Set<object>,
  out: string[],
  depth: number,
): void {
  const entries = Object.entries(value);
  // The runtime splits a `--config` key at every dot, and the pair at its first `=`: a table
  // with a key holding one (a project's path under `projects`), white space or a control
  // character goes whole, as one inline table whose keys are quoted (a second pair for the same
  // table would replace it).
  if (parent !== "" && entries.some(([key]) => !bareSegment(key))) {
    out.push(`${parent}=${inlineTable(value, parent, seen, depth)}`);
    return;
  }
  if (seen.has(value)) throw new TypeError(`configOverrides.${parent} contains itself`);
  tooDeep(parent, depth);
  seen.add(value);
  if (entries.length === 0 && parent !== "") out.push(`${parent}={}`);
  for (const [key, item] of entries) {
    const path = checkSegment(key, parent);
    if (isTable(item, path)) flatten(item, path, seen, out, depth + 1);
    else out.push(`${path}=${tomlValue(item, path, seen, depth)}`);
  }
  seen.delete(value);
}

// Whether a value is a table (a plain object); another object is a TypeError naming `path`.
function isTable(item: unknown, path: string): item is Readonly<Record<string, unknown>> {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return false;
  if (!isPlainObject(item)) {
    throw new TypeError(`configOverrides.${path} must be a plain object, got ${objectKind(item)}`);
  }
  return true;
}

/**
 * Two pairs for one setting: the same key twice (a dotted key beside a nested table naming it), a
 * table given whole (an inline table, as one holding a key with a dot goes) and a key of it given
 * apart, or a value and a key under it. Of the two, the later pair would replace or overrule the
 * other, whichever the caller meant, so they are refused.
 */
function refuseOverlaps(pairs: readonly string[]): void {
  const keyOf = (pair: string) => pair.slice(0, pair.indexOf("="));
  const given = new Map<string, string>();
  for (const pair of pairs) {
    const key = keyOf(pair);
    if (given.has(key)) {
      throw new TypeError(
        `configOverrides gives ${key} twice (as a dotted key and within a table), of which the ` +
          "later would overrule the other: give it once",
      );
    }
    given.set(key, pair);
  }
  refuseKeysUnder(
    given.keys(),
    (table) => given.get(table)![table.length + 1] === "{",
    "configOverrides",
    "of which the later would overrule the other",
  );
}

/**
 * Refuses a key of `keys` that another of them lies under: a table given whole (`isTable`) and a
 * key of it given apart, which `order` says how the runtime weighs, or a value and a key under it,
 * which it cannot both take. `name` is what gives them.
 */
export function refuseKeysUnder(
  keys: Iterable<string>,
  isTable: (key: string) => boolean,
  name: string,
  order: string,
): void {
  const given = new Set(keys);
  for (const key of given) {
    for (let dot = key.indexOf("."); dot !== -1; dot = key.indexOf(".", dot + 1)) {
      const above = key.slice(0, dot);
      if (!given.has(above)) continue;
      throw new TypeError(
        isTable(above)
          ? `${name} gives ${above} as a whole table and ${key} apart, ${order}: give ${key} ` +
              `inside ${above}`
          : `${name} gives ${above} a value and ${key} under it, which the runtime cannot both ` +
              "take: give one",
      );
    }
  }
}

/**
 * Why a dotted key the runtime splits as written names no setting: an empty segment, one with
 * white space around it (` a. b` names `a` and ` b`), or one holding a colon before white space
 * (a `key: value` line, its value a credential, maybe; a drive's `C:\` is none); undefined when
 * it has none.
 */
export function spacedSegments(key: string): string | undefined {
  const odd = key
    .split(".")
    .some((segment) => segment === "" || segment.trim() !== segment || KEY_VALUE.test(segment));
  return odd
    ? "must be dot-separated names, none empty, with white space around it or holding a `: ` " +
        "(a key: value line): the runtime would read it as written, a setting it does not know"
    : undefined;
}

// A colon before white space, or at the end: what a `key: value` line holds.
const KEY_VALUE = /:(?:\s|$)/u;

// A table as a TOML inline table, each key quoted where a bare one would not read back.
function inlineTable(
  value: Readonly<Record<string, unknown>>,
  path: string,
  seen: Set<object>,
  depth: number,
): string {
  if (seen.has(value)) throw new TypeError(`configOverrides.${path} contains itself`);
  tooDeep(path, depth);
  seen.add(value);
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === "" || !isWellFormed(key)) {
      throw new TypeError(
        `configOverrides.${path} has a key that is empty or holds a lone surrogate`,
      );
    }
    const at = `${path}[${JSON.stringify(shownKey(key))}]`;
    const text = isTable(item, at)
      ? inlineTable(item, at, seen, depth + 1)
      : tomlValue(item, at, seen, depth + 1);
    parts.push(`${tomlKey(key)} = ${text}`);
  }
  seen.delete(value);
  return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
}

// A ready `key=value` string. The runtime parses the value as a line of a TOML document, so a
// newline would start a second setting that is then dropped, and a command line cannot carry a
// NUL at all. The message names the key, never the value.
function checkPair(pair: unknown, name: string): string {
  const at = typeof pair === "string" ? pair.indexOf("=") : -1;
  if (typeof pair !== "string" || at === -1 || pair.slice(0, at).trim() === "") {
    throw new TypeError(`configOverrides entries must look like key=value, got ${kind(pair)}`);
  }
  // The runtime trims the key, then splits it at each dot as written. Named up to what may start
  // a value (`key: value=...`).
  const given = pair.slice(0, at).trim();
  const key = quotedKey(given);
  const spaced = spacedSegments(given);
  if (spaced !== undefined) throw new TypeError(`${name} (key ${key}) ${spaced}`);
  if (hasControlCharacter(pair, true)) {
    throw new TypeError(
      `${name} (key ${key}) must not contain control characters such as newlines or NUL; ` +
        "write them as escapes inside a TOML string",
    );
  }
  if (!isWellFormed(pair)) {
    throw new TypeError(
      `${name} (key ${key}) must be well-formed Unicode, but holds a lone surrogate`,
    );
  }
  // No value is no TOML: the runtime would take it as the empty string.
  if (trimAsRuntime(pair.slice(at + 1)) === "") {
    throw new TypeError(`${name} (key ${key}) has no value: write key="" for an empty string`);
  }
  return pair;
}

/**
 * The `--config` arguments of `configOverrides`: ready `key=value` strings as given, or an
 * object flattened to dotted keys with TOML values. Throws a `TypeError` naming the key path of
 * anything TOML cannot carry.
 */
export function configArgs(overrides: unknown): string[] {
  if (overrides === undefined) return [];
  let pairs: string[];
  if (Array.isArray(overrides)) {
    pairs = Array.from(overrides as unknown[], (pair, i) =>
      checkPair(pair, `configOverrides[${i}]`),
    );
  } else if (isPlainObject(overrides)) {
    pairs = [];
    flatten(overrides, "", new Set(), pairs, 0);
    checkConfigVariables(overrides, [], "configOverrides");
    refuseOverlaps(pairs);
  } else if (typeof overrides === "object" && overrides !== null) {
    throw new TypeError(
      `configOverrides must be an array or a plain object, got ${objectKind(overrides)}`,
    );
  } else {
    throw new TypeError(`configOverrides must be an array or an object, got ${kind(overrides)}`);
  }
  // A pair whose key starts with a hyphen would be read as an option of its own: written on to
  // the option, it is its value, as the runtime's parser takes it.
  return pairs.flatMap((pair) =>
    pair.startsWith("-") ? [`--config=${pair}`] : ["--config", pair],
  );
}

// A TOML basic string without escapes or a literal string, with an optional comment after it.
const QUOTED = /^(?:"([^"\\]*)"|'([^']*)')[ \t]*(?:#.*)?$/;

/**
 * A ready `key=value` override as `codex --config` reads a plain word such as a store name: split
 * on the first `=`, both sides trimmed, a quoted value unquoted (a comment may follow it). What
 * is not such a string is taken, as the runtime does, without its surrounding quotes.
 */
export function readOverride(pair: string): { key: string; text: string } {
  const at = pair.indexOf("=");
  // Trimmed as the runtime trims a pair's key and value.
  const key = trimAsRuntime(pair.slice(0, at));
  const raw = trimAsRuntime(pair.slice(at + 1));
  const quoted = QUOTED.exec(raw);
  if (quoted !== null) return { key, text: quoted[1] ?? quoted[2]! };
  return { key, text: raw.replace(/^['"]+/, "").replace(/(?<!['"])['"]+$/, "") };
}
