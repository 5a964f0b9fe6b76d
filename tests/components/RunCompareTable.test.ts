// @vitest-environment happy-dom
import { mount, RouterLinkStub } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { ComparePayload, RunSummary } from '../../src/shared/api'
import RunCompareTable from '../../src/renderer/src/components/RunCompareTable.vue'

function run(id: number, name: string): RunSummary {
  return {
    id,
    name,
    experimentId: 1,
    experiment: 'Default',
    status: 'completed',
    createdAt: '2026-11-28T12:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    seed: id,
    preset: 'seed-2017',
    done: 10,
    total: 10,
    accuracy: null,
    tags: [],
    error: null
  }
}

function mountTable(comparison: ComparePayload) {
  return mount(RunCompareTable, {
    props: { comparison, identicalParams: comparison.identical },
    global: { stubs: { RouterLink: RouterLinkStub } }
  })
}

describe('RunCompareTable', () => {
  const comparison: ComparePayload = {
    runs: [run(1, 'lr 0.02'), run(2, 'lr 0.05'), run(3, 'lr 0.1')],
    params: [
      { key: 'learning.rate', values: ['0.02', '0.05', '0.1'] },
      { key: 'seed', values: ['1', '2', null] }
    ],
    identical: 47,
    metrics: [
      { key: 'accuracy', values: [0.61, 0.74, 0.7] },
      { key: 'train.spikes', values: [10, 12, 10] },
      { key: 'loss', values: [0.5, 0.2, null] },
      { key: 'train_accuracy', values: [0.5, 0.5, 0.5] }
    ]
  }

  it('shows one column per run and only the parameters that differ, saying how many are hidden', () => {
    const wrapper = mountTable(comparison)
    expect(wrapper.findAll('thead th')).toHaveLength(4)
    const params = wrapper.findAll('[data-testid="compare-param"]')
    expect(params.map((row) => row.find('code').text())).toEqual(['learning.rate', 'seed'])
    expect(params[1].findAll('td').map((td) => td.text())).toEqual(['seed', '1', '2', '—'])
    expect(wrapper.text()).toContain('47 identical hidden')
  })

  it('highlights the best value: largest accuracy, smallest loss; none for counts or when all equal', () => {
    const wrapper = mountTable(comparison)
    const rows = wrapper.findAll('[data-testid="compare-metric"]')
    const best = (i: number) => rows[i].findAll('td').slice(1).map((td) => td.attributes('data-best') !== undefined)
    expect(best(0)).toEqual([false, true, false])
    expect(best(1)).toEqual([false, false, false])
    expect(best(2)).toEqual([false, true, false])
    expect(best(3)).toEqual([false, false, false])
    expect(rows[0].findAll('td')[2].text()).toContain('74.0%')
  })

  it('says so when the configurations are identical', () => {
    const wrapper = mountTable({ ...comparison, params: [], identical: 49 })
    expect(wrapper.text()).toContain('None: the runs have the same configuration.')
  })
})
