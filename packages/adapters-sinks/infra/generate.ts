// Regenerates infra/haymaker-logs.json from the stream declarations in src/logAnalytics/Streams.ts, and
// infra/haymaker-workbook.json from the queries in infra/queries/.
import { writeFileSync } from "node:fs"
import { armTemplateText } from "./template.ts"
import { workbookText } from "./workbook.ts"

for (const [file, text] of [
  ["./haymaker-logs.json", armTemplateText()],
  ["./haymaker-workbook.json", workbookText()],
] as const) {
  const target = new URL(file, import.meta.url)
  writeFileSync(target, text)
  console.log(`wrote ${target.pathname}`)
}
