/**
 * Correctly rounded exp for moderate arguments.
 *
 * V8's Math.exp is faithful but not always correctly rounded: for a few of the STDP window's
 * arguments it differs by one ulp from the C library the reference implementation used, and a
 * one-ulp difference in a learning-rate table changes trained weights. Evaluating the Taylor
 * series in double-double arithmetic (~106 bits) and rounding once gives the correctly rounded
 * value. Only used to build small tables once, never in a hot loop.
 */

/** Exact sum of two doubles as a (hi, lo) pair (Knuth's TwoSum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b
  const bb = s - a
  const err = a - (s - bb) + (b - bb)
  return [s, err]
}

const SPLITTER = 134217729 // 2^27 + 1

/** Exact product of two doubles as a (hi, lo) pair (Dekker's TwoProduct). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b
  let t = SPLITTER * a
  const ah = t - (t - a)
  const al = a - ah
  t = SPLITTER * b
  const bh = t - (t - b)
  const bl = b - bh
  const err = ah * bh - p + ah * bl + al * bh + al * bl
  return [p, err]
}

function ddAdd(ah: number, al: number, bh: number, bl: number): [number, number] {
  const [s, e] = twoSum(ah, bh)
  const [hi, lo] = twoSum(s, e + al + bl)
  return [hi, lo]
}

function ddMul(ah: number, al: number, bh: number, bl: number): [number, number] {
  const [p, e] = twoProd(ah, bh)
  const [hi, lo] = twoSum(p, e + ah * bl + al * bh)
  return [hi, lo]
}

function ddDivByInt(ah: number, al: number, n: number): [number, number] {
  const q = ah / n
  const [p, e] = twoProd(q, n)
  const r = (ah - p - e + al) / n
  return twoSum(q, r)
}

/** Correctly rounded e^x for |x| ≤ 8 (ample for STDP windows expressed in time constants). */
export function expCorrectlyRounded(x: number): number {
  if (!(Math.abs(x) <= 8)) throw new RangeError(`expCorrectlyRounded supports |x| ≤ 8, got ${x}`)
  // Halve the argument until small, sum the series, then square back: keeps terms few and exact.
  let halvings = 0
  let r = x
  while (Math.abs(r) > 0.125) {
    r /= 2
    halvings++
  }
  let sumHi = 1, sumLo = 0
  let termHi = 1, termLo = 0
  for (let n = 1; n < 40; n++) {
    ;[termHi, termLo] = ddMul(termHi, termLo, r, 0)
    ;[termHi, termLo] = ddDivByInt(termHi, termLo, n)
    ;[sumHi, sumLo] = ddAdd(sumHi, sumLo, termHi, termLo)
    if (Math.abs(termHi) < 1e-40) break
  }
  for (let i = 0; i < halvings; i++) [sumHi, sumLo] = ddMul(sumHi, sumLo, sumHi, sumLo)
  return sumHi + sumLo
}
