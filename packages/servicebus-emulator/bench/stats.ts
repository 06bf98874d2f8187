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
