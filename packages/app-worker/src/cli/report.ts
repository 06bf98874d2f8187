import { writeFile } from "node:fs/promises"
import { resolve } from "node:path"
import { Console, DateTime, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { loadArchiveSource } from "../config/ArchiveSource.ts"
import { archiveReaderLayer } from "../report/archiveReaderLayer.ts"
import { buildReport, parseSince } from "../report/buildReport.ts"
import type { ReportDocument } from "../report/ReportDocument.ts"
import { reportHtml } from "../report/reportHtml.ts"
import { reportTable } from "../report/reportTable.ts"

const render = (document: ReportDocument, format: "table" | "json" | "html"): string =>
  format === "json"
    ? `${JSON.stringify(document, null, 2)}\n`
    : format === "html"
      ? reportHtml(document)
      : `${reportTable(document)}\n`

const summary = (document: ReportDocument): string =>
  document.report === "leaks"
    ? `${document.totals.runs} run(s), ${document.totals.created} resource(s), ${document.totals.leaked} still in Azure`
    : `${document.events.length} event(s) of ${document.resource_id}`

/**
 * Writes to standard output. A reader that stops early (`| head`) closes the pipe: that ends the output, it is no
 * error (Node would otherwise throw EPIPE from the stream, unhandled).
 */
const writeStdout = (text: string) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        process.stdout.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code !== "EPIPE") throw error
        })
        process.stdout.write(text, () => resolve())
      }),
  )

/** `haymaker-worker report`: what each run left behind, from the archive the worker writes. */
export const reportCommand = Command.make(
  "report",
  {
    runs: Flag.String("run").pipe(Flag.withDescription("Only this run (repeat the flag for several)"), Flag.atLeast(0)),
    scenarios: Flag.String("scenario").pipe(
      Flag.withDescription("Only this scenario (repeat the flag for several)"),
      Flag.atLeast(0),
    ),
    since: Flag.String("since").pipe(
      Flag.withDescription(
        "Only events from then on: an ISO-8601 date or date-time (UTC unless it has an offset), or a duration back from now (90m, 24h, 7d, 2w)",
      ),
      Flag.optional,
    ),
    resource: Flag.String("resource").pipe(
      Flag.withDescription("A resource id: print its history (every archived event naming it) instead of the report"),
      Flag.optional,
    ),
    format: Flag.Literals("format", ["table", "json", "html"]).pipe(
      Flag.withDescription("table (default), json, or html: one self-contained page with a chart"),
      Flag.withDefault("table"),
    ),
    output: Flag.String("output").pipe(
      Flag.withDescription("Write the report to this file instead of standard output"),
      Flag.optional,
    ),
  },
  ({ runs, scenarios, since, resource, format, output }) =>
    Effect.gen(function* () {
      const source = yield* loadArchiveSource(process.env)
      const now = yield* DateTime.now
      const bound = Option.isSome(since) ? parseSince(since.value, now) : undefined
      if (Option.isSome(since) && bound === undefined) {
        yield* Console.error(
          `--since ${JSON.stringify(since.value)}: expected an ISO-8601 date or date-time (2024-11-14, 2024-11-14T12:00:00Z) or a duration back from now (90m, 24h, 7d, 2w)`,
        )
        return yield* Effect.sync(() => {
          process.exitCode = 2
        })
      }
      const document = yield* buildReport({
        runs,
        scenarios,
        since: bound,
        resource: Option.getOrUndefined(resource),
      }).pipe(
        Effect.provide(archiveReaderLayer(source)),
        // The archive is missing or unreachable: say so in one line (it names the place) and exit 1.
        Effect.catchTag("ArchiveReadError", (error) =>
          Console.error(error.message).pipe(
            Effect.andThen(
              Effect.sync(() => {
                process.exitCode = 1
              }),
            ),
          ),
        ),
      )
      if (document === undefined) return
      const text = render(document, format)
      if (Option.isNone(output)) return yield* writeStdout(text)
      const path = resolve(output.value)
      yield* Effect.promise(() => writeFile(path, text))
      yield* Console.error(`wrote ${path}: ${summary(document)}`)
    }),
).pipe(
  Command.withDescription(
    "What each run created, deleted and left behind (with the last deletion error and attempts), from the archive the worker writes (Blob Storage, or the filesystem sinks' folder); or one resource's history",
  ),
)
