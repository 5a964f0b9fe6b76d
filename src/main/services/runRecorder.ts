/**
 * Persists what an engine reports about one run: progress, metrics, snapshots, evaluation and
 * the final status. Used by the run service (engine in a child process) and by the CLI's
 * in-process `train`, so a run is recorded the same way whichever way it ran. Writes are
 * batched: progress at most every `progressWriteMs`, metrics as they arrive in batches.
 */
import type { RunStore } from '../db'
import type { EvaluationPayload, MetricColumn } from '../../shared/engineProtocol'

export interface SnapshotToRecord {
  step: number
  layers: { neurons: number; inputs: number; weights: ArrayLike<number> }[]
  rng: unknown
  /** The model's further state (diehl-cook-2015: θ, potentials, traces …), if it has any. */
  state?: Readonly<Record<string, ArrayLike<number>>>
}

export interface RecorderOptions {
  progressWriteMs?: number
}

export class RunRecorder {
  private lastProgressWrite = 0
  private pendingProgress: { done: number; total: number } | null = null
  private lastTotal = 0
  private readonly progressWriteMs: number

  constructor(
    private readonly store: RunStore,
    readonly runId: number,
    options: RecorderOptions = {}
  ) {
    this.progressWriteMs = options.progressWriteMs ?? 500
  }

  progress(done: number, total: number): void {
    this.lastTotal = total
    this.pendingProgress = { done, total }
    const now = Date.now()
    if (now - this.lastProgressWrite >= this.progressWriteMs || done === total) this.flushProgress(now)
  }

  /** One batch of metric columns (per-image metrics: one chunk per key), in one transaction. */
  metrics(columns: readonly MetricColumn[]): void {
    if (columns.length > 0) this.store.metrics.logColumns(this.runId, columns)
  }

  snapshot(state: SnapshotToRecord): void {
    // Progress is written at a bounded rate; a snapshot is a point the run surely reached, so
    // record it as progress too (a run that crashes later then shows how far it got).
    const total = this.lastTotal || (this.store.runs.get(this.runId)?.total ?? 0)
    this.pendingProgress = { done: Math.max(state.step, this.pendingProgress?.done ?? 0), total }
    this.flushProgress()
    // One transaction: a step is recorded whole (every layer and the model state) or not at all.
    this.store.transaction(() => {
      state.layers.forEach((layer, index) => {
        this.store.snapshots.put({
          runId: this.runId,
          step: state.step,
          layer: index,
          neurons: layer.neurons,
          inputs: layer.inputs,
          weights: layer.weights instanceof Float64Array ? layer.weights : Float64Array.from(layer.weights),
          rng: state.rng
        })
      })
      if (state.state) this.store.snapshots.putState(this.runId, state.step, state.state)
    })
  }

  evaluation(payload: EvaluationPayload, classLabels: number[], step: number): void {
    // One commit: the evaluation and its two metrics.
    this.store.transaction(() => {
      this.store.evaluations.put(this.runId, payload, classLabels)
      this.store.metrics.logBatch(this.runId, [
        { key: 'accuracy', step, value: payload.accuracy },
        { key: 'train_accuracy', step, value: payload.trainAccuracy }
      ])
    })
  }

  /** Write whatever progress is still pending (call before a final status). */
  flushProgress(now = Date.now()): void {
    if (!this.pendingProgress) return
    this.store.runs.setProgress(this.runId, this.pendingProgress.done, this.pendingProgress.total)
    this.pendingProgress = null
    this.lastProgressWrite = now
  }
}
