import { Config, Effect, Layer } from "effect"

/**
 * The `layerConfig` of an adapter's `layer(options)`, as Effect's own packages have it: the options read from
 * configuration, given as one `Config` of them all or a `Config` per field (`Config.Wrap`).
 */
export const layerFromConfig =
  <Options, A, E>(layer: (options: Options) => Layer.Layer<A, E>) =>
  (config: Config.Wrap<Options>): Layer.Layer<A, E | Config.ConfigError> =>
    Layer.unwrap(Effect.map(Config.unwrap(config), layer))
