import { afterEach, describe, expect, it } from "vitest"
import { type ManagedIdentityEndpoint, startManagedIdentityEndpoint } from "../src/index.ts"

const clientId = "4a6a2d5e-0c1b-4f7e-9a55-0f3c2b1d9e87"
let identity: ManagedIdentityEndpoint | undefined

afterEach(async () => {
  await identity?.close()
  identity = undefined
})

/** `header`: the secret to send, `null` for none. */
const ask = (endpoint: ManagedIdentityEndpoint, query: string, header: string | null = endpoint.header) =>
  fetch(`${endpoint.endpoint}?${query}`, header === null ? {} : { headers: { "X-IDENTITY-HEADER": header } })

describe("the local managed identity endpoint (App Service / Container Apps protocol)", () => {
  it("issues a token for an assigned user-assigned identity and records which resource it was for", async () => {
    identity = await startManagedIdentityEndpoint({ userAssigned: [clientId] })
    const response = await ask(
      identity,
      `api-version=2019-08-01&resource=https://monitor.azure.com/&client_id=${clientId}`,
    )
    expect(response.status).toBe(200)
    const body = (await response.json()) as { access_token: string; expires_on: string; token_type: string }
    expect(body.token_type).toBe("Bearer")
    expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000)
    expect(identity.tokenOf(body.access_token)).toEqual({
      token: body.access_token,
      resource: "https://monitor.azure.com/",
      clientId,
    })
  })

  it("refuses what Azure refuses: a missing secret header, another identity, no system identity, no resource", async () => {
    identity = await startManagedIdentityEndpoint({ userAssigned: [clientId] })
    const resource = "resource=https://storage.azure.com/"
    expect((await ask(identity, `api-version=2019-08-01&${resource}&client_id=${clientId}`, null)).status).toBe(401)
    expect((await ask(identity, `api-version=2019-08-01&${resource}&client_id=${clientId}`, "wrong")).status).toBe(401)
    const other = await ask(
      identity,
      `api-version=2019-08-01&${resource}&client_id=00000000-0000-0000-0000-000000000000`,
    )
    expect(other.status).toBe(400)
    expect(((await other.json()) as { error_description: string }).error_description).toMatch(/Identity not found/)
    expect((await ask(identity, `api-version=2019-08-01&${resource}`)).status).toBe(400)
    expect((await ask(identity, `api-version=2019-08-01&client_id=${clientId}`)).status).toBe(400)
    expect((await ask(identity, `api-version=2017-09-01&${resource}&client_id=${clientId}`)).status).toBe(400)
    expect(identity.issued()).toEqual([])
    expect(identity.requests().map((request) => request.status)).toEqual([401, 401, 400, 400, 400, 400])
  })

  it("issues a system-assigned identity's token when asked to have one", async () => {
    identity = await startManagedIdentityEndpoint({ systemAssigned: true })
    const response = await ask(identity, "api-version=2019-08-01&resource=https://servicebus.azure.net")
    expect(response.status).toBe(200)
    expect(identity.issued()).toMatchObject([{ resource: "https://servicebus.azure.net", clientId: undefined }])
  })
})
