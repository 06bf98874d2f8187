import { randomUUID } from "node:crypto"
import { namespaces } from "./descriptionXml.ts"
import { escapeXml, tag, textTag } from "./xml.ts"

const declaration = '<?xml version="1.0" encoding="utf-8"?>'

export interface AtomEntry {
  /** The entity's URL (`https://host/queue`, `https://host/topic/Subscriptions/sub`): SDKs take names from it. */
  readonly url: string
  /** The entity's name (Python's SDK names listed entities by their title). */
  readonly title: string
  readonly publishedMs: number
  readonly updatedMs: number
  readonly author: string
  /** The description element (QueueDescription, RuleDescription, ...). */
  readonly content: string
}

const entryBody = (entry: AtomEntry): string =>
  [
    textTag("id", entry.url),
    tag("title", escapeXml(entry.title), { type: "text" }),
    textTag("published", new Date(entry.publishedMs).toISOString()),
    textTag("updated", new Date(entry.updatedMs).toISOString()),
    tag("author", textTag("name", entry.author)),
    tag("link", undefined, { rel: "self", href: entry.url }),
    tag("content", entry.content, { type: "application/xml" }),
  ].join("")

export const entryDocument = (entry: AtomEntry): string =>
  declaration + tag("entry", entryBody(entry), { "xml:base": entry.url, xmlns: namespaces.atom })

/** A feed of entries; `next` is the URL of the following page when there is one. */
export const feedDocument = (feed: {
  readonly title: string
  readonly url: string
  readonly next?: string
  readonly entries: ReadonlyArray<AtomEntry>
}): string =>
  declaration +
  tag(
    "feed",
    [
      tag("title", escapeXml(feed.title), { type: "text" }),
      textTag("id", feed.url),
      textTag("updated", new Date().toISOString()),
      tag("link", undefined, { rel: "self", href: feed.url }),
      feed.next === undefined ? "" : tag("link", undefined, { rel: "next", href: feed.next }),
      ...feed.entries.map((entry) => tag("entry", entryBody(entry))),
    ].join(""),
    { xmlns: namespaces.atom },
  )

/** What Service Bus answers to a GET of an entity that does not exist: 200 with an empty feed. */
export const emptyFeedDocument = (): string =>
  declaration +
  tag(
    "feed",
    [
      tag("title", "Publicly Listed Services", { type: "text" }),
      tag("subtitle", "This is the list of publicly-listed services currently available.", { type: "text" }),
      textTag("id", `uuid:${randomUUID()};id=1`),
      textTag("updated", new Date().toISOString()),
      textTag("generator", "Service Bus 1.1"),
    ].join(""),
    { xmlns: namespaces.atom },
  )

export const errorDocument = (status: number, detail: string): string =>
  tag("Error", textTag("Code", status) + textTag("Detail", detail))
