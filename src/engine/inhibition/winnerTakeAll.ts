import type { NeuronGroup } from '../neurons/types'

/**
 * Lateral inhibition, once per sample: at the first step where some neuron's last integrated
 * potential is strictly above the threshold, the first such maximum wins and (when `suppress`)
 * every other neuron's potential is set to `inhibitPotential`. With suppress off ("none") the
 * winner is still detected, because silent-input depression and the records need it.
 */
export class WinnerTakeAll {
  winner = -1
  winnerStep = -1

  constructor(
    private readonly suppress: boolean,
    private readonly inhibitPotential: number
  ) {}

  resetForSample(): void {
    this.winner = -1
    this.winnerStep = -1
  }

  apply(t: number, neurons: NeuronGroup, threshold: number): void {
    if (this.winner >= 0) return
    const active = neurons.lastIntegrated
    let best = 0
    for (let j = 1; j < neurons.size; j++) if (active[j] > active[best]) best = j
    if (!(active[best] > threshold)) return
    this.winner = best
    this.winnerStep = t
    if (!this.suppress) return
    const potential = neurons.potential
    for (let j = 0; j < neurons.size; j++) if (j !== best) potential[j] = this.inhibitPotential
  }
}
