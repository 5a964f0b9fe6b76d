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
 *     a. deliver   drive[j] = Σ w[j][h] over inputs h firing at t (ascending h, event-driven)
 *        integrate neuron model adds the drive and leaks (integrating neurons only)
 *        monitor   membrane potentials after integration
 *     b. inhibit   winner-take-all check
 *     c. fire      threshold check and reset; for each spike: record, then learn (row j only)
 *   after T: learning's after-sample step (silent-input depression of the winner)
 *
 * The layer's output spikes are collected into `output`, the input train of the next layer.
 */
export class Layer {
  /** w[j][h] at j·inputs + h. */
  readonly weights: Float64Array
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
    this.weights = new Float64Array(n * inputs)
    this.spikeCounts = new Int32Array(n)
    this.drive = new Float64Array(n)
    this.spiked = new Int32Array(n)
    this.output = new SpikeTrain(n, steps)
    this.outputTimes = new Int32Array(n * (steps + 1))
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
    const { weights, drive, spiked, spikeCounts, neurons, inhibition, inputs, steps } = this
    const n = neurons.size
    const rule = learn ? this.learning : null
    const { stepStart, stepInputs } = train
    this.threshold = threshold
    neurons.resetForSample()
    inhibition.resetForSample()
    spikeCounts.fill(0)
    monitor?.resetForSample()

    for (let t = 1; t <= steps; t++) {
      const first = stepStart[t]
      const end = stepStart[t + 1]
      for (let j = 0; j < n; j++) {
        let sum = 0
        if (first !== end && neurons.integrates(j, t)) {
          const row = j * inputs
          for (let k = first; k < end; k++) sum += weights[row + stepInputs[k]]
        }
        drive[j] = sum
      }
      neurons.integrate(t, drive)
      if (monitor) monitor.recordMembrane(t, neurons.potential)
      inhibition.apply(t, neurons, threshold)
      const fired = neurons.fire(t, threshold, spiked)
      for (let s = 0; s < fired; s++) {
        const j = spiked[s]
        this.outputTimes[j * (steps + 1) + spikeCounts[j]] = t
        spikeCounts[j]++
        if (monitor) monitor.recordSpike(j, t)
        if (rule) rule.onPostSpike(weights, j * inputs, t, train)
      }
    }
    if (rule && inhibition.winner >= 0) rule.afterSample(weights, inhibition.winner * inputs, train)
    this.buildOutputTrain()
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
