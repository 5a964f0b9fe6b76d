import type { ExperimentConfig } from '@shared/config'

/**
 * The colour range for drawing a run's weights: its learning rule's bounds, so images of
 * different snapshots and runs compare. diehl-cook-2015 weights live in 0 … wMax.
 */
export function weightBounds(config: ExperimentConfig): { min: number; max: number } {
  if (config.preset === 'diehl-cook-2015') return { min: 0, max: config.diehlCook?.stdp.wMax ?? 1 }
  return { min: Math.min(0, config.learning.wMin), max: config.learning.wMax }
}
