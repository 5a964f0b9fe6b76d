/**
 * Export writers: every format, in both layouts, as one file or one file per neuron, with
 * per-tensor and per-neuron scale, parses back to exactly the quantized words; the words that
 * break careless code (the most negative value, −1, the largest value, 32-bit extremes) survive;
 * headers say what the file holds; the C header compiles to the right literals; and, when
 * iverilog is installed, Verilog's $readmemh/$readmemb load the memory images.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { quantizeMatrix, type QFormat, type QuantizedMatrix, type ScaleMode } from '../../src/engine/export/quantize'
import {
  EXPORT_FORMATS,
  EXPORT_LAYOUTS,
  findExportHeader,
  formatBinaryWord,
  formatHexWord,
  parseExport,
  parsedToReal,
  renderExport,
  type ExportFile,
  type ExportFormat,
  type ExportLayout
} from '../../src/engine/export/writers'
import { parseNpy, WeightFileError } from '../../src/engine/io/weightFiles'
import { Rng } from '../../src/engine/random'

const METADATA = { runId: 7, step: 150, layer: 0, name: 'seed-3class' }

/** A matrix whose words include the extremes of the format, −1, 0 and 1. */
function edgeMatrix(q: QFormat, scale: ScaleMode, neurons = 3, inputs = 5): QuantizedMatrix {
  const rng = new Rng(11)
  const one = 2 ** q.fracBits
  const top = 2 ** (q.intBits + q.fracBits - 1)
  const weights = new Float64Array(neurons * inputs)
  for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform(-top, top) / one
  // Neuron 0: most negative, largest, −1, 0, +1 words (per-tensor), then a saturating value.
  weights.set([-top / one, (top - 1) / one, -1 / one, 0, 1 / one].slice(0, inputs), 0)
  weights[inputs] = -10 * top
  return quantizeMatrix(weights, neurons, inputs, { q, rounding: 'nearest-even', scale })
}

function contentsOf(files: ExportFile[], name: string): string | Uint8Array {
  const file = files.find((f) => f.name === name)
  if (!file) throw new Error(`no file ${name} among ${files.map((f) => f.name).join(', ')}`)
  return file.contents
}

/** Parse every file of an export and reassemble the neuron-major words. */
function parseAll(files: ExportFile[], format: ExportFormat, matrix: QuantizedMatrix, perNeuron: boolean): Int32Array {
  const out = new Int32Array(matrix.values.length)
  const ext = format === 'c' ? '.h' : `.${format}`
  const stems = perNeuron ? Array.from({ length: matrix.rows }, (_, j) => `weights-n${String(j).padStart(3, '0')}`) : ['weights']
  stems.forEach((stem, j) => {
    const meta = format === 'npy' ? (contentsOf(files, `${stem}.meta.json`) as string) : undefined
    const parsed = parseExport(contentsOf(files, `${stem}${ext}`), format, `${stem}${ext}`, meta)
    expect(parsed.header.runId).toBe(7)
    expect(parsed.header.step).toBe(150)
    if (perNeuron) {
      expect(parsed.header.neuron).toBe(j)
      out.set(parsed.values, j * matrix.cols)
    } else {
      out.set(parsed.values)
    }
    if (format === 'npy') {
      // The float32 twin holds the real values, in the same layout as the words.
      const ints = parseNpy(contentsOf(files, `${stem}.npy`) as Uint8Array, 'int').data
      const reals = parseNpy(contentsOf(files, `${stem}.f32.npy`) as Uint8Array, 'f32').data
      const { header } = parsed
      const neuronOf = (k: number) => (perNeuron ? 0 : header.layout === 'input-major' ? k % header.neurons : Math.floor(k / header.inputs))
      const lsbOf = (k: number) => 2 ** -header.fracBits / (header.scales?.[neuronOf(k)] ?? 1)
      expect(Array.from(reals)).toEqual(Array.from(ints, (v, k) => Math.fround(v * lsbOf(k))))
    }
  })
  return out
}

describe('round trips', () => {
  const formats: QFormat[] = [
    { intBits: 4, fracBits: 4 },
    { intBits: 12, fracBits: 12 },
    { intBits: 16, fracBits: 16 },
    { intBits: 3, fracBits: 7 } // 10 bits: not a whole number of hex digits
  ]
  for (const format of EXPORT_FORMATS) {
    for (const layout of EXPORT_LAYOUTS) {
      for (const perNeuron of [false, true]) {
        for (const scale of ['per-tensor', 'per-neuron'] as ScaleMode[]) {
          it(`${format} ${layout}${perNeuron ? ' per-neuron files' : ''} ${scale}: words come back exactly`, () => {
            for (const q of formats) {
              const matrix = edgeMatrix(q, scale)
              const files = renderExport(matrix, { format, layout, perNeuronFiles: perNeuron, metadata: METADATA })
              expect(files.length).toBe((perNeuron ? matrix.rows : 1) * (format === 'npy' ? 3 : 1))
              const words = parseAll(files, format, matrix, perNeuron)
              expect(Array.from(words), `Q${q.intBits}.${q.fracBits}`).toEqual(Array.from(matrix.values))
            }
          })
        }
      }
    }
  }

  it('per-tensor words include the extremes, −1, 0 and 1', () => {
    const m = edgeMatrix({ intBits: 12, fracBits: 12 }, 'per-tensor')
    expect(Array.from(m.values.subarray(0, 6))).toEqual([-8388608, 8388607, -1, 0, 1, -8388608])
    const m32 = edgeMatrix({ intBits: 16, fracBits: 16 }, 'per-tensor')
    expect(Array.from(m32.values.subarray(0, 2))).toEqual([-2147483648, 2147483647])
  })

  it('the real values of .txt and parsedToReal are the dequantized weights', () => {
    const m = edgeMatrix({ intBits: 8, fracBits: 8 }, 'per-tensor')
    const [file] = renderExport(m, { format: 'txt', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    const firstLine = (file.contents as string).split('\n').find((l) => !l.startsWith('#'))!
    expect(firstLine.split('\t').map(Number)).toEqual(Array.from(m.values.subarray(0, 5), (v) => v / 256))
    const parsed = parseExport(file.contents, 'txt', 'w.txt')
    expect(Array.from(parsedToReal(parsed))).toEqual(Array.from(m.values, (v) => v / 256))
  })
})

describe('words and headers', () => {
  it('formats two’s complement words in whole hex digits and W binary digits', () => {
    expect(formatHexWord(-1, 24)).toBe('FFFFFF')
    expect(formatHexWord(-8388608, 24)).toBe('800000')
    expect(formatHexWord(8388607, 24)).toBe('7FFFFF')
    expect(formatHexWord(-1, 10)).toBe('3FF') // 10 bits → 3 digits, pattern masked to 10 bits
    expect(formatHexWord(-2147483648, 32)).toBe('80000000')
    expect(formatHexWord(5, 8)).toBe('05')
    expect(formatBinaryWord(-2, 4)).toBe('1110')
    expect(formatBinaryWord(3, 6)).toBe('000011')
  })

  it('every text format carries a header for people and a metadata line', () => {
    const m = edgeMatrix({ intBits: 12, fracBits: 12 }, 'per-tensor')
    for (const format of EXPORT_FORMATS.filter((f) => f !== 'npy' && f !== 'json')) {
      const [file] = renderExport(m, { format, layout: 'input-major', perNeuronFiles: false, metadata: METADATA })
      const text = file.contents as string
      expect(text, format).toContain('run 7, step 150, layer 0 (seed-3class)')
      expect(text, format).toContain('input-major: word h*3 + j = weight of neuron j from input h')
      expect(text, format).toContain("Q12.12: 24-bit two's complement words (6 hex digits); real value = word / 2^12")
      expect(findExportHeader(text)).toMatchObject({ q: 'Q12.12', wordBits: 24, neurons: 3, inputs: 5, layout: 'input-major', rounding: 'nearest-even' })
    }
    const [json] = renderExport(m, { format: 'json', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    expect(JSON.parse(json.contents as string)).toMatchObject({ metadata: { q: 'Q12.12', runId: 7 }, shape: [3, 5] })
  })

  it('memory images hold one word per line after the comments', () => {
    const m = edgeMatrix({ intBits: 12, fracBits: 12 }, 'per-tensor')
    const [mem] = renderExport(m, { format: 'mem', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    const words = (mem.contents as string).split('\n').filter((l) => l !== '' && !l.startsWith('//'))
    expect(words.slice(0, 5)).toEqual(['800000', '7FFFFF', 'FFFFFF', '000000', '000001'])
    expect(words).toHaveLength(15)
    const [mif] = renderExport(m, { format: 'mif', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    expect(mif.contents).toContain('WIDTH=24;\nDEPTH=15;')
    expect(mif.contents).toContain('\t0 : 800000;\n\t1 : 7FFFFF;')
    const [coe] = renderExport(m, { format: 'coe', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    expect(coe.contents).toContain('memory_initialization_radix=16;\nmemory_initialization_vector=\n800000,\n7FFFFF,')
  })

  it('the C header declares the smallest fitting type and spells INT32_MIN legally', () => {
    const m8 = edgeMatrix({ intBits: 4, fracBits: 4 }, 'per-tensor')
    const [h8] = renderExport(m8, { format: 'c', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    expect(h8.contents).toContain('static const int8_t weights[3][5] = {')
    expect(h8.contents).toContain('#define WEIGHTS_Q_FRAC_BITS 4')
    expect(h8.contents).toContain('#define WEIGHTS_LSB 0.0625')
    const m32 = edgeMatrix({ intBits: 16, fracBits: 16 }, 'per-neuron')
    const [h32] = renderExport(m32, { format: 'c', layout: 'input-major', perNeuronFiles: false, metadata: METADATA, baseName: 'layer-0 weights' })
    expect(h32.contents).toContain('static const int32_t layer_0_weights[5][3] = {')
    expect(h32.contents).toContain('static const double layer_0_weights_lsb[3] = {')
    expect(h32.contents).toContain('#define LAYER_0_WEIGHTS_INPUT_MAJOR 1')
    const m16 = edgeMatrix({ intBits: 16, fracBits: 16 }, 'per-tensor')
    const [h16] = renderExport(m16, { format: 'c', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
    expect(h16.contents).toContain('(-2147483647 - 1), 2147483647, -1, 0, 1')
  })

  const cc = ['cc', 'gcc', 'clang'].find((c) => spawnSync('which', [c]).status === 0)
  it.skipIf(!cc)(`a C compiler accepts the header and sees the same words${cc ? '' : ' (skipped: no cc, gcc or clang on PATH)'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'snn-export-c-'))
    try {
      const m = edgeMatrix({ intBits: 16, fracBits: 16 }, 'per-tensor')
      const [h] = renderExport(m, { format: 'c', layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
      writeFileSync(join(dir, 'weights.h'), h.contents)
      writeFileSync(
        join(dir, 'main.c'),
        '#include <stdio.h>\n#include "weights.h"\nint main(void){for(int j=0;j<WEIGHTS_NEURONS;j++)for(int h=0;h<WEIGHTS_INPUTS;h++)printf("%ld\\n",(long)weights[j][h]);return 0;}\n'
      )
      execFileSync(cc!, ['-std=c99', '-Wall', '-Werror', '-o', join(dir, 'main'), join(dir, 'main.c')])
      const printed = execFileSync(join(dir, 'main'), { encoding: 'utf8' }).trim().split('\n').map(Number)
      expect(printed).toEqual(Array.from(m.values))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('parsers reject what is not an export', () => {
  const m = edgeMatrix({ intBits: 8, fracBits: 8 }, 'per-tensor')
  const text = (format: ExportFormat, layout: ExportLayout = 'neuron-major') =>
    renderExport(m, { format, layout, perNeuronFiles: false, metadata: METADATA })[0].contents as string

  it('a file without the metadata line', () => {
    expect(() => parseExport('0001\n0002\n', 'mem', 'plain.mem')).toThrow(WeightFileError)
    expect(() => parseExport('0001\n0002\n', 'mem', 'plain.mem')).toThrow(/plain\.mem: no "snn-workbench-export" metadata found/)
  })

  it('a word count that disagrees with the header, or a word that does not fit', () => {
    expect(() => parseExport(text('mem') + 'FFFF\n', 'mem', 'w.mem')).toThrow(/w\.mem: 16 words, the header says 15/)
    expect(() => parseExport(text('mem').replace(/\n8000\n/, '\n18000\n'), 'mem', 'w.mem')).toThrow(/18000 does not fit 16 bits/)
    expect(() => parseExport(text('memb').replace(/\n1000000000000000\n/, '\n10000000x0000000\n'), 'memb', 'w.memb')).toThrow(/is not a binary word/)
    expect(() => parseExport(text('csv').replace(/\n-32768,/, '\n-32769,'), 'csv', 'w.csv')).toThrow(/word 0 is -32769, outside the 16-bit range/)
  })
})

// ---------------------------------------------------------------------------------------------
// Verilog

const IVERILOG = spawnSync('which', ['iverilog']).status === 0
const tmpRoot = mkdtempSync(join(tmpdir(), 'snn-export-verilog-'))
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))

describe.skipIf(!IVERILOG)('Verilog loads the memory images (iverilog)', () => {
  for (const format of ['mem', 'memb'] as const) {
    it(`$readmem${format === 'mem' ? 'h' : 'b'} reads the ${format} file word for word`, () => {
      const m = edgeMatrix({ intBits: 12, fracBits: 12 }, 'per-tensor')
      const [file] = renderExport(m, { format, layout: 'neuron-major', perNeuronFiles: false, metadata: METADATA })
      const memPath = join(tmpRoot, `weights-${format}.mem`)
      writeFileSync(memPath, file.contents)
      const depth = m.values.length
      const tb = `module tb;
  reg signed [23:0] mem [0:${depth - 1}];
  integer k;
  initial begin
    $readmem${format === 'mem' ? 'h' : 'b'}("${memPath}", mem);
    for (k = 0; k < ${depth}; k = k + 1) $display("%0d", mem[k]);
    $finish;
  end
endmodule
`
      const tbPath = join(tmpRoot, `tb-${format}.v`)
      const out = join(tmpRoot, `tb-${format}.vvp`)
      writeFileSync(tbPath, tb)
      execFileSync('iverilog', ['-o', out, tbPath])
      const printed = execFileSync('vvp', ['-n', out], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^-?\d+$/.test(l))
        .map(Number)
      expect(printed).toEqual(Array.from(m.values))
    })
  }
})

if (!IVERILOG) {
  describe('Verilog loads the memory images (iverilog)', () => {
    it.skip('skipped: iverilog is not installed (Debian package iverilog)', () => {})
  })
}
