/**
 * Diehl & Cook's weight normalisation as the paper states it, for every neuron: scale each
 * neuron's incoming weights so that they sum to `target` (78 for 784 inputs). The network runs
 * normalizeChanged (below) instead; this whole-network form is the rule the tests hold it to. Weights are indexed
 * by synapse, `post[s]` is the neuron synapse s ends on; `sums` is scratch with one entry per
 * neuron. A neuron whose weights are all 0 is left as it is.
 */
export function normalizeIncoming(weights: Float64Array, post: Uint16Array | Int32Array, target: number, sums: Float64Array): void {
  sums.fill(0)
  for (let s = 0; s < weights.length; s++) sums[post[s]] += weights[s]
  for (let j = 0; j < sums.length; j++) sums[j] = sums[j] > 0 ? target / sums[j] : 1
  for (let s = 0; s < weights.length; s++) weights[s] *= sums[post[s]]
}

/**
 * normalizeIncoming for the neurons flagged in `changed` only, each read through `synapseOf`
 * (synapseOf[j·inputs + i]: the synapse from input i to neuron j). A neuron's sum runs over
 * its inputs in ascending order, as normalizeIncoming's pass in synapse order does, so a flagged
 * neuron ends up bit for bit as there. An unflagged neuron is one whose weights are unchanged
 * since its last normalisation: they already sum to `target` up to rounding, and scaling them
 * again would move each by an ulp at most, so it is skipped.
 *
 * Clears each normalised neuron's flag, unless a weight ends above `wMax`: its next arrival clips
 * it (so the weights change again without anything else flagging them).
 */
export function normalizeChanged(weights: Float64Array, synapseOf: Int32Array, inputs: number, target: number, wMax: number, changed: Uint8Array): void {
  for (let j = 0; j < changed.length; j++) {
    if (!changed[j]) continue
    const first = j * inputs
    const last = first + inputs
    let sum = 0
    for (let k = first; k < last; k++) sum += weights[synapseOf[k]]
    if (!(sum > 0)) {
      changed[j] = 0 // all 0: left as it is (and stays so until a weight changes)
      continue
    }
    const scale = target / sum
    let highest = 0
    for (let k = first; k < last; k++) {
      const s = synapseOf[k]
      const w = weights[s] * scale
      weights[s] = w
      if (w > highest) highest = w
    }
    changed[j] = highest > wMax ? 1 : 0
  }
}
