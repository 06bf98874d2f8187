import { entityPathOf } from "../broker/Broker.ts"
import type { Logger } from "../log.ts"
import type { ConnectionState } from "./ConnectionState.ts"
import type { RequestOrigin } from "./ReplyLink.ts"
import { decodeRequest, type Request, type Response, sendResponse } from "./requestResponse.ts"
import { checkSharedAccessSignature, hostOf, type SharedAccessPolicy, scopeCovers } from "./sharedAccessSignature.ts"

const sasTokenType = "servicebus.windows.net:sastoken"

export interface CbsContext {
  readonly policies: ReadonlyArray<SharedAccessPolicy>
  readonly hostnames: ReadonlySet<string>
  readonly logger: Logger
}

const unauthorized = (description: string): Response => ({
  status: 401,
  condition: "amqp:unauthorized-access",
  description,
})

/** The answer to one put-token request; grants the claim on the connection when the token is good. */
const putToken = (state: ConnectionState, request: Request, context: CbsContext, now: number): Response => {
  const properties = request.message.application_properties ?? {}
  if (properties.operation !== "put-token") {
    return {
      status: 400,
      condition: "amqp:not-implemented",
      description: `Unsupported CBS operation '${String(properties.operation)}'; only put-token is supported.`,
    }
  }
  if (properties.type !== sasTokenType) {
    return unauthorized(
      `UnsupportedTokenType: the emulator validates only SAS tokens ('${sasTokenType}'), got '${String(properties.type)}'.`,
    )
  }
  const audience = typeof properties.name === "string" ? properties.name : undefined
  const audienceHost = audience === undefined ? undefined : hostOf(audience)
  if (audience === undefined || audienceHost === undefined || !context.hostnames.has(audienceHost)) {
    return unauthorized(`InvalidAudience: '${String(properties.name)}' is not an address of this namespace.`)
  }
  const token = request.message.body
  if (typeof token !== "string") return unauthorized("InvalidToken: the put-token body is not a token string.")
  const check = checkSharedAccessSignature(token, context.policies, now, context.hostnames)
  const path = entityPathOf(audience).toLowerCase()
  if (!check.ok) {
    context.logger.info("CBS token refused", { connection: state.id, audience: path, reason: check.reason })
    return unauthorized(check.reason)
  }
  if (!scopeCovers(check.scope, path)) {
    return unauthorized(`InvalidAudience: the token for '${check.scope}' does not grant access to '${path}'.`)
  }
  state.grant(check.scope, check.expiresAtMs)
  context.logger.debug("CBS token accepted", { connection: state.id, audience: path })
  return { status: 202, description: "Accepted" }
}

/**
 * Claims-based security: a `put-token` request on `$cbs` carries a SAS token for an audience
 * (`sb://<host>/<entity>`). A valid token grants the connection access to that entity path until it expires. Every
 * request is answered: a malformed one with 401 (or 400 for an unknown operation), never with silence.
 */
export const handleCbsRequest = (
  state: ConnectionState,
  encoded: Buffer,
  origin: RequestOrigin,
  context: CbsContext,
  now: number,
): void => {
  let request: Request
  let response: Response
  try {
    request = decodeRequest(encoded, origin)
    response = putToken(state, request, context, now)
  } catch (error) {
    request ??= { message: {}, messageId: undefined, origin }
    context.logger.error("CBS request failed", { connection: state.id, error })
    response = unauthorized("InvalidToken: the token could not be read.")
  }
  if (!sendResponse(state, request, response)) {
    context.logger.warn("CBS reply link missing; response dropped", { connection: state.id })
  }
}
