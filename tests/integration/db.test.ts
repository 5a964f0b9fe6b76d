import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { API_ARGS } from '../../src/shared/api'
import { ExperimentConfigSchema } from '../../src/shared/config'
import type { EvaluationPayload } from '../../src/shared/engineProtocol'
import { flattenConfig, INLINE_PLACEHOLDER } from '../../src/shared/flatten'
import { DbError, LATEST_SCHEMA_VERSION, openDatabase, RunStore, type NewRun, type RunListQuery } from '../../src/main/db'
import { APPLICATION_ID, migrate, MIGRATIONS, type Migration } from '../../src/main/db/migrations'
import { defaultDatabasePath, defaultDataDir } from '../../src/main/paths'

// Every test works on real database files in a fresh temp folder, as the app and CLI do.

const root = mkdtempSync(join(tmpdir(), 'snn-db-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let fileCounter = 0
/** A path in a folder that does not exist yet (openDatabase creates it). */
const freshPath = (name = 'workbench') => join(root, `${name}-${++fileCounter}`, 'workbench.db')
/** A path in the (existing) temp folder, for files made without openDatabase. */
const rawPath = () => join(root, `raw-${++fileCounter}.db`)

const openStores: RunStore[] = []
function openStore(path = freshPath()): RunStore {
  const store = new RunStore(path)
  openStores.push(store)
  return store
}
afterEach(() => {
  for (const store of openStores.splice(0)) store.close()
})

const listQuery = (args: Partial<RunListQuery> = {}): RunListQuery => ({ ...API_ARGS['runs.list'].parse({}), ...args })

function newRun(store: RunStore, overrides: Partial<NewRun> & { experiment?: string } = {}): number {
  const { experiment = 'default', ...run } = overrides
  return store.runs.create({
    experimentId: store.experiments.ensure(experiment),
    name: 'run',
    seed: 1,
    preset: 'seed-2017',
    engineVersion: '0.1.0',
    configHash: 'hash',
    configJson: '{}',
    total: 90,
    params: {},
    ...run
  })
}

function expectDbError(open: () => unknown, message: string | RegExp): void {
  let thrown: unknown
  try {
    open()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(DbError)
  expect((thrown as DbError).name).toBe('DbError')
  expect((thrown as DbError).message).toMatch(message)
  expect((thrown as DbError).message).not.toContain('\n')
}

const TABLES = ['evaluations', 'experiments', 'latest_metrics', 'metric_chunks', 'metrics', 'notes', 'params', 'runs', 'snapshot_states', 'snapshots', 'sweeps', 'tags', 'trial_reports', 'trials']
const CHILD_TABLES = ['params', 'metrics', 'metric_chunks', 'latest_metrics', 'snapshots', 'evaluations', 'tags', 'notes']

describe('opening and migrating', () => {
  it('creates every table, its folders, WAL mode and the schema version from nothing', () => {
    const path = freshPath('nested/deeper')
    const db = openDatabase(path)
    try {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all()
      expect(tables).toEqual(TABLES)
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
      expect(db.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
    } finally {
      db.close()
    }
  })

  it('reopening is idempotent and keeps the data', () => {
    const path = freshPath()
    const first = new RunStore(path)
    const id = newRun(first, { name: 'kept' })
    first.close()
    const second = openStore(path)
    const third = openStore(path)
    expect(second.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    expect(third.runs.get(id)?.name).toBe('kept')
  })

  it('runs all pending migrations in one transaction: a failing step leaves the file untouched', () => {
    const db = new BetterSqlite3(rawPath())
    const migrations: Migration[] = [
      { version: 1, description: 'table a', up: 'CREATE TABLE a (x INTEGER)' },
      {
        version: 2,
        description: 'fails',
        up: () => {
          throw new Error('step 2 failed')
        }
      }
    ]
    try {
      expect(() => migrate(db, migrations)).toThrow('step 2 failed')
      expect(db.pragma('user_version', { simple: true })).toBe(0)
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'a'").pluck().get()).toBe(0)
    } finally {
      db.close()
    }
  })

  it('refuses a database written by a newer version, saying so in one line', () => {
    const path = freshPath()
    openDatabase(path).close()
    const raw = new BetterSqlite3(path)
    raw.pragma('user_version = 999')
    raw.close()
    expectDbError(
      () => openDatabase(path),
      `${path} was written by a newer SNN Workbench (schema version 999; this version knows up to ${LATEST_SCHEMA_VERSION}). Update the app, or use another database with --db.`
    )
  })

  it('refuses a file of random bytes as not a database', () => {
    const path = rawPath()
    writeFileSync(path, randomBytes(8192))
    expectDbError(() => openDatabase(path), `${path}: not an SNN Workbench database (file is not a database)`)
  })

  it("refuses another program's SQLite database instead of adding tables to it", () => {
    const path = rawPath()
    const raw = new BetterSqlite3(path)
    raw.exec('CREATE TABLE contacts (name TEXT)')
    raw.close()
    expectDbError(() => openDatabase(path), `${path}: not an SNN Workbench database (it already holds tables of another program)`)
  })

  it('refuses a path that is a folder', () => {
    const folder = join(root, 'a-folder')
    mkdirSync(folder, { recursive: true })
    expectDbError(() => openDatabase(folder), `${folder} is a folder, not a database file`)
  })

  it('refuses a path whose folder cannot be created', () => {
    const file = rawPath()
    writeFileSync(file, 'not a folder')
    const path = join(file, 'workbench.db')
    expectDbError(() => openDatabase(path), `${path} cannot be created: ${file} is not a folder`)
    expectDbError(() => openDatabase(join(path, 'deeper.db')), `cannot be created: ${path} is not a folder`)
  })

  it.skipIf(process.getuid?.() === 0)('refuses a file it may not read', () => {
    const path = freshPath()
    openDatabase(path).close()
    chmodSync(path, 0o000)
    try {
      expectDbError(() => openDatabase(path), new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be`))
    } finally {
      chmodSync(path, 0o644)
    }
  })

  it('reports a database another process holds exclusively as locked', () => {
    const path = freshPath()
    const holder = openDatabase(path)
    try {
      holder.pragma('locking_mode = EXCLUSIVE')
      holder.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?)').run('x', new Date().toISOString())
      expectDbError(() => openDatabase(path, { busyTimeoutMs: 50 }), `${path} is locked by another process`)
    } finally {
      holder.close()
    }
  })
})

describe('runs', () => {
  it('creates a queued run and stamps start and finish times with its status', () => {
    const store = openStore()
    const id = newRun(store, { name: 'three digits', seed: 7, params: { 'learning.rate': '0.02' } })
    const created = store.runs.get(id)!
    expect(created).toMatchObject({ id, name: 'three digits', experiment: 'default', status: 'queued', seed: 7, done: 0, total: 90 })
    expect(created.accuracy).toBeNull()
    expect(created.startedAt).toBeNull()
    expect(created.finishedAt).toBeNull()
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt)

    expect(store.runs.setStatus(id, 'running', { runner: '123@host' })).toBe(true)
    const running = store.runs.get(id)!
    expect(running.startedAt).not.toBeNull()
    expect(running.finishedAt).toBeNull()
    expect(running.runner).toBe('123@host')

    store.runs.setProgress(id, 45, 90)
    store.runs.setStatus(id, 'failed', { error: 'engine crashed' })
    const failed = store.runs.get(id)!
    expect(failed).toMatchObject({ status: 'failed', error: 'engine crashed', done: 45, total: 90 })
    expect(failed.finishedAt! >= failed.startedAt!).toBe(true)

    // Resuming clears the finish time and the old error.
    store.runs.setStatus(id, 'queued')
    expect(store.runs.get(id)).toMatchObject({ status: 'queued', error: null, finishedAt: null })
    expect(store.runs.setStatus(9999, 'running')).toBe(false)
    expect(store.runs.get(9999)).toBeUndefined()
  })

  it('rejects a status outside the five', () => {
    const store = openStore()
    const id = newRun(store)
    // @ts-expect-error: not a RunStatus
    expect(() => store.runs.setStatus(id, 'paused')).toThrow(/CHECK constraint/)
  })

  it('stores every param of a run, however many (multi-row inserts of up to 300 rows), and none of other runs', () => {
    const store = openStore()
    for (const count of [0, 1, 2, 299, 300, 301, 601]) {
      const params = Object.fromEntries(Array.from({ length: count }, (_, i) => [`key.${i}`, `value ${i}`]))
      const id = newRun(store, { params })
      expect(store.runs.params(id)).toEqual(params)
    }
  })

  it('stores the flattened config as params and filters on them (ANDed)', () => {
    const store = openStore()
    const config = ExperimentConfigSchema.parse({ learning: { rate: 0.05 }, network: { layers: [{ neurons: 5 }] } })
    const fast = newRun(store, { name: 'fast', params: flattenConfig(config) })
    const slow = newRun(store, { name: 'slow', params: flattenConfig(ExperimentConfigSchema.parse({})) })

    expect(store.runs.params(fast)).toMatchObject({ 'learning.rate': '0.05', 'network.layers': '[{"neurons":5}]', 'data.classes': '[0,1,2]' })
    const byRate = store.runs.list(listQuery({ params: [{ key: 'learning.rate', value: '0.05' }] }))
    expect(byRate.rows.map((r) => r.id)).toEqual([fast])
    const both = store.runs.list(listQuery({ params: [{ key: 'seed', value: '1' }, { key: 'network.layers', value: '[{"neurons":3}]' }] }))
    expect(both.rows.map((r) => r.id)).toEqual([slow])
    const none = store.runs.list(listQuery({ params: [{ key: 'learning.rate', value: '0.05' }, { key: 'network.layers', value: '[{"neurons":3}]' }] }))
    expect(none).toEqual({ total: 0, rows: [] })

    const all = store.runs.paramsFor([fast, slow, 404])
    expect(all.get(fast)!['learning.rate']).toBe('0.05')
    expect(all.get(slow)!['learning.rate']).toBe('0.02')
    expect(all.get(404)).toEqual({})
  })

  it('filters by tag, status, experiment and case-insensitive text in name, experiment or note', () => {
    const store = openStore()
    const baseline = newRun(store, { name: 'Baseline 3 digits', experiment: 'thresholds' })
    const wide = newRun(store, { name: 'wide', experiment: 'Layer Sizes' })
    const noted = newRun(store, { name: 'plain' })
    const percent = newRun(store, { name: '100% rate_x' })
    store.tags.add(baseline, 'keep')
    store.tags.add(wide, 'keep')
    store.tags.add(wide, 'odd')
    store.notes.set(noted, 'Threshold doubled by mistake')
    store.runs.setStatus(wide, 'running')

    const ids = (query: Partial<RunListQuery>) => store.runs.list(listQuery(query)).rows.map((r) => r.id)
    expect(ids({ tag: 'keep' })).toEqual([wide, baseline])
    expect(ids({ tag: 'keep', status: 'running' })).toEqual([wide])
    expect(ids({ text: 'BASELINE' })).toEqual([baseline])
    expect(ids({ text: 'layer' })).toEqual([wide]) // experiment name
    expect(ids({ text: 'threshold' })).toEqual([noted, baseline]) // note; experiment "thresholds"
    expect(ids({ text: '%' })).toEqual([percent]) // LIKE wildcards are literal
    expect(ids({ text: 'e_x' })).toEqual([percent])
    expect(ids({ text: '   ' })).toEqual([percent, noted, wide, baseline])
    expect(ids({ experimentId: store.experiments.ensure('thresholds') })).toEqual([baseline])
    expect(ids({ ids: [noted, baseline] })).toEqual([noted, baseline])

    const tagged = store.runs.list(listQuery({ tag: 'keep' })).rows
    expect(tagged.find((r) => r.id === wide)!.tags).toEqual(['keep', 'odd'])
    expect(store.runs.get(wide)!.tags).toEqual(['keep', 'odd'])
    store.tags.add(wide, 'odd') // again: no error, no duplicate
    store.tags.remove(wide, 'keep')
    expect(store.tags.list(wide)).toEqual(['odd'])

    expect(store.notes.get(noted)).toBe('Threshold doubled by mistake')
    expect(store.notes.get(wide)).toBe('')
    expect(store.experiments.list()).toEqual([
      { id: expect.any(Number), name: 'default', runs: 2 },
      { id: expect.any(Number), name: 'Layer Sizes', runs: 1 },
      { id: expect.any(Number), name: 'thresholds', runs: 1 }
    ])
  })

  it('sorts by accuracy with runs that have none last, either way', () => {
    const store = openStore()
    const none = newRun(store, { name: 'none' })
    const low = newRun(store, { name: 'low' })
    const high = newRun(store, { name: 'high' })
    const alsoNone = newRun(store, { name: 'also none' })
    store.runs.setAccuracy(low, 0.2)
    store.runs.setAccuracy(high, 0.9)
    store.runs.setAccuracy(alsoNone, Number.NaN)

    const order = (descending: boolean) => store.runs.list(listQuery({ sort: 'accuracy', descending })).rows.map((r) => r.id)
    expect(order(true)).toEqual([high, low, alsoNone, none])
    expect(order(false)).toEqual([low, high, alsoNone, none])
  })

  it('sorts by name (ignoring case), status (lifecycle order) and creation', () => {
    const store = openStore()
    const b = newRun(store, { name: 'beta' })
    const a = newRun(store, { name: 'Alpha' })
    const c = newRun(store, { name: 'gamma' })
    store.runs.setStatus(b, 'completed')
    store.runs.setStatus(c, 'running')

    const order = (sort: RunListQuery['sort'], descending: boolean) => store.runs.list(listQuery({ sort, descending })).rows.map((r) => r.id)
    expect(order('name', false)).toEqual([a, b, c])
    expect(order('status', false)).toEqual([a, c, b]) // queued, running, completed
    expect(order('created', true)).toEqual([c, a, b])
    expect(order('created', false)).toEqual([b, a, c])
  })

  it('pages with a total over all pages', () => {
    const store = openStore()
    const ids = Array.from({ length: 25 }, (_, i) => newRun(store, { name: `run ${i}` }))
    const first = store.runs.list(listQuery({ limit: 10 }))
    expect(first.total).toBe(25)
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(15).reverse())
    const last = store.runs.list(listQuery({ limit: 10, offset: 20 }))
    expect(last).toMatchObject({ total: 25 })
    expect(last.rows.map((r) => r.id)).toEqual(ids.slice(0, 5).reverse())
    expect(store.runs.list(listQuery({ limit: 10, offset: 30 }))).toEqual({ total: 25, rows: [] })
    expect(store.runs.list(listQuery({ limit: 5, offset: 5, tag: 'none' }))).toEqual({ total: 0, rows: [] })
  })

  it('deletes runs with everything recorded for them: no orphans in any table', () => {
    const store = openStore()
    const doomed = newRun(store, { params: { a: '1' } })
    const kept = newRun(store, { params: { a: '1' } })
    for (const id of [doomed, kept]) {
      store.metrics.logBatch(id, [{ key: 'loss', step: 1, value: 0.5 }])
      // A point row as versions before the metric chunks wrote them.
      store.db.prepare("INSERT INTO metrics (run_id, key, step, value, time) VALUES (?, 'old', 1, 0.5, 'then')").run(id)
      store.snapshots.put({ runId: id, step: 1, layer: 0, neurons: 1, inputs: 2, weights: new Float64Array([1, 2]), rng: { encoder: [1, 2, 3, 4] } })
      store.evaluations.put(id, evaluationPayload(0.5), [0, 1, 2])
      store.tags.add(id, 't')
      store.notes.set(id, 'n')
    }
    expect(store.runs.delete([doomed, 12345])).toBe(1)
    expect(store.runs.get(doomed)).toBeUndefined()
    for (const table of CHILD_TABLES) {
      const byRun = store.db.prepare(`SELECT run_id, count(*) AS n FROM ${table} GROUP BY run_id`).all()
      expect(byRun, table).toEqual([{ run_id: kept, n: 1 }])
    }
    expect(store.db.pragma('foreign_key_check')).toEqual([])
  })

  it('fails runs left running by a crash, except those another live process is training', () => {
    const store = openStore()
    const crashed = newRun(store)
    const cliRun = newRun(store)
    const queued = newRun(store)
    const done = newRun(store)
    store.runs.setStatus(crashed, 'running', { runner: '111@host' })
    store.runs.setStatus(cliRun, 'running', { runner: '222@host' })
    store.runs.setStatus(done, 'completed')

    expect(store.runs.failInterrupted('interrupted', (runner) => runner === '222@host')).toEqual([crashed])
    expect(store.runs.get(crashed)).toMatchObject({ status: 'failed', error: 'interrupted' })
    expect(store.runs.get(crashed)!.finishedAt).not.toBeNull()
    expect(store.runs.get(cliRun)!.status).toBe('running')
    expect(store.runs.failInterrupted('interrupted')).toEqual([cliRun])
    expect(store.runs.failInterrupted('interrupted')).toEqual([])
    expect(store.runs.queued()).toEqual([queued])
  })

  it('enforces foreign keys', () => {
    const store = openStore()
    expect(() => store.metrics.logBatch(404, [{ key: 'x', step: 0, value: 1 }])).toThrow(/FOREIGN KEY/)
    expect(() => store.tags.add(404, 'x')).toThrow(/FOREIGN KEY/)
    expect(() => store.runs.create({ ...runFields(), experimentId: 404 })).toThrow(/FOREIGN KEY/)
    // The failed batch left nothing behind.
    expect(store.db.prepare('SELECT count(*) FROM metric_chunks').pluck().get()).toBe(0)
    expect(store.db.prepare('SELECT count(*) FROM latest_metrics').pluck().get()).toBe(0)
  })
})

describe('metrics', () => {
  it('logs a batch, keeps series in step order, and moves the latest value only forward', () => {
    const store = openStore()
    const id = newRun(store)
    store.metrics.logBatch(id, [
      { key: 'loss', step: 20, value: 0.4 },
      { key: 'loss', step: 10, value: 0.5 },
      { key: 'accuracy', step: 10, value: 0.3 },
      { key: 'loss', step: 30, value: 0.35 }
    ])
    expect(store.metrics.latest(id)).toEqual({ accuracy: 0.3, loss: 0.35 })

    // A resumed run logs earlier steps again: the series takes them, the latest value stays.
    store.metrics.logBatch(id, [{ key: 'loss', step: 20, value: 0.41 }])
    expect(store.metrics.latest(id)).toEqual({ accuracy: 0.3, loss: 0.35 })
    store.metrics.logBatch(id, [{ key: 'loss', step: 30, value: 0.33 }, { key: 'accuracy', step: 40, value: Number.NaN }])
    expect(store.metrics.latest(id)).toEqual({ accuracy: Number.NaN, loss: 0.33 })

    expect(store.metrics.series(id)).toEqual([
      { key: 'accuracy', steps: [10, 40], values: [0.3, Number.NaN] },
      { key: 'loss', steps: [10, 20, 30], values: [0.5, 0.41, 0.33] }
    ])
    expect(store.metrics.series(id, ['loss', 'missing', 'accuracy']).map((s) => s.key)).toEqual(['loss', 'accuracy'])

    // Values come back bit for bit (raw float64 bytes), -0 and NaN included.
    const extremes = [-Infinity, Infinity, 5e-324, 1e-300, 0.1 + 0.2, 1 / 3, -0, Number.NaN]
    store.metrics.logBatch(id, extremes.map((value, step) => ({ key: 'extremes', step, value })))
    expect(store.metrics.series(id, ['extremes'])[0].values).toEqual(extremes)
    expect(Object.is(store.metrics.series(id, ['extremes'])[0].values[6], -0)).toBe(true)

    const other = newRun(store)
    store.metrics.logBatch(other, [{ key: 'loss', step: 1, value: 1 }], '2025-01-01T00:00:00.000Z')
    const latest = store.metrics.latestFor([id, other, 404])
    expect(latest.get(other)).toEqual({ loss: 1 })
    expect(latest.get(404)).toEqual({})
    expect(store.db.prepare('SELECT time FROM metric_chunks WHERE run_id = ?').pluck().get(other)).toBe('2025-01-01T00:00:00.000Z')
  })

  it('lets two stores on one file (app + CLI) write alternately without SQLITE_BUSY', () => {
    const path = freshPath()
    const app = openStore(path)
    const cli = openStore(path)
    const appRun = newRun(app)
    const cliRun = newRun(cli)
    for (let batch = 0; batch < 200; batch++) {
      const [store, id] = batch % 2 === 0 ? [app, appRun] : [cli, cliRun]
      store.metrics.logBatch(id, [
        { key: 'a', step: batch, value: batch },
        { key: 'b', step: batch, value: -batch }
      ])
      store.runs.setProgress(id, batch, 200)
      // Each reads what the other wrote.
      expect(store.runs.list(listQuery()).total).toBe(2)
    }
    expect(app.metrics.series(cliRun, ['a'])[0].steps).toHaveLength(100)
    expect(cli.metrics.series(appRun, ['b'])[0].steps).toHaveLength(100)
  })

  it('lets another process write the same file at the same time without SQLITE_BUSY', async () => {
    const path = freshPath()
    const app = openStore(path)
    const appRun = newRun(app)
    const cliRun = newRun(app, { name: 'cli' })
    const script = join(root, `writer-${++fileCounter}.ts`)
    writeFileSync(
      script,
      `import { RunStore } from ${JSON.stringify(fileURLToPath(new URL('../../src/main/db/index.ts', import.meta.url)))}
       const store = new RunStore(${JSON.stringify(path)})
       for (let batch = 0; batch < 200; batch++) {
         store.metrics.logBatch(${cliRun}, Array.from({ length: 20 }, (_, i) => ({ key: 'k' + (i % 3), step: batch * 20 + i, value: i })))
         store.runs.setProgress(${cliRun}, batch, 200)
         // Pace the writer (~2 ms a batch) so the two processes overlap even on a loaded machine.
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
       }
       store.close()`
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((done) => child.on('exit', done))

    // Keep writing (and reading) until the child is done, so the two really overlap.
    let batch = 0
    let childDone = false
    let sawChildMidway = false
    void exited.then(() => (childDone = true))
    while (!childDone) {
      app.metrics.logBatch(appRun, [{ key: 'a', step: batch, value: batch }])
      const childProgress = app.runs.list(listQuery({ ids: [cliRun] })).rows[0].done
      if (childProgress > 0 && childProgress < 199) sawChildMidway = true
      batch++
      await new Promise((r) => setImmediate(r))
    }
    expect(stderr).toBe('')
    expect(await exited).toBe(0)
    expect(sawChildMidway).toBe(true)
    expect(app.metrics.series(appRun)[0].steps).toHaveLength(batch)
    expect(app.runs.get(cliRun)!.done).toBe(199)
    expect(app.metrics.series(cliRun).reduce((n, s) => n + s.steps.length, 0)).toBe(4000)
  })
})

describe('metric chunks', () => {
  const column = (key: string, firstStep: number, values: number[]) => ({ key, firstStep, values: Float64Array.from(values) })

  it('round-trips columns bit for bit (NaN too), one chunk row per key and batch, in step order', () => {
    const store = openStore()
    const id = newRun(store)
    const spikes = Array.from({ length: 1800 }, (_, i) => (i * 7) % 13)
    const winners = Array.from({ length: 1800 }, (_, i) => (i % 5 === 0 ? -1 : i % 3))
    store.metrics.logColumns(id, [column('train.spikes', 1, spikes.slice(0, 1000)), column('train.winner', 1, winners.slice(0, 1000))])
    store.metrics.logColumns(id, [column('train.spikes', 1001, spikes.slice(1000)), column('train.winner', 1001, winners.slice(1000))])
    store.metrics.logColumns(id, [column('accuracy', 1800, [Number.NaN])])
    expect(store.db.prepare('SELECT count(*) FROM metric_chunks WHERE run_id = ?').pluck().get(id)).toBe(5)
    expect(store.db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(0)

    const steps = Array.from({ length: 1800 }, (_, i) => i + 1)
    expect(store.metrics.series(id)).toEqual([
      { key: 'accuracy', steps: [1800], values: [Number.NaN] },
      { key: 'train.spikes', steps, values: spikes },
      { key: 'train.winner', steps, values: winners }
    ])
    expect(store.metrics.series(id, ['train.winner', 'accuracy']).map((s) => s.key)).toEqual(['train.winner', 'accuracy'])
    expect(store.metrics.latest(id)).toEqual({ accuracy: Number.NaN, 'train.spikes': spikes[1799], 'train.winner': winners[1799] })
  })

  it('a step logged again replaces the old value (a run resumed from an earlier snapshot)', () => {
    const store = openStore()
    const id = newRun(store)
    // Trained to step 30 (snapshot at 20), crashed, resumed from 20 and trained to 40.
    store.metrics.logColumns(id, [column('train.winner', 1, Array.from({ length: 30 }, () => 1))])
    store.metrics.logColumns(id, [column('train.winner', 21, Array.from({ length: 20 }, () => 2))])
    const [series] = store.metrics.series(id, ['train.winner'])
    expect(series.steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(series.values).toEqual([...Array.from({ length: 20 }, () => 1), ...Array.from({ length: 20 }, () => 2)])
    expect(store.metrics.latest(id)).toEqual({ 'train.winner': 2 })

    // Resumed again from 10, stopped at 15: the latest value stays at step 40's.
    store.metrics.logColumns(id, [column('train.winner', 11, [3, 3, 3, 3, 3])])
    expect(store.metrics.series(id)[0].values.slice(8, 22)).toEqual([1, 1, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 2, 2])
    expect(store.metrics.latest(id)).toEqual({ 'train.winner': 2 })
  })

  it('points of one batch with repeated or unordered steps: ordered, the later value counts', () => {
    const store = openStore()
    const id = newRun(store)
    store.metrics.logBatch(id, [
      { key: 'k', step: 5, value: 1 },
      { key: 'k', step: 3, value: 2 },
      { key: 'k', step: 5, value: 3 }
    ])
    expect(store.metrics.series(id)).toEqual([{ key: 'k', steps: [3, 5], values: [2, 3] }])
    expect(store.metrics.latest(id)).toEqual({ k: 3 })
  })

  it('reads the point rows of a database written before schema version 4 merged with new chunks', () => {
    const path = rawPath()
    const old = new BetterSqlite3(path)
    migrate(old, MIGRATIONS.filter((m) => m.version <= 3))
    expect(old.pragma('user_version', { simple: true })).toBe(3)
    old.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'Default', 'then')").run()
    old
      .prepare(
        "INSERT INTO runs (experiment_id, name, status, created_at, seed, preset, engine_version, config_hash, config_json) VALUES (1, 'old', 'failed', 'then', 1, 'seed-2017', '0', '0', '{}')"
      )
      .run()
    const insertPoint = old.prepare("INSERT INTO metrics (run_id, key, step, value, time) VALUES (1, ?, ?, ?, 'then')")
    for (let step = 1; step <= 10; step++) insertPoint.run('train.winner', step, step === 4 ? null : 1)
    insertPoint.run('accuracy', 10, 0.5)
    old.prepare("INSERT INTO latest_metrics (run_id, key, step, value, time) VALUES (1, 'train.winner', 10, 1, 'then'), (1, 'accuracy', 10, 0.5, 'then')").run()
    old.close()

    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    expect(store.metrics.series(1)).toEqual([
      { key: 'accuracy', steps: [10], values: [0.5] },
      { key: 'train.winner', steps: Array.from({ length: 10 }, (_, i) => i + 1), values: [1, 1, 1, Number.NaN, 1, 1, 1, 1, 1, 1] }
    ])
    // Resumed from step 8 (after the upgrade): chunks replace the old rows' steps 9, 10 and go on.
    store.metrics.logColumns(1, [column('train.winner', 9, [2, 2, 2, 2])])
    expect(store.metrics.series(1, ['train.winner'])[0]).toEqual({
      key: 'train.winner',
      steps: Array.from({ length: 12 }, (_, i) => i + 1),
      values: [1, 1, 1, Number.NaN, 1, 1, 1, 1, 2, 2, 2, 2]
    })
    // Following on after the old rows: concatenated.
    store.metrics.logColumns(1, [column('accuracy', 12, [0.75])])
    expect(store.metrics.series(1, ['accuracy'])[0]).toEqual({ key: 'accuracy', steps: [10, 12], values: [0.5, 0.75] })
    expect(store.metrics.latest(1)).toEqual({ accuracy: 0.75, 'train.winner': 2 })
  })
})

describe('sweeps: the stop request (migration 5)', () => {
  it('upgrades a schema 4 file: its sweeps read as before, with no stop requested', () => {
    const path = rawPath()
    const old = new BetterSqlite3(path)
    migrate(old, MIGRATIONS.filter((m) => m.version <= 4))
    expect(old.pragma('user_version', { simple: true })).toBe(4)
    old
      .prepare(
        "INSERT INTO sweeps (name, method, status, budget, created_at, updated_at, runner, definition_json) VALUES ('old', 'random', 'paused', 4, 'then', 'then', NULL, '{}')"
      )
      .run()
    old.close()

    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    expect(store.sweeps.get(1)).toMatchObject({ name: 'old', status: 'paused', budget: 4 })
    expect(store.sweeps.state(1)).toEqual({ status: 'paused', budget: 4, stopTrials: false })
    expect(() => store.db.prepare('UPDATE sweeps SET stop_trials_requested = 2 WHERE id = 1').run()).toThrow(/CHECK constraint/)
  })

  it('requestPause pauses only what may be paused; the stop request lasts until the status changes again', () => {
    const store = openStore()
    const id = store.sweeps.create({ name: 's', method: 'random', budget: 3, definitionJson: '{}', runner: 'me' })
    // A plain pause: running → paused, nothing to stop; again: refused (already paused).
    expect(store.sweeps.requestPause(id, false)).toBe(true)
    expect(store.sweeps.state(id)).toEqual({ status: 'paused', budget: 3, stopTrials: false })
    expect(store.sweeps.requestPause(id, false)).toBe(false)
    // Stopping the trials in hand is also asked of a paused sweep; the scheduler keeps it paused.
    expect(store.sweeps.requestPause(id, true)).toBe(true)
    expect(store.sweeps.state(id)?.stopTrials).toBe(true)
    store.sweeps.setStatus(id, 'paused')
    expect(store.sweeps.state(id)?.stopTrials).toBe(true)
    // Resumed: cleared.
    store.sweeps.setStatus(id, 'running')
    expect(store.sweeps.state(id)).toEqual({ status: 'running', budget: 3, stopTrials: false })
    // A finished sweep is never paused, with or without the request.
    store.sweeps.setStatus(id, 'completed')
    expect(store.sweeps.requestPause(id, true)).toBe(false)
    expect(store.sweeps.requestPause(id, false)).toBe(false)
    expect(store.sweeps.state(id)).toEqual({ status: 'completed', budget: 3, stopTrials: false })
    expect(store.sweeps.get(id)?.finishedAt).not.toBeNull()
    expect(store.sweeps.requestPause(404, true)).toBe(false)
  })
})

describe('snapshots', () => {
  it('round-trips weights bit for bit', () => {
    const store = openStore()
    const id = newRun(store)
    const weights = new Float64Array([-0, 0, 1e-300, -1e-300, 5e-324, Number.MAX_VALUE, -Infinity, Infinity, 1 / 3, 0.1 + 0.2])
    const rng = { encoder: [1, 2, 3, 4294967295] }
    // An unaligned view into a larger buffer, as a sliced message might arrive.
    const backing = new Float64Array(weights.length + 1)
    backing.set(weights, 1)
    store.snapshots.put({ runId: id, step: 30, layer: 0, neurons: 2, inputs: 5, weights: backing.subarray(1), rng })

    const back = store.snapshots.get(id, 0, 30)!
    expect(back).toMatchObject({ step: 30, layer: 0, neurons: 2, inputs: 5, rng })
    expect(back.weights).toBeInstanceOf(Float64Array)
    expect(back.weights.byteOffset).toBe(0)
    expect(Buffer.from(back.weights.buffer)).toEqual(Buffer.from(weights.buffer))
    expect(Object.is(back.weights[0], -0)).toBe(true)
    expect(store.db.prepare('SELECT dtype FROM snapshots').pluck().get()).toBe('f64')

    expect(() => store.snapshots.put({ runId: id, step: 31, layer: 0, neurons: 2, inputs: 5, weights: new Float64Array(3), rng })).toThrow(
      /3 weights for 2 × 5/
    )
  })

  it('lists snapshots, gets the latest, and resumes from the latest step with every layer', () => {
    const store = openStore()
    const id = newRun(store)
    const put = (step: number, layer: number) =>
      store.snapshots.put({ runId: id, step, layer, neurons: 1, inputs: 2, weights: new Float64Array([step, layer]), rng: { step } })
    put(10, 0)
    put(10, 1)
    put(20, 0)
    put(20, 1)
    put(30, 0) // a crash before layer 1 of step 30 was written

    expect(store.snapshots.list(id)).toEqual([
      { step: 10, layer: 0, neurons: 1, inputs: 2 },
      { step: 10, layer: 1, neurons: 1, inputs: 2 },
      { step: 20, layer: 0, neurons: 1, inputs: 2 },
      { step: 20, layer: 1, neurons: 1, inputs: 2 },
      { step: 30, layer: 0, neurons: 1, inputs: 2 }
    ])
    expect(store.snapshots.get(id, 0)!.step).toBe(30)
    expect(store.snapshots.get(id, 1)!.step).toBe(20)
    expect(store.snapshots.get(id, 1, 30)).toBeUndefined()

    const resume = store.snapshots.latestComplete(id, 2)!
    expect(resume.step).toBe(20)
    expect(resume.rng).toEqual({ step: 20 })
    expect(resume.layers.map((l) => Array.from(l.weights))).toEqual([
      [20, 0],
      [20, 1]
    ])
    expect(store.snapshots.latestComplete(id, 1)!.step).toBe(30)
    expect(store.snapshots.latestComplete(id, 3)).toBeUndefined()
    expect(store.snapshots.latestComplete(newRun(store), 1)).toBeUndefined()
  })
})

describe('evaluations', () => {
  it('stores the evaluation and copies its accuracy to the run', () => {
    const store = openStore()
    const id = newRun(store)
    expect(store.evaluations.get(id)).toBeUndefined()
    const payload = evaluationPayload(0.74)
    store.evaluations.put(id, payload, [0, 1, 2])
    const stored = store.evaluations.get(id)!
    expect(stored.payload).toEqual(payload)
    expect(stored.classLabels).toEqual([0, 1, 2])
    expect(store.runs.get(id)!.accuracy).toBe(0.74)

    store.evaluations.put(id, evaluationPayload(0.8), [0, 1, 2]) // re-evaluation replaces
    expect(store.runs.get(id)!.accuracy).toBe(0.8)
  })
})

describe('flattenConfig', () => {
  it('flattens to dotted keys, arrays as JSON, inline data as a placeholder', () => {
    const config = ExperimentConfigSchema.parse({
      data: { source: { kind: 'inline', width: 1, height: 1, images: [{ label: 0, pixels: [0] }] } },
      init: { kind: 'inline', weights: [[[0.5, 0.25]]] }
    })
    const flat = flattenConfig(config)
    expect(flat).toMatchObject({
      name: 'seed-2017',
      seed: '1',
      'learning.rate': '0.02',
      'learning.enabled': 'true',
      'network.layers': '[{"neurons":3}]',
      'data.classes': '[0,1,2]',
      'data.source.kind': 'inline',
      'data.source.images': INLINE_PLACEHOLDER,
      'init.kind': 'inline',
      'init.weights': INLINE_PLACEHOLDER,
      'encoder.interpXp': '[-1.069,2.781]'
    })
    expect('data.testSource' in flat).toBe(false)
    expect(flattenConfig({ data: { order: Array.from({ length: 500 }, (_, i) => i) } })['data.order']).toBe(INLINE_PLACEHOLDER)
  })
})

describe('default paths', () => {
  it("match Electron's userData folder for SNN Workbench, or SNN_WORKBENCH_HOME", () => {
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.config/SNN Workbench')
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/ada')).toBe('/xdg/SNN Workbench')
    expect(defaultDataDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/SNN Workbench')
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\SNN Workbench'
    )
    expect(defaultDatabasePath({ SNN_WORKBENCH_HOME: '/data/snn' }, 'linux', '/home/ada')).toBe('/data/snn/workbench.db')
    expect(defaultDatabasePath({}, 'linux', '/home/ada')).toBe('/home/ada/.config/SNN Workbench/workbench.db')
    expect(defaultDatabasePath({}, 'win32', 'C:\\Users\\ada')).toBe('C:\\Users\\ada\\AppData\\Roaming\\SNN Workbench\\workbench.db')
  })
})

function runFields(): NewRun {
  return { experimentId: 1, name: 'r', seed: 1, preset: 'seed-2017', engineVersion: '0', configHash: 'h', configJson: '{}', total: 0, params: {} }
}

function evaluationPayload(accuracy: number): EvaluationPayload {
  return {
    neuronLabels: [0, 1, 2],
    selectivity: [0.5, 0.6, 0.7],
    noise: [false, false, true],
    responses: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1]
    ],
    accuracy,
    trainAccuracy: 0.9,
    confusion: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1]
    ],
    predicted: [0, 1, 2],
    testSamples: 3
  }
}
