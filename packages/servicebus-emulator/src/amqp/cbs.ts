import { entityPathOf } from "../broker/Broker.ts"
import type { Logger } from "../log.ts"
import type { ConnectionState } from "./ConnectionState.ts"
import { sendResponse } from "./requestResponse.ts"
import { messageHelpers } from "./rheaTypes.ts"
import { checkSharedAccessSignature, type SharedAccessPolicy, scopeCovers } from "./sharedAccessSignature.ts"

const sasTokenType = "servicebus.windows.net:sastoken"

/**
 * Claims-based security: a `put-token` request on `$cbs` carries a SAS token for an audience
 * (`sb://<host>/<entity>`). A valid token grants the connection access to that entity path until it expires.
 */
export const handleCbsRequest = (
  state: ConnectionState,
  encoded: Buffer,
  policies: ReadonlyArray<SharedAccessPolicy>,
  now: number,
  logger: Logger,
): void => {
  let request: ReturnType<typeof messageHelpers.decode>
  try {
    request = messageHelpers.decode(encoded)
  } catch (error) {
    logger.warn("undecodable CBS request", { connection: state.id, error })
    return
  }
  const properties = request.application_properties ?? {}
  const reply = (status: number, description: string) => {
    if (!sendResponse(state, request, { status, description })) {
      logger.warn("CBS reply link missing; response dropped", { connection: state.id })
    }
  }
  if (properties.operation !== "put-token") {
    reply(400, `Unsupported CBS operation '${String(properties.operation)}'; only put-token is supported.`)
    return
  }
  const audience = typeof properties.name === "string" ? properties.name : ""
  if (properties.type !== sasTokenType) {
    reply(
      401,
      `UnsupportedTokenType: the emulator validates only SAS tokens ('${sasTokenType}'), got '${String(properties.type)}'.`,
    )
    return
  }
  const token = typeof request.body === "string" ? request.body : ""
  const check = checkSharedAccessSignature(token, policies, now)
  const path = entityPathOf(audience).toLowerCase()
  if (!check.ok) {
    logger.info("CBS token refused", { connection: state.id, audience: path, reason: check.reason })
    reply(401, check.reason)
    return
  }
  if (!scopeCovers(check.scope, path)) {
    reply(401, `InvalidAudience: the token for '${check.scope}' does not grant access to '${path}'.`)
    return
  }
  state.grant(check.scope, check.expiresAtMs)
  logger.debug("CBS token accepted", { connection: state.id, audience: path })
  reply(202, "Accepted")
}
