/**
 * Integer inference: the fast implementation (event-driven, typed arrays) equals a
 * straightforward dense one written here with BigInt on random networks and spike trains,
 * saturating accumulators and per-neuron scales included; with weights and constants that are
 * exact in the Q format it reproduces the float engine spike for spike; and the float side of
 * the comparison is exactly `classify` from run.ts.
 */
import { describe, expect, it } from 'vitest'
import type { ImageSet } from '../../src/engine/datasets/types'
import { SpikeTrain } from '../../src/engine/encoders/spikeTrain'
import { planData } from '../../src/engine/experiment/data'
import { classify, createModelNetwork, createNetwork } from '../../src/engine/experiment/run'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import {
  buildFixedPointModel,
  compareFixedToFloat,
  FixedPointNetwork,
  presentToBoth,
  presentToTwins,
  type FixedPointModel
} from '../../src/engine/export/fixedPointInference'
import { quantizeConstant, quantizeMatrix, type QFormat, type QuantizedMatrix, type ScaleMode } from '../../src/engine/export/quantize'
import { Rng } from '../../src/engine/random'
import { parseExperimentConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'

// ---------------------------------------------------------------------------------------------
// The reference: dense 0/1 trains, every neuron, every input, every step, BigInt arithmetic.

interface ReferenceLayerResult {
  counts: number[]
  winner: number
  winnerStep: number
  /** Dense output train [neuron][t], t = 0..T. */
  output: Uint8Array[]
}

function referenceLayer(model: FixedPointModel, l: number, train: Uint8Array[]): ReferenceLayerResult {
  const layer = model.layers[l]
  const n = layer.neurons
  const m = layer.inputs
  const T = model.steps
  const accBits = BigInt(model.accumulatorBits)
  const accMax = (1n << (accBits - 1n)) - 1n
  const accMin = -(1n << (accBits - 1n))
  const sat = (x: bigint) => (x > accMax ? accMax : x < accMin ? accMin : x)
  const big = (a: ArrayLike<number>) => Array.from(a, (v) => BigInt(v))
  const W = big(layer.weights)
  const rest = big(layer.rest)
  const pmin = big(layer.minPotential)
  const leak = big(layer.leak)
  const inhibit = big(layer.inhibit)
  const multiplier = big(layer.winnerMultiplier)

  let maxSimultaneous = 0
  for (let t = 0; t <= T; t++) {
    let firing = 0
    for (let h = 0; h < m; h++) firing += train[h][t]
    maxSimultaneous = Math.max(maxSimultaneous, firing)
  }
  const th =
    model.threshold.mode === 'fixed'
      ? big(layer.fixedThreshold)
      : Array.from(layer.lsb, (lsb) => BigInt(quantizeConstant((maxSimultaneous / model.threshold.divisor) * model.threshold.scale, lsb, model.accumulatorBits).value))

  const P = [...rest]
  const last = [...rest]
  const restUntil = new Array<number>(n).fill(-1)
  const counts = new Array<number>(n).fill(0)
  const output = Array.from({ length: n }, () => new Uint8Array(T + 1))
  let winner = -1
  let winnerStep = -1
  for (let t = 1; t <= T; t++) {
    for (let j = 0; j < n; j++) {
      let drive = 0n
      for (let h = 0; h < m; h++) if (train[h][t]) drive = sat(drive + W[j * m + h])
      if (restUntil[j] >= t) continue
      let p = sat(P[j] + drive)
      if (p > rest[j]) p = sat(p - leak[j])
      P[j] = p
      last[j] = p
    }
    if (winner < 0) {
      let best = -1
      for (let j = 0; j < n; j++) {
        if (last[j] > th[j] && (best < 0 || last[j] * multiplier[j] > last[best] * multiplier[best])) best = j
      }
      if (best >= 0) {
        winner = best
        winnerStep = t
        if (model.suppress) for (let j = 0; j < n; j++) if (j !== best) P[j] = inhibit[j]
      }
    }
    for (let j = 0; j < n; j++) {
      if (P[j] >= th[j]) {
        P[j] = rest[j]
        restUntil[j] = t + model.refractorySteps
        counts[j]++
        output[j][t] = 1
      } else if (P[j] < pmin[j]) {
        P[j] = rest[j]
      }
    }
  }
  return { counts, winner, winnerStep, output }
}

function referenceNetwork(model: FixedPointModel, train: Uint8Array[]): ReferenceLayerResult[] {
  const results: ReferenceLayerResult[] = []
  let input = train
  for (let l = 0; l < model.layers.length; l++) {
    const result = referenceLayer(model, l, input)
    results.push(result)
    input = result.output
  }
  return results
}

// ---------------------------------------------------------------------------------------------
// Random networks and trains

function randomTrain(rng: Rng, inputs: number, steps: number, rate: number): SpikeTrain {
  const train = new SpikeTrain(inputs, steps)
  train.begin()
  for (let h = 0; h < inputs; h++) for (let t = 1; t <= steps; t++) if (rng.nextFloat() < rate) train.add(h, t)
  train.finish()
  return train
}

function configOf(overrides: ExperimentConfigInput): ExperimentConfig {
  return parseExperimentConfig(overrides, 'test config')
}

function randomQuantized(rng: Rng, neurons: number, inputs: number, q: QFormat, scale: ScaleMode, spread: number): QuantizedMatrix {
  const weights = new Float64Array(neurons * inputs)
  for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform(-spread * 0.4, spread)
  return quantizeMatrix(weights, neurons, inputs, { q, rounding: 'nearest-even', scale })
}

describe('integer inference equals the dense BigInt reference', () => {
  type Case = { name: string; q: QFormat; scale: ScaleMode; acc: number; layers: number[]; threshold: ExperimentConfigInput['threshold']; spread: number; suppress?: boolean }
  const cases: Case[] = [
    { name: 'Q4.4 per-tensor, 8-bit accumulators (heavy saturation), fixed threshold', q: { intBits: 4, fracBits: 4 }, scale: 'per-tensor', acc: 8, layers: [4], threshold: { mode: 'fixed', fixed: 5 }, spread: 7 },
    { name: 'Q8.8 per-neuron, 24-bit accumulators, variable threshold', q: { intBits: 8, fracBits: 8 }, scale: 'per-neuron', acc: 24, layers: [5], threshold: { mode: 'variable', divisor: 3, scale: 1.7 }, spread: 1.5 },
    { name: 'Q12.12 per-tensor, 32-bit accumulators, two layers', q: { intBits: 12, fracBits: 12 }, scale: 'per-tensor', acc: 32, layers: [6, 3], threshold: { mode: 'variable', divisor: 3, scale: 1 }, spread: 2, suppress: false },
    { name: 'Q10.6 per-neuron, 32-bit accumulators, two layers, fixed threshold', q: { intBits: 10, fracBits: 6 }, scale: 'per-neuron', acc: 32, layers: [4, 4], threshold: { mode: 'fixed', fixed: 1.5 }, spread: 1, suppress: false },
    { name: 'Q3.5 per-neuron, 10-bit accumulators', q: { intBits: 3, fracBits: 5 }, scale: 'per-neuron', acc: 10, layers: [3], threshold: { mode: 'fixed', fixed: 2.5 }, spread: 3 }
  ]
  for (const c of cases) {
    it(c.name, () => {
      const rng = new Rng(c.name.length * 7919)
      const inputs = 24
      const steps = 60
      const config = configOf({
        steps,
        network: { layers: c.layers.map((neurons) => ({ neurons })) },
        threshold: c.threshold,
        neuron: { leak: 0.375, minPotential: -1.25, refractorySteps: 5 },
        inhibition: { kind: c.suppress === false ? 'none' : 'winner-take-all', potential: -7 }
      })
      let fanIn = inputs
      const matrices = c.layers.map((neurons) => {
        const m = randomQuantized(rng, neurons, fanIn, c.q, c.scale, c.spread)
        fanIn = neurons
        return m
      })
      const model = buildFixedPointModel(config, matrices, c.acc)
      const network = new FixedPointNetwork(model)
      let winners = 0
      let outputSpikes = 0
      for (let image = 0; image < 40; image++) {
        const train = randomTrain(rng, inputs, steps, 0.02 + 0.1 * rng.nextFloat())
        network.present(train)
        const reference = referenceNetwork(model, train.toDense())
        network.layers.forEach((layer, l) => {
          const want = reference[l]
          expect({ counts: Array.from(layer.spikeCounts), winner: layer.winner, winnerStep: layer.winnerStep }, `image ${image} layer ${l}`).toEqual({
            counts: want.counts,
            winner: want.winner,
            winnerStep: want.winnerStep
          })
          expect(layer.output.toDense(), `image ${image} layer ${l} spike times`).toEqual(want.output)
        })
        if (network.layers[0].winner >= 0) winners++
        outputSpikes += network.outputLayer.spikeCounts.reduce((a, b) => a + b, 0)
      }
      expect(winners, 'some images have a winner (the test exercises the inhibition)').toBeGreaterThan(0)
      expect(outputSpikes, 'the output layer fires').toBeGreaterThan(0)
    })
  }

  it('rejects accumulators narrower than the words or wider than 32 bits', () => {
    const config = configOf({ network: { layers: [{ neurons: 2 }] } })
    const m = randomQuantized(new Rng(1), 2, 4, { intBits: 8, fracBits: 8 }, 'per-tensor', 1)
    expect(() => buildFixedPointModel(config, [m], 12)).toThrow(/accumulator width 12: expected a whole number of bits from the word width \(16\) to 32/)
    expect(() => buildFixedPointModel(config, [m], 33)).toThrow(/accumulator width 33/)
  })

  it('reports constants that do not fit the accumulator', () => {
    const config = configOf({ network: { layers: [{ neurons: 2 }] }, threshold: { mode: 'fixed', fixed: 50 } })
    const m = randomQuantized(new Rng(1), 2, 4, { intBits: 4, fracBits: 4 }, 'per-tensor', 1)
    const model = buildFixedPointModel(config, [m], 8)
    expect(model.saturatedConstants).toContain('layer 0 neuron 0: threshold 50 saturated to 127 units of 0.0625')
    expect(model.saturatedConstants).toContain('layer 0 neuron 1: inhibit potential -500 saturated to -128 units of 0.0625')
  })
})

describe('with exact weights and constants the integer model is the float model', () => {
  for (const threshold of [
    { mode: 'fixed', fixed: 2.5 },
    { mode: 'variable', divisor: 4, scale: 1 }
  ] as const) {
    it(`${threshold.mode} threshold: same spike counts, winners and output trains`, () => {
      const rng = new Rng(5)
      const inputs = 36
      const config = configOf({
        steps: 80,
        network: { layers: [{ neurons: 5 }, { neurons: 3 }] },
        threshold,
        neuron: { leak: 0.75, minPotential: -5, refractorySteps: 7 },
        inhibition: { kind: 'none' }
      })
      // Weights on the Q12.12 grid: float sums of them are exact too.
      const { network } = createNetwork(config, 6, 6)
      const matrices: QuantizedMatrix[] = []
      let fanIn = inputs
      for (const layer of network.layers) {
        // The second layer hears few spikes: stronger weights keep it firing.
        const [low, high] = fanIn === inputs ? [-0.3, 1.6] : [0.4, 2.4]
        const weights = Float64Array.from({ length: layer.size * fanIn }, () => Math.round(rng.uniform(low, high) * 4096) / 4096)
        layer.setWeights(weights)
        const m = quantizeMatrix(weights, layer.size, fanIn, { q: { intBits: 12, fracBits: 12 }, rounding: 'floor', scale: 'per-tensor' })
        expect(m.report.maxAbsError).toBe(0)
        matrices.push(m)
        fanIn = layer.size
      }
      const fixed = new FixedPointNetwork(buildFixedPointModel(config, matrices))
      let spikes = 0
      for (let image = 0; image < 60; image++) {
        const train = randomTrain(rng, inputs, config.steps, 0.03 + 0.08 * rng.nextFloat())
        let input = train
        for (const layer of network.layers) {
          layer.presentSample(input, network.thresholdFor(input), false, null)
          input = layer.output
        }
        fixed.present(train)
        network.layers.forEach((layer, l) => {
          const f = fixed.layers[l]
          expect({ counts: Array.from(f.spikeCounts), winner: f.winner, step: f.winnerStep }, `image ${image} layer ${l}`).toEqual({
            counts: Array.from(layer.spikeCounts),
            winner: layer.winner,
            step: layer.winnerStep
          })
          expect(f.output.toDense()).toEqual(layer.output.toDense())
        })
        spikes += fixed.outputLayer.spikeCounts.reduce((a, b) => a + b, 0)
      }
      expect(spikes).toBeGreaterThan(0)
    })
  }
})

describe('the float side of the comparison', () => {
  function imageSet(rng: Rng, count: number): ImageSet {
    const width = 8
    const height = 8
    const pixels = new Uint8Array(count * width * height)
    const labels = new Int32Array(count)
    for (let i = 0; i < count; i++) {
      labels[i] = i % 2
      // Class 0 lights the left half, class 1 the right half, with noise.
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const on = (x < width / 2) === (labels[i] === 0)
          pixels[i * 64 + y * width + x] = on ? 160 + rng.nextInt(96) : rng.nextInt(40)
        }
      }
    }
    return { source: 'synthetic', width, height, count, pixels, labels }
  }

  it('is classify() from run.ts, and identical weights agree completely', () => {
    const rng = new Rng(3)
    const set = imageSet(rng, 24)
    const config = configOf({
      steps: 120,
      network: { layers: [{ neurons: 4 }] },
      threshold: { mode: 'fixed', fixed: 4 },
      data: { classes: [0, 1], trainPerClass: 6, testPerClass: 6 }
    })
    const plan = planData(config.data, set, null)
    const weights = Float64Array.from({ length: 4 * 64 }, (_, i) => ((i * 37) % 64) / 64 + ((i >> 6) % 2 === 0 ? (i % 8 < 4 ? 0.5 : 0) : i % 8 >= 4 ? 0.5 : 0))
    const { network } = createNetwork(config, 8, 8, [weights])
    const m = quantizeMatrix(weights, 4, 64, { q: { intBits: 16, fracBits: 16 }, rounding: 'nearest-even', scale: 'per-tensor' })
    const fixed = new FixedPointNetwork(buildFixedPointModel(config, [m]))

    const both = presentToBoth(network, fixed, plan.testSet, plan.testIndices)
    const { network: again } = createNetwork(config, 8, 8, [weights])
    expect(Array.from(both.floatCounts)).toEqual(Array.from(classify(again, plan.testSet, plan.testIndices)))
    expect(Array.from(both.fixedCounts)).toEqual(Array.from(both.floatCounts))

    const report = compareFixedToFloat(network, fixed, plan, 'max-neuron')
    expect(report.summary).toMatchObject({ testImages: 12, labelSource: 'fixed', winnerAgreement: 1, predictionAgreement: 1, identicalCounts: 1 })
    expect(report.summary.fixedAccuracy).toBe(report.summary.floatAccuracy)
    expect(report.fixed.predicted).toEqual(report.float.predicted)
    expect(compareFixedToFloat(network, fixed, plan, 'max-neuron', 'float').summary.labelSource).toBe('float')
  })
})

describe('presentToTwins (models without an integer model: the float network and its quantized twin)', () => {
  const config = parseExperimentConfig({ preset: 'diehl-cook-2015', seed: 3, network: { layers: [{ neurons: 8 }] }, diehlCook: { present: 100, rest: 50 } })
  const set: ImageSet = loadBundledMnist()
  const indices = Int32Array.from({ length: 12 }, (_, i) => i)
  const build = () => createModelNetwork(config, 28, 28).network

  it('gives the twin the float network\'s input spikes at every image, and leaves the float network\'s own stream alone', () => {
    const network = build()
    const twin = build()
    // A twin whose encoder stream has drifted (as after an image it had to show again): each image starts it afresh.
    twin.setEncoderRngState(createModelNetwork({ ...config, seed: 4 }, 28, 28).network.encoderRngState())
    const paired = presentToTwins(network, twin, set, indices)
    expect(Array.from(paired.fixedCounts)).toEqual(Array.from(paired.floatCounts))
    expect(Array.from(paired.fixedWinners)).toEqual(Array.from(paired.floatWinners))
    expect(paired.floatCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    // The float side is what classifying with the float network alone gives.
    expect(Array.from(paired.floatCounts)).toEqual(Array.from(classify(build(), set, indices)))
  })
})
