/**
 * The login handles and the options of the logins. The flows that start logins, and the tracker
 * that routes their completions, are in login-flows.ts, loaded on the first login.
 */
import { ERROR_CLASS, RequestTimeoutError } from "./errors.js";
import type {
  AccountLoginCompletedNotification,
  CancelLoginAccountResponse,
  LoginAppBrand,
} from "./generated/index.js";
import { abortError } from "./internal/deadline.js";
import { requestOptions } from "./internal/validate.js";
import type { Connection, RequestOptions } from "./rpc/connection.js";

/** What `wait()` of a login resolves with: the server's `account/login/completed` params. */
export type LoginCompletion = AccountLoginCompletedNotification;

/** Options of a login `wait()`. */
export interface LoginWaitOptions {
  /** Rejects the wait with the signal's reason when aborted; the login itself goes on. */
  readonly signal?: AbortSignal | undefined;
  /** Rejects the wait with `LoginTimeoutError` after this many milliseconds; the login goes on. */
  readonly timeout?: number | undefined;
}

/** A login `wait()` outlived its `timeout`; the login itself may still complete later. */
export class LoginTimeoutError extends RequestTimeoutError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "LoginTimeoutError";
  /** Always "LoginTimeoutError". */
  override name = "LoginTimeoutError";
  /** The login that did not complete in time. */
  readonly loginId: string;

  /**
   * `method` is the notification the wait was for: `account/login/completed`, or
   * `mcpServer/oauthLogin/completed` for an MCP server's login.
   */
  constructor(loginId: string, timeoutMs: number, method = "account/login/completed") {
    super(method, timeoutMs);
    this.message = `login ${loginId} did not complete within ${timeoutMs} ms`;
    this.loginId = loginId;
  }
}

/** What a login handle waits through: the client's login tracker (in login-flows.ts). */
export interface LoginWaits {
  wait(loginId: string, options?: LoginWaitOptions): Promise<LoginCompletion>;
}

/** Shared by the two ChatGPT login handles: wait for the completion, or cancel. */
export abstract class LoginHandle {
  // Private fields stay out of `JSON.stringify` and `util.inspect`.
  readonly #connection: Connection;
  readonly #tracker: LoginWaits;
  #result: LoginCompletion | undefined;

  protected constructor(
    connection: Connection,
    tracker: LoginWaits,
    /** The server's id of this login attempt. */
    readonly loginId: string,
  ) {
    this.#connection = connection;
    this.#tracker = tracker;
  }

  /**
   * Resolves with the login's `account/login/completed` params (`success: false` when it failed or
   * was cancelled; that is not an error). Later calls resolve with the same result.
   */
  async wait(options: LoginWaitOptions = {}): Promise<LoginCompletion> {
    // Checked even when the result is known: bad options are refused however the wait ends, and
    // an aborted signal rejects, as it does for any call.
    const call = requestOptions(options);
    if (call?.signal?.aborted) throw abortError(call.signal);
    if (this.#result !== undefined) return this.#result;
    // What was checked is what bounds the wait: a getter is not read again.
    const completion = await this.#tracker.wait(this.loginId, call);
    this.#result = completion;
    return completion;
  }

  /** `account/login/cancel`: `canceled`, or `notFound` when the login already ended. */
  async cancel(options?: RequestOptions): Promise<CancelLoginAccountResponse> {
    const call = requestOptions(options);
    return this.#connection.request("account/login/cancel", { loginId: this.loginId }, call);
  }
}

/** A browser ChatGPT login in progress: open `authUrl`, then `wait()`. */
export class ChatgptLoginHandle extends LoginHandle {
  /** Always `"chatgpt"`. */
  readonly type = "chatgpt" as const;

  /** @internal Made by `loginChatgpt`. */
  constructor(
    connection: Connection,
    tracker: LoginWaits,
    loginId: string,
    /** The URL to open in a browser; it redirects to a callback server on this machine. */
    readonly authUrl: string,
  ) {
    super(connection, tracker, loginId);
  }
}

/** A device-code ChatGPT login in progress: show `verificationUrl` and `userCode`, then `wait()`. */
export class DeviceCodeLoginHandle extends LoginHandle {
  /** Always `"chatgptDeviceCode"`. */
  readonly type = "chatgptDeviceCode" as const;

  /** @internal Made by `loginChatgptDeviceCode`. */
  constructor(
    connection: Connection,
    tracker: LoginWaits,
    loginId: string,
    /** The page where the user enters `userCode`. */
    readonly verificationUrl: string,
    /** The one-time code the user enters at `verificationUrl`. */
    readonly userCode: string,
  ) {
    super(connection, tracker, loginId);
  }
}

/** Options of `Codex.loginApiKey`. */
export interface LoginApiKeyOptions extends RequestOptions {
  /**
   * Where you expect the key to be kept: `true` in the Codex home, `false` in memory (a client
   * started with `apiKey`). Omitted: wherever this server keeps credentials.
   */
  readonly persist?: boolean | undefined;
}

/** Options of `loginChatgpt`: the wire's optional fields, and the start request's own options. */
export interface LoginChatgptOptions extends RequestOptions {
  /** Wire `codexStreamlinedLogin`: the shorter sign-in flow. */
  readonly codexStreamlinedLogin?: boolean | undefined;
  /** Wire `useHostedLoginSuccessPage`: end on the hosted success page instead of the local one. */
  readonly useHostedLoginSuccessPage?: boolean | undefined;
  /** Wire `appBrand`: which app the hosted success page names. */
  readonly appBrand?: LoginAppBrand | null | undefined;
}

/** Tokens for `loginChatgptAuthTokens` (external auth: the client owns and refreshes them). */
export interface ChatgptAuthTokens {
  /** The ChatGPT access token (a JWT). Never shown in errors. */
  readonly accessToken: string;
  /** The ChatGPT workspace/account id. */
  readonly chatgptAccountId: string;
  /** The plan type; when omitted or null the server derives it from the token. */
  readonly chatgptPlanType?: string | null | undefined;
}

/** Options of `account`. */
export interface AccountReadOptions extends RequestOptions {
  /** Ask the server to refresh managed ChatGPT tokens before answering; default false. */
  readonly refreshToken?: boolean | undefined;
}

/**
 * Whether the params of a login completion (a ChatGPT or an MCP login) say how it ended: a
 * boolean `success`, and an `error` that is a string when there is one.
 */
export function isCompletion(params: unknown): boolean {
  const { success, error } = params as { success?: unknown; error?: unknown };
  return typeof success === "boolean" && (error == null || typeof error === "string");
}
