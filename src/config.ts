import type {
  ConfigBatchWriteParams,
  ConfigEdit,
  ConfigReadResponse,
  ConfigWriteResponse,
  JsonValue,
  MergeStrategy,
} from "./generated/index.js";
import { credentialsIn, type Secrets, type VariableLookup } from "./internal/redact.js";
import { readKeyPath, tomlCopy } from "./internal/toml.js";
import {
  checkConfigVariables,
  checkBoolean,
  checkJson,
  checkNonEmpty,
  checkOptionNames,
  checkWellFormed,
  refuseNul,
  describe,
  dropUndefined,
  isPlainObject,
  MAX_JSON_DEPTH,
  quotedKey,
  type OptionNames,
  optionNames,
  refuseUnknownOptions,
  REQUEST_KEYS,
  type RequestOptions,
  shown,
  splitRequestOptions,
} from "./internal/validate.js";
import type { JsonInput } from "./options.js";
import { now, timeLeft } from "./internal/deadline.js";
import { asOneCall } from "./rpc/bound-wait.js";
import type { Connection } from "./rpc/connection.js";

/**
 * The longest key path `config.write` takes: far more than any key of config.toml, a project's
 * path in one included.
 */
const MAX_KEY_PATH_CHARS = 65_536;

/** Options of `codex.config.read`. */
export interface ConfigReadOptions extends RequestOptions {
  /** Also return each config layer (user, project, managed, ...) and where each value comes from. */
  readonly includeLayers?: boolean | undefined;
  /** Resolve the project layers seen from this directory. */
  readonly cwd?: string | null | undefined;
}

/** Options of `codex.config.write` and `codex.config.batchWrite`. */
export interface ConfigWriteOptions extends RequestOptions {
  /**
   * The file to write; default the user's `config.toml` in `CODEX_HOME`, the only one the runtime
   * writes (any other path is refused with `InvalidRequestError`).
   */
  readonly filePath?: string | null | undefined;
  /** Write only if the file is still at this `version` (from an earlier read or write). */
  readonly expectedVersion?: string | null | undefined;
}

/** One edit of `codex.config.batchWrite`. */
export interface ConfigEditInput {
  /** Dotted key, such as `"model"` or `"features.web_search"`. */
  readonly keyPath: string;
  /** The new value (any JSON); `null` removes the key. */
  readonly value: JsonInput;
  /** `"replace"` (default) sets the value; `"upsert"` merges a table into the existing one. */
  readonly mergeStrategy?: MergeStrategy | undefined;
}

const READ_NAMES = optionNames<ConfigReadOptions>()({
  own: [...REQUEST_KEYS, "includeLayers", "cwd"],
});
const WRITE_KEYS = [...REQUEST_KEYS, "filePath", "expectedVersion"] as const;
const VALUE_WRITE_NAMES = optionNames<
  ConfigWriteOptions & { readonly mergeStrategy?: MergeStrategy | undefined }
>()({ own: [...WRITE_KEYS, "mergeStrategy"] });
const BATCH_WRITE_NAMES = optionNames<
  ConfigWriteOptions & { readonly reloadUserConfig?: boolean | undefined }
>()({ own: [...WRITE_KEYS, "reloadUserConfig"] });
// The key by which `config.toml` chooses where the runtime keeps credentials.
const STORE_KEY = "cli_auth_credentials_store";

const EDIT_NAMES = optionNames<ConfigEditInput>()({ own: ["keyPath", "value", "mergeStrategy"] });

function checkMergeStrategy(strategy: unknown): MergeStrategy {
  if (strategy === undefined || strategy === "replace") return "replace";
  if (strategy === "upsert") return "upsert";
  throw new TypeError(`mergeStrategy must be "replace" or "upsert", got ${shown(strategy)}`);
}

function checkEdit(
  edit: ConfigEditInput,
  name: string,
  secrets: Secrets,
  variables: VariableLookup,
): ConfigEdit {
  if (typeof edit !== "object" || edit === null) {
    throw new TypeError(`${name} must be an object, got ${describe(edit)}`);
  }
  refuseUnknownOptions(edit, EDIT_NAMES, name);
  // Each field read once: a getter read again could give what the checks never saw.
  const { keyPath: givenPath, value, mergeStrategy } = edit;
  const keyPath = checkWellFormed(checkNonEmpty(givenPath, `${name}.keyPath`), `${name}.keyPath`);
  // Read a character at a time below: ten megabytes (a value given as the path) took seconds.
  if (keyPath.length > MAX_KEY_PATH_CHARS) {
    throw new RangeError(
      `${name}.keyPath is ${keyPath.length} characters long, more than a key path may be ` +
        `(at most ${MAX_KEY_PATH_CHARS})`,
    );
  }
  // Read as the runtime reads it: `a."b.c"` is two segments, and a quoted one may hold a credential's name.
  const read = readKeyPath(keyPath);
  if (read === undefined) {
    throw new TypeError(`${name}.keyPath leaves a quote open, got ${quotedKey(keyPath)}`);
  }
  const { segments } = read;
  // Only an empty one: a quoted segment of white space is a key, and a bare one is refused below.
  if (segments.includes("")) {
    throw new TypeError(
      `${name}.keyPath must not have an empty segment, got ${quotedKey(keyPath)}`,
    );
  }
  if (read.misquoted) {
    throw new TypeError(
      `${name}.keyPath quotes a segment other than from its start, or twice, which the runtime ` +
        `refuses (quote the whole segment), got ${quotedKey(keyPath)}`,
    );
  }
  // The runtime keeps the white space of a bare segment in its key: `features . web_search`
  // would set `"features "." web_search"`. (A quoted segment holds what it quotes.)
  if (read.spaced) {
    throw new TypeError(
      `${name}.keyPath has white space around a segment, which the runtime would keep in the ` +
        `key (quote the segment if it is meant), got ${quotedKey(keyPath)}`,
    );
  }
  // A colon before white space outside a quoted segment: a `key: value` line given as the path,
  // which names no setting, and whose value the runtime would quote back in its refusal.
  if (read.colon) {
    throw new TypeError(
      `${name}.keyPath holds a colon before white space outside a quoted segment (a key: value ` +
        `line?), which names no setting (quote the segment if it is meant), got ${quotedKey(keyPath)}`,
    );
  }
  // Each segment is a table of config.toml, whose reader stops at a depth the value shares.
  if (segments.length >= MAX_JSON_DEPTH) {
    throw new TypeError(`${name}.keyPath has more segments than config.toml can nest`);
  }
  // JSON would write NaN as null, which the server reads as "remove the key".
  // Past 2^53 an integer is no longer exact, and JSON writes 1e21 as 1e+21, which the runtime
  // refuses as a float: refused here as configOverrides refuses them.
  const checked = checkJson(value, `${name}.value`, MAX_JSON_DEPTH - segments.length, true);
  // That copy is what is sent: the request may wait, and the caller's object may change
  // meanwhile. TOML has no null: a whole value of null removes the key; inside it, a table's null
  // member is left out and one in an array refused (the runtime would refuse it without saying
  // where).
  const copy = checked === null ? null : (tomlCopy(checked, `${name}.value`) as JsonValue);
  checkConfigVariables(copy, segments, `${name}.value at`);
  // The runtime quotes a value it cannot use in its error: a credential there is redacted.
  for (const credential of credentialsIn(segments, copy, variables)) secrets.add(credential);
  return { keyPath, value: copy, mergeStrategy: checkMergeStrategy(mergeStrategy) };
}

// The runtime applies a batch's edits in order, the later over the earlier: an edit of a key an
// earlier one wrote (at its own path, or inside a table either gives whole), or one replacing a
// table holding such a key, would lose that edit.
function refuseOverruled(edits: readonly ConfigEdit[]): void {
  const paths = edits.map((edit) => readKeyPath(edit.keyPath)!.segments);
  edits.forEach((edit, j) => {
    const key = paths[j]!;
    // A table upserted is merged into what is there: it overrules only the keys both give.
    const replaces = edit.mergeStrategy === "replace" || !isPlainObject(edit.value);
    const overrules = (earlier: unknown, later: unknown) => replaces || overlaps(earlier, later);
    for (let i = 0; i < j; i++) {
      const before = edits[i]!;
      const path = paths[i]!;
      const shared = Math.min(path.length, key.length);
      if (!path.slice(0, shared).every((segment, n) => segment === key[n])) continue;
      if (path.length === key.length) {
        if (!overrules(before.value, edit.value)) continue;
        throw new TypeError(
          `edits[${i}] and edits[${j}] both write ${edit.keyPath}, the later overruling the ` +
            "earlier: give one",
        );
      }
      if (path.length < key.length) {
        // Inside the table the earlier edit gave (one it removed is written anew: nothing lost).
        if (before.value === null) continue;
        const given = (found: unknown) => overrules(found, edit.value);
        if (!reaches(before.value, key.slice(path.length), given)) continue;
        throw new TypeError(
          `edits[${j}] writes ${edit.keyPath}, which edits[${i}] gave in ${before.keyPath} ` +
            "before it, the later overruling the earlier: give one",
        );
      }
      if (replaces) {
        throw new TypeError(
          `edits[${j}] replaces ${edit.keyPath}, which holds the key edits[${i}] wrote before ` +
            "it: give that key inside it, or write it after",
        );
      }
      // The table this edit merges in gives the key the earlier edit wrote.
      const given = (found: unknown) => overlaps(before.value, found);
      if (!reaches(edit.value, path.slice(key.length), given)) continue;
      throw new TypeError(
        `edits[${j}] gives ${before.keyPath} in ${edit.keyPath}, which edits[${i}] wrote before ` +
          "it, the later overruling the earlier: give one",
      );
    }
  });
}

/**
 * Whether `value` gives what is at `path` inside it and `overruled` says so of it; a value on the
 * way that is no table replaces everything under it.
 */
function reaches(
  value: unknown,
  path: readonly string[],
  overruled: (found: unknown) => boolean,
): boolean {
  let at = value;
  for (const segment of path) {
    if (!isPlainObject(at)) return true;
    if (!Object.hasOwn(at, segment)) return false;
    at = at[segment];
  }
  return overruled(at);
}

// Whether the table `later` gives a value `earlier` gives too (tables in both compared within).
function overlaps(earlier: unknown, later: unknown): boolean {
  if (!isPlainObject(earlier) || !isPlainObject(later)) return true;
  for (const [key, value] of Object.entries(later)) {
    if (!Object.hasOwn(earlier, key)) continue;
    if (overlaps(earlier[key], value)) return true;
  }
  return false;
}

function checkWriteOptions<O extends ConfigWriteOptions>(
  options: O | undefined,
  names: OptionNames,
) {
  const { call, rest } = splitRequestOptions(options, names);
  if (rest.filePath !== undefined && rest.filePath !== null)
    checkWellFormed(checkNonEmpty(rest.filePath, "filePath"), "filePath");
  if (rest.expectedVersion !== undefined && rest.expectedVersion !== null) {
    checkWellFormed(checkNonEmpty(rest.expectedVersion, "expectedVersion"), "expectedVersion");
  }
  return { call, rest };
}

/**
 * The runtime's configuration, as `codex.config`: read the effective config, and write keys of
 * the user's `config.toml` (the file the app-server reads at start-up and for new threads).
 */
export class CodexConfig {
  readonly #connection: Connection;
  readonly #secrets: Secrets;
  readonly #variables: VariableLookup;
  readonly #storeAtStart: (call: RequestOptions | undefined) => Promise<unknown>;

  /** @internal Made by `Codex`. */
  constructor(
    connection: Connection,
    secrets: Secrets,
    variables: VariableLookup,
    storeAtStart: (call: RequestOptions | undefined) => Promise<unknown>,
  ) {
    this.#connection = connection;
    this.#secrets = secrets;
    this.#variables = variables;
    this.#storeAtStart = storeAtStart;
  }

  // The credential store the server chose at start-up is read before an edit of its key, which
  // changes what `config/read` says (and so what `loginApiKey`'s check would read) but not it.
  // One `timeout` bounds both: the edit gets what the read left of it.
  async #edit(
    method: "config/value/write" | "config/batchWrite",
    keyPaths: readonly string[],
    call: RequestOptions | undefined,
    send: (call: RequestOptions | undefined) => Promise<ConfigWriteResponse>,
  ): Promise<ConfigWriteResponse> {
    if (!keyPaths.some((keyPath) => readKeyPath(keyPath)?.segments[0] === STORE_KEY)) {
      return send(call);
    }
    const t0 = now();
    const timeout = call?.timeout;
    await asOneCall(this.#storeAtStart(call), method, timeout);
    const rest = timeout === undefined ? call : { ...call, timeout: timeLeft(timeout, t0) };
    return asOneCall(send(rest), method, timeout);
  }

  /** The effective configuration (`config/read`), with its layers and origins on request. */
  async read(options?: ConfigReadOptions): Promise<ConfigReadResponse> {
    const { call, rest } = splitRequestOptions(options, READ_NAMES);
    if (rest.includeLayers !== undefined) checkBoolean(rest.includeLayers, "includeLayers");
    if (rest.cwd !== undefined && rest.cwd !== null) {
      refuseNul(checkWellFormed(checkNonEmpty(rest.cwd, "cwd"), "cwd"), "cwd");
    }
    const answer = await this.#connection.request("config/read", rest, call);
    // Not asked for, the layers are left out, and an enabled layer's `disabledReason` too,
    // where the protocol's type says null.
    if (answer.layers === undefined) return { ...answer, layers: null };
    if (Array.isArray(answer.layers)) {
      for (const layer of answer.layers as unknown[]) {
        if (typeof layer === "object" && layer !== null) {
          (layer as { disabledReason?: unknown }).disabledReason ??= null;
        }
      }
    }
    return answer;
  }

  /** Sets one key (`config/value/write`); `mergeStrategy` defaults to `"replace"`. */
  async write(
    keyPath: string,
    value: JsonInput,
    options?: ConfigWriteOptions & { readonly mergeStrategy?: MergeStrategy | undefined },
  ): Promise<ConfigWriteResponse> {
    const checked = checkOptionNames(options, VALUE_WRITE_NAMES);
    const edit = checkEdit(
      { keyPath, value, mergeStrategy: checked.mergeStrategy },
      "edit",
      this.#secrets,
      this.#variables,
    );
    const { mergeStrategy: _m, ...writeOptions } = checked;
    const { call, rest } = checkWriteOptions(writeOptions, VALUE_WRITE_NAMES);
    return this.#edit("config/value/write", [edit.keyPath], call, (sent) =>
      this.#connection.request("config/value/write", { ...edit, ...rest }, sent),
    );
  }

  /** Applies several edits in one write (`config/batchWrite`): all of them, or none. */
  async batchWrite(
    edits: readonly ConfigEditInput[],
    options?: ConfigWriteOptions & { readonly reloadUserConfig?: boolean | undefined },
  ): Promise<ConfigWriteResponse> {
    if (!Array.isArray(edits) || edits.length === 0) {
      throw new TypeError(`edits must be a non-empty array, got ${describe(edits)}`);
    }
    // Array.from visits holes too, so a missing edit is refused.
    const checkedEdits = Array.from(edits as readonly unknown[], (edit, i) =>
      checkEdit(edit as ConfigEditInput, `edits[${i}]`, this.#secrets, this.#variables),
    );
    refuseOverruled(checkedEdits);
    const { call, rest } = checkWriteOptions(options, BATCH_WRITE_NAMES);
    if (rest.reloadUserConfig !== undefined)
      checkBoolean(rest.reloadUserConfig, "reloadUserConfig");
    const params: ConfigBatchWriteParams = { ...dropUndefined(rest), edits: checkedEdits };
    const keyPaths = checkedEdits.map((edit) => edit.keyPath);
    return this.#edit("config/batchWrite", keyPaths, call, (sent) =>
      this.#connection.request("config/batchWrite", params, sent),
    );
  }
}
