/**
 * Messages between the main process (run service) and an engine process that trains one run.
 * Versioned: a host refuses a worker that speaks another version. Float64 weights travel as
 * plain number arrays (structured clone would keep typed arrays, but child_process IPC is JSON).
 */
import type { ExperimentConfig } from './config'

export const ENGINE_PROTOCOL_VERSION = 1

export type RngStateTuple = [number, number, number, number]

/**
 * Enough to continue a run exactly where a snapshot was taken: the weights and the stochastic
 * encoder's generator state after `step` training images. (Training orders are a pure function
 * of seed and epoch, so they need no saving.)
 */
export interface ResumeState {
  step: number
  layers: { neurons: number; inputs: number; weights: number[] }[]
  rng: { encoder: RngStateTuple }
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
    }
  | { type: 'cancel' }

export interface MetricPoint {
  key: string
  step: number
  value: number
}

/** Engine → main. */
export type EngineToHost =
  | { type: 'ready'; protocol: number; engineVersion: string; pid: number }
  | {
      type: 'progress'
      done: number
      total: number
      imagesPerSecond: number
      /** The most recent presentation (output layer): live view material. */
      last: { image: number; label: number; winner: number; winnerStep: number; threshold: number; spikeCounts: number[] } | null
      /** Membrane traces of the chosen neurons for that presentation, one array per neuron. */
      traces: number[][] | null
    }
  | { type: 'metrics'; points: MetricPoint[] }
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
