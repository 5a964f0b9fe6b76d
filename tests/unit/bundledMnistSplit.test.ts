/**
 * The bundled MNIST's `digits: 'all'` set: every one of the 10,000 digits, in one fixed shuffled
 * order, so that "the first 8,000 for training, the last 2,000 for testing" names the same images
 * everywhere; the balanced default stays as it was.
 */
import { describe, expect, it } from 'vitest'
import { bundledMnistImageSetFromBytes, DatasetError } from '../../src/engine/datasets'
import { loadBundledMnist, loadBundledMnistDigitBytes } from '../../src/engine/host/bundledMnist'
import { loadDataset } from '../../src/engine/host/datasetFiles'

const LIST_LENGTHS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]

describe('bundled MNIST, all digits', () => {
  it('holds every digit of every list exactly once, with its pixels and label', () => {
    const digitBytes = loadBundledMnistDigitBytes()
    const set = loadBundledMnist({ digits: 'all' })
    expect(set.count).toBe(10_000)
    expect(set.source).toMatch(/all 10000 shuffled/)
    const seen = LIST_LENGTHS.map((length) => new Uint8Array(length))
    for (let i = 0; i < set.count; i++) {
      const digit = set.labels[i]
      const entry = set.jsonIndex[i]
      expect(seen[digit][entry]).toBe(0)
      seen[digit][entry] = 1
      if (i % 97 === 0) {
        expect(Array.from(set.pixels.subarray(i * 784, (i + 1) * 784))).toEqual(Array.from(digitBytes[digit].subarray(entry * 784, (entry + 1) * 784)))
      }
    }
    expect(seen.map((flags) => flags.reduce((a, b) => a + b, 0))).toEqual(LIST_LENGTHS)
  })

  it('keeps one fixed order: the same on every load, shuffled, every digit in both parts of the 8,000 / 2,000 split', () => {
    const set = loadBundledMnist({ digits: 'all' })
    expect(Array.from(set.labels.subarray(0, 20)).join('')).toBe('22306765622791972354')
    const rebuilt = bundledMnistImageSetFromBytes(loadBundledMnistDigitBytes(), { digits: 'all' })
    expect(Array.from(rebuilt.jsonIndex)).toEqual(Array.from(set.jsonIndex))
    const histogram = (first: number, end: number) => {
      const counts = new Array(10).fill(0)
      for (let i = first; i < end; i++) counts[set.labels[i]]++
      return counts
    }
    expect(histogram(0, 8000)).toEqual([791, 897, 797, 836, 771, 703, 808, 848, 768, 781])
    expect(histogram(8000, 10_000)).toEqual([210, 230, 194, 196, 209, 160, 206, 222, 176, 197])
  })

  it('is chosen by the dataset source; the balanced set stays the default', () => {
    expect(loadDataset({ kind: 'mnist-bundled', digits: 'all' })).toBe(loadBundledMnist({ digits: 'all' }))
    expect(loadDataset({ kind: 'mnist-bundled' }).count).toBe(8630)
    expect(loadDataset({ kind: 'mnist-bundled', digits: 'balanced' })).toBe(loadBundledMnist())
    expect(() => bundledMnistImageSetFromBytes(loadBundledMnistDigitBytes(), { digits: 'all', fromEnd: true })).toThrow(DatasetError)
  })
})
