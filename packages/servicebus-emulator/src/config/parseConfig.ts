import { compatibilityWarnings } from "./compatibilityWarnings.ts"
import { defaultNamespaceName, defaultRuleName, maxLockDurationMs, officialDefaults } from "./defaults.ts"
import type {
  EmulatorConfig,
  FilterConfig,
  LoggingType,
  NamespaceConfig,
  QueueConfig,
  RuleConfig,
  SubscriptionConfig,
  TopicConfig,
} from "./EmulatorConfig.ts"
import {
  asArray,
  asObject,
  fail,
  field,
  type JsonObject,
  onlyKeys,
  optionalBoolean,
  optionalDuration,
  optionalEntityName,
  optionalInteger,
  optionalString,
  requiredString,
} from "./jsonReader.ts"
import { parseSqlAction, parseSqlFilter } from "./parseSqlRule.ts"

// Queue and topic names may contain slashes (Azure allows "a/b"); subscription and rule names may not.
const entityNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._\-/]*[A-Za-z0-9])?$/
const subscriptionNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/
const ruleNamePattern = /^[A-Za-z0-9$](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/

/** Why `value` is not a valid name for `what` (queue, topic, subscription, rule), or undefined when it is. */
export const nameProblem = (value: string, what: "queue" | "topic" | "subscription" | "rule"): string | undefined => {
  const entity = what === "queue" || what === "topic"
  const pattern = entity ? entityNamePattern : what === "subscription" ? subscriptionNamePattern : ruleNamePattern
  const maxLength = entity ? 260 : 50
  if (value.length > maxLength) return `${what} names are at most ${maxLength} characters, got ${value.length}`
  if (!pattern.test(value) || value.includes("//")) {
    return `${JSON.stringify(value)} is not a valid ${what} name (letters, digits, ".", "-", "_"${
      entity ? ', "/"' : ""
    }; starting and ending with a letter or digit)`
  }
  if (value.toLowerCase().split("/").includes("subscriptions") || value.includes("$")) {
    return `${JSON.stringify(value)} collides with the reserved path segments "Subscriptions" and "$..."`
  }
  return undefined
}

const name = (object: JsonObject, what: "queue" | "topic" | "subscription" | "rule"): string => {
  const value = requiredString(object, "Name")
  const problem = nameProblem(value, what)
  if (problem !== undefined) fail(`${object.path}.Name`, problem)
  return value
}

const properties = (object: JsonObject, allowed: ReadonlyArray<string>): JsonObject => {
  const raw = field(object, "Properties")
  const props = raw.value === undefined ? { path: raw.path, value: {} } : asObject(raw.path, raw.value)
  onlyKeys(props, allowed)
  return props
}

/** Properties of queues and subscriptions: how their messages are locked, expire and move on. */
const receivingKeys = [
  "DeadLetteringOnMessageExpiration",
  "DefaultMessageTimeToLive",
  "ForwardDeadLetteredMessagesTo",
  "ForwardTo",
  "LockDuration",
  "MaxDeliveryCount",
  "RequiresSession",
]

const receivingProperties = (props: JsonObject) => ({
  deadLetteringOnMessageExpiration: optionalBoolean(
    props,
    "DeadLetteringOnMessageExpiration",
    officialDefaults.deadLetteringOnMessageExpiration,
  ),
  defaultMessageTimeToLiveMs: optionalDuration(
    props,
    "DefaultMessageTimeToLive",
    officialDefaults.defaultMessageTimeToLiveMs,
  ),
  forwardDeadLetteredMessagesTo: optionalEntityName(props, "ForwardDeadLetteredMessagesTo"),
  forwardTo: optionalEntityName(props, "ForwardTo"),
  lockDurationMs: optionalDuration(props, "LockDuration", officialDefaults.lockDurationMs, {
    maxMs: maxLockDurationMs,
    maxText: "PT5M",
  }),
  maxDeliveryCount: optionalInteger(props, "MaxDeliveryCount", officialDefaults.maxDeliveryCount, { min: 1 }),
  requiresSession: optionalBoolean(props, "RequiresSession", officialDefaults.requiresSession),
})

/** Properties of queues and topics: what they accept, and their duplicate detection. */
const sendingKeys = [
  "DuplicateDetectionHistoryTimeWindow",
  "RequiresDuplicateDetection",
  "MaxSizeInMegabytes",
  "MaxMessageSizeInKilobytes",
]

const sendingProperties = (props: JsonObject) => ({
  duplicateDetectionHistoryTimeWindowMs: optionalDuration(
    props,
    "DuplicateDetectionHistoryTimeWindow",
    officialDefaults.duplicateDetectionHistoryTimeWindowMs,
  ),
  requiresDuplicateDetection: optionalBoolean(
    props,
    "RequiresDuplicateDetection",
    officialDefaults.requiresDuplicateDetection,
  ),
  maxMessageSizeBytes:
    optionalInteger(props, "MaxMessageSizeInKilobytes", officialDefaults.maxMessageSizeBytes / 1024, {
      min: 1,
      max: 100 * 1024,
    }) * 1024,
  maxSizeInMegabytes: optionalInteger(props, "MaxSizeInMegabytes", officialDefaults.maxSizeInMegabytes, { min: 1 }),
})

const parseQueue = (object: JsonObject): QueueConfig => {
  onlyKeys(object, ["Name", "Properties"])
  const queueName = name(object, "queue")
  const props = properties(object, [...receivingKeys, ...sendingKeys])
  return { name: queueName, properties: { ...receivingProperties(props), ...sendingProperties(props) } }
}

const correlationKeys = [
  "ContentType",
  "CorrelationId",
  "Label",
  "MessageId",
  "ReplyTo",
  "ReplyToSessionId",
  "SessionId",
  "To",
  "Properties",
]

const parseCorrelationFilter = (object: JsonObject): FilterConfig => {
  onlyKeys(object, correlationKeys)
  const userProperties: Record<string, string | number | boolean> = {}
  const rawProps = field(object, "Properties")
  if (rawProps.value !== undefined && rawProps.value !== null) {
    const props = asObject(rawProps.path, rawProps.value)
    for (const [key, value] of Object.entries(props.value)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        fail(`${props.path}.${key}`, "expected a string, number or boolean to compare the application property with")
      }
      userProperties[key] = value as string | number | boolean
    }
  }
  const system = {
    contentType: optionalString(object, "ContentType"),
    correlationId: optionalString(object, "CorrelationId"),
    subject: optionalString(object, "Label"),
    messageId: optionalString(object, "MessageId"),
    replyTo: optionalString(object, "ReplyTo"),
    replyToSessionId: optionalString(object, "ReplyToSessionId"),
    sessionId: optionalString(object, "SessionId"),
    to: optionalString(object, "To"),
  }
  const filter: Record<string, unknown> = { type: "correlation", properties: userProperties }
  for (const [key, value] of Object.entries(system)) {
    if (value !== undefined && value !== "") filter[key] = value
  }
  if (Object.keys(filter).length === 2 && Object.keys(userProperties).length === 0) {
    fail(object.path, "a correlation filter needs at least one system or application property to match")
  }
  return filter as FilterConfig
}

const parseFilter = (props: JsonObject, ruleName: string): FilterConfig => {
  const filterType = requiredString(props, "FilterType").toLowerCase()
  if (filterType === "correlation") {
    const raw = field(props, "CorrelationFilter")
    return parseCorrelationFilter(asObject(raw.path, raw.value))
  }
  if (filterType === "sql") {
    const raw = field(props, "SqlFilter")
    return parseSqlFilter(asObject(raw.path, raw.value), ruleName)
  }
  return fail(`${props.path}.FilterType`, `expected "Correlation" or "Sql", got ${JSON.stringify(filterType)}`)
}

const parseRule = (object: JsonObject): RuleConfig => {
  onlyKeys(object, ["Name", "Properties"])
  const ruleName = name(object, "rule")
  const props = properties(object, ["FilterType", "CorrelationFilter", "SqlFilter", "Action"])
  const filter = parseFilter(props, ruleName)
  const action = field(props, "Action")
  if (action.value === undefined || action.value === null) return { name: ruleName, filter }
  return { name: ruleName, filter, action: parseSqlAction(asObject(action.path, action.value), ruleName) }
}

/** An optional array of named objects, each parsed, whose names are unique (compared case-insensitively, as Azure does). */
const namedList = <A extends { readonly name: string }>(
  object: JsonObject,
  key: string,
  noun: string,
  parse: (entry: JsonObject) => A,
): Array<A> => {
  const raw = field(object, key)
  if (raw.value === undefined || raw.value === null) return []
  const seen = new Set<string>()
  return asArray(raw.path, raw.value).map((entry, i) => {
    const parsed = parse(asObject(`${raw.path}[${i}]`, entry))
    const lower = parsed.name.toLowerCase()
    if (seen.has(lower)) fail(`${raw.path}[${i}].Name`, `duplicate ${noun} name ${JSON.stringify(parsed.name)}`)
    seen.add(lower)
    return parsed
  })
}

const parseSubscription = (object: JsonObject): SubscriptionConfig => {
  onlyKeys(object, ["Name", "Properties", "Rules"])
  const subscriptionName = name(object, "subscription")
  const props = properties(object, [...receivingKeys, "DeadLetteringOnFilterEvaluationExceptions"])
  const rules: Array<RuleConfig> = namedList(object, "Rules", "rule", parseRule)
  // Azure gives every subscription created without rules the "$Default" rule with a TrueFilter.
  if (rules.length === 0) rules.push({ name: defaultRuleName, filter: { type: "true" } })
  return {
    name: subscriptionName,
    properties: {
      ...receivingProperties(props),
      deadLetteringOnFilterEvaluationExceptions: optionalBoolean(
        props,
        "DeadLetteringOnFilterEvaluationExceptions",
        officialDefaults.deadLetteringOnFilterEvaluationExceptions,
      ),
    },
    rules,
  }
}

const parseTopic = (object: JsonObject): TopicConfig => {
  onlyKeys(object, ["Name", "Properties", "Subscriptions"])
  const topicName = name(object, "topic")
  const props = properties(object, ["DefaultMessageTimeToLive", ...sendingKeys])
  const subscriptions = namedList(object, "Subscriptions", "subscription", parseSubscription)
  return {
    name: topicName,
    properties: {
      defaultMessageTimeToLiveMs: optionalDuration(
        props,
        "DefaultMessageTimeToLive",
        officialDefaults.defaultMessageTimeToLiveMs,
      ),
      ...sendingProperties(props),
    },
    subscriptions,
  }
}

const parseNamespace = (object: JsonObject): NamespaceConfig => {
  onlyKeys(object, ["Name", "Queues", "Topics"])
  const namespaceName = optionalString(object, "Name") ?? defaultNamespaceName
  const entityPaths = new Map<string, string>()
  const claim = (entityName: string, path: string) => {
    const key = entityName.toLowerCase()
    const previous = entityPaths.get(key)
    if (previous !== undefined) {
      fail(path, `${JSON.stringify(entityName)} is already used by ${previous}; queues and topics share one namespace`)
    }
    entityPaths.set(key, path)
  }
  const entities = <A extends { readonly name: string }>(key: string, parse: (entry: JsonObject) => A) => {
    const raw = field(object, key)
    const list = raw.value === undefined || raw.value === null ? [] : asArray(raw.path, raw.value)
    const parsed = list.map((entry, i) => {
      const entity = parse(asObject(`${raw.path}[${i}]`, entry))
      claim(entity.name, `${raw.path}[${i}].Name`)
      return entity
    })
    return [raw.path, parsed] as const
  }
  const [queuesPath, queues] = entities("Queues", parseQueue)
  const [topicsPath, topics] = entities("Topics", parseTopic)
  const checkForward = (target: string | undefined, path: string, self: string) => {
    if (target === undefined) return
    if (!entityPaths.has(target.toLowerCase())) {
      fail(path, `forwarding target ${JSON.stringify(target)} is neither a queue nor a topic of this namespace`)
    }
    if (target.toLowerCase() === self.toLowerCase()) fail(path, "an entity cannot forward to itself")
  }
  queues.forEach((queue, i) => {
    const base = `${queuesPath}[${i}].Properties`
    checkForward(queue.properties.forwardTo, `${base}.ForwardTo`, queue.name)
    checkForward(queue.properties.forwardDeadLetteredMessagesTo, `${base}.ForwardDeadLetteredMessagesTo`, queue.name)
  })
  topics.forEach((topic, t) => {
    topic.subscriptions.forEach((subscription, s) => {
      const base = `${topicsPath}[${t}].Subscriptions[${s}].Properties`
      checkForward(subscription.properties.forwardTo, `${base}.ForwardTo`, topic.name)
      checkForward(subscription.properties.forwardDeadLetteredMessagesTo, `${base}.ForwardDeadLetteredMessagesTo`, "")
    })
  })
  return { name: namespaceName, queues, topics }
}

const loggingTypes: ReadonlyArray<LoggingType> = ["File", "Console", "File,Console"]

/**
 * Validates a configuration in the official emulator's Config.json format and applies the official defaults.
 * Throws `ConfigError` naming the JSON path of the first bad field.
 */
export const parseConfig = (json: unknown): EmulatorConfig => {
  const root = asObject("$", json)
  onlyKeys(root, ["UserConfig"])
  const rawUser = field(root, "UserConfig")
  const user = asObject(rawUser.path, rawUser.value)
  onlyKeys(user, ["Namespaces", "Logging"])
  const rawNamespaces = field(user, "Namespaces")
  const namespaces = asArray(rawNamespaces.path, rawNamespaces.value)
  if (namespaces.length !== 1) {
    fail(
      rawNamespaces.path,
      `exactly one namespace is supported (like the official emulator), got ${namespaces.length}`,
    )
  }
  const namespace = parseNamespace(asObject(`${rawNamespaces.path}[0]`, namespaces[0]))
  let logging: LoggingType = "Console"
  const rawLogging = field(user, "Logging")
  if (rawLogging.value !== undefined && rawLogging.value !== null) {
    const loggingObject = asObject(rawLogging.path, rawLogging.value)
    onlyKeys(loggingObject, ["Type"])
    const type = optionalString(loggingObject, "Type")
    if (type !== undefined) {
      const normalized = type.replace(/\s+/g, "")
      const match = loggingTypes.find((candidate) => candidate.toLowerCase() === normalized.toLowerCase())
      if (match === undefined) {
        fail(`${loggingObject.path}.Type`, `expected one of ${loggingTypes.map((t) => `"${t}"`).join(", ")}`)
      }
      logging = match as LoggingType
    }
  }
  return { namespace, logging: { type: logging }, warnings: compatibilityWarnings(json) }
}
