// @vitest-environment happy-dom
/**
 * The sweep page's *Pause now*: shown next to *Pause* only while trials can be stopped (a running
 * sweep, or a paused one whose scheduler still trains trials), it sends `sweeps.pause` with
 * `stopTrials: true` through the typed API; *Pause* keeps sending a plain pause. The preload
 * bridge is replaced by a recorder answering with a canned sweep.
 */
import 'vitest-canvas-mock'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { parseSweep } from '../../src/shared/sweep'
import type { SweepDetailPayload, SweepStatus } from '../../src/shared/sweepApi'
import SweepPageView from '../../src/renderer/src/views/SweepPageView.vue'

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
const invoke = vi.fn<(method: string, args: unknown) => Promise<Reply>>()

const definition = parseSweep({ name: 'page', space: { 'learning.rate': { range: [0.001, 0.1], scale: 'log' } }, budget: 4 })

function sweep(status: SweepStatus, running: number, extra: Partial<SweepDetailPayload> = {}): SweepDetailPayload {
  const trialList = Array.from({ length: running }, (_, index) => ({
    index,
    runId: null,
    status: 'running' as const,
    params: { 'learning.rate': 0.01 },
    objective: null,
    pruned: false,
    prunedStep: null,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null
  }))
  return {
    id: 3,
    name: 'page',
    method: 'random',
    status,
    budget: 4,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    runner: '123@elsewhere',
    error: null,
    trials: { running, completed: 0, pruned: 0, failed: 0, cancelled: 0 },
    objective: definition.objective,
    parameters: ['learning.rate'],
    best: null,
    interrupted: false,
    definition,
    trialList,
    scheduledHere: false,
    ...extra
  }
}

let current: SweepDetailPayload
beforeEach(() => {
  invoke.mockReset()
  invoke.mockImplementation(async (method) => {
    if (method === 'sweeps.get') return { ok: true, result: current }
    if (method === 'sweeps.importance') return { ok: true, result: { method: 'fanova-main-effects', completed: 0, minimumTrials: 4, parameters: [] } }
    if (method === 'sweeps.pause') {
      const trialsInHand = current.trials.running
      current = sweep('paused', current.trials.running, { runner: current.runner })
      return { ok: true, result: { status: 'paused', trialsInHand } }
    }
    return { ok: false, error: { code: 'internal', message: `no fake for ${method}` } }
  })
  ;(window as unknown as { snnApi: unknown }).snnApi = { invoke, on: () => () => undefined }
  setActivePinia(createPinia())
})

async function mountPage() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/sweeps/:id', name: 'sweep', component: SweepPageView },
      { path: '/sweeps', name: 'sweeps', component: { template: '<p>sweeps</p>' } },
      { path: '/runs/:id', name: 'run', component: { template: '<p>run</p>' } },
      { path: '/compare', name: 'compare', component: { template: '<p>compare</p>' } }
    ]
  })
  await router.push('/sweeps/3')
  const wrapper = mount(SweepPageView, { props: { id: 3 }, global: { plugins: [router] } })
  await flushPromises()
  return wrapper
}

const pauses = () => invoke.mock.calls.filter(([method]) => method === 'sweeps.pause').map(([, args]) => args)

describe('Sweep page: Pause now', () => {
  it('on a running sweep, Pause now sends stopTrials: true and says the stopped trials rerun on resume', async () => {
    current = sweep('running', 2)
    const wrapper = await mountPage()
    const now = wrapper.get('[data-testid="sweep-pause-now"]')
    expect(now.text()).toBe('Pause now')
    expect(now.attributes('title')).toMatch(/stop now.*run again.*on resume/)
    await now.trigger('click')
    await flushPromises()
    expect(pauses()).toEqual([{ id: 3, stopTrials: true }])
  })

  it('Pause still sends a plain pause (the trials in hand finish)', async () => {
    current = sweep('running', 1)
    const wrapper = await mountPage()
    await wrapper.get('[data-testid="sweep-pause"]').trigger('click')
    await flushPromises()
    expect(pauses()).toEqual([{ id: 3, stopTrials: false }])
    // Paused, its trial still training elsewhere: Pause now can still stop it; Pause cannot act.
    expect(wrapper.get('[data-testid="sweep-pause"]').attributes('disabled')).toBeDefined()
    expect(wrapper.find('[data-testid="sweep-pause-now"]').exists()).toBe(true)
  })

  it('is not shown when nothing is training, or nobody runs the sweep', async () => {
    for (const detail of [sweep('paused', 0), sweep('paused', 1, { runner: null }), sweep('completed', 0), sweep('running', 1, { interrupted: true, runner: null })]) {
      current = detail
      const wrapper = await mountPage()
      expect(wrapper.find('[data-testid="sweep-pause-now"]').exists(), `${detail.status} ${detail.trials.running} ${detail.runner}`).toBe(false)
      wrapper.unmount()
    }
  })
})
