// Regenerates infra/haymaker-logs.json from the stream declarations in src/logAnalytics/Streams.ts.
import { writeFileSync } from "node:fs"
import { armTemplateText } from "./template.ts"

const target = new URL("./haymaker-logs.json", import.meta.url)
writeFileSync(target, armTemplateText())
console.log(`wrote ${target.pathname}`)
