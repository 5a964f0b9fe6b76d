// @vitest-environment happy-dom
/**
 * The export dialog: the word format is checked as it is typed (no preview, no download for a
 * bad one), previews are debounced, and a preview renders as the sentence, warnings and report a
 * hardware engineer reads. The preload bridge (window.snnApi) is replaced by a recorder.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExportPreviewResult } from '../../src/shared/exportApi'
import RunExportDialog from '../../src/renderer/src/components/RunExportDialog.vue'

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
const invoke = vi.fn<(method: string, args: unknown) => Promise<Reply>>()

function previewFor(args: { q: { intBits: number; fracBits: number }; evaluate: boolean }): ExportPreviewResult {
  const { intBits, fracBits } = args.q
  const saturated = intBits < 2 ? 12 : 0
  return {
    runId: 7,
    step: 150,
    layer: 0,
    layers: 1,
    neurons: 5,
    inputs: 784,
    q: `Q${intBits}.${fracBits}`,
    intBits,
    fracBits,
    wordBits: intBits + fracBits,
    rounding: 'nearest-even',
    saturate: true,
    scale: 'per-tensor',
    accumulatorBits: 32,
    fixedModel: 'integer',
    quantization: {
      count: 3920,
      maxAbsError: 2 ** -(fracBits + 1),
      meanAbsError: 2 ** -(fracBits + 2),
      saturated,
      saturatedLow: 0,
      saturatedHigh: saturated,
      saturatedByNeuron: saturated ? [2, 0, 0, 10, 0] : [0, 0, 0, 0, 0],
      flushedToZero: 3,
      rangeUsed: 0.5,
      histogram: { min: -1.2, max: 2, counts: [5, 10, 20, 10, 5], representableMin: -(2 ** (intBits - 1)), representableMax: 2 ** (intBits - 1) - 2 ** -fracBits }
    },
    scales: null,
    comparison: args.evaluate
      ? {
          labelSource: 'fixed',
          floatAccuracy: 0.744,
          fixedAccuracy: 0.7,
          winnerAgreement: 0.967,
          predictionAgreement: 0.978,
          identicalCounts: 0.9,
          images: { test: 90, train: 150, classes: [0, 1, 2], perClass: [30, 30, 30], source: 'the bundled MNIST digits' }
        }
      : null,
    comparisonSkipped: args.evaluate ? null : 'not requested',
    warnings: saturated ? [`${saturated} of 3920 weights (0.3%) saturated at the Q${intBits}.${fracBits} limits`] : [],
    elapsedMs: 3
  }
}

beforeEach(() => {
  vi.useFakeTimers()
  invoke.mockReset()
  invoke.mockImplementation(async (method, args) => {
    if (method === 'export.preview') return { ok: true, result: previewFor(args as Parameters<typeof previewFor>[0]) }
    return { ok: true, result: { cancelled: true } }
  })
  ;(window as unknown as { snnApi: unknown }).snnApi = { invoke, on: () => () => undefined }
  setActivePinia(createPinia())
})

afterEach(() => vi.useRealTimers())

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(300)
  await flushPromises()
}

async function mountDialog() {
  const wrapper = mount(RunExportDialog, {
    props: { runId: 7, runName: 'seed-3class', steps: [50, 100, 150] },
    // chart.js needs a real canvas; the histogram's props are what this test checks.
    global: { stubs: { RunExportHistogram: { name: 'RunExportHistogram', props: ['histogram', 'unit'], template: '<div data-testid="export-histogram" />' } } }
  })
  await settle()
  return wrapper
}

const previewCalls = () => invoke.mock.calls.filter(([method]) => method === 'export.preview').map(([, args]) => args as { q: { intBits: number; fracBits: number }; evaluate: boolean })

describe('RunExportDialog', () => {
  it('checks the word format as it is typed: a bad one names the problem, asks for no preview and cannot be downloaded', async () => {
    const wrapper = await mountDialog()
    expect(previewCalls().map((a) => [a.q.intBits, a.evaluate])).toEqual([
      [12, false],
      [12, true]
    ])
    invoke.mockClear()
    await wrapper.get('[data-testid="export-int-bits"]').setValue('20')
    await wrapper.get('[data-testid="export-frac-bits"]').setValue('16')
    await settle()
    expect(wrapper.get('[data-testid="export-q-error"]').text()).toBe('Q20.16 is 36 bits; I + F must be at most 32')
    expect(wrapper.get('[data-testid="export-download"]').attributes('disabled')).toBeDefined()
    expect(previewCalls()).toEqual([])

    await wrapper.get('[data-testid="export-int-bits"]').setValue('')
    expect(wrapper.get('[data-testid="export-q-error"]').text()).toMatch(/integer bits must be a whole number/)

    await wrapper.get('[data-testid="export-preset-8.8"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="export-q-error"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="export-word"]').text()).toBe('16-bit words · range [−128, 128) · LSB 2−8 = 0.00390625')
    expect(wrapper.get('[data-testid="export-preset-8.8"]').attributes('aria-pressed')).toBe('true')
    expect(previewCalls().map((a) => a.q)).toEqual([
      { intBits: 8, fracBits: 8 },
      { intBits: 8, fracBits: 8 }
    ])
  })

  it('waits for typing to stop: several quick changes give one preview', async () => {
    const wrapper = await mountDialog()
    invoke.mockClear()
    const fraction = wrapper.get('[data-testid="export-frac-bits"]')
    for (const value of ['1', '10', '11']) {
      await fraction.setValue(value)
      await vi.advanceTimersByTimeAsync(100)
    }
    await settle()
    expect(previewCalls().map((a) => a.q.fracBits)).toEqual([11, 11])
  })

  it('renders the preview: the accuracy sentence, which images, saturation warnings and where, the report', async () => {
    const wrapper = await mountDialog()
    await wrapper.get('[data-testid="export-int-bits"]').setValue('1')
    await wrapper.get('[data-testid="export-frac-bits"]').setValue('7')
    await settle()
    const accuracy = wrapper.get('[data-testid="export-accuracy"]').text()
    expect(accuracy).toContain('Accuracy float 74.4% → fixed 70.0% (−4.4 points), winner agreement 96.7%')
    expect(accuracy).toContain("On the run's 90 test images (30 each of classes 0, 1, 2) from the bundled MNIST digits")
    expect(wrapper.get('[data-testid="export-warnings"]').text()).toContain('12 of 3920 weights (0.3%) saturated at the Q1.7 limits')
    const saturated = wrapper.get('[data-testid="export-saturated"]').text()
    expect(saturated).toContain('12 of 3920 (0 low, 12 high)')
    expect(saturated).toContain('in 2 neurons: #3 (10), #0 (2)')
    expect(wrapper.get('[data-testid="export-error"]').text()).toContain('3.91e-3 / 1.95e-3 (0.5 LSB max)')
    expect(wrapper.getComponent({ name: 'RunExportHistogram' }).props('histogram')).toMatchObject({ representableMin: -1, counts: [5, 10, 20, 10, 5] })
  })

  it('names the fixed side of a diehl-cook-2015 comparison for what it is: the float network with the quantized weights', async () => {
    invoke.mockImplementation(async (method, args) => {
      if (method !== 'export.preview') return { ok: true, result: { cancelled: true } }
      const preview = previewFor(args as Parameters<typeof previewFor>[0])
      return { ok: true, result: { ...preview, fixedModel: 'quantized-weights' } }
    })
    const wrapper = await mountDialog()
    const accuracy = wrapper.get('[data-testid="export-accuracy"]').text()
    expect(accuracy).toContain('Accuracy float 74.4% → Q12.12 weights 70.0%')
    expect(wrapper.get('[data-testid="export-weights-only"]').text()).toContain('both networks run in floating point, the second with the Q12.12 weights')
  })

  it('shows the service’s error in place of the preview', async () => {
    invoke.mockResolvedValue({ ok: false, error: { code: 'not-found', message: 'run 7 has no weight snapshots to export (it recorded none)' } })
    const wrapper = await mountDialog()
    expect(wrapper.get('[data-testid="export-preview-error"]').text()).toBe('run 7 has no weight snapshots to export (it recorded none)')
    expect(wrapper.get('[data-testid="export-download"]').attributes('disabled')).toBeDefined()
  })
})
