import type { NeuronGroup } from './types'

export interface SeedLifParams {
  restPotential: number
  minPotential: number
  leak: number
  refractorySteps: number
}

/**
 * The seed model's leaky integrate-and-fire neuron in discrete time: integer steps, a constant
 * leak D subtracted while above rest, a refractory period, and a floor Pmin below which the
 * potential snaps back to rest (this also undoes the −500 inhibition in the same step, exactly as
 * the reference does).
 */
export class SeedLifNeurons implements NeuronGroup {
  readonly potential: Float64Array
  readonly lastIntegrated: Float64Array
  /** t_rest: the neuron integrates only at steps t > restUntil. */
  readonly restUntil: Int32Array
  // Parameters copied into own fields: config objects can have slow (dictionary) shapes. Public
  // (read-only) because Layer inlines integrate and fire for this model.
  readonly restPotential: number
  readonly minPotential: number
  readonly leak: number
  readonly refractorySteps: number

  constructor(
    readonly size: number,
    params: SeedLifParams
  ) {
    this.restPotential = params.restPotential
    this.minPotential = params.minPotential
    this.leak = params.leak
    this.refractorySteps = params.refractorySteps
    this.potential = new Float64Array(size)
    this.lastIntegrated = new Float64Array(size)
    this.restUntil = new Int32Array(size)
    this.resetForSample()
  }

  resetForSample(): void {
    this.potential.fill(this.restPotential)
    this.lastIntegrated.fill(this.restPotential)
    this.restUntil.fill(-1)
  }

  integrates(j: number, t: number): boolean {
    return this.restUntil[j] < t
  }

  integrate(t: number, drive: Float64Array): void {
    const { potential, lastIntegrated, restUntil } = this
    const { restPotential, leak } = this
    for (let j = 0; j < this.size; j++) {
      if (restUntil[j] >= t) continue
      let p = potential[j] + drive[j]
      if (p > restPotential) p -= leak
      potential[j] = p
      lastIntegrated[j] = p
    }
  }

  quietUntil(t: number, threshold: number): number {
    const { potential, restUntil, restPotential, minPotential } = this
    // Without input a potential at or below rest stays put, and no one fires while the
    // threshold is above rest; a neuron leaving its refractory period integrates (and so
    // updates its last integrated value) at restUntil + 1.
    if (!(threshold > restPotential)) return t
    let quiet = Number.MAX_SAFE_INTEGER
    for (let j = 0; j < this.size; j++) {
      const p = potential[j]
      if (p > restPotential || p < minPotential) return t
      const r = restUntil[j]
      if (r >= t && r < quiet) quiet = r
    }
    return quiet
  }

  fire(t: number, threshold: number, spiked: Int32Array): number {
    const { potential, restUntil } = this
    const { restPotential, minPotential, refractorySteps } = this
    let count = 0
    for (let j = 0; j < this.size; j++) {
      const p = potential[j]
      if (p >= threshold) {
        potential[j] = restPotential
        restUntil[j] = t + refractorySteps
        spiked[count++] = j
      } else if (p < minPotential) {
        potential[j] = restPotential
      }
    }
    return count
  }
}
