/**
 * The bench's broker: an emulator in its own process, as a real namespace would be, so the bench process's CPU time
 * is the clients' alone. Prints `{"connectionString": …}` on one line once listening; exits when standard input
 * closes (the bench ended, or died).
 */
import { startEmulator } from "@haymaker/servicebus-emulator"
import { benchConfig } from "./workload.ts"

const topics = (process.argv[2] ?? "").split(",").filter((name) => name.length > 0)
const emulator = await startEmulator({ config: benchConfig(topics), port: 0 })
process.stdout.write(`${JSON.stringify({ connectionString: emulator.connectionString })}\n`)
process.stdin.resume()
process.stdin.on("end", () => {
  void emulator.close().finally(() => process.exit(0))
})
