import {
  CodexError,
  JsonRpcError,
  RequestTimeoutError,
  TransportClosedError,
  mapJsonRpcError,
} from "../errors.js";
import { nodeQuerystring, nodeUtil } from "./builtins.js";
import { TOML_ESCAPES, keyPathSegments } from "./toml.js";

// How a name under which a value is a credential ends: an environment variable such as
// OPENAI_API_KEY or GH_TOKEN, or a config key such as `experimental_bearer_token`. Compared as
// plain strings: a regular expression of these costs a start-up far more to compile.
const CREDENTIAL_ENDINGS = [
  "password",
  "passwd",
  "secret",
  "token",
  "apikey",
  "api_key",
  "authorization",
  "cookie",
  "credential",
  "credentials",
  "passphrase",
  "connection_string",
  "connectionstring",
  // A Slack or Discord webhook's URL holds its secret in its path.
  "webhook_url",
];
// Words that name a credential only as a whole `_`-separated segment (`monkey` is no key).
const CREDENTIAL_SEGMENTS = ["key", "auth", "pat"];
// Words that name one only as the last segment after another (`DB_PASS`, `MYSQL_PWD`,
// `API_KEYS`): alone, `PWD` is the working directory.
const TRAILING_SEGMENTS = ["pass", "pwd", "keys"];
// Config tables of environment variables or headers (an MCP server's `env`, `http_headers`):
// each value there is a credential as its own key names one (`GH_TOKEN`, `Authorization`), not
// for sitting in the table (`NODE_ENV = "production"` is none).
const NAMED_TABLES = ["headers", "env"];

/**
 * Whether a value under `name` (a config key, an environment variable, a header or a query
 * parameter) may be a credential. Segments are separated by `_`, `-` or `.` (`api-key`, `x.auth`).
 */
export function isCredentialName(name: string): boolean {
  // A camelCase name's words are segments too (`apiKeys`, `dbPass`).
  const lower = withoutNumber(camelWords(name.trim()).toLowerCase());
  // .NET's environment form of its connection strings (`ConnectionStrings__Default`).
  if (lower.startsWith("connection_strings__")) return true;
  for (const ending of CREDENTIAL_ENDINGS) if (lower.endsWith(ending)) return true;
  return (
    endsWithSegment(lower, CREDENTIAL_SEGMENTS) || endsWithSegment(lower, TRAILING_SEGMENTS, false)
  );
}

// Whether `lower` ends with one of `words` as a whole segment, or (`alone`) is one.
function endsWithSegment(lower: string, words: readonly string[], alone = true): boolean {
  for (const word of words) {
    if (alone && lower === word) return true;
    if (!lower.endsWith(word)) continue;
    const before = lower[lower.length - word.length - 1];
    if (before === "_" || before === "-" || before === ".") return true;
  }
  return false;
}

// `_` between the words of a camelCase name (`apiKeys`: `api_Keys`); other names as they are.
function camelWords(name: string): string {
  let out = "";
  let start = 0;
  for (let i = 1; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const before = name.charCodeAt(i - 1);
    const lowerBefore = (before >= 0x61 && before <= 0x7a) || (before >= 0x30 && before <= 0x39);
    if (code >= 0x41 && code <= 0x5a && lowerBefore) {
      out += `${name.slice(start, i)}_`;
      start = i;
    }
  }
  return start === 0 ? name : out + name.slice(start);
}

// A numbered name counts as the name (`OPENAI_API_KEY_2`).
function withoutNumber(name: string): string {
  let end = name.length;
  while (end > 0 && name.charCodeAt(end - 1) >= 0x30 && name.charCodeAt(end - 1) <= 0x39) end--;
  const separator = name[end - 1];
  return end < name.length && (separator === "_" || separator === "-")
    ? name.slice(0, end - 1)
    : name;
}

/**
 * Values found by their name are redacted from this length on: redacting a word such as "none"
 * or "file" everywhere would garble messages more than it would protect.
 */
const MIN_CREDENTIAL_CHARS = 8;

/**
 * Whether a value found by its name is worth redacting: long enough, and no number or date.
 * Redaction works on the server's raw lines, and replacing digits inside a JSON number would
 * break the line.
 */
function isRedactable(value: string): boolean {
  return value.length >= MIN_CREDENTIAL_CHARS && !/^[-+]?\d[\d._:+\-TZ]*$/.test(value);
}

// Config keys named like a credential's place whose values are none: a program and its
// directory (a provider's `auth = { command, args, cwd }`, whose `args` may still carry one).
const NO_CREDENTIAL_KEYS: ReadonlySet<string> = new Set(["command", "cwd"]);
// Config keys whose values are the names of the environment variables that hold a credential
// (a provider's `env_key`, `env_http_headers`, an MCP server's `bearer_token_env_var`): the
// runtime quotes the name of one it misses.
const VARIABLE_NAME_KEYS: ReadonlySet<string> = new Set([
  "env_key",
  "env_http_headers",
  "bearer_token_env_var",
]);
// A variable's name as such names are written. A value of another form there is taken for the
// credential itself, put where its name belongs (the runtime would quote it as a missing name).
const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Where a config value sits: under a credential's name, under one of variable names, right in a
 * table of variables or headers (its key is the next segment), or as an entry of one.
 */
interface ConfigPlace {
  readonly under: boolean;
  readonly names: boolean;
  readonly table: boolean;
  readonly entry: boolean;
  /** Right under `shell_environment_policy`, whose `set` is such a table. */
  readonly policy: boolean;
  /** Right in a table whose keys are names the user chose (see `CHOSEN_NAMES`). */
  readonly chosen: boolean;
}

const OUTSIDE: ConfigPlace = {
  under: false,
  names: false,
  table: false,
  entry: false,
  policy: false,
  chosen: false,
};

// Tables keyed by names the user chose: a project's path, a server's, provider's or profile's
// name is no credential's name, whatever it ends with (`projects."/src/tiktoken"`).
const CHOSEN_NAMES: ReadonlySet<string> = new Set([
  "projects",
  "mcp_servers",
  "model_providers",
  "profiles",
]);

/** The place of a value at the key `segments` below `from`. */
function placeOf(segments: readonly string[], from: ConfigPlace = OUTSIDE): ConfigPlace {
  let { under, names, table, entry, policy, chosen } = from;
  for (const segment of segments) {
    entry = table;
    const inPolicy = policy;
    policy = segment === "shell_environment_policy";
    const named = chosen;
    chosen = !under && !table && !named && CHOSEN_NAMES.has(segment);
    if (named) continue;
    if (table) {
      // An entry of the table: a credential as its key names one.
      table = false;
      if (isCredentialName(segment)) under = true;
      continue;
    }
    if (VARIABLE_NAME_KEYS.has(segment)) names = true;
    if (NO_CREDENTIAL_KEYS.has(segment)) under = false;
    else if (isCredentialName(segment)) under = true;
    else if (!under && endsWithSegment(segment.toLowerCase(), NAMED_TABLES)) table = true;
    // The variables the runtime sets for the commands it runs.
    else if (!under && segment === "set" && inPolicy) table = true;
  }
  const same =
    under === from.under &&
    names === from.names &&
    table === from.table &&
    entry === from.entry &&
    policy === from.policy &&
    chosen === from.chosen;
  return same ? from : { under, names, table, entry, policy, chosen };
}

/**
 * Whether a string at `place` is a credential to redact. One in place of a whole table of
 * variables or headers (which the runtime refuses, quoting it) is taken for one of its values,
 * and an entry of one that reads as an authorization (`Bearer ...`) is one whatever its key.
 */
function isCredentialAt(value: string, place: ConfigPlace): boolean {
  const named = place.under || place.table || (place.entry && AUTHORIZATION.test(value));
  return named && isRedactable(value) && !namesVariable(value, place);
}

/** Whether a string at `place` is the name of a variable said to hold a credential. */
function namesVariable(value: string, place: ConfigPlace): boolean {
  return place.names && VARIABLE_NAME.test(value);
}

/**
 * The values the server's environment holds under some variables' names (those its client gave
 * it or it inherited from its client), for redaction: none where they are not known.
 */
export type VariableLookup = (names: readonly string[]) => string[];

/**
 * The strings of a config value set at `keyPath` that sit under a credential's name (a segment
 * of the path, or a key on the way down), as the runtime may quote a value it cannot use, and the
 * values `variables` finds under the names of the variables it says hold a credential
 * (`env_key = "GATEWAY"`).
 */
export function credentialsIn(
  keyPath: readonly string[],
  value: unknown,
  variables?: VariableLookup,
): string[] {
  const out: string[] = [];
  const names: string[] = [];
  const walk = (item: unknown, place: ConfigPlace, depth: number, name = keyPath.at(-1)): void => {
    if (typeof item === "string") {
      if (namesVariable(item, place)) names.push(item);
      if (isCredentialAt(item, place)) out.push(...credentialForms(item, name ?? ""));
      // What a URL carries, wherever it sits (an MCP server's `url?api_key=...`).
      else if (item.includes("://")) out.push(...urlCredentials(item));
    } else if (typeof item === "object" && item !== null && depth < MAX_DEPTH) {
      if (Array.isArray(item)) for (const entry of item) walk(entry, place, depth + 1, name);
      else
        for (const [key, entry] of Object.entries(item)) {
          walk(entry, placeOf([key], place), depth + 1, key);
        }
    }
  };
  walk(value, placeOf(keyPath), 0);
  if (variables !== undefined && names.length > 0) out.push(...variables(names));
  return out;
}

/**
 * What a variable named as holding a credential holds, in every form a server may quote it: as a
 * header's value (`env_http_headers`), what follows its scheme too (`Bearer ...`).
 */
export function variableForms(value: string): string[] {
  return isRedactable(value) ? credentialForms(value, "", true) : [];
}

/**
 * The credentials a URL carries, in every form a server may quote them: its user and password
 * (as written and decoded, and as the `Basic` authorization a client builds of them) and the
 * values of query parameters named like a credential (`?api-key=...`). A user given without a
 * password is taken for a token when `anyUser` says so (a URL given to reach a server with), or
 * when it looks like one, 20 characters at least and no e-mail address: in a URL of `env` or
 * config, it is more often a name (`postgres://jonathan@localhost/app`) that paths and text
 * hold too.
 */
export function urlCredentials(url: string, anyUser = false): string[] {
  const { unescape } = nodeQuerystring();
  const out: string[] = [];
  const keep = (value: string) => {
    if (isRedactable(value)) out.push(value);
  };
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined) return out;
  const { username, password } = parsed;
  // Parts are decoded as `ws` decodes them, an escape that is no UTF-8 byte by byte.
  // A token may be given as the user alone (`https://TOKEN@host/`), which a client sends as the
  // `Basic` authorization of the user and no password.
  if (password === "") {
    const user = unescape(username);
    if (!anyUser && (user.length < 20 || user.includes("@"))) return queryCredentials(parsed, out);
    keep(username);
    keep(unescape(username));
    keep(Buffer.from(`${unescape(username)}:`).toString("base64"));
  } else {
    const plain = `${unescape(username)}:${unescape(password)}`;
    for (const form of [password, unescape(password), `${username}:${password}`, plain]) keep(form);
    keep(Buffer.from(plain).toString("base64"));
  }
  return queryCredentials(parsed, out);
}

// Adds to `out` the values of the query parameters of `url` named like a credential, each as
// written, escapes and all, and decoded.
function queryCredentials(url: URL, out: string[]): string[] {
  const { unescape } = nodeQuerystring();
  for (const pair of url.search.slice(1).split("&")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    const name = unescape(pair.slice(0, at));
    if (!isCredentialName(name) && !isSignatureParameter(name)) continue;
    const raw = pair.slice(at + 1);
    for (const value of [raw, unescape(raw.replaceAll("+", " "))]) {
      if (isRedactable(value)) out.push(value);
    }
  }
  return out;
}

// A presigned URL's signature (`X-Amz-Signature`, `X-Goog-Signature`, CloudFront's `Signature`,
// an Azure SAS token's `sig`): whoever holds the URL can use it until it expires. Taken for a
// credential only as a query parameter: a config key or variable so named seldom holds one.
function isSignatureParameter(name: string): boolean {
  return endsWithSegment(name.trim().toLowerCase(), SIGNATURE_SEGMENTS);
}
const SIGNATURE_SEGMENTS = ["signature", "sig"];

/**
 * The credentials a request header named like one carries, in every form a server may quote
 * them: the whole value, what follows its scheme (`Bearer TOKEN`), the `user:password` a `Basic`
 * value encodes and its password, and the value of each cookie.
 */
export function headerCredentials(name: string, value: string): string[] {
  return isCredentialName(name) ? credentialForms(value, name, true) : [];
}

// The schemes of an `Authorization` value, which a config value may be (`http_headers`).
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|negotiate) /i;
// A whole authorization value: a scheme, then one credential, not of letters alone (`Bearer
// sk-...`; "basic markdown" is none). A look-ahead finds its first other character: two runs
// around it were tried at every split of a long credential.
const AUTHORIZATION = /^(?:bearer|basic|token) (?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]+$/i;

/**
 * A credential `value` under `name` in every form a server may quote it (see
 * `headerCredentials`). A config value (`header` false) is split only as a header's would be:
 * after an authorization scheme, or into cookies; its words are no credentials of their own (an
 * MCP server's `env` value `--root /home/me/project`).
 */
function credentialForms(value: string, name: string, header = false): string[] {
  const out = [value];
  const keep = (part: string) => {
    if (isRedactable(part)) out.push(part);
  };
  const space = value.indexOf(" ");
  const lower = name.toLowerCase();
  if (space > 0 && (header || lower.endsWith("authorization") || AUTH_SCHEME.test(value))) {
    const credentials = value.slice(space + 1).trim();
    keep(credentials);
    if (value.slice(0, space).toLowerCase() === "basic" && BASE64.test(credentials)) {
      const plain = Buffer.from(credentials, "base64").toString();
      keep(plain);
      keep(plain.slice(plain.indexOf(":") + 1));
    }
  }
  if (lower.endsWith("cookie")) {
    for (const pair of value.split(";")) keep(pair.slice(pair.indexOf("=") + 1).trim());
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// The tokens of a TOML value: quoted strings (multi-line ones first), brackets, separators and
// bare words.
const TOML_TOKENS =
  /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\]|\\[\s\S])*"|'[^']*'|[{}[\],=]|[^\s{}[\],="']+/g;
// The same without basic strings, for the rest of a text where one never closes: each quote after
// it is escaped, so none closes either, and each tried to the end took time growing as the square
// of the text.
const TOML_TOKENS_UNCLOSED = /"""[\s\S]*?"""|'''[\s\S]*?'''|'[^']*'|[{}[\],=]|[^\s{}[\],="']+/g;

// The tokens of a TOML value (see `TOML_TOKENS`); a quote that begins none is passed over.
function tomlTokens(text: string): string[] {
  const out: string[] = [];
  let tokens = TOML_TOKENS;
  tokens.lastIndex = 0;
  for (let from = 0, match = tokens.exec(text); match !== null; match = tokens.exec(text)) {
    out.push(match[0]);
    if (tokens === TOML_TOKENS) {
      const quote = text.indexOf('"', from);
      if (quote !== -1 && quote < match.index) {
        TOML_TOKENS_UNCLOSED.lastIndex = tokens.lastIndex;
        tokens = TOML_TOKENS_UNCLOSED;
      }
    }
    from = tokens.lastIndex;
  }
  return out;
}

/**
 * The strings of a `--config key=value` pair that sit under a credential's name, its key's or one
 * inside the value (`provider={ name = "x", bearer_token = "..." }`), as the runtime may quote a
 * value it cannot use. Quoted strings come unquoted; a bare value counts as written. The names of
 * the variables it says hold a credential (`env_key = "GATEWAY"`) are added to `names`: what they
 * hold is no credential of the command line.
 */
export function pairCredentials(pair: string, names?: string[]): string[] {
  const named = (text: string, place: ConfigPlace) => {
    if (names !== undefined && namesVariable(text, place)) names.push(text);
  };
  const out: string[] = [];
  // The open tables and arrays, innermost last: where what each holds sits. The pair itself is
  // the outermost table.
  const open: { array: boolean; place: ConfigPlace }[] = [{ array: false, place: OUTSIDE }];
  // The segments of the key before the last `=`: a quoted key is one, whatever dots it holds.
  let key: string[] = [];
  // Where the value after the last `=` sits, and whether it is next.
  let valuePlace = OUTSIDE;
  let valueNext = false;
  // A bare value the runtime cannot parse as TOML it takes as the text itself, spaces and all.
  const at = pair.indexOf("=");
  const raw = pair.slice(at + 1).trim();
  if (at > 0 && !/^["'{[]/.test(raw)) {
    const key = pair.slice(0, at).trim();
    const segments = keyPathSegments(key) ?? key.split(".");
    const place = placeOf(segments);
    if (isCredentialAt(raw, place)) out.push(...credentialForms(raw, segments.at(-1) ?? key));
    named(raw, place);
    // A bare URL, whose `=`s the tokens below would split: what it carries.
    if (raw.includes("://")) out.push(...urlCredentials(raw));
  }
  const tokens = tomlTokens(pair);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const frame = open.at(-1)!;
    // In an array each element is a value, where the array is.
    const place = frame.array ? frame.place : valueNext ? valuePlace : OUTSIDE;
    if (token === "=") {
      valuePlace = placeOf(key, frame.place);
      valueNext = true;
    } else if (token === "{" || token === "[") {
      open.push({ array: token === "[", place });
      valueNext = false;
    } else if (token === "}" || token === "]") {
      if (open.length > 1) open.pop();
      valueNext = false;
    } else if (token === ",") {
      valueNext = false;
    } else if (!frame.array && tokens[i + 1] === "=") {
      key = /^["']/.test(token) ? [unquote(token)] : token.split(".");
    } else {
      const text = unquote(token);
      if (isCredentialAt(text, place)) out.push(...credentialForms(text, key.at(-1) ?? ""));
      else if (text.includes("://")) out.push(...urlCredentials(text));
      named(text, place);
      valueNext = false;
    }
  }
  return out;
}

// A TOML string's text: a basic string's escapes read as JSON's (most are the same), a literal
// string as it is, a bare word as written.
function unquote(token: string): string {
  // A multi-line string drops a newline right after its opening quotes; in a basic one, a
  // backslash at the end of a line drops the line break and the white space after it.
  if (token.startsWith("'''")) return token.slice(3, -3).replace(/^\r?\n/, "");
  if (token.startsWith('"""')) {
    const body = token
      .slice(3, -3)
      .replace(/^\r?\n/, "")
      .replace(/\\[ \t]*\r?\n\s*/g, "");
    return body.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (escape, what: string) => {
      if (what.length === 1) return TOML_ESCAPES[what] ?? escape;
      const code = parseInt(what.slice(1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : escape;
    });
  }
  if (token.startsWith("'")) return token.slice(1, -1);
  if (!token.startsWith('"')) return token;
  try {
    return JSON.parse(token) as string;
  } catch {
    // An escape JSON lacks (\e, \U...): the text as written is what the runtime echoes most.
    return token.slice(1, -1);
  }
}

/**
 * The credentials the params of a request carry, as the server may quote them back: a login's
 * key, token or AWS secret, the values of config under a credential's name (`config` of a thread,
 * config writes), a command's or process's environment, an environment's bearer token and what
 * a URL carries (an executor's, a gateway's base URL), and what `variables` finds under the
 * names of the variables a config names as a credential's. For requests sent through
 * `codex.request`, and the typed methods that send such params.
 */
export function paramsCredentials(
  method: string,
  params: unknown,
  variables?: VariableLookup,
): string[] {
  if (typeof params !== "object" || params === null) return [];
  const p = params as Record<string, unknown>;
  const out: string[] = [];
  // The variables named as holding a credential, outside a config value.
  const names: string[] = [];
  const strings = (...values: unknown[]) => {
    for (const value of values) if (typeof value === "string" && value !== "") out.push(value);
  };
  const config = (keyPath: unknown, value: unknown) => {
    if (typeof keyPath === "string") {
      const segments = keyPathSegments(keyPath) ?? keyPath.split(".");
      out.push(...credentialsIn(segments, value, variables));
    }
  };
  const url = (value: unknown) => {
    if (typeof value === "string") out.push(...urlCredentials(value));
  };
  // A field of a nested object the params may hold.
  const field = (value: unknown, key: string): unknown =>
    typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  switch (method) {
    case "account/login/start":
      strings(p.apiKey, p.accessToken, p.secretAccessKey, p.sessionToken);
      break;
    case "environment/add":
      strings(p.authBearerToken);
      url(p.execServerUrl);
      break;
    case "modelProvider/config/write": {
      url(field(p.settings, "baseUrl"));
      // A gateway's `envKey` names the variable holding its key, as a provider's `env_key` does
      // (a value of another form is taken for the key put in its name's place).
      const envKey = field(p.settings, "envKey");
      if (typeof envKey === "string") {
        if (VARIABLE_NAME.test(envKey)) names.push(envKey);
        else if (isRedactable(envKey)) out.push(envKey);
      }
      break;
    }
    // A private repository's token in its clone URL, which a failed clone's error quotes.
    case "marketplace/add":
      url(p.source);
      break;
    case "thread/metadata/update":
      url(field(p.gitInfo, "originUrl"));
      break;
    case "mcpServer/resource/read":
      url(p.uri);
      break;
    case "config/value/write":
      config(p.keyPath, p.value);
      break;
    case "config/batchWrite":
      if (Array.isArray(p.edits)) {
        for (const edit of p.edits as unknown[])
          config(field(edit, "keyPath"), field(edit, "value"));
      }
      break;
    case "thread/start":
    case "thread/resume":
    case "thread/fork":
      if (typeof p.config === "object" && p.config !== null) {
        for (const [key, value] of Object.entries(p.config)) config(key, value);
      }
      break;
    case "command/exec":
    case "process/spawn":
      if (typeof p.env === "object" && p.env !== null) out.push(...envCredentials(p.env));
      break;
  }
  if (variables !== undefined && names.length > 0) out.push(...variables(names));
  return out;
}

/**
 * The values of an environment that may be credentials: those under a credential's name, and
 * what a URL among them carries (`HTTPS_PROXY=http://user:password@proxy`).
 */
export function envCredentials(env: object): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string") continue;
    if (isCredentialName(name) && isRedactable(value)) out.push(value);
    if (value.includes("://")) out.push(...urlCredentials(value));
  }
  return out;
}

/**
 * Each of `secrets`, and, for one with white space at an end (a key read from a file, pasted),
 * what is left without it: HTTP drops such white space, and a server quotes what it received.
 */
function withTrimmed(secrets: readonly string[]): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i];
    if (typeof secret !== "string") continue;
    const trimmed = secret.trim();
    // Not as a number or a date (see `isRedactable`), which it would replace in any text.
    if (trimmed === secret || !isRedactable(trimmed)) continue;
    out ??= secrets.slice();
    out.push(trimmed);
  }
  return out ?? secrets;
}

/** The slot of the ChatGPT access token (see `Secrets.hold`): one is in use at a time. */
export const CHATGPT_TOKEN_SLOT = "chatgptAccessToken";
/** The slot of the API key a login gave (see `Secrets.hold`): one is in use at a time. */
export const API_KEY_SLOT = "apiKey";

/** What replaces a secret in errors, events and log messages. */
export const REDACTED = "[redacted]";

// Data comes from the peer, and log details from anyone: bound every walk, in depth and in the
// number of objects it copies.
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;

// What a value walk has seen: each object's copy, so an object met again (shared or a cycle) is
// copied once, and how many objects it has copied.
interface Walk {
  readonly copies: Map<object, unknown>;
  nodes: number;
}

/**
 * The keys and tokens one client handed its server, and the redaction of them from anything that
 * leaves the SDK: server lines (hence every event and error), errors made locally, log messages.
 * Kept in a private field, so no inspect or serialization of an owner shows them.
 */
export class Secrets {
  // How many holders each secret has: the client for its life, a command for its run.
  readonly #holders = new Map<string, number>();
  // The held secrets searched for through patterns (all but those too long for one: see
  // `MAX_PATTERN_CHARS`), in chunks: each is one pattern of every form of each of its secrets (as
  // written, and as quoted in JSON strings). One pattern of them all would cost hundreds of times
  // as much per line once it outgrew what V8 optimizes (see `CHUNK_CHARS`), and a change would
  // recompile it whole; a change recompiles the chunk it touches.
  #chunks: Chunk[] = [];
  // The chunk each secret of a pattern is in.
  readonly #chunkOf = new Map<string, Chunk>();
  // The chunks' patterns, searched together: the first match of any, the longest where several
  // start at one place, as one pattern of them all would find it (see `MatchSearch`).
  #patterns: RegExp[] = [];
  // The secrets of the chunks whose pattern compiled, for the starts cut short.
  #short: string[] = [];
  // The chunks' patterns of their secrets' first halves (see `cutStarts`), made on first need.
  #starts: RegExp[] | undefined;
  // The others' forms as written and quoted in JSON strings, longest first, found as literal text.
  #longForms: string[] = [];
  // The secrets no longer held, latest last: the server's stderr, kept for errors, may still
  // quote one written while it was held (a command's environment, logged at debug level).
  #retired: string[] = [];
  // The pattern of the retired secrets, made when stderr is first redacted after a change.
  #stderrPattern: RegExp | undefined;
  // The forms found as literal text in stderr: the held's long ones and the retired's too long for
  // `#stderrPattern`.
  #stderrForms: string[] = [];
  // The retired secrets whose start cut short is looked for in stderr (see
  // `#compileStderrStarts`), and the pattern of their first halves, made with `#stderrPattern`.
  #stderrCut: string[] = [];
  #stderrStarts: RegExp[] = [];
  // The pattern of the first half of each secret, which a start cut short holds (see
  // `cutStarts`), made on first need; dropped at each change.
  readonly #halves: Halves = new Map();
  // The secret held in each slot (see `hold`), and those that may have taken its place.
  readonly #slots = new Map<string, string>();
  readonly #maybe = new Map<string, string[]>();
  // What a hold that keeps the one before (`holdKeeping`) kept, let go at the next hold.
  readonly #kept = new Map<string, string[]>();

  /** Starts redacting `secret` (a repeated one, or one shorter than 8 characters, is ignored). */
  add(secret: string): void {
    this.addAll([secret]);
  }

  /** Starts redacting each of `secrets`, until as many `removeAll` calls name it. */
  addAll(secrets: readonly string[]): void {
    let added = false;
    for (const secret of withTrimmed(secrets)) {
      // A placeholder key (`EMPTY`, `none`, `x`) would be replaced wherever the word appears, in
      // the model's text and in the JSON of every line (`id` would take every answer's id).
      if (typeof secret !== "string" || secret.length < MIN_CREDENTIAL_CHARS) continue;
      const holders = this.#holders.get(secret) ?? 0;
      this.#holders.set(secret, holders + 1);
      if (holders > 0) continue;
      added = true;
      this.longest = Math.max(this.longest, formBound(secret));
    }
    if (added) this.#compile();
  }

  /**
   * Ends one hold, taken by `addAll`, on each of `secrets`: one no longer held is no longer
   * redacted (but from stderr: see `stderrText`). What is kept for a command's run goes with it,
   * so a service that gives each command its own token keeps no more secrets than it runs
   * commands, and a bounded number of retired ones.
   */
  removeAll(secrets: readonly string[]): void {
    let removed = false;
    let longestRemoved = false;
    for (const secret of withTrimmed(secrets)) {
      const holders = this.#holders.get(secret);
      if (holders === undefined) continue;
      if (holders > 1) this.#holders.set(secret, holders - 1);
      else {
        this.#holders.delete(secret);
        this.#retire(secret);
        removed = true;
        longestRemoved ||= formBound(secret) >= this.longest;
      }
    }
    if (!removed) return;
    // Measured again over all only when the longest may have gone: a change costs no walk of
    // every secret's characters.
    if (longestRemoved) {
      this.longest = 0;
      for (const secret of this.#holders.keys()) {
        this.longest = Math.max(this.longest, formBound(secret));
      }
    }
    this.#compile();
  }

  /**
   * Holds `secret` in `slot` in place of the one held there before, which is let go: a token
   * that replaces another (a refreshed ChatGPT token) does not make the client keep, and search
   * every line for, each one it was ever given.
   */
  hold(slot: string, secret: string): void {
    const before = this.#slots.get(slot);
    const letGo = [...(this.#maybe.get(slot) ?? []), ...(this.#kept.get(slot) ?? [])];
    this.#maybe.delete(slot);
    this.#kept.delete(slot);
    if (before !== secret) {
      this.#slots.set(slot, secret);
      this.addAll([secret]);
      if (before !== undefined) letGo.push(before);
    }
    if (letGo.length > 0) this.removeAll(letGo);
  }

  /**
   * Holds `secret` in `slot` as `hold` does, but keeps what was in use before redacted beside it
   * until the slot is next held: sent where no answer says whether the server took it (a
   * refreshed ChatGPT token), the new one may be refused, and the server go on with the one held
   * before, or one that may have taken its place (`holdMaybe`). What the last such hold kept is
   * let go: a client that only refreshes keeps two.
   */
  holdKeeping(slot: string, secret: string): void {
    const before = this.#slots.get(slot);
    if (before === secret) return;
    const letGo = this.#kept.get(slot) ?? [];
    const kept = [...(before === undefined ? [] : [before]), ...(this.#maybe.get(slot) ?? [])];
    this.#slots.set(slot, secret);
    this.addAll([secret]);
    this.#maybe.delete(slot);
    this.#kept.set(slot, kept);
    if (letGo.length > 0) this.removeAll(letGo);
  }

  /**
   * Redacts `secret`, which may have taken the place of the one `slot` holds (a login given up
   * on once sent), beside it, until the slot is next held.
   */
  holdMaybe(slot: string, secret: string): void {
    this.addAll([secret]);
    const maybe = this.#maybe.get(slot);
    if (maybe === undefined) this.#maybe.set(slot, [secret]);
    else maybe.push(secret);
  }

  #retire(secret: string): void {
    const at = this.#retired.indexOf(secret);
    if (at !== -1) this.#retired.splice(at, 1);
    this.#retired.push(secret);
    if (this.#retired.length > MAX_RETIRED) this.#retired.shift();
  }

  // Brings the chunks and the literal forms up to the secrets held, recompiling only the chunks
  // whose secrets changed.
  #compile(): void {
    for (const [secret, chunk] of this.#chunkOf) {
      if (!this.#holders.has(secret)) this.#takeOut(secret, chunk);
    }
    const literal: string[] = [];
    for (const secret of this.#holders.keys()) {
      if (this.#chunkOf.has(secret)) continue;
      const size = secretPattern(secret).length;
      if (size > MAX_PATTERN_CHARS) literal.push(secret);
      else this.#putIn(secret, size);
    }
    const patterns: RegExp[] = [];
    const short: string[] = [];
    for (const chunk of this.#chunks) {
      if (chunk.stale) buildChunk(chunk);
      // One V8 refused is found as literal text, as a long secret is.
      if (chunk.patterns === undefined) literal.push(...chunk.secrets);
      else {
        patterns.push(...chunk.patterns);
        short.push(...chunk.secrets);
      }
    }
    this.#patterns = patterns;
    this.#short = short;
    this.#starts = undefined;
    this.#longForms = literalForms(literal);
    this.#stderrPattern = undefined;
    this.#halves.clear();
    this.empty = patterns.length === 0 && this.#longForms.length === 0;
  }

  // Puts a secret in the first chunk with room for it, or a new one.
  #putIn(secret: string, size: number): void {
    let chunk = this.#chunks.find((some) => some.size + size <= CHUNK_CHARS);
    if (chunk === undefined) this.#chunks.push((chunk = newChunk()));
    chunk.secrets.push(secret);
    chunk.sizes.set(secret, size);
    chunk.size += size;
    chunk.stale = true;
    this.#chunkOf.set(secret, chunk);
  }

  #takeOut(secret: string, chunk: Chunk): void {
    this.#chunkOf.delete(secret);
    chunk.secrets.splice(chunk.secrets.indexOf(secret), 1);
    chunk.size -= chunk.sizes.get(secret)!;
    chunk.sizes.delete(secret);
    chunk.stale = true;
    if (chunk.secrets.length === 0) this.#chunks.splice(this.#chunks.indexOf(chunk), 1);
  }

  /**
   * The server's stderr with every secret replaced, those no longer held included: what it wrote
   * while one was held may be read, or shown in an error, after.
   */
  stderrText(text: string): string {
    if (this.#retired.length === 0) return this.text(text);
    this.#stderrPattern ??= this.#compileStderr();
    // Long forms first: one holding a short secret would no longer be whole once it is replaced.
    const patterns = [...this.#patterns, this.#stderrPattern];
    const out = replaceForms(text, this.#stderrForms);
    const spans = matchSpans(patterns, out);
    if (!hasEllipsis(out)) return replaceSpans(out, spans);
    const cut = [...this.#short, ...this.#stderrCut];
    const starts = [...this.#startsPatterns(), ...this.#stderrStarts];
    return withCutStarts(out, spans, cut, starts, this.#halves);
  }

  // The retired as written and quoted up to twice (as the runtime's debug log quotes an
  // environment), in a pattern of literal text, which stays quick to make; the held are searched
  // through their own patterns beside it.
  #compileStderr(): RegExp {
    this.#compileStderrStarts();
    const forms = literalForms(this.#retired.filter((secret) => !this.#holders.has(secret)));
    const fit = forms.filter((form) => form.length <= MAX_PATTERN_CHARS);
    try {
      this.#stderrForms = [...this.#longForms, ...forms.filter((form) => !fit.includes(form))];
      const source = fit.length === 0 ? "(?!)" : fit.map(escapeRegExp).join("|");
      return compiled(new RegExp(source, "g"));
    } catch {
      this.#stderrForms = [...this.#longForms, ...forms];
      return /(?!)/g;
    }
  }

  // The start of a retired secret cut short is looked for in stderr as a held one's is: those of
  // the latest retired, as many as `MAX_STDERR_STARTS_CHARS` of pattern take.
  #compileStderrStarts(): void {
    const cut: string[] = [];
    let total = 0;
    for (const secret of [...this.#retired].reverse()) {
      if (this.#holders.has(secret)) continue;
      const [half] = halfText(secret);
      if (half === undefined) continue;
      total += secretPattern(half).length;
      if (total > MAX_STDERR_STARTS_CHARS) break;
      cut.push(secret);
    }
    try {
      this.#stderrStarts = patternsOf(cut.flatMap(halfText));
      this.#stderrCut = cut;
    } catch {
      this.#stderrStarts = [];
      this.#stderrCut = [];
    }
  }

  // The chunks' patterns of their secrets' first halves, each made on first need.
  #startsPatterns(): RegExp[] {
    if (this.#starts === undefined) {
      const starts: RegExp[] = [];
      for (const chunk of this.#chunks) {
        if (chunk.patterns !== undefined) starts.push(...startsOf(chunk));
      }
      this.#starts = starts;
    }
    return this.#starts;
  }

  /** The length of the longest form of a secret: a text cut this far past a point keeps whole
   * every secret that starts before it. */
  longest = 0;

  /**
   * Whether there is nothing to redact. A field, not a getter: it is read for every line from the
   * server, and a field costs no call. Only `addAll` changes it.
   */
  empty = true;

  /**
   * `text` with every occurrence of a secret replaced by `[redacted]`, and the start of one cut
   * short by an ellipsis (as the runtime cuts a long error body: `sk-proj-Zq81...`).
   */
  text(text: string): string {
    if (this.empty) return text;
    // Long forms first: one holding a short secret would no longer be whole once it is replaced
    // (a short one cannot hold a long one, whose pattern would be as long).
    const out = replaceForms(text, this.#longForms);
    const spans = this.#anyMatch(out) ? matchSpans(this.#patterns, out) : NO_SPANS;
    if (!hasEllipsis(out)) return replaceSpans(out, spans);
    return withCutStarts(out, spans, this.#short, this.#startsPatterns(), this.#halves);
  }

  /**
   * The redaction of the first `end` characters of `text`, a secret that starts before `end`
   * replaced whole: `text` holds `longest` characters past `end` (or ends there), so none is
   * cut short.
   */
  textBefore(text: string, end: number): string {
    if (this.#longForms.length > 0) [text, end] = withoutForms(text, end, this.#longForms);
    if (this.#patterns.length === 0) return text.slice(0, end);
    const spans = matchSpans(this.#patterns, text, end);
    // What is shown: up to `end`, or to the end of the last secret replaced whole, past it.
    const head = text.slice(0, Math.max(spans.at(-1) ?? 0, end));
    if (!hasEllipsis(head)) return replaceSpans(head, spans);
    return withCutStarts(head, spans, this.#short, this.#startsPatterns(), this.#halves);
  }

  // Whether any of the chunks' patterns matches in `text`.
  #anyMatch(text: string): boolean {
    for (const pattern of this.#patterns) {
      pattern.lastIndex = 0;
      if (pattern.test(text)) return true;
    }
    return false;
  }

  // By the rules of `text`: a whole secret, or the start of one an ellipsis cuts short.
  #mentionedIn(text: string): boolean {
    if (this.#anyMatch(text)) return true;
    if (this.#longForms.some((form) => text.includes(form))) return true;
    if (!hasEllipsis(text)) return false;
    return cutStarts(text, this.#short, this.#startsPatterns(), this.#halves) !== text;
  }

  /**
   * A JSON value with every secret in its strings (and keys) replaced. An object met twice is
   * copied once (a cycle stays a cycle); what lies past the walk's bounds becomes `[redacted]`.
   * An error in it (a log detail's) is redacted as `error` does.
   */
  value(value: unknown, depth = 0): unknown {
    return this.#copy(value, depth, { copies: new Map(), nodes: 0 });
  }

  #copy(value: unknown, depth: number, walk: Walk): unknown {
    if (typeof value === "string") return this.text(value);
    if (this.empty) return value;
    // No JSON value: a function (a `toJSON` would hand JSON.stringify what it returns) is shown
    // as `util.inspect` names it, a symbol kept unless its description holds a secret.
    if (typeof value === "function") return `[Function: ${this.text(functionName(value))}]`;
    if (typeof value === "symbol") {
      return this.#mentionedIn(value.description ?? "") ? REDACTED : value;
    }
    if (typeof value !== "object" || value === null) return value;
    const known = walk.copies.get(value);
    if (known !== undefined) return known;
    if (depth >= MAX_DEPTH || ++walk.nodes > MAX_NODES) return REDACTED;
    // An error keeps its kind, message and stack, which are no fields a copy would take.
    if (value instanceof Error) {
      const copy = this.error(value);
      walk.copies.set(value, copy);
      return copy;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      walk.copies.set(value, out);
      for (const item of value as unknown[]) out.push(this.#copy(item, depth + 1, walk));
      return out;
    }
    const out: Record<string, unknown> = {};
    walk.copies.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      // Defined, not assigned: a `__proto__` key (JSON.parse makes it an own field) would set
      // the copy's prototype instead.
      Object.defineProperty(out, this.text(key), {
        value: this.#copy(item, depth + 1, walk),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /**
   * `error` itself when no secret occurs in it (message, stack, every own property as
   * `util.inspect` shows them, `cause` chain, what its `toJSON` gives), else a new error of the
   * same kind (a `CodexError` for one of no class of the SDK's; its name, stack and own fields
   * of plain values kept) with each occurrence replaced and no link to the original.
   */
  error<E>(error: E): E {
    if (this.empty || !this.#mentions(error, 0, new Set())) return error;
    return this.#rebuild(error, 0) as E;
  }

  #mentions(value: unknown, depth: number, seen: Set<object>): boolean {
    if (typeof value === "string") return this.#mentionedIn(value);
    if (typeof value === "symbol") return this.#mentionedIn(value.description ?? "");
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
    if (depth >= MAX_DEPTH) return true;
    if (seen.has(value)) return false;
    if (typeof value === "function") {
      // Shown by its name and the properties given it (`[Function: f] { key: ... }`).
      seen.add(value);
      if (this.#mentionedIn(functionName(value))) return true;
      for (const key of Object.keys(value)) {
        if (this.#mentionedIn(key) || this.#mentions(read(value, key), depth + 1, seen)) {
          return true;
        }
      }
      return false;
    }
    // Too much to check (an error holding a socket, say) is too much to trust, as too deep is.
    if (seen.size >= MAX_NODES) return true;
    seen.add(value);
    // An error's message and stack, wherever the engine keeps them.
    if (value instanceof Error) {
      if (this.#mentions(value.message, depth, seen)) return true;
      if (this.#mentions(value.stack, depth, seen)) return true;
      // One that shows itself its own way may show what no property holds.
      if (typeof read(value, INSPECT) === "function" && this.#shownMentions(value)) return true;
      // So may its `toJSON`, which a JSON logger calls.
      if (typeof read(value, "toJSON") === "function" && this.#jsonMentions(value)) return true;
      // Its cause and errors, which `util.inspect` shows from a getter of its class too.
      for (const key of ["cause", "errors"]) {
        if (!Object.hasOwn(value, key) && this.#mentions(read(value, key), depth + 1, seen)) {
          return true;
        }
      }
    } else if (value instanceof Map || value instanceof Set) {
      // Entries `util.inspect` shows, which are no properties.
      for (const entry of value) if (this.#mentions(entry, depth + 1, seen)) return true;
    } else if (!Array.isArray(value) && !isPlain(value) && this.#shownMentions(value)) {
      // An instance keeping its state out of reach (a URL, a Headers), shown by its own inspect.
      return true;
    }
    // Every own property, as `util.inspect` shows them: hidden ones (an error's message, stack,
    // cause, an AggregateError's errors) and symbol-keyed ones too; a getter only if enumerable,
    // as JSON.stringify calls those.
    const properties = Object.getOwnPropertyDescriptors(value) as Record<
      PropertyKey,
      PropertyDescriptor
    >;
    for (const key of Reflect.ownKeys(properties)) {
      const name = typeof key === "symbol" ? key.description : key;
      if (this.#mentions(name, depth, seen)) return true;
      const { value: item, get, enumerable } = properties[key]!;
      if (
        this.#mentions(get !== undefined && enumerable ? read(value, key) : item, depth + 1, seen)
      )
        return true;
    }
    return false;
  }

  // Whether `util.inspect` shows a secret in `value`, as deep as `console.log` shows it (an
  // inspection of its own may show state no property holds); one whose inspection throws is not
  // to be trusted.
  #shownMentions(value: object): boolean {
    try {
      return this.#mentionedIn(nodeUtil().inspect(value, { depth: 2, showHidden: true }));
    } catch {
      return true;
    }
  }

  // Whether `JSON.stringify` shows a secret in `value`; one that cannot be written is not to be
  // trusted.
  #jsonMentions(value: object): boolean {
    try {
      return this.#mentionedIn(String(JSON.stringify(value)));
    } catch {
      return true;
    }
  }

  #rebuild(error: unknown, depth: number): unknown {
    if (!(error instanceof Error)) return this.value(error, depth);
    const cause =
      error.cause !== undefined && depth < MAX_DEPTH
        ? { cause: this.#rebuild(error.cause, depth + 1) }
        : undefined;
    if (error instanceof JsonRpcError) {
      // Same class as the original, chosen again from the code and the redacted text.
      return mapJsonRpcError(
        error.code,
        this.text(error.rpcMessage),
        this.value(error.data, depth + 1),
        error.method === undefined ? undefined : this.text(error.method),
      );
    }
    if (error instanceof TransportClosedError) {
      const tail = error.stderrTail;
      const suffix = tail.length > 0 ? `\nstderr tail:\n${tail}` : "";
      const base =
        suffix && error.message.endsWith(suffix)
          ? error.message.slice(0, -suffix.length)
          : error.message;
      return new TransportClosedError(this.text(base), {
        exitCode: error.exitCode,
        signal: error.signal,
        stderrTail: this.text(tail),
        ...cause,
      });
    }
    if (error instanceof RequestTimeoutError) {
      return new RequestTimeoutError(this.text(error.method), error.timeoutMs, {
        // An error of an older copy of the SDK has none.
        stderrTail: typeof error.stderrTail === "string" ? this.text(error.stderrTail) : undefined,
        waitedFor: typeof error.waitedFor === "string" ? error.waitedFor : undefined,
        ...cause,
      });
    }
    // An error's message and name may be anything it was given (`util.inspect` shows them so).
    const { message, name, stack } = error as { message: unknown; name: unknown; stack: unknown };
    const copy = new CodexError(this.text(typeof message === "string" ? message : ""), cause);
    copy.name = typeof name === "string" ? this.text(name) : "Error";
    // Where it was thrown, redacted: the copy's own stack would show this rebuild alone.
    if (typeof stack === "string") copy.stack = this.text(stack);
    // Its own fields of plain values (a `code`, a `status`), redacted, a few at most: one holding
    // an object (a response, a buffer) is left out, as copying it could be long, throw or loop.
    let kept = 0;
    for (const key of Object.keys(error)) {
      if (kept === MAX_FIELDS_KEPT) break;
      if (key === "cause" || key === "message" || key === "name" || key === "stack") continue;
      const field = read(error, key);
      if (typeof field === "object" ? field !== null : typeof field === "function") continue;
      Object.defineProperty(copy, this.text(key), {
        value: typeof field === "string" ? this.text(field) : field,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      kept++;
    }
    return copy;
  }
}

// How many own fields of plain values a redacted error keeps.
const MAX_FIELDS_KEPT = 16;

// The key under which an object shows itself its own way to `util.inspect`.
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

// A function's name, as `util.inspect` reads it; one that cannot be read shows none.
function functionName(fn: object): string {
  const name = read(fn, "name");
  return typeof name === "string" && name !== "" ? name : "(anonymous)";
}

// A getter's value; one that throws shows nothing here (JSON.stringify would throw instead).
function read(owner: object, key: PropertyKey): unknown {
  try {
    return (owner as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

// A string that a regular expression matches as it is written.
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

// How many secrets let go are still redacted from stderr (see `Secrets.stderrText`).
const MAX_RETIRED = 256;

// An ellipsis, as a cut text ends: found at each position three dots start (in `....` a start
// cut right after a dot of its own is followed by the last three), or a `…`.
// A `…` may come as its JSON escape, from an encoder that writes ASCII alone.
const ELLIPSIS = /(?=\.\.\.)|\u2026|\\u2026/g;

function hasEllipsis(text: string): boolean {
  return text.includes("...") || text.includes("\u2026") || text.includes("\\u2026");
}

/**
 * `text` with what comes right before each ellipsis replaced when it is the start of one of
 * `secrets` (in any of its forms) cut short there, and at least half of it (see `cutSpans`).
 */
function cutStarts(
  text: string,
  secrets: Iterable<string>,
  starts: readonly RegExp[],
  halves: Halves,
): string {
  return replaceSpans(text, cutSpans(text, secrets, starts, halves, false));
}

/**
 * Where the starts of `secrets` cut short by an ellipsis lie in `text` (see `matchSpans`): what
 * comes right before an ellipsis, in any of a secret's forms, when it is at least half of the
 * secret: a shorter start may be the public prefix every such secret shares (`sk-proj-...`,
 * `https://hooks.slack.com/...`), which ordinary text writes too. `starts` (global) finds the
 * first half of any of them, in one search: only where one occurs is the secret it may begin
 * looked for. With `shorter`, a start must read shorter than its secret: one that reads as the
 * whole secret is found whole (a backslash cut off after it, the start of what follows, would
 * read as one too).
 */
function cutSpans(
  text: string,
  secrets: Iterable<string>,
  starts: readonly RegExp[],
  halves: Halves,
  shorter: boolean,
): number[] {
  const spans: number[] = [];
  if (starts.length === 0) return spans;
  const marks: number[] = [];
  for (const mark of text.matchAll(ELLIPSIS)) marks.push(mark.index);
  if (marks.length === 0) return spans;
  const list = [...secrets];
  let bound = -1;
  let next = 0;
  const search = new MatchSearch(starts, text);
  for (let at = search.next(0, false); at !== -1;) {
    while (next < marks.length && marks[next]! <= at) next++;
    if (next === marks.length) break;
    if (bound === -1) for (const secret of list) bound = Math.max(bound, formBound(secret));
    // Each ellipsis as far as a form may reach, the furthest taken: the start may end with a dot
    // (then one starts a dot later), or hold an ellipsis of the secret's own (`pass...word`).
    let cut = -1;
    for (let mark = next; mark < marks.length && marks[mark]! - at <= bound; mark++) {
      if (isCutSecret(text.slice(at, marks[mark]), list, halves, shorter)) cut = marks[mark]!;
    }
    if (cut === -1) {
      at = search.next(at + 1, false);
    } else {
      spans.push(at, cut);
      // Looking for shorter starts in the text as it is, one may begin inside this one (a
      // secret with an ellipsis of its own): the next is looked for from the next place, the
      // spans that overlap joined (see `joinSpans`).
      at = shorter ? search.next(at + 1, false) : search.next(cut, true);
    }
  }
  return spans;
}

/**
 * `text` with `spans` (secrets found whole: see `matchSpans`) replaced, and each start of one of
 * `secrets` an ellipsis cuts short (see `cutSpans`). The starts are looked for in `text` as it is,
 * as a secret found whole may be the start of a longer one cut short (`pw-1...` of `pw-1-admin`,
 * `pw-1` held too), and again once the secrets found whole are replaced, as a start right after
 * one that ends in a backslash begins no run of them then.
 */
function withCutStarts(
  text: string,
  spans: readonly number[],
  secrets: readonly string[],
  starts: readonly RegExp[],
  halves: Halves,
): string {
  const all =
    spans.length === 0 ? spans : joinSpans(spans, cutSpans(text, secrets, starts, halves, true));
  return cutStarts(replaceSpans(text, all), secrets, starts, halves);
}

const NO_SPANS: readonly number[] = [];

// Both lists of spans (see `matchSpans`) in one, those that overlap joined: a secret found whole
// may be the start of a longer one cut short, which replaced alone would show the rest of.
function joinSpans(some: readonly number[], others: readonly number[]): readonly number[] {
  if (others.length === 0) return some;
  const spans: number[] = [];
  for (let i = 0, j = 0; i < some.length || j < others.length;) {
    const fromSome = j >= others.length || (i < some.length && some[i]! <= others[j]!);
    const [start, end] = fromSome ? [some[i]!, some[i + 1]!] : [others[j]!, others[j + 1]!];
    if (fromSome) i += 2;
    else j += 2;
    if (spans.length > 0 && start < spans.at(-1)!)
      spans[spans.length - 1] = Math.max(end, spans.at(-1)!);
    else spans.push(start, end);
  }
  return spans;
}

// Whether `form`, which comes right before an ellipsis, is the start of one of `secrets`, half of
// it or more (and less than all of it, with `shorter`), in one of its forms.
function isCutSecret(
  form: string,
  secrets: readonly string[],
  halves: Halves,
  shorter: boolean,
): boolean {
  const starts = (secret: string) => (reading: string) =>
    secret.startsWith(reading) && (!shorter || reading.length < secret.length);
  // Read as if the text began with it: a backslash before it starts no run it must begin with
  // (see `secretPattern`) where what came before was replaced.
  const alone = ` ${form}`;
  const run = backslashesAt(form, 0);
  for (const secret of secrets) {
    const half = halfOf(secret, halves);
    if (half === undefined || form.length > half.bound) continue;
    half.pattern.lastIndex = 1;
    if (half.pattern.exec(alone) === null) continue;
    if (readings(form).some(starts(secret))) return true;
    // A form that begins with a character but a letter or a digit is found where the run of
    // backslashes before it begins, which may be no part of it, or only its end (a stray `\`
    // written before, a secret that ends in one): it is read from each point of the run too,
    // up to as many backslashes as a form quoted thrice begins with.
    for (let skip = Math.max(1, run - half.quoting); skip <= run; skip++) {
      if (readings(form.slice(skip)).some(starts(secret))) return true;
    }
  }
  return false;
}

// The first half of a secret (8 characters at least, and less than the whole), or none.
function halfText(secret: string): string[] {
  const half = Math.max(MIN_CREDENTIAL_CHARS, Math.ceil(secret.length / 2));
  return half >= secret.length ? [] : [secret.slice(0, half)];
}

/**
 * What a start cut short of each secret is checked against, kept once made: the pattern of its
 * first half (see `halfText`), matching where its search starts only; how long a form of it may
 * be (see `formBound`); and how many backslashes a form of it quoted thrice may begin with.
 */
type Halves = Map<string, Half | undefined>;

interface Half {
  readonly pattern: RegExp;
  readonly bound: number;
  readonly quoting: number;
}

function halfOf(secret: string, halves: Halves): Half | undefined {
  if (halves.has(secret)) return halves.get(secret);
  const [half] = halfText(secret);
  const made =
    half === undefined
      ? undefined
      : {
          pattern: new RegExp(secretPattern(half), "y"),
          bound: formBound(secret),
          // Each backslash of it eight, and seven quoting the character after them.
          quoting: 8 * backslashesAt(secret, 0) + 7,
        };
  halves.set(secret, made);
  return made;
}

// The readings of a form of a secret cut short: as written, and decoded as a JSON string once,
// twice or thrice (an escape the cut left unfinished, `\\u00`, dropped first).
function readings(form: string): string[] {
  const out = [form];
  let text = form.replace(UNFINISHED_ESCAPE, "");
  for (let level = 0; level < 3; level++) {
    try {
      text = JSON.parse(`"${text}"`) as string;
    } catch {
      break;
    }
    out.push(text);
    text = text.replace(UNFINISHED_ESCAPE, "");
  }
  return out;
}

// From the start of a run only: tried from each point of a long run, each try would scan the rest.
const UNFINISHED_ESCAPE = /(?<!\\)\\+(?:u[0-9a-fA-F]{0,3})?$/;

/**
 * The patterns of every form of each secret (none for none), which search a text together (see
 * `MatchSearch`), the longest secret that matches at a place winning (a secret holding another is
 * replaced whole). A secret's form is as written, or as a JSON encoder writes it into a string,
 * any number of times over: each character but a letter or a digit after a run of backslashes
 * (`\/`, `\\\"`), or as a `\u` escape (`\u003d`, `\\u003D`); a backslash as a run of them.
 *
 * The secrets without a backslash are one pattern shaped as a tree: secrets that begin alike
 * share the pattern of their common start, which a line is searched along once. One alternative
 * a secret made V8 try each of them wherever a line could begin one: with a hundred tokens of one
 * prefix (`Bearer `), hundreds of times the time a line. At each branch the branches of the
 * longest secrets come first, and where a secret ends as another goes on, the longer is tried
 * first. The secrets with a backslash are one alternative each, longest first: the run of
 * backslashes one of them begins would be taken whole by a branch the secrets sharing it share,
 * and one that needs fewer of them left untried.
 */
function patternsOf(secrets: readonly string[]): RegExp[] {
  const unique = [...new Set(secrets)];
  const tree = unique.filter((secret) => !secret.includes("\\"));
  const flat = unique.filter((secret) => secret.includes("\\"));
  const sources: string[] = [];
  if (tree.length > 0) sources.push(treeSource(tree));
  if (flat.length > 0) {
    sources.push(
      flat
        .sort((a, b) => b.length - a.length)
        .map(secretPattern)
        .join("|"),
    );
  }
  return sources.map((source) => compiled(new RegExp(source, "g")));
}

// The pattern of `secrets` as a tree (see `patternsOf`).
function treeSource(secrets: readonly string[]): string {
  const root = newNode();
  for (const secret of secrets) {
    let node = root;
    node.longest = Math.max(node.longest, secret.length);
    for (let i = 0; i < secret.length; i++) {
      const char = secret[i]!;
      let next = node.next.get(char);
      if (next === undefined) node.next.set(char, (next = newNode()));
      next.longest = Math.max(next.longest, secret.length);
      node = next;
    }
    node.end = true;
  }
  return branchesOf(root, true).join("|");
}

// A node of the tree of secrets: the characters that may come next, whether a secret ends here,
// and the length of the longest secret through it.
interface PatternNode {
  readonly next: Map<string, PatternNode>;
  end: boolean;
  longest: number;
}

function newNode(): PatternNode {
  return { next: new Map(), end: false, longest: 0 };
}

// The patterns of the branches from `node`, the longest secrets' first. A run of nodes of one
// branch each is written out in a loop: only a branch or the end of a secret nests a group.
function branchesOf(node: PatternNode, first: boolean): string[] {
  const branches = [...node.next].sort((a, b) => b[1].longest - a[1].longest);
  return branches.map(([char, next]) => {
    // A secret that may begin with backslashes begins where their run does (see `secretPattern`).
    let out =
      first && !/[A-Za-z0-9]/.test(char)
        ? `${NO_BACKSLASH_BEFORE}${charPattern(char)}`
        : charPattern(char);
    let at = next;
    while (at.next.size === 1 && !at.end) {
      const [char, only] = at.next.entries().next().value!;
      out += charPattern(char);
      at = only;
    }
    if (at.next.size === 0) return out;
    const inner = branchesOf(at, false);
    const group = inner.length === 1 ? inner[0]! : `(?:${inner.join("|")})`;
    return at.end ? `${out}(?:${group})?` : `${out}${group}`;
  });
}

/**
 * How long the pattern of one secret (every form JSON may write it in, character by character)
 * may be. A longer secret (tens of thousands of characters, or a few thousand of punctuation) is
 * found in its forms as written and quoted in JSON strings, as literal text: V8 refuses a pattern
 * much longer ("Regular expression too large", or a stack overflow), with an error that would
 * quote the secret.
 */
const MAX_PATTERN_CHARS = 16_384;

/**
 * How long the patterns of one chunk of the held secrets may be together (a secret's own may be
 * longer, up to `MAX_PATTERN_CHARS`, alone in its chunk). V8 stops optimizing a search through
 * many alternatives past a size (about 10,000 characters of secrets with punctuation, such as
 * `Bearer` tokens), and such a pattern then takes hundreds of times as long per line; and compiling
 * one takes time that grows with its length (about 7 ms for 8,192 characters), on each change of
 * its secrets.
 */
const CHUNK_CHARS = 8_192;

/**
 * How long the pattern of the first halves of the retired secrets, whose starts cut short are
 * looked for in stderr, may be: made only when stderr is redacted (for an error) after a change.
 */
const MAX_STDERR_STARTS_CHARS = 65_536;

// Some of the held secrets, searched for through their patterns.
interface Chunk {
  // Each with the length of its pattern; `size` is their sum.
  readonly secrets: string[];
  readonly sizes: Map<string, number>;
  size: number;
  // Whether its secrets changed since its patterns were made.
  stale: boolean;
  // Its patterns (see `patternsOf`); undefined where V8 refused one (its secrets are then found as
  // literal text).
  patterns: RegExp[] | undefined;
  // The patterns of its secrets' first halves (see `cutStarts`), made on first need.
  starts: RegExp[] | undefined;
}

function newChunk(): Chunk {
  return { secrets: [], sizes: new Map(), size: 0, stale: true, patterns: [], starts: undefined };
}

function buildChunk(chunk: Chunk): void {
  chunk.stale = false;
  chunk.starts = undefined;
  try {
    // V8 compiles a pattern at its first use, and refuses one too large only then.
    chunk.patterns = patternsOf(chunk.secrets);
  } catch {
    chunk.patterns = undefined;
  }
}

// The patterns of a chunk's secrets' first halves, made now if they were not.
function startsOf(chunk: Chunk): RegExp[] {
  if (chunk.starts === undefined) {
    try {
      chunk.starts = patternsOf(chunk.secrets.flatMap(halfText));
    } catch {
      chunk.starts = [];
    }
  }
  return chunk.starts;
}

// `pattern`, compiled now: V8 compiles one at its first use, and refuses one too large only then.
function compiled(pattern: RegExp): RegExp {
  // Once for text of one byte a character, once for text of two.
  pattern.test("");
  pattern.test("\u0100");
  return pattern;
}

// The secrets as written and as quoted once and twice in JSON strings, longest first.
function literalForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    let form = secret;
    for (let level = 0; level < 3; level++, form = JSON.stringify(form).slice(1, -1)) {
      forms.add(form);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The matches of the secrets' patterns (global) in one text, found in order as one pattern of
 * them all would find them: at each place the first of any, the one that ends last where two
 * start there. Each pattern's next match is kept until the search passes it, so a text of many
 * matches is searched through by each pattern about once, not once for each match.
 *
 * A form that begins with a run of backslashes is not looked for right after a backslash (see
 * `secretPattern`); but when what comes before `at` has been `replaced`, a backslash there (a
 * secret's last: `p4ss\`) begins no such run, so a form is looked for right at `at` as if the
 * text began there.
 */
class MatchSearch {
  readonly #patterns: readonly RegExp[];
  readonly #text: string;
  // Each pattern's next match from where it last searched: its start (-1 for none from there on,
  // UNSEARCHED before its first search) and its end.
  readonly #starts: number[];
  readonly #ends: number[];
  // Where the match found last ends.
  end = 0;

  constructor(patterns: readonly RegExp[], text: string) {
    this.#patterns = patterns;
    this.#text = text;
    this.#starts = patterns.map(() => UNSEARCHED);
    this.#ends = patterns.map(() => 0);
  }

  /** Where the next match starts, from `at` on (with its end in `end`); -1 for none. */
  next(at: number, replaced: boolean): number {
    const text = this.#text;
    const afterBackslash = replaced && at < text.length && text.charCodeAt(at - 1) === BACKSLASH;
    let start = -1;
    for (let i = 0; i < this.#patterns.length; i++) {
      const pattern = this.#patterns[i]!;
      let found = this.#starts[i]!;
      if (afterBackslash) {
        const here = startingAt(pattern);
        here.lastIndex = at;
        const right = here.exec(text);
        if (right !== null) {
          found = at;
          this.#ends[i] = at + right[0].length;
        }
      }
      if (found === UNSEARCHED || (found !== -1 && found < at)) {
        pattern.lastIndex = at;
        const match = pattern.exec(text);
        found = match === null ? -1 : match.index;
        if (match !== null) this.#ends[i] = pattern.lastIndex;
      }
      this.#starts[i] = found;
      if (found === -1) continue;
      if (start === -1 || found < start || (found === start && this.#ends[i]! > this.end)) {
        start = found;
        this.end = this.#ends[i]!;
      }
    }
    return start;
  }
}

const UNSEARCHED = -2;

// Each secrets' pattern as it matches right at a point (sticky), read as if the text began there:
// a backslash before it starts no run a form must begin with. Copying the rest of the text to
// search it alone cost its length at each secret found that ends in a backslash.
const sticky = new WeakMap<RegExp, RegExp>();

function startingAt(pattern: RegExp): RegExp {
  let here = sticky.get(pattern);
  if (here === undefined) {
    here = new RegExp(pattern.source.replaceAll(NO_BACKSLASH_BEFORE, ""), "y");
    sticky.set(pattern, here);
  }
  return here;
}

// The look-behind a form that may begin with backslashes begins with (see `secretPattern`).
const NO_BACKSLASH_BEFORE = "(?<!\\\\)";

// Where the matches of the secrets' `patterns` lie in `text`, each start and end in turn, up to
// the first that starts at `before` or past it.
function matchSpans(patterns: readonly RegExp[], text: string, before = text.length): number[] {
  const spans: number[] = [];
  const search = new MatchSearch(patterns, text);
  for (let at = search.next(0, false); at !== -1 && at < before;) {
    let { end } = search;
    // A match that begins inside this one and ends past it (secrets that overlap in the text,
    // one's end the other's start) is replaced with it: the first alone would show the rest.
    for (let inner = search.next(at + 1, false); inner !== -1 && inner < end;) {
      end = Math.max(end, search.end);
      inner = search.next(inner + 1, false);
    }
    spans.push(at, end);
    at = search.next(end, true);
  }
  return spans;
}

const BACKSLASH = 0x5c;

// How many backslashes `text` holds in a row from `at`.
function backslashesAt(text: string, at: number): number {
  let end = at;
  while (text.charCodeAt(end) === BACKSLASH) end++;
  return end - at;
}

// `text` up to the end of the last of `spans` (see `matchSpans`), each replaced.
function throughSpans(text: string, spans: readonly number[]): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < spans.length; i += 2) {
    out += text.slice(from, spans[i]) + REDACTED;
    from = spans[i + 1]!;
  }
  return out;
}

// `text` with each of `spans` (see `matchSpans`) replaced.
function replaceSpans(text: string, spans: readonly number[]): string {
  return spans.length === 0 ? text : throughSpans(text, spans) + text.slice(spans.at(-1));
}

// `text` with each of `forms` (longest first) replaced wherever it occurs.
function replaceForms(text: string, forms: readonly string[]): string {
  for (const form of forms) if (text.includes(form)) text = text.replaceAll(form, REDACTED);
  return text;
}

// `text` with each of `forms` replaced, and `end` moved with what comes before it: a form that
// starts before `end` is replaced whole, and the end falls after it at least.
function withoutForms(text: string, end: number, forms: readonly string[]): [string, number] {
  for (const form of forms) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + REDACTED.length)) {
      text = text.slice(0, at) + REDACTED + text.slice(at + form.length);
      if (at < end) {
        end = end <= at + form.length ? at + REDACTED.length : end - form.length + REDACTED.length;
      }
    }
  }
  return [text, end];
}

function secretPattern(secret: string): string {
  let out = "";
  for (let i = 0; i < secret.length;) {
    const run = backslashesAt(secret, i);
    if (run === 0) {
      out += charPattern(secret[i++]!);
      continue;
    }
    i += run;
    const next = secret[i];
    // A character but a letter or a digit after a run is the run's pattern's (see
    // `backslashesPattern`): the backslashes quoting it are in the run.
    const quoted = next !== undefined && !/[A-Za-z0-9]/.test(next);
    out += backslashesPattern(run, quoted ? next : undefined, i < secret.length);
    if (quoted) i++;
  }
  // A form that may begin with backslashes begins where their run does: tried from inside a long
  // run too, each try would scan the rest of it, in time growing as the square of its length.
  return /[A-Za-z0-9]/.test(secret[0] ?? "") ? out : `${NO_BACKSLASH_BEFORE}${out}`;
}

/**
 * The pattern of a run of `count` backslashes of a secret, and of the character after it when it
 * is no letter or digit (`quoted`), in each form JSON may write them in: one run of at least
 * `count` backslashes and the character (the backslashes quoting it in the run), or its escape
 * (its own backslash in the run too), or `count` runs each ending in a `\u` escape (an encoder
 * writes each backslash alike). `more`: something follows (backslashes may come after
 * the last escape). A pattern whose quantifiers could share a
 * run of backslashes (one a backslash of the secret, one the backslashes quoting the character
 * after them) would be tried at every way of splitting it: a line of a few thousand backslashes
 * held the search for seconds. Here a run is split only at its escapes.
 */
function backslashesPattern(count: number, quoted: string | undefined, more: boolean): string {
  const least = (n: number) => (n === 1 ? "\\\\+" : `\\\\{${n},}`);
  const escapes = count === 1 ? "\\\\+u005[cC]" : `(?:\\\\+u005[cC]){${count}}`;
  if (quoted === undefined) {
    // The escapes first: nothing after the secret makes the search try them once a run with one
    // escape has matched.
    return `(?:${escapes}${more ? "\\\\*" : ""}|${least(count)}(?:u005[cC])?)`;
  }
  const [raw, escaped] = charForms(quoted);
  return `(?:${least(count)}${raw}|${least(count + 1)}${escaped}|${escapes}${charPattern(quoted)})`;
}

// The pattern of one character (a UTF-16 unit) of a secret but a backslash, in each form JSON may
// write it in.
function charPattern(char: string): string {
  if (/[A-Za-z0-9]/.test(char)) return char;
  const [raw, escaped] = charForms(char);
  return `(?:\\\\*${raw}|\\\\+${escaped})`;
}

// A character's patterns as written (after backslashes quoting it, if any) and as escaped after a
// backslash: a control character JSON writes short (`\n`), or any as a `\u` escape.
function charForms(char: string): [raw: string, escaped: string] {
  const hex = char
    .charCodeAt(0)
    .toString(16)
    .padStart(4, "0")
    .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
  const json = JSON.stringify(char).slice(1, -1);
  const short = json.length === 2 && /[a-z]/.test(json[1]!) ? json[1] : undefined;
  return [escapeRegExp(char), short === undefined ? `u${hex}` : `(?:${short}|u${hex})`];
}

// How long a form of `secret` quoted up to three times may be (each character but a letter or a
// digit as long as its `\u` escape, quoted thrice): a text cut this far past a point keeps whole
// every such form that starts before it.
function formBound(secret: string): number {
  let bound = 0;
  for (let i = 0; i < secret.length; i++) {
    bound += /[A-Za-z0-9]/.test(secret[i]!) ? 1 : 10;
  }
  return bound;
}

// An object of no class of its own: all it shows are its properties.
function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
