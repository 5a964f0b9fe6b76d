/**
 * What a layer records about one sample, on request. Buffers are preallocated for the layer's
 * size and the number of steps and reused for every sample (Brian2-style parallel index/time
 * arrays for spikes); nothing is allocated per step.
 */
export interface MonitorOptions {
  /** Record every output spike as (neuron, step). */
  spikes?: boolean
  /** Record the membrane potential of these neurons after integration, every step. */
  membraneNeurons?: readonly number[]
}

export class SampleMonitor {
  /** Spike k of the sample: neuron spikeNeuron[k] at step spikeStep[k], in time order. */
  spikeNeuron: Int32Array
  spikeStep: Int32Array
  spikeTotal = 0
  /** membrane[i][t − 1] is the potential of membraneNeurons[i] after step a of step t. */
  readonly membrane: Float64Array[]
  readonly membraneNeurons: Int32Array

  constructor(
    readonly neurons: number,
    readonly steps: number,
    readonly options: MonitorOptions
  ) {
    const capacity = options.spikes ? Math.max(16, neurons * 4) : 0
    this.spikeNeuron = new Int32Array(capacity)
    this.spikeStep = new Int32Array(capacity)
    const chosen = options.membraneNeurons ?? []
    for (const j of chosen) {
      if (!Number.isInteger(j) || j < 0 || j >= neurons) throw new RangeError(`membrane monitor neuron ${j} is not in 0..${neurons - 1}`)
    }
    this.membraneNeurons = Int32Array.from(chosen)
    this.membrane = chosen.map(() => new Float64Array(steps))
  }

  resetForSample(): void {
    this.spikeTotal = 0
  }

  recordMembrane(t: number, potential: Float64Array): void {
    const ids = this.membraneNeurons
    for (let i = 0; i < ids.length; i++) this.membrane[i][t - 1] = potential[ids[i]]
  }

  recordSpike(neuron: number, t: number): void {
    if (!this.options.spikes) return
    if (this.spikeTotal === this.spikeNeuron.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      this.spikeNeuron = grow(this.spikeNeuron)
      this.spikeStep = grow(this.spikeStep)
    }
    this.spikeNeuron[this.spikeTotal] = neuron
    this.spikeStep[this.spikeTotal] = t
    this.spikeTotal++
  }

  /** Spike times grouped by neuron (for records and JSON). */
  spikeTimesByNeuron(): number[][] {
    const out: number[][] = Array.from({ length: this.neurons }, () => [])
    for (let k = 0; k < this.spikeTotal; k++) out[this.spikeNeuron[k]].push(this.spikeStep[k])
    return out
  }
}
