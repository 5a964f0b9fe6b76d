// @vitest-environment happy-dom
import { mount, RouterLinkStub } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { SweepTrial } from '../../src/shared/sweepApi'
import SweepTrialsTable from '../../src/renderer/src/components/SweepTrialsTable.vue'

function trial(index: number, status: SweepTrial['status'], objective: number | null, rate: number, extra: Partial<SweepTrial> = {}): SweepTrial {
  return {
    index,
    runId: 100 + index,
    status,
    params: { 'learning.rate': rate, 'inhibition.kind': index % 2 ? 'wta' : 'none' },
    objective,
    pruned: status === 'pruned',
    prunedStep: status === 'pruned' ? 30 : null,
    error: null,
    createdAt: '2026-11-28T12:00:00.000Z',
    finishedAt: null,
    ...extra
  }
}

const TRIALS: SweepTrial[] = [
  trial(0, 'completed', 0.62, 0.01),
  trial(1, 'completed', 0.81, 0.03),
  // A pruned trial whose run finished anyway may score higher; it is never "best".
  trial(2, 'pruned', 0.9, 0.05),
  trial(3, 'failed', null, 0.002, { error: 'learning.wMax: wMax must be greater than wMin', runId: null }),
  trial(4, 'completed', 0.81, 0.02),
  trial(5, 'running', null, 0.04)
]

function mountTable(direction: 'maximize' | 'minimize' = 'maximize') {
  return mount(SweepTrialsTable, {
    props: { trials: TRIALS, parameters: ['learning.rate', 'inhibition.kind'], metric: 'accuracy', direction },
    global: { stubs: { RouterLink: RouterLinkStub } }
  })
}

const order = (wrapper: ReturnType<typeof mountTable>) => wrapper.findAll('[data-testid="trial-row"]').map((r) => Number(r.attributes('data-trial')))

describe('SweepTrialsTable', () => {
  it('highlights the best completed trial (ties: the earlier one), not a pruned one that scored higher', () => {
    const wrapper = mountTable()
    const best = wrapper.findAll('.trial--best')
    expect(best).toHaveLength(1)
    expect(best[0].attributes('data-trial')).toBe('1')
    expect(best[0].get('[data-testid="best-mark"]').text()).toContain('best')
    expect(wrapper.findAll('[data-testid="trial-objective"]').map((c) => c.text())).toEqual(['62.0%', '81.0%', '90.0%', '—', '81.0%', '—'])
  })

  it('takes the smallest objective as best when minimizing', () => {
    expect(mountTable('minimize').get('.trial--best').attributes('data-trial')).toBe('0')
  })

  it('sorts by any column, again to reverse; trials without a value stay last', async () => {
    const wrapper = mountTable()
    expect(order(wrapper)).toEqual([0, 1, 2, 3, 4, 5])
    await wrapper.get('[data-testid="sort-objective"]').trigger('click')
    expect(order(wrapper)).toEqual([2, 1, 4, 0, 3, 5]) // best first when maximizing
    expect(wrapper.get('[data-testid="sort-objective"]').attributes('aria-sort')).toBe('descending')
    await wrapper.get('[data-testid="sort-objective"]').trigger('click')
    expect(order(wrapper)).toEqual([0, 1, 4, 2, 3, 5])
    await wrapper.get('[data-testid="sort-param-learning.rate"]').trigger('click')
    expect(order(wrapper)).toEqual([3, 0, 4, 1, 5, 2])
    await wrapper.get('[data-testid="sort-param-inhibition.kind"]').trigger('click')
    expect(order(wrapper)).toEqual([0, 2, 4, 1, 3, 5])
    await wrapper.get('[data-testid="sort-index"]').trigger('click')
    expect(order(wrapper)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('links each trial to its run, shows a failed trial’s error and where a pruned one stopped', () => {
    const wrapper = mountTable()
    const links = wrapper.findAllComponents(RouterLinkStub)
    expect(links.map((l) => l.props('to'))).toContainEqual({ name: 'run', params: { id: 101 } })
    expect(links).toHaveLength(5) // the failed trial never got a run
    expect(wrapper.get('[data-testid="trial-error"]').text()).toBe('learning.wMax: wMax must be greater than wMin')
    expect(wrapper.get('[data-trial="2"]').text()).toContain('pruned at 30 images')
  })
})
