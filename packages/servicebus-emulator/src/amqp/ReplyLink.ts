import type { Sender } from "rhea"

/**
 * The server end of a request/response client's receiver ($cbs or <entity>/$management): responses are addressed
 * to it by link name (the request's reply-to) and wait here while the client has granted no credit.
 */
export class ReplyLink {
  readonly sender: Sender
  private readonly queued: Array<Buffer> = []

  constructor(sender: Sender) {
    this.sender = sender
    sender.on("sendable", () => this.flush())
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
