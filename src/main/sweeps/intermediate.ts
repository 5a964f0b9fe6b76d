/**
 * The intermediate objective of an engine trial, for median and ASHA pruning. Accuracy is only
 * measured after training, so while a run trains we estimate it from what it records per image
 * (`train.winner`, the output neuron that spiked first) and the label of that image:
 *
 *   prequential accuracy: each image is predicted BEFORE it is learned from, as the label its
 *   winner has won most often among the earlier images (no winner, or a neuron with no history
 *   yet, counts as wrong); the value at step s is the fraction right over images ⌊s/2⌋+1..s,
 *   so the cold start is forgotten and every trial is measured at the same step on as many images.
 *
 * It is the training-set, online counterpart of the final max-neuron accuracy: the same labels
 * per neuron, learned while the weights still move. Labels come from replaying the run's data
 * plan (the same selection and seeded shuffles the engine uses) in the main process.
 */
import type { ExperimentConfig } from '../../shared/config'
import { epochOrder, planData } from '../../engine/experiment/data'
import { loadSource } from '../../engine/host/loadInputs'
import { Rng } from '../../engine/random'

export class PrequentialAccuracy {
  /** Images seen. */
  length = 0
  /** correctSoFar[t]: right predictions among the first t images. */
  private correctSoFar = new Uint32Array(1024)
  /** wins[neuron][label]. */
  private readonly wins = new Map<number, Map<number, number>>()

  /** One training image: its label and the neuron that won it (−1: none spiked). */
  push(label: number, winner: number): void {
    let correct = 0
    const history = winner >= 0 ? this.wins.get(winner) : undefined
    if (history) {
      let best = -1
      let bestCount = 0
      for (const [l, n] of history) if (n > bestCount || (n === bestCount && l < best)) [best, bestCount] = [l, n]
      correct = best === label ? 1 : 0
    }
    if (winner >= 0) {
      let counts = history
      if (!counts) this.wins.set(winner, (counts = new Map()))
      counts.set(label, (counts.get(label) ?? 0) + 1)
    }
    if (this.length + 1 >= this.correctSoFar.length) {
      const grown = new Uint32Array(this.correctSoFar.length * 2)
      grown.set(this.correctSoFar)
      this.correctSoFar = grown
    }
    this.correctSoFar[this.length + 1] = this.correctSoFar[this.length] + correct
    this.length++
  }

  /** Fraction right over the later half of the first `step` images (NaN before any). */
  at(step: number): number {
    const s = Math.min(step, this.length)
    if (s <= 0) return Number.NaN
    const from = Math.floor(s / 2)
    return (this.correctSoFar[s] - this.correctSoFar[from]) / (s - from)
  }
}

/**
 * The label of every training image in presentation order (all epochs), as the engine will
 * present them for `config`. Loads the dataset (bundled MNIST is cached per process).
 */
export function presentationLabels(config: ExperimentConfig): Int32Array {
  const source = loadSource(config.data.source)
  const testSource = config.data.testSource ? loadSource(config.data.testSource) : null
  const plan = planData(config.data, source, testSource)
  // The same stream Experiment uses: the run's root generator split as 'data'.
  const dataRng = new Rng(config.seed).split('data')
  const perEpoch = plan.trainIndices.length
  const labels = new Int32Array(perEpoch * config.epochs)
  let order: Int32Array | null = null
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    order = epochOrder(plan, config.data.shuffle, config.data.order !== undefined, epoch, dataRng, order)
    for (let i = 0; i < perEpoch; i++) labels[epoch * perEpoch + i] = source.labels[order[i]]
  }
  return labels
}
