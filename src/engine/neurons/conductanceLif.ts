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

  constructor(
    readonly size: number,
    p: ConductanceLifParams
  ) {
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
    this.potential = new Float64Array(size)
    this.ge = new Float64Array(size)
    this.gi = new Float64Array(size)
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

  constructor(size: number, p: ConductanceLifParams, a: AdaptiveThresholdParams) {
    super(size, p)
    this.thetaDecay = Math.exp(-p.dt / a.tauTheta)
    this.thetaPlus = a.thetaPlus
    this.thetaInitial = a.thetaInitial
    this.thresholdBase = p.threshold - a.thetaOffset
    // The smallest k with k·timerRate·dt > refractory; the tolerance keeps 100.000…01 at 100.
    this.timerSteps = a.timerRate > 0 ? Math.floor(p.refractory / (a.timerRate * p.dt) + 1e-9) + 1 : 0
    this.theta = new Float64Array(size)
    this.timerStart = new Float64Array(size)
    this.resetState()
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

  /** The firing threshold of neuron j, mV. */
  thresholdOf(j: number): number {
    return this.theta[j] + this.thresholdBase
  }

  override step(now: number, spiked: Int32Array): number {
    const { potential, ge, gi, integratesFrom, theta, timerStart, size, adapting } = this
    const { leak, excitatoryDrive, inhibitoryDrive, geDecay, giDecay, restPotential, excitatoryReversal, inhibitoryReversal } = this
    const { thresholdBase, resetPotential, refractorySteps, timerSteps, thetaPlus } = this
    const thetaDecay = adapting ? this.thetaDecay : 1
    let fired = 0
    for (let j = 0; j < size; j++) {
      const e = ge[j]
      const i = gi[j]
      let decayedE = e * geDecay
      let decayedI = i * giDecay
      if (decayedE < FLUSH_CONDUCTANCE && decayedE > -FLUSH_CONDUCTANCE) decayedE = 0
      if (decayedI < FLUSH_CONDUCTANCE && decayedI > -FLUSH_CONDUCTANCE) decayedI = 0
      ge[j] = decayedE
      gi[j] = decayedI
      const th = adapting ? theta[j] * thetaDecay : theta[j]
      theta[j] = th
      if (now < integratesFrom[j]) continue
      const v = potential[j]
      const next = v + leak * (restPotential - v) + excitatoryDrive * e * (excitatoryReversal - v) + inhibitoryDrive * i * (inhibitoryReversal - v)
      if (next > th + thresholdBase && now - timerStart[j] >= timerSteps) {
        potential[j] = resetPotential
        integratesFrom[j] = now + refractorySteps
        timerStart[j] = now
        if (adapting) theta[j] = th + thetaPlus
        spiked[fired++] = j
      } else {
        potential[j] = next
      }
    }
    return fired
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
