import type { Database, Statement } from 'better-sqlite3'
import { isoNow } from '../util'

export interface ExperimentSummary {
  id: number
  name: string
  runs: number
}

export class ExperimentsRepository {
  private readonly insertIfMissing: Statement<[string, string]>
  private readonly selectId: Statement<[string], number>
  private readonly selectAll: Statement<[], ExperimentSummary>

  constructor(db: Database) {
    // Insert-or-ignore then select, rather than select-then-insert: two processes ensuring the
    // same name at once both get the one row.
    this.insertIfMissing = db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING')
    this.selectId = db.prepare<[string], number>('SELECT id FROM experiments WHERE name = ?').pluck()
    this.selectAll = db.prepare<[], ExperimentSummary>(`
      SELECT e.id, e.name, count(r.id) AS runs
      FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
      GROUP BY e.id
      ORDER BY e.name COLLATE NOCASE, e.id`)
  }

  /** The id of the experiment called `name`, created if there is none. */
  ensure(name: string): number {
    this.insertIfMissing.run(name, isoNow())
    return this.selectId.get(name)!
  }

  list(): ExperimentSummary[] {
    return this.selectAll.all()
  }
}
