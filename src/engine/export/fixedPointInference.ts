/**
 * Bit-accurate integer inference of the seed model (learning off), as fixed-point hardware would
 * run it, and its comparison with the float engine on the same spike trains.
 *
 * Every quantity of a neuron is an integer in units of that neuron's lsb (2^−F per-tensor, the
 * per-neuron scale's step otherwise; see quantize.ts): weights (W = I + F bits), the membrane
 * potential and the constants Prest, Pmin, leak D, inhibit potential and threshold (accumulator
 * width A ≥ W bits, every add saturating to [−2^(A−1), 2^(A−1) − 1]). Constants are rounded to
 * nearest, ties to even. The step schedule is the float Layer's (layer.ts), in integers:
 *
 *   for t = 1..T:
 *     a. drive[j] = Σ W[j][h] over inputs h firing at t, ascending h, saturating after each add
 *        for each neuron not refractory (t > restUntil[j]):
 *          P[j] = sat(P[j] + drive[j]); if P[j] > rest[j]: P[j] = sat(P[j] − leak[j]); last[j] = P[j]
 *     b. once per image: among neurons with last[j] > th[j], the largest last[j]·M[j] (first on
 *        ties) wins and (winner-take-all) every other P is set to inhibit[j]
 *     c. for j ascending: P[j] ≥ th[j] → spike, P[j] = rest[j], restUntil[j] = t + t_ref;
 *        else P[j] < pmin[j] → P[j] = rest[j]
 *
 * M[j] = max(1, round(2^20 · lsb[j] / max lsb)) puts potentials of differently scaled neurons on one scale
 * for the winner comparison (per-tensor: all equal, so it is exactly the float rule); the products
 * stay below 2^52 and are exact in doubles. The threshold: fixed Pth, or per image
 * maxSimultaneous / divisor · scale, each rounded into the neuron's units.
 */
import type { ExperimentConfig } from '../../shared/config'
import type { ImageSet } from '../datasets/types'
import { SpikeTrain } from '../encoders/spikeTrain'
import { evaluateResponses, type EvaluationResult } from '../evaluation'
import type { DataPlan } from '../experiment/data'
import { imageKey } from '../experiment/run'
import type { ModelNetwork } from '../network/model'
import type { NetworkConfig, SeedNetwork } from '../network/network'
import { integerRange, quantizeConstant, QuantizeError, wordBits, type QuantizedMatrix } from './quantize'

/** Bits of the winner comparison's multipliers; 2^31 · 2^20 < 2^53 keeps products exact. */
const WINNER_MULTIPLIER_BITS = 20

export const DEFAULT_ACCUMULATOR_BITS = 32

export interface FixedPointLayerModel {
  neurons: number
  inputs: number
  /** neurons × inputs words, neuron-major. */
  weights: Int32Array
  /** Per neuron, in its own units. */
  rest: Int32Array
  minPotential: Int32Array
  leak: Int32Array
  inhibit: Int32Array
  /** Fixed-mode threshold per neuron (unused in variable mode). */
  fixedThreshold: Int32Array
  /** Real value of one unit of each neuron (for variable thresholds, computed per image). */
  lsb: Float64Array
  /** Winner comparison multipliers (see the file comment). */
  winnerMultiplier: Float64Array
}

export interface FixedPointModel {
  layers: FixedPointLayerModel[]
  steps: number
  refractorySteps: number
  accumulatorBits: number
  threshold: { mode: 'fixed' | 'variable'; divisor: number; scale: number }
  suppress: boolean
  /** Constants that did not fit the accumulator (clamped), with what they were. */
  saturatedConstants: string[]
}

/**
 * The integer model of a network config with quantized weights (one matrix per layer, all in the
 * same word format). Throws QuantizeError when shapes or widths do not fit.
 */
export function buildFixedPointModel(
  config: NetworkConfig,
  layers: readonly QuantizedMatrix[],
  accumulatorBits: number = DEFAULT_ACCUMULATOR_BITS
): FixedPointModel {
  if (layers.length !== config.network.layers.length) {
    throw new QuantizeError(`the network has ${config.network.layers.length} layers, ${layers.length} quantized weight matrices were given`)
  }
  const bits = Math.max(...layers.map((m) => wordBits(m.q)))
  if (!Number.isInteger(accumulatorBits) || accumulatorBits < bits || accumulatorBits > 32) {
    throw new QuantizeError(`accumulator width ${accumulatorBits}: expected a whole number of bits from the word width (${bits}) to 32`)
  }
  const saturatedConstants: string[] = []
  const { neuron, inhibition, threshold } = config
  const models = layers.map((matrix, l): FixedPointLayerModel => {
    const expected = config.network.layers[l].neurons
    if (matrix.rows !== expected) throw new QuantizeError(`layer ${l}: ${matrix.rows} neurons quantized, the config has ${expected}`)
    if (l > 0 && matrix.cols !== layers[l - 1].rows) throw new QuantizeError(`layer ${l}: ${matrix.cols} inputs, layer ${l - 1} has ${layers[l - 1].rows} neurons`)
    const n = matrix.rows
    const constant = (name: string, value: number) => {
      const out = new Int32Array(n)
      for (let j = 0; j < n; j++) {
        const q = quantizeConstant(value, matrix.lsb[j], accumulatorBits)
        if (q.saturated) saturatedConstants.push(`layer ${l} neuron ${j}: ${name} ${value} saturated to ${q.value} units of ${matrix.lsb[j]}`)
        out[j] = q.value
      }
      return out
    }
    let largestLsb = 0
    for (let j = 0; j < n; j++) largestLsb = Math.max(largestLsb, matrix.lsb[j])
    const winnerMultiplier = new Float64Array(n)
    // At least 1: a neuron whose weights are all tiny must still be able to win.
    for (let j = 0; j < n; j++) winnerMultiplier[j] = Math.max(1, Math.round((2 ** WINNER_MULTIPLIER_BITS * matrix.lsb[j]) / largestLsb))
    return {
      neurons: n,
      inputs: matrix.cols,
      weights: matrix.values,
      rest: constant('Prest', neuron.restPotential),
      minPotential: constant('Pmin', neuron.minPotential),
      leak: constant('leak D', neuron.leak),
      inhibit: constant('inhibit potential', inhibition.potential),
      fixedThreshold: threshold.mode === 'fixed' ? constant('threshold', threshold.fixed) : new Int32Array(n),
      lsb: matrix.lsb,
      winnerMultiplier
    }
  })
  return {
    layers: models,
    steps: config.steps,
    refractorySteps: neuron.refractorySteps,
    accumulatorBits,
    threshold: { mode: threshold.mode, divisor: threshold.divisor, scale: threshold.scale },
    suppress: inhibition.kind === 'winner-take-all',
    saturatedConstants
  }
}

/** One layer of the integer model; buffers allocated once, reused for every image. */
export class FixedPointLayer {
  readonly spikeCounts: Int32Array
  readonly output: SpikeTrain
  /** This image's threshold per neuron. */
  readonly threshold: Int32Array
  winner = -1
  winnerStep = -1
  /** Weights input-major (w[j][h] at h·neurons + j): a firing input adds one contiguous row. */
  private readonly weightsByInput: Int32Array
  private readonly potential: Int32Array
  private readonly lastIntegrated: Int32Array
  private readonly restUntil: Int32Array
  private readonly drive: Int32Array
  private readonly outputTimes: Int32Array
  private readonly accMin: number
  private readonly accMax: number

  constructor(
    readonly model: FixedPointLayerModel,
    private readonly network: FixedPointModel
  ) {
    const { neurons: n, inputs, weights } = model
    this.weightsByInput = new Int32Array(n * inputs)
    for (let j = 0; j < n; j++) for (let h = 0; h < inputs; h++) this.weightsByInput[h * n + j] = weights[j * inputs + h]
    this.spikeCounts = new Int32Array(n)
    this.threshold = new Int32Array(n)
    this.potential = new Int32Array(n)
    this.lastIntegrated = new Int32Array(n)
    this.restUntil = new Int32Array(n)
    this.drive = new Int32Array(n)
    this.outputTimes = new Int32Array(n * (network.steps + 1))
    this.output = new SpikeTrain(n, network.steps)
    const range = integerRange(network.accumulatorBits)
    this.accMin = range.min
    this.accMax = range.max
  }

  get size(): number {
    return this.model.neurons
  }

  /** Run one image's input train through the step schedule (see the file comment). */
  present(train: SpikeTrain): void {
    this.setThreshold(train)
    const { model, potential, lastIntegrated, restUntil, spikeCounts } = this
    potential.set(model.rest)
    lastIntegrated.set(model.rest)
    restUntil.fill(-1)
    spikeCounts.fill(0)
    this.winner = -1
    this.winnerStep = -1
    this.simulateSteps(train)
    this.buildOutputTrain()
  }

  private setThreshold(train: SpikeTrain): void {
    const { model, threshold } = this
    const settings = this.network.threshold
    if (settings.mode === 'fixed') {
      threshold.set(model.fixedThreshold)
      return
    }
    const real = (train.maxSimultaneous / settings.divisor) * settings.scale // as SeedNetwork.thresholdFor
    for (let j = 0; j < model.neurons; j++) threshold[j] = quantizeConstant(real, model.lsb[j], this.network.accumulatorBits).value
  }

  private simulateSteps(train: SpikeTrain): void {
    const { weightsByInput: weights, drive, potential, lastIntegrated, restUntil, spikeCounts, threshold, outputTimes, accMin, accMax } = this
    const { rest, leak, minPotential, inhibit, winnerMultiplier } = this.model
    const { steps, refractorySteps, suppress } = this.network
    const n = this.model.neurons
    const { stepStart, stepInputs } = train
    for (let t = 1; t <= steps; t++) {
      // a. Delivery and integration.
      for (let j = 0; j < n; j++) drive[j] = 0
      for (let k = stepStart[t], end = stepStart[t + 1]; k < end; k++) {
        const base = stepInputs[k] * n
        for (let j = 0; j < n; j++) {
          const sum = drive[j] + weights[base + j]
          drive[j] = sum > accMax ? accMax : sum < accMin ? accMin : sum
        }
      }
      for (let j = 0; j < n; j++) {
        if (restUntil[j] >= t) continue
        let p = potential[j] + drive[j]
        p = p > accMax ? accMax : p < accMin ? accMin : p
        if (p > rest[j]) {
          p -= leak[j]
          p = p > accMax ? accMax : p < accMin ? accMin : p
        }
        potential[j] = p
        lastIntegrated[j] = p
      }
      // b. Winner-take-all, once per image.
      if (this.winner < 0) {
        let best = -1
        let bestValue = 0
        for (let j = 0; j < n; j++) {
          if (!(lastIntegrated[j] > threshold[j])) continue
          const value = lastIntegrated[j] * winnerMultiplier[j]
          if (best < 0 || value > bestValue) {
            best = j
            bestValue = value
          }
        }
        if (best >= 0) {
          this.winner = best
          this.winnerStep = t
          if (suppress) for (let j = 0; j < n; j++) if (j !== best) potential[j] = inhibit[j]
        }
      }
      // c. Threshold and reset.
      for (let j = 0; j < n; j++) {
        const p = potential[j]
        if (p >= threshold[j]) {
          potential[j] = rest[j]
          restUntil[j] = t + refractorySteps
          outputTimes[j * (steps + 1) + spikeCounts[j]] = t
          spikeCounts[j]++
        } else if (p < minPotential[j]) {
          potential[j] = rest[j]
        }
      }
    }
  }

  private buildOutputTrain(): void {
    const { output, spikeCounts, outputTimes } = this
    const steps = this.network.steps
    output.begin()
    for (let j = 0; j < this.size; j++) {
      const base = j * (steps + 1)
      for (let k = 0; k < spikeCounts[j]; k++) output.add(j, outputTimes[base + k])
    }
    output.finish()
  }
}

/** The integer model's layers in series, as SeedNetwork runs them. */
export class FixedPointNetwork {
  readonly layers: FixedPointLayer[]

  constructor(readonly model: FixedPointModel) {
    this.layers = model.layers.map((layer) => new FixedPointLayer(layer, model))
  }

  get outputLayer(): FixedPointLayer {
    return this.layers[this.layers.length - 1]
  }

  /** Present one encoded input train to every layer in turn. */
  present(train: SpikeTrain): void {
    let input = train
    for (const layer of this.layers) {
      layer.present(input)
      input = layer.output
    }
  }
}

/** Output-layer responses of both models to the same images. */
export interface PairedResponses {
  /** images × neurons. */
  floatCounts: Int32Array
  fixedCounts: Int32Array
  floatWinners: Int32Array
  fixedWinners: Int32Array
}

/** Zeroed responses of both models to `images` images of `neurons` output neurons. */
export function pairedResponses(images: number, neurons: number): PairedResponses {
  return {
    floatCounts: new Int32Array(images * neurons),
    fixedCounts: new Int32Array(images * neurons),
    floatWinners: new Int32Array(images),
    fixedWinners: new Int32Array(images)
  }
}

/**
 * Present each image to the float network (learning off, exactly as `classify` in run.ts does)
 * and the integer network the same encoded train (so a stochastic encoder draws once for both).
 */
export function presentToBoth(network: SeedNetwork, fixed: FixedPointNetwork, set: ImageSet, indices: Int32Array, fromTrainingSource = true): PairedResponses {
  const n = network.outputLayer.size
  if (fixed.outputLayer.size !== n) throw new QuantizeError(`the integer network has ${fixed.outputLayer.size} output neurons, the float one ${n}`)
  const imageSize = set.width * set.height
  const responses = pairedResponses(indices.length, n)
  for (let i = 0; i < indices.length; i++) {
    network.present(set.pixels, indices[i] * imageSize, false, undefined, imageKey(indices[i], fromTrainingSource))
    fixed.present(network.inputTrain) // the train the float network has just seen
    responses.floatCounts.set(network.outputLayer.spikeCounts, i * n)
    responses.fixedCounts.set(fixed.outputLayer.spikeCounts, i * n)
    responses.floatWinners[i] = network.outputLayer.winner
    responses.fixedWinners[i] = fixed.outputLayer.winner
  }
  return responses
}

/**
 * For models the integer network does not cover (diehl-cook-2015): present each image to the
 * float network and to `twin`, the same network with quantized weights, learning off. The twin
 * starts each image from the float network's encoder state, so both see the same Poisson spikes
 * (until one of them shows the image again at a raised intensity); the float network's own stream
 * is untouched, so its responses are exactly those of an evaluation of it alone.
 */
export function presentToTwins(network: ModelNetwork, twin: ModelNetwork, set: ImageSet, indices: Int32Array, fromTrainingSource = true): PairedResponses {
  const n = network.outputSize
  if (twin.outputSize !== n) throw new QuantizeError(`the quantized network has ${twin.outputSize} output neurons, the float one ${n}`)
  const imageSize = set.width * set.height
  const responses = pairedResponses(indices.length, n)
  for (let i = 0; i < indices.length; i++) {
    const key = imageKey(indices[i], fromTrainingSource)
    twin.setEncoderRngState(network.encoderRngState())
    network.present(set.pixels, indices[i] * imageSize, false, undefined, key)
    twin.present(set.pixels, indices[i] * imageSize, false, undefined, key)
    responses.floatCounts.set(network.outputCounts, i * n)
    responses.fixedCounts.set(twin.outputCounts, i * n)
    responses.floatWinners[i] = network.outputWinner
    responses.fixedWinners[i] = twin.outputWinner
  }
  return responses
}

/** What the "fixed" side of a comparison is: the bit-accurate integer model (seed-2017), or the float model with quantized weights. */
export type FixedModelKind = 'integer' | 'quantized-weights'

/** Whose training responses label the neurons when scoring the integer model. */
export type LabelSource = 'fixed' | 'float'

/** The comparison in numbers (what a report shows). */
export interface FixedVsFloatSummary {
  testImages: number
  labelSource: LabelSource
  floatAccuracy: number
  fixedAccuracy: number
  /** Share of test images whose winner-take-all winner (or no winner) is the same. */
  winnerAgreement: number
  /** Share of test images given the same class (or both none). */
  predictionAgreement: number
  /** Share of test images with identical output spike counts. */
  identicalCounts: number
}

export interface FixedVsFloatReport {
  summary: FixedVsFloatSummary
  /** Each model's full evaluation (labels, confusion, predictions). */
  float: EvaluationResult
  fixed: EvaluationResult
}

/** Each image's class as an index into `classLabels` (−1: not one of them). */
export function classIndices(labels: Int32Array, indices: Int32Array, classLabels: readonly number[]): Int32Array {
  const position = new Map(classLabels.map((label, c) => [label, c]))
  return Int32Array.from(indices, (i) => position.get(labels[i]) ?? -1)
}

function share(count: number, total: number): number {
  return total === 0 ? 0 : count / total
}

/**
 * Score the float and the integer model on the plan's test images, each with neuron labels from
 * training-image responses: the float model's own; the integer model's own ('fixed', default) or
 * the float model's ('float', as if the hardware reused the float labelling).
 */
export function compareFixedToFloat(
  network: SeedNetwork,
  fixed: FixedPointNetwork,
  plan: DataPlan,
  prediction: ExperimentConfig['evaluation']['prediction'],
  labelSource: LabelSource = 'fixed'
): FixedVsFloatReport {
  const train = presentToBoth(network, fixed, plan.trainSet, plan.trainIndices)
  const test = presentToBoth(network, fixed, plan.testSet, plan.testIndices, plan.testSet === plan.trainSet)
  return scoreFixedVsFloat(train, test, network.outputLayer.size, plan, prediction, labelSource)
}

/**
 * The comparison from both models' responses to the plan's training and test images (what
 * compareFixedToFloat presents; a host may present them in slices and score once at the end).
 */
export function scoreFixedVsFloat(
  train: PairedResponses,
  test: PairedResponses,
  n: number,
  plan: DataPlan,
  prediction: ExperimentConfig['evaluation']['prediction'],
  labelSource: LabelSource = 'fixed'
): FixedVsFloatReport {
  const common = {
    trainLabels: classIndices(plan.trainSet.labels, plan.trainIndices, plan.classLabels),
    testLabels: classIndices(plan.testSet.labels, plan.testIndices, plan.classLabels),
    neurons: n,
    classes: Math.max(1, plan.classLabels.length),
    mode: prediction
  }
  const float = evaluateResponses({ ...common, trainCounts: train.floatCounts, testCounts: test.floatCounts })
  const fixedResult = evaluateResponses({
    ...common,
    trainCounts: labelSource === 'fixed' ? train.fixedCounts : train.floatCounts,
    testCounts: test.fixedCounts
  })
  const images = plan.testIndices.length
  let sameWinner = 0
  let samePrediction = 0
  let sameCounts = 0
  for (let i = 0; i < images; i++) {
    if (test.floatWinners[i] === test.fixedWinners[i]) sameWinner++
    if (float.predicted[i] === fixedResult.predicted[i]) samePrediction++
    let equal = true
    for (let j = 0; j < n && equal; j++) equal = test.floatCounts[i * n + j] === test.fixedCounts[i * n + j]
    if (equal) sameCounts++
  }
  const summary: FixedVsFloatSummary = {
    testImages: images,
    labelSource,
    floatAccuracy: float.accuracy,
    fixedAccuracy: fixedResult.accuracy,
    winnerAgreement: share(sameWinner, images),
    predictionAgreement: share(samePrediction, images),
    identicalCounts: share(sameCounts, images)
  }
  return { summary, float, fixed: fixedResult }
}

