import type { Rng } from '../random'
import type { SpikeTrain } from './spikeTrain'

/** Frequency mapping of the seed model: potential → spikes per `periodNumerator` steps. */
export interface RateMapping {
  /** Potentials mapped linearly onto frequencies, clamped at both ends (numpy.interp). */
  interpXp: readonly [number, number]
  interpFp: readonly [number, number]
  /** A firing input fires every ceil(periodNumerator / f) steps. */
  periodNumerator: number
}

/** numpy.interp for two support points, same operation order (slope·(x − x0) + y0), clamped. */
export function interp2(x: number, xp: readonly [number, number], fp: readonly [number, number]): number {
  if (x <= xp[0]) return fp[0]
  if (x >= xp[1]) return fp[1]
  const slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
  return slope * (x - xp[0]) + fp[0]
}

/** The seed's firing frequency of an input with potential `pot` (0 when silent). */
export function inputFrequency(pot: number, mapping: RateMapping): number {
  return pot > 0 ? interp2(pot, mapping.interpXp, mapping.interpFp) : 0
}

/**
 * Deterministic rate code (the seed): an input with potential > 0 fires at steps p, 2p, … ≤ T,
 * p = ceil(periodNumerator / f). Writes into `out` (whose `steps` is T). `positive` (optional):
 * the first `positiveCount` entries list, ascending, every input with potential > 0
 * (ReceptiveField.applyListingPositive), so the others need not be visited.
 */
export function encodeDeterministicRate(
  potential: Float64Array,
  mapping: RateMapping,
  out: SpikeTrain,
  positive: Int32Array | null = null,
  positiveCount = potential.length
): void {
  // interp2 inlined with its constants hoisted: same operations, so the same doubles.
  const x0 = mapping.interpXp[0]
  const x1 = mapping.interpXp[1]
  const y0 = mapping.interpFp[0]
  const y1 = mapping.interpFp[1]
  const slope = (y1 - y0) / (x1 - x0)
  const numerator = mapping.periodNumerator
  out.beginRegular()
  for (let k = 0; k < positiveCount; k++) {
    const h = positive === null ? k : positive[k]
    const pot = potential[h]
    if (!(pot > 0)) continue
    const f = pot <= x0 ? y0 : pot >= x1 ? y1 : slope * (pot - x0) + y0
    out.addRegular(h, Math.ceil(numerator / f))
  }
  out.finishRegular()
}

/**
 * Seeded Bernoulli code: at every step an input fires with probability
 * min(1, rateScale · f / periodNumerator), so its expected count matches the deterministic code at
 * rateScale 1.
 */
export function encodeBernoulli(potential: Float64Array, mapping: RateMapping, rateScale: number, rng: Rng, out: SpikeTrain): void {
  const T = out.steps
  out.begin()
  for (let h = 0; h < potential.length; h++) {
    const f = inputFrequency(potential[h], mapping)
    if (f === 0) continue
    const p = Math.min(1, (rateScale * f) / mapping.periodNumerator)
    for (let t = 1; t <= T; t++) if (rng.nextFloat() < p) out.add(h, t)
  }
  out.finish()
}

/**
 * Seeded Poisson code: a Poisson process with rate λ = rateScale · f / periodNumerator events
 * per step, seen through a binary train: step t fires when the process has at least one event
 * in (t − 1, t], probability 1 − e^(−λ), independently per step. Drawn as geometric gaps between
 * firing steps (one draw per spike, not per step). At low rates the mean count is λ·T, like the
 * other codes; at high rates it saturates at one spike per step.
 */
export function encodePoisson(potential: Float64Array, mapping: RateMapping, rateScale: number, rng: Rng, out: SpikeTrain): void {
  const T = out.steps
  out.begin()
  for (let h = 0; h < potential.length; h++) {
    const f = inputFrequency(potential[h], mapping)
    const lambda = (rateScale * f) / mapping.periodNumerator
    if (!(lambda > 0)) continue
    // Gaps are geometric with success chance p = 1 − e^(−λ); since ln(1 − p) = −λ the gap is
    // 1 + floor(−ln(u) / λ) steps for u uniform in (0, 1].
    let t = 0
    for (;;) {
      t += 1 + Math.floor(-Math.log1p(-rng.nextFloat()) / lambda)
      if (t > T) break
      out.add(h, t)
    }
  }
  out.finish()
}
