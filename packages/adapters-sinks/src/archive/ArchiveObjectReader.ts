import { type ArchiveEntry, type ArchiveQuery, ArchiveReadError } from "@haymaker/domain"
import { type Array as Arr, DateTime, Stream } from "effect"
import { ArchiveLineBatcher, readLineBatch } from "./ArchiveLines.ts"
import { mayHoldSince } from "./ObjectTime.ts"

/** What a store (Blob container, folder) gives the archive readers: object names and their bytes. */
export interface ArchiveObjectSource {
  /** Every object name under the archive's prefix, streamed. */
  readonly names: () => AsyncIterable<string>
  /** An object's bytes in chunks; `undefined` when the object went away since it was listed. */
  readonly open: (name: string) => Promise<AsyncIterable<Buffer> | undefined>
  /** Maps a failure of listing (`name` undefined) or of reading an object onto the port's error. */
  readonly failure: (error: unknown, name: string | undefined) => ArchiveReadError
  /** Objects opened at the same time: the one being read, and those opened ahead of it to hide their latency. */
  readonly concurrency: number
}

/** An object opened ahead of its turn. */
interface Opening {
  readonly name: string
  readonly chunks: Promise<AsyncIterable<Buffer> | undefined>
}

/** Lets go of an object opened ahead and never read (closes its file or download). */
const abandon = (opening: Opening): void => {
  opening.chunks.then(
    (chunks) => void chunks?.[Symbol.asyncIterator]().return?.(),
    () => undefined,
  )
}

/**
 * The entries of the archive, one array per chunk read: each chunk's whole lines are parsed only when the consumer
 * asks for the next array, in one synchronous pass, so what one line parses into is garbage before the next chunk is
 * read and never outlives the young generation. Objects are read one after the other, each opened `concurrency - 1`
 * objects ahead of its turn (a download's first bytes arrive while the one before is parsed); what is read ahead
 * stays bytes, outside the JavaScript heap.
 */
async function* entryArrays(
  source: ArchiveObjectSource,
  since: number | undefined,
): AsyncGenerator<Arr.NonEmptyReadonlyArray<ArchiveEntry>> {
  const names = source.names()[Symbol.asyncIterator]()
  const ahead: Array<Opening> = []
  let listed = false
  try {
    for (;;) {
      while (!listed && ahead.length < Math.max(1, source.concurrency)) {
        let next: IteratorResult<string>
        try {
          next = await names.next()
        } catch (error) {
          throw source.failure(error, undefined)
        }
        if (next.done === true) listed = true
        else if (mayHoldSince(next.value, since)) {
          const chunks = source.open(next.value)
          // Its failure is reported when its turn comes; until then it must not count as unhandled.
          chunks.catch(() => undefined)
          ahead.push({ name: next.value, chunks })
        }
      }
      const object = ahead.shift()
      if (object === undefined) return
      const batcher = new ArchiveLineBatcher(object.name)
      let entries: Array<ArchiveEntry> = []
      try {
        const chunks = await object.chunks
        if (chunks === undefined) continue
        for await (const chunk of chunks) {
          for (const batch of batcher.push(chunk)) readLineBatch(batch, since, entries)
          if (entries.length > 0) {
            yield entries as unknown as Arr.NonEmptyReadonlyArray<ArchiveEntry>
            entries = []
          }
        }
      } catch (error) {
        throw error instanceof ArchiveReadError ? error : source.failure(error, object.name)
      }
      for (const batch of batcher.end()) readLineBatch(batch, since, entries)
      if (entries.length > 0) yield entries as unknown as Arr.NonEmptyReadonlyArray<ArchiveEntry>
    }
  } finally {
    for (const opening of ahead) abandon(opening)
    await names.return?.()
  }
}

/**
 * The archive's entries from a store, in the port's terms: objects listed as a stream, those the `since` bound rules
 * out by their names skipped, the others read as their bytes arrive and cut into whole lines, so memory holds a few
 * chunks per object, never an object or the archive whole. Each chunk's entries are one chunk of the stream, parsed
 * when the consumer pulls it (see {@link entryArrays}): a consumer that folds each chunk in one loop keeps nothing of
 * a line but what it folds.
 */
export const archiveEntries = (
  source: ArchiveObjectSource,
  query: ArchiveQuery = {},
): Stream.Stream<ArchiveEntry, ArchiveReadError> => {
  const since = query.since === undefined ? undefined : DateTime.toEpochMillis(query.since)
  // Suspended: each run of the stream lists and reads the archive afresh.
  return Stream.suspend(() =>
    Stream.fromAsyncIterable(entryArrays(source, since), (error) =>
      error instanceof ArchiveReadError ? error : source.failure(error, undefined),
    ),
  ).pipe(Stream.flattenArray)
}
