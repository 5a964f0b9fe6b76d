/**
 * Recording overhead: seed-2017, 10 neurons, 1000 training images, a weight snapshot every 100,
 * trained with the run store recording everything (per-image metrics, progress, snapshots)
 * against the engine alone. Both in this process, so the difference is the store's cost.
 * Then the metric writes alone: one sweep trial's per-image metrics (1,800 images × 2 keys) in
 * batches of 200, as an engine's progress messages bring them.
 * Run: npx tsx bench/recording.ts   (prints figures; goal ≤ 10 % slower)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExperiment } from '../src/engine/experiment/run'
import { loadInputs } from '../src/engine/host/loadInputs'
import { nodeEngineProcessFactory } from '../src/main/engineHost/nodeProcess'
import { trainRecorded } from '../src/main/services/training'
import { RunStore } from '../src/main/db'
import type { MetricPoint } from '../src/shared/engineProtocol'
import { createWorkbench } from '../src/main/services/workbench'
import { parseExperimentConfig } from '../src/shared/config'

const config = parseExperimentConfig({
  name: 'recording-overhead',
  steps: 200,
  snapshotEvery: 100,
  network: { layers: [{ neurons: 10 }] },
  data: { classes: 'all', trainPerClass: 100, testPerClass: 0 },
  evaluation: { enabled: false }
})
const data = loadInputs(config)
const REPEATS = 5

async function timeRecorded(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'snn-bench-rec-'))
  const workbench = await createWorkbench({ databasePath: join(dir, 'wb.db'), engine: nodeEngineProcessFactory() })
  try {
    const t0 = performance.now()
    await trainRecorded(workbench, config, data)
    return performance.now() - t0
  } finally {
    await workbench.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function timeAlone(): number {
  const t0 = performance.now()
  runExperiment(config, data)
  return performance.now() - t0
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]

/** Milliseconds to log 3,600 metric points (a 1,800-image trial) in batches of 200 (median). */
function timeMetricWrites(): number {
  const dir = mkdtempSync(join(tmpdir(), 'snn-bench-metrics-'))
  const store = new RunStore(join(dir, 'wb.db'))
  try {
    const experimentId = store.experiments.ensure('bench')
    const times: number[] = []
    for (let r = 0; r < REPEATS; r++) {
      const runId = store.runs.create({ experimentId, name: 'metrics', seed: 1, preset: 'seed-2017', engineVersion: '0', configHash: '0', configJson: '{}', total: 1800, params: {} })
      const started = performance.now()
      for (let batch = 0; batch < 18; batch++) {
        const points: MetricPoint[] = []
        for (let i = 1; i <= 100; i++) {
          const step = batch * 100 + i
          points.push({ key: 'train.spikes', step, value: (step * 7) % 13 }, { key: 'train.winner', step, value: step % 3 })
        }
        store.metrics.logBatch(runId, points)
      }
      times.push(performance.now() - started)
    }
    return median(times)
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  timeAlone() // warm-up
  const alone: number[] = []
  const recorded: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    alone.push(timeAlone())
    recorded.push(await timeRecorded())
  }
  const a = median(alone)
  const r = median(recorded)
  console.log(`seed-2017, 10 neurons, 1000 training images, snapshot every 100, median of ${REPEATS}`)
  console.log(`engine alone        ${a.toFixed(0)} ms`)
  console.log(`with the run store  ${r.toFixed(0)} ms`)
  console.log(`overhead            ${(((r - a) / a) * 100).toFixed(1)} % (goal ≤ 10 %)`)
  console.log(`metric writes of one 1,800-image trial (3,600 points, batches of 200): ${timeMetricWrites().toFixed(1)} ms`)
}

void main()
