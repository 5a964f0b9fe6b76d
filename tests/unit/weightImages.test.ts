import { describe, it, expect } from 'vitest'
import { decode } from 'fast-png'
import {
  encodePng,
  weightGallery,
  weightsToDiverging,
  weightsToGray
} from '../../src/engine/export/weightImages'

describe('weightsToGray', () => {
  it('maps min → 0 and max → 255 linearly (rounded)', () => {
    const pixels = weightsToGray([0, 0.5, 1, 0.25], 2, 2, { min: 0, max: 1 })
    expect(Array.from(pixels)).toEqual([0, 128, 255, 64]) // 127.5 → 128, 63.75 → 64
  })

  it('clamps values outside the range and maps NaN to 0', () => {
    const pixels = weightsToGray(Float64Array.from([-1, 2, 0.5, NaN]), 2, 2, { min: 0, max: 1 })
    expect(Array.from(pixels)).toEqual([0, 255, 128, 0])
  })

  it("'auto' uses the row's own min and max", () => {
    expect(Array.from(weightsToGray(Float64Array.from([2, 4, 6, 3]), 2, 2, 'auto'))).toEqual([
      0, 128, 255, 64
    ])
    expect(Array.from(weightsToGray([2, 4, 6, 3], 4, 1))).toEqual([0, 128, 255, 64])
  })

  it('gives mid-grey for a constant row', () => {
    expect(Array.from(weightsToGray([3, 3, 3], 3, 1, 'auto'))).toEqual([128, 128, 128])
  })

  it('rejects bad shapes and ranges', () => {
    expect(() => weightsToGray([1, 2, 3], 2, 2)).toThrow(/width × height/)
    expect(() => weightsToGray([1, 2], 2, 1, { min: 1, max: 1 })).toThrow(/min < max/)
    expect(() => weightsToGray([1, 2], 0, 1)).toThrow(/width/)
  })
})

describe('weightsToDiverging', () => {
  it('is blue at −absMax, white at 0, red at +absMax, linear between and clamped beyond', () => {
    const pixels = weightsToDiverging([-1, 0, 1, -0.5, 0.5, 2], 3, 2, 1)
    expect(Array.from(pixels)).toEqual([
      0, 0, 255,
      255, 255, 255,
      255, 0, 0,
      128, 128, 255,
      255, 128, 128,
      255, 0, 0
    ])
  })

  it("'auto' uses the largest magnitude; an all-zero row is white", () => {
    expect(Array.from(weightsToDiverging([-2, 1], 2, 1, 'auto'))).toEqual([0, 0, 255, 255, 128, 128])
    expect(Array.from(weightsToDiverging([0, 0], 2, 1, 'auto'))).toEqual([255, 255, 255, 255, 255, 255])
  })

  it('rejects a non-positive absMax', () => {
    expect(() => weightsToDiverging([0], 1, 1, 0)).toThrow(/absMax/)
    expect(() => weightsToDiverging([0], 1, 1, -1)).toThrow(/absMax/)
  })
})

describe('encodePng', () => {
  it('round-trips grayscale pixels through fast-png decode', () => {
    const pixels = Uint8Array.from([0, 50, 100, 150, 200, 255])
    const png = decode(encodePng(pixels, 3, 2, 1))
    expect(png.width).toBe(3)
    expect(png.height).toBe(2)
    expect(png.channels).toBe(1)
    expect(png.depth).toBe(8)
    expect(Array.from(png.data)).toEqual(Array.from(pixels))
  })

  it('round-trips RGB pixels', () => {
    const pixels = weightsToDiverging([-1, -0.25, 0.25, 1], 2, 2, 1)
    const png = decode(encodePng(pixels, 2, 2, 3))
    expect([png.width, png.height, png.channels]).toEqual([2, 2, 3])
    expect(Array.from(png.data)).toEqual(Array.from(pixels))
  })

  it('rejects a pixel buffer of the wrong size', () => {
    expect(() => encodePng(new Uint8Array(5), 3, 2, 1)).toThrow(/bytes/)
    // @ts-expect-error checking the runtime guard
    expect(() => encodePng(new Uint8Array(8), 2, 1, 4)).toThrow(/channels/)
  })
})

describe('weightGallery', () => {
  it('places tiles row by row with padding around and between them', () => {
    // 3 neurons of 2×1 in 2 columns → 2 rows; padding 1, white background.
    const weights = Float64Array.from([0, 1, 1, 0, 0.5, 0.5])
    const image = weightGallery(weights, 3, 2, 1, { columns: 2, range: { min: 0, max: 1 } })
    expect(image.width).toBe(1 + 2 * (2 + 1))
    expect(image.height).toBe(1 + 2 * (1 + 1))
    const W = 255
    expect(Array.from(image.pixels)).toEqual([
      W, W, W, W, W, W, W,
      W, 0, W, W, W, 0, W,
      W, W, W, W, W, W, W,
      W, 128, 128, W, W, W, W, // third tile; the empty fourth cell stays background
      W, W, W, W, W, W, W
    ])
  })

  it('upscales by an integer factor with nearest-neighbour sampling', () => {
    const image = weightGallery(Float64Array.from([0, 1, 1, 0]), 1, 2, 2, { scale: 2, padding: 0 })
    expect([image.width, image.height]).toEqual([4, 4])
    expect(Array.from(image.pixels)).toEqual([
      0, 0, 255, 255,
      0, 0, 255, 255,
      255, 255, 0, 0,
      255, 255, 0, 0
    ])
  })

  it('uses a custom padding width and background level', () => {
    const image = weightGallery(Float64Array.from([0, 1]), 2, 1, 1, {
      padding: 2,
      background: 7,
      range: { min: 0, max: 1 }
    })
    // ceil(sqrt(2)) = 2 columns, 1 row: 2 + 2 × (1 + 2) = 8 wide, 2 + 1 × (1 + 2) = 5 high.
    expect([image.width, image.height]).toEqual([8, 5])
    expect(image.pixels[2 * 8 + 2]).toBe(0)
    expect(image.pixels[2 * 8 + 5]).toBe(255)
    const background = Array.from(image.pixels).filter((value, index) => index !== 18 && index !== 21)
    expect(background.every((value) => value === 7)).toBe(true)
  })

  it('defaults to ceil(sqrt(n)) columns', () => {
    const image = weightGallery(new Float64Array(5 * 4), 5, 2, 2)
    // 3 columns × 2 rows of 2×2 tiles, padding 1.
    expect([image.width, image.height]).toEqual([1 + 3 * 3, 1 + 2 * 3])
  })

  it("shares one range across tiles with 'auto' and stretches each with 'per-neuron'", () => {
    const weights = Float64Array.from([0, 1, 2, 4])
    const shared = weightGallery(weights, 2, 2, 1, { columns: 2, padding: 0 })
    expect(Array.from(shared.pixels)).toEqual([0, 64, 128, 255])
    const own = weightGallery(weights, 2, 2, 1, { columns: 2, padding: 0, range: 'per-neuron' })
    expect(Array.from(own.pixels)).toEqual([0, 255, 0, 255])
  })

  it('produces an image encodePng accepts', () => {
    const image = weightGallery(Float64Array.from([0, 0.25, 0.5, 1]), 4, 1, 1, { scale: 3 })
    const png = decode(encodePng(image.pixels, image.width, image.height, 1))
    expect([png.width, png.height]).toEqual([image.width, image.height])
    expect(Array.from(png.data)).toEqual(Array.from(image.pixels))
  })

  it('rejects bad arguments', () => {
    expect(() => weightGallery(new Float64Array(3), 2, 2, 1)).toThrow(/n × width × height/)
    expect(() => weightGallery(new Float64Array(2), 1, 2, 1, { scale: 1.5 })).toThrow(/scale/)
    expect(() => weightGallery(new Float64Array(2), 1, 2, 1, { padding: -1 })).toThrow(/padding/)
    expect(() => weightGallery(new Float64Array(2), 1, 2, 1, { columns: 0 })).toThrow(/columns/)
    expect(() => weightGallery(new Float64Array(0), 0, 2, 1)).toThrow(/n must/)
  })
})
