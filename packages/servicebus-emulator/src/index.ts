export { ConfigError } from "./config/ConfigError.ts"
export type { ConfigJson } from "./config/ConfigJson.ts"
export { parseIsoDuration } from "./config/duration.ts"
export type { EmulatorConfig } from "./config/EmulatorConfig.ts"
export { defaultConfigPath, loadConfigFile } from "./config/loadConfig.ts"
export { parseConfig } from "./config/parseConfig.ts"
export type { LogLevel } from "./log.ts"
export {
  defaultSharedAccessKey,
  defaultSharedAccessKeyName,
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "./startEmulator.ts"
export {
  type GenerateCertificateOptions,
  type GeneratedCertificate,
  generateCertificate,
} from "./tls/generateCertificate.ts"
export type { TlsSettings } from "./tls/resolveTls.ts"
export type { HttpRequestHandler, TransportKind } from "./transport/TransportListener.ts"
