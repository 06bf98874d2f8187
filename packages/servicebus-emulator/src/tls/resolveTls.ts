import { readFileSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import type { TlsOptions } from "../transport/TransportListener.ts"
import { generateCertificate } from "./generateCertificate.ts"

export interface TlsSettings {
  /** Serve AMQPS, HTTPS and secure WebSockets on the emulator's port (implied by `cert` and `key`). */
  readonly tls?: boolean
  /** PEM server certificate (chain), or a path to it; without it a certificate is generated at start. */
  readonly cert?: string
  /** PEM private key of `cert`, or a path to it. */
  readonly key?: string
  /** Where to write the generated certificate authority (PEM) for clients to trust. */
  readonly caOut?: string
}

export interface ResolvedTls {
  readonly options: TlsOptions
  /** The generated authority's certificate (PEM); undefined when the user passed a certificate. */
  readonly ca: string | undefined
  readonly caPath: string | undefined
}

const pemOrFile = (value: string): string => (value.includes("-----BEGIN") ? value : readFileSync(value, "utf8"))

/**
 * The TLS material for the listener: the user's certificate and key, or a certificate generated for the names
 * clients reach the emulator by (its authority written to `caOut` when asked). Undefined when TLS is off.
 */
export const resolveTls = (settings: TlsSettings, hostnames: ReadonlyArray<string>): ResolvedTls | undefined => {
  const { cert, key, caOut } = settings
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error("TLS needs both a certificate and its key (--cert and --key)")
  }
  if (cert !== undefined && key !== undefined) {
    if (caOut !== undefined) {
      throw new Error("--ca-out writes the authority of a generated certificate; with --cert you already have yours")
    }
    return { options: { cert: pemOrFile(cert), key: pemOrFile(key) }, ca: undefined, caPath: undefined }
  }
  if (settings.tls !== true) {
    if (caOut !== undefined) throw new Error("--ca-out needs --tls")
    return undefined
  }
  const ipAddresses = [...new Set(["127.0.0.1", "::1", ...hostnames.filter((name) => isIP(name) !== 0)])]
  const dnsNames = [...new Set(["localhost", ...hostnames.filter((name) => isIP(name) === 0)])]
  const generated = generateCertificate({ dnsNames, ipAddresses })
  if (caOut !== undefined) writeFileSync(caOut, generated.ca)
  return { options: { cert: generated.cert, key: generated.key }, ca: generated.ca, caPath: caOut }
}
