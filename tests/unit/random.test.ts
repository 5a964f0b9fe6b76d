import { describe, it, expect } from 'vitest'
import { Rng } from '../../src/engine/random'

const draws = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.nextUint32())

describe('Rng seeding', () => {
  it('gives the identical stream for the same seed', () => {
    expect(draws(new Rng(42), 1000)).toEqual(draws(new Rng(42), 1000))
    expect(draws(new Rng(0), 100)).toEqual(draws(new Rng(0), 100))
  })

  it('gives different streams for different (even adjacent) seeds', () => {
    const a = draws(new Rng(1), 100)
    const b = draws(new Rng(2), 100)
    expect(a).not.toEqual(b)
    // Not merely shifted or mostly equal: almost no position agrees.
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(3)
  })

  it('uses the high half of seeds above 2^32', () => {
    expect(draws(new Rng(5), 20)).not.toEqual(draws(new Rng(5 + 2 ** 32), 20))
  })

  it('rejects non-finite seeds', () => {
    expect(() => new Rng(NaN)).toThrow(RangeError)
    expect(() => new Rng(Infinity)).toThrow(RangeError)
  })
})

describe('Rng.split', () => {
  it('is deterministic: the same parent state and key give the same child stream', () => {
    expect(draws(new Rng(7).split('encoder'), 200)).toEqual(draws(new Rng(7).split('encoder'), 200))
    expect(draws(new Rng(7).split(3), 200)).toEqual(draws(new Rng(7).split(3), 200))
  })

  it('does not advance the parent', () => {
    const parent = new Rng(7)
    const before = parent.getState()
    parent.split('a')
    parent.split(12)
    expect(parent.getState()).toEqual(before)
    expect(draws(parent, 50)).toEqual(draws(new Rng(7), 50))
  })

  it('gives a child independent of later parent draws', () => {
    const p1 = new Rng(11)
    const c1 = p1.split('layer-1')
    const interleaved: number[] = []
    for (let i = 0; i < 100; i++) {
      p1.nextUint32()
      p1.nextFloat()
      interleaved.push(c1.nextUint32())
    }
    const c2 = new Rng(11).split('layer-1')
    expect(interleaved).toEqual(draws(c2, 100))
  })

  it('gives different children for different keys, and children differ from the parent', () => {
    const parent = new Rng(3)
    const a = draws(parent.split('a'), 50)
    const b = draws(parent.split('b'), 50)
    const one = draws(parent.split(1), 50)
    const two = draws(parent.split(2), 50)
    expect(a).not.toEqual(b)
    expect(one).not.toEqual(two)
    expect(a).not.toEqual(draws(new Rng(3), 50))
  })

  it('depends on the parent state: splitting after a draw gives another child', () => {
    const parent = new Rng(3)
    const first = draws(parent.split('k'), 20)
    parent.nextUint32()
    expect(draws(parent.split('k'), 20)).not.toEqual(first)
  })
})

describe('Rng state', () => {
  it('round-trips getState/setState and continues identically', () => {
    const rng = new Rng(99)
    draws(rng, 37)
    const saved = rng.getState()
    const expected = [...draws(rng, 100), rng.nextFloat(), rng.nextInt(17)]
    rng.setState(saved)
    expect([...draws(rng, 100), rng.nextFloat(), rng.nextInt(17)]).toEqual(expected)
    // A new generator built from the state continues the same way too.
    const restored = new Rng(saved)
    expect(draws(restored, 100)).toEqual(expected.slice(0, 100))
  })

  it('returns a copy: mutating the returned state does not affect the generator', () => {
    const rng = new Rng(5)
    const state = rng.getState()
    state[0] = (state[0] + 1) >>> 0
    expect(draws(rng, 10)).toEqual(draws(new Rng(5), 10))
  })

  it('rejects malformed states', () => {
    const rng = new Rng(1)
    expect(() => rng.setState([1, 2, 3] as unknown as [number, number, number, number])).toThrow(RangeError)
    expect(() => rng.setState([1, 2, 3, -1])).toThrow(RangeError)
    expect(() => rng.setState([1, 2, 3, 2 ** 32])).toThrow(RangeError)
    expect(() => rng.setState([1, 2, 3, 0.5])).toThrow(RangeError)
  })

  it('avoids the all-zero state', () => {
    const rng = new Rng([0, 0, 0, 0])
    const out = draws(rng, 10)
    expect(out.some((x) => x !== 0)).toBe(true)
  })
})

describe('Rng.nextFloat', () => {
  it('stays in [0, 1) and has mean ≈ 1/2', () => {
    const rng = new Rng(2024)
    let sum = 0
    let min = 1
    let max = 0
    let outside = 0
    const N = 100_000
    for (let i = 0; i < N; i++) {
      const x = rng.nextFloat()
      if (!(x >= 0 && x < 1)) outside++
      sum += x
      if (x < min) min = x
      if (x > max) max = x
    }
    expect(outside).toBe(0)
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01)
    expect(min).toBeLessThan(0.001)
    expect(max).toBeGreaterThan(0.999)
  })

  it('uniform(lo, hi) stays in [lo, hi)', () => {
    const rng = new Rng(8)
    let outside = 0
    for (let i = 0; i < 10_000; i++) {
      const x = rng.uniform(-1.2, 2)
      if (!(x >= -1.2 && x < 2)) outside++
    }
    expect(outside).toBe(0)
  })
})

describe('Rng.nextInt', () => {
  it('is roughly uniform over 10 buckets (chi-square, 100k draws)', () => {
    const rng = new Rng(123)
    const counts = new Array(10).fill(0)
    const N = 100_000
    for (let i = 0; i < N; i++) counts[rng.nextInt(10)]++
    const expected = N / 10
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    // 9 degrees of freedom: P(chi2 > 40) ≈ 7e-6. Loose on purpose.
    expect(chi2).toBeLessThan(40)
  })

  it('is unbiased for a bound where plain modulo would be badly biased (n = 3·2^30)', () => {
    // Without rejection, x % n over uniform uint32 puts half the mass on [0, 2^30) and
    // P(result < n/2) would be 0.625.
    const n = 3 * 2 ** 30
    const rng = new Rng(77)
    const N = 20_000
    let below = 0
    let invalid = 0
    for (let i = 0; i < N; i++) {
      const x = rng.nextInt(n)
      if (!(Number.isInteger(x) && x >= 0 && x < n)) invalid++
      if (x < n / 2) below++
    }
    expect(invalid).toBe(0)
    expect(Math.abs(below / N - 0.5)).toBeLessThan(0.02)
  })

  it('handles bounds 1 and 2^32', () => {
    const rng = new Rng(4)
    for (let i = 0; i < 100; i++) expect(rng.nextInt(1)).toBe(0)
    for (let i = 0; i < 100; i++) {
      const x = rng.nextInt(2 ** 32)
      expect(x >= 0 && x < 2 ** 32).toBe(true)
    }
  })

  it('rejects bad bounds', () => {
    const rng = new Rng(4)
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 32 + 1]) expect(() => rng.nextInt(bad)).toThrow(RangeError)
  })
})

describe('Rng.shuffle', () => {
  it('returns a permutation of the input, in place', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const result = new Rng(6).shuffle(items)
    expect(result).toBe(items)
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('is deterministic for a seed and works on typed arrays', () => {
    const a = new Rng(6).shuffle(Int32Array.from({ length: 30 }, (_, i) => i))
    const b = new Rng(6).shuffle(Int32Array.from({ length: 30 }, (_, i) => i))
    const c = new Rng(9).shuffle(Int32Array.from({ length: 30 }, (_, i) => i))
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(Array.from(a)).not.toEqual(Array.from(c))
  })

  it('puts each element in each position about equally often', () => {
    const rng = new Rng(10)
    const counts = [0, 0, 0, 0]
    const N = 40_000
    for (let i = 0; i < N; i++) counts[rng.shuffle([0, 1, 2, 3]).indexOf(0)]++
    for (const c of counts) expect(Math.abs(c / N - 0.25)).toBeLessThan(0.015)
  })

  it('leaves empty and one-element arrays alone', () => {
    expect(new Rng(1).shuffle([])).toEqual([])
    expect(new Rng(1).shuffle([5])).toEqual([5])
  })
})

describe('Rng.poisson', () => {
  const moments = (lambda: number, N: number, seed: number) => {
    const rng = new Rng(seed)
    let sum = 0
    let sumSq = 0
    let invalid = 0
    for (let i = 0; i < N; i++) {
      const k = rng.poisson(lambda)
      if (!(Number.isInteger(k) && k >= 0)) invalid++
      sum += k
      sumSq += k * k
    }
    expect(invalid).toBe(0)
    const mean = sum / N
    return { mean, variance: sumSq / N - mean * mean }
  }

  it('has mean ≈ variance ≈ λ for λ = 3 (Knuth branch)', () => {
    const { mean, variance } = moments(3, 50_000, 31)
    expect(Math.abs(mean - 3)).toBeLessThan(0.05)
    expect(Math.abs(variance - 3)).toBeLessThan(0.2)
  })

  it('has mean ≈ variance ≈ λ for λ = 50 (normal branch)', () => {
    const { mean, variance } = moments(50, 50_000, 32)
    expect(Math.abs(mean - 50)).toBeLessThan(0.2)
    expect(Math.abs(variance - 50)).toBeLessThan(3)
  })

  it('returns 0 for λ ≤ 0', () => {
    const rng = new Rng(1)
    expect(rng.poisson(0)).toBe(0)
    expect(rng.poisson(-2)).toBe(0)
  })
})
