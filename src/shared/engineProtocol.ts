/**
 * Messages between the main process (run service) and an engine process that trains runs one
 * after another: after `done` it takes the next `start` (version 2), after `error` it exits, and
 * `shutdown` ends an idle one. Versioned: a host refuses a worker that speaks another version.
 * Both transports (child_process IPC with `serialization: 'advanced'`, Electron's utility-process
 * port) copy messages by structured clone, so per-image metrics travel as Float64Arrays (version
 * 3: columns, not an object per point); snapshot weights still travel as plain number arrays.
 * Version 4: what an engine reports within one training slice (metrics and progress; a
 * snapshot taken while training closes the batch, so it leaves at once), and the end of a run
 * (final progress, metrics, snapshot, evaluation, done), travel as one `batch` message: one IPC
 * message and one store transaction where there were up to six (a ~0.1 s sweep trial sent nine
 * messages, now two: `ready` and its end).
 */
import { z } from 'zod'
import type { ExperimentConfig } from './config'

export const ENGINE_PROTOCOL_VERSION = 4

export type RngStateTuple = [number, number, number, number]

/**
 * Enough to continue a run exactly where a snapshot was taken: the weights, the stochastic
 * encoder's generator state after `step` training images and the model's further state
 * (diehl-cook-2015: θ, potentials, traces, spikes in flight; seed-2017 has none). Training
 * orders are a pure function of seed and epoch, so they need no saving.
 */
export interface ResumeState {
  step: number
  layers: { neurons: number; inputs: number; weights: number[] }[]
  rng: { encoder: RngStateTuple }
  /** Named state arrays (the engine's ModelState), e.g. `excitatory.theta`; absent: none. */
  state?: Record<string, number[]>
}

/** Main → engine. */
export type HostToEngine =
  | {
      type: 'start'
      protocol: number
      runId: number
      config: ExperimentConfig
      resume: ResumeState | null
      /** Minimum milliseconds between progress messages. */
      progressIntervalMs: number
      /** Output neurons whose membrane traces stream with progress (live view). */
      traceNeurons: number[]
      /**
       * Record and send live-view material (live frames, traces). False for runs nobody watches
       * live (sweep trials): the engine then skips the spike monitor and the live rings, and its
       * progress messages carry `live: null, traces: null`. Absent: true.
       */
      live?: boolean
    }
  | { type: 'cancel' }
  /** Exit now: sent to an engine between runs (idle too long, or the host is closing). */
  | { type: 'shutdown' }

export interface MetricPoint {
  key: string
  step: number
  value: number
}

/**
 * One metric's values at the consecutive steps firstStep, firstStep + 1, …, firstStep +
 * values.length − 1 (NaN allowed): how per-image metrics travel and are stored (one chunk per
 * key and batch, not a row per image).
 */
export interface MetricColumn {
  key: string
  firstStep: number
  values: Float64Array
}

export const MetricColumnSchema = z.object({
  key: z.string().min(1),
  firstStep: z.number().int().min(0),
  values: z.instanceof(Float64Array)
})

/** The `metrics` message as the host checks it (the values arrive as Float64Arrays by structured clone). */
export const MetricsMessageSchema = z.object({ type: z.literal('metrics'), columns: z.array(MetricColumnSchema) })

/** Engine → main. */
export type EngineToHost = EngineReport | { type: 'batch'; messages: BatchedReport[] }

/** Reports a `batch` may carry, handled in order as if each had come alone. */
export type BatchedReport = Extract<EngineReport, { type: (typeof BATCHED_REPORT_TYPES)[number] }>

export const BATCHED_REPORT_TYPES = ['progress', 'metrics', 'snapshot', 'evaluation', 'done'] as const

/**
 * The `batch` message as the host checks it: its elements' own fields are then checked one by
 * one, exactly as when they arrive alone. `ready` and `error` never travel in a batch (the host
 * must see them at once), nor does a batch in a batch.
 */
export const BatchMessageSchema = z.object({
  type: z.literal('batch'),
  messages: z.array(z.looseObject({ type: z.enum(BATCHED_REPORT_TYPES) })).min(1)
})

/** One report of an engine: alone, or as an element of a `batch`. */
export type EngineReport =
  | { type: 'ready'; protocol: number; engineVersion: string; pid: number }
  | {
      type: 'progress'
      done: number
      total: number
      imagesPerSecond: number
      /** The most recent presentation (output layer): live view material. */
      last: { image: number; label: number; winner: number; winnerStep: number; threshold: number; spikeCounts: number[] } | null
      /** Membrane traces of the chosen neurons for that presentation, one array per neuron (sent with `live`). */
      traces: number[][] | null
      /** Live-view material, in at most a few progress messages a second (else null). */
      live: LiveFrame | null
    }
  /** Per-image training metrics (train.spikes, train.winner) and, at the end, accuracy and train_accuracy. */
  | { type: 'metrics'; columns: MetricColumn[] }
  | ({ type: 'snapshot' } & ResumeState & { epoch: number })
  | { type: 'evaluation'; evaluation: EvaluationPayload; classLabels: number[] }
  | { type: 'done'; presented: number; elapsedMs: number; cancelled: boolean }
  | {
      type: 'error'
      /** For the user: one line (a config with several problems: one line each). */
      message: string
      kind: 'input' | 'internal'
      /** For logs only (a stack trace): never shown as the reason. */
      detail?: string
    }

/**
 * What the live view draws, decimated by the engine (LIVE_FRAME_MS apart, sizes bounded): spikes
 * travel as parallel index/step arrays, weights as bytes. The latest training image is the last
 * entry of `recentLabels` / `recentWinners` and the last raster image.
 */
export interface LiveFrame {
  /** The latest training image (row-major, 0..255) and its encoded input spikes: input spikeInput[k] fires at step spikeStep[k]. */
  input: { image: number; label: number; width: number; height: number; pixels: number[]; steps: number; spikeInput: number[]; spikeStep: number[]; dropped: number }
  /** Output-layer spikes of the last few images, oldest first: in image spikeImage[k], neuron spikeNeuron[k] fires at step spikeStep[k]. */
  raster: { neurons: number; steps: number; labels: number[]; winners: number[]; spikeImage: number[]; spikeNeuron: number[]; spikeStep: number[]; dropped: number }
  /** Label and winning neuron (−1: none) of the last images, oldest first. */
  recentLabels: number[]
  recentWinners: number[]
  /** Firing threshold of each traced neuron now: diehl-cook-2015 v_thresh + θ_j (it moves as θ adapts); seed-2017 the image's threshold. */
  thresholds: number[]
  /** Layer-0 weights (neurons × inputs, neuron-major) as bytes over [min, max], base64; in at most one frame a second, else null. */
  weights: { neurons: number; inputs: number; min: number; max: number; base64: string } | null
}

/** The evaluation result as it crosses process and API boundaries (the engine's EvaluationResult). */
export interface EvaluationPayload {
  /** Class index each output neuron answers to (-1: never fired). */
  neuronLabels: number[]
  selectivity: number[]
  /** Neurons that respond to every class about equally. */
  noise: boolean[]
  /** neurons × classes total training spikes (the per-neuron bar charts). */
  responses: number[][]
  /** Test accuracy, 0..1. */
  accuracy: number
  trainAccuracy: number
  /** Test confusion, classes × (classes + 1); last column = no prediction. */
  confusion: number[][]
  /** Test prediction per sample (-1 = none). */
  predicted: number[]
  testSamples: number
}
