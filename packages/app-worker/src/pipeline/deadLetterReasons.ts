import type { MessageDecodeError } from "@haymaker/domain"
import { sinkRejectedReason } from "./processBatch.ts"

// A mapped type: a decode error added to the domain does not compile until it is listed here.
const decodeErrors: { readonly [Tag in MessageDecodeError["_tag"]]: Tag } = {
  InvalidJson: "InvalidJson",
  NotAnObject: "NotAnObject",
  SchemaViolation: "SchemaViolation",
  BodyTooLarge: "BodyTooLarge",
  BodyTooDeep: "BodyTooDeep",
  UnsupportedBody: "UnsupportedBody",
}

/** Every reason the worker dead-letters a message with (the `reason` of `haymaker_messages_dead_lettered_total`). */
export const deadLetterReasons: ReadonlyArray<string> = [...Object.values(decodeErrors), sinkRejectedReason]
