import { recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"

/**
 * Prints a bench's result and, when the run was given `--write` (and `record` is not false), records it in the
 * emulator's section of BENCHMARKS.md: in `subsection`, or in the section's introduction.
 */
export const report = (
  id: string,
  lines: ReadonlyArray<string>,
  options: { readonly subsection?: string; readonly record?: boolean } = {},
): void => {
  process.stdout.write(`${lines.join("\n")}\n`)
  if (!writeRequested() || options.record === false) return
  recordMeasurement({
    id: `servicebus-emulator/${id}`,
    section: "## @haymaker/servicebus-emulator",
    ...(options.subsection === undefined ? {} : { subsection: options.subsection }),
    text: lines.join("\n"),
  })
}

/** Runs a bench and exits (open handles must not keep it alive): 0 when it resolves, 1 with the error otherwise. */
export const runBench = (main: () => Promise<void>): void => {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    },
  )
}
