/**
 * Turning spike counts into class predictions with neuron labels, and scoring them.
 * Spike counts are samples × neurons, row-major; a prediction of -1 means "no prediction"
 * (no labelled neuron fired) and always counts as wrong.
 */

import type { EvaluationPayload } from '../../shared/engineProtocol'
import {
  assignLabels,
  classResponseCounts,
  countSamplesPerClass,
  noiseNeurons
} from './labels'

/**
 * 'max-neuron' (the seed model's rule): the label of the labelled neuron that spiked most.
 * 'class-vote' (Diehl & Cook 2015): the class whose assigned neurons have the highest mean count.
 */
export type PredictionMode = 'max-neuron' | 'class-vote'

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`)
  }
}

/**
 * Predict a class per sample from its spike counts. Unlabelled neurons (label -1) are ignored.
 * 'max-neuron': ties between neurons go to the lowest neuron index.
 * 'class-vote': classes without assigned neurons cannot win; ties go to the lowest class.
 * Either way a sample where no labelled neuron fired gets -1.
 */
export function predict(
  spikeCounts: Int32Array,
  neurons: number,
  neuronLabels: Int32Array,
  classes: number,
  mode: PredictionMode
): Int32Array {
  requirePositiveInteger(neurons, 'neurons')
  requirePositiveInteger(classes, 'classes')
  if (spikeCounts.length % neurons !== 0) {
    throw new Error(
      `spikeCounts length must be a multiple of neurons (${neurons}), got ${spikeCounts.length}`
    )
  }
  if (neuronLabels.length !== neurons) {
    throw new Error(`neuronLabels must have one entry per neuron (${neurons}), got ${neuronLabels.length}`)
  }
  for (let j = 0; j < neurons; j++) {
    const label = neuronLabels[j]
    if (label < -1 || label >= classes) {
      throw new Error(`neuronLabels must lie in -1..${classes - 1}, got ${label} for neuron ${j}`)
    }
  }
  if (mode !== 'max-neuron' && mode !== 'class-vote') {
    throw new Error(`mode must be 'max-neuron' or 'class-vote', got ${String(mode)}`)
  }

  const samples = spikeCounts.length / neurons
  const predicted = new Int32Array(samples)

  if (mode === 'max-neuron') {
    for (let s = 0; s < samples; s++) {
      const rowStart = s * neurons
      let bestCount = 0
      let bestLabel = -1
      for (let j = 0; j < neurons; j++) {
        const label = neuronLabels[j]
        if (label < 0) continue
        const count = spikeCounts[rowStart + j]
        // Strict '>' keeps the lowest neuron index on ties and ignores zero counts.
        if (count > bestCount) {
          bestCount = count
          bestLabel = label
        }
      }
      predicted[s] = bestLabel
    }
    return predicted
  }

  const neuronsPerClass = new Int32Array(classes)
  for (let j = 0; j < neurons; j++) {
    if (neuronLabels[j] >= 0) neuronsPerClass[neuronLabels[j]]++
  }
  const classSums = new Float64Array(classes)
  for (let s = 0; s < samples; s++) {
    classSums.fill(0)
    const rowStart = s * neurons
    for (let j = 0; j < neurons; j++) {
      const label = neuronLabels[j]
      if (label >= 0) classSums[label] += spikeCounts[rowStart + j]
    }
    let bestMean = 0
    let bestClass = -1
    for (let c = 0; c < classes; c++) {
      if (neuronsPerClass[c] === 0) continue
      const mean = classSums[c] / neuronsPerClass[c]
      if (mean > bestMean) {
        bestMean = mean
        bestClass = c
      }
    }
    predicted[s] = bestClass
  }
  return predicted
}

/**
 * Counts of (true class, predicted class): classes × (classes + 1), row-major, rows = true class.
 * The last column counts samples with no prediction (-1).
 */
export function confusionMatrix(
  trueLabels: Int32Array,
  predicted: Int32Array,
  classes: number
): Int32Array {
  requirePositiveInteger(classes, 'classes')
  if (trueLabels.length !== predicted.length) {
    throw new Error(
      `trueLabels and predicted must have the same length, got ${trueLabels.length} and ${predicted.length}`
    )
  }
  const columns = classes + 1
  const matrix = new Int32Array(classes * columns)
  for (let s = 0; s < trueLabels.length; s++) {
    const truth = trueLabels[s]
    const guess = predicted[s]
    if (truth < 0 || truth >= classes) {
      throw new Error(`trueLabels must lie in 0..${classes - 1}, got ${truth} at sample ${s}`)
    }
    if (guess < -1 || guess >= classes) {
      throw new Error(`predicted must lie in -1..${classes - 1}, got ${guess} at sample ${s}`)
    }
    matrix[truth * columns + (guess < 0 ? classes : guess)]++
  }
  return matrix
}

/** Fraction of samples predicted correctly, 0..1; -1 predictions are wrong; 0 for no samples. */
export function accuracy(trueLabels: Int32Array, predicted: Int32Array): number {
  if (trueLabels.length !== predicted.length) {
    throw new Error(
      `trueLabels and predicted must have the same length, got ${trueLabels.length} and ${predicted.length}`
    )
  }
  if (trueLabels.length === 0) return 0
  let correct = 0
  for (let s = 0; s < trueLabels.length; s++) {
    if (predicted[s] >= 0 && predicted[s] === trueLabels[s]) correct++
  }
  return correct / trueLabels.length
}

export interface EvaluationInput {
  /** Training spike counts, samples × neurons, used to label the neurons. */
  trainCounts: Int32Array
  trainLabels: Int32Array
  /** Test spike counts, samples × neurons, scored with those labels. */
  testCounts: Int32Array
  testLabels: Int32Array
  neurons: number
  classes: number
  mode: PredictionMode
  /**
   * Compare per-class 'average' responses (total / class sample count, Diehl & Cook) or raw
   * 'total's when labelling and detecting noise. Default 'average'; identical for balanced classes.
   */
  labelBy?: 'average' | 'total'
  /** Noise tolerance for noiseNeurons; default 0.1. */
  noiseTolerance?: number
}

/** Plain arrays only, so the result JSON-serialises as is; the same shape crosses the API. */
export type EvaluationResult = EvaluationPayload

function toRows(flat: ArrayLike<number>, rows: number, columns: number): number[][] {
  const result: number[][] = []
  for (let r = 0; r < rows; r++) {
    const row: number[] = new Array(columns)
    for (let c = 0; c < columns; c++) row[c] = flat[r * columns + c]
    result.push(row)
  }
  return result
}

/** Label neurons on the training counts, then predict and score both training and test sets. */
export function evaluateResponses(input: EvaluationInput): EvaluationResult {
  const { trainCounts, trainLabels, testCounts, testLabels, neurons, classes, mode } = input
  const labelBy = input.labelBy ?? 'average'
  if (labelBy !== 'average' && labelBy !== 'total') {
    throw new Error(`labelBy must be 'average' or 'total', got ${String(labelBy)}`)
  }
  if (testCounts.length !== testLabels.length * neurons) {
    throw new Error(
      `testCounts must have testSamples × neurons = ${testLabels.length * neurons} entries, got ${testCounts.length}`
    )
  }

  const responses = classResponseCounts(trainCounts, trainLabels, neurons, classes)
  const samplesPerClass =
    labelBy === 'average' ? countSamplesPerClass(trainLabels, classes) : undefined
  const { labels, selectivity } = assignLabels(responses, neurons, classes, samplesPerClass)
  const noise = noiseNeurons(responses, neurons, classes, input.noiseTolerance ?? 0.1, samplesPerClass)

  const trainPredicted = predict(trainCounts, neurons, labels, classes, mode)
  const testPredicted = predict(testCounts, neurons, labels, classes, mode)
  const confusion = confusionMatrix(testLabels, testPredicted, classes)

  return {
    neuronLabels: Array.from(labels),
    selectivity: Array.from(selectivity),
    noise: Array.from(noise, (flag) => flag === 1),
    responses: toRows(responses, neurons, classes),
    accuracy: accuracy(testLabels, testPredicted),
    trainAccuracy: accuracy(trainLabels, trainPredicted),
    confusion: toRows(confusion, classes, classes + 1),
    predicted: Array.from(testPredicted),
    testSamples: testLabels.length
  }
}
