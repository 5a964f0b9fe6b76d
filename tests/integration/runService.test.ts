/**
 * The run service end to end: every call goes through `dispatch` (the validating path every
 * transport uses) on a workbench over a real database file, and every run trains in a real
 * engine process (bin/engine-worker.cjs). Runs are recorded as they go, survive cancel, crash
 * and restart, resume to the same weights as an uninterrupted run, and leave no process behind.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runExperiment, type WeightSnapshot } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { dispatch } from '../../src/main/services/api'
import { INTERRUPTED_REASON } from '../../src/main/services/runService'
import { createWorkbench, type Workbench, type WorkbenchOptions } from '../../src/main/services/workbench'
import { ApiError, type ApiArgs, type ApiErrorCode, type ApiEvents, type ApiMethod, type ApiResults, type RunStatus } from '../../src/shared/api'
import { parseExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'

const base = { steps: 100, snapshotEvery: 5, network: { layers: [{ neurons: 3 }] } } satisfies ExperimentConfigInput
/** 20 images: a whole run takes well under a second once the process is up. */
const TINY = { ...base, seed: 1, data: { classes: [0, 1], trainPerClass: 10, testPerClass: 5 } } satisfies ExperimentConfigInput
/** 1200 images (2 classes × 200, 3 epochs): long enough to interrupt. */
const LONG = { ...base, seed: 1, epochs: 3, data: { classes: [0, 1], trainPerClass: 200, testPerClass: 5 } } satisfies ExperimentConfigInput

const root = mkdtempSync(join(tmpdir(), 'snn-run-service-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dbCounter = 0
const freshDbPath = () => join(root, `case-${++dbCounter}`, 'wb.db')

// ---------------------------------------------------------------------------------------------
// Workbenches, engine processes and clean-up

const openWorkbenches: Workbench[] = []
/** Engine process ids seen (at → running), checked to be gone after each test. */
const enginePids = new Set<number>()

async function openWorkbench(options: Partial<WorkbenchOptions> = {}): Promise<Workbench> {
  const wb = await createWorkbench({ databasePath: freshDbPath(), engine: nodeEngineProcessFactory(), progressIntervalMs: 50, ...options })
  openWorkbenches.push(wb)
  wb.events.on('run.status', ({ id, status }) => {
    if (status !== 'running') return
    const pid = wb.runs.activePid(id)
    if (pid !== undefined) enginePids.add(pid)
  })
  return wb
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function expectProcessGone(pid: number): Promise<void> {
  await waitUntil(() => !alive(pid), `engine process ${pid} to end`, 5000)
}

afterEach(async () => {
  for (const wb of openWorkbenches.splice(0)) await wb.close()
  const pids = [...enginePids]
  enginePids.clear()
  for (const pid of pids) await expectProcessGone(pid)
})

// ---------------------------------------------------------------------------------------------
// Calls, events, references

async function call<M extends ApiMethod>(wb: Workbench, method: M, args: ApiArgs<M>): Promise<ApiResults[M]> {
  return (await dispatch(wb, method, args)) as ApiResults[M]
}

/** The ApiError a call rejects with (fails the test if it resolves or throws anything else). */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    (result) => {
      throw new Error(`expected an ApiError, got ${JSON.stringify(result)}`)
    },
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

async function expectApiError(promise: Promise<unknown>, code: ApiErrorCode, message: RegExp | string): Promise<void> {
  const error = await apiError(promise)
  expect({ code: error.code, message: error.message }).toMatchObject({ code, message: expect.stringMatching(message) })
}

type StatusEvent = ApiEvents['run.status'] & { at: number }

/** Every run.status event of `wb`, in order, with the time it came. */
function statusLog(wb: Workbench) {
  const events: StatusEvent[] = []
  wb.events.on('run.status', (e) => events.push({ ...e, at: performance.now() }))
  return {
    events,
    of: (id: number) => events.filter((e) => e.id === id).map((e) => e.status),
    when: (id: number, status: RunStatus) => events.find((e) => e.id === id && e.status === status)?.at
  }
}

const FINISHED: readonly RunStatus[] = ['completed', 'failed', 'cancelled']

async function waitForStatus(wb: Workbench, id: number, statuses: readonly RunStatus[] = FINISHED): Promise<RunStatus> {
  await waitUntil(() => statuses.includes(wb.runs.summaryOf(id).status), `run ${id} to be ${statuses.join(' or ')}`)
  return wb.runs.summaryOf(id).status
}

/** Resolves at the run's `count`-th run.snapshot event, with the steps seen so far. */
function snapshotsSeen(wb: Workbench, id: number, count: number, atCount?: (steps: number[]) => void): Promise<number[]> {
  const steps: number[] = []
  return new Promise((resolve) => {
    wb.events.on('run.snapshot', (e) => {
      if (e.id !== id) return
      steps.push(e.step)
      if (steps.length === count) {
        atCount?.(steps)
        resolve([...steps])
      }
    })
  })
}

/** Layer-0 weights stored for a run (latest snapshot, or at `step`). */
async function storedWeights(wb: Workbench, id: number, step?: number): Promise<number[]> {
  const payload = await call(wb, 'runs.weights', step === undefined ? { id } : { id, step })
  expect(payload.weights).toHaveLength(payload.neurons * payload.inputs)
  return payload.weights
}

interface Reference {
  weights: number[]
  snapshots: { step: number; weights: number[] }[]
  spikes: number[]
  accuracy: number
}

const references = new Map<ExperimentConfigInput, Reference>()
/** The same config trained in this process, uninterrupted (memoized per config object). */
function reference(input: ExperimentConfigInput): Reference {
  let ref = references.get(input)
  if (!ref) {
    const config = parseExperimentConfig(input)
    const spikes: number[] = []
    const snapshots: WeightSnapshot[] = []
    const result = runExperiment(config, loadInputs(config), {
      onPresentation: (record) => void spikes.push(record.spike_counts.reduce((a, b) => a + b, 0)),
      onSnapshot: (s) => void snapshots.push(s)
    })
    ref = {
      weights: Array.from(result.layers[0].weights),
      snapshots: snapshots.map((s) => ({ step: s.step, weights: Array.from(s.layers[0].weights) })),
      spikes,
      accuracy: result.evaluation!.accuracy
    }
    references.set(input, ref)
  }
  return ref
}

/**
 * Bit for bit: toEqual compares numbers with Object.is (so 0 and −0 differ), and the stored
 * weights are the Float64 values the engine computed.
 */
function expectSameWeights(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length)
  expect(actual).toEqual(expected)
}

async function runsInDb(wb: Workbench): Promise<number> {
  return (await call(wb, 'runs.list', {})).total
}

// ---------------------------------------------------------------------------------------------

describe('run service over real engine processes', () => {
  it('records a run from queued to completed: evaluation, snapshots, metrics, progress; finds it by params and tag; keeps a note', async () => {
    const wb = await openWorkbench()
    const log = statusLog(wb)
    const { id } = await call(wb, 'runs.create', { config: TINY, experiment: 'service test' })
    expect(log.of(id)).toEqual(['queued'])
    expect(await waitForStatus(wb, id)).toBe('completed')
    expect(log.of(id)).toEqual(['queued', 'running', 'completed'])
    expect(log.events.filter((e) => e.id === id).every((e) => e.error === null)).toBe(true)

    const run = await call(wb, 'runs.get', { id })
    expect(run).toMatchObject({ id, status: 'completed', error: null, experiment: 'service test', seed: 1, done: 20, total: 20 })
    expect(run.startedAt).not.toBeNull()
    expect(run.finishedAt).not.toBeNull()
    expect(run.evaluation).not.toBeNull()
    expect(run.classLabels).toEqual([0, 1])
    expect(run.accuracy).toBe(run.evaluation!.accuracy)
    expect(run.inputShape).toEqual({ width: 28, height: 28 })
    expect(run.snapshots).toEqual([5, 10, 15, 20].map((step) => ({ step, layer: 0, neurons: 3, inputs: 784 })))
    expect(run.latestMetrics).toMatchObject({ accuracy: run.evaluation!.accuracy })

    const { series } = await call(wb, 'runs.metrics', { id })
    const byKey = new Map(series.map((s) => [s.key, s]))
    expect(byKey.get('train.spikes')!.steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(byKey.get('train.spikes')!.values).toEqual(reference(TINY).spikes)
    expect(byKey.get('train.winner')!.steps).toHaveLength(20)
    expect(byKey.get('accuracy')).toEqual({ key: 'accuracy', steps: [20], values: [run.evaluation!.accuracy] })
    expect(byKey.get('train_accuracy')!.values).toEqual([run.evaluation!.trainAccuracy])

    // Found by its flattened params (values as stored text), not by others.
    const layers = JSON.stringify(run.config.network.layers)
    const byLayers = await call(wb, 'runs.list', { params: [{ key: 'network.layers', value: layers }] })
    expect(byLayers.rows.map((r) => r.id)).toEqual([id])
    const bySeed = await call(wb, 'runs.list', { params: [{ key: 'seed', value: '1' }, { key: 'network.layers', value: layers }] })
    expect(bySeed.rows.map((r) => r.id)).toEqual([id])
    expect((await call(wb, 'runs.list', { params: [{ key: 'seed', value: '2' }] })).total).toBe(0)

    expect(await call(wb, 'runs.list', { tag: 'good' })).toEqual({ total: 0, rows: [] })
    expect(await call(wb, 'runs.tag', { id, tag: 'good' })).toEqual({ tags: ['good'] })
    const tagged = await call(wb, 'runs.list', { tag: 'good' })
    expect(tagged.rows.map((r) => [r.id, r.tags])).toEqual([[id, ['good']]])
    expect(tagged.rows[0].accuracy).toBe(run.accuracy)

    expect(await call(wb, 'runs.note', { id, text: 'two classes, three neurons' })).toEqual({ note: 'two classes, three neurons' })
    expect((await call(wb, 'runs.get', { id })).note).toBe('two classes, three neurons')
    expect((await call(wb, 'runs.list', { text: 'three neurons' })).rows.map((r) => r.id)).toEqual([id])
  })

  it('stores final weights (and every snapshot) bit-identical to runExperiment in this process', async () => {
    const wb = await openWorkbench()
    const { id } = await call(wb, 'runs.create', { config: TINY })
    expect(await waitForStatus(wb, id)).toBe('completed')
    const ref = reference(TINY)
    const latest = await call(wb, 'runs.weights', { id })
    expect(latest).toMatchObject({ step: 20, layer: 0, neurons: 3, inputs: 784, width: 28, height: 28 })
    expectSameWeights(latest.weights, ref.weights)
    expect(ref.snapshots.map((s) => s.step)).toEqual([5, 10, 15, 20])
    for (const snapshot of ref.snapshots) expectSameWeights(await storedWeights(wb, id, snapshot.step), snapshot.weights)
  })

  it('rejects invalid arguments with invalid-argument naming the field, and writes nothing', async () => {
    const wb = await openWorkbench()
    const log = statusLog(wb)
    await expectApiError(dispatch(wb, 'runs.create', { config: { steps: 'x' } }), 'invalid-argument', /^config: steps: /m)
    await expectApiError(dispatch(wb, 'runs.create', { config: TINY, priority: 1 }), 'invalid-argument', /^runs\.create: .*priority/m)
    await expectApiError(dispatch(wb, 'runs.get', { id: 0 }), 'invalid-argument', /^runs\.get: id: /)
    await expectApiError(dispatch(wb, 'runs.get', { id: 'one' }), 'invalid-argument', /^runs\.get: id: /)
    await expectApiError(dispatch(wb, 'runs.tag', { id: 1, tag: '   ' }), 'invalid-argument', /^runs\.tag: tag: /)
    await expectApiError(dispatch(wb, 'runs.frobnicate', {}), 'invalid-argument', 'unknown method "runs.frobnicate"')
    await expectApiError(dispatch(wb, 42, {}), 'invalid-argument', 'unknown method 42')

    expect(await runsInDb(wb)).toBe(0)
    expect(await call(wb, 'experiments.list', {})).toEqual({ experiments: [] })
    expect(log.events).toEqual([])
  })

  it('answers not-found for runs that do not exist', async () => {
    const wb = await openWorkbench()
    await expectApiError(dispatch(wb, 'runs.get', { id: 999 }), 'not-found', 'run 999 does not exist')
    await expectApiError(dispatch(wb, 'runs.weights', { id: 999 }), 'not-found', 'run 999 does not exist')
    await expectApiError(dispatch(wb, 'runs.cancel', { id: 999 }), 'not-found', 'run 999 does not exist')
    await expectApiError(dispatch(wb, 'runs.resume', { id: 999 }), 'not-found', 'run 999 does not exist')
    await expectApiError(dispatch(wb, 'runs.tag', { id: 999, tag: 'x' }), 'not-found', 'run 999 does not exist')
    await expectApiError(dispatch(wb, 'runs.compare', { ids: [998, 999] }), 'not-found', 'run 998 does not exist')
    expect(await runsInDb(wb)).toBe(0)
  })

  it('cancels a running run within a second, keeps the snapshot where it stopped, and resumes to the uninterrupted weights', async () => {
    const wb = await openWorkbench()
    const log = statusLog(wb)
    const { id } = await call(wb, 'runs.create', { config: LONG })
    const firstSnapshot = snapshotsSeen(wb, id, 1)
    await waitForStatus(wb, id, ['running'])
    await firstSnapshot
    const cancelledAt = performance.now()
    expect(await call(wb, 'runs.cancel', { id })).toEqual({ status: 'running' })
    expect(await waitForStatus(wb, id)).toBe('cancelled')
    expect(log.when(id, 'cancelled')! - cancelledAt).toBeLessThan(1000)

    const stopped = await call(wb, 'runs.get', { id })
    expect(stopped).toMatchObject({ status: 'cancelled', error: null, evaluation: null, total: 1200 })
    expect(stopped.done).toBeGreaterThan(0)
    expect(stopped.done).toBeLessThan(1200)
    // The engine answered the cancel with a snapshot at the image it stopped after.
    expect(stopped.snapshots.at(-1)!.step).toBe(stopped.done)
    expect(await call(wb, 'runs.cancel', { id }).catch((e: ApiError) => e.code)).toBe('conflict')

    expect(await call(wb, 'runs.resume', { id })).toEqual({ id })
    expect(await waitForStatus(wb, id)).toBe('completed')
    expect(log.of(id)).toEqual(['queued', 'running', 'cancelled', 'queued', 'running', 'completed'])
    const done = await call(wb, 'runs.get', { id })
    expect(done).toMatchObject({ done: 1200, total: 1200, error: null })
    const ref = reference(LONG)
    expect(done.accuracy).toBe(ref.accuracy)
    expectSameWeights(await storedWeights(wb, id), ref.weights)
    const [spikes] = (await call(wb, 'runs.metrics', { id, keys: ['train.spikes'] })).series
    expect(spikes.values).toEqual(ref.spikes)
  })

  it('reports a killed engine process as failed (SIGKILL), keeps what was recorded, and resumes to the uninterrupted weights', async () => {
    const wb = await openWorkbench()
    const log = statusLog(wb)
    const { id } = await call(wb, 'runs.create', { config: LONG })
    let pid: number | undefined
    // Killed from the listener of the second snapshot, before the engine gets much further.
    const seen = await snapshotsSeen(wb, id, 2, () => {
      pid = wb.runs.activePid(id)
      process.kill(pid!, 'SIGKILL')
    })
    expect(pid).toBeTypeOf('number')
    expect(await waitForStatus(wb, id)).toBe('failed')
    await expectProcessGone(pid!)
    expect(wb.runs.activePid(id)).toBeUndefined()

    const failed = await call(wb, 'runs.get', { id })
    expect(failed.error).toMatch(/SIGKILL/)
    expect(log.events.filter((e) => e.id === id).at(-1)).toMatchObject({ status: 'failed', error: failed.error })
    expect(failed.evaluation).toBeNull()
    const steps = failed.snapshots.map((s) => s.step)
    expect(steps.slice(0, seen.length)).toEqual(seen)
    expect(steps).toEqual(steps.map((_, i) => 5 * (i + 1)))
    const ref = reference(LONG)
    for (const step of seen) expectSameWeights(await storedWeights(wb, id, step), ref.snapshots[step / 5 - 1].weights)
    const [spikes] = (await call(wb, 'runs.metrics', { id, keys: ['train.spikes'] })).series
    expect(spikes.steps.length).toBeGreaterThanOrEqual(steps.at(-1)!)
    expect(spikes.steps).toEqual(spikes.steps.map((_, i) => i + 1))
    expect(spikes.values).toEqual(ref.spikes.slice(0, spikes.values.length))

    await call(wb, 'runs.resume', { id })
    expect(await waitForStatus(wb, id)).toBe('completed')
    const done = await call(wb, 'runs.get', { id })
    expect(done).toMatchObject({ status: 'completed', error: null, done: 1200, total: 1200, accuracy: ref.accuracy })
    expectSameWeights(await storedWeights(wb, id), ref.weights)
    const [after] = (await call(wb, 'runs.metrics', { id, keys: ['train.spikes'] })).series
    expect(after.values).toEqual(ref.spikes)
  })

  it('keeps a diehl-cook-2015 run\'s model state (θ …) with each snapshot: killed and resumed, it ends with the uninterrupted weights and θ', async () => {
    const input: ExperimentConfigInput = {
      preset: 'diehl-cook-2015',
      seed: 3,
      snapshotEvery: 10,
      network: { layers: [{ neurons: 6 }] },
      data: { classes: [0, 1], trainRange: [0, 120], testRange: [8000, 8010] }
    }
    const config = parseExperimentConfig(input)
    const snapshots: WeightSnapshot[] = []
    const full = runExperiment(config, loadInputs(config), { onSnapshot: (s) => void snapshots.push(s) })
    const finalTheta = snapshots.at(-1)!.state!['excitatory.theta']
    expect(finalTheta.some((theta) => theta > 0)).toBe(true)

    const wb = await openWorkbench()
    const { id } = await call(wb, 'runs.create', { config: input })
    const seen = await snapshotsSeen(wb, id, 2, () => process.kill(wb.runs.activePid(id)!, 'SIGKILL'))
    expect(await waitForStatus(wb, id)).toBe('failed')
    // Every recorded step carries the state the engine had there.
    const atSecond = wb.runs.snapshotState(id, seen[1])!
    expect(Array.from(atSecond.state['excitatory.theta'])).toEqual(snapshots.find((s) => s.step === seen[1])!.state!['excitatory.theta'])

    await call(wb, 'runs.resume', { id })
    expect(await waitForStatus(wb, id)).toBe('completed')
    expectSameWeights(await storedWeights(wb, id), Array.from(full.layers[0].weights))
    const stored = wb.runs.snapshotState(id)!
    expect(stored.step).toBe(full.presented)
    expect(Array.from(stored.state['excitatory.theta'])).toEqual(finalTheta)
    expect((await call(wb, 'runs.get', { id })).accuracy).toBe(full.evaluation!.accuracy)
    // seed-2017 runs have no model state to keep.
    expect(wb.runs.snapshotState((await call(wb, 'runs.create', { config: TINY })).id)).toBeNull()
  })

  it('with concurrency 1 trains one run at a time, in creation order', async () => {
    const wb = await openWorkbench({ concurrency: 1 })
    const log = statusLog(wb)
    let running = 0
    let maxRunning = 0
    const states = new Map<number, RunStatus>()
    wb.events.on('run.status', ({ id, status }) => {
      if (status === 'running') running++
      else if (states.get(id) === 'running') running--
      states.set(id, status)
      maxRunning = Math.max(maxRunning, running)
    })
    const ids: number[] = []
    for (let i = 0; i < 3; i++) ids.push((await call(wb, 'runs.create', { config: { ...TINY, seed: i + 1 } })).id)
    expect(ids.map((id) => wb.runs.summaryOf(id).status)).toEqual(['queued', 'queued', 'queued'])
    await wb.runs.idle()
    expect(maxRunning).toBe(1)
    expect(ids.map((id) => wb.runs.summaryOf(id).status)).toEqual(['completed', 'completed', 'completed'])
    const order = (status: RunStatus) => log.events.filter((e) => e.status === status).map((e) => e.id)
    expect(order('running')).toEqual(ids)
    expect(order('completed')).toEqual(ids)
    // Each one starts only after the one before it has finished.
    expect(log.events.filter((e) => e.status !== 'queued').map((e) => e.status)).toEqual(['running', 'completed', 'running', 'completed', 'running', 'completed'])
    // All three in one warm engine process, which waits for the next run and ends on close.
    expect(enginePids.size).toBe(1)
    expect(wb.runs.engineProcesses).toBe(1)
    await wb.close()
    expect(wb.runs.engineProcesses).toBe(0)
  })

  it('on restart fails runs whose supervisor died, leaves runs of a live supervisor alone, and starts queued ones', async () => {
    const databasePath = freshDbPath()
    const first = await openWorkbench({ databasePath })
    const config = parseExperimentConfig(TINY)
    let deadPid = 999_999
    while (alive(deadPid)) deadPid++
    const orphan = first.runs.insert(config, 'recovery', 'running')
    first.store.runs.setStatus(orphan, 'running', { runner: `${deadPid}@${hostname()}` })
    const supervised = first.runs.insert(config, 'recovery', 'running')
    const liveRunner = `${process.ppid}@${hostname()}`
    first.store.runs.setStatus(supervised, 'running', { runner: liveRunner })
    const queued = first.runs.insert(config, 'recovery')
    expect(first.store.runs.get(queued)!.status).toBe('queued')
    await first.close()

    const second = await openWorkbench({ databasePath, recover: true })
    expect(second.store.runs.get(orphan)).toMatchObject({ status: 'failed', error: INTERRUPTED_REASON })
    expect(second.store.runs.get(supervised)).toMatchObject({ status: 'running', error: null, runner: liveRunner })
    expect(await waitForStatus(second, queued)).toBe('completed')
    expect(await call(second, 'runs.get', { id: queued })).toMatchObject({ done: 20, total: 20, snapshots: expect.arrayContaining([expect.objectContaining({ step: 20 })]) })
    expectSameWeights(await storedWeights(second, queued), reference(TINY).weights)
    // Still someone else's: not resumable from here.
    await expectApiError(dispatch(second, 'runs.resume', { id: supervised }), 'conflict', `run ${supervised} is running`)
    expect(second.store.runs.get(supervised)!.status).toBe('running')
    // The interrupted one has no snapshot: resuming starts it over.
    await call(second, 'runs.resume', { id: orphan })
    expect(await waitForStatus(second, orphan)).toBe('completed')
    expectSameWeights(await storedWeights(second, orphan), reference(TINY).weights)
  })

  it('deletes a running run: its process is killed and every row of it is gone', async () => {
    const wb = await openWorkbench()
    const log = statusLog(wb)
    const { id } = await call(wb, 'runs.create', { config: LONG })
    await snapshotsSeen(wb, id, 1)
    const pid = wb.runs.activePid(id)!
    expect(alive(pid)).toBe(true)
    await call(wb, 'runs.tag', { id, tag: 'doomed' })
    await call(wb, 'runs.note', { id, text: 'to be deleted' })

    expect(await call(wb, 'runs.delete', { ids: [id] })).toEqual({ deleted: 1 })
    expect(wb.runs.activePid(id)).toBeUndefined()
    await expectProcessGone(pid)
    await expectApiError(dispatch(wb, 'runs.get', { id }), 'not-found', `run ${id} does not exist`)
    expect(await runsInDb(wb)).toBe(0)
    for (const table of ['params', 'metrics', 'latest_metrics', 'snapshots', 'evaluations', 'tags', 'notes']) {
      expect(wb.store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(id), table).toEqual({ n: 0 })
    }
    // Nothing more is reported (or written) for it.
    await new Promise((r) => setTimeout(r, 200))
    expect(log.of(id)).toEqual(['queued', 'running'])
    expect(await runsInDb(wb)).toBe(0)
  })

  it('compares two runs with different seeds: the differing params (seed among them) and their latest metrics', async () => {
    const wb = await openWorkbench()
    const a = (await call(wb, 'runs.create', { config: { ...TINY, seed: 1 } })).id
    const b = (await call(wb, 'runs.create', { config: { ...TINY, seed: 2 } })).id
    await wb.runs.idle()
    const result = await call(wb, 'runs.compare', { ids: [a, b] })
    expect(result.runs.map((r) => [r.id, r.seed, r.status])).toEqual([
      [a, 1, 'completed'],
      [b, 2, 'completed']
    ])
    expect(result.params).toContainEqual({ key: 'seed', values: ['1', '2'] })
    for (const p of result.params) expect(p.values[0], p.key).not.toBe(p.values[1])
    const keys = result.metrics.map((m) => m.key)
    expect(keys).toEqual(expect.arrayContaining(['accuracy', 'train.spikes', 'train.winner', 'train_accuracy']))
    for (const m of result.metrics) for (const v of m.values) expect(v, m.key).toBeTypeOf('number')
    const accuracy = result.metrics.find((m) => m.key === 'accuracy')!
    expect(accuracy.values).toEqual([result.runs[0].accuracy, result.runs[1].accuracy])
    // The same config twice: nothing differs.
    const c = (await call(wb, 'runs.create', { config: { ...TINY, seed: 1 } })).id
    await wb.runs.idle()
    expect((await call(wb, 'runs.compare', { ids: [a, c] })).params).toEqual([])
  })
})
