import { Layer } from "effect"
import {
  archiveSinkContract,
  InMemoryArchive,
  InMemoryLogAnalytics,
  inMemoryArchiveProbe,
  inMemoryLogAnalyticsProbe,
  logAnalyticsSinkContract,
} from "../src/index.ts"

logAnalyticsSinkContract("InMemoryLogAnalytics", {
  makeLayer: () => inMemoryLogAnalyticsProbe.pipe(Layer.provideMerge(InMemoryLogAnalytics.layer)),
  faultInjection: true,
})

archiveSinkContract("InMemoryArchive", {
  makeLayer: () => inMemoryArchiveProbe.pipe(Layer.provideMerge(InMemoryArchive.layer)),
  faultInjection: true,
})
