import type { Database, Statement } from 'better-sqlite3'
import type { SnapshotInfo } from '../../../shared/api'
import { float64Blob, float64FromBlob, isoNow } from '../util'

export interface NewSnapshot {
  runId: number
  step: number
  layer: number
  neurons: number
  inputs: number
  /** neurons × inputs, neuron-major. */
  weights: Float64Array
  /** Generator state after `step` images, stored as JSON. */
  rng: unknown
}

export interface Snapshot extends SnapshotInfo {
  weights: Float64Array
  rng: unknown
  createdAt: string
}

/** A model's named state arrays at one step (diehl-cook-2015: `excitatory.theta`, …). */
export type SnapshotState = Record<string, Float64Array>

/** A stored state as plain arrays: what the engine protocol's resume and a network's setModelState take. */
export function snapshotStateArrays(state: SnapshotState): Record<string, number[]> {
  const arrays: Record<string, number[]> = {}
  for (const [name, values] of Object.entries(state)) arrays[name] = Array.from(values)
  return arrays
}

/** Every layer at one step, with the model's state: what a resumed run starts from. */
export interface CompleteSnapshot {
  step: number
  rng: unknown
  layers: { neurons: number; inputs: number; weights: Float64Array }[]
  /** Null when the model has none (seed-2017) or the run was recorded before schema 3. */
  state: SnapshotState | null
}

interface SnapshotRecord {
  step: number
  layer: number
  neurons: number
  inputs: number
  rng_json: string
  created_at: string
  data: Buffer
}

function toSnapshot(record: SnapshotRecord): Snapshot {
  return {
    step: record.step,
    layer: record.layer,
    neurons: record.neurons,
    inputs: record.inputs,
    weights: float64FromBlob(record.data),
    rng: JSON.parse(record.rng_json) as unknown,
    createdAt: record.created_at
  }
}

const RECORD_COLUMNS = 'step, layer, neurons, inputs, rng_json, created_at, data'

export class SnapshotsRepository {
  private readonly upsertSnapshot: Statement<[NewSnapshotRow]>
  private readonly selectInfos: Statement<[number], SnapshotInfo>
  private readonly selectAtStep: Statement<[number, number, number], SnapshotRecord>
  private readonly selectLatest: Statement<[number, number], SnapshotRecord>
  private readonly selectCompleteSteps: Statement<[number, number, number], number>
  private readonly selectStep: Statement<[number, number, number], SnapshotRecord>
  private readonly upsertState: Statement<[{ runId: number; step: number; name: string; data: Buffer }]>
  private readonly selectState: Statement<[number, number], { name: string; data: Buffer }>

  constructor(db: Database) {
    // Snapshotting the same step again (after a resume) replaces it.
    this.upsertSnapshot = db.prepare(`
      INSERT INTO snapshots (run_id, step, layer, neurons, inputs, dtype, rng_json, created_at, data)
      VALUES (@runId, @step, @layer, @neurons, @inputs, 'f64', @rngJson, @createdAt, @data)
      ON CONFLICT (run_id, step, layer) DO UPDATE SET
        neurons = excluded.neurons, inputs = excluded.inputs, dtype = excluded.dtype,
        rng_json = excluded.rng_json, created_at = excluded.created_at, data = excluded.data`)
    this.selectInfos = db.prepare('SELECT step, layer, neurons, inputs FROM snapshots WHERE run_id = ? ORDER BY step, layer')
    this.selectAtStep = db.prepare(`SELECT ${RECORD_COLUMNS} FROM snapshots WHERE run_id = ? AND layer = ? AND step = ?`)
    this.selectLatest = db.prepare(`SELECT ${RECORD_COLUMNS} FROM snapshots WHERE run_id = ? AND layer = ? ORDER BY step DESC LIMIT 1`)
    // Layers are distinct per step (primary key), so count = layers means all of 0..layers-1.
    // A step is complete when every layer 0..layers-1 was recorded at it.
    this.selectCompleteSteps = db
      .prepare<[number, number, number], number>(`
        SELECT step FROM snapshots WHERE run_id = ? AND layer < ?
        GROUP BY step HAVING count(*) = ? ORDER BY step DESC`)
      .pluck()
    this.selectStep = db.prepare(`SELECT ${RECORD_COLUMNS} FROM snapshots WHERE run_id = ? AND step = ? AND layer < ? ORDER BY layer`)
    this.upsertState = db.prepare(`
      INSERT INTO snapshot_states (run_id, step, name, dtype, data) VALUES (@runId, @step, @name, 'f64', @data)
      ON CONFLICT (run_id, step, name) DO UPDATE SET dtype = excluded.dtype, data = excluded.data`)
    this.selectState = db.prepare('SELECT name, data FROM snapshot_states WHERE run_id = ? AND step = ? ORDER BY name')
  }

  put(snapshot: NewSnapshot): void {
    const { runId, step, layer, neurons, inputs, weights, rng } = snapshot
    if (weights.length !== neurons * inputs) {
      throw new Error(`snapshot of run ${runId} layer ${layer}: ${weights.length} weights for ${neurons} × ${inputs}`)
    }
    this.upsertSnapshot.run({ runId, step, layer, neurons, inputs, rngJson: JSON.stringify(rng ?? null), createdAt: isoNow(), data: float64Blob(weights) })
  }

  /**
   * The model's state at `step` (every named array as float64: integer arrays come back exactly).
   * Call in the same transaction as the step's put() calls, so a step is never half recorded.
   */
  putState(runId: number, step: number, state: Readonly<Record<string, ArrayLike<number>>>): void {
    for (const [name, values] of Object.entries(state)) {
      const data = values instanceof Float64Array ? values : Float64Array.from(values)
      this.upsertState.run({ runId, step, name, data: float64Blob(data) })
    }
  }

  /** The model's state recorded at `step`; null when there is none. */
  state(runId: number, step: number): SnapshotState | null {
    const rows = this.selectState.all(runId, step)
    if (rows.length === 0) return null
    const state: SnapshotState = {}
    for (const row of rows) state[row.name] = float64FromBlob(row.data)
    return state
  }

  /** What snapshots a run has, without their weights. */
  list(runId: number): SnapshotInfo[] {
    return this.selectInfos.all(runId)
  }

  /** Layer `layer` at `step`, or at the latest step recorded when `step` is omitted. */
  get(runId: number, layer: number, step?: number): Snapshot | undefined {
    const record = step === undefined ? this.selectLatest.get(runId, layer) : this.selectAtStep.get(runId, layer, step)
    return record && toSnapshot(record)
  }

  /** The steps at which all layers 0..layers-1 were recorded, latest first (a crash can cut a step short). */
  completeSteps(runId: number, layers: number): number[] {
    return this.selectCompleteSteps.all(runId, layers, layers)
  }

  /** The latest step at which all layers 0..layers-1 were recorded (a crash can cut a step short). */
  latestComplete(runId: number, layers: number): CompleteSnapshot | undefined {
    const step = this.selectCompleteSteps.get(runId, layers, layers)
    if (step === undefined) return undefined
    const records = this.selectStep.all(runId, step, layers)
    return {
      step,
      rng: JSON.parse(records[0].rng_json) as unknown,
      layers: records.map((r) => ({ neurons: r.neurons, inputs: r.inputs, weights: float64FromBlob(r.data) })),
      state: this.state(runId, step)
    }
  }
}

interface NewSnapshotRow {
  runId: number
  step: number
  layer: number
  neurons: number
  inputs: number
  rngJson: string
  createdAt: string
  data: Buffer
}
