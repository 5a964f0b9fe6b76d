/**
 * Early stopping from intermediate objectives. A trial reports (step, value) pairs while it
 * trains (step: training images so far; value oriented so that larger is better); after each
 * report the pruner says whether to stop it. Pruners are pure functions of every trial's
 * reports and status, which the run store keeps, so decisions survive a restart.
 *
 * - median (Optuna's MedianPruner): stop a trial whose value at step s is below the median of
 *   the completed trials' values at s (each one's last report at or before s), once at least
 *   `startupTrials` completed trials reported there and s ≥ `warmupSteps`.
 * - asha (Li et al. 2018, asynchronous successive halving, as Optuna's SuccessiveHalvingPruner):
 *   rungs at minResource·η^k images. When a trial first reaches a rung it is compared with
 *   every trial that reached that rung before it (whatever became of them); it goes on only if
 *   it is in the top ⌊n/η⌋ there (the best one when ⌊n/η⌋ = 0), else it stops. No trial waits
 *   for others: promotion is decided on what has been seen, hence "asynchronous".
 */
import type { EarlyStopping } from '../../shared/sweep'

export type TrialState = 'running' | 'completed' | 'pruned' | 'failed' | 'cancelled'

export interface TrialCurve {
  index: number
  status: TrialState
  /** Reported steps, ascending, and the values there (larger is better). */
  steps: readonly number[]
  values: readonly number[]
}

export interface Pruner {
  /** Steps (training images) at which a trial of `total` images should report. */
  reportSteps(total: number): number[]
  /**
   * Whether `trial` should stop after its latest report. `curves` holds every trial of the
   * sweep, including `trial` with that report as its last point.
   */
  shouldPrune(trial: number, curves: readonly TrialCurve[]): boolean
}

/** The value of a curve at `step`: its last report at or before it. */
export function valueAt(curve: TrialCurve, step: number): number | undefined {
  let found: number | undefined
  for (let i = 0; i < curve.steps.length && curve.steps[i] <= step; i++) found = curve.values[i]
  return found
}

/** The value a curve had when it first reached `step` (its first report at or after it). */
export function valueReaching(curve: TrialCurve, step: number): number | undefined {
  for (let i = 0; i < curve.steps.length; i++) if (curve.steps[i] >= step) return curve.values[i]
  return undefined
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function multiplesBelow(interval: number, total: number): number[] {
  const steps: number[] = []
  for (let s = interval; s < total; s += interval) steps.push(s)
  return steps
}

export class NoPruner implements Pruner {
  reportSteps(): number[] {
    return []
  }
  shouldPrune(): boolean {
    return false
  }
}

export class MedianPruner implements Pruner {
  constructor(private readonly options: { startupTrials: number; warmupSteps: number; interval: number }) {}

  reportSteps(total: number): number[] {
    return multiplesBelow(this.options.interval, total)
  }

  shouldPrune(trial: number, curves: readonly TrialCurve[]): boolean {
    const own = curves.find((c) => c.index === trial)
    if (!own || own.steps.length === 0) return false
    const step = own.steps[own.steps.length - 1]
    const value = own.values[own.values.length - 1]
    if (step < this.options.warmupSteps) return false
    const others: number[] = []
    for (const curve of curves) {
      if (curve.index === trial || curve.status !== 'completed') continue
      const v = valueAt(curve, step)
      if (v !== undefined && Number.isFinite(v)) others.push(v)
    }
    if (others.length === 0 || others.length < this.options.startupTrials) return false
    return !(value >= median(others)) // NaN is below everything
  }
}

export class AshaPruner implements Pruner {
  constructor(private readonly options: { minResource: number; reductionFactor: number; maxResource?: number }) {}

  /** Rung steps up to `limit` (exclusive). */
  rungs(limit: number): number[] {
    const { minResource, reductionFactor, maxResource } = this.options
    const end = Math.min(limit, maxResource === undefined ? Infinity : maxResource + 1)
    const rungs: number[] = []
    for (let r = minResource; r < end; r *= reductionFactor) rungs.push(r)
    return rungs
  }

  reportSteps(total: number): number[] {
    return this.rungs(total)
  }

  shouldPrune(trial: number, curves: readonly TrialCurve[]): boolean {
    const own = curves.find((c) => c.index === trial)
    if (!own || own.steps.length === 0) return false
    const step = own.steps[own.steps.length - 1]
    const previous = own.steps.length > 1 ? own.steps[own.steps.length - 2] : -Infinity
    // Judged once per rung, at the first report that reaches it; the highest such rung counts.
    const reached = this.rungs(step + 1).filter((r) => r > previous)
    if (reached.length === 0) return false
    const rung = reached[reached.length - 1]
    const value = own.values[own.values.length - 1]
    if (!Number.isFinite(value)) return true
    const competitors: number[] = [value]
    for (const curve of curves) {
      if (curve.index === trial || curve.status === 'failed') continue
      const v = valueReaching(curve, rung)
      if (v !== undefined && Number.isFinite(v)) competitors.push(v)
    }
    competitors.sort((a, b) => b - a)
    const promoted = Math.max(1, Math.floor(competitors.length / this.options.reductionFactor))
    return value < competitors[promoted - 1]
  }
}

export function createPruner(rule: EarlyStopping): Pruner {
  switch (rule.kind) {
    case 'none':
      return new NoPruner()
    case 'median':
      return new MedianPruner(rule)
    case 'asha':
      return new AshaPruner(rule)
  }
}
