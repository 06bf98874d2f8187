import { Layer } from "effect"
import { eventBusContract, InMemoryBus, inMemoryBusProbe } from "../src/index.ts"

eventBusContract("InMemoryBus", {
  makeLayer: () => inMemoryBusProbe.pipe(Layer.provideMerge(InMemoryBus.layer({ maxDeliveryCount: 3 }))),
  maxDeliveryCount: 3,
})

eventBusContract("InMemoryBus with parsed object bodies", {
  makeLayer: () => inMemoryBusProbe.pipe(Layer.provideMerge(InMemoryBus.layer({ bodyForm: "object" }))),
})
