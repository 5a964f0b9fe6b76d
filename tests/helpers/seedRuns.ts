/**
 * Fills a run store with many realistic runs straight through RunStore (no engine): real
 * configs parsed by the schema with varied learning rates, layer sizes, thresholds and classes,
 * their flattened params, a few metric points each, statuses, accuracies, tags, notes, and
 * several experiments (one named like a sweep). Deterministic: run i is always the same. Used
 * by the runs-list end-to-end test and bench/store.ts.
 */
import { ExperimentConfigSchema } from '../../src/shared/config'
import { flattenConfig } from '../../src/shared/flatten'
import type { RunStatus } from '../../src/shared/api'
import type { RunStore } from '../../src/main/db'

export const SEED_EXPERIMENTS = ['thresholds', 'layer sizes', 'learning rates', 'sweep lr-tpe', 'digits 0-4'] as const
export const SEED_RATES = [0.005, 0.01, 0.02, 0.05, 0.1] as const
const NEURONS = [3, 5, 10, 20, 50, 100]
const DIVISORS = [2, 3, 4]
const CLASSES = [[0, 1, 2], [0, 1, 2, 3, 4], [3, 8]]

/** Accuracy shaped like a real sweep's: best near rate 0.02, better with more neurons, some noise. */
function seededAccuracy(i: number, rate: number, neurons: number): number {
  const byRate = 0.8 - 0.09 * Math.abs(Math.log10(rate / 0.02)) ** 2 * 4
  const byNeurons = 0.05 * Math.log10(neurons)
  const noise = (((i * 7919) % 1000) / 1000 - 0.5) * 0.08
  return Math.round(1000 * Math.min(0.97, Math.max(0.3, byRate + byNeurons + noise))) / 1000
}

/** What run i looks like; the e2e test uses it to know how many runs a filter should find. */
export function seededRun(i: number) {
  // Not in step with the experiment (i % 5): every experiment has every rate.
  const rate = SEED_RATES[(i + Math.floor(i / SEED_EXPERIMENTS.length)) % SEED_RATES.length]
  const neurons = NEURONS[Math.floor(i / 5) % NEURONS.length]
  const status: RunStatus = i % 50 === 7 ? 'failed' : i % 50 === 13 ? 'cancelled' : 'completed'
  return {
    experiment: SEED_EXPERIMENTS[i % SEED_EXPERIMENTS.length],
    rate,
    neurons,
    status,
    // Every 11th run has no accuracy (failed before evaluating, or evaluation off).
    accuracy: status === 'completed' && i % 11 !== 0 ? seededAccuracy(i, rate, neurons) : null,
    tags: [...(i % 10 === 0 ? ['baseline'] : []), ...(i % 97 === 0 ? ['paper'] : [])]
  }
}

export function seedRuns(store: RunStore, count: number, options: { metricSteps?: number } = {}): number[] {
  const metricSteps = options.metricSteps ?? 5
  const experimentIds = new Map(SEED_EXPERIMENTS.map((name) => [name, store.experiments.ensure(name)]))
  const ids: number[] = []
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const run = seededRun(i)
      const config = ExperimentConfigSchema.parse({
        name: `${run.experiment} #${i} lr ${run.rate}`,
        seed: i,
        network: { layers: [{ neurons: run.neurons }] },
        threshold: { divisor: DIVISORS[i % DIVISORS.length] },
        data: { classes: CLASSES[i % CLASSES.length] },
        learning: { rate: run.rate }
      })
      const total = 90
      const id = store.runs.create({
        experimentId: experimentIds.get(run.experiment)!,
        name: config.name,
        seed: config.seed,
        preset: config.preset,
        engineVersion: '0.1.0',
        configHash: `seed-${i}`,
        configJson: JSON.stringify(config),
        total,
        params: flattenConfig(config)
      })
      store.runs.setStatus(id, run.status, run.status === 'failed' ? { error: 'engine process exited (code 1)' } : {})
      store.runs.setProgress(id, run.status === 'completed' ? total : (i * 7) % total, total)
      store.runs.setAccuracy(id, run.accuracy)
      for (const tag of run.tags) store.tags.add(id, tag)
      if (i % 25 === 0) store.notes.set(id, `checked the weight gallery of run ${i}: clean digit strokes`)
      const points = []
      for (let s = 1; s <= metricSteps; s++) {
        const step = Math.round((s * total) / metricSteps)
        points.push({ key: 'train.accuracy', step, value: (run.accuracy ?? 0.3) * (s / metricSteps) }, { key: 'spikes.per.image', step, value: 20 + (i % 13) + s })
      }
      if (points.length) store.metrics.logBatch(id, points)
      ids.push(id)
    }
  })
  return ids
}
