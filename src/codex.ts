import { readRateLimits, readUsage, type RateLimitsOptions, type UsageOptions } from "./account.js";
import { startCommand, type CommandHandle, type ExecOptions } from "./command.js";
import { CodexConfig } from "./config.js";
import {
  listMcpServers,
  startMcpLogin,
  type McpLoginHandle,
  type McpLoginOptions,
  type McpServersOptions,
} from "./mcp.js";
import { listSkills, type SkillsOptions } from "./skills.js";
import { threadPages, type Paginated } from "./history.js";
import { Connection, type RawNotification, type RequestOptions } from "./rpc/connection.js";
import type {
  ClientRequestMap,
  ClientRequestMethod,
  GetAccountRateLimitsResponse,
  GetAccountResponse,
  GetAccountTokenUsageResponse,
  InitializeResponse,
  LoginAccountResponse,
  McpServerStatus,
  SkillsListResponse,
  ModelListResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadArchiveResponse,
  ThreadDeleteResponse,
  Thread as ThreadRecord,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadLoadedListResponse,
  ThreadResumeParams,
  ThreadStartParams,
} from "./generated/index.js";
import { Log, checkLogger, type LogLevel, type Logger } from "./internal/logger.js";
import { Secrets } from "./internal/redact.js";
import { configArgs, tomlString, type ConfigValue } from "./internal/toml.js";
import {
  checkBoolean,
  checkNonEmpty,
  dropUndefined,
  checkOptionalDelay,
  checkOptions,
  checkHttpUrl,
  checkSecret,
  checkTimeout,
  describe,
  splitRequestOptions,
  requestOptions,
} from "./internal/validate.js";
import * as login from "./login.js";
import type {
  AccountReadOptions,
  ChatgptAuthTokens,
  ChatgptLoginHandle,
  DeviceCodeLoginHandle,
  LoginChatgptOptions,
} from "./login.js";
import {
  DELTA_METHODS,
  approvalFields,
  checkEventMode,
  sandboxMode,
  settingsConfig,
  type ApprovalMode,
  type EventMode,
  type Sandbox,
  type ThreadSettings,
} from "./options.js";
import { EventLog, Router } from "./rpc/router.js";
import {
  ServerRequestDispatcher,
  checkHandlers,
  pickHandlers,
  toolSpec,
  type DispatcherOptions,
  type DynamicTool,
  type ServerRequestHandlers,
} from "./server-requests.js";
import { Thread } from "./thread.js";
import type { CodexNotification } from "./turn.js";
import { checkCodexBin, locateRuntime, prependPath } from "./runtime.js";
import { StdioTransport, type StdioLaunch } from "./transport/stdio.js";
import type { Transport } from "./transport/transport.js";
import { WebSocketTransport, webSocketAddress } from "./transport/websocket.js";
import { SDK_VERSION } from "./version.js";

/** `initialize.clientInfo`: how this client names itself to the server. */
export interface ClientInfoOptions {
  /** The client's identifier; default `"codex_app_server_sdk_ts"`. */
  readonly name?: string;
  /** The client's display name; default `"Codex App Server SDK (TypeScript)"`. */
  readonly title?: string;
  /** The client's version; default this SDK's version. */
  readonly version?: string;
}

/** What every connection negotiates in `initialize`, and the handlers of server requests. */
export interface ConnectionOptions extends DispatcherOptions {
  /** `initialize.clientInfo`; defaults name this SDK. */
  readonly clientInfo?: ClientInfoOptions;
  /** `initialize.capabilities.experimentalApi`; default `true`. */
  readonly experimentalApi?: boolean;
  /** Notification methods the server should not send on this connection. */
  readonly optOutNotificationMethods?: readonly string[];
  /**
   * `"results"` asks the server not to send per-token deltas (agent text, reasoning, command
   * output, ...): `run()` results and every item-level event stay the same, the client does far
   * less work, but `textStream()` and live text are not available. Default `"all"`.
   */
  readonly events?: EventMode;
  /** How long start-up (to `initialize` answered) may take; default 60 000 ms. */
  readonly startTimeout?: number;
  /**
   * Receives what the SDK does not throw: dropped or malformed server messages, failed
   * interrupts, handler errors, unanswered or unknown server requests. Default: none (silent).
   * Messages never carry a key or token this client handed the server.
   */
  readonly logger?: Logger;
  /** The least severe level passed to `logger`; default `"warn"`. */
  readonly logLevel?: LogLevel;
}

/** Options of `Codex.start`. */
export interface CodexOptions extends ConnectionOptions {
  /** Path of a `codex` executable to run instead of the pinned runtime. */
  readonly codexBin?: string;
  /**
   * Config values passed as `--config key=value` before `app-server`. An array takes ready
   * `key=value` strings; an object's values are written as TOML (strings quoted).
   */
  readonly configOverrides?: readonly string[] | Readonly<Record<string, ConfigValue>>;
  /**
   * An OpenAI API key for this app-server alone. It is kept in the runtime's in-memory credential
   * store (`cli_auth_credentials_store = "ephemeral"`) and never written to the Codex home; the
   * client logs in with it right after `initialize`.
   */
  readonly apiKey?: string;
  /** The OpenAI API base URL (`openai_base_url`), e.g. a proxy or a compatible service. */
  readonly baseUrl?: string;
  /** Working directory of the app-server process. */
  readonly cwd?: string;
  /** Environment variables for the child: merged over `process.env`, or alone with `inheritEnv: false`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Whether the child inherits `process.env` (default `true`). With `false` it gets only `env`,
   * plus the runtime's helper folder on `PATH`; give it `CODEX_HOME` (or `HOME`) so the runtime
   * finds its home.
   */
  readonly inheritEnv?: boolean;
  /** Full argv (`[command, ...args]`) to spawn instead of the pinned runtime and its arguments. */
  readonly launchArgs?: readonly string[];
  /** How long `close()` waits after SIGTERM before SIGKILL; default 2000 ms. */
  readonly killGraceMs?: number;
}

/** Options of `Codex.loginApiKey`. */
export interface LoginApiKeyOptions extends RequestOptions {
  /**
   * Where you expect the key to be kept: `true` in the Codex home, `false` in memory (a client
   * started with `apiKey`). Omitted: wherever this server keeps credentials.
   */
  readonly persist?: boolean | undefined;
}

/** Options of `Codex.connect`. */
export interface ConnectOptions extends ConnectionOptions {
  /** Capability token of a server started with `--ws-auth capability-token`. */
  readonly token?: string;
  /** Extra headers for the WebSocket upgrade request. */
  readonly headers?: Readonly<Record<string, string>>;
}

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

/** Replaces the wire approval and sandbox fields with the SDK's presets, and adds handlers. */
type WithPresets<P> = Omit<
  Partial<P>,
  "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox"
> &
  ServerRequestHandlers &
  ThreadSettings &
  RequestOptions & {
    /** Approval preset; see {@link ApprovalMode}. */
    readonly approvalMode?: ApprovalMode;
    /** Sandbox preset, sent as the thread's sandbox mode; see {@link Sandbox}. */
    readonly sandbox?: Sandbox;
  };

/**
 * Options of `Codex.threadStart`; `approvalMode` defaults to `ApprovalMode.autoReview`.
 * `approvals`, `onUserInput` and `onElicitation` answer this thread's server requests, and
 * `tools` offers JavaScript functions to the model.
 */
export type ThreadStartOptions = Omit<WithPresets<ThreadStartParams>, "dynamicTools"> & {
  /** JavaScript functions offered to the model as tools, sent as `dynamicTools`. */
  readonly tools?: readonly DynamicTool[];
};
/**
 * Options of `Codex.threadResume`; without `approvalMode` the thread keeps its stored policy.
 * `tools` gives the functions behind the thread's dynamic tools again (say, in a new process).
 */
export type ThreadResumeOptions = WithPresets<ThreadResumeParams> & {
  /** The functions behind the thread's dynamic tools, sent as `dynamicTools`. */
  readonly tools?: readonly DynamicTool[];
};
/** Options of `Codex.threadFork`; without `approvalMode` the fork keeps the source's policy. */
export type ThreadForkOptions = WithPresets<ThreadForkParams> & {
  /** The functions behind the fork's dynamic tools, sent as `dynamicTools`. */
  readonly tools?: readonly DynamicTool[];
};
/** What `Codex.thread` attaches to a thread id: handlers for its server requests, its tools. */
export type ThreadHandlers = ServerRequestHandlers & {
  /** JavaScript functions behind the thread's dynamic tools. */
  readonly tools?: readonly DynamicTool[];
};
/** Options of `Codex.threadList`. */
export type ThreadListOptions = Partial<ThreadListParams> & RequestOptions;

const DEFAULT_CLIENT = {
  name: "codex_app_server_sdk_ts",
  title: "Codex App Server SDK (TypeScript)",
};

/** What the SDK keeps for a client, shared with its threads; never reachable from outside. */
interface Internals {
  /** Where the server keeps credentials: fixed at start-up, unknown for a server we did not start. */
  readonly credentialStore: "memory" | "persistent" | "unknown";
  readonly events: EventMode;
  readonly connection: Connection;
  readonly transport: Transport;
  readonly router: Router;
  readonly dispatcher: ServerRequestDispatcher;
  readonly logins: login.LoginTracker;
  readonly secrets: Secrets;
  readonly log: Log;
}

let internalsOf: (codex: Codex) => Internals;

/**
 * Sizes of what a client keeps (pending calls, routed turns, per-thread handlers and tools,
 * listeners), keyed like `"dispatcher.threadHandlers"`, for leak checks in tests: taken before
 * and after some work, they should be equal. Exported by `codex-app-server-sdk/testing`; the keys
 * may change between versions.
 */
export function clientStats(codex: Codex): Record<string, number> {
  const { connection, router, dispatcher, transport } = internalsOf(codex);
  const parts = {
    connection,
    router,
    dispatcher,
    ...(transport instanceof StdioTransport ? { transport } : {}),
  };
  const out: Record<string, number> = {};
  for (const [name, part] of Object.entries(parts)) {
    for (const [key, value] of Object.entries(part.stats)) out[`${name}.${key}`] = value;
  }
  return out;
}

/** A running `codex app-server` and the client connected to it. */
export class Codex implements AsyncDisposable {
  readonly #internals: Internals;
  #closing: Promise<void> | undefined;

  static {
    internalsOf = (codex) => codex.#internals;
  }

  private constructor(
    internals: Internals,
    /** The server's `initialize` answer, normalised. */
    readonly metadata: CodexMetadata,
    options: ConnectionOptions,
  ) {
    const { connection, log, secrets } = internals;
    const router = new Router(connection, log);
    const logins = new login.LoginTracker(router, connection);
    const dispatcher = new ServerRequestDispatcher(router, options, { log, secrets });
    connection.setServerRequestHandler(dispatcher.handle);
    connection.onClose(() => dispatcher.clear());
    this.#internals = { ...internals, router, dispatcher, logins };
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the ready client. */
  static async start(options?: CodexOptions): Promise<Codex> {
    const checked = checkConnectionOptions(options);
    const { launch, credentialStore } = launchFor(checked);
    const codex = await Codex.#open(new StdioTransport(launch), checked, credentialStore);
    if (checked.apiKey !== undefined) {
      try {
        await codex.loginApiKey(checked.apiKey, { timeout: checked.startTimeout ?? 60_000 });
      } catch (err) {
        await codex.close();
        throw err;
      }
    }
    return codex;
  }

  /**
   * Connects to an app-server that is already running with `--listen ws://HOST:PORT` or
   * `--listen unix://PATH` (needs the `ws` package). `close()` then closes the connection, not
   * the server.
   */
  static async connect(url: string, options?: ConnectOptions): Promise<Codex> {
    const checked = checkConnectionOptions(options);
    const transport = new WebSocketTransport({
      url: webSocketAddress(url),
      token: checked.token,
      headers: checked.headers,
    });
    return Codex.#open(transport, checked, "unknown");
  }

  // Sends `initialize` then `initialized`; a failure closes the transport and rethrows.
  static async #open(
    transport: Transport,
    options: ConnectionOptions,
    credentialStore: Internals["credentialStore"],
  ): Promise<Codex> {
    const secrets = new Secrets();
    const log = new Log(options.logger, options.logLevel, secrets);
    const connection = new Connection(transport, { log, secrets });
    try {
      const clientInfo = {
        name: options.clientInfo?.name ?? DEFAULT_CLIENT.name,
        title: options.clientInfo?.title ?? DEFAULT_CLIENT.title,
        version: options.clientInfo?.version ?? SDK_VERSION,
      };
      const response = await connection.request(
        "initialize",
        {
          clientInfo,
          capabilities: {
            experimentalApi: options.experimentalApi ?? true,
            requestAttestation: false,
            ...optOutOf(options),
          },
        },
        { timeout: options.startTimeout ?? 60_000 },
      );
      const metadata = normalizeMetadata(response);
      await connection.notify("initialized");
      const events = options.events ?? "all";
      const internals = { connection, transport, secrets, log, credentialStore, events };
      return new Codex(internals as Internals, metadata, options);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  /** Process id of the app-server child (`undefined` when connected over WebSocket). */
  get pid(): number | undefined {
    const { transport } = this.#internals;
    return transport instanceof StdioTransport ? transport.pid : undefined;
  }

  /**
   * Sends any client request of the protocol, typed by method. The escape hatch for methods the
   * high-level API does not wrap.
   */
  async request<M extends ClientRequestMethod>(
    method: M,
    ...args: undefined extends ClientRequestMap[M]["params"]
      ? [params?: ClientRequestMap[M]["params"], options?: RequestOptions]
      : [params: ClientRequestMap[M]["params"], options?: RequestOptions]
  ): Promise<ClientRequestMap[M]["result"]> {
    checkNonEmpty(method, "method");
    const [params, options] = args;
    if (params !== undefined && (typeof params !== "object" || params === null)) {
      throw new TypeError(`params of ${method} must be an object, got ${describe(params)}`);
    }
    const call = requestOptions(options);
    return this.#internals.connection.request(method, params, call) as Promise<
      ClientRequestMap[M]["result"]
    >;
  }

  /**
   * Logs in with an OpenAI API key (`account/login/start {type: "apiKey"}`); the key never
   * appears in errors. Where the key is kept is fixed when the server starts: in the Codex home
   * (the default, so later runs are logged in too), or in memory for a client started with
   * `apiKey`. `persist` states which you expect, and a mismatch rejects before anything is sent.
   */
  async loginApiKey(apiKey: string, options?: LoginApiKeyOptions): Promise<void> {
    const { connection, secrets, credentialStore } = this.#internals;
    const { call, rest } = splitRequestOptions(options);
    if (rest.persist !== undefined) {
      const persist = checkBoolean(rest.persist, "persist");
      if (!persist && credentialStore !== "memory") {
        throw new TypeError(
          "persist: false needs a client that keeps credentials in memory: start it with " +
            "Codex.start({ apiKey }) (the runtime fixes its credential store at start-up)",
        );
      }
      if (persist && credentialStore === "memory") {
        throw new TypeError(
          "this client keeps credentials in memory (it was started with apiKey); the key " +
            "cannot be persisted",
        );
      }
    }
    await login.loginApiKey(connection, secrets, apiKey, call);
  }

  /** Starts a browser ChatGPT login: open the handle's `authUrl`, then `wait()` for the completion. */
  async loginChatgpt(options?: LoginChatgptOptions): Promise<ChatgptLoginHandle> {
    return login.loginChatgpt(this.#internals.connection, this.#internals.logins, options);
  }

  /** Starts a device-code ChatGPT login: show `verificationUrl` and `userCode`, then `wait()`. */
  async loginChatgptDeviceCode(options?: RequestOptions): Promise<DeviceCodeLoginHandle> {
    return login.loginChatgptDeviceCode(
      this.#internals.connection,
      this.#internals.logins,
      options,
    );
  }

  /** Hands the server ChatGPT tokens this client manages (external auth); the token never appears in errors. */
  async loginChatgptAuthTokens(
    tokens: ChatgptAuthTokens,
    options?: RequestOptions,
  ): Promise<LoginAccountResponse> {
    const { connection, secrets } = this.#internals;
    return login.loginChatgptAuthTokens(connection, secrets, tokens, options);
  }

  /** `account/read`: the current account (`null` when logged out) and whether OpenAI auth is required. */
  async account(options?: AccountReadOptions): Promise<GetAccountResponse> {
    return login.readAccount(this.#internals.connection, options);
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
    return new CodexConfig(this.#internals.connection);
  }

  /** The skills available in each working directory (`skills/list`), with the errors loading them. */
  async skills(options?: SkillsOptions): Promise<SkillsListResponse> {
    return listSkills(this.#internals.connection, options);
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
    return login.logout(this.#internals.connection, options);
  }

  /** Starts a new thread. `approvalMode` defaults to `ApprovalMode.autoReview`. */
  async threadStart(options?: ThreadStartOptions): Promise<Thread> {
    const { call, params, handlers } = threadRequest<ThreadStartParams>(options, true);
    const response = await this.#internals.connection.request("thread/start", params, call);
    return this.#attach(response.thread.id, handlers);
  }

  /** Resumes a stored thread; without `approvalMode` it keeps its stored approval policy. */
  async threadResume(threadId: string, options?: ThreadResumeOptions): Promise<Thread> {
    checkId(threadId);
    const { call, params, handlers } = threadRequest<ThreadResumeParams>(options, false);
    params.threadId = threadId;
    const response = await this.#internals.connection.request("thread/resume", params, call);
    this.#internals.router.setSubscribed(response.thread.id, true);
    return this.#attach(response.thread.id, handlers);
  }

  /** Forks a thread into a new one; without `approvalMode` the fork keeps the source's policy. */
  async threadFork(threadId: string, options?: ThreadForkOptions): Promise<Thread> {
    checkId(threadId);
    const { call, params, handlers } = threadRequest<ThreadForkParams>(options, false);
    params.threadId = threadId;
    const response = await this.#internals.connection.request("thread/fork", params, call);
    return this.#attach(response.thread.id, handlers);
  }

  /** Lists stored threads (one page; pass `cursor` from `nextCursor` for the next). */
  async threadList(options?: ThreadListOptions): Promise<ThreadListResponse> {
    const { call, rest } = splitRequestOptions(options);
    return this.#internals.connection.request("thread/list", rest, call);
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
    checkId(threadId);
    const call = requestOptions(options);
    return this.#internals.connection.request("thread/archive", { threadId }, call);
  }

  /**
   * Deletes a thread for good (`thread/delete`), and releases what this client kept for it
   * (handlers, tools), whether or not the server reports the deletion.
   */
  async threadDelete(threadId: string, options?: RequestOptions): Promise<ThreadDeleteResponse> {
    checkId(threadId);
    const call = requestOptions(options);
    const { connection, dispatcher, router } = this.#internals;
    const response = await connection.request("thread/delete", { threadId }, call);
    dispatcher.release(threadId);
    router.setSubscribed(threadId, true);
    return response;
  }

  /** The ids of the threads loaded in the app-server's memory (`thread/loaded/list`, every page). */
  async loadedThreads(options?: RequestOptions): Promise<string[]> {
    const call = requestOptions(options);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ThreadLoadedListResponse = await this.#internals.connection.request(
        "thread/loaded/list",
        cursor === null ? {} : { cursor },
        call,
      );
      ids.push(...page.data);
      if (page.nextCursor === cursor) break;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return ids;
  }

  /** Restores an archived thread; give its handlers and tools again with `codex.thread`. */
  async threadUnarchive(threadId: string, options?: RequestOptions): Promise<Thread> {
    checkId(threadId);
    const call = requestOptions(options);
    const response = await this.#internals.connection.request(
      "thread/unarchive",
      { threadId },
      call,
    );
    return this.#attach(response.thread.id, undefined);
  }

  /**
   * Wraps an existing thread id without any I/O. Handlers and tools given here answer that
   * thread's server requests from now on, until the thread is archived, deleted, closed or
   * released.
   */
  thread(threadId: string, handlers?: ThreadHandlers): Thread {
    checkId(threadId);
    return this.#attach(threadId, checkThreadHandlers(handlers));
  }

  #attach(threadId: string, handlers: CheckedHandlers | undefined): Thread {
    const { connection, router, dispatcher, log, events } = this.#internals;
    if (handlers !== undefined) dispatcher.setThread(threadId, handlers.handlers, handlers.tools);
    return new Thread({ connection, router, dispatcher, log, events }, threadId);
  }

  /**
   * Runs a command in the app-server's sandbox, outside any thread (`command/exec`), and returns
   * its handle at once: read `stdout` and `stderr` as they come, `write()` to it, or `wait()` for
   * its exit. Output is never capped; the command runs until it exits, unless `timeout`.
   */
  async exec(argv: readonly string[], options?: ExecOptions): Promise<CommandHandle> {
    const { connection, router, log } = this.#internals;
    return startCommand({ connection, router, log }, argv, options);
  }

  /** Lists the models the server offers; `includeHidden` adds those hidden from pickers. */
  async models(
    options?: { readonly includeHidden?: boolean } & RequestOptions,
  ): Promise<ModelListResponse> {
    const { call, rest } = splitRequestOptions(options);
    const includeHidden = checkBoolean(rest.includeHidden ?? false, "includeHidden");
    return this.#internals.connection.request("model/list", { includeHidden }, call);
  }

  /**
   * Calls `listener` for every notification of `method` (turn events included); returns the
   * unsubscribe function. Methods this SDK does not know still arrive, untyped. A listener that
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
    return this.#internals.router.on(method, (n) => listener(n.params, n.method));
  }

  /**
   * Every notification from now on, in order, as an async iterable; it ends with an error when
   * the connection closes unexpectedly, and quietly after `close()` (also when opened after it).
   * Leave the loop to unsubscribe.
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
    const reader = log.reader();
    return {
      next: () => reader.next() as Promise<IteratorResult<CodexNotification>>,
      return: () => {
        off?.();
        offClose?.();
        return reader.return!() as Promise<IteratorResult<CodexNotification>>;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Stops the app-server (SIGTERM, then SIGKILL after a grace period); idempotent. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      const { connection, log } = this.#internals;
      // Set before the connection ends, so close listeners see a close on purpose.
      let closed!: () => void;
      this.#closing = new Promise<void>((resolve) => (closed = resolve));
      connection
        .close()
        .catch((err: unknown) => log.warn("closing the app-server failed", err))
        .then(closed);
    }
    return this.#closing;
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkId(id: unknown): string {
  return checkNonEmpty(id, "threadId");
}

interface CheckedHandlers {
  readonly handlers: ServerRequestHandlers | undefined;
  readonly tools: readonly DynamicTool[] | undefined;
}

// The handlers and tools among thread options, checked; `undefined` when there are none.
function checkThreadHandlers(options: ThreadHandlers | undefined): CheckedHandlers | undefined {
  const handlers = pickHandlers(checkOptions(options));
  const tools = options?.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools))
      throw new TypeError(`tools must be an array, got ${describe(tools)}`);
    tools.forEach(toolSpec);
  }
  return handlers === undefined && tools === undefined ? undefined : { handlers, tools };
}

// Checks thread start/resume/fork options and splits them into the call's options, the wire
// params (presets resolved) and the handlers to keep; all before any I/O.
function threadRequest<P>(
  options: (WithPresets<P> & { readonly tools?: readonly DynamicTool[] }) | undefined,
  isStart: boolean,
): {
  call: RequestOptions | undefined;
  params: P & { threadId?: string };
  handlers: CheckedHandlers | undefined;
} {
  const checked = checkOptions(options);
  const handlers = checkThreadHandlers(checked);
  const { call } = splitRequestOptions(checked);
  const params = threadParams<P>(checked, isStart) as P & { threadId?: string };
  if (handlers?.tools !== undefined) {
    (params as { dynamicTools?: unknown }).dynamicTools = handlers.tools.map(toolSpec);
  }
  return { call, params, handlers };
}

// The methods the server should leave out: the user's, and the deltas in results-only mode.
function optOutOf(options: ConnectionOptions): { optOutNotificationMethods?: string[] } {
  const methods = new Set(options.optOutNotificationMethods);
  if (options.events === "results") for (const method of DELTA_METHODS) methods.add(method);
  return methods.size === 0 ? {} : { optOutNotificationMethods: [...methods] };
}

// Checks the options every connection shares, before anything is spawned or dialled.
function checkConnectionOptions<O extends ConnectionOptions>(options: O | undefined): O {
  const checked = checkOptions(options);
  checkTimeout(checked.startTimeout, "startTimeout");
  checkLogger(checked.logger, checked.logLevel);
  checkHandlers(checked);
  checkEventMode(checked.events);
  if (checked.experimentalApi !== undefined)
    checkBoolean(checked.experimentalApi, "experimentalApi");
  const optOut = checked.optOutNotificationMethods;
  if (
    optOut !== undefined &&
    (!Array.isArray(optOut) || !optOut.every((m) => typeof m === "string" && m !== ""))
  ) {
    throw new TypeError("optOutNotificationMethods must be an array of method names");
  }
  return checked;
}

// Builds thread start/resume/fork params from options; validates presets before any I/O.
function threadParams<P>(options: WithPresets<P>, isStart: boolean): P {
  const {
    approvalMode,
    sandbox,
    approvals: _a,
    onUserInput: _u,
    onElicitation: _e,
    signal: _s,
    timeout: _t,
    tools: _tools,
    networkAccess,
    webSearch,
    additionalDirectories,
    reasoningEffort,
    ...rest
  } = options as WithPresets<P> & { tools?: unknown };
  const params: Record<string, unknown> = dropUndefined(rest);
  const settings = settingsConfig({
    networkAccess,
    webSearch,
    additionalDirectories,
    reasoningEffort,
  });
  if (Object.keys(settings).length > 0) {
    const given = params.config;
    if (
      given !== undefined &&
      given !== null &&
      (typeof given !== "object" || Array.isArray(given))
    ) {
      throw new TypeError(`config must be an object, got ${describe(given)}`);
    }
    params.config = { ...(given as object | null | undefined), ...settings };
  }
  const mode = approvalMode ?? (isStart ? "autoReview" : undefined);
  if (mode !== undefined) Object.assign(params, approvalFields(mode));
  if (sandbox !== undefined) params.sandbox = sandboxMode(sandbox);
  return params as P;
}

// The command line and environment of the child, checked before anything is spawned, and where
// the server will keep credentials.
function launchFor(options: CodexOptions): {
  launch: StdioLaunch;
  credentialStore: Internals["credentialStore"];
} {
  checkOptionalDelay(options.killGraceMs, "killGraceMs");
  if (options.cwd !== undefined) checkNonEmpty(options.cwd, "cwd");
  for (const [key, value] of Object.entries(checkOptions(options.env, "env"))) {
    if (value !== undefined && typeof value !== "string") {
      throw new TypeError(`env.${key} must be a string, got ${describe(value)}`);
    }
  }
  const inherit = checkBoolean(options.inheritEnv ?? true, "inheritEnv");
  const env = inherit ? { ...process.env, ...options.env } : { ...options.env };
  const base = { cwd: options.cwd, killGraceMs: options.killGraceMs };
  if (options.apiKey !== undefined) checkSecret(options.apiKey, "apiKey");
  if (options.baseUrl !== undefined) checkHttpUrl(options.baseUrl, "baseUrl");
  if (options.launchArgs !== undefined) {
    const own = ["codexBin", "configOverrides", "apiKey", "baseUrl"] as const;
    const given = own.filter((name) => options[name] !== undefined);
    if (given.length > 0) {
      throw new TypeError(
        `launchArgs replaces the whole command line, so ${given.join(" and ")} cannot apply: ` +
          "put the matching --config values in launchArgs",
      );
    }
    const [command, ...args] = options.launchArgs;
    if (command === undefined || command === "") {
      throw new TypeError("launchArgs must start with the command to run");
    }
    return { launch: { ...base, command, args, env }, credentialStore: "unknown" };
  }
  const given = configArgs(options.configOverrides);
  const store = credentialStoreOf(given);
  if (options.apiKey !== undefined && store !== undefined && store !== "ephemeral") {
    throw new TypeError(
      `apiKey keeps the key in memory, but configOverrides sets cli_auth_credentials_store to ${store}`,
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
  const credentialStore = memory ? "memory" : "persistent";
  const args = [...config, "app-server", "--listen", "stdio://"];
  if (options.codexBin !== undefined) {
    return {
      launch: { ...base, command: checkCodexBin(options.codexBin), args, env },
      credentialStore,
    };
  }
  const runtime = locateRuntime();
  const launch = {
    ...base,
    command: runtime.binary,
    args,
    env: runtime.pathDir === undefined ? env : prependPath(env, runtime.pathDir),
  };
  return { launch, credentialStore };
}

// The credential store a list of --config arguments selects, if any (the last one wins).
function credentialStoreOf(args: readonly string[]): string | undefined {
  let store: string | undefined;
  for (const arg of args) {
    const match = /^cli_auth_credentials_store\s*=\s*"?([A-Za-z_-]+)"?\s*$/.exec(arg);
    if (match !== null) store = match[1];
  }
  return store;
}

/**
 * Fills `serverInfo` from the user agent (`name/version ...`), as the server of 0.169.0 sends
 * only `userAgent`, and fails when name or version cannot be found.
 */
export function normalizeMetadata(response: InitializeResponse): CodexMetadata {
  const given = (response as { serverInfo?: { name?: unknown; version?: unknown } }).serverInfo;
  const userAgent = typeof response.userAgent === "string" ? response.userAgent.trim() : "";
  let name = typeof given?.name === "string" ? given.name.trim() : "";
  let version = typeof given?.version === "string" ? given.version.trim() : "";
  if ((name === "" || version === "") && userAgent !== "") {
    const first = userAgent.split(/\s+/, 1)[0]!;
    const slash = first.indexOf("/");
    const [uaName, uaVersion] =
      slash === -1 ? [first, ""] : [first.slice(0, slash), first.slice(slash + 1)];
    name ||= uaName;
    version ||= uaVersion;
  }
  if (userAgent === "" || name === "" || version === "") {
    throw new Error(
      `initialize response missing required metadata (userAgent=${JSON.stringify(userAgent)}, ` +
        `serverName=${JSON.stringify(name)}, serverVersion=${JSON.stringify(version)})`,
    );
  }
  return { ...response, userAgent, serverInfo: { name, version } };
}
