/**
 * The run store: every table of the workbench database behind one object. The only SQL in the
 * project lives in this folder; services use the repositories, never the Database directly.
 */
import { openDatabase, type Database, type OpenOptions } from './connection'
import { EvaluationsRepository } from './repositories/evaluations'
import { ExperimentsRepository } from './repositories/experiments'
import { MetricsRepository } from './repositories/metrics'
import { NotesRepository } from './repositories/notes'
import { RunsRepository } from './repositories/runs'
import { SnapshotsRepository } from './repositories/snapshots'
import { SweepsRepository } from './repositories/sweeps'
import { TagsRepository } from './repositories/tags'

export { DbError, openDatabase, type Database, type OpenOptions } from './connection'
export { LATEST_SCHEMA_VERSION } from './migrations'
export type { ExperimentSummary } from './repositories/experiments'
export type { NewRun, RunList, RunListQuery, RunRow, StatusOptions } from './repositories/runs'
export type { CompleteSnapshot, NewSnapshot, Snapshot, SnapshotState } from './repositories/snapshots'
export { snapshotStateArrays } from './repositories/snapshots'
export type { StoredEvaluation } from './repositories/evaluations'
export type { NewSweep, SweepRow, SweepStatus, SweepSummary, TrialCounts, TrialOutcome, TrialReports, TrialRow, TrialStatus } from './repositories/sweeps'

export class RunStore {
  readonly db: Database
  readonly experiments: ExperimentsRepository
  readonly runs: RunsRepository
  readonly metrics: MetricsRepository
  readonly snapshots: SnapshotsRepository
  readonly evaluations: EvaluationsRepository
  readonly tags: TagsRepository
  readonly notes: NotesRepository
  readonly sweeps: SweepsRepository

  /** Opens (creating and migrating) the database at `path`; throws DbError. */
  constructor(readonly path: string, options: OpenOptions = {}) {
    this.db = openDatabase(path, options)
    this.experiments = new ExperimentsRepository(this.db)
    this.runs = new RunsRepository(this.db)
    this.metrics = new MetricsRepository(this.db)
    this.snapshots = new SnapshotsRepository(this.db)
    this.evaluations = new EvaluationsRepository(this.db)
    this.tags = new TagsRepository(this.db)
    this.notes = new NotesRepository(this.db)
    this.sweeps = new SweepsRepository(this.db)
  }

  /** Runs `work` in one transaction (synchronous: no await inside). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  close(): void {
    if (!this.db.open) return
    // SQLite's advice for long-lived connections: let it refresh statistics on the way out.
    this.db.pragma('optimize')
    this.db.close()
  }
}
