import { XMLParser } from "fast-xml-parser"

/** An XML element with namespace prefixes removed from element and attribute names (`p4:type` → `type`). */
export interface XmlElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: ReadonlyArray<XmlElement>
  /** The element's own text (concatenated), trimmed. */
  readonly text: string
}

const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
})

type OrderedNode = Record<string, unknown>

const toElement = (node: OrderedNode): XmlElement | undefined => {
  const name = Object.keys(node).find((key) => key !== ":@" && key !== "#text")
  if (name === undefined) return undefined
  const rawAttributes = (node[":@"] ?? {}) as Record<string, unknown>
  const attributes: Record<string, string> = {}
  for (const [key, value] of Object.entries(rawAttributes)) attributes[key] = String(value)
  const children: Array<XmlElement> = []
  let text = ""
  for (const child of (node[name] ?? []) as Array<OrderedNode>) {
    if ("#text" in child) text += String(child["#text"])
    else {
      const element = toElement(child)
      if (element !== undefined) children.push(element)
    }
  }
  return { name, attributes, children, text: text.trim() }
}

/** The document's root element, or undefined when the text holds none. */
export const parseXml = (text: string): XmlElement | undefined => {
  let nodes: Array<OrderedNode>
  try {
    nodes = parser.parse(text) as Array<OrderedNode>
  } catch {
    return undefined
  }
  for (const node of nodes) {
    const element = toElement(node)
    if (element !== undefined) return element
  }
  return undefined
}

export const childElement = (element: XmlElement | undefined, name: string): XmlElement | undefined =>
  element?.children.find((child) => child.name === name)

/** An `i:type`-style attribute value without its namespace prefix ("l28:string" → "string"). */
export const typeAttribute = (element: XmlElement): string | undefined => {
  const value = element.attributes.type
  return value === undefined ? undefined : value.slice(value.indexOf(":") + 1)
}

const escapes: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
}

export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c)

/** `<name attrs>content</name>`, or `<name attrs/>` without content; `content` is already XML. */
export const tag = (name: string, content?: string, attributes?: Readonly<Record<string, string>>): string => {
  const attrs =
    attributes === undefined
      ? ""
      : Object.entries(attributes)
          .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
          .join("")
  return content === undefined || content === "" ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`
}

/** An element holding text (escaped). */
export const textTag = (name: string, value: string | number | boolean): string =>
  tag(name, escapeXml(String(value)) || undefined)
