// @vitest-environment happy-dom
import 'vitest-canvas-mock'
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import BaseClassResponseBars from '../../src/renderer/src/components/BaseClassResponseBars.vue'

type DrawCall = { type: string; props: { x: number; y: number; width: number; height: number } }

function mountBars() {
  return mount(BaseClassResponseBars, {
    props: {
      responses: [
        [12, 3, 0],
        [0, 0, 0],
        [5, 5, 5]
      ],
      classLabels: [3, 5, 8],
      neuronLabels: [0, -1, 2],
      noise: [false, false, true]
    }
  })
}

describe('BaseClassResponseBars', () => {
  it('draws every neuron into one canvas, each bar scaled to that neuron\'s largest count', () => {
    const wrapper = mountBars()
    expect(wrapper.findAll('canvas')).toHaveLength(1)
    const ctx = (wrapper.find('canvas').element as HTMLCanvasElement).getContext('2d') as unknown as { __getDrawCalls(): DrawCall[] }
    // Bars stand on the baseline (6 px padding + 14 px caption + 34 px bar area below the top).
    const bars = ctx.__getDrawCalls().filter((c) => c.type === 'fillRect' && c.props.height > 1 && Math.round(c.props.y + c.props.height) === 54)
    // Neuron 0: 12 → full height (34 px), 3 → a quarter; neuron 1 never fired: no bars; neuron 2: three full bars.
    expect(bars.map((b) => Math.round(b.props.height))).toEqual([34, 9, 34, 34, 34])
  })

  it('names a hovered neuron\'s label, noise and counts per class', async () => {
    const wrapper = mountBars()
    const hover = wrapper.find('[data-testid="class-response-hover"]')
    expect(hover.text()).toContain('Hover a neuron')
    await wrapper.find('canvas').trigger('mousemove', { clientX: 64 * 2 + 10, clientY: 10 })
    expect(hover.text()).toBe('neuron 2 answers to 8 (noise: every class alike) — spikes per class 3: 5 · 5: 5 · 8: 5')
    await wrapper.find('canvas').trigger('mousemove', { clientX: 64 + 10, clientY: 10 })
    expect(hover.text()).toContain('neuron 1 never fired')
  })
})
