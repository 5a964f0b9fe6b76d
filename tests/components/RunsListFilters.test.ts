// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { ApiResults, RunSummary } from '../../src/shared/api'
import { filtersFromQuery, queryFromFilters, DEFAULT_FILTERS, type RunsFilters } from '../../src/renderer/src/stores/runs'
import RunsListView from '../../src/renderer/src/views/RunsListView.vue'

// The filter chips and the URL, both ways: a shared link shows its filters as chips and asks the
// API for exactly them; removing a chip or adding a parameter filter changes the URL, and the
// URL change reloads the list. The API is a recording in-memory bridge in place of the preload.

const calls: { method: string; args: Record<string, unknown> }[] = []

function run(id: number): RunSummary {
  return {
    id,
    name: `run ${id}`,
    experimentId: 1,
    experiment: 'rates',
    status: 'completed',
    createdAt: '2026-11-28T12:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    seed: id,
    preset: 'seed-2017',
    done: 90,
    total: 90,
    accuracy: 0.8,
    tags: [],
    error: null,
    params: { 'learning.rate': '0.02' }
  }
}

const answers: { [M in keyof ApiResults]?: ApiResults[M] } = {
  'runs.list': { total: 2, rows: [run(2), run(1)] },
  'experiments.list': { experiments: [{ id: 1, name: 'rates', runs: 2 }] },
  'runs.filterOptions': { paramKeys: ['learning.rate', 'preset'], tags: ['baseline'] },
  'runs.paramValues': { key: 'learning.rate', runs: 2, numeric: true, min: 0.01, max: 0.05, distinct: 2, values: [{ value: '0.02', runs: 1 }, { value: '0.05', runs: 1 }] }
}

beforeEach(() => {
  calls.length = 0
  window.snnApi = {
    invoke: async (method: string, args: unknown) => {
      calls.push({ method, args: args as Record<string, unknown> })
      const result = answers[method as keyof ApiResults]
      return result ? { ok: true, result } : { ok: false, error: { code: 'internal', message: `no answer for ${method}` } }
    },
    on: () => () => undefined
  } as unknown as typeof window.snnApi
})

let router: Router
async function mountAt(url: string) {
  router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', name: 'runs', component: RunsListView }, { path: '/new', name: 'new-run', component: RunsListView }, { path: '/runs/:id', name: 'run', component: RunsListView }, { path: '/compare', name: 'compare', component: RunsListView }] })
  await router.push(url)
  await router.isReady()
  const wrapper = mount(RunsListView, { global: { plugins: [createPinia(), router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}
let unmount: (() => void) | null = null
afterEach(() => unmount?.())

const lastList = () => calls.filter((c) => c.method === 'runs.list').at(-1)!.args

describe('runs list filters and the URL', () => {
  it('shows a shared link’s filters as chips and asks the database for exactly them', async () => {
    const wrapper = await mountAt('/?p=learning.rate:0.01..0.05&status=completed&sort=param:learning.rate&dir=asc')
    unmount = () => wrapper.unmount()
    expect(lastList()).toMatchObject({
      params: [{ key: 'learning.rate', min: 0.01, max: 0.05 }],
      status: 'completed',
      sort: 'param',
      sortParam: 'learning.rate',
      descending: false,
      columns: ['learning.rate'],
      offset: 0
    })
    const chips = wrapper.findAll('[data-testid="filter-chip"]').map((c) => c.text())
    expect(chips).toEqual([expect.stringContaining('completed'), expect.stringContaining('0.01 ≤ learning.rate ≤ 0.05')])
    expect(wrapper.find('[data-testid="runs-total"]').text()).toContain('2 runs')
  })

  it('removing a chip takes the filter out of the URL and the query', async () => {
    const wrapper = await mountAt('/?p=learning.rate:0.01..0.05&status=completed')
    unmount = () => wrapper.unmount()
    const paramChip = wrapper.findAll('[data-testid="filter-chip"]').find((c) => c.attributes('data-kind') === 'param')!
    await paramChip.find('[data-testid="filter-chip-remove"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'completed' })
    expect(lastList()).toMatchObject({ params: [], status: 'completed' })
    expect(wrapper.findAll('[data-testid="filter-chip"]')).toHaveLength(1)
  })

  it('adds a parameter filter from the picker: key, then one of its values', async () => {
    const wrapper = await mountAt('/')
    unmount = () => wrapper.unmount()
    await wrapper.find('[data-testid="add-param-filter"]').trigger('click')
    await wrapper.find('[data-testid="param-key"]').setValue('learning.rate')
    await flushPromises()
    expect(calls.some((c) => c.method === 'runs.paramValues' && c.args.key === 'learning.rate')).toBe(true)
    expect(wrapper.find('[data-testid="param-add"]').attributes('disabled')).toBeDefined()
    await wrapper.find('[data-testid="param-value"]').setValue('0.02')
    await wrapper.find('[data-testid="param-picker"]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ p: ['learning.rate=0.02'] })
    expect(lastList()).toMatchObject({ params: [{ key: 'learning.rate', value: '0.02' }], columns: ['learning.rate'] })
    expect(wrapper.find('[data-testid="filter-chip"]').text()).toContain('learning.rate = 0.02')
  })

  it('sorts by a picked parameter, which becomes a column', async () => {
    const wrapper = await mountAt('/')
    unmount = () => wrapper.unmount()
    await wrapper.find('[data-testid="add-param-filter"]').trigger('click')
    await wrapper.find('[data-testid="param-key"]').setValue('learning.rate')
    await wrapper.find('[data-testid="param-sort"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ sort: 'param:learning.rate' })
    expect(lastList()).toMatchObject({ sort: 'param', sortParam: 'learning.rate', descending: true, columns: ['learning.rate'] })
  })

  it('round-trips every kind of filter through the URL query', () => {
    const views: RunsFilters[] = [
      { ...DEFAULT_FILTERS },
      { ...DEFAULT_FILTERS, text: 'lr sweep', status: 'failed', tag: 'paper', experimentId: 4, sort: 'accuracy', descending: false },
      {
        ...DEFAULT_FILTERS,
        params: [{ key: 'data.classes', value: '[0,1,2]' }, { key: 'learning.rate', min: 1e-3 }, { key: 'threshold.divisor', max: 3 }, { key: 'data.source.root', value: '/data/a=b:1..2' }],
        sort: 'param',
        sortParam: 'learning.rate',
        descending: true
      },
      { ...DEFAULT_FILTERS, sort: 'name', descending: true }
    ]
    for (const view of views) {
      const query = queryFromFilters(view)
      // What vue-router hands back: every value a string or a list of strings.
      const asParsed = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))
      expect(filtersFromQuery(asParsed)).toEqual(view)
    }
    expect(queryFromFilters(DEFAULT_FILTERS)).toEqual({})
    // A hand-edited link with nonsense falls back to the defaults instead of failing.
    expect(filtersFromQuery({ status: 'bogus', exp: '-3', sort: 'colour', p: ['nokey', 'x:..'] })).toEqual(DEFAULT_FILTERS)
  })
})
