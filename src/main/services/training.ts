/**
 * Train and evaluate as plain functions over the engine, shared by the CLI and (next) the
 * run service and engine worker. Loading, config-relative path resolution and writing of
 * artifacts live here; the engine itself stays free of I/O.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { parseExperimentConfig, type DatasetSourceConfig, type ExperimentConfig } from '../../shared/config'
import {
  createNetwork,
  evaluateNetwork,
  Experiment,
  runExperiment,
  type ExperimentResult,
  type LoadedData,
  type PresentationRecord,
  type TrainingHooks
} from '../../engine/experiment/run'
import { MetricBuffer } from '../../engine/host/worker'
import type { Workbench } from './workbench'
import { RunRecorder } from './runRecorder'
import { planData } from '../../engine/experiment/data'
import { encodePng, weightGallery, weightsToGray } from '../../engine/export/weightImages'
import { encodeNpy, formatWeights, weightFormatFromPath, WeightFileError, type WeightMatrix } from '../../engine/io/weightFiles'
import { loadInputs, readWeightsFile } from '../../engine/host/loadInputs'
import type { EvaluationResult } from '../../engine/evaluation'

/** Make the config's file paths absolute, relative to the folder the config file is in. */
export function resolveConfigPaths(config: ExperimentConfig, baseDir: string): ExperimentConfig {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))
  const source = (s: DatasetSourceConfig): DatasetSourceConfig => {
    if (s.kind === 'idx') return { ...s, images: at(s.images), labels: at(s.labels) }
    if (s.kind === 'png-folder') return { ...s, root: at(s.root) }
    return s
  }
  return {
    ...config,
    data: { ...config.data, source: source(config.data.source), testSource: config.data.testSource && source(config.data.testSource) },
    init: config.init.kind === 'file' ? { ...config.init, path: at(config.init.path) } : config.init
  }
}

/** Parse and validate a config object, resolving relative paths against `baseDir`. */
export function prepareConfig(input: unknown, sourceName: string, baseDir: string): ExperimentConfig {
  return resolveConfigPaths(parseExperimentConfig(input, sourceName), baseDir)
}

export function train(config: ExperimentConfig, hooks: TrainingHooks = {}): ExperimentResult {
  return runExperiment(config, loadInputs(config), hooks)
}

/**
 * Weights alone are the whole network only for seed-2017; a diehl-cook-2015 network also has
 * adaptive thresholds θ, which a recorded run keeps with its snapshots (evaluate --run ID).
 */
export function checkWeightsAreTheNetwork(config: ExperimentConfig, weightsSource: string): void {
  if (config.preset !== 'seed-2017') {
    throw new WeightFileError(
      `${weightsSource}: evaluating weights needs a seed-2017 config; this one is ${config.preset}, whose network is more than its weights (adaptive thresholds θ): evaluate a recorded run instead with: snn-workbench evaluate --run ID`
    )
  }
}

/** Evaluate given output-layer weights (single-layer networks) without learning. */
export function evaluateWeights(config: ExperimentConfig, weights: WeightMatrix, weightsSource: string): { evaluation: EvaluationResult; classLabels: number[] } {
  checkWeightsAreTheNetwork(config, weightsSource)
  if (config.network.layers.length !== 1) {
    throw new WeightFileError(`${weightsSource}: evaluate takes one weight matrix; the config has ${config.network.layers.length} layers`)
  }
  // The initial weights of the config play no part here; do not require their file to exist.
  const data = loadInputs({ ...config, init: { kind: 'uniform', low: 0, high: 1 } })
  const plan = planData(config.data, data.source, data.testSource)
  const expected = [config.network.layers[0].neurons, data.source.width * data.source.height]
  if (weights.rows !== expected[0] || weights.cols !== expected[1]) {
    throw new WeightFileError(`${weightsSource}: weights are ${weights.rows}×${weights.cols}, expected ${expected[0]} neurons × ${expected[1]} inputs`)
  }
  const { network } = createNetwork(config, data.source.width, data.source.height, [weights.data])
  return { evaluation: evaluateNetwork(network, plan, config.evaluation.prediction), classLabels: plan.classLabels }
}

export { readWeightsFile }

/**
 * Train in this process and record the run in the store exactly as an engine process would be
 * recorded (progress, per-image metrics, snapshots, evaluation, status). Trains in time slices
 * so Ctrl+C (`shouldStop`) is noticed; a stopped run is recorded as cancelled with a final
 * snapshot, so it can be resumed.
 */
export async function trainRecorded(
  workbench: Workbench,
  config: ExperimentConfig,
  data: LoadedData,
  options: { experiment?: string; hooks?: TrainingHooks; shouldStop?: () => boolean; onRunCreated?: (id: number) => void } = {}
): Promise<{ runId: number; result: ExperimentResult }> {
  const hooks = options.hooks ?? {}
  const runId = workbench.runs.insert(config, options.experiment ?? 'Default', 'running')
  options.onRunCreated?.(runId)
  const recorder = new RunRecorder(workbench.store, runId)
  const metrics = new MetricBuffer(4096)
  try {
    const experiment: Experiment = new Experiment(config, data, {
      ...hooks,
      onPresentation: (record, progress) => {
        let spikes = 0
        for (const c of record.spike_counts) spikes += c
        if (!metrics.follows(progress.done)) recorder.metrics(metrics.drain())
        if (metrics.add(progress.done, spikes, record.winner)) recorder.metrics(metrics.drain())
        recorder.progress(progress.done, progress.total)
        return hooks.onPresentation?.(record, progress)
      },
      onSnapshot: (snapshot) => {
        recorder.metrics(metrics.drain())
        recorder.snapshot(snapshot)
        hooks.onSnapshot?.(snapshot)
      }
    })
    while (!experiment.trainFor(50)) {
      await new Promise((resolveSlice) => setImmediate(resolveSlice))
      if (options.shouldStop?.()) experiment.cancel()
    }
    const result = experiment.finish()
    recorder.metrics(metrics.drain())
    recorder.progress(result.presented, experiment.total)
    recorder.flushProgress()
    if (result.evaluation) recorder.evaluation(result.evaluation, result.classLabels, result.presented)
    workbench.store.runs.setStatus(runId, result.cancelled ? 'cancelled' : 'completed')
    return { runId, result }
  } catch (error) {
    recorder.flushProgress()
    workbench.store.runs.setStatus(runId, 'failed', { error: (error as Error).message })
    throw error
  }
}

function outputMatrix(result: ExperimentResult): WeightMatrix {
  const last = result.layers[result.layers.length - 1]
  return { rows: last.neurons, cols: last.inputs, data: last.weights }
}

/** Write the output layer's weights in the format the file name asks for. */
export function writeWeightsFile(path: string, matrix: WeightMatrix, metadata: Record<string, unknown> = {}): void {
  const format = weightFormatFromPath(path)
  if (!format) throw new WeightFileError(`${path}: unknown weights format (expected .csv, .json, .npy or .txt)`)
  mkdirSync(dirname(resolve(path)), { recursive: true })
  writeFileSync(path, format === 'npy' ? encodeNpy(matrix) : formatWeights(matrix, format, metadata))
}

export interface RecordFile {
  engineVersion: string
  config: ExperimentConfig
  presentations: PresentationRecord[]
  final_weights: number[][]
  layers: { neurons: number; inputs: number; weights: number[][] }[]
  evaluation: EvaluationResult | null
}

export function buildRecord(result: ExperimentResult, presentations: PresentationRecord[]): RecordFile {
  const rows = (w: Float64Array, cols: number) => Array.from({ length: w.length / cols }, (_, j) => Array.from(w.subarray(j * cols, (j + 1) * cols)))
  const layers = result.layers.map((l) => ({ neurons: l.neurons, inputs: l.inputs, weights: rows(l.weights, l.inputs) }))
  return {
    engineVersion: result.engineVersion,
    config: result.config,
    presentations,
    final_weights: layers[layers.length - 1].weights,
    layers,
    evaluation: result.evaluation
  }
}

/**
 * The run folder a user looks at: summary.json, the output weights as CSV and .npy, one PNG per
 * neuron (first layer: the input image shape; deeper layers: a near-square tile), a gallery PNG.
 */
export function writeRunArtifacts(dir: string, result: ExperimentResult): string[] {
  mkdirSync(dir, { recursive: true })
  const written: string[] = []
  const put = (name: string, data: string | Uint8Array) => {
    const path = join(dir, name)
    writeFileSync(path, data)
    written.push(path)
  }
  put('summary.json', JSON.stringify(summarize(result), null, 2) + '\n')
  put('weights.csv', formatWeights(outputMatrix(result), 'csv'))
  put('weights.npy', encodeNpy(outputMatrix(result)))
  const first = result.layers[0]
  const { width, height } = result
  const { wMin, wMax } = result.config.learning
  const range = { min: Math.min(wMin, 0), max: wMax }
  for (let j = 0; j < first.neurons; j++) {
    const row = first.weights.subarray(j * first.inputs, (j + 1) * first.inputs)
    put(`neuron-${String(j).padStart(3, '0')}.png`, encodePng(weightsToGray(row, width, height, range), width, height, 1))
  }
  const gallery = weightGallery(first.weights, first.neurons, width, height, { scale: 4, padding: 2, range })
  put('gallery.png', encodePng(gallery.pixels, gallery.width, gallery.height, 1))
  return written
}

export function summarize(result: ExperimentResult) {
  return {
    engineVersion: result.engineVersion,
    name: result.config.name,
    seed: result.config.seed,
    presented: result.presented,
    cancelled: result.cancelled,
    elapsedMs: result.elapsedMs,
    classLabels: result.classLabels,
    evaluation: result.evaluation,
    config: result.config
  }
}
