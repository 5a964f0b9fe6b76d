/**
 * Sweeps end to end on real database files. Most cases drive the real SweepScheduler through
 * the SweepService with a cheap synthetic objective (an injected executor), so methods, pruning,
 * failures, pause/resume/cancel/budget and restarts are checked in milliseconds per trial; the
 * last ones run real sweeps over the seed-2017 model through the CLI, trials training in engine
 * processes, including a CLI killed mid-sweep and resumed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runExperiment } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { RunStore, type TrialRow } from '../../src/main/db'
import { SweepService } from '../../src/main/services/sweepService'
import { createWorkbench, type Workbench } from '../../src/main/services/workbench'
import { PrequentialAccuracy, presentationLabels } from '../../src/main/sweeps/intermediate'
import { RandomSampler } from '../../src/main/sweeps/samplers/random'
import type { TrialExecutor } from '../../src/main/sweeps/scheduler'
import { ApiError } from '../../src/shared/api'
import { parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config'
import { parseSweep, sweepParameters, type SweepDefinitionInput } from '../../src/shared/sweep'

const CLI = resolve(__dirname, '../../bin/snn-workbench.cjs')
const root = mkdtempSync(join(tmpdir(), 'snn-sweeps-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshDir = () => {
  const dir = join(root, `case-${++counter}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

const open: { wb: Workbench; sweeps: SweepService }[] = []
afterEach(async () => {
  for (const { wb, sweeps } of open.splice(0)) {
    await sweeps.close()
    await wb.close()
  }
})

async function openService(databasePath: string, executor?: TrialExecutor): Promise<{ wb: Workbench; sweeps: SweepService }> {
  const wb = await createWorkbench({ databasePath, engine: nodeEngineProcessFactory(), progressIntervalMs: 50 })
  const sweeps = new SweepService(wb.store, wb.runs, wb.events, { executor, pollMs: 20 })
  const opened = { wb, sweeps }
  open.push(opened)
  return opened
}

async function closeService(opened: { wb: Workbench; sweeps: SweepService }): Promise<void> {
  open.splice(open.indexOf(opened), 1)
  await opened.sweeps.close()
  await opened.wb.close()
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}

// ---------------------------------------------------------------------------------------------
// A synthetic objective: a smooth function of two config fields, known optimum.

const SPACE = {
  'learning.rate': { range: [0.001, 0.1], scale: 'log' },
  'neuron.refractorySteps': { range: [0, 60], scale: 'int' }
} satisfies SweepDefinitionInput['space']

/** Best (1) at learning.rate = 0.01, refractorySteps = 30. */
const quality = (config: ExperimentConfig) => 1 - (Math.log10(config.learning.rate) + 2) ** 2 / 2 - ((config.neuron.refractorySteps - 30) / 60) ** 2

const sweepInput = (extra: Partial<SweepDefinitionInput> = {}): SweepDefinitionInput => ({ name: 'synthetic', space: SPACE, method: 'random', budget: 12, seed: 3, ...extra })

interface Recorder {
  executor: TrialExecutor
  /** Trial indices in the order their executions started. */
  started: number[]
  /** Trials executing now, and the most seen at once. */
  running: number
  peak: number
  /** Trials the executor saw stop on a `report` that returned true, with the step. */
  stoppedAt: Map<number, number>
}

/**
 * An executor whose trials "train" 100 steps in `stepMs` slices (0: no timers at all), reporting quality·step/100 at
 * the pruner's steps, and resolve with the quality. `fail(config)` makes a trial throw.
 */
function syntheticExecutor(options: { stepMs?: number; fail?: (config: ExperimentConfig, index: number) => string | null } = {}): Recorder {
  const recorder: Recorder = { executor: null!, started: [], running: 0, peak: 0, stoppedAt: new Map() }
  recorder.executor = async (config, index, report, context) => {
    recorder.started.push(index)
    recorder.peak = Math.max(recorder.peak, ++recorder.running)
    try {
      const q = quality(config)
      const reportAt = new Set(context.reportSteps(100))
      for (let step = 10; step <= 100; step += 10) {
        if (options.stepMs) await sleep(options.stepMs)
        else await Promise.resolve()
        if (context.signal.aborted) throw new Error('aborted')
        const problem = options.fail?.(config, index)
        if (problem && step === 50) throw new Error(problem)
        if (reportAt.has(step) && report(step, (q * step) / 100)) {
          recorder.stoppedAt.set(index, step)
          return Number.NaN
        }
      }
      return q
    } finally {
      recorder.running--
    }
  }
  return recorder
}

/** index → (params, objective) of the finished trials: what two equivalent sweeps must agree on. */
const outcomes = (trials: TrialRow[]) => trials.map((t) => ({ index: t.index, status: t.status, params: t.params, objective: t.objective }))

// ---------------------------------------------------------------------------------------------

describe('the sweep store (migration 2)', () => {
  it('keeps a trial when its run is deleted (run_id → null), deletes trials and reports with their sweep', async () => {
    const { wb } = await openService(join(freshDir(), 'wb.db'))
    const store = wb.store
    const runId = wb.runs.insert(parseExperimentConfig({}), 'sweep runs')
    const id = store.sweeps.create({ name: 's', method: 'random', budget: 3, definitionJson: '{}', runner: 'me' })
    store.sweeps.addTrial(id, 0, { 'learning.rate': 0.01 })
    store.sweeps.linkRun(id, 0, runId)
    store.sweeps.report(id, 0, 10, 0.25)
    store.sweeps.report(id, 0, 20, Number.NaN)
    store.sweeps.report(id, 0, 10, 0.5) // a step reported again replaces its value
    store.sweeps.finishTrial(id, 0, { status: 'completed', objective: 0.75 })
    expect(store.sweeps.trialOfRun(runId)).toMatchObject({ sweepId: id, index: 0, status: 'completed', objective: 0.75, pruned: false })
    expect(store.sweeps.reports(id).get(0)).toEqual({ steps: [10, 20], values: [0.5, Number.NaN] })

    await wb.runs.delete([runId])
    expect(store.sweeps.trial(id, 0)).toMatchObject({ runId: null, objective: 0.75, params: { 'learning.rate': 0.01 } })
    expect(() => store.sweeps.addTrial(id, 0, {})).toThrow(/UNIQUE/)
    expect(() => store.sweeps.setStatus(id, 'sleeping' as never)).toThrow(/CHECK/)

    expect(store.sweeps.delete(id)).toBe(true)
    expect(store.sweeps.trials(id)).toEqual([])
    expect(store.db.prepare('SELECT count(*) FROM trial_reports').pluck().get()).toBe(0)
  })

  it('claims a sweep for one live scheduler at a time, until it lets go', async () => {
    const { wb } = await openService(join(freshDir(), 'wb.db'))
    const id = wb.store.sweeps.create({ name: 's', method: 'random', budget: 1, definitionJson: '{}', runner: 'a@host' })
    expect(wb.store.sweeps.claim(id, 'b@host', (runner) => runner === 'a@host')).toBe('a@host')
    expect(wb.store.sweeps.claim(id, 'b@host', () => false)).toBe('b@host')
    expect(wb.store.sweeps.get(id)?.runner).toBe('b@host')
    // Paused but still finishing its trials: still held. Released: anyone's.
    wb.store.sweeps.setStatus(id, 'paused')
    expect(wb.store.sweeps.claim(id, 'c@host', () => true)).toBe('b@host')
    wb.store.sweeps.release(id, 'a@host') // not the holder: no effect
    expect(wb.store.sweeps.get(id)?.runner).toBe('b@host')
    wb.store.sweeps.release(id, 'b@host')
    expect(wb.store.sweeps.claim(id, 'c@host', () => true)).toBe('c@host')
    expect(wb.store.sweeps.claim(999, 'c@host', () => true)).toBeNull()
  })
})

describe('the scheduler over the store, with a synthetic objective', () => {
  it('runs the budget with up to `concurrency` trials at once, each at its sampler\'s point, objective recorded', async () => {
    const dir = freshDir()
    const recorder = syntheticExecutor({ stepMs: 3 })
    const { sweeps, wb } = await openService(join(dir, 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput(), { concurrency: 3 })
    expect(await sweeps.wait(id)).toBe('completed')
    expect(recorder.peak).toBe(3)

    const detail = sweeps.get(id)
    expect(detail).toMatchObject({ status: 'completed', budget: 12, runner: null, interrupted: false })
    expect(detail.trials).toEqual({ running: 0, completed: 12, pruned: 0, failed: 0, cancelled: 0 })
    const definition = parseSweep(sweepInput())
    const sampler = new RandomSampler(sweepParameters(definition), definition.seed)
    for (const trial of detail.trialList) {
      expect(trial.params).toEqual(sampler.propose(trial.index))
      expect(trial.objective).toBeCloseTo(quality(parseExperimentConfig({ learning: { rate: trial.params['learning.rate'] }, neuron: { refractorySteps: trial.params['neuron.refractorySteps'] } })), 12)
      expect(trial.runId).toBeNull() // synthetic trials train no run
    }
    expect(detail.trialList.map((t) => t.index)).toEqual(Array.from({ length: 12 }, (_, i) => i))
    const best = sweeps.best(id, 3)
    expect(best.map((t) => t.objective)).toEqual([...detail.trialList.map((t) => t.objective!)].sort((a, b) => b - a).slice(0, 3))
    expect(detail.best).toEqual(best[0])
    expect(wb.store.sweeps.get(id)?.finishedAt).not.toBeNull()
  })

  it('minimises when asked, and a grid runs exactly its points whatever the budget', async () => {
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), syntheticExecutor().executor)
    const { id } = sweeps.create(
      sweepInput({
        method: 'grid',
        budget: 100,
        objective: { metric: 'accuracy', direction: 'minimize' },
        space: { 'learning.rate': { values: [0.001, 0.01, 0.1] }, 'neuron.refractorySteps': { range: [29, 31], scale: 'int' } }
      }),
      { concurrency: 2 }
    )
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    expect(trials).toHaveLength(9)
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(9)
    const worst = Math.min(...trials.map((t) => t.objective!))
    expect(sweeps.best(id, 1)[0].objective).toBe(worst)
  })

  it('TPE finds a better point than random search with the same budget (same scheduler)', async () => {
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), syntheticExecutor().executor)
    const bestOf = async (method: 'random' | 'tpe', seed: number) => {
      const { id } = sweeps.create(sweepInput({ method, budget: 30, seed, tpe: { startupTrials: 8, gamma: 0.25, candidates: 24 } }), { concurrency: 1 })
      await sweeps.wait(id)
      return sweeps.best(id, 1)[0].objective!
    }
    let wins = 0
    for (const seed of [1, 2, 3, 4, 5]) if ((await bestOf('tpe', seed)) > (await bestOf('random', seed))) wins++
    expect(wins).toBeGreaterThanOrEqual(4)
  })

  it('records a failed trial with its error and goes on; an invalid combination of values fails only its trial', async () => {
    const recorder = syntheticExecutor({ fail: (config) => (config.neuron.refractorySteps > 45 ? `refractory ${config.neuron.refractorySteps} is too long` : null) })
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 10, space: { ...SPACE, 'learning.wMin': { values: [-1.2, 5] } } }), { concurrency: 2 })
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    expect(trials).toHaveLength(10)
    const failed = trials.filter((t) => t.status === 'failed')
    expect(failed.length).toBeGreaterThan(0)
    expect(trials.filter((t) => t.status === 'completed').length).toBeGreaterThan(0)
    for (const trial of failed) {
      if (trial.params['learning.wMin'] === 5) expect(trial.error).toMatch(/^trial \d+: learning\.wMax: wMax must be greater than wMin$/)
      else expect(trial.error).toBe(`refractory ${trial.params['neuron.refractorySteps']} is too long`)
      expect(trial.objective).toBeNull()
    }
  })

  it('median pruning stops trials below the median of completed ones at the same step, and only those', async () => {
    const recorder = syntheticExecutor()
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 20, earlyStopping: { kind: 'median', startupTrials: 4, warmupSteps: 0, interval: 20 } }), { concurrency: 1 })
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    const pruned = trials.filter((t) => t.status === 'pruned')
    expect(pruned.length).toBeGreaterThan(2)
    // One trial at a time: each pruning decision can be checked against the trials before it.
    for (const trial of trials) {
      const earlier = trials.filter((t) => t.index < trial.index && t.status === 'completed').map((t) => t.objective!)
      if (trial.status === 'pruned') {
        expect(trial.pruned).toBe(true)
        expect(recorder.stoppedAt.get(trial.index)).toBe(trial.prunedStep)
        expect(earlier.length).toBeGreaterThanOrEqual(4)
        // At step s every value is quality·s/100: pruned means below the median quality.
        const sorted = earlier.sort((a, b) => a - b)
        const mid = sorted.length >> 1
        const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        const q = quality(parseExperimentConfig({ learning: { rate: trial.params['learning.rate'] }, neuron: { refractorySteps: trial.params['neuron.refractorySteps'] } }))
        expect(q).toBeLessThan(median)
        expect(trial.prunedStep).toBe(20) // already below at the first report
      } else {
        expect(trial.status).toBe('completed')
        expect(trial.pruned).toBe(false)
      }
    }
  })

  it('ASHA stops trials outside the top 1/η of a rung', async () => {
    const recorder = syntheticExecutor()
    const { sweeps, wb } = await openService(join(freshDir(), 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 18, earlyStopping: { kind: 'asha', minResource: 10, reductionFactor: 3 } }), { concurrency: 1 })
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    const reports = wb.store.sweeps.reports(id)
    expect(sweeps.reports(id)).toEqual(Object.fromEntries(reports))
    const pruned = trials.filter((t) => t.status === 'pruned')
    expect(pruned.length).toBeGreaterThan(6)
    for (const trial of trials) {
      // Rungs at 10 and 30 (90 is a report too); a trial stops at the first rung it fails.
      const steps = reports.get(trial.index)!.steps
      if (trial.status === 'pruned') {
        expect([10, 30, 90]).toContain(trial.prunedStep)
        expect(steps[steps.length - 1]).toBe(trial.prunedStep)
      } else expect(steps).toEqual([10, 30, 90])
      // Judged at rung 10 against every earlier arrival there.
      const value = reports.get(trial.index)!.values[0]
      const there = [value, ...trials.filter((t) => t.index < trial.index).map((t) => reports.get(t.index)!.values[0])].sort((a, b) => b - a)
      const keep = Math.max(1, Math.floor(there.length / 3))
      expect(trial.prunedStep === 10).toBe(value < there[keep - 1])
    }
  })
})

describe('pause, resume, cancel, budget', () => {
  it('pause lets the trials in hand finish and starts no more; resume continues to the budget', async () => {
    const db = join(freshDir(), 'wb.db')
    const recorder = syntheticExecutor({ stepMs: 5 })
    const { sweeps } = await openService(db, recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 10 }), { concurrency: 2 })
    await waitUntil(() => recorder.started.length >= 3, 'three trials to start')
    expect(sweeps.pause(id).status).toBe('paused')
    expect(await sweeps.wait(id)).toBe('paused')
    const atPause = sweeps.get(id)
    expect(atPause.trials.running).toBe(0)
    expect(atPause.trialList.length).toBeLessThan(10)
    const before = recorder.started.length
    await sleep(50)
    expect(recorder.started.length).toBe(before)

    sweeps.resume(id)
    expect(await sweeps.wait(id)).toBe('completed')
    expect(sweeps.get(id).trials.completed).toBe(10)
    expect(new Set(recorder.started).size).toBe(10) // nothing executed twice
  })

  it('pause from another connection (another process) is noticed; so is a budget raised there', async () => {
    const db = join(freshDir(), 'wb.db')
    const recorder = syntheticExecutor({ stepMs: 5 })
    const { sweeps } = await openService(db, recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 6 }), { concurrency: 1 })
    const other = new RunStore(db)
    try {
      other.sweeps.setBudget(id, 8)
      await waitUntil(() => recorder.started.length >= 7, 'the raised budget to be used')
      other.sweeps.setStatus(id, 'paused')
      expect(await sweeps.wait(id)).toBe('paused')
      expect(other.sweeps.get(id)?.runner).toBeNull()
    } finally {
      other.close()
    }
    expect(recorder.started.length).toBeLessThanOrEqual(8)
  })

  it('pausing with stopTrials a sweep already paused (e.g. from another process) still stops the trials in hand', async () => {
    // The CLI's Ctrl+C after a `sweep pause` from another terminal: the trials must not train on.
    const recorder = syntheticExecutor({ stepMs: 200 })
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 6 }), { concurrency: 2 })
    await waitUntil(() => recorder.started.length >= 2, 'two trials to start')
    expect(sweeps.pause(id).status).toBe('paused')
    expect(sweeps.pause(id, { stopTrials: true }).status).toBe('paused')
    expect(await sweeps.wait(id)).toBe('paused')
    const trials = sweeps.get(id).trialList
    expect(trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled'])
    expect(recorder.stoppedAt.size).toBe(0)
  })

  it('cancel stops the trials in hand (recorded cancelled) and the sweep; resume runs them again', async () => {
    const recorder = syntheticExecutor({ stepMs: 20 })
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), recorder.executor)
    const { id } = sweeps.create(sweepInput({ budget: 6 }), { concurrency: 2 })
    await waitUntil(() => recorder.started.length >= 2, 'two trials to start')
    expect(sweeps.cancel(id).status).toBe('cancelled')
    expect(await sweeps.wait(id)).toBe('cancelled')
    const cancelled = sweeps.get(id).trialList.filter((t) => t.status === 'cancelled')
    expect(cancelled.map((t) => t.index)).toEqual([0, 1])
    expect(() => sweeps.cancel(id)).toThrow(ApiError)

    sweeps.resume(id)
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    expect(trials.map((t) => t.status)).toEqual(new Array(6).fill('completed'))
  })

  it('adding budget to a completed sweep pauses it; resume runs the extra trials', async () => {
    const { sweeps } = await openService(join(freshDir(), 'wb.db'), syntheticExecutor().executor)
    const { id } = sweeps.create(sweepInput({ budget: 3 }), { concurrency: 2 })
    expect(await sweeps.wait(id)).toBe('completed')
    expect(sweeps.addBudget(id, 2)).toEqual({ budget: 5, status: 'paused' })
    sweeps.resume(id)
    expect(await sweeps.wait(id)).toBe('completed')
    expect(sweeps.get(id).trialList.map((t) => t.index)).toEqual([0, 1, 2, 3, 4])
    expect(() => sweeps.addBudget(id, 0)).toThrow(/positive integer/)
  })

  it('deletes a sweep that is not running, with its trials', async () => {
    const { sweeps, wb } = await openService(join(freshDir(), 'wb.db'), syntheticExecutor({ stepMs: 5 }).executor)
    const { id } = sweeps.create(sweepInput({ budget: 4 }), { concurrency: 1 })
    expect(() => sweeps.delete(id)).toThrow(`sweep ${id} is being run; pause or cancel it first`)
    sweeps.cancel(id)
    await sweeps.wait(id)
    expect(sweeps.delete(id)).toEqual({ deleted: true })
    expect(wb.store.sweeps.trials(id)).toEqual([])
    expect(() => sweeps.get(id)).toThrow(`sweep ${id} does not exist`)
  })

  it('refuses to resume a sweep another live process is running, and unknown sweeps', async () => {
    const { sweeps, wb } = await openService(join(freshDir(), 'wb.db'), syntheticExecutor({ stepMs: 50 }).executor)
    const { id } = sweeps.create(sweepInput({ budget: 2 }), { concurrency: 1 })
    await sweeps.close()
    // The parent of this test process is alive: as if it were scheduling the sweep.
    const elsewhere = `${process.ppid}@${hostname()}`
    wb.store.sweeps.setRunner(id, elsewhere)
    const other = new SweepService(wb.store, wb.runs, wb.events, { executor: syntheticExecutor().executor })
    expect(() => other.resume(id)).toThrow(`sweep ${id} is being run by process ${elsewhere}; pause it there or wait for it`)
    expect(() => other.resume(999)).toThrow('sweep 999 does not exist')
    await other.close()
  })
})

describe('restarts', () => {
  it('a service closed mid-sweep and a new one on the same file finish the same trials as an uninterrupted sweep, none finished run twice', async () => {
    const input = sweepInput({ budget: 14, seed: 8 })

    const reference = await openService(join(freshDir(), 'wb.db'), syntheticExecutor().executor)
    const { id: refId } = reference.sweeps.create(input, { concurrency: 3 })
    await reference.sweeps.wait(refId)
    const expected = outcomes(reference.sweeps.get(refId).trialList)

    const db = join(freshDir(), 'wb.db')
    const first = syntheticExecutor({ stepMs: 4 })
    const a = await openService(db, first.executor)
    const { id } = a.sweeps.create(input, { concurrency: 3 })
    await waitUntil(() => a.sweeps.get(id).trials.completed >= 5, 'five trials to finish')
    await closeService(a) // as the process ending: trials in hand stay running in the store
    const store = new RunStore(db)
    const left = store.sweeps.trials(id)
    store.close()
    const finishedBefore = left.filter((t) => t.status === 'completed').map((t) => t.index)
    const interrupted = left.filter((t) => t.status === 'running').map((t) => t.index)
    expect(interrupted.length).toBeGreaterThan(0)

    const second = syntheticExecutor()
    const b = await openService(db, second.executor)
    expect(b.sweeps.get(id).interrupted).toBe(true)
    expect(b.sweeps.recover()).toEqual([id])
    expect(await b.sweeps.wait(id)).toBe('completed')
    expect(outcomes(b.sweeps.get(id).trialList)).toEqual(expected)
    // The interrupted trials ran again first; no completed one ran again.
    expect(second.started.slice(0, interrupted.length).sort((x, y) => x - y)).toEqual(interrupted)
    for (const index of finishedBefore) expect(second.started).not.toContain(index)
    expect(new Set(second.started).size).toBe(second.started.length)
  })

  it('TPE, one trial at a time, proposes the same trials after a restart', async () => {
    const input = sweepInput({ method: 'tpe', budget: 16, seed: 4, tpe: { startupTrials: 5, gamma: 0.25, candidates: 24 } })
    const reference = await openService(join(freshDir(), 'wb.db'), syntheticExecutor().executor)
    const { id: refId } = reference.sweeps.create(input, { concurrency: 1 })
    await reference.sweeps.wait(refId)

    const db = join(freshDir(), 'wb.db')
    const a = await openService(db, syntheticExecutor({ stepMs: 3 }).executor)
    const { id } = a.sweeps.create(input, { concurrency: 1 })
    await waitUntil(() => a.sweeps.get(id).trials.completed >= 8, 'eight trials to finish')
    await closeService(a)
    const b = await openService(db, syntheticExecutor().executor)
    b.sweeps.resume(id)
    await b.sweeps.wait(id)
    expect(outcomes(b.sweeps.get(id).trialList)).toEqual(outcomes(reference.sweeps.get(refId).trialList))
  })
})

describe('the intermediate objective of engine trials', () => {
  it('replays the labels of the training images in the order the engine presents them', () => {
    for (const shuffle of ['none', 'once', 'every-epoch'] as const) {
      const config = parseExperimentConfig({ seed: 5, steps: 20, epochs: 2, data: { classes: [0, 1, 2], trainPerClass: 6, testPerClass: 2, shuffle } })
      const seen: number[] = []
      runExperiment(config, loadInputs(config), { onPresentation: (record) => void seen.push(record.label) })
      expect(Array.from(presentationLabels(config)), shuffle).toEqual(seen)
    }
  })

  it('prequential accuracy predicts each image from earlier wins only, over the later half', () => {
    const accuracy = new PrequentialAccuracy()
    // Neuron 0 always wins label 7, neuron 1 label 8; −1: nothing spiked.
    const images: [number, number][] = [
      [7, 0],
      [8, 1],
      [7, 0],
      [8, 1],
      [8, -1],
      [7, 1]
    ]
    for (const [label, winner] of images) accuracy.push(label, winner)
    expect(accuracy.at(2)).toBe(0) // image 2: neuron 1 had no history
    expect(accuracy.at(4)).toBe(1) // images 3–4 right
    expect(accuracy.at(6)).toBe(1 / 3) // images 4–6: right, no winner, wrong label
    expect(accuracy.at(0)).toBeNaN()
  })
})

// ---------------------------------------------------------------------------------------------
// Real sweeps over the seed-2017 model, through the CLI, trials in engine processes.

/** 45 training images of digits 0–2 at T = 100: a trial trains in well under a second. */
const TINY_BASE = { steps: 100, data: { classes: [0, 1, 2], trainPerClass: 15, testPerClass: 5 }, network: { layers: [{ neurons: 3 }] } }

function writeSweep(dir: string, input: Record<string, unknown>): string {
  const path = join(dir, 'sweep.json')
  writeFileSync(path, JSON.stringify(input))
  return path
}

function runCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolvePromise({ status, stdout, stderr })
    })
  })
  return { child, done }
}

describe('real sweeps', () => {
  it('ASHA prunes engine trials on their prequential accuracy and cancels their runs', async () => {
    const { sweeps, wb } = await openService(join(freshDir(), 'wb.db'))
    const { id } = sweeps.create(
      {
        name: 'asha engine',
        base: { ...TINY_BASE, data: { ...TINY_BASE.data, trainPerClass: 100 } },
        space: { 'learning.rate': { range: [0.0005, 0.05], scale: 'log' }, 'threshold.scale': { range: [0.5, 2.5] } },
        method: 'random',
        budget: 5,
        seed: 1,
        earlyStopping: { kind: 'asha', minResource: 30, reductionFactor: 2 }
      },
      // One at a time: which trials reach a rung first, hence which are pruned, is fixed.
      { concurrency: 1 }
    )
    expect(await sweeps.wait(id)).toBe('completed')
    const trials = sweeps.get(id).trialList
    const reports = wb.store.sweeps.reports(id)
    const pruned = trials.filter((t) => t.status === 'pruned')
    expect(pruned.length, JSON.stringify(trials.map((t) => [t.status, reports.get(t.index)]))).toBeGreaterThan(0)
    for (const trial of trials) {
      const run = wb.store.runs.get(trial.runId!)!
      const config = JSON.parse(run.configJson) as ExperimentConfig
      // Every report is the prequential accuracy of the run's recorded winners at a rung.
      const winners = wb.store.metrics.series(run.id, ['train.winner'])[0]
      const labels = presentationLabels(config)
      const accuracy = new PrequentialAccuracy()
      winners.values.forEach((winner, i) => accuracy.push(labels[i], winner))
      const { steps, values } = reports.get(trial.index)!
      steps.forEach((step, i) => {
        expect([30, 60, 120, 240]).toContain(step)
        expect(values[i]).toBeCloseTo(accuracy.at(step), 12)
      })
      if (trial.status === 'pruned') {
        expect(steps[steps.length - 1]).toBe(trial.prunedStep)
        // Its run was cancelled, unless it finished before the cancel reached its engine.
        if (run.status === 'cancelled') expect(run.done).toBeLessThan(run.total)
        else expect(run).toMatchObject({ status: 'completed', done: run.total })
      } else {
        expect(run.status).toBe('completed')
        expect(trial.objective).toBe(run.accuracy)
      }
    }
  })

  it('sweep start trains every trial as a run (experiment = sweep name), then status and best read them back', async () => {
    const dir = freshDir()
    const db = join(dir, 'wb.db')
    const file = writeSweep(dir, {
      name: 'cli sweep',
      base: TINY_BASE,
      space: { 'learning.rate': { range: [0.005, 0.05], scale: 'log' }, 'threshold.scale': { values: [0.8, 1, 1.2] } },
      method: 'sobol',
      budget: 4
    })
    const started = await runCli(['sweep', 'start', '--config', file, '--workers', '2', '--db', db, '--json'], dir).done
    expect(started.status, started.stderr).toBe(0)
    const result = JSON.parse(started.stdout)
    expect(result).toMatchObject({ id: 1, status: 'completed', trials: { completed: 4, failed: 0, pruned: 0 } })

    const store = new RunStore(db)
    try {
      const trials = store.sweeps.trials(1)
      expect(trials).toHaveLength(4)
      for (const trial of trials) {
        const run = store.runs.get(trial.runId!)!
        expect(run).toMatchObject({ status: 'completed', experiment: 'cli sweep', name: `cli sweep #${trial.index}` })
        expect(trial.objective).toBe(run.accuracy)
        const config = JSON.parse(run.configJson) as ExperimentConfig
        expect(config.learning.rate).toBe(trial.params['learning.rate'])
        expect(config.threshold.scale).toBe(trial.params['threshold.scale'])
      }
      expect(result.best[0].objective).toBe(Math.max(...trials.map((t) => t.objective!)))
    } finally {
      store.close()
    }

    const status = await runCli(['sweep', 'status', '1', '--db', db], dir).done
    expect(status.status).toBe(0)
    expect(status.stdout).toMatch(/^sweep 1: cli sweep\nstatus +completed\n/)
    expect(status.stdout).toMatch(/importance from 4 completed trials \(fANOVA/)
    const best = await runCli(['sweep', 'best', '1', '--k', '2', '--db', db, '--json'], dir).done
    expect(JSON.parse(best.stdout).best).toHaveLength(2)
    const missing = await runCli(['sweep', 'status', '7', '--db', db], dir).done
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({ status: 2, stderr: 'error: sweep 7 does not exist\n' })
    const bad = await runCli(['sweep', 'start', '--config', writeSweep(dir, { name: 'x', space: {}, budget: 0 }), '--db', db], dir).done
    expect(bad.status).toBe(2)
    expect(bad.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/space: empty/), expect.stringMatching(/budget: at least 1 trial/)])
  })

  it('a CLI killed mid-sweep: `sweep resume` finishes it without repeating or losing a finished trial', async () => {
    const dir = freshDir()
    const db = join(dir, 'wb.db')
    const input = {
      name: 'killed',
      // ~0.3 s a trial: the moment with two trials finished and the third training must outlast
      // this test's polling even when CI starves it (with one pass a warm trial took ~10 ms, and
      // a starved poll once missed the whole sweep and waited out the test's timeout).
      base: { ...TINY_BASE, epochs: 150, data: { ...TINY_BASE.data, trainPerClass: 40 } },
      space: { 'learning.rate': { range: [0.005, 0.05], scale: 'log' } },
      method: 'random',
      budget: 5,
      seed: 2
    }
    const file = writeSweep(dir, input)
    const { child } = runCli(['sweep', 'start', '--config', file, '--workers', '1', '--db', db], dir)
    const store = new RunStore(db)
    let before: TrialRow[]
    try {
      await waitUntil(() => {
        const trials = store.sweeps.get(1) ? store.sweeps.trials(1) : []
        return trials.filter((t) => t.status === 'completed').length >= 2 && trials.some((t) => t.status === 'running' && t.runId !== null)
      }, 'two finished trials and one training', 45_000)
      child.kill('SIGKILL')
      await new Promise((r) => child.once('close', r))
      before = store.sweeps.trials(1)
    } finally {
      store.close()
    }
    const finished = before.filter((t) => t.status === 'completed')
    const cut = before.find((t) => t.status === 'running')!

    const resumed = await runCli(['sweep', 'resume', '1', '--db', db, '--json'], dir).done
    expect(resumed.status, resumed.stderr).toBe(0)
    const after = new RunStore(db)
    try {
      const trials = after.sweeps.trials(1)
      expect(trials.map((t) => [t.index, t.status])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'completed']))
      // Finished trials kept as they were (same run, same objective); the cut one continued its run.
      for (const f of finished) expect(trials[f.index]).toMatchObject({ runId: f.runId, objective: f.objective, finishedAt: f.finishedAt })
      expect(trials[cut.index].runId).toBe(cut.runId)
      // One run per trial: nothing trained twice.
      expect(after.runs.list({ params: [], sort: 'created', descending: false, offset: 0, limit: 100 }).total).toBe(5)
      const definition = parseSweep(input)
      const sampler = new RandomSampler(sweepParameters(definition), definition.seed)
      for (const t of trials) expect(t.params).toEqual(sampler.propose(t.index))
    } finally {
      after.close()
    }
  })
})
