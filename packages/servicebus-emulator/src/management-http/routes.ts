/** The resources of the Service Bus ATOM management API, by URL path. */
export type Route =
  | { readonly kind: "namespace" }
  | { readonly kind: "queues" }
  | { readonly kind: "topics" }
  | { readonly kind: "entity"; readonly name: string }
  | { readonly kind: "subscriptions"; readonly topic: string }
  | { readonly kind: "subscription"; readonly topic: string; readonly name: string }
  | { readonly kind: "rules"; readonly topic: string; readonly subscription: string }
  | { readonly kind: "rule"; readonly topic: string; readonly subscription: string; readonly name: string }

// Queue and topic names may contain "/" but never a "Subscriptions" segment, so the first one splits the path.
const subscriptionsPattern = /^(.+?)\/subscriptions(?:\/([^/]*)(?:\/rules(?:\/([^/]*))?)?)?\/?$/i

/** Parses a decoded path without its leading slash ("queue", "topic/Subscriptions/sub/Rules/rule"). */
export const parseRoute = (path: string): Route | undefined => {
  const lower = path.toLowerCase()
  if (lower === "$namespaceinfo") return { kind: "namespace" }
  if (lower === "$resources/queues" || lower === "$resources/queues/") return { kind: "queues" }
  if (lower === "$resources/topics" || lower === "$resources/topics/") return { kind: "topics" }
  const match = subscriptionsPattern.exec(path)
  if (match !== null) {
    const [, topic = "", subscription, rule] = match
    if (subscription === undefined || subscription === "") return { kind: "subscriptions", topic }
    if (!/\/rules(\/|$)/i.test(path.slice(topic.length + "/subscriptions/".length))) {
      return { kind: "subscription", topic, name: subscription }
    }
    if (rule === undefined || rule === "") return { kind: "rules", topic, subscription }
    return { kind: "rule", topic, subscription, name: rule }
  }
  const name = path.replace(/\/+$/, "")
  return name === "" ? undefined : { kind: "entity", name }
}
