/**
 * The search space as the samplers see it: every parameter maps the unit interval [0, 1) onto
 * its domain (`fromUnit`) and back (`toUnit`), so random, Sobol and the importance forest all
 * work in the unit cube; and a point applied to the base config gives a trial's config.
 */
import { parseExperimentConfig, type ExperimentConfig } from '../../shared/config'
import { withPoint, type ParameterValue, type SweepDefinition, type SweepParameter, type SweepPoint } from '../../shared/sweep'
import { Rng } from '../../engine/random'

/** The value of `parameter` at unit coordinate u ∈ [0, 1). */
export function fromUnit(parameter: SweepParameter, u: number): ParameterValue {
  const t = Math.min(Math.max(u, 0), 1)
  if (parameter.kind === 'values') return parameter.values[Math.min(parameter.values.length - 1, Math.floor(t * parameter.values.length))]
  const { min, max, scale, steps } = parameter
  if (scale === 'int') return Math.min(max, min + Math.floor(t * (max - min + 1)))
  if (steps) return levelValue(parameter, Math.min(steps - 1, Math.floor(t * steps)))
  if (scale === 'log') return Math.min(max, Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))))
  return Math.min(max, min + t * (max - min))
}

/** The centre of `value`'s cell in [0, 1) (values and integers), or its position (continuous). */
export function toUnit(parameter: SweepParameter, value: ParameterValue): number {
  if (parameter.kind === 'values') {
    const text = JSON.stringify(value)
    const index = Math.max(0, parameter.values.findIndex((v) => JSON.stringify(v) === text))
    return (index + 0.5) / parameter.values.length
  }
  const x = Number(value)
  const { min, max, scale, steps } = parameter
  if (max === min) return 0.5
  if (scale === 'int') return (Math.round(x) - min + 0.5) / (max - min + 1)
  const position = scale === 'log' ? (Math.log(x) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (x - min) / (max - min)
  if (steps) return (Math.round(position * (steps - 1)) + 0.5) / steps
  return Math.min(Math.max(position, 0), 1)
}

/** The k-th of `steps` evenly spaced values of a discretised range (in its scale). */
export function levelValue(parameter: Extract<SweepParameter, { kind: 'range' }>, k: number): number {
  const { min, max, scale, steps = 2 } = parameter
  if (k === steps - 1) return max
  const t = k / (steps - 1)
  return scale === 'log' ? Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))) : min + t * (max - min)
}

/** The point at unit coordinates `u` (one per parameter, in order). */
export function pointFromUnit(parameters: readonly SweepParameter[], u: ArrayLike<number>): SweepPoint {
  const point: SweepPoint = {}
  parameters.forEach((parameter, d) => {
    point[parameter.path] = fromUnit(parameter, u[d])
  })
  return point
}

/** The seed of trial `index`: drawn from the sweep seed (trialSeed 'derived') or the base's. */
export function trialSeed(definition: SweepDefinition, index: number): number {
  if (definition.trialSeed === 'base') return definition.base.seed
  return new Rng(definition.seed).split('trial-seed').split(index).nextUint32()
}

/**
 * The config of trial `index`: the base with the point applied, named after the sweep and the
 * trial, with the trial's seed unless `seed` is itself a parameter of the space. Throws a
 * ConfigError when the combination is invalid (a constraint between fields).
 */
export function trialConfig(definition: SweepDefinition, point: SweepPoint, index: number): ExperimentConfig {
  const named: SweepPoint = { name: `${definition.name} #${index}`, seed: trialSeed(definition, index), ...point }
  const { config, errors } = withPoint(definition.base, named)
  if (errors.length) throw new Error(errors.join('; '))
  return parseExperimentConfig(config, `trial ${index}`)
}
