// @vitest-environment happy-dom
import 'vitest-canvas-mock'
import { mount } from '@vue/test-utils'
import { Chart } from 'chart.js'
import { describe, expect, it } from 'vitest'
import BaseParallelCoordinates from '../../src/renderer/src/components/BaseParallelCoordinates.vue'
import BaseScatterChart from '../../src/renderer/src/components/BaseScatterChart.vue'

// happy-dom lays nothing out: give the charts a size to draw at.
function sized<T>(mountIt: () => T): T {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 400 })
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 200 })
  return mountIt()
}

const chartOf = (wrapper: { find(s: string): { element: Element } }) => Chart.getChart(wrapper.find('canvas').element as HTMLCanvasElement)!

describe('sweep charts', () => {
  it('a parameter scatter spans every trial, whatever the order they finished in', () => {
    // Trials come by index, so values are not sorted by x; chart.js (parsing off) needs them sorted.
    const points = [
      { x: 1.45, y: 0.66 },
      { x: 1.14, y: 0.33 },
      { x: 1.16, y: 0.33 },
      { x: 1.47, y: 0.33 }
    ]
    const wrapper = sized(() => mount(BaseScatterChart, { props: { points, emphasis: 0 }, attachTo: document.body }))
    const x = chartOf(wrapper).scales.x
    expect(x.min).toBeLessThanOrEqual(1.14)
    expect(x.max).toBeGreaterThanOrEqual(1.47)
    // The emphasised point is its own dataset (own colour and legend entry).
    expect(chartOf(wrapper).data.datasets.map((d) => d.data.length)).toEqual([4, 1])
  })

  it('parallel coordinates: one axis per parameter and the objective, log axes for log-uniform ones', () => {
    const wrapper = sized(() =>
      mount(BaseParallelCoordinates, {
        props: {
          axes: [
            { label: 'learning.rate', values: [0.01, 0.05, 0.002], log: true },
            { label: 'inhibition.kind', values: [0, 1, 0], categories: ['wta', 'none'] },
            { label: 'accuracy', values: [0.5, 0.8, 0.4] }
          ],
          labels: ['trial 0', 'trial 1', 'trial 2'],
          scores: [0.25, 1, 0],
          emphasis: 1
        }
      })
    )
    const chart = chartOf(wrapper)
    expect(chart.data.datasets.map((d) => [d.label, (d as { type?: string }).type ?? 'pcp'])).toEqual([
      ['learning.rate', 'logarithmicPcp'],
      ['inhibition.kind', 'pcp'],
      ['accuracy', 'pcp']
    ])
    expect(chart.data.datasets[2].data).toEqual([0.5, 0.8, 0.4])
    expect(wrapper.find('canvas').attributes('aria-label')).toBe('Parallel coordinates: learning.rate, inhibition.kind, accuracy')
  })
})
