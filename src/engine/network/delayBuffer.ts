import { type ArrayAllocator, type DcKernels, heapArrays, type KernelArrays } from '../wasm/dcKernels'

/**
 * All-to-all synapses from `inputs` channels onto `neurons`, each with its own delay in whole
 * steps (0 … maxDelaySteps). Synapses are numbered by (input, delay, neuron), so the synapses
 * that one input spike reaches d steps later are one contiguous run: delivering them walks
 * memory in order. The owner keeps per-synapse values (weights, traces) in that numbering.
 */
export class DelayedSynapses {
  readonly size: number
  readonly slots: number
  /** The neuron synapse s ends on (16 bits: half the memory traffic of the hot loop's index stream). */
  readonly post: Uint16Array
  /** Synapses of input i with delay d: groupStart[i·slots + d] … groupStart[i·slots + d + 1]. */
  readonly groupStart: Int32Array
  /** The synapse from input i to neuron j: synapseOf[j·inputs + i] (neuron-major, as weight matrices are). */
  readonly synapseOf: Int32Array
  /** Its delay in steps: delayOf[j·inputs + i]. */
  readonly delayOf: Int32Array

  /**
   * `delaySteps[j·inputs + i]`: the delay of the synapse from input i to neuron j, in steps.
   * `arrays`: where to allocate post, groupStart, synapseOf and delayOf (a wasm kernel memory,
   * whose kernels read them).
   */
  constructor(
    readonly inputs: number,
    readonly neurons: number,
    delaySteps: ArrayLike<number>,
    readonly maxDelaySteps: number,
    arrays: ArrayAllocator = heapArrays
  ) {
    const size = inputs * neurons
    if (neurons > 65536) throw new RangeError(`at most 65,536 neurons, got ${neurons}`)
    if (delaySteps.length !== size) throw new RangeError(`expected ${size} delays, got ${delaySteps.length}`)
    this.size = size
    this.slots = maxDelaySteps + 1
    this.post = arrays.uint16(size)
    this.groupStart = arrays.int32(inputs * this.slots + 1)
    this.synapseOf = arrays.int32(size)
    this.delayOf = arrays.int32(size)
    this.delayOf.set(delaySteps)
    // Counting sort by (input, delay); neurons stay ascending within a group.
    const counts = new Int32Array(inputs * this.slots)
    for (let j = 0; j < neurons; j++) {
      for (let i = 0; i < inputs; i++) {
        const d = delaySteps[j * inputs + i]
        if (!Number.isInteger(d) || d < 0 || d > maxDelaySteps) throw new RangeError(`delay ${d} of synapse ${i} → ${j} is not a whole number of steps in 0..${maxDelaySteps}`)
        counts[i * this.slots + d]++
      }
    }
    for (let g = 0; g < counts.length; g++) this.groupStart[g + 1] = this.groupStart[g] + counts[g]
    const cursor = this.groupStart.slice(0, counts.length)
    for (let j = 0; j < neurons; j++) {
      for (let i = 0; i < inputs; i++) {
        const s = cursor[i * this.slots + delaySteps[j * inputs + i]]++
        this.post[s] = j
        this.synapseOf[j * inputs + i] = s
      }
    }
  }

  /** The arrays DelayedSynapses allocate from a kernel memory. */
  static kernelArrays(inputs: number, neurons: number, maxDelaySteps: number): KernelArrays {
    const size = inputs * neurons
    return [
      [size, 2], // post
      [inputs * (maxDelaySteps + 1) + 1, 4], // groupStart
      [size, 4], // synapseOf
      [size, 4] // delayOf
    ]
  }
}

/**
 * The input spikes of the last maxDelaySteps + 1 steps, in a ring of per-step slots, and their
 * delivery: at step t, the spikes emitted at step t − d reach the synapses whose delay is d.
 * A spike emitted and delivered in the same step (delay 0) must be pushed before `deliver`.
 */
export class DelayBuffer {
  /** Inputs that fired at the step a slot holds: spikes[slot·inputs …], spikeCount[slot] of them. */
  readonly spikes: Int32Array
  readonly spikeCount: Int32Array
  /** The step each slot holds (slots of older steps are stale and ignored). */
  readonly slotStep: Float64Array
  /** The last step with any input spike. */
  lastSpikeStep = -Infinity

  /**
   * `kernels`: find the arrivals in WebAssembly (DcKernels.arrivals, the same ranges); the ring is
   * then allocated in its memory, and so must the synapses' groupStart and the ranges be.
   */
  constructor(
    readonly synapses: DelayedSynapses,
    private readonly kernels: DcKernels | null = null
  ) {
    const { slots, inputs } = synapses
    if (kernels && !kernels.owns(synapses.groupStart)) throw new RangeError('delay buffer: with wasm kernels, the synapse groups must live in their memory')
    const arrays = kernels ?? heapArrays
    this.spikes = arrays.int32(slots * inputs)
    this.spikeCount = arrays.int32(slots)
    this.slotStep = arrays.float64(slots).fill(-1)
  }

  /** The arrays a DelayBuffer with kernels allocates from them. */
  static kernelArrays(inputs: number, slots: number): KernelArrays {
    return [
      [slots * inputs, 4], // spikes
      [slots, 4], // spikeCount
      [slots, 8] // slotStep
    ]
  }

  /** Record the inputs `from[start … end)` as firing at step `now`. */
  push(now: number, from: Int32Array, start: number, end: number): void {
    const slots = this.synapses.slots
    const slot = now % slots
    const base = slot * this.synapses.inputs
    const count = end - start
    for (let k = 0; k < count; k++) this.spikes[base + k] = from[start + k]
    this.spikeCount[slot] = count
    this.slotStep[slot] = now
    if (count > 0) this.lastSpikeStep = now
  }

  /**
   * The synapses that spikes reach at step `now`, written into `ranges` as [start, end) pairs
   * of synapse indices; returns how many pairs. `ranges` needs room for 2 · slots · inputs.
   */
  arrivals(now: number, ranges: Int32Array): number {
    const { spikes, spikeCount, slotStep } = this
    const { slots, inputs, groupStart } = this.synapses
    if (this.kernels !== null) return this.kernels.arrivals(now, slots, inputs, spikes, spikeCount, slotStep, groupStart, ranges)
    let count = 0
    for (let d = 0; d < slots; d++) {
      const emitted = now - d
      if (emitted < 0) break
      const slot = emitted % slots
      if (slotStep[slot] !== emitted) continue
      const base = slot * inputs
      for (let k = 0, n = spikeCount[slot]; k < n; k++) {
        const group = spikes[base + k] * slots + d
        const start = groupStart[group]
        const end = groupStart[group + 1]
        if (start === end) continue
        ranges[2 * count] = start
        ranges[2 * count + 1] = end
        count++
      }
    }
    return count
  }

  /** Whether spikes emitted up to `now` still have synapses to reach after `now`. */
  inFlightAfter(now: number): boolean {
    return this.lastSpikeStep + this.synapses.maxDelaySteps > now
  }

  clear(): void {
    this.spikeCount.fill(0)
    this.slotStep.fill(-1)
    this.lastSpikeStep = -Infinity
  }

  stateArrays(): Record<string, Float64Array | Int32Array> {
    return { spikes: this.spikes, spikeCount: this.spikeCount, slotStep: this.slotStep }
  }

  /** After the state arrays were overwritten. */
  stateChanged(): void {
    let last = -Infinity
    for (let slot = 0; slot < this.spikeCount.length; slot++) if (this.spikeCount[slot] > 0 && this.slotStep[slot] > last) last = this.slotStep[slot]
    this.lastSpikeStep = last
  }
}

/** Transmit arriving spikes without learning: ge[post[s]] += weights[s] for the synapses in `ranges`. */
export function transmit(ranges: Int32Array, rangeCount: number, post: Uint16Array, weights: Float64Array, ge: Float64Array): void {
  for (let r = 0; r < rangeCount; r++) {
    for (let s = ranges[2 * r], end = ranges[2 * r + 1]; s < end; s++) ge[post[s]] += weights[s]
  }
}
