// The worker's Azure deployment as one ARM template: Service Bus (topic and subscription), Blob archive, Log Analytics
// (workspace, custom tables and the data collection rule from the sinks' stream declarations), the Container Apps
// environment and the worker app scaled by KEDA on the subscription's backlog, two user-assigned identities and their
// role assignments. No connection strings and no keys: every client signs in with Microsoft Entra ID.
// Generated into infra/haymaker-worker.json by `pnpm --filter @haymaker/app-worker infra`.

import { Streams } from "@haymaker/adapters-sinks"
import {
  DCR_API_VERSION,
  dataCollectionRuleId,
  dataCollectionRuleResource,
  type LogsResourceNames,
  MONITORING_METRICS_PUBLISHER_ROLE_ID,
  tableId,
  tableResources,
} from "@haymaker/adapters-sinks/infra"
import { workbookResource } from "@haymaker/adapters-sinks/infra/workbook"
import { defaultSubscriptionName, defaultTopicName } from "@haymaker/domain"

/** Built-in role definition ids (Azure RBAC built-in roles reference). */
export const ROLES = {
  /** Receive, complete, abandon, dead-letter: what the worker does with the subscription. */
  serviceBusDataReceiver: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
  /**
   * Manage rights: KEDA's azure-servicebus scaler reads the subscription's message count from the entity's runtime
   * properties, which Service Bus grants only with Manage. Given to the scaler's identity alone, on the topic.
   */
  serviceBusDataOwner: "090c5cfd-751d-490a-894a-3ce6f1109419",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  monitoringMetricsPublisher: MONITORING_METRICS_PUBLISHER_ROLE_ID,
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
} as const

const API = {
  identity: "2023-01-31",
  serviceBus: "2022-10-01-preview",
  storage: "2023-05-01",
  workspace: "2023-09-01",
  containerApps: "2025-01-01",
  diagnosticSettings: "2021-05-01-preview",
  roleAssignments: "2022-04-01",
  dcr: DCR_API_VERSION,
} as const

/** The worker's HTTP port: its probes and `HAYMAKER_HTTP_PORT`. */
export const WORKER_HTTP_PORT = 8080

const p = (name: string) => `parameters('${name}')`
const v = (name: string) => `variables('${name}')`
const expr = (text: string) => `[${text}]`

const ids = {
  workerIdentity: `resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', ${v("workerIdentityName")})`,
  scalerIdentity: `resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', ${v("scalerIdentityName")})`,
  namespace: `resourceId('Microsoft.ServiceBus/namespaces', ${p("serviceBusNamespaceName")})`,
  topic: `resourceId('Microsoft.ServiceBus/namespaces/topics', ${p("serviceBusNamespaceName")}, ${p("topicName")})`,
  subscription: `resourceId('Microsoft.ServiceBus/namespaces/topics/subscriptions', ${p("serviceBusNamespaceName")}, ${p("topicName")}, ${p("subscriptionName")})`,
  storage: `resourceId('Microsoft.Storage/storageAccounts', ${p("storageAccountName")})`,
  blobService: `resourceId('Microsoft.Storage/storageAccounts/blobServices', ${p("storageAccountName")}, 'default')`,
  container: `resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', ${p("storageAccountName")}, 'default', ${p("archiveContainerName")})`,
  workspace: `resourceId('Microsoft.OperationalInsights/workspaces', ${p("workspaceName")})`,
  environment: `resourceId('Microsoft.App/managedEnvironments', ${p("containerAppsEnvironmentName")})`,
  app: `resourceId('Microsoft.App/containerApps', ${p("containerAppName")})`,
} as const

const logsNames: LogsResourceNames = {
  workspaceName: p("workspaceName"),
  ruleName: p("dataCollectionRuleName"),
  location: p("location"),
  retentionInDays: p("retentionInDays"),
  totalRetentionInDays: p("totalRetentionInDays"),
}
const dcrId = dataCollectionRuleId(logsNames)

/** Scopes of the role assignments, in the relative form ARM takes for resources of the same template. */
const scopes = {
  subscription: `format('Microsoft.ServiceBus/namespaces/{0}/topics/{1}/subscriptions/{2}', ${p("serviceBusNamespaceName")}, ${p("topicName")}, ${p("subscriptionName")})`,
  topic: `format('Microsoft.ServiceBus/namespaces/{0}/topics/{1}', ${p("serviceBusNamespaceName")}, ${p("topicName")})`,
  container: `format('Microsoft.Storage/storageAccounts/{0}/blobServices/default/containers/{1}', ${p("storageAccountName")}, ${p("archiveContainerName")})`,
  dcr: `format('Microsoft.Insights/dataCollectionRules/{0}', ${p("dataCollectionRuleName")})`,
  registry: `format('Microsoft.ContainerRegistry/registries/{0}', ${p("containerRegistryName")})`,
} as const

interface RoleAssignment {
  readonly scope: string
  readonly scopeId: string
  readonly identity: string
  readonly role: string
  readonly dependsOn: ReadonlyArray<string>
  readonly condition?: string
  readonly description: string
}

const roleAssignmentName = (assignment: RoleAssignment) =>
  `guid(${assignment.scopeId}, ${assignment.identity}, '${assignment.role}')`

/** The assignment's own resource id, for dependsOn. */
const roleAssignmentId = (assignment: RoleAssignment) =>
  `extensionResourceId(${assignment.scopeId}, 'Microsoft.Authorization/roleAssignments', ${roleAssignmentName(assignment)})`

const roleAssignment = (assignment: RoleAssignment) => ({
  ...(assignment.condition === undefined ? {} : { condition: expr(assignment.condition) }),
  type: "Microsoft.Authorization/roleAssignments",
  apiVersion: API.roleAssignments,
  scope: expr(assignment.scope),
  name: expr(roleAssignmentName(assignment)),
  dependsOn: [expr(assignment.identity), ...assignment.dependsOn.map(expr)],
  properties: {
    roleDefinitionId: expr(`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${assignment.role}')`),
    principalId: expr(`reference(${assignment.identity}, '${API.identity}').principalId`),
    principalType: "ServicePrincipal",
    description: assignment.description,
  },
})

const registryId = `resourceId('Microsoft.ContainerRegistry/registries', ${p("containerRegistryName")})`

const assignments: ReadonlyArray<RoleAssignment> = [
  {
    scope: scopes.subscription,
    scopeId: ids.subscription,
    identity: ids.workerIdentity,
    role: ROLES.serviceBusDataReceiver,
    dependsOn: [ids.subscription],
    description: "HayMaker worker: receive and settle the agents' events",
  },
  {
    scope: scopes.container,
    scopeId: ids.container,
    identity: ids.workerIdentity,
    role: ROLES.storageBlobDataContributor,
    dependsOn: [ids.container],
    description: "HayMaker worker: write the event archive",
  },
  {
    scope: scopes.dcr,
    scopeId: dcrId,
    identity: ids.workerIdentity,
    role: ROLES.monitoringMetricsPublisher,
    dependsOn: [dcrId],
    description: "HayMaker worker: send rows to the Logs Ingestion API through the data collection rule",
  },
  {
    scope: scopes.topic,
    scopeId: ids.topic,
    identity: ids.scalerIdentity,
    role: ROLES.serviceBusDataOwner,
    dependsOn: [ids.topic],
    description: "HayMaker worker's KEDA scaler: read the subscription's message count (needs Manage)",
  },
  {
    condition: `not(empty(${p("containerRegistryName")}))`,
    scope: scopes.registry,
    scopeId: registryId,
    identity: ids.workerIdentity,
    role: ROLES.acrPull,
    dependsOn: [],
    description: "HayMaker worker: pull its image",
  },
]
const roleAssignments = assignments.map(roleAssignment)

/** The worker's configuration: the same variables `haymaker-worker run` reads anywhere (see .env.example). */
export const workerEnvironment = (): ReadonlyArray<{ readonly name: string; readonly value: string }> => [
  {
    name: "HAYMAKER_SERVICEBUS_NAMESPACE",
    // `https://<name>.servicebus.windows.net:443/` in whichever cloud: the host is what the SDK takes.
    value: expr(
      `replace(replace(reference(${ids.namespace}, '${API.serviceBus}').serviceBusEndpoint, 'https://', ''), ':443/', '')`,
    ),
  },
  { name: "HAYMAKER_SERVICEBUS_TOPIC", value: expr(p("topicName")) },
  { name: "HAYMAKER_SERVICEBUS_SUBSCRIPTION", value: expr(p("subscriptionName")) },
  { name: "HAYMAKER_SINKS", value: "azure" },
  {
    name: "HAYMAKER_LOGS_INGESTION_ENDPOINT",
    value: expr(`reference(${dcrId}, '${API.dcr}').endpoints.logsIngestion`),
  },
  { name: "HAYMAKER_LOGS_DCR_IMMUTABLE_ID", value: expr(`reference(${dcrId}, '${API.dcr}').immutableId`) },
  {
    name: "HAYMAKER_ARCHIVE_ACCOUNT_URL",
    value: expr(`reference(${ids.storage}, '${API.storage}').primaryEndpoints.blob`),
  },
  { name: "HAYMAKER_ARCHIVE_CONTAINER", value: expr(p("archiveContainerName")) },
  { name: "HAYMAKER_AZURE_CREDENTIAL", value: "managed-identity" },
  { name: "AZURE_CLIENT_ID", value: expr(`reference(${ids.workerIdentity}, '${API.identity}').clientId`) },
  { name: "HAYMAKER_HTTP_PORT", value: String(WORKER_HTTP_PORT) },
  { name: "HAYMAKER_LOG_LEVEL", value: expr(p("logLevel")) },
  // Inside the platform's grace period, so a replica that is scaled in settles what it holds before it is killed.
  {
    name: "HAYMAKER_SHUTDOWN_TIMEOUT_MS",
    value: expr(`string(mul(sub(${p("terminationGracePeriodSeconds")}, 10), 1000))`),
  },
]

const parameters = {
  location: {
    type: "string",
    defaultValue: "[resourceGroup().location]",
    metadata: { description: "Region of every resource" },
  },
  image: {
    type: "string",
    metadata: { description: "The worker image, e.g. myregistry.azurecr.io/haymaker-worker:1.0.0" },
  },
  containerRegistryName: {
    type: "string",
    defaultValue: "",
    metadata: {
      description:
        "An Azure Container Registry in this resource group that holds the image: the worker's identity gets AcrPull and pulls with it. Empty for a public image.",
    },
  },
  serviceBusNamespaceName: {
    type: "string",
    defaultValue: "[format('haymaker-{0}', uniqueString(resourceGroup().id))]",
    minLength: 6,
    maxLength: 50,
  },
  serviceBusSku: {
    type: "string",
    defaultValue: "Standard",
    allowedValues: ["Standard", "Premium"],
    metadata: { description: "Topics need Standard or Premium; see docs/deploy.md for sizing" },
  },
  serviceBusMessagingUnits: {
    type: "int",
    defaultValue: 1,
    allowedValues: [1, 2, 4, 8, 16],
    metadata: { description: "Premium only: messaging units" },
  },
  topicName: { type: "string", defaultValue: defaultTopicName },
  subscriptionName: { type: "string", defaultValue: defaultSubscriptionName },
  lockDuration: {
    type: "string",
    defaultValue: "PT1M",
    metadata: { description: "Peek-lock duration (ISO 8601, at most PT5M); the worker renews locks it holds" },
  },
  maxDeliveryCount: {
    type: "int",
    defaultValue: 10,
    minValue: 1,
    maxValue: 2000,
    metadata: { description: "Deliveries before the broker dead-letters a message (MaxDeliveryCountExceeded)" },
  },
  messageTimeToLive: { type: "string", defaultValue: "P14D" },
  storageAccountName: {
    type: "string",
    defaultValue: "[format('haymaker{0}', uniqueString(resourceGroup().id))]",
    minLength: 3,
    maxLength: 24,
  },
  storageSku: {
    type: "string",
    defaultValue: "Standard_ZRS",
    allowedValues: [
      "Standard_LRS",
      "Standard_ZRS",
      "Standard_GRS",
      "Standard_GZRS",
      "Standard_RAGRS",
      "Standard_RAGZRS",
    ],
  },
  archiveContainerName: { type: "string", defaultValue: "haymaker-events" },
  workspaceName: { type: "string", defaultValue: "[format('log-haymaker-{0}', uniqueString(resourceGroup().id))]" },
  dataCollectionRuleName: { type: "string", defaultValue: "dcr-haymaker-event-bus" },
  retentionInDays: { type: "int", defaultValue: 30, minValue: 4, maxValue: 730 },
  totalRetentionInDays: { type: "int", defaultValue: 365, minValue: 4, maxValue: 4383 },
  containerAppsEnvironmentName: { type: "string", defaultValue: "cae-haymaker" },
  containerAppName: { type: "string", defaultValue: "haymaker-worker", maxLength: 32 },
  cpu: {
    type: "string",
    defaultValue: "0.5",
    allowedValues: ["0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"],
    metadata: { description: "vCPU per replica (Consumption: memory is twice the vCPU in Gi)" },
  },
  memory: {
    type: "string",
    defaultValue: "1Gi",
    allowedValues: ["0.5Gi", "1Gi", "1.5Gi", "2Gi", "2.5Gi", "3Gi", "3.5Gi", "4Gi"],
  },
  minReplicas: {
    type: "int",
    defaultValue: 1,
    minValue: 0,
    maxValue: 1000,
    metadata: { description: "0 lets the app scale to zero when the subscription is empty" },
  },
  maxReplicas: { type: "int", defaultValue: 10, minValue: 1, maxValue: 1000 },
  scaleMessageCount: {
    type: "int",
    defaultValue: 2000,
    minValue: 1,
    metadata: {
      description:
        "KEDA target: active messages in the subscription per replica (replicas = ceil(backlog / this)); see docs/deploy.md",
    },
  },
  scalePollingIntervalSeconds: { type: "int", defaultValue: 15, minValue: 5 },
  scaleCooldownSeconds: { type: "int", defaultValue: 300, minValue: 0 },
  terminationGracePeriodSeconds: {
    type: "int",
    defaultValue: 60,
    minValue: 15,
    maxValue: 600,
    metadata: { description: "How long a stopping replica may drain; the worker's shutdown bound is 10 s less" },
  },
  logLevel: {
    type: "string",
    defaultValue: "Info",
    allowedValues: ["All", "Trace", "Debug", "Info", "Warn", "Error", "Fatal", "None"],
  },
  tags: { type: "object", defaultValue: { application: "haymaker-event-bus" } },
}

const base = { location: expr(p("location")), tags: expr(p("tags")) }

const serviceBusResources = [
  {
    type: "Microsoft.ServiceBus/namespaces",
    apiVersion: API.serviceBus,
    name: expr(p("serviceBusNamespaceName")),
    ...base,
    sku: {
      name: expr(p("serviceBusSku")),
      tier: expr(p("serviceBusSku")),
      capacity: expr(`if(equals(${p("serviceBusSku")}, 'Premium'), ${p("serviceBusMessagingUnits")}, json('null'))`),
    },
    properties: { disableLocalAuth: true, minimumTlsVersion: "1.2", publicNetworkAccess: "Enabled" },
  },
  {
    type: "Microsoft.ServiceBus/namespaces/topics",
    apiVersion: API.serviceBus,
    name: expr(`format('{0}/{1}', ${p("serviceBusNamespaceName")}, ${p("topicName")})`),
    dependsOn: [expr(ids.namespace)],
    properties: {
      defaultMessageTimeToLive: expr(p("messageTimeToLive")),
      enableBatchedOperations: true,
      requiresDuplicateDetection: false,
      supportOrdering: false,
    },
  },
  {
    type: "Microsoft.ServiceBus/namespaces/topics/subscriptions",
    apiVersion: API.serviceBus,
    name: expr(`format('{0}/{1}/{2}', ${p("serviceBusNamespaceName")}, ${p("topicName")}, ${p("subscriptionName")})`),
    dependsOn: [expr(ids.topic)],
    properties: {
      lockDuration: expr(p("lockDuration")),
      maxDeliveryCount: expr(p("maxDeliveryCount")),
      defaultMessageTimeToLive: expr(p("messageTimeToLive")),
      deadLetteringOnMessageExpiration: true,
      deadLetteringOnFilterEvaluationExceptions: true,
      enableBatchedOperations: true,
      requiresSession: false,
    },
  },
]

const storageResources = [
  {
    type: "Microsoft.Storage/storageAccounts",
    apiVersion: API.storage,
    name: expr(p("storageAccountName")),
    ...base,
    kind: "StorageV2",
    sku: { name: expr(p("storageSku")) },
    properties: {
      accessTier: "Hot",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      minimumTlsVersion: "TLS1_2",
      supportsHttpsTrafficOnly: true,
    },
  },
  {
    type: "Microsoft.Storage/storageAccounts/blobServices",
    apiVersion: API.storage,
    name: expr(`format('{0}/default', ${p("storageAccountName")})`),
    dependsOn: [expr(ids.storage)],
    properties: { deleteRetentionPolicy: { enabled: true, days: 7 } },
  },
  {
    type: "Microsoft.Storage/storageAccounts/blobServices/containers",
    apiVersion: API.storage,
    name: expr(`format('{0}/default/{1}', ${p("storageAccountName")}, ${p("archiveContainerName")})`),
    dependsOn: [expr(ids.blobService)],
    properties: { publicAccess: "None" },
  },
]

const logResources = [
  {
    type: "Microsoft.OperationalInsights/workspaces",
    apiVersion: API.workspace,
    name: expr(p("workspaceName")),
    ...base,
    properties: {
      sku: { name: "PerGB2018" },
      retentionInDays: expr(p("retentionInDays")),
      // Data arrives through the data collection rule and diagnostic settings, never with the workspace's key.
      features: { disableLocalAuth: true },
    },
  },
  ...tableResources(logsNames, Streams, [expr(ids.workspace)]),
  { ...dataCollectionRuleResource(logsNames, Streams), tags: expr(p("tags")) },
  // The leak report's workbook (adapters-sinks/infra/workbook.ts), on the workspace and its tables.
  {
    ...workbookResource({ workspaceId: expr(ids.workspace), location: expr(p("location")) }),
    tags: expr(p("tags")),
    dependsOn: [expr(ids.workspace), ...Streams.map((definition) => expr(tableId(logsNames, definition)))],
  },
]

const identityResources = ["workerIdentityName", "scalerIdentityName"].map((name) => ({
  type: "Microsoft.ManagedIdentity/userAssignedIdentities",
  apiVersion: API.identity,
  name: expr(v(name)),
  ...base,
}))

const probe = (type: "Liveness" | "Readiness" | "Startup", path: string, periodSeconds: number, failures: number) => ({
  type,
  httpGet: { path, port: WORKER_HTTP_PORT, scheme: "HTTP" },
  periodSeconds,
  failureThreshold: failures,
  timeoutSeconds: 5,
})

const appResources = [
  {
    type: "Microsoft.App/managedEnvironments",
    apiVersion: API.containerApps,
    name: expr(p("containerAppsEnvironmentName")),
    ...base,
    properties: {
      // Console and system logs go to the workspace through the diagnostic setting below (no workspace key).
      appLogsConfiguration: { destination: "azure-monitor" },
      workloadProfiles: [{ name: "Consumption", workloadProfileType: "Consumption" }],
    },
  },
  {
    type: "Microsoft.Insights/diagnosticSettings",
    apiVersion: API.diagnosticSettings,
    scope: expr(`format('Microsoft.App/managedEnvironments/{0}', ${p("containerAppsEnvironmentName")})`),
    name: "haymaker-logs",
    dependsOn: [expr(ids.environment), expr(ids.workspace)],
    properties: {
      workspaceId: expr(ids.workspace),
      // Resource-specific tables: ContainerAppConsoleLogs (the worker's JSON lines) and ContainerAppSystemLogs.
      logAnalyticsDestinationType: "Dedicated",
      logs: [{ categoryGroup: "allLogs", enabled: true }],
    },
  },
  {
    type: "Microsoft.App/containerApps",
    apiVersion: API.containerApps,
    name: expr(p("containerAppName")),
    ...base,
    identity: {
      type: "UserAssigned",
      userAssignedIdentities: { [expr(ids.workerIdentity)]: {}, [expr(ids.scalerIdentity)]: {} },
    },
    // Roles first: replicas that start before their grants would only fail to sign in and retry.
    dependsOn: [
      expr(ids.environment),
      expr(ids.subscription),
      expr(ids.container),
      expr(dcrId),
      ...assignments.map((assignment) => expr(roleAssignmentId(assignment))),
    ],
    properties: {
      environmentId: expr(ids.environment),
      workloadProfileName: "Consumption",
      configuration: {
        activeRevisionsMode: "Single",
        registries: expr(
          `if(empty(${p("containerRegistryName")}), createArray(), createArray(createObject('server', format('{0}{1}', toLower(${p("containerRegistryName")}), environment().suffixes.acrLoginServer), 'identity', ${ids.workerIdentity})))`,
        ),
        identitySettings: [
          // The scaler's identity serves KEDA only: the worker's code cannot get its tokens.
          { identity: expr(ids.scalerIdentity), lifecycle: "None" },
          { identity: expr(ids.workerIdentity), lifecycle: "Main" },
        ],
      },
      template: {
        terminationGracePeriodSeconds: expr(p("terminationGracePeriodSeconds")),
        containers: [
          {
            name: "worker",
            image: expr(p("image")),
            args: ["run"],
            resources: { cpu: expr(`json(${p("cpu")})`), memory: expr(p("memory")) },
            env: workerEnvironment(),
            probes: [
              probe("Startup", "/healthz", 2, 30),
              probe("Liveness", "/healthz", 10, 3),
              probe("Readiness", "/readyz", 10, 3),
            ],
          },
        ],
        scale: {
          minReplicas: expr(p("minReplicas")),
          maxReplicas: expr(p("maxReplicas")),
          pollingInterval: expr(p("scalePollingIntervalSeconds")),
          cooldownPeriod: expr(p("scaleCooldownSeconds")),
          rules: [
            {
              name: "subscription-backlog",
              custom: {
                type: "azure-servicebus",
                metadata: {
                  namespace: expr(p("serviceBusNamespaceName")),
                  topicName: expr(p("topicName")),
                  subscriptionName: expr(p("subscriptionName")),
                  messageCount: expr(`string(${p("scaleMessageCount")})`),
                  activationMessageCount: "0",
                },
                identity: expr(ids.scalerIdentity),
              },
            },
          ],
        },
      },
    },
  },
]

/** The deployment: parameters with defaults, every resource, and what an operator needs afterwards. */
export const deploymentTemplate = () => ({
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  metadata: {
    description:
      "Azure HayMaker event bus: the orchestrator worker on Container Apps, scaled by KEDA on the orchestrator-sub backlog, with its Service Bus topic, Blob archive, Log Analytics tables and data collection rule, and managed identities (no keys). Generated by packages/app-worker/infra/template.ts (`pnpm --filter @haymaker/app-worker infra`); do not edit by hand.",
  },
  parameters,
  variables: {
    workerIdentityName: "[format('id-{0}', parameters('containerAppName'))]",
    scalerIdentityName: "[format('id-{0}-scaler', parameters('containerAppName'))]",
  },
  resources: [
    ...identityResources,
    ...serviceBusResources,
    ...storageResources,
    ...logResources,
    ...roleAssignments,
    ...appResources,
  ],
  outputs: {
    serviceBusNamespace: {
      type: "string",
      value: expr(
        `replace(replace(reference(${ids.namespace}, '${API.serviceBus}').serviceBusEndpoint, 'https://', ''), ':443/', '')`,
      ),
    },
    topicName: { type: "string", value: expr(p("topicName")) },
    subscriptionName: { type: "string", value: expr(p("subscriptionName")) },
    workerIdentityClientId: {
      type: "string",
      value: expr(`reference(${ids.workerIdentity}, '${API.identity}').clientId`),
    },
    workerIdentityPrincipalId: {
      type: "string",
      value: expr(`reference(${ids.workerIdentity}, '${API.identity}').principalId`),
    },
    logsIngestionEndpoint: { type: "string", value: expr(`reference(${dcrId}, '${API.dcr}').endpoints.logsIngestion`) },
    dataCollectionRuleImmutableId: { type: "string", value: expr(`reference(${dcrId}, '${API.dcr}').immutableId`) },
    archiveAccountUrl: {
      type: "string",
      value: expr(`reference(${ids.storage}, '${API.storage}').primaryEndpoints.blob`),
    },
    workspaceCustomerId: { type: "string", value: expr(`reference(${ids.workspace}, '${API.workspace}').customerId`) },
    containerAppName: { type: "string", value: expr(p("containerAppName")) },
    tables: { type: "array", value: Streams.map((definition) => definition.table) },
    workbookName: { type: "string", value: "[guid(resourceGroup().id, 'haymaker-leak-report')]" },
  },
})

export const deploymentTemplateText = (): string => `${JSON.stringify(deploymentTemplate(), null, 2)}\n`
