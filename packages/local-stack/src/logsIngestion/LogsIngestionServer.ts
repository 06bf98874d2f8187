import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { gunzipSync } from "node:zlib"
import { type GeneratedCertificate, generateCertificate } from "@haymaker/servicebus-emulator"
import { type FaultTarget, type LogsIngestionFaults, makeFaults } from "./Faults.ts"
import { type DataCollectionRuleDeclaration, rowProblem } from "./StreamDeclarations.ts"

export const LOGS_INGESTION_API_VERSION = "2023-01-01"
/**
 * The versions the service answers: 2023-01-01 (the JS SDK, current Python SDKs) and 2021-11-01-preview, which the
 * Python SDK Debian ships (azure-monitor-ingestion 1.0.0b2) still sends.
 */
export const LOGS_INGESTION_API_VERSIONS: ReadonlyArray<string> = [LOGS_INGESTION_API_VERSION, "2021-11-01-preview"]
/** The documented per-call limit ("1 MB"), applied to the compressed and the decompressed body. */
export const LOGS_INGESTION_MAX_BODY_BYTES = 1024 * 1024

export interface LogsIngestionServerOptions {
  /** The data collection rules the server accepts, each with its stream declarations. */
  readonly rules: ReadonlyArray<DataCollectionRuleDeclaration>
  /** Body limit in bytes (default 1 MiB); larger calls get 413. */
  readonly maxBodyBytes?: number
  /** Accepted `api-version` values (default `LOGS_INGESTION_API_VERSIONS`). */
  readonly apiVersions?: ReadonlyArray<string>
  /** Decides whether a bearer token is valid (default: any non-empty token). */
  readonly acceptToken?: (token: string) => boolean
  /** The real service also takes uncompressed bodies; the SDK always gzips, so by default the server insists. */
  readonly requireGzip?: boolean
  /** Port on 127.0.0.1 (default 0: a free one). */
  readonly port?: number
  /** The TLS key and certificate to serve, with their authority (default: generated for this server). */
  readonly certificate?: GeneratedCertificate
  /**
   * Keep accepted rows and recorded requests for `rows`, `uploads` and `requests` (default true). A server that runs
   * for days (the worker's local stack) turns this off and hands each accepted upload to `onAccepted` instead.
   */
  readonly retain?: boolean
  /** Called with every accepted upload, after its rows were validated. */
  readonly onAccepted?: (upload: AcceptedUpload) => void
}

/** One accepted upload: the rows exactly as they arrived. */
export interface AcceptedUpload {
  readonly ruleId: string
  readonly stream: string
  /** `x-ms-client-request-id` of the call (or a generated id when the client sent none). */
  readonly requestId: string
  readonly rows: ReadonlyArray<Record<string, unknown>>
}

/** Every request the server answered, in order. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly ruleId: string | undefined
  readonly stream: string | undefined
  readonly requestId: string
  readonly status: number
  readonly errorCode: string | undefined
  readonly errorMessage: string | undefined
  readonly rowCount: number | undefined
  readonly compressedBytes: number
  readonly authorization: string | undefined
}

export interface LogsIngestionServer {
  /** `https://127.0.0.1:<port>`: the data collection endpoint to give the client. */
  readonly endpoint: string
  readonly port: number
  /** PEM certificate of the authority that signed the server's certificate: what clients trust (`tlsOptions: { ca }`). */
  readonly ca: string
  /** Accepted rows of a stream (optionally of one rule), in arrival order. */
  readonly rows: (stream: string, ruleId?: string) => ReadonlyArray<Record<string, unknown>>
  readonly uploads: () => ReadonlyArray<AcceptedUpload>
  readonly requests: () => ReadonlyArray<RecordedRequest>
  /** Forgets accepted rows and recorded requests (fault rules stay). */
  readonly reset: () => void
  readonly faults: LogsIngestionFaults
  /** Stops listening and drops open connections. Idempotent. */
  readonly close: () => Promise<void>
}

class Reply {
  readonly status: number
  readonly code: string | undefined
  readonly message: string | undefined
  readonly headers: Readonly<Record<string, string>>
  constructor(status: number, code?: string, message?: string, headers: Readonly<Record<string, string>> = {}) {
    this.status = status
    this.code = code
    this.message = message
    this.headers = headers
  }
}

const ROUTE = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/

const decodeQuery = (search: string): Map<string, string> => {
  const query = new Map<string, string>()
  for (const pair of search.replace(/^\?/, "").split("&")) {
    if (pair === "") continue
    const [key = "", value = ""] = pair.split("=", 2)
    // The SDK sends the key as `api%2Dversion`: keys are matched after percent-decoding, as the service does.
    query.set(decodeURIComponent(key.replace(/\+/g, " ")), decodeURIComponent(value.replace(/\+/g, " ")))
  }
  return query
}

interface Body {
  readonly bytes: Buffer
  readonly length: number
  readonly truncated: boolean
}

/** Reads the whole body but keeps at most `limit + 1` bytes, so an oversized call cannot exhaust memory. */
const readBody = (req: IncomingMessage, limit: number): Promise<Body> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let kept = 0
    let length = 0
    req.on("data", (chunk: Buffer) => {
      length += chunk.length
      if (kept <= limit) {
        chunks.push(chunk)
        kept += chunk.length
      }
    })
    req.on("end", () => resolve({ bytes: Buffer.concat(chunks), length, truncated: length > kept }))
    req.on("error", reject)
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * A local stand-in for the Azure Monitor Logs Ingestion API that enforces its HTTP contract, over HTTPS because the
 * Azure SDK refuses to send bearer tokens over plain http.
 */
export const startLogsIngestionServer = async (options: LogsIngestionServerOptions): Promise<LogsIngestionServer> => {
  const maxBodyBytes = options.maxBodyBytes ?? LOGS_INGESTION_MAX_BODY_BYTES
  const apiVersions = options.apiVersions ?? LOGS_INGESTION_API_VERSIONS
  const acceptToken = options.acceptToken ?? ((token: string) => token.length > 0)
  const requireGzip = options.requireGzip ?? true
  const rules = new Map(options.rules.map((rule) => [rule.immutableId, rule.streamDeclarations]))
  const { faults, responseFor, delayFor } = makeFaults()
  const accepted: Array<AcceptedUpload> = []
  const recorded: Array<RecordedRequest> = []
  const retain = options.retain ?? true
  const { key, cert, ca } = options.certificate ?? generateCertificate()

  const decide = async (
    req: IncomingMessage,
    body: Body,
    route: { ruleId?: string; stream?: string; rowCount?: number },
    requestId: string,
  ): Promise<Reply> => {
    const url = new URL(req.url ?? "/", "https://localhost")
    const matched = ROUTE.exec(url.pathname)
    if (req.method !== "POST" || matched === null) {
      return new Reply(404, "NotFound", `No route for ${req.method} ${url.pathname}`)
    }
    const ruleId = decodeURIComponent(matched[1] ?? "")
    const stream = decodeURIComponent(matched[2] ?? "")
    route.ruleId = ruleId
    route.stream = stream

    const apiVersion = decodeQuery(url.search).get("api-version")
    if (apiVersion === undefined)
      return new Reply(400, "MissingApiVersionParameter", "The api-version query is required")
    if (!apiVersions.includes(apiVersion)) {
      return new Reply(
        400,
        "UnsupportedApiVersion",
        `api-version ${apiVersion} is not one of ${apiVersions.join(", ")}`,
      )
    }

    const authorization = req.headers.authorization
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1]?.trim()
    if (token === undefined || !acceptToken(token)) {
      return new Reply(401, "InvalidAuthenticationToken", "A valid bearer token is required in Authorization", {
        "www-authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common"',
      })
    }

    const declarations = rules.get(ruleId)
    if (declarations === undefined) {
      return new Reply(404, "DataCollectionRuleNotFound", `Data collection rule ${ruleId} does not exist`)
    }
    const columns = declarations[stream]?.columns
    if (columns === undefined) {
      return new Reply(404, "InvalidStream", `Stream ${stream} is not declared in data collection rule ${ruleId}`)
    }

    if (body.truncated || body.length > maxBodyBytes) {
      return new Reply(413, "ContentLengthLimitExceeded", `Body of ${body.length} bytes exceeds ${maxBodyBytes}`)
    }
    const encoding = (req.headers["content-encoding"] ?? "").toLowerCase()
    if (encoding !== "gzip" && (requireGzip || (encoding !== "" && encoding !== "identity"))) {
      return new Reply(400, "InvalidContentEncoding", `Content-Encoding must be gzip, got '${encoding}'`)
    }
    if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
      return new Reply(400, "InvalidContentType", "Content-Type must be application/json")
    }
    let text: string
    try {
      text = (encoding === "gzip" ? gunzipSync(body.bytes, { maxOutputLength: maxBodyBytes }) : body.bytes).toString(
        "utf8",
      )
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        return new Reply(413, "ContentLengthLimitExceeded", `Decompressed body exceeds ${maxBodyBytes} bytes`)
      }
      return new Reply(400, "InvalidContentEncoding", `Body is not valid gzip: ${(error as Error).message}`)
    }
    let rows: unknown
    try {
      rows = JSON.parse(text)
    } catch (error) {
      return new Reply(400, "InvalidJson", `Body is not JSON: ${(error as Error).message}`)
    }
    if (!Array.isArray(rows)) return new Reply(400, "InvalidRequestBody", "Body must be a JSON array of rows")
    route.rowCount = rows.length

    const target: FaultTarget = { ruleId, stream, rows }
    const delayMs = delayFor(target)
    if (delayMs > 0) await sleep(delayMs)
    const fault = responseFor(target)
    if (fault !== undefined) {
      return new Reply(fault.status, fault.code, `Injected fault ${fault.status}`, fault.headers)
    }

    for (const [index, row] of rows.entries()) {
      const problem = rowProblem(stream, columns, row, index)
      if (problem !== undefined) return new Reply(400, "InvalidColumn", problem)
    }
    const upload: AcceptedUpload = { ruleId, stream, requestId, rows: rows as Array<Record<string, unknown>> }
    if (retain) accepted.push(upload)
    options.onAccepted?.(upload)
    return new Reply(204)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = (req.headers["x-ms-client-request-id"] as string | undefined) ?? randomUUID()
    const route: { ruleId?: string; stream?: string; rowCount?: number } = {}
    let body: Body = { bytes: Buffer.alloc(0), length: 0, truncated: false }
    let reply: Reply
    try {
      body = await readBody(req, maxBodyBytes)
      reply = await decide(req, body, route, requestId)
    } catch (error) {
      reply = new Reply(500, "InternalServerError", `Local server error: ${(error as Error).message}`)
    }
    if (retain)
      recorded.push({
        method: req.method ?? "",
        path: req.url ?? "",
        ruleId: route.ruleId,
        stream: route.stream,
        requestId,
        status: reply.status,
        errorCode: reply.code,
        errorMessage: reply.message,
        rowCount: route.rowCount,
        compressedBytes: body.length,
        authorization: req.headers.authorization,
      })
    const headers: Record<string, string> = { "x-ms-request-id": randomUUID(), ...reply.headers }
    if (req.headers["x-ms-client-request-id"] !== undefined) headers["x-ms-client-request-id"] = requestId
    if (reply.status === 204) {
      res.writeHead(204, headers).end()
      return
    }
    const payload = JSON.stringify({ error: { code: reply.code, message: reply.message } })
    res.writeHead(reply.status, { ...headers, "content-type": "application/json" }).end(payload)
  }

  const server = createServer({ key, cert }, (req, res) => {
    void handle(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined

  return {
    endpoint: `https://127.0.0.1:${port}`,
    port,
    ca,
    rows: (stream, ruleId) =>
      accepted
        .filter((upload) => upload.stream === stream && (ruleId === undefined || upload.ruleId === ruleId))
        .flatMap((upload) => upload.rows),
    uploads: () => [...accepted],
    requests: () => [...recorded],
    reset: () => {
      accepted.length = 0
      recorded.length = 0
    },
    faults,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
