/**
 * Builds an error without capturing a stack trace. For decoding errors only: they describe a message, not the
 * program, so their stack is always the decoder's own; skipping the capture makes each one about ten times cheaper,
 * which matters when a flood of poison messages arrives. `Error.stackTraceLimit` is restored before returning and
 * nothing else can run in between (the constructor is synchronous).
 */
export const withoutStackTrace = <E>(make: () => E): E => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}
