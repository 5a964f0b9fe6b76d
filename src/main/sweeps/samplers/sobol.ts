/**
 * Sobol quasi-random search: low-discrepancy points that fill the unit cube more evenly than
 * random ones (the first 2^m points put exactly one point in each of the 2^m equal slices of
 * every axis). Direction numbers: Joe & Kuo (2008), file new-joe-kuo-6.21201, dimensions 2..32
 * (dimension 1 is van der Corput), the table SciPy and Optuna use.
 *
 * Point i is computed directly from the Gray code of i (no running state), so trial i's point
 * depends only on the seed and i. Seeding: a random digital shift (XOR of each coordinate with a
 * seeded 32-bit word), which keeps the net's balance properties and makes sweeps with different
 * seeds explore different but equally even point sets.
 */
import { SOBOL_MAX_DIMENSIONS, type SweepParameter, type SweepPoint } from '../../../shared/sweep'
import { Rng } from '../../../engine/random'
import { pointFromUnit } from '../space'
import type { Sampler } from './types'

/** Joe–Kuo rows for dimensions 2..SOBOL_MAX_DIMENSIONS (32): degree s, coefficient a, initial m_1..m_s. */
const JOE_KUO: readonly (readonly number[])[] = [
  [1, 0, 1],
  [2, 1, 1, 3],
  [3, 1, 1, 3, 1],
  [3, 2, 1, 1, 1],
  [4, 1, 1, 1, 3, 3],
  [4, 4, 1, 3, 5, 13],
  [5, 2, 1, 1, 5, 5, 17],
  [5, 4, 1, 1, 5, 5, 5],
  [5, 7, 1, 1, 7, 11, 19],
  [5, 11, 1, 1, 5, 1, 1],
  [5, 13, 1, 1, 1, 3, 11],
  [5, 14, 1, 3, 5, 5, 31],
  [6, 1, 1, 3, 3, 9, 7, 49],
  [6, 13, 1, 1, 1, 15, 21, 21],
  [6, 16, 1, 3, 1, 13, 27, 49],
  [6, 19, 1, 1, 1, 15, 7, 5],
  [6, 22, 1, 3, 1, 15, 13, 25],
  [6, 25, 1, 1, 5, 5, 19, 61],
  [7, 1, 1, 3, 7, 11, 23, 15, 103],
  [7, 4, 1, 3, 7, 13, 13, 15, 69],
  [7, 7, 1, 1, 3, 13, 7, 35, 63],
  [7, 8, 1, 3, 5, 9, 1, 25, 53],
  [7, 14, 1, 3, 1, 13, 9, 35, 107],
  [7, 19, 1, 3, 1, 5, 27, 61, 31],
  [7, 21, 1, 1, 5, 11, 19, 41, 61],
  [7, 28, 1, 3, 5, 3, 3, 13, 69],
  [7, 31, 1, 1, 7, 13, 1, 19, 1],
  [7, 32, 1, 3, 7, 5, 13, 19, 59],
  [7, 37, 1, 1, 3, 9, 25, 29, 41],
  [7, 41, 1, 3, 5, 13, 23, 1, 55],
  [7, 42, 1, 3, 7, 3, 13, 59, 17]
]

const BITS = 32
const TWO_TO_32 = 0x1_0000_0000

/** Direction numbers of one dimension as 32-bit integers (v_k · 2^32). */
function directionNumbers(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS)
  if (dimension === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k)
    return v
  }
  const [s, a, ...m] = JOE_KUO[dimension - 1]
  for (let k = 0; k < Math.min(s, BITS); k++) v[k] = m[k] * 2 ** (BITS - 1 - k)
  for (let k = s; k < BITS; k++) {
    let value = v[k - s] ^ (v[k - s] >>> s)
    for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) value ^= v[k - j]
    v[k] = value >>> 0
  }
  return v
}

const directionCache: Uint32Array[] = []
function directions(dimension: number): Uint32Array {
  return (directionCache[dimension] ??= directionNumbers(dimension))
}

/** Coordinates of Sobol point `index` (unscrambled, Gray-code order as in SciPy) as 32-bit integers. */
export function sobolIntegers(index: number, dimensions: number): Uint32Array {
  if (dimensions > SOBOL_MAX_DIMENSIONS) throw new RangeError(`Sobol points have at most ${SOBOL_MAX_DIMENSIONS} dimensions, got ${dimensions}`)
  if (!(Number.isInteger(index) && index >= 0 && index < TWO_TO_32)) throw new RangeError(`Sobol index must be an integer in 0..2^32, got ${index}`)
  const gray = (index ^ (index >>> 1)) >>> 0
  const out = new Uint32Array(dimensions)
  for (let d = 0; d < dimensions; d++) {
    const v = directions(d)
    let x = 0
    for (let k = 0, g = gray; g !== 0; k++, g >>>= 1) if (g & 1) x ^= v[k]
    out[d] = x >>> 0
  }
  return out
}

/** Sobol point `index` in [0, 1)^dimensions (unscrambled). */
export function sobolPoint(index: number, dimensions: number): number[] {
  return Array.from(sobolIntegers(index, dimensions), (x) => x / TWO_TO_32)
}

export class SobolSampler implements Sampler {
  private readonly shifts: Uint32Array

  constructor(
    private readonly parameters: readonly SweepParameter[],
    seed: number
  ) {
    if (parameters.length > SOBOL_MAX_DIMENSIONS) {
      throw new RangeError(`sobol supports up to ${SOBOL_MAX_DIMENSIONS} parameters, the space has ${parameters.length}; use random or tpe`)
    }
    const rng = new Rng(seed).split('sobol')
    this.shifts = Uint32Array.from(parameters, () => rng.nextUint32())
  }

  propose(index: number): SweepPoint {
    const x = sobolIntegers(index, this.parameters.length)
    return pointFromUnit(this.parameters, Array.from(x, (xi, d) => ((xi ^ this.shifts[d]) >>> 0) / TWO_TO_32))
  }
}
