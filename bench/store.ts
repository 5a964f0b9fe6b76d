/**
 * `npx tsx bench/store.ts`: how fast the run store answers what the UI asks most: run list
 * windows (default, filtered by a param value or range, status, experiment, tag, text; sorted
 * by accuracy or a param; a window deep in the list), the filter picker's keys and values, and
 * one run's metric series. Two stores in temp files: 100 runs × 1000 steps × 3 metric keys, and
 * 10,000 runs as the runs-list end-to-end test makes them (tests/helpers/seedRuns.ts: varied
 * configs, 5 experiments, statuses, tags, notes, a few metric points each). Prints the median
 * of 20 timings per query; no assertions. (Recording overhead during training is measured by
 * the engine benchmarks.)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { API_ARGS } from '../src/shared/api'
import { ExperimentConfigSchema } from '../src/shared/config'
import { flattenConfig } from '../src/shared/flatten'
import { RunStore, type RunListQuery } from '../src/main/db'
import { seedRuns } from '../tests/helpers/seedRuns'

const REPEATS = 20
const RATES = [0.005, 0.01, 0.02, 0.05]

const dir = mkdtempSync(join(tmpdir(), 'snn-store-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

function medianMs(work: () => unknown): number {
  const times: number[] = []
  work() // warm the statement cache and the page cache
  for (let i = 0; i < REPEATS; i++) {
    const start = process.hrtime.bigint()
    work()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  return (times[(REPEATS - 1) >> 1] + times[REPEATS >> 1]) / 2
}

const query = (args: Partial<RunListQuery> = {}): RunListQuery => ({ ...API_ARGS['runs.list'].parse({}), ...args })

/** `count` runs with realistic params (the flattened default config), tags and accuracies. */
function fill(store: RunStore, count: number, stepsPerRun: number): number[] {
  const experiments = ['thresholds', 'layer sizes', 'rates'].map((name) => store.experiments.ensure(name))
  const ids: number[] = []
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const config = ExperimentConfigSchema.parse({ name: `run ${i}`, seed: i, learning: { rate: RATES[i % RATES.length] } })
      const id = store.runs.create({
        experimentId: experiments[i % experiments.length],
        name: config.name,
        seed: config.seed,
        preset: config.preset,
        engineVersion: '0.1.0',
        configHash: `hash${i}`,
        configJson: JSON.stringify(config),
        total: stepsPerRun,
        params: flattenConfig(config)
      })
      if (i % 10 === 0) store.tags.add(id, 'baseline')
      if (i % 7 !== 0) store.runs.setAccuracy(id, (i * 37) % 100 / 100) // every 7th has none
      store.runs.setStatus(id, 'completed')
      ids.push(id)
    }
  })
  for (const id of ids) {
    for (let step = 0; step < stepsPerRun; step += 100) {
      const points = []
      for (let s = step; s < step + 100 && s < stepsPerRun; s++) {
        points.push({ key: 'accuracy', step: s, value: Math.random() }, { key: 'threshold', step: s, value: 40 + s / 100 }, { key: 'winner', step: s, value: s % 3 })
      }
      store.metrics.logBatch(id, points)
    }
  }
  return ids
}

function listCases(store: RunStore): [string, () => unknown][] {
  const total = store.runs.list(query({ limit: 1 })).total
  const experimentId = store.experiments.list().at(-1)!.id
  return [
    ['runs.list default (newest 100)', () => store.runs.list(query())],
    ['runs.list param learning.rate = 0.02', () => store.runs.list(query({ params: [{ key: 'learning.rate', value: '0.02' }] }))],
    ['runs.list param 0.01 ≤ learning.rate ≤ 0.05', () => store.runs.list(query({ params: [{ key: 'learning.rate', min: 0.01, max: 0.05 }], columns: ['learning.rate'] }))],
    ['runs.list status failed', () => store.runs.list(query({ status: 'failed' }))],
    ['runs.list one experiment', () => store.runs.list(query({ experimentId }))],
    ['runs.list tag baseline', () => store.runs.list(query({ tag: 'baseline' }))],
    ['runs.list sorted by accuracy', () => store.runs.list(query({ sort: 'accuracy' }))],
    ['runs.list sorted by param learning.rate', () => store.runs.list(query({ sort: 'param', sortParam: 'learning.rate', columns: ['learning.rate'] }))],
    ['runs.list text "lr 0.02"', () => store.runs.list(query({ text: 'lr 0.02' }))],
    ['runs.list window in the middle', () => store.runs.list(query({ offset: Math.floor(total / 2) }))],
    ['runs.list last page', () => store.runs.list(query({ offset: Math.max(0, total - 100) }))],
    ['runs.filterOptions (param keys, tags)', () => store.runs.filterOptions()],
    ['runs.paramValues learning.rate', () => store.runs.paramValues('learning.rate')],
    ['experiments.list (run counts)', () => store.experiments.list()]
  ]
}

const rows: [string, string, number][] = []

let start = performance.now()
const small = new RunStore(join(dir, 'small.db'))
const smallIds = fill(small, 100, 1000)
const smallFillSeconds = (performance.now() - start) / 1000
for (const [name, work] of listCases(small)) rows.push(['100 runs', name, medianMs(work)])
rows.push(['100 runs', 'metrics.series one run (3 × 1000)', medianMs(() => small.metrics.series(smallIds[50]))])
rows.push(['100 runs', 'metrics.latestFor 8 runs', medianMs(() => small.metrics.latestFor(smallIds.slice(0, 8)))])
small.close()

start = performance.now()
const large = new RunStore(join(dir, 'large.db'))
seedRuns(large, 10_000)
const largeFillSeconds = (performance.now() - start) / 1000
for (const [name, work] of listCases(large)) rows.push(['10,000 runs', name, medianMs(work)])
large.close()

const mb = (file: string) => (statSync(join(dir, file)).size / 1e6).toFixed(1)
console.log(`run store, median of ${REPEATS} (ms)`)
console.log(`  filled 100 runs × 3000 points in ${smallFillSeconds.toFixed(1)} s (${mb('small.db')} MB); 10,000 runs in ${largeFillSeconds.toFixed(1)} s (${mb('large.db')} MB)\n`)
const width = Math.max(...rows.map((r) => r[1].length))
console.log(`  ${'store'.padEnd(12)}${'query'.padEnd(width + 2)}ms`)
for (const [store, name, ms] of rows) console.log(`  ${store.padEnd(12)}${name.padEnd(width + 2)}${ms.toFixed(2).padStart(7)}`)
