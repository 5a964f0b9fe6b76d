/**
 * Loaded image sets kept across runs in one engine process: a sweep's trials all read the same
 * dataset, and parsing IDX files or decoding PNGs again for every trial is wasted work and
 * garbage. Keyed by the source config and by the size and times of every file it reads, so an
 * edited, replaced, added or removed file means a fresh load. At most `MAX_KEPT_SOURCES` sets
 * are kept (least recently used dropped). Kept sets are shared between runs: read-only.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { DatasetSource } from '../datasets/source'
import type { ImageSet } from '../datasets/types'
import { loadDataset } from './datasetFiles'

/** A run's training and test source, plus one spare: sweeps rarely alternate between more. */
export const MAX_KEPT_SOURCES = 3

const kept: { key: string; set: ImageSet }[] = []

/** size, times and inode of `path` (following links); null when it cannot be read. */
function fileStamp(path: string): string | null {
  try {
    const stat = statSync(path)
    return `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`
  } catch {
    return null
  }
}

/** Stamps of a folder, its entries and their entries (label folders and their images), by name. */
function folderStamp(root: string, depth: number): string | null {
  const own = fileStamp(root)
  if (own === null) return null
  let names: string[]
  try {
    names = readdirSync(root).sort()
  } catch {
    return depth === 0 ? null : own // not a folder: the file's own stamp
  }
  const parts = [own]
  for (const name of names) {
    const path = join(root, name)
    const stamp = depth > 0 ? folderStamp(path, depth - 1) : fileStamp(path)
    parts.push(`${name}=${stamp ?? '?'}`)
  }
  return parts.join('\n')
}

/** The cache key of `source` as its files are now; null: do not cache (unreadable: let the loader report it). */
export function sourceKey(source: DatasetSource): string | null {
  let stamp: string | null
  switch (source.kind) {
    case 'mnist-bundled':
      stamp = '' // cached by bundledMnist.ts for the process; kept here too so its identity is stable
      break
    case 'idx': {
      const images = fileStamp(source.images)
      const labels = fileStamp(source.labels)
      stamp = images === null || labels === null ? null : `${images}\n${labels}`
      break
    }
    case 'png-folder':
      stamp = folderStamp(source.root, 1)
      break
    default:
      stamp = null
  }
  return stamp === null ? null : `${JSON.stringify(source)}\n${stamp}`
}

/** `loadDataset(source)`, served from the kept sets when its files have not changed. */
export function loadDatasetKept(source: DatasetSource): ImageSet {
  const key = sourceKey(source)
  if (key === null) return loadDataset(source)
  const at = kept.findIndex((entry) => entry.key === key)
  if (at >= 0) {
    const [entry] = kept.splice(at, 1)
    kept.push(entry)
    return entry.set
  }
  const set = loadDataset(source) // throws before anything is kept
  kept.push({ key, set })
  while (kept.length > MAX_KEPT_SOURCES) kept.shift()
  return set
}

/** Forget every kept set (tests). */
export function clearKeptSources(): void {
  kept.length = 0
}
