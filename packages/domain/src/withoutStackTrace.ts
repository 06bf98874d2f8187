/**
 * Builds an error without capturing a stack trace. For decoding errors only: they describe a message, not the
 * program, so their stack is always the decoder's own, and a flood of poison messages should not pay for capturing it
 * (BENCHMARKS.md). `Error.stackTraceLimit` is restored before returning and nothing else can run in between (the
 * constructor is synchronous).
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
