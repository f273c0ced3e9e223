import { hostname, networkInterfaces } from "node:os";
import { Codex, DEFAULT_START_TIMEOUT, startStepFailed } from "../codex.js";
import type { ConfigReadOptions } from "../config.js";
import { abortError, now, timeLeft } from "../internal/deadline.js";
import { thrownMessage } from "../internal/logger.js";
import { checkOptionNames, optionNames } from "../internal/validate.js";
import {
  checkConnectionOptions,
  CODEX_OPTION_KEYS,
  CODEX_OPTION_NAMES,
  launchFor,
  type CodexOptions,
} from "../launch.js";
import {
  checkHomeSettings,
  createCodexHome,
  HOME_SETTING_NAMES,
  localNoProxy,
  type CodexHome,
  type CodexHomeOptions,
} from "./harness.js";
import {
  checkServerOptions,
  startMockResponsesServer,
  type MockResponsesServer,
  type MockResponsesServerOptions,
} from "./mock-responses.js";

/** Options of {@link createTestCodex}. */
export interface TestCodexOptions extends Omit<CodexOptions, "env" | "baseUrl"> {
  /**
   * Not taken: the model's requests go to the mock, whose provider does not read the
   * `openai_base_url` that `baseUrl` sets. Given, `createTestCodex` rejects.
   */
  readonly baseUrl?: undefined;
  /**
   * Extra environment for the app-server, merged over the harness's; an `undefined` value unsets
   * an inherited variable, as for `Codex.start`, but leaves the harness's own (`CODEX_HOME`, ...).
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Options of the temporary `CODEX_HOME` (model, extra TOML, features, catalogue). */
  readonly home?: Omit<CodexHomeOptions, "mockUrl"> | undefined;
  /** Options of the mock Responses API. */
  readonly mock?: MockResponsesServerOptions | undefined;
}

const TEST_CODEX_NAMES = optionNames<TestCodexOptions>()({
  own: [...CODEX_OPTION_KEYS, "home", "mock"],
});

/** A real app-server wired to an offline mock model; see {@link createTestCodex}. */
export interface TestCodex extends AsyncDisposable {
  /** The client, connected to a real `codex app-server`. */
  readonly codex: Codex;
  /** The mock Responses API the app-server's model requests reach. */
  readonly mock: MockResponsesServer;
  /** The temporary `CODEX_HOME`. */
  readonly home: CodexHome;
  /** An empty temporary directory, handy as a thread's `cwd`. */
  readonly workDir: string;
  /** Closes the client, the mock and removes the temporary directories; idempotent. */
  close(): Promise<void>;
}

// The harness's environment with the caller's over it: an `undefined` value unsets an inherited
// variable, as for Codex.start, but leaves the harness's own; then the network's (see `routes`).
function mergeEnv(
  own: Readonly<Record<string, string | undefined>>,
  given: Readonly<Record<string, string | undefined>> | undefined,
  mockUrl: string,
): Record<string, string | undefined> {
  // No prototype: a variable named `__proto__` is one more key, as `Codex.start` takes it.
  const env: Record<string, string | undefined> = Object.assign(Object.create(null), own);
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value !== undefined || !Object.hasOwn(own, name)) env[name] = value;
  }
  return Object.assign(env, routes(mockUrl, given));
}

// The proxy variables, each read in either case (clients differ in which they read first).
const PROXY_NAMES = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"] as const;

/**
 * Where the server under test (and the commands it runs) sends what is not for the mock: to the
 * mock as their proxy, which refuses it (a thread given the `openai` provider, a ChatGPT login, a
 * command's download): nothing of a test leaves the machine. A proxy the caller's `env` names,
 * in any of the variables, replaces the mock in all of them (each value given set in both cases,
 * the first given in those it does not name). Reached directly: this machine (loopback, its
 * addresses and its host name) and the hosts the
 * caller's `NO_PROXY` names; an inherited `NO_PROXY` is not read, as a host it names would be
 * reached past the mock.
 */
function routes(
  mockUrl: string,
  given: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  const named = (name: string) => given?.[name] ?? given?.[name.toLowerCase()];
  // The caller's first proxy stands in the variables it did not name, where the mock's was.
  const first = PROXY_NAMES.map(named).find((value) => value !== undefined);
  const mock = new URL(mockUrl).origin;
  for (const name of PROXY_NAMES) {
    const value = first === undefined ? mock : (named(name) ?? first);
    env[name] = value;
    env[name.toLowerCase()] = value;
  }
  const direct = [given?.NO_PROXY, given?.no_proxy, "127.0.0.0/8", ...machineHosts()];
  return { ...env, ...localNoProxy(direct) };
}

// This machine's host name and addresses: a server of the test's may listen on any of them.
function machineHosts(): string[] {
  const hosts = [hostname()];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const { address } of addresses ?? []) hosts.push(address);
  }
  return hosts;
}

// The layers a test sets itself: its home's `config.toml` and its `configOverrides`.
const OWN_LAYERS: ReadonlySet<string> = new Set(["user", "sessionFlags"]);
// The settings that decide where the model's requests go.
const ROUTE_KEY = /^(?:model_provider$|model_providers\.mock\.)/;

/**
 * Refuses a server whose model requests would not reach the mock: an administrator's managed
 * config (`/etc/codex/managed_config.toml`, MDM) applies over the home's, and no setting of the
 * runtime turns it off. One that chose the provider, or changed the mock's, would send the test's
 * prompts off the machine. (Any layer but the home's and the test's own overrides is refused.)
 * @internal
 */
export async function checkModelRoute(
  codex: Pick<Codex, "config">,
  options?: ConfigReadOptions,
): Promise<void> {
  const { origins } = await codex.config.read(options);
  for (const [key, origin] of Object.entries(origins)) {
    if (origin === undefined || !ROUTE_KEY.test(key) || OWN_LAYERS.has(origin.name.type)) continue;
    const { name } = origin;
    const where = "file" in name ? `${name.type} config ${name.file}` : `${name.type} config`;
    throw new Error(
      `createTestCodex: ${key} is set by the ${where}, which applies over the test's home: the ` +
        "model's requests would not reach the mock. Run the tests where that config is absent " +
        "(a container, say)",
    );
  }
}

/**
 * Starts a mock Responses API, a temporary `CODEX_HOME` pointing at it, and a real app-server
 * using both: deterministic tests of Codex-driven code with no network and no account.
 */
export async function createTestCodex(options: TestCodexOptions = {}): Promise<TestCodex> {
  const {
    home: homeGiven,
    mock: mockGiven,
    env,
    baseUrl,
    ...codexOptions
  } = checkOptionNames(options, TEST_CODEX_NAMES);
  if (baseUrl !== undefined) {
    throw new TypeError(
      "createTestCodex takes no baseUrl: the model's requests go to the mock, whose provider " +
        "does not read the openai_base_url it sets",
    );
  }
  // Every option is checked before the mock starts or a directory is made, Codex.start's own
  // included: a mistake there would otherwise show only once the rest was set up.
  const homeOptions = checkHomeSettings(homeGiven, HOME_SETTING_NAMES, "home");
  const mockOptions = checkServerOptions(mockGiven, "mock");
  // The mock's catalogue becomes the runtime's when the home gives none, and the runtime refuses
  // an empty one: said here, naming the option given, before anything starts.
  if (homeOptions.models === undefined && mockOptions.models?.length === 0) {
    throw new TypeError(
      "mock.models must hold at least one model: createTestCodex gives the runtime the mock's " +
        "catalogue, and the runtime refuses an empty one",
    );
  }
  launchFor(checkConnectionOptions({ ...codexOptions, env }, CODEX_OPTION_NAMES));
  // As Codex.start refuses it before the spawn: here before the mock listens.
  const { startSignal } = codexOptions;
  if (startSignal?.aborted) throw abortError(startSignal);
  const mock = await startMockResponsesServer(mockOptions);
  let home: CodexHome | undefined;
  let codex: Codex;
  let since: number;
  try {
    // The runtime reads the home's catalogue, not the mock's: one given to the mock alone is it.
    const models = homeOptions.models ?? mockOptions.models;
    home = await createCodexHome({ ...homeOptions, models, mockUrl: mock.url });
    since = now();
    codex = await Codex.start({
      ...codexOptions,
      // `cwd: undefined` means the default, the work directory, as it does for Codex.start.
      cwd: codexOptions.cwd ?? home.workDir,
      env: mergeEnv(home.env, env, mock.url),
    });
  } catch (err) {
    const made = home;
    return await closeAll(
      [() => mock.close(), ...(made === undefined ? [] : [() => made.cleanup()])],
      {
        error: err,
      },
    );
  }
  const ownHome = home;
  const parts = [() => codex.close(), () => mock.close(), () => ownHome.cleanup()];
  // Still the start: within what is left of its bound, and given up on its signal, as
  // Codex.start's login of an apiKey is.
  const timeout = codexOptions.startTimeout ?? DEFAULT_START_TIMEOUT;
  try {
    await checkModelRoute(codex, { timeout: timeLeft(timeout, since), signal: startSignal });
  } catch (err) {
    // The server stopped first, so that its timeout shows what it wrote to stderr.
    let closeFailure: { readonly error: unknown } | undefined;
    try {
      await codex.close();
    } catch (error) {
      closeFailure = { error };
    }
    const closed = async () => {
      if (closeFailure !== undefined) throw closeFailure.error;
    };
    return await closeAll([closed, () => mock.close(), () => ownHome.cleanup()], {
      error: startStepFailed(codex, err, timeout),
    });
  }
  let closing: Promise<void> | undefined;
  // As the home's cleanup: a failed close is forgotten, so it can be retried.
  const close = () =>
    (closing ??= closeAll(parts).catch((err: unknown) => {
      closing = undefined;
      throw err;
    }));
  return {
    codex,
    mock,
    home: ownHome,
    workDir: ownHome.workDir,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Closes what a test codex started, each part even after another failed, so nothing is left
 * running or on disk; then throws what failed: `failed.error` (why a start is undone) or the one
 * step's error as it is, or an `AggregateError` of them all, saying whether the start or a
 * `close()` failed.
 */
async function closeAll(
  steps: ReadonlyArray<() => Promise<void>>,
  failed: { readonly error: unknown },
): Promise<never>;
async function closeAll(steps: ReadonlyArray<() => Promise<void>>): Promise<void>;
async function closeAll(
  steps: ReadonlyArray<() => Promise<void>>,
  failed?: { readonly error: unknown },
): Promise<void> {
  const errors: unknown[] = failed === undefined ? [] : [failed.error];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(
      errors,
      failed === undefined
        ? "TestCodex.close() failed"
        : `createTestCodex failed: ${thrownMessage(failed.error)}, then cleaning up`,
    );
  }
}
