/**
 * The seed-2017 model against the reference implementation's test vectors, through the library
 * (runExperiment) and through the CLI (`train --record`): winners, winner_t, spike counts, spike
 * times and final weights bit-identical; membrane traces within 1e-12.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runExperiment, type PresentationRecord } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { parseExperimentConfig } from '../../src/shared/config'
import { GOLDEN_CASES, goldenConfig, loadGolden, type GoldenCase } from '../helpers/golden'

const CLI = join(__dirname, '..', '..', 'bin', 'snn-workbench.cjs')
const tmp = mkdtempSync(join(tmpdir(), 'snn-golden-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function expectPresentationsMatch(golden: GoldenCase, records: PresentationRecord[]) {
  expect(records).toHaveLength(golden.presentations.length)
  golden.presentations.forEach((want, k) => {
    const got = records[k]
    expect({ k, epoch: got.epoch, image: got.image }).toEqual({ k, epoch: want.epoch, image: want.image })
    expect(got.threshold, `presentation ${k} threshold`).toBe(want.threshold)
    expect(got.winner, `presentation ${k} winner`).toBe(want.winner)
    expect(got.winner_t, `presentation ${k} winner_t`).toBe(want.winner_t)
    expect(got.spike_counts, `presentation ${k} spike counts`).toEqual(want.spike_counts)
    expect(got.spike_times, `presentation ${k} spike times`).toEqual(want.spike_times)
  })
}

function expectWeightsBitIdentical(want: number[][], got: ArrayLike<number> | number[][]) {
  const flatGot = Array.isArray(got) ? (got as number[][]).flat() : Array.from(got)
  const flatWant = want.flat()
  expect(flatGot.length).toBe(flatWant.length)
  let mismatches = 0
  for (let i = 0; i < flatWant.length; i++) if (!Object.is(flatGot[i], flatWant[i])) mismatches++
  expect(mismatches, 'weights differing from the reference').toBe(0)
}

describe.each(GOLDEN_CASES)('golden case %s', (name) => {
  const golden = loadGolden(name)

  it('replays bit-exactly through the library, with traces within 1e-12', () => {
    const config = parseExperimentConfig(goldenConfig(golden))
    const records: PresentationRecord[] = []
    let firstTraces: Float64Array[] | null = null
    const result = runExperiment(config, loadInputs(config), {
      recordSpikeTimes: true,
      traceNeurons: Array.from({ length: golden.params.n }, (_, j) => j),
      onTrace: (_image, traces) => {
        if (!firstTraces) firstTraces = traces.map((t) => t.slice())
      },
      onPresentation: (record) => {
        records.push(record)
      }
    })
    expectPresentationsMatch(golden, records)
    expectWeightsBitIdentical(golden.final_weights, result.layers[0].weights)
    expect(firstTraces).not.toBeNull()
    let worst = 0
    golden.first_image.pot_traces_all.forEach((trace, j) => {
      trace.forEach((v, i) => (worst = Math.max(worst, Math.abs(firstTraces![j][i] - v))))
    })
    expect(worst).toBeLessThan(1e-12)
  })

  it('replays bit-exactly through the CLI (train --record)', () => {
    const configPath = join(tmp, `case_${name}.json`)
    const recordPath = join(tmp, `case_${name}.record.json`)
    writeFileSync(configPath, JSON.stringify(goldenConfig(golden)))
    execFileSync(process.execPath, [CLI, 'train', '--config', configPath, '--record', recordPath, '--out', join(tmp, `run_${name}`), '--json'], {
      encoding: 'utf8'
    })
    const record = JSON.parse(readFileSync(recordPath, 'utf8'))
    expectPresentationsMatch(golden, record.presentations)
    expectWeightsBitIdentical(golden.final_weights, record.final_weights)
    // Weight sums after each presentation are implied by the final weights only at the end; check the last.
    const sums = record.final_weights.map((row: number[]) => row.reduce((a, b) => a + b, 0))
    const lastSums = golden.presentations[golden.presentations.length - 1].weight_sums_after
    sums.forEach((s: number, j: number) => expect(s).toBeCloseTo(lastSums[j], 9))
  })
})
