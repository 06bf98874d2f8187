import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"
import { type InteropEmulator, namespace, startInteropEmulator } from "../src/pythonBus.ts"

interface Received {
  readonly messageId: string
  readonly to: string | null
  readonly applicationProperties: Readonly<Record<string, { readonly type: string; readonly value: unknown }>>
}

interface Outcome {
  readonly rule: {
    readonly filter: string
    readonly filterParameters: Record<string, [string, unknown]>
    readonly action: string
    readonly actionParameters: Record<string, [string, unknown]>
  }
  readonly received: Record<string, Array<Received>>
}

describe("SQL filters and rule actions driven by azure-servicebus 7.8.2 (Python, uamqp)", () => {
  let interop: InteropEmulator

  beforeAll(async () => {
    interop = await startInteropEmulator(
      namespace({
        Topics: [
          {
            Name: "orders",
            Subscriptions: [
              {
                Name: "integer-division",
                Rules: [
                  {
                    Name: "pairs",
                    Properties: {
                      FilterType: "Sql",
                      SqlFilter: { SqlExpression: "quantity / 2 = 2 AND event_type LIKE 'order!_%' ESCAPE '!'" },
                      Action: { SqlExpression: "SET sys.To = 'packing'; SET half = quantity / 2" },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
  })

  afterAll(async () => {
    await interop?.close()
  })

  it("creates rules with typed parameters, and filters and rewrites Python's ints and floats as Int64 and Double", async () => {
    const outcome = await runPython<Outcome>(
      "sql_rules.py",
      { bus: interop.bus, topic: "orders", subscriptions: ["integer-division"] },
      { REQUESTS_CA_BUNDLE: interop.bus.ca },
    )
    expect(outcome.rule).toEqual({
      filter: "quantity / @divisor = @half AND event_type = @type",
      filterParameters: { "@divisor": ["int", 2], "@half": ["int", 2], "@type": ["str", "order_placed"] },
      action: "SET quantity = quantity * @factor; SET label = @label; REMOVE secret",
      actionParameters: { "@factor": ["int", 10], "@label": ["str", "scaled"] },
    })
    const summary = (messages: ReadonlyArray<Received>) =>
      messages.map((m) => ({ id: m.messageId, to: m.to, properties: m.applicationProperties }))
    // 5 (int) / 2 is 2; 5.0 / 2 is 2.5; 4.0 / 2 is 2.0, which equals 2. (uamqp hands strings over as bytes.)
    expect(summary(outcome.received["integer-division"] ?? [])).toEqual([
      {
        id: "float-4",
        to: "packing",
        properties: {
          event_type: { type: "bytes", value: "order_placed" },
          quantity: { type: "float", value: 4 },
          secret: { type: "bytes", value: "s" },
          half: { type: "float", value: 2 },
          RuleName: { type: "bytes", value: "pairs" },
        },
      },
      {
        id: "int-5",
        to: "packing",
        properties: {
          event_type: { type: "bytes", value: "order_placed" },
          quantity: { type: "int", value: 5 },
          secret: { type: "bytes", value: "s" },
          half: { type: "int", value: 2 },
          RuleName: { type: "bytes", value: "pairs" },
        },
      },
      {
        id: "other-5",
        to: "packing",
        properties: {
          event_type: { type: "bytes", value: "order_cancelled" },
          quantity: { type: "int", value: 5 },
          half: { type: "int", value: 2 },
          RuleName: { type: "bytes", value: "pairs" },
        },
      },
    ])
    // The rule created from Python: integer parameters divide as integers, the action keeps quantity an int.
    expect(summary(outcome.received["by-python"] ?? [])).toEqual([
      {
        id: "float-4",
        to: null,
        properties: {
          event_type: { type: "bytes", value: "order_placed" },
          quantity: { type: "float", value: 40 },
          label: { type: "bytes", value: "scaled" },
          RuleName: { type: "bytes", value: "halves" },
        },
      },
      {
        id: "int-5",
        to: null,
        properties: {
          event_type: { type: "bytes", value: "order_placed" },
          quantity: { type: "int", value: 50 },
          label: { type: "bytes", value: "scaled" },
          RuleName: { type: "bytes", value: "halves" },
        },
      },
    ])
  })
})
