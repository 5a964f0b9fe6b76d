import { type ArrayAllocator, type DcKernels, heapArrays, type KernelArrays } from '../wasm/dcKernels'

/** Largest decay table: past it (very long time constants) a trace is read with Math.exp. */
const MAX_TABLE_STEPS = 1 << 16

/**
 * A decay below this reads as 0. Its effect on a weight (nu · trace) could not move any weight
 * above 1e-84 by an ulp, and it keeps the products of traces and rates out of subnormal numbers,
 * whose arithmetic is some hundred times slower: a neuron that last fired twenty images ago
 * would otherwise make every input spike reaching it a subnormal subtraction.
 */
export const TRACE_FLOOR = 1e-100

/**
 * Exponentially decaying traces (dx/dt = −x/τ), evaluated lazily as Brian2's event-driven
 * variables are: each trace keeps its value at the step it was last written, and reading it at a
 * later step applies the decay e^(−gap·dt/τ) from there. Nothing is done per step; the factor for
 * a gap of k steps comes from a table (exactly e^(−k·dt/τ), not a k-fold product).
 */
export class LazyTraces {
  readonly value: Float64Array
  /** The step of each trace's last write. */
  readonly updatedAt: Float64Array
  /** decayAfter[k] = e^(−k·dt/τ), up to the gap where it falls below TRACE_FLOOR (and reads 0). */
  readonly decayAfter: Float64Array
  /** decayAfter's length: read() of a gap of at least this many steps does not use the table. */
  readonly tableSteps: number
  /** Whether every gap past the table reads 0 (no Math.exp needed): the table reaches TRACE_FLOOR. */
  readonly tableReachesFloor: boolean
  private readonly stepsPerTau: number

  /** `arrays`: where to allocate value, updatedAt and decayAfter (a wasm kernel memory for TraceStdp's post1). */
  constructor(
    readonly size: number,
    tau: number,
    dt: number,
    arrays: ArrayAllocator = heapArrays
  ) {
    this.value = arrays.float64(size)
    this.updatedAt = arrays.float64(size)
    this.stepsPerTau = dt / tau
    this.tableSteps = LazyTraces.tableStepsFor(tau, dt)
    this.tableReachesFloor = this.tableSteps < MAX_TABLE_STEPS
    this.decayAfter = arrays.float64(this.tableSteps)
    for (let k = 0; k < this.tableSteps; k++) this.decayAfter[k] = Math.exp(-k * this.stepsPerTau)
  }

  /** decayAfter's length for these constants: e^(−k·dt/τ) ≥ TRACE_FLOOR for every k below it (or MAX_TABLE_STEPS). */
  static tableStepsFor(tau: number, dt: number): number {
    return Math.min(MAX_TABLE_STEPS, Math.floor(-Math.log(TRACE_FLOOR) / (dt / tau)) + 1)
  }

  /** The arrays a LazyTraces of `size` allocates (for sizing a kernel memory). */
  static kernelArrays(size: number, tau: number, dt: number): KernelArrays {
    return [
      [size, 8],
      [size, 8],
      [LazyTraces.tableStepsFor(tau, dt), 8]
    ]
  }

  /** e^(−gap·dt/τ). */
  decay(gap: number): number {
    // `| 0`: steps are whole numbers but may be stored as doubles; an int index keeps the load fast.
    if (gap < this.tableSteps) return this.decayAfter[gap | 0]
    if (this.tableReachesFloor) return 0
    const decay = Math.exp(-gap * this.stepsPerTau)
    return decay < TRACE_FLOOR ? 0 : decay
  }

  read(i: number, now: number): number {
    return this.value[i] * this.decay(now - this.updatedAt[i])
  }

  set(i: number, now: number, x: number): void {
    this.value[i] = x
    this.updatedAt[i] = now
  }

  add(i: number, now: number, dx: number): void {
    this.value[i] = this.read(i, now) + dx
    this.updatedAt[i] = now
  }

  reset(): void {
    this.value.fill(0)
    this.updatedAt.fill(0)
  }
}

/** Diehl & Cook's trace rule: times in ms, weights dimensionless. */
export interface TraceStdpParams {
  dt: number
  tauPre: number
  tauPost1: number
  tauPost2: number
  nuPre: number
  nuPost: number
  wMax: number
}

/** "Never": a step so far back that every trace read from it is 0. */
const NEVER = -1e15

/**
 * Trace STDP with clipping (Diehl & Cook 2015, the reference's `xeae` synapses):
 *
 *   input spike arrives at synapse s → j:  ge_j += w_s;  pre_s = 1;  w_s = clip(w_s − nuPre · post1_j, 0, wMax)
 *   neuron j spikes:  for each synapse s → j:  w_s = clip(w_s + nuPost · pre_s · post2_j, 0, wMax)
 *                     (post2 read before it is set), then post1_j = post2_j = 1
 *
 * Every trace is set to 1 (not incremented) at its event, so a trace is the decay since its
 * latest event. The post traces are LazyTraces per neuron. The pre trace of synapse s (input i,
 * delay d_s) is read only at its neuron's spikes, from input i's latest spike that has arrived:
 * the latest emitted at or before now − d_s. At most d_s ≤ maxDelaySteps of i's spikes can still
 * be on their way, so keeping i's last maxDelaySteps + 1 spike steps is enough; the hot loop over
 * arriving synapses then writes nothing but the weight.
 */
export class TraceStdp {
  /** Input i's latest spike steps, a ring: history[i·depth + (head[i] − k) mod depth] is the k-th latest. */
  readonly history: Float64Array
  readonly historyHead: Int32Array
  readonly depth: number
  /** Decay of the pre trace by gap in steps (no per-synapse values: see above). */
  private readonly preDecay: LazyTraces
  readonly post1: LazyTraces
  readonly post2: LazyTraces
  /**
   * What arrivals read and write per neuron j, in one array so that the arrival loop checks one
   * typed array for both, not two: targets[j] is j's conductance ge (shared with the neurons:
   * `ge` views it), targets[neurons + j] is depressionNow[j].
   */
  readonly targets: Float64Array
  /** targets[0 … neurons): the conductances that arriving spikes raise. */
  readonly ge: Float64Array
  /** nuPre · post1 of every neuron at step `depressionStep`: the depression an arrival causes then (a view of targets). */
  private readonly depressionNow: Float64Array
  private depressionStep = -1
  /**
   * The neurons whose post1 may still be above 0: depressing[0 … depressingCount), flagged in
   * isDepressing. Every other neuron's depressionNow is 0, so a step updates only these (most
   * neurons fire rarely: at N = 400 a neuron spikes about once in 25 images).
   */
  private readonly depressing: Int32Array
  private readonly isDepressing: Uint8Array
  private depressingCount = 0
  /**
   * 1 for each neuron whose weights this rule may have changed since its owner last cleared the
   * flag: it spiked (potentiation) or was depressing at a step with arrivals. Lets the owner
   * renormalise only those neurons.
   */
  readonly weightsChanged: Uint8Array
  /** The rates in use: the configured ones times the factor setRateFactor was last given. */
  private nuPre: number
  private nuPost: number
  private readonly baseNuPre: number
  private readonly baseNuPost: number
  private readonly wMax: number

  /**
   * `kernels`: run the arrival loop, the depression update and potentiation in WebAssembly
   * (DcKernels.deliverArrivals, updateDepression, potentiate: the same doubles); the spike
   * history, post1 and the depression lists are then allocated in its memory (kernelArrays), and
   * targets, and the arrays passed to onPreArrivals and onPostSpike, must live there. Null: the
   * JavaScript loops.
   */
  constructor(
    readonly inputs: number,
    readonly neurons: number,
    maxDelaySteps: number,
    p: TraceStdpParams,
    targets: Float64Array = new Float64Array(2 * neurons),
    private readonly kernels: DcKernels | null = null
  ) {
    if (targets.length !== 2 * neurons) throw new RangeError(`trace STDP: targets need 2 × ${neurons} values, got ${targets.length}`)
    if (kernels && !kernels.owns(targets)) throw new RangeError('trace STDP: with wasm kernels, targets must live in their memory')
    this.depth = maxDelaySteps + 1
    const arrays = kernels ?? heapArrays
    this.history = arrays.float64(inputs * this.depth).fill(NEVER)
    this.historyHead = arrays.int32(inputs)
    this.preDecay = new LazyTraces(0, p.tauPre, p.dt, arrays)
    this.post1 = new LazyTraces(neurons, p.tauPost1, p.dt, arrays)
    this.post2 = new LazyTraces(neurons, p.tauPost2, p.dt)
    this.targets = targets
    this.ge = targets.subarray(0, neurons)
    this.depressionNow = targets.subarray(neurons)
    this.depressing = arrays.int32(neurons)
    this.isDepressing = arrays.uint8(neurons)
    this.weightsChanged = arrays.uint8(neurons).fill(1)
    this.nuPre = this.baseNuPre = p.nuPre
    this.nuPost = this.baseNuPost = p.nuPost
    this.wMax = p.wMax
  }

  /**
   * Learn at `factor` × the configured nuPre and nuPost from now on (a rate schedule; call between
   * presentations). Factor 1 gives back the configured rates exactly.
   */
  setRateFactor(factor: number): void {
    const nuPre = this.baseNuPre * factor
    if (nuPre === this.nuPre && this.baseNuPost * factor === this.nuPost) return
    this.nuPre = nuPre
    this.nuPost = this.baseNuPost * factor
    // depressionNow holds nuPre · post1 for depressionStep: recompute it at the next arrival.
    this.depressionStep = -1
  }

  /** The arrays a TraceStdp with kernels allocates from them (besides the targets it is given). */
  static kernelArrays(inputs: number, neurons: number, maxDelaySteps: number, p: TraceStdpParams): KernelArrays {
    return [
      [inputs * (maxDelaySteps + 1), 8], // history
      [inputs, 4], // historyHead
      ...LazyTraces.kernelArrays(0, p.tauPre, p.dt), // preDecay
      ...LazyTraces.kernelArrays(neurons, p.tauPost1, p.dt), // post1
      [neurons, 4], // depressing
      [neurons, 1], // isDepressing
      [neurons, 1] // weightsChanged
    ]
  }

  /** Check at build time that the synapse layout fits this rule (not at every event). */
  requireLayout(weights: Float64Array, post: Uint16Array, synapseOf: Int32Array, delayOf: Int32Array): void {
    const synapses = this.inputs * this.neurons
    for (const [name, array] of [['weights', weights], ['targets', post], ['synapse indices', synapseOf], ['delays', delayOf]] as const) {
      if (array.length !== synapses) throw new RangeError(`trace STDP: built for ${synapses} synapses, got ${array.length} ${name}`)
    }
    if (this.kernels && ![weights, post, synapseOf, delayOf].every((array) => this.kernels?.owns(array))) {
      throw new RangeError('trace STDP: with wasm kernels, the weights and the synapse layout must live in their memory')
    }
    for (let k = 0; k < delayOf.length; k++) {
      if (delayOf[k] >= this.depth) throw new RangeError(`trace STDP: delay ${delayOf[k]} is longer than the ${this.depth - 1} steps the spike history covers`)
    }
  }

  /** The inputs `from[start … end)` spike at step `now` (call once per step, in step order). */
  onInputSpikes(from: Int32Array, start: number, end: number, now: number): void {
    const { history, historyHead, depth } = this
    for (let k = start; k < end; k++) {
      const i = from[k]
      const head = historyHead[i] + 1 === depth ? 0 : historyHead[i] + 1
      historyHead[i] = head
      history[i * depth + head] = now
    }
  }

  /** The pre trace at step `now` of the synapse from input i with a delay of `delay` steps. */
  preTrace(i: number, delay: number, now: number): number {
    const { history, depth } = this
    const arrivedBy = now - delay
    let slot = this.historyHead[i]
    for (let k = 0; k < depth; k++) {
      const emitted = history[i * depth + slot]
      if (emitted <= arrivedBy) return this.preDecay.decay(arrivedBy - emitted)
      slot = slot === 0 ? depth - 1 : slot - 1
    }
    return 0 // unreachable while delays fit the history (requireLayout)
  }

  /**
   * Input spikes arrive at the synapses in `ranges` (pairs [start, end) of synapse indices,
   * `rangeCount` of them) at step `now`, raising `ge`. In one pass over each synapse, as the reference's
   * on_pre does: transmit (ge of its neuron += w), then depress (pre = 1 is implied by the history):
   * w = clip(w − nuPre·post1, 0, wMax), which also clips a weight that normalisation left above wMax.
   *
   * The loop takes four synapses at a time: V8 checks each typed array's shape, buffer and
   * length again at every iteration, and does so once for the four (a quarter less time).
   * The four go to four different neurons (a run has each neuron at most once), so the order
   * of the updates is immaterial.
   *
   * With kernels the same loop runs in WebAssembly (one synapse at a time, the same operations).
   */
  onPreArrivals(ranges: Int32Array, rangeCount: number, post: Uint16Array, weights: Float64Array, now: number): void {
    // ge[j] is targets[j], depressionNow[j] is targets[n + j].
    const { targets, neurons: n } = this
    if (this.depressionStep !== now) this.updateDepression(now)
    const wMax = this.wMax
    if (this.kernels !== null) {
      this.kernels.deliverArrivals(ranges, rangeCount, post, weights, targets, n, wMax)
      return
    }
    for (let r = 0; r < rangeCount; r++) {
      let s = ranges[2 * r]
      const end = ranges[2 * r + 1]
      for (; s + 3 < end; s += 4) {
        const j0 = post[s]
        const j1 = post[s + 1]
        const j2 = post[s + 2]
        const j3 = post[s + 3]
        const w0 = weights[s]
        const w1 = weights[s + 1]
        const w2 = weights[s + 2]
        const w3 = weights[s + 3]
        targets[j0] += w0
        targets[j1] += w1
        targets[j2] += w2
        targets[j3] += w3
        const d0 = w0 - targets[n + j0]
        const d1 = w1 - targets[n + j1]
        const d2 = w2 - targets[n + j2]
        const d3 = w3 - targets[n + j3]
        // max(0, d) without a branch (see below), then the upper clip (rarely taken).
        const f0 = (d0 + Math.abs(d0)) * 0.5
        const f1 = (d1 + Math.abs(d1)) * 0.5
        const f2 = (d2 + Math.abs(d2)) * 0.5
        const f3 = (d3 + Math.abs(d3)) * 0.5
        if (f0 > wMax) weights[s] = wMax
        else weights[s] = f0
        if (f1 > wMax) weights[s + 1] = wMax
        else weights[s + 1] = f1
        if (f2 > wMax) weights[s + 2] = wMax
        else weights[s + 2] = f2
        if (f3 > wMax) weights[s + 3] = wMax
        else weights[s + 3] = f3
      }
      for (; s < end; s++) {
        const j = post[s]
        const w = weights[s]
        targets[j] += w
        const depressed = w - targets[n + j]
        // max(0, depressed) without a branch: (x + |x|)/2 is exactly x for x ≥ 0 and 0 below.
        // A branch here is mispredicted often once weights of depressing neurons reach 0.
        const floored = (depressed + Math.abs(depressed)) * 0.5
        // Two stores, not `w = c ? wMax : floored`: wMax is a small integer (a Smi), and V8 would
        // box the mixed int/double result in a fresh HeapNumber at every synapse.
        if (floored > wMax) weights[s] = wMax
        else weights[s] = floored
      }
    }
  }

  /** depressionNow at step `now`; a neuron leaves the list once its post1 reads 0 (it stays 0 until j spikes). */
  private updateDepression(now: number): void {
    const { post1, nuPre, depressing, isDepressing, depressionNow, weightsChanged, depressingCount, kernels } = this
    if (kernels !== null && post1.tableReachesFloor) {
      this.depressingCount = kernels.updateDepression(now, depressing, depressingCount, post1.value, post1.updatedAt, post1.decayAfter, nuPre, depressionNow, isDepressing, weightsChanged)
      this.depressionStep = now
      return
    }
    // post1.read(j, now), with the trace's arrays read once rather than per neuron.
    const { value, updatedAt, decayAfter, tableSteps } = post1
    let kept = 0
    for (let a = 0; a < depressingCount; a++) {
      const j = depressing[a]
      const gap = now - updatedAt[j]
      const trace = gap < tableSteps ? value[j] * decayAfter[gap | 0] : post1.read(j, now)
      if (trace !== 0) {
        depressionNow[j] = nuPre * trace
        depressing[kept++] = j
        weightsChanged[j] = 1
      } else {
        depressionNow[j] = 0
        isDepressing[j] = 0
      }
    }
    this.depressingCount = kept
    this.depressionStep = now
  }

  private startDepressing(j: number): void {
    if (this.isDepressing[j]) return
    this.isDepressing[j] = 1
    this.depressing[this.depressingCount++] = j
  }

  /**
   * Neuron j spikes at step `now`: potentiate its synapses (synapse of input i: synapseOf[j·inputs + i],
   * delay delayOf[j·inputs + i]), then set its post traces.
   */
  onPostSpike(j: number, synapseOf: Int32Array, delayOf: Int32Array, weights: Float64Array, now: number): void {
    const { inputs, nuPost, wMax, kernels, preDecay } = this
    const gain = nuPost * this.post2.read(j, now)
    if (kernels !== null && preDecay.tableReachesFloor) {
      kernels.potentiate(j, inputs, synapseOf, delayOf, weights, this.history, this.historyHead, this.depth, preDecay.decayAfter, now, gain, wMax)
    } else {
      this.potentiate(j, synapseOf, delayOf, weights, now, gain)
    }
    this.post1.set(j, now, 1)
    this.post2.set(j, now, 1)
    this.weightsChanged[j] = 1
    this.startDepressing(j)
    if (this.depressionStep === now) this.depressionNow[j] = this.nuPre
  }

  /** onPostSpike's loop in JavaScript (DcKernels.potentiate does the same in WebAssembly). */
  private potentiate(j: number, synapseOf: Int32Array, delayOf: Int32Array, weights: Float64Array, now: number, gain: number): void {
    const { inputs, wMax } = this
    for (let i = 0, k = j * inputs; i < inputs; i++, k++) {
      const s = synapseOf[k]
      const w = weights[s] + gain * this.preTrace(i, delayOf[k], now)
      // Separate stores: a `?:` mixing wMax (a Smi) with a double allocates (see onPreArrivals).
      if (w < 0) weights[s] = 0
      else if (w > wMax) weights[s] = wMax
      else weights[s] = w
    }
  }

  reset(): void {
    this.history.fill(NEVER)
    this.historyHead.fill(0)
    this.post1.reset()
    this.post2.reset()
    this.stateChanged()
  }

  stateArrays(): Record<string, Float64Array | Int32Array> {
    return {
      inputHistory: this.history,
      inputHistoryHead: this.historyHead,
      post1: this.post1.value,
      post1UpdatedAt: this.post1.updatedAt,
      post2: this.post2.value,
      post2UpdatedAt: this.post2.updatedAt
    }
  }

  /** After the state arrays were overwritten: forget the per-step cache, list the neurons with a post1 again. */
  stateChanged(): void {
    this.depressionStep = -1
    this.depressionNow.fill(0)
    this.isDepressing.fill(0)
    this.depressingCount = 0
    for (let j = 0; j < this.neurons; j++) if (this.post1.value[j] !== 0) this.startDepressing(j)
  }
}
