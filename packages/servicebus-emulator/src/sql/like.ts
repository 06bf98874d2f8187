/**
 * LIKE patterns: `%` any run of characters, `_` exactly one, the escape character makes the next character literal.
 * The whole string must match; comparison is ordinal (case-sensitive), like every string comparison of the language.
 * Characters are UTF-16 code units, as .NET's `char`.
 */
export type LikeCompilation =
  | { readonly ok: true; readonly regex: RegExp }
  | { readonly ok: false; readonly part: "pattern" | "escape"; readonly reason: string }

const special = /[\\^$.*+?()[\]{}|/]/

export const compileLike = (pattern: string, escapeCharacter: string | undefined): LikeCompilation => {
  if (escapeCharacter !== undefined && escapeCharacter.length !== 1) {
    return { ok: false, part: "escape", reason: `the LIKE escape must be one character, got '${escapeCharacter}'` }
  }
  let source = "^"
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === escapeCharacter) {
      const next = pattern[i + 1]
      if (next === undefined) {
        return { ok: false, part: "pattern", reason: `the LIKE pattern '${pattern}' ends with its escape character` }
      }
      source += special.test(next) ? `\\${next}` : next
      i++
    } else if (c === "%") {
      source += "[\\s\\S]*"
    } else if (c === "_") {
      source += "[\\s\\S]"
    } else {
      source += special.test(c) ? `\\${c}` : c
    }
  }
  return { ok: true, regex: new RegExp(`${source}$`) }
}

const cacheLimit = 256
const cache = new Map<string, LikeCompilation>()

/** For patterns that are not constants: compiled ones are kept (a bounded cache; the oldest go first). */
export const cachedLike = (pattern: string, escapeCharacter: string | undefined): LikeCompilation => {
  const key = `${escapeCharacter ?? ""}\u0000${pattern}`
  const known = cache.get(key)
  if (known !== undefined) return known
  const compiled = compileLike(pattern, escapeCharacter)
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string)
  cache.set(key, compiled)
  return compiled
}
