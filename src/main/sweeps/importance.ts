/**
 * Parameter importance by fANOVA (Hutter, Hoos & Leyton-Brown 2014): fit a random forest of
 * regression trees to (point → objective) over the unit cube, then, for each tree, split the
 * variance of its prediction over the cube into the main effect of each parameter; average the
 * fractions over the trees. A parameter's importance is the share of the objective's variance
 * explained by that parameter alone; what the shares leave (1 − Σ) is interactions.
 *
 * A tree's leaves are boxes that partition the unit cube, so its marginal in parameter j is
 * exact: for each slice of axis j between split points, the sum over the leaves crossing it of
 * value × (volume of the leaf in the other axes). Values parameters are cells of width 1/K on
 * their axis (ordered as listed: an approximation for unordered choices).
 */
import { Rng } from '../../engine/random'

export interface ImportanceOptions {
  trees?: number
  /** Fewest observations in a leaf. */
  minLeaf?: number
  maxDepth?: number
  seed?: number
}

export interface Importance {
  /** Share of variance explained by each dimension alone (0..1), in input order. */
  mainEffects: number[]
  /** Trees whose prediction varied (the others explain nothing and are left out). */
  trees: number
}

interface Leaf {
  low: Float64Array
  high: Float64Array
  value: number
}

/** Grow one CART regression tree on rows `rows` of `x` (n × d, row-major), recording its leaves. */
function growTree(x: Float64Array, y: Float64Array, d: number, rows: number[], options: Required<ImportanceOptions>, rng: Rng): Leaf[] {
  const leaves: Leaf[] = []
  const grow = (members: number[], low: Float64Array, high: Float64Array, depth: number): void => {
    let mean = 0
    for (const r of members) mean += y[r]
    mean /= members.length
    let spread = 0
    for (const r of members) spread += (y[r] - mean) ** 2
    const split = depth < options.maxDepth && members.length >= 2 * options.minLeaf && spread > 1e-12 ? bestSplit(members, mean) : null
    if (!split) {
      leaves.push({ low, high, value: mean })
      return
    }
    const left = members.filter((r) => x[r * d + split.feature] <= split.threshold)
    const right = members.filter((r) => x[r * d + split.feature] > split.threshold)
    const leftHigh = high.slice()
    leftHigh[split.feature] = split.threshold
    const rightLow = low.slice()
    rightLow[split.feature] = split.threshold
    grow(left, low, leftHigh, depth + 1)
    grow(right, rightLow, high, depth + 1)
  }

  // Best variance-reducing split over a random subset of features (all when d ≤ 2).
  const bestSplit = (members: number[], mean: number): { feature: number; threshold: number } | null => {
    const features = rng.shuffle(Array.from({ length: d }, (_, j) => j)).slice(0, Math.max(1, d <= 2 ? d : Math.ceil((d * 2) / 3)))
    let best: { feature: number; threshold: number; gain: number } | null = null
    for (const feature of features) {
      const sorted = members.slice().sort((a, b) => x[a * d + feature] - x[b * d + feature])
      let leftSum = 0
      const total = sorted.length
      const totalSum = mean * total
      for (let i = 0; i < total - 1; i++) {
        leftSum += y[sorted[i]]
        const here = x[sorted[i] * d + feature]
        const next = x[sorted[i + 1] * d + feature]
        const leftCount = i + 1
        if (here === next || leftCount < options.minLeaf || total - leftCount < options.minLeaf) continue
        const rightSum = totalSum - leftSum
        // Maximising this is minimising the within-children sum of squares.
        const gain = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / (total - leftCount)
        if (!best || gain > best.gain) best = { feature, threshold: (here + next) / 2, gain }
      }
    }
    return best
  }

  grow(rows, new Float64Array(d), new Float64Array(d).fill(1), 0)
  return leaves
}

/** Main-effect variance fractions of one tree (all zero when the tree is constant). */
function treeMainEffects(leaves: Leaf[], d: number): number[] | null {
  const volume = (leaf: Leaf, except = -1) => {
    let v = 1
    for (let j = 0; j < d; j++) if (j !== except) v *= leaf.high[j] - leaf.low[j]
    return v
  }
  let mean = 0
  for (const leaf of leaves) mean += leaf.value * volume(leaf)
  let total = 0
  for (const leaf of leaves) total += volume(leaf) * (leaf.value - mean) ** 2
  if (total <= 1e-15) return null
  const effects: number[] = []
  for (let j = 0; j < d; j++) {
    const cuts = [...new Set(leaves.flatMap((leaf) => [leaf.low[j], leaf.high[j]]))].sort((a, b) => a - b)
    let variance = 0
    for (let c = 0; c + 1 < cuts.length; c++) {
      const mid = (cuts[c] + cuts[c + 1]) / 2
      let marginal = 0
      for (const leaf of leaves) if (leaf.low[j] <= mid && mid < leaf.high[j]) marginal += leaf.value * volume(leaf, j)
      variance += (cuts[c + 1] - cuts[c]) * (marginal - mean) ** 2
    }
    effects.push(Math.min(1, variance / total))
  }
  return effects
}

/**
 * fANOVA main effects of the d inputs of `points` (each in [0, 1]^d) on `objectives`.
 * Needs at least 2 points; returns zeros when the objective never varies.
 */
export function fanovaImportance(points: readonly (readonly number[])[], objectives: readonly number[], options: ImportanceOptions = {}): Importance {
  const settings: Required<ImportanceOptions> = { trees: 32, minLeaf: 2, maxDepth: 12, seed: 0, ...options }
  const n = points.length
  const d = n > 0 ? points[0].length : 0
  if (n < 2 || d === 0) return { mainEffects: new Array<number>(d).fill(0), trees: 0 }
  const x = new Float64Array(n * d)
  points.forEach((p, i) => x.set(p, i * d))
  const y = Float64Array.from(objectives)
  const rng = new Rng(settings.seed).split('importance')
  const sums = new Array<number>(d).fill(0)
  let counted = 0
  for (let t = 0; t < settings.trees; t++) {
    const treeRng = rng.split(t)
    const rows = Array.from({ length: n }, () => treeRng.nextInt(n)) // bootstrap sample
    const effects = treeMainEffects(growTree(x, y, d, rows, settings, treeRng), d)
    if (!effects) continue
    counted++
    effects.forEach((e, j) => (sums[j] += e))
  }
  return { mainEffects: sums.map((s) => (counted ? s / counted : 0)), trees: counted }
}
