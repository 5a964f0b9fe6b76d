import type { EncoderConfig, ExperimentConfig } from '../../shared/config'
import { encodeBernoulli, encodeDeterministicRate, encodePoisson, type RateMapping } from '../encoders/rateCode'
import { EncodingCache } from '../encoders/encodingCache'
import { ReceptiveField } from '../encoders/receptiveField'
import { SpikeTrain } from '../encoders/spikeTrain'
import { WinnerTakeAll } from '../inhibition/winnerTakeAll'
import { SeedStdp } from '../learning/seedStdp'
import type { SampleMonitor } from '../monitors/sampleMonitor'
import { SeedLifNeurons } from '../neurons/seedLif'
import type { Rng, RngState } from '../random'
import { Layer } from './layer'
import type { ModelNetwork, ModelState } from './model'

export type NetworkConfig = Pick<ExperimentConfig, 'steps' | 'encoder' | 'network' | 'neuron' | 'threshold' | 'inhibition' | 'learning'>

/**
 * The seed model's feed-forward network: image → receptive field → spike train → layer 1 → …
 * → output layer. Each layer sees the whole spike train of the layer before it (a sample is
 * simulated layer by layer), so every layer can use the same STDP rule with its future-looking
 * window, as the seed's multi-layer variant does.
 */
export class SeedNetwork implements ModelNetwork {
  readonly layers: Layer[]
  readonly inputTrain: SpikeTrain
  readonly potential: Float64Array
  /** Inputs with potential > 0 in the current image (the deterministic code visits only these). */
  private readonly positiveInputs: Int32Array
  /** Encoded trains by image key; only for the deterministic code, whose train depends on the image alone. */
  readonly encodingCache: EncodingCache | null
  private readonly receptiveField: ReceptiveField
  private readonly mapping: RateMapping

  constructor(
    readonly config: NetworkConfig,
    readonly width: number,
    readonly height: number,
    private readonly encoderRng: Rng,
    /** A cache to share (kept across runs by the engine process); by default a fresh one. */
    sharedEncodingCache?: EncodingCache
  ) {
    const inputs = width * height
    const { steps, encoder } = config
    this.receptiveField = new ReceptiveField(encoder.receptiveField, width, height)
    this.mapping = { interpXp: encoder.interpXp, interpFp: encoder.interpFp, periodNumerator: encoder.periodNumerator }
    this.potential = new Float64Array(inputs)
    this.positiveInputs = new Int32Array(inputs)
    this.inputTrain = new SpikeTrain(inputs, steps)
    this.encodingCache = encoder.kind === 'deterministic' ? (sharedEncodingCache ?? new EncodingCache()) : null
    let fanIn = inputs
    this.layers = config.network.layers.map(({ neurons }) => {
      const layer = new Layer(
        fanIn,
        new SeedLifNeurons(neurons, config.neuron),
        new WinnerTakeAll(config.inhibition.kind === 'winner-take-all', config.inhibition.potential),
        new SeedStdp(config.learning),
        steps
      )
      fanIn = neurons
      return layer
    })
  }

  get inputs(): number {
    return this.width * this.height
  }

  encoderRngState(): RngState {
    return this.encoderRng.getState()
  }

  setEncoderRngState(state: RngState): void {
    this.encoderRng.setState(state)
  }

  get outputLayer(): Layer {
    return this.layers[this.layers.length - 1]
  }

  get outputSize(): number {
    return this.outputLayer.size
  }

  get outputCounts(): Int32Array {
    return this.outputLayer.spikeCounts
  }

  get monitorSteps(): number {
    return this.config.steps
  }

  get outputThreshold(): number {
    return this.outputLayer.threshold
  }

  get outputWinner(): number {
    return this.outputLayer.winner
  }

  get outputWinnerStep(): number {
    return this.outputLayer.winnerStep
  }

  /** Every sample starts from rest, so weights and the encoder state are the whole state. */
  getModelState(): ModelState | null {
    return null
  }

  setModelState(state: ModelState): void {
    if (Object.keys(state).length > 0) throw new RangeError('seed-2017 networks have no state besides weights and the encoder')
  }

  /**
   * Receptive field and spike code of one image into `inputTrain`. `key` names the image (its
   * index in its dataset) so a deterministic encoding is computed once and then reused.
   */
  encode(pixels: Uint8Array, offset: number, key?: number): SpikeTrain {
    const cache = key === undefined ? null : this.encodingCache
    if (cache && cache.restore(key!, this.inputTrain)) return this.inputTrain
    const { encoder } = this.config
    if (encoder.kind === 'deterministic') {
      const count = this.receptiveField.applyListingPositive(pixels, offset, this.potential, this.positiveInputs)
      encodeDeterministicRate(this.potential, this.mapping, this.inputTrain, this.positiveInputs, count)
    } else {
      encodeStochastic(encoder, this.receptiveField.apply(pixels, offset, this.potential), this.mapping, this.encoderRng, this.inputTrain)
    }
    if (cache) cache.store(key!, this.inputTrain)
    return this.inputTrain
  }

  /** The threshold a layer uses for a sample with input train `train`. */
  thresholdFor(train: SpikeTrain): number {
    const th = this.config.threshold
    return th.mode === 'fixed' ? th.fixed : (train.maxSimultaneous / th.divisor) * th.scale
  }

  /**
   * Present one image: encode, then run every layer. `monitors[l]` (optional) records layer l;
   * `key` (optional) identifies the image for the encoding cache.
   */
  present(pixels: Uint8Array, offset: number, learn: boolean, monitors?: readonly (SampleMonitor | null)[], key?: number): void {
    let train = this.encode(pixels, offset, key)
    const doLearn = learn && this.config.learning.enabled
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]
      layer.presentSample(train, this.thresholdFor(train), doLearn, monitors?.[l] ?? null)
      if (l + 1 < this.layers.length) train = layer.output // the output layer's train is built only if read
    }
  }
}

function encodeStochastic(encoder: EncoderConfig, pot: Float64Array, mapping: RateMapping, rng: Rng, out: SpikeTrain): void {
  if (encoder.kind === 'bernoulli') encodeBernoulli(pot, mapping, encoder.rateScale, rng, out)
  else if (encoder.kind === 'poisson') encodePoisson(pot, mapping, encoder.rateScale, rng, out)
  else throw new RangeError(`not a stochastic encoder: ${encoder.kind}`)
}
