/**
 * fANOVA importance: on synthetic objectives whose answer is known, the forest's main effects
 * say which parameter matters, and by how much.
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../../src/engine/random'
import { fanovaImportance } from '../../src/main/sweeps/importance'
import { trialImportance } from '../../src/main/services/sweepService'
import type { TrialRow } from '../../src/main/db'
import type { SweepParameter } from '../../src/shared/sweep'

function sample(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed)
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.nextFloat()))
}

describe('fanovaImportance', () => {
  it('f = 10·x0 + 0.1·x1: x0 explains nearly all the variance, x1 nearly none', () => {
    const points = sample(80, 2, 1)
    const { mainEffects } = fanovaImportance(points, points.map(([x0, x1]) => 10 * x0 + 0.1 * x1))
    expect(mainEffects[0]).toBeGreaterThan(0.9)
    expect(mainEffects[1]).toBeLessThan(0.02)
  })

  it('an additive objective splits in proportion to each term\'s variance; an unused input gets ~0', () => {
    // Var(2·x0) : Var(x1) = 4 : 1 for uniform inputs; x2 is not used.
    const points = sample(200, 3, 2)
    const { mainEffects } = fanovaImportance(points, points.map(([x0, x1]) => 2 * x0 + x1))
    expect(mainEffects[0]).toBeGreaterThan(0.65)
    expect(mainEffects[0]).toBeLessThan(0.9)
    expect(mainEffects[1]).toBeGreaterThan(0.1)
    expect(mainEffects[1]).toBeLessThan(0.3)
    expect(mainEffects[2]).toBeLessThan(0.03)
  })

  it('a pure interaction (x0 XOR x1) has no main effects', () => {
    const points = sample(200, 2, 3)
    const { mainEffects } = fanovaImportance(points, points.map(([x0, x1]) => ((x0 > 0.5) !== (x1 > 0.5) ? 1 : 0)))
    expect(mainEffects[0] + mainEffects[1]).toBeLessThan(0.15)
  })

  it('is reproducible and handles a constant objective', () => {
    const points = sample(30, 2, 4)
    const y = points.map(([x0]) => x0)
    expect(fanovaImportance(points, y, { seed: 5 })).toEqual(fanovaImportance(points, y, { seed: 5 }))
    expect(fanovaImportance(points, points.map(() => 1))).toEqual({ mainEffects: [0, 0], trees: 0 })
  })
})

describe('trialImportance', () => {
  it('works on trials in their own units (log ranges, values), most important first', () => {
    const parameters: SweepParameter[] = [
      { path: 'learning.rate', kind: 'range', min: 0.001, max: 0.1, scale: 'log' },
      { path: 'encoder.kind', kind: 'values', values: ['deterministic', 'poisson'] }
    ]
    const rng = new Rng(6)
    const trials: TrialRow[] = Array.from({ length: 60 }, (_, index) => {
      const rate = Math.exp(Math.log(0.001) + rng.nextFloat() * Math.log(100))
      const kind = rng.nextFloat() < 0.5 ? 'deterministic' : 'poisson'
      return {
        sweepId: 1,
        index,
        runId: null,
        status: 'completed',
        params: { 'learning.rate': rate, 'encoder.kind': kind },
        objective: Math.log10(rate) + (kind === 'poisson' ? 0.05 : 0),
        pruned: false,
        prunedStep: null,
        error: null,
        createdAt: '',
        finishedAt: null
      }
    })
    const importance = trialImportance(trials, parameters)
    expect(importance.map((p) => p.path)).toEqual(['learning.rate', 'encoder.kind'])
    expect(importance[0].importance).toBeGreaterThan(0.9)
    expect(trialImportance(trials.slice(0, 3), parameters)).toEqual([])
  })
})
