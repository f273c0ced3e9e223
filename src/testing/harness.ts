import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { TOML_ESCAPES, tomlKey, tomlString as quoted } from "../internal/toml.js";
import { killLiveChildren } from "../transport/stdio.js";
import {
  checkBaseUrl,
  checkNonEmpty,
  checkOptionNames,
  checkOptions,
  checkWellFormed,
  describe,
  optionNames,
  type OptionNames,
} from "../internal/validate.js";
import { checkCatalogue, mockModelInfo, type MockModelInfo } from "./mock-responses.js";

/** Name of the model provider the generated config defines and selects. */
export const MOCK_PROVIDER_ID = "mock";

/**
 * Features the generated config switches off. Plugin, app and remote-plugin sync contact
 * github.com and chatgpt.com at startup; the shell snapshot runs the user's login shell profile.
 */
export const OFFLINE_FEATURES: Readonly<Record<string, boolean>> = {
  plugins: false,
  remote_plugin: false,
  apps: false,
  shell_snapshot: false,
};

/** Options for {@link createCodexHome}. */
export interface CodexHomeOptions {
  /** Provider base URL, normally `MockResponsesServer.url` (`http://127.0.0.1:PORT/v1`). */
  mockUrl: string;
  /**
   * Model to select: default the first of {@link CodexHomeOptions.models} when a catalogue is
   * given (one it does not list runs with the runtime's generic metadata: no `apply_patch` tool),
   * else `"mock-model"`.
   */
  model?: string | undefined;
  /**
   * TOML appended to `config.toml`. Top-level keys and new tables work (e.g.
   * `approval_policy = "never"`, `[model_providers.mock.auth]`); do not open `[features]`,
   * `[analytics]` or `[model_providers.mock]` again, as TOML forbids defining a table twice: use
   * {@link CodexHomeOptions.features} or dotted keys such as `model_providers.mock.x = 1` instead.
   */
  extraConfig?: string | undefined;
  /** Feature flags merged over {@link OFFLINE_FEATURES}. */
  features?: Readonly<Record<string, boolean>> | undefined;
  /**
   * The model catalogue written to `models.json` and set as `model_catalog_json`, so `model/list`
   * returns exactly these models and the runtime knows the model's metadata (default:
   * `[mockModelInfo(model)]`). `false` writes no catalogue: the runtime then uses its bundled one.
   */
  models?: readonly MockModelInfo[] | false | undefined;
}

/** A temporary `CODEX_HOME` configured for an offline mock provider; see {@link createCodexHome}. */
export interface CodexHome extends AsyncDisposable {
  /** The temporary `CODEX_HOME` directory. */
  readonly codexHome: string;
  /** A separate empty temporary directory to use as the thread's `cwd`. */
  readonly workDir: string;
  /** Path of the generated `config.toml`. */
  readonly configPath: string;
  /**
   * Environment to add to the app-server's (as `Codex.start`'s `env` takes it, `undefined`
   * unsetting): `CODEX_HOME`, and `CODEX_SQLITE_HOME` (the runtime's databases) there too,
   * `CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG=1` (read by debug builds of the runtime only: the
   * machine's config still applies, see {@link createCodexHome}), `RUST_LOG=warn`, an inherited
   * `CODEX_EXEC_SERVER_URL` unset (commands run here, not on a remote exec server), and
   * `NO_PROXY` (and `no_proxy`) naming the local hosts
   * besides those inherited, so that a proxy the environment names never carries the requests
   * meant for the mock.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Removes both directories; idempotent. Call after the app-server has exited. */
  cleanup(): Promise<void>;
}

/**
 * `value` as a quoted TOML basic string, escaped (for `extraConfig`); a value that is not a
 * string, or holds a lone surrogate (which TOML, being UTF-8, cannot hold), is a `TypeError`.
 */
export function tomlString(value: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`tomlString takes a string, got ${describe(value)}`);
  }
  return quoted(checkWellFormed(value, "tomlString's value"));
}

/** Options of {@link mockConfigToml}. */
export interface ConfigTomlOptions {
  /** Base URL of the mock provider, normally `mock.url`. */
  mockUrl: string;
  /** The model to select (default `"mock-model"`). */
  model?: string | undefined;
  /** TOML appended to the file, as {@link CodexHomeOptions.extraConfig}. */
  extraConfig?: string | undefined;
  /** Feature flags merged over {@link OFFLINE_FEATURES}. */
  features?: Readonly<Record<string, boolean>> | undefined;
  /** Path written as `model_catalog_json` (default none: the runtime's bundled catalogue). */
  modelCatalogPath?: string | undefined;
}

/** Renders the `config.toml` that {@link createCodexHome} writes. */
export function mockConfigToml(options: ConfigTomlOptions): string {
  const checked = checkHomeSettings(options, CONFIG_TOML_NAMES, "mockConfigToml options");
  checkBaseUrl(checked.mockUrl, "mockUrl");
  if (checked.modelCatalogPath !== undefined) {
    checkWellFormed(
      checkNonEmpty(checked.modelCatalogPath, "modelCatalogPath"),
      "modelCatalogPath",
    );
  }
  const settings = harnessSettings({
    mockUrl: checked.mockUrl,
    model: checked.model ?? "mock-model",
    features: checkFeatures(checked.features),
    modelCatalogPath: checked.modelCatalogPath,
  });
  // Everything is written as root-level dotted keys, with no [table] header, so that top-level
  // keys in extraConfig stay top-level instead of landing in the last table opened here.
  const lines = [
    "# Generated by codex-app-server-sdk/testing: offline config for a mock Responses API.",
    ...settings.map(([path, value]) => `${path.map(tomlKey).join(".")} = ${value}`),
    "",
  ];
  const extra = checked.extraConfig?.trim();
  return lines.join("\n") + (extra ? `\n${extra}\n` : "");
}

// The homes not yet cleaned up: removed as the process ends, so a test that timed out inside its
// `await using` block, whose end never comes, leaves none behind. The app-servers this process
// spawned are ended first, and waited for (up to `SERVER_END_MS`): still running, one would write
// in its home again, and ended by SIGTERM, each ends the commands it runs. Test runners end their workers with a signal (Vitest's forks with SIGTERM), which
// runs no `exit` listener: the signals that end a process are watched too, first of their
// listeners (so every other one is still there to be seen), and one nothing else listens to is
// raised again once the homes are gone, so the process ends by it as it would have. One the
// program listens to itself ends nothing, and removes nothing. (A worker thread ended by
// `terminate()` runs neither.)
const leftAtExit = new Set<readonly string[]>();
const ENDING_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
const SERVER_END_MS = 2000;

function removeLeftHomes(): void {
  killLiveChildren(SERVER_END_MS);
  for (const dirs of leftAtExit) {
    for (const dir of dirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        // The process is ending: stderr is the one place left to say so.
        console.error(`codex-app-server-sdk/testing: could not remove ${dir}: ${String(err)}`);
      }
    }
  }
  leftAtExit.clear();
}

function onEndingSignal(signal: NodeJS.Signals): void {
  // Another copy of this module (the CommonJS build beside the ES one) listens alike, and so does
  // signal-exit (under execa, ink, write-file-atomic...), which raises the signal again only when
  // it alone listens: its listeners are counted as ours, else each would wait on the other and
  // the signal would end nothing. Once ours are gone, it raises the signal itself.
  const listeners = process.listeners(signal);
  const ours = listeners.filter((listener) => OURS in listener).length;
  if (ours + signalExitListeners() !== listeners.length) return;
  removeLeftHomes();
  unwatch();
  process.kill(process.pid, signal);
}
const OURS = Symbol.for("codex-app-server-sdk.testing.removesHomes");

// How many listeners each signal has from signal-exit: one per copy loaded, counted by its shared
// emitter (version 4's on `globalThis`, version 3's on `process`).
function signalExitListeners(): number {
  const count = (emitter: unknown): number => {
    const value = (emitter as { count?: unknown } | undefined)?.count;
    return typeof value === "number" ? value : 0;
  };
  const global = globalThis as Record<symbol, unknown>;
  const legacy = (process as { __signal_exit_emitter__?: unknown }).__signal_exit_emitter__;
  return count(global[Symbol.for("signal-exit emitter")]) + count(legacy);
}
Object.defineProperty(onEndingSignal, OURS, { value: true });

function unwatch(): void {
  process.off("exit", removeLeftHomes);
  for (const signal of ENDING_SIGNALS) process.off(signal, onEndingSignal);
}

function removeAtExit(dirs: readonly string[]): void {
  if (leftAtExit.size === 0) {
    process.once("exit", removeLeftHomes);
    for (const signal of ENDING_SIGNALS) process.prependListener(signal, onEndingSignal);
  }
  leftAtExit.add(dirs);
}

function forgetAtExit(dirs: readonly string[]): void {
  if (leftAtExit.delete(dirs) && leftAtExit.size === 0) unwatch();
}

/**
 * Creates a temporary `CODEX_HOME` whose `config.toml` selects a provider at `mockUrl` (Responses
 * wire API, no retries, no OpenAI auth) and switches off everything that would reach the network,
 * plus an empty work directory for the thread's `cwd`. Spawn the app-server with `env` merged
 * over `process.env`; nothing from the user's `~/.codex` is read. The machine's config still
 * applies, as no setting of the runtime turns it off: `/etc/codex/config.toml` for what the home
 * does not set, and an administrator's managed config (`/etc/codex/managed_config.toml`, MDM) over
 * the home's.
 */
export async function createCodexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const checked = checkHomeSettings(options, HOME_NAMES, "createCodexHome options");
  checkBaseUrl(checked.mockUrl, "mockUrl");
  const catalogue = checked.models === false ? undefined : checked.models;
  const model = checked.model ?? catalogue?.[0]?.slug ?? "mock-model";
  const codexHome = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-home-"));
  let workDir: string | undefined;
  try {
    workDir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-work-"));
    let modelCatalogPath: string | undefined;
    if (checked.models !== false) {
      modelCatalogPath = path.join(codexHome, "models.json");
      const models = checked.models ?? [mockModelInfo(model)];
      await writeFile(modelCatalogPath, `${JSON.stringify({ models }, null, 2)}\n`);
    }
    const configPath = path.join(codexHome, "config.toml");
    await writeFile(
      configPath,
      mockConfigToml({
        mockUrl: checked.mockUrl,
        model,
        extraConfig: checked.extraConfig,
        features: checked.features,
        modelCatalogPath,
      }),
    );
    let cleaning: Promise<void> | undefined;
    const dirs = [codexHome, workDir];
    // Kept while it runs or once it succeeded; a failed attempt is forgotten, so it can be retried.
    const cleanup = (): Promise<void> => {
      cleaning ??= Promise.all(
        dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })),
      ).then(
        () => void forgetAtExit(dirs),
        (err: unknown) => {
          cleaning = undefined;
          throw err;
        },
      );
      return cleaning;
    };
    const home: CodexHome = {
      codexHome,
      workDir,
      configPath,
      env: {
        CODEX_HOME: codexHome,
        CODEX_SQLITE_HOME: codexHome,
        CODEX_EXEC_SERVER_URL: undefined,
        CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
        RUST_LOG: "warn",
        ...localNoProxy(),
      },
      cleanup,
      [Symbol.asyncDispose]: cleanup,
    };
    removeAtExit(dirs);
    return home;
  } catch (error) {
    await rm(codexHome, { recursive: true, force: true });
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * @internal The hosts of the mock, added to those the environment (or `given`) says to reach
 * without a proxy: an inherited HTTP_PROXY would otherwise carry the model's requests, prompts
 * included, to the proxy.
 */
export function localNoProxy(
  given: readonly (string | undefined)[] = [process.env.NO_PROXY, process.env.no_proxy],
): { NO_PROXY: string; no_proxy: string } {
  const hosts = new Set(["127.0.0.1", "localhost", "::1"]);
  for (const inherited of given) {
    for (const host of inherited?.split(",") ?? []) if (host.trim() !== "") hosts.add(host.trim());
  }
  const value = [...hosts].join(",");
  return { NO_PROXY: value, no_proxy: value };
}

// The tables the harness defines with dotted keys, which TOML lets no [header] open again.
const HARNESS_TABLES = [
  ["features"],
  ["analytics"],
  ["model_providers"],
  ["model_providers", "mock"],
];

const BARE_KEY = /[A-Za-z0-9_-]/;

/**
 * The tables a TOML text opens with a header and the keys it assigns, as paths of segments
 * (quotes and escapes read, so `"a.b"` is one segment and `"mod\u0065l"` is `model`). A small
 * reader of TOML's lexical rules (comments, the four kinds of string, escapes): enough to tell
 * which keys `extraConfig` defines, not to check that it is valid.
 */
function definedKeys(toml: string): Array<{ path: string[]; header: boolean }> {
  const found: Array<{ path: string[]; header: boolean }> = [];
  let at = 0;
  let table: string[] = [];
  const peek = (text: string) => toml.startsWith(text, at);
  const skipSpace = () => {
    while (at < toml.length && (toml[at] === " " || toml[at] === "\t")) at++;
  };
  // A basic string's body up to its closing quote(s), escapes read; `at` is past the opening.
  const basic = (close: string): string => {
    let out = "";
    while (at < toml.length && !peek(close)) {
      const char = toml[at++]!;
      if (char !== "\\") out += char;
      else if (toml[at] === "u" || toml[at] === "U" || toml[at] === "x") {
        const digits = toml[at] === "u" ? 4 : toml[at] === "U" ? 8 : 2;
        const code = Number.parseInt(toml.slice(at + 1, at + 1 + digits), 16);
        out += Number.isNaN(code) || code > 0x10ffff ? "" : String.fromCodePoint(code);
        at += 1 + digits;
      } else if (close === '"""' && /[ \t\r\n]/.test(toml[at] ?? "")) {
        // A line-ending backslash: the white space after it is dropped.
        while (/[ \t\r\n]/.test(toml[at] ?? "")) at++;
      } else out += TOML_ESCAPES[toml[at++] ?? ""] ?? "";
    }
    return out + closing(close);
  };
  const literal = (close: string): string => {
    const end = toml.indexOf(close, at);
    const body = toml.slice(at, end === -1 ? toml.length : end);
    at = end === -1 ? toml.length : end;
    return body + closing(close);
  };
  // Past the closing quote(s) at `at`; up to two quotes before a multi-line string's closing
  // three are of the string (`"""a""""` is `a"`), which are returned.
  const closing = (close: string): string => {
    let run = 0;
    // Five at most: more are no part of this string, and counting them all at each `"""` of a
    // long run of quotes took time growing as its square.
    while (close.length === 3 && run < 5 && toml[at + run] === close[0]) run++;
    const extra = Math.min(Math.max(run - 3, 0), 2);
    at += close.length + extra;
    return close[0]!.repeat(extra);
  };
  // A string value (any of the four kinds) at `at`, skipped; false when none starts there.
  const skipString = (): boolean => {
    for (const [open, read] of [
      ['"""', () => basic('"""')],
      ["'''", () => literal("'''")],
      ['"', () => basic('"')],
      ["'", () => literal("'")],
    ] as const) {
      if (!peek(open)) continue;
      at += open.length;
      read();
      return true;
    }
    return false;
  };
  // A key path at `at` (`a . "b" . 'c'`); undefined, with `at` where it stopped, if none is.
  const keyPath = (): string[] | undefined => {
    const path: string[] = [];
    for (;;) {
      skipSpace();
      if (peek('"')) {
        at++;
        path.push(basic('"'));
      } else if (peek("'")) {
        at++;
        path.push(literal("'"));
      } else {
        const start = at;
        while (at < toml.length && BARE_KEY.test(toml[at]!)) at++;
        if (at === start) return undefined;
        path.push(toml.slice(start, at));
      }
      skipSpace();
      if (!peek(".")) return path;
      at++;
    }
  };
  // How deep the line starts within arrays and inline tables: a value there, no key.
  let depth = 0;
  while (at < toml.length) {
    // The start of a line: a header, a key, or (within a multi-line array) a value.
    skipSpace();
    if (depth === 0 && peek("[")) {
      at += peek("[[") ? 2 : 1;
      const path = keyPath();
      if (path !== undefined) {
        table = path;
        found.push({ path, header: true });
      }
    } else if (depth === 0 && !peek('"""') && !peek("'''")) {
      // (A line that starts with a multi-line string holds no key.)
      const path = keyPath();
      skipSpace();
      if (path !== undefined && peek("=")) found.push({ path: [...table, ...path], header: false });
    }
    // The rest of the line (and of any multi-line string it opens).
    while (at < toml.length && toml[at] !== "\n") {
      const char = toml[at];
      if (char === "#") {
        const end = toml.indexOf("\n", at);
        at = end === -1 ? toml.length : end;
      } else if (!skipString()) {
        // A header's closing brackets are never below zero.
        if (char === "[" || char === "{") depth++;
        else if (char === "]" || char === "}") depth = Math.max(0, depth - 1);
        at++;
      }
    }
    at++;
  }
  return found;
}

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((segment, i) => segment === b[i]);
const under = (path: readonly string[], above: readonly string[]) =>
  path.length > above.length && above.every((segment, i) => segment === path[i]);

/**
 * What in `extraConfig` the runtime would refuse beside the harness's `config.toml`: a header
 * opening one of the harness's tables again, or a key or table the harness sets (`written`), one
 * of its tables, or one under one of its values, each defined twice. `undefined` when nothing
 * clashes.
 */
function extraConfigClash(
  toml: string,
  written: readonly (readonly string[])[],
): string | undefined {
  const shown = (path: readonly string[]) => path.map(tomlKey).join(".");
  for (const { path, header } of definedKeys(toml)) {
    if (header && HARNESS_TABLES.some((table) => samePath(table, path))) {
      return (
        `extraConfig opens [${shown(path)}], a table the harness writes as dotted keys (the ` +
        `runtime would refuse the file as defining it twice): write ${shown(path)}.name = value ` +
        "instead"
      );
    }
    for (const set of written) {
      if (!samePath(set, path) && !under(set, path) && !under(path, set)) continue;
      const what = samePath(set, path)
        ? "which the harness writes"
        : `where the harness writes ${shown(set)}`;
      return (
        `extraConfig sets ${shown(path)}, ${what} (the runtime would refuse the file as ` +
        "defining it twice): give it in Codex.start's configOverrides, which wins over the file"
      );
    }
  }
  return undefined;
}

// What the harness's config.toml sets: each key path with its value as TOML.
function harnessSettings(options: {
  mockUrl: string;
  model: string;
  features: Readonly<Record<string, boolean>>;
  modelCatalogPath: string | undefined;
}): Array<[path: string[], value: string]> {
  const { mockUrl, model, features, modelCatalogPath } = options;
  const provider = (key: string) => ["model_providers", MOCK_PROVIDER_ID, key];
  return [
    [["model"], quoted(model)],
    [["model_provider"], quoted(MOCK_PROVIDER_ID)],
    ...(modelCatalogPath === undefined
      ? []
      : [[["model_catalog_json"], quoted(modelCatalogPath)] as [string[], string]]),
    [["check_for_update_on_startup"], "false"],
    [["analytics", "enabled"], "false"],
    ...Object.entries({ ...OFFLINE_FEATURES, ...features }).map(
      ([name, on]) => [["features", name], String(on)] as [string[], string],
    ),
    [provider("name"), '"Mock Responses API"'],
    [provider("base_url"), quoted(mockUrl)],
    [provider("wire_api"), '"responses"'],
    [provider("requires_openai_auth"), "false"],
    [provider("request_max_retries"), "0"],
    [provider("stream_max_retries"), "0"],
  ];
}

// The key paths the harness's config.toml sets, for the features given and with or without a
// model catalogue.
function harnessKeys(
  features: Readonly<Record<string, boolean>>,
  catalogue: boolean,
): readonly string[][] {
  const settings = harnessSettings({
    mockUrl: "",
    model: "",
    features,
    modelCatalogPath: catalogue ? "" : undefined,
  });
  return settings.map(([path]) => path);
}

/** The options of a home that {@link createTestCodex} takes (it gives the mock's URL itself). */
export type HomeSettings = Omit<CodexHomeOptions, "mockUrl">;

const SETTING_KEYS = ["model", "extraConfig", "features", "models"] as const;
const HOME_NAMES = optionNames<CodexHomeOptions>()({ own: [...SETTING_KEYS, "mockUrl"] });
/** What {@link createTestCodex}'s `home` takes. */
export const HOME_SETTING_NAMES = optionNames<HomeSettings>()({ own: SETTING_KEYS });
const CONFIG_TOML_NAMES = optionNames<ConfigTomlOptions>()({
  own: ["mockUrl", "model", "extraConfig", "features", "modelCatalogPath"],
});

/**
 * What a home is given, checked before a directory is made: each mistake would otherwise show
 * only as a config.toml the runtime refuses, or a bare TypeError. `label` names the object in
 * errors.
 */
export function checkHomeSettings<T extends HomeSettings>(
  options: T | undefined,
  names: OptionNames,
  label: string,
): T {
  const checked = checkOptionNames(options, names, label);
  const { model, extraConfig, models } = checked;
  if (model !== undefined) checkWellFormed(checkNonEmpty(model, "model"), "model");
  if (extraConfig !== undefined && typeof extraConfig !== "string") {
    throw new TypeError(`extraConfig must be a string of TOML, got ${describe(extraConfig)}`);
  }
  // Written to config.toml as UTF-8, a lone surrogate would become U+FFFD, which nobody wrote.
  if (extraConfig !== undefined) checkWellFormed(extraConfig, "extraConfig");
  if (models !== undefined && models !== false) {
    if (!Array.isArray(models)) {
      throw new TypeError(
        `models must be an array of model entries or false, got ${describe(models)}`,
      );
    }
    checkCatalogue(models, "models");
    if (models.length === 0) {
      throw new TypeError(
        "models must hold at least one model (the runtime refuses an empty catalogue), or be " +
          "false for the runtime's bundled one",
      );
    }
  }
  const features = checkFeatures(checked.features);
  if (extraConfig !== undefined) {
    // mockConfigToml writes a catalogue's path when given one; a home, unless `models` is false.
    const catalogue =
      names === CONFIG_TOML_NAMES
        ? (checked as { modelCatalogPath?: unknown }).modelCatalogPath !== undefined
        : models !== false;
    // As written to the file: trimmed (of a byte order mark too).
    const clash = extraConfigClash(extraConfig.trim(), harnessKeys(features, catalogue));
    if (clash !== undefined) throw new TypeError(clash);
  }
  return checked;
}

// Feature flags are written as TOML booleans: anything else would be a bare word the runtime
// refuses when it loads the file.
function checkFeatures(
  features: Readonly<Record<string, boolean>> | undefined,
): Readonly<Record<string, boolean>> {
  for (const [name, on] of Object.entries(checkOptions(features, "features"))) {
    checkWellFormed(name, "a features key");
    if (typeof on !== "boolean") {
      throw new TypeError(`features.${name} must be a boolean, got ${describe(on)}`);
    }
  }
  return features ?? {};
}
