import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus"
import { AgentLogsStream, BlobArchiveReader, ResourcesStream, redactedConnectionString } from "@haymaker/adapters-sinks"
import { ArchiveReader } from "@haymaker/domain"
import { Effect, Stream } from "effect"
import { SUBSCRIPTION, TOPIC } from "./emulatorProcess.ts"
import { ARCHIVE_CONTAINER, type LocalStack } from "./stack.ts"

/** What one sink holds: for each message id, the sequence numbers of its copies (one per copy). */
export type SinkCopies = Map<string, Array<string>>

export interface DeadLetter {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly reason: string
  readonly description: string
}

export interface Holdings {
  readonly logAnalytics: SinkCopies
  readonly archive: SinkCopies
  /** Archive lines that could not be read back. */
  readonly unreadable: ReadonlyArray<string>
  readonly deadLetters: ReadonlyArray<DeadLetter>
  /** Messages still in the subscription (active, locked or scheduled): none once every worker is done. */
  readonly remaining: number
}

const add = (copies: SinkCopies, messageId: unknown, sequenceNumber: unknown) => {
  const id = String(messageId)
  const list = copies.get(id) ?? []
  list.push(String(sequenceNumber))
  copies.set(id, list)
}

/** Log Analytics rows of both streams, by message id. */
export const logAnalyticsCopies = async (stack: LocalStack): Promise<SinkCopies> => {
  const copies: SinkCopies = new Map()
  for (const stream of [ResourcesStream.stream, AgentLogsStream.stream]) {
    for (const row of await stack.logsIngestion.rows(stream)) add(copies, row.message_id, row.sequence_number)
  }
  return copies
}

/** Archive lines in Azurite, read back with the archive's own reader, by message id. */
export const archiveCopies = async (stack: LocalStack) => {
  const copies: SinkCopies = new Map()
  const unreadable: Array<string> = []
  const entries = await Effect.runPromise(
    Effect.gen(function* () {
      return yield* Stream.runCollect((yield* ArchiveReader).entries())
    }).pipe(
      Effect.provide(
        BlobArchiveReader.layer({
          connectionString: redactedConnectionString(stack.azurite.connectionString),
          container: ARCHIVE_CONTAINER,
        }),
      ),
    ),
  )
  for (const entry of entries) {
    if (entry._tag === "UnreadableLine") unreadable.push(`${entry.location}: ${entry.problem}`)
    else add(copies, entry.messageId, entry.sequenceNumber)
  }
  return { copies, unreadable }
}

const drainPeek = async (receiver: ReturnType<ServiceBusClient["createReceiver"]>) => {
  const found: Array<ServiceBusReceivedMessage> = []
  for (;;) {
    const last = found.at(-1)?.sequenceNumber
    const page = await receiver.peekMessages(250, last === undefined ? {} : { fromSequenceNumber: last.add(1) })
    if (page.length === 0) return found
    found.push(...page)
  }
}

/** The dead-letter queue and what is left in the subscription, peeked (nothing is locked or removed). */
export const brokerHoldings = async (stack: LocalStack) => {
  const client = new ServiceBusClient(stack.emulator.connectionString)
  try {
    const deadLetter = client.createReceiver(TOPIC, SUBSCRIPTION, { subQueueType: "deadLetter" })
    const active = client.createReceiver(TOPIC, SUBSCRIPTION)
    const deadLetters = (await drainPeek(deadLetter)).map((message) => ({
      messageId: String(message.messageId),
      sequenceNumber: String(message.sequenceNumber),
      reason: message.deadLetterReason ?? "",
      description: message.deadLetterErrorDescription ?? "",
    }))
    const remaining = (await drainPeek(active)).length
    return { deadLetters, remaining }
  } finally {
    await client.close()
  }
}

/** Whether the subscription holds no message at all (active, locked or scheduled): every one was settled. */
export const subscriptionEmpty = async (stack: LocalStack): Promise<boolean> => {
  const client = new ServiceBusClient(stack.emulator.connectionString)
  try {
    return (await client.createReceiver(TOPIC, SUBSCRIPTION).peekMessages(1)).length === 0
  } finally {
    await client.close()
  }
}

export const holdings = async (stack: LocalStack): Promise<Holdings> => {
  const [logAnalytics, archive, broker] = await Promise.all([
    logAnalyticsCopies(stack),
    archiveCopies(stack),
    brokerHoldings(stack),
  ])
  return { logAnalytics, archive: archive.copies, unreadable: archive.unreadable, ...broker }
}

export interface SinkAccount {
  /** Expected message ids the sink does not hold. */
  readonly missing: ReadonlyArray<string>
  /** Message ids the sink holds that were never published as valid events. */
  readonly unexpected: ReadonlyArray<string>
  /** Message ids held under more than one sequence number (published twice). */
  readonly republished: ReadonlyArray<string>
  /** Extra copies of a message (same sequence number, written again after a redelivery). */
  readonly duplicates: number
  /** The sequence numbers of those extra copies. */
  readonly duplicatedSequenceNumbers: ReadonlyArray<string>
}

/** Compares a sink's holdings with the valid events that were published. */
export const accountFor = (copies: SinkCopies, expected: ReadonlySet<string>): SinkAccount => {
  const missing = [...expected].filter((id) => !copies.has(id))
  const unexpected = [...copies.keys()].filter((id) => !expected.has(id))
  const republished = [...copies].filter(([, sequences]) => new Set(sequences).size > 1).map(([id]) => id)
  const duplicatedSequenceNumbers = [...copies.values()].flatMap((sequences) =>
    sequences.length > new Set(sequences).size ? [...new Set(sequences)] : [],
  )
  const duplicates = [...copies.values()].reduce((sum, sequences) => sum + sequences.length - 1, 0)
  return { missing, unexpected, republished, duplicates, duplicatedSequenceNumbers }
}
