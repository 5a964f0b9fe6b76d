import type { Database, Statement, Transaction } from 'better-sqlite3'
import { RUN_STATUSES, type ApiParsedArgs, type ParamFilter, type ParamValues, type RunStatus, type RunSummary } from '../../../shared/api'
import { isoNow, jsonIds } from '../util'

export interface NewRun {
  experimentId: number
  name: string
  seed: number
  preset: string
  engineVersion: string
  configHash: string
  configJson: string
  /** Training images planned. */
  total: number
  /** Flattened config (see flattenConfig), stored for filtering and comparing. */
  params: Record<string, string>
}

export interface RunRow extends RunSummary {
  engineVersion: string
  configHash: string
  configJson: string
  /** "pid@host" of the process that last started training it (see setStatus). */
  runner: string | null
}

/**
 * The parsed `runs.list` arguments, plus `ids` for services that want summaries of given runs
 * (which need no extra parameter columns).
 */
export type RunListQuery = Omit<ApiParsedArgs<'runs.list'>, 'columns'> & { columns?: readonly string[]; ids?: readonly number[] }

export interface RunList {
  /** Runs matching the filters, all pages. */
  total: number
  rows: RunSummary[]
}

export interface StatusOptions {
  /** Stored with the status; any earlier error is cleared when omitted. */
  error?: string | null
  /** Who is training the run, recorded on → running (e.g. `${process.pid}@${os.hostname()}`). */
  runner?: string | null
}

/** Columns as stored, for the SELECT every summary comes from. */
interface RunRecord {
  id: number
  experiment_id: number
  experiment: string
  name: string
  status: RunStatus
  created_at: string
  started_at: string | null
  finished_at: string | null
  seed: number
  preset: string
  done: number
  total: number
  accuracy: number | null
  error: string | null
}

interface RunDetailRecord extends RunRecord {
  engine_version: string
  config_hash: string
  config_json: string
  runner: string | null
}

const SUMMARY_COLUMNS = `
  r.id, r.experiment_id, e.name AS experiment, r.name, r.status, r.created_at, r.started_at,
  r.finished_at, r.seed, r.preset, r.done, r.total, r.accuracy, r.error`

const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled']

/** Sorting by status follows the lifecycle (queued, running, completed, failed, cancelled). */
const STATUS_RANK = `CASE r.status ${RUN_STATUSES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`

/**
 * True when a param value (stored as text) is a number. Numbers are stored as JSON text
 * (flattenConfig), so JSON's own type says it; CASE keeps json_type away from non-JSON text
 * such as a preset name, on which it would raise an error.
 */
const isNumber = (column: string) => `(CASE WHEN json_valid(${column}) THEN json_type(${column}) IN ('integer', 'real') ELSE 0 END)`

/**
 * The distinct values of an indexed column, sorted, by skipping through its index: one seek per
 * value instead of a scan of every row (params: some 50 keys × 10,000 runs).
 */
function distinctIndexed(table: string, column: string): string {
  return `
    WITH RECURSIVE v (x) AS (
      SELECT min(${column}) FROM ${table}
      UNION ALL
      SELECT (SELECT min(${column}) FROM ${table} WHERE ${column} > v.x) FROM v WHERE v.x IS NOT NULL
    )
    SELECT x FROM v WHERE x IS NOT NULL`
}

/** Rows per multi-row param INSERT: 3 variables a row, well under SQLite's 32,766 (and the 999 of old builds). */
const PARAM_ROWS_PER_INSERT = 300

/** How many of a parameter's most common values paramValues() returns. */
const PARAM_VALUES_SHOWN = 50

function orderBy(sort: RunListQuery['sort'], descending: boolean): string {
  const direction = descending ? 'DESC' : 'ASC'
  switch (sort) {
    case 'created':
      return `r.created_at ${direction}, r.id ${direction}`
    case 'name':
      return `r.name COLLATE NOCASE ${direction}, r.id DESC`
    case 'status':
      return `${STATUS_RANK} ${direction}, r.created_at DESC, r.id DESC`
    case 'accuracy':
      // Runs without an accuracy go last whichever way the list is sorted.
      return `r.accuracy IS NULL, r.accuracy ${direction}, r.id DESC`
    case 'param':
      // sp: the sort parameter's row (LEFT JOIN in listNow). Numbers by value before texts;
      // runs without the parameter last whichever way.
      return `sp.value IS NULL, ${isNumber('sp.value')} DESC, CASE WHEN ${isNumber('sp.value')} THEN CAST(sp.value AS REAL) END ${direction}, sp.value ${direction}, r.id DESC`
  }
}

/** The WHERE term and arguments of one parameter filter. */
function paramCondition(filter: ParamFilter): { sql: string; args: unknown[] } {
  if ('value' in filter) return { sql: 'r.id IN (SELECT run_id FROM params WHERE key = ? AND value = ?)', args: [filter.key, filter.value] }
  const bounds: string[] = []
  const args: unknown[] = [filter.key]
  if (filter.min !== undefined) {
    bounds.push('CAST(value AS REAL) >= ?')
    args.push(filter.min)
  }
  if (filter.max !== undefined) {
    bounds.push('CAST(value AS REAL) <= ?')
    args.push(filter.max)
  }
  return { sql: `r.id IN (SELECT run_id FROM params WHERE key = ? AND ${isNumber('value')} AND ${bounds.join(' AND ')})`, args }
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards in `text` taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

function toSummary(record: RunRecord, tags: string[]): RunSummary {
  return {
    id: record.id,
    name: record.name,
    experimentId: record.experiment_id,
    experiment: record.experiment,
    status: record.status,
    createdAt: record.created_at,
    startedAt: record.started_at,
    finishedAt: record.finished_at,
    seed: record.seed,
    preset: record.preset,
    done: record.done,
    total: record.total,
    accuracy: record.accuracy,
    tags,
    error: record.error
  }
}

export class RunsRepository {
  private readonly insertRun: Statement<[Omit<NewRun, 'params'> & { createdAt: string }]>
  private readonly insertParam: Statement<[number, string, string]>
  /** Multi-row param INSERTs by row count (a config flattens to the same few dozen keys, so few shapes). */
  private readonly insertParamRows = new Map<number, Statement<unknown[]>>()
  private readonly updateStatus: Statement<[{ id: number; status: RunStatus; error: string | null; runner: string | null; now: string }]>
  private readonly updateProgress: Statement<[number, number, number]>
  private readonly updateAccuracy: Statement<[number | null, number]>
  private readonly selectRun: Statement<[number], RunDetailRecord>
  private readonly selectTags: Statement<[number], string>
  private readonly selectTagsFor: Statement<[string], { run_id: number; tag: string }>
  private readonly deleteRuns: Statement<[string]>
  private readonly failRunning: Statement<[string, string, string], number>
  private readonly selectRunningIds: Statement<[], { id: number; runner: string | null }>
  private readonly selectQueued: Statement<[], number>
  private readonly selectParams: Statement<[number], { key: string; value: string }>
  private readonly selectParamsFor: Statement<[string], { run_id: number; key: string; value: string }>
  private readonly selectColumnsFor: Statement<[string, string], { run_id: number; key: string; value: string }>
  private readonly selectParamKeys: Statement<[], string>
  private readonly selectTagNames: Statement<[], string>
  private readonly selectParamStats: Statement<[string], { runs: number; distinct: number; numbers: number; min: number | null; max: number | null }>
  private readonly selectParamValues: Statement<[string, number], { value: string; runs: number }>
  /** list() builds its SQL from the filters in use; each shape is prepared once. */
  private readonly listStatements = new Map<string, Statement<unknown[], unknown>>()
  private readonly createTransaction: (run: NewRun) => number
  private readonly listTransaction: (query: RunListQuery) => RunList
  private readonly failTransaction: Transaction<(reason: string, isStillRunning: (runner: string | null) => boolean) => number[]>

  constructor(private readonly db: Database) {
    this.insertRun = db.prepare(`
      INSERT INTO runs (experiment_id, name, status, created_at, seed, preset, engine_version, config_hash, config_json, total)
      VALUES (@experimentId, @name, 'queued', @createdAt, @seed, @preset, @engineVersion, @configHash, @configJson, @total)`)
    this.insertParam = db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)')
    const finished = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')
    this.updateStatus = db.prepare(`
      UPDATE runs SET
        status = @status,
        error = @error,
        started_at = CASE WHEN @status = 'running' THEN @now ELSE started_at END,
        finished_at = CASE WHEN @status IN (${finished}) THEN @now ELSE NULL END,
        runner = CASE WHEN @status = 'running' THEN @runner ELSE runner END
      WHERE id = @id`)
    this.updateProgress = db.prepare('UPDATE runs SET done = ?, total = ? WHERE id = ?')
    this.updateAccuracy = db.prepare('UPDATE runs SET accuracy = ? WHERE id = ?')
    this.selectRun = db.prepare(`
      SELECT ${SUMMARY_COLUMNS}, r.engine_version, r.config_hash, r.config_json, r.runner
      FROM runs r JOIN experiments e ON e.id = r.experiment_id
      WHERE r.id = ?`)
    this.selectTags = db.prepare<[number], string>('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').pluck()
    this.selectTagsFor = db.prepare('SELECT run_id, tag FROM tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, tag')
    this.deleteRuns = db.prepare('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))')
    this.failRunning = db
      .prepare<[string, string, string], number>(
        "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE status = 'running' AND id IN (SELECT value FROM json_each(?)) RETURNING id"
      )
      .pluck()
    this.selectRunningIds = db.prepare("SELECT id, runner FROM runs WHERE status = 'running' ORDER BY id")
    this.selectQueued = db.prepare<[], number>("SELECT id FROM runs WHERE status = 'queued' ORDER BY id").pluck()
    this.selectParams = db.prepare('SELECT key, value FROM params WHERE run_id = ? ORDER BY key')
    this.selectParamsFor = db.prepare('SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key')
    this.selectColumnsFor = db.prepare(
      'SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) AND key IN (SELECT value FROM json_each(?))'
    )
    this.selectParamKeys = db.prepare<[], string>(distinctIndexed('params', 'key')).pluck()
    this.selectTagNames = db.prepare<[], string>(distinctIndexed('tags', 'tag')).pluck()
    this.selectParamStats = db.prepare(`
      SELECT count(*) AS runs, count(DISTINCT value) AS "distinct", sum(${isNumber('value')}) AS numbers,
        min(CASE WHEN ${isNumber('value')} THEN CAST(value AS REAL) END) AS min,
        max(CASE WHEN ${isNumber('value')} THEN CAST(value AS REAL) END) AS max
      FROM params WHERE key = ?`)
    this.selectParamValues = db.prepare(
      'SELECT value, count(*) AS runs FROM params WHERE key = ? GROUP BY value ORDER BY runs DESC, value LIMIT ?'
    )

    this.createTransaction = db.transaction((run: NewRun): number => {
      const { params, ...columns } = run
      const id = Number(this.insertRun.run({ ...columns, createdAt: isoNow() }).lastInsertRowid)
      this.insertParams(id, params)
      return id
    })
    // One read transaction: the count and the page see the same snapshot while another
    // process writes.
    this.listTransaction = db.transaction((query: RunListQuery) => this.listNow(query))
    this.failTransaction = db.transaction((reason: string, isStillRunning: (runner: string | null) => boolean) => {
      const interrupted = this.selectRunningIds
        .all()
        .filter((run) => !isStillRunning(run.runner))
        .map((run) => run.id)
      return interrupted.length ? this.failRunning.all(reason, isoNow(), jsonIds(interrupted)) : []
    })
  }

  /** Params in multi-row INSERTs (up to PARAM_ROWS_PER_INSERT rows each), in the order given. */
  private insertParams(id: number, params: Record<string, string>): void {
    const entries = Object.entries(params)
    for (let start = 0; start < entries.length; start += PARAM_ROWS_PER_INSERT) {
      const rows = entries.slice(start, start + PARAM_ROWS_PER_INSERT)
      if (rows.length === 1) {
        this.insertParam.run(id, rows[0][0], rows[0][1])
        continue
      }
      let statement = this.insertParamRows.get(rows.length)
      if (!statement) {
        statement = this.db.prepare(`INSERT INTO params (run_id, key, value) VALUES ${Array.from({ length: rows.length }, () => '(?, ?, ?)').join(', ')}`)
        this.insertParamRows.set(rows.length, statement)
      }
      const args: unknown[] = new Array(rows.length * 3)
      for (let i = 0; i < rows.length; i++) {
        args[3 * i] = id
        args[3 * i + 1] = rows[i][0]
        args[3 * i + 2] = rows[i][1]
      }
      statement.run(...args)
    }
  }

  /** A new queued run with its params, in one transaction. Returns its id. */
  create(run: NewRun): number {
    return this.createTransaction(run)
  }

  /**
   * → running stamps started_at (each start, so a resumed run shows its last session) and the
   * runner; → completed/failed/cancelled stamps finished_at; → queued/running clears it.
   * Returns false when there is no such run.
   */
  setStatus(id: number, status: RunStatus, options: StatusOptions = {}): boolean {
    const result = this.updateStatus.run({ id, status, error: options.error ?? null, runner: options.runner ?? null, now: isoNow() })
    return result.changes > 0
  }

  setProgress(id: number, done: number, total: number): void {
    this.updateProgress.run(done, total, id)
  }

  /** NaN and ±Infinity are stored as no accuracy (NULL). */
  setAccuracy(id: number, accuracy: number | null): void {
    this.updateAccuracy.run(accuracy !== null && Number.isFinite(accuracy) ? accuracy : null, id)
  }

  get(id: number): RunRow | undefined {
    const record = this.selectRun.get(id)
    if (!record) return undefined
    return {
      ...toSummary(record, this.selectTags.all(id)),
      engineVersion: record.engine_version,
      configHash: record.config_hash,
      configJson: record.config_json,
      runner: record.runner
    }
  }

  /**
   * One page of runs matching every filter given (params ANDed; text = case-insensitive
   * substring of the run's name, its experiment's name or its note; ASCII case folding, as
   * SQLite's LIKE), with the total over all pages.
   */
  list(query: RunListQuery): RunList {
    return this.listTransaction(query)
  }

  /** Deletes runs and everything recorded for them. Returns how many runs were deleted. */
  delete(ids: readonly number[]): number {
    return this.deleteRuns.run(jsonIds(ids)).changes
  }

  /**
   * At startup after a crash: every run still marked running is failed with `reason`, except
   * those `isStillRunning(runner)` vouches for (a CLI process training next to the app).
   * Returns the ids failed.
   */
  failInterrupted(reason: string, isStillRunning: (runner: string | null) => boolean = () => false): number[] {
    // Immediate: it reads then writes, and in WAL a deferred read that turns into a write fails
    // at once (no busy wait) if another connection committed in between.
    return this.failTransaction.immediate(reason, isStillRunning)
  }

  /** Queued run ids, oldest first. */
  queued(): number[] {
    return this.selectQueued.all()
  }

  params(id: number): Record<string, string> {
    return Object.fromEntries(this.selectParams.all(id).map((p) => [p.key, p.value]))
  }

  /** Params of several runs in one query; every requested id has an entry (empty if unknown). */
  paramsFor(ids: readonly number[]): Map<number, Record<string, string>> {
    const byRun = new Map<number, Record<string, string>>(ids.map((id) => [id, {}]))
    for (const p of this.selectParamsFor.all(jsonIds(ids))) byRun.get(p.run_id)![p.key] = p.value
    return byRun
  }

  /** The parameter keys and tags present, sorted: what the runs list offers to filter on. */
  filterOptions(): { paramKeys: string[]; tags: string[] } {
    return { paramKeys: this.selectParamKeys.all(), tags: this.selectTagNames.all() }
  }

  /** How parameter `key` varies across the runs: its range when numeric, its common values. */
  paramValues(key: string): ParamValues {
    const stats = this.selectParamStats.get(key)!
    const numeric = stats.runs > 0 && stats.numbers === stats.runs
    return {
      key,
      runs: stats.runs,
      numeric,
      min: numeric ? stats.min : null,
      max: numeric ? stats.max : null,
      distinct: stats.distinct,
      values: this.selectParamValues.all(key, PARAM_VALUES_SHOWN)
    }
  }

  private listNow(query: RunListQuery): RunList {
    const where: string[] = []
    const args: unknown[] = []
    if (query.ids) {
      where.push('r.id IN (SELECT value FROM json_each(?))')
      args.push(jsonIds(query.ids))
    }
    for (const filter of query.params) {
      const condition = paramCondition(filter)
      where.push(condition.sql)
      args.push(...condition.args)
    }
    if (query.tag) {
      where.push('r.id IN (SELECT run_id FROM tags WHERE tag = ?)')
      args.push(query.tag)
    }
    if (query.status) {
      where.push('r.status = ?')
      args.push(query.status)
    }
    if (query.experimentId !== undefined) {
      where.push('r.experiment_id = ?')
      args.push(query.experimentId)
    }
    const text = query.text?.trim()
    if (text) {
      where.push(
        "(r.name LIKE ? ESCAPE '\\' OR e.name LIKE ? ESCAPE '\\' OR r.id IN (SELECT run_id FROM notes WHERE text LIKE ? ESCAPE '\\'))"
      )
      const pattern = containsPattern(text)
      args.push(pattern, pattern, pattern)
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''

    // The API insists on sortParam with sort "param"; a service's own query without one sorts by time.
    const sort = query.sort === 'param' && query.sortParam === undefined ? 'created' : query.sort
    const sortJoin = sort === 'param' ? 'LEFT JOIN params sp ON sp.run_id = r.id AND sp.key = ?' : ''
    const page = this.listStatement(
      `SELECT ${SUMMARY_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id ${sortJoin} ${whereSql}
       ORDER BY ${orderBy(sort, query.descending)} LIMIT ? OFFSET ?`
    ).all(...(sort === 'param' ? [query.sortParam] : []), ...args, query.limit, query.offset) as RunRecord[]

    // A short page tells the total without counting (unless it is empty past the end).
    let total: number
    if (page.length < query.limit && (page.length > 0 || query.offset === 0)) {
      total = query.offset + page.length
    } else {
      const join = text ? 'JOIN experiments e ON e.id = r.experiment_id' : ''
      total = (this.listStatement(`SELECT count(*) AS n FROM runs r ${join} ${whereSql}`).get(...args) as { n: number }).n
    }

    const tags = new Map<number, string[]>(page.map((r) => [r.id, []]))
    if (page.length) for (const t of this.selectTagsFor.all(jsonIds(page.map((r) => r.id)))) tags.get(t.run_id)!.push(t.tag)
    const rows = page.map((record) => toSummary(record, tags.get(record.id)!))
    if (page.length && query.columns?.length) {
      const byId = new Map<number, Record<string, string>>(rows.map((row) => [row.id, (row.params = {})]))
      for (const p of this.selectColumnsFor.all(jsonIds(page.map((r) => r.id)), JSON.stringify(query.columns))) byId.get(p.run_id)![p.key] = p.value
    }
    return { total, rows }
  }

  private listStatement(sql: string): Statement<unknown[], unknown> {
    let statement = this.listStatements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.listStatements.set(sql, statement)
    }
    return statement
  }
}
