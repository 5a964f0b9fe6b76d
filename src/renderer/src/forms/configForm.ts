/**
 * The new-run form is generated from the experiment config schema (src/shared/config.ts): every
 * simple field gets an input with its unit, default and range, and validation messages come
 * from the same schema the API validates with, so the form and the service never disagree.
 */
import { z } from 'zod'
import { ExperimentConfigSchema } from '@shared/config'

export type FieldKind = 'number' | 'integer' | 'boolean' | 'enum' | 'text'

export interface FieldSpec {
  /** Dotted path in the config, e.g. "learning.rate". */
  key: string
  path: string[]
  label: string
  kind: FieldKind
  description: string
  unit: string | null
  min: number | null
  max: number | null
  options: string[]
  default: unknown
}

export interface SectionSpec {
  key: string
  title: string
  fields: FieldSpec[]
}

interface JsonSchema {
  type?: string
  enum?: unknown[]
  const?: unknown
  properties?: Record<string, JsonSchema>
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  description?: string
  unit?: string
  minimum?: number
  maximum?: number
  default?: unknown
}

/** Fields with their own controls in the form (dataset picker, classes, layers) or too structured for one input. */
const CUSTOM = new Set([
  'preset',
  'data.source',
  'data.testSource',
  'data.classes',
  'data.order',
  'network.layers',
  'init',
  'encoder.receptiveField',
  'encoder.interpXp',
  'encoder.interpFp'
])

const TITLES: Record<string, string> = {
  '': 'Run',
  data: 'Data',
  encoder: 'Spike encoding',
  neuron: 'Neurons',
  threshold: 'Threshold',
  inhibition: 'Lateral inhibition',
  learning: 'Learning (STDP)',
  evaluation: 'Evaluation',
  network: 'Network',
  diehlCook: 'Diehl & Cook (2015) model'
}

/** Groups that only mean something for one preset (hidden for the others). */
export const SECTION_PRESET: Record<string, string> = {
  diehlCook: 'diehl-cook-2015',
  // The seed model's neuron, code, threshold and inhibition; diehl-cook-2015 has its own.
  encoder: 'seed-2017',
  neuron: 'seed-2017',
  threshold: 'seed-2017',
  inhibition: 'seed-2017'
}
/** Of the learning group, diehl-cook-2015 reads only the switch (its STDP is in diehlCook.stdp). */
const DIEHL_COOK_LEARNING = new Set(['learning.enabled'])

/** Whether field `key` (dotted path) changes anything for `preset`. */
export function fieldAppliesTo(key: string, preset: string): boolean {
  const section = key.includes('.') ? key.slice(0, key.indexOf('.')) : ''
  if (SECTION_PRESET[section] && SECTION_PRESET[section] !== preset) return false
  return !(preset === 'diehl-cook-2015' && section === 'learning' && !DIEHL_COOK_LEARNING.has(key))
}

/** The form's sections for `preset`, each with only the fields that apply to it. */
export function sectionsFor(sections: SectionSpec[], preset: string): SectionSpec[] {
  return sections
    .filter((section) => !SECTION_PRESET[section.key] || SECTION_PRESET[section.key] === preset)
    .map((section) => ({ ...section, fields: section.fields.filter((field) => fieldAppliesTo(field.key, preset)) }))
}

/** "refractorySteps" → "Refractory steps". */
export function labelOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function fieldOf(path: string[], schema: JsonSchema): FieldSpec | null {
  const key = path.join('.')
  if (CUSTOM.has(key)) return null
  let kind: FieldKind | null = null
  let options: string[] = []
  if (Array.isArray(schema.enum)) {
    kind = 'enum'
    options = schema.enum.map(String)
  } else if (schema.type === 'integer') kind = 'integer'
  else if (schema.type === 'number') kind = 'number'
  else if (schema.type === 'boolean') kind = 'boolean'
  else if (schema.type === 'string') kind = 'text'
  if (!kind) return null
  return {
    key,
    path,
    label: labelOf(path[path.length - 1]),
    kind,
    description: schema.description ?? '',
    unit: schema.unit ?? null,
    min: typeof schema.minimum === 'number' && Math.abs(schema.minimum) < 1e15 ? schema.minimum : null,
    max: typeof schema.maximum === 'number' && Math.abs(schema.maximum) < 1e15 ? schema.maximum : null,
    options,
    default: schema.default
  }
}

let cached: SectionSpec[] | null = null

/** The form's sections: top-level simple fields first ("Run"), then one per config group. */
export function configSections(): SectionSpec[] {
  if (cached) return cached
  const root = z.toJSONSchema(ExperimentConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const sections: SectionSpec[] = [{ key: '', title: TITLES[''], fields: [] }]
  for (const [name, schema] of Object.entries(root.properties ?? {})) {
    if (schema.type === 'object' && schema.properties) {
      const fields = Object.entries(schema.properties)
        .map(([child, childSchema]) => fieldOf([name, child], childSchema))
        .filter((f): f is FieldSpec => f !== null)
      sections.push({ key: name, title: TITLES[name] ?? labelOf(name), fields })
    } else {
      const field = fieldOf([name], schema)
      if (field) sections[0].fields.push(field)
    }
  }
  cached = sections
  return sections
}

export function getAt(target: unknown, path: readonly (string | number)[]): unknown {
  let node = target as Record<string | number, unknown> | undefined
  for (const part of path) node = node?.[part] as Record<string | number, unknown> | undefined
  return node
}

export function setAt(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {}
    node = node[part] as Record<string | number, unknown>
  }
  node[path[path.length - 1]] = value
}

/** Schema problems by dotted path ("learning.rate" → "Too small: expected number to be >=0"). */
export function validateConfig(model: unknown): Map<string, string> {
  const problems = new Map<string, string>()
  const result = ExperimentConfigSchema.safeParse(model)
  if (result.success) return problems
  for (const issue of result.error.issues) {
    const key = issue.path.join('.')
    if (!problems.has(key)) problems.set(key, issue.message)
  }
  return problems
}
