/**
 * Diehl & Cook's weight normalisation, done before every training presentation: scale each
 * neuron's incoming weights so that they sum to `target` (78 for 784 inputs). Weights are indexed
 * by synapse, `post[s]` is the neuron synapse s ends on; `sums` is scratch with one entry per
 * neuron. A neuron whose weights are all 0 is left as it is.
 */
export function normalizeIncoming(weights: Float64Array, post: Uint16Array | Int32Array, target: number, sums: Float64Array): void {
  sums.fill(0)
  for (let s = 0; s < weights.length; s++) sums[post[s]] += weights[s]
  for (let j = 0; j < sums.length; j++) sums[j] = sums[j] > 0 ? target / sums[j] : 1
  for (let s = 0; s < weights.length; s++) weights[s] *= sums[post[s]]
}
