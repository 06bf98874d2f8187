import { Schema } from "effect"

/**
 * The fields every port's error has: a `reason` an operator can act on (adapters map SDK error codes onto its
 * literals), a message for the operator, and the SDK's own error as the cause.
 */
export const portErrorFields = <const Reason extends Schema.Literals<ReadonlyArray<string>>>(reason: Reason) => ({
  reason,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
})
