import { readFileSync } from 'node:fs'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { WinnerTakeAll } from '../../src/engine/inhibition/winnerTakeAll'
import { SeedStdp } from '../../src/engine/learning/seedStdp'
import { SampleMonitor } from '../../src/engine/monitors/sampleMonitor'
import { Layer } from '../../src/engine/network/layer'
import { SeedNetwork } from '../../src/engine/network/network'
import { SeedLifNeurons } from '../../src/engine/neurons/seedLif'
import type { NeuronGroup } from '../../src/engine/neurons/types'
import { Rng } from '../../src/engine/random'
import { parseExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'

interface GoldenCase {
  images: { pixels: number[][] }[]
  initial_weights: number[][]
  first_image: { pot_trace_neuron0: number[]; pot_traces_all: number[][] }
  presentations: { threshold: number; winner: number; winner_t: number; spike_counts: number[]; spike_times: number[][]; train_max_simultaneous: number }[]
}

const golden = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/golden/case_A.json'), 'utf8')) as GoldenCase
/** The six case-A images back to back (28×28 each). */
const IMAGES = Uint8Array.from(golden.images.flatMap((img) => img.pixels.flat()))
const IMAGE_SIZE = 784
const imageCount = golden.images.length

/** Golden case A's setup: n = 3, T = 150, fixed threshold 50, seed-2017 defaults otherwise. */
const CASE_A: ExperimentConfigInput = { steps: 150, threshold: { mode: 'fixed' }, network: { layers: [{ neurons: 3 }] } }

function network(input: ExperimentConfigInput, seed = 1): SeedNetwork {
  return new SeedNetwork(parseExperimentConfig(input), 28, 28, new Rng(seed).split('encoder'))
}

/** Uniform [0, high) weights for every layer from a seeded generator (layer-wise streams). */
function initWeights(net: SeedNetwork, seed: number, high = 1): void {
  const root = new Rng(seed)
  net.layers.forEach((layer, l) => {
    const rng = root.split(`init-${l}`)
    layer.setWeights(Float64Array.from({ length: layer.size * layer.inputs }, () => rng.uniform(0, high)))
  })
}

const allWeights = (net: SeedNetwork): number[][] => net.layers.map((layer) => Array.from(layer.getWeights()))

describe('SeedNetwork thresholds', () => {
  it('uses Pth in fixed mode', () => {
    const net = network({ ...CASE_A, threshold: { mode: 'fixed', fixed: 42 } })
    net.present(IMAGES, 0, false)
    expect(net.layers[0].threshold).toBe(42)
  })

  it('uses maxSimultaneous / divisor · scale in variable mode (golden image 0: 20 / 3)', () => {
    const net = network({ ...CASE_A, threshold: { mode: 'variable' } })
    net.present(IMAGES, 0, false)
    expect(net.inputTrain.maxSimultaneous).toBe(golden.presentations[0].train_max_simultaneous)
    expect(net.inputTrain.maxSimultaneous).toBe(20)
    expect(net.layers[0].threshold).toBe(20 / 3)
    const scaled = network({ ...CASE_A, threshold: { mode: 'variable', divisor: 4, scale: 1.5 } })
    scaled.present(IMAGES, 0, false)
    expect(scaled.layers[0].threshold).toBe((20 / 4) * 1.5)
    expect(scaled.thresholdFor(scaled.inputTrain)).toBe(7.5)
  })

  it('uses the same variable threshold for winner-take-all: no winner unless strictly above it', () => {
    const net = network({ ...CASE_A, threshold: { mode: 'variable' } })
    initWeights(net, 3)
    net.present(IMAGES, 0, false)
    const layer = net.layers[0]
    if (layer.winner >= 0) expect(layer.spikeCounts[layer.winner]).toBeGreaterThan(0)
    expect(layer.threshold).toBe(net.inputTrain.maxSimultaneous / 3)
  })

  it('with a blank image the variable threshold is 0 and every neuron fires at every step, refractory or not', () => {
    // Spec-faithful but surprising: th = 0 / 3 = 0, and step 5c checks P ≥ th with no refractory
    // guard, so P = Prest = 0 fires every step (t_rest only stops integration). 0 > 0 is false, so
    // there is no winner and (with an empty train) learning changes nothing.
    const net = network({ ...CASE_A, threshold: { mode: 'variable' } })
    initWeights(net, 3)
    const before = allWeights(net)
    const monitor = new SampleMonitor(3, 150, { spikes: true })
    net.present(new Uint8Array(IMAGE_SIZE), 0, true, [monitor])
    expect(net.layers[0].threshold).toBe(0)
    expect(net.layers[0].winner).toBe(-1)
    const everyStep = Array.from({ length: 150 }, (_, i) => i + 1)
    expect(monitor.spikeTimesByNeuron()).toEqual([everyStep, everyStep, everyStep])
    expect(allWeights(net)).toEqual(before)
  })
})

describe('SeedNetwork learning switch', () => {
  it('leaves weights unchanged with learning disabled in the config', () => {
    const net = network({ ...CASE_A, learning: { enabled: false } })
    initWeights(net, 5)
    const before = allWeights(net)
    let spikes = 0
    for (let i = 0; i < imageCount; i++) {
      net.present(IMAGES, i * IMAGE_SIZE, true)
      spikes += net.layers[0].spikeCounts.reduce((a, b) => a + b, 0)
    }
    expect(spikes).toBeGreaterThan(0)
    expect(allWeights(net)).toEqual(before)
  })

  it('leaves weights unchanged when presented with learn = false', () => {
    const net = network(CASE_A)
    initWeights(net, 5)
    const before = allWeights(net)
    for (let i = 0; i < imageCount; i++) net.present(IMAGES, i * IMAGE_SIZE, false)
    expect(allWeights(net)).toEqual(before)
  })

  it('changes weights when learning (same images)', () => {
    const net = network(CASE_A)
    initWeights(net, 5)
    const before = allWeights(net)
    for (let i = 0; i < imageCount; i++) net.present(IMAGES, i * IMAGE_SIZE, true)
    expect(allWeights(net)).not.toEqual(before)
  })
})

describe('SeedNetwork with two layers', () => {
  const TWO: ExperimentConfigInput = { steps: 150, threshold: { mode: 'variable' }, network: { layers: [{ neurons: 6 }, { neurons: 3 }] } }

  it("feeds layer 1's output spikes to layer 2 and both layers learn", () => {
    const net = network(TWO)
    initWeights(net, 9, 2)
    const [l1, l2] = net.layers
    expect(l1.inputs).toBe(784)
    expect(l2.inputs).toBe(6)
    const before = allWeights(net)
    const monitors = [new SampleMonitor(6, 150, { spikes: true }), new SampleMonitor(3, 150, { spikes: true })]
    let layer2Spikes = 0
    for (let i = 0; i < imageCount; i++) {
      // A standalone copy of layer 2 fed with layer 1's output must behave exactly like layer 2.
      const replica = new Layer(6, new SeedLifNeurons(3, net.config.neuron), new WinnerTakeAll(true, -500), new SeedStdp(net.config.learning), 150)
      replica.setWeights(l2.getWeights())
      net.present(IMAGES, i * IMAGE_SIZE, true, monitors)

      // layer.output is layer 1's spike record.
      const times = monitors[0].spikeTimesByNeuron()
      for (let j = 0; j < 6; j++) {
        expect(l1.output.spikesOf(j)).toBe(l1.spikeCounts[j])
        expect(Array.from(l1.output.inputTimes.subarray(l1.output.inputStart[j], l1.output.inputStart[j + 1]))).toEqual(times[j])
      }
      expect(l1.output.total).toBe(monitors[0].spikeTotal)
      // Layer 2's threshold comes from its own input train (layer 1's output).
      expect(l2.threshold).toBe(l1.output.maxSimultaneous / 3)

      replica.presentSample(l1.output, l1.output.maxSimultaneous / 3, true, null)
      expect(Array.from(replica.spikeCounts)).toEqual(Array.from(l2.spikeCounts))
      expect(replica.winner).toBe(l2.winner)
      expect(Array.from(replica.getWeights())).toEqual(Array.from(l2.getWeights()))
      layer2Spikes += monitors[1].spikeTotal
    }
    expect(layer2Spikes).toBeGreaterThan(0)
    const after = allWeights(net)
    expect(after[0]).not.toEqual(before[0])
    expect(after[1]).not.toEqual(before[1])
  })
})

describe('SeedNetwork determinism with stochastic encoders', () => {
  for (const kind of ['bernoulli', 'poisson'] as const) {
    it(`gives bit-identical weights for the same seed and config, different ones for another seed (${kind})`, () => {
      const run = (seed: number) => {
        const net = network({ ...CASE_A, threshold: { mode: 'variable' }, encoder: { kind, rateScale: 2 } }, seed)
        initWeights(net, 1) // same initial weights: only the encoder's stream differs
        for (let i = 0; i < 4; i++) net.present(IMAGES, i * IMAGE_SIZE, true)
        return { weights: allWeights(net), state: net.encoderRngState() }
      }
      const a = run(21)
      const b = run(21)
      const c = run(22)
      expect(a.weights).toEqual(b.weights)
      expect(a.state).toEqual(b.state)
      expect(c.weights).not.toEqual(a.weights)
    })
  }

  it('encodes the same image differently on successive presentations (the stream advances)', () => {
    const net = network({ ...CASE_A, encoder: { kind: 'bernoulli' } }, 4)
    const first = Array.from(net.encode(IMAGES, 0).inputTimes.subarray(0, net.inputTrain.total))
    const second = Array.from(net.encode(IMAGES, 0).inputTimes.subarray(0, net.inputTrain.total))
    expect(second).not.toEqual(first)
  })

  it('encodes deterministically with the deterministic code regardless of seed', () => {
    const a = network(CASE_A, 1).encode(IMAGES, 0)
    const b = network(CASE_A, 2).encode(IMAGES, 0)
    expect(a.total).toBeGreaterThan(0)
    expect(Array.from(a.inputStart)).toEqual(Array.from(b.inputStart))
    expect(Array.from(a.inputTimes.subarray(0, a.total))).toEqual(Array.from(b.inputTimes.subarray(0, b.total)))
  })
})

describe('SampleMonitor', () => {
  it("records membrane traces after integration that match golden case A's first image", () => {
    const net = network(CASE_A)
    net.layers[0].setWeights(golden.initial_weights.flat())
    const monitor = new SampleMonitor(3, 150, { spikes: true, membraneNeurons: [0, 1, 2] })
    net.present(IMAGES, 0, true, [monitor])
    for (let j = 0; j < 3; j++) {
      expect(monitor.membrane[j].length).toBe(150)
      const ref = golden.first_image.pot_traces_all[j]
      for (let t = 0; t < 150; t++) expect(Math.abs(monitor.membrane[j][t] - ref[t])).toBeLessThanOrEqual(1e-12)
    }
    const neuron0 = golden.first_image.pot_trace_neuron0
    for (let t = 0; t < 150; t++) expect(Math.abs(monitor.membrane[0][t] - neuron0[t])).toBeLessThanOrEqual(1e-12)
    const p = golden.presentations[0]
    expect(monitor.spikeTimesByNeuron()).toEqual(p.spike_times)
    expect(Array.from(net.layers[0].spikeCounts)).toEqual(p.spike_counts)
    expect(net.layers[0].winner).toBe(p.winner)
    expect(net.layers[0].winnerStep).toBe(p.winner_t)
  })

  it('records spike times consistent with spike counts, in time order, separated by the refractory period', () => {
    const net = network({ ...CASE_A, threshold: { mode: 'variable' }, network: { layers: [{ neurons: 5 }] } })
    initWeights(net, 12)
    const monitor = new SampleMonitor(5, 150, { spikes: true, membraneNeurons: [4, 1] })
    for (let i = 0; i < imageCount; i++) {
      net.present(IMAGES, i * IMAGE_SIZE, true, [monitor])
      const layer = net.layers[0]
      const byNeuron = monitor.spikeTimesByNeuron()
      expect(byNeuron.map((ts) => ts.length)).toEqual(Array.from(layer.spikeCounts))
      expect(monitor.spikeTotal).toBe(layer.spikeCounts.reduce((a, b) => a + b, 0))
      for (let k = 1; k < monitor.spikeTotal; k++) expect(monitor.spikeStep[k]).toBeGreaterThanOrEqual(monitor.spikeStep[k - 1])
      for (const ts of byNeuron) for (let k = 1; k < ts.length; k++) expect(ts[k] - ts[k - 1]).toBeGreaterThan(30)
      // The chosen neurons' traces: at their spike steps the recorded potential reached the threshold.
      monitor.membraneNeurons.forEach((j, i) => {
        for (const t of byNeuron[j]) expect(monitor.membrane[i][t - 1]).toBeGreaterThanOrEqual(layer.threshold)
        // While refractory (t_spike+1 … t_spike+30) the potential stays at Prest.
        for (const t of byNeuron[j]) for (let s = t + 1; s <= Math.min(150, t + 30); s++) expect(monitor.membrane[i][s - 1]).toBe(0)
      })
    }
  })

  it('records nothing for spikes when not asked, and rejects unknown neurons', () => {
    const monitor = new SampleMonitor(3, 150, { membraneNeurons: [2] })
    const net = network(CASE_A)
    net.layers[0].setWeights(golden.initial_weights.flat())
    net.present(IMAGES, 0, false, [monitor])
    expect(monitor.spikeTotal).toBe(0)
    expect(monitor.spikeTimesByNeuron()).toEqual([[], [], []])
    expect(monitor.membrane.length).toBe(1)
    expect(() => new SampleMonitor(3, 150, { membraneNeurons: [3] })).toThrow(RangeError)
    expect(() => new SampleMonitor(3, 150, { membraneNeurons: [-1] })).toThrow(RangeError)
    expect(() => new SampleMonitor(3, 150, { membraneNeurons: [0.5] })).toThrow(RangeError)
  })

  it('grows its spike buffers and starts afresh each sample', () => {
    const monitor = new SampleMonitor(1, 1000, { spikes: true })
    for (let t = 1; t <= 100; t++) monitor.recordSpike(0, t)
    expect(monitor.spikeTotal).toBe(100)
    expect(monitor.spikeTimesByNeuron()[0]).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    monitor.resetForSample()
    expect(monitor.spikeTotal).toBe(0)
    expect(monitor.spikeTimesByNeuron()).toEqual([[]])
  })
})

/** The seed LIF behind the NeuronGroup hooks only, so a layer cannot take its inlined path. */
class HooksOnly implements NeuronGroup {
  constructor(private readonly inner: SeedLifNeurons) {}
  get size(): number {
    return this.inner.size
  }
  get potential(): Float64Array {
    return this.inner.potential
  }
  get lastIntegrated(): Float64Array {
    return this.inner.lastIntegrated
  }
  resetForSample(): void {
    this.inner.resetForSample()
  }
  integrates(j: number, t: number): boolean {
    return this.inner.integrates(j, t)
  }
  integrate(t: number, drive: Float64Array): void {
    this.inner.integrate(t, drive)
  }
  fire(t: number, threshold: number, spiked: Int32Array): number {
    return this.inner.fire(t, threshold, spiked)
  }
  quietUntil(t: number, threshold: number): number {
    return this.inner.quietUntil(t, threshold)
  }
}

describe('Layer with the seed LIF inlined', () => {
  const mnist = loadBundledMnist()
  const cases: [string, ExperimentConfigInput][] = [
    ['variable threshold', { steps: 200 }],
    ['fixed threshold, T = 150', { steps: 150, threshold: { mode: 'fixed' } }],
    ['no inhibition, standard soft bound', { steps: 200, inhibition: { kind: 'none' }, learning: { softBound: 'standard' } }]
  ]
  for (const [name, input] of cases) {
    for (const learn of [true, false]) {
      it(`matches the NeuronGroup hooks bit for bit (${name}, learning ${learn ? 'on' : 'off'})`, () => {
        const config = parseExperimentConfig({ ...input, network: { layers: [{ neurons: 6 }] } })
        const net = new SeedNetwork(config, 28, 28, new Rng(1))
        const build = (neurons: NeuronGroup) => {
          const layer = new Layer(784, neurons, new WinnerTakeAll(config.inhibition.kind === 'winner-take-all', -500), new SeedStdp(config.learning), config.steps)
          const init = new Rng(4)
          layer.setWeights(Float64Array.from({ length: 6 * 784 }, () => init.uniform(0, 1)))
          return layer
        }
        const inlined = build(new SeedLifNeurons(6, config.neuron))
        const hooks = build(new HooksOnly(new SeedLifNeurons(6, config.neuron)))
        const monitors = [new SampleMonitor(6, config.steps, { spikes: true }), new SampleMonitor(6, config.steps, { spikes: true })]
        let spikes = 0
        for (let i = 0; i < 80; i++) {
          const train = net.encode(mnist.pixels, i * 784)
          const threshold = net.thresholdFor(train)
          // Without a monitor the inlined path also skips quiet stretches; with one it records.
          inlined.presentSample(train, threshold, learn, i % 2 ? monitors[0] : null)
          hooks.presentSample(train, threshold, learn, monitors[1])
          expect([inlined.winner, inlined.winnerStep]).toEqual([hooks.winner, hooks.winnerStep])
          expect(Array.from(inlined.spikeCounts)).toEqual(Array.from(hooks.spikeCounts))
          expect(inlined.output.toDense()).toEqual(hooks.output.toDense())
          if (i % 2) expect(monitors[0].spikeTimesByNeuron()).toEqual(monitors[1].spikeTimesByNeuron())
          spikes += monitors[1].spikeTotal
        }
        expect(spikes).toBeGreaterThan(0)
        expect(Array.from(inlined.getWeights())).toEqual(Array.from(hooks.getWeights()))
      })
    }
  }
})
