// @vitest-environment happy-dom
/**
 * The new-sweep form and its search-space editor: inline validation with the API's own check
 * (messages naming the parameter, Start disabled), rows added and changed, what is sent, and
 * the sweep-file (JSON) mode. The preload bridge is replaced by a recorder.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import SweepNewView from '../../src/renderer/src/views/SweepNewView.vue'

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
const invoke = vi.fn<(method: string, args: unknown) => Promise<Reply>>()

beforeEach(() => {
  invoke.mockReset()
  ;(window as unknown as { snnApi: unknown }).snnApi = { invoke, on: () => () => undefined }
  setActivePinia(createPinia())
})

async function mountForm() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/sweeps/new', name: 'new-sweep', component: SweepNewView },
      { path: '/sweeps/:id', name: 'sweep', component: { template: '<p>sweep</p>' } }
    ]
  })
  await router.push('/sweeps/new')
  const wrapper = mount(SweepNewView, { global: { plugins: [router] } })
  return { wrapper, router }
}

const rowOf = (wrapper: Awaited<ReturnType<typeof mountForm>>['wrapper'], path: string) =>
  wrapper.findAll('[data-testid="space-row"]').find((row) => (row.get('[data-testid="space-path"]').element as HTMLSelectElement).value === path)!

describe('New sweep form', () => {
  it('starts with a space that runs out of the box: learning rate (log), threshold scale, leak', async () => {
    const { wrapper } = await mountForm()
    const rows = wrapper.findAll('[data-testid="space-row"]')
    expect(rows.map((r) => (r.get('[data-testid="space-path"]').element as HTMLSelectElement).value)).toEqual(['learning.rate', 'threshold.scale', 'neuron.leak'])
    expect((rows[0].get('[data-testid="space-kind"]').element as HTMLSelectElement).value).toBe('log')
    expect(wrapper.findAll('[data-testid="space-problem"]')).toHaveLength(0)
    expect(wrapper.get('[data-testid="start-sweep"]').attributes('disabled')).toBeUndefined()
  })

  it('names the parameter when a range is wrong, and will not start until it is fixed', async () => {
    const { wrapper } = await mountForm()
    const rate = rowOf(wrapper, 'learning.rate')
    await rate.get('[data-testid="space-min"]').setValue('0.5')
    await rate.get('[data-testid="space-max"]').setValue('0.05')
    let problems = wrapper.findAll('[data-testid="space-problem"]').map((p) => p.text())
    expect(problems).toEqual(['learning.rate: range min 0.5 is greater than max 0.05'])
    expect(wrapper.get('[data-testid="start-sweep"]').attributes('disabled')).toBeDefined()

    // A log range over zero, then a value the field does not take (the schema's own message).
    await rate.get('[data-testid="space-min"]').setValue('0')
    problems = wrapper.findAll('[data-testid="space-problem"]').map((p) => p.text())
    expect(problems).toEqual(['learning.rate: a log range needs positive bounds, got [0, 0.05]'])
    await rate.get('[data-testid="space-kind"]').setValue('values')
    await rate.get('[data-testid="space-values"]').setValue('0.01, fast')
    expect(wrapper.get('[data-testid="space-problem"]').text()).toMatch(/^learning\.rate: value "fast" is not accepted/)
    await rate.get('[data-testid="space-values"]').setValue('')
    expect(wrapper.get('[data-testid="space-problem"]').text()).toBe('learning.rate: give at least one value (comma-separated)')

    await rate.get('[data-testid="space-values"]').setValue('0.01, 0.02')
    expect(wrapper.findAll('[data-testid="space-problem"]')).toHaveLength(0)
    expect(wrapper.get('[data-testid="start-sweep"]').attributes('disabled')).toBeUndefined()
    expect(invoke).not.toHaveBeenCalled()
  })

  it('asks a grid for discrete values, adds and removes rows, and sends the definition', async () => {
    const { wrapper, router } = await mountForm()
    await wrapper.get('[data-testid="sweep-method"]').setValue('grid')
    const problems = wrapper.findAll('[data-testid="space-problem"]').map((p) => p.text())
    expect(problems[0]).toMatch(/^learning\.rate: a grid needs discrete values/)
    for (const path of ['learning.rate', 'threshold.scale', 'neuron.leak']) await rowOf(wrapper, path).get('[data-testid="space-steps"]').setValue('2')
    expect(wrapper.findAll('[data-testid="space-problem"]')).toHaveLength(0)

    await wrapper.get('[data-testid="space-add"]').trigger('click')
    expect(wrapper.findAll('[data-testid="space-row"]')).toHaveLength(4)
    await wrapper.findAll('[data-testid="space-remove"]')[3].trigger('click')
    await rowOf(wrapper, 'neuron.leak').get('[data-testid="space-remove"]').trigger('click')
    expect(wrapper.findAll('[data-testid="space-row"]')).toHaveLength(2)

    await wrapper.get('[data-testid="sweep-budget"]').setValue(4)
    await wrapper.get('[data-testid="sweep-concurrency"]').setValue('2')
    await wrapper.get('[data-testid="sweep-train-per-class"]').setValue('5')
    invoke.mockResolvedValueOnce({ ok: true, result: { id: 7 } })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(invoke).toHaveBeenCalledTimes(1)
    const [method, args] = invoke.mock.calls[0]
    expect(method).toBe('sweeps.create')
    const definition = (args as { definition: Record<string, unknown> }).definition
    expect(definition).toMatchObject({
      method: 'grid',
      budget: 4,
      concurrency: 2,
      space: { 'learning.rate': { range: [0.005, 0.08], scale: 'log', steps: 2 }, 'threshold.scale': { range: [0.7, 1.5], steps: 2 } },
      objective: { metric: 'accuracy', direction: 'maximize' },
      earlyStopping: 'none'
    })
    expect((definition.base as { data: { trainPerClass: number } }).data.trainPerClass).toBe(5)
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/sweeps/7')
  })

  it('takes a pasted sweep file, lists its problems, and shows a server error in place', async () => {
    const { wrapper } = await mountForm()
    await wrapper.get('[data-testid="mode-json"]').trigger('click')
    const area = wrapper.get('[data-testid="sweep-json"]')
    expect(JSON.parse((area.element as HTMLTextAreaElement).value).space['learning.rate']).toEqual({ range: [0.005, 0.08], scale: 'log' })

    await area.setValue('{ "name": "x", "space": { "learning.rte": { "range": [0.01, 0.1] } }, "budget": 2 }')
    expect(wrapper.get('[data-testid="sweep-json-problems"]').text()).toContain('space.learning.rte: not a parameter of the experiment config (learning has no field "rte")')
    expect(wrapper.get('[data-testid="start-sweep-json"]').attributes('disabled')).toBeDefined()
    await area.setValue('{ "name": ')
    expect(wrapper.get('[data-testid="sweep-json-problems"]').text()).toMatch(/^not valid JSON/)

    await area.setValue('{ "name": "pasted", "space": { "learning.rate": { "values": [0.01, 0.03] } }, "budget": 2 }')
    expect(wrapper.find('[data-testid="sweep-json-problems"]').exists()).toBe(false)
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'unavailable', message: 'the sweep service is closed' } })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(invoke.mock.calls[0][1]).toEqual({ definition: { name: 'pasted', space: { 'learning.rate': { values: [0.01, 0.03] } }, budget: 2 } })
    expect(wrapper.text()).toContain('the sweep service is closed')

    // Back to the form with the pasted definition in it.
    await wrapper.get('[data-testid="mode-form"]').trigger('click')
    expect((wrapper.get('[data-testid="sweep-name"]').element as HTMLInputElement).value).toBe('pasted')
    const rows = wrapper.findAll('[data-testid="space-row"]')
    expect(rows).toHaveLength(1)
    expect((rows[0].get('[data-testid="space-values"]').element as HTMLInputElement).value).toBe('0.01, 0.03')
  })
})
