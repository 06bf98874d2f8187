import { X509Certificate } from "node:crypto"
import { describe, expect, it } from "vitest"
import { selfSignedCertificate } from "../src/index.ts"

describe("selfSignedCertificate", () => {
  it("produces a parseable, self-verifying CA certificate for localhost and 127.0.0.1", () => {
    const { cert, key } = selfSignedCertificate()
    const x509 = new X509Certificate(cert)

    expect(key).toContain("BEGIN PRIVATE KEY")
    expect(x509.ca).toBe(true)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.checkHost("localhost")).toBe("localhost")
    expect(x509.checkIP("127.0.0.1")).toBe("127.0.0.1")
    expect(x509.checkHost("example.com")).toBeUndefined()
    expect(new Date(x509.validFrom).getTime()).toBeLessThan(Date.now())
    expect(new Date(x509.validTo).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 60 * 60 * 1000)
  })

  it("honours custom names and gives each certificate its own key and serial", () => {
    const a = new X509Certificate(selfSignedCertificate({ dnsNames: ["peer.test"], ipAddresses: ["127.0.0.2"] }).cert)
    const b = new X509Certificate(selfSignedCertificate().cert)

    expect(a.subjectAltName).toBe("DNS:peer.test, IP Address:127.0.0.2")
    expect(a.serialNumber).not.toBe(b.serialNumber)
    expect(a.fingerprint256).not.toBe(b.fingerprint256)
  })
})
