import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { FileArchiveSink } from "@haymaker/adapters-sinks"
import type { JsonObject } from "@haymaker/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { generateRunEvents } from "../src/demo/generateEvents.ts"
import type { HistoryDocument, LeakReportDocument } from "../src/report/ReportDocument.ts"
import { archiveAll, sinkRecordsOf } from "./support/archiveFixture.ts"
import { runCli } from "./support/cli.ts"
import { withChromiumPage } from "./support/headlessChromium.ts"

/** Where the screenshot stays for a person to look at (git-ignored). */
const SCREENSHOT = new URL("../../../.haymaker/test-output/report-chromium.png", import.meta.url)

const hostileRun = 'run-<b id="injected">x</b>'
const hostile: ReadonlyArray<JsonObject> = [
  {
    event_type: "resource_created",
    resource_id: "/subscriptions/sub-x/resourceGroups/rg/providers/Microsoft.Web/sites/<img src=x onerror=alert(1)>",
    resource_type: "Microsoft.Web/sites",
    resource_name: `<img src="http://192.0.2.1/leak.png"> & "quotes"`,
    scenario_name: "<script>alert(1)</script>",
    run_id: hostileRun,
    timestamp: "2026-11-26T09:00:00Z",
  },
  {
    event_type: "agent_started",
    scenario_name: "scenario-idle",
    run_id: "run-idle",
    agent_id: "agent-idle",
    timestamp: "2026-11-26T09:30:00Z",
    message: "started, created nothing",
    severity: "info",
    details: {},
  },
]

interface Rendered {
  readonly title: string
  readonly cards: Record<string, number>
  readonly runs: ReadonlyArray<Record<string, string | number>>
  readonly leaks: ReadonlyArray<Record<string, string | number>>
  readonly bars: ReadonlyArray<{ run: string; status: string; count: number; width: number; height: number }>
  readonly chart: { readonly width: number; readonly height: number }
  /** How far the page is wider than the window: a table that does not fit scrolls sideways. */
  readonly overflow: number
  readonly injected: number
  readonly images: number
  readonly scripts: number
  readonly text: string
}

// Runs in the page: reads the numbers as displayed (text, not attributes) and the chart as laid out.
const READ_PAGE = `(() => {
  const num = (el) => Number(el.textContent.replace(/,/g, ""))
  const rows = (selector) => [...document.querySelectorAll(selector)].map((tr) =>
    Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map((td) =>
      [td.dataset.field, td.classList.contains("num") ? num(td) : td.textContent])))
  const chart = document.querySelector("#chart").getBoundingClientRect()
  return {
    title: document.title,
    cards: Object.fromEntries([...document.querySelectorAll("#totals .card")].map((c) => [c.dataset.field, num(c.querySelector(".value"))])),
    runs: rows("#runs tbody tr"),
    leaks: rows("#leaks tbody tr"),
    bars: [...document.querySelectorAll("#chart rect[data-run]")].map((r) => {
      const box = r.getBoundingClientRect()
      return { run: r.dataset.run, status: r.dataset.status, count: Number(r.dataset.count), width: box.width, height: box.height }
    }),
    chart: { width: chart.width, height: chart.height },
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    injected: document.querySelectorAll("#injected").length,
    images: document.images.length,
    scripts: document.scripts.length,
    text: document.body.innerText,
  }
})()`

/** Loads a page from a file in a fresh Chromium and reads it with `expression`; answers what it read and requested. */
const readInChromium = <A>(file: string, expression: string) =>
  withChromiumPage(async (browser) => {
    const loaded = browser.next("Page.loadEventFired")
    await browser.send("Page.navigate", { url: pathToFileURL(file).href })
    await loaded
    return { read: await browser.evaluate<A>(expression), requests: browser.requests() }
  })

// Runs in the history page: the state line and the events table as displayed.
const READ_HISTORY = `(() => ({
  title: document.title,
  state: document.querySelector("#state").textContent,
  events: [...document.querySelectorAll("#events tbody tr")].map((tr) =>
    Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map((td) => [td.dataset.field, td.textContent]))),
}))()`

describe("the HTML report in headless Chromium", () => {
  let root: string
  let report: LeakReportDocument
  let page: string
  let env: Record<string, string>

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "haymaker-report-html-"))
    const events = [...generateRunEvents(600, 3), ...hostile]
    await Effect.runPromise(
      archiveAll(sinkRecordsOf(events)).pipe(Effect.provide(FileArchiveSink.layer({ directory: root }))),
    )
    env = { HAYMAKER_SINKS: "filesystem", HAYMAKER_LOCAL_SINK_DIR: root }
    page = join(root, "report.html")
    const [json, html] = await Promise.all([
      runCli(["report", "--format", "json"], env),
      runCli(["report", "--format", "html", "--output", page], env),
    ])
    expect(json.code).toBe(0)
    expect(html.code).toBe(0)
    report = JSON.parse(json.stdout)
  }, 120_000)
  afterAll(() => rm(root, { recursive: true, force: true }))

  it("renders offline: its numbers are the JSON report's, bars to scale, names inert; a screenshot is taken", async () => {
    const { rendered, requests, screenshot } = await withChromiumPage(async (browser) => {
      await browser.send("Emulation.setDeviceMetricsOverride", {
        width: 1280,
        height: 900,
        deviceScaleFactor: 1,
        mobile: false,
      })
      const loaded = browser.next("Page.loadEventFired")
      await browser.send("Page.navigate", { url: pathToFileURL(page).href })
      await loaded
      const rendered = await browser.evaluate<Rendered>(READ_PAGE)
      const shot = await browser.send<{ data: string }>("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
      })
      return { rendered, requests: browser.requests(), screenshot: Buffer.from(shot.data, "base64") }
    })

    expect(rendered.title).toBe("HayMaker leak report")
    expect(rendered.cards).toEqual({
      runs: report.totals.runs,
      created: report.totals.created,
      deleted: report.totals.deleted,
      present: report.totals.present,
      deletion_failed: report.totals.deletion_failed,
      leaked: report.totals.leaked,
    })
    expect(rendered.runs).toEqual(
      report.runs.map((run) => ({
        run_id: run.run_id,
        scenarios: run.scenarios.join(", "),
        first_event_at: run.first_event_at,
        last_event_at: run.last_event_at,
        created: run.created,
        deleted: run.deleted,
        present: run.present,
        deletion_failed: run.deletion_failed,
        leaked: run.leaked,
      })),
    )
    expect(rendered.leaks).toEqual(
      report.leaks.map((leak) => ({
        run_id: leak.run_id,
        status: leak.status,
        resource_type: leak.resource_type,
        resource_name: leak.resource_name,
        deletion_attempts: leak.deletion_attempts,
        deletion_error: leak.deletion_error ?? "",
        resource_id: leak.resource_id,
      })),
    )
    // The report holds what the page must show: generated runs with leaks, a hostile run, a run that created nothing.
    expect(report.runs.map((run) => run.run_id)).toEqual([
      hostileRun,
      "run-demo-1",
      "run-demo-2",
      "run-demo-3",
      "run-idle",
    ])
    expect(report.leaks.some((leak) => leak.status === "deletion_failed")).toBe(true)

    // One bar per run and status, drawn in proportion to its count on one scale.
    const largest = Math.max(...report.runs.map((run) => run.created))
    const fields = { deleted: "deleted", present: "present", deletion_failed: "deletion_failed" } as const
    expect(rendered.bars).toHaveLength(report.runs.length * 3)
    for (const bar of rendered.bars) {
      const run = report.runs.find((r) => r.run_id === bar.run)
      expect(bar.count).toBe(run?.[fields[bar.status as keyof typeof fields]])
      expect(bar.width).toBeCloseTo((bar.count / largest) * 520, 0)
      if (bar.count > 0) expect(bar.height).toBeGreaterThan(10)
    }
    expect(rendered.chart.width).toBeGreaterThan(600)
    expect(rendered.chart.height).toBeGreaterThan(100)
    // The leak list's long ids and types wrap: the page fits a 1280-pixel window.
    expect(rendered.overflow).toBe(0)

    // Names from agents are text: no element, image or script came from them, and nothing was fetched.
    expect(rendered.injected).toBe(0)
    expect(rendered.images).toBe(0)
    expect(rendered.scripts).toBe(0)
    expect(rendered.text).toContain(`<img src="http://192.0.2.1/leak.png"> & "quotes"`)
    expect(rendered.text).toContain(hostileRun)
    expect(requests).toEqual([pathToFileURL(page).href])

    // A PNG of the whole page (the viewport less a scroll bar wide, and as tall as the content).
    expect(screenshot.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(screenshot.readUInt32BE(16)).toBeGreaterThan(1200)
    expect(screenshot.readUInt32BE(20)).toBeGreaterThanOrEqual(900)
    await mkdir(new URL(".", SCREENSHOT), { recursive: true })
    await writeFile(SCREENSHOT, screenshot)
    expect((await readFile(SCREENSHOT)).length).toBe(screenshot.length)
  }, 120_000)

  it("renders one resource's history: its state and every event, as the JSON history has them", async () => {
    const failed = report.leaks.find((leak) => leak.status === "deletion_failed")
    const resourceId = failed?.resource_id ?? ""
    const historyPage = join(root, "history.html")
    const [json, html] = await Promise.all([
      runCli(["report", "--resource", resourceId, "--format", "json"], env),
      runCli(["report", "--resource", resourceId, "--format", "html", "--output", historyPage], env),
    ])
    expect(json.code).toBe(0)
    expect(html.code).toBe(0)
    const history = JSON.parse(json.stdout) as HistoryDocument
    const { read, requests } = await readInChromium<{
      title: string
      state: string
      events: ReadonlyArray<Record<string, string>>
    }>(historyPage, READ_HISTORY)

    expect(read.title).toBe(`HayMaker resource history: ${resourceId}`)
    expect(read.state).toContain(`deletion_failed run ${failed?.run_id}`)
    expect(read.state).toContain(
      `${failed?.deletion_attempts} deletion attempts, last error: ${failed?.deletion_error}`,
    )
    expect(history.events.length).toBeGreaterThan(1)
    expect(read.events).toEqual(
      history.events.map((event) => ({
        at: event.at,
        event_type: event.event_type ?? "",
        run_id: event.run_id ?? "",
        status: event.status ?? "",
        deletion_attempts: String(event.deletion_attempts ?? ""),
        deletion_error: event.deletion_error ?? "",
        message_id: event.message_id ?? event.location,
      })),
    )
    expect(requests).toEqual([pathToFileURL(historyPage).href])
  }, 120_000)
})
