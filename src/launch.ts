/**
 * How a client starts: the options of `Codex.start` and `Codex.connect`, checked before anything
 * is spawned or dialled, and the command line, environment and `initialize` answer they lead to.
 */
import {
  SERVER_NOTIFICATION_METHODS,
  type InitializeResponse,
  type ServerNotificationMethod,
} from "./generated/index.js";
import { CodexError } from "./errors.js";
import { checkLogger, type LogLevel, type Logger } from "./internal/logger.js";
import {
  envCredentials,
  pairCredentials,
  urlCredentials,
  variableForms,
  type VariableLookup,
} from "./internal/redact.js";
import { configArgs, readOverride, tomlString, type ConfigValue } from "./internal/toml.js";
import {
  checkBoolean,
  checkBaseUrl,
  checkEnvName,
  checkSpawnable,
  checkWellFormed,
  hasControlCharacter,
  checkNonEmpty,
  checkOptionNames,
  checkOptionalDelay,
  checkOptions,
  checkSecret,
  checkSignal,
  checkTimeout,
  describe,
  optionNames,
  type OptionNames,
  optionalBoolean,
} from "./internal/validate.js";
import { DELTA_METHODS, checkEventMode, type EventMode } from "./options.js";
import { checkCodexBin, checkNotBatch, locateRuntime, prependPath } from "./runtime.js";
import { HANDLER_KEYS, checkHandlers, type ServerRequestOptions } from "./server-requests.js";
import type { StdioLaunch } from "./transport/stdio.js";

/** `initialize.clientInfo`: how this client names itself to the server. */
export interface ClientInfoOptions {
  /** The client's identifier; default `"codex_app_server_sdk_ts"`. */
  readonly name?: string | undefined;
  /** The client's display name; default `"Codex App Server SDK (TypeScript)"`. */
  readonly title?: string | undefined;
  /** The client's version; default this SDK's version. */
  readonly version?: string | undefined;
}

/** What every connection negotiates in `initialize`, and the handlers of server requests. */
export interface ConnectionOptions extends ServerRequestOptions {
  /** `initialize.clientInfo`; defaults name this SDK. */
  readonly clientInfo?: ClientInfoOptions | undefined;
  /** `initialize.capabilities.experimentalApi`; default `true`. */
  readonly experimentalApi?: boolean | undefined;
  /** Notification methods the server should not send on this connection. */
  readonly optOutNotificationMethods?: readonly OptOutMethod[] | undefined;
  /**
   * `"results"` asks the server not to send per-token deltas (agent text, reasoning, command
   * output, ...): `run()` results and every item-level event stay the same, the client does far
   * less work, but `textStream()` and live text are not available. Default `"all"`.
   */
  readonly events?: EventMode | undefined;
  /**
   * How long start-up (to `initialize` answered) may take; default 60 000 ms. A start that fails
   * stops the server before it rejects, so none is left running: a server that ignores SIGTERM
   * makes that up to `killGraceMs` (over WebSocket, the 2 s close grace) longer.
   */
  readonly startTimeout?: number | undefined;
  /**
   * Aborting it gives up the start: the server is stopped (or the connection closed) and the
   * call rejects with the signal's reason. Once the client is returned it does nothing: call
   * `close()` to end it.
   */
  readonly startSignal?: AbortSignal | undefined;
  /**
   * Receives what the SDK does not throw: dropped or malformed server messages, failed
   * interrupts, handler errors, unanswered or unknown server requests. Default: none (silent).
   * Messages never carry a key or token this client handed the server.
   */
  readonly logger?: Logger | undefined;
  /** The least severe level passed to `logger`; default `"warn"`. */
  readonly logLevel?: LogLevel | undefined;
}

/** Options of `Codex.start`. */
export interface CodexOptions extends ConnectionOptions {
  /** Path of a `codex` executable to run instead of the pinned runtime. */
  readonly codexBin?: string | undefined;
  /**
   * Config values passed as `--config key=value` before `app-server`. An array takes ready
   * `key=value` strings; an object's values are written as TOML (strings quoted).
   */
  readonly configOverrides?: readonly string[] | Readonly<Record<string, ConfigValue>> | undefined;
  /**
   * An OpenAI API key for this app-server alone. It is kept in the runtime's in-memory credential
   * store (`cli_auth_credentials_store = "ephemeral"`) and never written to the Codex home; the
   * client logs in with it right after `initialize`.
   */
  readonly apiKey?: string | undefined;
  /** The OpenAI API base URL (`openai_base_url`), e.g. a proxy or a compatible service. */
  readonly baseUrl?: string | undefined;
  /** Working directory of the app-server process. */
  readonly cwd?: string | undefined;
  /** Environment variables for the child: merged over `process.env`, or alone with `inheritEnv: false`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Whether the child inherits `process.env` (default `true`). With `false` it gets only `env`,
   * plus the runtime's helper folder on `PATH`; give it `CODEX_HOME` (or `HOME`) so the runtime
   * finds its home, and `PATH` so the commands it runs (`codex.exec`, the model's shell) are
   * found: without it, `ls` or `git` fails to start.
   */
  readonly inheritEnv?: boolean | undefined;
  /** Full argv (`[command, ...args]`) to spawn instead of the pinned runtime and its arguments. */
  readonly launchArgs?: readonly string[] | undefined;
  /** How long `close()` waits after SIGTERM before SIGKILL; default 2000 ms. */
  readonly killGraceMs?: number | undefined;
}

/** Options of `Codex.connect`. */
export interface ConnectOptions extends ConnectionOptions {
  /** Capability token of a server started with `--ws-auth capability-token`. */
  readonly token?: string | undefined;
  /** Extra headers for the WebSocket upgrade request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * How often, in milliseconds, the client pings the server; a server that has sent nothing, not
   * even the answer, by the next ping is taken as gone (a dropped network leaves no other trace),
   * and the connection ends with `TransportClosedError`. Default 30 000; 0 sends no pings.
   */
  readonly pingInterval?: number | undefined;
}

const CONNECTION_KEYS = [
  ...HANDLER_KEYS,
  "serverRequestTimeout",
  "onChatgptTokenRefresh",
  "clientInfo",
  "experimentalApi",
  "optOutNotificationMethods",
  "events",
  "startTimeout",
  "startSignal",
  "logger",
  "logLevel",
] as const;
/** @internal The names of {@link CodexOptions}. */
export const CODEX_OPTION_KEYS = [
  ...CONNECTION_KEYS,
  "codexBin",
  "configOverrides",
  "apiKey",
  "baseUrl",
  "cwd",
  "env",
  "inheritEnv",
  "launchArgs",
  "killGraceMs",
] as const;
/** @internal */
export const CODEX_OPTION_NAMES = optionNames<CodexOptions>()({ own: CODEX_OPTION_KEYS });
/** @internal */
export const CONNECT_OPTION_NAMES = optionNames<ConnectOptions>()({
  own: [...CONNECTION_KEYS, "token", "headers", "pingInterval"],
});
const CLIENT_INFO_NAMES = optionNames<ClientInfoOptions>()({ own: ["name", "title", "version"] });

/**
 * The server's `initialize` answer, with `serverInfo` filled in. The 0.169.0 server sends only a
 * user agent, whose first word names the client that connected (`clientInfo.name`) and the
 * runtime version, so `serverInfo.name` is that name and `serverInfo.version` the runtime's.
 */
export type CodexMetadata = InitializeResponse & {
  /**
   * The server's name and version: its own `serverInfo`, else read from `userAgent`.
   * @property __type.name The server's name; from a 0.169.0 server, the client's `clientInfo.name`.
   * @property __type.version The server's version: the runtime's.
   */
  readonly serverInfo: { readonly name: string; readonly version: string };
};

/**
 * @internal Where a server keeps credentials, fixed at start-up: in memory when the SDK chose it
 * (`apiKey`, or `configOverrides`), else as the server's config says.
 */
export type CredentialStore = "memory" | "config";

/**
 * A notification method a connection may opt out of: any of the protocol's but those the SDK's
 * own waits end on, or its results are made of (without them a turn, a login, an MCP login, a
 * goal or a command's output would wait for ever or come back short, `textStream()` would miss a
 * message that came whole, a compaction could not tell its turn, and a sub-agent's link to its
 * parent would outlive the sub-agent's unload).
 */
export type OptOutMethod = Exclude<
  ServerNotificationMethod,
  | "turn/started"
  | "turn/completed"
  | "error"
  | "item/started"
  | "item/completed"
  | "thread/tokenUsage/updated"
  | "hook/completed"
  | "thread/closed"
  | "thread/status/changed"
  | "thread/archived"
  | "thread/deleted"
  | "thread/goal/updated"
  | "thread/goal/cleared"
  | "serverRequest/resolved"
  | "account/login/completed"
  | "mcpServer/oauthLogin/completed"
  | "command/exec/outputDelta"
>;

// The methods `OptOutMethod` leaves out, for the check at run time.
const SDK_NOTIFICATIONS = [
  "turn/started",
  "turn/completed",
  "error",
  "item/started",
  "item/completed",
  "thread/tokenUsage/updated",
  "hook/completed",
  "thread/closed",
  "thread/status/changed",
  "thread/archived",
  "thread/deleted",
  "thread/goal/updated",
  "thread/goal/cleared",
  "serverRequest/resolved",
  "account/login/completed",
  "mcpServer/oauthLogin/completed",
  "command/exec/outputDelta",
] as const satisfies readonly Exclude<ServerNotificationMethod, OptOutMethod>[];
const _allLeftOut: [
  Exclude<ServerNotificationMethod, OptOutMethod | (typeof SDK_NOTIFICATIONS)[number]>,
] extends [never]
  ? true
  : false = true;

/** @internal The methods the server should leave out: the user's, and the deltas in results-only mode. */
export function optOutOf(options: ConnectionOptions): { optOutNotificationMethods?: string[] } {
  const methods = new Set<string>(options.optOutNotificationMethods);
  if (options.events === "results") for (const method of DELTA_METHODS) methods.add(method);
  return methods.size === 0 ? {} : { optOutNotificationMethods: [...methods] };
}

/** @internal Checks the options every connection shares, before anything is spawned or dialled. */
export function checkConnectionOptions<O extends ConnectionOptions>(
  options: O | undefined,
  names: OptionNames,
): O {
  // A copy, checked as copied: what becomes of the caller's objects while the client starts
  // (its handlers among them) changes nothing, and a getter is read once.
  const checked: { -readonly [K in keyof ConnectionOptions]: ConnectionOptions[K] } = {
    ...checkOptionNames(options, names),
  };
  checkTimeout(checked.startTimeout, "startTimeout");
  checkSignal(checked.startSignal, "startSignal");
  checkLogger(checked.logger, checked.logLevel);
  const approvals = checkHandlers(checked);
  if (approvals !== undefined) checked.approvals = approvals;
  checkEventMode(checked.events);
  if (checked.experimentalApi !== undefined)
    checkBoolean(checked.experimentalApi, "experimentalApi");
  if (checked.clientInfo !== undefined) {
    const info = { ...checkOptionNames(checked.clientInfo, CLIENT_INFO_NAMES, "clientInfo") };
    for (const field of ["name", "title", "version"] as const) {
      const name = `clientInfo.${field}`;
      if (info[field] !== undefined) checkWellFormed(checkNonEmpty(info[field], name), name);
    }
    // The runtime's user agent holds the name and the version: each must be an HTTP header value.
    for (const field of ["name", "version"] as const) {
      if (info[field] !== undefined && hasControlCharacter(info[field], true)) {
        throw new TypeError(
          `clientInfo.${field} must not hold a control character: the runtime sends it in an HTTP header`,
        );
      }
    }
    checked.clientInfo = info;
  }
  if (checked.optOutNotificationMethods !== undefined) {
    const given: unknown = checked.optOutNotificationMethods;
    const notNames = () =>
      new TypeError("optOutNotificationMethods must be an array of method names");
    if (!Array.isArray(given)) throw notNames();
    // Copied as read, each item once, up to the first that is no name (a hole of a sparse list
    // included: walking on through its holes could take minutes).
    const methods: OptOutMethod[] = [];
    for (let i = 0; i < given.length; i++) {
      const method: unknown = given[i];
      if (typeof method !== "string" || method === "") throw notNames();
      methods.push(method as OptOutMethod);
    }
    methods.forEach((method, i) => {
      const name = `optOutNotificationMethods[${i}]`;
      checkWellFormed(method, name);
      // The server takes any name, so a misspelt one would silently opt out of nothing.
      if (!(SERVER_NOTIFICATION_METHODS as readonly string[]).includes(method)) {
        throw new TypeError(`${name} is no notification method of the protocol: ${method}`);
      }
      if ((SDK_NOTIFICATIONS as readonly string[]).includes(method)) {
        throw new TypeError(
          `${name} is ${method}, which the SDK itself needs to end calls and complete results`,
        );
      }
    });
    checked.optOutNotificationMethods = methods;
  }
  return checked as O;
}

/**
 * @internal The command line and environment of the child, checked before anything is spawned,
 * and where the server will keep credentials.
 */
export function launchFor(options: CodexOptions): {
  launch: StdioLaunch;
  credentialStore: CredentialStore;
  secrets: string[];
  /** The child's variables' values, for a config that names one as a credential's later. */
  variables: VariableLookup;
  /** The options that put a credential on the child's command line, which any local user reads. */
  exposed: string[];
} {
  checkOptionalDelay(options.killGraceMs, "killGraceMs");
  if (options.cwd !== undefined) checkSpawnable(checkNonEmpty(options.cwd, "cwd"), "cwd");
  // Copied as checked: a getter read again could give what the checks never saw. No prototype:
  // a variable named `__proto__` is one more key.
  const ownEnv = Object.create(null) as Record<string, string | undefined>;
  // Windows names a variable in any case: of two keys of one name (`{ ...process.env, PATH }`
  // beside the inherited `Path`), the later is the caller's, as it would be for one name.
  const windows = process.platform === "win32";
  const seen = windows ? new Map<string, string>() : undefined;
  for (const [key, value] of Object.entries(checkOptions(options.env, "env"))) {
    checkEnvName(key);
    const name = `env.${key}`;
    const twin = seen?.get(key.toUpperCase());
    if (twin !== undefined) delete ownEnv[twin];
    seen?.set(key.toUpperCase(), key);
    if (value !== undefined && typeof value !== "string") {
      throw new TypeError(`${name} must be a string, got ${describe(value)}`);
    }
    if (value !== undefined) checkSpawnable(value, name);
    // As `process.env.X ?? ""` gives: the runtime reads it as unset, and runs on `~/.codex`.
    if (value === "" && (windows ? key.toUpperCase() : key) === "CODEX_HOME") {
      throw new TypeError(
        `${name} is empty, which the runtime reads as unset, running on ~/.codex: give a ` +
          "directory, or leave it undefined to unset an inherited one",
      );
    }
    // An undefined value stays: it unsets a variable the child would inherit.
    ownEnv[key] = value;
  }
  const inherit = optionalBoolean(options.inheritEnv, true, "inheritEnv");
  const env = inherit ? mergedEnv(process.env, ownEnv, windows) : ownEnv;
  // Of what the child inherits, only the runtime's own login is known to be a credential.
  const inherited = inherit
    ? RUNTIME_CREDENTIALS.flatMap((name) => valuesOf(env, name, windows))
    : [];
  // The credentials of the child's environment and of the `--config` pairs among `args`, and
  // whether those pairs put any on the command line.
  const variables: VariableLookup = (names) => namedValues(env, names, windows);
  const childSecrets = (args: readonly string[], command?: string) => {
    const names: string[] = [];
    const onCommandLine = secretsOf(args, names, command);
    const secrets = [
      ...envCredentials(ownEnv),
      ...onCommandLine,
      ...inherited,
      ...variables(names),
    ];
    return { secrets, onCommandLine: onCommandLine.length > 0 };
  };
  const base = { cwd: options.cwd, killGraceMs: options.killGraceMs };
  if (options.apiKey !== undefined) checkSecret(options.apiKey, "apiKey");
  if (options.baseUrl !== undefined) checkBaseUrl(options.baseUrl, "baseUrl");
  if (options.launchArgs !== undefined) {
    const own = ["codexBin", "configOverrides", "apiKey", "baseUrl"] as const;
    const given = own.filter((name) => options[name] !== undefined);
    if (given.length > 0) {
      throw new TypeError(
        `launchArgs replaces the whole command line, so ${given.join(" and ")} cannot apply: ` +
          "put the matching --config values in launchArgs",
      );
    }
    const { command, args } = checkLaunchArgs(options.launchArgs);
    const { secrets, onCommandLine } = childSecrets(args, command);
    const exposed = onCommandLine ? ["launchArgs"] : [];
    const launch = { ...base, command, args, env };
    return { launch, credentialStore: "config", secrets, variables, exposed };
  }
  const given = options.configOverrides === undefined ? [] : configArgs(options.configOverrides);
  const store = overrideOf(given, "cli_auth_credentials_store");
  if (options.apiKey !== undefined && store !== undefined && store !== "ephemeral") {
    throw new TypeError(
      `apiKey keeps the key in memory, but configOverrides sets cli_auth_credentials_store to ${store}`,
    );
  }
  // Both would go on the command line, and the later (baseUrl's) would win without a word.
  if (options.baseUrl !== undefined && overrideOf(given, "openai_base_url") !== undefined) {
    throw new TypeError(
      "baseUrl sets openai_base_url, which configOverrides sets too: give the URL once",
    );
  }
  const config = [
    ...given,
    ...(options.apiKey === undefined ? [] : ["--config", 'cli_auth_credentials_store="ephemeral"']),
    ...(options.baseUrl === undefined
      ? []
      : ["--config", `openai_base_url=${tomlString(options.baseUrl)}`]),
  ];
  const memory = options.apiKey !== undefined || store === "ephemeral";
  const credentialStore = memory ? "memory" : "config";
  const { secrets, onCommandLine } = childSecrets(given);
  const exposed = onCommandLine ? ["configOverrides"] : [];
  // Redacted from the start, not only once the login sends it: the server's stderr and its first
  // answers are read before.
  if (options.apiKey !== undefined) secrets.push(options.apiKey);
  // The runtime quotes the URL it failed to reach, with what it carries.
  if (options.baseUrl !== undefined) {
    const carried = urlCredentials(options.baseUrl, true);
    secrets.push(...carried);
    if (carried.length > 0) exposed.push("baseUrl");
  }
  const args = [...config, "app-server", "--listen", "stdio://"];
  if (options.codexBin !== undefined) {
    return {
      launch: { ...base, command: checkCodexBin(options.codexBin), args, env },
      credentialStore,
      secrets,
      variables,
      exposed,
    };
  }
  const runtime = locateRuntime();
  const launch = {
    ...base,
    command: runtime.binary,
    args,
    env: runtime.pathDir === undefined ? env : prependPath(env, runtime.pathDir),
  };
  return { launch, credentialStore, secrets, variables, exposed };
}

/** The variables the runtime logs in with: inherited, their values are redacted too. */
const RUNTIME_CREDENTIALS = ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN"] as const;

/**
 * The child's variables: the inherited ones, then the caller's over them. On Windows a variable
 * is one whatever the case of its name (the caller's `PATH` is the inherited `Path`), so the
 * caller's replaces (or, undefined, unsets) the inherited one of any case.
 */
function mergedEnv(
  inherited: NodeJS.ProcessEnv,
  own: Record<string, string | undefined>,
  windows: boolean,
): NodeJS.ProcessEnv {
  // Without a prototype, a variable named `__proto__` is one more key, not the object's prototype.
  const env = Object.assign(Object.create(null) as NodeJS.ProcessEnv, inherited);
  if (windows) {
    const names = new Set(Object.keys(own).map((key) => key.toUpperCase()));
    for (const key of Object.keys(env)) if (names.has(key.toUpperCase())) delete env[key];
  }
  return Object.assign(env, own);
}

// The values of a variable, named in any case on Windows.
function valuesOf(env: NodeJS.ProcessEnv, name: string, windows: boolean): string[] {
  if (!windows) return env[name] === undefined ? [] : [env[name]];
  return Object.keys(env).flatMap((key) =>
    key.toUpperCase() === name && env[key] !== undefined ? [env[key]] : [],
  );
}

// The values of the variables the config says hold a credential (a provider's `env_key`), in
// the child's environment, inherited ones included, whatever their names look like.
function namedValues(env: NodeJS.ProcessEnv, names: readonly string[], windows: boolean) {
  return names.flatMap((name) => valuesOf(env, name, windows)).flatMap(variableForms);
}

// A variable's name, and the prefix a wrapper may set it with: `--env=NAME=value` or
// `-eNAME=value` (docker's), `--setenv=NAME=value` (systemd-run's).
const NAME = "[A-Za-z_][A-Za-z0-9_]*";
const WRAPPER_PREFIX = "(?:--env=|-e|--setenv=)?";
// An argument that sets a variable as a wrapper takes it, whole: `NAME=value` (`env`), or with
// a wrapper's prefix.
const VARIABLE_ARG = new RegExp(`^${WRAPPER_PREFIX}(${NAME})=`);
// A variable's name alone, as bubblewrap's `--setenv NAME VALUE` takes it.
const VARIABLE_NAME = new RegExp(`^${NAME}$`);
// A URL within an argument (`--proxy=https://user:password@host`, a script's `curl URL`), up to a
// blank or a quote.
const URL_IN_ARG = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'\u0060]+/g;
// Each word of a shell script that sets a variable (`sh -c "NAME=value exec codex ..."`, or with
// a wrapper's prefix: `docker run --env=NAME=value`), its value up to a blank or quoted.
const ASSIGNMENT = new RegExp(
  `(?:^|[\\s;&|(])${WRAPPER_PREFIX}(${NAME})=("[^"]*"|'[^']*'|[^\\s;&|)"']*)`,
  "g",
);
// A value the shell computes as it runs the script (`$(cat key)`, `${KEY}`, `$KEY`, backquotes):
// not on the command line.
const COMPUTED = /\$[({A-Za-z_]|\u0060/;
// A shell, whose `-c` takes a script rather than a `--config` pair.
const SHELL = /(?:^|[/\\])(?:sh|bash|dash|zsh|ksh|mksh|ash)(?:\.exe)?$/;
// A value given whole, with no blank: as a wrapper passes it on, no shell reads it.
const ONE_WORD = /^[^\s;&|]*$/;
// Bubblewrap, whose options' words (`--ro-bind /usr /usr`) are no program.
const BWRAP = /(?:^|[/\\])bwrap$/;
// Programs whose `--setenv NAME` passes the caller's own value on: one run inside bwrap ends its
// options.
const SETENV_NAME_ALONE = /(?:^|[/\\])(?:systemd-run|systemd-nspawn|run0)$/;
// A program that hands the words after it to a shell on another machine.
const REMOTE_SHELL = /(?:^|[/\\])ssh(?:\.exe)?$/;

// The credentials among the variables an argument sets, as a wrapper or, `script`, a shell
// would: a value a shell would compute (in a script's word, unquoted or in double quotes) is
// none.
function variableCredentials(arg: string, script = false): string[] {
  const out: string[] = [];
  const whole = VARIABLE_ARG.exec(arg);
  // A wrapper's argument is a variable whole; a shell's script, word by word.
  if (whole !== null && !script) {
    const value = arg.slice(whole[0].length);
    if (ONE_WORD.test(value) || !COMPUTED.test(value)) {
      out.push(...envCredentials({ [whole[1]!]: value }));
    }
  }
  for (const [, name, given] of arg.matchAll(ASSIGNMENT)) {
    const quote = given![0];
    const value = quote === '"' || quote === "'" ? given!.slice(1, -1) : given!;
    if (quote === "'" || !COMPUTED.test(value)) out.push(...envCredentials({ [name!]: value }));
  }
  // What a URL in it carries: its first query parameter too, which no `NAME=` word starts. In a
  // script, one the shell completes (`https://user:$PASSWORD@host`, unquoted or in double
  // quotes) carries nothing of the command line; in single quotes it is as written.
  for (const match of arg.matchAll(URL_IN_ARG)) {
    const url = match[0];
    if (script && COMPUTED.test(url) && !singleQuoted(arg, match.index)) continue;
    out.push(...urlCredentials(url));
  }
  // A wrapper's one variable is also its own first word: found twice.
  return [...new Set(out)];
}

// Whether a shell reads the character at `at` of `script` inside single quotes, as written.
function singleQuoted(script: string, at: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < at; i++) {
    const c = script[i];
    if (quote === undefined) {
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\") i++;
    } else if (c === quote) quote = undefined;
    else if (quote === '"' && c === "\\") i++;
  }
  return quote === "'";
}

/**
 * The credentials of the `--config` pairs of a command line, and of the variables it sets
 * (`NAME=value`, as a wrapper such as `env` or a shell's script takes them), but for values a
 * shell computes as it runs the script. `command` is the word before the first argument. The
 * client redacts them, and those
 * of the environment given to the child (of what it inherits, only {@link RUNTIME_CREDENTIALS}
 * and the variables these pairs name as a credential's: the rest a user never chose to name),
 * from everything it reports, as the runtime quotes a config value it cannot use and a server
 * may print its environment. The names of those variables are added to `names`.
 */
function secretsOf(args: readonly string[], names: string[], command?: string) {
  const out: string[] = [];
  // The program the options read so far belong to: the last word that is no option, nor the
  // value of a `-c` or `--config`. Once past `ssh`, words go to a remote shell.
  let program = command ?? "";
  let remote = REMOTE_SHELL.test(program);
  let bwrap = BWRAP.test(program);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === "--config" || arg === "-c") && i + 1 < args.length) {
      // A shell's `-c` takes a script, whose variables are read instead.
      const shell = arg === "-c" && SHELL.test(program);
      const value = args[++i]!;
      out.push(...(shell ? variableCredentials(value, true) : pairCredentials(value, names)));
    } else if (
      arg === "--setenv" &&
      bwrap &&
      i + 2 < args.length &&
      VARIABLE_NAME.test(args[i + 1]!)
    ) {
      // Bubblewrap's variable, its name and value the two words on (systemd-run's `--setenv NAME`
      // passes its own value on).
      out.push(...envCredentials({ [args[i + 1]!]: args[i + 2]! }));
      i += 2;
    } else if (arg.startsWith("--config=")) {
      out.push(...pairCredentials(arg.slice("--config=".length), names));
    } else if (arg.startsWith("-c") && arg.length > 2) {
      // The short option's value written on to it, as the runtime also takes it (`-cKEY=VALUE`,
      // `-c=KEY=VALUE`).
      out.push(...pairCredentials(arg.slice(arg[2] === "=" ? 3 : 2), names));
    } else {
      // A shell's own words (`bash -lc SCRIPT`) and a remote one's are scripts too.
      out.push(...variableCredentials(arg, remote || SHELL.test(program)));
      if (!arg.startsWith("-")) {
        program = arg;
        remote ||= REMOTE_SHELL.test(arg);
        bwrap = BWRAP.test(arg) || (bwrap && !SETENV_NAME_ALONE.test(arg));
      }
    }
  }
  return out;
}

// A whole argv: the command, then its arguments (which may be empty strings, as argv allows).
function checkLaunchArgs(launchArgs: unknown): { command: string; args: string[] } {
  if (!Array.isArray(launchArgs) || launchArgs.length === 0) {
    throw new TypeError(
      "launchArgs must be a non-empty array (the command to run, then its arguments), got " +
        describe(launchArgs),
    );
  }
  const [command, ...args] = Array.from(launchArgs as unknown[], (arg, i) => {
    if (typeof arg !== "string") {
      throw new TypeError(`launchArgs[${i}] must be a string, got ${describe(arg)}`);
    }
    return checkSpawnable(arg, `launchArgs[${i}]`);
  });
  checkNonEmpty(command, "launchArgs[0], the command to run,");
  return { command: checkNotBatch(command!, "launchArgs[0]"), args };
}

// The value a list of --config arguments gives `wanted`, if any (the last one wins).
function overrideOf(args: readonly string[], wanted: string): string | undefined {
  let found: string | undefined;
  for (const arg of args) {
    if (arg === "--config") continue;
    const pair = arg.startsWith("--config=") ? arg.slice("--config=".length) : arg;
    const { key, text } = readOverride(pair);
    if (key === wanted) found = text;
  }
  return found;
}

// How much of each piece of metadata an error shows.
const SHOWN_CHARS = 200;

/**
 * Fills `serverInfo` from the user agent where the server did not send it, and fails when name or
 * version cannot be found. The runtime's user agent begins `<clientInfo.name>/<version> `: given
 * the name this client sent (which may hold a space or a slash), the version is what follows it.
 * Otherwise the name is what comes before the first `/` (or, with none, the first white space),
 * and the version the next word.
 */
export function normalizeMetadata(
  response: InitializeResponse,
  clientName?: string,
): CodexMetadata {
  if (typeof response !== "object" || response === null || Array.isArray(response)) {
    throw new CodexError(`response must be the answer to initialize, got ${describe(response)}`);
  }
  if (clientName !== undefined && typeof clientName !== "string") {
    throw new CodexError(`clientName must be a string, got ${describe(clientName)}`);
  }
  const given = (response as { serverInfo?: { name?: unknown; version?: unknown } }).serverInfo;
  const userAgent = typeof response.userAgent === "string" ? response.userAgent.trim() : "";
  let name = typeof given?.name === "string" ? given.name.trim() : "";
  let version = typeof given?.version === "string" ? given.version.trim() : "";
  if ((name === "" || version === "") && userAgent !== "") {
    const [uaName, uaVersion] = splitUserAgent(response.userAgent, clientName);
    name ||= uaName;
    version ||= uaVersion;
  }
  if (userAgent === "" || name === "" || version === "") {
    // The server's words, cut: a user agent can be of any length.
    const cut = (text: string) =>
      JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text);
    throw new CodexError(
      `initialize response missing required metadata (userAgent=${cut(userAgent)}, ` +
        `serverName=${cut(name)}, serverVersion=${cut(version)})`,
    );
  }
  return { ...response, userAgent, serverInfo: { name, version } };
}

// The name and version a user agent begins with: the name this client sent, as sent (white space
// and slashes in it included), then `/` and the version; else what comes before the first `/`
// (or, with none, the first white space), and the word after it.
function splitUserAgent(sent: string, clientName: string | undefined): [string, string] {
  const firstWord = (text: string) => text.trim().split(/\s/, 1)[0] ?? "";
  if (clientName !== undefined && clientName !== "" && sent.startsWith(`${clientName}/`)) {
    return [clientName, firstWord(sent.slice(clientName.length + 1))];
  }
  const userAgent = sent.trim();
  let cut = userAgent.indexOf("/");
  if (cut === -1) cut = userAgent.search(/\s/);
  if (cut === -1) return [userAgent, ""];
  return [userAgent.slice(0, cut).trim(), firstWord(userAgent.slice(cut + 1))];
}
