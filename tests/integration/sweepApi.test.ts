/**
 * The sweeps API through `dispatch`, as the app and `serve` call it, on a real database file:
 * create → `sweep.updated` events → get → pause / resume → extend → importance, and bad input.
 * Trials use a cheap synthetic objective (an injected executor) through the real scheduler;
 * tests/integration/sweeps.test.ts covers trials that train in engine processes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { dispatch } from '../../src/main/services/api'
import { createWorkbench, type Workbench } from '../../src/main/services/workbench'
import type { TrialExecutor } from '../../src/main/sweeps/scheduler'
import { ApiError, type ApiArgs, type ApiMethod, type ApiResults } from '../../src/shared/api'
import { parseExperimentConfig } from '../../src/shared/config'
import { parseSweep } from '../../src/shared/sweep'
import type { SweepListItem } from '../../src/shared/sweepApi'

const root = mkdtempSync(join(tmpdir(), 'snn-sweep-api-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A process that cannot exist on this machine (above Linux's largest pid). */
const DEAD_RUNNER = `${2 ** 22 + 1}@${hostname()}`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Best at learning.rate = 0.01; neuron.leak barely matters. */
const objective = (rate: number, leak: number) => 1 - (Math.log10(rate) + 2) ** 2 / 2 - 0.001 * leak

/** Each trial takes `ms` and scores the objective of its config. */
const executor =
  (ms: number): TrialExecutor =>
  async (config, _index, _report, context) => {
    await sleep(ms)
    if (context.signal.aborted) throw new Error('aborted')
    return objective(config.learning.rate, config.neuron.leak)
  }

let wb: Workbench | null = null
afterEach(async () => {
  await wb?.close()
  wb = null
})

let counter = 0
async function open(trialMs = 5): Promise<Workbench> {
  wb = await createWorkbench({
    databasePath: join(root, `wb-${++counter}.db`),
    engine: nodeEngineProcessFactory(),
    sweeps: { executor: executor(trialMs), pollMs: 20 }
  })
  return wb
}

const call = <M extends ApiMethod>(workbench: Workbench, method: M, args: ApiArgs<M>) =>
  dispatch(workbench, method, args) as Promise<ApiResults[M]>

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected the call to fail')
}

async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

const definition = (extra: Record<string, unknown> = {}) => ({
  name: 'api sweep',
  space: {
    'learning.rate': { range: [0.001, 0.1], scale: 'log' },
    'neuron.leak': { range: [0, 2] }
  },
  method: 'random',
  budget: 6,
  seed: 5,
  ...extra
})

describe('sweeps API', () => {
  it('rejects bad definitions with invalid-argument naming the parameter, and records nothing', async () => {
    const workbench = await open()
    const cases: [unknown, RegExp][] = [
      [definition({ space: { 'learning.rte': { range: [0.01, 0.1] } } }), /definition: space\.learning\.rte: not a parameter of the experiment config \(learning has no field "rte"\)/],
      [definition({ space: { 'learning.rate': { range: [0.1, 0.01] } } }), /space\.learning\.rate: range min 0\.1 is greater than max 0\.01/],
      [definition({ space: { 'learning.rate': { range: [0, 0.1], scale: 'log' } } }), /space\.learning\.rate: a log range needs positive bounds/],
      [definition({ space: {} }), /space: empty/],
      [definition({ budget: 0 }), /budget: at least 1 trial/],
      [{ space: {} }, /definition: name/]
    ]
    for (const [input, message] of cases) {
      const error = await failure(call(workbench, 'sweeps.create', { definition: input }))
      expect(error.code).toBe('invalid-argument')
      expect(error.message).toMatch(message)
      expect(error.message).not.toMatch(/\n\s+at /) // no stack trace
    }
    const badConcurrency = await failure(call(workbench, 'sweeps.create', { definition: definition(), concurrency: 0 }))
    expect(badConcurrency.message).toMatch(/sweeps\.create: concurrency:/)
    expect((await call(workbench, 'sweeps.list', {})).sweeps).toEqual([])
    expect((await failure(call(workbench, 'sweeps.get', { id: 99 }))).code).toBe('not-found')
    expect((await failure(call(workbench, 'sweeps.extend', { id: 1, trials: 0 }))).message).toMatch(/sweeps\.extend: trials:/)
  })

  it('creates a sweep, streams sweep.updated, and shows its trials, best and importance', async () => {
    const workbench = await open()
    const updates: SweepListItem[] = []
    workbench.events.on('sweep.updated', (payload) => updates.push(payload))
    const { id } = await call(workbench, 'sweeps.create', { definition: definition({ budget: 12 }), concurrency: 3 })
    await waitFor(() => updates.some((u) => u.id === id && u.status === 'completed'), 'the completed event')

    const last = updates[updates.length - 1]
    expect(last).toMatchObject({ id, status: 'completed', budget: 12, parameters: ['learning.rate', 'neuron.leak'] })
    expect(last.trials.completed).toBe(12)
    // Coalesced: far fewer events than scheduler changes (2 per trial and the status).
    expect(updates.length).toBeLessThan(26)

    const detail = await call(workbench, 'sweeps.get', { id })
    expect(detail.trialList).toHaveLength(12)
    expect(detail.definition.concurrency).toBe(3)
    expect(detail.scheduledHere).toBe(false)
    const scored = detail.trialList.map((t) => objective(t.params['learning.rate'] as number, t.params['neuron.leak'] as number))
    for (const [i, trial] of detail.trialList.entries()) {
      expect(trial.status).toBe('completed')
      expect(trial.objective).toBeCloseTo(scored[i], 12)
    }
    const bestIndex = scored.indexOf(Math.max(...scored))
    expect(detail.best).toEqual({ index: detail.trialList[bestIndex].index, runId: null, objective: detail.trialList[bestIndex].objective })
    expect(last.best).toEqual(detail.best)

    const list = await call(workbench, 'sweeps.list', {})
    expect(list.sweeps.map((s) => [s.id, s.name, s.method, s.status])).toEqual([[id, 'api sweep', 'random', 'completed']])

    const importance = await call(workbench, 'sweeps.importance', { id })
    expect(importance.method).toBe('fanova-main-effects')
    expect(importance.completed).toBe(12)
    expect(importance.parameters.map((p) => p.path)).toEqual(['learning.rate', 'neuron.leak'])
    // 12 trials are few for a forest (tests/unit/importance.test.ts checks the values); the order is clear.
    expect(importance.parameters[0].importance).toBeGreaterThan(importance.parameters[1].importance)
  })

  it('pauses, resumes, extends a finished sweep and deletes it', async () => {
    const workbench = await open(40)
    const { id } = await call(workbench, 'sweeps.create', { definition: definition({ budget: 6 }), concurrency: 1 })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).trialList.length >= 1, 'a first trial')
    expect((await call(workbench, 'sweeps.pause', { id })).status).toBe('paused')
    // The trial in hand finishes, then the scheduler stops with fewer trials than the budget.
    await waitFor(async () => !(await call(workbench, 'sweeps.get', { id })).scheduledHere, 'the scheduler to stop')
    const paused = await call(workbench, 'sweeps.get', { id })
    expect(paused.status).toBe('paused')
    expect(paused.trialList.length).toBeLessThan(6)
    expect(paused.trialList.every((t) => t.status === 'completed')).toBe(true)
    expect((await failure(call(workbench, 'sweeps.pause', { id }))).code).toBe('conflict')

    expect(await call(workbench, 'sweeps.resume', { id })).toEqual({ id, status: 'running' })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).status === 'completed', 'completion')
    const completed = await call(workbench, 'sweeps.get', { id })
    expect(completed.trialList.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5])
    // Trial i's point depends only on the seed and i, whatever the pause.
    expect(completed.trialList.slice(0, paused.trialList.length).map((t) => t.params)).toEqual(paused.trialList.map((t) => t.params))

    expect(await call(workbench, 'sweeps.extend', { id, trials: 2 })).toEqual({ budget: 8, status: 'paused' })
    await call(workbench, 'sweeps.resume', { id })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).status === 'completed', 'the extra trials')
    expect((await call(workbench, 'sweeps.get', { id })).trialList).toHaveLength(8)

    expect(await call(workbench, 'sweeps.delete', { id })).toEqual({ deleted: true })
    expect((await call(workbench, 'sweeps.list', {})).sweeps).toEqual([])
  })

  it('continues a sweep its last session left running when the app or serve starts (recover)', async () => {
    const databasePath = join(root, `wb-${++counter}.db`)
    const options = { databasePath, engine: nodeEngineProcessFactory(), sweeps: { executor: executor(60), pollMs: 20 } }
    const first = await createWorkbench(options)
    const { id } = await call(first, 'sweeps.create', { definition: definition({ budget: 5 }), concurrency: 1 })
    await waitFor(async () => (await call(first, 'sweeps.get', { id })).trialList.length >= 2, 'two trials')
    await first.close() // the trial in hand stays `running`, to run again
    wb = await createWorkbench({ ...options, recover: true })
    const updates: string[] = []
    wb.events.on('sweep.updated', (item) => updates.push(item.status))
    const restarted = wb
    // The last event says so (events are coalesced, so it may come a moment after the store).
    await waitFor(() => updates.includes('completed'), 'the recovered sweep to complete')
    const detail = await call(restarted, 'sweeps.get', { id })
    expect(detail.trialList.map((t) => [t.index, t.status])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'completed']))
  })

  it('after a restart continues a trial whose run was left queued, once, as the sweep\'s trial', async () => {
    // What a session killed while a trial's run waited in its run queue leaves behind.
    const databasePath = join(root, `wb-${++counter}.db`)
    const setup = await createWorkbench({ databasePath, engine: nodeEngineProcessFactory() })
    const definition = parseSweep({
      name: 'recovered',
      base: { data: { classes: [0, 1], trainPerClass: 3, testPerClass: 2 }, network: { layers: [{ neurons: 2 }] } },
      space: { 'learning.rate': { values: [0.03] } },
      budget: 1
    })
    const id = setup.store.sweeps.create({ name: 'recovered', method: 'random', budget: 1, definitionJson: JSON.stringify(definition), runner: DEAD_RUNNER })
    setup.store.sweeps.addTrial(id, 0, { 'learning.rate': 0.03 })
    const runId = setup.runs.insert(parseExperimentConfig({ ...definition.base, learning: { rate: 0.03 } }), 'recovered')
    setup.store.sweeps.linkRun(id, 0, runId)
    await setup.close()

    // Real engine processes: the sweep continues the run; the run queue does not start it too.
    wb = await createWorkbench({ databasePath, engine: nodeEngineProcessFactory(), recover: true })
    const restarted = wb
    await waitFor(async () => (await call(restarted, 'sweeps.get', { id })).status !== 'running', 'the recovered sweep to end', 60_000)
    const detail = await call(restarted, 'sweeps.get', { id })
    expect(detail.status).toBe('completed')
    expect(detail.trialList).toMatchObject([{ index: 0, status: 'completed', runId, error: null }])
    expect(detail.trialList[0].objective).toBe(restarted.store.metrics.latest(runId).accuracy)
    expect((await call(restarted, 'runs.list', {})).total).toBe(1)
  })

  it('pause with stopTrials stops the trial in hand (cancelled, reruns on resume); stopTrials must be a boolean', async () => {
    const workbench = await open(300)
    const { id } = await call(workbench, 'sweeps.create', { definition: definition({ budget: 3 }), concurrency: 1 })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).trialList.length === 1, 'a first trial')
    for (const stopTrials of ['yes', 1, null]) {
      const error = await failure(call(workbench, 'sweeps.pause', { id, stopTrials } as never))
      expect(error.code).toBe('invalid-argument')
      expect(error.message).toMatch(/sweeps\.pause: stopTrials:/)
    }
    expect((await call(workbench, 'sweeps.get', { id })).status).toBe('running') // nothing done on bad input
    expect(await call(workbench, 'sweeps.pause', { id, stopTrials: true })).toEqual({ status: 'paused', trialsInHand: 1 })
    await waitFor(async () => !(await call(workbench, 'sweeps.get', { id })).scheduledHere, 'the scheduler to stop')
    expect((await call(workbench, 'sweeps.get', { id })).trialList.map((t) => t.status)).toEqual(['cancelled'])
    await call(workbench, 'sweeps.resume', { id })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).status === 'completed', 'completion')
    expect((await call(workbench, 'sweeps.get', { id })).trialList.map((t) => [t.index, t.status])).toEqual([0, 1, 2].map((i) => [i, 'completed']))
  })

  it('cancels a running sweep: no new trials, the one training is recorded cancelled', async () => {
    const workbench = await open(200)
    const { id } = await call(workbench, 'sweeps.create', { definition: definition({ budget: 5 }), concurrency: 1 })
    await waitFor(async () => (await call(workbench, 'sweeps.get', { id })).trialList.length === 1, 'a first trial')
    expect((await call(workbench, 'sweeps.cancel', { id })).status).toBe('cancelled')
    await waitFor(async () => !(await call(workbench, 'sweeps.get', { id })).scheduledHere, 'the scheduler to stop')
    const detail = await call(workbench, 'sweeps.get', { id })
    expect(detail.status).toBe('cancelled')
    expect(detail.trialList.map((t) => t.status)).toEqual(['cancelled'])
  })
})
