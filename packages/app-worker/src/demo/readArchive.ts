import { BlobServiceClient } from "@azure/storage-blob"
import type { JsonObject } from "@haymaker/domain"

/** One line of the Blob archive: the message it came from and the event exactly as received. */
export interface ArchivedLine {
  readonly blobName: string
  readonly messageId: string
  /** The message's sequence number: what tells redelivered copies (same) from other events (different). */
  readonly sequenceNumber: string
  readonly event: JsonObject
}

/** Reads every archive line of every container of an account (the local Azurite of the demo and the tests). */
export const readArchive = async (connectionString: string): Promise<Array<ArchivedLine>> => {
  const service = BlobServiceClient.fromConnectionString(connectionString)
  const lines: Array<ArchivedLine> = []
  for await (const container of service.listContainers()) {
    const containerClient = service.getContainerClient(container.name)
    for await (const blob of containerClient.listBlobsFlat()) {
      const content = await containerClient.getBlobClient(blob.name).downloadToBuffer()
      for (const text of content.toString("utf8").split("\n")) {
        if (text.trim() === "") continue
        const parsed = JSON.parse(text) as {
          message: { message_id: string; sequence_number: string }
          event: JsonObject
        }
        lines.push({
          blobName: `${container.name}/${blob.name}`,
          messageId: parsed.message.message_id,
          sequenceNumber: parsed.message.sequence_number,
          event: parsed.event,
        })
      }
    }
  }
  return lines
}
