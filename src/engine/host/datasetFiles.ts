/**
 * Node-side dataset loaders: read files and folders, then hand the bytes to the pure parsers in
 * ../datasets. All failures surface as DatasetError naming the path.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs'
import { join } from 'node:path'
import { imageSetFromIdx } from '../datasets/idx'
import { imageSetFromPngs, type PngEntry } from '../datasets/png'
import type { DatasetSource } from '../datasets/source'
import { DatasetError, type ImageSet } from '../datasets/types'
import { loadBundledMnist } from './bundledMnist'

export interface LoadOptions {
  /** Display names per label, copied into the ImageSet. */
  classNames?: readonly string[]
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return 'not found'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'is a folder, expected a file'
    case 'ENOTDIR':
      return 'not a folder'
    default:
      return `cannot read (${code ?? (error as Error).message})`
  }
}

/** Reads a whole file; any failure becomes a DatasetError naming the path. */
export function readDatasetFile(path: string): Uint8Array {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new DatasetError(`${path}: ${describeFsError(error)}`)
  }
}

function listFolder(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true })
  } catch (error) {
    throw new DatasetError(`${path}: ${describeFsError(error)}; expected a dataset folder`)
  }
}

/** True for a directory entry, following symlinks (datasets are often linked in). */
function isFolder(parent: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true
  if (!entry.isSymbolicLink()) return false
  try {
    return statSync(join(parent, entry.name)).isDirectory()
  } catch {
    return false
  }
}

/**
 * Orders file names with digit runs compared as numbers ("2.png" < "10.png"), other text by code
 * unit; deterministic on every machine, unlike locale collation.
 */
export function compareFileNamesNumeric(a: string, b: string): number {
  const partsA = a.match(/\d+|\D+/g) ?? []
  const partsB = b.match(/\d+|\D+/g) ?? []
  const shared = Math.min(partsA.length, partsB.length)
  for (let i = 0; i < shared; i++) {
    const pa = partsA[i]
    const pb = partsB[i]
    if (pa === pb) continue
    const aIsNumber = pa.charCodeAt(0) >= 48 && pa.charCodeAt(0) <= 57
    const bIsNumber = pb.charCodeAt(0) >= 48 && pb.charCodeAt(0) <= 57
    if (aIsNumber && bIsNumber) {
      // Compare without leading zeros by length then digits, so huge numbers stay exact.
      const ta = pa.replace(/^0+(?=\d)/, '')
      const tb = pb.replace(/^0+(?=\d)/, '')
      if (ta.length !== tb.length) return ta.length - tb.length
      if (ta !== tb) return ta < tb ? -1 : 1
      if (pa.length !== pb.length) return pa.length - pb.length // "01" after "1"
      continue
    }
    return pa < pb ? -1 : 1
  }
  if (partsA.length !== partsB.length) return partsA.length - partsB.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** Loads an IDX images file and its labels file (each plain or gzip). */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: LoadOptions = {}): ImageSet {
  const set = imageSetFromIdx(readDatasetFile(imagesPath), readDatasetFile(labelsPath), {
    images: imagesPath,
    labels: labelsPath
  })
  if (options.classNames) set.classNames = options.classNames.slice()
  return set
}

/**
 * Loads `<root>/<label>/*.png`, label folders named by non-negative integers. Images are ordered
 * by label, then by file name (numeric-aware). Hidden entries, loose files in `root` and non-PNG
 * files are ignored; an empty label folder is an error (it is almost always a mistake).
 */
export function loadPngFolder(root: string, options: LoadOptions = {}): ImageSet {
  const labelFolders: { label: number; path: string }[] = []
  const seenLabels = new Map<number, string>()
  for (const entry of listFolder(root)) {
    if (entry.name.startsWith('.') || !isFolder(root, entry)) continue
    const path = join(root, entry.name)
    if (!/^\d+$/.test(entry.name)) {
      throw new DatasetError(`${path}: folder name "${entry.name}" is not an integer label; expected label folders named 0, 1, 2, …`)
    }
    const label = Number(entry.name)
    if (!Number.isSafeInteger(label) || label > 0x7fffffff) {
      throw new DatasetError(`${path}: label ${entry.name} is too large; expected a label below 2^31`)
    }
    const previous = seenLabels.get(label)
    if (previous !== undefined) {
      throw new DatasetError(`${path}: label ${label} also has folder ${previous}; expected one folder per label`)
    }
    seenLabels.set(label, path)
    labelFolders.push({ label, path })
  }
  if (labelFolders.length === 0) {
    throw new DatasetError(`${root}: no label folders; expected sub-folders named 0, 1, 2, … holding PNG files`)
  }
  labelFolders.sort((a, b) => a.label - b.label)

  const entries: PngEntry[] = []
  for (const { label, path } of labelFolders) {
    const files = listFolder(path)
      .filter((entry) => !entry.name.startsWith('.') && /\.png$/i.test(entry.name) && !isFolder(path, entry))
      .map((entry) => entry.name)
      .sort(compareFileNamesNumeric)
    if (files.length === 0) throw new DatasetError(`${path}: no PNG files in label folder ${label}; expected *.png images`)
    for (const file of files) {
      const filePath = join(path, file)
      entries.push({ label, name: filePath, bytes: readDatasetFile(filePath) })
    }
  }
  const set = imageSetFromPngs(entries, root)
  if (options.classNames) set.classNames = options.classNames.slice()
  return set
}

/** Loads the dataset described by `spec`. The bundled MNIST set is cached and shared: treat it as read-only. */
export function loadDataset(spec: DatasetSource): ImageSet {
  switch (spec.kind) {
    case 'mnist-bundled':
      return loadBundledMnist({ fromEnd: spec.fromEnd, digits: spec.digits })
    case 'idx':
      return loadIdxDataset(spec.images, spec.labels, { classNames: spec.classNames })
    case 'png-folder':
      return loadPngFolder(spec.root, { classNames: spec.classNames })
    default: {
      const kind = (spec as { kind?: unknown }).kind
      throw new DatasetError(`dataset source: unknown kind ${JSON.stringify(kind)}; expected "mnist-bundled", "idx" or "png-folder"`)
    }
  }
}
