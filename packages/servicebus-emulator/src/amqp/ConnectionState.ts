import type { Connection } from "rhea"
import { ReplyLinks } from "./ReplyLink.ts"
import { scopeCovers } from "./sharedAccessSignature.ts"

/** What the emulator remembers about one client connection: its CBS claims and its reply links. */
export class ConnectionState {
  readonly id: string
  readonly connection: Connection
  /** SASL PLAIN with a valid key grants the whole namespace without CBS (as Service Bus does). */
  namespaceAccess = false
  /** Entity path scopes granted by CBS put-token, with their expiry. */
  private readonly claims = new Map<string, number>()
  readonly replyLinks = new ReplyLinks()

  constructor(id: string, connection: Connection) {
    this.id = id
    this.connection = connection
  }

  grant(scope: string, expiresAtMs: number): void {
    this.claims.set(scope, expiresAtMs)
  }

  isAuthorized(entityPath: string, nowMs: number): boolean {
    if (this.namespaceAccess) return true
    const path = entityPath.toLowerCase()
    for (const [scope, expiresAtMs] of this.claims) {
      if (expiresAtMs > nowMs && scopeCovers(scope, path)) return true
    }
    return false
  }
}
