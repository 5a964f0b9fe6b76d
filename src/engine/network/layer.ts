import { SpikeTrain } from '../encoders/spikeTrain'
import type { WinnerTakeAll } from '../inhibition/winnerTakeAll'
import type { SeedStdp } from '../learning/seedStdp'
import type { SampleMonitor } from '../monitors/sampleMonitor'
import type { NeuronGroup } from '../neurons/types'

/**
 * One layer: dense synapses from `inputs` channels onto a neuron group, with inhibition and an
 * optional learning rule. `presentSample` runs one sample through the fixed step schedule:
 *
 *   for t = 1..T:
 *     a. deliver   drive[j] = Σ w[j][h] over inputs h firing at t (ascending h, event-driven;
 *                  the sum for a refractory neuron is computed and ignored: cheaper than a branch)
 *        integrate neuron model adds the drive and leaks (integrating neurons only)
 *        monitor   membrane potentials after integration
 *     b. inhibit   winner-take-all check
 *     c. fire      threshold check and reset; for each spike: record, then learn (row j only)
 *   after T: learning's after-sample step (silent-input depression of the winner)
 *
 * The layer's output spikes are collected into `output`, the input train of the next layer.
 */
export class Layer {
  /**
   * Synapse weights stored input-major: w[j][h] at h·neurons + j. Delivering a spike of input h
   * then adds one contiguous row to every neuron's drive (no gather), which is the hot loop.
   * Read and write them neuron-major through getWeights / setWeights.
   */
  readonly weightsByInput: Float64Array
  readonly spikeCounts: Int32Array
  readonly output: SpikeTrain
  threshold = 0
  private readonly drive: Float64Array
  private readonly spiked: Int32Array
  /** Output spike times per neuron for building `output` in neuron order: times[j·steps + k]. */
  private readonly outputTimes: Int32Array

  constructor(
    readonly inputs: number,
    readonly neurons: NeuronGroup,
    readonly inhibition: WinnerTakeAll,
    readonly learning: SeedStdp | null,
    readonly steps: number
  ) {
    const n = neurons.size
    this.weightsByInput = new Float64Array(n * inputs)
    this.spikeCounts = new Int32Array(n)
    this.drive = new Float64Array(n)
    this.spiked = new Int32Array(n)
    this.output = new SpikeTrain(n, steps)
    this.outputTimes = new Int32Array(n * (steps + 1))
  }

  /** Weights neuron-major (w[j][h] at j·inputs + h), copied into `out` or a new array. */
  getWeights(out: Float64Array = new Float64Array(this.weightsByInput.length)): Float64Array {
    const { weightsByInput, inputs } = this
    const n = this.neurons.size
    for (let h = 0; h < inputs; h++) for (let j = 0; j < n; j++) out[j * inputs + h] = weightsByInput[h * n + j]
    return out
  }

  /** Replace all weights from a neuron-major array (w[j][h] at j·inputs + h). */
  setWeights(neuronMajor: ArrayLike<number>): void {
    const { weightsByInput, inputs } = this
    const n = this.neurons.size
    if (neuronMajor.length !== weightsByInput.length) {
      throw new RangeError(`expected ${n} neurons × ${inputs} inputs = ${weightsByInput.length} weights, got ${neuronMajor.length}`)
    }
    for (let j = 0; j < n; j++) for (let h = 0; h < inputs; h++) weightsByInput[h * n + j] = neuronMajor[j * inputs + h]
  }

  get size(): number {
    return this.neurons.size
  }

  get winner(): number {
    return this.inhibition.winner
  }

  get winnerStep(): number {
    return this.inhibition.winnerStep
  }

  presentSample(train: SpikeTrain, threshold: number, learn: boolean, monitor: SampleMonitor | null): void {
    const rule = learn ? this.learning : null
    this.threshold = threshold
    this.neurons.resetForSample()
    this.inhibition.resetForSample()
    this.spikeCounts.fill(0)
    monitor?.resetForSample()
    this.simulateSteps(train, threshold, rule, monitor)
    if (rule && this.inhibition.winner >= 0) rule.afterSample(this.weightsByInput, this.neurons.size, this.inhibition.winner, train)
    this.buildOutputTrain()
  }

  /**
   * The step loop, in a function of its own: V8 then optimizes it as a whole instead of
   * on-stack-replacing a long loop whose caller keeps deoptimizing on code after the loop.
   */
  private simulateSteps(train: SpikeTrain, threshold: number, rule: SeedStdp | null, monitor: SampleMonitor | null): void {
    const { weightsByInput: weights, drive, spiked, spikeCounts, neurons, inhibition, steps, outputTimes } = this
    const n = neurons.size
    const { stepStart, stepInputs, nextActiveStep } = train
    const recordsMembrane = monitor !== null && monitor.membraneNeurons.length > 0
    for (let t = 1; t <= steps; t++) {
      // a. Event-driven delivery: drive[j] = Σ over inputs firing at t, ascending, of w[j][h].
      for (let j = 0; j < n; j++) drive[j] = 0 // a loop: TypedArray#fill costs more than a few neurons' work
      for (let k = stepStart[t], end = stepStart[t + 1]; k < end; k++) {
        const base = stepInputs[k] * n
        for (let j = 0; j < n; j++) drive[j] += weights[base + j]
      }
      neurons.integrate(t, drive)
      if (monitor) monitor.recordMembrane(t, neurons.potential)
      // b. Lateral inhibition.
      inhibition.apply(t, neurons, threshold)
      // c. Threshold, reset, learning on each output spike.
      const fired = neurons.fire(t, threshold, spiked)
      for (let s = 0; s < fired; s++) {
        const j = spiked[s]
        outputTimes[j * (steps + 1) + spikeCounts[j]] = t
        spikeCounts[j]++
        if (monitor) monitor.recordSpike(j, t)
        if (rule) rule.onPostSpike(weights, n, j, t, train)
      }
      // Skip a stretch with no input while the neurons are at rest (nothing would change);
      // membrane traces want every step, so never while recording them.
      const nextInput = nextActiveStep[t + 1 <= steps ? t + 1 : steps + 1]
      if (nextInput > t + 1 && !recordsMembrane) {
        const quiet = neurons.quietUntil(t, threshold)
        if (quiet > t) t = Math.min(quiet, nextInput - 1)
      }
    }
  }

  private buildOutputTrain(): void {
    const { output, spikeCounts, outputTimes, steps } = this
    output.begin()
    for (let j = 0; j < this.size; j++) {
      const base = j * (steps + 1)
      for (let k = 0; k < spikeCounts[j]; k++) output.add(j, outputTimes[base + k])
    }
    output.finish()
  }
}
