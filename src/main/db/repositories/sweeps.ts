import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { SweepStatus, SweepSummary, SweepTrial, TrialCounts, TrialStatus } from '../../../shared/sweepApi'
import { isoNow, numberOrNaN } from '../util'

// The statuses, summaries and trials are the API contract's: the store keeps what the API shows.
export type { SweepStatus, SweepSummary, TrialCounts, TrialStatus }

export interface NewSweep {
  name: string
  method: string
  budget: number
  definitionJson: string
  /** "pid@host" of the process that will schedule it. */
  runner: string
}

export interface SweepRow extends Omit<SweepSummary, 'trials'> {
  definitionJson: string
}

export interface TrialRow extends SweepTrial {
  sweepId: number
}

export interface TrialOutcome {
  status: Exclude<TrialStatus, 'running'>
  objective?: number | null
  error?: string | null
  prunedStep?: number | null
}

/** A trial's intermediate objectives, steps ascending. */
export interface TrialReports {
  steps: number[]
  values: number[]
}

interface SweepRecord {
  id: number
  name: string
  method: string
  status: SweepStatus
  budget: number
  created_at: string
  updated_at: string
  finished_at: string | null
  runner: string | null
  error: string | null
  definition_json: string
}

interface TrialRecord {
  sweep_id: number
  trial_index: number
  run_id: number | null
  status: TrialStatus
  params_json: string
  objective: number | null
  pruned: number
  pruned_step: number | null
  error: string | null
  created_at: string
  finished_at: string | null
}

const SWEEP_COLUMNS = 'id, name, method, status, budget, created_at, updated_at, finished_at, runner, error'
const FINISHED_SWEEP = "('completed', 'cancelled', 'failed')"

function toSweep(record: SweepRecord): SweepRow {
  return { ...summaryColumns(record), definitionJson: record.definition_json }
}

function summaryColumns(record: Omit<SweepRecord, 'definition_json'>): Omit<SweepRow, 'definitionJson'> {
  return {
    id: record.id,
    name: record.name,
    method: record.method,
    status: record.status,
    budget: record.budget,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    finishedAt: record.finished_at,
    runner: record.runner,
    error: record.error
  }
}

function toTrial(record: TrialRecord): TrialRow {
  return {
    sweepId: record.sweep_id,
    index: record.trial_index,
    runId: record.run_id,
    status: record.status,
    params: JSON.parse(record.params_json) as Record<string, unknown>,
    objective: record.objective,
    pruned: record.pruned === 1,
    prunedStep: record.pruned_step,
    error: record.error,
    createdAt: record.created_at,
    finishedAt: record.finished_at
  }
}

const emptyCounts = (): TrialCounts => ({ running: 0, completed: 0, pruned: 0, failed: 0, cancelled: 0 })

/**
 * Sweeps, their trials and the trials' intermediate reports. Everything the scheduler decides
 * from lives here, so a sweep continues after a restart from exactly what was recorded.
 */
export class SweepsRepository {
  private readonly insertSweep: Statement<[NewSweep & { now: string }]>
  private readonly selectSweep: Statement<[number], SweepRecord>
  private readonly selectSweeps: Statement<[], Omit<SweepRecord, 'definition_json'>>
  private readonly selectState: Statement<[number], { status: SweepStatus; budget: number; stop_trials_requested: number }>
  private readonly updateStatus: Statement<[{ id: number; status: SweepStatus; error: string | null; now: string }]>
  private readonly pauseRunning: Statement<[string, number]>
  private readonly pauseStoppingTrials: Statement<[string, number]>
  private readonly updateRunner: Statement<[string | null, string, number]>
  private readonly releaseRunner: Statement<[string, number, string]>
  private readonly updateBudget: Statement<[number, string, number]>
  private readonly deleteSweep: Statement<[number]>
  private readonly insertTrial: Statement<[number, number, string, string]>
  private readonly updateTrialRun: Statement<[number | null, number, number]>
  private readonly updateTrialOutcome: Statement<[{ sweepId: number; index: number; status: TrialStatus; objective: number | null; error: string | null; prunedStep: number | null; now: string }]>
  private readonly restartTrial: Statement<[number, number]>
  private readonly selectTrials: Statement<[number], TrialRecord>
  private readonly selectTrial: Statement<[number, number], TrialRecord>
  private readonly selectTrialOfRun: Statement<[number], TrialRecord>
  private readonly selectCounts: Statement<[number], { status: TrialStatus; n: number }>
  private readonly selectAllCounts: Statement<[], { sweep_id: number; status: TrialStatus; n: number }>
  private readonly upsertReport: Statement<[number, number, number, number | null]>
  private readonly clearReports: Statement<[number, number]>
  private readonly selectReports: Statement<[number], { trial_index: number; step: number; value: number | null }>
  private readonly claimTransaction: Transaction<(id: number, runner: string, isStillRunning: (runner: string | null) => boolean) => string | null>

  constructor(db: Database) {
    this.insertSweep = db.prepare(`
      INSERT INTO sweeps (name, method, status, budget, created_at, updated_at, runner, definition_json)
      VALUES (@name, @method, 'running', @budget, @now, @now, @runner, @definitionJson)`)
    this.selectSweep = db.prepare(`SELECT ${SWEEP_COLUMNS}, definition_json FROM sweeps WHERE id = ?`)
    this.selectSweeps = db.prepare(`SELECT ${SWEEP_COLUMNS} FROM sweeps ORDER BY created_at DESC, id DESC`)
    this.selectState = db.prepare('SELECT status, budget, stop_trials_requested FROM sweeps WHERE id = ?')
    // A stop request lives only while the sweep stays paused: resuming (→ running) clears it.
    this.updateStatus = db.prepare(`
      UPDATE sweeps SET
        status = @status,
        error = @error,
        updated_at = @now,
        finished_at = CASE WHEN @status IN ${FINISHED_SWEEP} THEN @now ELSE NULL END,
        stop_trials_requested = CASE WHEN @status = 'paused' THEN stop_trials_requested ELSE 0 END
      WHERE id = @id`)
    // Check and write in one statement: a scheduler elsewhere may finish the sweep meanwhile.
    this.pauseRunning = db.prepare("UPDATE sweeps SET status = 'paused', error = NULL, updated_at = ?, finished_at = NULL WHERE id = ? AND status = 'running'")
    this.pauseStoppingTrials = db.prepare(`
      UPDATE sweeps SET status = 'paused', error = NULL, updated_at = ?, finished_at = NULL, stop_trials_requested = 1
      WHERE id = ? AND status IN ('running', 'paused')`)
    this.updateRunner = db.prepare('UPDATE sweeps SET runner = ?, updated_at = ? WHERE id = ?')
    this.releaseRunner = db.prepare('UPDATE sweeps SET runner = NULL, updated_at = ? WHERE id = ? AND runner = ?')
    this.updateBudget = db.prepare('UPDATE sweeps SET budget = ?, updated_at = ? WHERE id = ?')
    this.deleteSweep = db.prepare('DELETE FROM sweeps WHERE id = ?')
    this.insertTrial = db.prepare(`
      INSERT INTO trials (sweep_id, trial_index, status, params_json, created_at) VALUES (?, ?, 'running', ?, ?)`)
    this.updateTrialRun = db.prepare('UPDATE trials SET run_id = ? WHERE sweep_id = ? AND trial_index = ?')
    this.updateTrialOutcome = db.prepare(`
      UPDATE trials SET
        status = @status,
        objective = @objective,
        error = @error,
        pruned = CASE WHEN @status = 'pruned' THEN 1 ELSE 0 END,
        pruned_step = @prunedStep,
        finished_at = @now
      WHERE sweep_id = @sweepId AND trial_index = @index`)
    this.restartTrial = db.prepare(`
      UPDATE trials SET status = 'running', objective = NULL, error = NULL, pruned = 0, pruned_step = NULL, finished_at = NULL
      WHERE sweep_id = ? AND trial_index = ?`)
    const trialColumns = 'sweep_id, trial_index, run_id, status, params_json, objective, pruned, pruned_step, error, created_at, finished_at'
    this.selectTrials = db.prepare(`SELECT ${trialColumns} FROM trials WHERE sweep_id = ? ORDER BY trial_index`)
    this.selectTrial = db.prepare(`SELECT ${trialColumns} FROM trials WHERE sweep_id = ? AND trial_index = ?`)
    this.selectTrialOfRun = db.prepare(`SELECT ${trialColumns} FROM trials WHERE run_id = ?`)
    this.selectCounts = db.prepare('SELECT status, count(*) AS n FROM trials WHERE sweep_id = ? GROUP BY status')
    this.selectAllCounts = db.prepare('SELECT sweep_id, status, count(*) AS n FROM trials GROUP BY sweep_id, status')
    this.upsertReport = db.prepare(`
      INSERT INTO trial_reports (sweep_id, trial_index, step, value) VALUES (?, ?, ?, ?)
      ON CONFLICT (sweep_id, trial_index, step) DO UPDATE SET value = excluded.value`)
    this.clearReports = db.prepare('DELETE FROM trial_reports WHERE sweep_id = ? AND trial_index = ?')
    this.selectReports = db.prepare('SELECT trial_index, step, value FROM trial_reports WHERE sweep_id = ? ORDER BY trial_index, step')
    this.claimTransaction = db.transaction((id: number, runner: string, isStillRunning: (runner: string | null) => boolean) => {
      const record = this.selectSweep.get(id)
      if (!record) return null
      if (record.runner !== null && record.runner !== runner && isStillRunning(record.runner)) return record.runner
      this.updateRunner.run(runner, isoNow(), id)
      return runner
    })
  }

  create(sweep: NewSweep): number {
    return Number(this.insertSweep.run({ ...sweep, now: isoNow() }).lastInsertRowid)
  }

  get(id: number): SweepRow | undefined {
    const record = this.selectSweep.get(id)
    return record ? toSweep(record) : undefined
  }

  /** Status, budget and a pending stop request only: what a scheduler polls for changes made by other processes. */
  state(id: number): { status: SweepStatus; budget: number; stopTrials: boolean } | undefined {
    const row = this.selectState.get(id)
    return row && { status: row.status, budget: row.budget, stopTrials: row.stop_trials_requested === 1 }
  }

  /** Every sweep, newest first, with its trial counts (no definitions). */
  list(): SweepSummary[] {
    const counts = new Map<number, TrialCounts>()
    for (const row of this.selectAllCounts.all()) {
      let c = counts.get(row.sweep_id)
      if (!c) counts.set(row.sweep_id, (c = emptyCounts()))
      c[row.status] = row.n
    }
    return this.selectSweeps.all().map((record) => ({ ...summaryColumns(record), trials: counts.get(record.id) ?? emptyCounts() }))
  }

  /** → completed/cancelled/failed stamps finished_at; any other status clears it. */
  setStatus(id: number, status: SweepStatus, error: string | null = null): boolean {
    return this.updateStatus.run({ id, status, error, now: isoNow() }).changes > 0
  }

  /**
   * Make `runner` the sweep's scheduler, unless another runner holds it that `isStillRunning`
   * vouches for (a scheduler holds its sweep until its last trial has ended, even paused). Returns the runner now holding it (compare with `runner`),
   * or null when there is no such sweep. Immediate: read-then-write under the write lock.
   */
  claim(id: number, runner: string, isStillRunning: (runner: string | null) => boolean): string | null {
    return this.claimTransaction.immediate(id, runner, isStillRunning)
  }

  /**
   * Pause a sweep from any process: a running one becomes paused; with `stopTrials` a running or
   * paused one also asks its scheduler to stop the trials in hand (it polls the row; see
   * state()). False when the sweep is in no status that allows it (or does not exist).
   */
  requestPause(id: number, stopTrials: boolean): boolean {
    return (stopTrials ? this.pauseStoppingTrials : this.pauseRunning).run(isoNow(), id).changes > 0
  }

  setRunner(id: number, runner: string | null): void {
    this.updateRunner.run(runner, isoNow(), id)
  }

  /** Let go of a sweep, if `runner` still holds it. */
  release(id: number, runner: string): void {
    this.releaseRunner.run(isoNow(), id, runner)
  }

  setBudget(id: number, budget: number): void {
    this.updateBudget.run(budget, isoNow(), id)
  }

  /** Deletes a sweep with its trials and reports (their runs stay). */
  delete(id: number): boolean {
    return this.deleteSweep.run(id).changes > 0
  }

  /** A new trial, running. */
  addTrial(sweepId: number, index: number, params: Record<string, unknown>): void {
    this.insertTrial.run(sweepId, index, JSON.stringify(params), isoNow())
  }

  linkRun(sweepId: number, index: number, runId: number | null): void {
    this.updateTrialRun.run(runId, sweepId, index)
  }

  finishTrial(sweepId: number, index: number, outcome: TrialOutcome): void {
    const objective = outcome.objective ?? null
    this.updateTrialOutcome.run({
      sweepId,
      index,
      status: outcome.status,
      objective: objective !== null && Number.isFinite(objective) ? objective : null,
      error: outcome.error ?? null,
      prunedStep: outcome.prunedStep ?? null,
      now: isoNow()
    })
  }

  /** A trial runs again (it was interrupted or cancelled): outcome and reports cleared, point and run kept. */
  restart(sweepId: number, index: number): void {
    this.restartTrial.run(sweepId, index)
    this.clearReports.run(sweepId, index)
  }

  trials(sweepId: number): TrialRow[] {
    return this.selectTrials.all(sweepId).map(toTrial)
  }

  trial(sweepId: number, index: number): TrialRow | undefined {
    const record = this.selectTrial.get(sweepId, index)
    return record ? toTrial(record) : undefined
  }

  /** The trial a run belongs to, if any. */
  trialOfRun(runId: number): TrialRow | undefined {
    const record = this.selectTrialOfRun.get(runId)
    return record ? toTrial(record) : undefined
  }

  counts(sweepId: number): TrialCounts {
    const counts = emptyCounts()
    for (const row of this.selectCounts.all(sweepId)) counts[row.status] = row.n
    return counts
  }

  /** Record an intermediate objective (NaN stored as NULL); a step reported again replaces it. */
  report(sweepId: number, index: number, step: number, value: number): void {
    this.upsertReport.run(sweepId, index, step, Number.isNaN(value) ? null : value)
  }

  /** Every trial's reports, by trial index. */
  reports(sweepId: number): Map<number, TrialReports> {
    const byTrial = new Map<number, TrialReports>()
    for (const row of this.selectReports.all(sweepId)) {
      let reports = byTrial.get(row.trial_index)
      if (!reports) byTrial.set(row.trial_index, (reports = { steps: [], values: [] }))
      reports.steps.push(row.step)
      reports.values.push(numberOrNaN(row.value))
    }
    return byTrial
  }
}
