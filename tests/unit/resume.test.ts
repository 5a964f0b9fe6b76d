/** Continuing from a snapshot gives exactly the run that never stopped. */
import { describe, expect, it } from 'vitest'
import { runExperiment, type WeightSnapshot } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { parseExperimentConfig } from '../../src/shared/config'

describe('resume from a snapshot', () => {
  for (const [name, overrides] of [
    ['deterministic code, one shuffle', {}],
    ['Bernoulli code, a new shuffle every epoch', { encoder: { kind: 'bernoulli' }, data: { shuffle: 'every-epoch', trainPerClass: 8, testPerClass: 2 } }]
  ] as const) {
    it(`matches an uninterrupted run (${name})`, () => {
      const config = parseExperimentConfig({
        steps: 100,
        epochs: 2,
        snapshotEvery: 5,
        network: { layers: [{ neurons: 4 }] },
        data: { trainPerClass: 8, testPerClass: 2 },
        ...overrides
      })
      const data = loadInputs(config)
      const snapshots: WeightSnapshot[] = []
      const full = runExperiment(config, data, { onSnapshot: (s) => snapshots.push(s) })
      // Resume from a snapshot in the middle of the second epoch (48 images in all).
      const from = snapshots.find((s) => s.step === 30)!
      expect(from).toBeDefined()
      const resumed = runExperiment(config, { ...data, resume: { step: from.step, layers: from.layers, rng: from.rng } })
      expect(resumed.presented).toBe(full.presented)
      expect(Array.from(resumed.layers[0].weights)).toEqual(Array.from(full.layers[0].weights))
      expect(resumed.evaluation).toEqual(full.evaluation)
      // And a resume from the start of training is a plain run.
      const fromStart = snapshots.find((s) => s.step === 5)!
      const early = runExperiment(config, { ...data, resume: { step: fromStart.step, layers: fromStart.layers, rng: fromStart.rng } })
      expect(Array.from(early.layers[0].weights)).toEqual(Array.from(full.layers[0].weights))
    })
  }
})
