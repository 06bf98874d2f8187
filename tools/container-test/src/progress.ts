import type { WorkerContainer } from "./workerContainer.ts"

const SETTLED = ["haymaker_messages_completed_total", "haymaker_messages_dead_lettered_total"] as const

/**
 * Messages the workers settled so far (completed or dead-lettered; a redelivered message counts again), summed over
 * containers and their restarts: a restarted worker's counters start again from 0, so what the earlier incarnation
 * reported last is kept.
 */
export class Progress {
  private readonly latest = new Map<string, number>()
  private readonly earlier = new Map<string, number>()

  private readonly workers: () => ReadonlyArray<WorkerContainer>

  constructor(workers: () => ReadonlyArray<WorkerContainer>) {
    this.workers = workers
  }

  async settled(): Promise<number> {
    let total = 0
    for (const worker of this.workers()) {
      const counts = await Promise.all(SETTLED.map((name) => worker.counter(name)))
      const now = counts.reduce((sum, count) => sum + count, 0)
      const latest = Math.max(now, this.latest.get(worker.name) ?? 0)
      this.latest.set(worker.name, latest)
      total += latest + (this.earlier.get(worker.name) ?? 0)
    }
    return total
  }

  /** Call after the container stopped and before it starts again. */
  restarted(name: string): void {
    this.earlier.set(name, (this.earlier.get(name) ?? 0) + (this.latest.get(name) ?? 0))
    this.latest.set(name, 0)
  }
}
