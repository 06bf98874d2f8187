import { type Broker, storeOf } from "../broker/Broker.ts"
import { BrokerError } from "../broker/BrokerError.ts"
import type { BrokeredMessage } from "../broker/BrokeredMessage.ts"
import type { MessageStore, ReceiveMode } from "../broker/MessageStore.ts"
import { SessionStore } from "../broker/sessions/SessionStore.ts"
import { peekScheduledAtTopic } from "../broker/topicScheduled.ts"
import type { Logger } from "../log.ts"
import { AmqpPayload } from "./AmqpPayload.ts"
import type { ConnectionState } from "./ConnectionState.ts"
import { errorReply } from "./conditions.ts"
import { encodeDelivery } from "./encodeDelivery.ts"
import type { RequestOrigin } from "./ReplyLink.ts"
import {
  bodyMap,
  decodeRequest,
  longValue,
  map,
  ok,
  type Request,
  type Response,
  sendResponse,
} from "./requestResponse.ts"
import { type DecodedMessage, type Typed, types } from "./rheaTypes.ts"
import { addRule, enumerateRules, removeRule } from "./ruleManagement.ts"
import {
  associatedLinkName,
  getSessionState,
  renewSessionLock,
  sessionIdOfRequest,
  sessionStoreOf,
  setSessionState,
} from "./sessionManagement.ts"

const amqpLong = 0x81
const amqpTimestamp = 0x83

export interface ManagementContext {
  readonly state: ConnectionState
  readonly broker: Broker
  /** The entity path in front of "/$management". */
  readonly entityPath: string
  readonly logger: Logger
}

type Body = Readonly<Record<string, unknown>>

const lockTokensOf = (body: Body, broker: Broker): Array<number | undefined> => {
  const raw = body["lock-tokens"]
  if (!Array.isArray(raw)) throw new BrokerError("InvalidOperation", "The request has no 'lock-tokens' array.")
  return raw.map((token: unknown) => (Buffer.isBuffer(token) ? broker.lockTokens.fromUuid(token) : undefined))
}

const sequenceNumbersOf = (body: Body): Array<number> => {
  const raw = body["sequence-numbers"]
  if (!Array.isArray(raw)) throw new BrokerError("InvalidOperation", "The request has no 'sequence-numbers' array.")
  return raw.map((value: unknown) => {
    const n = longValue(value)
    if (n === undefined) throw new BrokerError("InvalidOperation", "A sequence number is not a long.")
    return n
  })
}

const stringProperties = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

const receiveStore = (context: ManagementContext): MessageStore =>
  storeOf(context.broker.resolve(context.entityPath), context.entityPath)

const renewLock = (context: ManagementContext, body: Body): Response => {
  const store = receiveStore(context)
  const expirations = lockTokensOf(body, context.broker).map((token) => {
    const { message } = context.broker.lockedMessage(token, store)
    return store.renewLock(message)
  })
  return ok(map([["expirations", types.wrap_array(expirations, amqpTimestamp, undefined)]]))
}

const peekedMessages = (context: ManagementContext, body: Body): Array<BrokeredMessage> => {
  const from = longValue(body["from-sequence-number"]) ?? 1
  const count = Math.max(1, typeof body["message-count"] === "number" ? body["message-count"] : 1)
  const ref = context.broker.resolve(context.entityPath)
  if (ref.kind === "topic") return peekScheduledAtTopic(ref.topic, from, count)
  const store = storeOf(ref, context.entityPath)
  const sessionId = sessionIdOfRequest(body)
  // A session receiver peeks its session; a plain receiver peeks across all sessions.
  return sessionId !== undefined && store instanceof SessionStore
    ? store.peekSession(sessionId, from, count)
    : store.peek(from, count)
}

const peek = (context: ManagementContext, body: Body): Response => {
  const messages = peekedMessages(context, body)
  if (messages.length === 0) {
    return { status: 204, description: "No messages", body: map([["messages", types.List32([])]]) }
  }
  const entries = messages.map((message) =>
    map([["message", types.wrap_binary(encodeDelivery(message, message.deliveryCount))]]),
  )
  return ok(map([["messages", types.List32(entries)]]))
}

const schedule = (context: ManagementContext, body: Body): Response => {
  const target = context.broker.sendTarget(context.entityPath)
  const raw = body.messages
  if (!Array.isArray(raw)) throw new BrokerError("InvalidOperation", "The request has no 'messages' list.")
  const payloads = raw.map((entry: unknown) => {
    const encoded = stringProperties(entry)?.message
    if (!Buffer.isBuffer(encoded)) throw new BrokerError("InvalidOperation", "A scheduled entry has no message.")
    if (encoded.length > target.maxMessageSizeBytes) {
      throw new BrokerError(
        "MessageSizeExceeded",
        `The message of ${encoded.length} bytes exceeds the limit of ${target.maxMessageSizeBytes} bytes of '${target.name}'.`,
      )
    }
    return AmqpPayload.decode(encoded)
  })
  const now = context.broker.now()
  const sequenceNumbers = payloads.map((payload) =>
    context.broker.schedule(target, payload, payload.scheduledEnqueueTimeMs ?? now),
  )
  return ok(map([["sequence-numbers", types.wrap_array(sequenceNumbers, amqpLong, undefined)]]))
}

const cancelScheduled = (context: ManagementContext, body: Body): Response => {
  context.broker.cancelScheduled(context.broker.sendTarget(context.entityPath), sequenceNumbersOf(body))
  return ok(map([]))
}

const receiveBySequenceNumber = (context: ManagementContext, body: Body, request: DecodedMessage): Response => {
  const store = receiveStore(context)
  const mode: ReceiveMode = body["receiver-settle-mode"] === 0 ? "receiveAndDelete" : "peekLock"
  const sessionId = sessionIdOfRequest(body)
  const received =
    store instanceof SessionStore && sessionId !== undefined
      ? store.receiveDeferredInSession(sessionId, associatedLinkName(request), sequenceNumbersOf(body), mode)
      : store.receiveDeferred(sequenceNumbersOf(body), mode)
  const entries = received.map(({ message, deliveryCount }) => {
    const lockToken = message.lock === undefined ? undefined : context.broker.lockTokens.toUuid(message.lock.token)
    const fields: Array<readonly [string, Typed]> = []
    if (lockToken !== undefined) fields.push(["lock-token", types.wrap_uuid(lockToken)])
    fields.push(["message", types.wrap_binary(encodeDelivery(message, deliveryCount, lockToken))])
    return map(fields)
  })
  return ok(map([["messages", types.List32(entries)]]))
}

const updateDisposition = (context: ManagementContext, body: Body): Response => {
  const store = receiveStore(context)
  const status = body["disposition-status"]
  const properties = stringProperties(body["properties-to-modify"])
  for (const token of lockTokensOf(body, context.broker)) {
    const { message } = context.broker.lockedMessage(token, store)
    switch (status) {
      case "completed":
        store.complete(message)
        break
      case "abandoned":
        store.abandon(message, properties)
        break
      case "defered":
      case "deferred":
        store.defer(message, properties)
        break
      case "suspended":
        store.deadLetterLocked(
          message,
          typeof body["deadletter-reason"] === "string" ? body["deadletter-reason"] : undefined,
          typeof body["deadletter-description"] === "string" ? body["deadletter-description"] : undefined,
          properties,
        )
        break
      default:
        throw new BrokerError("InvalidOperation", `Unknown disposition-status '${String(status)}'.`)
    }
  }
  return ok(map([]))
}

const subscriptionOf = (context: ManagementContext) => {
  const ref = context.broker.resolve(context.entityPath)
  return ref.kind === "subscription" && !ref.deadLetter ? ref.subscription : undefined
}

type Operation = (context: ManagementContext, body: Body, request: DecodedMessage) => Response

const sessionOperation =
  (operation: (store: SessionStore, body: Body, request: DecodedMessage) => Response): Operation =>
  (context, body, request) =>
    operation(sessionStoreOf(receiveStore(context), context.entityPath), body, request)

/** Operations the emulator knows but does not implement, with the feature they belong to. */
const unsupportedOperations: Readonly<Record<string, string>> = {
  "com.microsoft:get-message-sessions": "Listing message sessions",
  "com.microsoft:batch-delete-messages": "Deleting messages in bulk (purge)",
}

const notImplemented = (operation: string): Response => {
  const feature = unsupportedOperations[operation]
  return {
    status: 501,
    condition: "amqp:not-implemented",
    description:
      feature === undefined
        ? `The management operation '${operation}' is not supported by the emulator.`
        : `${feature} ('${operation}') is not supported by the emulator.`,
  }
}

const operations: Readonly<Record<string, Operation>> = {
  "com.microsoft:renew-lock": renewLock,
  "com.microsoft:peek-message": peek,
  "com.microsoft:schedule-message": schedule,
  "com.microsoft:cancel-scheduled-message": cancelScheduled,
  "com.microsoft:receive-by-sequence-number": receiveBySequenceNumber,
  "com.microsoft:update-disposition": updateDisposition,
  "com.microsoft:add-rule": (context, body) => {
    addRule(subscriptionOf(context), context.entityPath, body)
    return ok(map([]))
  },
  "com.microsoft:remove-rule": (context, body) => {
    removeRule(subscriptionOf(context), context.entityPath, body)
    return ok(map([]))
  },
  "com.microsoft:enumerate-rules": (context, body) =>
    ok(enumerateRules(subscriptionOf(context), context.entityPath, body)),
  "com.microsoft:renew-session-lock": sessionOperation(renewSessionLock),
  "com.microsoft:get-session-state": sessionOperation(getSessionState),
  "com.microsoft:set-session-state": sessionOperation(setSessionState),
}

/** Serves one request of `<entity>/$management`; unknown operations get 501. */
export const handleManagementRequest = (context: ManagementContext, encoded: Buffer, origin: RequestOrigin): void => {
  let request: Request
  try {
    request = decodeRequest(encoded, origin)
  } catch (error) {
    context.logger.warn("undecodable management request", { error })
    request = { message: {}, messageId: undefined, origin }
  }
  const operation = String(request.message.application_properties?.operation ?? "")
  let response: Response
  const handler = operations[operation]
  if (handler === undefined) {
    response = notImplemented(operation)
  } else {
    try {
      response = handler(context, bodyMap(request.message), request.message)
    } catch (error) {
      response = errorResponse(error)
      if (response.status === 500) context.logger.error("management operation failed", { operation, error })
    }
  }
  context.logger.debug("management request", { operation, entity: context.entityPath, status: response.status })
  const reply = (answer: Response) => {
    if (!sendResponse(context.state, request, answer)) {
      context.logger.warn("management reply link missing; response dropped", {
        operation,
        connection: context.state.id,
      })
    }
  }
  // With a data directory, what the operation changed (a scheduled message) is stored before it is confirmed.
  const durable = context.broker.whenDurable()
  if (durable === undefined) reply(response)
  else
    durable.then(
      () => reply(response),
      (error: unknown) => reply(errorResponse(error)),
    )
}

const errorResponse = (error: unknown): Response => {
  const reply = errorReply(error)
  return { status: reply.status, condition: reply.condition, description: reply.description }
}
