import { eventBusContract } from "@haymaker/testing"
import { serviceBusContractLayer } from "./support/contractBus.ts"

const maxDeliveryCount = 3

// Each contract test gets its own emulator holding a topic named after the test, so tests never share messages.
eventBusContract("Service Bus adapters on the emulator", {
  maxDeliveryCount,
  makeLayer: serviceBusContractLayer(maxDeliveryCount),
})
