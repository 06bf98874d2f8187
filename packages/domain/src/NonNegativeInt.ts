import { Schema } from "effect"

/** An integer >= 0 (deletion attempts). */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
