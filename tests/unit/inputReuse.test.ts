/**
 * What an engine process keeps between runs (loadInputs with keep): loaded datasets and
 * deterministic encodings. A run served from them must equal a run built afresh bit for bit,
 * whatever ran before (including a cancelled run), and an edited file or another encoder
 * setting must never be served stale data.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { EncodingCacheStore, encodingSettingsKey } from '../../src/engine/encoders/encodingCache'
import { Experiment, runExperiment } from '../../src/engine/experiment/run'
import { keptEncodingCaches, loadInputs } from '../../src/engine/host/loadInputs'
import { clearKeptSources } from '../../src/engine/host/sourceCache'
import type { SeedNetwork } from '../../src/engine/network/network'
import { parseExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'

const configOf = (input: ExperimentConfigInput = {}) =>
  parseExperimentConfig({ steps: 120, epochs: 2, data: { classes: [0, 1, 2], trainPerClass: 12, testPerClass: 6 }, network: { layers: [{ neurons: 4 }] }, ...input })

const summary = (result: ReturnType<typeof runExperiment>) => ({
  weights: result.layers.map((layer) => Array.from(layer.weights)),
  evaluation: result.evaluation,
  presented: result.presented
})

/** A run with nothing kept from before. */
const fresh = (input: ExperimentConfigInput = {}) => {
  const config = configOf(input)
  return summary(runExperiment(config, loadInputs(config)))
}
/** A run served from (and filling) what the process keeps. */
const kept = (input: ExperimentConfigInput = {}) => {
  const config = configOf(input)
  return summary(runExperiment(config, loadInputs(config, { keep: true })))
}

beforeEach(() => {
  clearKeptSources()
  keptEncodingCaches.clear()
})

describe('inputs kept across runs', () => {
  it('the same config twice in one process equals two fresh runs, the second encoding nothing', () => {
    const expected = fresh()
    expect(kept()).toEqual(expected)
    const config = configOf()
    const experiment = new Experiment(config, loadInputs(config, { keep: true }))
    const cache = (experiment.network as SeedNetwork).encodingCache!
    const missesBefore = cache.misses
    experiment.trainFor(Infinity)
    const result = summary(experiment.finish())
    expect(result).toEqual(expected)
    expect(cache.misses).toBe(missesBefore) // every image came from the earlier runs' encodings
    expect(cache.hits).toBeGreaterThan(0)
  })

  it('other trials of a sweep (learning rate, threshold, seed) reuse encodings and equal fresh runs', () => {
    for (const input of [{ seed: 7 }, { learning: { rate: 0.02 } }, { threshold: { scale: 1.3 } }] as ExperimentConfigInput[]) {
      expect(kept(input)).toEqual(fresh(input))
    }
    expect(keptEncodingCaches.size).toBe(1)
  })

  it('a run cancelled midway leaves a cache that still gives the fresh results', () => {
    const config = configOf()
    const cancelled = runExperiment(config, loadInputs(config, { keep: true }), { onPresentation: (_r, { done }) => done >= 5 })
    expect(cancelled.cancelled).toBe(true)
    expect(kept()).toEqual(fresh())
  })

  it('a changed encoder setting gets its own encodings', () => {
    kept()
    for (const encoder of [{ periodNumerator: 500 }, { interpFp: [2, 20] }, { interpXp: [-1, 2.781] }] as ExperimentConfigInput['encoder'][]) {
      expect(kept({ encoder })).toEqual(fresh({ encoder }))
    }
    expect(kept({ steps: 100 })).toEqual(fresh({ steps: 100 }))
    const kernel = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    expect(kept({ encoder: { receptiveField: kernel } })).toEqual(fresh({ encoder: { receptiveField: kernel } }))
  })

  it('stochastic encoders keep nothing and equal fresh runs', () => {
    expect(kept({ encoder: { kind: 'poisson' } })).toEqual(fresh({ encoder: { kind: 'poisson' } }))
    expect(keptEncodingCaches.size).toBe(0)
  })
})

describe('EncodingCacheStore', () => {
  const settings = { steps: 10, receptiveField: [[1]], interpXp: [0, 1] as [number, number], interpFp: [1, 2] as [number, number], periodNumerator: 600 }

  it('tells every setting apart, -0 from 0 too', () => {
    const key = encodingSettingsKey(settings)
    expect(encodingSettingsKey({ ...settings })).toBe(key)
    for (const changed of [{ steps: 11 }, { receptiveField: [[-0]] }, { interpXp: [-0, 1] }, { interpFp: [1, 2.0000000000000004] }, { periodNumerator: 601 }]) {
      expect(encodingSettingsKey({ ...settings, ...changed } as typeof settings)).not.toBe(key)
    }
  })

  it('is keyed by image-set identity and keeps at most maxCaches', () => {
    const store = new EncodingCacheStore(2)
    const [a, b, c] = [{}, {}, {}]
    const cacheA = store.acquire(a, null, settings)
    expect(store.acquire(a, null, settings)).toBe(cacheA)
    expect(store.acquire(a, b, settings)).not.toBe(cacheA) // another test set: its keys mean other images
    store.acquire(c, null, settings)
    expect(store.size).toBe(2)
    expect(store.acquire(a, null, settings)).not.toBe(cacheA) // least recently used, dropped
  })
})

/** A 2×2 IDX image file of `pixels` (one image per 4 values) and its labels. */
function writeIdx(dir: string, pixels: number[], labels: number[]) {
  const images = Buffer.alloc(16 + pixels.length)
  images.writeUInt32BE(0x803, 0)
  images.writeUInt32BE(labels.length, 4)
  images.writeUInt32BE(2, 8)
  images.writeUInt32BE(2, 12)
  Buffer.from(pixels).copy(images, 16)
  const labelBytes = Buffer.alloc(8 + labels.length)
  labelBytes.writeUInt32BE(0x801, 0)
  labelBytes.writeUInt32BE(labels.length, 4)
  Buffer.from(labels).copy(labelBytes, 8)
  writeFileSync(join(dir, 'images.idx'), images)
  writeFileSync(join(dir, 'labels.idx'), labelBytes)
}

describe('kept datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snn-input-reuse-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const idxConfig = () =>
    parseExperimentConfig({
      steps: 20,
      data: { source: { kind: 'idx', images: join(dir, 'images.idx'), labels: join(dir, 'labels.idx') }, classes: [0, 1], trainPerClass: 1, testPerClass: 1 },
      network: { layers: [{ neurons: 2 }] }
    })

  it('serves the same set while the files are unchanged, and reloads an edited file (same size)', () => {
    writeIdx(dir, [0, 50, 100, 150, 200, 250, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90], [0, 1, 0, 1])
    const first = loadInputs(idxConfig(), { keep: true }).source
    expect(loadInputs(idxConfig(), { keep: true }).source).toBe(first)
    const before = runExperiment(idxConfig(), loadInputs(idxConfig(), { keep: true }))

    writeIdx(dir, [255, 0, 255, 0, 0, 255, 0, 255, 9, 9, 9, 9, 200, 200, 200, 200], [0, 1, 0, 1])
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, 'images.idx'), later, later) // even a coarse-timestamp file system sees the edit
    const edited = loadInputs(idxConfig(), { keep: true })
    expect(edited.source).not.toBe(first)
    expect(Array.from(edited.source.pixels.subarray(0, 4))).toEqual([255, 0, 255, 0])
    // Runs on the edited file equal fresh ones (no encodings of the old pixels served).
    const after = summary(runExperiment(idxConfig(), edited))
    expect(after).toEqual(summary(runExperiment(idxConfig(), loadInputs(idxConfig()))))
    expect(before.cancelled).toBe(false)
  })

  it('a file that went missing is reported, not served from memory', () => {
    writeIdx(dir, [1, 2, 3, 4, 5, 6, 7, 8], [0, 1])
    loadInputs(idxConfig(), { keep: true })
    rmSync(join(dir, 'labels.idx'))
    expect(() => loadInputs(idxConfig(), { keep: true })).toThrow(/labels\.idx: not found/)
  })
})
