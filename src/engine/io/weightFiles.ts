/**
 * Reading and writing weight matrices (neurons × inputs) as CSV, JSON, NumPy .npy and the seed's
 * weights.txt layout (one neuron per line, tab separated). Pure: bytes and strings in and out;
 * callers do the file I/O. Every parse error names the source and says what was expected.
 */

export interface WeightMatrix {
  rows: number
  cols: number
  /** rows × cols, row-major. */
  data: Float64Array
}

export class WeightFileError extends Error {
  override name = 'WeightFileError'
}

export type WeightFormat = 'csv' | 'json' | 'npy' | 'txt'

export function weightFormatFromPath(path: string): WeightFormat | null {
  const ext = path.toLowerCase().split('.').pop()
  return ext === 'csv' || ext === 'json' || ext === 'npy' || ext === 'txt' ? ext : null
}

function fromRows(rows: number[][], source: string): WeightMatrix {
  if (rows.length === 0) throw new WeightFileError(`${source}: no weights found (expected neurons × inputs numbers)`)
  const cols = rows[0].length
  const data = new Float64Array(rows.length * cols)
  rows.forEach((row, j) => {
    if (row.length !== cols) throw new WeightFileError(`${source}: row ${j + 1} has ${row.length} values, row 1 has ${cols}`)
    row.forEach((v, h) => {
      if (!Number.isFinite(v)) throw new WeightFileError(`${source}: row ${j + 1}, column ${h + 1} is not a finite number`)
      data[j * cols + h] = v
    })
  })
  return { rows: rows.length, cols, data }
}

/** Delimited text: one neuron per line; commas, tabs or spaces between values; blank lines and # comments ignored. */
export function parseWeightsText(text: string, source: string): WeightMatrix {
  const rows: number[][] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    // A comma (with any spaces around it) or a run of spaces/tabs separates values, so an empty
    // cell ("1,,2", "1,2,") is an error rather than silently dropped.
    const cells = trimmed.split(/\s*,\s*|\s+/)
    const row = cells.map((cell, h) => {
      if (cell === '') throw new WeightFileError(`${source}: line ${i + 1}: value ${h + 1} is empty (expected a number)`)
      const value = Number(cell)
      if (!Number.isFinite(value)) throw new WeightFileError(`${source}: line ${i + 1}: "${cell.slice(0, 30)}" is not a number`)
      return value
    })
    rows.push(row)
  })
  return fromRows(rows, source)
}

/** JSON: an array of rows, or an object with a `weights` array of rows (our own export format). */
export function parseWeightsJson(text: string, source: string): WeightMatrix {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new WeightFileError(`${source}: not valid JSON (${(e as Error).message})`)
  }
  const rows = Array.isArray(value) ? value : (value as { weights?: unknown })?.weights
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
    throw new WeightFileError(`${source}: expected a JSON array of rows of numbers, or {"weights": [[...], ...]}`)
  }
  return fromRows(rows as number[][], source)
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // "\x93NUMPY"

/** NumPy .npy (versions 1–3), 2-D, C order, dtypes <f8 <f4 <i4 <i2 |i1 |u1 (little endian). */
export function parseNpy(bytes: Uint8Array, source: string): WeightMatrix {
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) throw new WeightFileError(`${source}: not a .npy file (missing \\x93NUMPY magic)`)
  const major = bytes[6]
  if (major < 1 || major > 3) throw new WeightFileError(`${source}: .npy format version ${major} is not supported (expected 1, 2 or 3)`)
  const headerStart = major === 1 ? 10 : 12
  if (bytes.length < headerStart) throw new WeightFileError(`${source}: truncated .npy header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  if (headerStart + headerLength > bytes.length) throw new WeightFileError(`${source}: truncated .npy header`)
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength))
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
  if (!descr || !fortran || shapeText === undefined) throw new WeightFileError(`${source}: unreadable .npy header`)
  if (fortran === 'True') throw new WeightFileError(`${source}: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray`)
  const shapeParts = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (shapeParts.length !== 2) throw new WeightFileError(`${source}: expected a 2-D array (neurons × inputs), got shape (${shapeParts.join(', ')})`)
  const shape = shapeParts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN))
  if (!shape.every(Number.isSafeInteger)) throw new WeightFileError(`${source}: unreadable .npy shape (${shapeParts.join(', ')}); expected two non-negative integers`)
  const [rows, cols] = shape
  const readers: Record<string, [number, (offset: number) => number]> = {
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<i2': [2, (o) => view.getInt16(o, true)],
    '|i1': [1, (o) => view.getInt8(o)],
    '|u1': [1, (o) => view.getUint8(o)]
  }
  const reader = readers[descr]
  if (!reader) throw new WeightFileError(`${source}: dtype ${descr} is not supported (expected one of ${Object.keys(readers).join(' ')})`)
  const [itemSize, read] = reader
  const dataStart = headerStart + headerLength
  if (dataStart + rows * cols * itemSize > bytes.length) {
    throw new WeightFileError(`${source}: truncated: ${rows}×${cols} ${descr} needs ${rows * cols * itemSize} bytes of data, file has ${bytes.length - dataStart}`)
  }
  const data = new Float64Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = read(dataStart + i * itemSize)
  return { rows, cols, data }
}

/** A .npy file of a float64 (or int32) matrix. */
export function encodeNpy(matrix: WeightMatrix, dtype: '<f8' | '<f4' | '<i4' = '<f8'): Uint8Array {
  const itemSize = dtype === '<f8' ? 8 : 4
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${matrix.rows}, ${matrix.cols}), }`
  // Header padded with spaces and a newline so the data starts 64-byte aligned.
  const total = 10 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const out = new Uint8Array(10 + header.length + matrix.data.length * itemSize)
  out.set(NPY_MAGIC)
  out[6] = 1
  out[7] = 0
  const view = new DataView(out.buffer)
  view.setUint16(8, header.length, true)
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i)
  const start = 10 + header.length
  for (let i = 0; i < matrix.data.length; i++) {
    const o = start + i * itemSize
    if (dtype === '<f8') view.setFloat64(o, matrix.data[i], true)
    else if (dtype === '<f4') view.setFloat32(o, matrix.data[i], true)
    else view.setInt32(o, matrix.data[i], true)
  }
  return out
}

function rowsOf(matrix: WeightMatrix): number[][] {
  const rows: number[][] = []
  for (let j = 0; j < matrix.rows; j++) rows.push(Array.from(matrix.data.subarray(j * matrix.cols, (j + 1) * matrix.cols)))
  return rows
}

/** Text formats; numbers are written with full precision (shortest round-trip form). */
export function formatWeights(matrix: WeightMatrix, format: Exclude<WeightFormat, 'npy'>, metadata: Record<string, unknown> = {}): string {
  const rows = rowsOf(matrix)
  if (format === 'json') return JSON.stringify({ ...metadata, shape: [matrix.rows, matrix.cols], weights: rows }) + '\n'
  const separator = format === 'csv' ? ',' : '\t'
  return rows.map((r) => r.join(separator)).join('\n') + '\n'
}

export function parseWeights(bytes: Uint8Array, format: WeightFormat, source: string): WeightMatrix {
  if (format === 'npy') return parseNpy(bytes, source)
  const text = new TextDecoder().decode(bytes)
  return format === 'json' ? parseWeightsJson(text, source) : parseWeightsText(text, source)
}
