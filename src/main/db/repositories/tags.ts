import type { Database, Statement } from 'better-sqlite3'

export class TagsRepository {
  private readonly insertTag: Statement<[number, string]>
  private readonly deleteTag: Statement<[number, string]>
  private readonly selectTags: Statement<[number], string>

  constructor(db: Database) {
    this.insertTag = db.prepare('INSERT INTO tags (run_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.deleteTag = db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?')
    this.selectTags = db.prepare<[number], string>('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').pluck()
  }

  /** Adding a tag the run already has does nothing; an unknown run fails (foreign key). */
  add(runId: number, tag: string): void {
    this.insertTag.run(runId, tag)
  }

  remove(runId: number, tag: string): void {
    this.deleteTag.run(runId, tag)
  }

  list(runId: number): string[] {
    return this.selectTags.all(runId)
  }
}
