import type { ExperimentConfig } from '../../shared/config'
import type { ImageSet } from '../datasets/types'
import { evaluateResponses, type EvaluationResult } from '../evaluation'
import { SampleMonitor, type MonitorOptions } from '../monitors/sampleMonitor'
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
}

/** Where to continue a run from (a snapshot's content). */
export interface ResumePoint {
  step: number
  layers: { weights: ArrayLike<number> }[]
  rng: { encoder: RngState }
}

export interface TrainingHooks {
  /** Called after each training image. Return true to stop (cancel) before the next one. */
  onPresentation?: (record: PresentationRecord, progress: { done: number; total: number }) => boolean | void
  onSnapshot?: (snapshot: WeightSnapshot) => void
  /** Membrane traces of these output neurons are passed to onTrace for each training image. */
  traceNeurons?: readonly number[]
  onTrace?: (image: number, traces: Float64Array[], threshold: number) => void
  /** Record spike times in presentation records (costs a little time). */
  recordSpikeTimes?: boolean
}

export interface LoadedData {
  source: ImageSet
  testSource: ImageSet | null
  /** Exact starting weights per layer (null: initialise from the config). */
  initialWeights?: (Float64Array | null)[]
  /** Continue from a snapshot instead of starting at image 0. */
  resume?: ResumePoint | null
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

/** Build the network for a config and fill its initial weights. */
export function createNetwork(config: ExperimentConfig, width: number, height: number, initialWeights?: (Float64Array | null)[]): { network: SeedNetwork; root: Rng } {
  const root = new Rng(config.seed)
  const network = new SeedNetwork(config, width, height, root.split('encoder'))
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
    const weights = new Float64Array(layer.size * layer.inputs)
    for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform(low, high)
    layer.setWeights(weights)
  })
  return { network, root }
}

/** Encoding-cache key of image `index`: training-source images by index, others (a separate test source) negative. */
export function imageKey(index: number, fromTrainingSource: boolean): number {
  return fromTrainingSource ? index : -1 - index
}

/** Spike counts of the output layer for every image in `indices` (learning off). */
export function classify(network: SeedNetwork, set: ImageSet, indices: Int32Array, fromTrainingSource = true): Int32Array {
  const n = network.outputLayer.size
  const imageSize = set.width * set.height
  const counts = new Int32Array(indices.length * n)
  for (let i = 0; i < indices.length; i++) {
    network.present(set.pixels, indices[i] * imageSize, false, undefined, imageKey(indices[i], fromTrainingSource))
    counts.set(network.outputLayer.spikeCounts, i * n)
  }
  return counts
}

function copyLayers(network: SeedNetwork) {
  return network.layers.map((layer) => ({ neurons: layer.size, inputs: layer.inputs, weights: layer.getWeights() }))
}

/** Map raw labels onto class indices 0..C−1 for evaluation. */
function classIndices(labels: Int32Array, indices: Int32Array, classLabels: number[]): Int32Array {
  const position = new Map(classLabels.map((label, c) => [label, c]))
  return Int32Array.from(indices, (i) => position.get(labels[i]) ?? -1)
}

/** Label neurons from their responses to the training images, then classify the test images. */
export function evaluateNetwork(network: SeedNetwork, plan: DataPlan, prediction: ExperimentConfig['evaluation']['prediction']): EvaluationResult {
  const trainCounts = classify(network, plan.trainSet, plan.trainIndices)
  const testCounts = classify(network, plan.testSet, plan.testIndices, plan.testSet === plan.trainSet)
  return evaluateResponses({
    trainCounts,
    trainLabels: classIndices(plan.trainSet.labels, plan.trainIndices, plan.classLabels),
    testCounts,
    testLabels: classIndices(plan.testSet.labels, plan.testIndices, plan.classLabels),
    neurons: network.outputLayer.size,
    classes: plan.classLabels.length,
    mode: prediction
  })
}

/**
 * Train (and evaluate) one experiment. Pure: data arrives loaded, results leave as values and
 * hook calls, so the CLI, the engine worker process and tests all run the same code.
 */
export function runExperiment(config: ExperimentConfig, data: LoadedData, hooks: TrainingHooks = {}): ExperimentResult {
  const started = Date.now()
  const { source, testSource } = data
  const plan = planData(config.data, source, testSource)
  const { network, root } = createNetwork(config, source.width, source.height, data.initialWeights)
  const dataRng = root.split('data')
  const resume = data.resume ?? null
  if (resume) {
    if (resume.layers.length !== network.layers.length) throw new RangeError(`resume point has ${resume.layers.length} layers, the network ${network.layers.length}`)
    network.layers.forEach((layer, l) => layer.setWeights(resume.layers[l].weights))
    network.setEncoderRngState(resume.rng.encoder)
  }
  const startStep = resume?.step ?? 0
  const output = network.outputLayer
  const imageSize = source.width * source.height
  const monitor = new SampleMonitor(output.size, config.steps, {
    spikes: hooks.recordSpikeTimes ?? false,
    membraneNeurons: hooks.traceNeurons ?? []
  } satisfies MonitorOptions)
  const monitors = network.layers.map((_, l) => (l === network.layers.length - 1 ? monitor : null))
  const total = plan.trainIndices.length * config.epochs
  let presented = startStep
  let cancelled = false
  let order: Int32Array | null = null

  const snapshot = (epoch: number) =>
    hooks.onSnapshot?.({ step: presented, epoch, layers: copyLayers(network), rng: { encoder: network.encoderRngState() } })

  training: for (let epoch = 0; epoch < config.epochs; epoch++) {
    // Orders depend only on seed and epoch, so a resumed run sees the same ones.
    order = epochOrder(plan, config.data.shuffle, config.data.order !== undefined, epoch, dataRng, order)
    const epochStart = epoch * order.length
    if (epochStart + order.length <= startStep) continue
    for (let i = Math.max(0, startStep - epochStart); i < order.length; i++) {
      const image = order[i]
      network.present(source.pixels, image * imageSize, true, monitors, imageKey(image, true))
      presented++
      if (hooks.onTrace && monitor.membraneNeurons.length > 0) hooks.onTrace(image, monitor.membrane, output.threshold)
      if (hooks.onPresentation) {
        const record: PresentationRecord = {
          epoch,
          image,
          label: source.labels[image],
          threshold: output.threshold,
          winner: output.winner,
          winner_t: output.winnerStep,
          spike_counts: Array.from(output.spikeCounts)
        }
        if (hooks.recordSpikeTimes) record.spike_times = monitor.spikeTimesByNeuron()
        if (hooks.onPresentation(record, { done: presented, total }) === true) {
          cancelled = true
          break training
        }
      }
      if (config.snapshotEvery > 0 && presented % config.snapshotEvery === 0 && presented < total) snapshot(epoch)
    }
  }
  snapshot(config.epochs - 1)
  const evaluation = !cancelled && config.evaluation.enabled ? evaluateNetwork(network, plan, config.evaluation.prediction) : null
  return {
    config,
    engineVersion: ENGINE_VERSION,
    cancelled,
    presented,
    elapsedMs: Date.now() - started,
    classLabels: plan.classLabels,
    layers: copyLayers(network),
    evaluation,
    width: source.width,
    height: source.height
  }
}
