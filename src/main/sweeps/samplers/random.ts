/**
 * Random search: every parameter uniform in its scale (log ranges uniform in log). Trial i
 * draws from its own stream, split from the sweep seed by i, so a point depends on the seed
 * and the index only: the same sweep proposes the same points in any order and after a restart.
 */
import type { SweepParameter, SweepPoint } from '../../../shared/sweep'
import { Rng } from '../../../engine/random'
import { pointFromUnit } from '../space'
import type { Sampler } from './types'

export class RandomSampler implements Sampler {
  private readonly root: Rng

  constructor(
    private readonly parameters: readonly SweepParameter[],
    seed: number
  ) {
    this.root = new Rng(seed).split('random')
  }

  propose(index: number): SweepPoint {
    const rng = this.root.split(index)
    return pointFromUnit(this.parameters, this.parameters.map(() => rng.nextFloat()))
  }
}
