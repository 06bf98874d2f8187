import { createHash } from "node:crypto"

/**
 * Just enough of Azure Resource Manager's template language to check a template without Azure: evaluates the
 * expressions (`[format(...)]`, `[resourceId(...)]`, `[reference(...).x]`, …) with parameter defaults and a fixed
 * resource group, and records every resource id an expression names. `reference()` answers plausible values for the
 * properties the worker's template reads (a deployment would answer the deployed resources' ones).
 */

export const SUBSCRIPTION_ID = "00000000-0000-0000-0000-0000000000aa"
export const RESOURCE_GROUP = "rg-haymaker"
const groupId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}`

type Value = unknown

interface Reference {
  readonly __reference: string
}

export interface ArmTemplate {
  readonly parameters: Record<string, { readonly type: string; readonly defaultValue?: unknown }>
  readonly variables?: Record<string, unknown>
  readonly resources: ReadonlyArray<ArmResource>
  readonly outputs?: Record<string, { readonly type: string; readonly value: unknown }>
}

export interface ArmResource {
  readonly type: string
  readonly apiVersion: string
  readonly name: string
  readonly scope?: string
  readonly condition?: string
  readonly dependsOn?: ReadonlyArray<string>
  readonly [key: string]: unknown
}

const hash = (parts: ReadonlyArray<unknown>) => createHash("sha256").update(parts.map(String).join("|")).digest("hex")

const guidOf = (parts: ReadonlyArray<unknown>) => {
  const h = hash(parts)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** `Microsoft.X/a/b` with names [n1, n2] → `providers/Microsoft.X/a/n1/b/n2`. */
const providerPath = (type: string, names: ReadonlyArray<unknown>) => {
  const [namespace, ...types] = type.split("/")
  if (types.length !== names.length)
    throw new Error(`resourceId('${type}') needs ${types.length} names, got ${names.length}`)
  return `providers/${namespace}/${types.map((t, i) => `${t}/${String(names[i])}`).join("/")}`
}

/** A resource's id from its type and (possibly `a/b/c`) name, or under its scope for an extension resource. */
export const idOf = (type: string, name: string, scope?: string) => {
  if (scope !== undefined) {
    const scopeId = scope.startsWith("/") ? scope : `${groupId}/providers/${scope}`
    return `${scopeId}/providers/${type}/${name}`
  }
  return `${groupId}/${providerPath(type, name.split("/"))}`
}

/** Plausible values for what the template reads with `reference()`, keyed by the resource type. */
const referenceValue = (id: string, path: ReadonlyArray<string>): Value => {
  const key = path.join(".")
  const name = id.split("/").at(-1) ?? ""
  const values: Record<string, Value> = {
    "endpoints.logsIngestion": "https://dcr-haymaker-a1b2.westeurope-1.ingest.monitor.azure.com",
    immutableId: `dcr-${hash([id]).slice(0, 32)}`,
    "primaryEndpoints.blob": `https://${name}.blob.core.windows.net/`,
    serviceBusEndpoint: `https://${name}.servicebus.windows.net:443/`,
    clientId: guidOf(["client", id]),
    principalId: guidOf(["principal", id]),
    customerId: guidOf(["customer", id]),
  }
  if (!(key in values)) throw new Error(`reference(${id}).${key}: no sample value`)
  return values[key]
}

// --- the expression language: calls, 'strings', numbers, .property and [index] accessors ---------------------

type Node =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "call"; readonly name: string; readonly args: ReadonlyArray<Node> }
  | { readonly kind: "property"; readonly target: Node; readonly name: string }
  | { readonly kind: "index"; readonly target: Node; readonly index: Node }

const parse = (text: string): Node => {
  let i = 0
  const skip = () => {
    while (text[i] === " ") i++
  }
  const expression = (): Node => {
    skip()
    let node: Node
    if (text[i] === "'") {
      let value = ""
      i++
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`)
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'"
          i += 2
        } else if (text[i] === "'") {
          i++
          break
        } else value += text[i++]
      }
      node = { kind: "string", value }
    } else if (/[-0-9]/.test(text[i] ?? "")) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i))
      if (match === null) throw new Error(`bad number at ${i} in ${text}`)
      i += match[0].length
      node = { kind: "number", value: Number(match[0]) }
    } else {
      const match = /^[A-Za-z][A-Za-z0-9]*/.exec(text.slice(i))
      if (match === null) throw new Error(`unexpected '${text[i]}' at ${i} in ${text}`)
      i += match[0].length
      skip()
      if (text[i] !== "(") throw new Error(`expected ( after ${match[0]} in ${text}`)
      i++
      const args: Array<Node> = []
      skip()
      if (text[i] === ")") i++
      else {
        for (;;) {
          args.push(expression())
          skip()
          if (text[i] === ",") i++
          else if (text[i] === ")") {
            i++
            break
          } else throw new Error(`expected , or ) at ${i} in ${text}`)
        }
      }
      node = { kind: "call", name: match[0], args }
    }
    for (;;) {
      skip()
      if (text[i] === ".") {
        i++
        const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))
        if (match === null) throw new Error(`expected a property at ${i} in ${text}`)
        i += match[0].length
        node = { kind: "property", target: node, name: match[0] }
      } else if (text[i] === "[") {
        i++
        const index = expression()
        skip()
        if (text[i] !== "]") throw new Error(`expected ] at ${i} in ${text}`)
        i++
        node = { kind: "index", target: node, index }
      } else return node
    }
  }
  const node = expression()
  skip()
  if (i !== text.length) throw new Error(`trailing text at ${i} in ${text}`)
  return node
}

/** Whether a template string is an expression (`[…]`, not the `[[` escape). */
export const isExpression = (value: unknown): value is string =>
  typeof value === "string" && value.startsWith("[") && !value.startsWith("[[") && value.endsWith("]")

export class ArmEvaluator {
  /** Every resource id an evaluated expression named (resourceId, extensionResourceId, reference). */
  readonly named = new Set<string>()
  /** The ids `reference()` read. */
  readonly referenced = new Set<string>()
  private readonly template: ArmTemplate
  private readonly overrides: Record<string, unknown>

  constructor(template: ArmTemplate, overrides: Record<string, unknown> = {}) {
    this.template = template
    this.overrides = overrides
  }

  parameter(name: string): Value {
    if (name in this.overrides) return this.overrides[name]
    const definition = this.template.parameters[name]
    if (definition === undefined) throw new Error(`parameters('${name}') is not declared`)
    if (!("defaultValue" in definition)) throw new Error(`parameters('${name}') has no default: pass an override`)
    return this.value(definition.defaultValue)
  }

  /** A template value with every expression in it evaluated. */
  value(value: unknown): Value {
    if (isExpression(value)) return this.evaluate(parse(value.slice(1, -1)))
    if (Array.isArray(value)) return value.map((item) => this.value(item))
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [this.value(key) as string, this.value(item)]),
      )
    }
    return value
  }

  private name(id: string): string {
    this.named.add(id.toLowerCase())
    return id
  }

  private evaluate(node: Node): Value {
    switch (node.kind) {
      case "string":
      case "number":
        return node.value
      case "property": {
        const target = this.evaluate(node.target)
        if (typeof target === "object" && target !== null && "__reference" in target) {
          return this.referenceProperty(target as Reference & { path?: ReadonlyArray<string> }, node.name)
        }
        return (target as Record<string, unknown>)[node.name]
      }
      case "index":
        return (this.evaluate(node.target) as Record<string, unknown>)[String(this.evaluate(node.index))]
      case "call":
        return this.call(node.name, node.args)
    }
  }

  private referenceProperty(target: Reference & { path?: ReadonlyArray<string> }, property: string): Value {
    const path = [...(target.path ?? []), property]
    const known = ["endpoints.logsIngestion", "immutableId", "primaryEndpoints.blob", "serviceBusEndpoint"]
    const leaf = ["clientId", "principalId", "customerId"]
    if (known.includes(path.join(".")) || leaf.includes(path.join("."))) return referenceValue(target.__reference, path)
    return { __reference: target.__reference, path }
  }

  private call(name: string, nodes: ReadonlyArray<Node>): Value {
    // if() evaluates only the branch it takes, as ARM does.
    if (name === "if") {
      const [condition, yes, no] = nodes as [Node, Node, Node]
      return this.evaluate(condition) === true ? this.evaluate(yes) : this.evaluate(no)
    }
    const args = nodes.map((node) => this.evaluate(node))
    const str = (i: number) => String(args[i])
    switch (name) {
      case "parameters":
        return this.parameter(str(0))
      case "variables":
        return this.value(this.template.variables?.[str(0)])
      case "resourceGroup":
        return { id: groupId, name: RESOURCE_GROUP, location: "westeurope" }
      case "subscription":
        return { id: `/subscriptions/${SUBSCRIPTION_ID}`, subscriptionId: SUBSCRIPTION_ID }
      case "environment":
        return { suffixes: { acrLoginServer: ".azurecr.io", storage: "core.windows.net" } }
      case "uniqueString":
        return BigInt(`0x${hash(args).slice(0, 15)}`)
          .toString(36)
          .padStart(13, "a")
          .slice(0, 13)
      case "guid":
        return guidOf(args)
      case "format":
        return str(0).replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n) + 1]))
      case "concat":
        return args.every(Array.isArray) ? args.flat() : args.map(String).join("")
      case "replace":
        return str(0).split(str(1)).join(str(2))
      case "toLower":
        return str(0).toLowerCase()
      case "take":
        return str(0).slice(0, Number(args[1]))
      case "string":
        return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0])
      case "json":
        return JSON.parse(str(0))
      case "mul":
        return Number(args[0]) * Number(args[1])
      case "sub":
        return Number(args[0]) - Number(args[1])
      case "equals":
        return args[0] === args[1]
      case "not":
        return args[0] !== true
      case "empty":
        return args[0] === "" || args[0] === null || (Array.isArray(args[0]) && args[0].length === 0)
      case "createArray":
        return args
      case "createObject": {
        const entries: Array<[string, unknown]> = []
        for (let i = 0; i < args.length; i += 2) entries.push([String(args[i]), args[i + 1]])
        return Object.fromEntries(entries)
      }
      case "resourceId":
        return this.name(`${groupId}/${providerPath(str(0), args.slice(1))}`)
      case "subscriptionResourceId":
        return `/subscriptions/${SUBSCRIPTION_ID}/${providerPath(str(0), args.slice(1))}`
      case "extensionResourceId":
        return this.name(`${str(0)}/providers/${str(1)}/${str(2)}`)
      case "reference": {
        const id = str(0)
        this.name(id)
        this.referenced.add(id.toLowerCase())
        return { __reference: id }
      }
      default:
        throw new Error(`${name}() is not supported by this evaluator`)
    }
  }
}
