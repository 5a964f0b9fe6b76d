import { DiehlCookConfigSchema, type ExperimentConfig } from '../../shared/config'
import type { ImageSet } from '../datasets/types'
import { evaluateResponses, type EvaluationResult } from '../evaluation'
import type { EncodingCache, EncodingCacheStore } from '../encoders/encodingCache'
import { SampleMonitor, type MonitorOptions } from '../monitors/sampleMonitor'
import { DiehlCookNetwork } from '../network/diehlCookNetwork'
import type { ModelNetwork, ModelState } from '../network/model'
import { SeedNetwork } from '../network/network'
import { Rng, type RngState } from '../random'
import { epochOrder, planData, type DataPlan } from './data'

export const ENGINE_VERSION = '0.1.0'

/** What happened when one image was presented (output layer). */
export interface PresentationRecord {
  epoch: number
  /** Index of the image in its source dataset. */
  image: number
  label: number
  threshold: number
  winner: number
  winner_t: number
  spike_counts: number[]
  /** Present when spikes are monitored. */
  spike_times?: number[][]
}

export interface WeightSnapshot {
  /** Training images presented so far. */
  step: number
  epoch: number
  /** One matrix per layer (copies), neurons × inputs. */
  layers: { neurons: number; inputs: number; weights: Float64Array }[]
  /** The encoder's generator state at this point: with the weights, enough to continue exactly. */
  rng: { encoder: RngState }
  /** The model's further state (diehl-cook-2015: θ, potentials, traces …); absent for seed-2017. */
  state?: ModelState
}

/** Where to continue a run from (a snapshot's content). */
export interface ResumePoint {
  step: number
  layers: { weights: ArrayLike<number> }[]
  rng: { encoder: RngState }
  state?: ModelState
}

/** Called as methods of the hooks object (a class's methods work as well as closures). */
export interface TrainingHooks {
  /** Called after each training image. Return true to stop (cancel) before the next one. */
  onPresentation?: (record: PresentationRecord, progress: { done: number; total: number }) => boolean | void
  onSnapshot?: (snapshot: WeightSnapshot) => void
  /** Membrane traces of these output neurons are passed to onTrace for each training image. */
  traceNeurons?: readonly number[]
  onTrace?: (image: number, traces: Float64Array[], threshold: number) => void
  /** Record spike times in presentation records (costs a little time). */
  recordSpikeTimes?: boolean
  /** Record the output layer's spikes in `Experiment.monitor` only (no per-image copies; the live view reads them). */
  monitorSpikes?: boolean
}

export interface LoadedData {
  source: ImageSet
  testSource: ImageSet | null
  /** Exact starting weights per layer (null: initialise from the config). */
  initialWeights?: (Float64Array | null)[]
  /** Continue from a snapshot instead of starting at image 0. */
  resume?: ResumePoint | null
  /** Encoding caches kept across runs (an engine process's); absent: each run encodes afresh. */
  encodings?: EncodingCacheStore | null
}

export interface ExperimentResult {
  config: ExperimentConfig
  engineVersion: string
  cancelled: boolean
  presented: number
  elapsedMs: number
  classLabels: number[]
  layers: { neurons: number; inputs: number; weights: Float64Array }[]
  evaluation: EvaluationResult | null
  width: number
  height: number
}

/** The network of the config's preset; random streams are split from `root`. `kernels`: see DiehlCookNetwork. */
function buildNetwork(config: ExperimentConfig, width: number, height: number, root: Rng, encodingCache?: EncodingCache, kernels: 'wasm' | 'js' = 'wasm'): ModelNetwork {
  switch (config.preset) {
    case 'seed-2017':
      return new SeedNetwork(config, width, height, root.split('encoder'), encodingCache)
    case 'diehl-cook-2015':
      return new DiehlCookNetwork(
        config.diehlCook ?? DiehlCookConfigSchema.parse({}),
        config.network.layers[0].neurons,
        width * height,
        config.learning.enabled,
        root.split('encoder'),
        root.split('delays'),
        kernels
      )
  }
}

/** Fill every layer's weights: given ones (argument or inline config), else drawn as `config.init` says. */
function initialiseWeights(network: ModelNetwork, config: ExperimentConfig, root: Rng, initialWeights?: (Float64Array | null)[]): void {
  const init = config.init
  network.layers.forEach((layer, l) => {
    const given = initialWeights?.[l] ?? (init.kind === 'inline' ? Float64Array.from(init.weights[l]?.flat() ?? []) : null)
    if (given && given.length > 0) {
      layer.setWeights(given)
      return
    }
    const rng = root.split(`init-${l}`)
    const low = init.kind === 'uniform' ? init.low : 0
    const high = init.kind === 'uniform' ? init.high : config.learning.wMax * 0.5
    // Drawn neuron by neuron, input by input, so a layer's values do not depend on storage layout.
    layer.setWeights(fillUniform(new Float64Array(layer.size * layer.inputs), rng, low, high))
  })
}

/**
 * `values` filled with draws of rng.uniform(low, high), in order. A function of its own, not a
 * loop inside initialiseWeights' callback: V8 optimizes this code only after several runs of an
 * engine process, and compiling the callback (with everything inlined into it) cost ~25 ms of
 * compiler-thread CPU in the middle of a sweep, taken from a second engine on 2 cores.
 */
function fillUniform(values: Float64Array, rng: Rng, low: number, high: number): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(low, high)
  return values
}

/** Build the network of the config's preset (seed-2017 or diehl-cook-2015) and fill its initial weights. */
export function createModelNetwork(
  config: ExperimentConfig,
  width: number,
  height: number,
  initialWeights?: (Float64Array | null)[],
  encodingCache?: EncodingCache,
  /** diehl-cook-2015's hot loops: WebAssembly (the default), or 'js', the reference the tests and benches hold them to. */
  kernels: 'wasm' | 'js' = 'wasm'
): { network: ModelNetwork; root: Rng } {
  const root = new Rng(config.seed)
  const network = buildNetwork(config, width, height, root, encodingCache, kernels)
  initialiseWeights(network, config, root, initialWeights)
  return { network, root }
}

/**
 * Build a seed-2017 network and fill its initial weights (for callers that drive its layers
 * directly); createModelNetwork builds any preset's.
 */
export function createNetwork(config: ExperimentConfig, width: number, height: number, initialWeights?: (Float64Array | null)[]): { network: SeedNetwork; root: Rng } {
  if (config.preset !== 'seed-2017') throw new RangeError(`createNetwork builds seed-2017 networks, not ${config.preset}: use createModelNetwork`)
  const root = new Rng(config.seed)
  const network = new SeedNetwork(config, width, height, root.split('encoder'))
  initialiseWeights(network, config, root, initialWeights)
  return { network, root }
}

/** Encoding-cache key of image `index`: training-source images by index, others (a separate test source) negative. */
export function imageKey(index: number, fromTrainingSource: boolean): number {
  return fromTrainingSource ? index : -1 - index
}

/**
 * Put a network in the state a snapshot recorded: every layer's weights, the encoder's random
 * stream and the model's own state (diehl-cook-2015's θ, potentials, traces …). A resumed run and
 * `evaluate --run` both rebuild a network this way, so they cannot disagree on what it holds.
 */
export function restoreNetwork(
  network: ModelNetwork,
  saved: { layers: readonly { weights: ArrayLike<number> }[]; rng: { encoder: Parameters<ModelNetwork['setEncoderRngState']>[0] }; state?: ModelState | null }
): void {
  if (saved.layers.length !== network.layers.length) throw new RangeError(`resume point has ${saved.layers.length} layers, the network ${network.layers.length}`)
  network.layers.forEach((layer, l) => layer.setWeights(saved.layers[l].weights))
  network.setEncoderRngState(saved.rng.encoder)
  if (saved.state) network.setModelState(saved.state)
}

/** Spike counts of the output layer for every image in `indices` (learning off). */
export function classify(network: ModelNetwork, set: ImageSet, indices: Int32Array, fromTrainingSource = true, onPresented?: (presented: number) => void): Int32Array {
  const n = network.outputSize
  const imageSize = set.width * set.height
  const counts = new Int32Array(indices.length * n)
  for (let i = 0; i < indices.length; i++) {
    network.present(set.pixels, indices[i] * imageSize, false, undefined, imageKey(indices[i], fromTrainingSource))
    counts.set(network.outputCounts, i * n)
    onPresented?.(i + 1)
  }
  return counts
}

function copyLayers(network: ModelNetwork) {
  return network.layers.map((layer) => ({ neurons: layer.size, inputs: layer.inputs, weights: layer.getWeights() }))
}

/** Map raw labels onto class indices 0..C−1 for evaluation. */
function classIndices(labels: Int32Array, indices: Int32Array, classLabels: number[]): Int32Array {
  const position = new Map(classLabels.map((label, c) => [label, c]))
  return Int32Array.from(indices, (i) => position.get(labels[i]) ?? -1)
}

/** Label neurons from their responses to the training images, then classify the test images. */
/** `onProgress` (optional) hears after each image of the labelling and then the test pass: a long evaluation on the CLI shows progress. */
export function evaluateNetwork(
  network: ModelNetwork,
  plan: DataPlan,
  prediction: ExperimentConfig['evaluation']['prediction'],
  onProgress?: (done: number, total: number) => void
): EvaluationResult {
  const labelled = plan.trainIndices.length
  const total = labelled + plan.testIndices.length
  const trainCounts = classify(network, plan.trainSet, plan.trainIndices, true, onProgress && ((i) => onProgress(i, total)))
  const testCounts = classify(network, plan.testSet, plan.testIndices, plan.testSet === plan.trainSet, onProgress && ((i) => onProgress(labelled + i, total)))
  return evaluateResponses({
    trainCounts,
    trainLabels: classIndices(plan.trainSet.labels, plan.trainIndices, plan.classLabels),
    testCounts,
    testLabels: classIndices(plan.testSet.labels, plan.testIndices, plan.classLabels),
    neurons: network.outputSize,
    classes: plan.classLabels.length,
    mode: prediction
  })
}

/**
 * One experiment as a resumable loop: `trainFor` presents training images until a time budget
 * is spent (so a host process can answer messages such as cancel between slices), `finish`
 * takes the final snapshot and evaluates. Pure: data arrives loaded, results leave as values
 * and hook calls, so the CLI, the engine process and tests all run the same code.
 */
export class Experiment {
  readonly network: ModelNetwork
  readonly plan: DataPlan
  readonly total: number
  presented: number
  cancelled = false
  private readonly started = Date.now()
  private readonly dataRng: Rng
  /** Records the output layer during training; it holds the latest image's spikes and traces. */
  readonly monitor: SampleMonitor
  private readonly monitors: (SampleMonitor | null)[]
  private readonly imageSize: number
  private epoch = 0
  private indexInEpoch: number
  private order: Int32Array | null = null

  constructor(
    readonly config: ExperimentConfig,
    private readonly data: LoadedData,
    private readonly hooks: TrainingHooks = {}
  ) {
    const { source, testSource } = data
    this.plan = planData(config.data, source, testSource)
    const { network, root } = createModelNetwork(config, source.width, source.height, data.initialWeights, sharedEncodingCache(config, data))
    this.network = network
    this.dataRng = root.split('data')
    const resume = data.resume ?? null
    if (resume) restoreNetwork(network, resume)
    const perEpoch = this.plan.trainIndices.length
    this.total = perEpoch * config.epochs
    this.presented = Math.min(resume?.step ?? 0, this.total)
    this.epoch = perEpoch > 0 ? Math.floor(this.presented / perEpoch) : config.epochs
    this.indexInEpoch = this.presented - this.epoch * perEpoch
    this.imageSize = source.width * source.height
    this.monitor = new SampleMonitor(network.outputSize, network.monitorSteps, {
      spikes: (hooks.recordSpikeTimes || hooks.monitorSpikes) ?? false,
      membraneNeurons: hooks.traceNeurons ?? []
    } satisfies MonitorOptions)
    this.monitors = network.layers.map((_, l) => (l === network.layers.length - 1 ? this.monitor : null))
  }

  get trainingDone(): boolean {
    return this.cancelled || this.presented >= this.total
  }

  /** Ask the loop to stop before the next image (from a hook or between slices). */
  cancel(): void {
    this.cancelled = true
  }

  /** Present training images until `budgetMs` has passed or training ends; true when it has ended. */
  trainFor(budgetMs = Infinity): boolean {
    const deadline = budgetMs === Infinity ? Infinity : performance.now() + budgetMs
    while (!this.trainingDone) {
      this.presentNext()
      if (performance.now() >= deadline) break
    }
    return this.trainingDone
  }

  /**
   * Present the next training image, then call the hooks (and take a snapshot when one is due).
   * A method of its own, not the body of trainFor's loop: V8 optimized that loop only in an
   * engine's second or third run, compiling the whole body with it, sometimes twice (on-stack
   * replacement and a regular compile), 20–60 ms of compiler-thread CPU in the middle of a sweep,
   * which on 2 cores is taken from a second engine. This method compiles once (~10–17 ms), and
   * the loop left in trainFor is small.
   */
  private presentNext(): void {
    const { config, hooks, network, monitor, monitors } = this
    const source = this.data.source
    // Orders depend only on seed and epoch, so a resumed run sees the same ones.
    if (!this.order || this.indexInEpoch === 0) {
      this.order = epochOrder(this.plan, config.data.shuffle, config.data.order !== undefined, this.epoch, this.dataRng, this.order)
    }
    const image = this.order[this.indexInEpoch]
    network.setTrainingProgress?.(this.presented, this.total)
    network.present(source.pixels, image * this.imageSize, true, monitors, imageKey(image, true))
    this.presented++
    const epoch = this.epoch
    if (++this.indexInEpoch === this.order.length) {
      this.indexInEpoch = 0
      this.epoch++
    }
    if (hooks.onTrace && monitor.membraneNeurons.length > 0) hooks.onTrace(image, monitor.membrane, network.outputThreshold)
    if (hooks.onPresentation) {
      const record: PresentationRecord = {
        epoch,
        image,
        label: source.labels[image],
        threshold: network.outputThreshold,
        winner: network.outputWinner,
        winner_t: network.outputWinnerStep,
        spike_counts: Array.from(network.outputCounts)
      }
      if (hooks.recordSpikeTimes) record.spike_times = monitor.spikeTimesByNeuron()
      if (hooks.onPresentation(record, { done: this.presented, total: this.total }) === true) this.cancelled = true
    }
    if (config.snapshotEvery > 0 && this.presented % config.snapshotEvery === 0 && this.presented < this.total) this.snapshot(epoch)
  }

  /** Final snapshot, then (unless cancelled) label the neurons and classify the test images. */
  finish(): ExperimentResult {
    const { config, network } = this
    this.snapshot(Math.max(0, Math.min(this.epoch, config.epochs - 1)))
    const evaluation = !this.cancelled && config.evaluation.enabled ? evaluateNetwork(network, this.plan, config.evaluation.prediction) : null
    return {
      config,
      engineVersion: ENGINE_VERSION,
      cancelled: this.cancelled,
      presented: this.presented,
      elapsedMs: Date.now() - this.started,
      classLabels: this.plan.classLabels,
      layers: copyLayers(network),
      evaluation,
      width: this.data.source.width,
      height: this.data.source.height
    }
  }

  private snapshot(epoch: number): void {
    const { hooks } = this
    if (!hooks.onSnapshot) return
    const snapshot: WeightSnapshot = {
      step: this.presented,
      epoch,
      layers: copyLayers(this.network),
      rng: { encoder: this.network.encoderRngState() }
    }
    const state = this.network.getModelState()
    if (state) snapshot.state = state
    hooks.onSnapshot(snapshot)
  }
}

/**
 * The kept cache for this run's images and encoder, when the run has a store and uses the
 * deterministic code (the only one whose trains depend on the image alone).
 */
function sharedEncodingCache(config: ExperimentConfig, data: LoadedData): EncodingCache | undefined {
  if (!data.encodings || config.preset !== 'seed-2017' || config.encoder.kind !== 'deterministic') return undefined
  const { receptiveField, interpXp, interpFp, periodNumerator } = config.encoder
  return data.encodings.acquire(data.source, data.testSource, { steps: config.steps, receptiveField, interpXp, interpFp, periodNumerator })
}

/** Train (and evaluate) one experiment in one go. */
export function runExperiment(config: ExperimentConfig, data: LoadedData, hooks: TrainingHooks = {}): ExperimentResult {
  const experiment = new Experiment(config, data, hooks)
  experiment.trainFor(Infinity)
  return experiment.finish()
}
