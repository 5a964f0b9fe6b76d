/** Node-side resolution of a config's file references: datasets and initial-weight files. */
import { readFileSync } from 'node:fs'
import type { DatasetSourceConfig, ExperimentConfig } from '../../shared/config'
import type { ImageSet } from '../datasets/types'
import { inlineImageSet } from '../experiment/data'
import type { LoadedData } from '../experiment/run'
import { parseWeights, weightFormatFromPath, WeightFileError, type WeightMatrix } from '../io/weightFiles'
import { loadDataset } from './datasetFiles'

export function loadSource(source: DatasetSourceConfig): ImageSet {
  return source.kind === 'inline' ? inlineImageSet(source) : loadDataset(source)
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
export function loadInputs(config: ExperimentConfig): LoadedData {
  const source = loadSource(config.data.source)
  const testSource = config.data.testSource ? loadSource(config.data.testSource) : null
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
  return { source, testSource, initialWeights }
}
