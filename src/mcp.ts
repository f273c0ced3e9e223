import { CodexError } from "./errors.js";
import type {
  ListMcpServerStatusParams,
  McpServerOauthLoginCompletedNotification,
  McpServerOauthLoginParams,
  McpServerOauthLoginResponse,
  McpServerStatus,
} from "./generated/index.js";
import {
  LIST_MCP_SERVER_STATUS_PARAMS_KEYS,
  LIST_MCP_SERVER_STATUS_PARAMS_FIELDS,
  MCP_SERVER_OAUTH_LOGIN_PARAMS_KEYS,
  MCP_SERVER_OAUTH_LOGIN_PARAMS_FIELDS,
} from "./generated/index.js";
import { allPages } from "./history.js";
import { deadline } from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import {
  checkNonEmpty,
  checkWellFormed,
  describe,
  optionNames,
  REQUEST_KEYS,
  requestOptions,
  shown,
  snapshot,
  splitRequestOptions,
  type RequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import { LoginTimeoutError, isCompletion, type LoginWaitOptions } from "./login.js";
import type { Connection } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";

/** Options of `Codex.mcpServers`: which servers, and how much of each. */
export type McpServersOptions = Omit<WireOptions<ListMcpServerStatusParams>, "cursor" | "limit"> &
  RequestOptions;

/** Options of `Codex.mcpLogin`: the wire's optional fields, and the start request's own options. */
export type McpLoginOptions = Omit<WireOptions<McpServerOauthLoginParams>, "name"> & RequestOptions;

const SERVERS_NAMES = optionNames<McpServersOptions>()({
  own: REQUEST_KEYS,
  wire: LIST_MCP_SERVER_STATUS_PARAMS_KEYS,
  fields: LIST_MCP_SERVER_STATUS_PARAMS_FIELDS,
  omit: ["cursor", "limit"],
});
const LOGIN_NAMES = optionNames<McpLoginOptions>()({
  own: REQUEST_KEYS,
  wire: MCP_SERVER_OAUTH_LOGIN_PARAMS_KEYS,
  fields: MCP_SERVER_OAUTH_LOGIN_PARAMS_FIELDS,
  omit: ["name"],
});

/** What `McpLoginHandle.wait()` resolves with: the server's `mcpServer/oauthLogin/completed` params. */
export type McpLoginCompletion = McpServerOauthLoginCompletedNotification;

/** What an MCP login needs from its client. */
export interface McpContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly log: Log;
}

/** `mcpServerStatus/list`, every page: each configured MCP server, its tools, resources and auth status. */
export async function listMcpServers(
  connection: Connection,
  options: McpServersOptions | undefined,
): Promise<McpServerStatus[]> {
  const { call, rest } = splitRequestOptions(options, SERVERS_NAMES);
  checkScope(rest, ["threadId", "serverName", "environmentId"]);
  // The runtime picks an environment's registration of one server, on one thread's connection.
  if (rest.environmentId != null && (rest.serverName == null || rest.threadId == null)) {
    throw new TypeError("environmentId needs serverName and threadId too");
  }
  return allPages<McpServerStatus>("mcpServerStatus/list", call, (cursor, pageCall) => {
    const params: ListMcpServerStatusParams =
      cursor === undefined ? { ...rest } : { ...rest, cursor };
    return connection.request("mcpServerStatus/list", params, pageCall);
  });
}

/**
 * An MCP server's OAuth login in progress: send the user to `authorizationUrl`, then `wait()`.
 * The server listens for the browser's redirect on this machine and stores the tokens itself.
 */
export class McpLoginHandle {
  readonly #completion: Promise<McpLoginCompletion>;

  /** @internal Made by `Codex.mcpLogin`. */
  constructor(
    completion: Promise<McpLoginCompletion>,
    /** The MCP server's name, as configured. */
    readonly serverName: string,
    /** The URL to open in a browser. */
    readonly authorizationUrl: string,
    /** The server's id of this login attempt (older servers send none). */
    readonly loginId: string | undefined,
  ) {
    this.#completion = completion;
  }

  /**
   * Resolves with the login's completion (`success: false` when it failed or timed out on the
   * server; that is not an error). Rejects with `TransportClosedError` when the app-server goes
   * away; a `signal` or `timeout` ends the wait, not the login.
   */
  async wait(options?: LoginWaitOptions): Promise<McpLoginCompletion> {
    const call = requestOptions(options);
    return deadline(this.#completion, {
      signal: call?.signal,
      timeout: call?.timeout,
      onTimeout: () => {
        throw new LoginTimeoutError(
          this.loginId ?? this.serverName,
          call!.timeout!,
          "mcpServer/oauthLogin/completed",
        );
      },
    });
  }
}

// The ids that scope a list or a login: each a non-empty string, or absent.
function checkScope<O extends object>(options: O, keys: readonly (keyof O & string)[]): void {
  for (const key of keys) {
    const value: unknown = options[key];
    if (value !== undefined && value !== null) checkWellFormed(checkNonEmpty(value, key), key);
  }
}

// What an OAuth scope may hold (RFC 6749, 3.3): printable ASCII but the space, `"` and `\`.
const OAUTH_SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function checkLoginOptions(rest: Omit<McpLoginOptions, "signal" | "timeout">): void {
  checkScope(rest, ["threadId", "environmentId"]);
  const { scopes, timeoutSecs, clientRegistration } = rest;
  if (scopes !== undefined && scopes !== null) {
    if (!Array.isArray(scopes))
      throw new TypeError(`scopes must be an array, got ${describe(scopes)}`);
    Array.from(scopes as unknown[], (scope, i) => {
      const name = `scopes[${i}]`;
      const text = checkWellFormed(checkNonEmpty(scope, name), name);
      // The runtime joins the scopes with spaces: one holding white space would ask for several.
      if (!OAUTH_SCOPE.test(text)) {
        throw new TypeError(
          `${name} must be one OAuth scope: printable ASCII without spaces, quotes or ` +
            "backslashes (give each scope its own entry)",
        );
      }
    });
  }
  // The server reads a 64-bit integer; past 2^53 a JavaScript number is no longer exact.
  if (
    timeoutSecs !== undefined &&
    timeoutSecs !== null &&
    (typeof timeoutSecs !== "number" || !Number.isSafeInteger(timeoutSecs) || timeoutSecs < 1)
  ) {
    throw new RangeError(
      `timeoutSecs must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${shown(timeoutSecs)}`,
    );
  }
  if (
    clientRegistration !== undefined &&
    clientRegistration !== null &&
    !["auto", "cimd", "dcr"].includes(clientRegistration)
  ) {
    throw new TypeError(
      `clientRegistration must be "auto", "cimd" or "dcr", got ${describe(clientRegistration)}`,
    );
  }
}

/**
 * `mcpServer/oauth/login`: starts the OAuth login of a configured MCP server and returns its
 * handle. The completion is followed from before the request is sent, so none is missed; the
 * subscription ends with the completion or the connection.
 */
export async function startMcpLogin(
  context: McpContext,
  serverName: string,
  options: McpLoginOptions | undefined,
): Promise<McpLoginHandle> {
  checkWellFormed(checkNonEmpty(serverName, "serverName"), "serverName");
  // A copy, each field read once (the scopes' list too): what is checked is what is sent.
  const { call, rest } = splitRequestOptions(snapshot(options), LOGIN_NAMES);
  checkLoginOptions(rest);
  const { connection, router, log } = context;
  // Completions that arrive before the response names the login are kept until it does.
  const seen: McpLoginCompletion[] = [];
  const state: { loginId: string | undefined; started: boolean } = {
    loginId: undefined,
    started: false,
  };
  let settle!: { resolve(c: McpLoginCompletion): void; reject(e: Error): void };
  const completion = new Promise<McpLoginCompletion>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may ever wait; a close then must not surface as an unhandled rejection.
  completion.catch((err: unknown) => log.debug(`MCP login of ${serverName} ended`, err));
  // A login the server named is ended by the completion naming it (one naming none is another
  // attempt's); one it did not name (an older server's) by the server's next completion.
  const ours = (c: McpLoginCompletion) =>
    c.name === serverName && (state.loginId === undefined || c.loginId === state.loginId);
  const finish = () => {
    offCompleted();
    offClose();
  };
  const offCompleted = router.on("mcpServer/oauthLogin/completed", (n) => {
    const params = n.params as McpLoginCompletion;
    if (!isCompletion(params)) {
      return log.warn(`dropped a malformed mcpServer/oauthLogin/completed of ${serverName}`);
    }
    if (!state.started) return void seen.push(params);
    if (!ours(params)) return;
    finish();
    settle.resolve(params);
  });
  const offClose = connection.onClose((error) => {
    finish();
    settle.reject(error);
  });
  let answer: LoginAnswer;
  try {
    answer = checkLoginAnswer(
      await connection.request(
        "mcpServer/oauth/login",
        { ...rest, name: serverName } as McpServerOauthLoginParams,
        call,
      ),
    );
  } catch (err) {
    finish();
    throw err;
  }
  state.loginId = answer.loginId;
  state.started = true;
  const early = seen.find(ours);
  if (early !== undefined) {
    finish();
    settle.resolve(early);
  }
  return new McpLoginHandle(completion, serverName, answer.authorizationUrl, state.loginId);
}

interface LoginAnswer {
  readonly authorizationUrl: string;
  readonly loginId: string | undefined;
}

/** What the handle needs from an `mcpServer/oauth/login` answer; a `CodexError` when it is not there. */
function checkLoginAnswer(response: McpServerOauthLoginResponse): LoginAnswer {
  // The connection has seen that it is an object; its fields come from the peer.
  const { authorizationUrl, loginId } = response as Record<string, unknown>;
  if (typeof authorizationUrl !== "string" || authorizationUrl === "") {
    // Names the kind only: values of an unexpected answer are not ours to print.
    throw new CodexError(
      "unexpected mcpServer/oauth/login response: expected a non-empty authorizationUrl string, " +
        `got ${authorizationUrl === "" ? "an empty string" : describe(authorizationUrl)}`,
    );
  }
  return { authorizationUrl, loginId: typeof loginId === "string" ? loginId : undefined };
}
