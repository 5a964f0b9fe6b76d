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
  private readonly restUntil: Int32Array

  constructor(
    readonly size: number,
    private readonly params: SeedLifParams
  ) {
    this.potential = new Float64Array(size)
    this.lastIntegrated = new Float64Array(size)
    this.restUntil = new Int32Array(size)
    this.resetForSample()
  }

  resetForSample(): void {
    this.potential.fill(this.params.restPotential)
    this.lastIntegrated.fill(this.params.restPotential)
    this.restUntil.fill(-1)
  }

  integrates(j: number, t: number): boolean {
    return this.restUntil[j] < t
  }

  integrate(t: number, drive: Float64Array): void {
    const { potential, lastIntegrated, restUntil } = this
    const { restPotential, leak } = this.params
    for (let j = 0; j < this.size; j++) {
      if (restUntil[j] >= t) continue
      let p = potential[j] + drive[j]
      if (p > restPotential) p -= leak
      potential[j] = p
      lastIntegrated[j] = p
    }
  }

  fire(t: number, threshold: number, spiked: Int32Array): number {
    const { potential, restUntil } = this
    const { restPotential, minPotential, refractorySteps } = this.params
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
