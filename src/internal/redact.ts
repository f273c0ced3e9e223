import {
  CodexError,
  JsonRpcError,
  RequestTimeoutError,
  TransportClosedError,
  mapJsonRpcError,
} from "../errors.js";

// How a name under which a value is a credential ends: an environment variable such as
// OPENAI_API_KEY or GH_TOKEN, a config key such as `experimental_bearer_token`, or a map of
// headers or of an MCP server's environment (`http_headers`, `env`), whose every value may be one.
// Compared as plain strings: a regular expression of these costs a start-up far more to compile.
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
];
// Words that name a credential only as a whole `_`-separated segment (`monkey` is no key).
const CREDENTIAL_SEGMENTS = ["key", "auth", "headers", "env"];

/** Whether a value under `name` (an environment variable, a config key) may be a credential. */
export function isCredentialName(name: string): boolean {
  const lower = name.trim().toLowerCase();
  for (const ending of CREDENTIAL_ENDINGS) if (lower.endsWith(ending)) return true;
  for (const word of CREDENTIAL_SEGMENTS) {
    if (lower === word || lower.endsWith(`_${word}`)) return true;
  }
  return false;
}

/**
 * Values found by their name are redacted from this length on: redacting a word such as "none"
 * or "file" everywhere would garble messages more than it would protect.
 */
export const MIN_CREDENTIAL_CHARS = 8;

/**
 * The strings of a config value set at `keyPath` that sit under a credential's name (a segment
 * of the path, or a key on the way down), as the runtime may quote a value it cannot use.
 */
export function credentialsIn(keyPath: readonly string[], value: unknown): string[] {
  const out: string[] = [];
  const walk = (item: unknown, under: boolean, depth: number): void => {
    if (typeof item === "string") {
      if (under && item.length >= MIN_CREDENTIAL_CHARS) out.push(item);
    } else if (typeof item === "object" && item !== null && depth < MAX_DEPTH) {
      if (Array.isArray(item)) for (const entry of item) walk(entry, under, depth + 1);
      else
        for (const [key, entry] of Object.entries(item)) {
          walk(entry, under || isCredentialName(key), depth + 1);
        }
    }
  };
  walk(value, keyPath.some(isCredentialName), 0);
  return out;
}

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
  // Each secret as written and as quoted in a JSON string, longest first.
  #forms: string[] = [];

  /** Starts redacting `secret` (an empty or repeated one is ignored). */
  add(secret: string): void {
    if (typeof secret !== "string" || secret === "") return;
    const forms = new Set(this.#forms);
    // As written, and as quoted once and twice (a message quoting it, sent in a JSON line). Each
    // also as an encoder that escapes "/" writes it: JSON allows `\/`, and decoding undoes it.
    let form = secret;
    for (let level = 0; level < 3; level++, form = JSON.stringify(form).slice(1, -1)) {
      forms.add(form);
      forms.add(form.replaceAll("/", "\\/"));
    }
    // Longest first, so a form containing another is replaced whole.
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
    this.empty = false;
  }

  /**
   * Whether there is nothing to redact. A field, not a getter: it is read for every line from the
   * server, and a field costs no call. Only `add` changes it.
   */
  empty = true;

  /** `text` with every occurrence of a secret replaced by `[redacted]`. */
  text(text: string): string {
    let out = text;
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  }

  /**
   * A JSON value with every secret in its strings (and keys) replaced. An object met twice is
   * copied once (a cycle stays a cycle); what lies past the walk's bounds becomes `[redacted]`.
   */
  value(value: unknown, depth = 0): unknown {
    return this.#copy(value, depth, { copies: new Map(), nodes: 0 });
  }

  #copy(value: unknown, depth: number, walk: Walk): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null || this.empty) return value;
    const known = walk.copies.get(value);
    if (known !== undefined) return known;
    if (depth >= MAX_DEPTH || ++walk.nodes > MAX_NODES) return REDACTED;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      walk.copies.set(value, out);
      for (const item of value as unknown[]) out.push(this.#copy(item, depth + 1, walk));
      return out;
    }
    const out: Record<string, unknown> = {};
    walk.copies.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      out[this.text(key)] = this.#copy(item, depth + 1, walk);
    }
    return out;
  }

  /**
   * `error` itself when no secret occurs in it (message, stack, enumerable properties, `cause`
   * chain), else a new error of the same kind with each occurrence replaced and no link to the
   * original.
   */
  error<E>(error: E): E {
    if (this.empty || !this.#mentions(error, 0, new WeakSet())) return error;
    return this.#rebuild(error, 0) as E;
  }

  #mentions(value: unknown, depth: number, seen: WeakSet<object>): boolean {
    if (typeof value === "string") return this.#forms.some((form) => value.includes(form));
    if (typeof value !== "object" || value === null) return false;
    // Too deep to check means too deep to trust.
    if (depth >= MAX_DEPTH) return true;
    if (seen.has(value)) return false;
    seen.add(value);
    if (value instanceof Error) {
      if (this.#mentions(value.message, depth, seen)) return true;
      if (this.#mentions(value.stack, depth, seen)) return true;
      if (this.#mentions(value.cause, depth + 1, seen)) return true;
    }
    return Object.entries(value).some(
      ([key, item]) => this.#mentions(key, depth, seen) || this.#mentions(item, depth + 1, seen),
    );
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
      return new RequestTimeoutError(this.text(error.method), error.timeoutMs, cause);
    }
    const copy = new CodexError(this.text(error.message), cause);
    copy.name = this.text(error.name);
    return copy;
  }
}
