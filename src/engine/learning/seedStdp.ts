import type { SpikeTrain } from '../encoders/spikeTrain'
import { expCorrectlyRounded } from './exactMath'
import { RecentTables } from '../recentTables'

export interface SeedStdpParams {
  softBound: 'seed' | 'standard'
  aPlus: number
  aMinus: number
  tauPlus: number
  tauMinus: number
  windowBefore: number
  windowAfter: number
  rate: number
  wMax: number
  wMin: number
  silentDepression: number
  scale: number
}

/** The seed's learning window rl(t1) for offsets t1 = −windowBefore … windowAfter (index t1 + windowBefore). */
export function seedStdpWindow(p: SeedStdpParams): Float64Array {
  const table = new Float64Array(p.windowBefore + p.windowAfter + 1)
  for (let t1 = -p.windowBefore; t1 <= p.windowAfter; t1++) {
    table[t1 + p.windowBefore] = t1 > 0 ? -p.aPlus * expCorrectlyRounded(-t1 / p.tauPlus) : p.aMinus * expCorrectlyRounded(t1 / p.tauMinus)
  }
  return table
}

/** seedStdpWindow's tables, shared (read only) by rules with the same window parameters (see RecentTables). */
const recentWindows = new RecentTables<Float64Array>(4)

function sharedWindow(p: SeedStdpParams): Float64Array {
  return recentWindows.get([p.aPlus, p.aMinus, p.tauPlus, p.tauMinus, p.windowBefore, p.windowAfter], () => seedStdpWindow(p))
}

/**
 * The seed STDP rule. On an output spike of neuron j at step t, every input spike at offset
 * t1 ∈ [−windowBefore, −2] ∪ [2, windowAfter] from t changes w[j][h] by the soft-bounded update,
 * per input in the reference's order (past offsets nearest first, then future offsets nearest
 * first). Future offsets are visible because the whole train is encoded before simulation.
 * After a sample with a winner, the winner's weights from inputs that never fired are depressed.
 */
export class SeedStdp {
  /** Shared with other rules of the same window (sharedWindow): never written. */
  private readonly window: Float64Array
  /** |w_min| for the seed bound, w_min for the standard one. */
  private readonly depressionAnchor: number
  private readonly silentStep: number
  // Parameters copied into own fields: config objects can have slow (dictionary) shapes.
  private readonly windowBefore: number
  private readonly windowAfter: number
  private readonly rate: number
  private readonly wMax: number
  private readonly wMin: number
  private readonly scale: number

  constructor(p: SeedStdpParams) {
    this.windowBefore = p.windowBefore
    this.windowAfter = p.windowAfter
    this.rate = p.rate
    this.wMax = p.wMax
    this.wMin = p.wMin
    this.scale = p.scale
    this.window = sharedWindow(p)
    this.depressionAnchor = p.softBound === 'seed' ? Math.abs(p.wMin) : p.wMin
    this.silentStep = p.silentDepression * p.scale
  }

  /**
   * Apply the window to neuron j's weights for an output spike at step t. `weights` is
   * input-major: w[j][h] at h·neurons + j.
   * Walks the input spikes by step: past steps nearest first, then future steps nearest first.
   * Different inputs touch different weights, so only each input's own order matters, and
   * that is the reference's order; the cost is the number of input spikes inside the window.
   */
  onPostSpike(weights: Float64Array, neurons: number, j: number, t: number, train: SpikeTrain): void {
    const { window, depressionAnchor } = this
    const { windowBefore, windowAfter, rate, wMax, scale } = this
    const { stepStart, stepInputs, steps } = train
    const earliest = Math.max(0, t - windowBefore)
    const latest = Math.min(steps, t + windowAfter)
    for (let s = t - 2; s >= earliest; s--) {
      const d = window[s - t + windowBefore]
      const toward = d < 0 ? depressionAnchor : wMax
      for (let k = stepStart[s], end = stepStart[s + 1]; k < end; k++) {
        const i = stepInputs[k] * neurons + j
        const w = weights[i]
        weights[i] = d < 0 ? w + rate * d * (w - toward) * scale : w + rate * d * (toward - w) * scale
      }
    }
    for (let s = t + 2; s <= latest; s++) {
      const d = window[s - t + windowBefore]
      const toward = d < 0 ? depressionAnchor : wMax
      for (let k = stepStart[s], end = stepStart[s + 1]; k < end; k++) {
        const i = stepInputs[k] * neurons + j
        const w = weights[i]
        weights[i] = d < 0 ? w + rate * d * (w - toward) * scale : w + rate * d * (toward - w) * scale
      }
    }
  }

  /** Silent-input depression of the winner's weights (input-major layout), floored at w_min. */
  afterSample(weights: Float64Array, neurons: number, winner: number, train: SpikeTrain): void {
    // The silent inputs are the gaps between the (ascending) firing ones: walking those gaps
    // needs no silent-input list, which a regular train would otherwise have to build.
    const { firingInputs, firingCount, inputs } = train
    const { wMin } = this
    const step = this.silentStep
    let from = 0
    for (let f = 0; f <= firingCount; f++) {
      const to = f < firingCount ? firingInputs[f] : inputs
      for (let i = from * neurons + winner, end = to * neurons; i < end; i += neurons) {
        let w = weights[i] - step
        if (w < wMin) w = wMin
        weights[i] = w
      }
      from = to + 1
    }
  }
}
