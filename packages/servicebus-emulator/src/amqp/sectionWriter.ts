import { type DecodedMessage, messageHelpers, types } from "./rheaTypes.ts"

/** Encoding of the small sections the emulator writes itself (properties, application properties, header). */

const propertyNames = [
  "message_id",
  "user_id",
  "to",
  "subject",
  "reply_to",
  "correlation_id",
  "content_type",
  "content_encoding",
  "absolute_expiry_time",
  "creation_time",
  "group_id",
  "group_sequence",
  "reply_to_group_id",
] as const

export const propertyFields = (decoded: DecodedMessage): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  for (const name of propertyNames) if (decoded[name] !== undefined) fields[name] = decoded[name]
  return fields
}

export const encodeProperties = (fields: Readonly<Record<string, unknown>>): Buffer =>
  writeSections([messageHelpers.properties(fields).described()])

// One growable scratch buffer for the small sections encoded on every delivery.
const scratch = new types.Writer(Buffer.allocUnsafe(4096))

export const writeSections = (sections: ReadonlyArray<ReturnType<typeof types.described>>): Buffer =>
  Buffer.from(writeSectionsInPlace(sections))

/** Like `writeSections`, but the bytes stay in the shared scratch buffer: copy them before encoding anything else. */
export const writeSectionsInPlace = (sections: ReadonlyArray<ReturnType<typeof types.described>>): Buffer => {
  scratch.position = 0
  for (const section of sections) scratch.write(section)
  return scratch.toBuffer()
}
