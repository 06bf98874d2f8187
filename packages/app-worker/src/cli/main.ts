import { Command } from "effect/cli"
import { demoCommand } from "./demo.ts"
import { dlqCommand } from "./dlq.ts"
import { localCommand } from "./local.ts"
import { publishCommand } from "./publish.ts"
import { reportCommand } from "./report.ts"
import { runCommand } from "./run.ts"

export const haymakerWorker = Command.make("haymaker-worker").pipe(
  Command.withDescription(
    "The HayMaker orchestrator worker: agent events from Service Bus to Log Analytics and Blob Storage",
  ),
  Command.withSubcommands([runCommand, localCommand, demoCommand, publishCommand, dlqCommand, reportCommand]),
)
