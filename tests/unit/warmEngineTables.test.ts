/**
 * What an engine process reuses from run to run besides its inputs (inputReuse.test.ts): a data
 * plan per (source, test source, selection), the STDP window table per window, the receptive
 * field's term table per kernel. A reused one must be exactly what a first run builds, and no
 * run may change what the next one is served.
 */
import { describe, expect, it } from 'vitest'
import type { ImageSet } from '../../src/engine/datasets/types'
import { ReceptiveField } from '../../src/engine/encoders/receptiveField'
import { planData } from '../../src/engine/experiment/data'
import { MetricBuffer } from '../../src/engine/host/worker'
import { SeedStdp, seedStdpWindow, type SeedStdpParams } from '../../src/engine/learning/seedStdp'
import { parseExperimentConfig, SEED_KERNEL, type DataConfig } from '../../src/shared/config'

/** 30 images of 2×2 pixels, labels 0, 1, 2, 0, 1, 2 … */
function toySet(name = 'toy'): ImageSet {
  const count = 30
  const pixels = new Uint8Array(count * 4)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256
  return { source: name, width: 2, height: 2, count, pixels, labels: Int32Array.from({ length: count }, (_, i) => i % 3) }
}

const dataOf = (input: Partial<DataConfig>): DataConfig => parseExperimentConfig({ data: input }).data
const plain = (plan: ReturnType<typeof planData>) => ({
  trainSet: plan.trainSet,
  testSet: plan.testSet,
  trainIndices: Array.from(plan.trainIndices),
  testIndices: Array.from(plan.testIndices),
  classLabels: [...plan.classLabels]
})

describe('data plans reused from run to run', () => {
  it('a repeated selection equals one made afresh, and changing a returned plan changes no later one', () => {
    const set = toySet()
    const data = dataOf({ classes: [0, 2], trainPerClass: 4, testPerClass: 2, offset: 1 })
    const first = planData(data, set, null)
    const expected = plain(first)
    first.trainIndices.fill(-1)
    first.testIndices.fill(-1)
    first.classLabels.push(99)
    const again = planData(data, set, null)
    expect(plain(again)).toEqual(expected)
    // The same images in another ImageSet object: selected afresh, the same indices.
    const copy = { ...set }
    const afresh = plain(planData(data, copy, null))
    expect({ ...afresh, trainSet: set, testSet: set }).toEqual(expected)
  })

  it('every field of the selection and the test source tell plans apart', () => {
    const set = toySet()
    const test = toySet('test')
    const base = { classes: [0, 1], trainPerClass: 3, testPerClass: 2, offset: 0 }
    const variants: Partial<DataConfig>[] = [
      base,
      { ...base, classes: [0, 2] },
      { ...base, trainPerClass: 4 },
      { ...base, testPerClass: 1 },
      { ...base, offset: 2 },
      { ...base, order: [5, 4, 3] },
      { ...base, trainRange: [0, 12] },
      { ...base, testRange: [20, 30] }
    ]
    for (const testSource of [null, test]) {
      const planned = variants.map((v) => plain(planData(dataOf(v), set, testSource)))
      // Each variant again, now from the kept plans, and each equal to a fresh selection.
      variants.forEach((v, i) => {
        expect(plain(planData(dataOf(v), set, testSource))).toEqual(planned[i])
        const fresh = plain(planData(dataOf(v), { ...set }, testSource && { ...testSource }))
        expect(fresh.trainIndices).toEqual(planned[i].trainIndices)
        expect(fresh.testIndices).toEqual(planned[i].testIndices)
        expect(fresh.classLabels).toEqual(planned[i].classLabels)
      })
      for (let i = 1; i < planned.length; i++) expect(planned[i]).not.toEqual(planned[0])
    }
    expect(plain(planData(dataOf(base), set, test)).testSet).toBe(test)
    expect(plain(planData(dataOf(base), set, null)).testSet).toBe(set)
  })
})

describe('STDP window tables shared by rules with the same window', () => {
  const learning = parseExperimentConfig({}).learning
  const windowOf = (rule: SeedStdp) => (rule as unknown as { window: Float64Array }).window
  const bits = (table: Float64Array) => Array.from(new Uint32Array(table.buffer.slice(0)))

  it('is the table seedStdpWindow builds, bit for bit, whatever was built before', () => {
    const windows: Partial<SeedStdpParams>[] = [{}, { tauPlus: learning.tauPlus * 2 }, { aMinus: learning.aMinus / 3 }, { windowAfter: learning.windowAfter + 3 }, { aPlus: 0 }, { aPlus: -0 }]
    for (const round of [0, 1]) {
      for (const change of windows) {
        const params = { ...learning, ...change }
        const rule = new SeedStdp({ ...params, rate: 0.001 * (round + 1) })
        expect(bits(windowOf(rule))).toEqual(bits(seedStdpWindow(params)))
      }
    }
    // +0 and −0 are different windows (their tables differ in the sign of zeros).
    expect(windowOf(new SeedStdp({ ...learning, aPlus: 0 }))).not.toBe(windowOf(new SeedStdp({ ...learning, aPlus: -0 })))
    expect(windowOf(new SeedStdp({ ...learning, rate: 0.5 }))).toBe(windowOf(new SeedStdp({ ...learning, rate: 0.25 })))
  })
})

describe('receptive-field term tables shared by fields of the same kernel', () => {
  it('gives the same potentials as a field whose kernel was never seen before', () => {
    const kernels = [SEED_KERNEL, [[1]], [[0.5, 0, -0.5], [0, 1, 0], [-0.5, 0, 0.5]], SEED_KERNEL.map((row) => row.map((v) => v * 0.75))]
    const width = 8
    const height = 6
    const pixels = Uint8Array.from({ length: width * height }, (_, i) => (i * 53) % 256)
    const apply = (field: ReceptiveField) => Array.from(field.apply(pixels, 0, new Float64Array(width * height)))
    const first = kernels.map((k) => apply(new ReceptiveField(k, width, height)))
    kernels.forEach((k, i) => {
      // A copy of the kernel (other arrays, same numbers) is served the kept table.
      expect(apply(new ReceptiveField(k.map((row) => [...row]), width, height))).toEqual(first[i])
    })
    for (let i = 1; i < kernels.length; i++) expect(first[i]).not.toEqual(first[0])
    // −0 in a kernel is another kernel (its terms are −0).
    const termsOf = (field: ReceptiveField) => Array.from((field as unknown as { terms: Float64Array }).terms)
    expect(termsOf(new ReceptiveField([[0]], width, height)).every((v) => Object.is(v, 0))).toBe(true)
    expect(termsOf(new ReceptiveField([[-0]], width, height)).every((v) => Object.is(v, -0))).toBe(true)
    expect(termsOf(new ReceptiveField([[0]], width, height)).every((v) => Object.is(v, 0))).toBe(true)
  })
})

describe('MetricBuffer', () => {
  it('batches consecutive steps, starts each batch at its first step and refuses a gap', () => {
    const buffer = new MetricBuffer(3)
    expect(buffer.follows(10)).toBe(true)
    expect(buffer.add(10, 5, 1)).toBe(false)
    expect(buffer.follows(11)).toBe(true)
    expect(buffer.follows(12)).toBe(false)
    expect(() => buffer.add(12, 1, 1)).toThrow(/metric step 12 does not follow 10/)
    expect(buffer.add(11, 6, 2)).toBe(false)
    expect(buffer.add(12, 7, 0)).toBe(true)
    expect(buffer.drain().map((c) => [c.key, c.firstStep, Array.from(c.values)])).toEqual([
      ['train.spikes', 10, [5, 6, 7]],
      ['train.winner', 10, [1, 2, 0]]
    ])
    expect(buffer.follows(40)).toBe(true)
    buffer.add(40, 1, 1)
    expect(buffer.drain().map((c) => c.firstStep)).toEqual([40, 40])
    expect(buffer.drain()).toEqual([])
  })
})
