import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"
import { type InteropEmulator, namespace, startInteropEmulator } from "../src/pythonBus.ts"

interface Check {
  readonly what: string
  readonly ok: boolean
  readonly actual: string
  readonly expected: string
}

describe("sessions from Python (azure-servicebus 7.8.2 on uamqp)", () => {
  let interop: InteropEmulator

  beforeAll(async () => {
    interop = await startInteropEmulator(
      namespace({ Queues: [{ Name: "orders", Properties: { RequiresSession: true, LockDuration: "PT30S" } }] }),
    )
  })

  afterAll(async () => {
    await interop?.close()
  })

  it("receives by session id and the next available session, with lock, state, abandon order and peek", async () => {
    const { checks } = await runPython<{ checks: Array<Check> }>("sessions.py", { bus: interop.bus })
    expect(checks.length).toBeGreaterThan(10)
    expect(checks.filter((check) => !check.ok)).toEqual([])
  })
})
