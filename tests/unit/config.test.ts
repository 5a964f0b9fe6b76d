import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, ExperimentConfigSchema, parseExperimentConfig, PRESETS } from '../../src/shared/config'
import { CONFIG_DOCS_EXAMPLE, crossFieldRules, generateConfigDocs } from '../../src/shared/configDocs'

const ROOT = path.resolve(__dirname, '../..')
const DOCS = path.join(ROOT, 'docs', 'config.md')

/** The kernel K of SEED_MODEL.md §1. */
const SPEC_KERNEL = [
  [-0.5, -0.125, 0.125, -0.125, -0.5],
  [-0.125, 0.125, 0.625, 0.125, -0.125],
  [0.125, 0.625, 1.0, 0.625, 0.125],
  [-0.125, 0.125, 0.625, 0.125, -0.125],
  [-0.5, -0.125, 0.125, -0.125, -0.5]
]

/** The lines of the ConfigError `input` produces (fails the test if it parses). */
function problems(input: unknown, source?: string): string[] {
  try {
    parseExperimentConfig(input, source)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).message.split('\n')
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
}

describe('seed-2017 defaults', () => {
  const config = PRESETS['seed-2017']

  it('an empty config is the complete preset', () => {
    expect(parseExperimentConfig({})).toEqual(config)
    expect(ExperimentConfigSchema.parse({})).toEqual(config)
  })

  it('equal the constants of SEED_MODEL.md', () => {
    expect(config.threshold.fixed).toBe(50) // Pth
    expect(config.threshold.divisor).toBe(3)
    expect(config.threshold.scale).toBe(1)
    expect(config.neuron.leak).toBe(0.75) // D
    expect(config.neuron.refractorySteps).toBe(30) // t_ref
    expect(config.neuron.minPotential).toBe(-5) // Pmin
    expect(config.neuron.restPotential).toBe(0) // Prest
    expect(config.inhibition).toEqual({ kind: 'winner-take-all', potential: -500 })
    expect(config.learning).toMatchObject({
      rule: 'seed-stdp',
      softBound: 'seed',
      aPlus: 0.8,
      aMinus: 0.3,
      tauPlus: 10,
      tauMinus: 10,
      windowBefore: 20,
      windowAfter: 20,
      rate: 0.02, // σ
      wMax: 2,
      wMin: -1.2,
      silentDepression: 0.06,
      scale: 1
    })
    expect(config.encoder).toMatchObject({ kind: 'deterministic', interpXp: [-1.069, 2.781], interpFp: [1, 20], periodNumerator: 600 })
    expect(config.steps).toBe(200) // T
    expect(config.evaluation.prediction).toBe('max-neuron')
  })

  it('use the receptive-field kernel of SEED_MODEL.md §1', () => {
    expect(config.encoder.receptiveField).toEqual(SPEC_KERNEL)
  })

  it('start weights uniform in [0, w_max · 0.5)', () => {
    expect(config.init).toEqual({ kind: 'uniform', low: 0, high: config.learning.wMax * 0.5 })
  })

  it('match the parameters recorded in the golden reference cases', () => {
    for (const name of ['A', 'B']) {
      const { params } = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/golden', `case_${name}.json`), 'utf8')) as { params: Record<string, unknown> }
      expect({
        Pth: config.threshold.fixed,
        D: config.neuron.leak,
        t_ref: config.neuron.refractorySteps,
        Pmin: config.neuron.minPotential,
        Prest: config.neuron.restPotential,
        inhibit_potential: config.inhibition.potential,
        A_plus: config.learning.aPlus,
        A_minus: config.learning.aMinus,
        tau_plus: config.learning.tauPlus,
        tau_minus: config.learning.tauMinus,
        t_back: -config.learning.windowBefore,
        t_fore: config.learning.windowAfter,
        sigma: config.learning.rate,
        w_max: config.learning.wMax,
        w_min: config.learning.wMin,
        silent_depression: config.learning.silentDepression,
        scale: config.learning.scale,
        rf_kernel: config.encoder.receptiveField,
        encode_interp_xp: config.encoder.interpXp,
        encode_interp_fp: config.encoder.interpFp,
        encode_period_numerator: config.encoder.periodNumerator
      }).toEqual({
        Pth: params.Pth,
        D: params.D,
        t_ref: params.t_ref,
        Pmin: params.Pmin,
        Prest: params.Prest,
        inhibit_potential: params.inhibit_potential,
        A_plus: params.A_plus,
        A_minus: params.A_minus,
        tau_plus: params.tau_plus,
        tau_minus: params.tau_minus,
        t_back: params.t_back,
        t_fore: params.t_fore,
        sigma: params.sigma,
        w_max: params.w_max,
        w_min: params.w_min,
        silent_depression: params.silent_depression,
        scale: params.scale,
        rf_kernel: params.rf_kernel,
        encode_interp_xp: params.encode_interp_xp,
        encode_interp_fp: params.encode_interp_fp,
        encode_period_numerator: params.encode_period_numerator
      })
    }
  })

  it('fill in the fields a partial config leaves out', () => {
    const config = parseExperimentConfig({ learning: { rate: 0.05 }, init: { kind: 'uniform', low: -0.5 } })
    expect(config.learning.rate).toBe(0.05)
    expect(config.learning.wMax).toBe(2)
    expect(config.init).toEqual({ kind: 'uniform', low: -0.5, high: 1 })
    expect(config.neuron).toEqual(PRESETS['seed-2017'].neuron)
  })
})

describe('bad config input', () => {
  it('throws a ConfigError', () => {
    let caught: unknown
    try {
      parseExperimentConfig({ steps: 0 })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect(caught).toBeInstanceOf(Error)
    expect((caught as Error).name).toBe('ConfigError')
  })

  it('names the field of a wrong type', () => {
    const lines = problems({ steps: '200' })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('steps')
    expect(lines[0]).toContain('expected number')
  })

  it('rejects a fraction where an integer is expected', () => {
    expect(problems({ neuron: { refractorySteps: 1.5 } })).toEqual([expect.stringContaining('neuron.refractorySteps')])
  })

  it('rejects an unknown top-level field', () => {
    const lines = problems({ learnng: {} })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('learnng')
    expect(lines[0]).toContain('unknown field')
  })

  it('rejects an unknown nested field with its dotted path', () => {
    expect(problems({ learning: { rat: 0.1 } })).toEqual(['config: learning.rat: unknown field'])
    expect(problems({ data: { source: { kind: 'idx', images: 'a', labels: 'b', root: 'c' } } })).toEqual(['config: data.source.root: unknown field'])
  })

  it('names a value out of range', () => {
    const lines = problems({ learning: { rate: -1 } })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('learning.rate')
    expect(problems({ network: { layers: [{ neurons: 0 }] } })).toEqual([expect.stringContaining('network.layers.0.neurons')])
  })

  it('requires wMax > wMin', () => {
    for (const learning of [{ wMax: -1.2 }, { wMax: 1, wMin: 1.5 }]) {
      const lines = problems({ learning })
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain('learning.wMax')
      expect(lines[0]).toContain('wMax must be greater than wMin')
    }
  })

  it('requires a uniform init with high > low', () => {
    for (const init of [{ kind: 'uniform', low: 0.5, high: 0.5 }, { kind: 'uniform', low: 2 }]) {
      const lines = problems({ init })
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain('init.high')
      expect(lines[0]).toContain('high must be greater than low')
    }
  })

  it('names a bad enum value and lists the allowed ones', () => {
    const lines = problems({ data: { shuffle: 'random' } })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('data.shuffle')
    expect(lines[0]).toContain('every-epoch')
    expect(problems({ init: { kind: 'gaussian' } })).toEqual([expect.stringContaining('init.kind')])
  })

  it('checks the encoder across fields', () => {
    expect(problems({ encoder: { interpXp: [2, 1] } })).toEqual([expect.stringContaining('encoder.interpXp')])
    expect(problems({ encoder: { receptiveField: [[1, 2], [3, 4]] } })).toEqual([expect.stringContaining('encoder.receptiveField')])
  })

  it('gives one line per problem, prefixed with the source', () => {
    const lines = problems({ steps: 'x', learnng: 1, learning: { rate: -1, wMax: -5 } }, 'my.json')
    expect(lines).toHaveLength(4)
    for (const line of lines) expect(line).toMatch(/^my\.json: \S+: /)
    expect(lines.map((l) => l.split(': ')[1]).sort()).toEqual(['learning.rate', 'learning.wMax', 'learnng', 'steps'])
  })

  it('rejects a config that is not an object', () => {
    for (const input of [null, [], 'seed-2017', 3]) {
      expect(problems(input)).toEqual([expect.stringContaining('(top level)')])
    }
  })
})

describe('docs/config.md', () => {
  const docs = generateConfigDocs()

  it('is up to date with the schema (npx tsx scripts/gen-config-docs.ts)', () => {
    expect(readFileSync(DOCS, 'utf8').replace(/\r\n/g, '\n')).toBe(docs)
  })

  it('documents every field of a complete config', () => {
    const paths: string[] = []
    const walk = (value: unknown, at: string) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, child] of Object.entries(value)) walk(child, at ? `${at}.${key}` : key)
      } else {
        paths.push(at)
      }
    }
    walk(PRESETS['seed-2017'], '')
    expect(paths.length).toBeGreaterThan(40)
    for (const p of paths) expect(docs, p).toContain(`| \`${p}\` |`)
  })

  it('lists the rules that involve several fields', () => {
    expect(crossFieldRules().map((r) => r.path)).toEqual(
      expect.arrayContaining(['encoder.interpXp', 'encoder.receptiveField', 'learning.wMax', 'init.high'])
    )
    expect(docs).toContain('wMax must be greater than wMin')
  })

  it('shows an example config that parses', () => {
    expect(() => parseExperimentConfig(CONFIG_DOCS_EXAMPLE)).not.toThrow()
  })

  it('maps the spec constants to config fields', () => {
    const mapping = docs.slice(docs.indexOf('## The seed-2017 preset and the spec'))
    for (const field of ['threshold.fixed', 'neuron.leak', 'neuron.refractorySteps', 'neuron.minPotential', 'neuron.restPotential', 'inhibition.potential', 'learning.aPlus', 'learning.aMinus', 'learning.tauPlus', 'learning.tauMinus', 'learning.rate', 'learning.wMax', 'learning.wMin', 'learning.silentDepression', 'learning.scale', 'steps', 'encoder.receptiveField', 'encoder.interpXp', 'encoder.interpFp', 'encoder.periodNumerator']) {
      expect(mapping).toContain(`\`${field}\``)
    }
    expect(mapping).not.toContain('differs from the spec')
  })

  it('gen-config-docs --check passes', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/gen-config-docs.ts'), '--check'], { cwd: ROOT, encoding: 'utf8' })
    expect(out).toContain('up to date')
  })
})
