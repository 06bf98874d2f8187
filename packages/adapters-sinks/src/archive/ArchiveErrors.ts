import { Schema } from "effect"

/** The archive's configuration is unusable, or its container could not be prepared (names what to fix). */
export class ArchiveConfigError extends Schema.TaggedError<ArchiveConfigError>()("ArchiveConfigError", {
  message: Schema.String,
}) {}
