/** Node-side resolution of a config's file references: datasets and initial-weight files. */
import { readFileSync } from 'node:fs'
import type { DatasetSourceConfig, ExperimentConfig } from '../../shared/config'
import type { ImageSet } from '../datasets/types'
import { EncodingCacheStore } from '../encoders/encodingCache'
import { inlineImageSet } from '../experiment/data'
import type { LoadedData } from '../experiment/run'
import { parseWeights, weightFormatFromPath, WeightFileError, type WeightMatrix } from '../io/weightFiles'
import { loadDataset } from './datasetFiles'
import { loadDatasetKept } from './sourceCache'

/**
 * Encodings kept across the runs of this process (a warm engine trains a sweep's trials one
 * after another); keyed by image-set identity and encoder settings, so a hit is the same train.
 */
export const keptEncodingCaches = new EncodingCacheStore(2)

export interface LoadInputsOptions {
  /**
   * Keep loaded datasets and encodings for the next run of this process, and serve this run
   * from them (engine processes, which train run after run). Off elsewhere, so a long-lived
   * app process does not hold datasets between its occasional in-process runs.
   */
  keep?: boolean
}

/** Inline images are parsed from the config every time (their content is the config itself). */
export function loadSource(source: DatasetSourceConfig, keep = false): ImageSet {
  if (source.kind === 'inline') return inlineImageSet(source)
  return keep ? loadDatasetKept(source) : loadDataset(source)
}

/** Read and parse a weights file (.csv, .json, .npy, .txt); errors name the file. */
export function readWeightsFile(path: string): WeightMatrix {
  const format = weightFormatFromPath(path)
  if (!format) throw new WeightFileError(`${path}: unknown weights format (expected .csv, .json, .npy or .txt)`)
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new WeightFileError(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code ?? (e as Error).message})`)
  }
  return parseWeights(bytes, format, path)
}

/** Load everything a config refers to, checking shapes before any training starts. */
export function loadInputs(config: ExperimentConfig, options: LoadInputsOptions = {}): LoadedData {
  const keep = options.keep ?? false
  const source = loadSource(config.data.source, keep)
  const testSource = config.data.testSource ? loadSource(config.data.testSource, keep) : null
  const initialWeights: (Float64Array | null)[] = []
  if (config.init.kind === 'file') {
    const matrix = readWeightsFile(config.init.path)
    const expected = [config.network.layers[0].neurons, source.width * source.height]
    if (matrix.rows !== expected[0] || matrix.cols !== expected[1]) {
      throw new WeightFileError(
        `${config.init.path}: weights are ${matrix.rows}×${matrix.cols}, expected ${expected[0]} neurons × ${expected[1]} inputs`
      )
    }
    initialWeights.push(matrix.data)
  }
  if (config.init.kind === 'inline') {
    let fanIn = source.width * source.height
    config.init.weights.forEach((matrix, l) => {
      const neurons = config.network.layers[l]?.neurons
      if (neurons === undefined) throw new WeightFileError(`init.weights: ${config.init.kind} weights given for layer ${l + 1}, but the network has ${config.network.layers.length}`)
      if (matrix.length !== neurons || matrix.some((row) => row.length !== fanIn)) {
        throw new WeightFileError(`init.weights[${l}]: expected ${neurons} rows of ${fanIn} values`)
      }
      fanIn = neurons
    })
  }
  return { source, testSource, initialWeights, encodings: keep ? keptEncodingCaches : null }
}
