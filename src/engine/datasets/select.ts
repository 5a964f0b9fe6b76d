/** Choosing which images of an ImageSet take part in a run, and copying them out. */
import type { Rng } from '../random'
import { DatasetError, type ImageSet } from './types'

export interface ImageSelection {
  /** Labels to keep, in any order; all labels present in the set when absent. */
  classes?: number[]
  /** Images to take per class (after `offset`); all remaining when absent. */
  perClass?: number
  /** Skip the first `offset` images of each class (dataset order), e.g. to keep train and test disjoint. */
  offset?: number
  /** Shuffle the chosen indices with the given Rng; otherwise they stay in dataset order. */
  shuffle?: boolean
}

function checkCount(set: ImageSet, name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new DatasetError(`${set.source}: ${name} must be a non-negative integer, got ${value}`)
  }
}

/**
 * Indices of the images chosen by `selection`, in dataset order (or shuffled with `rng`).
 * Throws DatasetError when a requested class has no images, or fewer than offset + perClass.
 */
export function selectImages(set: ImageSet, selection: ImageSelection = {}, rng?: Rng): Int32Array {
  const { classes, perClass, offset = 0, shuffle = false } = selection
  checkCount(set, 'perClass', perClass)
  checkCount(set, 'offset', offset)
  if (shuffle && !rng) throw new DatasetError(`${set.source}: shuffle requested but no Rng given`)

  // Count images per label in one pass; labels are small non-negative integers.
  let maxLabel = -1
  for (let i = 0; i < set.count; i++) if (set.labels[i] > maxLabel) maxLabel = set.labels[i]
  const available = new Int32Array(maxLabel + 1)
  for (let i = 0; i < set.count; i++) if (set.labels[i] >= 0) available[set.labels[i]]++

  const wanted = new Uint8Array(maxLabel + 1)
  if (classes) {
    if (classes.length === 0) throw new DatasetError(`${set.source}: classes is empty; expected at least one class label`)
    for (const label of classes) {
      if (!Number.isInteger(label) || label < 0 || label > maxLabel || available[label] === 0) {
        throw new DatasetError(`${set.source}: class ${label} has no images`)
      }
      wanted[label] = 1
    }
  } else {
    for (let label = 0; label <= maxLabel; label++) if (available[label] > 0) wanted[label] = 1
  }

  // How many of each class to take, checked up front so the error reports the real count.
  const quota = new Int32Array(maxLabel + 1)
  let total = 0
  for (let label = 0; label <= maxLabel; label++) {
    if (!wanted[label]) continue
    const remaining = available[label] - offset
    if (perClass !== undefined && remaining < perClass) {
      const after = offset > 0 ? ` after skipping ${offset}` : ''
      throw new DatasetError(
        `${set.source}: class ${label} has ${Math.max(0, remaining)} images${after} (${available[label]} in total), fewer than the ${perClass} requested`
      )
    }
    if (perClass === undefined && remaining <= 0) {
      throw new DatasetError(`${set.source}: class ${label} has no images left after skipping ${offset} (${available[label]} in total)`)
    }
    quota[label] = perClass ?? remaining
    total += quota[label]
  }

  const result = new Int32Array(total)
  const seen = new Int32Array(maxLabel + 1)
  let filled = 0
  for (let i = 0; i < set.count && filled < total; i++) {
    const label = set.labels[i]
    if (label < 0 || !wanted[label]) continue
    const position = seen[label]++
    if (position >= offset && position < offset + quota[label]) result[filled++] = i
  }
  if (shuffle && rng) rng.shuffle(result)
  return result
}

/** A new ImageSet holding copies of the images at `indices`, in that order. */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const imageSize = set.width * set.height
  const pixels = new Uint8Array(indices.length * imageSize)
  const labels = new Int32Array(indices.length)
  for (let j = 0; j < indices.length; j++) {
    const index = indices[j]
    if (!(Number.isInteger(index) && index >= 0 && index < set.count)) {
      throw new DatasetError(`${set.source}: image index ${index} out of range (0..${set.count - 1})`)
    }
    pixels.set(set.pixels.subarray(index * imageSize, (index + 1) * imageSize), j * imageSize)
    labels[j] = set.labels[index]
  }
  const subset: ImageSet = { source: set.source, width: set.width, height: set.height, count: indices.length, pixels, labels }
  if (set.classNames) subset.classNames = set.classNames.slice()
  return subset
}
