/**
 * Weight rows → 8-bit images, for receptive-field pictures and gallery PNGs.
 * Pure TS: returns pixel buffers and PNG bytes; callers decide where to write them.
 * Pixels are row-major; pixel (r, c) of a width-wide image is at r·width + c (×3 for RGB).
 */

import { encode } from 'fast-png'

/** One neuron's incoming weights, length width·height (Float64Array, number[], ...). */
export type WeightRow = ArrayLike<number>

export interface ValueRange {
  min: number
  max: number
}

/** Fixed mapping, or 'auto' to use the data's own min/max. */
export type GrayRange = ValueRange | 'auto'

/** Value used when every weight is equal: no contrast to show. */
const MID_GREY = 128

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`)
  }
}

function requireRowShape(row: WeightRow, width: number, height: number): void {
  requirePositiveInteger(width, 'width')
  requirePositiveInteger(height, 'height')
  if (row.length !== width * height) {
    throw new Error(`row must have width × height = ${width * height} values, got ${row.length}`)
  }
}

function requireRange(range: ValueRange): void {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || !(range.min < range.max)) {
    throw new Error(`range must have finite min < max, got min ${range.min}, max ${range.max}`)
  }
}

/** Min/max over the finite values of row[start, end); null when there are none. */
function finiteExtent(values: WeightRow, start: number, end: number): ValueRange | null {
  let min = Infinity
  let max = -Infinity
  for (let i = start; i < end; i++) {
    const value = values[i]
    if (!Number.isFinite(value)) continue
    if (value < min) min = value
    if (value > max) max = value
  }
  return min <= max ? { min, max } : null
}

/**
 * Write values[start, end) as gray levels into out[offset..]: min → 0, max → 255, clamped.
 * Equal min and max (a constant row under 'auto') gives mid-grey. NaN maps to 0.
 */
function mapToGray(
  values: WeightRow,
  start: number,
  end: number,
  min: number,
  max: number,
  out: Uint8Array,
  offset: number
): void {
  if (!(max > min)) {
    out.fill(MID_GREY, offset, offset + (end - start))
    return
  }
  const scale = 255 / (max - min)
  for (let i = start; i < end; i++) {
    const level = Math.round((values[i] - min) * scale)
    // Uint8Array stores NaN as 0; clamp everything else explicitly (it would wrap, not saturate).
    out[offset + i - start] = level < 0 ? 0 : level > 255 ? 255 : level
  }
}

/**
 * Grayscale pixels (width·height bytes) for one weight row, mapping min → 0 and max → 255
 * linearly, clamping values outside the range. 'auto' uses the row's own min/max; a constant
 * row then comes out mid-grey (128).
 */
export function weightsToGray(
  row: WeightRow,
  width: number,
  height: number,
  range: GrayRange = 'auto'
): Uint8Array {
  requireRowShape(row, width, height)
  const pixels = new Uint8Array(width * height)
  let extent: ValueRange | null
  if (range === 'auto') {
    extent = finiteExtent(row, 0, row.length)
  } else {
    requireRange(range)
    extent = range
  }
  if (extent === null) pixels.fill(MID_GREY)
  else mapToGray(row, 0, row.length, extent.min, extent.max, pixels, 0)
  return pixels
}

/**
 * RGB pixels (3 bytes per pixel) on a diverging map: −absMax → blue (0, 0, 255), 0 → white,
 * +absMax → red (255, 0, 0), linear in between and clamped beyond. 'auto' uses the row's largest
 * |value| (an all-zero row comes out white).
 */
export function weightsToDiverging(
  row: WeightRow,
  width: number,
  height: number,
  absMax: number | 'auto'
): Uint8Array {
  requireRowShape(row, width, height)
  let limit: number
  if (absMax === 'auto') {
    limit = 0
    for (let i = 0; i < row.length; i++) {
      const magnitude = Math.abs(row[i])
      if (magnitude > limit && magnitude !== Infinity) limit = magnitude
    }
  } else {
    if (!(absMax > 0) || !Number.isFinite(absMax)) {
      throw new Error(`absMax must be a finite number > 0 or 'auto', got ${absMax}`)
    }
    limit = absMax
  }
  const pixels = new Uint8Array(row.length * 3).fill(255)
  if (limit === 0) return pixels
  for (let i = 0; i < row.length; i++) {
    const t = row[i] / limit
    if (!(t === t)) continue // NaN: leave white
    // Fade the two channels away from the signed colour: 255 at zero, 0 at ±absMax.
    const faded = Math.round(255 * (1 - Math.min(1, Math.abs(t))))
    const base = i * 3
    if (t > 0) {
      pixels[base + 1] = faded
      pixels[base + 2] = faded
    } else if (t < 0) {
      pixels[base] = faded
      pixels[base + 1] = faded
    }
  }
  return pixels
}

/** PNG file bytes for 8-bit grayscale (channels 1) or RGB (channels 3) pixels. */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3
): Uint8Array {
  requirePositiveInteger(width, 'width')
  requirePositiveInteger(height, 'height')
  if (channels !== 1 && channels !== 3) {
    throw new Error(`channels must be 1 (grayscale) or 3 (RGB), got ${channels}`)
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(
      `pixels must have width × height × channels = ${width * height * channels} bytes, got ${pixels.length}`
    )
  }
  return encode({ width, height, data: pixels, channels, depth: 8 })
}

export interface GalleryOptions {
  /** Tiles per row; default ceil(sqrt(n)). */
  columns?: number
  /** Integer nearest-neighbour upscaling of every weight pixel; default 1. */
  scale?: number
  /** Gap in output pixels around and between tiles; default 1. */
  padding?: number
  /** Gray level of the padding, 0..255; default 255 (white) so dark tiles stay separate. */
  background?: number
  /**
   * Gray mapping: fixed { min, max }; 'auto' = min/max over all neurons (tiles comparable,
   * the default); 'per-neuron' = each tile stretched to its own min/max.
   */
  range?: GrayRange | 'per-neuron'
}

export interface GalleryImage {
  /** width × height bytes, row-major. */
  pixels: Uint8Array
  width: number
  height: number
}

/**
 * Tile n neurons' weight images into one grayscale image, row by row, left to right.
 * Tile k sits in grid cell (row ⌊k / columns⌋, column k mod columns); its top-left pixel is at
 * x = padding + column·(width·scale + padding), y = padding + row·(height·scale + padding).
 * Cells past n stay background.
 */
export function weightGallery(
  weights: Float64Array,
  n: number,
  width: number,
  height: number,
  options: GalleryOptions = {}
): GalleryImage {
  requirePositiveInteger(n, 'n')
  requirePositiveInteger(width, 'width')
  requirePositiveInteger(height, 'height')
  const tileSize = width * height
  if (weights.length !== n * tileSize) {
    throw new Error(
      `weights must have n × width × height = ${n * tileSize} values, got ${weights.length}`
    )
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(n))
  const scale = options.scale ?? 1
  const padding = options.padding ?? 1
  const background = options.background ?? 255
  const range = options.range ?? 'auto'
  requirePositiveInteger(columns, 'columns')
  requirePositiveInteger(scale, 'scale')
  if (!Number.isInteger(padding) || padding < 0) {
    throw new Error(`padding must be an integer ≥ 0, got ${padding}`)
  }
  if (!Number.isInteger(background) || background < 0 || background > 255) {
    throw new Error(`background must be an integer gray level 0..255, got ${background}`)
  }

  let shared: ValueRange | null = null
  if (range === 'auto') shared = finiteExtent(weights, 0, weights.length)
  else if (range !== 'per-neuron') {
    requireRange(range)
    shared = range
  }

  const rows = Math.ceil(n / columns)
  const tileWidth = width * scale
  const tileHeight = height * scale
  const imageWidth = padding + columns * (tileWidth + padding)
  const imageHeight = padding + rows * (tileHeight + padding)
  const pixels = new Uint8Array(imageWidth * imageHeight).fill(background)
  const tile = new Uint8Array(tileSize)

  for (let k = 0; k < n; k++) {
    const start = k * tileSize
    const end = start + tileSize
    const extent = range === 'per-neuron' ? finiteExtent(weights, start, end) : shared
    if (extent === null) tile.fill(MID_GREY)
    else mapToGray(weights, start, end, extent.min, extent.max, tile, 0)

    const left = padding + (k % columns) * (tileWidth + padding)
    const top = padding + Math.floor(k / columns) * (tileHeight + padding)
    for (let y = 0; y < tileHeight; y++) {
      const sourceRow = Math.floor(y / scale) * width
      const targetRow = (top + y) * imageWidth + left
      for (let x = 0; x < tileWidth; x++) {
        pixels[targetRow + x] = tile[sourceRow + Math.floor(x / scale)]
      }
    }
  }
  return { pixels, width: imageWidth, height: imageHeight }
}
