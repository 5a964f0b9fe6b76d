import { SpikeTrain } from '../encoders/spikeTrain'
import type { WinnerTakeAll } from '../inhibition/winnerTakeAll'
import type { SeedStdp } from '../learning/seedStdp'
import type { SampleMonitor } from '../monitors/sampleMonitor'
import { SeedLifNeurons } from '../neurons/seedLif'
import type { NeuronGroup } from '../neurons/types'

/**
 * One layer: dense synapses from `inputs` channels onto a neuron group, with inhibition and an
 * optional learning rule. `presentSample` runs one sample through the fixed step schedule:
 *
 *   for t = 1..T:
 *     a. deliver   drive[j] = Σ w[j][h] over inputs h firing at t (ascending h, event-driven,
 *                  summed in a register per neuron)
 *        integrate neuron model adds the drive and leaks (integrating neurons only)
 *        monitor   membrane potentials after integration
 *     b. inhibit   winner-take-all check
 *     c. fire      threshold check and reset; for each spike: record, then learn (row j only)
 *   after T: learning's after-sample step (silent-input depression of the winner)
 *
 * The layer's output spikes are collected into `output`, the input train of the next layer,
 * built on first access after a sample (an output layer's is usually never read).
 */
export class Layer {
  /**
   * Synapse weights stored input-major: w[j][h] at h·neurons + j. Delivering a spike of input h
   * then adds one contiguous row to every neuron's drive (no gather), which is the hot loop.
   * Read and write them neuron-major through getWeights / setWeights.
   */
  readonly weightsByInput: Float64Array
  readonly spikeCounts: Int32Array
  threshold = 0
  private readonly outputTrain: SpikeTrain
  /** Whether outputTrain still holds an earlier sample's spikes. */
  private outputStale = false
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
    this.outputTrain = new SpikeTrain(n, steps)
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

  /** This layer's output spikes in the last sample, as a spike train (the next layer's input). */
  get output(): SpikeTrain {
    if (this.outputStale) this.buildOutputTrain()
    return this.outputTrain
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
    this.outputStale = true
  }

  /**
   * The step loop, in a function of its own: V8 then optimizes it as a whole instead of
   * on-stack-replacing a long loop whose caller keeps deoptimizing on code after the loop.
   */
  private simulateSteps(train: SpikeTrain, threshold: number, rule: SeedStdp | null, monitor: SampleMonitor | null): void {
    if (this.neurons instanceof SeedLifNeurons) this.simulateSeedLif(this.neurons, train, threshold, rule, monitor)
    else this.simulateWithHooks(train, threshold, rule, monitor)
  }

  /** The schedule through the NeuronGroup hooks, for any neuron model. */
  private simulateWithHooks(train: SpikeTrain, threshold: number, rule: SeedStdp | null, monitor: SampleMonitor | null): void {
    const { weightsByInput: weights, drive, spiked, spikeCounts, neurons, inhibition, steps, outputTimes } = this
    const n = neurons.size
    const { stepStart, stepInputs } = train
    const recordsMembrane = monitor !== null && monitor.membraneNeurons.length > 0
    for (let t = 1; t <= steps; t++) {
      // a. Event-driven delivery: drive[j] = Σ over inputs firing at t, ascending, of w[j][h],
      // summed in a register per neuron (the same additions in the same order as adding row
      // after row into drive, without a load and store of drive[j] per input).
      const first = stepStart[t]
      const end = stepStart[t + 1]
      for (let j = 0; j < n; j++) {
        let sum = 0
        for (let k = first; k < end; k++) sum += weights[stepInputs[k] * n + j]
        drive[j] = sum
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
      if (!recordsMembrane) t = lastQuietStep(neurons, stepStart, steps, t, threshold)
    }
  }

  /**
   * The same schedule with the seed LIF's integrate and fire written out here (the neuron's own
   * hooks, inlined by hand): about twice as fast as calling the hooks, which V8 does not inline
   * into this loop. A refractory neuron's drive is not summed at all. Must stay step-for-step
   * equal to simulateWithHooks; tests/unit/network.test.ts checks that they agree bit for bit.
   */
  private simulateSeedLif(neurons: SeedLifNeurons, train: SpikeTrain, threshold: number, rule: SeedStdp | null, monitor: SampleMonitor | null): void {
    const { weightsByInput: weights, spikeCounts, inhibition, steps, outputTimes } = this
    const n = neurons.size
    const { stepStart, stepInputs } = train
    const { potential, lastIntegrated, restUntil, restPotential, leak, minPotential, refractorySteps } = neurons
    const recordsMembrane = monitor !== null && monitor.membraneNeurons.length > 0
    for (let t = 1; t <= steps; t++) {
      // a. Deliver and integrate: drive summed over the inputs firing at t, ascending, in a register.
      const first = stepStart[t]
      const end = stepStart[t + 1]
      for (let j = 0; j < n; j++) {
        if (restUntil[j] >= t) continue
        let drive = 0
        for (let k = first; k < end; k++) drive += weights[stepInputs[k] * n + j]
        let p = potential[j] + drive
        if (p > restPotential) p -= leak
        potential[j] = p
        lastIntegrated[j] = p
      }
      if (monitor) monitor.recordMembrane(t, potential)
      // b. Lateral inhibition (a no-op once the sample has a winner).
      if (inhibition.winner < 0) inhibition.apply(t, neurons, threshold)
      // c. Threshold and reset; on a spike record it, then learn (row j only).
      for (let j = 0; j < n; j++) {
        const p = potential[j]
        if (p >= threshold) {
          potential[j] = restPotential
          restUntil[j] = t + refractorySteps
          outputTimes[j * (steps + 1) + spikeCounts[j]] = t
          spikeCounts[j]++
          if (monitor) monitor.recordSpike(j, t)
          if (rule) rule.onPostSpike(weights, n, j, t, train)
        } else if (p < minPotential) {
          potential[j] = restPotential
        }
      }
      if (!recordsMembrane) t = lastQuietStep(neurons, stepStart, steps, t, threshold)
    }
  }

  private buildOutputTrain(): void {
    const { outputTrain: output, spikeCounts, outputTimes, steps } = this
    this.outputStale = false
    output.begin()
    for (let j = 0; j < this.size; j++) {
      const base = j * (steps + 1)
      for (let k = 0; k < spikeCounts[j]; k++) output.add(j, outputTimes[base + k])
    }
    output.finish()
  }
}

/**
 * After step t: the last step of a stretch without input during which the neurons stay at rest
 * (so skipping to it changes nothing), or t. The next input is looked for only once the neurons
 * are known to be quiet, so the search never costs more than the steps it skips.
 */
function lastQuietStep(neurons: NeuronGroup, stepStart: Int32Array, steps: number, t: number, threshold: number): number {
  if (t >= steps || stepStart[t + 2] !== stepStart[t + 1]) return t
  const quiet = neurons.quietUntil(t, threshold)
  if (quiet <= t) return t
  let next = t + 2
  while (next <= steps && stepStart[next + 1] === stepStart[next]) next++
  return Math.min(quiet, next - 1)
}
