import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { RuleJson } from "../src/config/ConfigJson.ts"
import { ConfigError, loadConfigFile, parseConfig } from "../src/index.ts"
import { namespaceConfig, thrownBy } from "./support.ts"

const withRule = (rule: RuleJson, subscriptionProperties = {}) =>
  namespaceConfig({
    Topics: [{ Name: "t", Subscriptions: [{ Name: "s", Properties: subscriptionProperties, Rules: [rule] }] }],
  })

const refusal = (json: unknown): ConfigError => thrownBy(() => parseConfig(json), ConfigError)

const rulePath = "$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[0].Properties"

describe("SQL filters and actions in Config.json", () => {
  it("reads SQL filters, actions (also on correlation filters) and the Parameters extension", () => {
    const sql = parseConfig(
      withRule({
        Name: "r",
        Properties: {
          FilterType: "Sql",
          SqlFilter: { SqlExpression: "source = @source AND n > @n", Parameters: { "@source": "orders", "@n": 2 } },
          Action: { SqlExpression: "SET ratio = n * @f", Parameters: { "@f": 0.5 } },
        },
      }),
    )
    expect(sql.namespace.topics[0]?.subscriptions[0]?.rules).toEqual([
      {
        name: "r",
        filter: {
          type: "sql",
          expression: "source = @source AND n > @n",
          parameters: { "@source": "orders", "@n": 2n },
        },
        action: { expression: "SET ratio = n * @f", parameters: { "@f": 0.5 } },
      },
    ])
    const correlation = parseConfig(
      withRule({
        Name: "r",
        Properties: {
          FilterType: "Correlation",
          CorrelationFilter: { Label: "x" },
          Action: { SqlExpression: "SET sys.To = 'Entity'" },
        },
      }),
    )
    expect(correlation.namespace.topics[0]?.subscriptions[0]?.rules[0]?.action?.expression).toBe(
      "SET sys.To = 'Entity'",
    )
  })

  it("keeps 1=1 and 1=0 as the true and false filters", () => {
    for (const [expression, type] of [
      ["1=1", "true"],
      [" 1 = 0 ", "false"],
    ]) {
      const config = parseConfig(
        withRule({ Name: "r", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: expression as string } } }),
      )
      expect(config.namespace.topics[0]?.subscriptions[0]?.rules[0]?.filter).toEqual({ type })
    }
  })

  it("takes DeadLetteringOnFilterEvaluationExceptions, true by default as in Azure", () => {
    const rule: RuleJson = { Name: "r", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "a = 1" } } }
    const properties = (json: unknown) =>
      parseConfig(json).namespace.topics[0]?.subscriptions[0]?.properties.deadLetteringOnFilterEvaluationExceptions
    expect(properties(withRule(rule))).toBe(true)
    expect(properties(withRule(rule, { DeadLetteringOnFilterEvaluationExceptions: false }))).toBe(false)
  })

  it.each([
    [
      "a filter that does not parse",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "a IN ('x'" } },
      `${rulePath}.SqlFilter.SqlExpression`,
      `rule "r": syntax error at line 1, column 10: expected ',' or ')', found end of expression`,
    ],
    [
      "a filter on a system property the emulator does not evaluate",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "sys.ScheduledEnqueueTimeUtc > 1" } },
      `${rulePath}.SqlFilter.SqlExpression`,
      `rule "r": not supported at line 1, column 5: the system property sys.ScheduledEnqueueTimeUtc is not supported by the emulator`,
    ],
    [
      "a filter with a parameter that has no value",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "a = @p" } },
      `${rulePath}.SqlFilter.SqlExpression`,
      `rule "r": invalid expression at line 1, column 5: the parameter @p has no value`,
    ],
    [
      "an action that does not parse",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "1=1" }, Action: { SqlExpression: "SET a" } },
      `${rulePath}.Action.SqlExpression`,
      `rule "r": syntax error at line 1, column 6: expected '=', found end of expression`,
    ],
    [
      "an action on a read-only system property",
      {
        FilterType: "Sql",
        SqlFilter: { SqlExpression: "1=1" },
        Action: { SqlExpression: "SET sys.SequenceNumber = 1" },
      },
      `${rulePath}.Action.SqlExpression`,
      "sys.SequenceNumber is read-only",
    ],
    [
      "an action without an expression",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "1=1" }, Action: {} },
      `${rulePath}.Action.SqlExpression`,
      "expected a non-empty string",
    ],
    [
      "an unknown field of a SQL filter",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "1=1", CompatibilityLevel: 20 } },
      `${rulePath}.SqlFilter.CompatibilityLevel`,
      "unknown field",
    ],
    [
      "a parameter of a type SQL does not take",
      { FilterType: "Sql", SqlFilter: { SqlExpression: "a = @p", Parameters: { "@p": [1] } } },
      `${rulePath}.SqlFilter.Parameters.@p`,
      "expected a string, number, boolean or null",
    ],
  ])("refuses %s, naming the rule, the field and the position", (_, properties, path, reason) => {
    const error = refusal(withRule({ Name: "r", Properties: properties as RuleJson["Properties"] }))
    expect(error.path).toBe(path)
    expect(error.reason).toContain(reason)
  })

  it("reads Config.json files with // and /* */ comments, leaving strings alone", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sb-emulator-config-")), "Config.json")
    writeFileSync(
      path,
      `{
  // the official sample has comments like these
  "UserConfig": { /* one namespace */ "Namespaces": [ { "Name": "sbemulatorns",
    "Topics": [ { "Name": "t", "Subscriptions": [ { "Name": "s", "Rules": [ { "Name": "r", "Properties": {
      "FilterType": "Sql", "SqlFilter": { "SqlExpression": "url = 'http://x/*y*/' AND q = \\"a//b\\"" } } } ] } ] } ] } ] }
}`,
    )
    const rule = loadConfigFile(path).namespace.topics[0]?.subscriptions[0]?.rules[0]
    expect(rule?.filter).toEqual({ type: "sql", expression: `url = 'http://x/*y*/' AND q = "a//b"`, parameters: {} })
  })
})
