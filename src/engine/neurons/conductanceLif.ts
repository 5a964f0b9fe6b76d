import { type ArrayAllocator, type DcKernels, heapArrays, type KernelArrays } from '../wasm/dcKernels'
import type { ConductanceNeuronGroup } from './types'

/** A conductance-based LIF population's parameters: times in ms, potentials in mV. */
export interface ConductanceLifParams {
  dt: number
  tauMembrane: number
  restPotential: number
  resetPotential: number
  threshold: number
  refractory: number
  initialPotential: number
  excitatoryReversal: number
  inhibitoryReversal: number
  tauExcitatory: number
  tauInhibitory: number
}

/** The adaptive threshold and refractory timer of Diehl & Cook's excitatory neurons. */
export interface AdaptiveThresholdParams {
  thetaOffset: number
  thetaInitial: number
  thetaPlus: number
  tauTheta: number
  timerRate: number
}

/**
 * Per-step factors of a conductance g with dg/dt = −g/τ: `decay` = e^(−dt/τ), the exact decay
 * over one step, and `mean` = (τ/dt)(1 − e^(−dt/τ)), the ratio of g's exact mean over the step
 * to its value at the start. Driving v with the mean (rather than the start value, which Euler
 * would use) makes a conductance jump w deliver w·τ in all, as in the continuous model; with the
 * exact decay and the start value it would deliver 27% more at dt = τ/2.
 */
export function conductanceStep(tau: number, dt: number): { decay: number; mean: number } {
  const loss = -Math.expm1(-dt / tau)
  return { decay: 1 - loss, mean: (tau / dt) * loss }
}

/** Steps in `duration` ms, rounded to the nearest step (refractory periods, delays). */
export function stepsIn(duration: number, dt: number): number {
  return Math.round(duration / dt)
}

/** Largest dimensionless conductance left when a rest period may be ended in closed form. */
export const QUIET_CONDUCTANCE = 1e-9

/**
 * A conductance that decays below this is set to 0. It could no longer change v (|v| ≫ 1e-14
 * mV) by even an ulp, and it would otherwise sink into subnormal numbers, whose arithmetic is
 * some twenty times slower; at 0 a resting neuron can be left alone (see `wake`).
 */
export const FLUSH_CONDUCTANCE = 1e-30

/** Steps between the flushes of the always-awake excitatory neurons' conductances. */
const FLUSH_EVERY = 64

/**
 * Conductance-based leaky integrate-and-fire neurons (Diehl & Cook's inhibitory population, and
 * the base of the excitatory one):
 *
 *   dv/dt = ((v_rest − v) + ge·(E_exc − v) + gi·(E_inh − v)) / τ_m   (held at v_reset while refractory)
 *   dge/dt = −ge / τ_ge,   dgi/dt = −gi / τ_gi
 *   fire when v > v_thresh and not refractory; then v = v_reset, refractory for `refractory` ms
 *
 * Integration per step: v takes an explicit Euler step (as the reference does) with ge and gi
 * replaced by their exact means over the step; ge and gi then decay exactly. Refractoriness
 * follows Brian2: after a spike at step s, v is held until step s + refractorySteps, where it
 * integrates again and may fire.
 *
 * Only awake neurons are stepped. A neuron falls asleep when a step leaves it exactly as it was
 * (no conductance, v at its Euler fixed point, not refractory), so skipping it changes nothing;
 * whoever adds to its ge or gi wakes it. Inhibitory neurons sleep most of the time.
 */
export class ConductanceLifNeurons implements ConductanceNeuronGroup {
  readonly potential: Float64Array
  readonly ge: Float64Array
  readonly gi: Float64Array
  /** v integrates (and may fire) at steps ≥ integratesFrom[j]: the end of the refractory period. */
  readonly integratesFrom: Float64Array
  /** 1 for the neurons that `step` visits, which are awakeList[0 … awakeCount), ascending. */
  readonly awake: Uint8Array
  protected readonly awakeList: Int32Array
  protected awakeCount = 0
  // Parameters and derived factors in own fields: config objects can have slow (dictionary) shapes.
  protected readonly leak: number
  protected readonly excitatoryDrive: number
  protected readonly inhibitoryDrive: number
  protected readonly geDecay: number
  protected readonly giDecay: number
  protected readonly restPotential: number
  protected readonly resetPotential: number
  protected readonly threshold: number
  protected readonly excitatoryReversal: number
  protected readonly inhibitoryReversal: number
  protected readonly refractorySteps: number
  protected readonly initialPotential: number

  /**
   * `geArray`: where to keep the excitatory conductances (e.g. an array the synapses share);
   * default a new one. `arrays`: where to allocate v and gi (a wasm kernel memory, see
   * AdaptiveConductanceLifNeurons).
   */
  constructor(
    readonly size: number,
    p: ConductanceLifParams,
    geArray: Float64Array = new Float64Array(size),
    arrays: ArrayAllocator = heapArrays
  ) {
    if (geArray.length !== size) throw new RangeError(`expected ${size} conductances, got ${geArray.length}`)
    const ge = conductanceStep(p.tauExcitatory, p.dt)
    const gi = conductanceStep(p.tauInhibitory, p.dt)
    this.leak = p.dt / p.tauMembrane
    this.excitatoryDrive = this.leak * ge.mean
    this.inhibitoryDrive = this.leak * gi.mean
    this.geDecay = ge.decay
    this.giDecay = gi.decay
    this.restPotential = p.restPotential
    this.resetPotential = p.resetPotential
    this.threshold = p.threshold
    this.excitatoryReversal = p.excitatoryReversal
    this.inhibitoryReversal = p.inhibitoryReversal
    this.refractorySteps = stepsIn(p.refractory, p.dt)
    this.initialPotential = p.initialPotential
    this.potential = arrays.float64(size)
    this.ge = geArray
    this.gi = arrays.float64(size)
    this.integratesFrom = new Float64Array(size)
    this.awake = new Uint8Array(size)
    this.awakeList = new Int32Array(size)
    this.resetState()
  }

  resetState(): void {
    this.potential.fill(this.initialPotential)
    this.ge.fill(0)
    this.gi.fill(0)
    this.integratesFrom.fill(0)
    this.wakeAll()
  }

  /** Neuron j's ge or gi was just raised: step it again from the next step on. */
  wake(j: number): void {
    if (this.awake[j]) return
    this.awake[j] = 1
    // Keep the list ascending (it is short: the neurons that fired lately).
    const list = this.awakeList
    let k = this.awakeCount++
    while (k > 0 && list[k - 1] > j) {
      list[k] = list[k - 1]
      k--
    }
    list[k] = j
  }

  /** Step every neuron again (after the state was replaced). */
  wakeAll(): void {
    for (let j = 0; j < this.size; j++) {
      this.awake[j] = 1
      this.awakeList[j] = j
    }
    this.awakeCount = this.size
  }

  step(now: number, spiked: Int32Array): number {
    const { potential, ge, gi, integratesFrom, awake, awakeList, awakeCount } = this
    const { leak, excitatoryDrive, inhibitoryDrive, geDecay, giDecay, restPotential, excitatoryReversal, inhibitoryReversal } = this
    const { threshold, resetPotential, refractorySteps } = this
    let fired = 0
    let kept = 0
    for (let a = 0; a < awakeCount; a++) {
      const j = awakeList[a]
      const e = ge[j]
      const i = gi[j]
      let decayedE = e * geDecay
      let decayedI = i * giDecay
      if (decayedE < FLUSH_CONDUCTANCE && decayedE > -FLUSH_CONDUCTANCE) decayedE = 0
      if (decayedI < FLUSH_CONDUCTANCE && decayedI > -FLUSH_CONDUCTANCE) decayedI = 0
      ge[j] = decayedE
      gi[j] = decayedI
      let unchanged = false
      if (now >= integratesFrom[j]) {
        const v = potential[j]
        const next = v + leak * (restPotential - v) + excitatoryDrive * e * (excitatoryReversal - v) + inhibitoryDrive * i * (inhibitoryReversal - v)
        if (next > threshold) {
          potential[j] = resetPotential
          integratesFrom[j] = now + refractorySteps
          spiked[fired++] = j
        } else {
          potential[j] = next
          unchanged = next === v && e === 0 && i === 0
        }
      }
      if (unchanged) awake[j] = 0
      else awakeList[kept++] = j
    }
    this.awakeCount = kept
    return fired
  }

  /**
   * Without input, v relaxes monotonically towards v_rest (Euler with dt < τ_m), so no neuron
   * can fire if every potential and v_rest are below the threshold and the conductances are
   * negligible (their remaining effect on v is below ~1e-7 mV).
   */
  quietFor(steps: number): boolean {
    const { potential, ge, gi, size, threshold, restPotential } = this
    if (steps <= 0) return true
    if (!(this.leak < 1) || !(restPotential < threshold)) return false
    for (let j = 0; j < size; j++) {
      if (ge[j] > QUIET_CONDUCTANCE || gi[j] > QUIET_CONDUCTANCE || !(potential[j] < threshold)) return false
    }
    return true
  }

  advanceQuiet(now: number, steps: number): void {
    const { potential, ge, gi, integratesFrom, awake, size, restPotential } = this
    const geDecay = Math.pow(this.geDecay, steps)
    const giDecay = Math.pow(this.giDecay, steps)
    const last = now + steps
    for (let j = 0; j < size; j++) {
      if (!awake[j]) continue // asleep: stepping would not change it either
      ge[j] *= geDecay
      gi[j] *= giDecay
      // Steps now+1 … last that integrate: those at or after the end of the refractory period.
      const integrating = last - Math.max(now + 1, integratesFrom[j]) + 1
      if (integrating > 0) potential[j] = restPotential + (potential[j] - restPotential) * Math.pow(1 - this.leak, integrating)
    }
  }

  stateArrays(): Record<string, Float64Array> {
    return { v: this.potential, ge: this.ge, gi: this.gi, integratesFrom: this.integratesFrom }
  }
}

/**
 * Diehl & Cook's excitatory neurons: the conductance LIF above with an adaptive threshold θ and
 * the reference's refractory timer.
 *
 *   fire when v > θ − thetaOffset + v_thresh, timer > refractory and not refractory
 *   at a spike (training): θ += thetaPlus; timer = 0.   dθ/dt = −θ/τ_θ (training), dtimer/dt = timerRate
 *
 * θ decays exactly (e^(−dt/τ_θ) per step) and grows only while `adapting`; it is frozen while
 * testing. Every neuron is stepped at every step (input reaches them all the time). The timer is kept as the step it was reset at: timer > refractory is the same as
 * "at least timerSteps steps since", with timerSteps the first whole step count past it
 * (101 at the defaults: the reference's effective 50 ms). The timer starts at 0 at step 0.
 */
export class AdaptiveConductanceLifNeurons extends ConductanceLifNeurons {
  readonly theta: Float64Array
  /** The step at which each neuron's timer was last reset to 0. */
  readonly timerStart: Float64Array
  /** Training: θ grows at spikes and decays. Testing: θ is frozen. */
  adapting = true
  private readonly thetaDecay: number
  private readonly thetaPlus: number
  private readonly thetaInitial: number
  /** v_thresh − thetaOffset: the threshold is θ + this. */
  private readonly thresholdBase: number
  readonly timerSteps: number
  /**
   * The step loop's parameters (in the order `step` reads them), as doubles. Read out of a Float64Array they stay
   * unboxed in V8's optimised loop; read from fields (some hold small integers) they are
   * re-checked and converted at every use, which cost more than the arithmetic.
   */
  private readonly stepFactors: Float64Array
  /** Neurons that may still be refractory (integratesFrom > the current step), and their held v during a step. */
  private readonly refractoryList: Int32Array
  private readonly heldPotential: Float64Array
  private refractoryCount = 0
  /** The neurons whose v crossed the threshold in the current step (before the refractory and timer checks). */
  private readonly crossing: Int32Array

  /**
   * `kernels`: step every neuron in WebAssembly (DcKernels.stepExcitatory, the same doubles); v,
   * gi, θ are then allocated in its memory, and `geArray` must be there too. Null: JavaScript.
   */
  constructor(
    size: number,
    p: ConductanceLifParams,
    a: AdaptiveThresholdParams,
    geArray?: Float64Array,
    private readonly kernels: DcKernels | null = null
  ) {
    super(size, p, geArray, kernels ?? heapArrays)
    if (kernels && !kernels.owns(this.ge)) throw new RangeError('excitatory neurons: with wasm kernels, ge must live in their memory')
    this.thetaDecay = Math.exp(-p.dt / a.tauTheta)
    this.thetaPlus = a.thetaPlus
    this.thetaInitial = a.thetaInitial
    this.thresholdBase = p.threshold - a.thetaOffset
    // The smallest k with k·timerRate·dt > refractory; the tolerance keeps 100.000…01 at 100.
    this.timerSteps = a.timerRate > 0 ? Math.floor(p.refractory / (a.timerRate * p.dt) + 1e-9) + 1 : 0
    this.theta = (kernels ?? heapArrays).float64(size)
    this.timerStart = new Float64Array(size)
    this.stepFactors = Float64Array.of(
      this.leak,
      this.excitatoryDrive,
      this.inhibitoryDrive,
      this.geDecay,
      this.giDecay,
      this.restPotential,
      this.excitatoryReversal,
      this.inhibitoryReversal,
      this.thresholdBase,
      this.resetPotential,
      this.refractorySteps,
      this.timerSteps,
      this.thetaPlus,
      this.thetaDecay
    )
    this.refractoryList = new Int32Array(size)
    this.heldPotential = new Float64Array(size)
    this.crossing = (kernels ?? heapArrays).int32(size)
    this.resetState()
  }

  /** The arrays AdaptiveConductanceLifNeurons with kernels allocate from them (besides the ge they are given). */
  static kernelArrays(size: number): KernelArrays {
    return [
      [size, 8], // v
      [size, 8], // gi
      [size, 8], // θ
      [size, 4] // crossing
    ]
  }

  override resetState(): void {
    super.resetState()
    // The base constructor calls this before the fields below exist.
    if (!this.theta) return
    this.theta.fill(this.thetaInitial)
    this.timerStart.fill(0)
  }

  /** Input reaches these neurons nearly every step, so `step` visits them all; nothing to wake. */
  override wake(): void {}

  /** After the state was replaced (and at the start): list the neurons that may be refractory again. */
  override wakeAll(): void {
    super.wakeAll()
    // The base constructor gets here before the fields below exist.
    if (!this.refractoryList) return
    this.refractoryCount = 0
    for (let j = 0; j < this.size; j++) if (this.integratesFrom[j] > 0) this.refractoryList[this.refractoryCount++] = j
  }

  /** The firing threshold of neuron j, mV. */
  thresholdOf(j: number): number {
    return this.theta[j] + this.thresholdBase
  }

  override step(now: number, spiked: Int32Array): number {
    const { potential, integratesFrom, theta, timerStart, stepFactors: f } = this
    const resetPotential = f[9]
    const refractorySteps = f[10]
    const timerSteps = f[11]
    // Frozen θ (testing) as factor 1 and gain 0, exact no-ops, instead of a branch per neuron.
    const thetaGain = this.adapting ? f[12] : 0
    const thetaDecay = this.adapting ? f[13] : 1
    // Flushing tiny conductances every FLUSH_EVERY steps instead of at every step: below
    // FLUSH_CONDUCTANCE they change no v by an ulp, and FLUSH_EVERY steps of decay cannot carry
    // them down to subnormal numbers (e^(−64·dt/τ) ≫ 1e-278 for dt ≤ τ).
    if (now % FLUSH_EVERY === 0) this.flushConductances()
    // Every neuron integrates in one loop without per-neuron checks (they cost more than the
    // arithmetic); the few refractory neurons get their held v back afterwards, and the few whose
    // v crossed the threshold are checked for the refractory period and timer after that.
    const held = this.holdRefractory(now)
    const { crossing, kernels } = this
    const crossed =
      kernels !== null ? kernels.stepExcitatory(this.ge, this.gi, potential, theta, crossing, f, thetaDecay) : this.integrateEveryNeuron(thetaDecay)
    const { refractoryList, heldPotential } = this
    for (let k = 0; k < held; k++) potential[refractoryList[k]] = heldPotential[k]
    let fired = 0
    for (let c = 0; c < crossed; c++) {
      const j = crossing[c]
      if (now < integratesFrom[j] || now - timerStart[j] < timerSteps) continue
      potential[j] = resetPotential
      integratesFrom[j] = now + refractorySteps
      timerStart[j] = now
      theta[j] += thetaGain
      spiked[fired++] = j
      refractoryList[this.refractoryCount++] = j
    }
    return fired
  }

  /**
   * The step's loop over every neuron in JavaScript (DcKernels.stepExcitatory does the same in
   * WebAssembly): decay ge, gi and θ, integrate v, and list in `crossing` the neurons whose v
   * is above the threshold; returns how many. Two neurons a round: V8 checks each typed array
   * again at every round (once for both).
   */
  private integrateEveryNeuron(thetaDecay: number): number {
    const { potential, ge, gi, theta, size, crossing, stepFactors: f } = this
    const leak = f[0]
    const excitatoryDrive = f[1]
    const inhibitoryDrive = f[2]
    const geDecay = f[3]
    const giDecay = f[4]
    const restPotential = f[5]
    const excitatoryReversal = f[6]
    const inhibitoryReversal = f[7]
    const thresholdBase = f[8]
    let crossed = 0
    let j = 0
    for (; j + 1 < size; j += 2) {
      const e0 = ge[j]
      const e1 = ge[j + 1]
      const i0 = gi[j]
      const i1 = gi[j + 1]
      const v0 = potential[j]
      const v1 = potential[j + 1]
      ge[j] = e0 * geDecay
      ge[j + 1] = e1 * geDecay
      gi[j] = i0 * giDecay
      gi[j + 1] = i1 * giDecay
      const th0 = theta[j] * thetaDecay
      const th1 = theta[j + 1] * thetaDecay
      theta[j] = th0
      theta[j + 1] = th1
      const next0 = v0 + leak * (restPotential - v0) + excitatoryDrive * e0 * (excitatoryReversal - v0) + inhibitoryDrive * i0 * (inhibitoryReversal - v0)
      const next1 = v1 + leak * (restPotential - v1) + excitatoryDrive * e1 * (excitatoryReversal - v1) + inhibitoryDrive * i1 * (inhibitoryReversal - v1)
      potential[j] = next0
      potential[j + 1] = next1
      if (next0 > th0 + thresholdBase) crossing[crossed++] = j
      if (next1 > th1 + thresholdBase) crossing[crossed++] = j + 1
    }
    if (j < size) {
      const e = ge[j]
      const i = gi[j]
      const v = potential[j]
      ge[j] = e * geDecay
      gi[j] = i * giDecay
      const th = theta[j] * thetaDecay
      theta[j] = th
      const next = v + leak * (restPotential - v) + excitatoryDrive * e * (excitatoryReversal - v) + inhibitoryDrive * i * (inhibitoryReversal - v)
      potential[j] = next
      if (next > th + thresholdBase) crossing[crossed++] = j
    }
    return crossed
  }

  /**
   * Drop the neurons whose refractory period is over by step `now` from refractoryList and keep
   * the v of the others in heldPotential (same order); returns how many are still refractory.
   */
  private holdRefractory(now: number): number {
    const { refractoryList, heldPotential, integratesFrom, potential } = this
    let kept = 0
    for (let k = 0; k < this.refractoryCount; k++) {
      const j = refractoryList[k]
      if (now >= integratesFrom[j]) continue
      refractoryList[kept] = j
      heldPotential[kept++] = potential[j]
    }
    this.refractoryCount = kept
    return kept
  }

  /** Set the conductances below FLUSH_CONDUCTANCE to 0 (see step). */
  private flushConductances(): void {
    const { ge, gi, size } = this
    for (let j = 0; j < size; j++) {
      if (Math.abs(ge[j]) < FLUSH_CONDUCTANCE) ge[j] = 0
      if (Math.abs(gi[j]) < FLUSH_CONDUCTANCE) gi[j] = 0
    }
  }

  /** As for the base class, against each neuron's threshold at the end of the stretch (θ may decay meanwhile). */
  override quietFor(steps: number): boolean {
    const { potential, ge, gi, theta, size, restPotential, thresholdBase } = this
    if (steps <= 0) return true
    if (!(this.leak < 1)) return false
    const shrink = this.adapting ? Math.pow(this.thetaDecay, steps) : 1
    for (let j = 0; j < size; j++) {
      const lowest = Math.min(theta[j], theta[j] * shrink) + thresholdBase
      if (ge[j] > QUIET_CONDUCTANCE || gi[j] > QUIET_CONDUCTANCE || !(potential[j] < lowest) || !(restPotential < lowest)) return false
    }
    return true
  }

  override advanceQuiet(now: number, steps: number): void {
    super.advanceQuiet(now, steps)
    if (!this.adapting) return
    const shrink = Math.pow(this.thetaDecay, steps)
    const theta = this.theta
    for (let j = 0; j < this.size; j++) theta[j] *= shrink
  }

  override stateArrays(): Record<string, Float64Array> {
    return { ...super.stateArrays(), theta: this.theta, timerStart: this.timerStart }
  }
}
