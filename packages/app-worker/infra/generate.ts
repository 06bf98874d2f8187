// Regenerates infra/haymaker-worker.json from infra/template.ts.
import { writeFileSync } from "node:fs"
import { deploymentTemplateText } from "./template.ts"

const target = new URL("./haymaker-worker.json", import.meta.url)
writeFileSync(target, deploymentTemplateText())
console.log(`wrote ${target.pathname}`)
