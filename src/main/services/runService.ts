/**
 * Runs: create, queue, train in supervised engine processes (up to `concurrency` at once),
 * record, cancel, resume, inspect. Everything a run reports is written to the store as it
 * arrives, so a crash of an engine process (or of the workbench) loses nothing already
 * recorded; a failed or cancelled run continues from its last snapshot on resume.
 */
import { createHash } from 'node:crypto'
import { cpus, hostname } from 'node:os'
import { ApiError, type ApiParsedArgs, type ApiResults, type RunDetail, type RunStatus } from '../../shared/api'
import { parseExperimentConfig, type ExperimentConfig } from '../../shared/config'
import type { ResumeState } from '../../shared/engineProtocol'
import { flattenConfig } from '../../shared/flatten'
import { ENGINE_VERSION } from '../../engine/experiment/run'
import { snapshotStateArrays, type RunStore, type SnapshotState } from '../db'
import { EnginePool } from '../engineHost/enginePool'
import { EngineRun } from '../engineHost/engineRun'
import type { EngineProcessFactory } from '../engineHost/types'
import type { EventHub } from './api'
import { RunRecorder } from './runRecorder'
import { resolveConfigPaths } from './training'

export interface RunServiceOptions {
  concurrency?: number
  progressIntervalMs?: number
  /** Output neurons whose membrane traces stream live (the first few). */
  traceNeurons?: number
  /** Folder relative config paths are resolved against (API clients send absolute ones). */
  baseDir?: string
  /** An engine process with no run to train ends after this long; default 30 s. */
  engineIdleMs?: number
}

export const INTERRUPTED_REASON = 'interrupted: the workbench stopped while this run was training; resume it to continue from its last snapshot'

export interface RunStartOptions {
  /** Stream live-view material (frames, membrane traces) while it trains; default true. */
  live?: boolean
  /**
   * Minimum milliseconds between the engine's progress messages (each also carries the metrics
   * since the last); default the service's progressIntervalMs. Sweep trials nobody watches image
   * by image use a longer one: fewer messages and store writes per trial.
   */
  progressIntervalMs?: number
}

/** A run waiting for a slot. */
interface WaitingRun {
  id: number
  /** Continue from the last snapshot. */
  resume: boolean
  live: boolean
  progressIntervalMs?: number
  /** The parsed config of a run just inserted, while it is started in the same call (saves reading it back). */
  config?: ExperimentConfig
}

interface ActiveRun {
  engine: EngineRun
  recorder: RunRecorder
}

/** Who supervises a running run: this process on this machine. */
export const THIS_RUNNER = `${process.pid}@${hostname()}`

/** Whether the supervisor named by `runner` is still alive (only checkable on this machine). */
export function runnerAlive(runner: string | null): boolean {
  if (!runner) return false
  const [pidText, host] = runner.split('@')
  if (host !== hostname()) return true // another machine's process: assume alive, never steal its runs
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function configHash(config: ExperimentConfig): string {
  return hashConfigJson(JSON.stringify(config))
}

/** configHash of a config already serialised with JSON.stringify. */
function hashConfigJson(configJson: string): string {
  return createHash('sha256').update(configJson).digest('hex').slice(0, 16)
}

export class RunService {
  private readonly active = new Map<number, ActiveRun>()
  /** Runs waiting for a slot: whether to resume from the last snapshot, and to stream live-view material. */
  private readonly waiting: WaitingRun[] = []
  private readonly concurrency: number
  /** Warm engine processes: one that finished a run trains the next (up to `concurrency` wait). */
  private readonly engines: EnginePool
  private closed = false

  constructor(
    private readonly store: RunStore,
    engineFactory: EngineProcessFactory,
    private readonly events: EventHub,
    private readonly options: RunServiceOptions = {}
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? cpus().length)
    this.engines = new EnginePool(engineFactory, { maxIdle: this.concurrency, idleTimeoutMs: options.engineIdleMs })
  }

  /** After a restart: runs that were training are marked failed (resumable); queued ones start. */
  recover(): void {
    // Runs another live process supervises (the CLI training next to the app) are left alone.
    for (const id of this.store.runs.failInterrupted(INTERRUPTED_REASON, runnerAlive)) this.emitStatus(id, 'failed', INTERRUPTED_REASON)
    for (const id of this.store.runs.queued()) this.waiting.push({ id, resume: false, live: true })
    this.pump()
  }

  /**
   * `options.live` false: the run's engine sends no live-view material (sweep trials, which
   * nobody watches image by image: it costs engine and host time on every image).
   */
  create(args: ApiParsedArgs<'runs.create'>, options: RunStartOptions = {}): ApiResults['runs.create'] {
    // A ConfigError becomes ApiError('invalid-argument') in dispatch, like every input error.
    return this.createParsed(parseExperimentConfig(args.config, 'config'), args.experiment ?? 'Default', options)
  }

  /**
   * `create` for a config that is already the output of parseExperimentConfig (a sweep trial's,
   * from trialConfig): it is not parsed again. Relative paths are resolved as in `create`.
   */
  createParsed(parsed: ExperimentConfig, experiment: string, options: RunStartOptions = {}): ApiResults['runs.create'] {
    const config = this.options.baseDir ? resolveConfigPaths(parsed, this.options.baseDir) : parsed
    const id = this.insert(config, experiment)
    const entry: WaitingRun = { id, resume: false, live: options.live ?? true, progressIntervalMs: options.progressIntervalMs, config }
    this.waiting.push(entry)
    this.emitStatus(id, 'queued', null)
    this.pump()
    // Still waiting: it is read back from the store when it starts (it may change meanwhile).
    delete entry.config
    return { id }
  }

  /** Insert a run record (queued) without starting it; the CLI's in-process train uses this. */
  insert(config: ExperimentConfig, experiment: string, status: RunStatus = 'queued'): number {
    const experimentId = this.store.experiments.ensure(experiment)
    const perEpoch = config.data.order ? config.data.order.length : Infinity
    const configJson = JSON.stringify(config)
    const id = this.store.runs.create({
      experimentId,
      name: config.name,
      seed: config.seed,
      preset: config.preset,
      engineVersion: ENGINE_VERSION,
      configHash: hashConfigJson(configJson),
      configJson,
      total: Number.isFinite(perEpoch) ? perEpoch * config.epochs : 0,
      params: flattenConfig(config)
    })
    if (status !== 'queued') this.store.runs.setStatus(id, status, { runner: THIS_RUNNER })
    return id
  }

  cancel(id: number): ApiResults['runs.cancel'] {
    const row = this.requireRun(id)
    const active = this.active.get(id)
    if (active) {
      active.engine.cancel()
      return { status: 'running' }
    }
    const waitingIndex = this.waiting.findIndex((w) => w.id === id)
    if (waitingIndex >= 0 || row.status === 'queued') {
      if (waitingIndex >= 0) this.waiting.splice(waitingIndex, 1)
      this.setStatus(id, 'cancelled', null)
      return { status: 'cancelled' }
    }
    throw new ApiError('conflict', `run ${id} is ${row.status}; only queued or running runs can be cancelled`)
  }

  resume(id: number, options: RunStartOptions = {}): ApiResults['runs.resume'] {
    const row = this.requireRun(id)
    const orphaned = row.status === 'running' && !this.active.has(id) && !runnerAlive(row.runner)
    if (row.status !== 'failed' && row.status !== 'cancelled' && !orphaned) {
      throw new ApiError('conflict', `run ${id} is ${row.status}; only failed or cancelled runs can be resumed`)
    }
    this.setStatus(id, 'queued', null)
    this.waiting.push({ id, resume: true, live: options.live ?? true, progressIntervalMs: options.progressIntervalMs })
    this.pump()
    return { id }
  }

  async delete(ids: number[]): Promise<ApiResults['runs.delete']> {
    for (const id of ids) {
      const active = this.active.get(id)
      if (active) {
        active.engine.dispose()
        this.active.delete(id)
      }
      const waitingIndex = this.waiting.findIndex((w) => w.id === id)
      if (waitingIndex >= 0) this.waiting.splice(waitingIndex, 1)
    }
    const deleted = this.store.runs.delete(ids)
    this.pump()
    return { deleted }
  }

  get(id: number): RunDetail {
    const row = this.requireRun(id)
    const config = JSON.parse(row.configJson) as ExperimentConfig
    const evaluation = this.store.evaluations.get(id)
    const snapshots = this.store.snapshots.list(id)
    const first = snapshots.find((s) => s.layer === 0)
    return {
      ...this.summaryOf(id),
      config,
      configHash: row.configHash,
      engineVersion: row.engineVersion,
      note: this.store.notes.get(id),
      evaluation: evaluation?.payload ?? null,
      classLabels: evaluation?.classLabels ?? [],
      snapshots,
      latestMetrics: this.store.metrics.latest(id),
      inputShape: inputShapeOf(config, first?.inputs)
    }
  }

  summaryOf(id: number) {
    const { rows } = this.store.runs.list({ params: [], columns: [], ids: [id], sort: 'created', descending: true, offset: 0, limit: 1 })
    if (!rows[0]) throw new ApiError('not-found', `run ${id} does not exist`)
    return rows[0]
  }

  /**
   * The model's state recorded with a run's snapshot at `step` (default: the latest complete
   * snapshot), for evaluating or exporting it as it was: a diehl-cook-2015 run's adaptive
   * thresholds are `state['excitatory.theta']` (mV, one per neuron). Null when the run's model has
   * no such state (seed-2017) or it was recorded before the store kept it.
   */
  snapshotState(id: number, step?: number): { step: number; state: SnapshotState } | null {
    const row = this.requireRun(id)
    const layers = (JSON.parse(row.configJson) as ExperimentConfig).network.layers.length
    const at = step ?? this.store.snapshots.latestComplete(id, layers)?.step
    if (at === undefined) return null
    const state = this.store.snapshots.state(id, at)
    return state && { step: at, state }
  }

  /** The engine process id of a run training now (undefined when it is not active), for tests and diagnostics. */
  activePid(id: number): number | undefined {
    return this.active.get(id)?.engine.pid
  }

  /** Resolves when no run is training or waiting (for the CLI and tests). */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 25))
  }

  /** Stop everything: running runs are cancelled, and every engine process ends (idle ones too). */
  async close(): Promise<void> {
    this.closed = true
    this.waiting.length = 0
    const stopping = [...this.active.values()].map((a) => a.engine.stop())
    await Promise.all(stopping)
    await this.engines.close()
  }

  /** Engine processes alive now, training or idle (for tests and diagnostics). */
  get engineProcesses(): number {
    return this.engines.size
  }

  private requireRun(id: number) {
    const row = this.store.runs.get(id)
    if (!row) throw new ApiError('not-found', `run ${id} does not exist`)
    return row
  }

  private setStatus(id: number, status: RunStatus, error: string | null): void {
    this.store.runs.setStatus(id, status, { error, runner: status === 'running' ? THIS_RUNNER : null })
    this.emitStatus(id, status, error)
  }

  private emitStatus(id: number, status: RunStatus, error: string | null): void {
    this.events.emit('run.status', { id, status, error })
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!
      try {
        this.start(next)
      } catch (error) {
        this.setStatus(next.id, 'failed', (error as Error).message)
      }
    }
  }

  private start(next: WaitingRun): void {
    const { id, resume: resumeRequested, live } = next
    const config = next.config ?? (JSON.parse(this.requireRun(id).configJson) as ExperimentConfig)
    const layers = config.network.layers.length
    let resume: ResumeState | null = null
    if (resumeRequested) {
      const saved = this.store.snapshots.latestComplete(id, layers)
      if (saved) {
        resume = {
          step: saved.step,
          layers: saved.layers.map((l) => ({ neurons: l.neurons, inputs: l.inputs, weights: Array.from(l.weights) })),
          rng: saved.rng as ResumeState['rng'],
          ...(saved.state ? { state: snapshotStateArrays(saved.state) } : {})
        }
      }
    }
    const recorder = new RunRecorder(this.store, id)
    // What one batch reports (the end of a run: progress, metrics, snapshot, evaluation, status) is one commit.
    const engine = new EngineRun(this.engines, { handleBatch: (handleReports) => this.store.transaction(handleReports) })
    this.active.set(id, { engine, recorder })
    const outputNeurons = config.network.layers[layers - 1].neurons
    const traceNeurons = live ? Array.from({ length: Math.min(this.options.traceNeurons ?? 4, outputNeurons) }, (_, j) => j) : []
    let lastDone = resume?.step ?? 0

    engine.onReady(() => this.setStatus(id, 'running', null))
    engine.onProgress((p) => {
      lastDone = p.done
      recorder.progress(p.done, p.total)
      this.events.emit('run.progress', { id, done: p.done, total: p.total, imagesPerSecond: p.imagesPerSecond, last: p.last, traces: p.traces, live: p.live ?? null })
    })
    engine.onMetrics((points) => recorder.metrics(points))
    engine.onSnapshot((snapshot) => {
      recorder.snapshot(snapshot)
      this.events.emit('run.snapshot', { id, step: snapshot.step })
    })
    engine.onEvaluation((evaluation, classLabels) => recorder.evaluation(evaluation, classLabels, lastDone))
    engine.onDone((done) => {
      recorder.flushProgress()
      this.finish(id, done.cancelled ? 'cancelled' : 'completed', null)
    })
    engine.onFailed((reason) => {
      recorder.flushProgress()
      this.finish(id, 'failed', reason)
    })
    engine.start({
      runId: id,
      config,
      resume,
      traceNeurons,
      live,
      progressIntervalMs: next.progressIntervalMs ?? this.options.progressIntervalMs ?? 100
    })
  }

  private finish(id: number, status: RunStatus, error: string | null): void {
    if (!this.active.delete(id)) return
    if (this.store.runs.get(id)) this.setStatus(id, status, error)
    this.pump()
  }
}


/** The image shape of a run's first-layer inputs, where it can be known. */
export function inputShapeOf(config: ExperimentConfig, inputs: number | undefined): { width: number; height: number } | null {
  const source = config.data.source
  if (source.kind === 'inline') return { width: source.width, height: source.height }
  if (source.kind === 'mnist-bundled') return { width: 28, height: 28 }
  if (inputs === undefined) return null
  const side = Math.round(Math.sqrt(inputs))
  return side * side === inputs ? { width: side, height: side } : null
}
