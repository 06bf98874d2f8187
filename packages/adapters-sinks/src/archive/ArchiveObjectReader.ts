import type { ArchiveEntry, ArchiveQuery, ArchiveReadError } from "@haymaker/domain"
import { DateTime, Stream } from "effect"
import { ArchiveLineBatcher, type LineBatch, readLineBatch } from "./ArchiveLines.ts"
import { mayHoldSince } from "./ObjectTime.ts"

/** What a store (Blob container, folder) gives the archive readers: object names and their bytes. */
export interface ArchiveObjectSource {
  /** Every object name under the archive's prefix, streamed. */
  readonly names: () => AsyncIterable<string>
  /** An object's bytes in chunks; `undefined` when the object went away since it was listed. */
  readonly open: (name: string) => Promise<AsyncIterable<Buffer> | undefined>
  /** Maps a failure of listing (`name` undefined) or of reading an object onto the port's error. */
  readonly failure: (error: unknown, name: string | undefined) => ArchiveReadError
  /** Objects read at the same time. */
  readonly concurrency: number
}

async function* batchesOf(source: ArchiveObjectSource, name: string): AsyncGenerator<LineBatch> {
  const chunks = await source.open(name)
  if (chunks === undefined) return
  const batcher = new ArchiveLineBatcher(name)
  for await (const chunk of chunks) yield* batcher.push(chunk)
  yield* batcher.end()
}

/**
 * The archive's entries from a store, in the port's terms: objects listed as a stream, those the `since` bound rules
 * out by their names skipped, the others read `concurrency` at a time and cut into batches of whole lines as their
 * bytes arrive, so memory holds a few chunks per object, never an object or the archive whole. A batch is parsed
 * only when the consumer pulls it: what is read ahead stays bytes outside the JavaScript heap, and the parsed entries
 * of one batch at a time are young garbage. Entries keep the batches they came in.
 */
export const archiveEntries = (
  source: ArchiveObjectSource,
  query: ArchiveQuery = {},
): Stream.Stream<ArchiveEntry, ArchiveReadError> => {
  const since = query.since === undefined ? undefined : DateTime.toEpochMillis(query.since)
  return Stream.fromAsyncIterable(source.names(), (error) => source.failure(error, undefined)).pipe(
    Stream.filter((name) => mayHoldSince(name, since)),
    Stream.flatMap(
      (name) => Stream.fromAsyncIterable(batchesOf(source, name), (error) => source.failure(error, name)),
      { concurrency: source.concurrency },
    ),
    // An array becomes one chunk of the stream (an empty one, none).
    Stream.flatMap((batch) => Stream.fromArray(readLineBatch(batch, since))),
  )
}
