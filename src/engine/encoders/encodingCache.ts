import type { SpikeTrain, SpikeTrainSnapshot } from './spikeTrain'

/**
 * Encoded spike trains of images, by image key, for a deterministic encoder: a run presents
 * the same images every epoch and again when labelling neurons, and encoding (receptive field
 * and spike code) costs about as much as simulating a small layer. Fills until `budgetBytes`
 * and then simply stops adding (no eviction), so behaviour never depends on access order.
 */
export class EncodingCache {
  private readonly entries = new Map<number, SpikeTrainSnapshot>()
  private usedBytes = 0
  hits = 0
  misses = 0

  constructor(readonly budgetBytes = 256 * 1024 * 1024) {}

  /** Restore image `key` into `train`; false when it is not cached. */
  restore(key: number, train: SpikeTrain): boolean {
    const entry = this.entries.get(key)
    if (!entry) {
      this.misses++
      return false
    }
    train.restore(entry)
    this.hits++
    return true
  }

  store(key: number, train: SpikeTrain): void {
    const bytes = train.snapshotBytes()
    if (this.usedBytes + bytes > this.budgetBytes || this.entries.has(key)) return
    this.entries.set(key, train.snapshot())
    this.usedBytes += bytes
  }

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.usedBytes
  }
}

/** Everything a deterministic encoding of one image depends on besides the image's pixels. */
export interface DeterministicEncodingSettings {
  steps: number
  receptiveField: readonly (readonly number[])[]
  interpXp: readonly [number, number]
  interpFp: readonly [number, number]
  periodNumerator: number
}

/** Exact text of a number: distinct doubles give distinct text (String(-0) would be "0"). */
const exactNumber = (value: number): string => (Object.is(value, -0) ? '-0' : String(value))

/** A key equal for two settings exactly when every number they hold is the same double. */
export function encodingSettingsKey(settings: DeterministicEncodingSettings): string {
  const kernel = settings.receptiveField.map((row) => row.map(exactNumber).join(',')).join(';')
  return [
    `steps=${settings.steps}`,
    `kernel=${kernel}`,
    `xp=${settings.interpXp.map(exactNumber).join(',')}`,
    `fp=${settings.interpFp.map(exactNumber).join(',')}`,
    `period=${exactNumber(settings.periodNumerator)}`
  ].join('|')
}

/**
 * Encoding caches kept across runs in one engine process, so a sweep's trials over the same
 * images and encoder settings encode each image once. A cache is identified by the image sets
 * themselves (object identity: a reloaded or edited dataset is a new object, so it never meets
 * another set's encodings) and by every encoder setting the trains depend on. Entries are only
 * added after an image is fully encoded, so a run cancelled midway leaves a correct cache.
 * Least recently used caches are dropped beyond `maxCaches`, or while the caches other than
 * the one in use hold more than `keptBytes`, bounding what an idle engine keeps.
 */
export class EncodingCacheStore {
  /** Most recently used last. */
  private readonly recent: { trainSet: object; testSet: object | null; settings: string; cache: EncodingCache }[] = []

  constructor(
    readonly maxCaches = 2,
    readonly keptBytes = 256 * 1024 * 1024,
    private readonly budgetBytes?: number
  ) {}

  /**
   * The cache for images of `trainSet` (keys ≥ 0) and of a separate `testSet` (keys < 0, null
   * when the test images come from trainSet) under `settings`; a new one on first use.
   */
  acquire(trainSet: object, testSet: object | null, settings: DeterministicEncodingSettings): EncodingCache {
    const key = encodingSettingsKey(settings)
    const at = this.recent.findIndex((e) => e.trainSet === trainSet && e.testSet === testSet && e.settings === key)
    if (at >= 0) {
      const [entry] = this.recent.splice(at, 1)
      this.recent.push(entry)
      return entry.cache
    }
    const cache = new EncodingCache(this.budgetBytes)
    let olderBytes = this.recent.reduce((sum, e) => sum + e.cache.bytes, 0)
    while (this.recent.length > 0 && (this.recent.length >= this.maxCaches || olderBytes > this.keptBytes)) {
      olderBytes -= this.recent.shift()!.cache.bytes
    }
    this.recent.push({ trainSet, testSet, settings: key, cache })
    return cache
  }

  get size(): number {
    return this.recent.length
  }

  clear(): void {
    this.recent.length = 0
  }
}
