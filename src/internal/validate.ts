/**
 * Checks of everything a caller passes, in one place. Each check throws a `TypeError` or
 * `RangeError` naming the option and what was wrong, never the value of a secret. Public methods
 * run them before any I/O, inside an async body, so a bad argument becomes a rejection.
 */

/** The longest delay `setTimeout` honours; longer ones fire after 1 ms. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/** A short description of a value's kind, for error messages that must not echo the value. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/**
 * A value as an error message may show it: a string quoted, a number or boolean as written,
 * anything else by kind. Never throws (a BigInt or a cycle included); only for values that are
 * not secret, such as preset names.
 */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return describe(value);
}

/** Whether a value is a plain object: made by `{}`, `Object.create(null)` or `JSON.parse`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` as the call that takes it reads it, for a call whose checks run after an
 * `await` (in a module loaded on first use): its arrays (up to their first hole, kept as the last
 * item) and plain objects, all the way down, each field read once; anything else (a signal, a
 * function, a class's instance) as it is.
 * Taken at the call, so that a caller reusing its objects while the call waits changes nothing.
 */
export function snapshot<T>(value: T, copies = new Map<object, unknown>(), depth = 0): T {
  if (typeof value !== "object" || value === null) return value;
  // Deeper than anything sent may nest, it is left as it is, for the checks to refuse by name
  // (copied, it would overflow the stack first).
  if (depth > SNAPSHOT_DEPTH) return value;
  const done = copies.get(value);
  if (done !== undefined) return done as T;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    // Copied up to its first hole, which every check refuses, and cut after it: walking on
    // through the holes of a list 2^32-1 long would hold the event loop for a minute and more,
    // and a copy as long would cost a store of that many slots.
    let i = 0;
    for (; i < value.length && i in value; i++) copy.push(snapshot(value[i], copies, depth + 1));
    if (i < value.length) copy.length = i + 1;
    return copy as T;
  }
  if (!isPlainObject(value)) return value;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as object;
  copies.set(value, copy);
  // Defined, not assigned: an own `__proto__` key stays a key.
  for (const key of Object.keys(value)) {
    const field = snapshot(value[key], copies, depth + 1);
    Object.defineProperty(copy, key, {
      value: field,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}

// String's own checks of lone UTF-16 surrogates, which UTF-8 (command lines, files, the JSON the
// runtime reads) cannot carry: native in every Node the package supports, typed here as the
// compiler's ES2022 library does not know them.
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/** Whether a string is well-formed Unicode: no lone surrogate. */
export function isWellFormed(value: string): boolean {
  return (value as WellFormedString).isWellFormed();
}

// JSON.stringify writes a lone surrogate as a lowercase `\udXXX` escape, which the runtime's
// strict decoder refuses, so a line holding one is never read. Such an escape is one that an
// even run of backslashes (none included) leads into.
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;

/** Whether JSON text (from `JSON.stringify`) holds a lone surrogate, which the runtime cannot read. */
export function encodesLoneSurrogate(json: string): boolean {
  // A plain scan first: most lines hold no `\ud` at all, and need no regular expression.
  return json.includes("\\ud") && LONE_SURROGATE_ESCAPE.test(json);
}

// An absolute path of Unix (`/srv`), or of Windows: on a drive (`C:\srv`) or a share
// (`\\host\share`), not one relative to the current drive's root (`\srv`).
const UNIX_ABSOLUTE = /^\//;
const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|[\\/]{2}[^\\/]+[\\/]+[^\\/])/;

/**
 * Whether a path is absolute where the server runs, which may be another system than the
 * client's (a Windows server reached over `Codex.connect` from Linux, say): on the system its
 * `platformFamily` names (`"windows"`, `"unix"`), or on either when it is not known.
 */
export function isServerAbsolute(text: string, platformFamily?: string): boolean {
  if (platformFamily === "windows") return WINDOWS_ABSOLUTE.test(text);
  if (platformFamily === "unix") return UNIX_ABSOLUTE.test(text);
  return UNIX_ABSOLUTE.test(text) || WINDOWS_ABSOLUTE.test(text);
}

/**
 * A string bound for the wire, as the server can read it: a lone surrogate (a string cut inside a
 * character) would make the whole line unreadable.
 */
export function checkWellFormed(value: string, name: string): string {
  if (!isWellFormed(value)) throw loneSurrogate(name);
  return value;
}

/** The error for a string `name` that holds a lone surrogate. */
export function loneSurrogate(name: string): TypeError {
  return new TypeError(
    `${name} holds a lone surrogate (a string cut inside a character), which the server cannot read`,
  );
}

/** A string with each lone surrogate replaced by U+FFFD, as a UTF-8 encoder writes it. */
export function wellFormed(value: string): string {
  return (value as WellFormedString).toWellFormed();
}

/**
 * A string bound for a command line, an environment or a working directory: the operating system
 * cannot carry a NUL there (and Node's error would quote the whole string, secret included), and
 * a lone surrogate would arrive as U+FFFD.
 */
export function checkSpawnable(value: string, name: string): string {
  if (value.includes("\0")) throw new TypeError(`${name} must not contain NUL characters`);
  return checkWellFormed(value, name);
}

/**
 * A key quoted as an error names it: only what comes before its first `=` or `:`, then
 * `+ "=..."` (or `+ ":..."`). A whole `NAME=value` pair, or a `key: value` line, given as a key
 * holds a value, which may be a credential (in quotes too: `"Authorization: Bearer ..."`).
 */
export function quotedKey(key: string): string {
  const at = key.search(/[=:]/);
  return at === -1 ? JSON.stringify(key) : `${JSON.stringify(key.slice(0, at))} + "${key[at]}..."`;
}

/** The name of an environment variable: not empty, no `=` (which would end it), spawnable. */
export function checkEnvName(key: string): string {
  if (key === "" || key.includes("=")) {
    throw new TypeError(
      `env key ${quotedKey(key)} is no variable name: it must be non-empty and hold no "=" ` +
        "(give the value as the key's value)",
    );
  }
  return checkSpawnable(key, `env key ${JSON.stringify(key)}`);
}

// The config's tables whose keys name variables of the processes the runtime spawns (`*` any
// key): a command's, an MCP server's.
const VARIABLE_TABLES: readonly (readonly string[])[] = [
  ["shell_environment_policy", "set"],
  ["mcp_servers", "*", "env"],
];

// Whether `path` starts with the segments of `table`.
function startsWithTable(path: readonly string[], table: readonly string[]): boolean {
  return table.every((segment, i) => segment === "*" || segment === path[i]);
}

// How deep a config value is walked for those tables: past it, none can lie.
const VARIABLE_TABLES_DEPTH = Math.max(...VARIABLE_TABLES.map((table) => table.length));

/**
 * Refuses, in a config value found at `path` (its key's segments), a variable an environment
 * table would set under another name or could not set: a key with `=` (the process would get
 * the variable named by what comes before it), empty, or with a NUL, and a value with a NUL
 * (every command the runtime spawns would then fail, naming neither). `name` is what gives it.
 * A key of a table may itself be a dotted path.
 */
export function checkConfigVariables(value: unknown, path: readonly string[], name: string): void {
  const table = VARIABLE_TABLES.find((t) => path.length === t.length && startsWithTable(path, t));
  if (table === undefined) {
    const under = VARIABLE_TABLES.some(
      (t) => path.length === t.length + 1 && startsWithTable(path, t),
    );
    if (under) checkVariable(path.at(-1)!, value, path.slice(0, -1), name);
    else if (isPlainObject(value) && path.length < VARIABLE_TABLES_DEPTH) {
      for (const [key, item] of Object.entries(value)) {
        checkConfigVariables(item, [...path, ...key.split(".")], name);
      }
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) checkVariable(key, item, path, name);
}

function checkVariable(key: string, value: unknown, table: readonly string[], name: string): void {
  const place = `${name} ${table.join(".")}`;
  if (key === "" || key.includes("=") || key.includes("\0")) {
    throw new TypeError(
      `${place} key ${quotedKey(key)} is no variable name: it must be non-empty and hold no "=" ` +
        "or NUL (a process would get the variable named by what comes before it)",
    );
  }
  if (typeof value === "string" && value.includes("\0")) {
    throw new TypeError(
      `${place}.${key} must not contain NUL characters: no command could be spawned with it`,
    );
  }
}

/** Whether a string holds an ASCII control character (U+0000-U+001F, U+007F), tab aside if asked. */
export function hasControlCharacter(value: string, allowTab = false): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && !(allowTab && code === 0x09)) || code === 0x7f) return true;
  }
  return false;
}

/** Refuses a path with a NUL, by which no file is found (the runtime takes one as it is). */
export function refuseNul(text: string, name: string): string {
  if (text.includes("\0")) {
    throw new TypeError(`${name} contains a NUL character, which no path can hold`);
  }
  return text;
}

/**
 * A string with something in it: not empty, and not only white space, which no id, name, path
 * or key of the protocol is (the server would look for it and answer that it found nothing).
 */
export function checkNonEmpty(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    const got =
      value === ""
        ? "an empty string"
        : typeof value === "string"
          ? "only white space"
          : describe(value);
    throw new TypeError(`${name} must be a non-empty string, got ${got}`);
  }
  return value;
}

/** A boolean. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** A boolean, or `fallback` when the option is not given (`null` is refused, not read as absent). */
export function optionalBoolean(value: unknown, fallback: boolean, name: string): boolean {
  return value === undefined ? fallback : checkBoolean(value, name);
}

/** The longest credential taken (an API key, a token, a header's value). */
const MAX_SECRET_CHARS = 65_536;

/** A string that may travel in an HTTP header; the message names the problem, never the value. */
export function checkSecret(value: unknown, name: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  // Redaction looks for each credential in every line, in several forms: one of megabytes (a
  // file's content, given by mistake) would take seconds to add, and no server would take it.
  if (value.length > MAX_SECRET_CHARS) {
    throw new RangeError(
      `${name} is ${value.length} characters long, more than a credential may be (at most ` +
        `${MAX_SECRET_CHARS}: it travels in an HTTP header, which servers take a few kilobytes of)`,
    );
  }
  if (value.trim() === "") throw new TypeError(`${name} must not be empty`);
  if (hasControlCharacter(value)) {
    throw new TypeError(`${name} must not contain control characters such as newlines`);
  }
  // HTTP drops such white space, and a server that quoted the rest would escape redaction.
  if (value.trim() !== value) {
    throw new TypeError(`${name} must not begin or end with white space`);
  }
  return checkWellFormed(value, name);
}

// RFC 9110's token characters, which an HTTP header name is made of.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A header value as Node's HTTP code sends it: tab, printable ASCII and Latin-1 only. */
export function checkHeaderValue(value: unknown, name: string): string {
  const text = checkSecret(value, name);
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      throw new TypeError(`${name} may hold only Latin-1 characters, as an HTTP header does`);
    }
  }
  return text;
}

/**
 * A field an object of the wire does not have would be dropped without a word: it is refused,
 * naming it. With `typed`, `type` is one of its fields too.
 */
export function refuseOtherFields(
  item: object,
  fields: readonly string[],
  name: string,
  typed = true,
): void {
  for (const key of Object.keys(item)) {
    if (!(typed && key === "type") && !fields.includes(key)) {
      const all = typed ? ["type", ...fields] : fields;
      throw new TypeError(`${name} has no field ${shown(key)}; its fields are ${all.join(", ")}`);
    }
  }
}

/** A key as a path in an error names it: up to its first `=`, then `=...` (see `quotedKey`). */
export function shownKey(key: string): string {
  const equals = key.indexOf("=");
  return equals === -1 ? key : `${key.slice(0, equals)}=...`;
}

// Why a header name is none, shown up to where it stops being one: a header line given as a name
// (`"Authorization: Bearer ..."`) holds its value after that.
function badHeaderName(key: string): string {
  if (key === "") return "an empty name is not a valid HTTP header name";
  const chars = [...key];
  const bad = chars.findIndex((char) => !HEADER_NAME.test(char));
  const char = chars[bad]!;
  const named =
    char === " "
      ? "a space"
      : char === ":"
        ? "a colon"
        : char === "="
          ? "an equals sign"
          : `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const shownName = JSON.stringify(`${chars.slice(0, bad).join("")}...`);
  return `${shownName} is not a valid HTTP header name: its character ${bad + 1} is ${named}`;
}

/**
 * HTTP headers, copied once (a getter is read once) and checked as Node's HTTP code would take
 * them. Messages name a header, never its value, which may be a credential.
 */
export function checkHeaders(headers: unknown, name: string): Record<string, string> {
  // No prototype: a header named `__proto__` is one more key.
  const copy = Object.create(null) as Record<string, string>;
  // Names as written, by their lower case: HTTP sends one of two names that differ in case only.
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(checkOptions(headers as object, name))) {
    if (!HEADER_NAME.test(key)) throw new TypeError(`${name}: ${badHeaderName(key)}`);
    const twin = seen.get(key.toLowerCase());
    if (twin !== undefined) {
      throw new TypeError(
        `${name} has ${JSON.stringify(twin)} and ${JSON.stringify(key)}: header names ignore case`,
      );
    }
    seen.set(key.toLowerCase(), key);
    if (typeof value !== "string") {
      throw new TypeError(`${name}.${key} must be a string, got ${describe(value)}`);
    }
    copy[key] = checkHeaderValue(value, `${name}.${key}`);
  }
  return copy;
}

/**
 * An absolute `http://` or `https://` URL. The message never shows the URL, which may carry a
 * password or a key in its query.
 */
export function checkHttpUrl(value: unknown, name: string): string {
  // The URL parser would write a lone surrogate as the escape of U+FFFD, a URL never given.
  const text = checkWellFormed(checkNonEmpty(value, name), name);
  // The URL parser drops tabs and newlines, but the runtime would be handed them.
  if (/\s/.test(text) || hasControlCharacter(text)) {
    throw new TypeError(`${name} must not contain spaces or control characters`);
  }
  if (!URL.canParse(text)) {
    throw new TypeError(`${name} must be a valid absolute URL, such as https://api.openai.com/v1`);
  }
  const { protocol } = new URL(text);
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TypeError(`${name} must be an http:// or https:// URL, got ${protocol}`);
  }
  return text;
}

/**
 * A model provider's base URL: an http(s) URL without a query or a fragment, to which the runtime
 * appends the API's paths (`/responses`), so that either would end up before them.
 */
export function checkBaseUrl(value: unknown, name: string): string {
  const text = checkHttpUrl(value, name);
  if (/[?#]/.test(text)) {
    throw new TypeError(
      `${name} must not have a query or a fragment, as the runtime appends /responses to it ` +
        "(query parameters go in the provider's query_params setting)",
    );
  }
  return text;
}

/** A delay in milliseconds: finite, above 0 and at most 2^31-1, or undefined. */
export function checkTimeout(value: unknown, name = "timeout"): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT) {
    throw new RangeError(
      `${name} must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT}, got ` +
        (typeof value === "number" ? String(value) : describe(value)),
    );
  }
  return value;
}

/** A delay that may also be 0, meaning "none"; its error says 0 is allowed. */
export function checkOptionalDelay(value: unknown, name: string): number | undefined {
  if (value === 0 || value === undefined) return value;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT) {
    throw new RangeError(
      `${name} must be a number of milliseconds from 0 to ${MAX_TIMEOUT}, got ` +
        (typeof value === "number" ? String(value) : describe(value)),
    );
  }
  return value;
}

/** The longest objective the server accepts. */
export const MAX_GOAL_OBJECTIVE = 4000;

/**
 * Whether a UTF-16 code unit is white space as the runtime trims it (Rust's `str::trim`: Unicode's
 * White_Space, all of it in the Basic Multilingual Plane, so U+0085 but not the byte order mark
 * U+FEFF, unlike `String#trim`).
 */
function isWhiteSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/**
 * `value` trimmed as the runtime trims names, objectives and `--config` pairs. A scan from each
 * end: a regular expression's backtracking overflowed the stack on a run of ten million.
 */
export function trimAsRuntime(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWhiteSpace(value.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** A goal objective, checked before any I/O and returned trimmed. */
export function checkObjective(objective: unknown): string {
  if (typeof objective !== "string") throw new TypeError("goal objective must be a string");
  const trimmed = trimAsRuntime(objective);
  if (trimmed === "") throw new TypeError("goal objective must not be empty");
  checkWellFormed(trimmed, "goal objective");
  // The server counts characters (Unicode scalar values), not UTF-16 code units.
  if (
    trimmed.length > MAX_GOAL_OBJECTIVE &&
    codePoints(trimmed, MAX_GOAL_OBJECTIVE) > MAX_GOAL_OBJECTIVE
  ) {
    throw new RangeError(`goal objective must be at most ${MAX_GOAL_OBJECTIVE} characters`);
  }
  return trimmed;
}

/** A goal's token budget: a whole number of tokens, at least 1 (or absent). */
export function checkTokenBudget(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `tokenBudget must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${shown(value)}`,
    );
  }
  return value;
}

/**
 * The code points (characters, as the runtime counts them) of a text, counted without building
 * an array of them; stops once past `stopPast`.
 */
export function codePoints(text: string, stopPast = Infinity): number {
  let count = 0;
  for (let i = 0; i < text.length && count <= stopPast; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    count++;
  }
  return count;
}

/**
 * How deep a value may nest: the runtime drops a line nested 128 levels deep without a word (a
 * request is never answered, an answer never read), and a config table nested past its TOML
 * reader's limit breaks `config.toml`. The SDK keeps to half the first.
 */
export const MAX_JSON_DEPTH = 64;
/** How deep {@link snapshot} copies: what a call sends, under the arguments it is given in. */
const SNAPSHOT_DEPTH = MAX_JSON_DEPTH + 2;

/** Whether `value` (as JSON reads it) nests more than `levels` levels of objects and arrays. */
export function nestsPast(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (levels <= 0) return true;
  for (const member of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsPast(member, levels - 1)) return true;
  }
  return false;
}

/**
 * A value that reaches the wire as JSON and means there what it means here: no `NaN` or
 * `Infinity` (JSON writes `null`), no `undefined` in an array, no function, symbol or BigInt, no
 * `Date`, `Map` or class instance (JSON writes what `toJSON` or the own fields give), no cycle, and
 * at most `maxDepth` levels of objects and arrays, no lone surrogate in a string or a key (UTF-8
 * has no bytes for it). `undefined` object properties are left out, as JSON leaves them out.
 * Throws a `TypeError` naming the path of the first such value. With `exactIntegers`, a whole
 * number past 2^53 (which JSON may write as `1e+21`, and which is no longer exact) is a
 * `RangeError`: for values the runtime reads as integers.
 *
 * Returns a deep copy of what it checked, each property read once: sent in the value's place,
 * what was checked is what is sent, whatever a getter gives when read again or the caller
 * changes while the call waits. An object met twice is copied once, its copy standing in both
 * places, as it stood in the value given: the copy is to be read, not changed in place.
 */
export function checkJson<T>(
  value: T,
  name: string,
  maxDepth = MAX_JSON_DEPTH,
  exactIntegers = false,
): T {
  const walk: JsonWalk = { seen: new Set(), done: new Map(), exactIntegers, root: name, values: 0 };
  return walkJson(value, name, maxDepth, walk) as T;
}

/**
 * The most values (objects, arrays and what they hold, a string counting as one) the SDK sends in
 * one JSON value, counted as JSON writes them: an object given in several places counts in each.
 * Far more than any request of the protocol holds; past it, the walks of what is sent would take
 * seconds, and an object given twice at each of a few dozen levels, gigabytes.
 */
const MAX_JSON_VALUES = 2 ** 20;

/** What one walk of {@link checkJson} keeps. */
interface JsonWalk {
  /** The objects and arrays being walked, which an object inside them may not be: a cycle. */
  readonly seen: Set<object>;
  /**
   * Those walked already, with their copy and the depth that was left for them: an object met
   * again (the same one given twice, or a list holding the next one twice, level after level) is
   * walked once, not once for each way to reach it, which could be 2^n.
   */
  readonly done: Map<
    object,
    { readonly copy: unknown; readonly depthLeft: number; readonly values: number }
  >;
  readonly exactIntegers: boolean;
  /** The name of the whole value. */
  readonly root: string;
  /** The values met so far, as JSON writes them. */
  values: number;
}

function tooManyValues(walk: JsonWalk): RangeError {
  return new RangeError(
    `${walk.root} holds more than 2^20 (${MAX_JSON_VALUES}) values as JSON writes it (an object ` +
      "given in several places counts in each)",
  );
}

function walkJson(value: unknown, name: string, depthLeft: number, walk: JsonWalk): unknown {
  const { exactIntegers } = walk;
  if (++walk.values > MAX_JSON_VALUES) throw tooManyValues(walk);
  const before = walk.values;
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) throw loneSurrogate(name);
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`${name} must be a finite number, got ${value}`);
      }
      if (exactIntegers && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new RangeError(
          `${name} must be an integer between -(2^53-1) and 2^53-1, got ${value}`,
        );
      }
      return value;
  }
  if (value === null) return value;
  if (typeof value !== "object") {
    throw new TypeError(`${name} must be a JSON value, got ${describe(value)}`);
  }
  if (!Array.isArray(value) && !isPlainObject(value)) {
    throw new TypeError(`${name} must be a plain object or an array, got ${objectKind(value)}`);
  }
  // Met again no deeper than before, it fits as it did.
  const walked = walk.done.get(value);
  if (walked !== undefined && walked.depthLeft <= depthLeft) {
    walk.values += walked.values - 1;
    if (walk.values > MAX_JSON_VALUES) throw tooManyValues(walk);
    return walked.copy;
  }
  const { seen } = walk;
  if (seen.has(value)) throw new TypeError(`${name} contains itself`);
  if (depthLeft <= 0) {
    throw new TypeError(
      `${name} nests too deep: the SDK sends at most ${MAX_JSON_DEPTH} levels of JSON in all ` +
        "(the runtime drops a line nested 128 levels deep unanswered)",
    );
  }
  // An own `toJSON` (an array's, or one not enumerable) is what JSON would send instead.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    throw new TypeError(`${name} has a toJSON method, whose result JSON would send in its place`);
  }
  seen.add(value);
  let copy: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    // An index loop, not map: a hole is `undefined` here, and refused. Pushed, not stored in a
    // list made as long as the given one, whose store of that many slots a sparse list's first
    // hole would be refused only after.
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      items.push(walkJson(value[i], `${name}[${i}]`, depthLeft - 1, walk));
    }
    copy = items;
  } else {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!isWellFormed(key)) throw loneSurrogate(`a key of ${name}`);
      const at = `${name}.${shownKey(key)}`;
      const checked = walkJson(item, at, depthLeft - 1, walk);
      // `__proto__` is a key like any other in JSON: defined, as assigning it sets the prototype.
      if (key === "__proto__") {
        Object.defineProperty(object, key, {
          value: checked,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else object[key] = checked;
    }
    copy = object;
  }
  seen.delete(value);
  walk.done.set(value, { copy, depthLeft, values: walk.values - before + 1 });
  return copy;
}

/** The class of an object that is not plain, for messages: `"a Date"`, `"an Error"`. */
export function objectKind(value: object): string {
  const proto = Object.getPrototypeOf(value) as { constructor?: unknown } | null;
  const ctor = proto?.constructor;
  const ctorName = typeof ctor === "function" && ctor !== Object ? ctor.name : "";
  if (ctorName === "") return "an object with its own prototype";
  return `${/^[AEIOU]/i.test(ctorName) ? "an" : "a"} ${ctorName}`;
}

/** An `AbortSignal`, or undefined. */
export function checkSignal(value: unknown, name = "signal"): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`);
}

/**
 * An options object (or undefined, read as empty): a plain one, since only its own properties are
 * read, and a `Map`, a class instance or an object with a prototype of its own would lose its
 * entries without a word. `process.env`, whose entries are its own, is taken as one.
 */
export function checkOptions<T extends object>(value: T | undefined, name = "options"): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  if (!isPlainObject(value) && value !== process.env) {
    throw new TypeError(`${name} must be a plain object, got ${objectKind(value)}`);
  }
  return value;
}

/**
 * The names an options object may have: see {@link optionNames} and {@link checkOptionNames}. The
 * set is built on first use, so importing the package costs no set per options type.
 */
export class OptionNames {
  readonly #lists: readonly [
    own: readonly string[],
    wire: readonly string[],
    omit: readonly string[],
  ];
  // The generated JSON text until the first check parses it.
  #fields: Fields | string | undefined;
  #names: ReadonlySet<string> | undefined;

  constructor(
    own: readonly string[],
    wire: readonly string[],
    omit: readonly string[],
    fields?: string,
  ) {
    this.#lists = [own, wire, omit];
    this.#fields = fields;
  }

  /** Every name, as a set. */
  get names(): ReadonlySet<string> {
    if (this.#names === undefined) {
      const [own, wire, omit] = this.#lists;
      this.#names = new Set([...own, ...wire.filter((name) => !omit.includes(name))]);
    }
    return this.#names;
  }

  /**
   * Checks the value of each wire option that the generated kinds know (an option of the SDK's
   * own by the same name is not the wire's, and is checked where it is read).
   */
  checkValues(options: object): void {
    let fields = this.#fields;
    if (fields === undefined) return;
    if (typeof fields === "string") this.#fields = fields = JSON.parse(fields) as Fields;
    const [own] = this.#lists;
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined || !Object.hasOwn(fields, key) || own.includes(key)) continue;
      checkField(key, value, fields[key]!);
    }
  }
}

// `unknown` when A and B are the same union of names, else a type naming the difference.
type SameNames<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? unknown
    : { readonly namesTheTypeLacks: Exclude<B, A> }
  : { readonly namesLeftOut: Exclude<A, B> };

/**
 * A kind of JSON value a wire field takes, as the generated `*_PARAMS_FIELDS` give them: `null`,
 * a boolean, a number, a string, a list of strings, one of some strings, or a list of those; or
 * a list or an object whose content the server checks.
 */
export type FieldKind =
  | null
  | "boolean"
  | "number"
  | "string"
  | "string[]"
  | "array"
  | "object"
  | readonly string[]
  | { readonly each: readonly string[] };

/** The kinds of value of a params type's fields, as a generated `*_PARAMS_FIELDS` holds them. */
type Fields = Readonly<Record<string, readonly FieldKind[]>>;

// The server would refuse a value of another kind only once it is sent, with a message that does
// not name the field.
function checkField(key: string, value: unknown, kinds: readonly FieldKind[]): void {
  if (kinds.some((kind) => isOfKind(value, kind))) return;
  // An array where a list is taken: the first item the list refuses, by its index.
  const list = Array.isArray(value) ? kinds.find(isListKind) : undefined;
  if (list !== undefined) {
    const itemKind: FieldKind = list === "string[]" ? "string" : list.each;
    const index = (value as unknown[]).findIndex((item) => !isOfKind(item, itemKind));
    const item: unknown = (value as unknown[])[index];
    const got = valueText(item, isEnumKind(itemKind));
    throw new TypeError(`${key}[${index}] must be ${kindText(itemKind)}, got ${got}`);
  }
  const texts = kinds.map(kindText);
  const last = texts.pop()!;
  const wanted = texts.length === 0 ? last : `${texts.join(", ")} or ${last}`;
  throw new TypeError(`${key} must be ${wanted}, got ${valueText(value, kinds.some(isEnumKind))}`);
}

function isEnumKind(kind: FieldKind): boolean {
  return Array.isArray(kind);
}

function isListKind(kind: FieldKind): kind is "string[]" | { readonly each: readonly string[] } {
  return kind === "string[]" || (typeof kind === "object" && kind !== null && !isStringList(kind));
}

// A wire value as an error may show it: a string quoted, an object by its class.
// A string is quoted only where the field takes one of some names (a misspelt preset): anywhere
// else it may be what belongs in another option, a credential (`config` written as a TOML line).
function valueText(value: unknown, names: boolean): string {
  if (typeof value === "string" && !names) return "a string";
  return typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !isPlainObject(value)
    ? objectKind(value)
    : shown(value);
}

function isOfKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case null:
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "number":
      // NaN and the infinities are numbers of a kind JSON cannot write: refused as such elsewhere.
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "string[]":
      return Array.isArray(value) && allItems(value, (item) => typeof item === "string");
    case "array":
      return Array.isArray(value);
    case "object":
      return isPlainObject(value);
  }
  if (isStringList(kind)) return kind.includes(value as string);
  return Array.isArray(value) && allItems(value, (item) => kind.each.includes(item as string));
}

/**
 * Whether every item of a list passes, a hole failing as `undefined`: `every` skips holes, yet
 * visits each index of a sparse list, all 2^32-1 of them at the longest.
 */
function allItems(list: readonly unknown[], test: (item: unknown) => boolean): boolean {
  for (let i = 0; i < list.length; i++) if (!test(list[i])) return false;
  return true;
}

function isStringList(kind: FieldKind): kind is readonly string[] {
  return Array.isArray(kind);
}

function kindText(kind: FieldKind): string {
  switch (kind) {
    case null:
      return "null";
    case "boolean":
      return "a boolean";
    case "number":
      return "a number";
    case "string":
      return "a string";
    case "string[]":
      return "an array of strings";
    case "array":
      return "an array";
    case "object":
      return "an object";
  }
  const values = (list: readonly string[]) => list.map((value) => JSON.stringify(value)).join(", ");
  if (isStringList(kind)) return `one of ${values(kind)}`;
  return `an array of ${values(kind.each)}`;
}

/**
 * The names of the options type `T`, for {@link checkOptionNames}: its `own`, and the names of
 * the wire params it carries (a generated `*_PARAMS_KEYS` list) but those it `omit`s, with the
 * kinds of value of those wire params (the generated `*_PARAMS_FIELDS`, JSON text) when given. The compiler
 * checks the sum against `T`: a name `T` lacks, or one of `T`'s left out, is a type error that
 * names it (`namesTheTypeLacks`, `namesLeftOut`).
 */
export function optionNames<T>() {
  return <
    const Own extends readonly string[],
    const Wire extends readonly string[] = [],
    const Omit extends readonly Wire[number][] = [],
  >(
    names: {
      readonly own: Own;
      readonly wire?: Wire;
      readonly omit?: Omit;
      readonly fields?: string;
    } & SameNames<keyof T & string, Own[number] | Exclude<Wire[number], Omit[number]>>,
  ): OptionNames => new OptionNames(names.own, names.wire ?? [], names.omit ?? [], names.fields);
}

/**
 * An options object (or undefined, read as empty) with no name but `names`: a misspelt option
 * would otherwise be dropped, or sent to a server that ignores it, without a word. Returns a copy
 * of it, each option read once, which the caller reads instead.
 */
export function checkOptionNames<T extends object>(
  value: T | undefined,
  names: OptionNames,
  name = "options",
): T {
  // A copy, each option read once: a getter that answers differently when read again changes
  // nothing of what is checked and then used.
  const checked = { ...checkOptions(value, name) };
  refuseUnknownOptions(checked, names, name);
  names.checkValues(checked);
  return checked;
}

/**
 * The check of names alone, reading no value: for a caller that reads each field once itself
 * (a field that is not enumerable included) and checks what it read.
 */
export function refuseUnknownOptions(value: object, names: OptionNames, name = "options"): void {
  const known = names.names;
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new TypeError(unknownOption(key, known, name));
  }
}

// Wire fields the SDK sets from a preset, and the option that takes the preset.
const PRESET_FIELDS: ReadonlyMap<string, string> = new Map([
  ["approvalPolicy", "approvalMode"],
  ["approvalsReviewer", "approvalMode"],
  ["sandboxPolicy", "sandbox"],
]);

function unknownOption(key: string, names: ReadonlySet<string>, name: string): string {
  const quoted = shown(key.length > 64 ? `${key.slice(0, 64)}...` : key);
  const preset = PRESET_FIELDS.get(key);
  if (preset !== undefined && names.has(preset)) {
    return `${name} has no option ${quoted}: the SDK sets that wire field from the "${preset}" option (a preset); give that instead`;
  }
  // Tools belong to a thread, not to a turn or another call.
  if (key === "tools") {
    return `${name} has no option ${quoted}: a thread's tools are given to threadStart, threadResume, threadFork or codex.thread`;
  }
  const near = nearestName(key, names);
  return `${name} has no option ${quoted}${near === undefined ? "" : `; did you mean "${near}"?`}`;
}

// The name `key` is most likely a slip for: the same but for case, or at most two edits away
// (one, for names of up to four characters).
function nearestName(key: string, names: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = key.length <= 4 ? 2 : 3;
  for (const name of names) {
    if (name.toLowerCase() === key.toLowerCase()) return name;
    const distance = editDistance(key, name, bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

// Levenshtein distance, or `limit` as soon as it cannot be less.
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    if (Math.min(...current) >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit);
}

/** The `~standard` properties of a Standard Schema v1 object, as far as the SDK reads them. */
export interface StandardProps {
  readonly vendor: string;
  readonly validate: (value: unknown) => unknown;
  readonly jsonSchema?: { readonly input?: unknown } | undefined;
}

/**
 * A Standard Schema v1: an object (or a function, as ArkType's types are) whose `~standard` has
 * `version: 1` and a `validate` function. Returns its `~standard` properties. `jsonOption` is the
 * option that takes a plain JSON Schema instead, named when one is given here.
 */
export function checkStandardSchema(
  value: unknown,
  name: string,
  jsonOption = "outputSchema",
): StandardProps {
  let props: unknown;
  let version: unknown;
  let validate: unknown;
  // The schema is the caller's: a getter of it may throw.
  try {
    props =
      (typeof value === "object" && value !== null) || typeof value === "function"
        ? (value as { "~standard"?: unknown })["~standard"]
        : undefined;
    ({ version, validate } = (props ?? {}) as { version?: unknown; validate?: unknown });
  } catch (err) {
    const reason = err instanceof Error ? err.message : "a thrown value";
    throw new TypeError(`${name}["~standard"] cannot be read: ${reason}`, { cause: err });
  }
  if (typeof props !== "object" || props === null || version !== 1) {
    // A plain JSON Schema is the other option's, sent as it is with nothing checked here.
    const plain = props === undefined && isPlainObject(value);
    throw new TypeError(
      `${name} must be a Standard Schema v1 (a zod 4 schema, for example), got ` +
        (plain ? `a plain object: give a JSON Schema as ${jsonOption}` : describe(value)),
    );
  }
  if (typeof validate !== "function") {
    throw new TypeError(`${name}["~standard"].validate must be a function`);
  }
  const checked = props as StandardProps;
  const checkedValidate = validate as StandardProps["validate"];
  // The validate checked is the one called, on its object: a getter read again could give
  // another. The other fields are read where they are used, a getter that throws there named.
  return {
    get vendor() {
      return checked.vendor;
    },
    get jsonSchema() {
      return checked.jsonSchema;
    },
    validate: (given) => Reflect.apply(checkedValidate, checked, [given]) as unknown,
  };
}

/**
 * The fields of wire params `P` as options: each may be left out, or given as `undefined` (so
 * that `{ model: process.env.MODEL }` compiles under `exactOptionalPropertyTypes`), which is not
 * sent. Arrays and objects may be read-only (declared `as const`, or frozen): they are only read.
 */
export type WireOptions<P> = { [K in keyof P]?: ReadOnly<P[K]> | undefined };

/** `T` with its arrays and objects read-only, all the way down. */
export type ReadOnly<T> = T extends readonly (infer U)[]
  ? readonly ReadOnly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadOnly<T[K]> }
    : T;

/** The per-call options of every request: the SDK's own, never sent to the server. */
export interface RequestOptions {
  /** Rejects the call with the signal's reason when aborted. The server is not told. */
  readonly signal?: AbortSignal | undefined;
  /** Rejects the call with `RequestTimeoutError` after this many milliseconds. */
  readonly timeout?: number | undefined;
}

/**
 * Splits an options object with no name but `names` into the checked `signal`/`timeout` and the
 * rest, which (minus `undefined` values) is what may reach the wire.
 */
export function splitRequestOptions<T extends RequestOptions>(
  options: T | undefined,
  names: OptionNames,
): { call: RequestOptions | undefined; rest: Omit<T, "signal" | "timeout"> } {
  const { signal, timeout, ...rest } = checkOptionNames(options, names);
  return { call: callOf({ signal, timeout }), rest: dropUndefined(rest) };
}

/** The names of {@link RequestOptions}, which many options take on. */
export const REQUEST_KEYS = ["signal", "timeout"] as const;
const REQUEST_OPTION_NAMES = optionNames<RequestOptions>()({ own: REQUEST_KEYS });

/**
 * The checked `signal` and `timeout` of a call's `RequestOptions` (which may hold nothing else),
 * or undefined when neither is set.
 */
export function requestOptions(options: RequestOptions | undefined): RequestOptions | undefined {
  if (options === undefined) return undefined;
  return callOf(checkOptionNames(options, REQUEST_OPTION_NAMES));
}

/** The checked `signal` and `timeout` of options already checked, or undefined when neither is set. */
export function callOf(options: RequestOptions): RequestOptions | undefined {
  const signal = checkSignal(options.signal);
  const timeout = checkTimeout(options.timeout);
  if (signal === undefined && timeout === undefined) return undefined;
  return { signal, timeout };
}

/** A copy without `undefined` values, so the wire carries only what was given. */
export function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** The checked options of `retryOnOverload`, defaults filled in. */
export function checkRetryOptions(
  options: {
    readonly maxAttempts?: number;
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    readonly jitterRatio?: number;
    readonly signal?: AbortSignal;
  },
  names: OptionNames,
): {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  jitterRatio: number;
  signal: AbortSignal | undefined;
} {
  const {
    maxAttempts = 3,
    initialDelayMs = 250,
    maxDelayMs = 2000,
    jitterRatio = 0.2,
  } = checkOptionNames(options, names);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${shown(maxAttempts)}`);
  }
  if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0) {
    throw new RangeError(
      `initialDelayMs must be a finite number >= 0, got ${shown(initialDelayMs)}`,
    );
  }
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0 || maxDelayMs > MAX_TIMEOUT) {
    throw new RangeError(
      `maxDelayMs must be a finite number from 0 to ${MAX_TIMEOUT}, got ${shown(maxDelayMs)}`,
    );
  }
  if (!Number.isFinite(jitterRatio) || jitterRatio < 0 || jitterRatio > 1) {
    throw new RangeError(`jitterRatio must be between 0 and 1, got ${shown(jitterRatio)}`);
  }
  const signal = checkSignal(options.signal);
  return { maxAttempts, initialDelayMs, maxDelayMs, jitterRatio, signal };
}
