import type { DataConfig, DatasetSourceConfig } from '../../shared/config'
import { selectImages } from '../datasets/select'
import { DatasetError, type ImageSet } from '../datasets/types'
import type { Rng } from '../random'

/** An ImageSet built from images written in the config itself (replaying reference experiments). */
export function inlineImageSet(source: Extract<DatasetSourceConfig, { kind: 'inline' }>): ImageSet {
  const { width, height, images } = source
  const size = width * height
  const pixels = new Uint8Array(images.length * size)
  const labels = new Int32Array(images.length)
  images.forEach((image, i) => {
    const flat = (image.pixels as unknown[]).flat() as number[]
    if (flat.length !== size) {
      throw new DatasetError(`inline image ${i}: has ${flat.length} pixels, expected ${width}×${height} = ${size}`)
    }
    pixels.set(flat, i * size)
    labels[i] = image.label
  })
  return { source: 'inline images', width, height, count: images.length, pixels, labels }
}

/** Which images of the loaded sets a run trains and tests on. */
export interface DataPlan {
  trainSet: ImageSet
  /** Training images as indices into trainSet, in their base order (before per-epoch shuffles). */
  trainIndices: Int32Array
  testSet: ImageSet
  testIndices: Int32Array
  /** Class labels taking part, ascending; evaluation maps label classLabels[c] to class c. */
  classLabels: number[]
}

/** Plans made from each source ImageSet, newest last (see planData). */
const recentPlans = new WeakMap<ImageSet, { testSource: ImageSet | null; key: string; plan: DataPlan }[]>()
/** Plans kept per source ImageSet. */
const PLANS_KEPT = 4

/**
 * Apply the config's data selection to the loaded source (and test source).
 *
 * An engine process trains run after run on the same kept ImageSets (a sweep's trials differ in
 * other fields), so the plan of a (source, test source, selection) seen recently is reused rather
 * than selected again: besides the selection's own time, V8 would otherwise keep compiling the
 * selection code (selectImages scans the whole source) several trials into a warm engine, on a
 * thread that takes CPU from a second engine. Each call returns its own copies of the arrays.
 */
export function planData(data: DataConfig, source: ImageSet, testSource: ImageSet | null): DataPlan {
  const key = JSON.stringify([data.classes, data.trainPerClass, data.testPerClass, data.offset, data.order ?? null, data.trainRange ?? null, data.testRange ?? null])
  let plans = recentPlans.get(source)
  let plan: DataPlan | null = null
  for (const kept of plans ?? []) if (kept.testSource === testSource && kept.key === key) plan = kept.plan
  if (!plan) {
    plan = selectPlan(data, source, testSource)
    if (!plans) recentPlans.set(source, (plans = []))
    plans.push({ testSource, key, plan })
    if (plans.length > PLANS_KEPT) plans.shift()
  }
  return {
    trainSet: plan.trainSet,
    trainIndices: plan.trainIndices.slice(),
    testSet: plan.testSet,
    testIndices: plan.testIndices.slice(),
    classLabels: plan.classLabels.slice()
  }
}

function selectPlan(data: DataConfig, source: ImageSet, testSource: ImageSet | null): DataPlan {
  const classes = data.classes === 'all' ? undefined : data.classes
  let trainIndices: Int32Array
  if (data.order) {
    for (const index of data.order) {
      if (index >= source.count) throw new DatasetError(`data.order: image ${index} does not exist in ${source.source} (${source.count} images)`)
    }
    trainIndices = Int32Array.from(data.order)
  } else if (data.trainRange) {
    trainIndices = imagesInRange(source, data.trainRange, classes, 'data.trainRange')
  } else {
    trainIndices = selectImages(source, { classes, perClass: data.trainPerClass, offset: data.offset })
  }
  const testSet = testSource ?? source
  const testIndices = data.testRange
    ? imagesInRange(testSet, data.testRange, classes, 'data.testRange')
    : data.testPerClass === 0
      ? new Int32Array(0)
      : selectImages(testSet, {
          classes,
          perClass: data.testPerClass,
          offset: testSource ? 0 : data.offset + (data.order ? 0 : data.trainPerClass)
        })
  const present = new Set<number>()
  for (const i of trainIndices) present.add(source.labels[i])
  for (const i of testIndices) present.add(testSet.labels[i])
  if (testSource && testSource.width * testSource.height !== source.width * source.height) {
    throw new DatasetError(
      `${testSource.source}: test images are ${testSource.width}×${testSource.height}, training images ${source.width}×${source.height}`
    )
  }
  return { trainSet: source, trainIndices, testSet, testIndices, classLabels: [...present].sort((a, b) => a - b) }
}

/** Indices first … end − 1 of `set` whose label is one of `classes` (all when undefined), in dataset order. */
function imagesInRange(set: ImageSet, [first, end]: readonly [number, number], classes: readonly number[] | undefined, field: string): Int32Array {
  if (end > set.count) throw new DatasetError(`${field}: [${first}, ${end}) goes past the end of ${set.source} (${set.count} images)`)
  const wanted = classes ? new Set(classes) : null
  const picked: number[] = []
  for (let i = first; i < end; i++) if (!wanted || wanted.has(set.labels[i])) picked.push(i)
  if (picked.length === 0) throw new DatasetError(`${field}: no images of the selected classes in [${first}, ${end}) of ${set.source}`)
  return Int32Array.from(picked)
}

/** The training order of one epoch: the base order, shuffled according to the config. */
export function epochOrder(plan: DataPlan, shuffle: DataConfig['shuffle'], ordered: boolean, epoch: number, dataRng: Rng, previous: Int32Array | null): Int32Array {
  if (ordered || shuffle === 'none') return plan.trainIndices
  if (shuffle === 'once') {
    if (previous) return previous
    return dataRng.shuffle(plan.trainIndices.slice())
  }
  // every-epoch: each epoch gets its own stream so resuming at an epoch boundary is exact.
  return dataRng.split(`epoch-${epoch}`).shuffle(plan.trainIndices.slice())
}
