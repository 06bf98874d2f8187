import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chromiumBinary } from "./support/headlessChromium.ts"

// The HTML report's browser suite starts Chromium through chromiumBinary: where there is none it must fail and say how
// to get one, never skip or pass.
describe("finding headless Chromium for the HTML report's test", () => {
  let empty: string
  let withChromium: string

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), "haymaker-no-chromium-"))
    withChromium = await mkdtemp(join(tmpdir(), "haymaker-chromium-bin-"))
    await writeFile(join(withChromium, "chromium"), "#!/bin/sh\n")
    await chmod(join(withChromium, "chromium"), 0o755)
  })
  afterAll(() => Promise.all([rm(empty, { recursive: true }), rm(withChromium, { recursive: true })]))

  it("fails, saying how to install it, when no Chromium is on PATH", () => {
    expect(() => chromiumBinary({ PATH: empty })).toThrow(
      "headless Chromium is required to test the HTML report, and none was found on PATH: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set HAYMAKER_CHROMIUM to a Chromium binary",
    )
  })

  it("fails when HAYMAKER_CHROMIUM names no file, rather than looking elsewhere", () => {
    const missing = join(empty, "chromium")
    expect(() => chromiumBinary({ PATH: withChromium, HAYMAKER_CHROMIUM: missing })).toThrow(
      `HAYMAKER_CHROMIUM=${missing}: no such file; it must name a Chromium binary`,
    )
  })

  it("finds Debian's chromium on PATH, or the binary HAYMAKER_CHROMIUM names", () => {
    expect(chromiumBinary({ PATH: [empty, withChromium].join(delimiter) })).toBe(join(withChromium, "chromium"))
    expect(chromiumBinary({ PATH: empty, HAYMAKER_CHROMIUM: join(withChromium, "chromium") })).toBe(
      join(withChromium, "chromium"),
    )
  })
})
