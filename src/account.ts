import { ERROR_CLASS, InvalidRequestError } from "./errors.js";
import type {
  GetAccountRateLimitsParams,
  GetAccountRateLimitsResponse,
  GetAccountTokenUsageResponse,
} from "./generated/index.js";
import {
  GET_ACCOUNT_RATE_LIMITS_PARAMS_FIELDS,
  GET_ACCOUNT_RATE_LIMITS_PARAMS_KEYS,
} from "./generated/index.js";
import {
  checkBoolean,
  checkNonEmpty,
  optionNames,
  REQUEST_KEYS,
  splitRequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import type { Connection, RequestOptions } from "./rpc/connection.js";

/**
 * Rate limits and usage belong to a ChatGPT account: without ChatGPT authentication (logged out,
 * or logged in with an API key) the server refuses to read them, and the SDK says so with this
 * error. It is an `InvalidRequestError` (-32600), as the server's answer is.
 */
export class ChatgptAuthRequiredError extends InvalidRequestError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "ChatgptAuthRequiredError";
  override name = "ChatgptAuthRequiredError";
}

/** Options of `Codex.rateLimits`: the wire's capability flags, and the request's own options. */
export type RateLimitsOptions = WireOptions<GetAccountRateLimitsParams> & RequestOptions;

/** Options of `Codex.usage`. */
export interface UsageOptions extends RequestOptions {
  /** Estimated usage of this thread instead of the account's. */
  readonly threadId?: string | null | undefined;
}

const RATE_LIMITS_NAMES = optionNames<RateLimitsOptions>()({
  own: REQUEST_KEYS,
  wire: GET_ACCOUNT_RATE_LIMITS_PARAMS_KEYS,
  fields: GET_ACCOUNT_RATE_LIMITS_PARAMS_FIELDS,
});
const USAGE_NAMES = optionNames<UsageOptions>()({ own: [...REQUEST_KEYS, "threadId"] });

// The pinned runtime's refusals: "codex account authentication required to read rate limits"
// when logged out, "chatgpt authentication required to read token usage" with an API key.
const AUTH_REQUIRED = /authentication required/i;

async function needingChatgpt<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof InvalidRequestError && AUTH_REQUIRED.test(err.rpcMessage)) {
      throw new ChatgptAuthRequiredError(err.code, err.rpcMessage, err.data, {
        cause: err,
        method: err.method,
      });
    }
    throw err;
  }
}

/** `account/rateLimits/read`: the account's rate limits; needs ChatGPT authentication. */
export async function readRateLimits(
  connection: Connection,
  options: RateLimitsOptions | undefined,
): Promise<GetAccountRateLimitsResponse> {
  const { call, rest } = splitRequestOptions(options, RATE_LIMITS_NAMES);
  for (const flag of ["supportsLunaReserve", "excludeResetCreditDetails"] as const) {
    if (rest[flag] !== undefined) checkBoolean(rest[flag], flag);
  }
  return needingChatgpt(connection.request("account/rateLimits/read", rest, call));
}

/** `account/usage/read`: the account's (or one thread's) token usage; needs ChatGPT authentication. */
export async function readUsage(
  connection: Connection,
  options: UsageOptions | undefined,
): Promise<GetAccountTokenUsageResponse> {
  const { call, rest } = splitRequestOptions(options, USAGE_NAMES);
  if (rest.threadId !== undefined && rest.threadId !== null)
    checkNonEmpty(rest.threadId, "threadId");
  return needingChatgpt(connection.request("account/usage/read", rest, call));
}
