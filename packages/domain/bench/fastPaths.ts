/**
 * What each hand-tuned fast path of the package buys: for every path, a copy of `src/` with that one path taken out
 * (a textual patch; the bench fails loudly when the code it patches has changed), run against the unchanged `src/`
 * in the same process, alternating, on the same corpus.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { DateTime, Result } from "effect"
import { makeCorpus } from "./events.ts"

interface Patch {
  readonly file: string
  readonly find: string
  readonly replace: string
}

interface Variant {
  readonly name: string
  readonly patches: ReadonlyArray<Patch>
}

/** Each kept fast path, and the patch that takes it out. */
export const variants: ReadonlyArray<Variant> = [
  {
    name: "the fast decoder (`makeFastDecode`: a guard and a renaming copy instead of the codec's decoding)",
    patches: [
      {
        file: "events/AgentEvent.ts",
        find: "  const fast = v.fast(json)\n  if (fast !== undefined) return Result.succeed(fast)\n",
        replace: "",
      },
    ],
  },
  {
    name: "the timestamp's own fast field (a string guard, then the parser converts and checks in one pass)",
    patches: [
      {
        file: "Timestamp.ts",
        find: "export const Timestamp = withFastField(",
        replace: "export const Timestamp = ((s: any) => s)(",
      },
    ],
  },
  {
    name: "Effect's JIT compiler on the fast decoder's guards (`SchemaJITCompiler.enable`)",
    patches: [{ file: "wire/FastCodec.ts", find: "  SchemaJITCompiler.enable(guard.ast)\n", replace: "" }],
  },
  {
    name: "checking the wire struct before the codec explains a failure",
    patches: [
      {
        file: "events/AgentEvent.ts",
        find: "  const checked = v.check(json)\n  const decoded = Result.isSuccess(checked) ? v.decode(json) : checked\n",
        replace: "  const decoded = v.decode(json)\n",
      },
    ],
  },
  {
    name: "decoding errors without stack traces (`withoutStackTrace`, and around `JSON.parse`)",
    patches: [
      {
        file: "withoutStackTrace.ts",
        find: "  Error.stackTraceLimit = 0\n",
        replace: "",
      },
      {
        file: "decodeMessageBody.ts",
        find: "  Error.stackTraceLimit = 0\n",
        replace: "",
      },
    ],
  },
  {
    name: "the fast encoder (`makeFastEncode`) of `encodeResource`",
    patches: [
      {
        file: "ResourceRecord.ts",
        find: "export const encodeResource = makeFastEncode(ResourceRecord) as",
        replace: "export const encodeResource = Schema.encodeSync(ResourceRecord) as unknown as",
      },
    ],
  },
]

// biome-ignore lint/suspicious/noExplicitAny: the module of a copy of src/, loaded at run time
type Domain = any

const source = fileURLToPath(new URL("../src", import.meta.url))
const nodeModules = fileURLToPath(new URL("../node_modules", import.meta.url))

const copyWith = (root: string, variant: Variant, index: number): string => {
  const dir = join(root, String(index))
  cpSync(source, join(dir, "src"), { recursive: true })
  symlinkSync(nodeModules, join(dir, "node_modules"), "dir")
  for (const patch of variant.patches) {
    const file = join(dir, "src", patch.file)
    const text = readFileSync(file, "utf8")
    if (!text.includes(patch.find))
      throw new Error(`bench/fastPaths.ts: ${patch.file} no longer holds the code that "${variant.name}" takes out`)
    writeFileSync(file, text.replace(patch.find, patch.replace))
  }
  return pathToFileURL(join(dir, "src", "index.ts")).href
}

const corpus = makeCorpus(20_000, 7)
const enqueuedTimes = corpus.bodies.map((_, i) => DateTime.makeUnsafe(1_764_720_000_000 + i * 7))

/**
 * The domain's share of the worker's work per message: parse and decode the body, build the Resource, and what the
 * sinks derive from it (the Log Analytics row and the archive line, each serialised as the SDKs will, the blob time).
 */
const worker = (m: Domain) => (): number => {
  const now = DateTime.nowUnsafe()
  let out = 0
  for (let i = 0; i < corpus.bodies.length; i++) {
    const enqueued = enqueuedTimes[i]
    const json: Result.Result<unknown, Error> = m.parseMessageJson(corpus.bodies[i])
    if (Result.isFailure(json)) {
      out += json.failure.message.length
      continue
    }
    const decoded: Result.Result<Domain, Error> = m.decodeAgentEvent(json.success)
    if (Result.isFailure(decoded)) {
      out += decoded.failure.message.length
      continue
    }
    const event = decoded.success
    const message = { message_id: "m", sequence_number: String(i), enqueued_time: m.formatTimestamp(enqueued) }
    let resource = null
    if (m.isResourceEvent(event)) {
      const r = m.resourceFromEvent(event, now)
      const row = m.encodeResource(r)
      out += JSON.stringify({ TimeGenerated: row.created_at, ...row, message_id: "m", sequence_number: "1" }).length
      resource = m.encodeResource(r)
    } else if (m.isAgentLogEvent(event)) {
      // About the work of the logs-stream row (adapters-sinks' Rows.ts): the event's fields and two derived columns.
      const { timestamp, _tag, ...fields } = event
      out += JSON.stringify({
        TimeGenerated: m.formatTimestamp(timestamp),
        event_type: m.eventTypeOf(event),
        ...fields,
      }).length
    }
    out += JSON.stringify({ message, event: json.success, resource, archived_at: message.enqueued_time }).length
    out += (m.timestampOf(event) ?? enqueued).epochMilliseconds % 7
  }
  return out
}

/** The decode floor's path: `decodeMessageBody` + `resourceFromEvent`. */
const decode = (m: Domain) => (): number => {
  const now = DateTime.nowUnsafe()
  let resources = 0
  for (const body of corpus.bodies) {
    const decoded = m.decodeMessageBody(body)
    if (Result.isSuccess(decoded) && m.isResourceEvent(decoded.success)) {
      m.resourceFromEvent(decoded.success, now)
      resources++
    }
  }
  return resources
}

const baseModule = await import("../src/index.ts")
const invalidBodies = corpus.bodies.filter((body) => Result.isFailure(baseModule.decodeMessageBody(body)))

/** A flood of poison messages: only the bodies the worker dead-letters, five times over. */
const poison = (m: Domain) => (): number => {
  let rejected = 0
  for (let k = 0; k < 5; k++)
    for (const body of invalidBodies) if (Result.isFailure(m.decodeMessageBody(body))) rejected++
  return rejected
}

const workloads = { "worker's domain work": worker, "decode floor's path": decode, "poison messages": poison } as const

const cpuMicros = (): number => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

const cpuTime = (run: () => number): number => {
  const start = cpuMicros()
  run()
  return cpuMicros() - start
}

const median = (values: ReadonlyArray<number>): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** Throughput with the path over throughput without it, per workload: median of `pairs` alternating CPU-time pairs. */
export const measureFastPaths = async (pairs: number): Promise<string> => {
  const root = mkdtempSync(join(tmpdir(), "haymaker-domain-bench-"))
  try {
    const rows: Array<string> = []
    for (const [index, variant] of variants.entries()) {
      const without: Domain = await import(copyWith(root, variant, index))
      const cells: Array<string> = []
      for (const make of Object.values(workloads)) {
        const a = make(baseModule)
        const b = make(without)
        if (a() !== b()) throw new Error(`bench/fastPaths.ts: without ${variant.name}, the results differ`)
        a()
        b()
        const ratios: Array<number> = []
        for (let i = 0; i < pairs; i++) {
          // Alternate the order so neither copy always runs on a warmer (or more contended) machine.
          const withFirst = i % 2 === 0 ? cpuTime(a) : undefined
          const withoutPath = cpuTime(b)
          const withPath = withFirst ?? cpuTime(a)
          ratios.push(withoutPath / withPath)
        }
        cells.push(`${median(ratios).toFixed(2)}×`)
      }
      rows.push(`| ${variant.name} | ${cells.join(" | ")} |`)
    }
    return [
      `| fast path | ${Object.keys(workloads).join(" | ")} |`,
      `|---|${Object.keys(workloads)
        .map(() => "---:")
        .join("|")}|`,
      ...rows,
    ].join("\n")
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
