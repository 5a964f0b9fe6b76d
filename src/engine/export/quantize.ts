/**
 * Signed fixed-point quantization of weight matrices for hardware export. Pure: typed arrays in,
 * typed arrays and a report out.
 *
 * Q(I.F): a word of W = I + F bits in two's complement, I integer bits (sign included) and F
 * fraction bits; the integer q stands for q / 2^F and lies in [−2^(W−1), 2^(W−1) − 1].
 *
 * Scale 'per-tensor' quantizes the raw weights (q ≈ w · 2^F). 'per-neuron' first multiplies each
 * neuron's row by its own factor so that the row's largest |w| lands on the largest word, then
 * quantizes (q ≈ w · scale_j · 2^F); the factors are recorded, since the hardware must scale that
 * neuron's potential, threshold and leak the same way (see fixedPointInference.ts).
 */

export type Rounding = 'nearest-even' | 'toward-zero' | 'floor'
export type ScaleMode = 'per-tensor' | 'per-neuron'

export const ROUNDINGS: readonly Rounding[] = ['nearest-even', 'toward-zero', 'floor']
export const SCALE_MODES: readonly ScaleMode[] = ['per-tensor', 'per-neuron']

export interface QFormat {
  /** Integer bits, the sign bit included (≥ 1). */
  intBits: number
  /** Fraction bits (≥ 0). */
  fracBits: number
}

/** Common word sizes; Q12.12 is the seed model's hardware. */
export const Q_PRESETS = {
  'Q4.4': { intBits: 4, fracBits: 4 },
  'Q8.8': { intBits: 8, fracBits: 8 },
  'Q12.12': { intBits: 12, fracBits: 12 },
  'Q16.16': { intBits: 16, fracBits: 16 }
} as const satisfies Record<string, QFormat>

export const MIN_WORD_BITS = 2
/** Words travel in Int32Array, so 32 bits at most. */
export const MAX_WORD_BITS = 32

export class QuantizeError extends Error {
  override name = 'QuantizeError'
}

export function wordBits(q: QFormat): number {
  return q.intBits + q.fracBits
}

export function formatQ(q: QFormat): string {
  return `Q${q.intBits}.${q.fracBits}`
}

/** Throws a QuantizeError saying what is wrong with `q`. */
export function checkQFormat(q: QFormat): void {
  const { intBits, fracBits } = q
  if (!Number.isInteger(intBits) || intBits < 1) throw new QuantizeError(`Q format: integer bits must be a whole number ≥ 1 (the sign bit), got ${intBits}`)
  if (!Number.isInteger(fracBits) || fracBits < 0) throw new QuantizeError(`Q format: fraction bits must be a whole number ≥ 0, got ${fracBits}`)
  const bits = intBits + fracBits
  if (bits > MAX_WORD_BITS) throw new QuantizeError(`Q${intBits}.${fracBits}: ${bits}-bit words; at most ${MAX_WORD_BITS} bits (I + F ≤ ${MAX_WORD_BITS})`)
  if (bits < MIN_WORD_BITS) throw new QuantizeError(`Q${intBits}.${fracBits}: ${bits}-bit words; at least ${MIN_WORD_BITS} bits (I + F ≥ ${MIN_WORD_BITS})`)
}

/** "12.12", "Q12.12" or "q12.12" → { intBits: 12, fracBits: 12 }, checked. */
export function parseQFormat(text: string): QFormat {
  const match = /^[Qq]?(\d{1,3})\.(\d{1,3})$/.exec(text.trim())
  if (!match) throw new QuantizeError(`Q format "${text}": expected I.F, e.g. 12.12 (I integer bits with the sign, F fraction bits)`)
  const q = { intBits: Number(match[1]), fracBits: Number(match[2]) }
  checkQFormat(q)
  return q
}

/** The integers a signed word of `bits` bits holds: [−2^(bits−1), 2^(bits−1) − 1]. */
export function integerRange(bits: number): { min: number; max: number } {
  const half = 2 ** (bits - 1)
  return { min: -half, max: half - 1 }
}

/** x rounded to an integer. Nearest-even: halves go to the even neighbour (2.5 → 2, −0.5 → 0). */
export function roundToInteger(x: number, rounding: Rounding): number {
  if (rounding === 'floor') return Math.floor(x)
  if (rounding === 'toward-zero') return Math.trunc(x) + 0 // + 0 turns −0 into 0
  const down = Math.floor(x)
  const above = x - down // exact: x and down are within a factor of two of each other
  if (above > 0.5) return down + 1
  if (above < 0.5) return down
  return down % 2 === 0 ? down : down + 1
}

/** Clamp `value` into [min, max]. */
export function saturate(value: number, min: number, max: number): number {
  return value > max ? max : value < min ? min : value
}

/**
 * A constant (threshold, leak, …) in units of `lsb`, rounded to nearest (ties to even) whatever
 * the weights' rounding mode, and saturated to a `bits`-bit word.
 */
export function quantizeConstant(value: number, lsb: number, bits: number): { value: number; saturated: boolean } {
  const { min, max } = integerRange(bits)
  const q = roundToInteger(value / lsb, 'nearest-even')
  const clamped = saturate(q, min, max)
  return { value: clamped, saturated: clamped !== q }
}

export interface QuantizeOptions {
  q: QFormat
  rounding: Rounding
  scale: ScaleMode
  /**
   * Out-of-range words clamp to the range's ends (true, default) or wrap around as a plain
   * two's complement truncation to W bits would (false; what hardware without saturation does).
   */
  saturate?: boolean
  /** Histogram bins (default 64). */
  bins?: number
}

export interface WeightHistogram {
  /** Bin edges span [min, max] of the (per-neuron scaled) weights, in units of the Q format's value. */
  min: number
  max: number
  counts: number[]
  /** What a word can hold in the same units: [−2^(I−1), 2^(I−1) − 2^−F]. */
  representableMin: number
  representableMax: number
}

export interface QuantizationReport {
  count: number
  /** |w − dequantized w| over all weights, in the weights' own units. */
  maxAbsError: number
  meanAbsError: number
  /** Weights beyond the word range (below its minimum, above its maximum): clamped, or wrapped without saturation. */
  saturated: number
  saturatedLow: number
  saturatedHigh: number
  /** The same, per neuron (row). */
  saturatedByNeuron: number[]
  /** Non-zero weights that became 0. */
  flushedToZero: number
  /** Largest |scaled w| as a share of the largest word value (above 1: saturation). */
  rangeUsed: number
  histogram: WeightHistogram
  /** For people: saturation and lost weights, with counts. */
  warnings: string[]
}

export interface QuantizedMatrix {
  q: QFormat
  rounding: Rounding
  scale: ScaleMode
  /** false: out-of-range words wrapped around instead of clamping. */
  saturate: boolean
  /** Neurons. */
  rows: number
  /** Inputs. */
  cols: number
  /** rows × cols words, neuron-major (w[j][h] at j·cols + h). */
  values: Int32Array
  /** Per neuron: the factor its row was multiplied by before quantization (all 1 per-tensor). */
  scales: Float64Array
  /** Per neuron: the real value of one integer step, 2^−F / scales[j]. */
  lsb: Float64Array
  report: QuantizationReport
}

/** Quantize a neurons × inputs matrix (neuron-major). Throws QuantizeError for a bad format or non-finite weights. */
export function quantizeMatrix(weights: ArrayLike<number>, rows: number, cols: number, options: QuantizeOptions): QuantizedMatrix {
  const { q, rounding, scale } = options
  const saturating = options.saturate ?? true
  checkQFormat(q)
  if (!ROUNDINGS.includes(rounding)) throw new QuantizeError(`rounding "${String(rounding)}": expected one of ${ROUNDINGS.join(', ')}`)
  if (!SCALE_MODES.includes(scale)) throw new QuantizeError(`scale "${String(scale)}": expected one of ${SCALE_MODES.join(', ')}`)
  if (weights.length !== rows * cols) throw new QuantizeError(`expected ${rows} × ${cols} = ${rows * cols} weights, got ${weights.length}`)
  const bits = wordBits(q)
  const { min, max } = integerRange(bits)
  const one = 2 ** q.fracBits
  const largestValue = max / one

  const scales = new Float64Array(rows).fill(1)
  const lsb = new Float64Array(rows)
  for (let j = 0; j < rows; j++) {
    let largest = 0
    for (let h = 0; h < cols; h++) {
      const w = weights[j * cols + h]
      if (!Number.isFinite(w)) throw new QuantizeError(`weight of neuron ${j}, input ${h} is ${w}; expected a finite number`)
      const magnitude = Math.abs(w)
      if (magnitude > largest) largest = magnitude
    }
    // An all-zero row keeps factor 1: there is nothing to stretch.
    if (scale === 'per-neuron' && largest > 0) scales[j] = largestValue / largest
    lsb[j] = 1 / (one * scales[j])
  }

  const values = new Int32Array(rows * cols)
  let saturatedLow = 0
  let saturatedHigh = 0
  const saturatedByNeuron = new Array<number>(rows).fill(0)
  let flushedToZero = 0
  let errorSum = 0
  let maxAbsError = 0
  let scaledMin = Infinity
  let scaledMax = -Infinity
  for (let j = 0; j < rows; j++) {
    const factor = scales[j] * one
    for (let h = 0; h < cols; h++) {
      const i = j * cols + h
      const w = weights[i]
      const word = roundToInteger(w * factor, rounding)
      let stored = word
      if (word > max || word < min) {
        if (word > max) saturatedHigh++
        else saturatedLow++
        saturatedByNeuron[j]++
        stored = saturating ? (word > max ? max : min) : wrapToWord(word, bits)
      }
      values[i] = stored
      if (stored === 0 && w !== 0) flushedToZero++
      const error = Math.abs(w - stored * lsb[j])
      errorSum += error
      if (error > maxAbsError) maxAbsError = error
      const scaled = w * scales[j]
      if (scaled < scaledMin) scaledMin = scaled
      if (scaled > scaledMax) scaledMax = scaled
    }
  }

  const count = rows * cols
  const representableMin = min / one
  const representableMax = largestValue
  const histogram = histogramOf(weights, rows, cols, scales, options.bins ?? 64, count === 0 ? 0 : scaledMin, count === 0 ? 0 : scaledMax)
  const saturated = saturatedLow + saturatedHigh
  const largestScaled = Math.max(Math.abs(histogram.min), Math.abs(histogram.max))
  const report: QuantizationReport = {
    count,
    maxAbsError,
    meanAbsError: count === 0 ? 0 : errorSum / count,
    saturated,
    saturatedLow,
    saturatedHigh,
    saturatedByNeuron,
    flushedToZero,
    rangeUsed: largestScaled / representableMax,
    histogram: { ...histogram, representableMin, representableMax },
    warnings: []
  }
  const label = formatQ(q)
  if (saturated > 0 && !saturating) {
    report.warnings.push(
      `${saturated} of ${count} weights (${percent(saturated, count)}) overflowed the ${label} range [${representableMin}, ${representableMax}]` +
        ` and wrapped around (${saturatedLow} below, ${saturatedHigh} above); turn saturation on, or use more integer bits or per-neuron scaling`
    )
  } else if (saturated > 0) {
    report.warnings.push(
      `${saturated} of ${count} weights (${percent(saturated, count)}) saturated at the ${label} limits [${representableMin}, ${representableMax}]` +
        ` (${saturatedLow} below, ${saturatedHigh} above); use more integer bits or per-neuron scaling`
    )
  }
  if (flushedToZero > 0) {
    report.warnings.push(`${flushedToZero} of ${count} non-zero weights (${percent(flushedToZero, count)}) became 0 at ${label}; use more fraction bits`)
  }
  return { q, rounding, scale, saturate: saturating, rows, cols, values, scales, lsb, report }
}

/** The signed `bits`-bit word whose two's complement pattern holds the low bits of `word`. */
function wrapToWord(word: number, bits: number): number {
  const modulus = 2 ** bits
  const low = ((word % modulus) + modulus) % modulus
  return low >= modulus / 2 ? low - modulus : low
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`
}

function histogramOf(
  weights: ArrayLike<number>,
  rows: number,
  cols: number,
  scales: Float64Array,
  bins: number,
  low: number,
  high: number
): Pick<WeightHistogram, 'min' | 'max' | 'counts'> {
  const counts = new Array<number>(bins).fill(0)
  const width = (high - low) / bins
  for (let j = 0; j < rows; j++) {
    for (let h = 0; h < cols; h++) {
      const scaled = weights[j * cols + h] * scales[j]
      // All equal (width 0) land in the first bin; the top edge belongs to the last bin.
      const bin = width > 0 ? Math.min(bins - 1, Math.floor((scaled - low) / width)) : 0
      counts[bin]++
    }
  }
  return { min: low, max: high, counts }
}

/** The real weights the words stand for (word × lsb of its neuron), neuron-major. */
export function dequantize(matrix: QuantizedMatrix, out: Float64Array = new Float64Array(matrix.values.length)): Float64Array {
  const { rows, cols, values, lsb } = matrix
  for (let j = 0; j < rows; j++) for (let h = 0; h < cols; h++) out[j * cols + h] = values[j * cols + h] * lsb[j]
  return out
}
