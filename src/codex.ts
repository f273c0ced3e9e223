import { Connection, type RawNotification, type RequestOptions } from "./rpc/connection.js";
import type {
  ClientRequestMap,
  ClientRequestMethod,
  GetAccountResponse,
  InitializeResponse,
  ModelListResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadArchiveResponse,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeParams,
  ThreadStartParams,
} from "./generated/index.js";
import {
  ServerRequestDispatcher,
  pickHandlers,
  toolSpec,
  type DispatcherOptions,
  type DynamicTool,
  type ServerRequestHandlers,
} from "./approvals.js";
import * as login from "./login.js";
import type {
  AccountReadOptions,
  ChatgptAuthTokens,
  ChatgptLoginHandle,
  DeviceCodeLoginHandle,
  LoginChatgptOptions,
} from "./login.js";
import { approvalFields, sandboxMode, type ApprovalMode, type Sandbox } from "./options.js";
import { EventLog, Router } from "./rpc/router.js";
import { Thread, dropUndefined, requestOptions } from "./thread.js";
import type { CodexNotification } from "./turn.js";
import { checkCodexBin, locateRuntime, prependPath } from "./runtime.js";
import { StdioTransport } from "./transport/stdio.js";
import type { Transport } from "./transport/transport.js";
import { WebSocketTransport, webSocketAddress } from "./transport/websocket.js";
import { SDK_VERSION } from "./version.js";

/** `initialize.clientInfo`: how this client names itself to the server. */
export interface ClientInfoOptions {
  readonly name?: string;
  readonly title?: string;
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
  /** How long start-up (to `initialize` answered) may take; default 60 000 ms. */
  readonly startTimeout?: number;
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
  /** Working directory of the app-server process. */
  readonly cwd?: string;
  /** Environment variables merged over `process.env` for the child. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Full argv (`[command, ...args]`) to spawn instead of the pinned runtime and its arguments. */
  readonly launchArgs?: readonly string[];
  /** How long `close()` waits after SIGTERM before SIGKILL; default 2000 ms. */
  readonly killGraceMs?: number;
}

/** Options of `Codex.connect`. */
export interface ConnectOptions extends ConnectionOptions {
  /** Capability token of a server started with `--ws-auth capability-token`. */
  readonly token?: string;
  /** Extra headers for the WebSocket upgrade request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A value of `configOverrides` given as an object. */
export type ConfigValue = string | number | boolean | readonly ConfigValue[];

/**
 * The server's `initialize` answer, with `serverInfo` filled in. The 0.169.0 server sends only a
 * user agent, whose first word names the client that connected (`clientInfo.name`) and the
 * runtime version, so `serverInfo.name` is that name and `serverInfo.version` the runtime's.
 */
export type CodexMetadata = InitializeResponse & {
  readonly serverInfo: { readonly name: string; readonly version: string };
};

/** Replaces the wire approval and sandbox fields with the SDK's presets, and adds handlers. */
type WithPresets<P> = Omit<
  Partial<P>,
  "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox"
> &
  ServerRequestHandlers &
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
  readonly tools?: readonly DynamicTool[];
};
/**
 * Options of `Codex.threadResume`; without `approvalMode` the thread keeps its stored policy.
 * `tools` gives the functions behind the thread's dynamic tools again (say, in a new process).
 */
export type ThreadResumeOptions = WithPresets<ThreadResumeParams> & {
  readonly tools?: readonly DynamicTool[];
};
/** Options of `Codex.threadFork`; without `approvalMode` the fork keeps the source's policy. */
export type ThreadForkOptions = WithPresets<ThreadForkParams> & {
  readonly tools?: readonly DynamicTool[];
};
/** What `Codex.thread` attaches to a thread id: handlers for its server requests, its tools. */
export type ThreadHandlers = ServerRequestHandlers & { readonly tools?: readonly DynamicTool[] };
/** Options of `Codex.threadList`. */
export type ThreadListOptions = Partial<ThreadListParams> & RequestOptions;

const DEFAULT_CLIENT = {
  name: "codex_app_server_sdk_ts",
  title: "Codex App Server SDK (TypeScript)",
};

/** A running `codex app-server` and the client connected to it. */
export class Codex implements AsyncDisposable {
  private closing: Promise<void> | undefined;
  /** @internal */
  readonly router: Router;
  /** @internal */
  readonly dispatcher: ServerRequestDispatcher;
  /** @internal Routes `account/login/completed` to the login handles. */
  readonly logins: login.LoginTracker;
  // Keys and tokens this client handed the server, redacted from turn failures.
  private readonly secrets = new Set<string>();

  private constructor(
    /** @internal The JSON-RPC connection; prefer the typed methods and `request`. */
    readonly connection: Connection,
    private readonly transport: Transport,
    /** The server's `initialize` answer, normalised. */
    readonly metadata: CodexMetadata,
    options: ConnectionOptions,
  ) {
    this.router = new Router(connection);
    this.logins = new login.LoginTracker(this.router, connection);
    this.dispatcher = new ServerRequestDispatcher(this.router, options);
    connection.setServerRequestHandler(this.dispatcher.handle);
  }

  /** Spawns the app-server, sends `initialize` then `initialized`, and returns the ready client. */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    return Codex.open(new StdioTransport(launchFor(options)), options);
  }

  /**
   * Connects to an app-server that is already running with `--listen ws://HOST:PORT` or
   * `--listen unix://PATH` (needs the `ws` package). `close()` then closes the connection, not
   * the server.
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<Codex> {
    const transport = new WebSocketTransport({
      url: webSocketAddress(url),
      token: options.token,
      headers: options.headers,
    });
    return Codex.open(transport, options);
  }

  // Sends `initialize` then `initialized`; a failure closes the transport and rethrows.
  private static async open(transport: Transport, options: ConnectionOptions): Promise<Codex> {
    const connection = new Connection(transport);
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
            ...(options.optOutNotificationMethods
              ? { optOutNotificationMethods: [...options.optOutNotificationMethods] }
              : {}),
          },
        },
        { timeout: options.startTimeout ?? 60_000 },
      );
      const metadata = normalizeMetadata(response);
      await connection.notify("initialized");
      return new Codex(connection, transport, metadata, options);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  /** Process id of the app-server child (`undefined` when connected over WebSocket). */
  get pid(): number | undefined {
    return this.transport instanceof StdioTransport ? this.transport.pid : undefined;
  }

  /**
   * Sends any client request of the protocol, typed by method. The escape hatch for methods the
   * high-level API does not wrap.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    ...args: undefined extends ClientRequestMap[M]["params"]
      ? [params?: ClientRequestMap[M]["params"], options?: RequestOptions]
      : [params: ClientRequestMap[M]["params"], options?: RequestOptions]
  ): Promise<ClientRequestMap[M]["result"]> {
    const [params, options] = args;
    return this.connection.request(method, params, options) as Promise<
      ClientRequestMap[M]["result"]
    >;
  }

  /** Logs in with an OpenAI API key (`account/login/start {type: "apiKey"}`); the key never appears in errors. */
  async loginApiKey(apiKey: string, options?: RequestOptions): Promise<void> {
    await login.loginApiKey(this.connection, apiKey, options);
    this.secrets.add(apiKey);
  }

  /** Starts a browser ChatGPT login: open the handle's `authUrl`, then `wait()` for the completion. */
  loginChatgpt(options?: LoginChatgptOptions): Promise<ChatgptLoginHandle> {
    return login.loginChatgpt(this.connection, this.logins, options);
  }

  /** Starts a device-code ChatGPT login: show `verificationUrl` and `userCode`, then `wait()`. */
  loginChatgptDeviceCode(options?: RequestOptions): Promise<DeviceCodeLoginHandle> {
    return login.loginChatgptDeviceCode(this.connection, this.logins, options);
  }

  /** Hands the server ChatGPT tokens this client manages (external auth); the token never appears in errors. */
  async loginChatgptAuthTokens(tokens: ChatgptAuthTokens, options?: RequestOptions): Promise<void> {
    await login.loginChatgptAuthTokens(this.connection, tokens, options);
    this.secrets.add(tokens.accessToken);
  }

  /** `account/read`: the current account (`null` when logged out) and whether OpenAI auth is required. */
  account(options?: AccountReadOptions): Promise<GetAccountResponse> {
    return login.readAccount(this.connection, options);
  }

  /** `account/logout`: forgets the stored credentials and cancels any login in progress. */
  logout(options?: RequestOptions): Promise<void> {
    return login.logout(this.connection, options);
  }

  /** Starts a new thread. `approvalMode` defaults to `ApprovalMode.autoReview`. */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const { tools, ...rest } = options;
    const params = threadParams<ThreadStartParams>(rest, true);
    if (tools !== undefined) params.dynamicTools = tools.map(toolSpec);
    const response = await this.connection.request("thread/start", params, requestOptions(options));
    return this.thread(response.thread.id, options);
  }

  /** Resumes a stored thread; without `approvalMode` it keeps its stored approval policy. */
  async threadResume(threadId: string, options: ThreadResumeOptions = {}): Promise<Thread> {
    const params = {
      ...threadParams<ThreadResumeParams>(options, false),
      threadId: checkId(threadId),
    };
    const response = await this.connection.request(
      "thread/resume",
      params,
      requestOptions(options),
    );
    return this.thread(response.thread.id, options);
  }

  /** Forks a thread into a new one; without `approvalMode` the fork keeps the source's policy. */
  async threadFork(threadId: string, options: ThreadForkOptions = {}): Promise<Thread> {
    const params = {
      ...threadParams<ThreadForkParams>(options, false),
      threadId: checkId(threadId),
    };
    const response = await this.connection.request("thread/fork", params, requestOptions(options));
    return this.thread(response.thread.id, options);
  }

  /** Lists stored threads (one page; pass `cursor` from `nextCursor` for the next). */
  threadList(options: ThreadListOptions = {}): Promise<ThreadListResponse> {
    const { signal: _s, timeout: _t, ...params } = options;
    return this.connection.request("thread/list", dropUndefined(params), requestOptions(options));
  }

  /** Archives a thread. */
  threadArchive(threadId: string, options?: RequestOptions): Promise<ThreadArchiveResponse> {
    return this.connection.request("thread/archive", { threadId: checkId(threadId) }, options);
  }

  /** Restores an archived thread. */
  async threadUnarchive(threadId: string, options?: RequestOptions): Promise<Thread> {
    const response = await this.connection.request(
      "thread/unarchive",
      { threadId: checkId(threadId) },
      options,
    );
    return this.thread(response.thread.id);
  }

  /**
   * Wraps an existing thread id without any I/O. Handlers and tools given here answer that
   * thread's server requests from now on.
   */
  thread(threadId: string, handlers?: ThreadHandlers): Thread {
    checkId(threadId);
    const own = pickHandlers(handlers);
    if (own !== undefined) this.dispatcher.setThreadHandlers(threadId, own);
    if (handlers?.tools !== undefined) {
      handlers.tools.forEach(toolSpec);
      this.dispatcher.setThreadTools(threadId, handlers.tools);
    }
    const { connection, router, dispatcher, secrets } = this;
    return new Thread({ connection, router, dispatcher, secrets }, threadId);
  }

  /** Lists the models the server offers; `includeHidden` adds those hidden from pickers. */
  models(options: { includeHidden?: boolean } & RequestOptions = {}): Promise<ModelListResponse> {
    return this.connection.request(
      "model/list",
      { includeHidden: options.includeHidden ?? false },
      requestOptions(options),
    );
  }

  /**
   * Calls `listener` for every notification of `method` (turn events included); returns the
   * unsubscribe function. Methods this SDK does not know still arrive, untyped.
   */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationMap[M], method: M) => void,
  ): () => void;
  on(method: string, listener: (params: unknown, method: string) => void): () => void;
  on(method: string, listener: (params: unknown, method: string) => void): () => void {
    return this.router.on(method, (n) => listener(n.params, n.method));
  }

  /**
   * Every notification from now on, in order, as an async iterable; it ends with an error when
   * the connection closes. Leave the loop to unsubscribe.
   */
  notifications(): AsyncIterableIterator<CodexNotification> {
    const log = new EventLog<RawNotification>();
    const off = this.router.onAny((n) => log.push(n));
    // Our own close() ends the loop quietly; an unexpected exit throws.
    const offClose = this.connection.onClose((error) =>
      this.closing === undefined ? log.fail(error) : log.end(),
    );
    const reader = log.reader();
    return {
      next: () => reader.next() as Promise<IteratorResult<CodexNotification>>,
      return: () => {
        off();
        offClose();
        return reader.return!() as Promise<IteratorResult<CodexNotification>>;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Stops the app-server (SIGTERM, then SIGKILL after a grace period); idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      let closed!: () => void;
      this.closing = new Promise<void>((resolve) => (closed = resolve));
      void this.connection.close().then(closed, closed);
    }
    return this.closing;
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkId(id: unknown): string {
  if (typeof id !== "string" || id === "")
    throw new TypeError("threadId must be a non-empty string");
  return id;
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
    ...rest
  } = options;
  const params: Record<string, unknown> = dropUndefined(rest);
  const mode = approvalMode ?? (isStart ? "autoReview" : undefined);
  if (mode !== undefined) Object.assign(params, approvalFields(mode));
  if (sandbox !== undefined) params.sandbox = sandboxMode(sandbox);
  return params as P;
}

function launchFor(options: CodexOptions) {
  const env = { ...process.env, ...options.env };
  const base = { cwd: options.cwd, killGraceMs: options.killGraceMs };
  if (options.launchArgs !== undefined) {
    const [command, ...args] = options.launchArgs;
    if (command === undefined || command === "") {
      throw new TypeError("launchArgs must start with the command to run");
    }
    return { ...base, command, args, env };
  }
  const config = configArgs(options.configOverrides);
  const args = [...config, "app-server", "--listen", "stdio://"];
  if (options.codexBin !== undefined) {
    return { ...base, command: checkCodexBin(options.codexBin), args, env };
  }
  const runtime = locateRuntime();
  return {
    ...base,
    command: runtime.binary,
    args,
    env: runtime.pathDir === undefined ? env : prependPath(env, runtime.pathDir),
  };
}

function configArgs(overrides: CodexOptions["configOverrides"]): string[] {
  if (overrides === undefined) return [];
  const pairs = Array.isArray(overrides)
    ? (overrides as readonly string[])
    : Object.entries(overrides as Record<string, ConfigValue>).map(
        ([key, value]) => `${key}=${toToml(value)}`,
      );
  return pairs.flatMap((pair) => {
    if (typeof pair !== "string" || !pair.includes("=")) {
      throw new TypeError(`configOverrides entries must look like key=value, got ${String(pair)}`);
    }
    return ["--config", pair];
  });
}

// JSON strings, numbers, booleans and arrays of them are also valid TOML.
function toToml(value: ConfigValue): string {
  return JSON.stringify(value);
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
