import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { resolvePorts } from "../src/local/StackControl.ts"
import { defaultStackPorts } from "../src/local/StackState.ts"

const emulator =
  "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"

describe("the worker's configuration with an emulator", () => {
  it.effect("an emulator's connection string without sink settings runs with the local sinks", () =>
    Effect.gen(function* () {
      const config = yield* loadWorkerConfig({ HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator })
      assert.strictEqual(config.bus._tag, "ConnectionString")
      assert.deepStrictEqual(config.sinks, { _tag: "LocalPeers" })
    }),
  )

  it.effect("an Azure namespace's connection string without sink settings is still refused, naming what to set", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        loadWorkerConfig({
          HAYMAKER_SERVICEBUS_CONNECTION_STRING:
            "Endpoint=sb://haymaker.servicebus.windows.net/;SharedAccessKeyName=worker;SharedAccessKey=c2VjcmV0",
        }),
      )
      assert.include(error.message, "the sinks are required with an Azure Service Bus")
    }),
  )
})

describe("the local stack's ports", () => {
  const none = {
    emulator: Option.none(),
    emulatorHttp: Option.none(),
    azurite: Option.none(),
    logsIngestion: Option.none(),
  }
  const previous = { emulator: 41000, emulatorHttp: 41001, azurite: 41002, logsIngestion: 41003 }

  it("the first start takes the usual ports, or a free one where 0 is asked", () => {
    assert.deepStrictEqual(resolvePorts(none, undefined), defaultStackPorts)
    assert.deepStrictEqual(resolvePorts({ ...none, azurite: Option.some(0) }, undefined), {
      ...defaultStackPorts,
      azurite: 0,
    })
  })

  it("later starts keep the previous ports (also where 0 is asked), unless another port is asked for", () => {
    assert.deepStrictEqual(resolvePorts(none, previous), previous)
    assert.deepStrictEqual(resolvePorts({ ...none, emulator: Option.some(0) }, previous), previous)
    assert.deepStrictEqual(resolvePorts({ ...none, emulator: Option.some(5673) }, previous), {
      ...previous,
      emulator: 5673,
    })
  })
})
