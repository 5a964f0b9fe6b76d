/** The sampler a sweep definition asks for. */
import { sweepParameters, type SweepDefinition } from '../../../shared/sweep'
import { GridSampler } from './grid'
import { RandomSampler } from './random'
import { SobolSampler } from './sobol'
import { TpeSampler } from './tpe'
import type { Sampler } from './types'

export type { ObservedTrial, Sampler } from './types'

export function createSampler(definition: SweepDefinition): Sampler {
  const parameters = sweepParameters(definition)
  switch (definition.method) {
    case 'grid':
      return new GridSampler(parameters)
    case 'random':
      return new RandomSampler(parameters, definition.seed)
    case 'sobol':
      return new SobolSampler(parameters, definition.seed)
    case 'tpe':
      return new TpeSampler(parameters, definition.seed, definition.tpe)
  }
}
