import { Schema } from "effect"

/** `resourceId` → `resource_id`, at the type level. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

/** `resourceId` → `resource_id`. */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

type Renames<Fields extends Schema.Struct.Fields> = { readonly [K in keyof Fields]?: string }

type WireKeys<Fields extends Schema.Struct.Fields, R extends Renames<Fields>> = {
  readonly [K in keyof Fields]: K extends keyof R ? (R[K] extends string ? R[K] : never) : SnakeCase<K & string>
}

/**
 * A struct whose domain form has the camelCase `fields` and whose wire form (its `Encoded` side) has the same fields
 * under snake_case keys, or under the name `renames` gives. The one description of a record that travels as JSON:
 * decoding renames the keys and runs each field's own decoding; encoding does the reverse.
 */
export const snakeCaseStruct = <const Fields extends Schema.Struct.Fields, const R extends Renames<Fields> = {}>(
  fields: Fields,
  renames?: R,
) => {
  const mapping: Record<string, string> = {}
  for (const key of Object.keys(fields)) {
    const wire = (renames as Record<string, string> | undefined)?.[key] ?? snakeCase(key)
    if (wire !== key) mapping[key] = wire
  }
  return Schema.Struct(fields).pipe(Schema.encodeKeys(mapping as WireKeys<Fields, R>))
}
