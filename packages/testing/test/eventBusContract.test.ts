import { eventBusContract, InMemoryBus } from "../src/index.ts"

eventBusContract("InMemoryBus", {
  makeLayer: () => InMemoryBus.layer({ maxDeliveryCount: 3 }),
  maxDeliveryCount: 3,
})

eventBusContract("InMemoryBus with parsed object bodies", {
  makeLayer: () => InMemoryBus.layer({ bodyForm: "object" }),
})
