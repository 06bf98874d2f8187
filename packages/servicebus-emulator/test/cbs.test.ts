import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { RequestClient, type RequestLink } from "./requestClient.ts"
import { namespaceConfig, sasToken } from "./support.ts"

const keyName = "RootManageSharedAccessKey"
const key = "SAS_KEY_VALUE"
const tokenType = "servicebus.windows.net:sastoken"
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

describe("CBS put-token", () => {
  let emulator: RunningEmulator
  let client: RequestClient
  let cbs: RequestLink

  const putToken = (audience: unknown, body: unknown, replyTo?: string) =>
    cbs.request({
      ...(replyTo === undefined ? {} : { reply_to: replyTo }),
      application_properties: { operation: "put-token", type: tokenType, name: audience },
      body,
    })

  beforeAll(async () => {
    emulator = await startEmulator({
      config: namespaceConfig({ Queues: [{ Name: "orders" }] }),
      hostnames: ["sbemulatorns.servicebus.windows.net"],
    })
    client = await RequestClient.connect(emulator.port)
    cbs = await client.link("$cbs")
  })

  afterAll(async () => {
    await client?.close()
    await emulator?.close()
  })

  it("accepts a valid token and answers with the request's message-id as correlation-id", async () => {
    const audience = `sb://127.0.0.1:${emulator.port}/orders`
    const reply = await cbs.request({
      message_id: 4711,
      reply_to: cbs.receiverName,
      application_properties: { operation: "put-token", type: tokenType, name: audience },
      body: sasToken(audience, keyName, key, inAnHour()),
    })
    expect(reply).toMatchObject({ status: 202, correlationId: 4711 })
    expect(reply.properties).toMatchObject({ statusCode: 202, "status-code": 202 })
  })

  it("answers a put-token without reply-to on the $cbs reply link of the request's session (as uamqp sends it)", async () => {
    const audience = `sb://localhost/orders`
    const reply = await putToken(audience, sasToken(audience, keyName, key, inAnHour()))
    expect(reply.status).toBe(202)
  })

  it.each([
    ["an expiry far before 1970", "-99999999999999"],
    ["an expiry beyond the year 275760", "99999999999999999"],
    ["a fractional expiry", "1.5e12"],
    ["a non-numeric expiry", "soon"],
    ["an empty expiry", ""],
  ])("answers a token with %s with 401", async (_, expiry) => {
    const audience = `sb://127.0.0.1:${emulator.port}/orders`
    const reply = await putToken(audience, sasToken(audience, keyName, key, expiry), cbs.receiverName)
    expect(reply.status).toBe(401)
    expect(reply.description).toMatch(/^InvalidToken/)
  })

  it.each([
    ["no body", undefined],
    ["a binary body", Buffer.from("SharedAccessSignature sr=x&sig=y&se=1")],
    ["a number", 42],
    ["a map", { token: "x" }],
    ["a token without fields", "SharedAccessSignature "],
    ["a token with a broken escape", "SharedAccessSignature sr=%E0%A4%A&sig=%&se=1&skn=%ZZ"],
    ["no SharedAccessSignature prefix", "Bearer abc"],
  ])("answers a put-token with %s with 401", async (_, body) => {
    const reply = await putToken(`sb://127.0.0.1/orders`, body, cbs.receiverName)
    expect(reply.status).toBe(401)
  })

  it("answers every malformed token with 401 and keeps serving (property)", async () => {
    const field = fc.string({ unit: "binary", maxLength: 30 })
    await fc.assert(
      fc.asyncProperty(
        fc.record({ sr: field, sig: field, se: fc.oneof(field, fc.bigInt().map(String)), skn: field }),
        fc.boolean(),
        async (fields, encode) => {
          const value = (text: string) => (encode ? encodeURIComponent(text) : text)
          const token = `SharedAccessSignature sr=${value(fields.sr)}&sig=${value(fields.sig)}&se=${value(fields.se)}&skn=${value(fields.skn)}`
          const reply = await putToken(`sb://127.0.0.1/orders`, token, cbs.receiverName)
          expect(reply.status).toBe(401)
        },
      ),
      { numRuns: 200 },
    )
    const audience = `sb://127.0.0.1/orders`
    expect((await putToken(audience, sasToken(audience, keyName, key, inAnHour()))).status).toBe(202)
  })

  it("refuses a correctly signed token for another namespace's host, in the token or in the audience", async () => {
    const evil = "sb://evil.example.net/"
    const forEvil = await putToken(evil, sasToken(evil, keyName, key, inAnHour()))
    expect(forEvil.status).toBe(401)
    expect(forEvil.description).toMatch(/^InvalidAudience/)
    const ours = `sb://127.0.0.1:${emulator.port}/`
    const evilTokenForOurs = await putToken(ours, sasToken(evil, keyName, key, inAnHour()))
    expect(evilTokenForOurs.status).toBe(401)
    const ourTokenForEvil = await putToken(evil, sasToken(ours, keyName, key, inAnHour()))
    expect(ourTokenForEvil.status).toBe(401)
  })

  it("accepts the names the emulator is reached by: localhost, 127.0.0.1, ::1 and configured host names", async () => {
    for (const audience of [
      "sb://localhost/",
      `sb://127.0.0.1:${emulator.port}/`,
      "sb://[::1]:5671/orders",
      "sb://SBEmulatorNS.servicebus.windows.net/orders",
    ]) {
      const reply = await putToken(audience, sasToken(audience, keyName, key, inAnHour()))
      expect({ audience, status: reply.status }).toEqual({ audience, status: 202 })
    }
  })

  it("answers an unknown operation with 400 instead of silence", async () => {
    const reply = await cbs.request({ application_properties: { operation: "get-token" }, body: "x" })
    expect(reply.status).toBe(400)
  })
})
