import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_ARGS, parseApiArgs, type ApiArgs } from '../../src/shared/api'
import { RunStore } from '../../src/main/db'

// What the runs list asks the store beyond equality filters: numeric ranges, sorting by a
// parameter, and the keys, tags and values its filter picker offers. One small real database.

const dir = mkdtempSync(join(tmpdir(), 'snn-runs-list-'))
let store: RunStore
const ids: Record<string, number> = {}

beforeAll(() => {
  store = new RunStore(join(dir, 'workbench.db'))
  const experiment = store.experiments.ensure('rates')
  const runs: [string, Record<string, string>][] = [
    ['slow', { 'learning.rate': '0.005', preset: 'seed-2017', 'data.classes': '[0,1]' }],
    ['mid', { 'learning.rate': '0.02', preset: 'seed-2017', 'data.classes': '[0,1,2]' }],
    ['fast', { 'learning.rate': '1e-1', preset: 'diehl-cook-2015', 'data.classes': '[0,1,2]' }],
    ['none', { preset: 'seed-2017' }]
  ]
  for (const [name, params] of runs) {
    ids[name] = store.runs.create({
      experimentId: experiment,
      name,
      seed: 1,
      preset: params.preset,
      engineVersion: '0',
      configHash: name,
      configJson: '{}',
      total: 10,
      params
    })
  }
  store.tags.add(ids.fast, 'keep')
  store.tags.add(ids.mid, 'baseline')
  store.tags.add(ids.slow, 'baseline')
})
afterAll(() => {
  store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const names = (args: ApiArgs<'runs.list'>) => store.runs.list(parseApiArgs('runs.list', args)).rows.map((r) => r.name)

describe('runs list queries', () => {
  it('filters a numeric parameter by min, max or both, never matching runs without a number', () => {
    expect(names({ params: [{ key: 'learning.rate', min: 0.01 }], sort: 'name', descending: false })).toEqual(['fast', 'mid'])
    expect(names({ params: [{ key: 'learning.rate', max: 0.02 }], sort: 'name', descending: false })).toEqual(['mid', 'slow'])
    expect(names({ params: [{ key: 'learning.rate', min: 0.01, max: 0.05 }] })).toEqual(['mid'])
    // A text parameter is not a number, whatever CAST would make of it.
    expect(names({ params: [{ key: 'preset', min: -1 }] })).toEqual([])
    // ANDed with an equality filter.
    expect(names({ params: [{ key: 'learning.rate', min: 0 }, { key: 'data.classes', value: '[0,1,2]' }], sort: 'name', descending: false })).toEqual(['fast', 'mid'])
  })

  it('sorts by a parameter: numbers by value, runs without it last either way', () => {
    expect(names({ sort: 'param', sortParam: 'learning.rate', descending: false })).toEqual(['slow', 'mid', 'fast', 'none'])
    expect(names({ sort: 'param', sortParam: 'learning.rate', descending: true })).toEqual(['fast', 'mid', 'slow', 'none'])
  })

  it('returns the parameter columns asked for with each row', () => {
    const rows = store.runs.list(parseApiArgs('runs.list', { columns: ['learning.rate', 'preset'], sort: 'name', descending: false })).rows
    expect(rows.map((r) => r.params)).toEqual([
      { 'learning.rate': '1e-1', preset: 'diehl-cook-2015' },
      { 'learning.rate': '0.02', preset: 'seed-2017' },
      { preset: 'seed-2017' },
      { 'learning.rate': '0.005', preset: 'seed-2017' }
    ])
    expect(store.runs.list(parseApiArgs('runs.list', {})).rows[0].params).toBeUndefined()
  })

  it('refuses a range without bounds and a param sort without its key', () => {
    expect(() => parseApiArgs('runs.list', { params: [{ key: 'learning.rate' }] })).toThrow(/params\.0/)
    expect(() => parseApiArgs('runs.list', { sort: 'param' })).toThrow(/sortParam/)
    expect(API_ARGS['runs.list'].parse({ params: [{ key: 'a', value: '1' }] }).params).toEqual([{ key: 'a', value: '1' }])
  })

  it('offers the parameter keys and tags present, sorted and distinct', () => {
    expect(store.runs.filterOptions()).toEqual({ paramKeys: ['data.classes', 'learning.rate', 'preset'], tags: ['baseline', 'keep'] })
  })

  it('describes a parameter: range for numbers, common values with counts for text', () => {
    expect(store.runs.paramValues('learning.rate')).toMatchObject({ runs: 3, numeric: true, min: 0.005, max: 0.1, distinct: 3 })
    const preset = store.runs.paramValues('preset')
    expect(preset).toMatchObject({ runs: 4, numeric: false, min: null, max: null, distinct: 2 })
    expect(preset.values).toEqual([
      { value: 'seed-2017', runs: 3 },
      { value: 'diehl-cook-2015', runs: 1 }
    ])
    expect(store.runs.paramValues('missing')).toMatchObject({ runs: 0, numeric: false, values: [] })
  })
})
