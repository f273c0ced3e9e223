// GENERATED CODE! DO NOT MODIFY BY HAND!
// Produced by scripts/generate-protocol.ts from @openai/codex 0.171.0.
// The property names of each client request's params type, and the kinds of value of its
// fields as JSON text (a field's name -> its kinds), parsed on first use: a string costs an
// import no objects to build.

import type {
  FuzzyFileSearchParams,
  FuzzyFileSearchSessionStartParams,
  FuzzyFileSearchSessionStopParams,
  FuzzyFileSearchSessionUpdateParams,
  GetAuthStatusParams,
  GitDiffToRemoteParams,
  InitializeParams,
} from "./protocol/index.js";
import type {
  AccountSessionsListParams,
  AccountSessionsSwitchParams,
  AppsInstalledParams,
  AppsListParams,
  AppsReadParams,
  BedrockCheckGovCloudRequirementsParams,
  BedrockDiscoverParams,
  CancelLoginAccountParams,
  CollaborationModeListParams,
  CommandExecParams,
  CommandExecResizeParams,
  CommandExecTerminateParams,
  CommandExecWriteParams,
  ConfigBatchWriteParams,
  ConfigReadParams,
  ConfigValueWriteParams,
  ConsumeAccountRateLimitResetCreditParams,
  EnvironmentAddParams,
  EnvironmentInfoParams,
  EnvironmentStatusParams,
  ExperimentalFeatureEnablementSetParams,
  ExperimentalFeatureListParams,
  ExternalAgentConfigDetectParams,
  ExternalAgentConfigImportHistoryRecordParams,
  ExternalAgentConfigImportParams,
  FeedbackSaveParams,
  FeedbackUploadParams,
  FsCopyParams,
  FsCreateDirectoryParams,
  FsGetMetadataParams,
  FsReadDirectoryParams,
  FsReadFileParams,
  FsRemoveParams,
  FsUnwatchParams,
  FsWatchParams,
  FsWriteFileParams,
  GcpSetupParams,
  GetAccountParams,
  GetAccountRateLimitsParams,
  GetAccountTokenUsageParams,
  HooksListParams,
  ListMcpServerStatusParams,
  MarketplaceAddParams,
  MarketplaceRemoveParams,
  MarketplaceUpgradeParams,
  McpResourceReadParams,
  McpServerEventStreamStartParams,
  McpServerEventStreamStopParams,
  McpServerOauthLoginParams,
  McpServerToolCallParams,
  MemoryStatusParams,
  MockExperimentalMethodParams,
  ModelListParams,
  ModelProviderCapabilitiesReadParams,
  ModelProviderConfigWriteParams,
  ModelProviderDefaultSetParams,
  ModelProviderListParams,
  PermissionProfileListParams,
  PluginInstallParams,
  PluginInstalledParams,
  PluginListParams,
  PluginReadParams,
  PluginReconcileParams,
  PluginSearchParams,
  PluginShareCheckoutParams,
  PluginShareDeleteParams,
  PluginShareListParams,
  PluginShareSaveParams,
  PluginShareUpdateTargetsParams,
  PluginSkillReadParams,
  PluginUninstallParams,
  ProcessKillParams,
  ProcessResizePtyParams,
  ProcessSpawnParams,
  ProcessWriteStdinParams,
  ProjectCreateParams,
  ProjectDeleteParams,
  ProjectImportParams,
  ProjectListParams,
  ProjectMoveParams,
  ProjectReadParams,
  ProjectUpdateParams,
  RemoteControlClientsListParams,
  RemoteControlClientsRevokeParams,
  RemoteControlPairingStartParams,
  RemoteControlPairingStatusParams,
  ReviewStartParams,
  SendAddCreditsNudgeEmailParams,
  ServerDiagnosticsParams,
  SkillsConfigWriteParams,
  SkillsExtraRootsSetParams,
  SkillsListParams,
  ThreadApproveGuardianDeniedActionParams,
  ThreadArchiveParams,
  ThreadAttachmentAddParams,
  ThreadAttachmentListParams,
  ThreadAttachmentOwnerListParams,
  ThreadAttachmentRemoveParams,
  ThreadBackgroundTerminalsCleanParams,
  ThreadBackgroundTerminalsListParams,
  ThreadBackgroundTerminalsTerminateParams,
  ThreadCompactStartParams,
  ThreadDecrementElicitationParams,
  ThreadDeleteParams,
  ThreadForkParams,
  ThreadGoalClearParams,
  ThreadGoalGetParams,
  ThreadGoalSetParams,
  ThreadGuardianReviewParams,
  ThreadIncrementElicitationParams,
  ThreadInjectItemsParams,
  ThreadItemsListParams,
  ThreadItemsReadParams,
  ThreadListParams,
  ThreadLoadedListParams,
  ThreadMemoryModeSetParams,
  ThreadMemoryReadParams,
  ThreadMetadataUpdateParams,
  ThreadPredictionRequestParams,
  ThreadPrepareApprovedPlanParams,
  ThreadQueueAddParams,
  ThreadQueueDeleteParams,
  ThreadQueueListParams,
  ThreadQueueReorderParams,
  ThreadQueueStartParams,
  ThreadQueueUpdateParams,
  ThreadReadParams,
  ThreadReadStateUpdateParams,
  ThreadRealtimeAppendAudioParams,
  ThreadRealtimeAppendSpeechParams,
  ThreadRealtimeAppendTextParams,
  ThreadRealtimeListParams,
  ThreadRealtimeListVoicesParams,
  ThreadRealtimeStartParams,
  ThreadRealtimeStopParams,
  ThreadResumeParams,
  ThreadRevertParams,
  ThreadSampleCancelParams,
  ThreadSampleParams,
  ThreadSearchCancelParams,
  ThreadSearchOccurrencesParams,
  ThreadSearchParams,
  ThreadSectionCreateParams,
  ThreadSectionDeleteParams,
  ThreadSectionListParams,
  ThreadSectionMoveParams,
  ThreadSectionUpdateParams,
  ThreadSetNameParams,
  ThreadSettingsUpdateParams,
  ThreadShellCommandParams,
  ThreadStartParams,
  ThreadTimelineListParams,
  ThreadTurnsListParams,
  ThreadUnarchiveParams,
  ThreadUnsubscribeParams,
  TurnInterruptParams,
  TurnSettingsUpdateParams,
  TurnStartParams,
  TurnSteerParams,
  UserVerificationCancelParams,
  UserVerificationDeleteParams,
  UserVerificationEnrollParams,
  UserVerificationStatusParams,
  UserVerificationVerifyParams,
  WindowsSandboxSetupStartParams,
} from "./protocol/v2/index.js";

export const ACCOUNT_SESSIONS_LIST_PARAMS_KEYS = ["refreshWorkspaceMetadata"] as const satisfies readonly (keyof AccountSessionsListParams)[];
export const ACCOUNT_SESSIONS_LIST_PARAMS_FIELDS = "{\"refreshWorkspaceMetadata\":[\"boolean\"]}";
export const ACCOUNT_SESSIONS_SWITCH_PARAMS_KEYS = ["sessionId", "accountId", "allowBrowserLogin"] as const satisfies readonly (keyof AccountSessionsSwitchParams)[];
export const ACCOUNT_SESSIONS_SWITCH_PARAMS_FIELDS = "{\"sessionId\":[\"string\"],\"accountId\":[\"string\"],\"allowBrowserLogin\":[\"boolean\"]}";
export const APPS_INSTALLED_PARAMS_KEYS = ["threadId", "forceRefresh"] as const satisfies readonly (keyof AppsInstalledParams)[];
export const APPS_INSTALLED_PARAMS_FIELDS = "{\"threadId\":[\"string\",null],\"forceRefresh\":[\"boolean\"]}";
export const APPS_LIST_PARAMS_KEYS = ["cursor", "limit", "threadId", "forceRefetch"] as const satisfies readonly (keyof AppsListParams)[];
export const APPS_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"threadId\":[\"string\",null],\"forceRefetch\":[\"boolean\"]}";
export const APPS_READ_PARAMS_KEYS = ["appIds", "threadId", "includeTools"] as const satisfies readonly (keyof AppsReadParams)[];
export const APPS_READ_PARAMS_FIELDS = "{\"appIds\":[\"string[]\"],\"threadId\":[\"string\",null],\"includeTools\":[\"boolean\"]}";
export const BEDROCK_CHECK_GOV_CLOUD_REQUIREMENTS_PARAMS_KEYS = [] as const satisfies readonly (keyof BedrockCheckGovCloudRequirementsParams)[];
export const BEDROCK_CHECK_GOV_CLOUD_REQUIREMENTS_PARAMS_FIELDS = "{}";
export const BEDROCK_DISCOVER_PARAMS_KEYS = [] as const satisfies readonly (keyof BedrockDiscoverParams)[];
export const BEDROCK_DISCOVER_PARAMS_FIELDS = "{}";
export const CANCEL_LOGIN_ACCOUNT_PARAMS_KEYS = ["loginId"] as const satisfies readonly (keyof CancelLoginAccountParams)[];
export const CANCEL_LOGIN_ACCOUNT_PARAMS_FIELDS = "{\"loginId\":[\"string\"]}";
export const COLLABORATION_MODE_LIST_PARAMS_KEYS = [] as const satisfies readonly (keyof CollaborationModeListParams)[];
export const COLLABORATION_MODE_LIST_PARAMS_FIELDS = "{}";
export const COMMAND_EXEC_PARAMS_KEYS = ["command", "processId", "tty", "streamStdin", "streamStdoutStderr", "outputBytesCap", "disableOutputCap", "disableTimeout", "timeoutMs", "cwd", "env", "size", "sandboxPolicy", "permissionProfile"] as const satisfies readonly (keyof CommandExecParams)[];
export const COMMAND_EXEC_PARAMS_FIELDS = "{\"command\":[\"string[]\"],\"processId\":[\"string\",null],\"tty\":[\"boolean\"],\"streamStdin\":[\"boolean\"],\"streamStdoutStderr\":[\"boolean\"],\"outputBytesCap\":[\"number\",null],\"disableOutputCap\":[\"boolean\"],\"disableTimeout\":[\"boolean\"],\"timeoutMs\":[\"number\",null],\"cwd\":[\"string\",null],\"env\":[\"object\",null],\"size\":[\"object\",null],\"sandboxPolicy\":[\"object\",null],\"permissionProfile\":[\"string\",null]}";
export const COMMAND_EXEC_RESIZE_PARAMS_KEYS = ["processId", "size"] as const satisfies readonly (keyof CommandExecResizeParams)[];
export const COMMAND_EXEC_RESIZE_PARAMS_FIELDS = "{\"processId\":[\"string\"],\"size\":[\"object\"]}";
export const COMMAND_EXEC_TERMINATE_PARAMS_KEYS = ["processId"] as const satisfies readonly (keyof CommandExecTerminateParams)[];
export const COMMAND_EXEC_TERMINATE_PARAMS_FIELDS = "{\"processId\":[\"string\"]}";
export const COMMAND_EXEC_WRITE_PARAMS_KEYS = ["processId", "deltaBase64", "closeStdin"] as const satisfies readonly (keyof CommandExecWriteParams)[];
export const COMMAND_EXEC_WRITE_PARAMS_FIELDS = "{\"processId\":[\"string\"],\"deltaBase64\":[\"string\",null],\"closeStdin\":[\"boolean\"]}";
export const CONFIG_BATCH_WRITE_PARAMS_KEYS = ["edits", "filePath", "expectedVersion", "reloadUserConfig"] as const satisfies readonly (keyof ConfigBatchWriteParams)[];
export const CONFIG_BATCH_WRITE_PARAMS_FIELDS = "{\"edits\":[\"array\"],\"filePath\":[\"string\",null],\"expectedVersion\":[\"string\",null],\"reloadUserConfig\":[\"boolean\"]}";
export const CONFIG_READ_PARAMS_KEYS = ["includeLayers", "cwd"] as const satisfies readonly (keyof ConfigReadParams)[];
export const CONFIG_READ_PARAMS_FIELDS = "{\"includeLayers\":[\"boolean\"],\"cwd\":[\"string\",null]}";
export const CONFIG_VALUE_WRITE_PARAMS_KEYS = ["keyPath", "value", "mergeStrategy", "filePath", "expectedVersion"] as const satisfies readonly (keyof ConfigValueWriteParams)[];
export const CONFIG_VALUE_WRITE_PARAMS_FIELDS = "{\"keyPath\":[\"string\"],\"mergeStrategy\":[[\"replace\",\"upsert\"]],\"filePath\":[\"string\",null],\"expectedVersion\":[\"string\",null]}";
export const CONSUME_ACCOUNT_RATE_LIMIT_RESET_CREDIT_PARAMS_KEYS = ["idempotencyKey", "creditId"] as const satisfies readonly (keyof ConsumeAccountRateLimitResetCreditParams)[];
export const CONSUME_ACCOUNT_RATE_LIMIT_RESET_CREDIT_PARAMS_FIELDS = "{\"idempotencyKey\":[\"string\"],\"creditId\":[\"string\",null]}";
export const ENVIRONMENT_ADD_PARAMS_KEYS = ["environmentId", "execServerUrl", "authBearerToken", "websocketRequestId", "connectTimeoutMs", "skills"] as const satisfies readonly (keyof EnvironmentAddParams)[];
export const ENVIRONMENT_ADD_PARAMS_FIELDS = "{\"environmentId\":[\"string\"],\"execServerUrl\":[\"string\"],\"authBearerToken\":[\"string\",null],\"websocketRequestId\":[\"string\",null],\"connectTimeoutMs\":[\"number\",null],\"skills\":[\"object\",null]}";
export const ENVIRONMENT_INFO_PARAMS_KEYS = ["environmentId"] as const satisfies readonly (keyof EnvironmentInfoParams)[];
export const ENVIRONMENT_INFO_PARAMS_FIELDS = "{\"environmentId\":[\"string\"]}";
export const ENVIRONMENT_STATUS_PARAMS_KEYS = ["environmentId"] as const satisfies readonly (keyof EnvironmentStatusParams)[];
export const ENVIRONMENT_STATUS_PARAMS_FIELDS = "{\"environmentId\":[\"string\"]}";
export const EXPERIMENTAL_FEATURE_ENABLEMENT_SET_PARAMS_KEYS = ["enablement"] as const satisfies readonly (keyof ExperimentalFeatureEnablementSetParams)[];
export const EXPERIMENTAL_FEATURE_ENABLEMENT_SET_PARAMS_FIELDS = "{\"enablement\":[\"object\"]}";
export const EXPERIMENTAL_FEATURE_LIST_PARAMS_KEYS = ["cursor", "limit", "threadId"] as const satisfies readonly (keyof ExperimentalFeatureListParams)[];
export const EXPERIMENTAL_FEATURE_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"threadId\":[\"string\",null]}";
export const EXTERNAL_AGENT_CONFIG_DETECT_PARAMS_KEYS = ["includeHome", "cwds", "maxSessionAgeDays", "maxSessions", "source", "migrationSource"] as const satisfies readonly (keyof ExternalAgentConfigDetectParams)[];
export const EXTERNAL_AGENT_CONFIG_DETECT_PARAMS_FIELDS = "{\"includeHome\":[\"boolean\"],\"cwds\":[\"string[]\",null],\"maxSessionAgeDays\":[\"number\",null],\"maxSessions\":[\"number\",null],\"source\":[\"string\",null],\"migrationSource\":[\"string\",null]}";
export const EXTERNAL_AGENT_CONFIG_IMPORT_HISTORY_RECORD_PARAMS_KEYS = ["providerId", "itemTypeResults"] as const satisfies readonly (keyof ExternalAgentConfigImportHistoryRecordParams)[];
export const EXTERNAL_AGENT_CONFIG_IMPORT_HISTORY_RECORD_PARAMS_FIELDS = "{\"providerId\":[\"string\"],\"itemTypeResults\":[\"array\"]}";
export const EXTERNAL_AGENT_CONFIG_IMPORT_PARAMS_KEYS = ["migrationItems", "source", "providerId", "migrationSource"] as const satisfies readonly (keyof ExternalAgentConfigImportParams)[];
export const EXTERNAL_AGENT_CONFIG_IMPORT_PARAMS_FIELDS = "{\"migrationItems\":[\"array\"],\"source\":[\"string\",null],\"providerId\":[\"string\",null],\"migrationSource\":[\"string\",null]}";
export const FEEDBACK_SAVE_PARAMS_KEYS = ["savePath", "classification", "reason", "threadId", "includeLogs", "extraLogFiles", "tags"] as const satisfies readonly (keyof FeedbackSaveParams)[];
export const FEEDBACK_SAVE_PARAMS_FIELDS = "{\"savePath\":[\"string\"],\"classification\":[\"string\"],\"reason\":[\"string\",null],\"threadId\":[\"string\",null],\"includeLogs\":[\"boolean\"],\"extraLogFiles\":[\"string[]\",null],\"tags\":[\"object\",null]}";
export const FEEDBACK_UPLOAD_PARAMS_KEYS = ["classification", "reason", "threadId", "includeLogs", "extraLogFiles", "tags"] as const satisfies readonly (keyof FeedbackUploadParams)[];
export const FEEDBACK_UPLOAD_PARAMS_FIELDS = "{\"classification\":[\"string\"],\"reason\":[\"string\",null],\"threadId\":[\"string\",null],\"includeLogs\":[\"boolean\"],\"extraLogFiles\":[\"string[]\",null],\"tags\":[\"object\",null]}";
export const FS_COPY_PARAMS_KEYS = ["sourcePath", "destinationPath", "recursive"] as const satisfies readonly (keyof FsCopyParams)[];
export const FS_COPY_PARAMS_FIELDS = "{\"sourcePath\":[\"string\"],\"destinationPath\":[\"string\"],\"recursive\":[\"boolean\"]}";
export const FS_CREATE_DIRECTORY_PARAMS_KEYS = ["path", "recursive"] as const satisfies readonly (keyof FsCreateDirectoryParams)[];
export const FS_CREATE_DIRECTORY_PARAMS_FIELDS = "{\"path\":[\"string\"],\"recursive\":[\"boolean\",null]}";
export const FS_GET_METADATA_PARAMS_KEYS = ["path"] as const satisfies readonly (keyof FsGetMetadataParams)[];
export const FS_GET_METADATA_PARAMS_FIELDS = "{\"path\":[\"string\"]}";
export const FS_READ_DIRECTORY_PARAMS_KEYS = ["path"] as const satisfies readonly (keyof FsReadDirectoryParams)[];
export const FS_READ_DIRECTORY_PARAMS_FIELDS = "{\"path\":[\"string\"]}";
export const FS_READ_FILE_PARAMS_KEYS = ["path"] as const satisfies readonly (keyof FsReadFileParams)[];
export const FS_READ_FILE_PARAMS_FIELDS = "{\"path\":[\"string\"]}";
export const FS_REMOVE_PARAMS_KEYS = ["path", "recursive", "force"] as const satisfies readonly (keyof FsRemoveParams)[];
export const FS_REMOVE_PARAMS_FIELDS = "{\"path\":[\"string\"],\"recursive\":[\"boolean\",null],\"force\":[\"boolean\",null]}";
export const FS_UNWATCH_PARAMS_KEYS = ["watchId"] as const satisfies readonly (keyof FsUnwatchParams)[];
export const FS_UNWATCH_PARAMS_FIELDS = "{\"watchId\":[\"string\"]}";
export const FS_WATCH_PARAMS_KEYS = ["watchId", "path"] as const satisfies readonly (keyof FsWatchParams)[];
export const FS_WATCH_PARAMS_FIELDS = "{\"watchId\":[\"string\"],\"path\":[\"string\"]}";
export const FS_WRITE_FILE_PARAMS_KEYS = ["path", "dataBase64"] as const satisfies readonly (keyof FsWriteFileParams)[];
export const FS_WRITE_FILE_PARAMS_FIELDS = "{\"path\":[\"string\"],\"dataBase64\":[\"string\"]}";
export const FUZZY_FILE_SEARCH_PARAMS_KEYS = ["query", "roots", "cancellationToken"] as const satisfies readonly (keyof FuzzyFileSearchParams)[];
export const FUZZY_FILE_SEARCH_PARAMS_FIELDS = "{\"query\":[\"string\"],\"roots\":[\"string[]\"],\"cancellationToken\":[\"string\",null]}";
export const FUZZY_FILE_SEARCH_SESSION_START_PARAMS_KEYS = ["sessionId", "roots"] as const satisfies readonly (keyof FuzzyFileSearchSessionStartParams)[];
export const FUZZY_FILE_SEARCH_SESSION_START_PARAMS_FIELDS = "{\"sessionId\":[\"string\"],\"roots\":[\"string[]\"]}";
export const FUZZY_FILE_SEARCH_SESSION_STOP_PARAMS_KEYS = ["sessionId"] as const satisfies readonly (keyof FuzzyFileSearchSessionStopParams)[];
export const FUZZY_FILE_SEARCH_SESSION_STOP_PARAMS_FIELDS = "{\"sessionId\":[\"string\"]}";
export const FUZZY_FILE_SEARCH_SESSION_UPDATE_PARAMS_KEYS = ["sessionId", "query"] as const satisfies readonly (keyof FuzzyFileSearchSessionUpdateParams)[];
export const FUZZY_FILE_SEARCH_SESSION_UPDATE_PARAMS_FIELDS = "{\"sessionId\":[\"string\"],\"query\":[\"string\"]}";
export const GCP_SETUP_PARAMS_KEYS = ["projectId", "location", "credentialFile"] as const satisfies readonly (keyof GcpSetupParams)[];
export const GCP_SETUP_PARAMS_FIELDS = "{\"projectId\":[\"string\"],\"location\":[\"string\",null],\"credentialFile\":[\"string\",null]}";
export const GET_ACCOUNT_PARAMS_KEYS = ["refreshToken"] as const satisfies readonly (keyof GetAccountParams)[];
export const GET_ACCOUNT_PARAMS_FIELDS = "{\"refreshToken\":[\"boolean\"]}";
export const GET_ACCOUNT_RATE_LIMITS_PARAMS_KEYS = ["supportsLunaReserve", "excludeResetCreditDetails"] as const satisfies readonly (keyof GetAccountRateLimitsParams)[];
export const GET_ACCOUNT_RATE_LIMITS_PARAMS_FIELDS = "{\"supportsLunaReserve\":[\"boolean\"],\"excludeResetCreditDetails\":[\"boolean\"]}";
export const GET_ACCOUNT_TOKEN_USAGE_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof GetAccountTokenUsageParams)[];
export const GET_ACCOUNT_TOKEN_USAGE_PARAMS_FIELDS = "{\"threadId\":[\"string\",null]}";
export const GET_AUTH_STATUS_PARAMS_KEYS = ["includeToken", "refreshToken"] as const satisfies readonly (keyof GetAuthStatusParams)[];
export const GET_AUTH_STATUS_PARAMS_FIELDS = "{\"includeToken\":[\"boolean\",null],\"refreshToken\":[\"boolean\",null]}";
export const GIT_DIFF_TO_REMOTE_PARAMS_KEYS = ["cwd"] as const satisfies readonly (keyof GitDiffToRemoteParams)[];
export const GIT_DIFF_TO_REMOTE_PARAMS_FIELDS = "{\"cwd\":[\"string\"]}";
export const HOOKS_LIST_PARAMS_KEYS = ["cwds", "threadId"] as const satisfies readonly (keyof HooksListParams)[];
export const HOOKS_LIST_PARAMS_FIELDS = "{\"cwds\":[\"string[]\"],\"threadId\":[\"string\",null]}";
export const INITIALIZE_PARAMS_KEYS = ["clientInfo", "capabilities"] as const satisfies readonly (keyof InitializeParams)[];
export const INITIALIZE_PARAMS_FIELDS = "{\"clientInfo\":[\"object\"],\"capabilities\":[\"object\",null]}";
export const LIST_MCP_SERVER_STATUS_PARAMS_KEYS = ["cursor", "limit", "detail", "threadId", "serverName", "environmentId"] as const satisfies readonly (keyof ListMcpServerStatusParams)[];
export const LIST_MCP_SERVER_STATUS_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"detail\":[[\"full\",\"toolsAndAuthOnly\"],null],\"threadId\":[\"string\",null],\"serverName\":[\"string\",null],\"environmentId\":[\"string\",null]}";
export const MARKETPLACE_ADD_PARAMS_KEYS = ["source", "refName", "sparsePaths"] as const satisfies readonly (keyof MarketplaceAddParams)[];
export const MARKETPLACE_ADD_PARAMS_FIELDS = "{\"source\":[\"string\"],\"refName\":[\"string\",null],\"sparsePaths\":[\"string[]\",null]}";
export const MARKETPLACE_REMOVE_PARAMS_KEYS = ["marketplaceName"] as const satisfies readonly (keyof MarketplaceRemoveParams)[];
export const MARKETPLACE_REMOVE_PARAMS_FIELDS = "{\"marketplaceName\":[\"string\"]}";
export const MARKETPLACE_UPGRADE_PARAMS_KEYS = ["marketplaceName"] as const satisfies readonly (keyof MarketplaceUpgradeParams)[];
export const MARKETPLACE_UPGRADE_PARAMS_FIELDS = "{\"marketplaceName\":[\"string\",null]}";
export const MCP_RESOURCE_READ_PARAMS_KEYS = ["_meta", "threadId", "originCallId", "server", "environmentId", "uri", "connectorId", "target"] as const satisfies readonly (keyof McpResourceReadParams)[];
export const MCP_RESOURCE_READ_PARAMS_FIELDS = "{\"_meta\":[\"object\",null],\"threadId\":[\"string\",null],\"originCallId\":[\"string\",null],\"server\":[\"string\"],\"environmentId\":[\"string\",null],\"uri\":[\"string\"],\"connectorId\":[\"string\",null],\"target\":[\"object\",null]}";
export const MCP_SERVER_EVENT_STREAM_START_PARAMS_KEYS = ["threadId", "server", "subscriptionId", "name", "arguments", "_meta"] as const satisfies readonly (keyof McpServerEventStreamStartParams)[];
export const MCP_SERVER_EVENT_STREAM_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"server\":[\"string\"],\"subscriptionId\":[\"string\"],\"name\":[\"string\"]}";
export const MCP_SERVER_EVENT_STREAM_STOP_PARAMS_KEYS = ["subscriptionId"] as const satisfies readonly (keyof McpServerEventStreamStopParams)[];
export const MCP_SERVER_EVENT_STREAM_STOP_PARAMS_FIELDS = "{\"subscriptionId\":[\"string\"]}";
export const MCP_SERVER_OAUTH_LOGIN_PARAMS_KEYS = ["name", "environmentId", "threadId", "clientRegistration", "scopes", "timeoutSecs"] as const satisfies readonly (keyof McpServerOauthLoginParams)[];
export const MCP_SERVER_OAUTH_LOGIN_PARAMS_FIELDS = "{\"name\":[\"string\"],\"environmentId\":[\"string\",null],\"threadId\":[\"string\",null],\"clientRegistration\":[[\"auto\",\"cimd\",\"dcr\"],null],\"scopes\":[\"string[]\",null],\"timeoutSecs\":[\"number\",null]}";
export const MCP_SERVER_TOOL_CALL_PARAMS_KEYS = ["threadId", "server", "environmentId", "tool", "arguments", "_meta"] as const satisfies readonly (keyof McpServerToolCallParams)[];
export const MCP_SERVER_TOOL_CALL_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"server\":[\"string\"],\"environmentId\":[\"string\",null],\"tool\":[\"string\"]}";
export const MEMORY_STATUS_PARAMS_KEYS = ["minConsolidatedThreads"] as const satisfies readonly (keyof MemoryStatusParams)[];
export const MEMORY_STATUS_PARAMS_FIELDS = "{\"minConsolidatedThreads\":[\"number\",null]}";
export const MOCK_EXPERIMENTAL_METHOD_PARAMS_KEYS = ["value"] as const satisfies readonly (keyof MockExperimentalMethodParams)[];
export const MOCK_EXPERIMENTAL_METHOD_PARAMS_FIELDS = "{\"value\":[\"string\",null]}";
export const MODEL_LIST_PARAMS_KEYS = ["modelProvider", "cursor", "limit", "includeHidden"] as const satisfies readonly (keyof ModelListParams)[];
export const MODEL_LIST_PARAMS_FIELDS = "{\"modelProvider\":[\"string\",null],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"includeHidden\":[\"boolean\",null]}";
export const MODEL_PROVIDER_CAPABILITIES_READ_PARAMS_KEYS = [] as const satisfies readonly (keyof ModelProviderCapabilitiesReadParams)[];
export const MODEL_PROVIDER_CAPABILITIES_READ_PARAMS_FIELDS = "{}";
export const MODEL_PROVIDER_CONFIG_WRITE_PARAMS_KEYS = ["settings"] as const satisfies readonly (keyof ModelProviderConfigWriteParams)[];
export const MODEL_PROVIDER_CONFIG_WRITE_PARAMS_FIELDS = "{\"settings\":[\"object\"]}";
export const MODEL_PROVIDER_DEFAULT_SET_PARAMS_KEYS = ["providerId"] as const satisfies readonly (keyof ModelProviderDefaultSetParams)[];
export const MODEL_PROVIDER_DEFAULT_SET_PARAMS_FIELDS = "{\"providerId\":[\"string\"]}";
export const MODEL_PROVIDER_LIST_PARAMS_KEYS = [] as const satisfies readonly (keyof ModelProviderListParams)[];
export const MODEL_PROVIDER_LIST_PARAMS_FIELDS = "{}";
export const PERMISSION_PROFILE_LIST_PARAMS_KEYS = ["cursor", "limit", "cwd"] as const satisfies readonly (keyof PermissionProfileListParams)[];
export const PERMISSION_PROFILE_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"cwd\":[\"string\",null]}";
export const PLUGIN_INSTALL_PARAMS_KEYS = ["marketplacePath", "remoteMarketplaceName", "installAttemptId", "pluginName"] as const satisfies readonly (keyof PluginInstallParams)[];
export const PLUGIN_INSTALL_PARAMS_FIELDS = "{\"marketplacePath\":[\"string\",null],\"remoteMarketplaceName\":[\"string\",null],\"installAttemptId\":[\"string\",null],\"pluginName\":[\"string\"]}";
export const PLUGIN_INSTALLED_PARAMS_KEYS = ["cwds", "installSuggestionPluginNames"] as const satisfies readonly (keyof PluginInstalledParams)[];
export const PLUGIN_INSTALLED_PARAMS_FIELDS = "{\"cwds\":[\"string[]\",null],\"installSuggestionPluginNames\":[\"string[]\",null]}";
export const PLUGIN_LIST_PARAMS_KEYS = ["cwds", "marketplaceKinds", "forceRefetch"] as const satisfies readonly (keyof PluginListParams)[];
export const PLUGIN_LIST_PARAMS_FIELDS = "{\"cwds\":[\"string[]\",null],\"marketplaceKinds\":[{\"each\":[\"local\",\"vertical\",\"workspace-directory\",\"shared-with-me\",\"created-by-me-remote\"]},null],\"forceRefetch\":[\"boolean\"]}";
export const PLUGIN_READ_PARAMS_KEYS = ["marketplacePath", "remoteMarketplaceName", "pluginName"] as const satisfies readonly (keyof PluginReadParams)[];
export const PLUGIN_READ_PARAMS_FIELDS = "{\"marketplacePath\":[\"string\",null],\"remoteMarketplaceName\":[\"string\",null],\"pluginName\":[\"string\"]}";
export const PLUGIN_RECONCILE_PARAMS_KEYS = ["reason"] as const satisfies readonly (keyof PluginReconcileParams)[];
export const PLUGIN_RECONCILE_PARAMS_FIELDS = "{\"reason\":[\"string\",null]}";
export const PLUGIN_SEARCH_PARAMS_KEYS = ["searchTerm", "scope", "cwds", "cursor", "limit"] as const satisfies readonly (keyof PluginSearchParams)[];
export const PLUGIN_SEARCH_PARAMS_FIELDS = "{\"searchTerm\":[\"string\"],\"scope\":[[\"global\",\"workspace\",\"personal\"],null],\"cwds\":[\"string[]\",null],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const PLUGIN_SHARE_CHECKOUT_PARAMS_KEYS = ["remotePluginId"] as const satisfies readonly (keyof PluginShareCheckoutParams)[];
export const PLUGIN_SHARE_CHECKOUT_PARAMS_FIELDS = "{\"remotePluginId\":[\"string\"]}";
export const PLUGIN_SHARE_DELETE_PARAMS_KEYS = ["remotePluginId"] as const satisfies readonly (keyof PluginShareDeleteParams)[];
export const PLUGIN_SHARE_DELETE_PARAMS_FIELDS = "{\"remotePluginId\":[\"string\"]}";
export const PLUGIN_SHARE_LIST_PARAMS_KEYS = [] as const satisfies readonly (keyof PluginShareListParams)[];
export const PLUGIN_SHARE_LIST_PARAMS_FIELDS = "{}";
export const PLUGIN_SHARE_SAVE_PARAMS_KEYS = ["pluginPath", "remotePluginId", "discoverability", "shareTargets"] as const satisfies readonly (keyof PluginShareSaveParams)[];
export const PLUGIN_SHARE_SAVE_PARAMS_FIELDS = "{\"pluginPath\":[\"string\"],\"remotePluginId\":[\"string\",null],\"discoverability\":[[\"LISTED\",\"UNLISTED\",\"PRIVATE\"],null],\"shareTargets\":[\"array\",null]}";
export const PLUGIN_SHARE_UPDATE_TARGETS_PARAMS_KEYS = ["remotePluginId", "discoverability", "shareTargets"] as const satisfies readonly (keyof PluginShareUpdateTargetsParams)[];
export const PLUGIN_SHARE_UPDATE_TARGETS_PARAMS_FIELDS = "{\"remotePluginId\":[\"string\"],\"discoverability\":[[\"UNLISTED\",\"PRIVATE\",\"LISTED\"]],\"shareTargets\":[\"array\"]}";
export const PLUGIN_SKILL_READ_PARAMS_KEYS = ["remoteMarketplaceName", "remotePluginId", "skillName"] as const satisfies readonly (keyof PluginSkillReadParams)[];
export const PLUGIN_SKILL_READ_PARAMS_FIELDS = "{\"remoteMarketplaceName\":[\"string\"],\"remotePluginId\":[\"string\"],\"skillName\":[\"string\"]}";
export const PLUGIN_UNINSTALL_PARAMS_KEYS = ["pluginId"] as const satisfies readonly (keyof PluginUninstallParams)[];
export const PLUGIN_UNINSTALL_PARAMS_FIELDS = "{\"pluginId\":[\"string\"]}";
export const PROCESS_KILL_PARAMS_KEYS = ["processHandle"] as const satisfies readonly (keyof ProcessKillParams)[];
export const PROCESS_KILL_PARAMS_FIELDS = "{\"processHandle\":[\"string\"]}";
export const PROCESS_RESIZE_PTY_PARAMS_KEYS = ["processHandle", "size"] as const satisfies readonly (keyof ProcessResizePtyParams)[];
export const PROCESS_RESIZE_PTY_PARAMS_FIELDS = "{\"processHandle\":[\"string\"],\"size\":[\"object\"]}";
export const PROCESS_SPAWN_PARAMS_KEYS = ["command", "processHandle", "cwd", "tty", "streamStdin", "streamStdoutStderr", "outputBytesCap", "timeoutMs", "env", "size"] as const satisfies readonly (keyof ProcessSpawnParams)[];
export const PROCESS_SPAWN_PARAMS_FIELDS = "{\"command\":[\"string[]\"],\"processHandle\":[\"string\"],\"cwd\":[\"string\"],\"tty\":[\"boolean\"],\"streamStdin\":[\"boolean\"],\"streamStdoutStderr\":[\"boolean\"],\"outputBytesCap\":[\"number\",null],\"timeoutMs\":[\"number\",null],\"env\":[\"object\",null],\"size\":[\"object\",null]}";
export const PROCESS_WRITE_STDIN_PARAMS_KEYS = ["processHandle", "deltaBase64", "closeStdin"] as const satisfies readonly (keyof ProcessWriteStdinParams)[];
export const PROCESS_WRITE_STDIN_PARAMS_FIELDS = "{\"processHandle\":[\"string\"],\"deltaBase64\":[\"string\",null],\"closeStdin\":[\"boolean\"]}";
export const PROJECT_CREATE_PARAMS_KEYS = ["name", "roots", "metadata", "idempotencyKey"] as const satisfies readonly (keyof ProjectCreateParams)[];
export const PROJECT_CREATE_PARAMS_FIELDS = "{\"name\":[\"string\"],\"roots\":[\"array\"],\"metadata\":[\"object\",null],\"idempotencyKey\":[\"string\"]}";
export const PROJECT_DELETE_PARAMS_KEYS = ["projectId"] as const satisfies readonly (keyof ProjectDeleteParams)[];
export const PROJECT_DELETE_PARAMS_FIELDS = "{\"projectId\":[\"string\"]}";
export const PROJECT_IMPORT_PARAMS_KEYS = ["name", "roots", "metadata", "threads", "idempotencyKey"] as const satisfies readonly (keyof ProjectImportParams)[];
export const PROJECT_IMPORT_PARAMS_FIELDS = "{\"name\":[\"string\"],\"roots\":[\"array\"],\"metadata\":[\"object\",null],\"threads\":[\"string[]\",null],\"idempotencyKey\":[\"string\"]}";
export const PROJECT_LIST_PARAMS_KEYS = ["cursor", "limit", "sortKey", "sortDirection"] as const satisfies readonly (keyof ProjectListParams)[];
export const PROJECT_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"sortKey\":[[\"position\",\"recencyAt\"],null],\"sortDirection\":[[\"asc\",\"desc\"],null]}";
export const PROJECT_MOVE_PARAMS_KEYS = ["projectId", "beforeProjectId"] as const satisfies readonly (keyof ProjectMoveParams)[];
export const PROJECT_MOVE_PARAMS_FIELDS = "{\"projectId\":[\"string\"],\"beforeProjectId\":[\"string\",null]}";
export const PROJECT_READ_PARAMS_KEYS = ["projectId"] as const satisfies readonly (keyof ProjectReadParams)[];
export const PROJECT_READ_PARAMS_FIELDS = "{\"projectId\":[\"string\"]}";
export const PROJECT_UPDATE_PARAMS_KEYS = ["projectId", "name", "roots", "metadata"] as const satisfies readonly (keyof ProjectUpdateParams)[];
export const PROJECT_UPDATE_PARAMS_FIELDS = "{\"projectId\":[\"string\"],\"name\":[\"string\",null],\"roots\":[\"array\",null],\"metadata\":[\"object\",null]}";
export const REMOTE_CONTROL_CLIENTS_LIST_PARAMS_KEYS = ["environmentId", "cursor", "limit", "order"] as const satisfies readonly (keyof RemoteControlClientsListParams)[];
export const REMOTE_CONTROL_CLIENTS_LIST_PARAMS_FIELDS = "{\"environmentId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"order\":[[\"asc\",\"desc\"],null]}";
export const REMOTE_CONTROL_CLIENTS_REVOKE_PARAMS_KEYS = ["environmentId", "clientId"] as const satisfies readonly (keyof RemoteControlClientsRevokeParams)[];
export const REMOTE_CONTROL_CLIENTS_REVOKE_PARAMS_FIELDS = "{\"environmentId\":[\"string\"],\"clientId\":[\"string\"]}";
export const REMOTE_CONTROL_PAIRING_START_PARAMS_KEYS = ["manualCode"] as const satisfies readonly (keyof RemoteControlPairingStartParams)[];
export const REMOTE_CONTROL_PAIRING_START_PARAMS_FIELDS = "{\"manualCode\":[\"boolean\"]}";
export const REMOTE_CONTROL_PAIRING_STATUS_PARAMS_KEYS = ["pairingCode", "manualPairingCode"] as const satisfies readonly (keyof RemoteControlPairingStatusParams)[];
export const REMOTE_CONTROL_PAIRING_STATUS_PARAMS_FIELDS = "{\"pairingCode\":[\"string\",null],\"manualPairingCode\":[\"string\",null]}";
export const REVIEW_START_PARAMS_KEYS = ["threadId", "target", "delivery"] as const satisfies readonly (keyof ReviewStartParams)[];
export const REVIEW_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"target\":[\"object\"],\"delivery\":[[\"inline\"],null]}";
export const SEND_ADD_CREDITS_NUDGE_EMAIL_PARAMS_KEYS = ["creditType"] as const satisfies readonly (keyof SendAddCreditsNudgeEmailParams)[];
export const SEND_ADD_CREDITS_NUDGE_EMAIL_PARAMS_FIELDS = "{\"creditType\":[[\"credits\",\"usage_limit\"]]}";
export const SERVER_DIAGNOSTICS_PARAMS_KEYS = [] as const satisfies readonly (keyof ServerDiagnosticsParams)[];
export const SERVER_DIAGNOSTICS_PARAMS_FIELDS = "{}";
export const SKILLS_CONFIG_WRITE_PARAMS_KEYS = ["path", "name", "enabled"] as const satisfies readonly (keyof SkillsConfigWriteParams)[];
export const SKILLS_CONFIG_WRITE_PARAMS_FIELDS = "{\"path\":[\"string\",null],\"name\":[\"string\",null],\"enabled\":[\"boolean\"]}";
export const SKILLS_EXTRA_ROOTS_SET_PARAMS_KEYS = ["extraRoots"] as const satisfies readonly (keyof SkillsExtraRootsSetParams)[];
export const SKILLS_EXTRA_ROOTS_SET_PARAMS_FIELDS = "{\"extraRoots\":[\"string[]\"]}";
export const SKILLS_LIST_PARAMS_KEYS = ["cwds", "forceReload"] as const satisfies readonly (keyof SkillsListParams)[];
export const SKILLS_LIST_PARAMS_FIELDS = "{\"cwds\":[\"string[]\"],\"forceReload\":[\"boolean\"]}";
export const THREAD_APPROVE_GUARDIAN_DENIED_ACTION_PARAMS_KEYS = ["threadId", "event"] as const satisfies readonly (keyof ThreadApproveGuardianDeniedActionParams)[];
export const THREAD_APPROVE_GUARDIAN_DENIED_ACTION_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_ARCHIVE_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadArchiveParams)[];
export const THREAD_ARCHIVE_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_ATTACHMENT_ADD_PARAMS_KEYS = ["threadId", "attachmentType", "identityKey", "payload"] as const satisfies readonly (keyof ThreadAttachmentAddParams)[];
export const THREAD_ATTACHMENT_ADD_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"attachmentType\":[\"string\"],\"identityKey\":[\"string\"]}";
export const THREAD_ATTACHMENT_LIST_PARAMS_KEYS = ["threadId", "cursor", "limit"] as const satisfies readonly (keyof ThreadAttachmentListParams)[];
export const THREAD_ATTACHMENT_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_ATTACHMENT_OWNER_LIST_PARAMS_KEYS = ["attachmentType", "identityKey", "archived", "cursor", "limit"] as const satisfies readonly (keyof ThreadAttachmentOwnerListParams)[];
export const THREAD_ATTACHMENT_OWNER_LIST_PARAMS_FIELDS = "{\"attachmentType\":[\"string\"],\"identityKey\":[\"string\"],\"archived\":[\"boolean\",null],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_ATTACHMENT_REMOVE_PARAMS_KEYS = ["threadId", "attachmentType", "identityKey"] as const satisfies readonly (keyof ThreadAttachmentRemoveParams)[];
export const THREAD_ATTACHMENT_REMOVE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"attachmentType\":[\"string\"],\"identityKey\":[\"string\"]}";
export const THREAD_BACKGROUND_TERMINALS_CLEAN_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadBackgroundTerminalsCleanParams)[];
export const THREAD_BACKGROUND_TERMINALS_CLEAN_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_BACKGROUND_TERMINALS_LIST_PARAMS_KEYS = ["threadId", "cursor", "limit"] as const satisfies readonly (keyof ThreadBackgroundTerminalsListParams)[];
export const THREAD_BACKGROUND_TERMINALS_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_BACKGROUND_TERMINALS_TERMINATE_PARAMS_KEYS = ["threadId", "processId"] as const satisfies readonly (keyof ThreadBackgroundTerminalsTerminateParams)[];
export const THREAD_BACKGROUND_TERMINALS_TERMINATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"processId\":[\"string\"]}";
export const THREAD_COMPACT_START_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadCompactStartParams)[];
export const THREAD_COMPACT_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_DECREMENT_ELICITATION_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadDecrementElicitationParams)[];
export const THREAD_DECREMENT_ELICITATION_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_DELETE_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadDeleteParams)[];
export const THREAD_DELETE_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_FORK_PARAMS_KEYS = ["threadId", "experimentalPredictionMode", "experimentalDisablePredictionMcp", "lastTurnId", "beforeTurnId", "path", "model", "modelProvider", "serviceTier", "cwd", "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer", "sandbox", "permissions", "config", "baseInstructions", "developerInstructions", "ephemeral", "attachToSource", "threadSource", "excludeTurns", "deferGoalContinuation"] as const satisfies readonly (keyof ThreadForkParams)[];
export const THREAD_FORK_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"experimentalPredictionMode\":[\"boolean\"],\"experimentalDisablePredictionMcp\":[\"boolean\"],\"lastTurnId\":[\"string\",null],\"beforeTurnId\":[\"string\",null],\"path\":[\"string\",null],\"model\":[\"string\",null],\"modelProvider\":[\"string\",null],\"serviceTier\":[\"string\",null],\"cwd\":[\"string\",null],\"runtimeWorkspaceRoots\":[\"string[]\",null],\"approvalPolicy\":[[\"untrusted\",\"on-request\",\"never\"],\"object\",null],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"sandbox\":[[\"read-only\",\"workspace-write\",\"danger-full-access\"],null],\"permissions\":[\"string\",null],\"config\":[\"object\",null],\"baseInstructions\":[\"string\",null],\"developerInstructions\":[\"string\",null],\"ephemeral\":[\"boolean\"],\"attachToSource\":[\"boolean\"],\"threadSource\":[\"string\",null],\"excludeTurns\":[\"boolean\"],\"deferGoalContinuation\":[\"boolean\"]}";
export const THREAD_GOAL_CLEAR_PARAMS_KEYS = ["threadId", "origin"] as const satisfies readonly (keyof ThreadGoalClearParams)[];
export const THREAD_GOAL_CLEAR_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"origin\":[[\"user\",\"automatic\"],null]}";
export const THREAD_GOAL_GET_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadGoalGetParams)[];
export const THREAD_GOAL_GET_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_GOAL_SET_PARAMS_KEYS = ["threadId", "origin", "objective", "status", "tokenBudget"] as const satisfies readonly (keyof ThreadGoalSetParams)[];
export const THREAD_GOAL_SET_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"origin\":[[\"user\",\"automatic\"],null],\"objective\":[\"string\",null],\"status\":[[\"active\",\"paused\",\"blocked\",\"usageLimited\",\"budgetLimited\",\"complete\"],null],\"tokenBudget\":[\"number\",null]}";
export const THREAD_GUARDIAN_REVIEW_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadGuardianReviewParams)[];
export const THREAD_GUARDIAN_REVIEW_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_INCREMENT_ELICITATION_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadIncrementElicitationParams)[];
export const THREAD_INCREMENT_ELICITATION_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_INJECT_ITEMS_PARAMS_KEYS = ["threadId", "items"] as const satisfies readonly (keyof ThreadInjectItemsParams)[];
export const THREAD_INJECT_ITEMS_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"items\":[\"array\"]}";
export const THREAD_ITEMS_LIST_PARAMS_KEYS = ["threadId", "turnId", "cursor", "limit", "sortDirection", "deferOutput"] as const satisfies readonly (keyof ThreadItemsListParams)[];
export const THREAD_ITEMS_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"turnId\":[\"string\",null],\"limit\":[\"number\",null],\"sortDirection\":[[\"asc\",\"desc\"],null],\"deferOutput\":[\"object\",null]}";
export const THREAD_ITEMS_READ_PARAMS_KEYS = ["threadId", "turnId", "itemIds"] as const satisfies readonly (keyof ThreadItemsReadParams)[];
export const THREAD_ITEMS_READ_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"turnId\":[\"string\"],\"itemIds\":[\"string[]\"]}";
export const THREAD_LIST_PARAMS_KEYS = ["includeAttachedThreads", "currentAccountOnly", "cursor", "limit", "includedThreadIds", "excludedThreadIds", "sortKey", "sortDirection", "modelProviders", "sourceKinds", "originators", "archived", "sectionId", "projectId", "cwd", "useStateDbOnly", "searchTerm", "parentThreadId", "ancestorThreadId", "attachedToThreadId"] as const satisfies readonly (keyof ThreadListParams)[];
export const THREAD_LIST_PARAMS_FIELDS = "{\"includeAttachedThreads\":[\"boolean\"],\"currentAccountOnly\":[\"boolean\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"includedThreadIds\":[\"string[]\",null],\"excludedThreadIds\":[\"string[]\",null],\"sortKey\":[[\"created_at\",\"updated_at\",\"recency_at\",\"section_position\"],null],\"sortDirection\":[[\"asc\",\"desc\"],null],\"modelProviders\":[\"string[]\",null],\"sourceKinds\":[{\"each\":[\"cli\",\"vscode\",\"exec\",\"appServer\",\"subAgent\",\"subAgentReview\",\"subAgentCompact\",\"subAgentThreadSpawn\",\"subAgentOther\",\"unknown\"]},null],\"originators\":[\"string[]\",null],\"archived\":[\"boolean\",null],\"sectionId\":[\"string\",null],\"projectId\":[\"string\",null],\"cwd\":[\"string\",\"string[]\",null],\"useStateDbOnly\":[\"boolean\"],\"searchTerm\":[\"string\",null],\"parentThreadId\":[\"string\",null],\"ancestorThreadId\":[\"string\",null],\"attachedToThreadId\":[\"string\",null]}";
export const THREAD_LOADED_LIST_PARAMS_KEYS = ["cursor", "limit"] as const satisfies readonly (keyof ThreadLoadedListParams)[];
export const THREAD_LOADED_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_MEMORY_MODE_SET_PARAMS_KEYS = ["threadId", "mode"] as const satisfies readonly (keyof ThreadMemoryModeSetParams)[];
export const THREAD_MEMORY_MODE_SET_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"mode\":[[\"enabled\",\"disabled\"]]}";
export const THREAD_MEMORY_READ_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadMemoryReadParams)[];
export const THREAD_MEMORY_READ_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_METADATA_UPDATE_PARAMS_KEYS = ["threadId", "projectId", "gitInfo", "daybreakEnabled"] as const satisfies readonly (keyof ThreadMetadataUpdateParams)[];
export const THREAD_METADATA_UPDATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"projectId\":[\"string\",null],\"gitInfo\":[\"object\",null],\"daybreakEnabled\":[\"boolean\",null]}";
export const THREAD_PREDICTION_REQUEST_PARAMS_KEYS = ["threadId", "sourceTurnId"] as const satisfies readonly (keyof ThreadPredictionRequestParams)[];
export const THREAD_PREDICTION_REQUEST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"sourceTurnId\":[\"string\"]}";
export const THREAD_PREPARE_APPROVED_PLAN_PARAMS_KEYS = ["threadId", "markdown", "attachmentPath"] as const satisfies readonly (keyof ThreadPrepareApprovedPlanParams)[];
export const THREAD_PREPARE_APPROVED_PLAN_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"markdown\":[\"string\"],\"attachmentPath\":[\"string\",null]}";
export const THREAD_QUEUE_ADD_PARAMS_KEYS = ["threadId", "input", "clientUserMessageId", "responsesapiClientMetadata"] as const satisfies readonly (keyof ThreadQueueAddParams)[];
export const THREAD_QUEUE_ADD_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"input\":[\"array\"],\"clientUserMessageId\":[\"string\"],\"responsesapiClientMetadata\":[\"object\",null]}";
export const THREAD_QUEUE_DELETE_PARAMS_KEYS = ["threadId", "queuedSubmissionId"] as const satisfies readonly (keyof ThreadQueueDeleteParams)[];
export const THREAD_QUEUE_DELETE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"queuedSubmissionId\":[\"string\"]}";
export const THREAD_QUEUE_LIST_PARAMS_KEYS = ["threadId", "cursor", "limit"] as const satisfies readonly (keyof ThreadQueueListParams)[];
export const THREAD_QUEUE_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_QUEUE_REORDER_PARAMS_KEYS = ["threadId", "queuedSubmissionIds"] as const satisfies readonly (keyof ThreadQueueReorderParams)[];
export const THREAD_QUEUE_REORDER_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"queuedSubmissionIds\":[\"string[]\"]}";
export const THREAD_QUEUE_START_PARAMS_KEYS = ["threadId", "queuedSubmissionId"] as const satisfies readonly (keyof ThreadQueueStartParams)[];
export const THREAD_QUEUE_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"queuedSubmissionId\":[\"string\",null]}";
export const THREAD_QUEUE_UPDATE_PARAMS_KEYS = ["threadId", "queuedSubmissionId", "input", "responsesapiClientMetadata"] as const satisfies readonly (keyof ThreadQueueUpdateParams)[];
export const THREAD_QUEUE_UPDATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"queuedSubmissionId\":[\"string\"],\"input\":[\"array\"],\"responsesapiClientMetadata\":[\"object\",null]}";
export const THREAD_READ_PARAMS_KEYS = ["threadId", "includeTurns"] as const satisfies readonly (keyof ThreadReadParams)[];
export const THREAD_READ_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"includeTurns\":[\"boolean\"]}";
export const THREAD_READ_STATE_UPDATE_PARAMS_KEYS = ["threadId", "operation", "expectedRevision"] as const satisfies readonly (keyof ThreadReadStateUpdateParams)[];
export const THREAD_READ_STATE_UPDATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"operation\":[\"object\"],\"expectedRevision\":[\"string\"]}";
export const THREAD_REALTIME_APPEND_AUDIO_PARAMS_KEYS = ["threadId", "audio"] as const satisfies readonly (keyof ThreadRealtimeAppendAudioParams)[];
export const THREAD_REALTIME_APPEND_AUDIO_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"audio\":[\"object\"]}";
export const THREAD_REALTIME_APPEND_SPEECH_PARAMS_KEYS = ["threadId", "text"] as const satisfies readonly (keyof ThreadRealtimeAppendSpeechParams)[];
export const THREAD_REALTIME_APPEND_SPEECH_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"text\":[\"string\"]}";
export const THREAD_REALTIME_APPEND_TEXT_PARAMS_KEYS = ["threadId", "text", "role"] as const satisfies readonly (keyof ThreadRealtimeAppendTextParams)[];
export const THREAD_REALTIME_APPEND_TEXT_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"text\":[\"string\"],\"role\":[[\"user\",\"developer\",\"assistant\"]]}";
export const THREAD_REALTIME_LIST_PARAMS_KEYS = ["threadId", "sessionId", "fromObservedAtMs", "toObservedAtMs", "order", "afterPosition", "eventId", "cursor", "limit", "snapshotEnd", "requiredThroughPosition"] as const satisfies readonly (keyof ThreadRealtimeListParams)[];
export const THREAD_REALTIME_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"sessionId\":[\"string\",null],\"fromObservedAtMs\":[\"number\",null],\"toObservedAtMs\":[\"number\",null],\"order\":[[\"observedAt\",\"position\"],null],\"afterPosition\":[\"number\",null],\"eventId\":[\"string\",null],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"snapshotEnd\":[\"number\",null],\"requiredThroughPosition\":[\"number\",null]}";
export const THREAD_REALTIME_LIST_VOICES_PARAMS_KEYS = [] as const satisfies readonly (keyof ThreadRealtimeListVoicesParams)[];
export const THREAD_REALTIME_LIST_VOICES_PARAMS_FIELDS = "{}";
export const THREAD_REALTIME_START_PARAMS_KEYS = ["threadId", "clientManagedHandoffs", "delegationAckFiller", "flushTranscriptTailOnSessionEnd", "codexResponsesAsItems", "codexResponseItemPrefix", "codexResponseHandoffMode", "backendReasoningStatus", "codexResponseHandoffChannelPrefixes", "model", "outputModality", "includeStartupContext", "initialItems", "realtimeStartInstructions", "realtimeEndInstructions", "prompt", "realtimeSessionId", "voiceSessionId", "transport", "version", "voice"] as const satisfies readonly (keyof ThreadRealtimeStartParams)[];
export const THREAD_REALTIME_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"clientManagedHandoffs\":[\"boolean\",null],\"delegationAckFiller\":[\"boolean\",null],\"flushTranscriptTailOnSessionEnd\":[\"boolean\",null],\"codexResponsesAsItems\":[\"boolean\",null],\"codexResponseItemPrefix\":[\"string\",null],\"codexResponseHandoffMode\":[[\"thinking\",\"commentary\",\"bemTags\"],null],\"backendReasoningStatus\":[\"boolean\"],\"codexResponseHandoffChannelPrefixes\":[\"object\",null],\"model\":[\"string\",null],\"outputModality\":[[\"text\",\"audio\"]],\"includeStartupContext\":[\"boolean\",null],\"initialItems\":[\"array\",null],\"realtimeStartInstructions\":[\"string\",null],\"realtimeEndInstructions\":[\"string\",null],\"prompt\":[\"string\",null],\"realtimeSessionId\":[\"string\",null],\"voiceSessionId\":[\"string\",null],\"transport\":[\"object\",null],\"version\":[[\"v1\",\"v2\",\"v3\"],null],\"voice\":[[\"alloy\",\"arbor\",\"ash\",\"aube\",\"ballad\",\"breeze\",\"bubbie\",\"cedar\",\"coral\",\"cove\",\"echo\",\"ember\",\"haetsal\",\"hanul\",\"himari\",\"juniper\",\"leher\",\"maple\",\"marin\",\"miko\",\"neer\",\"porto\",\"rindo\",\"rio\",\"rivage\",\"sage\",\"selva\",\"shimmer\",\"sol\",\"sonna\",\"spruce\",\"tinta\",\"vale\",\"verse\",\"viola\"],null]}";
export const THREAD_REALTIME_STOP_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadRealtimeStopParams)[];
export const THREAD_REALTIME_STOP_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_RESUME_PARAMS_KEYS = ["threadId", "history", "path", "model", "modelProvider", "serviceTier", "cwd", "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer", "sandbox", "permissions", "config", "baseInstructions", "developerInstructions", "personality", "excludeTurns", "initialTurnsPage"] as const satisfies readonly (keyof ThreadResumeParams)[];
export const THREAD_RESUME_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"history\":[\"array\",null],\"path\":[\"string\",null],\"model\":[\"string\",null],\"modelProvider\":[\"string\",null],\"serviceTier\":[\"string\",null],\"cwd\":[\"string\",null],\"runtimeWorkspaceRoots\":[\"string[]\",null],\"approvalPolicy\":[[\"untrusted\",\"on-request\",\"never\"],\"object\",null],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"sandbox\":[[\"read-only\",\"workspace-write\",\"danger-full-access\"],null],\"permissions\":[\"string\",null],\"config\":[\"object\",null],\"baseInstructions\":[\"string\",null],\"developerInstructions\":[\"string\",null],\"personality\":[[\"none\",\"friendly\",\"pragmatic\"],null],\"excludeTurns\":[\"boolean\"],\"initialTurnsPage\":[\"object\",null]}";
export const THREAD_REVERT_PARAMS_KEYS = ["threadId", "beforeTurnId"] as const satisfies readonly (keyof ThreadRevertParams)[];
export const THREAD_REVERT_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"beforeTurnId\":[\"string\"]}";
export const THREAD_SAMPLE_CANCEL_PARAMS_KEYS = ["requestId"] as const satisfies readonly (keyof ThreadSampleCancelParams)[];
export const THREAD_SAMPLE_CANCEL_PARAMS_FIELDS = "{}";
export const THREAD_SAMPLE_PARAMS_KEYS = ["threadId", "expectedTurnId", "allowInProgressTurn", "prompt", "effort", "threadSource", "turnTrigger", "responsesapiClientMetadata", "disableMcp", "interruptOnCancel"] as const satisfies readonly (keyof ThreadSampleParams)[];
export const THREAD_SAMPLE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"expectedTurnId\":[\"string\"],\"allowInProgressTurn\":[\"boolean\"],\"prompt\":[\"string\"],\"effort\":[\"string\",null],\"threadSource\":[\"string\",null],\"turnTrigger\":[\"string\",null],\"responsesapiClientMetadata\":[\"object\",null],\"disableMcp\":[\"boolean\"],\"interruptOnCancel\":[\"boolean\",null]}";
export const THREAD_SEARCH_CANCEL_PARAMS_KEYS = ["requestId"] as const satisfies readonly (keyof ThreadSearchCancelParams)[];
export const THREAD_SEARCH_CANCEL_PARAMS_FIELDS = "{}";
export const THREAD_SEARCH_OCCURRENCES_PARAMS_KEYS = ["threadId", "searchTerm", "cursor", "limit"] as const satisfies readonly (keyof ThreadSearchOccurrencesParams)[];
export const THREAD_SEARCH_OCCURRENCES_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"searchTerm\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_SEARCH_PARAMS_KEYS = ["includeAttachedThreads", "currentAccountOnly", "cursor", "limit", "sortKey", "sortDirection", "sourceKinds", "archived", "searchTerm"] as const satisfies readonly (keyof ThreadSearchParams)[];
export const THREAD_SEARCH_PARAMS_FIELDS = "{\"includeAttachedThreads\":[\"boolean\"],\"currentAccountOnly\":[\"boolean\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"sortKey\":[[\"created_at\",\"updated_at\",\"recency_at\"],null],\"sortDirection\":[[\"asc\",\"desc\"],null],\"sourceKinds\":[{\"each\":[\"cli\",\"vscode\",\"exec\",\"appServer\",\"subAgent\",\"subAgentReview\",\"subAgentCompact\",\"subAgentThreadSpawn\",\"subAgentOther\",\"unknown\"]},null],\"archived\":[\"boolean\",null],\"searchTerm\":[\"string\"]}";
export const THREAD_SECTION_CREATE_PARAMS_KEYS = ["name", "appearance"] as const satisfies readonly (keyof ThreadSectionCreateParams)[];
export const THREAD_SECTION_CREATE_PARAMS_FIELDS = "{\"name\":[\"string\"],\"appearance\":[\"object\",null]}";
export const THREAD_SECTION_DELETE_PARAMS_KEYS = ["sectionId"] as const satisfies readonly (keyof ThreadSectionDeleteParams)[];
export const THREAD_SECTION_DELETE_PARAMS_FIELDS = "{\"sectionId\":[\"string\"]}";
export const THREAD_SECTION_LIST_PARAMS_KEYS = ["cursor", "limit"] as const satisfies readonly (keyof ThreadSectionListParams)[];
export const THREAD_SECTION_LIST_PARAMS_FIELDS = "{\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_SECTION_MOVE_PARAMS_KEYS = ["threadId", "sectionId", "beforeThreadId"] as const satisfies readonly (keyof ThreadSectionMoveParams)[];
export const THREAD_SECTION_MOVE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"sectionId\":[\"string\",null],\"beforeThreadId\":[\"string\",null]}";
export const THREAD_SECTION_UPDATE_PARAMS_KEYS = ["sectionId", "name", "appearance"] as const satisfies readonly (keyof ThreadSectionUpdateParams)[];
export const THREAD_SECTION_UPDATE_PARAMS_FIELDS = "{\"sectionId\":[\"string\"],\"name\":[\"string\"],\"appearance\":[\"object\",null]}";
export const THREAD_SET_NAME_PARAMS_KEYS = ["threadId", "name"] as const satisfies readonly (keyof ThreadSetNameParams)[];
export const THREAD_SET_NAME_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"name\":[\"string\"]}";
export const THREAD_SETTINGS_UPDATE_PARAMS_KEYS = ["threadId", "disabledPluginIds", "cwd", "environments", "approvalPolicy", "approvalsReviewer", "sandboxPolicy", "permissions", "model", "serviceTier", "effort", "summary", "collaborationMode", "multiAgentMode", "personality"] as const satisfies readonly (keyof ThreadSettingsUpdateParams)[];
export const THREAD_SETTINGS_UPDATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"disabledPluginIds\":[\"string[]\",null],\"cwd\":[\"string\",null],\"environments\":[\"array\",null],\"approvalPolicy\":[[\"untrusted\",\"on-request\",\"never\"],\"object\",null],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"sandboxPolicy\":[\"object\",null],\"permissions\":[\"string\",null],\"model\":[\"string\",null],\"serviceTier\":[\"string\",null],\"effort\":[\"string\",null],\"summary\":[[\"auto\",\"concise\",\"detailed\",\"none\"],null],\"collaborationMode\":[\"object\",null],\"multiAgentMode\":[[\"explicitRequestOnly\",\"proactive\"],\"object\",null],\"personality\":[[\"none\",\"friendly\",\"pragmatic\"],null]}";
export const THREAD_SHELL_COMMAND_PARAMS_KEYS = ["threadId", "command", "timeoutMs"] as const satisfies readonly (keyof ThreadShellCommandParams)[];
export const THREAD_SHELL_COMMAND_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"command\":[\"string\"],\"timeoutMs\":[\"number\",null]}";
export const THREAD_START_PARAMS_KEYS = ["model", "modelProvider", "allowProviderModelFallback", "serviceTier", "cwd", "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer", "sandbox", "permissions", "config", "serviceName", "baseInstructions", "developerInstructions", "personality", "multiAgentMode", "ephemeral", "historyMode", "sessionStartSource", "threadSource", "projectId", "daybreakEnabled", "environments", "dynamicTools", "selectedCapabilityRoots", "mockExperimentalField", "experimentalRawEvents"] as const satisfies readonly (keyof ThreadStartParams)[];
export const THREAD_START_PARAMS_FIELDS = "{\"model\":[\"string\",null],\"modelProvider\":[\"string\",null],\"allowProviderModelFallback\":[\"boolean\"],\"serviceTier\":[\"string\",null],\"cwd\":[\"string\",null],\"runtimeWorkspaceRoots\":[\"string[]\",null],\"approvalPolicy\":[[\"untrusted\",\"on-request\",\"never\"],\"object\",null],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"sandbox\":[[\"read-only\",\"workspace-write\",\"danger-full-access\"],null],\"permissions\":[\"string\",null],\"config\":[\"object\",null],\"serviceName\":[\"string\",null],\"baseInstructions\":[\"string\",null],\"developerInstructions\":[\"string\",null],\"personality\":[[\"none\",\"friendly\",\"pragmatic\"],null],\"multiAgentMode\":[[\"explicitRequestOnly\",\"proactive\"],\"object\",null],\"ephemeral\":[\"boolean\",null],\"historyMode\":[[\"legacy\",\"paginated\"],null],\"sessionStartSource\":[[\"startup\",\"clear\"],null],\"threadSource\":[\"string\",null],\"projectId\":[\"string\",null],\"daybreakEnabled\":[\"boolean\",null],\"environments\":[\"array\",null],\"dynamicTools\":[\"array\",null],\"selectedCapabilityRoots\":[\"array\",null],\"mockExperimentalField\":[\"string\",null],\"experimentalRawEvents\":[\"boolean\"]}";
export const THREAD_TIMELINE_LIST_PARAMS_KEYS = ["threadId", "cursor", "limit"] as const satisfies readonly (keyof ThreadTimelineListParams)[];
export const THREAD_TIMELINE_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null]}";
export const THREAD_TURNS_LIST_PARAMS_KEYS = ["threadId", "cursor", "limit", "sortDirection", "itemsView"] as const satisfies readonly (keyof ThreadTurnsListParams)[];
export const THREAD_TURNS_LIST_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"cursor\":[\"string\",null],\"limit\":[\"number\",null],\"sortDirection\":[[\"asc\",\"desc\"],null],\"itemsView\":[[\"notLoaded\",\"summary\",\"full\"],null]}";
export const THREAD_UNARCHIVE_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadUnarchiveParams)[];
export const THREAD_UNARCHIVE_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const THREAD_UNSUBSCRIBE_PARAMS_KEYS = ["threadId"] as const satisfies readonly (keyof ThreadUnsubscribeParams)[];
export const THREAD_UNSUBSCRIBE_PARAMS_FIELDS = "{\"threadId\":[\"string\"]}";
export const TURN_INTERRUPT_PARAMS_KEYS = ["threadId", "turnId"] as const satisfies readonly (keyof TurnInterruptParams)[];
export const TURN_INTERRUPT_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"turnId\":[\"string\"]}";
export const TURN_SETTINGS_UPDATE_PARAMS_KEYS = ["threadId", "turnId", "approvalsReviewer", "environments", "model", "effort", "summary", "serviceTier"] as const satisfies readonly (keyof TurnSettingsUpdateParams)[];
export const TURN_SETTINGS_UPDATE_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"turnId\":[\"string\"],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"environments\":[\"array\",null],\"model\":[\"string\",null],\"effort\":[\"string\",null],\"summary\":[[\"auto\",\"concise\",\"detailed\",\"none\"],null],\"serviceTier\":[\"string\",null]}";
export const TURN_START_PARAMS_KEYS = ["threadId", "disabledPluginIds", "clientUserMessageId", "input", "turnTrigger", "parentTurnId", "rootTurnId", "toolOutput", "responsesapiClientMetadata", "responsesapiClientMetadataPatch", "additionalContext", "environments", "cwd", "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer", "sandboxPolicy", "permissions", "model", "serviceTier", "serviceTierForTurn", "effort", "summary", "personality", "outputSchema", "collaborationMode", "multiAgentMode", "cyberAccessProgram"] as const satisfies readonly (keyof TurnStartParams)[];
export const TURN_START_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"disabledPluginIds\":[\"string[]\",null],\"clientUserMessageId\":[\"string\",null],\"input\":[\"array\"],\"turnTrigger\":[\"string\",null],\"parentTurnId\":[\"string\",null],\"rootTurnId\":[\"string\",null],\"toolOutput\":[\"object\",null],\"responsesapiClientMetadata\":[\"object\",null],\"responsesapiClientMetadataPatch\":[\"object\",null],\"additionalContext\":[\"object\",null],\"environments\":[\"array\",null],\"cwd\":[\"string\",null],\"runtimeWorkspaceRoots\":[\"string[]\",null],\"approvalPolicy\":[[\"untrusted\",\"on-request\",\"never\"],\"object\",null],\"approvalsReviewer\":[[\"user\",\"auto_review\",\"guardian_subagent\"],null],\"sandboxPolicy\":[\"object\",null],\"permissions\":[\"string\",null],\"model\":[\"string\",null],\"serviceTier\":[\"string\",null],\"serviceTierForTurn\":[\"string\",null],\"effort\":[\"string\",null],\"summary\":[[\"auto\",\"concise\",\"detailed\",\"none\"],null],\"personality\":[[\"none\",\"friendly\",\"pragmatic\"],null],\"collaborationMode\":[\"object\",null],\"multiAgentMode\":[[\"explicitRequestOnly\",\"proactive\"],\"object\",null],\"cyberAccessProgram\":[[\"standard\",\"daybreakBlue\",\"daybreakRed\"],null]}";
export const TURN_STEER_PARAMS_KEYS = ["threadId", "clientUserMessageId", "input", "responsesapiClientMetadata", "responsesapiClientMetadataPatch", "additionalContext", "expectedTurnId"] as const satisfies readonly (keyof TurnSteerParams)[];
export const TURN_STEER_PARAMS_FIELDS = "{\"threadId\":[\"string\"],\"clientUserMessageId\":[\"string\",null],\"input\":[\"array\"],\"responsesapiClientMetadata\":[\"object\",null],\"responsesapiClientMetadataPatch\":[\"object\",null],\"additionalContext\":[\"object\",null],\"expectedTurnId\":[\"string\"]}";
export const USER_VERIFICATION_CANCEL_PARAMS_KEYS = ["requestId"] as const satisfies readonly (keyof UserVerificationCancelParams)[];
export const USER_VERIFICATION_CANCEL_PARAMS_FIELDS = "{}";
export const USER_VERIFICATION_DELETE_PARAMS_KEYS = [] as const satisfies readonly (keyof UserVerificationDeleteParams)[];
export const USER_VERIFICATION_DELETE_PARAMS_FIELDS = "{}";
export const USER_VERIFICATION_ENROLL_PARAMS_KEYS = [] as const satisfies readonly (keyof UserVerificationEnrollParams)[];
export const USER_VERIFICATION_ENROLL_PARAMS_FIELDS = "{}";
export const USER_VERIFICATION_STATUS_PARAMS_KEYS = [] as const satisfies readonly (keyof UserVerificationStatusParams)[];
export const USER_VERIFICATION_STATUS_PARAMS_FIELDS = "{}";
export const USER_VERIFICATION_VERIFY_PARAMS_KEYS = ["challenge", "title", "description"] as const satisfies readonly (keyof UserVerificationVerifyParams)[];
export const USER_VERIFICATION_VERIFY_PARAMS_FIELDS = "{\"challenge\":[\"string\"],\"title\":[\"string\"],\"description\":[\"string\"]}";
export const WINDOWS_SANDBOX_SETUP_START_PARAMS_KEYS = ["mode", "cwd"] as const satisfies readonly (keyof WindowsSandboxSetupStartParams)[];
export const WINDOWS_SANDBOX_SETUP_START_PARAMS_FIELDS = "{\"mode\":[[\"elevated\",\"unelevated\"]],\"cwd\":[\"string\",null]}";
