import { readFileSync } from "node:fs"

/** The version of the installed package: `src/` and `dist/` both sit one level below its package.json. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { readonly version: string }
).version
