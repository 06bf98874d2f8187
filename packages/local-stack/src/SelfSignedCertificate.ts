import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto"
import { isIPv4 } from "node:net"
import * as Der from "./Der.ts"

export interface SelfSignedCertificateOptions {
  /** DNS names for the subjectAltName extension (default `["localhost"]`). */
  readonly dnsNames?: ReadonlyArray<string>
  /** IPv4 addresses for the subjectAltName extension (default `["127.0.0.1"]`). */
  readonly ipAddresses?: ReadonlyArray<string>
  readonly commonName?: string
  /** Validity from one hour ago until this many days from now (default 7). */
  readonly validDays?: number
}

export interface SelfSignedCertificate {
  /** PKCS#8 PEM private key (EC P-256). */
  readonly key: string
  /** PEM certificate; also the trust anchor a client passes as `ca`. */
  readonly cert: string
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const

const extension = (oid: string, critical: boolean, value: Uint8Array): Buffer =>
  critical
    ? Der.sequence(Der.objectIdentifier(oid), Der.boolean(true), Der.octetString(value))
    : Der.sequence(Der.objectIdentifier(oid), Der.octetString(value))

const ipv4Bytes = (ip: string): Buffer => {
  if (!isIPv4(ip)) throw new Error(`selfSignedCertificate: ${ip} is not an IPv4 address`)
  return Buffer.from(ip.split(".").map(Number))
}

const pem = (label: string, der: Uint8Array): string => {
  const base64 = Buffer.from(der).toString("base64")
  const lines = base64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

/**
 * Generates a self-signed X.509 v3 certificate in process (node:crypto for keys and signing, a small DER writer for
 * the structure), so local HTTPS peers need neither the openssl CLI nor a dependency. The certificate is its own
 * CA (basicConstraints cA) so clients can trust it directly through `ca`.
 */
export const selfSignedCertificate = (options: SelfSignedCertificateOptions = {}): SelfSignedCertificate => {
  const dnsNames = options.dnsNames ?? ["localhost"]
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1"]
  const commonName = options.commonName ?? "HayMaker local peer"
  const validDays = options.validDays ?? 7

  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  const spki = publicKey.export({ type: "spki", format: "der" })
  const signatureAlgorithm = Der.sequence(Der.objectIdentifier(OID.ecdsaWithSha256))
  const name = Der.sequence(Der.set(Der.sequence(Der.objectIdentifier(OID.commonName), Der.utf8String(commonName))))
  const now = Date.now()
  const notBefore = new Date(now - 60 * 60 * 1000)
  const notAfter = new Date(now + validDays * 24 * 60 * 60 * 1000)
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f

  const subjectAltName = Der.sequence(
    ...dnsNames.map((dns) => Der.implicit(2, Buffer.from(dns, "ascii"))),
    ...ipAddresses.map((ip) => Der.implicit(7, ipv4Bytes(ip))),
  )
  const extensions = Der.sequence(
    extension(OID.basicConstraints, true, Der.sequence(Der.boolean(true))),
    // digitalSignature (bit 0) and keyCertSign (bit 5): 0b1000_0100 with the 2 trailing bits unused.
    extension(OID.keyUsage, true, Der.bitString(Buffer.from([0x84]), 2)),
    extension(OID.extKeyUsage, false, Der.sequence(Der.objectIdentifier(OID.serverAuth))),
    extension(OID.subjectAltName, false, subjectAltName),
    extension(OID.subjectKeyIdentifier, false, Der.octetString(createHash("sha1").update(spki).digest())),
  )

  const tbsCertificate = Der.sequence(
    Der.explicit(0, Der.smallInteger(2)),
    Der.unsignedInteger(serial),
    signatureAlgorithm,
    name,
    Der.sequence(Der.time(notBefore), Der.time(notAfter)),
    name,
    spki,
    Der.explicit(3, extensions),
  )
  const signature = sign("sha256", tbsCertificate, privateKey)
  const certificate = Der.sequence(tbsCertificate, signatureAlgorithm, Der.bitString(signature))

  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: pem("CERTIFICATE", certificate),
  }
}
