import type { ArchiveEntry, ArchiveQuery, ArchiveReadError } from "@haymaker/domain"
import { DateTime, Stream } from "effect"
import { ArchiveLineSplitter } from "./ArchiveLines.ts"
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

async function* entriesOf(
  source: ArchiveObjectSource,
  name: string,
  since: number | undefined,
): AsyncGenerator<ReadonlyArray<ArchiveEntry>> {
  const chunks = await source.open(name)
  if (chunks === undefined) return
  const splitter = new ArchiveLineSplitter(name, since)
  for await (const chunk of chunks) {
    const entries = splitter.push(chunk)
    if (entries.length > 0) yield entries
  }
  const last = splitter.end()
  if (last.length > 0) yield last
}

/**
 * The archive's entries from a store, in the port's terms: objects listed as a stream, those the `since` bound rules
 * out by their names skipped, the others read `concurrency` at a time and split into lines as their bytes arrive, so
 * memory holds a few chunks per object, never an object or the archive whole. Entries keep the chunks they came in.
 */
export const archiveEntries = (
  source: ArchiveObjectSource,
  query: ArchiveQuery = {},
): Stream.Stream<ArchiveEntry, ArchiveReadError> => {
  const since = query.since === undefined ? undefined : DateTime.toEpochMillis(query.since)
  return Stream.fromAsyncIterable(source.names(), (error) => source.failure(error, undefined)).pipe(
    Stream.filter((name) => mayHoldSince(name, since)),
    Stream.flatMap(
      (name) =>
        Stream.fromAsyncIterable(entriesOf(source, name, since), (error) => source.failure(error, name)).pipe(
          Stream.map((entries) => entries as readonly [ArchiveEntry, ...Array<ArchiveEntry>]),
          Stream.flattenArray,
        ),
      { concurrency: source.concurrency },
    ),
  )
}
