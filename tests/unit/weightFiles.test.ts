/**
 * Weight files: every format round-trips a matrix exactly (npy <f4 within float32 rounding),
 * numbers keep full precision, and every malformed input is a WeightFileError that names the
 * source and says what was expected.
 */
import { describe, expect, it } from 'vitest'
import {
  encodeNpy,
  formatWeights,
  parseNpy,
  parseWeights,
  parseWeightsJson,
  parseWeightsText,
  weightFormatFromPath,
  WeightFileError,
  type WeightMatrix
} from '../../src/engine/io/weightFiles'

const matrix = (rows: number[][]): WeightMatrix => ({
  rows: rows.length,
  cols: rows[0]?.length ?? 0,
  data: Float64Array.from(rows.flat())
})

/** Values that are easy to lose: long decimals, tiny and huge magnitudes, negatives. */
const TRICKY = matrix([
  [0.1 + 0.2, 1e-300, -1.2, 2],
  [Number.MIN_VALUE, 1 / 3, -123456.789e10, 0],
  [Math.PI, -Number.EPSILON, 1.7976931348623157e308, 0.75]
])

const SMALL_INTS = matrix([
  [0, 1, -2],
  [2147483647, -2147483648, 42]
])

function expectSameMatrix(got: WeightMatrix, want: WeightMatrix) {
  expect({ rows: got.rows, cols: got.cols }).toEqual({ rows: want.rows, cols: want.cols })
  expect(got.data).toBeInstanceOf(Float64Array)
  // Object.is per element: bit-exact, and would tell -0 from 0.
  const mismatches = Array.from(want.data).flatMap((v, i) => (Object.is(got.data[i], v) ? [] : [{ i, want: v, got: got.data[i] }]))
  expect(mismatches).toEqual([])
}

/** Runs `fn`, expecting a WeightFileError, and returns its message. */
function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(WeightFileError)
    expect((e as Error).name).toBe('WeightFileError')
    return (e as Error).message
  }
  throw new Error('expected a WeightFileError, nothing was thrown')
}

const bytesOf = (text: string) => new TextEncoder().encode(text)

/** A hand-built .npy: magic, version, header (padded to 64 bytes) and raw data bytes. */
function npyBytes(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const lengthBytes = major === 1 ? 2 : 4
  const prefix = 8 + lengthBytes
  let h = header
  h += ' '.repeat((64 - ((prefix + h.length + 1) % 64)) % 64) + '\n'
  const out = new Uint8Array(prefix + h.length + data.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0])
  const view = new DataView(out.buffer)
  if (major === 1) view.setUint16(8, h.length, true)
  else view.setUint32(8, h.length, true)
  for (let i = 0; i < h.length; i++) out[prefix + i] = h.charCodeAt(i)
  out.set(data, prefix + h.length)
  return out
}

describe('round trips', () => {
  it('csv: one neuron per line, comma separated, full precision', () => {
    const text = formatWeights(TRICKY, 'csv')
    expect(text.split('\n')[0]).toBe('0.30000000000000004,1e-300,-1.2,2')
    expect(text.endsWith('\n')).toBe(true)
    expectSameMatrix(parseWeightsText(text, 'w.csv'), TRICKY)
    expectSameMatrix(parseWeights(bytesOf(text), 'csv', 'w.csv'), TRICKY)
  })

  it('txt: the seed layout, tab separated', () => {
    const text = formatWeights(TRICKY, 'txt')
    expect(text.split('\n')[0]).toBe('0.30000000000000004\t1e-300\t-1.2\t2')
    expect(text).not.toContain(',')
    expectSameMatrix(parseWeights(bytesOf(text), 'txt', 'weights.txt'), TRICKY)
  })

  it('json: an object with metadata, shape and weights; plain arrays of rows read too', () => {
    const text = formatWeights(TRICKY, 'json', { name: 'run-1', seed: 7, engineVersion: '0.1.0' })
    const parsed = JSON.parse(text)
    expect(parsed).toMatchObject({ name: 'run-1', seed: 7, engineVersion: '0.1.0', shape: [3, 4] })
    expect(parsed.weights).toHaveLength(3)
    expectSameMatrix(parseWeights(bytesOf(text), 'json', 'w.json'), TRICKY)
    expectSameMatrix(parseWeightsJson(JSON.stringify(parsed.weights), 'rows.json'), TRICKY)
  })

  it('json: metadata cannot overwrite shape or weights', () => {
    const text = formatWeights(SMALL_INTS, 'json', { shape: [9, 9], weights: 'no' })
    expect(JSON.parse(text).shape).toEqual([2, 3])
    expectSameMatrix(parseWeightsJson(text, 'w.json'), SMALL_INTS)
  })

  it('npy <f8 (the default): bit-exact, C order, data 64-byte aligned', () => {
    const bytes = encodeNpy(TRICKY)
    const headerLength = new DataView(bytes.buffer).getUint16(8, true)
    expect((10 + headerLength) % 64).toBe(0)
    expect(bytes.length).toBe(10 + headerLength + TRICKY.data.length * 8)
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength))
    expect(header).toContain("'descr': '<f8'")
    expect(header).toContain("'fortran_order': False")
    expect(header).toContain("'shape': (3, 4)")
    expect(header.endsWith('\n')).toBe(true)
    expectSameMatrix(parseNpy(bytes, 'w.npy'), TRICKY)
    expectSameMatrix(parseWeights(bytes, 'npy', 'w.npy'), TRICKY)
  })

  it('npy <f4: equal within float32 rounding (exactly Math.fround of each value)', () => {
    const finite = matrix([
      [0.1 + 0.2, 1e-30, -1.2, 2],
      [1 / 3, -123.456, 0, 65504.5]
    ])
    const got = parseNpy(encodeNpy(finite, '<f4'), 'w.npy')
    expect({ rows: got.rows, cols: got.cols }).toEqual({ rows: 2, cols: 4 })
    finite.data.forEach((v, i) => {
      expect(got.data[i]).toBe(Math.fround(v))
      expect(Math.abs(got.data[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -24)
    })
  })

  it('npy <i4: integers exact, including the int32 extremes', () => {
    const bytes = encodeNpy(SMALL_INTS, '<i4')
    expect(new TextDecoder('latin1').decode(bytes.subarray(10, 80))).toContain("'descr': '<i4'")
    expectSameMatrix(parseNpy(bytes, 'w.npy'), SMALL_INTS)
  })

  it('npy: the other little-endian dtypes and header versions 2 and 3 are read', () => {
    const i2 = new Uint8Array(new Int16Array([-1, 2, 300, -400]).buffer)
    expectSameMatrix(parseNpy(npyBytes("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }", i2), 'i2.npy'), matrix([[-1, 2], [300, -400]]))
    expectSameMatrix(parseNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }", Uint8Array.from([0, 128, 255])), 'u1.npy'), matrix([[0, 128, 255]]))
    expectSameMatrix(parseNpy(npyBytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2), }", Uint8Array.from([0xff, 0x7f])), 'i1.npy'), matrix([[-1, 127]]))
    const f8 = new Uint8Array(new Float64Array([0.5, -0.25]).buffer)
    for (const major of [2, 3]) {
      expectSameMatrix(parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", f8, major), `v${major}.npy`), matrix([[0.5, -0.25]]))
    }
  })

  it('a 0×0 .npy matrix and a 1×1 one round-trip', () => {
    expectSameMatrix(parseNpy(encodeNpy({ rows: 0, cols: 0, data: new Float64Array(0) }), 'empty.npy'), { rows: 0, cols: 0, data: new Float64Array(0) })
    expectSameMatrix(parseNpy(encodeNpy(matrix([[7.5]])), 'one.npy'), matrix([[7.5]]))
  })
})

describe('full precision and -0', () => {
  it('text formats write the shortest round-trip form of every double', () => {
    const values = [0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.12345679, -2.5e-7]
    const m = matrix([values])
    for (const format of ['csv', 'txt', 'json'] as const) {
      const parsed = parseWeights(bytesOf(formatWeights(m, format)), format, `w.${format}`)
      expectSameMatrix(parsed, m)
    }
    expect(formatWeights(m, 'csv')).toBe('0.30000000000000004,1e-300,5e-324,1.7976931348623157e+308,123456789.12345679,-2.5e-7\n')
  })

  it('documented: text and JSON write -0 as "0" (reads back as +0); .npy keeps -0; "-0" in a file reads as -0', () => {
    const m = matrix([[-0, 1]])
    expect(formatWeights(m, 'csv')).toBe('0,1\n')
    expect(formatWeights(m, 'txt')).toBe('0\t1\n')
    expect(JSON.parse(formatWeights(m, 'json')).weights).toEqual([[0, 1]])
    expect(Object.is(parseWeightsText(formatWeights(m, 'csv'), 'w.csv').data[0], 0)).toBe(true)
    expect(Object.is(parseNpy(encodeNpy(m), 'w.npy').data[0], -0)).toBe(true)
    expect(Object.is(parseWeightsText('-0,1\n', 'w.csv').data[0], -0)).toBe(true)
    expect(Object.is(parseWeightsJson('[[-0, 1]]', 'w.json').data[0], -0)).toBe(true)
    // Numerically the same weight either way: -0 === 0.
    expect(parseWeightsText(formatWeights(m, 'csv'), 'w.csv').data[0] === -0).toBe(true)
  })
})

describe('reading text leniently', () => {
  it('accepts CRLF, blank lines, # comments, spaces around commas, mixed tabs/spaces and a BOM', () => {
    const text = '\uFEFF# exported weights\r\n\r\n1, 2 ,3\r\n  4\t5   6  \r\n# end\r\n'
    expectSameMatrix(parseWeights(bytesOf(text), 'csv', 'w.csv'), matrix([[1, 2, 3], [4, 5, 6]]))
  })

  it('accepts exponent notation and leading signs', () => {
    expectSameMatrix(parseWeightsText('1e3,-2.5E-2,+3,.5\n', 'w.csv'), matrix([[1000, -0.025, 3, 0.5]]))
  })
})

describe('parse errors name the source and say what was expected', () => {
  it('ragged rows', () => {
    const message = errorOf(() => parseWeightsText('1,2,3\n4,5\n', 'ragged.csv'))
    expect(message).toBe('ragged.csv: row 2 has 2 values, row 1 has 3')
    expect(errorOf(() => parseWeightsJson('[[1, 2], [3]]', 'ragged.json'))).toBe('ragged.json: row 2 has 1 values, row 1 has 2')
  })

  it('a non-number cell, with its line number (counting blank and comment lines)', () => {
    expect(errorOf(() => parseWeightsText('# header\n1,2\n\n3,abc\n', 'bad.csv'))).toBe('bad.csv: line 4: "abc" is not a number')
    expect(errorOf(() => parseWeightsText('1\tNaN\n', 'bad.txt'))).toBe('bad.txt: line 1: "NaN" is not a number')
    expect(errorOf(() => parseWeightsText('1,Infinity\n', 'inf.csv'))).toBe('inf.csv: line 1: "Infinity" is not a number')
    // Long cells are cut to 30 characters in the message.
    expect(errorOf(() => parseWeightsText(`${'x'.repeat(100)}\n`, 'long.csv'))).toBe(`long.csv: line 1: "${'x'.repeat(30)}" is not a number`)
  })

  it('an empty cell is an error, not silently dropped', () => {
    expect(errorOf(() => parseWeightsText('1,,2\n3,,4\n', 'gap.csv'))).toBe('gap.csv: line 1: value 2 is empty (expected a number)')
    expect(errorOf(() => parseWeightsText('1,2\n3,4,\n', 'trailing.csv'))).toBe('trailing.csv: line 2: value 3 is empty (expected a number)')
    expect(errorOf(() => parseWeightsText(',1\n', 'leading.csv'))).toBe('leading.csv: line 1: value 1 is empty (expected a number)')
  })

  it('an empty file, or one with only blank lines and comments', () => {
    const expected = 'empty.csv: no weights found (expected neurons × inputs numbers)'
    expect(errorOf(() => parseWeights(new Uint8Array(0), 'csv', 'empty.csv'))).toBe(expected)
    expect(errorOf(() => parseWeightsText('\n  \n# nothing\n', 'empty.csv'))).toBe(expected)
    expect(errorOf(() => parseWeightsJson('[]', 'empty.json'))).toBe('empty.json: no weights found (expected neurons × inputs numbers)')
  })

  it('JSON that is invalid, not an array of rows of numbers, or holds non-finite values', () => {
    expect(errorOf(() => parseWeightsJson('[[1, 2]', 'broken.json'))).toMatch(/^broken\.json: not valid JSON \(.+\)$/)
    const notRows = 'w.json: expected a JSON array of rows of numbers, or {"weights": [[...], ...]}'
    expect(errorOf(() => parseWeightsJson('{"a": 1}', 'w.json'))).toBe(notRows)
    expect(errorOf(() => parseWeightsJson('42', 'w.json'))).toBe(notRows)
    expect(errorOf(() => parseWeightsJson('null', 'w.json'))).toBe(notRows)
    expect(errorOf(() => parseWeightsJson('[1, 2, 3]', 'w.json'))).toBe(notRows)
    expect(errorOf(() => parseWeightsJson('[[1, "2"]]', 'w.json'))).toBe(notRows)
    expect(errorOf(() => parseWeightsJson('{"weights": [[1, null]]}', 'w.json'))).toBe(notRows)
  })

  it('npy: bad magic', () => {
    const expected = 'w.npy: not a .npy file (missing \\x93NUMPY magic)'
    expect(errorOf(() => parseNpy(bytesOf('1,2,3\n4,5,6\n'), 'w.npy'))).toBe(expected)
    expect(errorOf(() => parseNpy(new Uint8Array(0), 'w.npy'))).toBe(expected)
    expect(errorOf(() => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50]), 'w.npy'))).toBe(expected)
  })

  it('npy: truncated header or data', () => {
    const full = encodeNpy(matrix([[1, 2, 3], [4, 5, 6]]))
    expect(errorOf(() => parseNpy(full.subarray(0, 40), 'cut.npy'))).toBe('cut.npy: truncated .npy header')
    expect(errorOf(() => parseNpy(full.subarray(0, full.length - 1), 'cut.npy'))).toBe(
      'cut.npy: truncated: 2×3 <f8 needs 48 bytes of data, file has 47'
    )
    const dataStart = 10 + new DataView(full.buffer).getUint16(8, true)
    expect(errorOf(() => parseNpy(full.subarray(0, dataStart), 'cut.npy'))).toBe('cut.npy: truncated: 2×3 <f8 needs 48 bytes of data, file has 0')
    // Version 2 has a 4-byte header length: a file that stops inside it is truncated, not a crash.
    expect(errorOf(() => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 5, 0]), 'v2.npy'))).toBe('v2.npy: truncated .npy header')
  })

  it('npy: unsupported format version', () => {
    const bytes = encodeNpy(matrix([[1]]))
    bytes[6] = 9
    expect(errorOf(() => parseNpy(bytes, 'v9.npy'))).toBe('v9.npy: .npy format version 9 is not supported (expected 1, 2 or 3)')
  })

  it('npy: not 2-D', () => {
    const f8 = new Uint8Array(new Float64Array(8).buffer)
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", f8), '3d.npy'))).toBe(
      '3d.npy: expected a 2-D array (neurons × inputs), got shape (2, 2, 2)'
    )
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (8,), }", f8), '1d.npy'))).toBe(
      '1d.npy: expected a 2-D array (neurons × inputs), got shape (8)'
    )
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f8), '0d.npy'))).toBe(
      '0d.npy: expected a 2-D array (neurons × inputs), got shape ()'
    )
  })

  it('npy: a shape that is not two integers', () => {
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (n, 2), }"), 'w.npy'))).toBe(
      'w.npy: unreadable .npy shape (n, 2); expected two non-negative integers'
    )
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 2), }"), 'w.npy'))).toBe(
      'w.npy: unreadable .npy shape (-1, 2); expected two non-negative integers'
    )
  })

  it('npy: Fortran order', () => {
    const f8 = new Uint8Array(new Float64Array(4).buffer)
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", f8), 'f.npy'))).toBe(
      'f.npy: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray'
    )
  })

  it('npy: unsupported dtype (big endian, complex, object)', () => {
    const f8 = new Uint8Array(new Float64Array(4).buffer)
    for (const descr of ['>f8', '<c16', '|O', '<f2', '<u4']) {
      const message = errorOf(() => parseNpy(npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 2), }`, f8), 'd.npy'))
      expect(message).toBe(`d.npy: dtype ${descr} is not supported (expected one of <f8 <f4 <i4 <i2 |i1 |u1)`)
    }
  })

  it('npy: a header without descr, fortran_order or shape', () => {
    expect(errorOf(() => parseNpy(npyBytes("{'fortran_order': False, 'shape': (2, 2), }"), 'h.npy'))).toBe('h.npy: unreadable .npy header')
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'shape': (2, 2), }"), 'h.npy'))).toBe('h.npy: unreadable .npy header')
    expect(errorOf(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False}"), 'h.npy'))).toBe('h.npy: unreadable .npy header')
  })

  it('parseWeights dispatches on the format, so a .npy read as csv fails as text', () => {
    const npy = encodeNpy(matrix([[1, 2]]))
    expect(errorOf(() => parseWeights(npy, 'csv', 'w.csv'))).toMatch(/^w\.csv: line 1: ".*" is not a number$/)
    expect(errorOf(() => parseWeights(bytesOf('1,2\n'), 'npy', 'w.npy'))).toBe('w.npy: not a .npy file (missing \\x93NUMPY magic)')
  })
})

describe('weightFormatFromPath', () => {
  it('maps the four extensions, case-insensitively, from the last dot', () => {
    expect(weightFormatFromPath('w.csv')).toBe('csv')
    expect(weightFormatFromPath('runs/a.b/weights.json')).toBe('json')
    expect(weightFormatFromPath('/abs/path/W.NPY')).toBe('npy')
    expect(weightFormatFromPath('weights.Txt')).toBe('txt')
    expect(weightFormatFromPath('weights.npy.csv')).toBe('csv')
  })

  it('returns null for anything else', () => {
    expect(weightFormatFromPath('w.bin')).toBeNull()
    expect(weightFormatFromPath('w.csv.gz')).toBeNull()
    expect(weightFormatFromPath('w.npz')).toBeNull()
    expect(weightFormatFromPath('weights')).toBeNull()
    expect(weightFormatFromPath('')).toBeNull()
  })

  it('documented: a file named exactly like an extension counts as that format', () => {
    expect(weightFormatFromPath('csv')).toBe('csv')
  })
})
