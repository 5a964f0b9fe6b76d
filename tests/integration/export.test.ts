/**
 * Export and import end to end on a real database: a small seed network trained in-process
 * (trainRecorded), then previewed and exported through the services (quantization report,
 * float-vs-fixed accuracy and agreement, every format written and read back, NIR read back with
 * h5wasm, all-or-nothing writes) and through the CLI (`node bin/snn-workbench.cjs export|import`),
 * including bad input that must leave nothing behind.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quantizeMatrix } from '../../src/engine/export/quantize'
import { EXPORT_FORMATS, parseExport, type ExportFormat } from '../../src/engine/export/writers'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { formatWeights } from '../../src/engine/io/weightFiles'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { exportWeights, previewExport } from '../../src/main/services/exportService'
import { importWeights } from '../../src/main/services/importWeights'
import { trainRecorded } from '../../src/main/services/training'
import { createWorkbench, type Workbench } from '../../src/main/services/workbench'
import { parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config'
import { runCli, type CliRun } from '../helpers/cli'
import { expectApiError } from '../helpers/apiError'

const ROOT = mkdtempSync(join(realpathSync(tmpdir()), 'snn-export-'))
const DB = join(ROOT, 'wb.db')
afterAll(() => rmSync(ROOT, { recursive: true, force: true }))

const CONFIG: ExperimentConfig = parseExperimentConfig(
  {
    name: 'export-test',
    seed: 1,
    steps: 200,
    data: { source: { kind: 'mnist-bundled' }, classes: [0, 1, 2], trainPerClass: 20, testPerClass: 12 },
    network: { layers: [{ neurons: 5 }] },
    threshold: { mode: 'variable', scale: 2 }
  },
  'test config'
)

// diehl-cook-2015, shortened (10 neurons, 20 training and 20 test images): no integer model, so the
// comparison runs the float network against its twin with the quantized weights.
const DC_CONFIG: ExperimentConfig = parseExperimentConfig(
  {
    name: 'export-dc',
    preset: 'diehl-cook-2015',
    seed: 5,
    network: { layers: [{ neurons: 10 }] },
    data: { trainRange: [0, 20], testRange: [20, 40] },
    diehlCook: { present: 100, rest: 50 }
  },
  'test config'
)

let trainedRun = 0
let emptyRun = 0
let dcRun = 0
let trainedWeights: Float64Array

async function openWorkbench(): Promise<Workbench> {
  return createWorkbench({ databasePath: DB, engine: nodeEngineProcessFactory(), recover: false })
}

async function withWorkbench<T>(work: (wb: Workbench) => Promise<T>): Promise<T> {
  const wb = await openWorkbench()
  try {
    return await work(wb)
  } finally {
    await wb.close()
  }
}

beforeAll(async () => {
  await withWorkbench(async (wb) => {
    const { runId, result } = await trainRecorded(wb, CONFIG, loadInputs(CONFIG))
    trainedRun = runId
    trainedWeights = result.layers[0].weights
    dcRun = (await trainRecorded(wb, DC_CONFIG, loadInputs(DC_CONFIG))).runId
    // A run that never got as far as a snapshot.
    emptyRun = wb.runs.insert(CONFIG, 'Default', 'failed')
  })
})

function freshDir(name: string): string {
  const dir = join(ROOT, name)
  mkdirSync(dir, { recursive: true })
  return dir
}

const listDir = (dir: string) => readdirSync(dir).sort()

describe('preview: quantization report and float vs fixed', () => {
  it('Q12.12 reproduces the float model; Q4.4 loses a little; both report errors within half an LSB', async () => {
    await withWorkbench(async (wb) => {
      const fine = await previewExport(wb, { runId: trainedRun, q: { intBits: 12, fracBits: 12 } })
      expect(fine).toMatchObject({ runId: trainedRun, step: 60, layer: 0, neurons: 5, inputs: 784, q: 'Q12.12', wordBits: 24, rounding: 'nearest-even', scale: 'per-tensor' })
      expect(fine.quantization.maxAbsError).toBeLessThanOrEqual(2 ** -13)
      expect(fine.quantization.saturated).toBe(0)
      expect(fine.comparison).not.toBeNull()
      const c = fine.comparison!
      expect(c.testImages).toBe(36)
      expect(c.labelSource).toBe('fixed')
      expect(c.winnerAgreement).toBeGreaterThanOrEqual(0.95)
      expect(Math.abs(c.fixedAccuracy - c.floatAccuracy)).toBeLessThanOrEqual(0.06)
      // The float side is the run's own evaluation.
      expect(c.floatAccuracy).toBeCloseTo(wb.store.evaluations.get(trainedRun)!.payload.accuracy, 12)

      const coarse = await previewExport(wb, { runId: trainedRun, q: { intBits: 4, fracBits: 4 }, rounding: 'floor', labels: 'float' })
      expect(coarse.quantization.maxAbsError).toBeLessThanOrEqual(2 ** -4)
      expect(coarse.quantization.maxAbsError).toBeGreaterThan(fine.quantization.maxAbsError)
      expect(coarse.comparison!.labelSource).toBe('float')
      expect(coarse.comparison!.floatAccuracy).toBe(c.floatAccuracy)
    })
  })

  it('heavy saturation is a warning with the count, not an error', async () => {
    await withWorkbench(async (wb) => {
      const preview = await previewExport(wb, { runId: trainedRun, q: { intBits: 1, fracBits: 3 }, compare: false })
      expect(preview.quantization.saturated).toBeGreaterThan(100)
      expect(preview.warnings[0]).toMatch(new RegExp(`^${preview.quantization.saturated} of 3920 weights \\(\\d+\\.\\d%\\) saturated at the Q1\\.3 limits \\[-1, 0\\.875\\]`))
      expect(preview.comparison).toBeNull()
    })
  })

  it('per-neuron scale records one factor per neuron', async () => {
    await withWorkbench(async (wb) => {
      const preview = await previewExport(wb, { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, scale: 'per-neuron', accumulatorBits: 32 })
      expect(preview.scales).toHaveLength(5)
      expect(preview.quantization.rangeUsed).toBeCloseTo(1, 6)
      expect(preview.comparison!.testImages).toBe(36)
    })
  })

  it('diehl-cook-2015: the float network against its twin with the quantized weights, from the same input spikes', async () => {
    await withWorkbench(async (wb) => {
      const recorded = wb.store.evaluations.get(dcRun)!.payload
      // 30 fraction bits: the weights move by at most 2^-31, so with the same Poisson spikes the twin answers as the float network.
      const exact = await previewExport(wb, { runId: dcRun, q: { intBits: 2, fracBits: 30 } })
      expect(exact.fixedModel).toBe('quantized-weights')
      expect(exact.comparison).toMatchObject({ testImages: 20, winnerAgreement: 1, predictionAgreement: 1, identicalCounts: 1 })
      // The float side is the run's network rebuilt at its final snapshot (θ included): its own evaluation, exactly.
      expect(exact.comparison!.floatAccuracy).toBe(recorded.accuracy)
      expect(exact.comparison!.fixedAccuracy).toBe(recorded.accuracy)
      expect(exact.warnings.filter((w) => w.includes('comparison'))).toEqual([])
      // Q2.2: an LSB of 0.25 rounds most of these weights (mean 78/784) to 0; the twin answers differently.
      const coarse = await previewExport(wb, { runId: dcRun, q: { intBits: 2, fracBits: 2 } })
      expect(coarse.comparison!.floatAccuracy).toBe(recorded.accuracy)
      expect(coarse.comparison!.identicalCounts).toBeLessThan(0.5)
      expect(coarse.quantization.flushedToZero).toBeGreaterThan(0)
    })
  })

  it('refuses I+F > 32 or < 2, a missing run, a run without snapshots, a missing step or layer', async () => {
    await withWorkbench(async (wb) => {
      await expectApiError(previewExport(wb, { runId: trainedRun, q: { intBits: 17, fracBits: 16 } }), 'invalid-argument', /33-bit words; at most 32 bits/)
      await expectApiError(previewExport(wb, { runId: trainedRun, q: { intBits: 1, fracBits: 0 } }), 'invalid-argument', /at least 2 bits/)
      await expectApiError(previewExport(wb, { runId: 9999, q: { intBits: 8, fracBits: 8 } }), 'not-found', /run 9999 does not exist/)
      await expectApiError(previewExport(wb, { runId: emptyRun, q: { intBits: 8, fracBits: 8 } }), 'not-found', new RegExp(`run ${emptyRun} has no weight snapshots`))
      await expectApiError(previewExport(wb, { runId: trainedRun, step: 7, q: { intBits: 8, fracBits: 8 } }), 'not-found', /no snapshot of layer 0 at step 7/)
      await expectApiError(previewExport(wb, { runId: trainedRun, layer: 1, q: { intBits: 8, fracBits: 8 } }), 'invalid-argument', /has 1 layer \(0\.\.0\)/)
      await expectApiError(previewExport(wb, { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, accumulatorBits: 12 }), 'invalid-argument', /accumulator width 12/)
    })
  })
})

describe('exportWeights writes every format', () => {
  const expected = () => quantizeMatrix(trainedWeights, 5, 784, { q: { intBits: 12, fracBits: 12 }, rounding: 'nearest-even', scale: 'per-tensor' }).values

  for (const format of EXPORT_FORMATS) {
    it(`${format}: the file parses back to the quantized words`, async () => {
      const dir = freshDir(`format-${format}`)
      const ext = format === 'c' ? 'h' : format
      const { files } = await withWorkbench((wb) =>
        exportWeights(wb, { runId: trainedRun, q: { intBits: 12, fracBits: 12 }, format, layout: 'input-major', out: join(dir, `weights.${ext}`), compare: false })
      )
      expect(files).toEqual(format === 'npy' ? [join(dir, 'weights.npy'), join(dir, 'weights.f32.npy'), join(dir, 'weights.meta.json')] : [join(dir, `weights.${ext}`)])
      expect(listDir(dir)).toEqual(files.map((f) => f.slice(dir.length + 1)).sort()) // no temporary files left
      const contents = readFileSync(files[0])
      const meta = format === 'npy' ? readFileSync(files[2], 'utf8') : undefined
      const parsed = parseExport(format === 'npy' ? new Uint8Array(contents) : contents.toString('utf8'), format as ExportFormat, files[0], meta)
      expect(parsed.header).toMatchObject({ runId: trainedRun, step: 60, layer: 0, name: 'export-test', layout: 'input-major' })
      expect(Array.from(parsed.values)).toEqual(Array.from(expected()))
    })
  }

  it('one file per neuron, named after --out', async () => {
    const dir = freshDir('per-neuron')
    const { files } = await withWorkbench((wb) =>
      exportWeights(wb, { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'coe', perNeuronFiles: true, out: join(dir, 'layer0.coe'), compare: false })
    )
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['layer0-n000.coe', 'layer0-n001.coe', 'layer0-n002.coe', 'layer0-n003.coe', 'layer0-n004.coe'])
    const third = parseExport(readFileSync(files[2], 'utf8'), 'coe', files[2])
    expect(third.header.neuron).toBe(2)
    expect(third.values).toHaveLength(784)
  })

  it('NIR: Input → Affine → LIF → Output, gzip-compressed float32 weights, read back with h5wasm', async () => {
    const dir = freshDir('nir')
    const path = join(dir, 'net.nir')
    await withWorkbench((wb) => exportWeights(wb, { runId: trainedRun, q: { intBits: 12, fracBits: 12 }, format: 'nir', out: path, compare: false }))
    expect(listDir(dir)).toEqual(['net.nir'])
    const h5wasm = await import('h5wasm/node')
    await h5wasm.ready
    const file = new h5wasm.File(path, 'r')
    try {
      const value = (p: string) => (file.get(p) as InstanceType<typeof h5wasm.Dataset>).value
      const dataset = (p: string) => file.get(p) as InstanceType<typeof h5wasm.Dataset>
      expect(typeof value('version')).toBe('string')
      expect(value('node/type')).toBe('NIRGraph')
      const nodes = file.get('node/nodes') as InstanceType<typeof h5wasm.Group>
      expect(nodes.keys().sort()).toEqual(['affine', 'input', 'lif', 'output'])
      expect(['input', 'affine', 'lif', 'output'].map((n) => value(`node/nodes/${n}/type`))).toEqual(['Input', 'Affine', 'LIF', 'Output'])
      expect(Array.from(value('node/nodes/input/shape') as BigInt64Array, Number)).toEqual([784])
      expect(Array.from(value('node/nodes/output/shape') as BigInt64Array, Number)).toEqual([5])
      const weight = dataset('node/nodes/affine/weight')
      expect(weight.shape).toEqual([5, 784])
      expect(weight.dtype).toBe('<f')
      expect(weight.filters.map((f) => f.name)).toContain('deflate')
      const stored = value('node/nodes/affine/weight') as Float32Array
      const words = expected()
      expect(Array.from(stored.subarray(0, 784))).toEqual(Array.from(words.subarray(0, 784), (w) => Math.fround(w / 4096)))
      expect(dataset('node/nodes/affine/bias').shape).toEqual([5])
      for (const key of ['tau', 'r', 'v_leak', 'v_reset', 'v_threshold']) expect(dataset(`node/nodes/lif/${key}`).shape, key).toEqual([5])
      const threshold = (value('node/nodes/lif/v_threshold') as Float32Array)[0]
      expect((value('node/nodes/lif/tau') as Float32Array)[0]).toBeCloseTo(threshold / 0.75, 3) // τ = (th − Prest) / D
      expect(value('node/edges')).toEqual(['input', 'affine', 'affine', 'lif', 'lif', 'output'])
      expect(dataset('node/edges').shape).toEqual([3, 2])
      expect(value('node/metadata/refractory_steps')).toBe(30)
    } finally {
      file.close()
    }
  })

  // NIR's reader (nir.read) walks the file with h5py: check the file reads the way it expects.
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import h5py']).status === 0)
  it.skipIf(!python)(`NIR: h5py reads it as nir.read does${python ? '' : ' (skipped: no Python with h5py; Debian package python3-h5py)'}`, async () => {
    const dir = freshDir('nir-h5py')
    const path = join(dir, 'net.nir')
    await withWorkbench((wb) => exportWeights(wb, { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'nir', out: path, compare: false }))
    const script = [
      'import sys, h5py',
      'f = h5py.File(sys.argv[1], "r")',
      'node = f["node"]',
      'assert node["type"][()] == b"NIRGraph"',
      'edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in node["edges"][()]]',
      'types = {k: n["type"][()].decode() for k, n in node["nodes"].items()}',
      'w = node["nodes"]["affine"]["weight"]',
      'print(edges, types, w.shape, w.dtype, w.compression, f["version"][()].decode())'
    ].join('\n')
    const out = execFileSync(python!, ['-c', script, path], { encoding: 'utf8' }).trim()
    expect(out).toBe(
      "[('input', 'affine'), ('affine', 'lif'), ('lif', 'output')] {'affine': 'Affine', 'input': 'Input', 'lif': 'LIF', 'output': 'Output'} (5, 784) float32 gzip 1.0.0"
    )
  })

  it('writes all files or none: a failure on the last rename leaves the folder as it was', async () => {
    const dir = freshDir('all-or-nothing')
    writeFileSync(join(dir, 'keep.txt'), 'mine\n')
    mkdirSync(join(dir, 'w-n004.mem')) // a folder where the last file must go
    const before = listDir(dir)
    await withWorkbench((wb) =>
      expectApiError(
        exportWeights(wb, { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'mem', perNeuronFiles: true, out: join(dir, 'w.mem'), compare: false }),
        'invalid-argument',
        /cannot write the export/
      )
    )
    expect(listDir(dir)).toEqual(before)
  })

  it('refuses an unusable --out before doing any work', async () => {
    const dir = freshDir('unwritable')
    writeFileSync(join(dir, 'a-file'), '')
    await withWorkbench(async (wb) => {
      const base = { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'mem' as const }
      await expectApiError(exportWeights(wb, { ...base, out: join(dir, 'missing', 'w.mem') }), 'invalid-argument', /folder .*missing does not exist/)
      await expectApiError(exportWeights(wb, { ...base, out: join(dir, 'a-file', 'w.mem') }), 'invalid-argument', /a-file is not a folder/)
      await expectApiError(exportWeights(wb, { ...base, out: dir }), 'invalid-argument', /is a folder, expected a file name/)
    })
    expect(listDir(dir)).toEqual(['a-file'])
  })
})

describe('importWeights', () => {
  it('records weights as a new completed run with a step-0 snapshot and its evaluation', async () => {
    const dir = freshDir('import')
    const path = join(dir, 'weights.txt')
    writeFileSync(path, formatWeights({ rows: 5, cols: 784, data: trainedWeights }, 'txt'))
    await withWorkbench(async (wb) => {
      const result = await importWeights(wb, { weightsPath: path, config: CONFIG })
      expect(result.source).toBe('weights')
      const run = wb.runs.get(result.runId)
      expect(run).toMatchObject({ status: 'completed', experiment: 'Imported', tags: ['imported'] })
      expect(wb.store.snapshots.list(result.runId)).toEqual([{ step: 0, layer: 0, neurons: 5, inputs: 784 }])
      expect(Array.from(wb.store.snapshots.get(result.runId, 0)!.weights)).toEqual(Array.from(trainedWeights))
      // The same weights on the same data: the trained run's evaluation.
      expect(wb.store.evaluations.get(result.runId)!.payload).toEqual(wb.store.evaluations.get(trainedRun)!.payload)
    })
  })

  it('turns one of its own fixed-point exports back into real weights', async () => {
    const dir = freshDir('import-export')
    const out = join(dir, 'q.csv')
    await withWorkbench(async (wb) => {
      await exportWeights(wb, { runId: trainedRun, q: { intBits: 12, fracBits: 12 }, format: 'csv', layout: 'input-major', out, compare: false })
      const result = await importWeights(wb, { weightsPath: out, config: CONFIG })
      expect(result.source).toBe('fixed-point export')
      const words = quantizeMatrix(trainedWeights, 5, 784, { q: { intBits: 12, fracBits: 12 }, rounding: 'nearest-even', scale: 'per-tensor' }).values
      expect(Array.from(wb.store.snapshots.get(result.runId, 0)!.weights)).toEqual(Array.from(words, (w) => w / 4096))
    })
  })

  it('checks the shape against the config before recording anything', async () => {
    const dir = freshDir('import-bad')
    const path = join(dir, 'w.csv')
    writeFileSync(path, '1,2,3\n4,5,6\n')
    await withWorkbench(async (wb) => {
      const before = wb.store.runs.list({ params: [], sort: 'created', descending: true, offset: 0, limit: 1000 }).total
      await expect(importWeights(wb, { weightsPath: path, config: CONFIG })).rejects.toThrow(/w\.csv: weights are 2×3, expected 5 neurons × 784 inputs/)
      await expect(importWeights(wb, { weightsPath: join(dir, 'none.txt'), config: CONFIG })).rejects.toThrow(/none\.txt: file not found/)
      expect(wb.store.runs.list({ params: [], sort: 'created', descending: true, offset: 0, limit: 1000 }).total).toBe(before)
    })
  })
})

// ---------------------------------------------------------------------------------------------
// The CLI

type CliResult = CliRun

function cli(args: string[], cwd = ROOT): Promise<CliResult> {
  return runCli(args, cwd)
}

function expectBadInput(r: CliResult, message: RegExp): void {
  const context = `stdout: ${r.stdout}\nstderr: ${r.stderr}`
  expect(r.status, context).toBe(2)
  expect(r.stdout, context).toBe('')
  const lines = r.stderr.trim().split('\n')
  expect(lines, context).toHaveLength(1)
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[0]).toMatch(message)
}

describe('CLI', () => {
  it('export prints the report and the files written', async () => {
    const dir = freshDir('cli-export')
    const r = await cli(['export', '--run', String(trainedRun), '--format', 'mem', '--q', '12.12', '--out', join(dir, 'w.mem'), '--db', DB])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`run ${trainedRun}, step 60, layer 0: 5 neurons × 784 inputs`)
    expect(r.stdout).toMatch(/quantization error {2}max \S+ {2}mean \S+/)
    expect(r.stdout).toContain('saturated           0 of 3920 weights')
    expect(r.stdout).toMatch(/accuracy {10}float \d+\.\d% {3}fixed \d+\.\d%/)
    expect(r.stdout).toMatch(/winner agreement {2}\d+\.\d%/)
    expect(r.stdout).toContain(`wrote ${join(dir, 'w.mem')}`)
    expect(listDir(dir)).toEqual(['w.mem'])
  })

  it('export of a diehl-cook-2015 run names its comparison for what it is; --no-compare skips it', async () => {
    const dir = freshDir('cli-export-dc')
    const r = await cli(['export', '--run', String(dcRun), '--format', 'mem', '--q', '12.12', '--out', join(dir, 'w.mem'), '--db', DB])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Q12.12 (24-bit words), rounding nearest-even, per-tensor scale\n') // no accumulators: there is no integer model
    expect(r.stdout).toContain('float vs Q12.12 weights (float neurons, the same input spikes) on 20 test images')
    expect(r.stdout).toMatch(/accuracy {10}float \d+\.\d% {3}Q12\.12 weights \d+\.\d%/)
    const skipped = await cli(['export', '--run', String(dcRun), '--format', 'mem', '--q', '12.12', '--out', join(dir, 'w2.mem'), '--no-compare', '--db', DB])
    expect(skipped.status, skipped.stderr).toBe(0)
    expect(skipped.stdout).not.toContain('accuracy')
    expect(skipped.stdout).not.toContain('warning: no comparison')
    expect(listDir(dir)).toEqual(['w.mem', 'w2.mem'])
  })

  it('export --json, per-neuron files in another layout', async () => {
    const dir = freshDir('cli-json')
    const r = await cli(['export', '--run', String(trainedRun), '--format', 'c', '--q', '8.8', '--layout', 'input-major', '--per-neuron', '--scale', 'per-neuron', '--rounding', 'toward-zero', '--out', join(dir, 'w.h'), '--db', DB, '--json'])
    expect(r.status, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as { files: string[]; q: string; scale: string; rounding: string; comparison: { testImages: number } }
    expect(result).toMatchObject({ q: 'Q8.8', scale: 'per-neuron', rounding: 'toward-zero', comparison: { testImages: 36 } })
    expect(result.files).toHaveLength(5)
    expect(listDir(dir)).toEqual(['w-n000.h', 'w-n001.h', 'w-n002.h', 'w-n003.h', 'w-n004.h'])
  })

  it('bad input: one error line, exit 2, nothing written', async () => {
    const dir = freshDir('cli-bad')
    writeFileSync(join(dir, 'a-file'), '')
    const base = ['export', '--run', String(trainedRun), '--format', 'mem', '--db', DB]
    const cases: [string[], RegExp][] = [
      [[...base, '--q', '17.16', '--out', join(dir, 'w.mem')], /--q Q17\.16: 33-bit words; at most 32 bits \(I \+ F ≤ 32\)/],
      [[...base, '--q', '1.0', '--out', join(dir, 'w.mem')], /at least 2 bits/],
      [[...base, '--q', 'twelve', '--out', join(dir, 'w.mem')], /expected I\.F/],
      [['export', '--run', String(emptyRun), '--format', 'mem', '--q', '8.8', '--out', join(dir, 'w.mem'), '--db', DB], new RegExp(`run ${emptyRun} has no weight snapshots`)],
      [[...base, '--q', '8.8', '--out', join(dir, 'no-folder', 'w.mem')], /no-folder does not exist/],
      [[...base, '--q', '8.8', '--out', join(dir, 'a-file', 'w.mem')], /a-file is not a folder/],
      [[...base, '--q', '8.8', '--out', join(dir, 'w.mem'), '--rounding', 'up'], /--rounding up: expected one of nearest-even, toward-zero, floor/],
      [[...base, '--q', '8.8'], /--out PATH is required/],
      [['export', '--run', '999', '--format', 'mem', '--q', '8.8', '--out', join(dir, 'w.mem'), '--db', DB], /run 999 does not exist/],
      [['export', '--run', String(trainedRun), '--format', 'vhdl', '--q', '8.8', '--out', join(dir, 'w.mem'), '--db', DB], /--format vhdl: expected one of mem, memb/],
      [['export', '--run', String(trainedRun), '--format', 'mem', '--q', '8.8', '--out', join(dir, 'w.mem'), '--db', join(dir, 'missing.db')], /missing\.db: no run database there/]
    ]
    const results = await Promise.all(cases.map(([args]) => cli(args, dir)))
    results.forEach((r, i) => expectBadInput(r, cases[i][1]))
    expect(listDir(dir)).toEqual(['a-file'])
  })

  it('import records a run and prints its id; a wrong shape is one error line', async () => {
    const dir = freshDir('cli-import')
    const configPath = join(dir, 'config.json')
    writeFileSync(configPath, JSON.stringify({ ...CONFIG, data: { ...CONFIG.data } }))
    const weightsPath = join(dir, 'weights.txt')
    writeFileSync(weightsPath, formatWeights({ rows: 5, cols: 784, data: trainedWeights }, 'txt'))
    const r = await cli(['import', '--weights', weightsPath, '--config', configPath, '--db', DB])
    expect(r.status, r.stderr).toBe(0)
    const id = Number(/as run (\d+) /.exec(r.stdout)?.[1])
    expect(id).toBeGreaterThan(trainedRun)
    await withWorkbench(async (wb) => expect(wb.runs.get(id).status).toBe('completed'))

    writeFileSync(join(dir, 'small.csv'), '1,2\n3,4\n')
    expectBadInput(await cli(['import', '--weights', join(dir, 'small.csv'), '--config', configPath, '--db', DB]), /small\.csv: weights are 2×2, expected 5 neurons × 784 inputs/)
  })
})
