/**
 * The layer skips stretches without input while every neuron rests. Skipping must change
 * nothing: a run that records membrane traces (which disables skipping) and one that does not
 * must give identical spikes, winners and weights, with learning on and off.
 */
import { describe, expect, it } from 'vitest'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import { SampleMonitor } from '../../src/engine/monitors/sampleMonitor'
import { SeedNetwork } from '../../src/engine/network/network'
import { Rng } from '../../src/engine/random'
import { parseExperimentConfig } from '../../src/shared/config'

function trainTwice(overrides: Record<string, unknown>, learn: boolean) {
  const mnist = loadBundledMnist()
  const config = parseExperimentConfig({ steps: 200, network: { layers: [{ neurons: 6 }] }, ...overrides })
  const runs = [false, true].map((withTraces) => {
    const network = new SeedNetwork(config, 28, 28, new Rng(3).split('encoder'))
    const init = new Rng(3)
    network.layers[0].setWeights(Float64Array.from({ length: 6 * 784 }, () => init.uniform(0, 1)))
    const monitor = new SampleMonitor(6, 200, { spikes: true, membraneNeurons: withTraces ? [0, 1, 2, 3, 4, 5] : [] })
    const events: string[] = []
    for (let i = 0; i < 60; i++) {
      network.present(mnist.pixels, i * 784, learn, [monitor])
      const out = network.outputLayer
      events.push(`${out.winner}@${out.winnerStep}:${JSON.stringify(monitor.spikeTimesByNeuron())}`)
    }
    return { events, weights: network.layers[0].getWeights() }
  })
  return runs
}

describe('skipping quiet stretches', () => {
  for (const [name, overrides] of [
    ['variable threshold', {}],
    ['fixed threshold', { threshold: { mode: 'fixed' } }],
    ['stochastic input', { encoder: { kind: 'poisson' } }]
  ] as const) {
    for (const learn of [true, false]) {
      it(`changes nothing (${name}, learning ${learn ? 'on' : 'off'})`, () => {
        const [skipping, stepping] = trainTwice(overrides, learn)
        expect(skipping.events).toEqual(stepping.events)
        expect(Array.from(skipping.weights)).toEqual(Array.from(stepping.weights))
      })
    }
  }
})
