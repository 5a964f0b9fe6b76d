import { describe, expect, it } from 'vitest'
import { EncodingCache } from '../../src/engine/encoders/encodingCache'
import { encodeDeterministicRate } from '../../src/engine/encoders/rateCode'
import { ReceptiveField } from '../../src/engine/encoders/receptiveField'
import { SpikeTrain } from '../../src/engine/encoders/spikeTrain'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import { SeedNetwork } from '../../src/engine/network/network'
import { Rng } from '../../src/engine/random'
import { parseExperimentConfig, SEED_KERNEL } from '../../src/shared/config'

const mapping = { interpXp: [-1.069, 2.781] as [number, number], interpFp: [1, 20] as [number, number], periodNumerator: 600 }

function contentOf(train: SpikeTrain) {
  return {
    dense: train.toDense().map((row) => Array.from(row).join('')),
    byStep: Array.from(train.stepInputs.subarray(0, train.total)),
    stepStart: Array.from(train.stepStart),
    next: Array.from(train.nextActiveStep),
    silent: Array.from(train.silentInputs.subarray(0, train.silentCount)),
    firing: Array.from(train.firingInputs.subarray(0, train.firingCount)),
    max: train.maxSimultaneous
  }
}

describe('encoding cache', () => {
  const mnist = loadBundledMnist()
  const rf = new ReceptiveField(SEED_KERNEL, 28, 28)

  it('restores exactly what was stored, into a train that held another image', () => {
    const cache = new EncodingCache()
    const train = new SpikeTrain(784, 200)
    encodeDeterministicRate(rf.apply(mnist.pixels, 0, new Float64Array(784)), mapping, train)
    const first = contentOf(train)
    cache.store(0, train)
    encodeDeterministicRate(rf.apply(mnist.pixels, 784 * 7, new Float64Array(784)), mapping, train)
    expect(contentOf(train)).not.toEqual(first)
    expect(cache.restore(0, train)).toBe(true)
    expect(contentOf(train)).toEqual(first)
    expect(cache.restore(1, train)).toBe(false)
    expect([cache.hits, cache.misses]).toEqual([1, 1])
  })

  it('stops adding once its budget is used, keeping what it has', () => {
    const train = new SpikeTrain(784, 200)
    encodeDeterministicRate(rf.apply(mnist.pixels, 0, new Float64Array(784)), mapping, train)
    const cache = new EncodingCache(train.snapshotBytes() * 2 + 1)
    for (let key = 0; key < 5; key++) cache.store(key, train)
    expect(cache.size).toBe(2)
    expect(cache.restore(1, train)).toBe(true)
    expect(cache.restore(2, train)).toBe(false)
  })

  it('leaves training and classification bit-identical', () => {
    const config = parseExperimentConfig({ steps: 200, network: { layers: [{ neurons: 5 }] } })
    const run = (useKeys: boolean) => {
      const network = new SeedNetwork(config, 28, 28, new Rng(1))
      const init = new Rng(9)
      network.layers[0].setWeights(Float64Array.from({ length: 5 * 784 }, () => init.uniform(0, 1)))
      const counts: number[] = []
      for (let epoch = 0; epoch < 2; epoch++) {
        for (let i = 0; i < 30; i++) {
          network.present(mnist.pixels, i * 784, true, undefined, useKeys ? i : undefined)
          counts.push(...network.outputLayer.spikeCounts)
        }
      }
      for (let i = 0; i < 30; i++) {
        network.present(mnist.pixels, i * 784, false, undefined, useKeys ? i : undefined)
        counts.push(...network.outputLayer.spikeCounts)
      }
      return { counts, weights: Array.from(network.layers[0].getWeights()), hits: network.encodingCache!.hits }
    }
    const cached = run(true)
    const plain = run(false)
    expect(cached.hits).toBe(60)
    expect(plain.hits).toBe(0)
    expect(cached.counts).toEqual(plain.counts)
    expect(cached.weights).toEqual(plain.weights)
  })

  it('is not used for stochastic codes, whose trains differ every presentation', () => {
    const config = parseExperimentConfig({ encoder: { kind: 'bernoulli' } })
    expect(new SeedNetwork(config, 28, 28, new Rng(1)).encodingCache).toBeNull()
  })
})
