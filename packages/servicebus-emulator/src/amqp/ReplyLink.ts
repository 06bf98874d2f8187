import type { Sender, Session } from "rhea"

/**
 * The server end of a request/response client's receiver ($cbs or <entity>/$management): responses wait here while
 * the client has granted no credit.
 */
export class ReplyLink {
  readonly sender: Sender
  readonly name: string
  /** The node the link reads from ("$cbs", "q/$management"), lower-cased. */
  readonly node: string
  private readonly queued: Array<Buffer> = []

  constructor(sender: Sender, node: string) {
    this.sender = sender
    this.name = sender.name
    this.node = node.toLowerCase()
    sender.on("sendable", () => this.flush())
  }

  get session(): Session {
    return this.sender.session
  }

  send(encoded: Buffer): void {
    this.queued.push(encoded)
    this.flush()
  }

  private flush(): void {
    while (this.queued.length > 0 && this.sender.is_open() && this.sender.sendable()) {
      this.sender.send(this.queued.shift() as Buffer, undefined, 0)
    }
  }
}

/** Where a request came from: the node its link targets and that link's session. */
export interface RequestOrigin {
  readonly node: string
  readonly session: Session
}

/** The reply links of one connection, and the rule that picks the one a response goes to. */
export class ReplyLinks {
  private readonly links = new Set<ReplyLink>()

  add(link: ReplyLink): void {
    this.links.add(link)
  }

  delete(link: ReplyLink): void {
    this.links.delete(link)
  }

  /**
   * The JS SDK sets reply-to to its receiver's link name; uamqp (Python, C) sets it to the node's address on
   * management requests and leaves it out on CBS put-token. So: the link named by reply-to, else a link reading from
   * the node reply-to names, else (no reply-to) a link reading from the request's node; among several, the one in
   * the request's session, as request/response clients pair their links in one session.
   */
  route(replyTo: string | undefined, origin: RequestOrigin): ReplyLink | undefined {
    if (replyTo !== undefined && replyTo !== "") {
      for (const link of this.links) if (link.name === replyTo) return link
    }
    const node = (replyTo === undefined || replyTo === "" ? origin.node : replyTo).toLowerCase()
    let match: ReplyLink | undefined
    for (const link of this.links) {
      if (link.node !== node) continue
      if (link.session === origin.session) return link
      match ??= link
    }
    return match
  }
}
