/**
 * Samplers: the grid is exactly the cartesian product in the documented order; random and
 * Sobol stay in bounds and are reproducible from the seed (Sobol matching the reference
 * Joe–Kuo sequence and its balance property); TPE finds better points than random search on a
 * known objective with the same budget, over several seeds.
 */
import { describe, expect, it } from 'vitest'
import { parseSweep, sweepParameters, type SweepParameter, type SweepPoint } from '../../src/shared/sweep'
import { GridSampler } from '../../src/main/sweeps/samplers/grid'
import { RandomSampler } from '../../src/main/sweeps/samplers/random'
import { SobolSampler, sobolPoint } from '../../src/main/sweeps/samplers/sobol'
import { splitTrials, TpeSampler } from '../../src/main/sweeps/samplers/tpe'
import type { ObservedTrial, Sampler } from '../../src/main/sweeps/samplers/types'

const mixed: SweepParameter[] = [
  { path: 'learning.rate', kind: 'range', min: 0.001, max: 0.1, scale: 'log' },
  { path: 'learning.aPlus', kind: 'range', min: 0.2, max: 1.2, scale: 'uniform' },
  { path: 'neuron.refractorySteps', kind: 'range', min: 5, max: 40, scale: 'int' },
  { path: 'encoder.kind', kind: 'values', values: ['deterministic', 'poisson', 'bernoulli'] }
]

function expectInBounds(point: SweepPoint): void {
  const rate = point['learning.rate'] as number
  const aPlus = point['learning.aPlus'] as number
  const refractory = point['neuron.refractorySteps'] as number
  expect(rate).toBeGreaterThanOrEqual(0.001)
  expect(rate).toBeLessThanOrEqual(0.1)
  expect(aPlus).toBeGreaterThanOrEqual(0.2)
  expect(aPlus).toBeLessThanOrEqual(1.2)
  expect(Number.isInteger(refractory)).toBe(true)
  expect(refractory).toBeGreaterThanOrEqual(5)
  expect(refractory).toBeLessThanOrEqual(40)
  expect(['deterministic', 'poisson', 'bernoulli']).toContain(point['encoder.kind'])
}

const points = (sampler: Sampler, n: number) => Array.from({ length: n }, (_, i) => sampler.propose(i, []))

describe('grid', () => {
  const definition = parseSweep({
    name: 'g',
    method: 'grid',
    budget: 100,
    space: {
      'encoder.kind': { values: ['deterministic', 'poisson', 'bernoulli'] },
      'neuron.refractorySteps': { range: [10, 11], scale: 'int' },
      'learning.rate': { range: [0.001, 0.1], scale: 'log', steps: 3 }
    }
  })
  const grid = new GridSampler(sweepParameters(definition))

  it('is exactly the cartesian product, each point once', () => {
    expect(grid.size).toBe(18)
    const seen = points(grid, grid.size).map((p) => JSON.stringify(p))
    const expected: string[] = []
    for (const kind of ['deterministic', 'poisson', 'bernoulli'])
      for (const refractory of [10, 11]) for (const rate of [0.001, 0.01, 0.1]) expected.push(JSON.stringify({ 'encoder.kind': kind, 'neuron.refractorySteps': refractory, 'learning.rate': rate }))
    // Same set, and the documented order: file order, the last parameter fastest.
    expect(seen.map((s) => JSON.parse(s))).toEqual(expected.map((s) => JSON.parse(s)).map((p) => ({ ...p, 'learning.rate': expect.closeTo(p['learning.rate'], 12) })))
    expect(new Set(seen).size).toBe(18)
    expect(() => grid.propose(18)).toThrow(/does not exist/)
  })
})

describe('random', () => {
  it('stays within bounds, with the right types', () => {
    for (const point of points(new RandomSampler(mixed, 3), 500)) expectInBounds(point)
  })

  it('is reproducible from the seed, point by point, in any order', () => {
    const a = new RandomSampler(mixed, 11)
    const b = new RandomSampler(mixed, 11)
    expect(points(a, 20)).toEqual(points(b, 20))
    expect(b.propose(7)).toEqual(a.propose(7))
    expect(points(new RandomSampler(mixed, 12), 20)).not.toEqual(points(a, 20))
  })

  it('is uniform in the scale: a log range is uniform in log', () => {
    const rates = points(new RandomSampler(mixed, 5), 2000).map((p) => Math.log10(p['learning.rate'] as number))
    const below = rates.filter((r) => r < -2).length / rates.length // log10 midpoint of [1e-3, 1e-1]
    expect(below).toBeGreaterThan(0.45)
    expect(below).toBeLessThan(0.55)
  })
})

describe('sobol', () => {
  it('matches the reference Joe–Kuo sequence (first points, first three dimensions)', () => {
    const reference = [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
      [0.875, 0.875, 0.125],
      [0.625, 0.125, 0.875],
      [0.125, 0.625, 0.375]
    ]
    expect(reference.map((_, i) => sobolPoint(i, 3))).toEqual(reference)
  })

  it('puts exactly one of the first 2^m points in each 1/2^m slice of every axis, in all 32 dimensions, scrambled or not', () => {
    const m = 7
    const n = 2 ** m
    const scrambled = new SobolSampler(
      Array.from({ length: 32 }, (_, d) => ({ path: `p${d}`, kind: 'range', min: 0, max: 1, scale: 'uniform' }) satisfies SweepParameter),
      9
    )
    const plain = Array.from({ length: n }, (_, i) => sobolPoint(i, 32))
    const shifted = Array.from({ length: n }, (_, i) => Object.values(scrambled.propose(i)) as number[])
    for (const set of [plain, shifted]) {
      for (let d = 0; d < 32; d++) {
        const slices = new Set(set.map((p) => Math.floor(p[d] * n)))
        expect(slices.size, `dimension ${d + 1}`).toBe(n)
      }
    }
    // Pairs of dimensions are nets too: 2^m points, 2^(m/2)… here 8×16 cells of a 2-D projection.
    const cells = new Set(plain.map((p) => `${Math.floor(p[4] * 8)},${Math.floor(p[9] * 16)}`))
    expect(cells.size).toBe(128)
  })

  it('stays within bounds and is reproducible from the seed', () => {
    const a = new SobolSampler(mixed, 4)
    for (const point of points(a, 300)) expectInBounds(point)
    expect(points(new SobolSampler(mixed, 4), 30)).toEqual(points(a, 30))
    expect(points(new SobolSampler(mixed, 5), 30)).not.toEqual(points(a, 30))
  })

  it('refuses more dimensions than its table', () => {
    const many = Array.from({ length: 33 }, (_, d) => ({ path: `p${d}`, kind: 'range', min: 0, max: 1, scale: 'uniform' }) satisfies SweepParameter)
    expect(() => new SobolSampler(many, 0)).toThrow(/up to 32 parameters/)
  })
})

describe('tpe', () => {
  const box: SweepParameter[] = [
    { path: 'x', kind: 'range', min: 0, max: 1, scale: 'uniform' },
    { path: 'y', kind: 'range', min: 0, max: 1, scale: 'uniform' }
  ]
  /** A smooth bowl with its top at (0.73, 0.21): the best value is 0. */
  const objective = (p: SweepPoint) => -(((p.x as number) - 0.73) ** 2) - ((p.y as number) - 0.21) ** 2

  function bestAfter(sampler: Sampler, budget: number): number {
    const history: ObservedTrial[] = []
    for (let i = 0; i < budget; i++) {
      const point = sampler.propose(i, history)
      history.push({ index: i, point, score: objective(point), pruned: false })
    }
    return Math.max(...history.map((t) => t.score))
  }

  it('beats random search at equal budget over several seeds', () => {
    const seeds = Array.from({ length: 10 }, (_, s) => s + 1)
    const budget = 40
    const tpe = seeds.map((seed) => bestAfter(new TpeSampler(box, seed, { startupTrials: 10, gamma: 0.25, candidates: 24 }), budget))
    const random = seeds.map((seed) => bestAfter(new RandomSampler(box, seed), budget))
    const wins = seeds.filter((_, i) => tpe[i] > random[i]).length
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(wins).toBeGreaterThanOrEqual(7)
    // Mean regret (distance² from the optimum) at least halved.
    expect(-mean(tpe)).toBeLessThan(-mean(random) / 2)
  })

  it('starts with the random points, then proposes valid points reproducibly', () => {
    const tpe = new TpeSampler(mixed, 3, { startupTrials: 5, gamma: 0.25, candidates: 24 })
    const random = new RandomSampler(mixed, 3)
    expect(tpe.propose(2, [])).toEqual(random.propose(2))
    const history: ObservedTrial[] = points(random, 12).map((point, index) => ({ index, point, score: -Math.abs(Math.log10(point['learning.rate'] as number) + 2), pruned: index === 11 }))
    for (let i = 12; i < 40; i++) expectInBounds(tpe.propose(i, history))
    const again = new TpeSampler(mixed, 3, { startupTrials: 5, gamma: 0.25, candidates: 24 })
    expect(again.propose(20, history)).toEqual(tpe.propose(20, history))
  })

  it('splits finished trials at the γ quantile and counts pruned ones as bad', () => {
    const history: ObservedTrial[] = [5, 1, 9, 3, 7, 8].map((score, index) => ({ index, point: {}, score, pruned: index === 5 }))
    const { good, bad } = splitTrials(history, 0.25)
    expect(good.map((t) => t.score)).toEqual([9, 7]) // ⌈0.25 · 5⌉ = 2 of the 5 unpruned
    expect(bad.map((t) => t.score).sort()).toEqual([1, 3, 5, 8])
  })
})
