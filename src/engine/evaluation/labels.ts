/**
 * Neuron labelling for unsupervised STDP networks.
 *
 * After training, each excitatory neuron is labelled with the class it responds to most on the
 * labelled (training) presentations; the labels then turn spike counts into class predictions
 * (see metrics.ts). All matrices are flat, row-major typed arrays:
 *   spike counts: samples × neurons, responses: neurons × classes.
 */

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`)
  }
}

function requireResponsesShape(responses: Float64Array, neurons: number, classes: number): void {
  requirePositiveInteger(neurons, 'neurons')
  requirePositiveInteger(classes, 'classes')
  if (responses.length !== neurons * classes) {
    throw new Error(
      `responses must have neurons × classes = ${neurons * classes} entries, got ${responses.length}`
    )
  }
}

function requireSamplesPerClass(samplesPerClass: Int32Array, classes: number): void {
  if (samplesPerClass.length !== classes) {
    throw new Error(
      `samplesPerClass must have one entry per class (${classes}), got ${samplesPerClass.length}`
    )
  }
  for (let c = 0; c < classes; c++) {
    if (samplesPerClass[c] < 0) {
      throw new Error(`samplesPerClass must be non-negative, got ${samplesPerClass[c]} for class ${c}`)
    }
  }
}

/** Number of samples of each class; labels must lie in 0..classes-1. */
export function countSamplesPerClass(labels: Int32Array, classes: number): Int32Array {
  requirePositiveInteger(classes, 'classes')
  const counts = new Int32Array(classes)
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]
    if (label < 0 || label >= classes) {
      throw new Error(`labels must lie in 0..${classes - 1}, got ${label} at sample ${i}`)
    }
    counts[label]++
  }
  return counts
}

/**
 * Total spikes of each neuron over the samples of each class: neurons × classes, row-major.
 * Row j is the seed model's bar chart for neuron j.
 */
export function classResponseCounts(
  spikeCounts: Int32Array,
  labels: Int32Array,
  neurons: number,
  classes: number
): Float64Array {
  requirePositiveInteger(neurons, 'neurons')
  requirePositiveInteger(classes, 'classes')
  const samples = labels.length
  if (spikeCounts.length !== samples * neurons) {
    throw new Error(
      `spikeCounts must have samples × neurons = ${samples} × ${neurons} = ${samples * neurons} entries, got ${spikeCounts.length}`
    )
  }
  const responses = new Float64Array(neurons * classes)
  for (let s = 0; s < samples; s++) {
    const label = labels[s]
    if (label < 0 || label >= classes) {
      throw new Error(`labels must lie in 0..${classes - 1}, got ${label} at sample ${s}`)
    }
    const rowStart = s * neurons
    for (let j = 0; j < neurons; j++) {
      responses[j * classes + label] += spikeCounts[rowStart + j]
    }
  }
  return responses
}

/**
 * The per-class values labelling works on: raw totals, or totals divided by each class's sample
 * count (Diehl & Cook's averages, which keep frequent classes from winning by sheer numbers).
 * Classes without samples get NaN so callers can leave them out.
 */
function perClassValues(
  responses: Float64Array,
  neurons: number,
  classes: number,
  samplesPerClass: Int32Array | undefined
): Float64Array {
  if (samplesPerClass === undefined) return responses
  requireSamplesPerClass(samplesPerClass, classes)
  const values = new Float64Array(neurons * classes)
  for (let j = 0; j < neurons; j++) {
    for (let c = 0; c < classes; c++) {
      const index = j * classes + c
      const count = samplesPerClass[c]
      if (count === 0) {
        if (responses[index] !== 0) {
          throw new Error(
            `responses must be 0 for class ${c}, which has no samples; got ${responses[index]} for neuron ${j}`
          )
        }
        values[index] = NaN
      } else {
        values[index] = responses[index] / count
      }
    }
  }
  return values
}

export interface LabelAssignment {
  /** Class per neuron; -1 when the neuron never fired. */
  labels: Int32Array
  /** Share of the neuron's (average) responses that goes to its label, 0..1; 0 for silent neurons. */
  selectivity: Float64Array
}

/**
 * Label each neuron with the class it responds to most. With `samplesPerClass`, responses are
 * averaged per class first (divided by the class's sample count); otherwise raw totals are
 * compared. Ties go to the lowest class index.
 */
export function assignLabels(
  responses: Float64Array,
  neurons: number,
  classes: number,
  samplesPerClass?: Int32Array
): LabelAssignment {
  requireResponsesShape(responses, neurons, classes)
  const values = perClassValues(responses, neurons, classes, samplesPerClass)
  const labels = new Int32Array(neurons)
  const selectivity = new Float64Array(neurons)
  for (let j = 0; j < neurons; j++) {
    const rowStart = j * classes
    let best = -1
    let bestValue = 0
    let total = 0
    for (let c = 0; c < classes; c++) {
      const value = values[rowStart + c]
      if (Number.isNaN(value)) continue
      total += value
      // Strict '>' keeps the lowest class on ties and leaves all-zero rows unlabelled.
      if (value > bestValue) {
        bestValue = value
        best = c
      }
    }
    labels[j] = best
    selectivity[j] = best < 0 ? 0 : bestValue / total
  }
  return { labels, selectivity }
}

/**
 * How evenly each neuron responds across classes: (max − min) / max over its per-class responses
 * (averages when `samplesPerClass` is given; classes without samples are left out).
 * 0 means every class drives the neuron equally, 1 means at least one class never does.
 * NaN for neurons that never fired (the ratio is undefined).
 */
export function classResponseSpread(
  responses: Float64Array,
  neurons: number,
  classes: number,
  samplesPerClass?: Int32Array
): Float64Array {
  requireResponsesShape(responses, neurons, classes)
  const values = perClassValues(responses, neurons, classes, samplesPerClass)
  const spread = new Float64Array(neurons)
  for (let j = 0; j < neurons; j++) {
    const rowStart = j * classes
    let max = -Infinity
    let min = Infinity
    for (let c = 0; c < classes; c++) {
      const value = values[rowStart + c]
      if (Number.isNaN(value)) continue
      if (value > max) max = value
      if (value < min) min = value
    }
    spread[j] = max > 0 ? (max - min) / max : NaN
  }
  return spread
}

/**
 * Flags "noise" neurons: they fire, but about equally for every class, so their label carries
 * no information. A neuron is noise when classResponseSpread ≤ tolerance, i.e.
 * (max − min) / max ≤ tolerance over its per-class (average, if `samplesPerClass` is given)
 * responses. Neurons that never fire are not noise (they are unlabelled instead).
 */
export function noiseNeurons(
  responses: Float64Array,
  neurons: number,
  classes: number,
  tolerance = 0.1,
  samplesPerClass?: Int32Array
): Uint8Array {
  if (!(tolerance >= 0)) throw new Error(`tolerance must be a number ≥ 0, got ${tolerance}`)
  const spread = classResponseSpread(responses, neurons, classes, samplesPerClass)
  const noise = new Uint8Array(neurons)
  for (let j = 0; j < neurons; j++) {
    // NaN (silent neuron) compares false, so it is never flagged.
    if (spread[j] <= tolerance) noise[j] = 1
  }
  return noise
}
