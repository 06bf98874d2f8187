export {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  type AzuriteOptions,
  type AzuritePeer,
  startAzurite,
} from "./Azurite.ts"
export type {
  FailOptions,
  FaultScope,
  FaultTarget,
  LogsIngestionFaults,
  ThrottleOptions,
} from "./logsIngestion/Faults.ts"
export {
  type AcceptedUpload,
  LOGS_INGESTION_API_VERSION,
  LOGS_INGESTION_API_VERSIONS,
  LOGS_INGESTION_MAX_BODY_BYTES,
  type LogsIngestionServer,
  type LogsIngestionServerOptions,
  type RecordedRequest,
  startLogsIngestionServer,
} from "./logsIngestion/LogsIngestionServer.ts"
export {
  type LogsIngestionServerProcess,
  type ServerProcessOptions,
  startLogsIngestionServerProcess,
} from "./logsIngestion/LogsIngestionServerProcess.ts"
export {
  type DataCollectionRuleDeclaration,
  rowProblem,
  type StreamColumn,
  type StreamColumnType,
  type StreamDeclarations,
} from "./logsIngestion/StreamDeclarations.ts"
export {
  type IdentityRequest,
  type IssuedToken,
  MANAGED_IDENTITY_API_VERSION,
  type ManagedIdentityEndpoint,
  type ManagedIdentityEndpointOptions,
  startManagedIdentityEndpoint,
} from "./ManagedIdentityEndpoint.ts"
export { azuriteScoped, logsIngestionServerProcessScoped, logsIngestionServerScoped } from "./Scoped.ts"
export { type StaticTokenCredential, staticTokenCredential } from "./StaticTokenCredential.ts"
