#!/usr/bin/env -S node --max-semi-space-size=16 --max-old-space-size=256
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Predicate, References, Runtime } from "effect"
import { Command } from "effect/cli"
import { haymakerWorker } from "./cli/main.ts"
import { packageVersion } from "./packageVersion.ts"

haymakerWorker.pipe(
  Command.run({ version: packageVersion }),
  // A configuration error or a taken ops port (exit 2), or a command's error the operator can act on (exit 1, via
  // their exit-code markers): print the message alone; a stack trace would bury it.
  Effect.tapError((error) =>
    Predicate.isTagged(error, "WorkerConfigError") ||
    Predicate.isTagged(error, "CommandError") ||
    Predicate.isTagged(error, "OpsServerError")
      ? Console.error(error.message)
      : Effect.void,
  ),
  Effect.provide(NodeServices.layer),
  // Standard output carries the commands' results (`dlq peek | jq`); every log line goes to standard error.
  Effect.provideService(References.LogToStderr, true),
  NodeRuntime.runMain({
    // SIGTERM/SIGINT interrupt the main fiber, which drains and settles first: that is a clean stop, exit 0.
    // Exiting drops what is still queued for a piped stdout/stderr: flush both first.
    teardown: (exit, onExit) => {
      const exitAfterFlush = (code: number) =>
        process.stdout.write("", () => process.stderr.write("", () => onExit(code)))
      return Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
        ? exitAfterFlush(0)
        : Runtime.defaultTeardown(exit, exitAfterFlush)
    },
  }),
)
