/**
 * Offline testing helpers for code that drives `codex app-server`: a mock Responses API
 * ({@link startMockResponsesServer}) and a throwaway `CODEX_HOME` pointing at it
 * ({@link createCodexHome}), and {@link createTestCodex}, which starts a client on both.
 *
 * @module codex-app-server-sdk/testing
 */
export {
  createGate,
  customToolCallOutputs,
  formatSseEvent,
  functionCallOutputs,
  inputImages,
  inputItems,
  inputTexts,
  mockModelInfo,
  mockResponse,
  NO_RESPONSE_QUEUED,
  sse,
  startMockResponsesServer,
} from "./mock-responses.js";
export type {
  AssistantMessageOptions,
  EnqueueOptions,
  ExecCommandOptions,
  Gate,
  InputImagePart,
  MessagePhase,
  MockModelInfo,
  MockResponse,
  MockResponseInput,
  MockResponseOptions,
  MockResponsesServer,
  MockResponsesServerOptions,
  MockUsage,
  OwnToolCallOptions,
  ReasoningOptions,
  RecordedRequest,
  ResponseOptions,
  ResponsePart,
  SseEvent,
  ToolCallOptions,
  ToolCallOutput,
} from "./mock-responses.js";
export {
  createCodexHome,
  MOCK_PROVIDER_ID,
  mockConfigToml,
  OFFLINE_FEATURES,
  tomlString,
} from "./harness.js";
export type { CodexHome, CodexHomeOptions, ConfigTomlOptions } from "./harness.js";
export { clientStats } from "../codex.js";
export { createTestCodex } from "./test-codex.js";
export type { TestCodex, TestCodexOptions } from "./test-codex.js";
