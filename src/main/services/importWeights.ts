/**
 * Import weights trained elsewhere (or exported here) as a new, completed run: one snapshot at
 * step 0 and its evaluation on the config's data, so the app can show, compare and export it
 * like any trained run.
 *
 * Accepts the seed's weights.txt, CSV, .npy and JSON (neurons × inputs), and this workbench's own
 * fixed-point exports of those formats (recognised by their metadata and turned back into the
 * real values they stand for). Every problem is one line naming the file (WeightFileError); the
 * run is recorded only once everything has been checked and evaluated. The weights come from a
 * path (CLI) or as bytes (the API: the UI uploads the file); evaluation presents the images in
 * slices, so a server stays responsive while it runs.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { parseExperimentConfig, type ExperimentConfig } from '../../shared/config'
import { evaluateResponses, type EvaluationResult } from '../../engine/evaluation'
import { classIndices } from '../../engine/export/fixedPointInference'
import { findExportHeader, parsedToReal, parseExport, type ExportHeader } from '../../engine/export/writers'
import { classify, createNetwork } from '../../engine/experiment/run'
import { parseWeights, weightFormatFromPath, WeightFileError, type WeightFormat, type WeightMatrix } from '../../engine/io/weightFiles'
import { Rng } from '../../engine/random'
import { inSlices, loadPlannedInputs } from './exportService'
import { RunRecorder } from './runRecorder'
import type { RunService } from './runService'
import type { RunStore } from '../db'

/** What importing needs of the workbench (a Workbench is one). */
export interface ImportContext {
  store: RunStore
  runs: Pick<RunService, 'insert'>
}

/** The file itself, as the UI uploads it: its name (for messages and the format) and bytes. */
export interface UploadedWeights {
  fileName: string
  format: WeightFormat
  bytes: Uint8Array
}

export interface ImportRequest {
  /** A .txt, .csv, .npy or .json file of neurons × inputs weights … */
  weightsPath?: string
  /** … or its bytes. */
  upload?: UploadedWeights
  /**
   * A validated config (paths resolved); it must describe a one-layer network of the file's
   * shape. A function gets the file's shape first (the API builds the config from a preset).
   */
  config: ExperimentConfig | ((matrix: { rows: number; cols: number }) => ExperimentConfig)
  experiment?: string
}

export interface ImportResult {
  runId: number
  neurons: number
  inputs: number
  /** 'fixed-point export': one of this workbench's exports, converted back to real values. */
  source: 'weights' | 'fixed-point export'
  evaluation: EvaluationResult
  classLabels: number[]
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new WeightFileError(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code ?? (error as Error).message})`)
  }
}

/**
 * A whole-matrix fixed-point export as real weights; null when `bytes` are not one of ours. An
 * uploaded .npy has no folder, so no .meta.json beside it: it is read as plain weights.
 */
function fromFixedPointExport(path: string, bytes: Uint8Array, format: WeightFormat, onDisk: boolean): WeightMatrix | null {
  let header: ExportHeader | null
  let parse: () => ReturnType<typeof parseExport>
  if (format === 'npy') {
    // Our .npy exports keep their metadata next to them, in <stem>.meta.json.
    const metaPath = join(dirname(path), `${basename(path, extname(path))}.meta.json`)
    if (!onDisk || !existsSync(metaPath)) return null
    const metaText = new TextDecoder().decode(readBytes(metaPath))
    header = JSON.parse(metaText) as ExportHeader | null
    parse = () => parseExport(bytes, 'npy', path, metaText)
  } else {
    const text = new TextDecoder().decode(bytes)
    header = format === 'json' ? ((JSON.parse(text) as { metadata?: ExportHeader } | null)?.metadata ?? null) : findExportHeader(text)
    parse = () => parseExport(text, format, path)
  }
  if (header?.generator !== 'snn-workbench' || header.kind !== 'fixed-point-weights') return null
  if (header.neuron !== null) throw new WeightFileError(`${path}: holds neuron ${header.neuron} only (a one-file-per-neuron export); import a whole-matrix export`)
  const parsed = parse()
  return { rows: parsed.rows, cols: parsed.cols, data: parsedToReal(parsed) }
}

function readMatrix(path: string, format: WeightFormat, bytes: Uint8Array, onDisk: boolean): { matrix: WeightMatrix; source: ImportResult['source'] } {
  let exported: WeightMatrix | null = null
  try {
    exported = fromFixedPointExport(path, bytes, format, onDisk)
  } catch (error) {
    // Not JSON at all: let the plain parser give its own message.
    if (!(error instanceof SyntaxError)) throw error
  }
  if (exported) return { matrix: exported, source: 'fixed-point export' }
  return { matrix: parseWeights(bytes, format, path), source: 'weights' }
}

function readRequested(request: ImportRequest): { name: string; matrix: WeightMatrix; source: ImportResult['source'] } {
  if (request.upload) {
    const { fileName, format, bytes } = request.upload
    return { name: fileName, ...readMatrix(fileName, format, bytes, false) }
  }
  const path = request.weightsPath
  if (!path) throw new WeightFileError('no weights file given')
  const format = weightFormatFromPath(path)
  if (!format) throw new WeightFileError(`${path}: unknown weights format (expected .txt, .csv, .npy or .json)`)
  return { name: path, ...readMatrix(path, format, readBytes(path), true) }
}

/**
 * The config the API builds for an upload without one: the seed-2017 preset on `classes`, with
 * as many neurons as the file has rows. Throws ConfigError naming the field.
 */
export function presetImportConfig(name: string, classes: number[], neurons: number): ExperimentConfig {
  return parseExperimentConfig({ name, preset: 'seed-2017', data: { classes }, network: { layers: [{ neurons }] } }, 'import')
}

/**
 * Evaluate one layer of weights on the config's data, as `evaluateNetwork` does (the same
 * figures), presenting the images in slices so the event loop stays free.
 */
async function evaluateInSlices(config: ExperimentConfig, weights: WeightMatrix, weightsSource: string): Promise<{ evaluation: EvaluationResult; classLabels: number[] }> {
  const { data, plan } = loadPlannedInputs(config)
  const expected = [config.network.layers[0].neurons, data.source.width * data.source.height]
  if (weights.rows !== expected[0] || weights.cols !== expected[1]) {
    throw new WeightFileError(`${weightsSource}: weights are ${weights.rows}×${weights.cols}, expected ${expected[0]} neurons × ${expected[1]} inputs`)
  }
  const { network } = createNetwork(config, data.source.width, data.source.height, [weights.data])
  const n = network.outputSize
  const countsOf = async (set: typeof plan.trainSet, indices: Int32Array, fromTrainingSource: boolean): Promise<Int32Array> => {
    const counts = new Int32Array(indices.length * n)
    await inSlices(indices.length, (from, to) => counts.set(classify(network, set, indices.subarray(from, to), fromTrainingSource), from * n))
    return counts
  }
  const trainCounts = await countsOf(plan.trainSet, plan.trainIndices, true)
  const testCounts = await countsOf(plan.testSet, plan.testIndices, plan.testSet === plan.trainSet)
  const evaluation = evaluateResponses({
    trainCounts,
    trainLabels: classIndices(plan.trainSet.labels, plan.trainIndices, plan.classLabels),
    testCounts,
    testLabels: classIndices(plan.testSet.labels, plan.testIndices, plan.classLabels),
    neurons: n,
    classes: plan.classLabels.length,
    mode: config.evaluation.prediction
  })
  return { evaluation, classLabels: plan.classLabels }
}

/** Check, evaluate, then record the run (run, snapshot, evaluation, tag and note in one transaction). */
export async function importWeights(workbench: ImportContext, request: ImportRequest): Promise<ImportResult> {
  const { name: weightsPath, matrix, source } = readRequested(request)
  const config = typeof request.config === 'function' ? request.config(matrix) : request.config
  if (config.preset !== 'seed-2017') throw new WeightFileError(`${weightsPath}: importing weights needs a seed-2017 config; this one is ${config.preset} (its state is more than weights)`)
  if (config.network.layers.length !== 1) {
    throw new WeightFileError(`${weightsPath}: a weights file holds one matrix; the config has ${config.network.layers.length} layers (use a one-layer config)`)
  }
  // Loads the config's data, checks the shape against neurons × image size, and evaluates.
  const { evaluation, classLabels } = await evaluateInSlices(config, matrix, weightsPath)
  // The encoder state a fresh network starts from (what createNetwork gives a seed-2017 run).
  const encoder = new Rng(config.seed).split('encoder').getState()
  const store = workbench.store
  const runId = store.transaction(() => {
    const id = workbench.runs.insert(config, request.experiment ?? 'Imported', 'completed')
    const recorder = new RunRecorder(store, id)
    recorder.snapshot({
      step: 0,
      layers: [{ neurons: matrix.rows, inputs: matrix.cols, weights: matrix.data }],
      rng: { encoder }
    })
    recorder.evaluation(evaluation, classLabels, 0)
    store.tags.add(id, 'imported')
    store.notes.set(id, `imported from ${weightsPath}${source === 'fixed-point export' ? ' (a fixed-point export, converted to real values)' : ''}`)
    return id
  })
  return { runId, neurons: matrix.rows, inputs: matrix.cols, source, evaluation, classLabels }
}
