// @vitest-environment happy-dom
import 'vitest-canvas-mock'
import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import BaseWeightGallery from '../../src/renderer/src/components/BaseWeightGallery.vue'

/** The RGBA bytes the gallery puts into its one-pixel-per-weight atlas. */
function drawnPixels(props: Record<string, unknown>): number[] {
  const put = vi.spyOn(CanvasRenderingContext2D.prototype, 'putImageData')
  mount(BaseWeightGallery, { props: { neurons: 1, width: 3, height: 1, ...props } as { weights: number[]; neurons: number; width: number; height: number } })
  const image = put.mock.calls.at(-1)![0] as ImageData
  put.mockRestore()
  return Array.from(image.data)
}

describe('BaseWeightGallery', () => {
  it('maps weights onto grayscale over the given range, clamping outside it', () => {
    expect(drawnPixels({ weights: [0, 0.5, 2], range: { min: 0, max: 1 } })).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255])
  })

  it('maps weights onto blue (−), white (0) and red (+) in the diverging map', () => {
    expect(drawnPixels({ weights: [-1, 0, 1], colormap: 'diverging', range: { min: -1, max: 1 } })).toEqual([
      0, 0, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255
    ])
  })

  it('records how long its draw took on the canvas', () => {
    const wrapper = mount(BaseWeightGallery, { props: { weights: new Float32Array(400 * 784), neurons: 400, width: 28, height: 28, scale: 2 } })
    expect(Number(wrapper.find('canvas').attributes('data-draw-ms'))).toBeGreaterThanOrEqual(0)
  })
})
