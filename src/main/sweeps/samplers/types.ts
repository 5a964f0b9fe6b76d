/** What every sampler sees and returns. */
import type { SweepPoint } from '../../../shared/sweep'

/** A trial the sampler may learn from (TPE does; grid, random and Sobol ignore history). */
export interface ObservedTrial {
  index: number
  point: SweepPoint
  /** The objective, oriented so that larger is better (minimised objectives are negated). */
  score: number
  /** Stopped early: counted among the bad trials by TPE, whatever its last value. */
  pruned: boolean
}

export interface Sampler {
  /** The point of trial `index` (0-based), given the trials finished so far. */
  propose(index: number, history: readonly ObservedTrial[]): SweepPoint
}
