// @vitest-environment happy-dom
/**
 * The new-run form: inline validation, what it sends, and server-side errors shown in place.
 * The preload bridge (window.snnApi) is replaced by a recorder: this tests the form, not a transport.
 */
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
let invoke: Mock<(method: string, args: unknown) => Promise<Reply>>
let NewRunView: Component

// Each test gets its own recorder and a freshly loaded view. The app's API client (useApi in
// api/client.ts) is created once per module instance and keeps the bridge it found first, so
// with the modules shared (an earlier test, or another test file in the same worker) the form
// would call that old bridge instead of this test's `invoke`.
beforeEach(async () => {
  vi.resetModules()
  invoke = vi.fn()
  window.snnApi = { invoke, on: () => () => undefined } as unknown as typeof window.snnApi
  setActivePinia(createPinia())
  NewRunView = (await import('../../src/renderer/src/views/NewRunView.vue')).default
})
enableAutoUnmount(afterEach)

async function mountForm() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/new', name: 'new-run', component: NewRunView },
      { path: '/runs/:id', name: 'run', component: { template: '<p>run</p>' } }
    ]
  })
  await router.push('/new')
  const wrapper = mount(NewRunView, { global: { plugins: [router] } })
  return { wrapper, router }
}

describe('New run form', () => {
  it('explains what is wrong inline and does not start a run', async () => {
    const { wrapper } = await mountForm()
    for (const digit of [0, 1, 2]) await wrapper.get(`[data-testid="class-${digit}"]`).setValue(false)
    await wrapper.get('[data-testid="run-neurons"]').setValue('0')
    // The same schema as the API's: its messages appear beside the fields.
    expect(wrapper.get('[data-testid="new-run-problems"]').text()).toContain('Fix the fields marked in red')
    expect(wrapper.text()).toMatch(/Too small: expected array to have >=1 items/)
    expect(wrapper.text()).toMatch(/Too small: expected number to be >=1/)
    expect(wrapper.get('[data-testid="start-run"]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid="new-run-form"]').trigger('submit')
    expect(invoke).not.toHaveBeenCalled()
  })

  it('checks every hyperparameter against the schema: units, ranges and messages beside the field', async () => {
    const { wrapper } = await mountForm()
    const rate = wrapper.get('[data-testid="run-learning-rate"]')
    expect(wrapper.text()).toContain('σ: learning rate')
    await rate.setValue('-1')
    const field = rate.element.closest('.field') as HTMLElement
    expect(field.textContent).toContain('Too small: expected number to be >=0')
    await rate.setValue('fast')
    expect((rate.element.closest('.field') as HTMLElement).textContent).toMatch(/expected number/)
    await rate.setValue('0.05')
    expect(wrapper.find('[data-testid="new-run-problems"]').exists()).toBe(false)
  })

  it('sends the chosen classes and sizes and opens the new run', async () => {
    invoke.mockResolvedValue({ ok: true, result: { id: 42 } })
    const { wrapper, router } = await mountForm()
    await wrapper.get('[data-testid="class-5"]').setValue(true)
    await wrapper.get('[data-testid="run-neurons"]').setValue('7')
    await wrapper.get('[data-testid="new-run-form"]').trigger('submit')
    await flushPromises()
    expect(invoke).toHaveBeenCalledTimes(1)
    const [method, args] = invoke.mock.calls[0] as [string, { config: Record<string, unknown> }]
    expect(method).toBe('runs.create')
    expect(args.config).toMatchObject({ data: { classes: [0, 1, 2, 5] }, network: { layers: [{ neurons: 7 }] } })
    expect(router.currentRoute.value.fullPath).toBe('/runs/42')
  })

  it('picks images by index range (diehl-cook-2015’s split) or per class, and sends what is shown', async () => {
    invoke.mockResolvedValue({ ok: true, result: { id: 7 } })
    const { wrapper } = await mountForm()
    await wrapper.get('[data-testid="run-preset"]').setValue('diehl-cook-2015')
    // The preset trains on images [0, 8000) of all 10,000 digits and tests on the rest.
    expect((wrapper.get('[data-testid="run-image-selection"]').element as HTMLSelectElement).value).toBe('range')
    expect((wrapper.get('[data-testid="run-bundled-digits"]').element as HTMLSelectElement).value).toBe('all')
    expect((wrapper.get('[data-testid="run-trainRange-to"]').element as HTMLInputElement).value).toBe('8000')
    expect(wrapper.find('[data-testid="run-train-per-class"]').exists()).toBe(false)
    for (const digit of [0, 5, 9]) expect((wrapper.get(`[data-testid="class-${digit}"]`).element as HTMLInputElement).checked).toBe(true)

    await wrapper.get('[data-testid="run-trainRange-to"]').setValue('300')
    await wrapper.get('[data-testid="run-testRange-from"]').setValue('9990')
    await wrapper.get('[data-testid="run-testRange-to"]').setValue('9980')
    const testTo = wrapper.get('[data-testid="run-testRange-to"]').element.closest('.field') as HTMLElement
    expect(testTo.textContent).toContain('needs end > first')
    // Only what diehl-cook-2015 reads: no seed LIF, seed STDP or variable threshold fields.
    expect(wrapper.text()).not.toContain('Refractory steps')
    expect(wrapper.text()).not.toContain('Silent depression')
    expect(wrapper.text()).toContain('Normalization')
    expect(wrapper.get('[data-testid="start-run"]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid="run-testRange-to"]').setValue('10000')

    await wrapper.get('[data-testid="new-run-form"]').trigger('submit')
    await flushPromises()
    const [, sent] = invoke.mock.calls.at(-1) as [string, { config: { data: Record<string, unknown> } }]
    expect(sent.config.data).toMatchObject({ source: { kind: 'mnist-bundled', digits: 'all' }, trainRange: [0, 300], testRange: [9990, 10000] })

    // Per class: the ranges are cleared and the counts come back.
    invoke.mockClear()
    await wrapper.get('[data-testid="run-image-selection"]').setValue('per-class')
    await wrapper.get('[data-testid="run-train-per-class"]').setValue('12')
    await wrapper.get('[data-testid="new-run-form"]').trigger('submit')
    await flushPromises()
    const [, perClass] = invoke.mock.calls.at(-1) as [string, { config: { data: Record<string, unknown> } }]
    expect(perClass.config.data).toMatchObject({ trainRange: null, testRange: null, trainPerClass: 12 })
  })

  it('shows the service’s validation error where it happened', async () => {
    invoke.mockResolvedValue({ ok: false, error: { code: 'invalid-argument', message: 'config: data.trainPerClass: Too big' } })
    const { wrapper } = await mountForm()
    await wrapper.get('[data-testid="new-run-form"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="new-run-error"]').text()).toContain('data.trainPerClass: Too big')
  })
})
