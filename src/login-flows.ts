/**
 * Starting logins and routing their completions: loaded by the client on its first login, as
 * most clients never log in through the SDK.
 */
import { CodexError, JsonRpcError, TransportClosedError } from "./errors.js";
import type {
  GetAccountResponse,
  LoginAccountParams,
  LoginAccountResponse,
} from "./generated/index.js";
import { abortError, deadline } from "./internal/deadline.js";
import { SILENT, type Log } from "./internal/logger.js";
import { API_KEY_SLOT, CHATGPT_TOKEN_SLOT, type Secrets } from "./internal/redact.js";
import {
  checkBoolean,
  checkHeaderValue,
  checkNonEmpty,
  checkOptionNames,
  checkSecret,
  checkWellFormed,
  describe,
  optionNames,
  REQUEST_KEYS,
  requestOptions,
  splitRequestOptions,
  optionalBoolean,
} from "./internal/validate.js";
import {
  ChatgptLoginHandle,
  DeviceCodeLoginHandle,
  LoginTimeoutError,
  isCompletion,
  type AccountReadOptions,
  type ChatgptAuthTokens,
  type LoginChatgptOptions,
  type LoginCompletion,
  type LoginWaitOptions,
  type LoginWaits,
} from "./login.js";
import { boundWait } from "./rpc/bound-wait.js";
import type { Connection, RequestOptions, RequestTicket } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";
import { sendStop } from "./stop.js";

// The tracker keeps ids and completions for a wait() that may never come: a handle dropped
// unwaited, a login that never completes, another client's login on a shared server. So each of
// its collections (oldest first) keeps only the newest KEPT entries.
const KEPT = 32;

interface Waiter {
  resolve(completion: LoginCompletion): void;
  reject(error: Error): void;
}

/**
 * Routes `account/login/completed` to the waits of the logins this client started. One per
 * client, created before its first login request is sent, so no completion is missed. A completion that arrives
 * before `wait()` (or even before the start response was handled) is kept until it is waited
 * for, then dropped; of those nobody waits for, only the newest 32 stay.
 */
// The login id a start's answer names, if it names one.
function loginIdOf(response: unknown): string | undefined {
  const loginId = (response as { loginId?: unknown } | null | undefined)?.loginId;
  return typeof loginId === "string" && loginId !== "" ? loginId : undefined;
}

export class LoginTracker implements LoginWaits {
  readonly #connection: Connection;
  // Logins this client started whose completion has not arrived; the completion of one dropped
  // from here lands in #early instead.
  readonly #started = new Set<string>();
  // Completions of this client's logins that no wait() has taken yet.
  readonly #kept = new Map<string, LoginCompletion>();
  // Completions for ids not registered (yet): one can be read before the `account/login/start`
  // response that names its id is handled.
  readonly #early = new Map<string, LoginCompletion>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  // Starts sent whose answer has not come, and logins answered but not yet registered: a close
  // may have to cancel what they start.
  readonly #starting = new Set<Promise<unknown>>();
  readonly #answered = new Set<string>();
  // Set once the client closes: a login started then could not be cancelled any more.
  #closing = false;
  readonly #log: Log;

  constructor(router: Router, connection: Connection, log: Log = SILENT) {
    this.#connection = connection;
    this.#log = log;
    router.on("account/login/completed", (n) => this.#complete(n.params));
    connection.onClose((error) => this.#fail(error));
  }

  /**
   * Sends `account/login/start` for a browser or device-code login. One the caller gives up on
   * (its signal or timeout) before the answer comes is cancelled once it does: the runtime would
   * keep its login (a callback server on port 1455) running with no handle to cancel it by.
   */
  async start(params: LoginAccountParams, call: RequestOptions | undefined): Promise<unknown> {
    // Aborted already: nothing is sent, as for any call.
    if (call?.signal?.aborted === true) throw abortError(call.signal);
    if (this.#closing) throw new TransportClosedError("the client is closing");
    // Sent without the caller's bounds, which only bound the wait: the request stays pending
    // until its answer comes (or the connection ends), for the late answer to be cancelled.
    const ticket: RequestTicket = {};
    const answer = this.#connection.request("account/login/start", params, { ticket });
    this.#starting.add(answer);
    answer.then(
      (response) => {
        this.#starting.delete(answer);
        const loginId = loginIdOf(response);
        if (loginId !== undefined) this.#answered.add(loginId);
      },
      () => void this.#starting.delete(answer),
    );
    return boundWait(answer, "account/login/start", call, () => {
      // Not sent yet (more than 64 requests in flight): withdrawn, no login starts.
      if (this.#connection.withdraw(ticket)) return;
      void answer.then(
        (response) => this.cancelUnused(response, "whose start was given up on"),
        this.#abandonedFailed,
      );
    });
  }

  /**
   * Cancels the login a start's answer names, which no handle will follow (`why` says why); never
   * rejects.
   */
  async cancelUnused(response: unknown, why: string): Promise<void> {
    const loginId = loginIdOf(response);
    if (loginId === undefined) return;
    this.#answered.delete(loginId);
    return this.#cancel(loginId, why, undefined);
  }

  /**
   * Cancels every login this client started that has not completed, each within `timeout`: for a
   * client leaving a server that outlives it. Never rejects.
   */
  async cancelOpen(timeout: number): Promise<void> {
    this.#closing = true;
    const why = "as the client closed";
    const cancels = [...this.#started, ...this.#answered].map((id) =>
      this.#cancel(id, why, { timeout }),
    );
    // A start still on its way: its login is cancelled once its answer names it, if in time.
    const late = [...this.#starting].map((answer) =>
      deadline(answer, { timeout, onTimeout: () => undefined }).then(
        (response) => {
          const loginId = loginIdOf(response);
          return loginId === undefined ? undefined : this.#cancel(loginId, why, { timeout });
        },
        (err: unknown) => this.#log.debug("a login start failed as the client closed", err),
      ),
    );
    await Promise.all([...cancels, ...late]);
  }

  async #cancel(
    loginId: string,
    why: string,
    call: { timeout: number } | undefined,
  ): Promise<void> {
    try {
      const connection = this.#connection;
      await sendStop(
        connection,
        (left) => connection.request("account/login/cancel", { loginId }, left),
        call?.timeout,
      );
      this.#log.debug(`cancelled login ${loginId}, ${why}`);
    } catch (err) {
      this.#log.debug(`could not cancel login ${loginId}, ${why}`, err);
    }
  }

  readonly #abandonedFailed = (err: unknown): void => {
    this.#log.debug("a login start given up on failed", err);
  };

  /** Marks `loginId` as started by this client: its completion is kept until waited for. */
  register(loginId: string): void {
    this.#answered.delete(loginId);
    const early = this.#early.get(loginId);
    if (early !== undefined) {
      this.#early.delete(loginId);
      this.#kept.set(loginId, early);
      trim(this.#kept);
    } else {
      this.#started.add(loginId);
      trim(this.#started);
    }
  }

  /**
   * Resolves with the completion of `loginId` (also one that arrived earlier). Rejects with
   * `TransportClosedError` when the app-server goes away, the abort reason, or `LoginTimeoutError`.
   */
  async wait(loginId: string, options?: LoginWaitOptions): Promise<LoginCompletion> {
    checkNonEmpty(loginId, "loginId");
    const call = requestOptions(options);
    // Aborted already: rejects, as any call does, and a completion kept stays for a later wait.
    if (call?.signal?.aborted) throw abortError(call.signal);
    const done = this.#take(loginId);
    if (done !== undefined) return done;
    const closed = this.#connection.closeError;
    if (closed !== undefined) throw closed;
    let waiters = this.#waiters.get(loginId);
    if (waiters === undefined) this.#waiters.set(loginId, (waiters = new Set()));
    const set = waiters;
    let waiter!: Waiter;
    const completed = new Promise<LoginCompletion>((resolve, reject) => {
      waiter = { resolve, reject };
      set.add(waiter);
    });
    const forget = () => {
      set.delete(waiter);
      if (set.size === 0 && this.#waiters.get(loginId) === set) this.#waiters.delete(loginId);
    };
    try {
      const completion = await deadline(completed, {
        signal: call?.signal,
        timeout: call?.timeout,
        onTimeout: () => {
          throw new LoginTimeoutError(loginId, call!.timeout!);
        },
      });
      // Taken: kept for no one else.
      this.#kept.delete(loginId);
      return completion;
    } finally {
      forget();
    }
  }

  #take(loginId: string): LoginCompletion | undefined {
    const completion = this.#kept.get(loginId) ?? this.#early.get(loginId);
    if (completion !== undefined) {
      this.#kept.delete(loginId);
      this.#early.delete(loginId);
      this.#started.delete(loginId);
    }
    return completion;
  }

  #complete(params: unknown): void {
    const loginId = (params as { loginId?: unknown } | null | undefined)?.loginId;
    // API-key and token logins complete with `loginId: null`; nobody waits for those.
    if (typeof loginId !== "string" || loginId === "") return;
    if (!isCompletion(params)) {
      return this.#log.warn(`dropped a malformed account/login/completed of login ${loginId}`);
    }
    const completion = params as LoginCompletion;
    const waiters = this.#waiters.get(loginId);
    if (waiters !== undefined) {
      // Kept too until a wait returns it: every waiter may have given up in this same turn of
      // the loop (an abort in a listener of the line before), and a later wait() still gets it.
      this.#started.delete(loginId);
      this.#kept.set(loginId, completion);
      trim(this.#kept);
      for (const waiter of [...waiters]) waiter.resolve(completion);
      return;
    }
    if (this.#started.delete(loginId)) {
      this.#kept.set(loginId, completion);
      trim(this.#kept);
      return;
    }
    // A login completes once: a second completion of the same id changes nothing.
    if (this.#early.has(loginId)) return;
    this.#early.set(loginId, completion);
    trim(this.#early);
  }

  #fail(error: TransportClosedError): void {
    // Completions already kept stay: they happened, and a later wait() still gets them.
    const all = [...this.#waiters.values()].flatMap((set) => [...set]);
    this.#waiters.clear();
    for (const waiter of all) waiter.reject(error);
  }
}

/** Drops the oldest entries of an insertion-ordered map or set past KEPT. */
function trim(entries: Map<string, unknown> | Set<string>): void {
  for (const key of entries.keys()) {
    if (entries.size <= KEPT) return;
    entries.delete(key);
  }
}

/**
 * `account/login/start {type: "apiKey"}`: stores an OpenAI API key, never shown in errors (one of
 * 8 characters or more).
 */
export async function loginApiKey(
  connection: Connection,
  secrets: Secrets,
  apiKey: string,
  options?: RequestOptions,
): Promise<void> {
  checkSecret(apiKey, "apiKey");
  const call = requestOptions(options);
  const params: LoginAccountParams = { type: "apiKey", apiKey };
  // Never sent: nothing to redact.
  if (call?.signal?.aborted === true) {
    await connection.request("account/login/start", params, call);
    return;
  }
  await holdingCredential(secrets, API_KEY_SLOT, apiKey, () =>
    connection.request("account/login/start", params, call),
  );
}

/**
 * Sends a login with `credential`, redacted while it is sent (the answer included); once the
 * server takes it, in the place of `slot`'s, the one it replaces (a long-lived client that
 * switches keys or tokens keeps one, not each). Refused, it replaces nothing: the server still
 * uses the old one. Given up on (a timeout, a signal, the connection's end), the server may have
 * taken it or not: both stay redacted, until a credential next takes the slot.
 */
async function holdingCredential<T>(
  secrets: Secrets,
  slot: string,
  credential: string,
  send: () => Promise<T>,
): Promise<T> {
  secrets.add(credential);
  try {
    const answer = await send();
    secrets.hold(slot, credential);
    return answer;
  } catch (err) {
    if (!(err instanceof JsonRpcError)) secrets.holdMaybe(slot, credential);
    throw err;
  } finally {
    secrets.removeAll([credential]);
  }
}

const CHATGPT_LOGIN_NAMES = optionNames<LoginChatgptOptions>()({
  own: [...REQUEST_KEYS, "codexStreamlinedLogin", "useHostedLoginSuccessPage", "appBrand"],
});
const ACCOUNT_READ_NAMES = optionNames<AccountReadOptions>()({
  own: [...REQUEST_KEYS, "refreshToken"],
});
const AUTH_TOKEN_NAMES = optionNames<ChatgptAuthTokens>()({
  own: ["accessToken", "chatgptAccountId", "chatgptPlanType"],
});

/** `account/login/start {type: "chatgpt"}`: starts a browser login and returns its handle. */
export async function loginChatgpt(
  connection: Connection,
  tracker: LoginTracker,
  options?: LoginChatgptOptions,
): Promise<ChatgptLoginHandle> {
  const params: LoginAccountParams = { type: "chatgpt" };
  const { call, rest } = splitRequestOptions(options, CHATGPT_LOGIN_NAMES);
  const { codexStreamlinedLogin, useHostedLoginSuccessPage, appBrand } = rest;
  if (codexStreamlinedLogin !== undefined) {
    params.codexStreamlinedLogin = checkBoolean(codexStreamlinedLogin, "codexStreamlinedLogin");
  }
  if (useHostedLoginSuccessPage !== undefined) {
    params.useHostedLoginSuccessPage = checkBoolean(
      useHostedLoginSuccessPage,
      "useHostedLoginSuccessPage",
    );
  }
  if (appBrand !== undefined) {
    if (appBrand !== null && appBrand !== "codex" && appBrand !== "chatgpt") {
      throw new TypeError(`appBrand must be "codex", "chatgpt" or null, got ${describe(appBrand)}`);
    }
    params.appBrand = appBrand;
  }
  const response = await tracker.start(params, call);
  const { loginId, authUrl } = expectVariant(
    tracker,
    response,
    "chatgpt",
    ["loginId", "authUrl"],
    "ChatGPT",
  );
  tracker.register(loginId);
  return new ChatgptLoginHandle(connection, tracker, loginId, authUrl);
}

/** `account/login/start {type: "chatgptDeviceCode"}`: starts a device-code login and returns its handle. */
export async function loginChatgptDeviceCode(
  connection: Connection,
  tracker: LoginTracker,
  options?: RequestOptions,
): Promise<DeviceCodeLoginHandle> {
  const response = await tracker.start({ type: "chatgptDeviceCode" }, requestOptions(options));
  const { loginId, verificationUrl, userCode } = expectVariant(
    tracker,
    response,
    "chatgptDeviceCode",
    ["loginId", "verificationUrl", "userCode"],
    "device-code",
  );
  tracker.register(loginId);
  return new DeviceCodeLoginHandle(connection, tracker, loginId, verificationUrl, userCode);
}

/** `account/login/start {type: "chatgptAuthTokens"}`: hands the server ChatGPT tokens the client manages. */
export async function loginChatgptAuthTokens(
  connection: Connection,
  secrets: Secrets,
  tokens: ChatgptAuthTokens,
  options?: RequestOptions,
): Promise<LoginAccountResponse> {
  if (typeof tokens !== "object" || tokens === null) {
    throw new TypeError(`tokens must be an object, got ${describe(tokens)}`);
  }
  const { accessToken, chatgptAccountId, chatgptPlanType } = checkOptionNames(
    tokens,
    AUTH_TOKEN_NAMES,
    "tokens",
  );
  checkSecret(accessToken, "accessToken");
  // The runtime sends it as a header of every request to the model: a newline in it would fail
  // each of them, long after this call succeeded.
  checkHeaderValue(chatgptAccountId, "chatgptAccountId");
  if (chatgptPlanType !== undefined && chatgptPlanType !== null) {
    checkWellFormed(checkNonEmpty(chatgptPlanType, "chatgptPlanType"), "chatgptPlanType");
  }
  const params: LoginAccountParams = {
    type: "chatgptAuthTokens",
    accessToken,
    chatgptAccountId,
    ...(chatgptPlanType !== undefined ? { chatgptPlanType } : {}),
  };
  const call = requestOptions(options);
  // Never sent: nothing to redact.
  if (call?.signal?.aborted === true)
    return connection.request("account/login/start", params, call);
  return holdingCredential(secrets, CHATGPT_TOKEN_SLOT, accessToken, () =>
    connection.request("account/login/start", params, call),
  );
}

/** `account/read`: the current account (null when logged out) and whether OpenAI auth is required. */
export async function readAccount(
  connection: Connection,
  options?: AccountReadOptions,
): Promise<GetAccountResponse> {
  const { call, rest } = splitRequestOptions(options, ACCOUNT_READ_NAMES);
  const refreshToken = optionalBoolean(rest.refreshToken, false, "refreshToken");
  return connection.request("account/read", { refreshToken }, call);
}

/** `account/logout`: forgets the stored credentials and cancels any login in progress. */
export async function logout(connection: Connection, options?: RequestOptions): Promise<void> {
  await connection.request("account/logout", undefined, requestOptions(options));
}

// The answer's fields; an answer without them is refused, and the login it may name, which no
// handle could then cancel, is cancelled.
function expectVariant<K extends string>(
  tracker: LoginTracker,
  response: unknown,
  type: string,
  fields: readonly K[],
  what: string,
): Record<K, string> {
  const record = response as Record<string, unknown> | null | undefined;
  const ok =
    typeof record === "object" &&
    record !== null &&
    record.type === type &&
    fields.every((field) => typeof record[field] === "string" && record[field] !== "");
  if (!ok) {
    void tracker.cancelUnused(response, "whose start was answered without its fields");
    // Names the shape only: values of an unexpected answer are not ours to print.
    throw new CodexError(
      `unexpected ${what} login response: expected type "${type}" with ${fields.join(", ")}, ` +
        `got ${shapeOf(response)}`,
    );
  }
  return record as Record<K, string>;
}

function shapeOf(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return describe(value);
  const record = value as Record<string, unknown>;
  const type = typeof record.type === "string" ? `type ${JSON.stringify(record.type)}` : "no type";
  const keys = Object.keys(record).filter((key) => key !== "type");
  return `${type} and fields [${keys.join(", ")}]`;
}
