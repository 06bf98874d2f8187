import { createPrivateKey, X509Certificate } from "node:crypto"
import { describe, expect, it } from "vitest"
import { generateCertificate } from "../src/index.ts"

describe("generateCertificate", () => {
  it("produces a CA and a server certificate it signed, for localhost, 127.0.0.1 and ::1", () => {
    const { key, cert, ca } = generateCertificate()
    const authority = new X509Certificate(ca)
    const server = new X509Certificate(cert)

    expect(key).toContain("BEGIN PRIVATE KEY")
    expect(authority.ca).toBe(true)
    expect(authority.verify(authority.publicKey)).toBe(true)
    expect(server.ca).toBe(false)
    expect(server.checkIssued(authority)).toBe(true)
    expect(server.verify(authority.publicKey)).toBe(true)
    expect(server.checkPrivateKey(createPrivateKey(key))).toBe(true)
    expect(server.checkHost("localhost")).toBe("localhost")
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1")
    expect(server.checkIP("::1")).toBe("::1")
    expect(server.checkHost("example.com")).toBeUndefined()
    expect(new Date(server.validFrom).getTime()).toBeLessThan(Date.now())
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 60 * 60 * 1000)
  })

  it("honours custom names and gives each certificate its own keys and serial", () => {
    const a = generateCertificate({ dnsNames: ["bus.test"], ipAddresses: ["127.0.0.2", "fe80::1"] })
    const b = generateCertificate()

    expect(new X509Certificate(a.cert).subjectAltName).toBe(
      "DNS:bus.test, IP Address:127.0.0.2, IP Address:FE80:0:0:0:0:0:0:1",
    )
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber)
    expect(new X509Certificate(a.ca).fingerprint256).not.toBe(new X509Certificate(b.ca).fingerprint256)
    expect(new X509Certificate(a.cert).verify(new X509Certificate(b.ca).publicKey)).toBe(false)
  })
})
