/**
 * The export/import API through `dispatch` (the validating path IPC and the WebSocket bridge
 * use): preview figures equal the engine's own report and comparison, evaluation streams
 * progress and a newer preview cancels an older one, written files parse back to the quantized
 * words, an uploaded file becomes an evaluated run, and bad input is one clear line.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixedPointModel, compareFixedToFloat, FixedPointNetwork } from '../../src/engine/export/fixedPointInference'
import { quantizeMatrix, roundToInteger, type QuantizeOptions } from '../../src/engine/export/quantize'
import { parseExport, parsedToReal } from '../../src/engine/export/writers'
import { planData } from '../../src/engine/experiment/data'
import { createNetwork } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { dispatch } from '../../src/main/services/api'
import { evaluateWeights, trainRecorded } from '../../src/main/services/training'
import { createWorkbench, type Workbench } from '../../src/main/services/workbench'
import type { ApiArgs, ApiEvents, ApiMethod, ApiResults } from '../../src/shared/api'
import { parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config'
import { expectApiError } from '../helpers/apiError'

const ROOT = mkdtempSync(join(realpathSync(tmpdir()), 'snn-export-api-'))

const CONFIG: ExperimentConfig = parseExperimentConfig(
  {
    name: 'export-api-test',
    seed: 3,
    steps: 120,
    data: { source: { kind: 'mnist-bundled' }, classes: [0, 1], trainPerClass: 12, testPerClass: 8 },
    network: { layers: [{ neurons: 4 }] },
    threshold: { mode: 'variable', scale: 2 }
  },
  'test config'
)

let wb: Workbench
let trainedRun = 0
let emptyRun = 0
let weights: Float64Array

beforeAll(async () => {
  wb = await createWorkbench({ databasePath: join(ROOT, 'wb.db'), engine: nodeEngineProcessFactory(), recover: false })
  const { runId, result } = await trainRecorded(wb, CONFIG, loadInputs(CONFIG))
  trainedRun = runId
  weights = result.layers[0].weights
  emptyRun = wb.runs.insert(CONFIG, 'Default', 'failed')
})

afterAll(async () => {
  await wb?.close()
  rmSync(ROOT, { recursive: true, force: true })
})

async function call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResults[M]> {
  return (await dispatch(wb, method, args)) as ApiResults[M]
}

const quantize = (options: QuantizeOptions) => quantizeMatrix(weights, 4, 784, options)

describe('export.preview', () => {
  it('reports exactly what the engine computes, and the comparison equals compareFixedToFloat', async () => {
    const events: ApiEvents['export.progress'][] = []
    const off = wb.events.on('export.progress', (p) => events.push(p))
    const preview = await call('export.preview', { runId: trainedRun, q: { intBits: 4, fracBits: 4 }, evaluate: true, previewKey: 'a' })
    off()
    const engine = quantize({ q: { intBits: 4, fracBits: 4 }, rounding: 'nearest-even', scale: 'per-tensor' })
    expect(preview).toMatchObject({ runId: trainedRun, layer: 0, layers: 1, neurons: 4, inputs: 784, q: 'Q4.4', wordBits: 8, saturate: true })
    const { warnings, ...report } = engine.report
    expect(preview.quantization).toEqual(report)
    expect(preview.warnings).toEqual(warnings)

    const data = loadInputs(CONFIG)
    const plan = planData(CONFIG.data, data.source, data.testSource)
    const { network } = createNetwork(CONFIG, 28, 28, [weights])
    const direct = compareFixedToFloat(network, new FixedPointNetwork(buildFixedPointModel(CONFIG, [engine])), plan, CONFIG.evaluation.prediction, 'fixed')
    const { testImages, ...summary } = direct.summary
    expect(testImages).toBe(16)
    expect(preview.comparison).toEqual({ ...summary, images: { test: 16, train: 24, classes: [0, 1], perClass: [8, 8], source: 'the bundled MNIST digits' } })
    // The float side is the run's own recorded evaluation.
    expect(preview.comparison!.floatAccuracy).toBeCloseTo((await call('runs.get', { id: trainedRun })).accuracy!, 10)
    expect(events.length).toBeGreaterThan(0)
    expect(events.at(-1)).toEqual({ previewKey: 'a', runId: trainedRun, done: 40, total: 40 })
  })

  it('without evaluate, answers with the report only', async () => {
    const preview = await call('export.preview', { runId: trainedRun, q: { intBits: 12, fracBits: 12 } })
    expect(preview.comparison).toBeNull()
    expect(preview.comparisonSkipped).toBe('not requested')
    expect(preview.quantization.maxAbsError).toBeLessThanOrEqual(2 ** -13)
  })

  it('a newer preview with the same key cancels the running one', async () => {
    const args = { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, evaluate: true, previewKey: 'dialog-1' }
    const older = call('export.preview', args)
    const newer = call('export.preview', { ...args, q: { intBits: 12, fracBits: 12 } })
    await expectApiError(older, 'conflict', /preview cancelled/)
    expect((await newer).q).toBe('Q12.12')
    expect(await call('export.cancel', { previewKey: 'dialog-1' })).toEqual({ cancelled: false })
  })

  it('saturate off wraps out-of-range words around, and the report says so', async () => {
    const q = { intBits: 1, fracBits: 3 } // [−1, 0.875]: the seed's weights overflow
    const clamped = await call('export.preview', { runId: trainedRun, q })
    const wrapped = await call('export.preview', { runId: trainedRun, q, saturate: false })
    expect(wrapped.quantization.saturated).toBe(clamped.quantization.saturated)
    expect(wrapped.quantization.saturated).toBeGreaterThan(0)
    expect(wrapped.quantization.saturatedByNeuron.reduce((a, b) => a + b, 0)).toBe(wrapped.quantization.saturated)
    expect(wrapped.warnings[0]).toMatch(/wrapped around/)
    expect(wrapped.quantization.maxAbsError).toBeGreaterThan(clamped.quantization.maxAbsError)

    // What is previewed is what is written, and the file says so.
    const file = await call('export.write', { runId: trainedRun, q, saturate: false, format: 'mem' })
    const text = Buffer.from(file.files[0].content, 'base64').toString()
    expect(text).toContain('out-of-range words wrapped around (not saturated)')
    // Each word keeps the low 4 bits of round(w · 2^3), read as a signed 4-bit number.
    const expected = Int32Array.from(weights, (w) => ((((roundToInteger(w * 8, 'nearest-even') + 8) % 16) + 16) % 16) - 8)
    expect(parseExport(text, 'mem', 'mem').values).toEqual(expected)
  })
})

describe('export.write', () => {
  it('returns files that parse back to the quantized words (mem, csv input-major, npy)', async () => {
    const options: QuantizeOptions = { q: { intBits: 12, fracBits: 12 }, rounding: 'floor', scale: 'per-neuron' }
    const expected = quantize(options).values
    const base = { runId: trainedRun, q: options.q, rounding: options.rounding, scale: options.scale }
    const mem = await call('export.write', { ...base, format: 'mem' })
    expect(mem.files.map((f) => f.name)).toEqual([`run-${trainedRun}-step-24-q12.12.mem`])
    const memText = Buffer.from(mem.files[0].content, 'base64').toString()
    expect(mem.files[0].bytes).toBe(Buffer.byteLength(memText))
    expect(parseExport(memText, 'mem', 'mem').values).toEqual(expected)

    const csv = await call('export.write', { ...base, format: 'csv', layout: 'input-major' })
    expect(parseExport(Buffer.from(csv.files[0].content, 'base64').toString(), 'csv', 'csv').values).toEqual(expected)

    const npy = await call('export.write', { ...base, format: 'npy' })
    expect(npy.files.map((f) => f.name).sort()).toEqual(['f32.npy', 'meta.json', 'npy'].map((e) => `run-${trainedRun}-step-24-q12.12.${e}`).sort())
  })

  it('one file per neuron gives one file each', async () => {
    const result = await call('export.write', { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'coe', perNeuronFiles: true })
    expect(result.files.map((f) => f.name)).toEqual([0, 1, 2, 3].map((j) => `run-${trainedRun}-step-24-q8.8-n00${j}.coe`))
  })
})

describe('runs.import', () => {
  it('an exported txt comes back as a completed, evaluated run holding the words’ real values', async () => {
    const written = await call('export.write', { runId: trainedRun, q: { intBits: 12, fracBits: 12 }, format: 'txt' })
    const content = written.files[0].content
    const imported = await call('runs.import', { format: 'txt', name: 'from hardware', fileName: 'w.txt', content, classes: [0, 1] })
    expect(imported).toMatchObject({ neurons: 4, inputs: 784, source: 'fixed-point export' })
    const run = await call('runs.get', { id: imported.id })
    expect(run).toMatchObject({ name: 'from hardware', status: 'completed', tags: ['imported'] })
    expect(run.config.data.classes).toEqual([0, 1])
    expect(run.accuracy).toBeCloseTo(imported.accuracy, 12)
    const stored = await call('runs.weights', { id: imported.id })
    const real = parsedToReal(parseExport(Buffer.from(content, 'base64').toString(), 'txt', 'txt'))
    expect(stored.weights).toEqual(Array.from(real))
    // Evaluated in slices, with the very figures `snn-workbench evaluate` gives.
    const reference = evaluateWeights(run.config, { rows: 4, cols: 784, data: real }, 'w.txt')
    const { accuracy, trainAccuracy, confusion, responses } = reference.evaluation
    expect(run.evaluation).toMatchObject({ accuracy, trainAccuracy, confusion, responses })
    expect(run.evaluation!.predicted).toEqual(Array.from(reference.evaluation.predicted))
  })

  it('takes a full config instead of classes', async () => {
    const content = Buffer.from(Array.from({ length: 4 }, () => new Array(784).fill('0.5').join('\t')).join('\n')).toString('base64')
    const imported = await call('runs.import', { format: 'txt', name: 'flat', fileName: 'flat.txt', content, config: { ...CONFIG, name: 'ignored' } })
    expect((await call('runs.get', { id: imported.id })).config).toMatchObject({ name: 'flat', steps: 120, data: { trainPerClass: 12 } })
  })
})

describe('bad input is one clear line', () => {
  it('names the field or the problem', async () => {
    await expectApiError(call('export.preview', { runId: trainedRun, q: { intBits: 20, fracBits: 16 } }), 'invalid-argument', /^export\.preview: q: Q20\.16 is 36 bits; I \+ F must be at most 32$/)
    await expectApiError(call('export.preview', { runId: emptyRun, q: { intBits: 8, fracBits: 8 } }), 'not-found', new RegExp(`run ${emptyRun} has no weight snapshots`))
    await expectApiError(call('export.preview', { runId: 9999, q: { intBits: 8, fracBits: 8 } }), 'not-found', /run 9999 does not exist/)
    await expectApiError(call('export.write', { runId: trainedRun, q: { intBits: 8, fracBits: 8 }, format: 'vhd' as 'mem' }), 'invalid-argument', /^export\.write: format: /)
    const twoByThree = Buffer.from('1,2,3\n4,5,6\n').toString('base64')
    await expectApiError(
      call('runs.import', { format: 'csv', name: 'x', fileName: 'w.csv', content: twoByThree, classes: [0, 1] }),
      'invalid-argument',
      /^w\.csv: weights are 2×3, expected 2 neurons × 784 inputs$/
    )
    await expectApiError(call('runs.import', { format: 'csv', name: 'x', fileName: 'w.csv', content: twoByThree }), 'invalid-argument', /give config .* or classes/)
    await expectApiError(call('runs.import', { format: 'npy', name: 'x', fileName: 'w.npy', content: twoByThree, classes: [0] }), 'invalid-argument', /^w\.npy: /)
  })
})
