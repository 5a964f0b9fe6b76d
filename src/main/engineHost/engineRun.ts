/**
 * Supervises one run in an engine process: takes a process from its source (a warm one from an
 * EnginePool, or a new one), starts the run, checks and forwards what it says, stops it on
 * request (cancel, then kill after a time-out), and turns every way a process can end without
 * `done` into one failure reason. After `done` the process goes back to its source alive; after
 * anything else it does not outlive the run: it is killed on dispose, after a failure (if it
 * does not exit by itself), and when cancel times out.
 */
import type { ExperimentConfig } from '../../shared/config'
import {
  BatchMessageSchema,
  ENGINE_PROTOCOL_VERSION,
  type EngineReport,
  type EngineToHost,
  type EvaluationPayload,
  type MetricColumn,
  MetricsMessageSchema,
  type ResumeState
} from '../../shared/engineProtocol'
import { singleUse } from './enginePool'
import type { EngineExitInfo, EngineProcess, EngineProcessFactory, EngineProcessSource } from './types'

export interface EngineRunRequest {
  runId: number
  config: ExperimentConfig
  /** Continue from a snapshot (a `snapshot` message can be passed as is). */
  resume?: ResumeState | null
  /** Output neurons whose membrane traces come with progress. */
  traceNeurons?: number[]
  /** Minimum milliseconds between progress messages; default 250. */
  progressIntervalMs?: number
  /** Stream live-view material (frames, traces) with progress; default true. Sweep trials: false. */
  live?: boolean
}

/**
 * input: the config or its files (the user can fix it); internal: a bug in the engine;
 * crash: the process ended unexpectedly; out-of-memory: it ran out of heap;
 * protocol: it said something this host does not understand.
 */
export type EngineFailureKind = 'input' | 'internal' | 'crash' | 'out-of-memory' | 'protocol'

type Message<T extends EngineReport['type']> = Omit<Extract<EngineReport, { type: T }>, 'type'>
export type EngineProgress = Message<'progress'>
export type EngineSnapshot = Message<'snapshot'>
export type EngineDone = Message<'done'>

interface Listeners {
  ready(info: { pid: number; engineVersion: string }): void
  progress(progress: EngineProgress): void
  metrics(columns: MetricColumn[]): void
  snapshot(snapshot: EngineSnapshot): void
  evaluation(evaluation: EvaluationPayload, classLabels: number[]): void
  done(done: EngineDone): void
  failed(reason: string, kind: EngineFailureKind): void
}

export type EngineRunOutcome = ({ status: 'done' } & EngineDone) | { status: 'failed'; reason: string; kind: EngineFailureKind }

export type EngineRunState = 'idle' | 'starting' | 'running' | 'cancelling' | 'done' | 'failed'

export interface EngineRunOptions {
  /** After cancel(): how long the engine may take to answer `done` before it is killed. Default 1000. */
  cancelTimeoutMs?: number
  /** After an error: how long the process may take to exit by itself. Default 2000. */
  exitTimeoutMs?: number
  /**
   * Runs the handling of a `batch` (its reports' listeners, in order). The run service passes a
   * store transaction, so everything one batch reports is committed once. Default: call it.
   */
  handleBatch?: (handleReports: () => void) => void
}

const DEFAULT_PROGRESS_INTERVAL_MS = 250

/**
 * One run. Register listeners (one per event; registering again replaces), then `start`.
 * Exactly one of onDone / onFailed is called, once; nothing is called after dispose.
 */
export class EngineRun {
  /** Settles once, with the run's outcome (also after dispose). */
  readonly finished: Promise<EngineRunOutcome>
  private resolveFinished!: (outcome: EngineRunOutcome) => void
  /** Settles when the process is back in its source or has ended (at once if none was started). */
  private readonly processEnded: Promise<void>
  private resolveProcessEnded!: () => void
  private readonly listeners: Partial<Listeners> = {}
  private process: EngineProcess | null = null
  private readonly source: EngineProcessSource
  /** Remove this run's listeners from the process (it may serve another run next). */
  private unsubscribe: () => void = () => {}
  private released = false
  private runState: EngineRunState = 'idle'
  private outcome: EngineRunOutcome | null = null
  private readySeen = false
  private exited = false
  private disposed = false
  private startedAt = 0
  private lastDone = 0
  private cancelTimer: ReturnType<typeof setTimeout> | null = null
  private exitTimer: ReturnType<typeof setTimeout> | null = null
  private readonly cancelTimeoutMs: number
  private readonly exitTimeoutMs: number
  private readonly handleBatch: (handleReports: () => void) => void

  /** A bare factory means a new process for this run, ended after it. */
  constructor(source: EngineProcessSource | EngineProcessFactory, options: EngineRunOptions = {}) {
    this.source = typeof source === 'function' ? singleUse(source) : source
    this.cancelTimeoutMs = options.cancelTimeoutMs ?? 1000
    this.exitTimeoutMs = options.exitTimeoutMs ?? 2000
    this.handleBatch = options.handleBatch ?? ((handleReports) => handleReports())
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve))
    this.processEnded = new Promise((resolve) => (this.resolveProcessEnded = resolve))
  }

  onReady(cb: Listeners['ready']): void {
    this.listeners.ready = cb
  }

  onProgress(cb: Listeners['progress']): void {
    this.listeners.progress = cb
  }

  /** Batches of metric columns (per training image: train.spikes, train.winner; at the end: accuracy, train_accuracy). */
  onMetrics(cb: Listeners['metrics']): void {
    this.listeners.metrics = cb
  }

  /** A snapshot can be passed back as `resume` to continue exactly from it. */
  onSnapshot(cb: Listeners['snapshot']): void {
    this.listeners.snapshot = cb
  }

  onEvaluation(cb: Listeners['evaluation']): void {
    this.listeners.evaluation = cb
  }

  onDone(cb: Listeners['done']): void {
    this.listeners.done = cb
  }

  onFailed(cb: Listeners['failed']): void {
    this.listeners.failed = cb
  }

  get state(): EngineRunState {
    return this.runState
  }

  get pid(): number | undefined {
    return this.process?.pid
  }

  start(request: EngineRunRequest): void {
    if (this.runState !== 'idle' || this.disposed) throw new Error(`EngineRun.start: the run is already ${this.disposed ? 'disposed' : this.runState}`)
    this.runState = 'starting'
    this.startedAt = Date.now()
    const engine = this.source.acquire()
    this.process = engine
    const offMessage = engine.onMessage((msg) => this.handleMessage(msg))
    const offExit = engine.onExit((info) => this.handleExit(info))
    this.unsubscribe = () => {
      offMessage()
      offExit()
    }
    engine.send({
      type: 'start',
      protocol: ENGINE_PROTOCOL_VERSION,
      runId: request.runId,
      config: request.config,
      resume: request.resume ?? null,
      progressIntervalMs: request.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      traceNeurons: request.traceNeurons ?? [],
      live: request.live ?? true
    })
  }

  /** Ask the engine to stop; if it has not said `done` within cancelTimeoutMs, kill it and report it cancelled. */
  cancel(): void {
    if (this.runState !== 'starting' && this.runState !== 'running') return
    this.runState = 'cancelling'
    this.process!.send({ type: 'cancel' })
    this.cancelTimer = setTimeout(() => {
      this.settle({ status: 'done', presented: this.lastDone, elapsedMs: Date.now() - this.startedAt, cancelled: true })
      this.killProcess()
    }, this.cancelTimeoutMs)
  }

  /** Cancel (if still training) and resolve once the process has ended, killed if need be. */
  async stop(): Promise<EngineRunOutcome> {
    if (this.runState === 'idle') this.dispose()
    else this.cancel()
    const outcome = await this.finished
    await this.processEnded
    return outcome
  }

  /** Kill the process now; no listener is called after this. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.settle({ status: 'failed', reason: 'the run was stopped before it finished (disposed)', kind: 'internal' })
    this.killProcess()
    if (!this.process) this.resolveProcessEnded()
  }

  private handleMessage(raw: unknown): void {
    if (this.outcome) return
    const msg = checkMessage(raw)
    if (!msg) return this.fail(`the engine sent a message this host does not understand: ${preview(raw)}`, 'protocol')
    if (msg.type !== 'batch') return this.handleReport(msg)
    // Every report is checked before any is handled: a bad batch records nothing.
    const reports = msg.messages.map(checkMessage)
    const bad = reports.findIndex((report) => report === null)
    if (bad >= 0) return this.fail(`the engine sent a message this host does not understand: ${preview(msg.messages[bad])}`, 'protocol')
    this.handleBatch(() => {
      for (const report of reports as EngineReport[]) {
        if (this.outcome) return
        this.handleReport(report)
      }
    })
  }

  private handleReport(msg: EngineReport): void {
    const { listeners } = this
    if (!this.readySeen && msg.type !== 'ready' && msg.type !== 'error') {
      return this.fail(`the engine sent "${msg.type}" before "ready"`, 'protocol')
    }
    switch (msg.type) {
      case 'ready':
        if (msg.protocol !== ENGINE_PROTOCOL_VERSION) {
          return this.fail(`engine protocol mismatch: the engine speaks version ${msg.protocol}, this host ${ENGINE_PROTOCOL_VERSION}`, 'protocol')
        }
        this.readySeen = true
        if (this.runState === 'starting') this.runState = 'running'
        listeners.ready?.({ pid: msg.pid, engineVersion: msg.engineVersion })
        return
      case 'progress':
        this.lastDone = msg.done
        listeners.progress?.(msg)
        return
      case 'metrics':
        listeners.metrics?.(msg.columns)
        return
      case 'snapshot':
        listeners.snapshot?.(msg)
        return
      case 'evaluation':
        listeners.evaluation?.(msg.evaluation, msg.classLabels)
        return
      case 'done':
        this.settle({ status: 'done', presented: msg.presented, elapsedMs: msg.elapsedMs, cancelled: msg.cancelled }, true)
        return
      case 'error':
        return this.fail(msg.message, msg.kind)
    }
  }

  private handleExit(info: EngineExitInfo): void {
    this.exited = true
    if (this.exitTimer) clearTimeout(this.exitTimer)
    this.unsubscribe()
    // Tells a pool to forget it; the run's own process end is now.
    if (this.process && !this.released) {
      this.released = true
      void this.source.release(this.process, false)
    }
    this.resolveProcessEnded()
    if (!this.outcome) {
      const { reason, kind } = describeExit(info)
      this.fail(reason, kind)
    }
  }

  private fail(reason: string, kind: EngineFailureKind): void {
    this.settle({ status: 'failed', reason, kind })
    // A process that misbehaves is not given the chance to exit by itself.
    if (kind === 'protocol') this.killProcess()
  }

  private settle(outcome: EngineRunOutcome, engineSaidDone = false): void {
    if (this.outcome) return
    this.outcome = outcome
    this.runState = outcome.status
    if (this.cancelTimer) clearTimeout(this.cancelTimer)
    if (engineSaidDone && this.process && !this.exited) {
      // Back to the source before the listeners run, so a run they start can have it at once.
      this.released = true
      this.unsubscribe()
      void this.source.release(this.process, true).then(this.resolveProcessEnded)
    } else if (!this.exited) {
      // After an error the engine exits by itself; it gets a moment to.
      this.exitTimer = setTimeout(() => this.killProcess(), this.exitTimeoutMs)
    }
    if (!this.disposed) {
      if (outcome.status === 'done') this.listeners.done?.({ presented: outcome.presented, elapsedMs: outcome.elapsedMs, cancelled: outcome.cancelled })
      else this.listeners.failed?.(outcome.reason, outcome.kind)
    }
    this.resolveFinished(outcome)
  }

  private killProcess(): void {
    if (this.exitTimer) clearTimeout(this.exitTimer)
    // A process handed back after `done` is its source's now.
    if (!this.exited && !this.released) this.process?.kill()
  }
}

/** The one-line reason for a process that ended without `done`. */
export function describeExit(info: EngineExitInfo): { reason: string; kind: EngineFailureKind } {
  const { code, signal, stderr = '', error } = info
  if (/heap out of memory/i.test(stderr) || signal === 'SIGABRT' || code === 134) {
    return { reason: 'the engine process ran out of memory (try fewer neurons or images, or a larger memory limit)', kind: 'out-of-memory' }
  }
  if (signal) return { reason: `the engine process was killed (${signal})`, kind: 'crash' }
  if (code === null && error) return { reason: `the engine process could not be started (${error})`, kind: 'crash' }
  return { reason: `the engine process exited with code ${code} before the run finished`, kind: 'crash' }
}

const MESSAGE_CHECKS: { [T in EngineToHost['type']]: (m: Record<string, unknown>) => boolean } = {
  ready: (m) => typeof m.protocol === 'number' && typeof m.engineVersion === 'string' && typeof m.pid === 'number',
  progress: (m) => typeof m.done === 'number' && typeof m.total === 'number' && typeof m.imagesPerSecond === 'number',
  metrics: (m) => MetricsMessageSchema.safeParse(m).success,
  snapshot: (m) => typeof m.step === 'number' && Array.isArray(m.layers) && typeof m.rng === 'object' && m.rng !== null,
  evaluation: (m) => typeof m.evaluation === 'object' && m.evaluation !== null && Array.isArray(m.classLabels),
  done: (m) => typeof m.presented === 'number' && typeof m.elapsedMs === 'number' && typeof m.cancelled === 'boolean',
  error: (m) => typeof m.message === 'string' && (m.kind === 'input' || m.kind === 'internal'),
  batch: (m) => BatchMessageSchema.safeParse(m).success
}

/** The message if it has a known type and that type's fields; null otherwise. Shallow: the engine is ours, this catches mix-ups, not attacks. */
function checkMessage(raw: unknown): EngineToHost | null {
  if (typeof raw !== 'object' || raw === null) return null
  const m = raw as Record<string, unknown>
  const check = Object.hasOwn(MESSAGE_CHECKS, m.type as string) ? MESSAGE_CHECKS[m.type as EngineToHost['type']] : undefined
  return check?.(m) ? (raw as EngineToHost) : null
}

function preview(raw: unknown): string {
  let text: string
  try {
    text = JSON.stringify(raw) ?? String(raw)
  } catch {
    text = String(raw)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
