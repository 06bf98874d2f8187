import { createRequire } from "node:module"
import { loadUnpatchedRhea, resolveFrom, sdkRhea } from "../../../../scripts/unpatched-rhea.ts"

/**
 * Test-only: makes this process load rhea as the registry ships it, without this repository's patch, to prove the
 * Service Bus adapter settles correctly on its own (see scripts/unpatched-rhea.ts). Import it first, before anything
 * loads rhea.
 */

const require = createRequire(import.meta.url)

// rhea as the SDK loads it, and as the emulator does.
const emulatorRhea = resolveFrom(require.resolve("@haymaker/servicebus-emulator"), "rhea")

/** The rhea `session.js` files this process now runs unpatched. */
export const unpatchedSessions: ReadonlyArray<string> = loadUnpatchedRhea([sdkRhea(import.meta.filename), emulatorRhea])
