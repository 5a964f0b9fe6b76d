import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { EvaluationPayload } from '../../../shared/engineProtocol'
import { isoNow } from '../util'

export interface StoredEvaluation {
  payload: EvaluationPayload
  classLabels: number[]
  createdAt: string
}

interface EvaluationRecord {
  payload_json: string
  class_labels_json: string
  created_at: string
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null)

export class EvaluationsRepository {
  private readonly upsertEvaluation: Statement<[number, number | null, number | null, string, string, string]>
  private readonly updateRunAccuracy: Statement<[number | null, number]>
  private readonly selectEvaluation: Statement<[number], EvaluationRecord>
  private readonly putTransaction: Transaction<(runId: number, payload: EvaluationPayload, classLabels: readonly number[]) => void>

  constructor(db: Database) {
    this.upsertEvaluation = db.prepare(`
      INSERT INTO evaluations (run_id, accuracy, train_accuracy, payload_json, class_labels_json, created_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET
        accuracy = excluded.accuracy, train_accuracy = excluded.train_accuracy, payload_json = excluded.payload_json,
        class_labels_json = excluded.class_labels_json, created_at = excluded.created_at`)
    // runs.accuracy is a copy kept for sorting and filtering the run list.
    this.updateRunAccuracy = db.prepare('UPDATE runs SET accuracy = ? WHERE id = ?')
    this.selectEvaluation = db.prepare('SELECT payload_json, class_labels_json, created_at FROM evaluations WHERE run_id = ?')
    this.putTransaction = db.transaction((runId: number, payload: EvaluationPayload, classLabels: readonly number[]) => {
      const accuracy = finiteOrNull(payload.accuracy)
      this.upsertEvaluation.run(runId, accuracy, finiteOrNull(payload.trainAccuracy), JSON.stringify(payload), JSON.stringify(classLabels), isoNow())
      this.updateRunAccuracy.run(accuracy, runId)
    })
  }

  /** Stores (or replaces) the run's evaluation and sets its accuracy, in one transaction. */
  put(runId: number, payload: EvaluationPayload, classLabels: readonly number[]): void {
    this.putTransaction(runId, payload, classLabels)
  }

  get(runId: number): StoredEvaluation | undefined {
    const record = this.selectEvaluation.get(runId)
    if (!record) return undefined
    return {
      payload: JSON.parse(record.payload_json) as EvaluationPayload,
      classLabels: JSON.parse(record.class_labels_json) as number[],
      createdAt: record.created_at
    }
  }
}
