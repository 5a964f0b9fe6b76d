// @vitest-environment happy-dom
import 'vitest-canvas-mock'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import type { ApiEvents } from '../../src/shared/api'
import '../../src/renderer/src/charts/setup'
import { installFakeApi, runDetail } from './runPageFakeApi'

const fake = installFakeApi({
  'runs.get': () => runDetail(),
  'runs.metrics': () => ({ series: [] })
})
const { default: RunPageLive } = await import('../../src/renderer/src/components/RunPageLive.vue')
const { useRunStore, decodeWeights } = await import('../../src/renderer/src/stores/run')

function progress(done: number, withFrame: boolean): ApiEvents['run.progress'] {
  const weights = Uint8Array.from({ length: 2 * 784 }, (_, i) => i % 256)
  return {
    id: 7,
    done,
    total: 100,
    imagesPerSecond: 250,
    last: { image: 41, label: 3, winner: 1, winnerStep: 12, threshold: -51.5 + done / 100, spikeCounts: [0, 4] },
    traces: withFrame ? [Array.from({ length: 700 }, (_, t) => -65 + t / 100), Array.from({ length: 700 }, () => -60)] : null,
    live: withFrame
      ? {
          input: { image: 41, label: 3, width: 28, height: 28, pixels: Array.from({ length: 784 }, (_, i) => i % 256), steps: 700, spikeInput: [10, 400], spikeStep: [3, 9], dropped: 0 },
          raster: { neurons: 2, steps: 700, labels: [5, 3], winners: [0, 1], spikeImage: [0, 1, 1], spikeNeuron: [0, 1, 1], spikeStep: [20, 12, 40], dropped: 0 },
          recentLabels: [1, 5, 3],
          recentWinners: [-1, 0, 1],
          thresholds: [-51.2, -50.8],
          weights: { neurons: 2, inputs: 784, min: 0, max: 0.51, base64: btoa(String.fromCharCode(...weights)) }
        }
      : null
  }
}

describe('RunPageLive', () => {
  setActivePinia(createPinia())
  const run = useRunStore()

  it('waits for the first frame, then shows input, raster, winners, membrane potentials and weights', async () => {
    await run.open(7)
    const wrapper = mount(RunPageLive)
    expect(wrapper.text()).toContain('Waiting for the first training image')
    // A progress event without a frame moves the progress bar only.
    fake.emit('run.progress', progress(10, false))
    await flushPromises()
    expect(wrapper.text()).toContain('Waiting for the first training image')
    expect(run.thresholdHistory.steps).toEqual([])
    expect(run.detail?.done).toBe(10)
    fake.emit('run.progress', progress(20, true))
    await flushPromises()
    expect(wrapper.find('[data-testid="live-caption"]').text().replace(/\s+/g, ' ')).toBe('Image 41 (label 3): neuron 1 fired first, at step 12.')
    expect(wrapper.find('[data-testid="input-spike-train"]').text()).toContain('2 input spikes')
    expect(wrapper.find('[data-testid="spike-raster"]').exists()).toBe(true)
    expect(wrapper.findAll('[data-testid="winner-strip"] li').map((li) => li.text())).toEqual(['·', '0', '1'])
    expect(wrapper.find('[data-testid="membrane-plot"]').exists()).toBe(true)
    // The threshold-over-training chart needs two points.
    expect(wrapper.find('[data-testid="live-threshold"]').exists()).toBe(false)
    fake.emit('run.progress', progress(30, true))
    await flushPromises()
    expect(run.thresholdHistory).toEqual({ steps: [20, 30], values: [-51.3, -51.2] })
    expect(wrapper.find('[data-testid="live-threshold"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="live-weights"]').text()).toContain('after 30 images')
  })

  it('decodes streamed weights back to values within half a quantization step', () => {
    const values = decodeWeights({ neurons: 1, inputs: 3, min: -1, max: 1, base64: btoa(String.fromCharCode(0, 128, 255)) }).values
    expect(Array.from(values).map((v) => Number(v.toFixed(4)))).toEqual([-1, 0.0039, 1])
  })
})
