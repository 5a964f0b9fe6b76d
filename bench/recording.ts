/**
 * Recording overhead: seed-2017, 10 neurons, 1000 training images, a weight snapshot every 100,
 * trained with the run store recording everything (per-image metrics, progress, snapshots)
 * against the engine alone. Both in this process, so the difference is the store's cost.
 * Run: npx tsx bench/recording.ts   (prints figures; goal ≤ 10 % slower)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExperiment } from '../src/engine/experiment/run'
import { loadInputs } from '../src/engine/host/loadInputs'
import { nodeEngineProcessFactory } from '../src/main/engineHost/nodeProcess'
import { trainRecorded } from '../src/main/services/training'
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
}

void main()
