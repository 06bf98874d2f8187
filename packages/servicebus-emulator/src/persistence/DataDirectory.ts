import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from "node:fs"
import { join, resolve } from "node:path"
import { Broker, type BrokerOptions } from "../broker/Broker.ts"
import type { EmulatorConfig } from "../config/EmulatorConfig.ts"
import type { Logger } from "../log.ts"
import { DurableJournal, type FsyncPolicy } from "./DurableJournal.ts"
import type { PayloadCodec } from "./PayloadCodec.ts"
import { mergeConfig, readJournal, restoreState } from "./recoverJournal.ts"

export interface DataDirectoryOptions {
  readonly path: string
  readonly fsync: FsyncPolicy
  readonly codec: PayloadCodec
  readonly logger: Logger
  /** Compaction threshold of the journal; 64 MiB by default. */
  readonly compactAtBytes?: number
}

export class DataDirectoryInUse extends Error {
  override readonly name = "DataDirectoryInUse"
}

const journalFile = "journal.log"
const lockFile = "emulator.lock"
const defaultCompactAtBytes = 64 * 1024 * 1024

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Data directories open in this process (several emulators can run in one process). */
const openHere = new Set<string>()

/** One emulator per data directory: a second one would interleave its writes with the first's. */
const lock = (path: string): (() => void) => {
  const file = join(path, lockFile)
  const key = resolve(path)
  if (openHere.has(key))
    throw new DataDirectoryInUse(`The data directory ${path} is in use by the emulator process ${process.pid}.`)
  const release = () => {
    openHere.delete(key)
    unlinkSync(file)
  }
  let fd: number
  try {
    fd = openSync(file, "wx")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    const pid = Number(readFileSync(file, "utf8").trim())
    if (Number.isInteger(pid) && alive(pid) && pid !== process.pid) {
      throw new DataDirectoryInUse(
        `The data directory ${path} is in use by the emulator process ${pid} (delete ${file} if that process is not an emulator).`,
      )
    }
    // Left behind by an emulator that was killed: take it over.
    writeFileSync(file, `${process.pid}\n`)
    openHere.add(key)
    return release
  }
  writeSync(fd, `${process.pid}\n`)
  closeSync(fd)
  openHere.add(key)
  return release
}

export interface DurableBroker {
  readonly broker: Broker
  /** Writes what is pending, closes the journal and releases the directory. */
  close(): Promise<void>
}

/**
 * Opens (or creates) a data directory: restores the broker it describes (Config.json adds the entities it does not
 * have), compacts the journal into a snapshot of that state, and records every change from then on.
 */
export const openDataDirectory = (
  config: EmulatorConfig,
  options: DataDirectoryOptions,
  brokerOptions: BrokerOptions,
): DurableBroker => {
  mkdirSync(options.path, { recursive: true })
  const unlock = lock(options.path)
  let broker: Broker | undefined
  try {
    const startedAt = Date.now()
    const path = join(options.path, journalFile)
    const state = readJournal(path, options.logger)
    broker = new Broker(mergeConfig(config, state), brokerOptions)
    const restored = restoreState(broker, state, options.codec, options.logger)
    const journal = new DurableJournal({
      path,
      fsync: options.fsync,
      codec: options.codec,
      logger: options.logger,
      compactAtBytes: options.compactAtBytes ?? defaultCompactAtBytes,
    })
    journal.start(broker)
    options.logger.info("data directory opened", {
      path: options.path,
      fsync: options.fsync,
      records: state.records,
      queues: broker.queues.size,
      topics: broker.topics.size,
      ...restored,
      ms: Date.now() - startedAt,
    })
    return {
      broker,
      close: async () => {
        await journal.close()
        unlock()
      },
    }
  } catch (error) {
    broker?.close()
    unlock()
    throw error
  }
}
