/**
 * Import weights trained elsewhere (or exported here) as a new, completed run: one snapshot at
 * step 0 and its evaluation on the config's data, so the app can show, compare and export it
 * like any trained run.
 *
 * Accepts the seed's weights.txt, CSV, .npy and JSON (neurons × inputs), and this workbench's own
 * fixed-point exports of those formats (recognised by their metadata and turned back into the
 * real values they stand for). Every problem is one line naming the file (WeightFileError); the
 * run is recorded only once everything has been checked and evaluated.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import type { ExperimentConfig } from '../../shared/config'
import type { EvaluationResult } from '../../engine/evaluation'
import { findExportHeader, parsedToReal, parseExport, type ExportHeader } from '../../engine/export/writers'
import { parseWeights, weightFormatFromPath, WeightFileError, type WeightMatrix } from '../../engine/io/weightFiles'
import { Rng } from '../../engine/random'
import { evaluateWeights } from './training'
import { RunRecorder } from './runRecorder'
import type { Workbench } from './workbench'

export interface ImportRequest {
  /** A .txt, .csv, .npy or .json file of neurons × inputs weights. */
  weightsPath: string
  /** A validated config (paths resolved); it must describe a one-layer network of the file's shape. */
  config: ExperimentConfig
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

/** A whole-matrix fixed-point export as real weights; null when `bytes` are not one of ours. */
function fromFixedPointExport(path: string, bytes: Uint8Array, format: 'csv' | 'json' | 'npy' | 'txt'): WeightMatrix | null {
  let header: ExportHeader | null
  let parse: () => ReturnType<typeof parseExport>
  if (format === 'npy') {
    // Our .npy exports keep their metadata next to them, in <stem>.meta.json.
    const metaPath = join(dirname(path), `${basename(path, extname(path))}.meta.json`)
    if (!existsSync(metaPath)) return null
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

function readMatrix(path: string): { matrix: WeightMatrix; source: ImportResult['source'] } {
  const format = weightFormatFromPath(path)
  if (!format) throw new WeightFileError(`${path}: unknown weights format (expected .txt, .csv, .npy or .json)`)
  const bytes = readBytes(path)
  let exported: WeightMatrix | null = null
  try {
    exported = fromFixedPointExport(path, bytes, format)
  } catch (error) {
    // Not JSON at all: let the plain parser give its own message.
    if (!(error instanceof SyntaxError)) throw error
  }
  if (exported) return { matrix: exported, source: 'fixed-point export' }
  return { matrix: parseWeights(bytes, format, path), source: 'weights' }
}

/** Check, evaluate, then record the run (run, snapshot, evaluation, tag and note in one transaction). */
export async function importWeights(workbench: Workbench, request: ImportRequest): Promise<ImportResult> {
  const { weightsPath, config } = request
  if (config.preset !== 'seed-2017') throw new WeightFileError(`${weightsPath}: importing weights needs a seed-2017 config; this one is ${config.preset} (its state is more than weights)`)
  if (config.network.layers.length !== 1) {
    throw new WeightFileError(`${weightsPath}: a weights file holds one matrix; the config has ${config.network.layers.length} layers (use a one-layer config)`)
  }
  const { matrix, source } = readMatrix(weightsPath)
  // Loads the config's data, checks the shape against neurons × image size, and evaluates.
  const { evaluation, classLabels } = evaluateWeights(config, matrix, weightsPath)
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
