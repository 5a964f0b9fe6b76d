/**
 * Sweeps: create, run, pause, resume, cancel, extend, inspect. Each trial of a sweep is a run
 * created through the RunService (so it trains in an engine process and is recorded like any
 * other run, under the experiment named after the sweep) and linked to the sweep in the trials
 * table. The SweepScheduler decides what runs; this service owns the schedulers of this process
 * and answers questions about any sweep in the store.
 */
import { cpus } from 'node:os'
import { ApiError } from '../../shared/api'
import type { ExperimentConfig } from '../../shared/config'
import { parseSweep, sweepParameters, type SweepDefinition, type SweepParameter } from '../../shared/sweep'
import type { RunStore, SweepRow, SweepSummary, TrialReports, TrialRow } from '../db'
import { fanovaImportance } from '../sweeps/importance'
import { PrequentialAccuracy, presentationLabels } from '../sweeps/intermediate'
import { SweepScheduler, TrialCancelledError, type SchedulerOutcome, type TrialExecutor } from '../sweeps/scheduler'
import { toUnit } from '../sweeps/space'
import type { ApiEventSource } from './api'
import { runnerAlive, THIS_RUNNER, type RunService } from './runService'

/** Who schedules a sweep: this process on this machine, named as a run's runner is. */
export const SWEEP_RUNNER = THIS_RUNNER

/** Whether `runner` is another process that is still alive (so the sweep is its, not ours). */
const heldElsewhere = (runner: string | null): boolean => runner !== null && runner !== SWEEP_RUNNER && runnerAlive(runner)

/** Completed trials needed before importance is estimated. */
export const MIN_TRIALS_FOR_IMPORTANCE = 4

export interface SweepServiceOptions {
  /** Trials at once when neither the call nor the definition says; default: the number of cores. */
  concurrency?: number
  /** Replaces the engine-process executor (tests and benchmarks use cheap objectives). */
  executor?: TrialExecutor
  /** How often a scheduler re-reads its sweep for changes made by another process. */
  pollMs?: number
}

export interface StartOptions {
  /** Trials at once for this session (overrides the definition's concurrency). */
  concurrency?: number
}

export interface ParameterImportance {
  path: string
  /** Share of the objective's variance explained by this parameter alone (fANOVA main effect). */
  importance: number
}

export interface SweepDetail extends SweepSummary {
  definition: SweepDefinition
  /** Marked running but no live process is scheduling it: `resume` continues it. */
  interrupted: boolean
  trialList: TrialRow[]
  best: TrialRow | null
}

export class SweepService {
  private readonly schedulers = new Map<number, { scheduler: SweepScheduler; outcome: Promise<SchedulerOutcome> }>()
  private readonly listeners = new Set<(sweepId: number) => void>()
  private closed = false

  constructor(
    private readonly store: RunStore,
    private readonly runs: RunService,
    private readonly events: ApiEventSource,
    private readonly options: SweepServiceOptions = {}
  ) {}

  /** Validate and record a sweep, and start scheduling it here. Throws SweepError (a ConfigError) on bad input. */
  create(input: unknown, options: StartOptions = {}, source = 'sweep'): { id: number } {
    const parsed = parseSweep(input, source)
    // The concurrency it starts with is kept as the sweep's, so `resume` continues alike.
    const definition = options.concurrency === undefined ? parsed : { ...parsed, concurrency: options.concurrency }
    const id = this.store.sweeps.create({
      name: definition.name,
      method: definition.method,
      budget: definition.budget,
      definitionJson: JSON.stringify(definition),
      runner: SWEEP_RUNNER
    })
    this.startScheduler(id, definition, options)
    return { id }
  }

  /**
   * Continue a sweep here: interrupted and cancelled trials run again, then new ones up to the
   * budget. Refused while another live process schedules it.
   */
  resume(id: number, options: StartOptions = {}): { id: number } {
    if (this.schedulers.has(id)) return { id }
    this.requireSweep(id)
    const holder = this.store.sweeps.claim(id, SWEEP_RUNNER, heldElsewhere)
    if (holder !== SWEEP_RUNNER) throw new ApiError('conflict', `sweep ${id} is being run by process ${holder}; pause it there or wait for it`)
    const row = this.requireSweep(id)
    this.startScheduler(id, parseSweep(JSON.parse(row.definitionJson), `sweep ${id}`), options)
    return { id }
  }

  /**
   * Before RunService.recover at a restart: the runs of interrupted trials that their session
   * left queued are marked cancelled, so the run queue does not start them as runs of their own;
   * `recover` then continues them as their sweeps' trials (from their last snapshots).
   */
  releaseInterruptedTrialRuns(): number[] {
    const released: number[] = []
    for (const sweep of this.store.sweeps.list()) {
      if (sweep.status !== 'running' || this.schedulers.has(sweep.id) || heldElsewhere(sweep.runner)) continue
      for (const trial of this.store.sweeps.trials(sweep.id)) {
        if (trial.status !== 'running' || trial.runId === null) continue
        if (this.store.runs.get(trial.runId)?.status !== 'queued') continue
        this.store.runs.setStatus(trial.runId, 'cancelled')
        released.push(trial.runId)
      }
    }
    return released
  }

  /** After a restart: resume every sweep left running by a process that is gone. */
  recover(): number[] {
    const resumed: number[] = []
    for (const sweep of this.store.sweeps.list()) {
      if (sweep.status === 'running' && !this.schedulers.has(sweep.id) && !heldElsewhere(sweep.runner)) {
        this.resume(sweep.id)
        resumed.push(sweep.id)
      }
    }
    return resumed
  }

  /**
   * No new trials; the ones training finish, or with `stopTrials` stop now (recorded cancelled)
   * and run again on resume. Works on a sweep scheduled by another process too: the request is
   * recorded in its row, which that scheduler re-reads every poll (twice a second). With
   * `stopTrials` a paused sweep whose scheduler still has trials in hand is accepted too.
   * `trialsInHand`: the trials training when it was asked.
   */
  pause(id: number, options: { stopTrials?: boolean } = {}): { status: SweepRow['status']; trialsInHand: number } {
    const stopTrials = options.stopTrials ?? false
    const row = this.requireSweep(id)
    const trialsInHand = this.store.sweeps.counts(id).running
    const local = this.schedulers.get(id)
    if (local) local.scheduler.pause(stopTrials)
    else {
      // A paused sweep has trials to stop only while a live scheduler elsewhere still holds it.
      const stoppable = row.status === 'running' || (row.status === 'paused' && heldElsewhere(row.runner) && trialsInHand > 0)
      if (!(stopTrials ? stoppable : row.status === 'running') || !this.store.sweeps.requestPause(id, stopTrials)) {
        throw notPausable(id, this.requireSweep(id).status, stopTrials)
      }
    }
    this.emit(id)
    return { status: this.requireSweep(id).status, trialsInHand }
  }

  /** No new trials; the ones training are cancelled (their runs too). */
  cancel(id: number): { status: SweepRow['status'] } {
    const row = this.requireSweep(id)
    const local = this.schedulers.get(id)
    if (local) local.scheduler.cancel()
    else if (row.status === 'running' || row.status === 'paused') this.store.sweeps.setStatus(id, 'cancelled')
    else throw new ApiError('conflict', `sweep ${id} is ${row.status}; only a running or paused sweep can be cancelled`)
    this.emit(id)
    return { status: this.requireSweep(id).status }
  }

  /** Raise the budget by `extra` trials. A completed sweep becomes paused: resume it to run them. */
  addBudget(id: number, extra: number): { budget: number; status: SweepRow['status'] } {
    if (!(Number.isInteger(extra) && extra >= 1)) throw new ApiError('invalid-argument', `extra budget must be a positive integer, got ${extra}`)
    const row = this.requireSweep(id)
    this.store.sweeps.setBudget(id, row.budget + extra)
    const local = this.schedulers.get(id)
    if (local) local.scheduler.refresh()
    else if (row.status === 'completed') this.store.sweeps.setStatus(id, 'paused')
    this.emit(id)
    const after = this.requireSweep(id)
    return { budget: after.budget, status: after.status }
  }

  /** Delete a sweep with its trials (their runs stay). Refused while it is being scheduled. */
  delete(id: number): { deleted: boolean } {
    const row = this.requireSweep(id)
    if (this.schedulers.has(id) || heldElsewhere(row.runner)) throw new ApiError('conflict', `sweep ${id} is being run; pause or cancel it first`)
    return { deleted: this.store.sweeps.delete(id) }
  }

  /** Resolves when this process's scheduler of `id` ends (immediately with the stored status if there is none). */
  async wait(id: number): Promise<SchedulerOutcome> {
    const local = this.schedulers.get(id)
    if (local) return local.outcome
    return this.requireSweep(id).status
  }

  /** Whether this process is scheduling `id`. */
  isScheduling(id: number): boolean {
    return this.schedulers.has(id)
  }

  list(): SweepSummary[] {
    return this.store.sweeps.list()
  }

  get(id: number): SweepDetail {
    const { definitionJson, ...row } = this.requireSweep(id)
    const definition = JSON.parse(definitionJson) as SweepDefinition
    const trialList = this.store.sweeps.trials(id)
    return {
      ...row,
      trials: this.store.sweeps.counts(id),
      definition,
      interrupted: row.status === 'running' && !this.schedulers.has(id) && !heldElsewhere(row.runner),
      trialList,
      best: rankTrials(trialList, definition)[0] ?? null
    }
  }

  /** The k best completed trials, best first. */
  best(id: number, k = 5): TrialRow[] {
    const row = this.requireSweep(id)
    return rankTrials(this.store.sweeps.trials(id), JSON.parse(row.definitionJson) as SweepDefinition).slice(0, Math.max(0, k))
  }

  /** fANOVA main effects of the parameters, most important first; empty below MIN_TRIALS_FOR_IMPORTANCE completed trials. */
  importance(id: number): ParameterImportance[] {
    const row = this.requireSweep(id)
    const definition = JSON.parse(row.definitionJson) as SweepDefinition
    return trialImportance(this.store.sweeps.trials(id), sweepParameters(definition), definition.seed)
  }

  /** Every trial's intermediate objectives (as measured), for learning-curve charts. */
  reports(id: number): Record<number, TrialReports> {
    this.requireSweep(id)
    return Object.fromEntries(this.store.sweeps.reports(id))
  }

  /** Listen for any change to a sweep this process schedules or edits. Returns an unsubscribe. */
  on(listener: (sweepId: number) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Stop scheduling (the process is ending): trials training are stopped and stay `running`
   * in the store, so `resume` (here or in another process) runs them again. Call before the
   * RunService and the store close.
   */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.schedulers.values()].map((s) => s.scheduler.stop()))
    this.schedulers.clear()
  }

  private startScheduler(id: number, definition: SweepDefinition, options: StartOptions): void {
    if (this.closed) throw new ApiError('unavailable', 'the sweep service is closed')
    const concurrency = options.concurrency ?? definition.concurrency ?? this.options.concurrency ?? cpus().length
    const executor =
      this.options.executor ??
      engineTrialExecutor({ store: this.store, runs: this.runs, events: this.events, experiment: definition.name, metric: definition.objective.metric })
    const scheduler = new SweepScheduler(this.store, id, {
      executor,
      runner: SWEEP_RUNNER,
      concurrency: Math.max(1, concurrency),
      pollMs: this.options.pollMs,
      definition,
      onChange: (sweepId) => this.emit(sweepId)
    })
    const outcome = scheduler.run().finally(() => {
      if (this.schedulers.get(id)?.scheduler === scheduler) this.schedulers.delete(id)
      this.emit(id)
    })
    this.schedulers.set(id, { scheduler, outcome })
  }

  private emit(id: number): void {
    for (const listener of this.listeners) {
      try {
        listener(id)
      } catch (error) {
        console.error(`sweep listener failed: ${(error as Error).message}`)
      }
    }
  }

  private requireSweep(id: number): SweepRow {
    const row = this.store.sweeps.get(id)
    if (!row) throw new ApiError('not-found', `sweep ${id} does not exist`)
    return row
  }
}

function notPausable(id: number, status: SweepRow['status'], stopTrials: boolean): ApiError {
  if (stopTrials && status === 'paused') return new ApiError('conflict', `sweep ${id} is paused and no process is training its trials; nothing to stop`)
  return new ApiError('conflict', `sweep ${id} is ${status}; only a running sweep can be paused`)
}

/** Completed trials, best objective first (ties: the earlier trial). */
export function rankTrials(trials: readonly TrialRow[], definition: Pick<SweepDefinition, 'objective'>): TrialRow[] {
  const sign = definition.objective.direction === 'maximize' ? -1 : 1
  return trials
    .filter((t) => t.status === 'completed' && t.objective !== null)
    .sort((a, b) => sign * (a.objective! - b.objective!) || a.index - b.index)
}

/** fANOVA importance over the completed trials of a sweep. */
export function trialImportance(trials: readonly TrialRow[], parameters: readonly SweepParameter[], seed = 0): ParameterImportance[] {
  const completed = trials.filter((t) => t.status === 'completed' && t.objective !== null)
  if (completed.length < MIN_TRIALS_FOR_IMPORTANCE || parameters.length === 0) return []
  const points = completed.map((t) => parameters.map((p) => toUnit(p, t.params[p.path] as never)))
  const { mainEffects } = fanovaImportance(points, completed.map((t) => t.objective!), { seed })
  return parameters.map((p, d) => ({ path: p.path, importance: mainEffects[d] })).sort((a, b) => b.importance - a.importance)
}

export interface EngineExecutorOptions {
  store: RunStore
  runs: RunService
  events: ApiEventSource
  /** Experiment the trial runs are filed under (the sweep's name). */
  experiment: string
  metric: SweepDefinition['objective']['metric']
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled'])

/**
 * Progress interval of a trial's run when nothing is pruned: nobody watches a trial image by
 * image (the sweep page shows trial progress at a coarser rate), and every progress message
 * costs the host a metrics write. With pruning the run service's default keeps the reports timely.
 */
export const TRIAL_PROGRESS_INTERVAL_MS = 1000

/**
 * Trials as runs in engine processes. The objective is the run's final `metric` (recorded from
 * its evaluation). When the pruner wants reports, the intermediate objective is the run's
 * prequential training accuracy (see sweeps/intermediate.ts), computed from its recorded
 * `train.winner` metrics as progress arrives; a pruned run is cancelled.
 */
export function engineTrialExecutor(options: EngineExecutorOptions): TrialExecutor {
  const { store, runs, events, experiment, metric } = options
  return (config, trialIndex, report, context) =>
    new Promise<number>((resolve, reject) => {
      let runId: number | null = context.runId
      let settled = false
      const unsubscribe: (() => void)[] = []
      const settle = (finish: () => void) => {
        if (settled) return
        settled = true
        for (const off of unsubscribe) off()
        finish()
      }
      const objectiveOf = (id: number): number => {
        const value = store.metrics.latest(id)[metric]
        if (value === undefined) throw new Error(`run ${id} finished without a ${metric} metric (is evaluation.enabled off?)`)
        return value
      }
      const onTerminal = (id: number, status: string, error: string | null) => {
        if (status === 'completed') {
          try {
            resolve(objectiveOf(id))
          } catch (e) {
            reject(e)
          }
        } else if (status === 'cancelled') reject(new TrialCancelledError(`run ${id} was cancelled`))
        else reject(new Error(error ?? `run ${id} failed`))
      }
      const cancelRun = () => {
        if (runId === null) return
        try {
          runs.cancel(runId)
        } catch {
          // Already finished (or the service is closing): nothing to cancel.
        }
      }

      // A run left queued by a process that is gone waits in no queue: cancel it first (before
      // listening, so its 'cancelled' is not taken for this attempt's end) to resume it below.
      const earlier = runId !== null ? store.runs.get(runId) : undefined
      try {
        if (earlier?.status === 'queued') runs.cancel(earlier.id)
      } catch (error) {
        settle(() => reject(error))
        return
      }

      const intermediate = context.pruning ? intermediateReporter(config, context.reportSteps, store, report) : null
      // No live view for trials: its frames and traces cost every image engine and host time.
      const startOptions = { live: false, ...(context.pruning ? {} : { progressIntervalMs: TRIAL_PROGRESS_INTERVAL_MS }) }
      unsubscribe.push(
        events.on('run.status', ({ id, status, error }) => {
          if (id === runId && TERMINAL.has(status)) settle(() => onTerminal(id, status, error))
        }),
        events.on('run.progress', ({ id, done }) => {
          if (id !== runId || settled || !intermediate) return
          try {
            if (intermediate.advance(id, done)) cancelRun()
          } catch (error) {
            console.error(`trial ${trialIndex}: intermediate objective failed: ${(error as Error).message}`)
          }
        })
      )
      const onAbort = () => {
        cancelRun()
        settle(() => reject(new TrialCancelledError(`trial ${trialIndex} stopped`)))
      }
      context.signal.addEventListener('abort', onAbort, { once: true })
      unsubscribe.push(() => context.signal.removeEventListener('abort', onAbort))

      try {
        if (earlier?.status === 'completed') {
          const id = earlier.id
          settle(() => onTerminal(id, 'completed', null))
          return
        }
        if (earlier) {
          // An earlier attempt's run: continue it (from its last snapshot) rather than start over.
          runs.resume(earlier.id, startOptions)
        } else {
          // The trial's config is trialConfig's, already parsed: it is not parsed again.
          runId = runs.createParsed(config, experiment, startOptions).id
          context.linkRun(runId)
        }
        // A run that could not even start has already failed, before we were listening for it.
        const now = store.runs.get(runId!)
        if (now && TERMINAL.has(now.status)) settle(() => onTerminal(now.id, now.status, now.error))
      } catch (error) {
        settle(() => reject(error))
      }
    })
}

/**
 * Feeds a run's recorded winners into a PrequentialAccuracy and reports it at the pruner's
 * steps. Null when the labels cannot be replayed (then the trial is never pruned).
 */
function intermediateReporter(
  config: ExperimentConfig,
  reportSteps: (total: number) => number[],
  store: RunStore,
  report: (step: number, value: number) => boolean
): { advance(runId: number, done: number): boolean } | null {
  let labels: Int32Array
  try {
    labels = presentationLabels(config)
  } catch {
    return null
  }
  const steps = reportSteps(labels.length)
  const accuracy = new PrequentialAccuracy()
  let next = 0
  return {
    /** True when the trial was pruned. */
    advance(runId: number, done: number): boolean {
      if (next >= steps.length || steps[next] > done) return false
      const series = store.metrics.series(runId, ['train.winner'])[0]
      if (series) {
        for (let i = 0; i < series.steps.length; i++) {
          const step = series.steps[i]
          // Steps are 1-based image counts; feed each image once, in order.
          if (step === accuracy.length + 1 && step <= labels.length) accuracy.push(labels[step - 1], series.values[i])
        }
      }
      while (next < steps.length && steps[next] <= Math.min(done, accuracy.length)) {
        if (report(steps[next], accuracy.at(steps[next]))) return true
        next++
      }
      return false
    }
  }
}
