/** How sweep objectives and parameter values are shown, in one place for the sweep views. */
import type { SweepTrial } from '@shared/sweepApi'

/** Accuracies as percentages, anything else as a number with four significant digits. */
export function formatObjective(value: number | null | undefined, metric: string): string {
  if (value === null || value === undefined) return '—'
  return metric.endsWith('accuracy') ? `${(100 * value).toFixed(1)}%` : String(Number(value.toPrecision(4)))
}

export function formatParam(value: unknown): string {
  if (value === undefined) return '—'
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Number(value.toPrecision(4)))
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** +1 when larger objectives are better, −1 when smaller ones are. */
export const directionSign = (direction: 'maximize' | 'minimize'): number => (direction === 'maximize' ? 1 : -1)

/** Completed trials with an objective, best first (ties: the earlier trial), as the service ranks them. */
export function rankedTrials(trials: readonly SweepTrial[], direction: 'maximize' | 'minimize'): SweepTrial[] {
  const sign = directionSign(direction)
  return trials
    .filter((t) => t.status === 'completed' && t.objective !== null)
    .sort((a, b) => sign * (b.objective! - a.objective!) || a.index - b.index)
}
