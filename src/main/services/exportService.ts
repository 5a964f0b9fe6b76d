/**
 * Export a run's weights for hardware: quantize a stored snapshot to fixed point, report the
 * error and how the integer model classifies compared with the float one (on the run's own test
 * images, through its stored config), and write the files atomically (each to a temporary file
 * in the target folder, then renamed; on any failure nothing new is left behind).
 *
 * Errors are ApiErrors: 'invalid-argument' for bad settings or an unusable output path,
 * 'not-found' for a missing run or snapshot. Heavy saturation is not an error: the preview
 * carries it as a warning with the count.
 */
import { accessSync, constants, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { ApiError } from '../../shared/api'
import { parseExperimentConfig, type ExperimentConfig } from '../../shared/config'
import { planData } from '../../engine/experiment/data'
import { createNetwork, imageKey } from '../../engine/experiment/run'
import {
  buildFixedPointModel,
  compareFixedToFloat,
  DEFAULT_ACCUMULATOR_BITS,
  FixedPointNetwork,
  type FixedVsFloatSummary,
  type LabelSource
} from '../../engine/export/fixedPointInference'
import {
  checkQFormat,
  dequantize,
  formatQ,
  quantizeMatrix,
  QuantizeError,
  ROUNDINGS,
  SCALE_MODES,
  wordBits,
  type QFormat,
  type QuantizationReport,
  type QuantizedMatrix,
  type Rounding,
  type ScaleMode
} from '../../engine/export/quantize'
import { DEFAULT_EXTENSIONS, EXPORT_FORMATS, EXPORT_LAYOUTS, renderExport, type ExportFormat, type ExportLayout } from '../../engine/export/writers'
import { loadInputs } from '../../engine/host/loadInputs'
import { nirGraphOf, writeNirFile, type NirLayer } from '../../engine/host/nirWriter'
import type { RunStore } from '../db'
import type { Workbench } from './workbench'

export type ExportTarget = ExportFormat | 'nir'
export const EXPORT_TARGETS: readonly ExportTarget[] = [...EXPORT_FORMATS, 'nir']

export interface ExportSettings {
  runId: number
  /** Snapshot step; default: the latest step with every layer recorded. */
  step?: number
  /** Layer whose weights are reported and written (default 0). The comparison quantizes all layers alike. */
  layer?: number
  q: QFormat
  rounding?: Rounding
  scale?: ScaleMode
  /** Width of the integer model's potentials (default 32). */
  accumulatorBits?: number
  /** Who labels the neurons when scoring the integer model (default: its own training responses). */
  labels?: LabelSource
  /** Run the integer-vs-float comparison (default true; it loads the run's images). */
  compare?: boolean
}

export interface ExportPreview {
  runId: number
  step: number
  layer: number
  neurons: number
  inputs: number
  q: string
  intBits: number
  fracBits: number
  wordBits: number
  rounding: Rounding
  scale: ScaleMode
  accumulatorBits: number
  quantization: QuantizationReport
  /** Per-neuron scale factors (null per-tensor). */
  scales: number[] | null
  comparison: FixedVsFloatSummary | null
  /** Why there is no comparison when there is none. */
  comparisonSkipped: string | null
  warnings: string[]
}

export interface ExportRequest extends ExportSettings {
  format: ExportTarget
  layout?: ExportLayout
  perNeuronFiles?: boolean
  /** The file to write (per-neuron files and npy companions go next to it, named after it). */
  out: string
}

export interface ExportResult {
  preview: ExportPreview
  files: string[]
}

const invalid = (message: string) => new ApiError('invalid-argument', message)

function checkSettings(settings: ExportSettings): Required<Omit<ExportSettings, 'step'>> & { step?: number } {
  const { q } = settings
  try {
    checkQFormat(q)
  } catch (error) {
    throw invalid((error as Error).message)
  }
  const rounding = settings.rounding ?? 'nearest-even'
  const scale = settings.scale ?? 'per-tensor'
  const accumulatorBits = settings.accumulatorBits ?? DEFAULT_ACCUMULATOR_BITS
  const labels = settings.labels ?? 'fixed'
  if (!ROUNDINGS.includes(rounding)) throw invalid(`rounding "${rounding}": expected one of ${ROUNDINGS.join(', ')}`)
  if (!SCALE_MODES.includes(scale)) throw invalid(`scale "${scale}": expected one of ${SCALE_MODES.join(', ')}`)
  if (labels !== 'fixed' && labels !== 'float') throw invalid(`labels "${String(labels)}": expected fixed or float`)
  if (!Number.isInteger(accumulatorBits) || accumulatorBits < wordBits(q) || accumulatorBits > 32) {
    throw invalid(`accumulator width ${accumulatorBits}: expected a whole number of bits from the word width (${wordBits(q)}) to 32`)
  }
  const layer = settings.layer ?? 0
  if (!Number.isInteger(layer) || layer < 0) throw invalid(`layer ${layer}: expected a layer index ≥ 0`)
  return { ...settings, rounding, scale, accumulatorBits, labels, layer, compare: settings.compare ?? true }
}

interface LoadedSnapshot {
  config: ExperimentConfig
  step: number
  layers: { neurons: number; inputs: number; weights: Float64Array }[]
}

function loadSnapshot(store: RunStore, runId: number, step: number | undefined): LoadedSnapshot {
  const row = store.runs.get(runId)
  if (!row) throw new ApiError('not-found', `run ${runId} does not exist`)
  const config = parseExperimentConfig(JSON.parse(row.configJson), `run ${runId} config`)
  const layerCount = config.network.layers.length
  if (store.snapshots.list(runId).length === 0) throw new ApiError('not-found', `run ${runId} has no weight snapshots to export (it recorded none)`)
  if (step === undefined) {
    const complete = store.snapshots.latestComplete(runId, layerCount)
    if (!complete) throw new ApiError('not-found', `run ${runId} has no snapshot with all ${layerCount} layers`)
    return { config, step: complete.step, layers: complete.layers }
  }
  const layers = config.network.layers.map((_, l) => {
    const snapshot = store.snapshots.get(runId, l, step)
    if (!snapshot) throw new ApiError('not-found', `run ${runId} has no snapshot of layer ${l} at step ${step}`)
    return { neurons: snapshot.neurons, inputs: snapshot.inputs, weights: snapshot.weights }
  })
  return { config, step, layers }
}

interface Prepared {
  preview: ExportPreview
  snapshot: LoadedSnapshot
  quantized: QuantizedMatrix[]
  /** Mean threshold per layer over the training images (null when they could not be loaded). */
  typicalThresholds: number[] | null
}

function prepare(store: RunStore, request: ExportSettings, forNir: boolean): Prepared {
  const settings = checkSettings(request)
  const snapshot = loadSnapshot(store, settings.runId, settings.step)
  const { config, layers } = snapshot
  if (settings.layer >= layers.length) throw invalid(`layer ${settings.layer}: run ${settings.runId} has ${layers.length} layer${layers.length === 1 ? '' : 's'} (0..${layers.length - 1})`)
  const options = { q: settings.q, rounding: settings.rounding, scale: settings.scale }
  const quantized = layers.map((l) => quantizeMatrix(l.weights, l.neurons, l.inputs, options))
  const chosen = quantized[settings.layer]
  const warnings = [...chosen.report.warnings]

  let comparison: FixedVsFloatSummary | null = null
  let comparisonSkipped: string | null = null
  let typicalThresholds: number[] | null = null
  if (config.preset !== 'seed-2017') {
    comparisonSkipped = `integer inference models the seed-2017 neuron; this run uses ${config.preset}`
  } else if (settings.compare || (forNir && config.threshold.mode === 'variable')) {
    try {
      const model = buildFixedPointModel(config, quantized, settings.accumulatorBits)
      if (model.saturatedConstants.length > 0) {
        warnings.push(
          `${model.saturatedConstants.length} neuron constants do not fit ${settings.accumulatorBits}-bit accumulators and were clamped ` +
            `(e.g. ${model.saturatedConstants[0]}); use a wider accumulator or per-tensor scale`
        )
      }
      const data = loadInputs({ ...config, init: { kind: 'uniform', low: 0, high: 1 } })
      const plan = planData(config.data, data.source, data.testSource)
      const { network } = createNetwork(config, data.source.width, data.source.height, layers.map((l) => l.weights))
      if (forNir) typicalThresholds = meanThresholds(network, plan)
      if (settings.compare) {
        const report = compareFixedToFloat(network, new FixedPointNetwork(model), plan, config.evaluation.prediction, settings.labels)
        comparison = report.summary
        if (report.summary.testImages === 0) comparisonSkipped = 'the run has no test images (data.testPerClass is 0)'
      }
    } catch (error) {
      if (error instanceof QuantizeError) throw invalid(error.message)
      if (!(error instanceof Error) || !['DatasetError', 'WeightFileError'].includes(error.name)) throw error
      comparisonSkipped = `the run's images could not be loaded: ${error.message}`
    }
  }
  if (!settings.compare && comparisonSkipped === null) comparisonSkipped = 'not requested'
  if (comparisonSkipped && comparisonSkipped !== 'not requested') warnings.push(`no integer-vs-float comparison: ${comparisonSkipped}`)

  const preview: ExportPreview = {
    runId: settings.runId,
    step: snapshot.step,
    layer: settings.layer,
    neurons: chosen.rows,
    inputs: chosen.cols,
    q: formatQ(settings.q),
    intBits: settings.q.intBits,
    fracBits: settings.q.fracBits,
    wordBits: wordBits(settings.q),
    rounding: settings.rounding,
    scale: settings.scale,
    accumulatorBits: settings.accumulatorBits,
    quantization: chosen.report,
    scales: settings.scale === 'per-neuron' ? Array.from(chosen.scales) : null,
    comparison,
    comparisonSkipped,
    warnings
  }
  return { preview, snapshot, quantized, typicalThresholds }
}

/** Mean per-image threshold of each layer over the training images (variable thresholds). */
function meanThresholds(network: ReturnType<typeof createNetwork>['network'], plan: ReturnType<typeof planData>): number[] {
  const sums = new Float64Array(network.layers.length)
  const { trainSet, trainIndices } = plan
  const imageSize = trainSet.width * trainSet.height
  for (let i = 0; i < trainIndices.length; i++) {
    network.present(trainSet.pixels, trainIndices[i] * imageSize, false, undefined, imageKey(trainIndices[i], true))
    network.layers.forEach((layer, l) => (sums[l] += layer.threshold))
  }
  return Array.from(sums, (s) => s / Math.max(1, trainIndices.length))
}

/** The quantization report and the integer-vs-float comparison, without writing anything. */
export async function previewExport(workbench: Workbench, settings: ExportSettings): Promise<ExportPreview> {
  return prepare(workbench.store, settings, false).preview
}

/** Where the files of an export go, checked before any work is done. */
function outputPlan(out: string, target: ExportTarget): { dir: string; baseName: string; extension: string; main: string } {
  if (!out) throw invalid('an output path is required')
  const main = resolve(out)
  const dir = dirname(main)
  if (!existsSync(dir)) throw invalid(`${out}: folder ${dir} does not exist`)
  if (!statSync(dir).isDirectory()) throw invalid(`${out}: ${dir} is not a folder`)
  if (existsSync(main) && statSync(main).isDirectory()) throw invalid(`${out}: is a folder, expected a file name`)
  try {
    accessSync(dir, constants.W_OK)
  } catch (error) {
    throw invalid(`${out}: cannot write in ${dir} (${(error as NodeJS.ErrnoException).code ?? 'not writable'})`)
  }
  const given = extname(main)
  const extension = given || (target === 'nir' ? '.nir' : DEFAULT_EXTENSIONS[target])
  return { dir, baseName: basename(main, given), extension, main: given ? main : main + extension }
}

let tempCounter = 0
const tempPathFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}-${++tempCounter}.tmp`)

/** Write every file or none: all to temporary names first, then rename them into place. */
async function writeAllOrNothing(files: { path: string; write: (tempPath: string) => void | Promise<void> }[]): Promise<void> {
  const temps: string[] = []
  const placed: string[] = []
  try {
    for (const file of files) {
      const temp = tempPathFor(file.path)
      temps.push(temp)
      await file.write(temp)
    }
    files.forEach((file, i) => {
      renameSync(temps[i], file.path)
      placed.push(file.path)
    })
  } catch (error) {
    for (const temp of temps) rmSync(temp, { force: true })
    for (const path of placed) rmSync(path, { force: true })
    const code = (error as NodeJS.ErrnoException).code
    throw invalid(`cannot write the export (${code ?? (error as Error).message})`)
  }
}

/** Quantize, compare (unless `compare: false`) and write the files; returns the paths written. */
export async function exportWeights(workbench: Workbench, request: ExportRequest): Promise<ExportResult> {
  if (!EXPORT_TARGETS.includes(request.format)) throw invalid(`format "${request.format}": expected one of ${EXPORT_TARGETS.join(', ')}`)
  const layout = request.layout ?? 'neuron-major'
  if (!EXPORT_LAYOUTS.includes(layout)) throw invalid(`layout "${layout}": expected one of ${EXPORT_LAYOUTS.join(', ')}`)
  const target = outputPlan(request.out, request.format)
  const prepared = prepare(workbench.store, request, request.format === 'nir')
  const { preview, snapshot, quantized } = prepared
  const row = workbench.store.runs.get(request.runId)!
  const metadata = { runId: request.runId, step: snapshot.step, layer: preview.layer, name: row.name }

  if (request.format === 'nir') {
    const config = snapshot.config
    const thresholds = config.threshold.mode === 'fixed' ? quantized.map(() => config.threshold.fixed) : prepared.typicalThresholds
    if (!thresholds) throw invalid(`NIR export of a variable-threshold run needs its training images to set a typical threshold: ${preview.comparisonSkipped}`)
    const layers: NirLayer[] = quantized.map((m, l) => ({ neurons: m.rows, inputs: m.cols, weights: dequantize(m), threshold: thresholds[l] }))
    const graph = nirGraphOf(config, layers, {
      generator: 'snn-workbench',
      run_id: request.runId,
      step: snapshot.step,
      q_format: preview.q,
      rounding: preview.rounding,
      scale: preview.scale,
      threshold_note: config.threshold.mode === 'fixed' ? 'fixed threshold' : 'mean of the per-image variable threshold over the training images'
    })
    await writeAllOrNothing([{ path: target.main, write: (temp) => writeNirFile(temp, graph) }])
    return { preview, files: [target.main] }
  }

  const files = renderExport(quantized[preview.layer], {
    format: request.format,
    layout,
    perNeuronFiles: request.perNeuronFiles ?? false,
    metadata,
    baseName: target.baseName,
    extension: target.extension
  })
  const paths = files.map((f) => join(target.dir, f.name))
  await writeAllOrNothing(files.map((f, i) => ({ path: paths[i], write: (temp) => writeFileSync(temp, f.contents, { flag: 'wx' }) })))
  return { preview, files: paths }
}
