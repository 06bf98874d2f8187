/**
 * ISO-8601 durations as used by the official emulator's Config.json ("PT1M", "PT1H", "P14D") and by Azure's
 * TimeSpan.MaxValue ("P10675199DT2H48M5.4775807S"). Years and months are refused: their length is ambiguous and
 * neither Azure nor the official emulator emits them.
 */
const pattern =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

const unitMs = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000] as const

/** Milliseconds of an ISO-8601 duration, or undefined when the text is not one. */
export const parseIsoDuration = (text: string): number | undefined => {
  const match = pattern.exec(text)
  if (match === null || text === "P" || text.endsWith("T")) return undefined
  let total = 0
  let sawComponent = false
  for (let i = 0; i < unitMs.length; i++) {
    const part = match[i + 1]
    if (part === undefined) continue
    sawComponent = true
    total += Number(part) * (unitMs[i] ?? 0)
  }
  return sawComponent ? Math.round(total) : undefined
}

/** Renders milliseconds back as an ISO-8601 duration (used in logs and error messages). */
export const formatIsoDuration = (ms: number): string => {
  if (ms === 0) return "PT0S"
  let rest = ms
  const days = Math.floor(rest / 86_400_000)
  rest -= days * 86_400_000
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = rest / 1000
  let out = "P"
  if (days > 0) out += `${days}D`
  if (hours > 0 || minutes > 0 || seconds > 0) {
    out += "T"
    if (hours > 0) out += `${hours}H`
    if (minutes > 0) out += `${minutes}M`
    if (seconds > 0) out += `${seconds}S`
  }
  return out
}
