/**
 * PNG → 8-bit grayscale, and folders of labelled PNGs → ImageSet.
 *
 * Conversion rules (applied per pixel, in integer arithmetic up to one final rounding):
 * - gray: the value itself; RGB and palette colours: luminance 0.299·R + 0.587·G + 0.114·B (BT.601,
 *   the same weights as PIL's `convert('L')`).
 * - 1/2/4/16-bit samples are rescaled to 0..255 (v·255 / (2^depth − 1)).
 * - Alpha (gray+alpha, RGBA, palette tRNS) is composited over black, so transparent pixels become 0:
 *   black is "no input" for the spike encoders, as in MNIST.
 * - Colour-key transparency (tRNS on gray/RGB images) is ignored.
 * - The result is rounded half up.
 */
import { decode, hasPngSignature, type DecodedPng } from 'fast-png'
import { DatasetError, type ImageSet } from './types'

export interface GrayImage {
  width: number
  height: number
  /** height × width values 0..255, row-major. */
  pixels: Uint8Array
}

export interface PngEntry {
  label: number
  /** File name or path, used in error messages. */
  name: string
  bytes: Uint8Array
}

/** Luminance weights ×1000, so RGB → gray stays in exact integer arithmetic. */
const WEIGHT_R = 299
const WEIGHT_G = 587
const WEIGHT_B = 114
const WEIGHT_SUM = 1000

/** Reads sample `index` of a row-packed 1/2/4-bit image (rows start on byte boundaries). */
function packedSample(data: ArrayLike<number>, bytesPerRow: number, depth: number, width: number, index: number): number {
  const row = Math.floor(index / width)
  const bitOffset = (index - row * width) * depth
  const byte = data[row * bytesPerRow + (bitOffset >> 3)]
  const shift = 8 - depth - (bitOffset & 7)
  return (byte >> shift) & ((1 << depth) - 1)
}

function convertToGray(png: DecodedPng, name: string): Uint8Array {
  const { width, height, depth, channels, data, palette } = png
  const pixelCount = width * height
  const out = new Uint8Array(pixelCount)
  const maxValue = (1 << depth) - 1
  const packed = depth < 8
  const bytesPerRow = Math.ceil((width * depth * channels) / 8)
  const expectedLength = packed ? bytesPerRow * height : pixelCount * channels
  if (data.length !== expectedLength) {
    throw new DatasetError(`${name}: truncated PNG image data (${expectedLength} samples expected, got ${data.length})`)
  }

  if (palette) {
    // Pre-convert each palette entry once; indices then map straight to gray values.
    const paletteGray = new Uint8Array(256)
    for (let i = 0; i < palette.length; i++) {
      const [r, g, b, a = 255] = palette[i]
      paletteGray[i] = Math.round(((WEIGHT_R * r + WEIGHT_G * g + WEIGHT_B * b) * a) / (WEIGHT_SUM * 255))
    }
    for (let i = 0; i < pixelCount; i++) {
      const index = packed ? packedSample(data, bytesPerRow, depth, width, i) : data[i]
      if (index >= palette.length) {
        throw new DatasetError(`${name}: palette index ${index} out of range (palette has ${palette.length} colours)`)
      }
      out[i] = paletteGray[index]
    }
    return out
  }

  // out = round(lum·alpha·255 / (1000·max·max)): an exact integer numerator (< 2^53) and one
  // correctly rounded division, so results don't depend on the order of float operations.
  const denominator = WEIGHT_SUM * maxValue * maxValue
  switch (channels) {
    case 1:
      if (packed) {
        for (let i = 0; i < pixelCount; i++) {
          out[i] = Math.round((packedSample(data, bytesPerRow, depth, width, i) * 255) / maxValue)
        }
      } else if (depth === 8) {
        out.set(data)
      } else {
        for (let i = 0; i < pixelCount; i++) out[i] = Math.round((data[i] * 255) / maxValue)
      }
      return out
    case 2:
      for (let i = 0; i < pixelCount; i++) {
        out[i] = Math.round((WEIGHT_SUM * data[2 * i] * data[2 * i + 1] * 255) / denominator)
      }
      return out
    case 3:
      for (let i = 0; i < pixelCount; i++) {
        const lum = WEIGHT_R * data[3 * i] + WEIGHT_G * data[3 * i + 1] + WEIGHT_B * data[3 * i + 2]
        out[i] = Math.round((lum * maxValue * 255) / denominator)
      }
      return out
    case 4:
      for (let i = 0; i < pixelCount; i++) {
        const lum = WEIGHT_R * data[4 * i] + WEIGHT_G * data[4 * i + 1] + WEIGHT_B * data[4 * i + 2]
        out[i] = Math.round((lum * data[4 * i + 3] * 255) / denominator)
      }
      return out
    default:
      throw new DatasetError(`${name}: unsupported PNG channel count ${channels}; expected 1 to 4`)
  }
}

/** Decodes PNG bytes (any colour type, 1–16 bit) into an 8-bit grayscale image; see the module comment. */
export function decodeGrayPng(bytes: Uint8Array, name: string): GrayImage {
  if (!hasPngSignature(bytes)) {
    throw new DatasetError(`${name}: not a PNG file (PNG signature expected at the start)`)
  }
  let png: DecodedPng
  try {
    png = decode(bytes, { checkCrc: true })
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ').trim()
    // fast-png reads past the end of a cut-off file through a DataView, which says nothing useful.
    const reason = /outside the bounds/i.test(message) ? 'unexpected end of data: file truncated' : message
    throw new DatasetError(`${name}: corrupt PNG (${reason})`)
  }
  if (!(png.width > 0 && png.height > 0)) {
    throw new DatasetError(`${name}: PNG has an empty size (${png.width}×${png.height}); expected at least 1×1`)
  }
  return { width: png.width, height: png.height, pixels: convertToGray(png, name) }
}

/**
 * Decodes labelled PNGs into one ImageSet, in the given order. All images must have the same size;
 * the error names the first file that differs from the first one.
 */
export function imageSetFromPngs(entries: readonly PngEntry[], source: string): ImageSet {
  if (entries.length === 0) throw new DatasetError(`${source}: no PNG images; expected at least one`)
  let width = 0
  let height = 0
  let pixels = new Uint8Array(0)
  const labels = new Int32Array(entries.length)
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    if (!(Number.isInteger(entry.label) && entry.label >= 0)) {
      throw new DatasetError(`${entry.name}: label ${entry.label} is not a non-negative integer`)
    }
    const image = decodeGrayPng(entry.bytes, entry.name)
    if (i === 0) {
      width = image.width
      height = image.height
      pixels = new Uint8Array(entries.length * width * height)
    } else if (image.width !== width || image.height !== height) {
      throw new DatasetError(
        `${entry.name}: image is ${image.width}×${image.height} but ${entries[0].name} is ${width}×${height}; all images must have the same size`
      )
    }
    pixels.set(image.pixels, i * width * height)
    labels[i] = entry.label
  }
  return { source, width, height, count: entries.length, pixels, labels }
}
