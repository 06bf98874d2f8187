import { BrokerError } from "../broker/BrokerError.ts"
import type { MessageStore } from "../broker/MessageStore.ts"
import { SessionStore } from "../broker/sessions/SessionStore.ts"
import { map, ok, type Response } from "./requestResponse.ts"
import { type DecodedMessage, types } from "./rheaTypes.ts"

type Body = Readonly<Record<string, unknown>>

/** The session a management request is about (`session-id`), if it names one. */
export const sessionIdOfRequest = (body: Body): string | undefined => {
  const id = body["session-id"]
  return typeof id === "string" ? id : undefined
}

/** The receiver link a request is made for (`associated-link-name`): session operations check it holds the lock. */
export const associatedLinkName = (request: DecodedMessage): string | undefined => {
  const name = request.application_properties?.["associated-link-name"]
  return typeof name === "string" ? name : undefined
}

export const sessionStoreOf = (store: MessageStore, path: string): SessionStore => {
  if (store instanceof SessionStore) return store
  throw new BrokerError("InvalidOperation", `'${path}' does not require sessions: it has no session locks or state.`)
}

const requiredSessionId = (body: Body): string => {
  const id = sessionIdOfRequest(body)
  if (id === undefined) throw new BrokerError("InvalidOperation", "The request has no 'session-id'.")
  return id
}

export const renewSessionLock = (store: SessionStore, body: Body, request: DecodedMessage): Response => {
  const lockedUntilMs = store.renewSessionLock(requiredSessionId(body), associatedLinkName(request))
  return ok(map([["expiration", types.wrap_timestamp(lockedUntilMs)]]))
}

export const getSessionState = (store: SessionStore, body: Body, request: DecodedMessage): Response => {
  const state = store.getSessionState(requiredSessionId(body), associatedLinkName(request))
  return ok(map([["session-state", state === undefined ? types.Null() : types.wrap_binary(state)]]))
}

export const setSessionState = (store: SessionStore, body: Body, request: DecodedMessage): Response => {
  const raw = body["session-state"]
  if (raw !== undefined && raw !== null && !Buffer.isBuffer(raw)) {
    throw new BrokerError("InvalidOperation", "'session-state' must be binary or null.")
  }
  store.setSessionState(requiredSessionId(body), associatedLinkName(request), raw ?? undefined)
  return ok(map([]))
}
