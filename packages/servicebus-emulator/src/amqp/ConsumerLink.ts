import type { Delivery, EventContext, Sender } from "rhea"
import type { Broker } from "../broker/Broker.ts"
import { BrokerError } from "../broker/BrokerError.ts"
import type { BrokeredMessage } from "../broker/BrokeredMessage.ts"
import { Fifo } from "../broker/Fifo.ts"
import type { Consumer, MessageStore, ReceiveMode } from "../broker/MessageStore.ts"
import type { Logger } from "../log.ts"
import { errorReply } from "./conditions.ts"
import { encodeDelivery } from "./encodeDelivery.ts"
import { answerDrainsAlways, forgetSettledDelivery, type SenderInternals, senderInternals } from "./rheaInternals.ts"
import { type AmqpError, messageHelpers } from "./rheaTypes.ts"
import { settleInTurn } from "./settleInTurn.ts"

const deadLetterCondition = "com.microsoft:dead-letter"

/** rhea unwraps outcomes into composite instances whose constructor names the outcome. */
const outcomeKind = (state: unknown): string | undefined =>
  (state as { constructor?: { composite_type?: string } } | undefined)?.constructor?.composite_type

/** Where a consumer link's messages come from: a store, or one session of a session-enabled store. */
export type Feed = Pick<MessageStore, "attach" | "detach" | "pump">

interface Outcome {
  readonly error?: AmqpError
  readonly undeliverable_here?: boolean
  readonly message_annotations?: Record<string, unknown>
}

/**
 * A client's receiver on a queue, subscription or dead-letter queue. Messages flow as link credit allows; in
 * peek-lock the delivery tag is the lock token and the client's disposition (complete, abandon, defer,
 * dead-letter) is applied and then settled with the result, an error state when the lock was lost.
 */
export class ConsumerLink implements Consumer {
  readonly mode: ReceiveMode
  private readonly link: Sender
  private readonly internals: SenderInternals
  private readonly store: MessageStore
  private readonly feed: Feed
  private readonly broker: Broker
  private readonly logger: Logger
  /** Delivery ids handed to rhea but not yet transmitted: they already use credit rhea has not deducted yet. */
  private readonly untransmitted = new Fifo<number>()
  private readonly lockTokens = new Map<number, number>()

  constructor(
    link: Sender,
    store: MessageStore,
    broker: Broker,
    mode: ReceiveMode,
    logger: Logger,
    feed: Feed = store,
  ) {
    this.link = link
    this.internals = senderInternals(link)
    this.store = store
    this.feed = feed
    this.broker = broker
    this.mode = mode
    this.logger = logger
    answerDrainsAlways(link)
    link.on("sender_flow", () => this.feed.pump())
    link.on("sendable", () => this.feed.pump())
    link.on("sender_draining", () => {
      this.feed.pump()
      link.set_drained(true)
    })
    const settle = (context: EventContext) => {
      if (context.delivery !== undefined) this.onDisposition(context.delivery)
    }
    link.on("accepted", settle)
    link.on("rejected", settle)
    link.on("released", settle)
    link.on("modified", settle)
    feed.attach(this)
  }

  capacity(): number {
    if (!this.link.is_open()) return 0
    const outgoing = this.internals.session.outgoing
    while (this.untransmitted.length > 0 && (this.untransmitted.peek() as number) < outgoing.next_pending_delivery) {
      this.untransmitted.shift()
    }
    return Math.min(this.internals.credit - this.untransmitted.length, outgoing.available())
  }

  deliver(message: BrokeredMessage, deliveryCount: number): void {
    const token = message.lock?.token ?? this.broker.lockTokens.issue()
    const delivery = this.link.send(
      encodeDelivery(message, deliveryCount),
      this.broker.lockTokens.toDeliveryTag(token),
      0,
    )
    this.untransmitted.push(delivery.id)
    if (this.mode === "peekLock") this.lockTokens.set(delivery.id, token)
  }

  detach(): void {
    this.feed.detach(this)
  }

  storeDeleted(path: string): void {
    if (!this.link.is_open()) return
    this.link.close({
      condition: "amqp:not-found",
      description: `The messaging entity '${path}' was deleted. status-code: 404`,
    })
  }

  private onDisposition(delivery: Delivery): void {
    if (delivery.settled) return
    const token = this.lockTokens.get(delivery.id)
    this.lockTokens.delete(delivery.id)
    const outcome = (delivery.remote_state ?? {}) as Outcome
    const kind = outcomeKind(delivery.remote_state)
    let state: unknown
    let accepted = false
    try {
      const { message } = this.broker.lockedMessage(token, this.store)
      if (kind === "accepted") {
        this.store.complete(message)
      } else if (kind === "rejected") {
        const info = { ...(outcome.error?.info ?? {}) }
        const reason = typeof info.DeadLetterReason === "string" ? info.DeadLetterReason : undefined
        const description =
          typeof info.DeadLetterErrorDescription === "string" ? info.DeadLetterErrorDescription : undefined
        delete info.DeadLetterReason
        delete info.DeadLetterErrorDescription
        if (outcome.error?.condition !== undefined && outcome.error.condition !== deadLetterCondition) {
          this.logger.debug("rejected outcome treated as dead-letter", { condition: outcome.error.condition })
        }
        this.store.deadLetterLocked(message, reason, description, info)
      } else if (kind === "modified" && outcome.undeliverable_here === true) {
        this.store.defer(message, outcome.message_annotations)
      } else {
        this.store.abandon(message, kind === "modified" ? outcome.message_annotations : undefined)
      }
      // The SDK fails a settlement whose returned state carries an error, so success is always "accepted".
      state = messageHelpers.accepted().described()
      accepted = true
    } catch (error) {
      if (!(error instanceof BrokerError)) this.logger.error("settlement failed", { error })
      const reply = errorReply(error)
      state = messageHelpers
        .rejected({ error: { condition: reply.condition, description: reply.description } })
        .described()
    }
    // The broker applied the settlement above; only its answer may wait for a turn of its own.
    settleInTurn(delivery, accepted, () => {
      delivery.update(true, state)
      forgetSettledDelivery(delivery)
    })
  }
}
