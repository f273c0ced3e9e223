/**
 * The client: {@link Codex}, {@link Thread}, {@link TurnHandle} and {@link TurnResult}, turn
 * inputs, approval handlers, login, the error classes and retry.
 *
 * @module codex-app-server-sdk
 */
export { Codex } from "./codex.js";
export type { ModelsOptions } from "./codex.js";
export { normalizeMetadata } from "./launch.js";
export type {
  ClientInfoOptions,
  CodexMetadata,
  CodexOptions,
  ConnectOptions,
  ConnectionOptions,
  OptOutMethod,
} from "./launch.js";
export type {
  ThreadForkOptions,
  ThreadListOptions,
  ThreadResumeOptions,
  ThreadHandlers,
  ThreadStartOptions,
} from "./thread-options.js";
export type { ConfigArrayItem, ConfigValue } from "./internal/toml.js";
export { Thread } from "./thread.js";
export type { GoalEditOptions, StructuredTurnOptions, TurnOptions } from "./thread.js";
export type {
  OutputOf,
  OutputSchema,
  OutputValidation,
  StructuredTurnResult,
} from "./structured-output.js";
export type { GoalResult, RunGoalOptions } from "./goal.js";
export { TurnHandle } from "./turn.js";
export type {
  CodexNotification,
  ServerRequestEvent,
  SteerOptions,
  TurnEvent,
  TurnRunOptions,
  TurnStreamOptions,
} from "./turn.js";
export type { ReviewOptions, ReviewTarget } from "./review.js";
export { Paginated } from "./history.js";
export type { ItemListOptions, ListPage, TurnListOptions } from "./history.js";
export { CommandAbortedError, CommandHandle } from "./command.js";
export type { CommandResult, ExecOptions } from "./command.js";
export type { TurnResult } from "./result.js";
export { answerDisplay, isShown, messageDisplay } from "./message-display.js";
export type { AgentMessageItem } from "./message-display.js";
export { ChatgptLoginHandle, DeviceCodeLoginHandle, LoginTimeoutError } from "./login.js";
export { ChatgptAuthRequiredError } from "./account.js";
export type { RateLimitsOptions, UsageOptions } from "./account.js";
export { CodexConfig } from "./config.js";
export { McpLoginHandle } from "./mcp.js";
export type { McpLoginCompletion, McpLoginOptions, McpServersOptions } from "./mcp.js";
export type { SkillsOptions } from "./skills.js";
export type { ConfigEditInput, ConfigReadOptions, ConfigWriteOptions } from "./config.js";
export type {
  AccountReadOptions,
  ChatgptAuthTokens,
  LoginApiKeyOptions,
  LoginChatgptOptions,
  LoginCompletion,
  LoginHandle,
  LoginWaitOptions,
} from "./login.js";
export { ApprovalMode, Sandbox } from "./options.js";
export type { EventMode, JsonInput, ThreadSettings } from "./options.js";
export { approvalPolicies, commandsOf } from "./approvals.js";
export type { EveryApprovalHandler } from "./approvals.js";
export type {
  ApprovalHandlers,
  DefaultedRequestMethod,
  DefinedTool,
  DynamicTool,
  ElicitationAnswer,
  HandlerErrorEvent,
  PermissionsAnswer,
  ServerRequestAnswer,
  ServerRequestContext,
  ServerRequestHandler,
  ServerRequestHandlers,
  ServerRequestOptions,
  TypedTool,
} from "./server-requests.js";
export { defineTool } from "./server-requests.js";
export type { LogLevel, Logger } from "./internal/logger.js";
export {
  audio,
  externalMessage,
  image,
  localAudio,
  localImage,
  mention,
  skill,
  text,
} from "./inputs.js";
export type {
  AudioInput,
  ExternalMessageInput,
  ImageInput,
  InputItem,
  LocalAudioInput,
  LocalImageInput,
  MentionInput,
  RunInput,
  SkillInput,
  TextInput,
} from "./inputs.js";
export {
  CodexError,
  CodexRpcError,
  InternalRpcError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  RequestTimeoutError,
  RetryLimitExceededError,
  ServerBusyError,
  StructuredOutputError,
  TransportClosedError,
  TurnAbortedError,
  TurnFailedError,
  isRetryableError,
  mapJsonRpcError,
  retryOnOverload,
} from "./errors.js";
export type {
  RetryOnOverloadOptions,
  StructuredOutputIssue,
  TransportClosedErrorOptions,
} from "./errors.js";
export { ProtocolError } from "./rpc/connection.js";
export type { RequestOptions } from "./rpc/connection.js";
export type { ReadOnly, WireOptions } from "./internal/validate.js";
export { SDK_VERSION } from "./version.js";
