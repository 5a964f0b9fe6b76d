/**
 * Quantized weights as files for FPGA tools, C code and scripts, and the parsers that read them
 * back. Pure: the writers return names and contents, the caller writes them.
 *
 * Every file says what it holds in a header (a comment, or metadata for .json and .npy): run,
 * step, layer, shape, layout, Q format, rounding and scale, once for people and once as a JSON
 * line `snn-workbench-export {...}` that the parsers read.
 *
 * Words are signed two's complement of W = I + F bits. Memory images (.mem, .coe, .mif) hold one
 * word per line as W-bit patterns, in ceil(W / 4) hex digits (or W binary digits for
 * $readmemb); C headers hold decimal integers; .csv, .json and .npy hold the integers; the seed's
 * weights.txt holds the real values the words stand for.
 */
import { encodeNpy, parseNpy, WeightFileError } from '../io/weightFiles'
import { formatQ, roundToInteger, wordBits, type QuantizedMatrix, type Rounding, type ScaleMode } from './quantize'

export type ExportFormat = 'mem' | 'memb' | 'coe' | 'mif' | 'c' | 'npy' | 'csv' | 'txt' | 'json'
export const EXPORT_FORMATS: readonly ExportFormat[] = ['mem', 'memb', 'coe', 'mif', 'c', 'npy', 'csv', 'txt', 'json']

/** neuron-major: word address j·inputs + h; input-major: h·neurons + j (what a per-input-spike adder reads). */
export type ExportLayout = 'neuron-major' | 'input-major'
export const EXPORT_LAYOUTS: readonly ExportLayout[] = ['neuron-major', 'input-major']

/** Extension a format's file gets when the caller names none. */
export const DEFAULT_EXTENSIONS: Record<ExportFormat, string> = {
  mem: '.mem',
  memb: '.memb',
  coe: '.coe',
  mif: '.mif',
  c: '.h',
  npy: '.npy',
  csv: '.csv',
  txt: '.txt',
  json: '.json'
}

export interface ExportMetadata {
  runId: number | null
  step: number | null
  layer: number
  name?: string
}

/** What every exported file records about itself (the JSON line / metadata). */
export interface ExportHeader extends ExportMetadata {
  generator: 'snn-workbench'
  kind: 'fixed-point-weights'
  version: 1
  neurons: number
  inputs: number
  q: string
  intBits: number
  fracBits: number
  wordBits: number
  rounding: Rounding
  scale: ScaleMode
  /** Present only when out-of-range words wrapped around instead of saturating. */
  overflow?: 'wrap'
  layout: ExportLayout
  /** In one-file-per-neuron exports, the neuron this file holds; otherwise null. */
  neuron: number | null
  /** Words in this file. */
  words: number
  /** Per-neuron scale only: the factors of the neurons in this file (real value = word / 2^F / factor). */
  scales?: number[]
}

export interface ExportOptions {
  format: ExportFormat
  layout: ExportLayout
  /** One file per neuron (its inputs' words) instead of one file for the matrix. */
  perNeuronFiles: boolean
  metadata: ExportMetadata
  /** File names start with this (default "weights"); also the C identifier, sanitized. */
  baseName?: string
  /** Extension of the main file (default DEFAULT_EXTENSIONS[format]). */
  extension?: string
}

export interface ExportFile {
  name: string
  contents: string | Uint8Array
}

export interface ParsedExport {
  header: ExportHeader
  /** Neurons in this file (1 for a per-neuron file). */
  rows: number
  cols: number
  /** rows × cols words, neuron-major whatever the file's layout. */
  values: Int32Array
}

const MARKER = 'snn-workbench-export'
const VALUES_PER_LINE = 16

// ---------------------------------------------------------------------------------------------
// Words

/** The W-bit two's complement pattern of `value`, as an unsigned number. */
export function toUnsigned(value: number, bits: number): number {
  return value < 0 ? value + 2 ** bits : value
}

/** A W-bit pattern back to the signed value. */
export function toSigned(pattern: number, bits: number): number {
  return pattern >= 2 ** (bits - 1) ? pattern - 2 ** bits : pattern
}

export function hexDigits(bits: number): number {
  return Math.ceil(bits / 4)
}

export function formatHexWord(value: number, bits: number): string {
  return toUnsigned(value, bits).toString(16).toUpperCase().padStart(hexDigits(bits), '0')
}

export function formatBinaryWord(value: number, bits: number): string {
  return toUnsigned(value, bits).toString(2).padStart(bits, '0')
}

/** Words of one file in file order. */
interface Block {
  header: ExportHeader
  /** Words in file order (layout applied). */
  words: Int32Array
  /** Shape in file order: [rows, cols] of the layout. */
  shape: [number, number]
  /** Real value of one step of each neuron in this block. */
  lsb: Float64Array
  /** Neuron index of each word (for real values). */
  neuronOf: (k: number) => number
}

function blocksOf(matrix: QuantizedMatrix, options: ExportOptions): { block: Block; part: string | null }[] {
  const { rows: n, cols: m, values, q } = matrix
  const base = {
    generator: 'snn-workbench' as const,
    kind: 'fixed-point-weights' as const,
    version: 1 as const,
    ...options.metadata,
    neurons: n,
    inputs: m,
    q: formatQ(q),
    intBits: q.intBits,
    fracBits: q.fracBits,
    wordBits: wordBits(q),
    rounding: matrix.rounding,
    scale: matrix.scale,
    ...(matrix.saturate === false ? { overflow: 'wrap' as const } : {}),
    layout: options.layout
  }
  if (options.perNeuronFiles) {
    const digits = Math.max(3, String(n - 1).length)
    return Array.from({ length: n }, (_, j) => {
      const header: ExportHeader = { ...base, neuron: j, words: m }
      if (matrix.scale === 'per-neuron') header.scales = [matrix.scales[j]]
      const words = values.slice(j * m, (j + 1) * m)
      const block: Block = { header, words, shape: [1, m], lsb: matrix.lsb.slice(j, j + 1), neuronOf: () => 0 }
      return { block, part: `n${String(j).padStart(digits, '0')}` }
    })
  }
  const header: ExportHeader = { ...base, neuron: null, words: n * m }
  if (matrix.scale === 'per-neuron') header.scales = Array.from(matrix.scales)
  let words = values
  let neuronOf = (k: number) => Math.floor(k / m)
  let shape: [number, number] = [n, m]
  if (options.layout === 'input-major') {
    words = new Int32Array(n * m)
    for (let h = 0; h < m; h++) for (let j = 0; j < n; j++) words[h * n + j] = values[j * m + h]
    neuronOf = (k) => k % n
    shape = [m, n]
  }
  return [{ block: { header, words, shape, lsb: matrix.lsb, neuronOf }, part: null }]
}

// ---------------------------------------------------------------------------------------------
// Writers

/** The file(s) of one export: names are `<baseName>[-nJJJ]<ext>` (npy adds .f32.npy and .meta.json). */
export function renderExport(matrix: QuantizedMatrix, options: ExportOptions): ExportFile[] {
  const baseName = options.baseName ?? 'weights'
  const extension = options.extension ?? DEFAULT_EXTENSIONS[options.format]
  const files: ExportFile[] = []
  for (const { block, part } of blocksOf(matrix, options)) {
    const stem = part ? `${baseName}-${part}` : baseName
    if (options.format === 'npy') {
      files.push({ name: `${stem}${extension}`, contents: npyOf(block, 'int') })
      files.push({ name: `${stem}.f32${extension}`, contents: npyOf(block, 'real') })
      files.push({ name: `${stem}.meta.json`, contents: JSON.stringify(block.header, null, 2) + '\n' })
      continue
    }
    files.push({ name: `${stem}${extension}`, contents: renderText(block, options.format, identifierOf(stem)) })
  }
  return files
}

function renderText(block: Block, format: Exclude<ExportFormat, 'npy'>, identifier: string): string {
  switch (format) {
    case 'mem':
      return memoryImage(block, '//', (v, bits) => formatHexWord(v, bits))
    case 'memb':
      return memoryImage(block, '//', (v, bits) => formatBinaryWord(v, bits))
    case 'coe':
      return coeFile(block)
    case 'mif':
      return mifFile(block)
    case 'c':
      return cHeader(block, identifier)
    case 'csv':
      return delimited(block, ',', (v) => String(v))
    case 'txt':
      return delimited(block, '\t', (v, k) => String(v * block.lsb[block.neuronOf(k)]))
    case 'json':
      return jsonFile(block)
  }
}

/** Lines for people, then the JSON line the parsers read. */
function headerLines(header: ExportHeader): string[] {
  const { neurons, inputs, layout, wordBits: bits, fracBits } = header
  const where = [`run ${header.runId ?? '—'}`, `step ${header.step ?? '—'}`, `layer ${header.layer}`].join(', ')
  const lines = [`SNN Workbench fixed-point weights: ${where}${header.name ? ` (${header.name})` : ''}`]
  if (header.neuron !== null) {
    lines.push(`neuron ${header.neuron} of ${neurons} (${inputs} inputs): word k = weight from input k`)
  } else if (layout === 'neuron-major') {
    lines.push(`${neurons} neurons x ${inputs} inputs, neuron-major: word j*${inputs} + h = weight of neuron j from input h`)
  } else {
    lines.push(`${neurons} neurons x ${inputs} inputs, input-major: word h*${neurons} + j = weight of neuron j from input h`)
  }
  const perNeuron = header.scale === 'per-neuron' ? ' / scale of the neuron (scales in the metadata line)' : ''
  lines.push(`${header.q}: ${bits}-bit two's complement words (${hexDigits(bits)} hex digits); real value = word / 2^${fracBits}${perNeuron}`)
  const wrapped = header.overflow === 'wrap' ? ', out-of-range words wrapped around (not saturated)' : ''
  lines.push(`rounding ${header.rounding}, scale ${header.scale}${wrapped}`)
  lines.push(`${MARKER} ${JSON.stringify(header)}`)
  return lines
}

function comment(prefix: string, header: ExportHeader): string {
  return headerLines(header)
    .map((line) => `${prefix} ${line}`)
    .join('\n')
}

function memoryImage(block: Block, prefix: string, word: (value: number, bits: number) => string): string {
  const bits = block.header.wordBits
  const out: string[] = [comment(prefix, block.header)]
  for (let k = 0; k < block.words.length; k++) out.push(word(block.words[k], bits))
  return out.join('\n') + '\n'
}

function coeFile(block: Block): string {
  const bits = block.header.wordBits
  const words = Array.from(block.words, (v) => formatHexWord(v, bits))
  return [
    comment(';', block.header),
    'memory_initialization_radix=16;',
    'memory_initialization_vector=',
    words.length === 0 ? ';' : words.join(',\n') + ';',
    ''
  ].join('\n')
}

function mifFile(block: Block): string {
  const bits = block.header.wordBits
  const lines = [
    comment('--', block.header),
    `WIDTH=${bits};`,
    `DEPTH=${block.words.length};`,
    '',
    'ADDRESS_RADIX=UNS;',
    'DATA_RADIX=HEX;',
    '',
    'CONTENT BEGIN'
  ]
  for (let k = 0; k < block.words.length; k++) lines.push(`\t${k} : ${formatHexWord(block.words[k], bits)};`)
  lines.push('END;', '')
  return lines.join('\n')
}

function identifierOf(stem: string): string {
  const cleaned = stem.replace(/[^A-Za-z0-9_]/g, '_')
  return /^[0-9]/.test(cleaned) || cleaned === '' ? `_${cleaned}` : cleaned
}

function cType(bits: number): string {
  return bits <= 8 ? 'int8_t' : bits <= 16 ? 'int16_t' : 'int32_t'
}

/** A C integer literal; the most negative int32 has none of its own (2147483648 is not an int). */
function cLiteral(value: number): string {
  return value === -2147483648 ? '(-2147483647 - 1)' : String(value)
}

function cHeader(block: Block, identifier: string): string {
  const { header, words, shape } = block
  const macro = identifier.toUpperCase()
  const bits = header.wordBits
  const lines = ['/*', ...headerLines(header).map((line) => ` * ${line.replace(/\*\//g, '* /')}`), ' */']
  lines.push(`#ifndef ${macro}_H`, `#define ${macro}_H`, '', '#include <stdint.h>', '')
  lines.push(`#define ${macro}_NEURONS ${header.neuron === null ? header.neurons : 1}`)
  lines.push(`#define ${macro}_INPUTS ${header.inputs}`)
  lines.push(`#define ${macro}_Q_INT_BITS ${header.intBits}`)
  lines.push(`#define ${macro}_Q_FRAC_BITS ${header.fracBits}`)
  lines.push(`#define ${macro}_WORD_BITS ${bits}`)
  lines.push(`#define ${macro}_${header.layout === 'neuron-major' ? 'NEURON_MAJOR' : 'INPUT_MAJOR'} 1`)
  if (header.scale === 'per-tensor') {
    lines.push(`/* real value of one step: 2^-${header.fracBits} */`)
    lines.push(`#define ${macro}_LSB ${String(2 ** -header.fracBits)}`)
  } else {
    lines.push(`/* real value of one step of each neuron: 2^-${header.fracBits} / its scale */`)
    lines.push(`static const double ${identifier}_lsb[${block.lsb.length}] = { ${Array.from(block.lsb, (v) => String(v)).join(', ')} };`)
  }
  lines.push('')
  const dims = header.neuron !== null ? `[${words.length}]` : `[${shape[0]}][${shape[1]}]`
  lines.push(`static const ${cType(bits)} ${identifier}${dims} = {`)
  const rowLines: string[] = []
  for (let r = 0; r < shape[0]; r++) {
    const row = words.subarray(r * shape[1], (r + 1) * shape[1])
    const chunks: string[] = []
    for (let k = 0; k < row.length; k += VALUES_PER_LINE) {
      chunks.push(Array.from(row.subarray(k, k + VALUES_PER_LINE), cLiteral).join(', '))
    }
    rowLines.push(header.neuron !== null ? chunks.map((c) => `  ${c}`).join(',\n') : `  {\n${chunks.map((c) => `    ${c}`).join(',\n')}\n  }`)
  }
  lines.push(rowLines.join(',\n'), '};', '', `#endif /* ${macro}_H */`, '')
  return lines.join('\n')
}

function delimited(block: Block, separator: string, cell: (value: number, k: number) => string): string {
  const { words, shape } = block
  const lines = [comment('#', block.header)]
  for (let r = 0; r < shape[0]; r++) {
    const row: string[] = []
    for (let c = 0; c < shape[1]; c++) row.push(cell(words[r * shape[1] + c], r * shape[1] + c))
    lines.push(row.join(separator))
  }
  return lines.join('\n') + '\n'
}

function jsonFile(block: Block): string {
  const { words, shape } = block
  const rows: number[][] = []
  for (let r = 0; r < shape[0]; r++) rows.push(Array.from(words.subarray(r * shape[1], (r + 1) * shape[1])))
  return JSON.stringify({ metadata: block.header, shape, weights: rows }) + '\n'
}

function npyOf(block: Block, kind: 'int' | 'real'): Uint8Array {
  const { words, shape } = block
  const data = new Float64Array(words.length)
  for (let k = 0; k < words.length; k++) data[k] = kind === 'int' ? words[k] : words[k] * block.lsb[block.neuronOf(k)]
  return encodeNpy({ rows: shape[0], cols: shape[1], data }, kind === 'int' ? '<i4' : '<f4')
}

// ---------------------------------------------------------------------------------------------
// Parsers

/** The header of an exported text, or null when it has none (not one of ours). */
export function findExportHeader(text: string): ExportHeader | null {
  const at = text.indexOf(MARKER + ' {')
  if (at < 0) return null
  const start = at + MARKER.length + 1
  const end = text.indexOf('\n', start)
  const line = (end < 0 ? text.slice(start) : text.slice(start, end)).trim()
  try {
    return JSON.parse(line) as ExportHeader
  } catch {
    return null
  }
}

function requireHeader(header: ExportHeader | null, source: string): ExportHeader {
  if (!header || header.generator !== 'snn-workbench' || header.kind !== 'fixed-point-weights') {
    throw new WeightFileError(`${source}: no "${MARKER}" metadata found; not a fixed-point export of this workbench`)
  }
  return header
}

/** File-order words to a ParsedExport (neuron-major). */
function fromFileOrder(header: ExportHeader, words: ArrayLike<number>, source: string): ParsedExport {
  if (words.length !== header.words) throw new WeightFileError(`${source}: ${words.length} words, the header says ${header.words}`)
  const { wordBits: bits } = header
  const low = -(2 ** (bits - 1))
  const high = 2 ** (bits - 1) - 1
  for (let k = 0; k < words.length; k++) {
    if (!Number.isInteger(words[k]) || words[k] < low || words[k] > high) {
      throw new WeightFileError(`${source}: word ${k} is ${words[k]}, outside the ${bits}-bit range [${low}, ${high}]`)
    }
  }
  if (header.neuron !== null) return { header, rows: 1, cols: header.inputs, values: Int32Array.from(words) }
  const n = header.neurons
  const m = header.inputs
  const values = new Int32Array(n * m)
  if (header.layout === 'input-major') {
    for (let h = 0; h < m; h++) for (let j = 0; j < n; j++) values[j * m + h] = words[h * n + j]
  } else {
    values.set(Array.from(words))
  }
  return { header, rows: n, cols: m, values }
}

function parsePattern(token: string, radix: 16 | 2, bits: number, source: string, where: string): number {
  const valid = radix === 16 ? /^[0-9A-Fa-f]+$/ : /^[01]+$/
  if (!valid.test(token)) throw new WeightFileError(`${source}: ${where}: "${token.slice(0, 40)}" is not a ${radix === 16 ? 'hex' : 'binary'} word`)
  const pattern = parseInt(token, radix)
  if (pattern >= 2 ** bits) throw new WeightFileError(`${source}: ${where}: ${token} does not fit ${bits} bits`)
  return toSigned(pattern, bits)
}

function parseMemoryImage(text: string, radix: 16 | 2, header: ExportHeader, source: string): number[] {
  const words: number[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/\/\/.*$/, '').trim()
    if (content === '') return
    for (const token of content.split(/\s+/)) {
      if (token.startsWith('@')) throw new WeightFileError(`${source}: line ${i + 1}: address records (@) are not supported`)
      words.push(parsePattern(token, radix, header.wordBits, source, `line ${i + 1}`))
    }
  })
  return words
}

function parseCoe(text: string, header: ExportHeader, source: string): number[] {
  const body = text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith(';'))
    .join('\n')
  const radix = /memory_initialization_radix\s*=\s*(\d+)\s*;/i.exec(body)?.[1]
  if (radix !== '16') throw new WeightFileError(`${source}: expected memory_initialization_radix=16`)
  const vector = /memory_initialization_vector\s*=([^;]*);/i.exec(body)?.[1]
  if (vector === undefined) throw new WeightFileError(`${source}: no memory_initialization_vector=…; found`)
  const tokens = vector.split(/[\s,]+/).filter((t) => t !== '')
  return tokens.map((t, k) => parsePattern(t, 16, header.wordBits, source, `word ${k}`))
}

function parseMif(text: string, header: ExportHeader, source: string): number[] {
  const body = text.replace(/--.*$/gm, '')
  const width = Number(/WIDTH\s*=\s*(\d+)\s*;/i.exec(body)?.[1])
  const depth = Number(/DEPTH\s*=\s*(\d+)\s*;/i.exec(body)?.[1])
  if (width !== header.wordBits) throw new WeightFileError(`${source}: WIDTH=${width}, the header says ${header.wordBits}-bit words`)
  if (!/DATA_RADIX\s*=\s*HEX\s*;/i.test(body)) throw new WeightFileError(`${source}: expected DATA_RADIX=HEX`)
  const content = /CONTENT\s+BEGIN([\s\S]*?)END\s*;/i.exec(body)?.[1]
  if (content === undefined) throw new WeightFileError(`${source}: no CONTENT BEGIN … END; block`)
  const words = new Array<number>(depth).fill(NaN)
  for (const entry of content.split(';')) {
    const trimmed = entry.trim()
    if (trimmed === '') continue
    const match = /^(\d+)\s*:\s*([0-9A-Fa-f]+)$/.exec(trimmed)
    if (!match) throw new WeightFileError(`${source}: unreadable MIF entry "${trimmed.slice(0, 40)}" (expected ADDRESS : HEX;)`)
    const address = Number(match[1])
    if (address >= depth) throw new WeightFileError(`${source}: address ${address} is beyond DEPTH=${depth}`)
    words[address] = parsePattern(match[2], 16, header.wordBits, source, `address ${address}`)
  }
  const missing = words.findIndex((w) => Number.isNaN(w))
  if (missing >= 0) throw new WeightFileError(`${source}: no word at address ${missing}`)
  return words
}

function parseCHeader(text: string, source: string): number[] {
  const declaration = /static const int(?:8|16|32)_t\s+\w+(?:\[\d+\])+\s*=\s*\{/.exec(text)
  if (!declaration) throw new WeightFileError(`${source}: no weight array (static const intN_t name[...] = {...}) found`)
  const start = declaration.index + declaration[0].length
  const end = text.indexOf('};', start)
  if (end < 0) throw new WeightFileError(`${source}: the weight array is not closed with "};"`)
  const body = text.slice(start, end).replace(/\(-2147483647 - 1\)/g, '-2147483648')
  const tokens = body.split(/[\s,{}]+/).filter((t) => t !== '')
  return tokens.map((t) => {
    if (!/^-?\d+$/.test(t)) throw new WeightFileError(`${source}: "${t.slice(0, 40)}" in the weight array is not an integer`)
    return Number(t)
  })
}

function parseDelimited(text: string, header: ExportHeader, source: string, real: boolean): number[] {
  const words: number[] = []
  const perNeuronLsb = (header.scales ?? []).map((s) => 2 ** -header.fracBits / s)
  const lsbOf = (k: number): number => {
    if (header.scale !== 'per-neuron') return 2 ** -header.fracBits
    const neuron = header.neuron !== null ? 0 : header.layout === 'input-major' ? k % header.neurons : Math.floor(k / header.inputs)
    return perNeuronLsb[neuron]
  }
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    for (const cell of trimmed.split(/\s*,\s*|\t/)) {
      const value = Number(cell)
      if (cell === '' || !Number.isFinite(value)) throw new WeightFileError(`${source}: line ${i + 1}: "${cell.slice(0, 30)}" is not a number`)
      words.push(real ? roundToInteger(value / lsbOf(words.length), 'nearest-even') : value)
    }
  })
  return words
}

/**
 * Read an exported file back into words (neuron-major). `.npy` files carry no header of their
 * own: pass the text of the `.meta.json` written next to them as `npyHeader`.
 */
export function parseExport(contents: string | Uint8Array, format: ExportFormat, source: string, npyHeader?: string): ParsedExport {
  if (format === 'npy') {
    const header = requireHeader(npyHeader === undefined ? null : (safeJson(npyHeader) as ExportHeader | null), `${source} (metadata)`)
    const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents
    return fromFileOrder(header, parseNpy(bytes, source).data, source)
  }
  const text = typeof contents === 'string' ? contents : new TextDecoder().decode(contents)
  if (format === 'json') {
    const value = safeJson(text) as { metadata?: ExportHeader; weights?: unknown } | null
    const header = requireHeader(value?.metadata ?? null, source)
    const rows = value?.weights
    if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
      throw new WeightFileError(`${source}: expected "weights": rows of integers`)
    }
    return fromFileOrder(header, (rows as number[][]).flat(), source)
  }
  const header = requireHeader(findExportHeader(text), source)
  switch (format) {
    case 'mem':
      return fromFileOrder(header, parseMemoryImage(text, 16, header, source), source)
    case 'memb':
      return fromFileOrder(header, parseMemoryImage(text, 2, header, source), source)
    case 'coe':
      return fromFileOrder(header, parseCoe(text, header, source), source)
    case 'mif':
      return fromFileOrder(header, parseMif(text, header, source), source)
    case 'c':
      return fromFileOrder(header, parseCHeader(text, source), source)
    case 'csv':
      return fromFileOrder(header, parseDelimited(text, header, source, false), source)
    case 'txt':
      return fromFileOrder(header, parseDelimited(text, header, source, true), source)
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** The real weights a parsed export stands for (neuron-major), as the import reads them. */
export function parsedToReal(parsed: ParsedExport): Float64Array {
  const { header, rows, cols, values } = parsed
  const out = new Float64Array(values.length)
  for (let j = 0; j < rows; j++) {
    const scale = header.scale === 'per-neuron' ? (header.scales?.[j] ?? 1) : 1
    const lsb = 2 ** -header.fracBits / scale
    for (let h = 0; h < cols; h++) out[j * cols + h] = values[j * cols + h] * lsb
  }
  return out
}

