import type { DeadLetter } from "@haymaker/domain"
import { DateTime } from "effect"

/** A dead-lettered message as `dlq peek` prints it: one JSON object per line, for an operator (or `jq`). */
export interface DeadLetterLine {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly reason: string
  readonly description: string
  readonly deliveryCount: number
  readonly enqueuedTime: string
  /** The first characters of the body, decoded as text when it is bytes. */
  readonly bodyPreview: string
}

const previewLength = 120

/**
 * The body as text, for a preview: bytes decoded as UTF-8 (only as many as the preview shows), an AMQP value or
 * sequence as JSON when JSON can write it. Dead letters are often poison: nothing here may throw (a body nested
 * thousands of levels deep overflows JSON.stringify).
 */
const bodyText = (body: unknown): string => {
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return Buffer.from(body.subarray(0, previewLength * 4)).toString("utf8")
  try {
    return JSON.stringify(body) ?? String(body)
  } catch (error) {
    return `(${error instanceof Error ? error.message : "unprintable"})`
  }
}

export const deadLetterLine = (letter: DeadLetter): DeadLetterLine => {
  const text = bodyText(letter.body)
  return {
    messageId: letter.messageId,
    sequenceNumber: letter.sequenceNumber.toString(),
    reason: letter.reason ?? "",
    description: letter.description ?? "",
    deliveryCount: letter.deliveryCount,
    enqueuedTime: DateTime.formatIso(letter.enqueuedTime),
    bodyPreview: text.length > previewLength ? `${text.slice(0, previewLength)}…` : text,
  }
}
