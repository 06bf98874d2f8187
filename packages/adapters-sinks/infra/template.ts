import {
  type StreamColumnType,
  type StreamDefinition,
  Streams,
  streamDeclarations,
} from "../src/logAnalytics/Streams.ts"

// Table schemas spell the datetime type `dateTime`; stream declarations spell it `datetime`.
const tableColumnType = (type: StreamColumnType): string => (type === "datetime" ? "dateTime" : type)

/** Monitoring Metrics Publisher: the role a principal needs on the rule to call the Logs Ingestion API. */
export const MONITORING_METRICS_PUBLISHER_ROLE_ID = "3913510d-42f4-4e42-8a64-420c390055eb"
export const DCR_API_VERSION = "2023-03-11"
const TABLES_API_VERSION = "2022-10-01"

/**
 * Where the building blocks below are placed: ARM expressions (without the enclosing brackets) for the workspace's
 * name, the rule's name, its location and the tables' retention, so this template and the worker's deployment
 * (packages/app-worker/infra) make the same tables and rule from one declaration of the streams.
 */
export interface LogsResourceNames {
  readonly workspaceName: string
  readonly ruleName: string
  readonly location: string
  readonly retentionInDays: string
  readonly totalRetentionInDays: string
}

/** This template's own: everything from its parameters. */
const parameterNames: LogsResourceNames = {
  workspaceName: "parameters('workspaceName')",
  ruleName: "parameters('dataCollectionRuleName')",
  location: "parameters('location')",
  retentionInDays: "parameters('retentionInDays')",
  totalRetentionInDays: "parameters('totalRetentionInDays')",
}

/** `resourceId(...)` of the rule (no brackets). */
export const dataCollectionRuleId = (names: LogsResourceNames): string =>
  `resourceId('Microsoft.Insights/dataCollectionRules', ${names.ruleName})`

/** `resourceId(...)` of a stream's table (no brackets). */
export const tableId = (names: LogsResourceNames, definition: StreamDefinition): string =>
  `resourceId('Microsoft.OperationalInsights/workspaces/tables', ${names.workspaceName}, '${definition.table}')`

/** One custom table per stream, its columns those of the stream. */
export const tableResources = (
  names: LogsResourceNames,
  streams: ReadonlyArray<StreamDefinition> = Streams,
  dependsOn: ReadonlyArray<string> = [],
) =>
  streams.map((definition) => ({
    type: "Microsoft.OperationalInsights/workspaces/tables",
    apiVersion: TABLES_API_VERSION,
    name: `[format('{0}/{1}', ${names.workspaceName}, '${definition.table}')]`,
    ...(dependsOn.length === 0 ? {} : { dependsOn: [...dependsOn] }),
    properties: {
      plan: "Analytics",
      retentionInDays: `[${names.retentionInDays}]`,
      totalRetentionInDays: `[${names.totalRetentionInDays}]`,
      schema: {
        name: definition.table,
        description: definition.description,
        columns: definition.columns.map((column) => ({
          name: column.name,
          type: tableColumnType(column.type),
          description: column.description,
        })),
      },
    },
  }))

/** The data collection rule (kind Direct: it carries its own Logs Ingestion endpoint), each stream to its table. */
export const dataCollectionRuleResource = (
  names: LogsResourceNames,
  streams: ReadonlyArray<StreamDefinition> = Streams,
  dependsOn: ReadonlyArray<string> = [],
) => ({
  type: "Microsoft.Insights/dataCollectionRules",
  apiVersion: DCR_API_VERSION,
  name: `[${names.ruleName}]`,
  location: `[${names.location}]`,
  kind: "Direct",
  dependsOn: [...streams.map((definition) => `[${tableId(names, definition)}]`), ...dependsOn],
  properties: {
    description: "Azure HayMaker event bus: resource events and agent logs",
    streamDeclarations: streamDeclarations(streams),
    destinations: {
      logAnalytics: [
        {
          name: "workspace",
          workspaceResourceId: `[resourceId('Microsoft.OperationalInsights/workspaces', ${names.workspaceName})]`,
        },
      ],
    },
    dataFlows: streams.map((definition) => ({
      streams: [definition.stream],
      destinations: ["workspace"],
      transformKql: "source",
      outputStream: `Custom-${definition.table}`,
    })),
  },
})

/**
 * ARM template for the two custom tables, the data collection rule (kind Direct, so it carries its own Logs
 * Ingestion endpoint) and, when a principal id is given, its Monitoring Metrics Publisher role assignment.
 */
export const armTemplate = (streams: ReadonlyArray<StreamDefinition> = Streams) => ({
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  metadata: {
    description:
      "Azure HayMaker event bus: Log Analytics custom tables and the data collection rule for the Logs Ingestion API. Generated from packages/adapters-sinks/src/logAnalytics/Streams.ts by `pnpm --filter @haymaker/adapters-sinks infra`; do not edit by hand.",
  },
  parameters: {
    workspaceName: {
      type: "string",
      metadata: { description: "Existing Log Analytics workspace (in this resource group)" },
    },
    location: { type: "string", defaultValue: "[resourceGroup().location]" },
    dataCollectionRuleName: { type: "string", defaultValue: "dcr-haymaker-event-bus" },
    retentionInDays: { type: "int", defaultValue: 30, minValue: 4, maxValue: 730 },
    totalRetentionInDays: { type: "int", defaultValue: 365, minValue: 4, maxValue: 4383 },
    ingestionPrincipalId: {
      type: "string",
      defaultValue: "",
      metadata: { description: "Object id of the worker's identity; empty to assign the role yourself" },
    },
    ingestionPrincipalType: {
      type: "string",
      defaultValue: "ServicePrincipal",
      allowedValues: ["ServicePrincipal", "User", "Group"],
    },
  },
  resources: [
    ...tableResources(parameterNames, streams),
    dataCollectionRuleResource(parameterNames, streams),
    {
      condition: "[not(empty(parameters('ingestionPrincipalId')))]",
      type: "Microsoft.Authorization/roleAssignments",
      apiVersion: "2022-04-01",
      scope: "[format('Microsoft.Insights/dataCollectionRules/{0}', parameters('dataCollectionRuleName'))]",
      name: `[guid(${dataCollectionRuleId(parameterNames)}, parameters('ingestionPrincipalId'), '${MONITORING_METRICS_PUBLISHER_ROLE_ID}')]`,
      dependsOn: [`[${dataCollectionRuleId(parameterNames)}]`],
      properties: {
        roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${MONITORING_METRICS_PUBLISHER_ROLE_ID}')]`,
        principalId: "[parameters('ingestionPrincipalId')]",
        principalType: "[parameters('ingestionPrincipalType')]",
      },
    },
  ],
  outputs: {
    logsIngestionEndpoint: {
      type: "string",
      value: `[reference(${dataCollectionRuleId(parameterNames)}, '${DCR_API_VERSION}').endpoints.logsIngestion]`,
    },
    dataCollectionRuleImmutableId: {
      type: "string",
      value: `[reference(${dataCollectionRuleId(parameterNames)}, '${DCR_API_VERSION}').immutableId]`,
    },
    ...Object.fromEntries(
      streams.map((definition) => [
        `${definition.table.replace(/_CL$/, "")}Stream`,
        { type: "string", value: definition.stream },
      ]),
    ),
  },
})

export const armTemplateText = (streams?: ReadonlyArray<StreamDefinition>): string =>
  `${JSON.stringify(armTemplate(streams), null, 2)}\n`
