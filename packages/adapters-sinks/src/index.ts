export * from "./archive/ArchiveConfig.ts"
export * from "./archive/ArchiveErrors.ts"
export { type ArchiveObject, archiveContentType, archiveObjects } from "./archive/ArchiveObjects.ts"
export { archiveLine, archiveRecord } from "./archive/ArchiveRecord.ts"
export * as BlobArchiveSink from "./archive/BlobArchiveSink.ts"
export {
  ARCHIVE_LAYOUTS,
  type ArchiveLayout,
  blobNameFor,
  MAX_BLOB_NAME_LENGTH,
  MAX_BLOB_NAME_SEGMENTS,
  partitionFolder,
  sanitizeNamePath,
} from "./archive/BlobNames.ts"
export * as FileArchiveSink from "./filesystem/FileArchiveSink.ts"
export * as FileLogAnalyticsSink from "./filesystem/FileLogAnalyticsSink.ts"
export * from "./filesystem/FileSinkConfig.ts"
export * from "./logAnalytics/LogAnalyticsConfig.ts"
export * from "./logAnalytics/LogAnalyticsErrors.ts"
export * as LogAnalyticsIngestionSink from "./logAnalytics/LogAnalyticsIngestionSink.ts"
export { agentLogRow, resourceRow } from "./logAnalytics/Rows.ts"
export * from "./logAnalytics/Streams.ts"
export { type FailedMessage, isTransient } from "./SinkFailures.ts"
