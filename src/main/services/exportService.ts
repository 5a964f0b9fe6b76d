/**
 * Export a run's weights for hardware: quantize a stored snapshot to fixed point, report the
 * error and how the integer model classifies compared with the float one (on the run's own test
 * images, through its stored config; diehl-cook-2015, which has no integer model: the float
 * network with the quantized weights), and produce the files: in memory for the API (the UI
 * downloads them), or on disk for the CLI, atomically (each to a temporary file in the target
 * folder, then renamed; on any failure nothing new is left behind).
 *
 * The comparison presents every training and test image to two networks, which takes seconds
 * on a large run; it runs in slices of about 20 ms with the event loop free in between, reports
 * progress, and stops when its AbortSignal fires (a newer preview replaced it).
 *
 * Errors are ApiErrors: 'invalid-argument' for bad settings or an unusable output path,
 * 'not-found' for a missing run or snapshot, 'conflict' for a cancelled preview. Heavy
 * saturation is not an error: the preview carries it as a warning with the count.
 */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { ApiError } from '../../shared/api'
import { parseExperimentConfig, type DatasetSourceConfig, type ExperimentConfig } from '../../shared/config'
import type { ComparisonImages } from '../../shared/exportApi'
import { planData, type DataPlan } from '../../engine/experiment/data'
import { createModelNetwork, createNetwork, imageKey, restoreNetwork, type LoadedData } from '../../engine/experiment/run'
import {
  buildFixedPointModel,
  DEFAULT_ACCUMULATOR_BITS,
  FixedPointNetwork,
  pairedResponses,
  presentToBoth,
  presentToTwins,
  scoreFixedVsFloat,
  type FixedModelKind,
  type FixedVsFloatSummary,
  type LabelSource,
  type PairedResponses
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
import {
  DEFAULT_EXTENSIONS,
  EXPORT_FORMATS,
  EXPORT_LAYOUTS,
  renderExport,
  type ExportFile,
  type ExportFormat,
  type ExportLayout
} from '../../engine/export/writers'
import { loadInputs } from '../../engine/host/loadInputs'
import { nirGraphOf, writeNirFile, type NirLayer } from '../../engine/host/nirWriter'
import type { ModelNetwork } from '../../engine/network/model'
import type { RngState } from '../../engine/random'
import { snapshotStateArrays, type RunStore, type SnapshotState } from '../db'

export type ExportTarget = ExportFormat | 'nir'
export const EXPORT_TARGETS: readonly ExportTarget[] = [...EXPORT_FORMATS, 'nir']

/** What exporting needs of the workbench (a Workbench is one). */
export interface ExportContext {
  store: RunStore
}

export interface ExportSettings {
  runId: number
  /** Snapshot step; default: the latest step with every layer recorded. */
  step?: number
  /** Layer whose weights are reported and written (default 0). The comparison quantizes all layers alike. */
  layer?: number
  q: QFormat
  rounding?: Rounding
  /** false: out-of-range words wrap around (two's complement overflow) instead of clamping (default true). */
  saturate?: boolean
  scale?: ScaleMode
  /** Width of the integer model's potentials (default 32). */
  accumulatorBits?: number
  /** Who labels the neurons when scoring the integer model (default: its own training responses). */
  labels?: LabelSource
  /** Run the float-vs-fixed comparison (default true; it loads the run's images). */
  compare?: boolean
}

/** Which images the comparison ran on (as the API reports them). */
export type ComparedImages = ComparisonImages

export interface ExportPreview {
  runId: number
  step: number
  layer: number
  layers: number
  neurons: number
  inputs: number
  q: string
  intBits: number
  fracBits: number
  wordBits: number
  rounding: Rounding
  saturate: boolean
  scale: ScaleMode
  accumulatorBits: number
  /** What the comparison's fixed side is for this run's model (set with or without a comparison). */
  fixedModel: FixedModelKind
  quantization: QuantizationReport
  /** Per-neuron scale factors (null per-tensor). */
  scales: number[] | null
  comparison: FixedVsFloatSummary | null
  comparedImages: ComparedImages | null
  /** Why there is no comparison when there is none. */
  comparisonSkipped: string | null
  warnings: string[]
}

/** How a long preview reports and stops. */
export interface PreviewControl {
  /** Fires when the preview is no longer wanted; the preview then rejects with ApiError('conflict'). */
  signal?: AbortSignal
  /** Images presented so far (to both models), of all the comparison presents. */
  onProgress?: (done: number, total: number) => void
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

/** An export rendered in memory: file names (no folder) and their bytes. */
export interface RenderedExport {
  preview: ExportPreview
  files: { name: string; contents: Uint8Array }[]
}

const invalid = (message: string) => new ApiError('invalid-argument', message)

type CheckedSettings = Required<Omit<ExportSettings, 'step'>> & { step?: number }

function checkSettings(settings: ExportSettings): CheckedSettings {
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
  return { ...settings, rounding, saturate: settings.saturate ?? true, scale, accumulatorBits, labels, layer, compare: settings.compare ?? true }
}

/** A recorded run as it was at one snapshot: its config, every layer's weights, and (for evaluateRun) its encoder and model state. */
export interface LoadedSnapshot {
  config: ExperimentConfig
  step: number
  layers: { neurons: number; inputs: number; weights: Float64Array }[]
  /** The generator state stored with the snapshot ({ encoder: RngState } for runs of this engine). */
  rng: unknown
  /** The model's state at `step` (diehl-cook-2015: θ, potentials, traces …); null for seed-2017. */
  state: SnapshotState | null
}

/** Snapshot `step` of a run (default: the latest with every layer recorded); ApiError 'not-found' when it is not there. */
export function loadSnapshot(store: RunStore, runId: number, step: number | undefined): LoadedSnapshot {
  const row = store.runs.get(runId)
  if (!row) throw new ApiError('not-found', `run ${runId} does not exist`)
  const config = parseExperimentConfig(JSON.parse(row.configJson), `run ${runId} config`)
  const layerCount = config.network.layers.length
  if (store.snapshots.list(runId).length === 0) throw new ApiError('not-found', `run ${runId} has no weight snapshots to export (it recorded none)`)
  if (step === undefined) {
    const complete = store.snapshots.latestComplete(runId, layerCount)
    if (!complete) throw new ApiError('not-found', `run ${runId} has no snapshot with all ${layerCount} layers`)
    return { config, step: complete.step, layers: complete.layers, rng: complete.rng, state: complete.state }
  }
  const snapshots = config.network.layers.map((_, l) => {
    const snapshot = store.snapshots.get(runId, l, step)
    if (!snapshot) throw new ApiError('not-found', `run ${runId} has no snapshot of layer ${l} at step ${step}`)
    return snapshot
  })
  const layers = snapshots.map((s) => ({ neurons: s.neurons, inputs: s.inputs, weights: s.weights }))
  return { config, step, layers, rng: snapshots[0].rng, state: store.snapshots.state(runId, step) }
}

/**
 * The network of the run's preset with the snapshot's weights, encoder state and model state:
 * the network exactly as the run left it at that step.
 */
export function rebuildNetwork(snapshot: LoadedSnapshot, runId: number, width: number, height: number): ModelNetwork {
  const { config, step } = snapshot
  const { network } = createModelNetwork(config, width, height, snapshot.layers.map((l) => l.weights))
  const encoder = (snapshot.rng as { encoder?: RngState } | null)?.encoder
  if (!encoder) throw new ApiError('not-found', `run ${runId}: the snapshot at step ${step} has no encoder state, so its input spikes cannot be reproduced`)
  // A model with state of its own (diehl-cook-2015) has it stored with every snapshot since schema 3; older runs cannot be rebuilt.
  if (!snapshot.state && network.getModelState() !== null) {
    throw new ApiError('not-found', `run ${runId}: no ${config.preset} model state (θ …) was recorded at step ${step}; its weights alone are not the network`)
  }
  // As a resumed run is rebuilt (the weights again too: the network above was built with them already).
  restoreNetwork(network, { layers: snapshot.layers, rng: { encoder }, state: snapshot.state && snapshotStateArrays(snapshot.state) })
  return network
}

/** A run's images, loaded once for a burst of previews (loading MNIST anew each time would dominate). */
const inputCache: { key: string; data: LoadedData; plan: DataPlan }[] = []
const INPUT_CACHE_SIZE = 2

/** The config's images and their train/test selection, from the cache when the data section is unchanged. */
export function loadPlannedInputs(config: ExperimentConfig): { data: LoadedData; plan: DataPlan } {
  const key = JSON.stringify(config.data)
  const hit = inputCache.findIndex((entry) => entry.key === key)
  if (hit >= 0) {
    const [entry] = inputCache.splice(hit, 1)
    inputCache.unshift(entry)
    return entry
  }
  // The initial weights of the config play no part; do not require their file to exist.
  const data = loadInputs({ ...config, init: { kind: 'uniform', low: 0, high: 1 } })
  const plan = planData(config.data, data.source, data.testSource)
  inputCache.unshift({ key, data, plan })
  inputCache.length = Math.min(inputCache.length, INPUT_CACHE_SIZE)
  return { data, plan }
}

const SLICE_MS = 20
const PROGRESS_EVERY_MS = 150

/**
 * Run `work(from, to)` over [0, total) in slices of about SLICE_MS, yielding to the event loop
 * between slices; `offset` and `overall` place this pass within a longer job for progress.
 */
export async function inSlices(
  total: number,
  work: (from: number, to: number) => void,
  control: PreviewControl & { offset?: number; overall?: number } = {}
): Promise<void> {
  const offset = control.offset ?? 0
  const overall = control.overall ?? total
  let perSlice = 1
  let reportedAt = 0
  for (let from = 0; from < total; ) {
    if (control.signal?.aborted) throw new ApiError('conflict', 'preview cancelled: a newer preview replaced it')
    const to = Math.min(total, from + perSlice)
    const started = performance.now()
    work(from, to)
    const elapsed = performance.now() - started
    // Aim the next slice at SLICE_MS from this one's speed (images take about equally long).
    perSlice = Math.max(1, Math.min(perSlice * 4, Math.round(((to - from) * SLICE_MS) / Math.max(elapsed, 0.1))))
    from = to
    const now = performance.now()
    if (control.onProgress && (now - reportedAt >= PROGRESS_EVERY_MS || from === total)) {
      reportedAt = now
      control.onProgress(offset + from, overall)
    }
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** `present` (presentToBoth or presentToTwins on one image set) over `indices`, in slices. */
async function presentPairedInSlices(
  neurons: number,
  indices: Int32Array,
  present: (slice: Int32Array) => PairedResponses,
  control: PreviewControl & { offset: number; overall: number }
): Promise<PairedResponses> {
  const all = pairedResponses(indices.length, neurons)
  await inSlices(
    indices.length,
    (from, to) => {
      const part = present(indices.subarray(from, to))
      all.floatCounts.set(part.floatCounts, from * neurons)
      all.fixedCounts.set(part.fixedCounts, from * neurons)
      all.floatWinners.set(part.floatWinners, from)
      all.fixedWinners.set(part.fixedWinners, from)
    },
    control
  )
  return all
}

/** The plan's training then test images through both models, in slices; the comparison of the two. */
async function compareInSlices(
  neurons: number,
  plan: DataPlan,
  present: (set: DataPlan['trainSet'], indices: Int32Array, fromTrainingSource: boolean) => PairedResponses,
  prediction: ExperimentConfig['evaluation']['prediction'],
  labels: LabelSource,
  control: PreviewControl
): Promise<FixedVsFloatSummary> {
  const overall = plan.trainIndices.length + plan.testIndices.length
  const fromTraining = plan.testSet === plan.trainSet
  const train = await presentPairedInSlices(neurons, plan.trainIndices, (slice) => present(plan.trainSet, slice, true), { ...control, offset: 0, overall })
  const test = await presentPairedInSlices(neurons, plan.testIndices, (slice) => present(plan.testSet, slice, fromTraining), {
    ...control,
    offset: plan.trainIndices.length,
    overall
  })
  return scoreFixedVsFloat(train, test, neurons, plan, prediction, labels).summary
}

function describeSource(source: DatasetSourceConfig, loadedName: string): string {
  if (source.kind === 'mnist-bundled') return 'the bundled MNIST digits'
  if (source.kind === 'idx') return basename(source.images)
  if (source.kind === 'png-folder') return `PNG folder ${source.root}`
  return loadedName
}

function comparedImages(config: ExperimentConfig, plan: DataPlan): ComparedImages {
  const perClass = plan.classLabels.map(() => 0)
  const position = new Map(plan.classLabels.map((label, c) => [label, c]))
  for (const i of plan.testIndices) {
    const c = position.get(plan.testSet.labels[i])
    if (c !== undefined) perClass[c]++
  }
  const source = config.data.testSource ?? config.data.source
  return {
    test: plan.testIndices.length,
    train: plan.trainIndices.length,
    classes: plan.classLabels,
    perClass,
    source: describeSource(source, plan.testSet.source)
  }
}

interface Prepared {
  preview: ExportPreview
  snapshot: LoadedSnapshot
  quantized: QuantizedMatrix[]
  /** Mean threshold per layer over the training images (null when they could not be loaded). */
  typicalThresholds: number[] | null
}

async function prepare(store: RunStore, request: ExportSettings, forNir: boolean, control: PreviewControl = {}): Promise<Prepared> {
  const settings = checkSettings(request)
  const snapshot = loadSnapshot(store, settings.runId, settings.step)
  const { config, layers } = snapshot
  if (settings.layer >= layers.length) throw invalid(`layer ${settings.layer}: run ${settings.runId} has ${layers.length} layer${layers.length === 1 ? '' : 's'} (0..${layers.length - 1})`)
  const options = { q: settings.q, rounding: settings.rounding, scale: settings.scale, saturate: settings.saturate }
  const quantized = layers.map((l) => quantizeMatrix(l.weights, l.neurons, l.inputs, options))
  const chosen = quantized[settings.layer]
  const warnings = [...chosen.report.warnings]

  let comparison: FixedVsFloatSummary | null = null
  let images: ComparedImages | null = null
  let comparisonSkipped: string | null = null
  let typicalThresholds: number[] | null = null
  try {
    if (config.preset === 'diehl-cook-2015') {
      if (settings.compare) {
        // No integer model of this neuron: the float network as the run left it, and its twin with the quantized weights.
        const { data, plan } = loadPlannedInputs(config)
        const { width, height } = data.source
        const network = rebuildNetwork(snapshot, settings.runId, width, height)
        const twin = rebuildNetwork({ ...snapshot, layers: layers.map((l, i) => ({ ...l, weights: dequantize(quantized[i]) })) }, settings.runId, width, height)
        const present = (set: DataPlan['trainSet'], indices: Int32Array, fromTraining: boolean) => presentToTwins(network, twin, set, indices, fromTraining)
        comparison = await compareInSlices(network.outputSize, plan, present, config.evaluation.prediction, settings.labels, control)
        images = comparedImages(config, plan)
        if (comparison.testImages === 0) comparisonSkipped = 'the run has no test images'
      }
    } else if (settings.compare || (forNir && config.threshold.mode === 'variable')) {
      const model = buildFixedPointModel(config, quantized, settings.accumulatorBits)
      if (model.saturatedConstants.length > 0) {
        warnings.push(
          `${model.saturatedConstants.length} neuron constants do not fit ${settings.accumulatorBits}-bit accumulators and were clamped ` +
            `(e.g. ${model.saturatedConstants[0]}); use a wider accumulator or per-tensor scale`
        )
      }
      const { data, plan } = loadPlannedInputs(config)
      const { network } = createNetwork(config, data.source.width, data.source.height, layers.map((l) => l.weights))
      if (forNir) typicalThresholds = await meanThresholds(network, plan, control)
      if (settings.compare) {
        const fixed = new FixedPointNetwork(model)
        const present = (set: DataPlan['trainSet'], indices: Int32Array, fromTraining: boolean) => presentToBoth(network, fixed, set, indices, fromTraining)
        comparison = await compareInSlices(network.outputLayer.size, plan, present, config.evaluation.prediction, settings.labels, control)
        images = comparedImages(config, plan)
        if (comparison.testImages === 0) comparisonSkipped = 'the run has no test images (data.testPerClass is 0)'
      }
    }
  } catch (error) {
    if (error instanceof QuantizeError) throw invalid(error.message)
    // A run whose images or model state are gone still exports; only the comparison is missing.
    if (error instanceof ApiError && error.code === 'not-found') comparisonSkipped = error.message
    else if (error instanceof Error && ['DatasetError', 'WeightFileError'].includes(error.name)) comparisonSkipped = `the run's images could not be loaded: ${error.message}`
    else throw error
  }
  if (!settings.compare && comparisonSkipped === null) comparisonSkipped = 'not requested'
  if (comparisonSkipped && comparisonSkipped !== 'not requested') warnings.push(`no comparison with the float model: ${comparisonSkipped}`)

  const preview: ExportPreview = {
    runId: settings.runId,
    step: snapshot.step,
    layer: settings.layer,
    layers: layers.length,
    neurons: chosen.rows,
    inputs: chosen.cols,
    q: formatQ(settings.q),
    intBits: settings.q.intBits,
    fracBits: settings.q.fracBits,
    wordBits: wordBits(settings.q),
    rounding: settings.rounding,
    saturate: settings.saturate,
    scale: settings.scale,
    accumulatorBits: settings.accumulatorBits,
    fixedModel: config.preset === 'diehl-cook-2015' ? 'quantized-weights' : 'integer',
    quantization: chosen.report,
    scales: settings.scale === 'per-neuron' ? Array.from(chosen.scales) : null,
    comparison,
    comparedImages: images,
    comparisonSkipped,
    warnings
  }
  return { preview, snapshot, quantized, typicalThresholds }
}

/** Mean per-image threshold of each layer over the training images (variable thresholds), in slices. */
async function meanThresholds(network: ReturnType<typeof createNetwork>['network'], plan: DataPlan, control: PreviewControl): Promise<number[]> {
  const sums = new Float64Array(network.layers.length)
  const { trainSet, trainIndices } = plan
  const imageSize = trainSet.width * trainSet.height
  await inSlices(
    trainIndices.length,
    (from, to) => {
      for (let i = from; i < to; i++) {
        network.present(trainSet.pixels, trainIndices[i] * imageSize, false, undefined, imageKey(trainIndices[i], true))
        network.layers.forEach((layer, l) => (sums[l] += layer.threshold))
      }
    },
    { signal: control.signal }
  )
  return Array.from(sums, (s) => s / Math.max(1, trainIndices.length))
}

/** The quantization report and (unless `compare: false`) the float-vs-fixed comparison, without writing anything. */
export async function previewExport(context: ExportContext, settings: ExportSettings, control: PreviewControl = {}): Promise<ExportPreview> {
  return (await prepare(context.store, settings, false, control)).preview
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

/** One file of an export: its name (no folder) and how to write it to a path. */
interface PlannedFile {
  name: string
  write(path: string): void | Promise<void>
}

/** Quantize, compare when asked (and what NIR needs), and plan the files named by `naming`. */
async function planExport(
  context: ExportContext,
  request: Omit<ExportRequest, 'out'>,
  naming: (preview: ExportPreview) => { baseName: string; extension: string },
  control: PreviewControl = {}
): Promise<{ preview: ExportPreview; files: PlannedFile[] }> {
  if (!EXPORT_TARGETS.includes(request.format)) throw invalid(`format "${request.format}": expected one of ${EXPORT_TARGETS.join(', ')}`)
  const layout = request.layout ?? 'neuron-major'
  if (!EXPORT_LAYOUTS.includes(layout)) throw invalid(`layout "${layout}": expected one of ${EXPORT_LAYOUTS.join(', ')}`)
  const prepared = await prepare(context.store, request, request.format === 'nir', control)
  const { preview, snapshot, quantized } = prepared
  const { baseName, extension } = naming(preview)
  const row = context.store.runs.get(request.runId)!
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
    return { preview, files: [{ name: baseName + extension, write: (path) => writeNirFile(path, graph) }] }
  }

  const rendered: ExportFile[] = renderExport(quantized[preview.layer], {
    format: request.format,
    layout,
    perNeuronFiles: request.perNeuronFiles ?? false,
    metadata,
    baseName,
    extension
  })
  return { preview, files: rendered.map((f) => ({ name: f.name, write: (path) => writeFileSync(path, f.contents, { flag: 'wx' }) })) }
}

/** Quantize, compare (unless `compare: false`) and write the files; returns the paths written. */
/** Write the export's files; `control.onProgress` hears the comparison's progress. */
export async function exportWeights(context: ExportContext, request: ExportRequest, control: PreviewControl = {}): Promise<ExportResult> {
  const target = outputPlan(request.out, request.format)
  const { preview, files } = await planExport(context, request, () => target, control)
  const paths = files.map((f) => join(target.dir, f.name))
  await writeAllOrNothing(files.map((f, i) => ({ path: paths[i], write: f.write })))
  return { preview, files: paths }
}

/** The default name of an export's files: run, step, layer and Q format ("run-3-step-150-q12.12"). */
function downloadBaseName(preview: ExportPreview): string {
  const layer = preview.layers > 1 ? `-layer-${preview.layer}` : ''
  return `run-${preview.runId}-step-${preview.step}${layer}-${preview.q.toLowerCase()}`
}

/** Quantize and render the files in memory (for a download); nothing is left on disk. */
export async function renderExportFiles(context: ExportContext, request: Omit<ExportRequest, 'out'>): Promise<RenderedExport> {
  const { preview, files } = await planExport(context, { compare: false, ...request }, (p) => ({
    baseName: downloadBaseName(p),
    extension: request.format === 'nir' ? '.nir' : DEFAULT_EXTENSIONS[request.format]
  }))
  // The writers (h5wasm for NIR) write to paths: write into a private folder, read back, remove it.
  const dir = mkdtempSync(join(tmpdir(), 'snn-export-'))
  try {
    const contents: RenderedExport['files'] = []
    for (const file of files) {
      const path = join(dir, file.name)
      await file.write(path)
      contents.push({ name: file.name, contents: readFileSync(path) })
    }
    return { preview, files: contents }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
