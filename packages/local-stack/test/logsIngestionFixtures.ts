import type { DataCollectionRuleDeclaration, StreamColumn } from "../src/index.ts"

export const RULE_ID = "dcr-00000000000000000000000000000001"
export const STREAM = "Custom-PeerTest"

/** A column of every type a stream declaration knows. */
export const columns: ReadonlyArray<StreamColumn> = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "message", type: "string" },
  { name: "count", type: "int" },
  { name: "total", type: "long" },
  { name: "ratio", type: "real" },
  { name: "ok", type: "boolean" },
  { name: "details", type: "dynamic" },
  { name: "message_id", type: "string" },
]

export const rule: DataCollectionRuleDeclaration = {
  immutableId: RULE_ID,
  streamDeclarations: { [STREAM]: { columns } },
}

export const row = (messageId: string, message = "hello") => ({
  TimeGenerated: "2024-11-14T12:00:00.000Z",
  message,
  count: 1,
  ratio: 0.5,
  ok: true,
  details: { nested: [1, 2] },
  message_id: messageId,
})
