/**
 * `evaluate --run ID` through the real CLI over a real SQLite file: a recorded run's network is
 * rebuilt from its snapshot (weights, encoder state, diehl-cook-2015's θ and the rest of its
 * state) and evaluated with learning off. Without --test-range it reproduces the run's recorded
 * evaluation exactly, for both presets; --test-range evaluates a held-out range exactly as a run
 * trained with that testRange evaluated itself; mistakes are one `error: …` line and exit 2, and
 * the database is never written.
 */

import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseExperimentConfig } from '../../src/shared/config'
import type { EvaluationPayload } from '../../src/shared/engineProtocol'
import { nodeEngineProcessFactory } from '../../src/main/engineHost/nodeProcess'
import { createWorkbench } from '../../src/main/services/workbench'
import { formatEvaluation } from '../../src/cli/terminal'
import { expectOneError as expectCliError, runCli, type CliRun } from '../helpers/cli'

// realpath: on macOS tmpdir() is a symlink, and the CLI prints paths resolved from its cwd.
const DIR = mkdtempSync(join(realpathSync(tmpdir()), 'snn-cli-evaluate-run-'))
const DB = join(DIR, 'wb.db')
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

// seed-2017: 24 training images picked per class (the first 8 of each of 0, 1, 2), 15 test images.
const SEED = { name: 'seed', seed: 3, steps: 100, snapshotEvery: 10, network: { layers: [{ neurons: 4 }] }, data: { classes: [0, 1, 2], trainPerClass: 8, testPerClass: 5 } }
// diehl-cook-2015 (Poisson input from the encoder's stream, adaptive θ), shortened: 10 neurons, 20 images.
const dc = (testRange: [number, number]) => ({
  name: 'dc',
  preset: 'diehl-cook-2015',
  seed: 5,
  snapshotEvery: 10,
  network: { layers: [{ neurons: 10 }] },
  data: { trainRange: [0, 20], testRange },
  diehlCook: { present: 100, rest: 50 }
})
writeFileSync(join(DIR, 'seed.json'), JSON.stringify(SEED))
writeFileSync(join(DIR, 'dc.json'), JSON.stringify(dc([20, 40])))
// The same training with another test range: what `evaluate --run --test-range 40 70` must reproduce.
writeFileSync(join(DIR, 'dc-40-70.json'), JSON.stringify(dc([40, 70])))

const cli = (...args: string[]): Promise<CliRun> => runCli(args.includes('--db') ? args : [...args, '--db', DB], DIR)
/** Exit 2 and one `error: …` line. */
const expectOneError = (r: CliRun, message: string | RegExp) => expectCliError(r, 2, message)
const context = (r: CliRun) => `exit ${r.status}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`

interface Trained {
  runId: number
  classLabels: number[]
  evaluation: EvaluationPayload
}

interface Evaluated extends Trained {
  step: number
  testRange: [number, number] | null
}

function jsonOf<T>(r: CliRun): T {
  expect(r.status, context(r)).toBe(0)
  expect(r.stderr, context(r)).toBe('')
  const lines = r.stdout.split('\n').filter(Boolean)
  expect(lines, context(r)).toHaveLength(1)
  return JSON.parse(lines[0]) as T
}


let seed: Trained
let dcRun: Trained
let dc4070: Trained

beforeAll(async () => {
  // One after another: run ids 1, 2, 3 in this order.
  seed = jsonOf<Trained>(await cli('train', '--config', 'seed.json', '--json'))
  dcRun = jsonOf<Trained>(await cli('train', '--config', 'dc.json', '--json'))
  dc4070 = jsonOf<Trained>(await cli('train', '--config', 'dc-40-70.json', '--json', '--out', 'runs/dc-40-70'))
}, 120_000)

describe('evaluate --run reproduces the recorded evaluation', () => {
  it('seed-2017: same accuracy, predictions and labels, at the final snapshot', async () => {
    const result = jsonOf<Evaluated>(await cli('evaluate', '--run', String(seed.runId), '--json'))
    expect(result.runId).toBe(seed.runId)
    expect(result.step).toBe(24)
    expect(result.testRange).toBeNull()
    expect(result.classLabels).toEqual([0, 1, 2])
    expect(result.evaluation.testSamples).toBe(15)
    expect(result.evaluation.accuracy).toBe(seed.evaluation.accuracy)
    expect(result.evaluation.predicted).toEqual(seed.evaluation.predicted)
    expect(result.evaluation).toEqual(seed.evaluation)
  })

  it('diehl-cook-2015: the same Poisson input and θ give the same evaluation, bit for bit', async () => {
    const result = jsonOf<Evaluated>(await cli('evaluate', '--run', String(dcRun.runId), '--json'))
    expect(result.step).toBe(20)
    expect(result.testRange).toEqual([20, 40])
    expect(result.classLabels).toEqual(dcRun.classLabels)
    expect(result.evaluation.accuracy).toBe(dcRun.evaluation.accuracy)
    expect(result.evaluation.predicted).toEqual(dcRun.evaluation.predicted)
    expect(result.evaluation).toEqual(dcRun.evaluation)
  })

  it('prints the run, step and test range, then the same table as evaluate; writes nothing', async () => {
    const before = readFileSync(DB)
    const r = await cli('evaluate', '--run', String(dcRun.runId))
    expect(r.status, context(r)).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(
      `run ${dcRun.runId} at snapshot step 20, test images [20, 40) (the run's own), learning off\n${formatEvaluation(dcRun.evaluation, dcRun.classLabels)}\n`
    )
    expect(readFileSync(DB).equals(before), 'the database file is unchanged').toBe(true)
  })

  it('--snapshot STEP evaluates the network as it was at that step', async () => {
    const result = jsonOf<Evaluated>(await cli('evaluate', '--run', String(dcRun.runId), '--snapshot', '10', '--json'))
    expect(result.step).toBe(10)
    expect(result.evaluation.testSamples).toBe(20)
    // Ten images less training (and another θ): not the final network's responses.
    expect(result.evaluation.responses).not.toEqual(dcRun.evaluation.responses)
  })
})

describe('evaluate --run --test-range FIRST END', () => {
  it('diehl-cook-2015: equals the evaluation of the same training run with data.testRange [40, 70)', async () => {
    // The test range does not change training: both runs are the same network.
    expect(dc4070.evaluation.neuronLabels).toEqual(dcRun.evaluation.neuronLabels)
    const result = jsonOf<Evaluated>(await cli('evaluate', '--run', String(dcRun.runId), '--test-range', '40', '70', '--json'))
    expect(result.testRange).toEqual([40, 70])
    expect(result.evaluation.testSamples).toBe(30)
    expect(result.classLabels).toEqual(dc4070.classLabels)
    expect(result.evaluation.accuracy).toBe(dc4070.evaluation.accuracy)
    expect(result.evaluation).toEqual(dc4070.evaluation)
  })

  it('seed-2017: labels from the run\'s own training images, the named images tested', async () => {
    const result = jsonOf<Evaluated>(await cli('evaluate', '--run', String(seed.runId), '--test-range', '200', '260', '--json'))
    expect(result.testRange).toEqual([200, 260])
    // Classes 0, 1, 2 only: the images of [200, 260) with those labels.
    const config = parseExperimentConfig(SEED, 'seed')
    expect(config.data.classes).toEqual([0, 1, 2])
    expect(result.evaluation.testSamples).toBeGreaterThan(0)
    expect(result.evaluation.testSamples).toBeLessThan(60)
    expect(result.evaluation.predicted).toHaveLength(result.evaluation.testSamples)
    // Labelling is the run's own: same training images, same network.
    expect(result.evaluation.neuronLabels).toEqual(seed.evaluation.neuronLabels)
    expect(result.evaluation.responses).toEqual(seed.evaluation.responses)
    expect(result.evaluation.trainAccuracy).toBe(seed.evaluation.trainAccuracy)
  })
})

describe('evaluate --run: mistakes are one line and exit 2', () => {
  it('an unknown run', async () => {
    expectOneError(await cli('evaluate', '--run', '999'), 'run 999 does not exist')
  })

  it('a run without a complete snapshot (running, before its first one)', async () => {
    // What the CLI's train records before the first snapshot arrives.
    const wb = await createWorkbench({ databasePath: DB, engine: nodeEngineProcessFactory(), recover: false })
    let id: number
    try {
      id = wb.runs.insert(parseExperimentConfig(SEED, 'seed'), 'Default', 'running')
    } finally {
      await wb.close()
    }
    expectOneError(await cli('evaluate', '--run', String(id)), `run ${id} (running) has no complete snapshot yet: there is no recorded network to evaluate`)
  })

  it('a snapshot step the run does not have', async () => {
    expectOneError(await cli('evaluate', '--run', String(dcRun.runId), '--snapshot', '15'), `run ${dcRun.runId} has no complete snapshot at step 15 (it has: 10, 20)`)
  })

  it('--run with --config or --weights', async () => {
    expectOneError(
      await cli('evaluate', '--run', '1', '--config', 'dc.json'),
      "--run ID takes no --config: it evaluates the run's recorded network with its own config (--config and --weights evaluate a weights file)"
    )
    expectOneError(
      await cli('evaluate', '--run', '1', '--config', 'dc.json', '--weights', 'w.csv'),
      "--run ID takes no --config or --weights: it evaluates the run's recorded network with its own config (--config and --weights evaluate a weights file)"
    )
  })

  it('a test range that is not two integers 0 ≤ FIRST < END', async () => {
    const expected = (given: string) => `--test-range ${given}: expected two integers FIRST END with 0 ≤ FIRST < END (the source images [FIRST, END))`
    const cases: [string[], string][] = [
      [['8000'], '8000'],
      [['8000', '--json'], '8000'],
      [['a', '10'], 'a 10'],
      [['-5', '10'], '-5 10'],
      [['1.5', '10'], '1.5 10'],
      [['300', '300'], '300 300'],
      [['300', '200'], '300 200']
    ]
    // Concurrent: each is a CLI start-up and nothing more.
    const results = await Promise.all(cases.map(([range]) => cli('evaluate', '--run', '1', '--test-range', ...range)))
    results.forEach((r, i) => expectOneError(r, expected(cases[i][1])))
  })

  it("a test range past the end of the run's source", async () => {
    expectOneError(
      await cli('evaluate', '--run', String(dcRun.runId), '--test-range', '9000', '10001'),
      /^test range \[9000, 10001\): goes past the end of .* \(10000 images\)$/
    )
  })

  it("a test range overlapping the run's training range names both", async () => {
    expectOneError(
      await cli('evaluate', '--run', String(dcRun.runId), '--test-range', '10', '30'),
      `test range [10, 30) overlaps run ${dcRun.runId}'s training range [0, 20): a held-out evaluation never tests on training images`
    )
    // Per-class training selection: the training images themselves, wherever they are.
    expectOneError(
      await cli('evaluate', '--run', String(seed.runId), '--test-range', '0', '10'),
      new RegExp(`^test range \\[0, 10\\) overlaps run ${seed.runId}'s training images \\(24 images within \\[\\d+, \\d+\\)\\): a held-out evaluation never tests on training images$`)
    )
  })

  it('a database that is not there is not created', async () => {
    const missing = join(DIR, 'none.db')
    expectOneError(await cli('evaluate', '--run', '1', '--db', missing), `--db ${missing}: no run database there`)
    expect(() => readFileSync(missing)).toThrow()
  })

  it('evaluate --config --weights of a diehl-cook-2015 run: weights alone are not the network', async () => {
    // The weights the run's own train wrote.
    expectOneError(
      await runCli(['evaluate', '--config', 'dc.json', '--weights', 'runs/dc/weights.csv'], DIR),
      'runs/dc/weights.csv: evaluating weights needs a seed-2017 config; this one is diehl-cook-2015, whose network is more than its weights (adaptive thresholds θ): evaluate a recorded run instead with: snn-workbench evaluate --run ID'
    )
  })
})
