// The worker's Azure deployment (infra/haymaker-worker.json) checked without Azure: its expressions are evaluated
// with the parameters' defaults (test/support/armTemplate.ts), so dependencies, role assignments and the worker's
// environment are compared as ARM would resolve them.
import { readFileSync } from "node:fs"
import { Streams, streamDeclarations } from "@haymaker/adapters-sinks"
import { Duration, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { deploymentTemplate, WORKER_HTTP_PORT } from "../infra/template.ts"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { ArmEvaluator, type ArmResource, type ArmTemplate, idOf, SUBSCRIPTION_ID } from "./support/armTemplate.ts"

const shipped = JSON.parse(
  readFileSync(new URL("../infra/haymaker-worker.json", import.meta.url), "utf8"),
) as ArmTemplate
const image = "haymakeracr.azurecr.io/haymaker-worker:1.0.0"
/** The one parameter without a default, and a registry so that the conditional AcrPull assignment is evaluated too. */
const overrides = { image, containerRegistryName: "haymakeracr" }

const evaluator = () => new ArmEvaluator(shipped, overrides)
const resourcesOf = (type: string) => shipped.resources.filter((resource) => resource.type === type)
const only = (type: string): ArmResource => {
  const [resource, ...others] = resourcesOf(type)
  if (resource === undefined || others.length > 0) throw new Error(`expected exactly one ${type}`)
  return resource
}
const evaluated = <A>(value: unknown): A => evaluator().value(value) as A
const lower = (text: string) => text.toLowerCase()

/** Every resource's id as ARM computes it (extension resources under their scope). */
const resourceIds = () => {
  const arm = evaluator()
  return new Map(
    shipped.resources.map((resource) => {
      const scope = resource.scope === undefined ? undefined : (arm.value(resource.scope) as string)
      return [lower(idOf(resource.type, arm.value(resource.name) as string, scope)), resource] as const
    }),
  )
}

const app = only("Microsoft.App/containerApps")
const appProperties = evaluated<{
  configuration: {
    registries: Array<{ server: string; identity: string }>
    identitySettings: Array<{ identity: string; lifecycle: string }>
  }
  template: {
    terminationGracePeriodSeconds: number
    containers: Array<{
      image: string
      env: Array<{ name: string; value?: string; secretRef?: string }>
      probes: Array<{ type: string; httpGet: { path: string; port: number } }>
    }>
    scale: {
      minReplicas: number
      maxReplicas: number
      rules: Array<{ name: string; custom: { type: string; metadata: Record<string, string>; identity: string } }>
    }
  }
}>(app.properties)
const worker = appProperties.template.containers[0]
const workerEnv = Object.fromEntries((worker?.env ?? []).map((entry) => [entry.name, entry.value ?? ""]))
const identityId = (variable: string) =>
  lower(evaluated<string>(`[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('${variable}'))]`))

describe("the worker's Azure deployment (infra/haymaker-worker.json)", () => {
  it("is exactly what infra/template.ts generates (run `pnpm --filter @haymaker/app-worker infra` after edits)", () => {
    expect(shipped).toEqual(JSON.parse(JSON.stringify(deploymentTemplate())))
  })

  it("creates what the worker needs, each once", () => {
    const counts = Object.fromEntries(
      [...new Set(shipped.resources.map((r) => r.type))].map((type) => [type, resourcesOf(type).length]),
    )
    expect(counts).toEqual({
      "Microsoft.ManagedIdentity/userAssignedIdentities": 2,
      "Microsoft.ServiceBus/namespaces": 1,
      "Microsoft.ServiceBus/namespaces/topics": 1,
      "Microsoft.ServiceBus/namespaces/topics/subscriptions": 1,
      "Microsoft.Storage/storageAccounts": 1,
      "Microsoft.Storage/storageAccounts/blobServices": 1,
      "Microsoft.Storage/storageAccounts/blobServices/containers": 1,
      "Microsoft.OperationalInsights/workspaces": 1,
      "Microsoft.OperationalInsights/workspaces/tables": Streams.length,
      "Microsoft.Insights/dataCollectionRules": 1,
      "Microsoft.Insights/workbooks": 1,
      "Microsoft.Authorization/roleAssignments": 5,
      "Microsoft.App/managedEnvironments": 1,
      "Microsoft.Insights/diagnosticSettings": 1,
      "Microsoft.App/containerApps": 1,
    })
    const arm = evaluator()
    expect(arm.value(only("Microsoft.ServiceBus/namespaces/topics").name)).toMatch(/\/agent-logs$/)
    expect(arm.value(only("Microsoft.ServiceBus/namespaces/topics/subscriptions").name)).toMatch(
      /\/agent-logs\/orchestrator-sub$/,
    )
    expect(arm.value(only("Microsoft.Storage/storageAccounts").name)).toMatch(/^[a-z0-9]{3,24}$/)
  })

  it("names in every dependsOn a resource of the template, and depends on every template resource it uses", () => {
    const ids = resourceIds()
    const dependencies = new Map<string, Set<string>>()
    for (const [id, resource] of ids) {
      const arm = evaluator()
      const declared = (resource.dependsOn ?? []).map((entry) => lower(arm.value(entry) as string))
      for (const dependency of declared) expect(ids.has(dependency), `${id} depends on ${dependency}`).toBe(true)
      dependencies.set(id, new Set(declared))
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      if (seen.has(from)) return false
      seen.add(from)
      const direct = dependencies.get(from) ?? new Set()
      return direct.has(to) || [...direct].some((next) => reaches(next, to, seen))
    }
    for (const [id, resource] of ids) {
      // What the resource's definition names (its body, its scope), apart from itself.
      const arm = evaluator()
      const { dependsOn: _dependsOn, name: _name, ...body } = resource
      arm.value(body)
      const uses = [...arm.named].filter((used) => used !== id && ids.has(used))
      for (const used of uses) expect(reaches(id, used), `${id} uses ${used} without depending on it`).toBe(true)
      // A child resource (namespaces/topics, …) depends on its parent.
      const parent = id.replace(/\/[^/]+\/[^/]+$/, "")
      if (resource.scope === undefined && ids.has(parent)) expect(reaches(id, parent), `${id} → parent`).toBe(true)
    }
    // The app starts after every grant it relies on, so replicas do not come up unauthorised.
    const appId = [...ids].find(([, resource]) => resource === app)?.[0] ?? ""
    for (const [id, resource] of ids) {
      if (resource.type === "Microsoft.Authorization/roleAssignments") expect(reaches(appId, id), id).toBe(true)
    }
  })

  it("grants each identity exactly its built-in roles, on the narrowest scope", () => {
    const arm = evaluator()
    const worker = identityId("workerIdentityName")
    const scaler = identityId("scalerIdentityName")
    const group = `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/rg-haymaker/providers`
    const ns = lower(arm.value("[parameters('serviceBusNamespaceName')]") as string)
    const account = lower(arm.value("[parameters('storageAccountName')]") as string)
    const assignments = resourcesOf("Microsoft.Authorization/roleAssignments").map((assignment) => {
      const properties = arm.value(assignment.properties) as { roleDefinitionId: string; principalType: string }
      const reader = new ArmEvaluator(shipped, overrides)
      reader.value((assignment.properties as { principalId: string }).principalId)
      return {
        role: properties.roleDefinitionId.split("/").at(-1),
        definitionScope: properties.roleDefinitionId.split("/providers/")[0],
        scope: lower(`${group}/${arm.value(assignment.scope) as string}`),
        identity: [...reader.referenced][0],
        principalType: properties.principalType,
        conditional: assignment.condition !== undefined,
      }
    })
    // Ids as the Azure built-in roles reference lists them.
    expect(assignments).toEqual(
      expect.arrayContaining([
        {
          role: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", // Azure Service Bus Data Receiver
          definitionScope: `/subscriptions/${SUBSCRIPTION_ID}`,
          scope: `${group}/microsoft.servicebus/namespaces/${ns}/topics/agent-logs/subscriptions/orchestrator-sub`,
          identity: worker,
          principalType: "ServicePrincipal",
          conditional: false,
        },
        {
          role: "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor
          definitionScope: `/subscriptions/${SUBSCRIPTION_ID}`,
          scope: `${group}/microsoft.storage/storageaccounts/${account}/blobservices/default/containers/haymaker-events`,
          identity: worker,
          principalType: "ServicePrincipal",
          conditional: false,
        },
        {
          role: "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
          definitionScope: `/subscriptions/${SUBSCRIPTION_ID}`,
          scope: `${group}/microsoft.insights/datacollectionrules/dcr-haymaker-event-bus`,
          identity: worker,
          principalType: "ServicePrincipal",
          conditional: false,
        },
        {
          role: "090c5cfd-751d-490a-894a-3ce6f1109419", // Azure Service Bus Data Owner: KEDA reads the message count
          definitionScope: `/subscriptions/${SUBSCRIPTION_ID}`,
          scope: `${group}/microsoft.servicebus/namespaces/${ns}/topics/agent-logs`,
          identity: scaler,
          principalType: "ServicePrincipal",
          conditional: false,
        },
        {
          role: "7f951dda-4ed3-4680-a7ca-43fe172d538d", // AcrPull, when the image is in a registry of the group
          definitionScope: `/subscriptions/${SUBSCRIPTION_ID}`,
          scope: `${group}/microsoft.containerregistry/registries/haymakeracr`,
          identity: worker,
          principalType: "ServicePrincipal",
          conditional: true,
        },
      ]),
    )
    expect(assignments).toHaveLength(5)
    // Assignment names are stable guids of scope, identity and role: redeploying changes nothing.
    const names = resourcesOf("Microsoft.Authorization/roleAssignments").map((r) => arm.value(r.name))
    expect(new Set(names).size).toBe(5)
  })

  it("configures the worker with exactly the variables its configuration reads, as a valid managed-identity profile", async () => {
    // The variables loadWorkerConfig looks up, recorded through a proxy over the environment.
    const read = new Set<string>()
    const recording = new Proxy(workerEnv, {
      get: (target, key) => {
        if (typeof key === "string") read.add(key)
        return target[key as string]
      },
      has: (target, key) => {
        if (typeof key === "string") read.add(key)
        return key in target
      },
    })
    const config = await Effect.runPromise(loadWorkerConfig(recording))
    for (const name of Object.keys(workerEnv)) expect(read, `${name} is not a worker setting`).toContain(name)
    expect(config.bus).toEqual({
      _tag: "Namespace",
      fullyQualifiedNamespace: `${evaluated<string>("[parameters('serviceBusNamespaceName')]")}.servicebus.windows.net`,
    })
    expect(config.topic).toBe("agent-logs")
    expect(config.subscription).toBe("orchestrator-sub")
    expect(config.sinks).toMatchObject({
      _tag: "Azure",
      logAnalytics: { endpoint: expect.stringMatching(/^https:\/\/.+\.ingest\.monitor\.azure\.com$/) },
      archive: {
        accountUrl: expect.stringMatching(/^https:\/\/.+\.blob\.core\.windows\.net\/$/),
        container: "haymaker-events",
      },
    })
    expect(config.credential).toEqual({
      _tag: "ManagedIdentity",
      clientId: Option.some(
        evaluator().value(
          "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('workerIdentityName')), '2023-01-31').clientId]",
        ),
      ),
    })
    // The probes ask the port the worker serves, and a stopping replica drains within the platform's grace period.
    expect(config.httpPort).toBe(WORKER_HTTP_PORT)
    expect(worker?.probes.map((probe) => [probe.type, probe.httpGet.path, probe.httpGet.port])).toEqual([
      ["Startup", "/healthz", WORKER_HTTP_PORT],
      ["Liveness", "/healthz", WORKER_HTTP_PORT],
      ["Readiness", "/readyz", WORKER_HTTP_PORT],
    ])
    expect(Duration.toMillis(config.shutdownTimeout)).toBeLessThan(
      appProperties.template.terminationGracePeriodSeconds * 1000,
    )
    expect(worker?.image).toBe(image)
  })

  it("scales with KEDA's azure-servicebus scaler on the subscription's backlog, signed in as the scaler's identity", () => {
    const scale = appProperties.template.scale
    expect(scale.minReplicas).toBe(1)
    expect(scale.maxReplicas).toBe(10)
    expect(scale.rules).toEqual([
      {
        name: "subscription-backlog",
        custom: {
          type: "azure-servicebus",
          metadata: {
            namespace: evaluated("[parameters('serviceBusNamespaceName')]"),
            topicName: "agent-logs",
            subscriptionName: "orchestrator-sub",
            messageCount: "2000",
            activationMessageCount: "0",
          },
          identity: expect.any(String),
        },
      },
    ])
    const scaler = identityId("scalerIdentityName")
    expect(lower(scale.rules[0]?.custom.identity ?? "")).toBe(scaler)
    const identities = evaluated<{ userAssignedIdentities: Record<string, unknown> }>(app.identity)
    expect(Object.keys(identities.userAssignedIdentities).map(lower).sort()).toEqual(
      [identityId("workerIdentityName"), scaler].sort(),
    )
    // The scaler's identity serves scaling only; the worker's code gets the worker's.
    expect(
      appProperties.configuration.identitySettings.map((setting) => [lower(setting.identity), setting.lifecycle]),
    ).toEqual([
      [scaler, "None"],
      [identityId("workerIdentityName"), "Main"],
    ])
    expect(appProperties.configuration.registries).toEqual([
      { server: "haymakeracr.azurecr.io", identity: expect.any(String) },
    ])
  })

  it("sets up the Service Bus subscription for peek-lock with dead-lettering", () => {
    const subscription = evaluated<Record<string, unknown>>(
      only("Microsoft.ServiceBus/namespaces/topics/subscriptions").properties,
    )
    expect(subscription).toMatchObject({
      lockDuration: "PT1M",
      maxDeliveryCount: 10,
      deadLetteringOnMessageExpiration: true,
      deadLetteringOnFilterEvaluationExceptions: true,
      requiresSession: false,
    })
  })

  it("declares the tables and the rule from the sinks' stream declarations (one source of truth)", () => {
    const rule = evaluated<{ streamDeclarations: unknown; dataFlows: Array<{ outputStream: string }> }>(
      only("Microsoft.Insights/dataCollectionRules").properties,
    )
    expect(rule.streamDeclarations).toEqual(streamDeclarations())
    expect(rule.dataFlows.map((flow) => flow.outputStream)).toEqual(Streams.map((d) => `Custom-${d.table}`))
    const tables = resourcesOf("Microsoft.OperationalInsights/workspaces/tables").map((table) =>
      evaluated<{ schema: { name: string; columns: Array<{ name: string }> } }>(table.properties),
    )
    expect(tables.map((table) => table.schema.name)).toEqual(Streams.map((d) => d.table))
    for (const [i, definition] of Streams.entries()) {
      expect(tables[i]?.schema.columns.map((column) => column.name)).toEqual(definition.columns.map((c) => c.name))
    }
  })

  it("deploys the leak report's workbook (adapters-sinks/infra/haymaker-workbook.json) on the workspace", () => {
    const workbook = evaluated<{ kind: string; properties: { sourceId: string; serializedData: string } }>(
      only("Microsoft.Insights/workbooks"),
    )
    const shippedWorkbook = JSON.parse(
      readFileSync(new URL("../../adapters-sinks/infra/haymaker-workbook.json", import.meta.url), "utf8"),
    ) as unknown
    expect(JSON.parse(workbook.properties.serializedData)).toEqual(shippedWorkbook)
    expect(workbook.kind).toBe("shared")
    expect(lower(workbook.properties.sourceId)).toBe(
      lower(evaluated("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]")),
    )
  })

  it("holds no secret: no keys, connection strings or secret references, and local auth is off everywhere", () => {
    const text = JSON.stringify(shipped)
    for (const forbidden of [
      /listKeys/i,
      /listConnectionStrings/i,
      /listSecrets/i,
      /SharedAccessKey/i,
      /AccountKey/i,
      /connectionString/i,
      /"sharedKey"/i,
      /secretRef/i,
      /"secrets"/,
      /securestring/i,
      /secureObject/i,
    ]) {
      expect(forbidden.exec(text)?.[0], String(forbidden)).toBeUndefined()
    }
    expect(Object.keys(workerEnv).filter((name) => /CONNECTION_STRING|KEY|SECRET|PASSWORD/.test(name))).toEqual([])
    expect(only("Microsoft.ServiceBus/namespaces").properties).toMatchObject({ disableLocalAuth: true })
    expect(only("Microsoft.Storage/storageAccounts").properties).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
    })
    expect(only("Microsoft.OperationalInsights/workspaces").properties).toMatchObject({
      features: { disableLocalAuth: true },
    })
    // Container logs reach the workspace through a diagnostic setting, not with the workspace's shared key.
    expect(only("Microsoft.App/managedEnvironments").properties).toMatchObject({
      appLogsConfiguration: { destination: "azure-monitor" },
    })
    expect(appProperties.template.scale.rules.every((rule) => !("auth" in rule.custom))).toBe(true)
  })

  it("has a default for every parameter but the image", () => {
    const withoutDefault = Object.entries(shipped.parameters)
      .filter(([, definition]) => !("defaultValue" in definition))
      .map(([name]) => name)
    expect(withoutDefault).toEqual(["image"])
  })
})
