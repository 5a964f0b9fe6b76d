/**
 * The sweep definition: parseSweep refuses every bad input with one line naming the parameter,
 * a good definition parses to plain JSON that parses again to itself, and points map onto
 * configs and the unit cube as documented.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, PRESETS } from '../../src/shared/config'
import { parseSweep, sweepParameters, type SweepDefinitionInput } from '../../src/shared/sweep'
import { fromUnit, toUnit, trialConfig, trialSeed } from '../../src/main/sweeps/space'

const good = {
  name: 'rate-and-neurons',
  base: { steps: 100, data: { classes: [0, 1, 2], trainPerClass: 10 } },
  space: {
    'learning.rate': { range: [0.005, 0.05], scale: 'log' },
    'network.layers': { values: [[{ neurons: 3 }], [{ neurons: 6 }]] },
    'neuron.refractorySteps': { range: [10, 40], scale: 'int' }
  },
  method: 'random',
  budget: 8
} satisfies SweepDefinitionInput

/** The error lines parseSweep throws for `input` (fails the test if it parses). */
function problems(input: unknown): string[] {
  try {
    parseSweep(input, 'sweep.json')
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message.split('\n')
  }
  throw new Error('expected parseSweep to refuse the input')
}

const withSpace = (space: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...good, space, ...extra })

describe('parseSweep refuses, one line naming the parameter', () => {
  it('an empty space', () => {
    expect(problems(withSpace({}))).toEqual([expect.stringMatching(/^sweep\.json: space: empty; give at least one parameter/)])
  })

  it('a parameter that is not in the config schema', () => {
    expect(problems(withSpace({ 'learning.rte': { values: [0.01] } }))).toEqual([
      'sweep.json: space.learning.rte: not a parameter of the experiment config (learning has no field "rte")'
    ])
    expect(problems(withSpace({ 'speed.up': { values: [1] } }))).toEqual([
      'sweep.json: space.speed.up: not a parameter of the experiment config (the config has no field "speed")'
    ])
    expect(problems(withSpace({ 'seed.low': { values: [1] } }))[0]).toMatch(/^sweep\.json: space\.seed\.low: not a parameter of the experiment config \(seed is a single value/)
    expect(problems(withSpace({ 'network.layers.3.neurons': { values: [5] } }))[0]).toMatch(/space\.network\.layers\.3\.neurons: not a parameter .*list of 1/)
  })

  it('a range whose min is greater than its max', () => {
    expect(problems(withSpace({ 'learning.rate': { range: [0.5, 0.1] } }))).toEqual(['sweep.json: space.learning.rate: range min 0.5 is greater than max 0.1'])
  })

  it('a log range over values that are not positive', () => {
    expect(problems(withSpace({ 'learning.rate': { range: [0, 0.1], scale: 'log' } }))).toEqual([
      'sweep.json: space.learning.rate: a log range needs positive bounds, got [0, 0.1]'
    ])
    expect(problems(withSpace({ 'neuron.restPotential': { range: [-1, 1], scale: 'log' } }))[0]).toMatch(/space\.neuron\.restPotential: a log range needs positive bounds/)
  })

  it('values of the wrong type, or outside what the field accepts', () => {
    expect(problems(withSpace({ 'learning.rate': { values: [0.01, 'fast'] } }))).toEqual([
      'sweep.json: space.learning.rate: value "fast" is not accepted: Invalid input: expected number, received string'
    ])
    expect(problems(withSpace({ 'learning.rate': { range: [-1, 1] } }))[0]).toMatch(/^sweep\.json: space\.learning\.rate: value -1 is not accepted: Too small/)
    // A continuous range over an integer field.
    expect(problems(withSpace({ steps: { range: [50, 300] } }))[0]).toMatch(/^sweep\.json: space\.steps: value 142\.5 is not accepted: .*int/i)
    expect(problems(withSpace({ 'encoder.kind': { values: ['deterministic', 'morse'] } }))[0]).toMatch(/space\.encoder\.kind: value "morse" is not accepted/)
  })

  it('an int range with fractional bounds', () => {
    expect(problems(withSpace({ steps: { range: [50.5, 300], scale: 'int' } }))).toEqual(['sweep.json: space.steps: an int range needs integer bounds, got [50.5, 300]'])
  })

  it('a grid over a continuous range', () => {
    expect(problems(withSpace({ 'learning.rate': { range: [0.01, 0.1] } }, { method: 'grid' }))).toEqual([
      'sweep.json: space.learning.rate: a grid needs discrete values; use "values", an int range, or add "steps": N to the range'
    ])
    // …which "steps" makes discrete.
    expect(() => parseSweep(withSpace({ 'learning.rate': { range: [0.01, 0.1], steps: 4 } }, { method: 'grid' }))).not.toThrow()
  })

  it('a budget below one trial', () => {
    expect(problems({ ...good, budget: 0 })).toEqual(['sweep.json: budget: at least 1 trial is needed, got 0'])
    expect(problems({ ...good, budget: -3 })).toEqual(['sweep.json: budget: at least 1 trial is needed, got -3'])
    expect(problems({ ...good, budget: 2.5 })[0]).toMatch(/^sweep\.json: budget: /)
  })

  it('both values and a range, or neither', () => {
    expect(problems(withSpace({ 'learning.rate': { values: [0.01], range: [0, 1] } }))).toEqual(['sweep.json: space.learning.rate: give either "values": [...] or "range": [min, max]'])
    expect(problems(withSpace({ 'learning.rate': {} }))).toEqual(['sweep.json: space.learning.rate: give either "values": [...] or "range": [min, max]'])
    expect(problems(withSpace({ 'learning.rate': { values: [] } }))).toEqual(['sweep.json: space.learning.rate: values is empty; give at least one value'])
  })

  it('a bad base config, unknown fields and methods, with the usual config messages', () => {
    expect(problems({ ...good, base: { learning: { rate: -1 } } })).toEqual(['sweep.json: base.learning.rate: Too small: expected number to be >=0'])
    expect(problems({ ...good, method: 'bayes' })[0]).toMatch(/^sweep\.json: method: /)
    expect(problems({ ...good, budgett: 3 })).toEqual(['sweep.json: budgett: unknown field'])
    expect(problems({ ...good, earlyStopping: { kind: 'asha', reductionFactor: 1 } })[0]).toMatch(/^sweep\.json: earlyStopping/)
  })

  it('a base config that would measure no objective', () => {
    expect(problems({ ...good, base: { evaluation: { enabled: false } } })).toEqual([
      'sweep.json: base.evaluation.enabled: must be true: the objective accuracy is measured by the evaluation after training'
    ])
  })

  it('every problem at once, one per line', () => {
    const lines = problems(withSpace({ 'learning.rate': { range: [0.5, 0.1] }, 'learning.rte': { values: [1] }, steps: { range: [0, 10], scale: 'log' } }, { budget: 0 }))
    expect(lines).toHaveLength(3)
    expect(lines.every((line) => line.startsWith('sweep.json: '))).toBe(true)
    expect(lines.join('\n')).toMatch(/budget/)
    expect(lines.join('\n')).toMatch(/space\.learning\.rate/)
    expect(lines.join('\n')).toMatch(/space\.steps/)
  })
})

describe('a good definition', () => {
  it('fills defaults and parses again to itself (what the store keeps)', () => {
    const definition = parseSweep(good)
    expect(definition.objective).toEqual({ metric: 'accuracy', direction: 'maximize' })
    expect(definition.earlyStopping).toEqual({ kind: 'none' })
    expect(definition.seed).toBe(0)
    expect(definition.base.steps).toBe(100)
    expect(definition.base.learning.rate).toBe(0.02) // defaults filled in
    const stored = JSON.parse(JSON.stringify(definition))
    expect(parseSweep(stored)).toEqual(definition)
  })

  it('fills a base config from its preset, as a run does', () => {
    const definition = parseSweep({ name: 'dc', base: { preset: 'diehl-cook-2015', epochs: 2 }, space: { 'diehlCook.excitatory.thetaPlus': { range: [0.02, 0.2] } }, budget: 4 })
    expect(definition.base).toEqual({ ...PRESETS['diehl-cook-2015'], epochs: 2 })
    expect(parseSweep(JSON.parse(JSON.stringify(definition)))).toEqual(definition)
  })

  it('takes "median" and "asha" as shorthands for their default settings', () => {
    expect(parseSweep({ ...good, earlyStopping: 'median' }).earlyStopping).toEqual({ kind: 'median', startupTrials: 5, warmupSteps: 0, interval: 10 })
    expect(parseSweep({ ...good, earlyStopping: 'asha' }).earlyStopping).toEqual({ kind: 'asha', minResource: 10, reductionFactor: 3 })
  })

  it('leaves constraints between fields to each trial (another parameter may satisfy them)', () => {
    const definition = parseSweep(withSpace({ 'learning.wMin': { range: [-2, 3] } }))
    const [parameter] = sweepParameters(definition)
    expect(trialConfig(definition, { 'learning.wMin': -1 }, 0).learning.wMin).toBe(-1)
    expect(() => trialConfig(definition, { 'learning.wMin': 3 }, 1)).toThrow(/trial 1: learning\.wMax: wMax must be greater than wMin/)
    expect(parameter).toEqual({ path: 'learning.wMin', kind: 'range', min: -2, max: 3, scale: 'uniform' })
  })
})

describe('points, configs and the unit cube', () => {
  const definition = parseSweep(good)
  const [rate, layers, refractory] = sweepParameters(definition)

  it('a trial config is the base with the point applied, its own name and a seed derived from the sweep seed', () => {
    const config = trialConfig(definition, { 'learning.rate': 0.01, 'network.layers': [{ neurons: 6 }], 'neuron.refractorySteps': 12 }, 3)
    expect(config.learning.rate).toBe(0.01)
    expect(config.network.layers).toEqual([{ neurons: 6 }])
    expect(config.neuron.refractorySteps).toBe(12)
    expect(config.steps).toBe(100)
    expect(config.name).toBe('rate-and-neurons #3')
    expect(config.seed).toBe(trialSeed(definition, 3))
    expect(trialSeed(definition, 3)).not.toBe(trialSeed(definition, 4))
    expect(trialSeed(parseSweep({ ...good, seed: 1 }), 3)).not.toBe(trialSeed(definition, 3))
    expect(trialConfig(parseSweep({ ...good, trialSeed: 'base', base: { seed: 42 } }), {}, 3).seed).toBe(42)
    // A seed in the space wins.
    expect(trialConfig(definition, { seed: 7 }, 3).seed).toBe(7)
  })

  it('maps the unit interval onto each domain and back', () => {
    expect(fromUnit(rate, 0)).toBeCloseTo(0.005, 12)
    expect(fromUnit(rate, 0.5)).toBeCloseTo(Math.sqrt(0.005 * 0.05), 12) // log: the geometric middle
    expect(fromUnit(rate, 0.999999999)).toBeCloseTo(0.05, 6)
    expect(toUnit(rate, fromUnit(rate, 0.3) as number)).toBeCloseTo(0.3, 12)
    expect(fromUnit(layers, 0.49)).toEqual([{ neurons: 3 }])
    expect(fromUnit(layers, 0.5)).toEqual([{ neurons: 6 }])
    expect(toUnit(layers, [{ neurons: 6 }])).toBe(0.75)
    const ints = new Set<number>()
    for (let u = 0; u < 1; u += 0.001) ints.add(fromUnit(refractory, u) as number)
    expect([...ints].sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => 10 + i))
    expect(toUnit(refractory, 10)).toBeCloseTo(0.5 / 31, 12)
  })
})
