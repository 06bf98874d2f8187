export * from "./archive/ArchiveConfig.ts"
export * from "./archive/ArchiveErrors.ts"
export { readArchiveLine } from "./archive/ArchiveLines.ts"
export { type ArchiveObject, type ArchiveWrite, archiveContentType, archiveObjects } from "./archive/ArchiveObjects.ts"
export { archiveLine, archiveRecord } from "./archive/ArchiveRecord.ts"
export * as BlobArchiveReader from "./archive/BlobArchiveReader.ts"
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
export { objectTimeBound } from "./archive/ObjectTime.ts"
export * as FileArchiveReader from "./filesystem/FileArchiveReader.ts"
export * as FileArchiveSink from "./filesystem/FileArchiveSink.ts"
export * as FileLogAnalyticsSink from "./filesystem/FileLogAnalyticsSink.ts"
export * from "./filesystem/FileSinkConfig.ts"
export * from "./logAnalytics/LogAnalyticsConfig.ts"
export * from "./logAnalytics/LogAnalyticsErrors.ts"
export * as LogAnalyticsIngestionSink from "./logAnalytics/LogAnalyticsIngestionSink.ts"
export { agentLogRow, deadLetterRow, resourceRow } from "./logAnalytics/Rows.ts"
export * from "./logAnalytics/Streams.ts"
export { type FailedMessage, isTransient, kindOf } from "./SinkFailures.ts"
