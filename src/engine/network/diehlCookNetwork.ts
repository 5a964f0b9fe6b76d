import type { DiehlCookConfig } from '../../shared/config'
import { encodePoissonImage } from '../encoders/poissonInput'
import { SpikeTrain } from '../encoders/spikeTrain'
import { TraceStdp } from '../learning/traceStdp'
import { normalizeChanged } from '../learning/weightNormalization'
import type { SampleMonitor } from '../monitors/sampleMonitor'
import { AdaptiveConductanceLifNeurons, ConductanceLifNeurons, stepsIn } from '../neurons/conductanceLif'
import type { Rng, RngState } from '../random'
import { type ArrayAllocator, DcKernels, heapArrays, kernelBytes } from '../wasm/dcKernels'
import { DelayBuffer, DelayedSynapses, transmit } from './delayBuffer'
import type { ModelNetwork, ModelState, WeightLayer } from './model'

/**
 * Diehl & Cook (2015), DIEHL_COOK_2015.md: Poisson input → N excitatory neurons (adaptive θ,
 * plastic delayed synapses) → N inhibitory neurons (one to one) → every other excitatory neuron.
 *
 * State carries over from image to image; time is one global step counter `now` (dt ms a step).
 * The fixed schedule of one step follows Brian2's slots (groups, thresholds, synapses with the
 * `pre` pathways before the `post` one, resets):
 *
 *   1. neurons      excitatory, then inhibitory: Euler step of v (unless refractory) with the
 *                   conductances' step means, exact decay of ge, gi (and θ while learning);
 *                   threshold; reset of the neurons that fire (v, refractory, timer, θ += θ+)
 *   2. input        the input spikes of this step enter the delay ring (and, learning, the
 *                   STDP rule's per-input spike history, from which it reads pre traces)
 *   3. exc → inh    inhibitory ge[j] += wEI for each excitatory spike j (no delay)
 *      inh → exc    excitatory gi[k] += wIE for each inhibitory spike j, every k ≠ j
 *      input → exc  ge[j] += w[s] for every synapse s an input spike reaches now (after its
 *                   delay); learning: pre[s] = 1, w[s] = clip(w[s] − nuPre·post1[j])
 *      STDP post    learning, each excitatory spike j: w = clip(w + nuPost·pre·post2[j]) on j's
 *                   synapses, then post1[j] = post2[j] = 1
 *   4. record       presentation steps only: output spike counts, monitors
 *
 * Resetting right after the threshold (in 1) instead of after the synapses (as Brian2 does)
 * changes nothing: the synapses read only spikes, conductances and traces.
 *
 * One image: normalise the input weights (learning; only the neurons whose weights changed since
 * their last normalisation: normalizeChanged), encode with the current intensity, run the
 * presentation steps, then the rest steps without input. Fewer than minSpikes excitatory spikes
 * in the presentation (spikes during the rest do not count): again with intensity + 1. The rest
 * ends in closed form once nothing is in flight, no neuron can fire and the conductances are
 * negligible (skipQuietRest).
 *
 * The hot loops (finding and delivering the arrivals at the input synapses with their
 * depression, potentiation at spikes, and the excitatory neurons' step) run in WebAssembly
 * (DcKernels, src/engine/wasm) unless built with `kernels: 'js'`: the same operations in the
 * same order, so the same doubles. The arrays they touch (weights, the synapse layout, the delay
 * ring, ranges, ge and depression, the input spike history, post1 and the depressing list, v,
 * gi, θ) are views into the kernels' memory; what is handed out (getWeights, getModelState) is
 * a copy.
 */
export class DiehlCookNetwork implements ModelNetwork {
  readonly excitatory: AdaptiveConductanceLifNeurons
  readonly inhibitory: ConductanceLifNeurons
  readonly synapses: DelayedSynapses
  /** Input → excitatory weights, by synapse (the DelayedSynapses numbering). */
  readonly weights: Float64Array
  readonly delays: DelayBuffer
  readonly stdp: TraceStdp
  /** The input spikes of the current presentation (steps 1 … presentSteps). */
  readonly train: SpikeTrain
  readonly layers: readonly WeightLayer[]
  /** The WebAssembly kernels, or null when the hot loops run in JavaScript. */
  readonly kernels: DcKernels | null
  readonly outputCounts: Int32Array
  readonly presentSteps: number
  readonly restSteps: number
  /** The global step counter: steps simulated so far. */
  now = 0
  /** Presentations the latest image took, and the intensity of the last one. */
  presentations = 0
  intensity = 0
  outputWinner = -1
  outputWinnerStep = -1
  private readonly spikedExcitatory: Int32Array
  private readonly spikedInhibitory: Int32Array
  private readonly ranges: Int32Array
  private readonly logMiss = new Float64Array(256)
  // Parameters copied into own fields: config objects can have slow (dictionary) shapes.
  private readonly dt: number
  private readonly maxRate: number
  private readonly startIntensity: number
  private readonly minSpikes: number
  private readonly maxPresentations: number
  private readonly normalization: number
  private readonly wMax: number
  private readonly finalRate: number
  private readonly rateDecay: 'exponential' | 'linear'
  private readonly skipQuietRest: boolean
  private readonly excitatoryToInhibitory: number
  private readonly inhibitoryToExcitatory: number

  constructor(
    config: DiehlCookConfig,
    readonly size: number,
    readonly inputs: number,
    private readonly learningEnabled: boolean,
    private readonly encoderRng: Rng,
    delayRng: Rng,
    /** 'js': the JavaScript loops (the reference the tests hold the kernels to); 'wasm' falls back to them where WebAssembly is missing. */
    kernels: 'wasm' | 'js' = 'wasm'
  ) {
    const { dt } = config
    this.dt = dt
    this.presentSteps = Math.max(1, stepsIn(config.present, dt))
    this.restSteps = stepsIn(config.rest, dt)
    this.maxRate = config.input.maxRate
    this.startIntensity = config.input.intensity
    this.minSpikes = config.input.minSpikes
    this.maxPresentations = config.input.maxPresentations
    this.normalization = config.normalization
    this.wMax = config.stdp.wMax
    this.finalRate = config.stdp.finalRate
    this.rateDecay = config.stdp.rateDecay
    this.skipQuietRest = config.skipQuietRest
    this.excitatoryToInhibitory = config.synapses.excitatoryToInhibitory
    this.inhibitoryToExcitatory = config.synapses.inhibitoryToExcitatory

    // Delays U(0, maxDelay) per synapse, drawn input by input as Brian2's connect(True) orders them.
    const maxDelaySteps = stepsIn(config.input.maxDelay, dt)
    const delaySteps = new Int32Array(size * inputs)
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < size; j++) delaySteps[j * inputs + i] = Math.min(maxDelaySteps, stepsIn(delayRng.uniform(0, config.input.maxDelay), dt))
    }

    // One kernel memory, sized here for every array allocated from it below.
    const synapseCount = size * inputs
    const rangeValues = 2 * (maxDelaySteps + 1) * inputs
    const stdpParams = { dt, ...config.stdp }
    this.kernels =
      kernels === 'wasm'
        ? DcKernels.create(
            kernelBytes([
              [2 * size, 8], // arrival targets
              [synapseCount, 8], // weights
              [rangeValues, 4], // ranges
              ...DelayedSynapses.kernelArrays(inputs, size, maxDelaySteps),
              ...DelayBuffer.kernelArrays(inputs, maxDelaySteps + 1),
              ...AdaptiveConductanceLifNeurons.kernelArrays(size),
              ...TraceStdp.kernelArrays(inputs, size, maxDelaySteps, stdpParams)
            ])
          )
        : null
    const arrays: ArrayAllocator = this.kernels ?? heapArrays

    // The STDP rule and the excitatory neurons share ge: arrivals raise it (TraceStdp.targets).
    const arrivalTargets = arrays.float64(2 * size)
    this.excitatory = new AdaptiveConductanceLifNeurons(size, { dt, ...config.excitatory }, config.excitatory, arrivalTargets.subarray(0, size), this.kernels)
    this.inhibitory = new ConductanceLifNeurons(size, { dt, ...config.inhibitory })

    this.synapses = new DelayedSynapses(inputs, size, delaySteps, maxDelaySteps, arrays)
    this.weights = arrays.float64(synapseCount)
    this.delays = new DelayBuffer(this.synapses, this.kernels)
    this.stdp = new TraceStdp(inputs, size, maxDelaySteps, stdpParams, arrivalTargets, this.kernels)
    this.stdp.requireLayout(this.weights, this.synapses.post, this.synapses.synapseOf, this.synapses.delayOf)
    this.ranges = arrays.int32(rangeValues)

    this.train = new SpikeTrain(inputs, this.presentSteps)
    this.outputCounts = new Int32Array(size)
    this.spikedExcitatory = new Int32Array(size)
    this.spikedInhibitory = new Int32Array(size)
    this.layers = [new DelayedWeights(this)]
  }

  get outputSize(): number {
    return this.size
  }

  get monitorSteps(): number {
    return this.presentSteps
  }

  /** Mean firing threshold of the excitatory neurons, mV. */
  get outputThreshold(): number {
    let sum = 0
    for (let j = 0; j < this.size; j++) sum += this.excitatory.thresholdOf(j)
    return sum / this.size
  }

  encoderRngState(): RngState {
    return this.encoderRng.getState()
  }

  setEncoderRngState(state: RngState): void {
    this.encoderRng.setState(state)
  }

  /** The STDP rates' factor at `presented` of `total`: 1 at the start, falling to finalRate by the end. */
  setTrainingProgress(presented: number, total: number): void {
    if (this.finalRate === 1 || total <= 0) return
    const progress = presented / total
    this.stdp.setRateFactor(this.rateDecay === 'linear' ? 1 - (1 - this.finalRate) * progress : this.finalRate ** progress)
  }

  present(pixels: Uint8Array, offset: number, learn: boolean, monitors?: readonly (SampleMonitor | null)[]): void {
    const learning = learn && this.learningEnabled
    const monitor = monitors?.[0] ?? null
    this.excitatory.adapting = learning
    let intensity = this.startIntensity
    for (let shown = 1; ; shown++) {
      // Only the neurons whose weights changed since their last normalisation (normalizeChanged).
      if (learning && this.normalization > 0) normalizeChanged(this.weights, this.synapses.synapseOf, this.inputs, this.normalization, this.wMax, this.stdp.weightsChanged)
      encodePoissonImage(pixels, offset, { maxRate: this.maxRate, intensity, dt: this.dt }, this.encoderRng, this.train, this.logMiss)
      const spikes = this.runPresentation(learning, monitor)
      this.runRest(learning)
      this.presentations = shown
      this.intensity = intensity
      if (spikes >= this.minSpikes || shown >= this.maxPresentations) return
      intensity += 1
    }
  }

  /** The presentation steps; returns the number of excitatory spikes. */
  private runPresentation(learning: boolean, monitor: SampleMonitor | null): number {
    const { outputCounts, spikedExcitatory, presentSteps } = this
    const recordsMembrane = monitor !== null && monitor.membraneNeurons.length > 0
    outputCounts.fill(0)
    monitor?.resetForSample()
    this.outputWinner = -1
    this.outputWinnerStep = -1
    let total = 0
    for (let t = 1; t <= presentSteps; t++) {
      const fired = this.step(t, learning)
      if (recordsMembrane) monitor.recordMembrane(t, this.excitatory.potential)
      for (let k = 0; k < fired; k++) {
        const j = spikedExcitatory[k]
        outputCounts[j]++
        if (monitor) monitor.recordSpike(j, t)
      }
      if (fired > 0 && this.outputWinner < 0) {
        this.outputWinner = spikedExcitatory[0]
        this.outputWinnerStep = t
      }
      total += fired
    }
    return total
  }

  /** The rest steps, ended in closed form once nothing more can happen. */
  private runRest(learning: boolean): void {
    const { restSteps, excitatory, inhibitory, delays } = this
    for (let t = 1; t <= restSteps; t++) {
      this.step(0, learning)
      const remaining = restSteps - t
      const now = this.now
      if (this.skipQuietRest && remaining > 0 && !delays.inFlightAfter(now) && excitatory.quietFor(remaining) && inhibitory.quietFor(remaining)) {
        excitatory.advanceQuiet(now, remaining)
        inhibitory.advanceQuiet(now, remaining)
        this.now = now + remaining
        return
      }
    }
  }

  /**
   * One time step (the schedule above). `inputStep` is the step of `train` whose spikes enter
   * now (0: none). Returns the number of excitatory spikes, listed in spikedExcitatory.
   */
  private step(inputStep: number, learning: boolean): number {
    const now = ++this.now
    const { excitatory, inhibitory, spikedExcitatory, spikedInhibitory, delays, weights, size } = this
    // 1. Neurons.
    const firedExcitatory = excitatory.step(now, spikedExcitatory)
    const firedInhibitory = inhibitory.step(now, spikedInhibitory)
    // 2. Input spikes of this step.
    if (inputStep > 0) {
      const { stepStart, stepInputs } = this.train
      delays.push(now, stepInputs, stepStart[inputStep], stepStart[inputStep + 1])
      // With learning off the rule and all its traces are left alone (as if it were not there).
      if (learning) this.stdp.onInputSpikes(stepInputs, stepStart[inputStep], stepStart[inputStep + 1], now)
    }
    // 3. Synapses.
    const inhibitoryGe = inhibitory.ge
    for (let k = 0; k < firedExcitatory; k++) {
      const j = spikedExcitatory[k]
      inhibitoryGe[j] += this.excitatoryToInhibitory
      inhibitory.wake(j)
    }
    // (The excitatory neurons are always awake: no wake calls for their gi and ge.)
    const excitatoryGi = excitatory.gi
    const wIE = this.inhibitoryToExcitatory
    for (let k = 0; k < firedInhibitory; k++) {
      const self = spikedInhibitory[k]
      for (let j = 0; j < self; j++) excitatoryGi[j] += wIE
      for (let j = self + 1; j < size; j++) excitatoryGi[j] += wIE
    }
    const { ranges, synapses } = this
    const arrived = delays.arrivals(now, ranges)
    if (learning) {
      const stdp = this.stdp
      if (arrived > 0) stdp.onPreArrivals(ranges, arrived, synapses.post, weights, now)
      for (let k = 0; k < firedExcitatory; k++) stdp.onPostSpike(spikedExcitatory[k], synapses.synapseOf, synapses.delayOf, weights, now)
    } else if (arrived > 0) {
      if (this.kernels !== null) this.kernels.transmit(ranges, arrived, synapses.post, weights, excitatory.ge)
      else transmit(ranges, arrived, synapses.post, weights, excitatory.ge)
    }
    return firedExcitatory
  }

  /**
   * Everything but the weights and the encoder: time, neurons, traces, spikes in flight, and
   * which neurons await renormalisation (so that a resumed run skips the same ones).
   */
  getModelState(): ModelState {
    const state: ModelState = { now: [this.now] }
    for (const [prefix, arrays] of this.stateParts()) {
      for (const [name, array] of Object.entries(arrays)) state[`${prefix}.${name}`] = Array.from(array)
    }
    state[WEIGHTS_CHANGED] = Array.from(this.stdp.weightsChanged)
    return state
  }

  setModelState(state: ModelState): void {
    const now = state.now?.[0]
    if (typeof now !== 'number' || !Number.isInteger(now) || now < 0) throw new RangeError('diehl-cook-2015 state: `now` must be a step count')
    for (const [prefix, arrays] of this.stateParts()) {
      for (const [name, array] of Object.entries(arrays)) {
        const saved = state[`${prefix}.${name}`]
        if (!saved || saved.length !== array.length) throw new RangeError(`diehl-cook-2015 state: ${prefix}.${name} needs ${array.length} values, got ${saved?.length ?? 'none'}`)
        array.set(saved)
      }
    }
    this.excitatory.wakeAll()
    this.inhibitory.wakeAll()
    this.now = now
    this.stdp.stateChanged()
    this.delays.stateChanged()
    // Saved before this was part of the state: renormalise every neuron (a change of an ulp or so).
    const changed = state[WEIGHTS_CHANGED]
    if (changed && changed.length === this.size) this.stdp.weightsChanged.set(changed)
    else this.stdp.weightsChanged.fill(1)
  }

  private stateParts(): [string, Record<string, Float64Array | Int32Array>][] {
    return [
      ['excitatory', this.excitatory.stateArrays()],
      ['inhibitory', this.inhibitory.stateArrays()],
      ['stdp', this.stdp.stateArrays()],
      ['delays', this.delays.stateArrays()]
    ]
  }
}

/** Model state key of TraceStdp.weightsChanged (optional: older snapshots lack it). */
const WEIGHTS_CHANGED = 'stdp.weightsChanged'

/** The input → excitatory weights as a neuron-major matrix (the network keeps them by synapse). */
class DelayedWeights implements WeightLayer {
  constructor(private readonly network: DiehlCookNetwork) {}

  get size(): number {
    return this.network.size
  }

  get inputs(): number {
    return this.network.inputs
  }

  getWeights(out: Float64Array = new Float64Array(this.network.weights.length)): Float64Array {
    const { weights, synapses } = this.network
    const { synapseOf } = synapses
    for (let k = 0; k < synapseOf.length; k++) out[k] = weights[synapseOf[k]]
    return out
  }

  setWeights(neuronMajor: ArrayLike<number>): void {
    const { weights, synapses, size, inputs } = this.network
    if (neuronMajor.length !== weights.length) {
      throw new RangeError(`expected ${size} neurons × ${inputs} inputs = ${weights.length} weights, got ${neuronMajor.length}`)
    }
    const { synapseOf } = synapses
    for (let k = 0; k < synapseOf.length; k++) weights[synapseOf[k]] = neuronMajor[k]
    this.network.stdp.weightsChanged.fill(1)
  }
}
