import { Effect, Redacted } from "effect"
import { isEmulator, type ServiceBusTarget } from "../config/WorkerConfig.ts"
import { portAnswers } from "../local/StackControl.ts"
import { cliName, findLocalStack, stackChoice, stackNotRunning } from "../local/StackState.ts"
import { CommandError } from "./CommandError.ts"

/**
 * Before a command hands an emulator's connection string to the SDK (which would spend its retries, then fail with a
 * stack trace): one TCP connection to the emulator, and when nothing answers an error that names the fix.
 */
export const ensureEmulatorAnswers = Effect.fn("Cli.ensureEmulatorAnswers")(function* (target: ServiceBusTarget) {
  if (target._tag !== "ConnectionString") return
  const text = Redacted.value(target.connectionString)
  if (!isEmulator(text)) return
  const endpoint = /(?:^|;)\s*Endpoint\s*=\s*sb:\/\/([^;/]+)/i.exec(text)?.[1]
  if (endpoint === undefined) return
  const [host = "127.0.0.1", port = "5672"] = endpoint.split(":")
  if (yield* portAnswers(Number(port), host)) return
  const stack = yield* findLocalStack(stackChoice(process.env))
  const ours = stack.state?.serviceBusConnectionString === text
  return yield* new CommandError({
    message: ours
      ? stackNotRunning()
      : `cannot reach the Service Bus emulator at ${host}:${port}: nothing answers there (start it, or the local stack: ${cliName()} local up)`,
  })
})
