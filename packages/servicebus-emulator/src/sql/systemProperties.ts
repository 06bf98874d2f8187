/**
 * The `sys.` scope: the broker properties of a Service Bus message (the BrokeredMessage names the documentation
 * refers to). Names are matched case-insensitively. The emulator reads and writes the ones carried in the AMQP
 * properties section; the rest are known names it answers "not implemented" for, so that a rule using them is
 * refused at creation instead of silently never matching.
 */
export const systemProperties = [
  "MessageId",
  "CorrelationId",
  "To",
  "ReplyTo",
  "Label",
  "SessionId",
  "ReplyToSessionId",
  "ContentType",
] as const

export type SystemProperty = (typeof systemProperties)[number]

/** Broker properties of the documentation that the emulator does not evaluate. */
const notImplemented = [
  "DeadLetterSource",
  "DeliveryCount",
  "EnqueuedSequenceNumber",
  "EnqueuedTimeUtc",
  "ExpiresAtUtc",
  "ForcePersistence",
  "IsBodyConsumed",
  "LockedUntilUtc",
  "LockToken",
  "PartitionKey",
  "ScheduledEnqueueTimeUtc",
  "SequenceNumber",
  "Size",
  "State",
  "TimeToLive",
  "ViaPartitionKey",
] as const

const byLowerName: ReadonlyMap<string, SystemProperty> = new Map(
  systemProperties.map((name) => [name.toLowerCase(), name]),
)

const notImplementedByLowerName: ReadonlyMap<string, string> = new Map(
  notImplemented.map((name) => [name.toLowerCase(), name]),
)

export type SystemPropertyLookup =
  | { readonly kind: "supported"; readonly name: SystemProperty }
  | { readonly kind: "unsupported"; readonly name: string }
  | { readonly kind: "unknown" }

export const lookupSystemProperty = (name: string): SystemPropertyLookup => {
  const lower = name.toLowerCase()
  const supported = byLowerName.get(lower)
  if (supported !== undefined) return { kind: "supported", name: supported }
  const unsupported = notImplementedByLowerName.get(lower)
  return unsupported === undefined ? { kind: "unknown" } : { kind: "unsupported", name: unsupported }
}

/** Broker properties only the broker sets: a rule action can neither SET nor REMOVE them. */
const readOnly: ReadonlySet<string> = new Set(
  [
    "DeadLetterSource",
    "DeliveryCount",
    "EnqueuedSequenceNumber",
    "EnqueuedTimeUtc",
    "ExpiresAtUtc",
    "IsBodyConsumed",
    "LockedUntilUtc",
    "LockToken",
    "SequenceNumber",
    "Size",
    "State",
  ].map((name) => name.toLowerCase()),
)

export const isReadOnlySystemProperty = (name: string): boolean => readOnly.has(name.toLowerCase())

export const systemPropertyList = systemProperties.map((name) => `sys.${name}`).join(", ")
