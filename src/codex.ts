import path from "node:path";

import { readRateLimits, readUsage, type RateLimitsOptions, type UsageOptions } from "./account.js";
import type { CommandHandle, ExecOptions } from "./command.js";
import { CodexConfig } from "./config.js";
import {
  listMcpServers,
  startMcpLogin,
  type McpLoginHandle,
  type McpLoginOptions,
  type McpServersOptions,
} from "./mcp.js";
import type { SkillsOptions } from "./skills.js";
import {
  Paginated,
  THREAD_LIST,
  allPages,
  checkPage,
  isNotSupportedYet,
  isStartless,
  listRequest,
  reviewStartOf,
  threadPages,
} from "./history.js";
import { asOneCall, boundWait } from "./rpc/bound-wait.js";
import {
  Connection,
  type RawNotification,
  type RequestOptions,
  type RequestTicket,
} from "./rpc/connection.js";
import type {
  ClientRequestMap,
  ClientRequestMethod,
  GetAccountRateLimitsResponse,
  GetAccountResponse,
  GetAccountTokenUsageResponse,
  LoginAccountResponse,
  McpServerStatus,
  SkillsListResponse,
  ModelListParams,
  ModelListResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadArchiveResponse,
  ThreadDeleteResponse,
  Thread as ThreadRecord,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeParams,
  ThreadResumeResponse,
  ThreadStartParams,
} from "./generated/index.js";
import { SERVER_NOTIFICATION_METHODS } from "./generated/index.js";
import { CodexError, RequestTimeoutError, TransportClosedError } from "./errors.js";
import {
  abortError,
  callLeft,
  deadline,
  isGivenReason,
  now,
  timeLeft,
} from "./internal/deadline.js";
import { reportRejection } from "./internal/deferred.js";
import { Log } from "./internal/logger.js";
import { plainText } from "./internal/plain.js";
import {
  Secrets,
  headerCredentials,
  paramsCredentials,
  urlCredentials,
  type VariableLookup,
} from "./internal/redact.js";
import {
  checkBoolean,
  checkJson,
  checkNonEmpty,
  checkOptionalDelay,
  checkSecret,
  checkWellFormed,
  describe,
  optionNames,
  REQUEST_KEYS,
  splitRequestOptions,
  requestOptions,
  optionalBoolean,
  snapshot,
  type ReadOnly,
} from "./internal/validate.js";
import type { LoginTracker } from "./login-flows.js";
import type {
  AccountReadOptions,
  ChatgptAuthTokens,
  ChatgptLoginHandle,
  DeviceCodeLoginHandle,
  LoginApiKeyOptions,
  LoginChatgptOptions,
} from "./login.js";
import { type EventMode } from "./options.js";
import { EventLog, Router, droppableReader, type QueueHolder } from "./rpc/router.js";
import { ServerRequestDispatcher } from "./server-requests.js";
import { FOLLOW_METHODS, Thread, sendFollowed } from "./thread.js";
import { THREAD_CONFIG_METHODS, ThreadSecrets } from "./thread-secrets.js";
import { FOLLOW_UP_WAIT_MS, interruptUnfollowed, type CodexNotification } from "./turn.js";
import { StdioTransport } from "./transport/stdio.js";
import type { Transport } from "./transport/transport.js";
import { SDK_VERSION } from "./version.js";
import {
  CODEX_OPTION_NAMES,
  CONNECT_OPTION_NAMES,
  checkConnectionOptions,
  launchFor,
  normalizeMetadata,
  optOutOf,
  type CodexMetadata,
  type CodexOptions,
  type ConnectOptions,
  type ConnectionOptions,
  type CredentialStore,
} from "./launch.js";
import {
  canonicalThreadId,
  checkId,
  THREAD_FORK_NAMES,
  THREAD_RESUME_NAMES,
  THREAD_START_NAMES,
  checkThreadHandlers,
  checkForkPoint,
  threadIdOf,
  threadRequest,
  unappliedSettings,
  type CheckedHandlers,
  type ThreadForkOptions,
  type ThreadHandlers,
  type ThreadListOptions,
  type ThreadResumeOptions,
  type ThreadStartOptions,
} from "./thread-options.js";
import { sendStop } from "./stop.js";

const LOGIN_API_KEY_NAMES = optionNames<LoginApiKeyOptions>()({
  own: [...REQUEST_KEYS, "persist"],
});
/** Options of `Codex.models`. */
export interface ModelsOptions extends RequestOptions {
  /** Also list the models hidden from pickers; default `false`. */
  readonly includeHidden?: boolean | undefined;
  /** The id of a configured model provider whose models to list, instead of the default one. */
  readonly modelProvider?: string | undefined;
}

const MODELS_NAMES = optionNames<ModelsOptions>()({
  own: [...REQUEST_KEYS, "includeHidden", "modelProvider"],
});

const DEFAULT_CLIENT = {
  name: "codex_app_server_sdk_ts",
  title: "Codex App Server SDK (TypeScript)",
};

/** The methods whose params may be left out. */
type ParamsOptionalMethod = {
  [M in ClientRequestMethod]: undefined extends ClientRequestMap[M]["params"] ? M : never;
}[ClientRequestMethod];

/** What the SDK keeps for a client, shared with its threads; never reachable from outside. */
interface Internals {
  readonly credentialStore: CredentialStore;
  readonly events: EventMode;
  /** The notification methods the server was asked not to send (`optOutNotificationMethods`). */
  readonly optedOut: readonly string[];
  readonly connection: Connection;
  readonly transport: Transport;
  readonly router: Router;
  readonly dispatcher: ServerRequestDispatcher;
  readonly secrets: Secrets;
  /** The credentials of each thread's `config`, held while the server may use them. */
  readonly threadSecrets: ThreadSecrets;
  /** The values of the server's variables a config may name as a credential's. */
  readonly variables: VariableLookup;
  readonly log: Log;
}

let internalsOf: (codex: Codex) => Internals;

/** What the server said before the client was handed out, and the end of the keeping. */
/** A thread the server made: its id, and for a fork, the thread it was forked from. */
interface NewThread {
  readonly id: string;
  readonly forkedFrom: string | undefined;
}

interface Startup {
  readonly notifications: CodexNotification[];
  readonly stop: () => void;
}

/**
 * The error of a start's step taken after `Codex.start` returned (`createTestCodex`'s check of the
 * model's route), once `codex` is closed: a timeout named by the start's bound and carrying the
 * server's stderr tail, as `Codex.start`'s own steps give it.
 * @internal
 */
export function startStepFailed(codex: Codex, err: unknown, timeoutMs: number): unknown {
  if (!(err instanceof RequestTimeoutError)) return err;
  return startTimedOut(err, timeoutMs, internalsOf(codex).connection);
}

/**
 * Sizes of what a client keeps (pending calls, routed turns, per-thread handlers and tools,
 * listeners), keyed like `"dispatcher.threadHandlers"`, for leak checks in tests: taken before
 * and after some work, they should be equal. Exported by `codex-app-server-sdk/testing`; the keys
 * may change between versions.
 */
export function clientStats(codex: Codex): Record<string, number> {
  const { connection, router, dispatcher, threadSecrets, transport } = internalsOf(codex);
  const parts = {
    connection,
    router,
    dispatcher,
    threadSecrets,
    ...(transport instanceof StdioTransport ? { transport } : {}),
  };
  const out: Record<string, number> = {};
  for (const [name, part] of Object.entries(parts)) {
    for (const [key, value] of Object.entries(part.stats)) out[`${name}.${key}`] = value;
  }
  return out;
}

/**
 * How many notifications a client keeps from its start (`startupNotifications`): a real server
 * sends a handful (a config warning, the status of each MCP server).
 */
const MAX_STARTUP_NOTIFICATIONS = 1000;

// How long a start waits for the server's answer to `initialize` when `startTimeout` is not given.
/** @internal */
export const DEFAULT_START_TIMEOUT = 60_000;

/**
 * How long `close()` waits for a shared server to stop each thing the client left running (a
 * login's cancel, a turn's interrupt, a goal's pause).
 */
const STOP_ON_CLOSE_MS = 2000;

// What a closing client still sends: what stops work it started (a login's cancel, a turn's
// interrupt, a command's end, a goal's pause), so that a server outliving it runs none on.
function sentWhileClosing(method: string, params: unknown): boolean {
  if (method === "thread/goal/set") {
    return (params as { status?: unknown } | null | undefined)?.status === "paused";
  }
  return STOPS.has(method);
}
const STOPS: ReadonlySet<string> = new Set([
  "account/login/cancel",
  "turn/interrupt",
  "command/exec/terminate",
]);

// How often, and from how far apart, a resume refused as its thread's first turn starts is sent
// again (50, 100, 200 ms: the refusal had passed 100 ms later in every probe).
const RESUME_RETRIES = 3;
const RESUME_RETRY_MS = 50;

/**
 * A start's step that timed out (the bound being the start's, `timeoutMs`), with what the server
 * wrote to stderr as it failed to answer, which usually says why: read once it is stopped. Any
 * other error as it is.
 */
function startTimedOut(err: unknown, timeoutMs: number, connection: Connection): unknown {
  if (!(err instanceof RequestTimeoutError) || isGivenReason(err)) return err;
  const stderrTail = connection.stderrTail();
  if (stderrTail === "" && err.timeoutMs === timeoutMs) return err;
  const { method, cause } = err;
  return new RequestTimeoutError(method, timeoutMs, {
    stderrTail,
    ...(cause === undefined ? undefined : { cause }),
  });
}

/** A running `codex app-server` and the client connected to it. */
export class Codex implements AsyncDisposable {
  readonly #internals: Internals;
  #closing: Promise<void> | undefined;
  readonly #startup: Startup;
  // Set for a server this client connected to (`Codex.connect`), which outlives the client.
  #outlives = false;

  static {
    // The bundler writes a class that names itself in its body as `var Codex = class _Codex`:
    // what a user logs would say `_Codex`. Its name stays the one written here.
    Object.defineProperty(this, "name", { value: "Codex" });
    internalsOf = (codex) => {
      if (typeof codex !== "object" || codex === null || !(#internals in codex)) {
        throw new TypeError(`clientStats takes a Codex client, got ${describe(codex)}`);
      }
      return codex.#internals;
    };
  }

  private constructor(
    internals: Omit<Internals, "router" | "dispatcher" | "threadSecrets">,
    /** The server's `initialize` answer, normalised. */
    readonly metadata: CodexMetadata,
    options: ConnectionOptions,
    startup: Startup,
  ) {
    this.#startup = startup;
    const { connection, log, secrets } = internals;
    const router = new Router(connection, log);
    const dispatcher = new ServerRequestDispatcher(router, options, {
      log,
      secrets,
      platformFamily: metadata.platformFamily,
      oversize: (id, json) => connection.oversize(id, json),
    });
    connection.setServerRequestHandler(dispatcher.handle);
    connection.onClose(() => dispatcher.clear());
    const threadSecrets = new ThreadSecrets(secrets, router);
    this.#internals = { ...internals, router, dispatcher, threadSecrets };
  }

  // The login flows, loaded on the first login (most clients never log in through the SDK), and
  // the client's one login tracker, created then: before any login request is sent.
  #logins: Promise<{ flows: typeof import("./login-flows.js"); tracker: LoginTracker }> | undefined;

  #loginFlows(): Promise<{ flows: typeof import("./login-flows.js"); tracker: LoginTracker }> {
    this.#logins ??= import("./login-flows.js").then((flows) => {
      const { router, connection, log } = this.#internals;
      return { flows, tracker: new flows.LoginTracker(router, connection, log) };
    });
    return this.#logins;
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the ready client. */
  static async start(options?: CodexOptions): Promise<Codex> {
    const checked = checkConnectionOptions(options, CODEX_OPTION_NAMES);
    const { launch, credentialStore, secrets, variables, exposed } = launchFor(checked);
    const signal = checked.startSignal;
    if (signal?.aborted) throw abortError(signal);
    const transport = new StdioTransport(launch);
    const since = now();
    // Told before the spawn: the credential is on the command line whether the start succeeds
    // or not.
    const warnings =
      exposed.length === 0
        ? []
        : [
            `${exposed.join(" and ")} put a credential on the app-server's command line, which ` +
              "other users of this machine can read: give it in env, named by the config " +
              "(a provider's env_key or env_http_headers, an MCP server's bearer_token_env_var)",
          ];
    const codex = await Codex.#open(
      transport,
      checked,
      credentialStore,
      secrets,
      variables,
      warnings,
    );
    // The server read its config for this directory as it started, a project's layers included.
    codex.#serverCwd = path.resolve(launch.cwd ?? ".");
    if (checked.apiKey !== undefined) {
      // Within what is left of the start's bound, which it names when it ends there.
      const timeout = checked.startTimeout ?? DEFAULT_START_TIMEOUT;
      try {
        await codex.loginApiKey(checked.apiKey, { timeout: timeLeft(timeout, since), signal });
      } catch (err) {
        const { connection } = codex.#internals;
        await codex.close();
        throw startTimedOut(err, timeout, connection);
      }
    }
    return codex.#ready();
  }

  /**
   * Connects to an app-server that is already running with `--listen ws://HOST:PORT` or
   * `--listen unix://PATH` (needs the `ws` package). `close()` then closes the connection, not
   * the server.
   */
  static async connect(url: string, options?: ConnectOptions): Promise<Codex> {
    // Its headers are checked once the WebSocket module has loaded: copied at the call.
    const checked = checkConnectionOptions(snapshot(options), CONNECT_OPTION_NAMES);
    // Loaded here: most clients spawn their server and never need it.
    const { WebSocketTransport, checkWebSocketAuth, webSocketAddress } =
      await import("./transport/websocket.js");
    const address = webSocketAddress(url);
    const { token, headers } = checkWebSocketAuth(checked.token, checked.headers, url);
    const pingInterval = checkOptionalDelay(checked.pingInterval, "pingInterval");
    // After the input's checks, as every call names bad input before an aborted signal.
    const signal = checked.startSignal;
    if (signal?.aborted) throw abortError(signal);
    const transport = new WebSocketTransport({ ...address, token, headers, pingInterval });
    // What a server may quote back: the token, credential headers, what the URL carries.
    const secrets = [...(token === undefined ? [] : [token]), ...urlCredentials(url, true)];
    for (const [name, value] of Object.entries(headers ?? {})) {
      secrets.push(...headerCredentials(name, value));
    }
    // The server's environment is not known: only the values above are.
    const codex = await Codex.#open(transport, checked, "config", secrets, () => []);
    codex.#outlives = true;
    return codex.#ready();
  }

  // The client is handed out: from now on notifications reach the listeners only.
  #ready(): this {
    this.#startup.stop();
    Object.freeze(this.#startup.notifications);
    return this;
  }

  // Starts the transport (after logging `warnings`), sends `initialize` then `initialized`; a
  // failure closes the transport and rethrows.
  static async #open(
    transport: Transport,
    options: ConnectionOptions,
    credentialStore: CredentialStore,
    secretValues: readonly string[],
    variables: VariableLookup,
    warnings: readonly string[] = [],
  ): Promise<Codex> {
    const secrets = new Secrets();
    secrets.addAll(secretValues);
    const log = new Log(options.logger, options.logLevel, secrets);
    for (const warning of warnings) log.warn(warning);
    const connection = new Connection(transport, { log, secrets });
    // Nobody can listen until the client is handed out; what the server says until then is kept,
    // up to a bound: a server that floods the start would otherwise fill the host's memory.
    const notifications: CodexNotification[] = [];
    let dropped = 0;
    const stop = connection.onNotification((n) => {
      if (notifications.length < MAX_STARTUP_NOTIFICATIONS) {
        notifications.push(n as CodexNotification);
      } else if (dropped++ === 0) {
        log.warn(
          `the server sent more than ${MAX_STARTUP_NOTIFICATIONS} notifications before the ` +
            "client was ready: the later ones are dropped",
        );
      }
    });
    try {
      const clientInfo = {
        name: options.clientInfo?.name ?? DEFAULT_CLIENT.name,
        title: options.clientInfo?.title ?? DEFAULT_CLIENT.title,
        version: options.clientInfo?.version ?? SDK_VERSION,
      };
      const optOut = optOutOf(options);
      const response = await connection.request(
        "initialize",
        {
          clientInfo,
          capabilities: {
            experimentalApi: options.experimentalApi ?? true,
            requestAttestation: false,
            ...optOut,
          },
        },
        { timeout: options.startTimeout ?? DEFAULT_START_TIMEOUT, signal: options.startSignal },
      );
      const metadata = normalizeMetadata(response, clientInfo.name);
      await connection.notify("initialized");
      const events = options.events ?? "all";
      const optedOut = optOut.optOutNotificationMethods ?? [];
      const internals = {
        connection,
        transport,
        secrets,
        log,
        credentialStore,
        events,
        optedOut,
        variables,
      };
      return new Codex(internals, metadata, options, { notifications, stop });
    } catch (err) {
      // A start given up on before the server was reached is told as such, naming it.
      // (Not the reason the caller's `startSignal` gave, whatever its kind.)
      const timedOut = err instanceof RequestTimeoutError && !isGivenReason(err);
      const ms = timedOut ? (err as RequestTimeoutError).timeoutMs : 0;
      const unreached = timedOut ? transport.unreached?.(ms) : undefined;
      await connection.close();
      if (unreached !== undefined) throw new TransportClosedError(unreached, { cause: err });
      throw startTimedOut(err, ms, connection);
    }
  }

  /**
   * The notifications the server sent while `Codex.start` or `Codex.connect` ran, in order: no
   * listener could be added yet. Later ones reach the listeners, so one added as soon as the
   * client is returned misses nothing. A `configWarning` (a setting of the user's config the
   * runtime ignores, a missing sandbox tool) comes right after `initialize`, in one or the other.
   */
  get startupNotifications(): readonly CodexNotification[] {
    return this.#startup.notifications;
  }

  /**
   * Process id of the app-server child: `undefined` when connected over WebSocket, and once the
   * child has exited (its id may then name another process).
   */
  get pid(): number | undefined {
    const { transport } = this.#internals;
    return transport instanceof StdioTransport ? transport.pid : undefined;
  }

  /**
   * Sends any client request of the protocol, typed by method. The escape hatch for methods the
   * high-level API does not wrap.
   */
  request<M extends ParamsOptionalMethod>(
    method: M,
    params?: ReadOnly<ClientRequestMap[M]["params"]>,
    options?: RequestOptions,
  ): Promise<ClientRequestMap[M]["result"]>;
  /**
   * The params are required for a method that takes some, and for a `method` typed as a union
   * that holds one. A generic wrapper may pass on params typed `ClientRequestMap[M]["params"]`.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ReadOnly<ClientRequestMap[M]["params"]> | ClientRequestMap[M]["params"],
    options?: RequestOptions,
  ): Promise<ClientRequestMap[M]["result"]>;
  async request(
    method: ClientRequestMethod,
    given?: unknown,
    options?: RequestOptions,
  ): Promise<unknown> {
    checkNonEmpty(method, "method");
    // `null` is sent as it is: the protocol types allow it for a few methods.
    if (
      given !== undefined &&
      given !== null &&
      (typeof given !== "object" || Array.isArray(given))
    ) {
      throw new TypeError(`params of ${method} must be an object, got ${describe(given)}`);
    }
    // What JSON would change (NaN to null, a Date to a string) would reach the server as
    // something the caller never wrote; the copy checked is what is sent.
    const params = given === undefined ? given : checkJson(given, "params");
    const call = requestOptions(options);
    // A key, token or config credential sent this way is redacted as the typed methods' are: a
    // thread's config for the thread, any other for the client's life.
    const { connection, secrets, threadSecrets, variables } = this.#internals;
    const credentials = paramsCredentials(method, params, variables);
    const sending = THREAD_CONFIG_METHODS.has(method)
      ? <T>(send: () => Promise<T>) =>
          threadSecrets.sendHolding(credentials, send, method !== "thread/resume")
      : undefined;
    if (sending === undefined) secrets.addAll(credentials);
    // An unsubscribe, resume, archive or delete sent this way keeps the client's record of the
    // threads it follows true, as the typed methods do (under the thread's id as the server
    // names it: the runtime takes other spellings of it).
    const threadId = (params as { threadId?: unknown } | undefined)?.threadId;
    if (FOLLOW_METHODS.has(method) && typeof threadId === "string") {
      const id = canonicalThreadId(threadId);
      return sendFollowed(this.#internals, method, id, params, call, sending);
    }
    // Work done on behalf of a turn running on another thread: this client's own, not a
    // sub-agent's (see `ServerRequestDispatcher`).
    const rootTurnId = (params as { rootTurnId?: unknown } | undefined)?.rootTurnId;
    if (method === "turn/start" && typeof rootTurnId === "string") {
      this.#internals.router.noteDelegation(rootTurnId);
    }
    let answer: Promise<unknown>;
    if (sending === undefined || credentials.length === 0) {
      answer = connection.request(method, params, call);
    } else {
      // Sent without the caller's bounds, which bound the wait alone: the credentials a thread's
      // config holds are let go or kept with the thread once the answer comes, waited for or not.
      if (call?.signal?.aborted) throw abortError(call.signal);
      const ticket: RequestTicket = {};
      answer = boundWait(
        sending(() => connection.request(method, params, { ticket })),
        method,
        call,
        // Not sent yet (more than 64 requests in flight): withdrawn, it makes no thread.
        () => void connection.withdraw(ticket),
      );
    }
    if (method !== "turn/start" || typeof threadId !== "string") return answer;
    // A turn started this way runs once answered, before its start is read: what waits for the
    // thread's turns (a compaction, a review, a revert) waits for it too. (Unless the thread
    // ended in the read that answered.)
    const { router } = this.#internals;
    const id = canonicalThreadId(threadId);
    return router.whileAnswered(answer).then(({ answer: response, ended }) => {
      const turnId = (response as { turn?: { id?: unknown } } | undefined)?.turn?.id;
      if (typeof turnId === "string" && ended(id) === undefined) {
        router.noteTurnAnswered(id, turnId);
      }
      return response;
    });
  }

  /**
   * Logs in with an OpenAI API key (`account/login/start {type: "apiKey"}`); the key (of 8
   * characters or more) never appears in errors. Where the key is kept is fixed when the server
   * starts: in the Codex home (the default, so later runs are logged in too), or in memory for a
   * client started with `apiKey` or a config whose `cli_auth_credentials_store` is `"ephemeral"`.
   * `persist` states which you expect, and a mismatch rejects before the key is sent.
   */
  async loginApiKey(apiKey: string, options?: LoginApiKeyOptions): Promise<void> {
    const { connection, secrets } = this.#internals;
    const split = splitRequestOptions(options, LOGIN_API_KEY_NAMES);
    const { rest } = split;
    let { call } = split;
    if (rest.persist !== undefined) {
      const persist = checkBoolean(rest.persist, "persist");
      checkSecret(apiKey, "apiKey");
      const t0 = now();
      // One timeout bounds the whole call: the login gets what the question left of it, and
      // whichever runs out, the call does.
      const timeout = call?.timeout;
      const store = await asOneCall(this.#credentialStore(call), "account/login/start", timeout);
      if (timeout !== undefined) call = { ...call, timeout: timeLeft(timeout, t0) };
      if (!persist && store !== "memory") {
        throw new TypeError(
          "persist: false needs a client that keeps credentials in memory, and this one keeps " +
            "them where they last (its Codex home, or the system keyring as its config's " +
            "cli_auth_credentials_store says): start it with Codex.start({ apiKey }) (the " +
            "runtime fixes its credential store at start-up)",
        );
      }
      if (persist && store === "memory") {
        throw new TypeError(
          "this client keeps credentials in memory (started with apiKey, or its config's " +
            'cli_auth_credentials_store is "ephemeral"); the key cannot be persisted',
        );
      }
    }
    const { flows } = await this.#loginFlows();
    await asOneCall(
      flows.loginApiKey(connection, secrets, apiKey, call),
      "account/login/start",
      split.call?.timeout,
    );
  }

  // Where the server keeps credentials: known when the SDK chose it (`apiKey`, or
  // `configOverrides`), else its effective config says (`config.toml` may choose too). The server
  // fixes it at start-up, so the first answer stands: a later edit of `config.toml` changes what
  // the config says, not where the running server keeps keys (and `codex.config` asks before it
  // sends an edit of that key).
  async #credentialStore(call: RequestOptions | undefined): Promise<"memory" | "persistent"> {
    const { connection, credentialStore } = this.#internals;
    if (credentialStore === "memory") return "memory";
    if (this.#storeAtStart !== undefined) return this.#storeAtStart;
    // Read for the directory the server started in (a spawned one's), whose project layers may
    // choose too.
    const cwd = this.#serverCwd;
    const { config } = await connection.request(
      "config/read",
      cwd === undefined ? {} : { cwd },
      call,
    );
    if (typeof config !== "object" || config === null) {
      throw new CodexError("the answer to config/read holds no config");
    }
    this.#storeAtStart ??=
      config.cli_auth_credentials_store === "ephemeral" ? "memory" : "persistent";
    return this.#storeAtStart;
  }

  #storeAtStart: "memory" | "persistent" | undefined;
  // The working directory of a server this client spawned.
  #serverCwd: string | undefined;

  /** Starts a browser ChatGPT login: open the handle's `authUrl`, then `wait()` for the completion. */
  async loginChatgpt(options?: LoginChatgptOptions): Promise<ChatgptLoginHandle> {
    // Each call here whose checks are loaded on first use reads its input as it was at the call.
    const given = snapshot(options);
    const { flows, tracker } = await this.#loginFlows();
    return flows.loginChatgpt(this.#internals.connection, tracker, given);
  }

  /** Starts a device-code ChatGPT login: show `verificationUrl` and `userCode`, then `wait()`. */
  async loginChatgptDeviceCode(options?: RequestOptions): Promise<DeviceCodeLoginHandle> {
    const given = snapshot(options);
    const { flows, tracker } = await this.#loginFlows();
    return flows.loginChatgptDeviceCode(this.#internals.connection, tracker, given);
  }

  /** Hands the server ChatGPT tokens this client manages (external auth); the token never appears in errors. */
  async loginChatgptAuthTokens(
    tokens: ChatgptAuthTokens,
    options?: RequestOptions,
  ): Promise<LoginAccountResponse> {
    const { connection, secrets } = this.#internals;
    const given = snapshot([tokens, options] as const);
    const { flows } = await this.#loginFlows();
    return flows.loginChatgptAuthTokens(connection, secrets, ...given);
  }

  /** `account/read`: the current account (`null` when logged out) and whether OpenAI auth is required. */
  async account(options?: AccountReadOptions): Promise<GetAccountResponse> {
    const given = snapshot(options);
    const { flows } = await this.#loginFlows();
    return flows.readAccount(this.#internals.connection, given);
  }

  /**
   * The ChatGPT account's rate limits (`account/rateLimits/read`). Without ChatGPT
   * authentication it rejects with `ChatgptAuthRequiredError`. Updates arrive as
   * `account/rateLimits/updated` (see `on`).
   */
  async rateLimits(options?: RateLimitsOptions): Promise<GetAccountRateLimitsResponse> {
    return readRateLimits(this.#internals.connection, options);
  }

  /**
   * The ChatGPT account's token usage, or one thread's with `threadId` (`account/usage/read`).
   * Without ChatGPT authentication it rejects with `ChatgptAuthRequiredError`.
   */
  async usage(options?: UsageOptions): Promise<GetAccountTokenUsageResponse> {
    return readUsage(this.#internals.connection, options);
  }

  /** Reads and writes the runtime's configuration (`config/read`, `config/value/write`, `config/batchWrite`). */
  get config(): CodexConfig {
    const { connection, secrets, variables } = this.#internals;
    return new CodexConfig(connection, secrets, variables, (call) => this.#credentialStore(call));
  }

  /** The skills available in each working directory (`skills/list`), with the errors loading them. */
  async skills(options?: SkillsOptions): Promise<SkillsListResponse> {
    const given = snapshot(options);
    const { listSkills } = await import("./skills.js");
    return listSkills(this.#internals.connection, given);
  }

  /** Every configured MCP server with its status, tools and auth status (`mcpServerStatus/list`, every page). */
  async mcpServers(options?: McpServersOptions): Promise<McpServerStatus[]> {
    return listMcpServers(this.#internals.connection, options);
  }

  /**
   * Starts the OAuth login of the configured MCP server `serverName` (`mcpServer/oauth/login`):
   * send the user to the handle's `authorizationUrl`, then `wait()` for the completion.
   */
  async mcpLogin(serverName: string, options?: McpLoginOptions): Promise<McpLoginHandle> {
    const { connection, router, log } = this.#internals;
    return startMcpLogin({ connection, router, log }, serverName, options);
  }

  /** `account/logout`: forgets the stored credentials and cancels any login in progress. */
  async logout(options?: RequestOptions): Promise<void> {
    const given = snapshot(options);
    const { flows } = await this.#loginFlows();
    return flows.logout(this.#internals.connection, given);
  }

  /**
   * Starts a new thread. `approvalMode` defaults to `ApprovalMode.autoReview`, unless `config`
   * sets `approval_policy` or `approvals_reviewer`.
   */
  async threadStart(options?: ThreadStartOptions): Promise<Thread> {
    const { call, params, handlers } = threadRequest<ThreadStartParams>(
      options,
      THREAD_START_NAMES,
      true,
      this.metadata.platformFamily,
    );
    const { answer, ended } = await this.#internals.router.whileAnswered(
      this.#newThread("thread/start", params, call),
    );
    const threadId = answer.id;
    return this.#attach(threadId, ended(threadId) === undefined ? handlers : undefined);
  }

  /**
   * Resumes a stored thread; without `approvalMode` it keeps its stored approval policy. Each
   * handler and tool given takes the place of the thread's of its kind or name; the others stay.
   */
  async threadResume(threadId: string, options?: ThreadResumeOptions): Promise<Thread> {
    threadId = checkId(threadId);
    const { call, params, handlers } = threadRequest<ThreadResumeParams>(
      options,
      THREAD_RESUME_NAMES,
      false,
      this.metadata.platformFamily,
    );
    params.threadId = threadId;
    // The Thread returned holds no history: the answer need not carry it.
    params.excludeTurns = true;
    // The requests the server sends again with its answer wait for this resume's handlers: those
    // of the thread resumed, which, resumed by its history or rollout path, the answer names.
    if (handlers === undefined) return this.#resume(threadId, params, call, handlers);
    const { router } = this.#internals;
    const releases = [router.holdRequests(threadId)];
    let over = false;
    const onAnswer = (result: object | undefined) => {
      const resumed = (result as { thread?: { id?: unknown } } | undefined)?.thread?.id;
      if (over || typeof resumed !== "string" || resumed === threadId) return;
      releases.push(router.holdRequests(resumed));
    };
    try {
      return await this.#resume(threadId, params, call, handlers, { onAnswer });
    } finally {
      over = true;
      for (const release of releases) release();
    }
  }

  async #resume(
    threadId: string,
    params: ThreadResumeParams,
    call: RequestOptions | undefined,
    handlers: CheckedHandlers | undefined,
    ticket?: RequestTicket,
  ): Promise<Thread> {
    // Followed when given up on too: the server subscribes this client whatever it does.
    const { threadSecrets, variables } = this.#internals;
    const credentials = paramsCredentials("thread/resume", params, variables);
    const send = (options: RequestOptions | undefined) =>
      sendFollowed<ThreadResumeResponse>(
        this.#internals,
        "thread/resume",
        threadId,
        params,
        options,
        (request) => threadSecrets.sendHolding(credentials, request),
        ticket,
      );
    // As a thread's first turn starts, the runtime refuses a resume for a moment ("list_turns is
    // not supported yet": its turns are not written yet, and nothing tells when they are): sent
    // again, a few times, further apart each time, unless the call was given up on meanwhile (a
    // resume would subscribe this client again) or its bound would pass first. (Not within the
    // send: an answer read with another, an unsubscribe's, must be followed before it, as it came.)
    const t0 = now();
    const timeout = call?.timeout;
    const { connection } = this.#internals;
    const resume = async (): Promise<ThreadResumeResponse> => {
      for (let retry = 0; ; retry++) {
        try {
          return await send(retry === 0 ? call : callLeft(call, t0));
        } catch (err) {
          const wait = RESUME_RETRY_MS * 2 ** retry;
          if (
            retry === RESUME_RETRIES ||
            !isNotSupportedYet(err) ||
            call?.signal?.aborted === true ||
            (timeout !== undefined && now() - t0 + wait >= timeout)
          ) {
            throw err;
          }
          // Ended by the client's close too: nothing is sent then, and no timer is left.
          let offClose!: () => void;
          const closed = new Promise<never>((_, reject) => (offClose = connection.onClose(reject)));
          try {
            await deadline(closed, { signal: call?.signal, timeout: wait, onTimeout: () => {} });
          } finally {
            offClose();
          }
          // A busy event loop may have overslept the bound.
          if (timeout !== undefined && now() - t0 >= timeout) {
            throw new RequestTimeoutError("thread/resume", timeout);
          }
        }
      }
    };
    // One call, however many requests: a timeout names thread/resume and the whole bound.
    const response = await asOneCall(resume(), "thread/resume", timeout);
    const resumed = threadIdOf(response, "thread/resume");
    for (const unapplied of unappliedSettings("thread/resume", params, response)) {
      this.#internals.log.warn(unapplied);
    }
    // A stored thread resumed by its history or rollout path is the one the server names: it
    // ignores `threadId` then (a running thread's id still wins, and must be answered).
    const byContent = params.history != null || params.path != null;
    if (resumed !== threadId && !byContent) {
      throw new CodexError(
        `the answer to thread/resume names thread ${plainText(resumed)}, not ${threadId}`,
      );
    }
    // Marked subscribed as the answer came (an unsubscribe answered after it must stay marked).
    // (An end read with the answer may be of the thread as it was before the resume loaded it.)
    return this.#attach(resumed, handlers);
  }

  /** Forks a thread into a new one; without `approvalMode` the fork keeps the source's policy. */
  async threadFork(threadId: string, options?: ThreadForkOptions): Promise<Thread> {
    threadId = checkId(threadId);
    const { call, params, handlers } = threadRequest<ThreadForkParams>(
      options,
      THREAD_FORK_NAMES,
      false,
      this.metadata.platformFamily,
    );
    params.threadId = threadId;
    checkForkPoint(params);
    // The Thread returned holds no history: the answer need not carry it (and, for an ephemeral
    // fork, cannot).
    params.excludeTurns = true;
    const t0 = now();
    const forking = this.#newThread("thread/fork", params, call).catch(async (err: unknown) => {
      // An inline review's id, as its handle and result name it: forked before from the turn it
      // ran in, which the runtime takes. (Not of a fork by `path`, whose thread is not `threadId`.)
      const before = params.beforeTurnId;
      if (typeof before !== "string" || params.path != null || !isStartless(err)) throw err;
      const { connection, log } = this.#internals;
      const left = callLeft(call, t0);
      const start = await reviewStartOf(connection, threadId, before, left, log);
      if (start === undefined) throw err;
      return this.#newThread("thread/fork", { ...params, beforeTurnId: start }, callLeft(call, t0));
    });
    // One call, however many requests: a timeout names thread/fork and the whole bound.
    const { dispatcher, router } = this.#internals;
    const { answer, ended } = await router.whileAnswered(
      asOneCall(forking, "thread/fork", call?.timeout),
    );
    const forkId = answer.id;
    // The fork keeps the source's dynamic tools and approval policy: the source's functions and
    // handlers on this client answer for it too (lent for good), but for those given here; a
    // fork that ended in the read that answered keeps nothing here. The source is the one the
    // answer names: forked by `path`, the server ignores `threadId`.
    if (ended(forkId) === undefined) {
      dispatcher.lendThread(answer.forkedFrom ?? threadId, forkId);
      dispatcher.addToThread(forkId, handlers?.handlers, handlers?.tools);
    }
    return this.#attach(forkId, undefined);
  }

  // Sends thread/start or thread/fork without the caller's bounds, which bound only the wait: a
  // thread given up on once sent is still made, and loaded, so once its answer comes it is
  // dropped, as nothing can reach it: deleted, or, ephemeral, left for the server to unload.
  async #newThread(
    method: "thread/start" | "thread/fork",
    params: ThreadStartParams | ThreadForkParams,
    call: RequestOptions | undefined,
  ): Promise<NewThread> {
    if (call?.signal?.aborted) throw abortError(call.signal);
    const { connection, log, threadSecrets, variables } = this.#internals;
    const ticket: RequestTicket = {};
    const answer = threadSecrets.sendHolding(
      paramsCredentials(method, params, variables),
      () => connection.request(method as string, params, { ticket }),
      true,
    );
    const ephemeral = params.ephemeral === true;
    const response = await boundWait(answer, method, call, () => {
      // Not sent yet (more than 64 requests in flight): withdrawn, no thread is made.
      if (connection.withdraw(ticket)) return;
      void answer.then(
        (late) => this.#dropLate(method, late, ephemeral),
        (err: unknown) => log.debug(`a ${method} given up on failed`, err),
      );
    });
    const id = threadIdOf(response, method);
    for (const unapplied of unappliedSettings(method, params, response)) log.warn(unapplied);
    const from = (response as { thread: { forkedFromId?: unknown } }).thread.forkedFromId;
    return { id, forkedFrom: typeof from === "string" && from !== "" ? from : undefined };
  }

  // An ephemeral thread cannot be deleted (it is not stored): this client leaves it instead, and
  // the server unloads it in its own time.
  async #dropLate(method: string, late: unknown, ephemeral: boolean): Promise<void> {
    const { connection, log } = this.#internals;
    const thread = (late as { thread?: { id?: unknown; ephemeral?: unknown } } | null)?.thread;
    const threadId = thread?.id;
    if (typeof threadId !== "string" || threadId === "") return;
    // The answer says best; the params stand in for an answer that does not say.
    const [drop, done] = (typeof thread!.ephemeral === "boolean" ? thread!.ephemeral : ephemeral)
      ? (["thread/unsubscribe", "unsubscribed from"] as const)
      : (["thread/delete", "deleted"] as const);
    try {
      // Sent again while the server refuses it as overloaded: a start given up on most likely
      // timed out on an overloaded server.
      await sendStop(connection, () => connection.request(drop, { threadId }));
      log.debug(`${done} thread ${threadId}, whose ${method} was given up on`);
    } catch (err) {
      log.warn(`could not drop thread ${threadId}, whose ${method} was given up on`, err);
    }
  }

  /** Lists stored threads (one page; pass `cursor` from `nextCursor` for the next). */
  async threadList(options?: ThreadListOptions): Promise<ThreadListResponse> {
    const { call, rest } = listRequest(options, THREAD_LIST);
    return checkPage(
      await this.#internals.connection.request("thread/list", rest as ThreadListParams, call),
      "thread/list",
    );
  }

  /**
   * Every stored thread matching `options` (newest first by default), fetched page by page as
   * the loop reads: `for await (const stored of codex.threads())`. `limit` is the page size.
   */
  threads(options?: ThreadListOptions): Paginated<ThreadRecord, ThreadListResponse> {
    return threadPages(this.#internals.connection, options);
  }

  /**
   * Archives a thread. What this client kept for it (handlers, tools) is released when the
   * server confirms.
   */
  async threadArchive(threadId: string, options?: RequestOptions): Promise<ThreadArchiveResponse> {
    threadId = checkId(threadId);
    const call = requestOptions(options);
    return sendFollowed(this.#internals, "thread/archive", threadId, { threadId }, call);
  }

  /**
   * Deletes a thread for good (`thread/delete`), and releases what this client kept for it
   * (handlers, tools), whether or not the server reports the deletion.
   */
  async threadDelete(threadId: string, options?: RequestOptions): Promise<ThreadDeleteResponse> {
    threadId = checkId(threadId);
    const call = requestOptions(options);
    return sendFollowed(this.#internals, "thread/delete", threadId, { threadId }, call);
  }

  /** The ids of the threads loaded in the app-server's memory (`thread/loaded/list`, every page). */
  async loadedThreads(options?: RequestOptions): Promise<string[]> {
    const { connection } = this.#internals;
    const ids = await allPages<string>(
      "thread/loaded/list",
      requestOptions(options),
      (cursor, call) =>
        connection.request("thread/loaded/list", cursor === undefined ? {} : { cursor }, call),
    );
    if (!ids.every((id) => typeof id === "string")) {
      throw new CodexError("thread/loaded/list: the server listed a thread id that is no string");
    }
    return ids;
  }

  /**
   * Restores an archived thread. The server does not load it again: its history reads as it is,
   * and `codex.threadResume(id)` (with its handlers and tools) loads it to run turns.
   */
  async threadUnarchive(threadId: string, options?: RequestOptions): Promise<Thread> {
    threadId = checkId(threadId);
    const call = requestOptions(options);
    const response = await this.#internals.connection.request(
      "thread/unarchive",
      { threadId },
      call,
    );
    return this.#attach(threadIdOf(response, "thread/unarchive"), undefined);
  }

  /**
   * Wraps an existing thread id without any I/O. Handlers and tools given here answer that
   * thread's server requests from now on, until the thread is archived, deleted, closed or
   * released: each takes the place of the thread's handler of its kind or tool of its name, and
   * the others stay.
   */
  thread(threadId: string, handlers?: ThreadHandlers): Thread {
    threadId = checkId(threadId);
    return this.#attach(threadId, checkThreadHandlers(handlers));
  }

  #attach(threadId: string, handlers: CheckedHandlers | undefined): Thread {
    const { connection, router, dispatcher, log, events } = this.#internals;
    if (handlers !== undefined) dispatcher.addToThread(threadId, handlers.handlers, handlers.tools);
    const { platformFamily } = this.metadata;
    const shared = this.#outlives;
    return new Thread(
      { connection, router, dispatcher, log, events, platformFamily, shared },
      threadId,
    );
  }

  /**
   * Runs a command in the app-server's sandbox, outside any thread (`command/exec`), and returns
   * its handle at once: read `stdout` and `stderr` as they come, `write()` to it, or `wait()` for
   * its exit. Output is never capped; the command runs until it exits, unless `timeout`.
   */
  async exec(argv: readonly string[], options?: ExecOptions): Promise<CommandHandle> {
    const { connection, router, log, secrets } = this.#internals;
    const given = snapshot([argv, options] as const);
    // Loaded on first use: most clients run no command.
    const { startCommand } = await import("./command-run.js");
    const { platformFamily } = this.metadata;
    return startCommand({ connection, router, log, secrets, platformFamily }, ...given);
  }

  /**
   * Lists the models the server offers; `includeHidden` adds those hidden from pickers, and
   * `modelProvider` lists those of a configured provider other than the default.
   */
  async models(options?: ModelsOptions): Promise<ModelListResponse> {
    const { call, rest } = splitRequestOptions(options, MODELS_NAMES);
    const includeHidden = optionalBoolean(rest.includeHidden, false, "includeHidden");
    const params: ModelListParams = { includeHidden };
    if (rest.modelProvider !== undefined) {
      const name = "modelProvider";
      params.modelProvider = checkWellFormed(checkNonEmpty(rest.modelProvider, name), name);
    }
    return this.#internals.connection.request("model/list", params, call);
  }

  /**
   * Calls `listener` for every notification of `method` (turn events included); returns the
   * unsubscribe function. Methods this SDK does not know still arrive, untyped, and a listener
   * for one is logged as a warning, as a misspelt method would never be called. A listener that
   * throws is reported to the logger; the others still run.
   * @property __type Unsubscribes the listener; calling it again does nothing.
   */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationMap[M], method: M) => void,
  ): () => void;
  on(method: string, listener: (params: unknown, method: string) => void): () => void;
  on(method: string, listener: (params: unknown, method: string) => void): () => void {
    checkNonEmpty(method, "method");
    if (typeof listener !== "function") {
      throw new TypeError(`listener must be a function, got ${describe(listener)}`);
    }
    const { router, log, optedOut } = this.#internals;
    if (method === "client/handlerError") {
      log.warn(
        "codex.on: client/handlerError is an event of this SDK's, shown in the stream() of the " +
          "turn whose request it is about; the listener is called only if a server sends it",
      );
    } else if (!(SERVER_NOTIFICATION_METHODS as readonly string[]).includes(method)) {
      log.warn(
        `codex.on: ${method} is no notification of runtime ${SDK_VERSION}; ` +
          "the listener is called if a server sends it",
      );
    } else if (optedOut.includes(method)) {
      log.warn(
        `codex.on: this client asked the server not to send ${method} ` +
          `(events: "results" or optOutNotificationMethods); the listener will not be called`,
      );
    }
    return router.on(method, (n) => {
      // An async listener's rejection is reported as a throw is, never left unhandled.
      reportRejection(listener(n.params, n.method), (err) =>
        log.error(`a listener of ${n.method} rejected`, err),
      );
    });
  }

  /**
   * Every notification from now on, in order, as an async iterable; it ends with an error when
   * the connection closes unexpectedly, and quietly after `close()` (also when opened after it).
   * Leave the loop to unsubscribe; an iterator dropped without that unsubscribes once it is
   * garbage-collected.
   */
  notifications(): AsyncIterableIterator<CodexNotification> {
    const { router, connection } = this.#internals;
    const log = new EventLog<RawNotification>();
    // Our own close() ends the loop quietly; an unexpected exit throws.
    const end = (error: Error) => (this.#closing === undefined ? log.fail(error) : log.end());
    const closed = connection.closeError;
    const off = closed === undefined ? router.onAny((n) => log.push(n)) : undefined;
    const offClose = closed === undefined ? connection.onClose(end) : undefined;
    if (closed !== undefined) end(closed);
    // The log has this one reader: once it leaves (or is dropped), what it did not read is for
    // nobody.
    const unsubscribe = () => {
      off?.();
      offClose?.();
      log.discard();
    };
    return droppableReader(log.reader(), unsubscribe) as AsyncIterableIterator<CodexNotification>;
  }

  /**
   * Stops the app-server (SIGTERM, then SIGKILL after a grace period), or, for `Codex.connect`,
   * closes the connection (the socket is dropped when the server does not answer within 2 s),
   * stopping first what it started that would run on there: the browser and device-code logins
   * that have not completed, its turns still running, its goal runs (paused); idempotent.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      const { connection, log } = this.#internals;
      // Set before the connection ends, so close listeners see a close on purpose.
      let closed!: () => void;
      this.#closing = new Promise<void>((resolve) => (closed = resolve));
      // Nothing asked for from now on reaches the server, but what stops work started.
      connection.closeToNew(sentWhileClosing);
      // A server that outlives the client would run on its logins (a callback server on port
      // 1455) and its turns and goals, which no handle could stop any more; a spawned one ends
      // with them.
      const logins = this.#outlives ? this.#logins : undefined;
      Promise.all([
        logins?.then(({ tracker }) => tracker.cancelOpen(STOP_ON_CLOSE_MS)),
        this.#outlives ? this.#leaveWork() : undefined,
      ])
        .then(() => connection.close())
        .catch((err: unknown) => log.warn("closing the app-server failed", err))
        .then(closed);
    }
    return this.#closing;
  }

  // Leaves the turns and goal runs this client started that still run, on a server that outlives
  // it: each fails as the close fails what is pending, and is stopped there (a review's turn once
  // its start names it; a turn whose start is on its way once its answer names it), within
  // STOP_ON_CLOSE_MS in all. Never rejects.
  #leaveWork(): Promise<unknown> {
    const { connection, router, log } = this.#internals;
    const closed = new TransportClosedError("the Codex client was closed");
    const since = now();
    const left = new Set<QueueHolder>();
    const leave = (): Promise<unknown> =>
      Promise.all(
        router.ownWork().map(async ({ threadId, turnId, holder, joinedAfterAll }) => {
          if (left.has(holder)) return undefined;
          left.add(holder);
          if (turnId === undefined) return holder.leave?.(closed);
          // A turn whose start raced another client's, which it joined, is theirs to stop:
          // told by its first user message, waited for a while (an own turn's comes at once),
          // leaving the interrupt half of the time left.
          if (joinedAfterAll !== undefined) {
            const wait = Math.min(FOLLOW_UP_WAIT_MS, timeLeft(STOP_ON_CLOSE_MS, since) / 2);
            const theirs = await deadline(joinedAfterAll(), {
              timeout: wait,
              onTimeout: () => false,
            });
            if (theirs) return undefined;
          }
          holder.fail(closed);
          return interruptUnfollowed({ connection, router, log }, threadId, turnId);
        }),
      );
    // Taken before the turns running now leave: the turn queued behind one then starts, and its
    // start is refused (nothing is sent while closing) without a wait.
    const starting = router.startsSettled();
    const stops: Promise<unknown>[] = [leave(), ...starting.map((started) => started.then(leave))];
    return deadline<unknown>(Promise.all(stops), {
      timeout: STOP_ON_CLOSE_MS,
      onTimeout: () => {
        log.debug("the client closed before all it left running was stopped");
        return undefined;
      },
    });
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
