/**
 * Runs one sweep: proposes trials from its sampler, executes up to `concurrency` at once
 * through a TrialExecutor, feeds their intermediate reports to the pruner, and records every
 * step in the run store before acting on it. The store is the only state that matters:
 *
 * - trial i is inserted (status running, its point) before it is executed, and its run linked
 *   before the run starts; a trial still `running` or `cancelled` when a scheduler starts is
 *   executed again with the same index and point (continuing its run where the executor can);
 * - completed, pruned and failed trials are never executed again, and new trials take the next
 *   index, so a sweep stopped at any moment and resumed loses and repeats no finished trial;
 * - the sweep row is re-read every `pollMs`, so pause (also one asking to stop the trials in
 *   hand), cancel and budget changes made by another process (the CLI next to the app) take effect.
 *
 * The executor is what makes a trial train: the sweep service's runs engine processes through
 * the RunService; tests pass a cheap function of the config. Both go through this class.
 */
import type { ExperimentConfig } from '../../shared/config'
import { gridSize, parseSweep, sweepParameters, type SweepDefinition, type SweepPoint } from '../../shared/sweep'
import type { RunStore, SweepStatus, TrialRow, TrialStatus } from '../db'
import { createPruner, type Pruner, type TrialCurve } from './pruners'
import { createSampler, type ObservedTrial, type Sampler } from './samplers'
import { trialConfig } from './space'

/**
 * Report an intermediate objective (as measured, not oriented) after `step` training images.
 * Returns true when the trial should stop now (it has been pruned).
 */
export type ReportFn = (step: number, value: number) => boolean

export interface TrialContext {
  /** Aborted when the trial must stop: the sweep was cancelled, or the scheduler is stopping. */
  signal: AbortSignal
  /** Whether anything is pruned: without it, reports are recorded but never stop a trial. */
  pruning: boolean
  /** The steps the pruner wants reports at, for a trial of `total` images. */
  reportSteps(total: number): number[]
  /** The run an earlier attempt of this trial left behind (continue it), or null. */
  runId: number | null
  /** Record the run that trains this trial; call before the run can finish. */
  linkRun(runId: number): void
}

/**
 * Trains one trial and resolves with its final objective (as measured). When `report` returns
 * true or the signal aborts, it should stop soon and resolve NaN or throw.
 */
export type TrialExecutor = (config: ExperimentConfig, trialIndex: number, report: ReportFn, context: TrialContext) => Promise<number>

/** Thrown (or rejected with) by executors when a trial stopped without an objective on request. */
export class TrialCancelledError extends Error {
  override name = 'TrialCancelledError'
}

export type SchedulerOutcome = SweepStatus | 'stopped'

export interface SchedulerOptions {
  executor: TrialExecutor
  /** Who schedules ("pid@host"): the sweep is released on the way out only if still ours. */
  runner: string
  /** Trials executing at once. */
  concurrency: number
  /** Called after anything about the sweep changed (a trial started, reported, finished; the status). */
  onChange?: (sweepId: number) => void
  /** How often the sweep row is re-read for changes made elsewhere. */
  pollMs?: number
  /**
   * The sweep's definition as parseSweep returned it from the row's definitionJson, when the
   * caller has just parsed it (it is then not parsed again); default: parsed here.
   */
  definition?: SweepDefinition
}

interface ActiveTrial {
  abort: AbortController
  prunedStep: number | null
  cancelled: boolean
}

/** A trial as the scheduler keeps it in memory (mirrors its row). */
interface KnownTrial {
  index: number
  point: SweepPoint
  status: TrialStatus
  objective: number | null
  runId: number | null
  steps: number[]
  values: number[]
}

export class SweepScheduler {
  readonly definition: SweepDefinition
  private readonly sampler: Sampler
  private readonly pruner: Pruner
  /** +1 to maximise, −1 to minimise: everything internal is "larger is better". */
  private readonly sign: number
  /** Grids stop at their size whatever the budget. */
  private readonly pointLimit: number
  private readonly trials = new Map<number, KnownTrial>()
  private readonly active = new Map<number, ActiveTrial>()
  private readonly executing = new Set<Promise<void>>()
  /** Trials to execute again before proposing new ones (interrupted or cancelled earlier). */
  private readonly again: number[] = []
  /** Indices are never reused: a new trial takes the one after the highest recorded. */
  private nextIndex = 0
  private status: SweepStatus = 'running'
  private budget: number
  private stopping = false
  private poll: ReturnType<typeof setInterval> | null = null
  private settle!: (outcome: SchedulerOutcome) => void
  private readonly outcome: Promise<SchedulerOutcome>
  private started = false
  private settled = false

  constructor(
    private readonly store: RunStore,
    readonly sweepId: number,
    private readonly options: SchedulerOptions
  ) {
    const row = store.sweeps.get(sweepId)
    if (!row) throw new RangeError(`sweep ${sweepId} does not exist`)
    this.definition = options.definition ?? parseSweep(JSON.parse(row.definitionJson), `sweep ${sweepId}`)
    this.sampler = createSampler(this.definition)
    this.pruner = createPruner(this.definition.earlyStopping)
    this.sign = this.definition.objective.direction === 'maximize' ? 1 : -1
    this.pointLimit = this.definition.method === 'grid' ? gridSize(sweepParameters(this.definition)) : Infinity
    this.budget = row.budget
    this.outcome = new Promise((resolve) => (this.settle = resolve))
  }

  /**
   * Execute the sweep until it is completed, paused, cancelled or failed (resolving with that
   * status), or stop() is called ('stopped'). Interrupted and cancelled trials run first.
   */
  run(): Promise<SchedulerOutcome> {
    if (this.started) return this.outcome
    this.started = true
    const reports = this.store.sweeps.reports(this.sweepId)
    for (const row of this.store.sweeps.trials(this.sweepId)) {
      const r = reports.get(row.index)
      this.trials.set(row.index, { ...known(row), steps: r?.steps ?? [], values: (r?.values ?? []).map((v) => this.sign * v) })
      if (row.status === 'running' || row.status === 'cancelled') this.again.push(row.index)
      this.nextIndex = Math.max(this.nextIndex, row.index + 1)
    }
    this.setStatus('running')
    this.poll = setInterval(() => this.refresh(), this.options.pollMs ?? 500)
    this.poll.unref?.()
    this.fill()
    return this.outcome
  }

  /**
   * No new trials; the ones executing finish (or, with `stopTrials`, are stopped and recorded
   * cancelled, to run again on resume); then run() resolves 'paused'.
   */
  pause(stopTrials = false): void {
    // Already paused (from another process, or without stopTrials) may still have trials in hand to stop.
    if (this.status === 'running') this.setStatus('paused')
    else if (this.status !== 'paused') return
    if (stopTrials) this.cancelActive()
    this.fill()
  }

  /** No new trials; the ones executing are cancelled; run() resolves 'cancelled'. */
  cancel(): void {
    if (this.status === 'cancelled' || this.status === 'completed') return
    this.setStatus('cancelled')
    this.cancelActive()
    this.fill()
  }

  /** Re-read budget and status (after a change made through the store). */
  refresh(): void {
    if (this.stopping || this.settled) return
    const row = this.store.sweeps.state(this.sweepId)
    if (!row) {
      void this.stop() // deleted under us
      return
    }
    this.budget = row.budget
    // A pause with stopTrials requested by another process (`sweep pause ID --stop-trials`):
    // the same as pause(true) here, also when this scheduler was paused already (trials finishing).
    if (row.status === 'paused' && row.stopTrials) this.pause(true)
    else if (row.status !== this.status) {
      if (row.status === 'cancelled') this.cancel()
      else if (row.status === 'paused') this.pause()
    }
    this.fill()
  }

  /**
   * The process is shutting down: executing trials are aborted and left `running` in the
   * store (the next scheduler executes them again); nothing more is recorded. Resolves once
   * the executors have returned, or after `graceMs`.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    for (const trial of this.active.values()) trial.abort.abort()
    this.end('stopped')
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([Promise.allSettled([...this.executing]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))])
    clearTimeout(timer)
  }

  /** Trials executing now. */
  get activeCount(): number {
    return this.active.size
  }

  /** Stop the trials executing; they are recorded cancelled (and run again on resume). */
  private cancelActive(): void {
    for (const trial of this.active.values()) {
      trial.cancelled = true
      trial.abort.abort()
    }
  }

  private setStatus(status: SweepStatus, error: string | null = null): void {
    this.status = status
    this.store.sweeps.setStatus(this.sweepId, status, error)
    this.changed()
  }

  private changed(): void {
    try {
      this.options.onChange?.(this.sweepId)
    } catch (error) {
      console.error(`sweep ${this.sweepId} listener failed: ${(error as Error).message}`)
    }
  }

  /** Every trial ever proposed uses up the budget (a cancelled one runs again on resume). */
  private spent(): number {
    return this.trials.size
  }

  private fill(): void {
    if (this.stopping || this.settled) return
    while (this.status === 'running' && this.active.size < this.options.concurrency) {
      const again = this.again.shift()
      if (again !== undefined) {
        this.execute(this.trials.get(again)!, true)
        continue
      }
      if (this.spent() >= Math.min(this.budget, this.pointLimit)) break
      const index = this.nextIndex++
      let point: SweepPoint
      try {
        point = this.sampler.propose(index, this.history())
      } catch (error) {
        this.setStatus('failed', `proposing trial ${index} failed: ${(error as Error).message}`)
        break
      }
      this.store.sweeps.addTrial(this.sweepId, index, point)
      const trial: KnownTrial = { index, point, status: 'running', objective: null, runId: null, steps: [], values: [] }
      this.trials.set(index, trial)
      this.execute(trial, false)
    }
    if (this.active.size > 0) return
    if (this.status === 'running' && this.again.length === 0 && this.spent() >= Math.min(this.budget, this.pointLimit)) this.setStatus('completed')
    if (this.status !== 'running') this.end(this.status)
  }

  private end(outcome: SchedulerOutcome): void {
    if (this.settled) return
    this.settled = true
    if (this.poll) clearInterval(this.poll)
    // Released: a sweep left running without a runner was interrupted and may be resumed anywhere.
    if (this.store.db.open) this.store.sweeps.release(this.sweepId, this.options.runner)
    this.settle(outcome)
  }

  /** What the sampler learns from: completed and pruned trials, scores oriented. */
  private history(): ObservedTrial[] {
    const observed: ObservedTrial[] = []
    for (const trial of this.trials.values()) {
      if (trial.status === 'completed' && trial.objective !== null) {
        observed.push({ index: trial.index, point: trial.point, score: this.sign * trial.objective, pruned: false })
      } else if (trial.status === 'pruned') {
        const last = trial.values.length ? trial.values[trial.values.length - 1] : -Infinity
        observed.push({ index: trial.index, point: trial.point, score: last, pruned: true })
      }
    }
    return observed
  }

  private curves(): TrialCurve[] {
    return [...this.trials.values()].map((t) => ({ index: t.index, status: t.status, steps: t.steps, values: t.values }))
  }

  private execute(trial: KnownTrial, again: boolean): void {
    const state: ActiveTrial = { abort: new AbortController(), prunedStep: null, cancelled: false }
    this.active.set(trial.index, state)
    if (again) {
      this.store.sweeps.restart(this.sweepId, trial.index)
      trial.steps = []
      trial.values = []
    }
    trial.status = 'running'
    trial.objective = null
    this.changed()
    const done = this.attempt(trial, state).finally(() => this.executing.delete(done))
    this.executing.add(done)
  }

  private async attempt(trial: KnownTrial, state: ActiveTrial): Promise<void> {
    const { index } = trial
    const report: ReportFn = (step, value) => {
      if (this.stopping || state.cancelled) return true
      if (state.prunedStep !== null) return true
      this.store.sweeps.report(this.sweepId, index, step, value)
      const at = trial.steps.findIndex((s) => s >= step)
      // Reports normally arrive in step order; a repeated step (a run resumed) replaces its value.
      if (at === -1) {
        trial.steps.push(step)
        trial.values.push(this.sign * value)
      } else if (trial.steps[at] === step) {
        trial.values[at] = this.sign * value
        trial.steps.length = trial.values.length = at + 1
      } else {
        return false
      }
      if (this.pruner.shouldPrune(index, this.curves())) state.prunedStep = step
      this.changed()
      return state.prunedStep !== null
    }
    const context: TrialContext = {
      signal: state.abort.signal,
      pruning: this.definition.earlyStopping.kind !== 'none',
      reportSteps: (total) => this.pruner.reportSteps(total),
      runId: trial.runId,
      linkRun: (runId) => {
        trial.runId = runId
        if (!this.stopping) this.store.sweeps.linkRun(this.sweepId, index, runId)
      }
    }

    let outcome: { status: Exclude<TrialStatus, 'running'>; objective?: number; error?: string | null }
    try {
      const config = trialConfig(this.definition, trial.point, index)
      const objective = await this.options.executor(config, index, report, context)
      // Pruned is the pruner's decision, whether or not the stop reached the trial before it
      // finished (then its objective is kept, for information); a cancel that came too late
      // leaves a completed trial. A trial stopped on request returns NaN (or throws).
      if (state.prunedStep !== null) outcome = { status: 'pruned', ...(Number.isFinite(objective) ? { objective } : {}) }
      else if (Number.isFinite(objective)) outcome = { status: 'completed', objective }
      else if (state.cancelled) outcome = { status: 'cancelled' }
      else outcome = { status: 'failed', error: `the objective ${this.definition.objective.metric} is ${objective}` }
    } catch (error) {
      if (state.prunedStep !== null) outcome = { status: 'pruned' }
      else if (state.cancelled || error instanceof TrialCancelledError) outcome = { status: 'cancelled', error: state.cancelled ? null : (error as Error).message }
      else outcome = { status: 'failed', error: (error as Error).message ?? String(error) }
    }
    this.active.delete(index)
    // Shutting down: record nothing, the trial stays running and is executed again on resume.
    if (this.stopping) return
    trial.status = outcome.status
    trial.objective = outcome.objective ?? null
    this.store.sweeps.finishTrial(this.sweepId, index, {
      status: outcome.status,
      objective: outcome.objective ?? null,
      error: outcome.error ?? null,
      prunedStep: outcome.status === 'pruned' ? state.prunedStep : null
    })
    this.changed()
    this.fill()
  }
}

function known(row: TrialRow): Omit<KnownTrial, 'steps' | 'values'> {
  return { index: row.index, point: row.params as SweepPoint, status: row.status, objective: row.objective, runId: row.runId }
}
