import { type ArchiveEntry, type ArchiveQuery, ArchiveReadError, ArchiveReader } from "@haymaker/domain"
import { type Array as Arr, DateTime, Effect, Stream } from "effect"
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

/** Bytes read between two pauses of {@link readArchive}. */
const PAUSE_BYTES = 128 * 1024

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
 * Reads the archive, handing each entry to `emit` as soon as its line is parsed, and pauses (the generator yields)
 * after every 128 KB read and each object: a caller that folds in `emit` keeps nothing of a line but what it folds,
 * and a caller that collects can hand over what it collected between pauses. Objects are read one after the other, each opened
 * `concurrency - 1` objects ahead of its turn (a download's first bytes arrive while the one before is parsed); what
 * is read ahead stays bytes, outside the JavaScript heap. Reading fails with the port's error; what `emit` throws is
 * passed on as it is.
 */
async function* readArchive(
  source: ArchiveObjectSource,
  since: number | undefined,
  emit: (entry: ArchiveEntry) => void,
): AsyncGenerator<void> {
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
      const read = async <A>(step: () => Promise<A>): Promise<A> => {
        try {
          return await step()
        } catch (error) {
          throw source.failure(error, object.name)
        }
      }
      const chunks = await read(() => object.chunks)
      if (chunks === undefined) continue
      const batcher = new ArchiveLineBatcher(object.name)
      const iterator = chunks[Symbol.asyncIterator]()
      let unyielded = 0
      try {
        for (;;) {
          const chunk = await read(() => iterator.next())
          if (chunk.done === true) break
          for (const batch of batcher.push(chunk.value)) readLineBatch(batch, since, emit)
          // A pause per PAUSE_BYTES, not per chunk: downloads arrive in chunks of a few KB, and each pause is a
          // round of promises for the consumer.
          unyielded += chunk.value.length
          if (unyielded >= PAUSE_BYTES) {
            unyielded = 0
            yield
          }
        }
      } finally {
        await iterator.return?.()
      }
      for (const batch of batcher.end()) readLineBatch(batch, since, emit)
      yield
    }
  } finally {
    for (const opening of ahead) abandon(opening)
    await names.return?.()
  }
}

/** The port's error for whatever stopped reading: itself when it is one already. */
const readFailure = (source: ArchiveObjectSource) => (error: unknown) =>
  error instanceof ArchiveReadError ? error : source.failure(error, undefined)

/**
 * The archive's entries from a store, in the port's terms: objects listed as a stream, those the `since` bound rules
 * out by their names skipped, the others read as their bytes arrive and cut into whole lines, so memory holds a few
 * chunks per object, never an object or the archive whole. The entries of each 128 KB read are one chunk of the
 * stream, parsed when the consumer pulls it (see {@link readArchive}).
 */
export const archiveEntries = (
  source: ArchiveObjectSource,
  query: ArchiveQuery = {},
): Stream.Stream<ArchiveEntry, ArchiveReadError> => {
  const since = sinceOf(query)
  // Suspended: each run of the stream lists and reads the archive afresh.
  return Stream.suspend(() => {
    let entries: Array<ArchiveEntry> = []
    const chunks = async function* () {
      for await (const _ of readArchive(source, since, (entry) => entries.push(entry))) {
        if (entries.length === 0) continue
        const chunk = entries as unknown as Arr.NonEmptyReadonlyArray<ArchiveEntry>
        entries = []
        yield chunk
      }
    }
    return Stream.fromAsyncIterable(chunks(), readFailure(source))
  }).pipe(Stream.flattenArray)
}

/**
 * Hands every entry of the archive to `f` as its line is parsed, a pause every 128 KB read (see {@link readArchive}):
 * the way to fold a large archive, since nothing of a line outlives the call. Interrupting it stops the reading and
 * closes what is open. What `f` throws is a defect, not a failure to read.
 */
export const forEachArchiveEntry = (
  source: ArchiveObjectSource,
  query: ArchiveQuery,
  f: (entry: ArchiveEntry) => void,
): Effect.Effect<void, ArchiveReadError> =>
  Effect.promise(async (signal): Promise<ArchiveReadError | undefined> => {
    try {
      for await (const _ of readArchive(source, sinceOf(query), f)) if (signal.aborted) return undefined
      return undefined
    } catch (error) {
      // readArchive maps every failure to read onto the port's error.
      if (error instanceof ArchiveReadError) return error
      throw error
    }
  }).pipe(Effect.flatMap((failure) => (failure === undefined ? Effect.void : Effect.fail(failure))))

const sinceOf = (query: ArchiveQuery): number | undefined =>
  query.since === undefined ? undefined : DateTime.toEpochMillis(query.since)

/** The {@link ArchiveReader} of a store: both ways of reading it over one {@link ArchiveObjectSource}. */
export const archiveReaderOf = (description: string, source: ArchiveObjectSource): ArchiveReader["Service"] =>
  ArchiveReader.of({
    description,
    entries: (query) => archiveEntries(source, query),
    forEach: (query, f) => forEachArchiveEntry(source, query, f),
  })
