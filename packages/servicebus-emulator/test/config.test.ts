import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ConfigError, defaultConfigPath, loadConfigFile, parseConfig, parseIsoDuration } from "../src/index.ts"
import { namespaceConfig, thrownBy } from "./support.ts"

const refusal = (json: unknown): ConfigError => thrownBy(() => parseConfig(json), ConfigError)

describe("ISO-8601 durations", () => {
  it.each([
    ["PT1M", 60_000],
    ["PT1H", 3_600_000],
    ["PT20S", 20_000],
    ["PT0.5S", 500],
    ["P1DT2H", 93_600_000],
    ["P2W", 1_209_600_000],
    ["P10675199DT2H48M5.4775807S", 922_337_203_685_478],
  ])("parses %s", (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms)
  })

  it.each(["", "P", "PT", "1M", "PT1X", "P1M", "P1Y", "PT-1S", "pt1m"])("refuses %j", (text) => {
    expect(parseIsoDuration(text)).toBeUndefined()
  })
})

describe("Config.json parsing", () => {
  it("applies the official emulator's defaults", () => {
    const config = parseConfig(
      namespaceConfig({ Queues: [{ Name: "q" }], Topics: [{ Name: "t", Subscriptions: [{ Name: "s" }] }] }),
    )
    expect(config.namespace.queues[0]?.properties).toEqual({
      deadLetteringOnMessageExpiration: false,
      defaultMessageTimeToLiveMs: 3_600_000,
      duplicateDetectionHistoryTimeWindowMs: 20_000,
      forwardDeadLetteredMessagesTo: undefined,
      forwardTo: undefined,
      lockDurationMs: 60_000,
      maxDeliveryCount: 3,
      requiresDuplicateDetection: false,
      requiresSession: false,
      maxMessageSizeBytes: 262_144,
      maxSizeInMegabytes: 1024,
    })
    const subscription = config.namespace.topics[0]?.subscriptions[0]
    expect(subscription?.rules).toEqual([{ name: "$Default", filter: { type: "true" } }])
    expect(subscription?.properties.lockDurationMs).toBe(60_000)
    expect(config.logging.type).toBe("Console")
  })

  it("ships a default config with topic agent-logs and subscription orchestrator-sub", () => {
    const config = loadConfigFile(defaultConfigPath)
    expect(config.namespace.topics.map((t) => t.name)).toEqual(["agent-logs"])
    expect(config.namespace.topics[0]?.subscriptions.map((s) => s.name)).toEqual(["orchestrator-sub"])
  })

  it("reads correlation filters with system and application properties", () => {
    const config = parseConfig(
      namespaceConfig({
        Topics: [
          {
            Name: "t",
            Subscriptions: [
              {
                Name: "s",
                Rules: [
                  {
                    Name: "r",
                    Properties: {
                      FilterType: "Correlation",
                      CorrelationFilter: { Label: "created", CorrelationId: "", Properties: { region: "eu", n: 1 } },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
    expect(config.namespace.topics[0]?.subscriptions[0]?.rules[0]).toEqual({
      name: "r",
      filter: { type: "correlation", subject: "created", properties: { region: "eu", n: 1 } },
    })
  })

  it.each([
    [
      "a duration that is not ISO-8601",
      namespaceConfig({ Queues: [{ Name: "q", Properties: { LockDuration: "00:01:00" } }] }),
      "$.UserConfig.Namespaces[0].Queues[0].Properties.LockDuration",
      "ISO-8601",
    ],
    [
      "a lock longer than five minutes",
      namespaceConfig({ Queues: [{ Name: "q", Properties: { LockDuration: "PT10M" } }] }),
      "$.UserConfig.Namespaces[0].Queues[0].Properties.LockDuration",
      "PT5M",
    ],
    [
      "a misspelt property",
      namespaceConfig({ Queues: [{ Name: "q", Properties: { MaxDeliveryCuont: 3 } as never }] }),
      "$.UserConfig.Namespaces[0].Queues[0].Properties.MaxDeliveryCuont",
      "unknown field",
    ],
    [
      "a wrongly typed flag",
      namespaceConfig({ Queues: [{ Name: "q", Properties: { RequiresSession: "no" as never } }] }),
      "$.UserConfig.Namespaces[0].Queues[0].Properties.RequiresSession",
      "true or false",
    ],
    [
      "a queue and a topic with the same name",
      namespaceConfig({ Queues: [{ Name: "same" }], Topics: [{ Name: "SAME" }] }),
      "$.UserConfig.Namespaces[0].Topics[0].Name",
      "already used",
    ],
    [
      "a ForwardTo naming nothing",
      namespaceConfig({ Queues: [{ Name: "q", Properties: { ForwardTo: "elsewhere" } }] }),
      "$.UserConfig.Namespaces[0].Queues[0].Properties.ForwardTo",
      "elsewhere",
    ],
    [
      "a SQL filter that does not parse, naming the rule, the position and what was expected",
      namespaceConfig({
        Topics: [
          {
            Name: "t",
            Subscriptions: [
              {
                Name: "s",
                Rules: [{ Name: "r", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "size >" } } }],
              },
            ],
          },
        ],
      }),
      "$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[0].Properties.SqlFilter.SqlExpression",
      `rule "r": syntax error at line 1, column 7: expected a value, a property or '(', found end of expression`,
    ],
    [
      "an empty correlation filter",
      namespaceConfig({
        Topics: [
          {
            Name: "t",
            Subscriptions: [
              { Name: "s", Rules: [{ Name: "r", Properties: { FilterType: "Correlation", CorrelationFilter: {} } }] },
            ],
          },
        ],
      }),
      "$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[0].Properties.CorrelationFilter",
      "at least one",
    ],
    [
      "a subscription name with a slash",
      namespaceConfig({ Topics: [{ Name: "t", Subscriptions: [{ Name: "a/b" }] }] }),
      "$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Name",
      "not a valid subscription name",
    ],
    [
      "two namespaces",
      { UserConfig: { Namespaces: [{ Name: "a" }, { Name: "b" }] } },
      "$.UserConfig.Namespaces",
      "exactly one namespace",
    ],
    ["a missing UserConfig", {}, "$.UserConfig", "expected an object"],
  ])("refuses %s, naming the field", (_, json, path, reason) => {
    const error = refusal(json)
    expect(error.path).toBe(path)
    expect(error.message).toContain(path)
    expect(error.message).toContain(reason)
  })

  it("names the file when a config file is unreadable or not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-emulator-config-"))
    const broken = join(dir, "broken.json")
    writeFileSync(broken, "{ not json")
    expect(() => loadConfigFile(broken)).toThrow(/broken\.json.*not valid JSON/)
    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(/missing\.json.*cannot read/)
  })
})
