#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Runtime } from "effect"
import { Command } from "effect/cli"
import { haymakerWorker } from "./cli/main.ts"

haymakerWorker.pipe(
  Command.run({ version: "0.0.0" }),
  // A configuration error is the operator's to fix: print its list of problems, exit 2 (via its exit-code marker).
  Effect.tapError((error) =>
    error !== null && typeof error === "object" && "_tag" in error && error._tag === "WorkerConfigError"
      ? Console.error(String((error as { message: string }).message))
      : Effect.void,
  ),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    // SIGTERM/SIGINT interrupt the main fiber, which drains and settles first: that is a clean stop, exit 0.
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit),
  }),
)
