/**
 * Fixed-point quantization: the Q format's limits and parsing, each rounding mode on the cases
 * that tell them apart (−0.5 LSB, ties to even, negative halves), saturation on both sides with
 * the most negative word, per-neuron scaling that fills the range and records its factors, and a
 * report whose errors, counts and histogram add up.
 */
import { describe, expect, it } from 'vitest'
import {
  checkQFormat,
  dequantize,
  integerRange,
  parseQFormat,
  Q_PRESETS,
  quantizeConstant,
  quantizeMatrix,
  QuantizeError,
  roundToInteger,
  type Rounding
} from '../../src/engine/export/quantize'

const row = (values: number[]) => Float64Array.from(values)

describe('Q format', () => {
  it('parses I.F with or without the Q and rejects widths outside 2..32 bits', () => {
    expect(parseQFormat('12.12')).toEqual({ intBits: 12, fracBits: 12 })
    expect(parseQFormat('Q4.4')).toEqual({ intBits: 4, fracBits: 4 })
    expect(parseQFormat('q16.16')).toEqual(Q_PRESETS['Q16.16'])
    expect(parseQFormat('8.0')).toEqual({ intBits: 8, fracBits: 0 })
    expect(() => parseQFormat('17.16')).toThrow(/33-bit words; at most 32 bits/)
    expect(() => parseQFormat('1.0')).toThrow(/at least 2 bits/)
    expect(() => parseQFormat('0.8')).toThrow(/integer bits must be a whole number ≥ 1/)
    expect(() => parseQFormat('12')).toThrow(QuantizeError)
    expect(() => parseQFormat('a.b')).toThrow(/expected I.F/)
    expect(() => checkQFormat({ intBits: 4, fracBits: -1 })).toThrow(/fraction bits/)
  })

  it('gives the two’s complement range of a word', () => {
    expect(integerRange(8)).toEqual({ min: -128, max: 127 })
    expect(integerRange(24)).toEqual({ min: -8388608, max: 8388607 })
    expect(integerRange(32)).toEqual({ min: -2147483648, max: 2147483647 })
  })
})

describe('rounding', () => {
  const cases: [number, Record<Rounding, number>][] = [
    [-0.5, { 'nearest-even': 0, 'toward-zero': 0, floor: -1 }],
    [0.5, { 'nearest-even': 0, 'toward-zero': 0, floor: 0 }],
    [1.5, { 'nearest-even': 2, 'toward-zero': 1, floor: 1 }],
    [2.5, { 'nearest-even': 2, 'toward-zero': 2, floor: 2 }],
    [-1.5, { 'nearest-even': -2, 'toward-zero': -1, floor: -2 }],
    [-2.5, { 'nearest-even': -2, 'toward-zero': -2, floor: -3 }],
    [-2.4, { 'nearest-even': -2, 'toward-zero': -2, floor: -3 }],
    [2.6, { 'nearest-even': 3, 'toward-zero': 2, floor: 2 }],
    [-0.25, { 'nearest-even': 0, 'toward-zero': 0, floor: -1 }]
  ]
  for (const [x, want] of cases) {
    it(`rounds ${x} as nearest-even ${want['nearest-even']}, toward-zero ${want['toward-zero']}, floor ${want.floor}`, () => {
      for (const mode of Object.keys(want) as Rounding[]) expect(Object.is(roundToInteger(x, mode), want[mode]), `${mode}(${x})`).toBe(true)
    })
  }

  it('applies the mode to weights half an LSB below zero (Q4.4: −1/32)', () => {
    const minusHalfLsb = -0.5 / 16
    const words = (rounding: Rounding) => Array.from(quantizeMatrix(row([minusHalfLsb, 1.5 / 16, 2.5 / 16]), 1, 3, { q: Q_PRESETS['Q4.4'], rounding, scale: 'per-tensor' }).values)
    expect(words('nearest-even')).toEqual([0, 2, 2])
    expect(words('toward-zero')).toEqual([0, 1, 2])
    expect(words('floor')).toEqual([-1, 1, 2])
  })
})

describe('saturation', () => {
  it('clamps both sides to [−2^(W−1), 2^(W−1)−1] and keeps the most negative word', () => {
    const q = { intBits: 4, fracBits: 4 } // words −128..127, values −8..7.9375
    const m = quantizeMatrix(row([-8, -8.03, -100, 7.9375, 7.97, 100, 0]), 1, 7, { q, rounding: 'nearest-even', scale: 'per-tensor' })
    expect(Array.from(m.values)).toEqual([-128, -128, -128, 127, 127, 127, 0])
    // −8 is representable; −8.03·16 = −128.48 rounds to −128 with no clamp; −100 saturates.
    expect(m.report.saturatedLow).toBe(1)
    // 7.97·16 = 127.52 → 128 > 127 saturates, as does 100.
    expect(m.report.saturatedHigh).toBe(2)
    expect(m.report.saturated).toBe(3)
    expect(m.report.warnings[0]).toMatch(/^3 of 7 weights \(42\.9%\) saturated at the Q4\.4 limits \[-8, 7\.9375\]/)
  })

  it('holds the 32-bit extremes exactly', () => {
    const q = Q_PRESETS['Q16.16']
    const m = quantizeMatrix(row([-32768, 32767.9999847412109375, -1e9, 1e9]), 1, 4, { q, rounding: 'floor', scale: 'per-tensor' })
    expect(Array.from(m.values)).toEqual([-2147483648, 2147483647, -2147483648, 2147483647])
    expect(m.report.saturated).toBe(2)
  })

  it('rejects non-finite weights and bad options', () => {
    const q = Q_PRESETS['Q8.8']
    expect(() => quantizeMatrix(row([1, NaN]), 1, 2, { q, rounding: 'floor', scale: 'per-tensor' })).toThrow(/neuron 0, input 1 is NaN/)
    expect(() => quantizeMatrix(row([1]), 1, 2, { q, rounding: 'floor', scale: 'per-tensor' })).toThrow(/expected 1 × 2 = 2 weights/)
    expect(() => quantizeMatrix(row([1]), 1, 1, { q, rounding: 'up' as Rounding, scale: 'per-tensor' })).toThrow(/rounding "up"/)
  })
})

describe('quantizeMatrix', () => {
  it('per-tensor: words are w·2^F, errors at most half an LSB in nearest-even', () => {
    const weights = row(Array.from({ length: 200 }, (_, i) => Math.sin(i) * 1.9))
    const m = quantizeMatrix(weights, 10, 20, { q: Q_PRESETS['Q8.8'], rounding: 'nearest-even', scale: 'per-tensor' })
    expect(Array.from(m.scales)).toEqual(new Array(10).fill(1))
    expect(Array.from(m.lsb)).toEqual(new Array(10).fill(1 / 256))
    expect(m.report.maxAbsError).toBeLessThanOrEqual(0.5 / 256)
    const real = dequantize(m)
    let sum = 0
    for (let i = 0; i < 200; i++) sum += Math.abs(real[i] - weights[i])
    expect(m.report.meanAbsError).toBeCloseTo(sum / 200, 15)
    expect(m.report.histogram.counts.reduce((a, b) => a + b, 0)).toBe(200)
    expect(m.report.histogram.counts).toHaveLength(64)
    expect(m.report.histogram.representableMax).toBe(127 + 255 / 256)
    expect(m.report.rangeUsed).toBeCloseTo(1.9 / (127 + 255 / 256), 2)
  })

  it('per-neuron: each row’s largest |w| lands on the largest word and its factor is recorded', () => {
    const weights = row([0.5, -0.25, 0.125, 2, 1, -1, 0, 0, 0])
    const m = quantizeMatrix(weights, 3, 3, { q: Q_PRESETS['Q4.4'], rounding: 'nearest-even', scale: 'per-neuron' })
    expect(m.values[0]).toBe(127)
    expect(m.values[3]).toBe(127)
    expect(Array.from(m.values.subarray(6))).toEqual([0, 0, 0])
    expect(m.scales[0]).toBeCloseTo(7.9375 / 0.5, 12)
    expect(m.scales[1]).toBeCloseTo(7.9375 / 2, 12)
    expect(m.scales[2]).toBe(1) // an all-zero row is left alone
    expect(m.report.saturated).toBe(0)
    const real = dequantize(m)
    for (let i = 0; i < 9; i++) expect(Math.abs(real[i] - weights[i])).toBeLessThanOrEqual(m.lsb[Math.floor(i / 3)] / 2 + 1e-15)
  })

  it('counts weights that round to zero and warns', () => {
    const m = quantizeMatrix(row([0.01, -0.01, 0.5, 0]), 1, 4, { q: Q_PRESETS['Q4.4'], rounding: 'nearest-even', scale: 'per-tensor' })
    expect(m.report.flushedToZero).toBe(2)
    expect(m.report.warnings).toEqual([expect.stringMatching(/^2 of 4 non-zero weights .* became 0 at Q4\.4/)])
  })

  it('quantizes constants to nearest-even in a given unit and saturates them', () => {
    expect(quantizeConstant(0.75, 1 / 16, 8)).toEqual({ value: 12, saturated: false })
    expect(quantizeConstant(-500, 1 / 16, 8)).toEqual({ value: -128, saturated: true })
    expect(quantizeConstant(50, 1 / 4096, 32)).toEqual({ value: 204800, saturated: false })
  })
})
