import { Schema, SchemaGetter } from "effect"
import { Tags } from "./events/ResourceEvent.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { Resource, ResourceStatus } from "./Resource.ts"
import { formatTimestamp, IsoTimestampString, timestampOfValidated } from "./Timestamp.ts"

/**
 * A `Resource` in the seed's `model_dump` shape: snake_case keys, ISO-8601 UTC timestamps, `status` as its string,
 * `null` for an absent `deleted_at` / `deletion_error`. This is the row of Log Analytics and the line of the archive.
 */
export interface ResourceRecordJson {
  readonly resource_id: string
  readonly resource_type: string
  readonly resource_name: string
  readonly scenario_name: string
  readonly run_id: string
  readonly created_at: string
  readonly status: ResourceStatus
  readonly deleted_at: string | null
  readonly deletion_attempts: number
  readonly deletion_error: string | null
  readonly tags: { readonly [key: string]: string }
}

const Wire = Schema.Struct({
  resource_id: Schema.String,
  resource_type: Schema.String,
  resource_name: Schema.String,
  scenario_name: Schema.String,
  run_id: Schema.String,
  created_at: IsoTimestampString,
  status: ResourceStatus,
  // Accept a missing key as well as `null`: older archives written by `model_dump(exclude_none=True)` omit them.
  deleted_at: Schema.optionalKey(Schema.NullOr(IsoTimestampString)),
  deletion_attempts: Schema.optionalKey(NonNegativeInt),
  deletion_error: Schema.optionalKey(Schema.NullOr(Schema.String)),
  tags: Schema.optionalKey(Tags),
})

/** Serialises a `Resource` into the seed's `model_dump` shape. */
export const encodeResource = (resource: typeof Resource.Encoded): ResourceRecordJson => ({
  resource_id: resource.resourceId,
  resource_type: resource.resourceType,
  resource_name: resource.resourceName,
  scenario_name: resource.scenarioName,
  run_id: resource.runId,
  created_at: formatTimestamp(resource.createdAt),
  status: resource.status,
  deleted_at: resource.deletedAt === undefined ? null : formatTimestamp(resource.deletedAt),
  deletion_attempts: resource.deletionAttempts,
  deletion_error: resource.deletionError ?? null,
  tags: resource.tags,
})

const fromWire = (wire: typeof Wire.Type): typeof Resource.Encoded => ({
  resourceId: wire.resource_id,
  resourceType: wire.resource_type,
  resourceName: wire.resource_name,
  scenarioName: wire.scenario_name,
  runId: wire.run_id,
  createdAt: timestampOfValidated(wire.created_at),
  status: wire.status,
  ...(wire.deleted_at == null ? {} : { deletedAt: timestampOfValidated(wire.deleted_at) }),
  deletionAttempts: wire.deletion_attempts ?? 0,
  ...(wire.deletion_error == null ? {} : { deletionError: wire.deletion_error }),
  tags: wire.tags ?? {},
})

/**
 * Codec: `model_dump`-shaped JSON object <-> `Resource`. Encoding gives exactly {@link encodeResource}'s output;
 * decoding reads archive lines and rows back.
 */
export const ResourceRecord = Wire.pipe(
  Schema.decodeTo(Resource, {
    decode: SchemaGetter.transform(fromWire),
    encode: SchemaGetter.transform(encodeResource),
  }),
)
