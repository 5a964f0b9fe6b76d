import type { Database, Statement } from 'better-sqlite3'
import { isoNow } from '../util'

export class NotesRepository {
  private readonly upsertNote: Statement<[number, string, string]>
  private readonly selectNote: Statement<[number], string>

  constructor(db: Database) {
    this.upsertNote = db.prepare(`
      INSERT INTO notes (run_id, text, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`)
    this.selectNote = db.prepare<[number], string>('SELECT text FROM notes WHERE run_id = ?').pluck()
  }

  set(runId: number, text: string): void {
    this.upsertNote.run(runId, text, isoNow())
  }

  /** The run's note, '' when it has none. */
  get(runId: number): string {
    return this.selectNote.get(runId) ?? ''
  }
}
