/**
 * Pruners stop the trials they should: median below the median of completed trials at the same
 * step (after warm-up and enough trials), ASHA outside the top 1/η of a rung when first reaching it.
 */
import { describe, expect, it } from 'vitest'
import { AshaPruner, createPruner, MedianPruner, NoPruner, valueAt, type TrialCurve, type TrialState } from '../../src/main/sweeps/pruners'

const curve = (index: number, status: TrialState, points: [number, number][]): TrialCurve => ({
  index,
  status,
  steps: points.map(([s]) => s),
  values: points.map(([, v]) => v)
})

/** Five completed trials whose values at steps 10, 20, 30 have medians 0.5, 0.6, 0.7. */
const completed = [0.3, 0.4, 0.5, 0.6, 0.7].map((v, i) =>
  curve(i, 'completed', [
    [10, v],
    [20, v + 0.1],
    [30, v + 0.2]
  ])
)

describe('median', () => {
  const pruner = new MedianPruner({ startupTrials: 5, warmupSteps: 0, interval: 10 })
  const judge = (points: [number, number][], others: TrialCurve[] = completed, p = pruner) => p.shouldPrune(9, [...others, curve(9, 'running', points)])

  it('stops a trial below the median of completed trials at the same step, not one at or above it', () => {
    expect(judge([[10, 0.45]])).toBe(true)
    expect(judge([[10, 0.5]])).toBe(false)
    expect(judge([[10, 0.9]])).toBe(false)
    expect(judge([[10, 0.9], [20, 0.55]])).toBe(true) // median at 20 is 0.6
    expect(judge([[10, Number.NaN]])).toBe(true)
  })

  it('compares at the step reached: a completed trial counts with its last report at or before it', () => {
    expect(valueAt(completed[0], 25)).toBe(0.4)
    expect(judge([[25, 0.55]])).toBe(true) // at 25 the others are at their step-20 values: median 0.6
    expect(judge([[5, 0]])).toBe(false) // nobody had reported by step 5
  })

  it('ignores running, pruned and failed trials, and waits for startupTrials completed ones', () => {
    const mixed = [...completed.slice(0, 4), curve(4, 'running', [[10, 0.9]]), curve(5, 'pruned', [[10, 0.0]]), curve(6, 'failed', [[10, 0.0]])]
    expect(judge([[10, 0.0]], mixed)).toBe(false) // only 4 completed
    const lenient = new MedianPruner({ startupTrials: 4, warmupSteps: 0, interval: 10 })
    expect(judge([[10, 0.44]], mixed, lenient)).toBe(true) // median of 0.3..0.6 is 0.45
    expect(judge([[10, 0.46]], mixed, lenient)).toBe(false)
  })

  it('never stops a trial during warm-up', () => {
    const warm = new MedianPruner({ startupTrials: 1, warmupSteps: 20, interval: 10 })
    expect(judge([[10, 0]], completed, warm)).toBe(false)
    expect(judge([[10, 0], [20, 0]], completed, warm)).toBe(true)
  })

  it('asks for a report every interval before the end', () => {
    expect(pruner.reportSteps(45)).toEqual([10, 20, 30, 40])
    expect(pruner.reportSteps(40)).toEqual([10, 20, 30])
  })
})

describe('asha', () => {
  const pruner = new AshaPruner({ minResource: 10, reductionFactor: 3 })

  it('has rungs at minResource·η^k, below the end and up to maxResource', () => {
    expect(pruner.reportSteps(100)).toEqual([10, 30, 90])
    expect(pruner.reportSteps(90)).toEqual([10, 30])
    expect(new AshaPruner({ minResource: 10, reductionFactor: 3, maxResource: 30 }).reportSteps(1000)).toEqual([10, 30])
  })

  it('promotes the top 1/η of each rung as trials arrive, and stops the rest', () => {
    // Trials reach rung 10 one after another with these values.
    const arrivals = [0.5, 0.4, 0.6, 0.55, 0.3, 0.7, 0.65, 0.2, 0.1]
    const curves: TrialCurve[] = []
    const decisions = arrivals.map((value, index) => {
      curves.push(curve(index, 'running', [[10, value]]))
      const prune = pruner.shouldPrune(index, curves)
      curves[index] = { ...curves[index], status: prune ? 'pruned' : 'running' }
      return prune
    })
    // n = 1, 2: only the best goes on; then the top ⌊n/3⌋ of everything seen at the rung
    // (0.65 arrives 7th: the top ⌊7/3⌋ = 2 are 0.7 and 0.65).
    expect(decisions).toEqual([false, true, false, true, true, false, false, true, true])
    // A tenth arrival goes on only among the top ⌊10/3⌋ = 3: behind 0.7 and 0.65, ahead of 0.6.
    expect(pruner.shouldPrune(9, [...curves, curve(9, 'running', [[10, 0.62]])])).toBe(false)
    expect(pruner.shouldPrune(9, [...curves, curve(9, 'running', [[10, 0.58]])])).toBe(true)
  })

  it('judges a trial once per rung, when it first reaches it', () => {
    const others = [curve(0, 'completed', [[10, 0.9], [30, 0.9]]), curve(1, 'completed', [[10, 0.8], [30, 0.8]])]
    // Reaching rung 10 with the best value, then a later report between rungs: not judged again.
    expect(pruner.shouldPrune(2, [...others, curve(2, 'running', [[10, 0.95]])])).toBe(false)
    expect(pruner.shouldPrune(2, [...others, curve(2, 'running', [[10, 0.95], [20, 0.1]])])).toBe(false)
    // At rung 30 it is judged against the others' rung-30 values.
    expect(pruner.shouldPrune(2, [...others, curve(2, 'running', [[10, 0.95], [20, 0.1], [30, 0.5]])])).toBe(true)
  })
})

describe('createPruner', () => {
  it('builds what the definition names', () => {
    expect(createPruner({ kind: 'none' })).toBeInstanceOf(NoPruner)
    expect(createPruner({ kind: 'median', startupTrials: 1, warmupSteps: 0, interval: 5 })).toBeInstanceOf(MedianPruner)
    expect(createPruner({ kind: 'asha', minResource: 5, reductionFactor: 2 })).toBeInstanceOf(AshaPruner)
    expect(new NoPruner().reportSteps()).toEqual([])
  })
})
