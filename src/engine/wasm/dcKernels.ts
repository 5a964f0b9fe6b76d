/**
 * The diehl-cook-2015 network's hot loops in WebAssembly (dcKernels.wat, assembled by
 * `npm run build:wasm` into dcKernels.wasm.ts): finding the synapses input spikes reach
 * (DelayBuffer.arrivals), delivering them with trace STDP's depression (onPreArrivals and its
 * updateDepression) or without learning (transmit), potentiation at spikes (onPostSpike), and
 * the excitatory neurons' step. They give the same doubles as the JavaScript they stand in for
 * (same operations, same order), which stays as the reference and is the path taken without
 * kernels (or where WebAssembly is missing).
 *
 * A DcKernels instance owns one WebAssembly.Memory, sized once for its network and never grown
 * (growing would detach every view), and hands out the typed arrays the kernels touch as views
 * into it. Such a view's buffer is the whole memory (and cannot be transferred): whatever
 * leaves the engine must be a copy (Array.from, slice, getWeights), never the view itself.
 */
import { DC_KERNELS_WASM_BASE64 } from './dcKernels.wasm'

/** Where typed arrays are allocated: the JS heap (heapArrays) or a kernel memory (DcKernels). */
export interface ArrayAllocator {
  float64(length: number): Float64Array
  int32(length: number): Int32Array
  uint16(length: number): Uint16Array
  uint8(length: number): Uint8Array
}

/** Arrays a component will allocate from a DcKernels: [length, bytes per element] each (see kernelBytes). */
export type KernelArrays = (readonly [number, number])[]

export const heapArrays: ArrayAllocator = {
  float64: (length) => new Float64Array(length),
  int32: (length) => new Int32Array(length),
  uint16: (length) => new Uint16Array(length),
  uint8: (length) => new Uint8Array(length)
}

/** The part of the WebAssembly API used here (the engine's TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer }
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}

interface KernelExports {
  arrivals(
    now: number,
    nowSlot: number,
    slots: number,
    inputs: number,
    spikes: number,
    spikeCount: number,
    slotStep: number,
    groupStart: number,
    ranges: number
  ): number
  deliverArrivals(ranges: number, rangeCount: number, post: number, weights: number, targets: number, neurons: number, wMax: number): void
  transmit(ranges: number, rangeCount: number, post: number, weights: number, ge: number): void
  potentiate(
    j: number,
    inputs: number,
    synapseOf: number,
    delayOf: number,
    weights: number,
    history: number,
    historyHead: number,
    depth: number,
    decayAfter: number,
    tableSteps: number,
    now: number,
    gain: number,
    wMax: number
  ): void
  updateDepression(
    now: number,
    depressing: number,
    depressingCount: number,
    post1: number,
    post1UpdatedAt: number,
    decayAfter: number,
    tableSteps: number,
    nuPre: number,
    depressionNow: number,
    isDepressing: number,
    weightsChanged: number
  ): number
  stepExcitatory(
    size: number,
    ge: number,
    gi: number,
    potential: number,
    theta: number,
    crossing: number,
    leak: number,
    excitatoryDrive: number,
    inhibitoryDrive: number,
    geDecay: number,
    giDecay: number,
    restPotential: number,
    excitatoryReversal: number,
    inhibitoryReversal: number,
    thresholdBase: number,
    thetaDecay: number
  ): number
}

const PAGE_BYTES = 65536
/** Every array starts on a 16-byte boundary (whole f64x2 loads). */
const ALIGN = 16

const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
/** Compiled once per process; undefined until first asked, null if this runtime cannot. */
let compiled: object | null | undefined

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = webAssembly ? new webAssembly.Module(decodeBase64(DC_KERNELS_WASM_BASE64)) : null
    } catch {
      compiled = null // no WebAssembly SIMD here: the JavaScript loops give the same results
    }
  }
  return compiled
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k)
  return bytes
}

/** Bytes a DcKernels needs for arrays of these [length, bytes per element] (each aligned). */
export function kernelBytes(arrays: KernelArrays): number {
  let bytes = 0
  for (const [length, elementBytes] of arrays) bytes += alignUp(length * elementBytes)
  return bytes
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN
}

export class DcKernels implements ArrayAllocator {
  /** The kernel memory's buffer: every array handed out is a view of it. */
  readonly buffer: ArrayBuffer
  private readonly exports: KernelExports
  private allocated = 0

  /** Kernels with room for `bytes` of arrays (kernelBytes), or null where WebAssembly (with SIMD) is unavailable. */
  static create(bytes: number): DcKernels | null {
    const module = kernelModule()
    if (!module || !webAssembly) return null
    try {
      return new DcKernels(webAssembly, module, bytes)
    } catch {
      return null // no memory to be had (address space): the JavaScript loops instead
    }
  }

  private constructor(api: WebAssemblyApi, module: object, readonly capacity: number) {
    const pages = Math.max(1, Math.ceil(capacity / PAGE_BYTES))
    const memory = new api.Memory({ initial: pages, maximum: pages })
    this.exports = new api.Instance(module, { env: { memory } }).exports as unknown as KernelExports
    this.buffer = memory.buffer
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(length * 8), length)
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length)
  }

  uint16(length: number): Uint16Array {
    return new Uint16Array(this.buffer, this.take(length * 2), length)
  }

  uint8(length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.take(length), length)
  }

  /** Whether `array` lives in this memory (the kernels can reach it). */
  owns(array: ArrayBufferView): boolean {
    return array.buffer === this.buffer
  }

  /** Where `array` starts in the kernel memory; refuses arrays elsewhere (a kernel would write over other arrays). */
  private at(array: ArrayBufferView): number {
    if (array.buffer !== this.buffer) throw new RangeError('wasm kernels: an array outside their memory')
    return array.byteOffset
  }

  private take(bytes: number): number {
    const at = this.allocated
    if (at + bytes > this.capacity) throw new RangeError(`wasm kernels: ${at + bytes} bytes of arrays, sized for ${this.capacity}`)
    this.allocated = at + alignUp(bytes)
    return at
  }

  /** DelayBuffer.arrivals: the [start, end) synapse ranges that spikes reach at step `now`, into `ranges`; returns how many. */
  arrivals(
    now: number,
    slots: number,
    inputs: number,
    spikes: Int32Array,
    spikeCount: Int32Array,
    slotStep: Float64Array,
    groupStart: Int32Array,
    ranges: Int32Array
  ): number {
    return this.exports.arrivals(now, now % slots, slots, inputs, this.at(spikes), this.at(spikeCount), this.at(slotStep), this.at(groupStart), this.at(ranges))
  }

  /** TraceStdp.onPreArrivals' loop over the synapses in `ranges` (its depressionNow already up to date). */
  deliverArrivals(ranges: Int32Array, rangeCount: number, post: Uint16Array, weights: Float64Array, targets: Float64Array, neurons: number, wMax: number): void {
    this.exports.deliverArrivals(this.at(ranges), rangeCount, this.at(post), this.at(weights), this.at(targets), neurons, wMax)
  }

  /**
   * TraceStdp.updateDepression's loop over the depressing neurons (post1 read from its table only:
   * every gap in the table, or the table ends where the decay reads 0); returns how many stay.
   */
  updateDepression(
    now: number,
    depressing: Int32Array,
    depressingCount: number,
    post1: Float64Array,
    post1UpdatedAt: Float64Array,
    decayAfter: Float64Array,
    nuPre: number,
    depressionNow: Float64Array,
    isDepressing: Uint8Array,
    weightsChanged: Uint8Array
  ): number {
    return this.exports.updateDepression(
      now,
      this.at(depressing),
      depressingCount,
      this.at(post1),
      this.at(post1UpdatedAt),
      this.at(decayAfter),
      decayAfter.length,
      nuPre,
      this.at(depressionNow),
      this.at(isDepressing),
      this.at(weightsChanged)
    )
  }

  /**
   * TraceStdp.onPostSpike's loop over neuron j's synapses (w += gain · pre, clipped), pre read
   * from the input spike history through `preDecay` (a table that ends where the decay reads 0).
   */
  potentiate(
    j: number,
    inputs: number,
    synapseOf: Int32Array,
    delayOf: Int32Array,
    weights: Float64Array,
    history: Float64Array,
    historyHead: Int32Array,
    depth: number,
    preDecay: Float64Array,
    now: number,
    gain: number,
    wMax: number
  ): void {
    this.exports.potentiate(
      j,
      inputs,
      this.at(synapseOf),
      this.at(delayOf),
      this.at(weights),
      this.at(history),
      this.at(historyHead),
      depth,
      this.at(preDecay),
      preDecay.length,
      now,
      gain,
      wMax
    )
  }

  /** delayBuffer's transmit: ge[post[s]] += weights[s] for the synapses in `ranges`. */
  transmit(ranges: Int32Array, rangeCount: number, post: Uint16Array, weights: Float64Array, ge: Float64Array): void {
    this.exports.transmit(this.at(ranges), rangeCount, this.at(post), this.at(weights), this.at(ge))
  }

  /**
   * AdaptiveConductanceLifNeurons.step's loop over every neuron (`factors` in its stepFactors
   * order, `thetaDecay` 1 while θ is frozen); returns how many crossed, listed in `crossing`.
   */
  stepExcitatory(
    ge: Float64Array,
    gi: Float64Array,
    potential: Float64Array,
    theta: Float64Array,
    crossing: Int32Array,
    factors: Float64Array,
    thetaDecay: number
  ): number {
    return this.exports.stepExcitatory(
      potential.length,
      this.at(ge),
      this.at(gi),
      this.at(potential),
      this.at(theta),
      this.at(crossing),
      factors[0],
      factors[1],
      factors[2],
      factors[3],
      factors[4],
      factors[5],
      factors[6],
      factors[7],
      factors[8],
      thetaDecay
    )
  }
}
