/** The median of several runs (the benches report medians: single runs on a shared machine spread widely). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Messages per second of `action`, which handles `count` messages. */
export const rate = async (action: () => Promise<void>, count: number): Promise<number> => {
  const start = performance.now()
  await action()
  return count / ((performance.now() - start) / 1000)
}

export interface Measured {
  /** Messages per second of wall-clock time. */
  readonly rate: number
  /** CPU time this process spent per message, in microseconds (on a loaded machine, steadier than the rate). */
  readonly cpuMicros: number
}

/** `rate`, and the CPU time this process spent per message meanwhile. */
export const measure = async (action: () => Promise<void>, count: number): Promise<Measured> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await action()
  const seconds = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  return { rate: count / seconds, cpuMicros: (used.user + used.system) / count }
}
