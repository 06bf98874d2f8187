import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto"
import { isIPv4, isIPv6 } from "node:net"
import * as Der from "./Der.ts"

export interface GenerateCertificateOptions {
  /** DNS names of the server certificate (default `["localhost"]`). */
  readonly dnsNames?: ReadonlyArray<string>
  /** IP addresses of the server certificate, IPv4 or IPv6 (default `["127.0.0.1", "::1"]`). */
  readonly ipAddresses?: ReadonlyArray<string>
  /** Validity from one hour ago until this many days from now (default 30). */
  readonly validDays?: number
  /** Common name of the certificate authority (default "HayMaker local CA"). */
  readonly authorityName?: string
}

export interface GeneratedCertificate {
  /** PKCS#8 PEM private key of the server certificate (EC P-256). */
  readonly key: string
  /** PEM server certificate, signed by `ca`. */
  readonly cert: string
  /** PEM certificate of the authority that signed `cert`: what clients trust (`ca`, `connection_verify`). */
  readonly ca: string
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const

const extension = (oid: string, critical: boolean, value: Uint8Array): Buffer =>
  critical
    ? Der.sequence(Der.objectIdentifier(oid), Der.boolean(true), Der.octetString(value))
    : Der.sequence(Der.objectIdentifier(oid), Der.octetString(value))

const ipBytes = (ip: string): Buffer => {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number))
  if (isIPv6(ip)) {
    const [head = "", tail = ""] = ip.split("::")
    const groups = (text: string) => (text === "" ? [] : text.split(":"))
    const left = groups(head)
    const right = ip.includes("::") ? groups(tail) : []
    const all = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    return Buffer.from(all.flatMap((group) => [Number.parseInt(group, 16) >> 8, Number.parseInt(group, 16) & 0xff]))
  }
  throw new Error(`generateCertificate: ${ip} is not an IP address`)
}

const pem = (label: string, der: Uint8Array): string => {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

const distinguishedName = (commonName: string): Buffer =>
  Der.sequence(Der.set(Der.sequence(Der.objectIdentifier(OID.commonName), Der.utf8String(commonName))))

const keyIdentifier = (spki: Buffer): Buffer => createHash("sha1").update(spki).digest()

const serialNumber = (): Buffer => {
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f
  return serial
}

const signCertificate = (fields: {
  readonly issuer: Buffer
  readonly subject: Buffer
  readonly spki: Buffer
  readonly extensions: ReadonlyArray<Buffer>
  readonly signingKey: KeyObject
  readonly validDays: number
}): Buffer => {
  const signatureAlgorithm = Der.sequence(Der.objectIdentifier(OID.ecdsaWithSha256))
  const now = Date.now()
  const tbsCertificate = Der.sequence(
    Der.explicit(0, Der.smallInteger(2)),
    Der.unsignedInteger(serialNumber()),
    signatureAlgorithm,
    fields.issuer,
    Der.sequence(Der.time(new Date(now - 60 * 60 * 1000)), Der.time(new Date(now + fields.validDays * 86_400_000))),
    fields.subject,
    fields.spki,
    Der.explicit(3, Der.sequence(...fields.extensions)),
  )
  const signature = sign("sha256", tbsCertificate, fields.signingKey)
  return Der.sequence(tbsCertificate, signatureAlgorithm, Der.bitString(signature))
}

/**
 * Generates a private certificate authority and a server certificate it signed (node:crypto keys and signatures, a
 * small DER writer for the structure: no openssl CLI, no dependency). The authority's private key is dropped once it
 * has signed, so trusting the CA certificate trusts this one server certificate and nothing else.
 */
export const generateCertificate = (options: GenerateCertificateOptions = {}): GeneratedCertificate => {
  const dnsNames = options.dnsNames ?? ["localhost"]
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1", "::1"]
  const validDays = options.validDays ?? 30
  const authority = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  const server = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  const authoritySpki = authority.publicKey.export({ type: "spki", format: "der" })
  const serverSpki = server.publicKey.export({ type: "spki", format: "der" })
  const authorityName = distinguishedName(options.authorityName ?? "HayMaker local CA")
  const authorityKeyId = keyIdentifier(authoritySpki)

  const caCertificate = signCertificate({
    issuer: authorityName,
    subject: authorityName,
    spki: authoritySpki,
    signingKey: authority.privateKey,
    validDays,
    extensions: [
      extension(OID.basicConstraints, true, Der.sequence(Der.boolean(true), Der.smallInteger(0))),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110 with one trailing bit unused.
      extension(OID.keyUsage, true, Der.bitString(Buffer.from([0x06]), 1)),
      extension(OID.subjectKeyIdentifier, false, Der.octetString(authorityKeyId)),
    ],
  })
  const serverCertificate = signCertificate({
    issuer: authorityName,
    subject: distinguishedName(dnsNames[0] ?? ipAddresses[0] ?? "localhost"),
    spki: serverSpki,
    signingKey: authority.privateKey,
    validDays,
    extensions: [
      extension(OID.basicConstraints, true, Der.sequence()),
      // digitalSignature (bit 0): 0b1000_0000 with seven trailing bits unused.
      extension(OID.keyUsage, true, Der.bitString(Buffer.from([0x80]), 7)),
      extension(OID.extKeyUsage, false, Der.sequence(Der.objectIdentifier(OID.serverAuth))),
      extension(
        OID.subjectAltName,
        false,
        Der.sequence(
          ...dnsNames.map((dns) => Der.implicit(2, Buffer.from(dns, "ascii"))),
          ...ipAddresses.map((ip) => Der.implicit(7, ipBytes(ip))),
        ),
      ),
      extension(OID.subjectKeyIdentifier, false, Der.octetString(keyIdentifier(serverSpki))),
      extension(OID.authorityKeyIdentifier, false, Der.sequence(Der.implicit(0, authorityKeyId))),
    ],
  })
  return {
    key: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: pem("CERTIFICATE", serverCertificate),
    ca: pem("CERTIFICATE", caCertificate),
  }
}
