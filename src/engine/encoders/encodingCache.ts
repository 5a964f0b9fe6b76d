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
