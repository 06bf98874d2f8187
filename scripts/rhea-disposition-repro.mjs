#!/usr/bin/env node
// Standalone reproduction of rhea's disposition-range bug: settle a few deliveries in one event-loop turn with
// different outcomes and see which outcome the peer receives for each. rhea only, both ends in this process, no
// broker and no Azure SDK. See docs/rhea-disposition-ranges.md.
//
//   node scripts/rhea-disposition-repro.mjs                 the rhea this repository installs (patched)
//   node scripts/rhea-disposition-repro.mjs <rhea-dir>       any other copy, e.g. a rhea checkout or an npm pack
//
// Exits 0 when every delivery arrives with its own outcome, 1 when one arrives with another delivery's outcome.
import { createRequire } from "node:module"
import { resolve } from "node:path"

const require = createRequire(import.meta.url)
const target = process.argv[2]
const rhea = require(target === undefined ? "rhea" : resolve(target))
const version =
  target === undefined ? require("rhea/package.json").version : require(resolve(target, "package.json")).version

const deadLetter = (reason) => ({ condition: "com.microsoft:dead-letter", description: reason })

/** What each case settles, in this order, in one synchronous block. */
const cases = [
  { name: "accept, modify, accept (complete / abandon / complete)", outcomes: ["accepted", "modified", "accepted"] },
  { name: "accept, reject (complete / dead-letter)", outcomes: ["accepted", "rejected:Bad"] },
  { name: "reject A, reject B (two dead-letters, two reasons)", outcomes: ["rejected:A", "rejected:B"] },
  { name: "modify, accept, accept (abandon / complete / complete)", outcomes: ["modified", "accepted", "accepted"] },
]

const settle = (delivery, outcome) => {
  if (outcome === "accepted") delivery.accept()
  else if (outcome === "modified") delivery.modified({ delivery_failed: true, undeliverable_here: false })
  else delivery.reject(deadLetter(outcome.slice("rejected:".length)))
}

/** Settles every delivery in one synchronous block: one event-loop turn, as `Promise.all` of SDK settlements is. */
const settleAll = (deliveries, outcomes) => {
  for (let i = 0; i < deliveries.length; i++) settle(deliveries[i], outcomes[i])
}

const outcomeOf = (event, delivery) =>
  event === "rejected" ? `rejected:${delivery.remote_state?.error?.description ?? "?"}` : event

/**
 * The receiving end settles: a server sends `outcomes.length` messages, the client settles them all in one turn,
 * and the server records the outcome each delivery arrived with.
 */
const receiverSettles = (outcomes) =>
  new Promise((done, fail) => {
    const server = rhea.create_container({ id: "repro-server" })
    const seen = new Map()
    let listener
    server.on("sender_open", (context) => {
      for (let i = 0; i < outcomes.length; i++) context.sender.send({ body: `m${i}` }, String(i))
    })
    for (const event of ["accepted", "rejected", "modified"]) {
      server.on(event, (context) => {
        seen.set(context.delivery.tag.toString(), outcomeOf(event, context.delivery))
        if (seen.size === outcomes.length) {
          context.connection.close()
          listener.close()
          done(outcomes.map((_, i) => seen.get(String(i))))
        }
      })
    }
    listener = server.listen({ port: 0, host: "127.0.0.1" })
    listener.on("error", fail)
    listener.on("listening", () => {
      const client = rhea.create_container({ id: "repro-client" })
      const held = []
      const connection = client.connect({ port: listener.address().port, host: "127.0.0.1", reconnect: false })
      connection.open_receiver({ source: "queue", autoaccept: false, credit_window: outcomes.length })
      client.on("message", (context) => {
        held.push(context.delivery)
        if (held.length === outcomes.length) settleAll(held, outcomes)
      })
      client.on("connection_close", () => undefined)
    })
  })

/** The sending end is told: a client sends, the server settles all transfers in one turn (a broker refusing one). */
const senderIsTold = (outcomes) =>
  new Promise((done, fail) => {
    // autoaccept off: the server settles each transfer itself, as a broker does after storing (or refusing) it.
    const server = rhea.create_container({ id: "repro-server", autoaccept: false })
    const held = []
    server.on("message", (context) => {
      held.push(context.delivery)
      if (held.length === outcomes.length) settleAll(held, outcomes)
    })
    const listener = server.listen({ port: 0, host: "127.0.0.1" })
    listener.on("error", fail)
    listener.on("listening", () => {
      const client = rhea.create_container({ id: "repro-client" })
      const seen = new Map()
      const connection = client.connect({ port: listener.address().port, host: "127.0.0.1", reconnect: false })
      const sender = connection.open_sender({ target: "queue", autosettle: true })
      sender.once("sendable", () => {
        for (let i = 0; i < outcomes.length; i++) sender.send({ body: `m${i}` }, String(i))
      })
      for (const event of ["accepted", "rejected", "modified"]) {
        client.on(event, (context) => {
          seen.set(context.delivery.tag.toString(), outcomeOf(event, context.delivery))
          if (seen.size === outcomes.length) {
            connection.close()
            listener.close()
            done(outcomes.map((_, i) => seen.get(String(i))))
          }
        })
      }
      client.on("connection_close", () => undefined)
    })
  })

let swapped = 0
console.log(`rhea ${version} (${target ?? "rhea"})`)
for (const [end, run] of [
  ["receiver settles, broker sees", receiverSettles],
  ["broker settles, sender sees", senderIsTold],
]) {
  for (const { name, outcomes } of cases) {
    const arrived = await run(outcomes)
    const wrong = outcomes.filter((outcome, i) => arrived[i] !== outcome).length
    swapped += wrong
    console.log(`${wrong === 0 ? "ok  " : "BUG "} ${end}: ${name}`)
    console.log(`       sent ${outcomes.join(", ")}`)
    console.log(`    arrived ${arrived.join(", ")}`)
  }
}
console.log(
  swapped === 0
    ? "every delivery arrived with its own outcome"
    : `${swapped} deliveries arrived with another delivery's outcome`,
)
process.exitCode = swapped === 0 ? 0 : 1
