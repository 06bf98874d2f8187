import { startEmulator } from "@haymaker/servicebus-emulator"

const e = await startEmulator({ port: 45672 })
console.log(e.connectionString)
setTimeout(() => e.close(), 60_000)
