/**
 * IDX parser (the MNIST / Fashion-MNIST file format), plain or gzip-compressed.
 *
 * Layout: 4-byte magic `00 00 <dtype> <ndim>`, then `ndim` big-endian uint32 dimensions, then the
 * data in row-major order. Only unsigned-byte data (dtype 0x08) is supported, which is what every
 * image/label file of the MNIST family uses.
 */
import { gunzipSync } from 'fflate'
import { DatasetError, type ImageSet } from './types'

const IDX_UBYTE = 0x08
const IDX_IMAGES_MAGIC = 0x00000803
const IDX_LABELS_MAGIC = 0x00000801

const IDX_DTYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64'
}

export interface IdxImages {
  count: number
  height: number
  width: number
  /** count × height × width bytes, row-major. */
  pixels: Uint8Array
}

export interface IdxFileNames {
  /** Name of the images file, used in error messages. */
  images: string
  /** Name of the labels file, used in error messages. */
  labels: string
  /** `ImageSet.source`; defaults to "<images> + <labels>". */
  source?: string
}

function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0')
}

/** True when the bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

let crcTable: Int32Array | undefined

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c
    }
  }
  const table = crcTable
  let crc = -1
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

/**
 * Gunzips `bytes`, verifying the gzip trailer (CRC-32 and length): fflate does not check the CRC,
 * and a silently corrupted dataset is worse than an error.
 */
export function gunzipChecked(bytes: Uint8Array, sourceName: string): Uint8Array {
  let output: Uint8Array
  try {
    output = gunzipSync(bytes)
  } catch (error) {
    throw new DatasetError(`${sourceName}: corrupt gzip data (${(error as Error).message})`)
  }
  const n = bytes.length
  const storedCrc = (bytes[n - 8] | (bytes[n - 7] << 8) | (bytes[n - 6] << 16) | (bytes[n - 5] << 24)) >>> 0
  const storedSize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0
  if (output.length % 0x1_0000_0000 !== storedSize) {
    throw new DatasetError(`${sourceName}: corrupt gzip data (trailer says ${storedSize} bytes, decompressed ${output.length})`)
  }
  const actualCrc = crc32(output)
  if (actualCrc !== storedCrc) {
    throw new DatasetError(`${sourceName}: corrupt gzip data (CRC-32 ${hex32(actualCrc)} does not match trailer ${hex32(storedCrc)})`)
  }
  return output
}

/**
 * Parses an IDX file with the given magic (ubyte, `expectedDims` dimensions) and returns its
 * dimensions and data. The returned data never aliases the caller's buffer.
 */
function parseIdx(bytes: Uint8Array, sourceName: string, expectedMagic: number, kind: string): { dims: number[]; data: Uint8Array } {
  const owned = isGzip(bytes)
  if (owned) bytes = gunzipChecked(bytes, sourceName)
  if (bytes.length < 4) {
    throw new DatasetError(`${sourceName}: not an IDX file (only ${bytes.length} bytes; an IDX header is at least 8)`)
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(`${sourceName}: not an IDX file (magic ${hex32(expectedMagic)} expected, got ${hex32(magic)})`)
  }
  const dtype = bytes[2]
  if (dtype !== IDX_UBYTE) {
    const dtypeName = IDX_DTYPE_NAMES[dtype] ?? 'unknown'
    throw new DatasetError(
      `${sourceName}: IDX data type 0x${dtype.toString(16).padStart(2, '0')} (${dtypeName}) is not supported; expected 0x08 (unsigned byte)`
    )
  }
  const ndim = bytes[3]
  const expectedNdim = expectedMagic & 0xff
  if (ndim !== expectedNdim) {
    const hint = ndim === 1 ? ', which looks like a labels file' : ndim === 3 ? ', which looks like an images file' : ''
    throw new DatasetError(
      `${sourceName}: expected IDX ${kind} with ${expectedNdim} dimension(s) (magic ${hex32(expectedMagic)}), got ${ndim} dimension(s) (magic ${hex32(magic)})${hint}`
    )
  }
  const headerLength = 4 + 4 * ndim
  if (bytes.length < headerLength) {
    throw new DatasetError(`${sourceName}: truncated IDX header (${headerLength} bytes expected, file has ${bytes.length})`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: number[] = []
  let dataLength = 1
  for (let i = 0; i < ndim; i++) {
    const dim = view.getUint32(4 + 4 * i, false)
    dims.push(dim)
    dataLength *= dim
  }
  const available = bytes.length - headerLength
  if (available < dataLength) {
    throw new DatasetError(
      `${sourceName}: truncated IDX file (${dims.join('×')} needs ${dataLength} data bytes, found ${available})`
    )
  }
  if (available > dataLength) {
    throw new DatasetError(
      `${sourceName}: ${available - dataLength} unexpected trailing bytes after the ${dims.join('×')} IDX data`
    )
  }
  // Gunzipped output is ours, so a view is enough; a caller's buffer is copied so later edits don't
  // leak in (new Uint8Array rather than .slice, which on a Node Buffer would be a view).
  const data = owned ? bytes.subarray(headerLength) : new Uint8Array(bytes.subarray(headerLength))
  return { dims, data }
}

/** Parses an IDX images file (magic 0x00000803: ubyte, count × height × width), plain or gzip. */
export function parseIdxImages(bytes: Uint8Array, sourceName: string): IdxImages {
  const { dims, data } = parseIdx(bytes, sourceName, IDX_IMAGES_MAGIC, 'images')
  const [count, height, width] = dims
  if (count === 0) throw new DatasetError(`${sourceName}: IDX images file contains no images`)
  if (height === 0 || width === 0) {
    throw new DatasetError(`${sourceName}: IDX images have an empty size (${height}×${width}); expected at least 1×1`)
  }
  return { count, height, width, pixels: data }
}

/** Parses an IDX labels file (magic 0x00000801: ubyte, count), plain or gzip. */
export function parseIdxLabels(bytes: Uint8Array, sourceName: string): Int32Array {
  const { dims, data } = parseIdx(bytes, sourceName, IDX_LABELS_MAGIC, 'labels')
  if (dims[0] === 0) throw new DatasetError(`${sourceName}: IDX labels file contains no labels`)
  return Int32Array.from(data)
}

/** Builds an ImageSet from an IDX images file and its matching labels file (each plain or gzip). */
export function imageSetFromIdx(imagesBytes: Uint8Array, labelsBytes: Uint8Array, names: IdxFileNames): ImageSet {
  const images = parseIdxImages(imagesBytes, names.images)
  const labels = parseIdxLabels(labelsBytes, names.labels)
  if (labels.length !== images.count) {
    throw new DatasetError(
      `${names.images} + ${names.labels}: image and label counts differ (${images.count} images, ${labels.length} labels); expected matching files`
    )
  }
  return {
    source: names.source ?? `${names.images} + ${names.labels}`,
    width: images.width,
    height: images.height,
    count: images.count,
    pixels: images.pixels,
    labels
  }
}
