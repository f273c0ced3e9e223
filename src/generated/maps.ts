// GENERATED CODE! DO NOT MODIFY BY HAND!
// Produced by scripts/generate-protocol.ts from @openai/codex 0.171.0.
// Derived from the ClientRequest, ServerRequest and ServerNotification unions.

import type {
  ApplyPatchApprovalParams,
  ApplyPatchApprovalResponse,
  ExecCommandApprovalParams,
  ExecCommandApprovalResponse,
  FuzzyFileSearchParams,
  FuzzyFileSearchResponse,
  FuzzyFileSearchSessionCompletedNotification,
  FuzzyFileSearchSessionStartParams,
  FuzzyFileSearchSessionStartResponse,
  FuzzyFileSearchSessionStopParams,
  FuzzyFileSearchSessionStopResponse,
  FuzzyFileSearchSessionUpdateParams,
  FuzzyFileSearchSessionUpdateResponse,
  FuzzyFileSearchSessionUpdatedNotification,
  GetAuthStatusParams,
  GetAuthStatusResponse,
  GetConversationSummaryParams,
  GetConversationSummaryResponse,
  GitDiffToRemoteParams,
  GitDiffToRemoteResponse,
  InitializeParams,
  InitializeResponse,
} from "./protocol/index.js";
import type {
  AccountLoginCompletedNotification,
  AccountRateLimitsUpdatedNotification,
  AccountSessionsListParams,
  AccountSessionsResponse,
  AccountSessionsSwitchParams,
  AccountSessionsSwitchResponse,
  AccountUpdatedNotification,
  AgentMessageDeltaNotification,
  AppListUpdatedNotification,
  AppsInstalledParams,
  AppsInstalledResponse,
  AppsListParams,
  AppsListResponse,
  AppsReadParams,
  AppsReadResponse,
  AttestationGenerateParams,
  AttestationGenerateResponse,
  AuthRecoveryNotification,
  BedrockCheckGovCloudRequirementsParams,
  BedrockCheckGovCloudRequirementsResponse,
  BedrockDiscoverParams,
  BedrockDiscoverResponse,
  BedrockSetupParams,
  BedrockSetupResponse,
  CancelLoginAccountParams,
  CancelLoginAccountResponse,
  ChatgptAuthTokensRefreshParams,
  ChatgptAuthTokensRefreshResponse,
  CollaborationModeListParams,
  CollaborationModeListResponse,
  CommandExecOutputDeltaNotification,
  CommandExecParams,
  CommandExecResizeParams,
  CommandExecResizeResponse,
  CommandExecResponse,
  CommandExecTerminateParams,
  CommandExecTerminateResponse,
  CommandExecWriteParams,
  CommandExecWriteResponse,
  CommandExecutionOutputDeltaNotification,
  CommandExecutionRequestApprovalParams,
  CommandExecutionRequestApprovalResponse,
  ConfigBatchWriteParams,
  ConfigReadParams,
  ConfigReadResponse,
  ConfigRequirementsReadResponse,
  ConfigValueWriteParams,
  ConfigWarningNotification,
  ConfigWriteResponse,
  ConsumeAccountRateLimitResetCreditParams,
  ConsumeAccountRateLimitResetCreditResponse,
  ContextCompactedNotification,
  DeprecationNoticeNotification,
  DynamicToolCallParams,
  DynamicToolCallResponse,
  EnvironmentAddParams,
  EnvironmentAddResponse,
  EnvironmentConnectionNotification,
  EnvironmentInfoParams,
  EnvironmentInfoResponse,
  EnvironmentStatusParams,
  EnvironmentStatusResponse,
  ErrorNotification,
  ExperimentalFeatureEnablementSetParams,
  ExperimentalFeatureEnablementSetResponse,
  ExperimentalFeatureListParams,
  ExperimentalFeatureListResponse,
  ExternalAgentConfigDetectParams,
  ExternalAgentConfigDetectResponse,
  ExternalAgentConfigImportCompletedNotification,
  ExternalAgentConfigImportHistoriesReadResponse,
  ExternalAgentConfigImportHistoryRecordParams,
  ExternalAgentConfigImportHistoryRecordResponse,
  ExternalAgentConfigImportParams,
  ExternalAgentConfigImportProgressNotification,
  ExternalAgentConfigImportResponse,
  FeedbackSaveParams,
  FeedbackSaveResponse,
  FeedbackUploadParams,
  FeedbackUploadResponse,
  FileChangeOutputDeltaNotification,
  FileChangePatchUpdatedNotification,
  FileChangeRequestApprovalParams,
  FileChangeRequestApprovalResponse,
  FsChangedNotification,
  FsCopyParams,
  FsCopyResponse,
  FsCreateDirectoryParams,
  FsCreateDirectoryResponse,
  FsGetMetadataParams,
  FsGetMetadataResponse,
  FsReadDirectoryParams,
  FsReadDirectoryResponse,
  FsReadFileParams,
  FsReadFileResponse,
  FsRemoveParams,
  FsRemoveResponse,
  FsUnwatchParams,
  FsUnwatchResponse,
  FsWatchParams,
  FsWatchResponse,
  FsWriteFileParams,
  FsWriteFileResponse,
  GatewayOAuthCancelResponse,
  GatewayOAuthChangedNotification,
  GatewayOAuthLoginParams,
  GatewayOAuthLoginResponse,
  GatewayOAuthReadParams,
  GatewayOAuthReadResponse,
  GcpSetupParams,
  GcpSetupResponse,
  GetAccountParams,
  GetAccountRateLimitsParams,
  GetAccountRateLimitsResponse,
  GetAccountResponse,
  GetAccountSecuritySetupResponse,
  GetAccountTokenUsageParams,
  GetAccountTokenUsageResponse,
  GetWorkspaceMessagesResponse,
  GuardianWarningNotification,
  HookCompletedNotification,
  HookStartedNotification,
  HooksListParams,
  HooksListResponse,
  ItemCompletedNotification,
  ItemGuardianApprovalReviewCompletedNotification,
  ItemGuardianApprovalReviewStartedNotification,
  ItemStartedNotification,
  ListMcpServerStatusParams,
  ListMcpServerStatusResponse,
  LoginAccountParams,
  LoginAccountResponse,
  LogoutAccountResponse,
  MarketplaceAddParams,
  MarketplaceAddResponse,
  MarketplaceRemoveParams,
  MarketplaceRemoveResponse,
  MarketplaceUpgradeParams,
  MarketplaceUpgradeResponse,
  McpResourceReadParams,
  McpResourceReadResponse,
  McpServerElicitationRequestParams,
  McpServerElicitationRequestResponse,
  McpServerEventStreamNotification,
  McpServerEventStreamStartParams,
  McpServerEventStreamStartResponse,
  McpServerEventStreamStopParams,
  McpServerEventStreamStopResponse,
  McpServerOauthLoginCompletedNotification,
  McpServerOauthLoginParams,
  McpServerOauthLoginResponse,
  McpServerRefreshResponse,
  McpServerStatusUpdatedNotification,
  McpServerToolCallParams,
  McpServerToolCallResponse,
  McpToolCallProgressNotification,
  MemoryResetResponse,
  MemoryStatusParams,
  MemoryStatusResponse,
  MockExperimentalMethodParams,
  MockExperimentalMethodResponse,
  ModelListParams,
  ModelListResponse,
  ModelProviderCapabilitiesReadParams,
  ModelProviderCapabilitiesReadResponse,
  ModelProviderConfigWriteParams,
  ModelProviderConfigWriteResponse,
  ModelProviderDefaultSetParams,
  ModelProviderListParams,
  ModelProviderListResponse,
  ModelReroutedNotification,
  ModelSafetyBufferingUpdatedNotification,
  ModelVerificationNotification,
  PermissionProfileListParams,
  PermissionProfileListResponse,
  PermissionsRequestApprovalParams,
  PermissionsRequestApprovalResponse,
  PlanDeltaNotification,
  PluginInstallParams,
  PluginInstallResponse,
  PluginInstalledParams,
  PluginInstalledResponse,
  PluginListParams,
  PluginListResponse,
  PluginReadParams,
  PluginReadResponse,
  PluginReconcileParams,
  PluginReconcileResponse,
  PluginSearchParams,
  PluginSearchResponse,
  PluginShareCheckoutParams,
  PluginShareCheckoutResponse,
  PluginShareDeleteParams,
  PluginShareDeleteResponse,
  PluginShareListParams,
  PluginShareListResponse,
  PluginShareSaveParams,
  PluginShareSaveResponse,
  PluginShareUpdateTargetsParams,
  PluginShareUpdateTargetsResponse,
  PluginSkillReadParams,
  PluginSkillReadResponse,
  PluginUninstallParams,
  PluginUninstallResponse,
  ProcessExitedNotification,
  ProcessKillParams,
  ProcessKillResponse,
  ProcessOutputDeltaNotification,
  ProcessResizePtyParams,
  ProcessResizePtyResponse,
  ProcessSpawnParams,
  ProcessSpawnResponse,
  ProcessWriteStdinParams,
  ProcessWriteStdinResponse,
  ProjectChangedNotification,
  ProjectCreateParams,
  ProjectCreateResponse,
  ProjectDeleteParams,
  ProjectDeleteResponse,
  ProjectImportParams,
  ProjectImportResponse,
  ProjectListParams,
  ProjectListResponse,
  ProjectMoveParams,
  ProjectMoveResponse,
  ProjectReadParams,
  ProjectReadResponse,
  ProjectUpdateParams,
  ProjectUpdateResponse,
  RawResponseCompletedNotification,
  RawResponseItemCompletedNotification,
  ReasoningSummaryPartAddedNotification,
  ReasoningSummaryTextDeltaNotification,
  ReasoningTextDeltaNotification,
  RemoteControlClientsListParams,
  RemoteControlClientsListResponse,
  RemoteControlClientsRevokeParams,
  RemoteControlClientsRevokeResponse,
  RemoteControlDisableParams,
  RemoteControlDisableResponse,
  RemoteControlEnableParams,
  RemoteControlEnableResponse,
  RemoteControlPairingStartParams,
  RemoteControlPairingStartResponse,
  RemoteControlPairingStatusParams,
  RemoteControlPairingStatusResponse,
  RemoteControlStatusChangedNotification,
  RemoteControlStatusReadResponse,
  ReviewStartParams,
  ReviewStartResponse,
  RolloutCompressResponse,
  SendAddCreditsNudgeEmailParams,
  SendAddCreditsNudgeEmailResponse,
  ServerDiagnosticsParams,
  ServerDiagnosticsResponse,
  ServerRequestResolvedNotification,
  SkillsChangedNotification,
  SkillsConfigWriteParams,
  SkillsConfigWriteResponse,
  SkillsExtraRootsSetParams,
  SkillsExtraRootsSetResponse,
  SkillsListParams,
  SkillsListResponse,
  StrictReviewRequiredNotification,
  TerminalInteractionNotification,
  ThreadApproveGuardianDeniedActionParams,
  ThreadApproveGuardianDeniedActionResponse,
  ThreadArchiveParams,
  ThreadArchiveResponse,
  ThreadArchivedNotification,
  ThreadAttachmentAddParams,
  ThreadAttachmentAddResponse,
  ThreadAttachmentListParams,
  ThreadAttachmentListResponse,
  ThreadAttachmentOwnerListParams,
  ThreadAttachmentOwnerListResponse,
  ThreadAttachmentRemoveParams,
  ThreadAttachmentRemoveResponse,
  ThreadAttachmentUpdatedNotification,
  ThreadBackgroundTerminalsCleanParams,
  ThreadBackgroundTerminalsCleanResponse,
  ThreadBackgroundTerminalsListParams,
  ThreadBackgroundTerminalsListResponse,
  ThreadBackgroundTerminalsTerminateParams,
  ThreadBackgroundTerminalsTerminateResponse,
  ThreadClosedNotification,
  ThreadCompactStartParams,
  ThreadCompactStartResponse,
  ThreadDecrementElicitationParams,
  ThreadDecrementElicitationResponse,
  ThreadDeleteParams,
  ThreadDeleteResponse,
  ThreadDeletedNotification,
  ThreadForkParams,
  ThreadForkResponse,
  ThreadGoalClearParams,
  ThreadGoalClearResponse,
  ThreadGoalClearedNotification,
  ThreadGoalGetParams,
  ThreadGoalGetResponse,
  ThreadGoalSetParams,
  ThreadGoalSetResponse,
  ThreadGoalUpdatedNotification,
  ThreadGuardianReviewParams,
  ThreadGuardianReviewResponse,
  ThreadIncrementElicitationParams,
  ThreadIncrementElicitationResponse,
  ThreadInjectItemsParams,
  ThreadInjectItemsResponse,
  ThreadItemsListParams,
  ThreadItemsListResponse,
  ThreadItemsReadParams,
  ThreadItemsReadResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadLoadedListParams,
  ThreadLoadedListResponse,
  ThreadMemoryModeSetParams,
  ThreadMemoryModeSetResponse,
  ThreadMemoryReadParams,
  ThreadMemoryReadResponse,
  ThreadMetadataUpdateParams,
  ThreadMetadataUpdateResponse,
  ThreadNameUpdatedNotification,
  ThreadPredictionRequestParams,
  ThreadPredictionRequestResponse,
  ThreadPredictionUpdatedNotification,
  ThreadPrepareApprovedPlanParams,
  ThreadPrepareApprovedPlanResponse,
  ThreadProjectUpdatedNotification,
  ThreadQueueAddParams,
  ThreadQueueAddResponse,
  ThreadQueueChangedNotification,
  ThreadQueueDeleteParams,
  ThreadQueueDeleteResponse,
  ThreadQueueListParams,
  ThreadQueueListResponse,
  ThreadQueueReorderParams,
  ThreadQueueReorderResponse,
  ThreadQueueStartParams,
  ThreadQueueStartResponse,
  ThreadQueueUpdateParams,
  ThreadQueueUpdateResponse,
  ThreadReadParams,
  ThreadReadResponse,
  ThreadReadStateChangedNotification,
  ThreadReadStateUpdateParams,
  ThreadReadStateUpdateResponse,
  ThreadRealtimeAppendAudioParams,
  ThreadRealtimeAppendAudioResponse,
  ThreadRealtimeAppendSpeechParams,
  ThreadRealtimeAppendSpeechResponse,
  ThreadRealtimeAppendTextParams,
  ThreadRealtimeAppendTextResponse,
  ThreadRealtimeClosedNotification,
  ThreadRealtimeErrorNotification,
  ThreadRealtimeItemAddedNotification,
  ThreadRealtimeItemCompletedNotification,
  ThreadRealtimeItemStartedNotification,
  ThreadRealtimeItemTranscriptDeltaNotification,
  ThreadRealtimeListParams,
  ThreadRealtimeListResponse,
  ThreadRealtimeListVoicesParams,
  ThreadRealtimeListVoicesResponse,
  ThreadRealtimeOutputAudioDeltaNotification,
  ThreadRealtimeSdpNotification,
  ThreadRealtimeStartParams,
  ThreadRealtimeStartResponse,
  ThreadRealtimeStartedNotification,
  ThreadRealtimeStopParams,
  ThreadRealtimeStopResponse,
  ThreadRealtimeTranscriptDeltaNotification,
  ThreadRealtimeTranscriptDoneNotification,
  ThreadResumeParams,
  ThreadResumeResponse,
  ThreadRevertParams,
  ThreadRevertResponse,
  ThreadRevertedNotification,
  ThreadSampleCancelParams,
  ThreadSampleCancelResponse,
  ThreadSampleParams,
  ThreadSampleResponse,
  ThreadSearchCancelParams,
  ThreadSearchCancelResponse,
  ThreadSearchOccurrencesParams,
  ThreadSearchOccurrencesResponse,
  ThreadSearchParams,
  ThreadSearchPartialNotification,
  ThreadSearchResponse,
  ThreadSectionChangedNotification,
  ThreadSectionCreateParams,
  ThreadSectionCreateResponse,
  ThreadSectionDeleteParams,
  ThreadSectionDeleteResponse,
  ThreadSectionListParams,
  ThreadSectionListResponse,
  ThreadSectionMoveParams,
  ThreadSectionMoveResponse,
  ThreadSectionUpdateParams,
  ThreadSectionUpdateResponse,
  ThreadSetNameParams,
  ThreadSetNameResponse,
  ThreadSettingsUpdateParams,
  ThreadSettingsUpdateResponse,
  ThreadSettingsUpdatedNotification,
  ThreadShellCommandParams,
  ThreadShellCommandResponse,
  ThreadStartParams,
  ThreadStartResponse,
  ThreadStartedNotification,
  ThreadStatusChangedNotification,
  ThreadTimelineListParams,
  ThreadTimelineListResponse,
  ThreadTokenUsageUpdatedNotification,
  ThreadTurnsListParams,
  ThreadTurnsListResponse,
  ThreadUnarchiveParams,
  ThreadUnarchiveResponse,
  ThreadUnarchivedNotification,
  ThreadUnsubscribeParams,
  ThreadUnsubscribeResponse,
  ToolRequestUserInputParams,
  ToolRequestUserInputResponse,
  TurnCompletedNotification,
  TurnDiffUpdatedNotification,
  TurnInterruptParams,
  TurnInterruptResponse,
  TurnModerationMetadataNotification,
  TurnPlanUpdatedNotification,
  TurnSettingsUpdateParams,
  TurnSettingsUpdateResponse,
  TurnStartParams,
  TurnStartResponse,
  TurnStartedNotification,
  TurnSteerParams,
  TurnSteerResponse,
  UserVerificationCancelParams,
  UserVerificationCancelResponse,
  UserVerificationDeleteParams,
  UserVerificationDeleteResponse,
  UserVerificationEnrollParams,
  UserVerificationEnrollResponse,
  UserVerificationStatusParams,
  UserVerificationStatusResponse,
  UserVerificationVerifyParams,
  UserVerificationVerifyResponse,
  WarningNotification,
  WindowsSandboxReadinessResponse,
  WindowsSandboxSetupCompletedNotification,
  WindowsSandboxSetupStartParams,
  WindowsSandboxSetupStartResponse,
  WindowsWorldWritableWarningNotification,
} from "./protocol/v2/index.js";

/** Requests the client sends: method -> params and result types. */
export interface ClientRequestMap {
  "account/bedrock/checkGovCloudRequirements": { params: BedrockCheckGovCloudRequirementsParams; result: BedrockCheckGovCloudRequirementsResponse };
  "account/bedrock/discover": { params: BedrockDiscoverParams; result: BedrockDiscoverResponse };
  "account/bedrock/setup": { params: BedrockSetupParams; result: BedrockSetupResponse };
  "account/gatewayOAuth/cancel": { params: undefined; result: GatewayOAuthCancelResponse };
  "account/gatewayOAuth/login": { params: GatewayOAuthLoginParams | null | undefined; result: GatewayOAuthLoginResponse };
  "account/gatewayOAuth/read": { params: GatewayOAuthReadParams | null | undefined; result: GatewayOAuthReadResponse };
  "account/gcp/setup": { params: GcpSetupParams; result: GcpSetupResponse };
  "account/login/cancel": { params: CancelLoginAccountParams; result: CancelLoginAccountResponse };
  "account/login/start": { params: LoginAccountParams; result: LoginAccountResponse };
  "account/logout": { params: undefined; result: LogoutAccountResponse };
  "account/rateLimitResetCredit/consume": { params: ConsumeAccountRateLimitResetCreditParams; result: ConsumeAccountRateLimitResetCreditResponse };
  "account/rateLimits/read": { params: GetAccountRateLimitsParams | undefined; result: GetAccountRateLimitsResponse };
  "account/read": { params: GetAccountParams; result: GetAccountResponse };
  "account/securitySetup/read": { params: undefined; result: GetAccountSecuritySetupResponse };
  "account/sendAddCreditsNudgeEmail": { params: SendAddCreditsNudgeEmailParams; result: SendAddCreditsNudgeEmailResponse };
  "account/usage/read": { params: GetAccountTokenUsageParams | undefined; result: GetAccountTokenUsageResponse };
  "account/workspaceMessages/read": { params: undefined; result: GetWorkspaceMessagesResponse };
  "accountSession/list": { params: AccountSessionsListParams; result: AccountSessionsResponse };
  "accountSession/switch": { params: AccountSessionsSwitchParams; result: AccountSessionsSwitchResponse };
  "app/installed": { params: AppsInstalledParams; result: AppsInstalledResponse };
  "app/list": { params: AppsListParams; result: AppsListResponse };
  "app/read": { params: AppsReadParams; result: AppsReadResponse };
  "collaborationMode/list": { params: CollaborationModeListParams; result: CollaborationModeListResponse };
  "command/exec": { params: CommandExecParams; result: CommandExecResponse };
  "command/exec/resize": { params: CommandExecResizeParams; result: CommandExecResizeResponse };
  "command/exec/terminate": { params: CommandExecTerminateParams; result: CommandExecTerminateResponse };
  "command/exec/write": { params: CommandExecWriteParams; result: CommandExecWriteResponse };
  "config/batchWrite": { params: ConfigBatchWriteParams; result: ConfigWriteResponse };
  "config/mcpServer/reload": { params: undefined; result: McpServerRefreshResponse };
  "config/read": { params: ConfigReadParams; result: ConfigReadResponse };
  "config/value/write": { params: ConfigValueWriteParams; result: ConfigWriteResponse };
  "configRequirements/read": { params: undefined; result: ConfigRequirementsReadResponse };
  "environment/add": { params: EnvironmentAddParams; result: EnvironmentAddResponse };
  "environment/info": { params: EnvironmentInfoParams; result: EnvironmentInfoResponse };
  "environment/status": { params: EnvironmentStatusParams; result: EnvironmentStatusResponse };
  "experimentalFeature/enablement/set": { params: ExperimentalFeatureEnablementSetParams; result: ExperimentalFeatureEnablementSetResponse };
  "experimentalFeature/list": { params: ExperimentalFeatureListParams; result: ExperimentalFeatureListResponse };
  "externalAgentConfig/detect": { params: ExternalAgentConfigDetectParams; result: ExternalAgentConfigDetectResponse };
  "externalAgentConfig/import": { params: ExternalAgentConfigImportParams; result: ExternalAgentConfigImportResponse };
  "externalAgentConfig/import/readHistories": { params: undefined; result: ExternalAgentConfigImportHistoriesReadResponse };
  "externalAgentConfig/import/recordHistory": { params: ExternalAgentConfigImportHistoryRecordParams; result: ExternalAgentConfigImportHistoryRecordResponse };
  "feedback/save": { params: FeedbackSaveParams; result: FeedbackSaveResponse };
  "feedback/upload": { params: FeedbackUploadParams; result: FeedbackUploadResponse };
  "fs/copy": { params: FsCopyParams; result: FsCopyResponse };
  "fs/createDirectory": { params: FsCreateDirectoryParams; result: FsCreateDirectoryResponse };
  "fs/getMetadata": { params: FsGetMetadataParams; result: FsGetMetadataResponse };
  "fs/readDirectory": { params: FsReadDirectoryParams; result: FsReadDirectoryResponse };
  "fs/readFile": { params: FsReadFileParams; result: FsReadFileResponse };
  "fs/remove": { params: FsRemoveParams; result: FsRemoveResponse };
  "fs/unwatch": { params: FsUnwatchParams; result: FsUnwatchResponse };
  "fs/watch": { params: FsWatchParams; result: FsWatchResponse };
  "fs/writeFile": { params: FsWriteFileParams; result: FsWriteFileResponse };
  "fuzzyFileSearch": { params: FuzzyFileSearchParams; result: FuzzyFileSearchResponse };
  "fuzzyFileSearch/sessionStart": { params: FuzzyFileSearchSessionStartParams; result: FuzzyFileSearchSessionStartResponse };
  "fuzzyFileSearch/sessionStop": { params: FuzzyFileSearchSessionStopParams; result: FuzzyFileSearchSessionStopResponse };
  "fuzzyFileSearch/sessionUpdate": { params: FuzzyFileSearchSessionUpdateParams; result: FuzzyFileSearchSessionUpdateResponse };
  "getAuthStatus": { params: GetAuthStatusParams; result: GetAuthStatusResponse };
  "getConversationSummary": { params: GetConversationSummaryParams; result: GetConversationSummaryResponse };
  "gitDiffToRemote": { params: GitDiffToRemoteParams; result: GitDiffToRemoteResponse };
  "hooks/list": { params: HooksListParams; result: HooksListResponse };
  "initialize": { params: InitializeParams; result: InitializeResponse };
  "marketplace/add": { params: MarketplaceAddParams; result: MarketplaceAddResponse };
  "marketplace/remove": { params: MarketplaceRemoveParams; result: MarketplaceRemoveResponse };
  "marketplace/upgrade": { params: MarketplaceUpgradeParams; result: MarketplaceUpgradeResponse };
  "mcpServer/event/stream/start": { params: McpServerEventStreamStartParams; result: McpServerEventStreamStartResponse };
  "mcpServer/event/stream/stop": { params: McpServerEventStreamStopParams; result: McpServerEventStreamStopResponse };
  "mcpServer/oauth/login": { params: McpServerOauthLoginParams; result: McpServerOauthLoginResponse };
  "mcpServer/resource/read": { params: McpResourceReadParams; result: McpResourceReadResponse };
  "mcpServer/tool/call": { params: McpServerToolCallParams; result: McpServerToolCallResponse };
  "mcpServerStatus/list": { params: ListMcpServerStatusParams; result: ListMcpServerStatusResponse };
  "memory/reset": { params: undefined; result: MemoryResetResponse };
  "memory/status": { params: MemoryStatusParams; result: MemoryStatusResponse };
  "mock/experimentalMethod": { params: MockExperimentalMethodParams; result: MockExperimentalMethodResponse };
  "model/list": { params: ModelListParams; result: ModelListResponse };
  "modelProvider/capabilities/read": { params: ModelProviderCapabilitiesReadParams; result: ModelProviderCapabilitiesReadResponse };
  "modelProvider/config/write": { params: ModelProviderConfigWriteParams; result: ModelProviderConfigWriteResponse };
  "modelProvider/default/set": { params: ModelProviderDefaultSetParams; result: ConfigWriteResponse };
  "modelProvider/list": { params: ModelProviderListParams; result: ModelProviderListResponse };
  "permissionProfile/list": { params: PermissionProfileListParams; result: PermissionProfileListResponse };
  "plugin/install": { params: PluginInstallParams; result: PluginInstallResponse };
  "plugin/installed": { params: PluginInstalledParams; result: PluginInstalledResponse };
  "plugin/list": { params: PluginListParams; result: PluginListResponse };
  "plugin/read": { params: PluginReadParams; result: PluginReadResponse };
  "plugin/reconcile": { params: PluginReconcileParams; result: PluginReconcileResponse };
  "plugin/search": { params: PluginSearchParams; result: PluginSearchResponse };
  "plugin/share/checkout": { params: PluginShareCheckoutParams; result: PluginShareCheckoutResponse };
  "plugin/share/delete": { params: PluginShareDeleteParams; result: PluginShareDeleteResponse };
  "plugin/share/list": { params: PluginShareListParams; result: PluginShareListResponse };
  "plugin/share/save": { params: PluginShareSaveParams; result: PluginShareSaveResponse };
  "plugin/share/updateTargets": { params: PluginShareUpdateTargetsParams; result: PluginShareUpdateTargetsResponse };
  "plugin/skill/read": { params: PluginSkillReadParams; result: PluginSkillReadResponse };
  "plugin/uninstall": { params: PluginUninstallParams; result: PluginUninstallResponse };
  "process/kill": { params: ProcessKillParams; result: ProcessKillResponse };
  "process/resizePty": { params: ProcessResizePtyParams; result: ProcessResizePtyResponse };
  "process/spawn": { params: ProcessSpawnParams; result: ProcessSpawnResponse };
  "process/writeStdin": { params: ProcessWriteStdinParams; result: ProcessWriteStdinResponse };
  "project/create": { params: ProjectCreateParams; result: ProjectCreateResponse };
  "project/delete": { params: ProjectDeleteParams; result: ProjectDeleteResponse };
  "project/import": { params: ProjectImportParams; result: ProjectImportResponse };
  "project/list": { params: ProjectListParams; result: ProjectListResponse };
  "project/move": { params: ProjectMoveParams; result: ProjectMoveResponse };
  "project/read": { params: ProjectReadParams; result: ProjectReadResponse };
  "project/update": { params: ProjectUpdateParams; result: ProjectUpdateResponse };
  "remoteControl/client/list": { params: RemoteControlClientsListParams; result: RemoteControlClientsListResponse };
  "remoteControl/client/revoke": { params: RemoteControlClientsRevokeParams; result: RemoteControlClientsRevokeResponse };
  "remoteControl/disable": { params: RemoteControlDisableParams | null; result: RemoteControlDisableResponse };
  "remoteControl/enable": { params: RemoteControlEnableParams | null; result: RemoteControlEnableResponse };
  "remoteControl/pairing/start": { params: RemoteControlPairingStartParams; result: RemoteControlPairingStartResponse };
  "remoteControl/pairing/status": { params: RemoteControlPairingStatusParams; result: RemoteControlPairingStatusResponse };
  "remoteControl/status/read": { params: undefined; result: RemoteControlStatusReadResponse };
  "review/start": { params: ReviewStartParams; result: ReviewStartResponse };
  "rollout/compress": { params: undefined; result: RolloutCompressResponse };
  "server/diagnostics": { params: ServerDiagnosticsParams; result: ServerDiagnosticsResponse };
  "skills/config/write": { params: SkillsConfigWriteParams; result: SkillsConfigWriteResponse };
  "skills/extraRoots/set": { params: SkillsExtraRootsSetParams; result: SkillsExtraRootsSetResponse };
  "skills/list": { params: SkillsListParams; result: SkillsListResponse };
  "thread/approveGuardianDeniedAction": { params: ThreadApproveGuardianDeniedActionParams; result: ThreadApproveGuardianDeniedActionResponse };
  "thread/archive": { params: ThreadArchiveParams; result: ThreadArchiveResponse };
  "thread/attachment/add": { params: ThreadAttachmentAddParams; result: ThreadAttachmentAddResponse };
  "thread/attachment/list": { params: ThreadAttachmentListParams; result: ThreadAttachmentListResponse };
  "thread/attachment/remove": { params: ThreadAttachmentRemoveParams; result: ThreadAttachmentRemoveResponse };
  "thread/attachmentOwner/list": { params: ThreadAttachmentOwnerListParams; result: ThreadAttachmentOwnerListResponse };
  "thread/backgroundTerminals/clean": { params: ThreadBackgroundTerminalsCleanParams; result: ThreadBackgroundTerminalsCleanResponse };
  "thread/backgroundTerminals/list": { params: ThreadBackgroundTerminalsListParams; result: ThreadBackgroundTerminalsListResponse };
  "thread/backgroundTerminals/terminate": { params: ThreadBackgroundTerminalsTerminateParams; result: ThreadBackgroundTerminalsTerminateResponse };
  "thread/compact/start": { params: ThreadCompactStartParams; result: ThreadCompactStartResponse };
  "thread/decrement_elicitation": { params: ThreadDecrementElicitationParams; result: ThreadDecrementElicitationResponse };
  "thread/delete": { params: ThreadDeleteParams; result: ThreadDeleteResponse };
  "thread/fork": { params: ThreadForkParams; result: ThreadForkResponse };
  "thread/goal/clear": { params: ThreadGoalClearParams; result: ThreadGoalClearResponse };
  "thread/goal/get": { params: ThreadGoalGetParams; result: ThreadGoalGetResponse };
  "thread/goal/set": { params: ThreadGoalSetParams; result: ThreadGoalSetResponse };
  "thread/guardianReview": { params: ThreadGuardianReviewParams; result: ThreadGuardianReviewResponse };
  "thread/increment_elicitation": { params: ThreadIncrementElicitationParams; result: ThreadIncrementElicitationResponse };
  "thread/inject_items": { params: ThreadInjectItemsParams; result: ThreadInjectItemsResponse };
  "thread/items/list": { params: ThreadItemsListParams; result: ThreadItemsListResponse };
  "thread/items/read": { params: ThreadItemsReadParams; result: ThreadItemsReadResponse };
  "thread/list": { params: ThreadListParams; result: ThreadListResponse };
  "thread/loaded/list": { params: ThreadLoadedListParams; result: ThreadLoadedListResponse };
  "thread/memory/read": { params: ThreadMemoryReadParams; result: ThreadMemoryReadResponse };
  "thread/memoryMode/set": { params: ThreadMemoryModeSetParams; result: ThreadMemoryModeSetResponse };
  "thread/metadata/update": { params: ThreadMetadataUpdateParams; result: ThreadMetadataUpdateResponse };
  "thread/name/set": { params: ThreadSetNameParams; result: ThreadSetNameResponse };
  "thread/prediction/request": { params: ThreadPredictionRequestParams; result: ThreadPredictionRequestResponse };
  "thread/prepareApprovedPlan": { params: ThreadPrepareApprovedPlanParams; result: ThreadPrepareApprovedPlanResponse };
  "thread/queue/add": { params: ThreadQueueAddParams; result: ThreadQueueAddResponse };
  "thread/queue/delete": { params: ThreadQueueDeleteParams; result: ThreadQueueDeleteResponse };
  "thread/queue/list": { params: ThreadQueueListParams; result: ThreadQueueListResponse };
  "thread/queue/reorder": { params: ThreadQueueReorderParams; result: ThreadQueueReorderResponse };
  "thread/queue/start": { params: ThreadQueueStartParams; result: ThreadQueueStartResponse };
  "thread/queue/update": { params: ThreadQueueUpdateParams; result: ThreadQueueUpdateResponse };
  "thread/read": { params: ThreadReadParams; result: ThreadReadResponse };
  "thread/readState/update": { params: ThreadReadStateUpdateParams; result: ThreadReadStateUpdateResponse };
  "thread/realtime/appendAudio": { params: ThreadRealtimeAppendAudioParams; result: ThreadRealtimeAppendAudioResponse };
  "thread/realtime/appendSpeech": { params: ThreadRealtimeAppendSpeechParams; result: ThreadRealtimeAppendSpeechResponse };
  "thread/realtime/appendText": { params: ThreadRealtimeAppendTextParams; result: ThreadRealtimeAppendTextResponse };
  "thread/realtime/list": { params: ThreadRealtimeListParams; result: ThreadRealtimeListResponse };
  "thread/realtime/listVoices": { params: ThreadRealtimeListVoicesParams; result: ThreadRealtimeListVoicesResponse };
  "thread/realtime/start": { params: ThreadRealtimeStartParams; result: ThreadRealtimeStartResponse };
  "thread/realtime/stop": { params: ThreadRealtimeStopParams; result: ThreadRealtimeStopResponse };
  "thread/resume": { params: ThreadResumeParams; result: ThreadResumeResponse };
  "thread/revert": { params: ThreadRevertParams; result: ThreadRevertResponse };
  "thread/sample": { params: ThreadSampleParams; result: ThreadSampleResponse };
  "thread/sample/cancel": { params: ThreadSampleCancelParams; result: ThreadSampleCancelResponse };
  "thread/search": { params: ThreadSearchParams; result: ThreadSearchResponse };
  "thread/search/cancel": { params: ThreadSearchCancelParams; result: ThreadSearchCancelResponse };
  "thread/search/stream": { params: ThreadSearchParams; result: ThreadSearchResponse };
  "thread/search/stream/cancel": { params: ThreadSearchCancelParams; result: ThreadSearchCancelResponse };
  "thread/searchOccurrences": { params: ThreadSearchOccurrencesParams; result: ThreadSearchOccurrencesResponse };
  "thread/section/move": { params: ThreadSectionMoveParams; result: ThreadSectionMoveResponse };
  "thread/settings/update": { params: ThreadSettingsUpdateParams; result: ThreadSettingsUpdateResponse };
  "thread/shellCommand": { params: ThreadShellCommandParams; result: ThreadShellCommandResponse };
  "thread/start": { params: ThreadStartParams; result: ThreadStartResponse };
  "thread/timeline/list": { params: ThreadTimelineListParams; result: ThreadTimelineListResponse };
  "thread/turns/list": { params: ThreadTurnsListParams; result: ThreadTurnsListResponse };
  "thread/unarchive": { params: ThreadUnarchiveParams; result: ThreadUnarchiveResponse };
  "thread/unsubscribe": { params: ThreadUnsubscribeParams; result: ThreadUnsubscribeResponse };
  "threadSection/create": { params: ThreadSectionCreateParams; result: ThreadSectionCreateResponse };
  "threadSection/delete": { params: ThreadSectionDeleteParams; result: ThreadSectionDeleteResponse };
  "threadSection/list": { params: ThreadSectionListParams; result: ThreadSectionListResponse };
  "threadSection/update": { params: ThreadSectionUpdateParams; result: ThreadSectionUpdateResponse };
  "turn/interrupt": { params: TurnInterruptParams; result: TurnInterruptResponse };
  "turn/settings/update": { params: TurnSettingsUpdateParams; result: TurnSettingsUpdateResponse };
  "turn/start": { params: TurnStartParams; result: TurnStartResponse };
  "turn/steer": { params: TurnSteerParams; result: TurnSteerResponse };
  "userVerification/cancel": { params: UserVerificationCancelParams; result: UserVerificationCancelResponse };
  "userVerification/delete": { params: UserVerificationDeleteParams; result: UserVerificationDeleteResponse };
  "userVerification/enroll": { params: UserVerificationEnrollParams; result: UserVerificationEnrollResponse };
  "userVerification/status": { params: UserVerificationStatusParams; result: UserVerificationStatusResponse };
  "userVerification/verify": { params: UserVerificationVerifyParams; result: UserVerificationVerifyResponse };
  "windowsSandbox/readiness": { params: undefined; result: WindowsSandboxReadinessResponse };
  "windowsSandbox/setupStart": { params: WindowsSandboxSetupStartParams; result: WindowsSandboxSetupStartResponse };
}

/** Notifications the server sends: method -> params type. */
export interface ServerNotificationMap {
  "account/gatewayOAuth/changed": GatewayOAuthChangedNotification;
  "account/login/completed": AccountLoginCompletedNotification;
  "account/rateLimits/updated": AccountRateLimitsUpdatedNotification;
  "account/updated": AccountUpdatedNotification;
  "app/list/updated": AppListUpdatedNotification;
  "autoApprovalReview/strictReviewRequired": StrictReviewRequiredNotification;
  "command/exec/outputDelta": CommandExecOutputDeltaNotification;
  "configWarning": ConfigWarningNotification;
  "deprecationNotice": DeprecationNoticeNotification;
  "error": ErrorNotification;
  "externalAgentConfig/import/completed": ExternalAgentConfigImportCompletedNotification;
  "externalAgentConfig/import/progress": ExternalAgentConfigImportProgressNotification;
  "fs/changed": FsChangedNotification;
  "fuzzyFileSearch/sessionCompleted": FuzzyFileSearchSessionCompletedNotification;
  "fuzzyFileSearch/sessionUpdated": FuzzyFileSearchSessionUpdatedNotification;
  "guardianWarning": GuardianWarningNotification;
  "hook/completed": HookCompletedNotification;
  "hook/started": HookStartedNotification;
  "item/agentMessage/delta": AgentMessageDeltaNotification;
  "item/autoApprovalReview/completed": ItemGuardianApprovalReviewCompletedNotification;
  "item/autoApprovalReview/started": ItemGuardianApprovalReviewStartedNotification;
  "item/commandExecution/outputDelta": CommandExecutionOutputDeltaNotification;
  "item/commandExecution/terminalInteraction": TerminalInteractionNotification;
  "item/completed": ItemCompletedNotification;
  "item/fileChange/outputDelta": FileChangeOutputDeltaNotification;
  "item/fileChange/patchUpdated": FileChangePatchUpdatedNotification;
  "item/mcpToolCall/progress": McpToolCallProgressNotification;
  "item/plan/delta": PlanDeltaNotification;
  "item/reasoning/summaryPartAdded": ReasoningSummaryPartAddedNotification;
  "item/reasoning/summaryTextDelta": ReasoningSummaryTextDeltaNotification;
  "item/reasoning/textDelta": ReasoningTextDeltaNotification;
  "item/started": ItemStartedNotification;
  "mcpServer/event/stream/notification": McpServerEventStreamNotification;
  "mcpServer/oauthLogin/completed": McpServerOauthLoginCompletedNotification;
  "mcpServer/startupStatus/updated": McpServerStatusUpdatedNotification;
  "model/rerouted": ModelReroutedNotification;
  "model/safetyBuffering/updated": ModelSafetyBufferingUpdatedNotification;
  "model/verification": ModelVerificationNotification;
  "modelProvider/authRecoveryCompleted": AuthRecoveryNotification;
  "modelProvider/authRecoveryStarted": AuthRecoveryNotification;
  "process/exited": ProcessExitedNotification;
  "process/outputDelta": ProcessOutputDeltaNotification;
  "project/changed": ProjectChangedNotification;
  "rawResponse/completed": RawResponseCompletedNotification;
  "rawResponseItem/completed": RawResponseItemCompletedNotification;
  "remoteControl/status/changed": RemoteControlStatusChangedNotification;
  "serverRequest/resolved": ServerRequestResolvedNotification;
  "skills/changed": SkillsChangedNotification;
  "thread/archived": ThreadArchivedNotification;
  "thread/attachment/updated": ThreadAttachmentUpdatedNotification;
  "thread/closed": ThreadClosedNotification;
  "thread/compacted": ContextCompactedNotification;
  "thread/deleted": ThreadDeletedNotification;
  "thread/environment/connected": EnvironmentConnectionNotification;
  "thread/environment/disconnected": EnvironmentConnectionNotification;
  "thread/goal/cleared": ThreadGoalClearedNotification;
  "thread/goal/updated": ThreadGoalUpdatedNotification;
  "thread/name/updated": ThreadNameUpdatedNotification;
  "thread/prediction/updated": ThreadPredictionUpdatedNotification;
  "thread/project/updated": ThreadProjectUpdatedNotification;
  "thread/queue/changed": ThreadQueueChangedNotification;
  "thread/readState/changed": ThreadReadStateChangedNotification;
  "thread/realtime/closed": ThreadRealtimeClosedNotification;
  "thread/realtime/error": ThreadRealtimeErrorNotification;
  "thread/realtime/item/completed": ThreadRealtimeItemCompletedNotification;
  "thread/realtime/item/started": ThreadRealtimeItemStartedNotification;
  "thread/realtime/item/transcript/delta": ThreadRealtimeItemTranscriptDeltaNotification;
  "thread/realtime/itemAdded": ThreadRealtimeItemAddedNotification;
  "thread/realtime/outputAudio/delta": ThreadRealtimeOutputAudioDeltaNotification;
  "thread/realtime/sdp": ThreadRealtimeSdpNotification;
  "thread/realtime/started": ThreadRealtimeStartedNotification;
  "thread/realtime/transcript/delta": ThreadRealtimeTranscriptDeltaNotification;
  "thread/realtime/transcript/done": ThreadRealtimeTranscriptDoneNotification;
  "thread/reverted": ThreadRevertedNotification;
  "thread/search/partial": ThreadSearchPartialNotification;
  "thread/section/changed": ThreadSectionChangedNotification;
  "thread/settings/updated": ThreadSettingsUpdatedNotification;
  "thread/started": ThreadStartedNotification;
  "thread/status/changed": ThreadStatusChangedNotification;
  "thread/tokenUsage/updated": ThreadTokenUsageUpdatedNotification;
  "thread/unarchived": ThreadUnarchivedNotification;
  "turn/completed": TurnCompletedNotification;
  "turn/diff/updated": TurnDiffUpdatedNotification;
  "turn/moderationMetadata": TurnModerationMetadataNotification;
  "turn/plan/updated": TurnPlanUpdatedNotification;
  "turn/started": TurnStartedNotification;
  "warning": WarningNotification;
  "windows/worldWritableWarning": WindowsWorldWritableWarningNotification;
  "windowsSandbox/setupCompleted": WindowsSandboxSetupCompletedNotification;
}

/** Requests the server sends to the client: method -> params and result types. */
export interface ServerRequestMap {
  "account/chatgptAuthTokens/refresh": { params: ChatgptAuthTokensRefreshParams; result: ChatgptAuthTokensRefreshResponse };
  "applyPatchApproval": { params: ApplyPatchApprovalParams; result: ApplyPatchApprovalResponse };
  "attestation/generate": { params: AttestationGenerateParams; result: AttestationGenerateResponse };
  "execCommandApproval": { params: ExecCommandApprovalParams; result: ExecCommandApprovalResponse };
  "item/commandExecution/requestApproval": { params: CommandExecutionRequestApprovalParams; result: CommandExecutionRequestApprovalResponse };
  "item/fileChange/requestApproval": { params: FileChangeRequestApprovalParams; result: FileChangeRequestApprovalResponse };
  "item/permissions/requestApproval": { params: PermissionsRequestApprovalParams; result: PermissionsRequestApprovalResponse };
  "item/tool/call": { params: DynamicToolCallParams; result: DynamicToolCallResponse };
  "item/tool/requestUserInput": { params: ToolRequestUserInputParams; result: ToolRequestUserInputResponse };
  "mcpServer/elicitation/request": { params: McpServerElicitationRequestParams; result: McpServerElicitationRequestResponse };
}

export type ClientRequestMethod = keyof ClientRequestMap;
export type ServerNotificationMethod = keyof ServerNotificationMap;
export type ServerRequestMethod = keyof ServerRequestMap;

/**
 * Where a notification's params name the turn, thread and login it belongs to, as a path into
 * the params (`"turn.id"` means `params.turn.id`). The value there may be null.
 */
export interface NotificationRoute {
  readonly turnId?: "turnId" | "turn.id";
  readonly threadId?: "threadId" | "thread.id";
  readonly loginId?: "loginId";
}

export const NOTIFICATION_ROUTES: {
  readonly [M in ServerNotificationMethod]: NotificationRoute;
} = {
  "account/gatewayOAuth/changed": { loginId: "loginId" },
  "account/login/completed": { loginId: "loginId" },
  "account/rateLimits/updated": {},
  "account/updated": {},
  "app/list/updated": {},
  "autoApprovalReview/strictReviewRequired": { turnId: "turnId", threadId: "threadId" },
  "command/exec/outputDelta": {},
  "configWarning": {},
  "deprecationNotice": {},
  "error": { turnId: "turnId", threadId: "threadId" },
  "externalAgentConfig/import/completed": {},
  "externalAgentConfig/import/progress": {},
  "fs/changed": {},
  "fuzzyFileSearch/sessionCompleted": {},
  "fuzzyFileSearch/sessionUpdated": {},
  "guardianWarning": { threadId: "threadId" },
  "hook/completed": { turnId: "turnId", threadId: "threadId" },
  "hook/started": { turnId: "turnId", threadId: "threadId" },
  "item/agentMessage/delta": { turnId: "turnId", threadId: "threadId" },
  "item/autoApprovalReview/completed": { turnId: "turnId", threadId: "threadId" },
  "item/autoApprovalReview/started": { turnId: "turnId", threadId: "threadId" },
  "item/commandExecution/outputDelta": { turnId: "turnId", threadId: "threadId" },
  "item/commandExecution/terminalInteraction": { turnId: "turnId", threadId: "threadId" },
  "item/completed": { turnId: "turnId", threadId: "threadId" },
  "item/fileChange/outputDelta": { turnId: "turnId", threadId: "threadId" },
  "item/fileChange/patchUpdated": { turnId: "turnId", threadId: "threadId" },
  "item/mcpToolCall/progress": { turnId: "turnId", threadId: "threadId" },
  "item/plan/delta": { turnId: "turnId", threadId: "threadId" },
  "item/reasoning/summaryPartAdded": { turnId: "turnId", threadId: "threadId" },
  "item/reasoning/summaryTextDelta": { turnId: "turnId", threadId: "threadId" },
  "item/reasoning/textDelta": { turnId: "turnId", threadId: "threadId" },
  "item/started": { turnId: "turnId", threadId: "threadId" },
  "mcpServer/event/stream/notification": {},
  "mcpServer/oauthLogin/completed": { threadId: "threadId", loginId: "loginId" },
  "mcpServer/startupStatus/updated": { threadId: "threadId" },
  "model/rerouted": { turnId: "turnId", threadId: "threadId" },
  "model/safetyBuffering/updated": { turnId: "turnId", threadId: "threadId" },
  "model/verification": { turnId: "turnId", threadId: "threadId" },
  "modelProvider/authRecoveryCompleted": { turnId: "turnId", threadId: "threadId" },
  "modelProvider/authRecoveryStarted": { turnId: "turnId", threadId: "threadId" },
  "process/exited": {},
  "process/outputDelta": {},
  "project/changed": {},
  "rawResponse/completed": { turnId: "turnId", threadId: "threadId" },
  "rawResponseItem/completed": { turnId: "turnId", threadId: "threadId" },
  "remoteControl/status/changed": {},
  "serverRequest/resolved": { threadId: "threadId" },
  "skills/changed": {},
  "thread/archived": { threadId: "threadId" },
  "thread/attachment/updated": { threadId: "threadId" },
  "thread/closed": { threadId: "threadId" },
  "thread/compacted": { turnId: "turnId", threadId: "threadId" },
  "thread/deleted": { threadId: "threadId" },
  "thread/environment/connected": { threadId: "threadId" },
  "thread/environment/disconnected": { threadId: "threadId" },
  "thread/goal/cleared": { threadId: "threadId" },
  "thread/goal/updated": { turnId: "turnId", threadId: "threadId" },
  "thread/name/updated": { threadId: "threadId" },
  "thread/prediction/updated": { threadId: "threadId" },
  "thread/project/updated": { threadId: "threadId" },
  "thread/queue/changed": { threadId: "threadId" },
  "thread/readState/changed": { threadId: "threadId" },
  "thread/realtime/closed": { threadId: "threadId" },
  "thread/realtime/error": { threadId: "threadId" },
  "thread/realtime/item/completed": { threadId: "threadId" },
  "thread/realtime/item/started": { threadId: "threadId" },
  "thread/realtime/item/transcript/delta": { threadId: "threadId" },
  "thread/realtime/itemAdded": { threadId: "threadId" },
  "thread/realtime/outputAudio/delta": { threadId: "threadId" },
  "thread/realtime/sdp": { threadId: "threadId" },
  "thread/realtime/started": { threadId: "threadId" },
  "thread/realtime/transcript/delta": { threadId: "threadId" },
  "thread/realtime/transcript/done": { threadId: "threadId" },
  "thread/reverted": { threadId: "threadId" },
  "thread/search/partial": {},
  "thread/section/changed": { threadId: "threadId" },
  "thread/settings/updated": { threadId: "threadId" },
  "thread/started": { threadId: "thread.id" },
  "thread/status/changed": { threadId: "threadId" },
  "thread/tokenUsage/updated": { turnId: "turnId", threadId: "threadId" },
  "thread/unarchived": { threadId: "threadId" },
  "turn/completed": { turnId: "turn.id", threadId: "threadId" },
  "turn/diff/updated": { turnId: "turnId", threadId: "threadId" },
  "turn/moderationMetadata": { turnId: "turnId", threadId: "threadId" },
  "turn/plan/updated": { turnId: "turnId", threadId: "threadId" },
  "turn/started": { turnId: "turn.id", threadId: "threadId" },
  "warning": { threadId: "threadId" },
  "windows/worldWritableWarning": {},
  "windowsSandbox/setupCompleted": {},
};

export const CLIENT_REQUEST_METHODS = [
  "account/bedrock/checkGovCloudRequirements",
  "account/bedrock/discover",
  "account/bedrock/setup",
  "account/gatewayOAuth/cancel",
  "account/gatewayOAuth/login",
  "account/gatewayOAuth/read",
  "account/gcp/setup",
  "account/login/cancel",
  "account/login/start",
  "account/logout",
  "account/rateLimitResetCredit/consume",
  "account/rateLimits/read",
  "account/read",
  "account/securitySetup/read",
  "account/sendAddCreditsNudgeEmail",
  "account/usage/read",
  "account/workspaceMessages/read",
  "accountSession/list",
  "accountSession/switch",
  "app/installed",
  "app/list",
  "app/read",
  "collaborationMode/list",
  "command/exec",
  "command/exec/resize",
  "command/exec/terminate",
  "command/exec/write",
  "config/batchWrite",
  "config/mcpServer/reload",
  "config/read",
  "config/value/write",
  "configRequirements/read",
  "environment/add",
  "environment/info",
  "environment/status",
  "experimentalFeature/enablement/set",
  "experimentalFeature/list",
  "externalAgentConfig/detect",
  "externalAgentConfig/import",
  "externalAgentConfig/import/readHistories",
  "externalAgentConfig/import/recordHistory",
  "feedback/save",
  "feedback/upload",
  "fs/copy",
  "fs/createDirectory",
  "fs/getMetadata",
  "fs/readDirectory",
  "fs/readFile",
  "fs/remove",
  "fs/unwatch",
  "fs/watch",
  "fs/writeFile",
  "fuzzyFileSearch",
  "fuzzyFileSearch/sessionStart",
  "fuzzyFileSearch/sessionStop",
  "fuzzyFileSearch/sessionUpdate",
  "getAuthStatus",
  "getConversationSummary",
  "gitDiffToRemote",
  "hooks/list",
  "initialize",
  "marketplace/add",
  "marketplace/remove",
  "marketplace/upgrade",
  "mcpServer/event/stream/start",
  "mcpServer/event/stream/stop",
  "mcpServer/oauth/login",
  "mcpServer/resource/read",
  "mcpServer/tool/call",
  "mcpServerStatus/list",
  "memory/reset",
  "memory/status",
  "mock/experimentalMethod",
  "model/list",
  "modelProvider/capabilities/read",
  "modelProvider/config/write",
  "modelProvider/default/set",
  "modelProvider/list",
  "permissionProfile/list",
  "plugin/install",
  "plugin/installed",
  "plugin/list",
  "plugin/read",
  "plugin/reconcile",
  "plugin/search",
  "plugin/share/checkout",
  "plugin/share/delete",
  "plugin/share/list",
  "plugin/share/save",
  "plugin/share/updateTargets",
  "plugin/skill/read",
  "plugin/uninstall",
  "process/kill",
  "process/resizePty",
  "process/spawn",
  "process/writeStdin",
  "project/create",
  "project/delete",
  "project/import",
  "project/list",
  "project/move",
  "project/read",
  "project/update",
  "remoteControl/client/list",
  "remoteControl/client/revoke",
  "remoteControl/disable",
  "remoteControl/enable",
  "remoteControl/pairing/start",
  "remoteControl/pairing/status",
  "remoteControl/status/read",
  "review/start",
  "rollout/compress",
  "server/diagnostics",
  "skills/config/write",
  "skills/extraRoots/set",
  "skills/list",
  "thread/approveGuardianDeniedAction",
  "thread/archive",
  "thread/attachment/add",
  "thread/attachment/list",
  "thread/attachment/remove",
  "thread/attachmentOwner/list",
  "thread/backgroundTerminals/clean",
  "thread/backgroundTerminals/list",
  "thread/backgroundTerminals/terminate",
  "thread/compact/start",
  "thread/decrement_elicitation",
  "thread/delete",
  "thread/fork",
  "thread/goal/clear",
  "thread/goal/get",
  "thread/goal/set",
  "thread/guardianReview",
  "thread/increment_elicitation",
  "thread/inject_items",
  "thread/items/list",
  "thread/items/read",
  "thread/list",
  "thread/loaded/list",
  "thread/memory/read",
  "thread/memoryMode/set",
  "thread/metadata/update",
  "thread/name/set",
  "thread/prediction/request",
  "thread/prepareApprovedPlan",
  "thread/queue/add",
  "thread/queue/delete",
  "thread/queue/list",
  "thread/queue/reorder",
  "thread/queue/start",
  "thread/queue/update",
  "thread/read",
  "thread/readState/update",
  "thread/realtime/appendAudio",
  "thread/realtime/appendSpeech",
  "thread/realtime/appendText",
  "thread/realtime/list",
  "thread/realtime/listVoices",
  "thread/realtime/start",
  "thread/realtime/stop",
  "thread/resume",
  "thread/revert",
  "thread/sample",
  "thread/sample/cancel",
  "thread/search",
  "thread/search/cancel",
  "thread/search/stream",
  "thread/search/stream/cancel",
  "thread/searchOccurrences",
  "thread/section/move",
  "thread/settings/update",
  "thread/shellCommand",
  "thread/start",
  "thread/timeline/list",
  "thread/turns/list",
  "thread/unarchive",
  "thread/unsubscribe",
  "threadSection/create",
  "threadSection/delete",
  "threadSection/list",
  "threadSection/update",
  "turn/interrupt",
  "turn/settings/update",
  "turn/start",
  "turn/steer",
  "userVerification/cancel",
  "userVerification/delete",
  "userVerification/enroll",
  "userVerification/status",
  "userVerification/verify",
  "windowsSandbox/readiness",
  "windowsSandbox/setupStart",
] as const satisfies readonly ClientRequestMethod[];

export const SERVER_NOTIFICATION_METHODS = [
  "account/gatewayOAuth/changed",
  "account/login/completed",
  "account/rateLimits/updated",
  "account/updated",
  "app/list/updated",
  "autoApprovalReview/strictReviewRequired",
  "command/exec/outputDelta",
  "configWarning",
  "deprecationNotice",
  "error",
  "externalAgentConfig/import/completed",
  "externalAgentConfig/import/progress",
  "fs/changed",
  "fuzzyFileSearch/sessionCompleted",
  "fuzzyFileSearch/sessionUpdated",
  "guardianWarning",
  "hook/completed",
  "hook/started",
  "item/agentMessage/delta",
  "item/autoApprovalReview/completed",
  "item/autoApprovalReview/started",
  "item/commandExecution/outputDelta",
  "item/commandExecution/terminalInteraction",
  "item/completed",
  "item/fileChange/outputDelta",
  "item/fileChange/patchUpdated",
  "item/mcpToolCall/progress",
  "item/plan/delta",
  "item/reasoning/summaryPartAdded",
  "item/reasoning/summaryTextDelta",
  "item/reasoning/textDelta",
  "item/started",
  "mcpServer/event/stream/notification",
  "mcpServer/oauthLogin/completed",
  "mcpServer/startupStatus/updated",
  "model/rerouted",
  "model/safetyBuffering/updated",
  "model/verification",
  "modelProvider/authRecoveryCompleted",
  "modelProvider/authRecoveryStarted",
  "process/exited",
  "process/outputDelta",
  "project/changed",
  "rawResponse/completed",
  "rawResponseItem/completed",
  "remoteControl/status/changed",
  "serverRequest/resolved",
  "skills/changed",
  "thread/archived",
  "thread/attachment/updated",
  "thread/closed",
  "thread/compacted",
  "thread/deleted",
  "thread/environment/connected",
  "thread/environment/disconnected",
  "thread/goal/cleared",
  "thread/goal/updated",
  "thread/name/updated",
  "thread/prediction/updated",
  "thread/project/updated",
  "thread/queue/changed",
  "thread/readState/changed",
  "thread/realtime/closed",
  "thread/realtime/error",
  "thread/realtime/item/completed",
  "thread/realtime/item/started",
  "thread/realtime/item/transcript/delta",
  "thread/realtime/itemAdded",
  "thread/realtime/outputAudio/delta",
  "thread/realtime/sdp",
  "thread/realtime/started",
  "thread/realtime/transcript/delta",
  "thread/realtime/transcript/done",
  "thread/reverted",
  "thread/search/partial",
  "thread/section/changed",
  "thread/settings/updated",
  "thread/started",
  "thread/status/changed",
  "thread/tokenUsage/updated",
  "thread/unarchived",
  "turn/completed",
  "turn/diff/updated",
  "turn/moderationMetadata",
  "turn/plan/updated",
  "turn/started",
  "warning",
  "windows/worldWritableWarning",
  "windowsSandbox/setupCompleted",
] as const satisfies readonly ServerNotificationMethod[];

export const SERVER_REQUEST_METHODS = [
  "account/chatgptAuthTokens/refresh",
  "applyPatchApproval",
  "attestation/generate",
  "execCommandApproval",
  "item/commandExecution/requestApproval",
  "item/fileChange/requestApproval",
  "item/permissions/requestApproval",
  "item/tool/call",
  "item/tool/requestUserInput",
  "mcpServer/elicitation/request",
] as const satisfies readonly ServerRequestMethod[];
