import rhea from "rhea"

/**
 * The parts of rhea's encoder and message helpers the emulator uses, typed narrowly. rhea's bundled typings
 * describe them loosely (`any`) or not at all; rhea is pinned to an exact version in package.json.
 */
export interface Typed {
  readonly value: unknown
}

/** A decoded value as rhea's reader gives it: its type descriptor and its value (nested `TypedValue`s in compounds). */
export interface TypedValue extends Typed {
  readonly type: { readonly name: string }
  readonly descriptor?: unknown
}

interface Writer {
  position: number
  write(value: Typed): void
  toBuffer(): Buffer
}

interface Reader {
  read(): TypedValue
}

/** rhea's wrappers and type constructors that take a number (a `Long` may also come as its 8 bytes). */
type NumericWrappers = {
  readonly [K in "wrap_ulong" | "wrap_uint" | "wrap_int" | "wrap_timestamp"]: (value: number) => Typed
} & { readonly wrap_long: (value: number | Buffer) => Typed }
type NumericConstructors = {
  readonly [K in "Ubyte" | "Ushort" | "Uint" | "Byte" | "Short" | "Int" | "Float" | "Double"]: (value: number) => Typed
} & { readonly [K in "Ulong" | "Long"]: (value: number | Buffer) => Typed }

interface Types extends NumericWrappers, NumericConstructors {
  Writer: new (buffer?: Buffer) => Writer
  Reader: new (buffer: Buffer) => Reader
  described(descriptor: Typed, value: Typed): Typed
  wrap(value: unknown): Typed
  wrap_uuid(value: Buffer): Typed
  wrap_binary(value: Buffer): Typed
  wrap_string(value: string): Typed
  wrap_symbol(value: string): Typed
  wrap_boolean(value: boolean): Typed
  wrap_map(value: Readonly<Record<string, unknown>>): Typed
  wrap_symbolic_map(value: Readonly<Record<string, unknown>>): Typed
  wrap_list(value: ReadonlyArray<unknown>): Typed
  wrap_array(value: ReadonlyArray<unknown>, code: number, descriptor: undefined): Typed
  Map32(items: ReadonlyArray<Typed>): Typed
  List32(items: ReadonlyArray<Typed>): Typed
  Null(): Typed
}

export interface DecodedMessage {
  durable?: boolean
  priority?: number
  ttl?: number
  first_acquirer?: boolean
  delivery_count?: number
  delivery_annotations?: Record<string, unknown>
  message_annotations?: Record<string, unknown>
  message_id?: unknown
  user_id?: Buffer
  to?: string
  subject?: string
  reply_to?: string
  correlation_id?: unknown
  content_type?: string
  content_encoding?: string
  absolute_expiry_time?: Date
  creation_time?: Date
  group_id?: string
  group_sequence?: number
  reply_to_group_id?: string
  application_properties?: Record<string, unknown>
  body?: unknown
}

type CompositeFactory = (fields: Readonly<Record<string, unknown>>) => { described(): Typed }

interface MessageHelpers {
  encode(message: Readonly<Record<string, unknown>>): Buffer
  decode(buffer: Buffer): DecodedMessage
  header: CompositeFactory
  properties: CompositeFactory
  accepted(): { described(): Typed }
  rejected(fields: { error: AmqpError }): { described(): Typed }
  released(): { described(): Typed }
}

export interface AmqpError {
  readonly condition: string
  readonly description?: string
  readonly info?: Readonly<Record<string, unknown>>
}

export const types = rhea.types as unknown as Types
export const messageHelpers = rhea.message as unknown as MessageHelpers
