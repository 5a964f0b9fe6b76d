/**
 * Grid search: exactly the cartesian product of every parameter's levels, each point once.
 * Order: mixed-radix counting over the parameters in the order the space lists them, the LAST
 * parameter varying fastest (like nested for-loops written in file order). Trial i is point i,
 * so a resumed sweep continues exactly where it stopped.
 */
import { gridLevels, gridSize, type ParameterValue, type SweepParameter, type SweepPoint } from '../../../shared/sweep'
import { levelValue } from '../space'
import type { Sampler } from './types'

/** The k-th level of a discrete parameter. */
function level(parameter: SweepParameter, k: number): ParameterValue {
  if (parameter.kind === 'values') return parameter.values[k]
  if (parameter.scale === 'int') return parameter.min + k
  return levelValue(parameter, k)
}

export class GridSampler implements Sampler {
  readonly size: number
  private readonly levels: number[]

  constructor(private readonly parameters: readonly SweepParameter[]) {
    this.levels = parameters.map((p) => {
      const n = gridLevels(p)
      if (n === null) throw new RangeError(`${p.path}: a grid needs discrete values`)
      return n
    })
    this.size = gridSize(parameters)
  }

  propose(index: number): SweepPoint {
    if (!(index >= 0 && index < this.size)) throw new RangeError(`grid point ${index} does not exist (the grid has ${this.size})`)
    const point: SweepPoint = {}
    let rest = index
    for (let d = this.parameters.length - 1; d >= 0; d--) {
      const k = rest % this.levels[d]
      rest = Math.floor(rest / this.levels[d])
      point[this.parameters[d].path] = level(this.parameters[d], k)
    }
    // Keep the space's key order (the loop above filled it backwards).
    return Object.fromEntries(this.parameters.map((p) => [p.path, point[p.path]]))
  }
}
