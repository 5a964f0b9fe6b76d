/**
 * Builds docs/config.md from the experiment config schema (src/shared/config.ts), so the page
 * cannot drift from what the parser accepts. Pure: returns the markdown; scripts/gen-config-docs.ts
 * writes it and a unit test checks the checked-in file is current.
 *
 * Field rows come from the schema's JSON Schema (`z.toJSONSchema`, input side: defaults, ranges,
 * descriptions, units). Rules that involve several fields (`.refine`) are not part of JSON Schema;
 * they are read from the zod schema itself. Only the section intros and the spec mapping are
 * written by hand here.
 */
import { z } from 'zod'
import { ExperimentConfigSchema, PRESET_INPUTS, PRESETS } from './config'

/** The subset of JSON Schema that z.toJSONSchema produces for our schema. */
interface JsonSchema {
  type?: string
  description?: string
  unit?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema | false
  prefixItems?: JsonSchema[]
  minItems?: number
  maxItems?: number
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  oneOf?: JsonSchema[]
  anyOf?: JsonSchema[]
  $ref?: string
  $defs?: Record<string, JsonSchema>
}

interface Row {
  field: string
  type: string
  default: string
  range: string
  unit: string
  description: string
}

/** A rule checked across fields, e.g. "learning.wMax: wMax must be greater than wMin". */
export interface CrossFieldRule {
  /** Dotted path the problem is reported at. */
  path: string
  /** Value of the `kind` field the rule belongs to, inside a union of kinds. */
  kind?: string
  message: string
}

interface Section {
  title: string
  /** Top-level property this section documents (absent: the top level itself). */
  key?: string
  /** This section lists the kinds of a union (e.g. `data.source`) rather than an object's fields. */
  kinds?: string
  intro: string
}

const SECTIONS: Section[] = [
  {
    title: 'Top level',
    intro: 'The run as a whole. Each group of settings below has its own section.'
  },
  {
    title: 'data',
    key: 'data',
    intro: 'Which images the network is trained and tested on, and in what order.'
  },
  {
    title: 'data.source kinds',
    kinds: 'data.source',
    intro:
      '`data.source` (and `data.testSource`, which takes the same kinds) is an object whose `kind` says where the images come from; ' +
      'each kind has its own fields. Example: `"source": { "kind": "idx", "images": "train-images-idx3-ubyte.gz", "labels": "train-labels-idx1-ubyte.gz" }`. ' +
      'In `data.testSource` the same fields are written `data.testSource.images` and so on.'
  },
  {
    title: 'encoder',
    key: 'encoder',
    intro:
      'How a grayscale image becomes input spikes: a receptive-field kernel turns pixels into a potential per input, ' +
      'the potential is mapped linearly onto a firing frequency, and the frequency onto spike times (SEED_MODEL.md §1–2).'
  },
  {
    title: 'network',
    key: 'network',
    intro: 'The layers of spiking neurons after the input. The seed model has one layer, which is then the output layer.'
  },
  {
    title: 'neuron',
    key: 'neuron',
    intro: 'The leaky integrate-and-fire neuron of the seed model (SEED_MODEL.md §4–5). Potentials are in the same units as weights.'
  },
  {
    title: 'threshold',
    key: 'threshold',
    intro: 'The firing threshold for each image (SEED_MODEL.md §3): a fixed number, or one computed from how dense the image\'s input spikes are.'
  },
  {
    title: 'inhibition',
    key: 'inhibition',
    intro: 'Lateral inhibition between the neurons of a layer (SEED_MODEL.md §5b).'
  },
  {
    title: 'learning',
    key: 'learning',
    intro:
      'The STDP rule applied when a neuron spikes during training (SEED_MODEL.md §6–7). ' +
      'A weight change d is negative (depression) when the input spiked after the output and positive (potentiation) when it spiked before.'
  },
  {
    title: 'init kinds',
    kinds: 'init',
    intro:
      '`init` sets the weights the network starts from; its `kind` says how, and each kind has its own fields. ' +
      'With `inline` or `file`, a layer whose weights are not given starts uniform in [0, `learning.wMax` · 0.5).'
  },
  {
    title: 'evaluation',
    key: 'evaluation',
    intro:
      'After training, each neuron is labelled with the class it responded to most on the training images ' +
      '(its average response per class: total spikes divided by the class\'s number of images), ' +
      'then the test images are classified with learning off.'
  },
  {
    title: 'diehlCook',
    key: 'diehlCook',
    intro:
      'The `diehl-cook-2015` model (DIEHL_COOK_2015.md): conductance-based LIF excitatory neurons with an adaptive threshold θ, ' +
      'as many inhibitory neurons (excitatory → inhibitory one to one, inhibitory → every other excitatory neuron), ' +
      'Poisson input through delayed synapses that learn with trace STDP. Only read when `preset` is `"diehl-cook-2015"`; ' +
      '`{ "preset": "diehl-cook-2015" }` fills this group with the defaults below, which are the published parameters. ' +
      'Times are in ms, potentials in mV; conductances and weights are in units of the leak conductance. ' +
      'Of the other groups, this model reads `seed`, `epochs`, `snapshotEvery`, `data`, `network.layers[0].neurons` ' +
      '(N excitatory and N inhibitory neurons), `init` (input → excitatory weights), `learning.enabled` and `evaluation`; ' +
      '`steps`, `encoder`, `neuron`, `threshold`, `inhibition` and the other `learning` fields belong to seed-2017. ' +
      'Integration (per time step `dt`, schedule in src/engine/network/diehlCookNetwork.ts): ge, gi, θ and the STDP traces decay exactly ' +
      '(e^(−dt/τ)); v takes an Euler step as in the reference, with each conductance replaced by its exact mean over the step, ' +
      'so that a weight w delivers the charge w·τ of the continuous model. ' +
      'Delays and refractory periods are rounded to whole steps.'
  }
]

/** One row of the mapping from SEED_MODEL.md to config fields. */
interface SpecConstant {
  constant: string
  spec: string
  field: string
  /** The spec's value, when it has one: compared with the preset's default. */
  value?: unknown
  note?: string
}

const SPEC_CONSTANTS: SpecConstant[] = [
  { constant: 'T (time steps per image)', spec: '150 or 200', field: 'steps', note: 'the golden cases use 150' },
  { constant: 'receptive-field kernel K (§1)', spec: 'the 5×5 kernel', field: 'encoder.receptiveField', value: [[-0.5, -0.125, 0.125, -0.125, -0.5], [-0.125, 0.125, 0.625, 0.125, -0.125], [0.125, 0.625, 1, 0.625, 0.125], [-0.125, 0.125, 0.625, 0.125, -0.125], [-0.5, -0.125, 0.125, -0.125, -0.5]] },
  { constant: 'deterministic rate encoding (§2)', spec: 'regular spikes every p steps', field: 'encoder.kind', value: 'deterministic' },
  { constant: 'interp potential range (§2)', spec: '[−1.069, 2.781]', field: 'encoder.interpXp', value: [-1.069, 2.781] },
  { constant: 'interp frequency range (§2)', spec: '[1, 20]', field: 'encoder.interpFp', value: [1, 20] },
  { constant: '600 in p = ceil(600 / f) (§2)', spec: '600', field: 'encoder.periodNumerator', value: 600 },
  { constant: 'threshold mode (§3)', spec: 'fixed or variable', field: 'threshold.mode', note: 'golden case_A uses fixed, case_B variable' },
  { constant: 'Pth (§3)', spec: '50', field: 'threshold.fixed', value: 50, note: 'used when `threshold.mode` is `"fixed"`' },
  { constant: '3 in max(Σ spikes) / 3 · scale (§3)', spec: '3', field: 'threshold.divisor', value: 3 },
  { constant: 'scale of the variable threshold (§3)', spec: '· scale', field: 'threshold.scale', value: 1 },
  { constant: 'n (output neurons)', spec: 'n', field: 'network.layers', note: 'one layer; golden case_A has 3 neurons, case_B 5' },
  { constant: 'Prest (§4–5)', spec: '0', field: 'neuron.restPotential', value: 0 },
  { constant: 'D, the leak (§5a)', spec: '0.75', field: 'neuron.leak', value: 0.75 },
  { constant: 'winner-take-all, once per image (§5b)', spec: 'on', field: 'inhibition.kind', value: 'winner-take-all' },
  { constant: 'inhibit_potential (§5b)', spec: '−500', field: 'inhibition.potential', value: -500 },
  { constant: 't_ref (§5c)', spec: '30', field: 'neuron.refractorySteps', value: 30 },
  { constant: 'Pmin (§5c)', spec: '−5', field: 'neuron.minPotential', value: -5 },
  { constant: 'STDP offsets before the spike (§6)', spec: '−2 … −20', field: 'learning.windowBefore', value: 20 },
  { constant: 'STDP offsets after the spike (§6)', spec: '2 … 20', field: 'learning.windowAfter', value: 20 },
  { constant: 'A_plus, A+ (§6)', spec: '0.8', field: 'learning.aPlus', value: 0.8 },
  { constant: 'A_minus, A− (§6)', spec: '0.3', field: 'learning.aMinus', value: 0.3 },
  { constant: 'tau_plus, τ+ (§6)', spec: '10', field: 'learning.tauPlus', value: 10 },
  { constant: 'tau_minus, τ− (§6)', spec: '10', field: 'learning.tauMinus', value: 10 },
  { constant: 'sigma, σ (§6)', spec: '0.02', field: 'learning.rate', value: 0.02 },
  { constant: 'w_max (§6)', spec: '2.0', field: 'learning.wMax', value: 2 },
  { constant: 'w_min (§6)', spec: '−1.2', field: 'learning.wMin', value: -1.2 },
  { constant: 'depression bound w + σ·d·(w − |w_min|) (§6)', spec: 'as written (not w − w_min)', field: 'learning.softBound', value: 'seed' },
  { constant: 'scale in update and silent depression (§6–7)', spec: '· scale', field: 'learning.scale', value: 1, note: 'the golden cases use 1' },
  { constant: 'silent depression (§7)', spec: '0.06', field: 'learning.silentDepression', value: 0.06 },
  {
    constant: 'initial weights',
    spec: 'uniform in [0, w_max · 0.5)',
    field: 'init',
    value: { kind: 'uniform', low: 0, high: 1 },
    note: '`high` is a number of its own: it does not follow `learning.wMax`'
  },
  { constant: 'prediction (Classification)', spec: 'neuron with most spikes, ties → lowest index', field: 'evaluation.prediction', value: 'max-neuron' }
]

/** DIEHL_COOK_2015.md's constants and where the diehl-cook-2015 preset keeps them. */
const DIEHL_COOK_CONSTANTS: SpecConstant[] = [
  { constant: 'dt', spec: '0.5 ms', field: 'diehlCook.dt', value: 0.5 },
  { constant: 'presentation, rest', spec: '350 ms, 150 ms', field: 'diehlCook.present', value: 350, note: 'rest: `diehlCook.rest` = 150' },
  { constant: 'input rate', spec: 'pixel/255 × 63.75 Hz', field: 'diehlCook.input.maxRate', value: 63.75 },
  { constant: 'start intensity; raise when < 5 spikes', spec: '2; 5', field: 'diehlCook.input.intensity', value: 2, note: '`diehlCook.input.minSpikes` = 5' },
  { constant: 'N excitatory = N inhibitory', spec: '100, 400, 1600, 6400', field: 'network.layers', note: 'one layer of N' },
  { constant: 'τ_m exc / inh', spec: '100 / 10 ms', field: 'diehlCook.excitatory.tauMembrane', value: 100, note: '`diehlCook.inhibitory.tauMembrane` = 10' },
  { constant: 'v_rest exc / inh', spec: '−65 / −60 mV', field: 'diehlCook.excitatory.restPotential', value: -65 },
  { constant: 'v_reset exc / inh', spec: '−65 / −45 mV', field: 'diehlCook.excitatory.resetPotential', value: -65 },
  { constant: 'v_thresh exc / inh', spec: '−52 / −40 mV', field: 'diehlCook.excitatory.threshold', value: -52 },
  { constant: 'θ offset', spec: '20 mV', field: 'diehlCook.excitatory.thetaOffset', value: 20 },
  { constant: 'θ start, θ+ per spike, τ_θ', spec: '20 mV, 0.05 mV, 10^7 ms', field: 'diehlCook.excitatory.thetaPlus', value: 0.05 },
  { constant: 'refractory exc / inh', spec: '5 / 2 ms', field: 'diehlCook.excitatory.refractory', value: 5 },
  { constant: 'refractory timer (reference)', spec: 'dtimer/dt = 0.1', field: 'diehlCook.excitatory.timerRate', value: 0.1 },
  { constant: 'τ_ge, τ_gi', spec: '1 ms, 2 ms', field: 'diehlCook.excitatory.tauExcitatory', value: 1 },
  { constant: 'inhibitory reversal exc / inh', spec: '−100 / −85 mV', field: 'diehlCook.excitatory.inhibitoryReversal', value: -100 },
  { constant: 'initial input weights', spec: '0.3·(U(0,1) + 0.01)', field: 'init', value: { kind: 'uniform', low: 0.003, high: 0.303 } },
  { constant: 'input delays', spec: 'U(0, 10 ms)', field: 'diehlCook.input.maxDelay', value: 10 },
  { constant: 'w exc→inh, inh→exc', spec: '10.4, 17.0', field: 'diehlCook.synapses.excitatoryToInhibitory', value: 10.4 },
  { constant: 'STDP τ_pre, τ_post1, τ_post2', spec: '20, 20, 40 ms', field: 'diehlCook.stdp.tauPost2', value: 40 },
  { constant: 'nu_pre, nu_post, w_max', spec: '0.0001, 0.01, 1', field: 'diehlCook.stdp.nuPost', value: 0.01 },
  { constant: 'column sum before each image', spec: '78', field: 'diehlCook.normalization', value: 78 },
  { constant: 'prediction', spec: 'class with the highest mean count', field: 'evaluation.prediction', value: 'class-vote' }
]

const EXAMPLE_CONFIG = `{
  "name": "five-digits",
  "data": { "classes": [0, 1, 2, 3, 4], "trainPerClass": 100 },
  "network": { "layers": [{ "neurons": 10 }] },
  "threshold": { "mode": "fixed", "fixed": 40 }
}`

/** The small example config shown in the intro (a test checks it parses). */
export const CONFIG_DOCS_EXAMPLE: unknown = JSON.parse(EXAMPLE_CONFIG)

/** Longest default (as JSON) shown in a table cell; longer ones are printed below the table. */
const MAX_CELL_JSON = 48

// ---------------------------------------------------------------------------------------------
// Formatting helpers

/** GitHub's heading anchor. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')
}

const link = (title: string) => `[${title}](#${anchor(title)})`
const code = (text: string) => `\`${text}\``

/** Escape schema text for markdown: backslashes, `*` and `<` `>` outside code spans. */
function text(raw: string): string {
  return raw
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/[\\*<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`)) : part))
    .join('`')
}

/** A table cell: pipes escaped (GFM needs that even inside code spans). */
const cell = (markdown: string) => markdown.replace(/\|/g, '\\|')

/** 1000000 → "1,000,000"; small and fractional numbers as JavaScript prints them. */
function formatNumber(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) < 10_000) return String(n)
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0 ? `-${digits}` : digits
}

function countPhrase(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && min === max) return `${min} `
  if (min !== undefined && max !== undefined) return `${min} to ${max} `
  if (min !== undefined) return min === 1 ? 'one or more ' : `${min} or more `
  if (max !== undefined) return `up to ${max} `
  return ''
}

/** JSON on one line; arrays of arrays keep one inner array per line when pretty-printed. */
function prettyJson(value: unknown): string {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => Array.isArray(v))) {
    return `[\n${value.map((v) => `  ${JSON.stringify(v).replace(/,/g, ', ')}`).join(',\n')}\n]`
  }
  return JSON.stringify(value, null, 2)
}

/** JSON on one line with a space after `,` and `:` (outside strings). */
const compactJson = (value: unknown) => JSON.stringify(value).replace(/("(?:[^"\\]|\\.)*")|([,:])/g, (_m, str: string | undefined, sep: string) => str ?? `${sep} `)

function schemaAt(root: JsonSchema, path: string, reader: SchemaReader): JsonSchema {
  const found = path.split('.').reduce<JsonSchema | undefined>((s, key) => (s ? reader.deref(s).properties?.[key] : undefined), root)
  if (!found) throw new Error(`config docs: the schema has no ${path}`)
  return reader.deref(found)
}

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), config)
}

// ---------------------------------------------------------------------------------------------
// Reading the JSON Schema

class SchemaReader {
  constructor(private readonly defs: Record<string, JsonSchema>) {}

  /** Follow a local `$ref` (only produced if a schema gets an id); the referrer's keys win. */
  deref(s: JsonSchema): JsonSchema {
    if (!s.$ref) return s
    const name = s.$ref.replace(/^#\/\$defs\//, '')
    const target = this.defs[name]
    if (!target) throw new Error(`config docs: cannot resolve ${s.$ref}`)
    const { $ref: _ref, ...rest } = s
    void _ref
    return { ...this.deref(target), ...rest }
  }

  /** The options of a union of objects told apart by a constant `kind`, or null. */
  kinds(s: JsonSchema): JsonSchema[] | null {
    const options = (s.oneOf ?? s.anyOf)?.map((o) => this.deref(o))
    if (!options?.length) return null
    return options.every((o) => o.type === 'object' && o.properties?.kind?.const !== undefined) ? options : null
  }

  isObject(s: JsonSchema): boolean {
    const d = this.deref(s)
    return d.type === 'object' && d.properties !== undefined
  }

  typeText(schema: JsonSchema, plural = false, kindsLink?: string): string {
    const s = this.deref(schema)
    if (s.enum) return s.enum.length === 1 ? `only ${code(JSON.stringify(s.enum[0]))}` : `one of ${s.enum.map((v) => code(JSON.stringify(v))).join(', ')}`
    if (s.const !== undefined) return code(JSON.stringify(s.const))
    if (this.kinds(s)) return kindsLink ? `object: one of the ${kindsLink}` : 'object with a `kind`'
    const options = s.oneOf ?? s.anyOf
    if (options) return options.map((o) => this.typeText(o, plural)).join(', or ')
    switch (s.type) {
      case 'integer':
        return plural ? 'integers' : 'integer'
      case 'number':
        return plural ? 'numbers' : 'number'
      case 'boolean':
        return plural ? '`true`/`false` values' : '`true` or `false`'
      case 'object':
        return plural ? 'objects' : 'object'
      case 'null':
        return '`null`'
      case 'string': {
        const limits = [s.minLength ? 'not empty' : '', s.maxLength !== undefined ? `up to ${s.maxLength} characters` : ''].filter(Boolean)
        return (plural ? 'texts' : 'text') + (limits.length ? ` (${limits.join(', ')})` : '')
      }
      case 'array': {
        if (s.prefixItems) {
          const parts = s.prefixItems.map((p) => this.typeText(p))
          if (parts.every((p) => p === parts[0])) {
            const n = parts.length
            const what = n === 2 ? `pair of ${this.typeText(s.prefixItems[0], true)}` : `list of ${n} ${this.typeText(s.prefixItems[0], true)}`
            return plural ? `${what.replace(/^pair/, 'pairs').replace(/^list/, 'lists')}` : what
          }
          return `[${parts.join(', ')}]`
        }
        const items = s.items ? this.typeText(s.items, true) : 'values'
        return `${plural ? 'lists' : 'list'} of ${countPhrase(s.minItems, s.maxItems)}${items}`
      }
      default:
        return 'any value'
    }
  }

  /** Numeric bounds of all number leaves under `s` (not into objects), when they all agree. */
  private leafBounds(schema: JsonSchema, out: string[]): void {
    const s = this.deref(schema)
    if (s.type === 'number' || s.type === 'integer') {
      out.push(this.bounds(s))
      return
    }
    for (const o of s.oneOf ?? s.anyOf ?? []) this.leafBounds(o, out)
    if (s.type === 'array') {
      for (const p of s.prefixItems ?? []) this.leafBounds(p, out)
      if (s.items) this.leafBounds(s.items, out)
    }
  }

  private bounds(s: JsonSchema): string {
    const low = s.minimum !== undefined ? formatNumber(s.minimum) : s.exclusiveMinimum !== undefined ? `> ${formatNumber(s.exclusiveMinimum)}` : undefined
    const high = s.maximum !== undefined ? formatNumber(s.maximum) : s.exclusiveMaximum !== undefined ? `< ${formatNumber(s.exclusiveMaximum)}` : undefined
    if (low !== undefined && high !== undefined) {
      return low.startsWith('>') || high.startsWith('<') ? `${low}, ${high}` : `${low}..${high}`
    }
    if (low !== undefined) return low.startsWith('>') ? low : `≥ ${low}`
    if (high !== undefined) return high.startsWith('<') ? high : `≤ ${high}`
    return ''
  }

  rangeText(schema: JsonSchema): string {
    const s = this.deref(schema)
    if (this.kinds(s) || s.type === 'object') return ''
    if (s.type === 'number' || s.type === 'integer') return this.bounds(s)
    const leaves: string[] = []
    this.leafBounds(s, leaves)
    if (leaves.length === 0 || leaves[0] === '' || leaves.some((b) => b !== leaves[0])) return ''
    return `each ${leaves[0]}`
  }
}

// ---------------------------------------------------------------------------------------------
// Rules from .refine(), read from the zod schema

/** The parts of a zod definition the walk needs (zod 4 `_zod.def`). */
interface ZodDefLike {
  type: string
  innerType?: z.core.$ZodType
  in?: z.core.$ZodType
  shape?: Record<string, z.core.$ZodType>
  options?: z.core.$ZodType[]
  discriminator?: string
  element?: z.core.$ZodType
  items?: z.core.$ZodType[]
  values?: unknown[]
  checks?: z.core.$ZodCheck[]
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as ZodDefLike

/** Every `.refine()` of the config schema, with the path its problem is reported at. */
export function crossFieldRules(schema: z.core.$ZodType = ExperimentConfigSchema): CrossFieldRule[] {
  const rules: CrossFieldRule[] = []
  const walk = (node: z.core.$ZodType, path: string[], kind: string | undefined) => {
    const def = defOf(node)
    for (const check of def.checks ?? []) {
      const cdef = check._zod.def as { check: string; path?: PropertyKey[]; error?: (issue?: never) => unknown }
      if (cdef.check !== 'custom') continue
      const result = cdef.error?.()
      const message = typeof result === 'string' ? result : (result as { message?: string } | undefined)?.message
      if (!message) throw new Error(`config docs: a refinement at ${path.join('.') || '(top level)'} has no fixed message`)
      rules.push({ path: [...path, ...(cdef.path ?? []).map(String)].join('.'), kind, message })
    }
    switch (def.type) {
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
        if (def.innerType) walk(def.innerType, path, kind)
        break
      case 'pipe':
        if (def.in) walk(def.in, path, kind)
        break
      case 'object':
        for (const [key, value] of Object.entries(def.shape ?? {})) walk(value, [...path, key], kind)
        break
      case 'union':
        for (const option of def.options ?? []) {
          const tag = def.discriminator ? defOf(option).shape?.[def.discriminator] : undefined
          const value = tag ? defOf(tag).values?.[0] : undefined
          walk(option, path, value === undefined ? kind : String(value))
        }
        break
      case 'array':
        if (def.element) walk(def.element, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[]`], kind)
        break
      case 'tuple':
        def.items?.forEach((item, i) => walk(item, [...path, String(i)], kind))
        break
    }
  }
  walk(schema, [], undefined)
  return rules
}

// ---------------------------------------------------------------------------------------------
// The page

function table(rows: Row[]): string {
  const lines = [
    '| Field | Type / allowed values | Default | Range | Unit | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${[r.field, r.type, r.default, r.range, r.unit, r.description].map(cell).join(' | ')} |`)
  ]
  return lines.join('\n')
}

/** Spec constant → config field → the preset's value, flagging any that differ from the spec. */
function specTable(constants: SpecConstant[], preset: unknown): string {
  const specRows = constants.map((c) => {
    const actual = valueAt(preset, c.field)
    if (actual === undefined) throw new Error(`config docs: spec constant ${c.constant} maps to ${c.field}, which the config does not have`)
    const json = compactJson(actual)
    const section = SECTIONS.find((s) => s.key === c.field.split('.')[0] || s.kinds === c.field)
    const shown = json.length <= MAX_CELL_JSON ? code(json) : `see ${section ? link(section.title) : 'above'}`
    const differs = c.value !== undefined && JSON.stringify(c.value) !== JSON.stringify(actual)
    const note = [differs ? '**differs from the spec**' : '', c.note ?? ''].filter(Boolean).join('; ')
    return `| ${[c.constant, c.spec, code(c.field), shown, note].map(cell).join(' | ')} |`
  })
  return ['| Spec constant | Spec value | Config field | Default | Notes |', '| --- | --- | --- | --- | --- |', ...specRows].join('\n')
}

/** The markdown of docs/config.md. */
export function generateConfigDocs(): string {
  const root = z.toJSONSchema(ExperimentConfigSchema, { io: 'input' }) as JsonSchema
  const reader = new SchemaReader(root.$defs ?? {})
  const top = root.properties ?? {}
  const rules = crossFieldRules()
  const preset = PRESETS['seed-2017']

  const sectionOfKey = new Map(SECTIONS.filter((s) => s.key).map((s) => [s.key as string, s]))
  const sectionOfKinds = new Map(SECTIONS.filter((s) => s.kinds).map((s) => [s.kinds as string, s]))
  for (const key of Object.keys(top)) {
    if ((reader.isObject(top[key]) || reader.kinds(top[key])) && !sectionOfKey.has(key) && !sectionOfKinds.has(key)) {
      throw new Error(`config docs: the config has a group "${key}" that no section documents; add it to SECTIONS`)
    }
  }

  /** The section documenting the kinds of a union: its own, or one whose options are the same. */
  const kindsSections = [...sectionOfKinds.entries()].map(([path, section]) => ({ section, options: JSON.stringify(reader.kinds(schemaAt(root, path, reader))) }))
  const kindsLinkFor = (s: JsonSchema): string | undefined => {
    const options = JSON.stringify(reader.kinds(s))
    const found = kindsSections.find((k) => k.options === options)
    return found ? link(found.section.title) : undefined
  }

  const longDefaults: { field: string; value: unknown }[] = []
  const defaultText = (field: string, s: JsonSchema, required: boolean): string => {
    if (s.default !== undefined) {
      const json = compactJson(s.default)
      if (json.length <= MAX_CELL_JSON) return code(json)
      longDefaults.push({ field, value: s.default })
      return 'see below the table'
    }
    return required ? 'required' : 'not set'
  }

  /** Rows for a field and, for objects and lists of objects, the fields inside. */
  const fieldRows = (schema: JsonSchema, path: string, required: boolean, tag = ''): Row[] => {
    const s = reader.deref(schema)
    const rows: Row[] = [
      {
        field: code(path),
        type: reader.typeText(s, false, kindsLinkFor(s)),
        // An object's default is its fields' defaults, listed in the rows that follow.
        default: reader.isObject(s) && s.default !== undefined ? 'all defaults' : defaultText(path, s, required),
        range: reader.rangeText(s),
        unit: s.unit ?? '',
        description: tag + text(s.description ?? '')
      }
    ]
    if (reader.kinds(s)) return rows
    const inner = s.type === 'array' && s.items && reader.isObject(s.items) ? { base: `${path}[]`, obj: reader.deref(s.items) } : reader.isObject(s) ? { base: path, obj: s } : null
    if (inner) {
      for (const [key, child] of Object.entries(inner.obj.properties ?? {})) {
        rows.push(...fieldRows(child, `${inner.base}.${key}`, inner.obj.required?.includes(key) ?? false, tag))
      }
    }
    return rows
  }

  const rulesText = (filter: (r: CrossFieldRule) => boolean): string => {
    const mine = rules.filter(filter)
    if (!mine.length) return ''
    const items = mine.map((r) => `- ${code(r.path)}${r.kind ? ` (kind ${code(JSON.stringify(r.kind))})` : ''}: ${text(r.message)}.`)
    return `\nAlso checked:\n\n${items.join('\n')}\n`
  }

  const longDefaultsText = (): string => {
    if (!longDefaults.length) return ''
    const text = longDefaults.map((d) => `\nDefault of ${code(d.field)}:\n\n\`\`\`json\n${prettyJson(d.value)}\n\`\`\`\n`).join('')
    longDefaults.length = 0
    return text
  }

  const out: string[] = []
  out.push(`<!-- Generated by scripts/gen-config-docs.ts from src/shared/config.ts: do not edit by hand.
     After changing the schema, run: npx tsx scripts/gen-config-docs.ts -->

# Experiment configuration

An experiment — which images, how they become spikes, the network, the learning rule, how the
result is evaluated — is described by one JSON **config file**. The CLI trains from it
(\`snn-workbench train --config my.json\`) and the app uses the same format.

- **Every field is optional.** A field you leave out takes its default, and the defaults are the
  \`seed-2017\` preset: the model of SEED_MODEL.md. \`{}\` is a complete config.
- **Getting a complete config to start from:** \`npm run --silent cli -- config > my.json\` (or
  \`npx snn-workbench config > my.json\`) prints every field with its default. Without
  \`--silent\`, npm writes its own banner into the file, which is then not valid JSON.
- **Unknown fields are rejected**, so a typo such as \`"learnng"\` is an error, not a silently
  ignored setting. Errors name the file and the field, one line per problem:
  \`my.json: learning.rate: Too small: expected number to be >=0\`.
- **Relative file paths** (\`data.source.images\`, \`data.source.labels\`, \`data.source.root\`, the
  same under \`data.testSource\`, and \`init.path\`) are resolved against the folder the config
  file is in, not the folder you run the command from.
- Numbers are plain JSON numbers (\`200\`, not \`"200"\`); where the type says *integer*, a
  fraction is an error.

A small config that changes only what it needs:

\`\`\`json
${EXAMPLE_CONFIG}
\`\`\`

Each table below lists one group of settings. **Field** is the dotted path (\`learning.rate\` is
\`"rate"\` inside \`"learning"\`; \`[]\` marks the items of a list), **Range** the smallest and
largest value accepted, and **Default** the \`seed-2017\` value.

Sections: ${SECTIONS.map((s) => link(s.title)).join(' · ')} · ${link('The seed-2017 preset and the spec')} · ${link('The diehl-cook-2015 preset and the spec')}
`)

  for (const section of SECTIONS) {
    out.push(`## ${section.title}\n\n${section.intro}\n`)
    const rows: Row[] = []
    if (section.kinds) {
      const union = schemaAt(root, section.kinds, reader)
      const options = reader.kinds(union)
      if (!options) throw new Error(`config docs: ${section.kinds} is not a union of kinds`)
      if (union.default !== undefined) out.push(`Default: ${code(compactJson(union.default))}.\n`)
      for (const option of options) {
        const kind = String(option.properties?.kind?.const)
        const fields = Object.keys(option.properties ?? {}).filter((k) => k !== 'kind')
        rows.push({
          field: code(`${section.kinds}.kind`),
          type: code(JSON.stringify(kind)),
          default: '',
          range: '',
          unit: '',
          description: `**${kind}**: ${text(option.description ?? '')}${fields.length ? `. Its fields:` : '. No other fields.'}`
        })
        for (const key of fields) {
          rows.push(...fieldRows(option.properties![key], `${section.kinds}.${key}`, option.required?.includes(key) ?? false, `*${kind}:* `))
        }
      }
      out.push(table(rows))
      out.push(longDefaultsText())
      out.push(rulesText((r) => r.path.startsWith(`${section.kinds}.`) && r.kind !== undefined))
    } else if (section.key) {
      const group = reader.deref(top[section.key])
      for (const [key, child] of Object.entries(group.properties ?? {})) {
        rows.push(...fieldRows(child, `${section.key}.${key}`, group.required?.includes(key) ?? false))
      }
      out.push(table(rows))
      out.push(longDefaultsText())
      out.push(rulesText((r) => r.path.startsWith(`${section.key}.`) && !SECTIONS.some((s) => s.kinds && r.path.startsWith(`${s.kinds}.`))))
    } else {
      for (const [key, child] of Object.entries(top)) {
        const s = reader.deref(child)
        const group = sectionOfKey.get(key) ?? sectionOfKinds.get(key)
        if (group) {
          rows.push({
            field: code(key),
            type: reader.kinds(s) ? `object: one of the ${link(group.title)}` : 'object',
            default: group.kinds && s.default !== undefined ? code(compactJson(s.default)) : s.default === undefined ? 'not set' : 'all defaults',
            range: '',
            unit: '',
            description: `${s.description ? `${text(s.description)}: ` : ''}see ${link(group.title)}`
          })
        } else {
          rows.push(...fieldRows(s, key, root.required?.includes(key) ?? false))
        }
      }
      out.push(table(rows))
      out.push(longDefaultsText())
      out.push(rulesText((r) => !r.path.includes('.')))
    }
    out.push('')
  }

  out.push(`## The seed-2017 preset and the spec

Where each constant of SEED_MODEL.md (the model the \`seed-2017\` preset reproduces) lives in the
config. **Spec value** is what SEED_MODEL.md says; **Default** is the preset's value.
`)
  out.push(specTable(SPEC_CONSTANTS, preset))
  out.push(`
As in the reference, some behaviour is part of the model rather than a setting: the inhibition
potential (−500) is below Pmin, so a losing neuron is reset to Prest in the same step (§5c), and
offsets −1, 0 and +1 never count for STDP (§6).
`)

  out.push(`## The diehl-cook-2015 preset and the spec

\`{ "preset": "diehl-cook-2015" }\` is a complete config: the fields it leaves out come from the
preset (below), then from the defaults above. A config naming this preset is merged over it
field by field (lists and objects with a \`kind\` are replaced whole). The preset sets:

\`\`\`json
${JSON.stringify(PRESET_INPUTS['diehl-cook-2015'], null, 2).replace(/\[\s*([^[\]{}]*?)\s*\]/g, (_m, items: string) => `[${items.split(/,\s*/).join(', ')}]`)}
\`\`\`

Where DIEHL_COOK_2015.md's constants live (one field per row shown; its neighbours in the same
group hold the rest):
`)
  out.push(specTable(DIEHL_COOK_CONSTANTS, PRESETS['diehl-cook-2015']))

  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`
}
