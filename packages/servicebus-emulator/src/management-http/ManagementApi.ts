import type { IncomingMessage, ServerResponse } from "node:http"
import type { TLSSocket } from "node:tls"
import { brokerErrorStatus } from "../amqp/conditions.ts"
import { addRule, removeRule } from "../amqp/ruleManagement.ts"
import type { SharedAccessPolicy } from "../amqp/sharedAccessSignature.ts"
import { type Broker, entityPathOf } from "../broker/Broker.ts"
import { BrokerError } from "../broker/BrokerError.ts"
import type { EntityTimes, QueueEntity, SubscriptionEntity, TopicEntity } from "../broker/entities.ts"
import type { Rule } from "../broker/rules.ts"
import { defaultRuleName } from "../config/defaults.ts"
import { nameProblem } from "../config/parseConfig.ts"
import type { Logger } from "../log.ts"
import { type AtomEntry, emptyFeedDocument, entryDocument, errorDocument, feedDocument } from "./atomFeed.ts"
import { authorizeRequest } from "./authorizeRequest.ts"
import { DescriptionReader } from "./DescriptionReader.ts"
import { badRequest, ManagementError } from "./ManagementError.ts"
import { type ForwardTarget, queueDescriptionXml, readQueueDescription } from "./queueDescription.ts"
import { parseRoute, type Route } from "./routes.ts"
import { type AmqpRuleDescription, readRuleDescription, ruleDescriptionXml } from "./ruleDescription.ts"
import { readSubscriptionDescription, subscriptionDescriptionXml } from "./subscriptionDescription.ts"
import { readTopicDescription, topicDescriptionXml } from "./topicDescription.ts"
import { childElement, parseXml, textTag, type XmlElement } from "./xml.ts"

export interface ManagementApiOptions {
  readonly broker: Broker
  readonly policies: ReadonlyArray<SharedAccessPolicy>
  readonly logger: Logger
  /** The namespace name reported by `$namespaceinfo` and as the author of entries. */
  readonly namespaceName: string
  readonly startedAtMs?: number
}

/** A plain Node HTTP request handler; the listener (HTTP, HTTPS, or the AMQP port's protocol sniffing) is the caller's. */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void

const maxBodyBytes = 1024 * 1024
const defaultPageSize = 100

interface Exchange {
  readonly request: IncomingMessage
  readonly route: Route
  /** `https://host:port/` as the client addressed us. */
  readonly base: string
  readonly query: URLSearchParams
  readonly body: string
}

interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType: string
}

const entryType = "application/atom+xml;type=entry;charset=utf-8"
const feedType = "application/atom+xml;type=feed;charset=utf-8"

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) {
        reject(new ManagementError(413, `The request body exceeds ${maxBodyBytes} bytes.`))
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const checkName = (name: string, what: "queue" | "topic" | "subscription" | "rule"): void => {
  if (what === "rule" && name === defaultRuleName) return
  const problem = nameProblem(name, what)
  if (problem !== undefined) throw badRequest(`Invalid name: ${problem}.`)
}

/** What an entity's update cannot change, as Azure refuses it: the element and the property it sets. */
const immutableProperties = {
  RequiresSession: "requiresSession",
  RequiresDuplicateDetection: "requiresDuplicateDetection",
} as const

type ImmutableProperties = Partial<Record<(typeof immutableProperties)[keyof typeof immutableProperties], boolean>>

const refuseImmutableChanges = (reader: DescriptionReader, before: ImmutableProperties, after: ImmutableProperties) => {
  for (const [element, property] of Object.entries(immutableProperties)) {
    if (before[property] !== after[property]) reader.refuse(element, "cannot be changed once the entity exists")
  }
}

/** The description element of a PUT body: `<entry><content><QueueDescription>`, or the bare description. */
const descriptionOf = (body: string): XmlElement => {
  const root = parseXml(body)
  if (root === undefined) throw badRequest("The request body is not an XML document.")
  if (root.name !== "entry") return root
  const content = childElement(root, "content")
  const description = content?.children[0]
  if (description === undefined) throw badRequest("The ATOM entry has no <content> description.")
  return description
}

/** The Service Bus ATOM management API over the broker: what `ServiceBusAdministrationClient` speaks. */
export class ManagementApi {
  private readonly options: ManagementApiOptions
  private readonly broker: Broker
  private readonly startedAtMs: number

  constructor(options: ManagementApiOptions) {
    this.options = options
    this.broker = options.broker
    this.startedAtMs = options.startedAtMs ?? options.broker.now()
  }

  /** Serves one request; answers every failure with Service Bus's XML error body. */
  readonly handle: HttpHandler = (request, response) => {
    this.serve(request).then(
      (reply) => this.send(response, reply),
      (error: unknown) => this.send(response, this.errorReply(error, request)),
    )
  }

  private async serve(request: IncomingMessage): Promise<Reply> {
    const url = new URL(request.url ?? "/", "http://localhost")
    let path: string
    try {
      path = decodeURIComponent(url.pathname).replace(/^\/+/, "")
    } catch {
      throw badRequest("The request path is not valid percent-encoding.")
    }
    authorizeRequest(request, path, this.options.policies, this.broker.now())
    const route = parseRoute(path)
    if (route === undefined) throw new ManagementError(404, "The management API has no resource at '/'.")
    const method = request.method ?? "GET"
    const encrypted = (request.socket as TLSSocket).encrypted === true
    const exchange: Exchange = {
      request,
      route,
      base: `${encrypted ? "https" : "http"}://${request.headers.host ?? "localhost"}/`,
      query: url.searchParams,
      body: method === "PUT" ? await readBody(request) : "",
    }
    if (method === "GET") return this.get(exchange)
    // With a data directory, a change is confirmed once it is stored.
    if (method === "PUT") return this.stored(this.put(exchange, request.headers["if-match"] !== undefined))
    if (method === "DELETE") return this.stored(this.delete(exchange))
    throw new ManagementError(405, `The method ${method} is not supported by the management API.`)
  }

  private async stored(reply: Reply): Promise<Reply> {
    await this.broker.whenDurable()
    return reply
  }

  private get(exchange: Exchange): Reply {
    const { route } = exchange
    switch (route.kind) {
      case "namespace":
        return this.entry(exchange, {
          path: "$namespaceinfo",
          title: this.options.namespaceName,
          createdMs: this.startedAtMs,
          updatedMs: this.startedAtMs,
          content: this.namespaceXml(),
        })
      case "queues":
        return this.feed(exchange, "Queues", "$Resources/Queues", [...this.broker.queues.values()], (q) =>
          this.queueEntry(exchange, q),
        )
      case "topics":
        return this.feed(exchange, "Topics", "$Resources/Topics", [...this.broker.topics.values()], (t) =>
          this.topicEntry(exchange, t),
        )
      case "entity": {
        const ref = this.broker.find(route.name)
        if (ref?.kind === "queue" && !ref.deadLetter) return this.entry(exchange, this.queueEntry(exchange, ref.queue))
        if (ref?.kind === "topic") return this.entry(exchange, this.topicEntry(exchange, ref.topic))
        return { status: 200, body: emptyFeedDocument(), contentType: feedType }
      }
      case "subscriptions": {
        const topic = this.topic(route.topic)
        return this.feed(
          exchange,
          "Subscriptions",
          `${topic.name}/Subscriptions`,
          [...topic.subscriptions.values()],
          (s) => this.subscriptionEntry(exchange, s),
        )
      }
      case "subscription": {
        const subscription = this.broker.topics
          .get(route.topic.toLowerCase())
          ?.subscriptions.get(route.name.toLowerCase())
        if (subscription === undefined) return { status: 200, body: emptyFeedDocument(), contentType: feedType }
        return this.entry(exchange, this.subscriptionEntry(exchange, subscription))
      }
      case "rules": {
        const subscription = this.subscription(route.topic, route.subscription)
        return this.feed(
          exchange,
          "Rules",
          `${this.subscriptionPath(subscription)}/Rules`,
          [...subscription.rules.values()],
          (r) => this.ruleEntry(exchange, subscription, r),
        )
      }
      case "rule": {
        const subscription = this.broker.topics
          .get(route.topic.toLowerCase())
          ?.subscriptions.get(route.subscription.toLowerCase())
        const rule = subscription?.rules.get(route.name.toLowerCase())
        if (subscription === undefined || rule === undefined) {
          return { status: 200, body: emptyFeedDocument(), contentType: feedType }
        }
        return this.entry(exchange, this.ruleEntry(exchange, subscription, rule))
      }
    }
  }

  private put(exchange: Exchange, update: boolean): Reply {
    const { route } = exchange
    const description = descriptionOf(exchange.body)
    const reader = new DescriptionReader(description)
    const now = this.broker.now()
    const status = update ? 200 : 201
    switch (route.kind) {
      case "entity": {
        const existing = this.broker.find(route.name)
        if (description.name === "QueueDescription") {
          if (!update) checkName(route.name, "queue")
          const config = readQueueDescription(reader, route.name, this.forwardTarget(route.name, route.name))
          if (!update) {
            const queue = this.broker.createQueue(config)
            this.options.logger.info("queue created", { queue: queue.name })
            return this.entry(exchange, this.queueEntry(exchange, queue), status)
          }
          if (existing?.kind !== "queue" || existing.deadLetter) throw this.missing(route.name)
          const queue = existing.queue
          refuseImmutableChanges(reader, queue.config.properties, config.properties)
          queue.reconfigure({ ...config, name: queue.name }, now)
          this.options.logger.info("queue updated", { queue: queue.name })
          return this.entry(exchange, this.queueEntry(exchange, queue), status)
        }
        if (description.name === "TopicDescription") {
          if (!update) checkName(route.name, "topic")
          const config = readTopicDescription(reader, route.name)
          if (!update) {
            const topic = this.broker.createTopic(config)
            this.options.logger.info("topic created", { topic: topic.name })
            return this.entry(exchange, this.topicEntry(exchange, topic), status)
          }
          if (existing?.kind !== "topic") throw this.missing(route.name)
          const topic = existing.topic
          refuseImmutableChanges(reader, topic.config.properties, config.properties)
          topic.reconfigure({ ...config, name: topic.name, subscriptions: topic.config.subscriptions }, now)
          this.options.logger.info("topic updated", { topic: topic.name })
          return this.entry(exchange, this.topicEntry(exchange, topic), status)
        }
        throw badRequest(`Expected a QueueDescription or TopicDescription, got <${description.name}>.`)
      }
      case "subscription": {
        this.expect(description, "SubscriptionDescription")
        const topic = this.topic(route.topic)
        const config = readSubscriptionDescription(reader, route.name, this.forwardTarget(route.topic, undefined))
        const existing = topic.subscriptions.get(route.name.toLowerCase())
        if (update) {
          if (existing === undefined) throw this.missing(`${topic.name}/Subscriptions/${route.name}`)
          refuseImmutableChanges(reader, existing.config.properties, config.properties)
          existing.reconfigure({ ...config, name: existing.name, rules: existing.config.rules }, now)
          this.options.logger.info("subscription updated", { subscription: this.subscriptionPath(existing) })
          return this.entry(exchange, this.subscriptionEntry(exchange, existing), status)
        }
        checkName(route.name, "subscription")
        if (existing !== undefined) {
          throw new BrokerError(
            "EntityAlreadyExists",
            `The messaging entity '${this.subscriptionPath(existing)}' already exists.`,
          )
        }
        const defaultRule = childElement(description, "DefaultRuleDescription")
        const rule =
          defaultRule === undefined
            ? { name: defaultRuleName, description: { "sql-filter": { expression: "1=1" } } as AmqpRuleDescription }
            : readRuleDescription(defaultRule)
        const subscription = topic.addSubscription(config)
        try {
          this.addRule(subscription, rule.name ?? defaultRuleName, rule.description)
        } catch (error) {
          topic.removeSubscription(subscription)
          throw error
        }
        this.options.logger.info("subscription created", { subscription: this.subscriptionPath(subscription) })
        return this.entry(exchange, this.subscriptionEntry(exchange, subscription), status)
      }
      case "rule": {
        this.expect(description, "RuleDescription")
        const subscription = this.subscription(route.topic, route.subscription)
        checkName(route.name, "rule")
        const { description: rule } = readRuleDescription(description)
        const existing = subscription.rules.get(route.name.toLowerCase())
        if (update) {
          if (existing === undefined) throw this.missing(`${this.subscriptionPath(subscription)}/Rules/${route.name}`)
          // Replace atomically: a refused new definition leaves the old rule in place.
          subscription.rules.delete(route.name.toLowerCase())
          try {
            this.addRule(subscription, existing.name, rule)
          } catch (error) {
            subscription.rules.set(route.name.toLowerCase(), existing)
            throw error
          }
        } else {
          this.addRule(subscription, route.name, rule)
        }
        const saved = subscription.rules.get(route.name.toLowerCase()) as Rule
        return this.entry(exchange, this.ruleEntry(exchange, subscription, saved), status)
      }
      default:
        throw new ManagementError(405, `PUT is not supported on '${exchange.request.url ?? ""}'.`)
    }
  }

  private delete(exchange: Exchange): Reply {
    const { route } = exchange
    switch (route.kind) {
      case "entity": {
        const ref = this.broker.find(route.name)
        if (ref?.kind === "queue" && !ref.deadLetter) {
          this.broker.deleteQueue(ref.queue)
          this.options.logger.info("queue deleted", { queue: ref.queue.name })
        } else if (ref?.kind === "topic") {
          this.broker.deleteTopic(ref.topic)
          this.options.logger.info("topic deleted", { topic: ref.topic.name })
        } else {
          throw this.missing(route.name)
        }
        return { status: 200, body: "", contentType: entryType }
      }
      case "subscription": {
        const topic = this.topic(route.topic)
        const subscription = topic.subscriptions.get(route.name.toLowerCase())
        if (subscription === undefined) throw this.missing(`${topic.name}/Subscriptions/${route.name}`)
        topic.removeSubscription(subscription)
        this.options.logger.info("subscription deleted", { subscription: this.subscriptionPath(subscription) })
        return { status: 200, body: "", contentType: entryType }
      }
      case "rule": {
        const subscription = this.subscription(route.topic, route.subscription)
        removeRule(subscription, this.subscriptionPath(subscription), { "rule-name": route.name })
        return { status: 200, body: "", contentType: entryType }
      }
      default:
        throw new ManagementError(405, `DELETE is not supported on '${exchange.request.url ?? ""}'.`)
    }
  }

  /** Rules go through the AMQP rule manager's own code path, so both APIs accept and refuse the same filters. */
  private addRule(subscription: SubscriptionEntity, name: string, description: AmqpRuleDescription): void {
    addRule(subscription, this.subscriptionPath(subscription), {
      "rule-name": name,
      "rule-description": description,
    })
  }

  /**
   * Validates ForwardTo / ForwardDeadLetteredMessagesTo as Config.json's are: an existing queue or topic, and not a
   * loop straight back (a queue to itself, a subscription's ForwardTo to its own topic).
   */
  private forwardTarget(self: string, selfForDeadLetters: string | undefined): ForwardTarget {
    return (reader, element) => {
      const text = reader.text(element)
      if (text === undefined || text === "") return undefined
      const ref = this.broker.find(entityPathOf(text))
      if (
        ref === undefined ||
        (ref.kind !== "queue" && ref.kind !== "topic") ||
        (ref.kind === "queue" && ref.deadLetter)
      ) {
        return reader.refuse(element, `names '${text}', which is neither a queue nor a topic of this namespace`)
      }
      const name = ref.kind === "queue" ? ref.queue.name : ref.topic.name
      const forbidden = element === "ForwardTo" ? self : selfForDeadLetters
      if (forbidden !== undefined && name.toLowerCase() === forbidden.toLowerCase()) {
        return reader.refuse(element, `cannot name '${forbidden}', which would forward its messages back to it`)
      }
      return name
    }
  }

  private expect(description: XmlElement, name: string): void {
    if (description.name !== name) throw badRequest(`Expected a ${name}, got <${description.name}>.`)
  }

  private topic(name: string): TopicEntity {
    const topic = this.broker.topics.get(name.toLowerCase())
    if (topic === undefined) throw this.missing(name)
    return topic
  }

  private subscription(topicName: string, name: string): SubscriptionEntity {
    const topic = this.topic(topicName)
    const subscription = topic.subscriptions.get(name.toLowerCase())
    if (subscription === undefined) throw this.missing(`${topic.name}/Subscriptions/${name}`)
    return subscription
  }

  private subscriptionPath(subscription: SubscriptionEntity): string {
    return `${subscription.topic.name}/Subscriptions/${subscription.name}`
  }

  private missing(path: string): ManagementError {
    return new ManagementError(
      404,
      `Entity '${path}' was not found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
    )
  }

  private forwardUrl(exchange: Exchange): (name: string) => string {
    return (name) => `sb://${exchange.request.headers.host ?? "localhost"}/${name}`
  }

  private queueEntry(exchange: Exchange, queue: QueueEntity): EntryFields {
    return entryFields(queue.name, queue.name, queue.times, queueDescriptionXml(queue, this.forwardUrl(exchange)))
  }

  private topicEntry(_exchange: Exchange, topic: TopicEntity): EntryFields {
    return entryFields(topic.name, topic.name, topic.times, topicDescriptionXml(topic))
  }

  private subscriptionEntry(exchange: Exchange, subscription: SubscriptionEntity): EntryFields {
    const content = subscriptionDescriptionXml(subscription, this.forwardUrl(exchange))
    return entryFields(this.subscriptionPath(subscription), subscription.name, subscription.times, content)
  }

  /** A rule has no times of its own: its subscription's stand in. */
  private ruleEntry(_exchange: Exchange, subscription: SubscriptionEntity, rule: Rule): EntryFields {
    const path = `${this.subscriptionPath(subscription)}/Rules/${rule.name}`
    return entryFields(path, rule.name, subscription.times, ruleDescriptionXml(rule))
  }

  private namespaceXml(): string {
    return `<NamespaceInfo xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">${[
      textTag("CreatedTime", new Date(this.startedAtMs).toISOString()),
      textTag("MessagingSKU", "Standard"),
      textTag("ModifiedTime", new Date(this.startedAtMs).toISOString()),
      textTag("Name", this.options.namespaceName),
      textTag("NamespaceType", "Messaging"),
    ].join("")}</NamespaceInfo>`
  }

  private atomEntry(exchange: Exchange, fields: EntryFields): AtomEntry {
    return {
      url: `${exchange.base}${fields.path}?api-version=2021-05`,
      title: fields.title,
      publishedMs: fields.createdMs,
      updatedMs: fields.updatedMs,
      author: this.options.namespaceName,
      content: fields.content,
    }
  }

  private entry(exchange: Exchange, fields: EntryFields, status = 200): Reply {
    return { status, body: entryDocument(this.atomEntry(exchange, fields)), contentType: entryType }
  }

  /** One page (`$skip`, `$top`, 100 by default) with a `next` link while more remain. */
  private feed<A>(
    exchange: Exchange,
    title: string,
    path: string,
    items: ReadonlyArray<A>,
    toEntry: (item: A) => EntryFields,
  ): Reply {
    const skip = pageNumber(exchange.query.get("$skip"), 0, "$skip")
    const top = pageNumber(exchange.query.get("$top"), defaultPageSize, "$top")
    const page = items.slice(skip, skip + top)
    const pageUrl = (from: number) => `${exchange.base}${path}?$skip=${from}&$top=${top}&api-version=2021-05`
    const body = feedDocument({
      title,
      url: pageUrl(skip),
      ...(skip + top < items.length ? { next: pageUrl(skip + top) } : {}),
      entries: page.map((item) => this.atomEntry(exchange, toEntry(item))),
    })
    return { status: 200, body, contentType: feedType }
  }

  private errorReply(error: unknown, request: IncomingMessage): Reply {
    let status: number
    let detail: string
    if (error instanceof ManagementError) {
      status = error.status
      detail = error.message
    } else if (error instanceof BrokerError) {
      status = brokerErrorStatus(error.kind)
      detail = error.message
    } else {
      status = 500
      detail = `Internal emulator error: ${error instanceof Error ? error.message : String(error)}`
      this.options.logger.error("management request failed", { method: request.method, url: request.url, error })
    }
    this.options.logger.debug("management request refused", { method: request.method, url: request.url, status })
    return { status, body: errorDocument(status, detail), contentType: "application/xml; charset=utf-8" }
  }

  private send(response: ServerResponse, reply: Reply): void {
    if (response.headersSent) return
    response.writeHead(reply.status, {
      "content-type": reply.contentType,
      "content-length": Buffer.byteLength(reply.body),
    })
    response.end(reply.body)
  }
}

interface EntryFields {
  /** The entity path below the namespace ("queue", "topic/Subscriptions/sub/Rules/rule"). */
  readonly path: string
  readonly title: string
  readonly createdMs: number
  readonly updatedMs: number
  readonly content: string
}

const entryFields = (path: string, title: string, times: EntityTimes, content: string): EntryFields => ({
  path,
  title,
  createdMs: times.createdAtMs,
  updatedMs: times.updatedAtMs,
  content,
})

const pageNumber = (text: string | null, fallback: number, name: string): number => {
  if (text === null || text === "") return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw badRequest(`${name} must be a non-negative integer, got '${text}'.`)
  return value
}
