import { fileURLToPath } from "node:url"
import { loadUnpatchedRhea, resolveFrom, sdkRhea } from "../../../scripts/unpatched-rhea.ts"

/**
 * Test-only, imported first by a test file: the emulator (and the SDK the test drives it with) run on rhea as the
 * registry ships it, as they do for a user of `npx @haymaker/servicebus-emulator` (see scripts/unpatched-rhea.ts).
 */

/** The emulator's rhea, as `src/` loads it. */
export const emulatorRhea = resolveFrom(fileURLToPath(new URL("../src/index.ts", import.meta.url)), "rhea")

/** The rhea `session.js` files this process now runs unpatched (the SDK's too: this repository installs one copy). */
export const unpatchedSessions = loadUnpatchedRhea([emulatorRhea, sdkRhea(import.meta.filename)])
