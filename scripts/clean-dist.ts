// Removes the package's dist/ before a build, so a tarball never ships the output of a source file that is gone.
import { rmSync } from "node:fs"

rmSync("dist", { recursive: true, force: true })
