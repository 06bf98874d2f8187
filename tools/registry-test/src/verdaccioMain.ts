// Child-process entry: runs verdaccio with the configuration file given as argv[2] on 127.0.0.1 and an ephemeral
// port, and reports the port on stdout as one JSON line. Exits when its parent goes away.
import type { AddressInfo } from "node:net"
import { runServer } from "verdaccio"

const configPath = process.argv[2]
if (configPath === undefined) throw new Error("usage: verdaccioMain.ts <config.yaml>")
const app = await runServer(configPath)
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.on("disconnect", () => server.close(() => process.exit(0)))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
