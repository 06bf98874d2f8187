import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ConfigError } from "./ConfigError.ts"
import type { EmulatorConfig } from "./EmulatorConfig.ts"
import { stripJsonComments } from "./jsonComments.ts"
import { parseConfig } from "./parseConfig.ts"

/** The shipped default: topic `agent-logs` with subscription `orchestrator-sub`. */
export const defaultConfigPath: string = fileURLToPath(new URL("../../config/default.json", import.meta.url))

/** Reads and validates a Config.json file; errors name the file and the JSON path of the bad field. */
export const loadConfigFile = (path: string): EmulatorConfig => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (cause) {
    throw new ConfigError("$", `cannot read the config file: ${(cause as Error).message}`, path)
  }
  let json: unknown
  try {
    json = JSON.parse(stripJsonComments(text))
  } catch (cause) {
    throw new ConfigError("$", `the file is not valid JSON: ${(cause as Error).message}`, path)
  }
  try {
    return parseConfig(json)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.path, error.reason, path)
    throw error
  }
}
