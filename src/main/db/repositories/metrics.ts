import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { MetricSeries } from '../../../shared/api'
import type { MetricColumn, MetricPoint } from '../../../shared/engineProtocol'
import { float64Blob, float64FromBlob, isoNow, jsonIds, numberOrNaN } from '../util'

/** One key's points as JSON arrays (rows of `metrics`, written before schema version 4). */
interface SeriesRecord {
  key: string
  steps: string
  values: string
}

/** A row of metric_chunks: one key's values of one batch. */
interface ChunkRecord {
  key: string
  first_step: number
  count: number
  steps: Buffer | null
  values: Buffer
}

/** One chunk to write: `steps` null when they are firstStep, firstStep + 1, …. */
interface Chunk {
  key: string
  firstStep: number
  steps: Float64Array | null
  values: Float64Array
}

/**
 * Metric points (key, step, value, time) as in MLflow's tracking store, plus latest_metrics
 * (one row per run and key) so lists and comparisons never scan whole series. Points are
 * written in chunks (metric_chunks: one row per key and batch, steps and values as
 * little-endian float64 BLOBs, NaN kept as is); rows of `metrics` written by earlier versions
 * are read with them. A step logged again (a run resumed from an earlier snapshot) replaces
 * the old value: the later write wins when series are read. latest_metrics stores NaN as NULL.
 */
export class MetricsRepository {
  private readonly insertChunk: Statement<[number, string, number, number, Buffer | null, Buffer, string]>
  private readonly upsertLatest: Statement<[number, string, number, number | null, string]>
  private readonly selectSeries: Statement<[number], SeriesRecord>
  private readonly selectSeriesOfKeys: Statement<[number, string], SeriesRecord>
  private readonly selectChunks: Statement<[number], ChunkRecord>
  private readonly selectChunksOfKeys: Statement<[number, string], ChunkRecord>
  private readonly selectLatest: Statement<[number], { key: string; value: number | null }>
  private readonly selectLatestFor: Statement<[string], { run_id: number; key: string; value: number | null }>
  private readonly logTransaction: Transaction<(runId: number, chunks: readonly Chunk[], time: string) => void>

  constructor(db: Database) {
    this.insertChunk = db.prepare('INSERT INTO metric_chunks (run_id, key, first_step, count, steps, "values", time) VALUES (?, ?, ?, ?, ?, ?, ?)')
    this.upsertLatest = db.prepare(`
      INSERT INTO latest_metrics (run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value, time = excluded.time
      WHERE excluded.step >= latest_metrics.step`)
    // The primary key (run_id, key, step) feeds the aggregates in step order; series() checks
    // rather than trusts that (SQLite does not promise it, and ORDER BY inside costs a sort).
    const aggregate = 'SELECT key, json_group_array(step) AS steps, json_group_array(value) AS "values" FROM metrics'
    this.selectSeries = db.prepare(`${aggregate} WHERE run_id = ? GROUP BY key ORDER BY key`)
    this.selectSeriesOfKeys = db.prepare(`${aggregate} WHERE run_id = ? AND key IN (SELECT value FROM json_each(?)) GROUP BY key ORDER BY key`)
    const chunks = 'SELECT key, first_step, count, steps, "values" FROM metric_chunks'
    this.selectChunks = db.prepare(`${chunks} WHERE run_id = ? ORDER BY key, id`)
    this.selectChunksOfKeys = db.prepare(`${chunks} WHERE run_id = ? AND key IN (SELECT value FROM json_each(?)) ORDER BY key, id`)
    this.selectLatest = db.prepare('SELECT key, value FROM latest_metrics WHERE run_id = ? ORDER BY key')
    this.selectLatestFor = db.prepare(
      'SELECT run_id, key, value FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key'
    )

    this.logTransaction = db.transaction((runId: number, chunks: readonly Chunk[], time: string) => {
      const latestOfKey = new Map<string, { step: number; value: number }>()
      for (const chunk of chunks) {
        const { key, firstStep, steps, values } = chunk
        const count = values.length
        if (count === 0) continue
        this.insertChunk.run(runId, key, firstStep, count, steps && float64Blob(steps), float64Blob(values), time)
        // Within a batch, as across batches, the later value of a step counts.
        let latest = latestOfKey.get(key)
        for (let i = steps ? 0 : count - 1; i < count; i++) {
          const step = steps ? steps[i] : firstStep + i
          if (!latest || step >= latest.step) latestOfKey.set(key, (latest = { step, value: values[i] }))
        }
      }
      // One latest_metrics write per key, not per point.
      for (const [key, point] of latestOfKey) {
        this.upsertLatest.run(runId, key, point.step, Number.isNaN(point.value) ? null : point.value, time)
      }
    })
  }

  /** Per-image columns (consecutive steps), one chunk row per column, in one transaction. latest_metrics only moves to a step ≥ its own. */
  logColumns(runId: number, columns: readonly MetricColumn[], time: string = isoNow()): void {
    if (columns.length) this.logTransaction(runId, columns.map((c) => ({ key: c.key, firstStep: c.firstStep, steps: null, values: c.values })), time)
  }

  /** All points of one batch in one transaction (one chunk per key). latest_metrics only moves to a step ≥ its own. */
  logBatch(runId: number, points: readonly MetricPoint[], time: string = isoNow()): void {
    if (points.length) this.logTransaction(runId, chunksOf(points), time)
  }

  /** Series ordered by step: all keys alphabetically, or `keys` in the order given (keys without points left out). */
  series(runId: number, keys?: readonly string[]): MetricSeries[] {
    const keysJson = keys && JSON.stringify(keys)
    const legacy = keysJson ? this.selectSeriesOfKeys.all(runId, keysJson) : this.selectSeries.all(runId)
    const chunks = keysJson ? this.selectChunksOfKeys.all(runId, keysJson) : this.selectChunks.all(runId)
    const byKey = new Map<string, { legacy: MetricSeries | null; chunks: ChunkRecord[] }>()
    for (const record of legacy) byKey.set(record.key, { legacy: toSeries(record), chunks: [] })
    for (const chunk of chunks) {
      let entry = byKey.get(chunk.key)
      if (!entry) byKey.set(chunk.key, (entry = { legacy: null, chunks: [] }))
      entry.chunks.push(chunk)
    }
    const order = keys ? [...new Set(keys)] : [...byKey.keys()].sort()
    return order.flatMap((key) => {
      const entry = byKey.get(key)
      return entry ? [merge(key, entry.legacy, entry.chunks)] : []
    })
  }

  latest(runId: number): Record<string, number> {
    return Object.fromEntries(this.selectLatest.all(runId).map((m) => [m.key, numberOrNaN(m.value)]))
  }

  /** Latest values of several runs in one query; every requested id has an entry. */
  latestFor(ids: readonly number[]): Map<number, Record<string, number>> {
    const byRun = new Map<number, Record<string, number>>(ids.map((id) => [id, {}]))
    for (const m of this.selectLatestFor.all(jsonIds(ids))) byRun.get(m.run_id)![m.key] = numberOrNaN(m.value)
    return byRun
  }
}

function toSeries(record: SeriesRecord): MetricSeries {
  const steps = JSON.parse(record.steps) as number[]
  const stored = JSON.parse(record.values) as (number | null)[]
  const values = new Array<number>(stored.length)
  let ordered = true
  for (let i = 0; i < stored.length; i++) {
    values[i] = numberOrNaN(stored[i])
    if (i > 0 && steps[i] < steps[i - 1]) ordered = false
  }
  if (ordered) return { key: record.key, steps, values }
  const order = steps.map((_, i) => i).sort((a, b) => steps[a] - steps[b])
  return { key: record.key, steps: order.map((i) => steps[i]), values: order.map((i) => values[i]) }
}

/** Points grouped by key (first appearance order), each key's points in the order given. */
function chunksOf(points: readonly MetricPoint[]): Chunk[] {
  const byKey = new Map<string, MetricPoint[]>()
  for (const point of points) {
    const list = byKey.get(point.key)
    if (list) list.push(point)
    else byKey.set(point.key, [point])
  }
  return [...byKey].map(([key, list]) => {
    const firstStep = list[0].step
    let consecutive = true
    for (let i = 0; i < list.length; i++) if (list[i].step !== firstStep + i) consecutive = false
    return {
      key,
      firstStep,
      steps: consecutive ? null : Float64Array.from(list, (p) => p.step),
      values: Float64Array.from(list, (p) => p.value)
    }
  })
}

/**
 * One key's series from its old point rows and its chunks (in write order): ordered by step,
 * each step once, with the value written last. Chunks that follow one another (the common
 * case: a run's batches) are concatenated without a map.
 */
function merge(key: string, legacy: MetricSeries | null, chunks: readonly ChunkRecord[]): MetricSeries {
  const decoded = chunks.map((c) => ({ firstStep: c.first_step, count: c.count, steps: c.steps && float64FromBlob(c.steps), values: float64FromBlob(c.values) }))
  let ascending = true
  let last = legacy && legacy.steps.length ? legacy.steps[legacy.steps.length - 1] : -Infinity
  let total = legacy ? legacy.steps.length : 0
  for (const chunk of decoded) {
    if (chunk.steps) {
      for (let i = 0; i < chunk.count; i++) {
        if (!(chunk.steps[i] > last)) ascending = false
        last = chunk.steps[i]
      }
    } else {
      if (!(chunk.firstStep > last)) ascending = false
      last = chunk.firstStep + chunk.count - 1
    }
    total += chunk.count
  }
  if (ascending) {
    const steps = new Array<number>(total)
    const values = new Array<number>(total)
    let n = 0
    if (legacy) {
      for (let i = 0; i < legacy.steps.length; i++, n++) {
        steps[n] = legacy.steps[i]
        values[n] = legacy.values[i]
      }
    }
    for (const chunk of decoded) {
      for (let i = 0; i < chunk.count; i++, n++) {
        steps[n] = chunk.steps ? chunk.steps[i] : chunk.firstStep + i
        values[n] = chunk.values[i]
      }
    }
    return { key, steps, values }
  }
  // Overlaps (a resumed run logged steps again) or steps out of order: the last write wins.
  const byStep = new Map<number, number>()
  if (legacy) for (let i = 0; i < legacy.steps.length; i++) byStep.set(legacy.steps[i], legacy.values[i])
  for (const chunk of decoded) {
    for (let i = 0; i < chunk.count; i++) byStep.set(chunk.steps ? chunk.steps[i] : chunk.firstStep + i, chunk.values[i])
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b)
  return { key, steps, values: steps.map((step) => byStep.get(step)!) }
}
