/** What a fault rule can look at to decide whether it applies to a request. */
export interface FaultTarget {
  readonly ruleId: string
  readonly stream: string
  /** The decoded rows of the request body. */
  readonly rows: ReadonlyArray<unknown>
}

export interface FaultScope {
  /** Applies to this many matching requests, then expires. */
  readonly count?: number
  /** Applies to matching requests for this long from now. Without count or duration a rule lasts until cleared. */
  readonly durationMs?: number
  /** Restricts the rule to some requests (e.g. those carrying a given message id). */
  readonly match?: (target: FaultTarget) => boolean
  /**
   * Restricts the rule to requests carrying a row whose `column` is a string starting with `prefix`: a `match` that
   * crosses a process boundary (the server in a child process), e.g. the rows the service refuses.
   */
  readonly rows?: { readonly column: string; readonly prefix: string }
}

export interface ThrottleOptions extends Omit<FaultScope, "count"> {
  /** Seconds in `Retry-After` (default 1). */
  readonly retryAfterSeconds?: number
  /** Also send `retry-after-ms`, which the Azure SDK prefers over `Retry-After`. */
  readonly retryAfterMs?: number
}

export interface FailOptions extends FaultScope {
  /** Adds `Retry-After` (meaningful with 503, which the SDK then treats as throttling). */
  readonly retryAfterSeconds?: number
}

/** An injected error response. */
export interface FaultResponse {
  readonly status: number
  readonly code: string
  readonly headers: Readonly<Record<string, string>>
}

export interface LogsIngestionFaults {
  /** The next `count` matching requests get 429 with `Retry-After`. */
  readonly throttle: (count: number, options?: ThrottleOptions) => void
  /**
   * Matching requests get `status` (500, 503, or a rejection such as 400/403) for `count` requests, for `durationMs`,
   * or until cleared.
   */
  readonly fail: (status: number, options?: FailOptions) => void
  /** Matching requests are answered only after `delayMs`. */
  readonly slow: (delayMs: number, options?: FaultScope) => void
  /** Removes every rule. */
  readonly clear: () => void
}

interface Rule {
  readonly match: (target: FaultTarget) => boolean
  remaining: number
  readonly until: number
}

interface ResponseRule extends Rule {
  readonly response: FaultResponse
}

interface DelayRule extends Rule {
  readonly delayMs: number
}

const CODES: Readonly<Record<number, string>> = {
  400: "InvalidRequest",
  401: "InvalidAuthenticationToken",
  403: "AuthorizationFailed",
  404: "NotFound",
  413: "ContentLengthLimitExceeded",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
}

const rowsMatch =
  ({ column, prefix }: NonNullable<FaultScope["rows"]>) =>
  (target: FaultTarget): boolean =>
    target.rows.some((row) => {
      const value = (row as Record<string, unknown> | null)?.[column]
      return typeof value === "string" && value.startsWith(prefix)
    })

const makeRule = (scope: FaultScope) => ({
  match: scope.match ?? (scope.rows === undefined ? () => true : rowsMatch(scope.rows)),
  remaining: scope.count ?? Number.POSITIVE_INFINITY,
  until: scope.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + scope.durationMs,
})

const take = <R extends Rule>(rules: Array<R>, target: FaultTarget): R | undefined => {
  const now = Date.now()
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]
    if (rule !== undefined && (rule.remaining <= 0 || rule.until < now)) rules.splice(i, 1)
  }
  const rule = rules.find((candidate) => candidate.match(target))
  if (rule !== undefined) rule.remaining -= 1
  return rule
}

/** The server's fault rules: the first live matching rule answers; each use consumes one of its count. */
export const makeFaults = () => {
  const responses: Array<ResponseRule> = []
  const delays: Array<DelayRule> = []
  const faults: LogsIngestionFaults = {
    throttle: (count, options = {}) => {
      const headers: Record<string, string> = { "retry-after": String(options.retryAfterSeconds ?? 1) }
      if (options.retryAfterMs !== undefined) headers["retry-after-ms"] = String(options.retryAfterMs)
      responses.push({
        ...makeRule({ ...options, count }),
        response: { status: 429, code: "TooManyRequests", headers },
      })
    },
    fail: (status, options = {}) => {
      const headers: Record<string, string> =
        options.retryAfterSeconds === undefined ? {} : { "retry-after": String(options.retryAfterSeconds) }
      responses.push({ ...makeRule(options), response: { status, code: CODES[status] ?? "Error", headers } })
    },
    slow: (delayMs, options = {}) => {
      delays.push({ ...makeRule(options), delayMs })
    },
    clear: () => {
      responses.length = 0
      delays.length = 0
    },
  }
  return {
    faults,
    responseFor: (target: FaultTarget): FaultResponse | undefined => take(responses, target)?.response,
    delayFor: (target: FaultTarget): number => take(delays, target)?.delayMs ?? 0,
  }
}
