/**
 * The new-sweep form's model and its checks. Parameters are picked from the config schema's
 * numeric, enum and boolean fields (the same list the new-run form shows); a definition is
 * checked with `parseSweep`, the function the API validates with, so the form and the service
 * report the same problems in the same words.
 */
import { parseSweep, type ParameterSpec, type SweepDefinition, type SweepDefinitionInput } from '@shared/sweep'
import { configSections, sectionsFor, type FieldSpec } from './configForm'

/** How a parameter is searched: a list of values, or a range in one of three scales. */
export type DomainKind = 'values' | 'uniform' | 'log' | 'int'

export const DOMAIN_KINDS: { kind: DomainKind; label: string }[] = [
  { kind: 'values', label: 'values list' },
  { kind: 'uniform', label: 'uniform' },
  { kind: 'log', label: 'log-uniform' },
  { kind: 'int', label: 'integer range' }
]

/** One row of the search-space editor, as typed (text, so a half-typed number is not lost). */
export interface SpaceRow {
  path: string
  kind: DomainKind
  /** Comma-separated values (kind "values"). */
  values: string
  min: string
  max: string
  /** Evenly spaced points of a continuous range (needed by a grid); empty: continuous. */
  steps: string
}

/** Fields a sweep can vary: numbers, integers, enums and booleans, by dotted path. */
export function sweepableFields(preset: string): FieldSpec[] {
  return sectionsFor(configSections(), preset)
    .flatMap((section) => section.fields)
    .filter((field) => field.kind !== 'text')
}

/** A sensible first domain for a field: its options, or a range around its default. */
export function defaultRow(field: FieldSpec): SpaceRow {
  const row: SpaceRow = { path: field.key, kind: 'values', values: '', min: '', max: '', steps: '' }
  if (field.kind === 'enum') return { ...row, values: field.options.join(', ') }
  if (field.kind === 'boolean') return { ...row, values: 'true, false' }
  const base = typeof field.default === 'number' ? field.default : (field.min ?? 0)
  if (field.kind === 'integer') {
    const low = Math.max(field.min ?? -Infinity, Math.floor(base / 2))
    const high = Math.min(field.max ?? Infinity, Math.max(low + 1, Math.ceil(base * 2)))
    return { ...row, kind: 'int', min: String(low), max: String(high) }
  }
  if (base > 0) return { ...row, kind: 'log', min: round(base / 3), max: round(base * 3) }
  return { ...row, kind: 'uniform', min: round(field.min ?? base - 1), max: round(field.max !== null && field.max < base + 1 ? field.max : base + 1) }
}

const round = (x: number) => String(Number(x.toPrecision(3)))

/** The rows a new sweep starts with: learning rate, threshold scale and leak of the seed model. */
export const DEFAULT_ROWS: SpaceRow[] = [
  { path: 'learning.rate', kind: 'log', values: '', min: '0.005', max: '0.08', steps: '' },
  { path: 'threshold.scale', kind: 'uniform', values: '', min: '0.7', max: '1.5', steps: '' },
  { path: 'neuron.leak', kind: 'uniform', values: '', min: '0.25', max: '1.5', steps: '' }
]

function parseNumber(text: string, what: string): number | string {
  const trimmed = text.trim()
  if (trimmed === '') return `${what} is empty`
  const value = Number(trimmed)
  return Number.isFinite(value) ? value : `${what} "${trimmed}" is not a number`
}

/** A value typed into a values list, read as the field's type. */
function parseValue(text: string, field: FieldSpec | undefined): unknown {
  if (field?.kind === 'enum' || field?.kind === 'text') return text
  if (field?.kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  const number = Number(text)
  if (text !== '' && Number.isFinite(number)) return number
  try {
    return JSON.parse(text) as unknown // lists or objects for structured fields
  } catch {
    return text
  }
}

/** A row as the sweep file's parameter spec, or the reason it cannot be one (said as `space.path: …`). */
export function rowSpec(row: SpaceRow, field: FieldSpec | undefined): ParameterSpec | string {
  if (row.kind === 'values') {
    const items = row.values
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
    if (items.length === 0) return 'give at least one value (comma-separated)'
    return { values: items.map((item) => parseValue(item, field)) as ParameterSpec['values'] }
  }
  const min = parseNumber(row.min, 'min')
  if (typeof min === 'string') return min
  const max = parseNumber(row.max, 'max')
  if (typeof max === 'string') return max
  const spec: ParameterSpec = { range: [min, max], ...(row.kind === 'uniform' ? {} : { scale: row.kind }) }
  if (row.kind !== 'int' && row.steps.trim() !== '') {
    const steps = Number(row.steps)
    if (!Number.isInteger(steps) || steps < 2) return `steps "${row.steps.trim()}" must be a whole number of at least 2`
    spec.steps = steps
  }
  return spec
}

/** Back from a sweep file's spec to an editor row (for "paste JSON" → form). */
export function specRow(path: string, spec: ParameterSpec): SpaceRow {
  const row: SpaceRow = { path, kind: 'values', values: '', min: '', max: '', steps: '' }
  if (spec.values !== undefined) {
    return { ...row, values: spec.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') }
  }
  const [min, max] = spec.range ?? [0, 0]
  return { ...row, kind: spec.scale ?? 'uniform', min: String(min), max: String(max), steps: spec.steps ? String(spec.steps) : '' }
}

/** Everything the form edits besides the space. */
export interface SweepSettings {
  name: string
  base: Record<string, unknown>
  method: SweepDefinition['method']
  metric: SweepDefinition['objective']['metric']
  direction: SweepDefinition['objective']['direction']
  budget: number
  /** Empty: the workbench's default (its number of cores). */
  concurrency: number | null
  earlyStopping: 'none' | 'median' | 'asha'
  seed: number
}

export interface SweepCheck {
  /** The definition to send, when there is no problem. */
  definition: SweepDefinitionInput | null
  /** Problems by what they are about: `space.<path>` for a row, a field name, or '' for the rest. */
  problems: Map<string, string[]>
}

const SOURCE = 'definition'

function add(problems: Map<string, string[]>, key: string, message: string): void {
  const list = problems.get(key)
  if (list) list.push(message)
  else problems.set(key, [message])
}

/** Which form part a parseSweep line is about: "definition: space.learning.rate: …" → space.learning.rate. */
function keyOf(line: string, paths: readonly string[]): { key: string; message: string } {
  const text = line.startsWith(`${SOURCE}: `) ? line.slice(SOURCE.length + 2) : line
  // The longest matching path wins (a.b and a.bc both match "space.a.bc: …").
  const path = [...paths].sort((a, b) => b.length - a.length).find((p) => text.startsWith(`space.${p}:`))
  if (path) return { key: `space.${path}`, message: text.slice(`space.${path}:`.length).trim() }
  const field = /^([A-Za-z]+)(\.[A-Za-z.]+)?:\s*(.*)$/.exec(text)
  if (field && ['name', 'budget', 'concurrency', 'seed', 'method', 'earlyStopping', 'objective'].includes(field[1])) {
    return { key: field[1], message: field[3] }
  }
  return { key: '', message: text }
}

/** The definition the form describes, checked as the API will check it. */
export function checkSweepForm(rows: readonly SpaceRow[], settings: SweepSettings, fields: readonly FieldSpec[]): SweepCheck {
  const problems = new Map<string, string[]>()
  const byKey = new Map(fields.map((f) => [f.key, f]))
  const space: Record<string, ParameterSpec> = {}
  const seen = new Set<string>()
  for (const row of rows) {
    if (seen.has(row.path)) add(problems, `space.${row.path}`, 'appears twice; keep one row per parameter')
    seen.add(row.path)
    const spec = rowSpec(row, byKey.get(row.path))
    if (typeof spec === 'string') add(problems, `space.${row.path}`, spec)
    else space[row.path] = spec
  }
  const definition: SweepDefinitionInput = {
    name: settings.name.trim(),
    base: settings.base,
    space,
    method: settings.method,
    objective: { metric: settings.metric, direction: settings.direction },
    budget: settings.budget,
    ...(settings.concurrency !== null ? { concurrency: settings.concurrency } : {}),
    earlyStopping: settings.earlyStopping,
    seed: settings.seed
  }
  if (problems.size === 0) {
    const check = checkDefinition(definition)
    for (const [key, messages] of check.problems) for (const m of messages) add(problems, key, m)
  }
  return { definition: problems.size === 0 ? definition : null, problems }
}

/** Check a whole definition (pasted JSON or the form's) with parseSweep; problems keyed as in checkSweepForm. */
export function checkDefinition(input: unknown): { definition: SweepDefinition | null; problems: Map<string, string[]> } {
  const problems = new Map<string, string[]>()
  try {
    return { definition: parseSweep(input, SOURCE), problems }
  } catch (error) {
    const space = (input as { space?: unknown } | null)?.space
    const paths = space && typeof space === 'object' ? Object.keys(space) : []
    for (const line of (error as Error).message.split('\n')) {
      const { key, message } = keyOf(line, paths)
      add(problems, key, message)
    }
    return { definition: null, problems }
  }
}
