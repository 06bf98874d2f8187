import { Schema } from "effect"

/**
 * Why records did not land, as far as the caller must act on it:
 * - `Rejected`: the service refused the data of these records (400, 413, a record that cannot be encoded). Trying the
 *   same records again will not help; a refusal that names several records may be about one of them (a request is
 *   refused whole), which the caller can find by writing fewer at a time.
 * - `Transient`: throttling, timeouts, 5xx, the network: a later try may pass.
 * - `Unavailable`: the deployment is at fault, not the records: credentials or permissions (401, 403), a missing data
 *   collection rule, stream or container (404). Nothing written now will land until someone fixes it.
 */
export const SinkFailureKind = Schema.Literals(["Rejected", "Transient", "Unavailable"])
export type SinkFailureKind = typeof SinkFailureKind.Type

/**
 * A sink could not store some records. It names exactly the records that did not land (by `SinkRecord.key`), so the
 * caller settles the others, and what kind of failure it was (see {@link SinkFailureKind}; when several kinds mix,
 * `Unavailable` wins over `Transient`, which wins over `Rejected`, so nothing retryable is given up).
 */
export class SinkWriteError extends Schema.TaggedError<SinkWriteError>()("SinkWriteError", {
  /** Which sink failed, e.g. `LogAnalytics` or `Archive`. */
  sink: Schema.String,
  /** The `key` of every record that did not land. */
  failedKeys: Schema.Array(Schema.String),
  kind: SinkFailureKind,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {
  /** Whether trying the same records again later may succeed. */
  get transient(): boolean {
    return this.kind === "Transient"
  }
}
