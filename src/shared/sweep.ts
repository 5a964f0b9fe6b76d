/**
 * A hyperparameter sweep: a base experiment config, a search space over its parameters (dotted
 * paths such as `learning.rate`), a search method, an objective, a trial budget and early
 * stopping. `parseSweep` checks everything a sweep file can get wrong before a trial runs, one
 * line per problem, each naming the parameter. docs/sweeps.md describes the file.
 *
 * The parsed definition is plain JSON and parses again to itself: the run store keeps it as
 * the sweep's definition, so a sweep resumed after a restart sees exactly what it started with.
 */
import { z } from 'zod'
import { ConfigError, ExperimentConfigSchema, formatConfigIssues, withPresetDefaults, type ExperimentConfig } from './config'

export const SWEEP_METHODS = ['grid', 'random', 'sobol', 'tpe'] as const
export type SweepMethod = (typeof SWEEP_METHODS)[number]

export const RANGE_SCALES = ['uniform', 'log', 'int'] as const
export type RangeScale = (typeof RANGE_SCALES)[number]

/** Metrics a trial's run records when it finishes (see RunRecorder.evaluation). */
export const OBJECTIVE_METRICS = ['accuracy', 'train_accuracy'] as const

/** Sobol direction numbers are tabulated for this many dimensions (see samplers/sobol.ts). */
export const SOBOL_MAX_DIMENSIONS = 32

/** A grid larger than this is almost certainly a mistake (and would not fit in a budget). */
export const MAX_GRID_POINTS = 1_000_000

type JsonValue = z.infer<ReturnType<typeof z.json>>
export type ParameterValue = JsonValue

/**
 * One parameter's domain as written: `{ values: [...] }` or `{ range: [min, max], scale }`,
 * optionally `steps: n` to discretise a range (n points evenly spaced in the scale) for a grid.
 * Checked by hand rather than as a zod union, so a mistake gets a sentence, not "Invalid input".
 */
const ParameterSpecSchema = z.strictObject({
  values: z.array(z.json()).optional(),
  range: z.tuple([z.number(), z.number()]).optional(),
  scale: z.enum(RANGE_SCALES).optional(),
  steps: z.int().min(2).max(100_000).optional()
})
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>

const count = (min: number, max: number) => z.int().min(min).max(max)

/** How trials are stopped early; a bare "median" or "asha" takes the defaults below. */
const EarlyStoppingRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('median'),
    /** Finished trials needed at a step before anything is pruned there. */
    startupTrials: count(0, 100_000).default(5),
    /** No pruning before this many training images. */
    warmupSteps: count(0, 100_000_000).default(0),
    /** The intermediate objective is reported (and checked) every this many images. */
    interval: count(1, 100_000_000).default(10)
  }),
  z.strictObject({
    kind: z.literal('asha'),
    /** Images a trial trains before the first rung. */
    minResource: count(1, 100_000_000).default(10),
    /** η: rung k is at minResource·η^k images; the top 1/η of a rung is promoted. */
    reductionFactor: count(2, 100).default(3),
    /** No rung beyond this many images (default: the trial's whole training). */
    maxResource: count(1, 100_000_000).optional()
  })
])

export const EarlyStoppingSchema = z
  .union([z.enum(['none', 'median', 'asha']), EarlyStoppingRuleSchema])
  .default('none')
  .transform((value) => (typeof value === 'string' ? EarlyStoppingRuleSchema.parse({ kind: value }) : value))

export type EarlyStopping = z.output<typeof EarlyStoppingSchema>

export const SweepDefinitionSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** Any experiment config input; missing fields come from its preset, as for a run (default seed-2017). */
  base: z.preprocess(withPresetDefaults, ExperimentConfigSchema).default(() => ExperimentConfigSchema.parse({})),
  space: z.record(z.string(), ParameterSpecSchema),
  method: z.enum(SWEEP_METHODS).default('random'),
  objective: z
    .strictObject({
      metric: z.enum(OBJECTIVE_METRICS).default('accuracy'),
      direction: z.enum(['maximize', 'minimize']).default('maximize')
    })
    .default({ metric: 'accuracy', direction: 'maximize' }),
  /** Trials to run (a grid runs at most its size). */
  budget: z.int().max(1_000_000),
  /** Trials training at once; default: the number of cores. */
  concurrency: count(1, 1024).optional(),
  earlyStopping: EarlyStoppingSchema,
  /** Seeds the samplers and (with trialSeed 'derived') each trial's config seed. */
  seed: count(0, 4294967295).default(0),
  /** derived: trial i gets a seed drawn from the sweep seed and i; base: every trial uses base.seed. */
  trialSeed: z.enum(['derived', 'base']).default('derived'),
  tpe: z
    .strictObject({
      /** Trials sampled at random before TPE takes over. */
      startupTrials: count(1, 100_000).default(10),
      /** γ: the best fraction of finished trials forms the "good" density l(x). */
      gamma: z.number().min(0.01).max(0.99).default(0.25),
      /** Candidates drawn from l(x) per proposal; the one with the highest l/g is chosen. */
      candidates: count(1, 10_000).default(24)
    })
    .default({ startupTrials: 10, gamma: 0.25, candidates: 24 })
})

export type SweepDefinitionInput = z.input<typeof SweepDefinitionSchema>
export type SweepDefinition = z.output<typeof SweepDefinitionSchema>

/** A parameter of the space in the form the samplers use. */
export type SweepParameter =
  | { path: string; kind: 'values'; values: ParameterValue[] }
  | { path: string; kind: 'range'; min: number; max: number; scale: RangeScale; steps?: number }

/** A point of the space: parameter path → value. */
export type SweepPoint = Record<string, ParameterValue>

/** A sweep definition's problems; a ConfigError (same name), so the CLI and API treat it as bad input. */
export class SweepError extends ConfigError {}

const PATH_PATTERN = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/

/** The space as an ordered list (the order written in the file: grids and Sobol use it). */
export function sweepParameters(definition: Pick<SweepDefinition, 'space'>): SweepParameter[] {
  return Object.entries(definition.space).map(([path, spec]) =>
    spec.values !== undefined
      ? { path, kind: 'values', values: spec.values }
      : { path, kind: 'range', min: spec.range![0], max: spec.range![1], scale: spec.scale ?? 'uniform', ...(spec.steps ? { steps: spec.steps } : {}) }
  )
}

/** Distinct values a parameter takes in a grid; null when it has infinitely many. */
export function gridLevels(parameter: SweepParameter): number | null {
  if (parameter.kind === 'values') return parameter.values.length
  if (parameter.steps) return parameter.steps
  if (parameter.scale === 'int') return parameter.max - parameter.min + 1
  return null
}

/** Number of points of the grid over `parameters` (Infinity past MAX_GRID_POINTS or when continuous). */
export function gridSize(parameters: readonly SweepParameter[]): number {
  let size = 1
  for (const parameter of parameters) {
    const levels = gridLevels(parameter)
    if (levels === null) return Infinity
    size *= levels
    if (size > MAX_GRID_POINTS) return Infinity
  }
  return size
}

/**
 * Sets `path` (dotted; a numeric segment indexes an array) in `target`, creating missing
 * objects on the way. Returns an error text when the path runs through a value that has no
 * fields (a number, a string, past the end of an array), else null. Mutates `target`.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): string | null {
  const segments = path.split('.')
  let node: unknown = target
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]
    const here = segments.slice(0, i).join('.') || '(top level)'
    const last = i === segments.length - 1
    if (Array.isArray(node)) {
      const index = Number(segment)
      if (!/^\d+$/.test(segment) || index >= node.length) return `${here} is a list of ${node.length}; "${segment}" is not one of its positions`
      if (last) node[index] = value
      else node = node[index]
      continue
    }
    if (node === null || typeof node !== 'object') return `${here} is a single value, it has no field "${segment}"`
    const record = node as Record<string, unknown>
    if (last) {
      record[segment] = value
    } else {
      if (record[segment] === undefined) record[segment] = {}
      node = record[segment]
    }
  }
  return null
}

/** A deep copy of `base` with `point` applied (no validation). */
export function withPoint(base: ExperimentConfig, point: SweepPoint): { config: Record<string, unknown>; errors: string[] } {
  const config = structuredClone(base) as unknown as Record<string, unknown>
  const errors: string[] = []
  for (const [path, value] of Object.entries(point)) {
    const problem = setPath(config, path, structuredClone(value))
    if (problem) errors.push(`${path}: not a parameter of the experiment config (${problem})`)
  }
  return { config, errors }
}

const show = (value: unknown) => JSON.stringify(value)

/** Values that stand for a parameter's whole domain when checking it against the config schema. */
function probeValues(parameter: SweepParameter): unknown[] {
  if (parameter.kind === 'values') return parameter.values
  const { min, max, scale } = parameter
  const probes: number[] = [min, max]
  // A fractional value inside the range shows whether the field takes non-integers.
  if (scale !== 'int' && max > min) {
    const inside = min + 0.37 * (max - min)
    if (!Number.isInteger(inside)) probes.push(inside)
  }
  return probes
}

const prefixOf = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) => prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]))

/**
 * Problems of one value of `parameter` applied alone to `base`: the path is not in the config
 * schema, or the value is not one the field accepts. Constraints between fields (a `refine`,
 * e.g. wMax > wMin) are left to each trial, since another parameter of the space may satisfy
 * them; such a trial fails with the reason and the sweep goes on.
 */
function checkAgainstSchema(base: ExperimentConfig, parameter: SweepParameter, value: unknown): string | null {
  const { config, errors } = withPoint(base, { [parameter.path]: value as ParameterValue })
  if (errors.length) return errors[0]
  const result = ExperimentConfigSchema.safeParse(config)
  if (result.success) return null
  const path = parameter.path.split('.')
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const unknown = issue.keys.find((key) => prefixOf([...issue.path, key], path))
      if (unknown !== undefined) {
        const owner = issue.path.length ? issue.path.join('.') : 'the config'
        return `${parameter.path}: not a parameter of the experiment config (${owner} has no field "${unknown}")`
      }
      continue
    }
    if (issue.code === 'custom') continue
    if (prefixOf(path, issue.path) || prefixOf(issue.path, path)) {
      const where = issue.path.length > path.length ? ` at ${issue.path.join('.')}` : ''
      return `${parameter.path}: value ${show(value)} is not accepted${where}: ${issue.message}`
    }
  }
  return null
}

function checkParameter(path: string, spec: ParameterSpec, method: SweepMethod): string[] {
  const problems: string[] = []
  const at = `space.${path}`
  if (!PATH_PATTERN.test(path)) return [`${at}: not a parameter path (expected dotted field names such as learning.rate)`]
  if ((spec.values === undefined) === (spec.range === undefined)) {
    return [`${at}: give either "values": [...] or "range": [min, max]`]
  }
  if (spec.values !== undefined) {
    if (spec.scale !== undefined || spec.steps !== undefined) problems.push(`${at}: "scale" and "steps" go with a range, not with values`)
    if (spec.values.length === 0) problems.push(`${at}: values is empty; give at least one value`)
    return problems
  }
  const [min, max] = spec.range!
  const scale = spec.scale ?? 'uniform'
  if (!Number.isFinite(min) || !Number.isFinite(max)) problems.push(`${at}: range bounds must be finite numbers`)
  else if (min > max) problems.push(`${at}: range min ${min} is greater than max ${max}`)
  if (scale === 'log' && !(min > 0 && max > 0)) problems.push(`${at}: a log range needs positive bounds, got [${min}, ${max}]`)
  if (scale === 'int' && !(Number.isInteger(min) && Number.isInteger(max))) problems.push(`${at}: an int range needs integer bounds, got [${min}, ${max}]`)
  if (scale === 'int' && spec.steps !== undefined) problems.push(`${at}: "steps" does not apply to an int range (it takes every integer)`)
  if (method === 'grid' && scale !== 'int' && spec.steps === undefined) {
    problems.push(`${at}: a grid needs discrete values; use "values", an int range, or add "steps": N to the range`)
  }
  return problems
}

/**
 * Validate an untrusted sweep definition. Throws SweepError (a ConfigError) with one line per
 * problem, each starting with `${source}: ` and naming the field or parameter.
 */
export function parseSweep(input: unknown, source = 'sweep'): SweepDefinition {
  const parsed = SweepDefinitionSchema.safeParse(input)
  if (!parsed.success) throw new SweepError(formatConfigIssues(parsed.error, `${source}: `))
  const definition = parsed.data
  const problems: string[] = []
  const entries = Object.entries(definition.space)
  if (entries.length === 0) problems.push('space: empty; give at least one parameter, e.g. "learning.rate": { "range": [0.005, 0.05], "scale": "log" }')
  if (definition.budget < 1) problems.push(`budget: at least 1 trial is needed, got ${definition.budget}`)
  const shapeProblems = entries.flatMap(([path, spec]) => checkParameter(path, spec, definition.method))
  problems.push(...shapeProblems)
  if (shapeProblems.length === 0) {
    for (const parameter of sweepParameters(definition)) {
      for (const value of probeValues(parameter)) {
        const problem = checkAgainstSchema(definition.base, parameter, value)
        if (problem) {
          problems.push(`space.${problem}`)
          break
        }
      }
    }
    if (definition.method === 'grid' && entries.length > 0 && gridSize(sweepParameters(definition)) === Infinity) {
      problems.push(`space: the grid has more than ${MAX_GRID_POINTS.toLocaleString('en')} points; use fewer values or another method`)
    }
  }
  if (definition.method === 'sobol' && entries.length > SOBOL_MAX_DIMENSIONS) {
    problems.push(`space: sobol supports up to ${SOBOL_MAX_DIMENSIONS} parameters, the space has ${entries.length}; use random or tpe`)
  }
  if (!definition.base.evaluation.enabled && !('evaluation.enabled' in definition.space)) {
    problems.push(`base.evaluation.enabled: must be true: the objective ${definition.objective.metric} is measured by the evaluation after training`)
  }
  const es = definition.earlyStopping
  if (es.kind === 'asha' && es.maxResource !== undefined && es.maxResource < es.minResource) {
    problems.push(`earlyStopping.maxResource: ${es.maxResource} is below minResource ${es.minResource}`)
  }
  if (problems.length) throw new SweepError(problems.map((line) => `${source}: ${line}`).join('\n'))
  return definition
}
