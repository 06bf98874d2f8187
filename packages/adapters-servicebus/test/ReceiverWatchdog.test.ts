import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { isStuck } from "../src/ReceiverWatchdog.ts"

const settings = { idleMs: 1_000, checkIntervalMs: 100 }
const now = 100_000
const waiting = (overrides: Partial<ServiceBusReceivedMessage> = {}) =>
  ({ body: null, state: "active", enqueuedTimeUtc: new Date(now - 5_000), ...overrides }) as ServiceBusReceivedMessage

describe("isStuck", () => {
  it("flags a receiver idle past the window while an old unlocked message waits", () => {
    expect(isStuck({ now, lastActivityAt: now - 2_000, inFlight: 0 }, [waiting()], settings)).toBe(true)
  })

  it("does not flag a busy, recently active, or empty receiver", () => {
    expect(isStuck({ now, lastActivityAt: now - 2_000, inFlight: 1 }, [waiting()], settings)).toBe(false)
    expect(isStuck({ now, lastActivityAt: now - 500, inFlight: 0 }, [waiting()], settings)).toBe(false)
    expect(isStuck({ now, lastActivityAt: now - 2_000, inFlight: 0 }, [], settings)).toBe(false)
  })

  it("ignores messages locked by someone else, deferred ones, and ones newer than the last activity", () => {
    const activity = { now, lastActivityAt: now - 2_000, inFlight: 0 }
    expect(isStuck(activity, [waiting({ lockedUntilUtc: new Date(now + 10_000) })], settings)).toBe(false)
    expect(isStuck(activity, [waiting({ state: "deferred" })], settings)).toBe(false)
    expect(isStuck(activity, [waiting({ enqueuedTimeUtc: new Date(now - 1_000) })], settings)).toBe(false)
  })
})
