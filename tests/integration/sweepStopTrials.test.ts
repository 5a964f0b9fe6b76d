/**
 * Pausing a sweep AND stopping its trials in hand from another process (`sweep pause ID
 * --stop-trials`, the app's *Pause now*), on real database files. The sweep is scheduled here by
 * the real SweepScheduler through a SweepService whose executor is a cheap, engine-free stand-in
 * that "trains" in slices and stops when its AbortSignal aborts; the request comes through a
 * SECOND workbench on the same file (as another process would open it), and through the real CLI
 * in a child process (a genuinely other process: this test process is the sweep's live runner).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { TrialRow } from '../../src/main/db'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { createWorkbench, type Workbench } from '../../src/main/services/workbench'
import type { TrialExecutor } from '../../src/main/sweeps/scheduler'
import type { ExperimentConfig } from '../../src/shared/config'
import type { SweepDefinitionInput } from '../../src/shared/sweep'
import { runCli, type CliRun } from '../helpers/cli'

const POLL_MS = 20
/** A stand-in trial takes SLICES × sliceMs: long enough that only a stop ends it within a test. */
const SLICES = 400
const SLOW_SLICE_MS = 25

const root = mkdtempSync(join(realpathSync(tmpdir()), 'snn-sweep-stop-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshDb = () => {
  const dir = join(root, `case-${++counter}`)
  mkdirSync(dir, { recursive: true })
  return join(dir, 'wb.db')
}

const opened: Workbench[] = []
afterEach(async () => {
  for (const wb of opened.splice(0).reverse()) await wb.close()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}

/** Best at learning.rate = 0.01, refractorySteps = 30. */
const quality = (config: ExperimentConfig) => 1 - (Math.log10(config.learning.rate) + 2) ** 2 / 2 - ((config.neuron.refractorySteps - 30) / 60) ** 2

const input = (budget: number): SweepDefinitionInput => ({
  name: 'stop trials',
  space: { 'learning.rate': { range: [0.001, 0.1], scale: 'log' }, 'neuron.refractorySteps': { range: [0, 60], scale: 'int' } },
  method: 'random',
  budget,
  seed: 11
})

interface Trainer {
  executor: TrialExecutor
  /** Milliseconds a slice takes; 0: a trial finishes at once. Changeable between attempts. */
  sliceMs: number
  /** Each attempt in start order: the trial and the run an earlier attempt left it (null: none). */
  attempts: { index: number; runId: number | null }[]
  /** Trials whose signal stopped them mid-training, and trials that trained to the end. */
  aborted: number[]
  finished: number[]
  /** Trials training now. */
  inHand: Set<number>
}

/**
 * A stand-in for an engine trial: it links a real (untrained) run row on its first attempt, as
 * the engine executor does, so a rerun can be seen continuing the same run; then it trains
 * SLICES slices unless its signal aborts, and resolves with the config's quality.
 */
function trainer(workbench: () => Workbench, sliceMs: number): Trainer {
  const t: Trainer = { executor: null!, sliceMs, attempts: [], aborted: [], finished: [], inHand: new Set() }
  t.executor = async (config, index, _report, context) => {
    t.attempts.push({ index, runId: context.runId })
    if (context.runId === null) context.linkRun(workbench().runs.insert(config, 'stop trials'))
    t.inHand.add(index)
    try {
      for (let slice = 0; slice < SLICES && t.sliceMs > 0; slice++) {
        await sleep(t.sliceMs)
        if (context.signal.aborted) {
          t.aborted.push(index)
          throw new Error('aborted')
        }
      }
      t.finished.push(index)
      return quality(config)
    } finally {
      t.inHand.delete(index)
    }
  }
  return t
}

/** A workbench scheduling sweeps with `t`'s executor, polling its sweeps every POLL_MS. */
async function scheduling(databasePath: string, sliceMs: number): Promise<{ wb: Workbench; t: Trainer }> {
  let wb: Workbench | null = null
  const t = trainer(() => wb!, sliceMs)
  wb = await createWorkbench({ databasePath, engine: nodeEngineProcessFactory(), sweeps: { executor: t.executor, pollMs: POLL_MS } })
  opened.push(wb)
  return { wb, t }
}

/** A second workbench on the same file: what another process (the CLI, the app) opens. It schedules nothing. */
async function another(databasePath: string): Promise<Workbench> {
  const wb = await createWorkbench({
    databasePath,
    engine: nodeEngineProcessFactory(),
    sweeps: {
      executor: () => {
        throw new Error('the other process executes no trial')
      }
    }
  })
  opened.push(wb)
  return wb
}

/** What two equivalent sweeps must agree on. */
const outcomes = (trials: TrialRow[]) => trials.map((t) => ({ index: t.index, status: t.status, params: t.params, objective: t.objective }))

async function uninterrupted(budget: number, concurrency: number): Promise<ReturnType<typeof outcomes>> {
  const { wb } = await scheduling(freshDb(), 0)
  const { id } = wb.sweeps.create(input(budget), { concurrency })
  expect(await wb.sweeps.wait(id)).toBe('completed')
  return outcomes(wb.sweeps.get(id).trialList)
}

describe('pause and stop the trials in hand, from another connection', () => {
  it('stops the trials in hand within a few polls (recorded cancelled, sweep paused); resume reruns them, continuing their runs, to the uninterrupted result', async () => {
    const expected = await uninterrupted(6, 2)

    const db = freshDb()
    const { wb, t } = await scheduling(db, SLOW_SLICE_MS)
    const { id } = wb.sweeps.create(input(6), { concurrency: 2 })
    await waitUntil(() => t.inHand.size === 2, 'two trials in hand')
    const inHand = [...t.inHand].sort((a, b) => a - b)

    const other = await another(db)
    const asked = Date.now()
    expect(other.sweeps.pause(id, { stopTrials: true })).toEqual({ status: 'paused', trialsInHand: 2 })
    expect(other.store.sweeps.state(id)).toMatchObject({ status: 'paused', stopTrials: true })
    expect(other.sweeps.isScheduling(id)).toBe(false)

    // A trial takes SLICES × 25 ms = 10 s; stopped, it ends within a few polls of 20 ms.
    await waitUntil(() => t.aborted.length === 2, 'the trials in hand to stop', 2000)
    expect(Date.now() - asked).toBeLessThan(2000)
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted.sort((a, b) => a - b)).toEqual(inHand)
    expect(t.finished).toEqual([])
    const paused = other.sweeps.get(id)
    expect(paused.status).toBe('paused')
    expect(paused.trialList.map((trial) => [trial.index, trial.status])).toEqual(inHand.map((index) => [index, 'cancelled']))
    expect(paused.runner).toBeNull() // the scheduler let go: it can be resumed anywhere
    const runs = new Map(paused.trialList.map((trial) => [trial.index, trial.runId]))

    // Resume: the stopped trials run first, same index and point, continuing their runs.
    t.sliceMs = 0
    const before = t.attempts.length
    wb.sweeps.resume(id)
    expect(wb.store.sweeps.state(id)).toMatchObject({ status: 'running', stopTrials: false })
    expect(await wb.sweeps.wait(id)).toBe('completed')
    const again = t.attempts.slice(before, before + 2).sort((a, b) => a.index - b.index)
    expect(again).toEqual(inHand.map((index) => ({ index, runId: runs.get(index) })))
    expect(again.every((a) => a.runId !== null)).toBe(true)
    expect(outcomes(wb.sweeps.get(id).trialList)).toEqual(expected)
    // No finished trial ran twice: two attempts for each stopped trial, one for the others.
    expect(t.attempts.length).toBe(6 + 2)
  })

  it('a plain pause from the other connection still lets the trial in hand finish', async () => {
    const db = freshDb()
    const { wb, t } = await scheduling(db, 2) // 400 × 2 ms ≈ 0.8 s: long enough to poll many times meanwhile
    const { id } = wb.sweeps.create(input(4), { concurrency: 1 })
    await waitUntil(() => t.inHand.size === 1, 'a trial in hand')

    const other = await another(db)
    expect(other.sweeps.pause(id)).toEqual({ status: 'paused', trialsInHand: 1 })
    expect(other.store.sweeps.state(id)).toMatchObject({ status: 'paused', stopTrials: false })
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted).toEqual([])
    expect(t.finished).toEqual([0])
    expect(other.sweeps.get(id).trialList.map((trial) => trial.status)).toEqual(['completed'])
  })

  it('clears the request on resume: a later plain pause lets the trials finish', async () => {
    const db = freshDb()
    const { wb, t } = await scheduling(db, SLOW_SLICE_MS)
    const { id } = wb.sweeps.create(input(5), { concurrency: 1 })
    await waitUntil(() => t.inHand.size === 1, 'a trial in hand')
    const other = await another(db)
    other.sweeps.pause(id, { stopTrials: true })
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted).toEqual([0])
    // Paused with nothing training any more: there is nothing to stop, and nobody holds it.
    expect(() => other.sweeps.pause(id, { stopTrials: true })).toThrow(`sweep ${id} is paused and no process is training its trials; nothing to stop`)

    t.sliceMs = 2
    wb.sweeps.resume(id)
    expect(other.store.sweeps.state(id)).toMatchObject({ status: 'running', stopTrials: false })
    await waitUntil(() => t.inHand.size === 1, 'the rerun trial in hand')
    other.sweeps.pause(id)
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted).toEqual([0]) // only the first, stopped on request
    expect(t.finished).toEqual([0])
    expect(other.sweeps.get(id).trialList.map((trial) => trial.status)).toEqual(['completed'])
  })

  it('stops the trials of a sweep paused earlier whose scheduler is still training them (this process)', async () => {
    const db = freshDb()
    const { wb, t } = await scheduling(db, SLOW_SLICE_MS)
    const { id } = wb.sweeps.create(input(4), { concurrency: 2 })
    await waitUntil(() => t.inHand.size === 2, 'two trials in hand')
    const other = await another(db)
    other.sweeps.pause(id)
    await sleep(10 * POLL_MS)
    expect(t.inHand.size).toBe(2) // the plain pause was noticed; the trials train on
    expect(wb.sweeps.isScheduling(id)).toBe(true)
    // The stop request on the paused row is picked up by the next poll.
    wb.store.sweeps.requestPause(id, true)
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted.sort()).toEqual([0, 1])
    expect(wb.sweeps.get(id).trialList.map((trial) => trial.status)).toEqual(['cancelled', 'cancelled'])
  })
})

describe('sweep pause ID [--stop-trials] (the CLI in another process)', () => {
  const context = (r: CliRun) => `exit ${r.status}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`
  const expectError = (r: CliRun, message: string | RegExp) => {
    expect(r.status, context(r)).toBe(2)
    expect(r.stdout, context(r)).toBe('')
    const lines = r.stderr.split('\n').filter(Boolean)
    expect(lines, context(r)).toHaveLength(1)
    if (typeof message === 'string') expect(lines[0]).toBe(`error: ${message}`)
    else expect(lines[0]).toMatch(message)
  }

  it('pauses (trials finish), then stops the trials in hand of the sweep this process runs; refuses bad input with exit 2', async () => {
    const db = freshDb()
    const { wb, t } = await scheduling(db, SLOW_SLICE_MS)
    const { id } = wb.sweeps.create(input(4), { concurrency: 2 })
    await waitUntil(() => t.inHand.size === 2, 'two trials in hand')
    const cli = (...args: string[]) => runCli(['sweep', ...args, '--db', db], root)

    expectError(await cli('pause', String(id), '--stop-trial'), /^error: Unknown option '--stop-trial'/)
    expectError(await cli('cancel', String(id), '--stop-trials'), /^error: Unknown option '--stop-trials'/)
    expectError(await cli('pause', '999', '--stop-trials'), 'sweep 999 does not exist')
    expect(t.inHand.size).toBe(2)

    const plain = await cli('pause', String(id))
    expect(plain.status, context(plain)).toBe(0)
    expect(plain.stdout.trim()).toBe(`sweep ${id} paused; the trials in hand (2) finish first (to stop them now: snn-workbench sweep pause ${id} --stop-trials)`)
    await sleep(10 * POLL_MS)
    expect(t.inHand.size).toBe(2)
    expect(t.aborted).toEqual([])

    // Paused already, its trials still training here: --stop-trials stops them.
    const stop = await cli('pause', String(id), '--stop-trials')
    expect(stop.status, context(stop)).toBe(0)
    expect(stop.stdout.trim()).toBe(`sweep ${id} paused; its 2 trials in hand stop within seconds and run again on resume (snn-workbench sweep resume ${id})`)
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted.sort()).toEqual([0, 1])
    expect(t.finished).toEqual([])
    expect(wb.sweeps.get(id).trialList.map((trial) => trial.status)).toEqual(['cancelled', 'cancelled'])

    // Nothing training any more: a clear error, exit 2.
    expectError(await cli('pause', String(id), '--stop-trials'), `sweep ${id} is paused and no process is training its trials; nothing to stop`)
    expectError(await cli('pause', String(id)), `sweep ${id} is paused; only a running sweep can be paused`)

    t.sliceMs = 0
    wb.sweeps.resume(id)
    expect(await wb.sweeps.wait(id)).toBe('completed')
    expect(wb.sweeps.get(id).trials.completed).toBe(4)
  })

  it('--json says what was asked and how many trials were in hand', async () => {
    const db = freshDb()
    const { wb, t } = await scheduling(db, SLOW_SLICE_MS)
    const { id } = wb.sweeps.create(input(3), { concurrency: 1 })
    await waitUntil(() => t.inHand.size === 1, 'a trial in hand')
    const r = await runCli(['sweep', 'pause', String(id), '--stop-trials', '--json', '--db', db], root)
    expect(r.status, context(r)).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ id, stopTrials: true, status: 'paused', trialsInHand: 1 })
    expect(await wb.sweeps.wait(id)).toBe('paused')
    expect(t.aborted).toEqual([0])
  })
})
