import type { PropertyEdits, SystemProperty } from "../sql/index.ts"
import type { Range } from "./AmqpPayload.ts"
import { messageHelpers, type Typed } from "./rheaTypes.ts"
import { encodeProperties, propertyFields, writeSections } from "./sectionWriter.ts"
import { applicationPropertiesSection, type TypedEntry, typedOf } from "./typedProperties.ts"

/** The parts of a stored bare message that a rule action rewrites. */
export interface EditableBare {
  readonly bare: Buffer
  readonly properties: Range | undefined
  /** start === end when the message has no application properties. */
  readonly applicationProperties: Range
  readonly entries: ReadonlyArray<TypedEntry>
}

const propertyField: Readonly<Record<SystemProperty, string>> = {
  MessageId: "message_id",
  CorrelationId: "correlation_id",
  To: "to",
  ReplyTo: "reply_to",
  Label: "subject",
  SessionId: "group_id",
  ReplyToSessionId: "reply_to_group_id",
  ContentType: "content_type",
}

const editedProperties = (parts: EditableBare, edits: PropertyEdits): Buffer => {
  const range = parts.properties
  const fields =
    range === undefined ? {} : propertyFields(messageHelpers.decode(parts.bare.subarray(range.start, range.end)))
  for (const [name, value] of edits.system) {
    const field = propertyField[name]
    if (value === null) delete fields[field]
    else fields[field] = value
  }
  return encodeProperties(fields)
}

const editedApplicationProperties = (parts: EditableBare, edits: PropertyEdits): Buffer => {
  const entries: Array<readonly [string, Typed]> = parts.entries.map(({ key, value }) => [key, value])
  for (const [key, value] of edits.user) {
    const index = entries.findIndex(([candidate]) => candidate === key)
    if (value === undefined) {
      if (index >= 0) entries.splice(index, 1)
      continue
    }
    const typed = typedOf(value, parts.entries.find((entry) => entry.key === key)?.value)
    if (index >= 0) entries[index] = [key, typed]
    else entries.push([key, typed])
  }
  return writeSections([applicationPropertiesSection(entries)])
}

/**
 * The bare message of the copy a rule action produces: the properties and application-properties sections
 * re-encoded with the action's changes, everything else (body, footer) byte for byte.
 */
export const editBare = (parts: EditableBare, edits: PropertyEdits): Buffer => {
  const chunks: Array<Buffer> = []
  let cursor = 0
  if (edits.system.size > 0) {
    const start = parts.properties?.start ?? 0
    chunks.push(parts.bare.subarray(0, start), editedProperties(parts, edits))
    cursor = parts.properties?.end ?? 0
  }
  if (edits.user.size > 0) {
    chunks.push(
      parts.bare.subarray(cursor, parts.applicationProperties.start),
      editedApplicationProperties(parts, edits),
    )
    cursor = parts.applicationProperties.end
  }
  chunks.push(parts.bare.subarray(cursor))
  return Buffer.concat(chunks)
}
