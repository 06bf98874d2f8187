import { Result, Schema, SchemaParser } from "effect"
import { formatIssue } from "./events/formatIssue.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { Resource } from "./Resource.ts"
import { Tags } from "./Tags.ts"
import { Timestamp } from "./Timestamp.ts"
import { defaultWhenMissing } from "./wire/DecodingDefault.ts"
import { makeFastDecode, makeFastEncode } from "./wire/FastCodec.ts"
import { nullWhenAbsent } from "./wire/NullableField.ts"
import { snakeCaseStruct } from "./wire/SnakeCaseStruct.ts"

/**
 * Codec: a `Resource` <-> the seed's `model_dump` shape: snake_case keys, ISO-8601 UTC timestamps, `status` as its
 * string, `null` for an absent `deleted_at` / `deletion_error`. This is the row of Log Analytics and the line of the
 * archive. Reading also accepts what older archives written by `model_dump(exclude_none=True)` hold: the null fields
 * left out, and no `deletion_attempts` or `tags` (0 and {}).
 */
export const ResourceRecord = snakeCaseStruct({
  ...Resource.fields,
  createdAt: Timestamp,
  deletedAt: nullWhenAbsent(Timestamp),
  deletionAttempts: defaultWhenMissing(NonNegativeInt, 0),
  deletionError: nullWhenAbsent(Schema.String),
  tags: defaultWhenMissing(Tags, {}),
})

/** A `Resource` in the seed's `model_dump` shape (see {@link ResourceRecord}), as this package writes it. */
export type ResourceRecordJson = Required<typeof ResourceRecord.Encoded>

/** Serialises a `Resource` into the seed's `model_dump` shape: what encoding with {@link ResourceRecord} gives. */
export const encodeResource = makeFastEncode(ResourceRecord) as (resource: Resource) => ResourceRecordJson

const fast = makeFastDecode(ResourceRecord)
const decode = SchemaParser.decodeUnknownResult(ResourceRecord)

/**
 * Decodes a `model_dump`-shaped object (an archive line's `resource`, a row) into a Resource, or says which field is
 * wrong (`created_at is invalid: …`). Synchronous and exception-free.
 */
export const decodeResourceRecord = (input: unknown): Result.Result<Resource, string> => {
  const resource = fast(input)
  if (resource !== undefined) return Result.succeed(resource)
  const decoded = decode(input)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  const { path, problem } = formatIssue(decoded.failure, input)
  return Result.fail(path === "" ? problem : `${path} ${problem}`)
}
