import { crc32 } from "node:zlib"

/**
 * The journal's binary records: `[u32 body length][u32 CRC-32 of body][body]`, the body starting with a type byte.
 * Numbers are little-endian; times and sequence numbers are float64 (exact up to 2^53, and Infinity for "never").
 */
/** Written first in every journal file (a snapshot starts each one); a reader refuses versions it does not know. */
export const journalFormatVersion = 1

export const recordType = {
  /** u32 format version: the first record of a journal file. */
  format: 12,
  /** u32 store id, string path: names a store for the records that follow (ids are per journal file). */
  store: 1,
  /** u32 payload id, bytes: a message payload, shared by the stores holding a copy. */
  payload: 2,
  /** A message entered a store or changed (see `PutRecord`). */
  put: 3,
  /** u32 store id, f64 sequence number. */
  remove: 4,
  /** string topic, f64 sequence number, u32 payload id, f64 enqueue time. */
  topicScheduled: 5,
  /** string topic, f64 sequence number. */
  topicScheduleEnded: 6,
  /** u8 entity kind, string name, f64 high-water mark. */
  sequence: 7,
  /** u8 entity kind, string name, string JSON definition. */
  entity: 8,
  /** u8 entity kind, string name. */
  entityDeleted: 9,
  /** u32 store id, string session id, optional bytes state (absent: cleared). */
  sessionState: 10,
  /** u8 entity kind, string name, string message id, f64 time recorded. */
  duplicate: 11,
} as const

export const entityKinds = { queue: 0, topic: 1 } as const
export const messageStates = ["active", "deferred", "scheduled"] as const

export interface PutRecord {
  readonly storeId: number
  readonly sequenceNumber: number
  readonly payloadId: number
  readonly enqueuedTimeMs: number
  readonly expiresAtMs: number
  readonly deliveryCount: number
  readonly state: (typeof messageStates)[number]
  readonly hops: number
  readonly deadLetterSource: string | undefined
  /** Application properties changed by the broker, encoded by the payload codec. */
  readonly propertyOverrides: Uint8Array | undefined
}

const headerBytes = 8
const absent = 0xffff_ffff

/** Encodes records into large chunks, so a burst of small records becomes a few buffers for one write. */
export class RecordWriter {
  private chunk: Buffer
  private position = 0
  private recordStart = -1
  private readonly full: Array<Buffer> = []
  private readonly chunkSize: number

  constructor(chunkSize = 256 * 1024) {
    this.chunkSize = chunkSize
    this.chunk = Buffer.allocUnsafe(chunkSize)
  }

  /** Bytes encoded and not yet taken. */
  get size(): number {
    let size = this.position
    for (const buffer of this.full) size += buffer.length
    return size
  }

  begin(type: number): this {
    this.ensure(headerBytes + 1)
    this.recordStart = this.position
    this.position += headerBytes
    this.chunk[this.position++] = type
    return this
  }

  end(): void {
    const bodyStart = this.recordStart + headerBytes
    const body = this.chunk.subarray(bodyStart, this.position)
    this.chunk.writeUInt32LE(body.length, this.recordStart)
    this.chunk.writeUInt32LE(crc32(body), this.recordStart + 4)
    this.recordStart = -1
  }

  u8(value: number): this {
    this.ensure(1)
    this.chunk[this.position++] = value
    return this
  }

  u32(value: number): this {
    this.ensure(4)
    this.chunk.writeUInt32LE(value, this.position)
    this.position += 4
    return this
  }

  f64(value: number): this {
    this.ensure(8)
    this.chunk.writeDoubleLE(value, this.position)
    this.position += 8
    return this
  }

  bytes(value: Uint8Array): this {
    this.u32(value.length)
    this.ensure(value.length)
    this.chunk.set(value, this.position)
    this.position += value.length
    return this
  }

  /** Parts written as one length-prefixed value. */
  concatenated(parts: ReadonlyArray<Uint8Array>): this {
    let length = 0
    for (const part of parts) length += part.length
    this.u32(length)
    this.ensure(length)
    for (const part of parts) {
      this.chunk.set(part, this.position)
      this.position += part.length
    }
    return this
  }

  optionalBytes(value: Uint8Array | undefined): this {
    return value === undefined ? this.u32(absent) : this.bytes(value)
  }

  string(value: string): this {
    const length = Buffer.byteLength(value)
    this.u32(length)
    this.ensure(length)
    this.position += this.chunk.write(value, this.position)
    return this
  }

  optionalString(value: string | undefined): this {
    return value === undefined ? this.u32(absent) : this.string(value)
  }

  /** The encoded records so far (the writer starts empty again). */
  take(): Array<Buffer> {
    if (this.recordStart >= 0) throw new Error("a record is still being written")
    const taken = this.full.splice(0)
    if (this.position > 0) {
      taken.push(this.chunk.subarray(0, this.position))
      this.chunk = Buffer.allocUnsafe(this.chunkSize)
      this.position = 0
    }
    return taken
  }

  /** Drops what was encoded (a snapshot made it obsolete). */
  discard(): void {
    this.full.length = 0
    this.position = 0
    this.recordStart = -1
  }

  /** Room for `bytes` more in the current chunk; a record under construction moves to a bigger chunk whole. */
  private ensure(bytes: number): void {
    if (this.position + bytes <= this.chunk.length) return
    const keepFrom = this.recordStart >= 0 ? this.recordStart : this.position
    const kept = this.position - keepFrom
    const next = Buffer.allocUnsafe(Math.max(this.chunkSize, (kept + bytes) * 2))
    this.chunk.copy(next, 0, keepFrom, this.position)
    if (keepFrom > 0) this.full.push(this.chunk.subarray(0, keepFrom))
    this.chunk = next
    this.position = kept
    if (this.recordStart >= 0) this.recordStart = 0
  }
}

/** Reads the body of one record. */
export class RecordReader {
  private readonly body: Buffer
  private position = 1

  constructor(body: Buffer) {
    this.body = body
  }

  get type(): number {
    return this.body[0] as number
  }

  u8(): number {
    return this.body[this.position++] as number
  }

  u32(): number {
    const value = this.body.readUInt32LE(this.position)
    this.position += 4
    return value
  }

  f64(): number {
    const value = this.body.readDoubleLE(this.position)
    this.position += 8
    return value
  }

  bytes(): Buffer {
    const length = this.u32()
    const value = this.body.subarray(this.position, this.position + length)
    this.position += length
    return value
  }

  optionalBytes(): Buffer | undefined {
    const length = this.body.readUInt32LE(this.position)
    if (length === absent) {
      this.position += 4
      return undefined
    }
    return this.bytes()
  }

  string(): string {
    return this.bytes().toString("utf8")
  }

  optionalString(): string | undefined {
    return this.optionalBytes()?.toString("utf8")
  }
}

/** The valid records of a journal file, and where its valid part ends (a torn or corrupt tail is cut there). */
export const scanRecords = (file: Buffer): { readonly records: Array<RecordReader>; readonly validBytes: number } => {
  const records: Array<RecordReader> = []
  let position = 0
  while (position + headerBytes <= file.length) {
    const length = file.readUInt32LE(position)
    const end = position + headerBytes + length
    if (length === 0 || end > file.length) break
    const body = file.subarray(position + headerBytes, end)
    if (crc32(body) !== file.readUInt32LE(position + 4)) break
    records.push(new RecordReader(body))
    position = end
  }
  return { records, validBytes: position }
}

export const writePut = (writer: RecordWriter, put: PutRecord): void => {
  writer
    .begin(recordType.put)
    .u32(put.storeId)
    .f64(put.sequenceNumber)
    .u32(put.payloadId)
    .f64(put.enqueuedTimeMs)
    .f64(put.expiresAtMs)
    .u32(put.deliveryCount)
    .u8(messageStates.indexOf(put.state))
    .u8(put.hops)
    .optionalString(put.deadLetterSource)
    .optionalBytes(put.propertyOverrides)
    .end()
}

export const readPut = (reader: RecordReader): PutRecord => ({
  storeId: reader.u32(),
  sequenceNumber: reader.f64(),
  payloadId: reader.u32(),
  enqueuedTimeMs: reader.f64(),
  expiresAtMs: reader.f64(),
  deliveryCount: reader.u32(),
  state: messageStates[reader.u8()] ?? "active",
  hops: reader.u8(),
  deadLetterSource: reader.optionalString(),
  propertyOverrides: reader.optionalBytes(),
})
