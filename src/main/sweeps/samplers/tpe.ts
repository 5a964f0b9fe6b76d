/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt; univariate).
 *
 * 1. The first `startupTrials` proposals are random (the RandomSampler's points).
 * 2. Finished trials are split at the γ quantile of their score: the best ⌈γ·n⌉ are "good",
 *    the rest (and every pruned trial) "bad".
 * 3. Per parameter, each group becomes a Parzen density: a mixture of one Gaussian per trial,
 *    truncated to the range, plus a wide prior component (centre of the range, σ = its width).
 *    Log ranges live in log space, int ranges on [min − ½, max + ½] (rounded), values as a
 *    categorical distribution (counts plus a uniform prior). Bandwidths follow hyperopt: the
 *    larger gap to a neighbouring centre, clipped to [width / min(100, n + 1), width].
 * 4. `candidates` points are drawn from the good densities l(x); the one with the largest
 *    Σ log l(x_d) − log g(x_d) is proposed.
 *
 * Proposal i draws from its own stream split from the seed, so with one trial at a time a
 * sweep is reproducible (with several at once, what has finished when i is proposed varies).
 */
import type { ParameterValue, SweepParameter, SweepPoint } from '../../../shared/sweep'
import { Rng } from '../../../engine/random'
import { levelValue } from '../space'
import { RandomSampler } from './random'
import type { ObservedTrial, Sampler } from './types'

export interface TpeOptions {
  startupTrials: number
  gamma: number
  candidates: number
}

/** Weight of the prior component, in trials. */
const PRIOR_WEIGHT = 1

const SQRT2 = Math.SQRT2
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7: plenty for kernel normalisers). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1
  const t = 1 / (1 + 0.3275911 * Math.abs(x))
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return sign * y
}

const normalCdf = (z: number) => 0.5 * (1 + erf(z / SQRT2))

/** A mixture of Gaussians truncated to [low, high], in the parameter's internal space. */
class ParzenDensity {
  private readonly logNormalisers: Float64Array

  constructor(
    readonly mus: Float64Array,
    readonly sigmas: Float64Array,
    readonly weights: Float64Array,
    readonly low: number,
    readonly high: number
  ) {
    this.logNormalisers = Float64Array.from(mus, (mu, i) => {
      const mass = normalCdf((high - mu) / sigmas[i]) - normalCdf((low - mu) / sigmas[i])
      return Math.log(Math.max(mass, 1e-12)) + Math.log(sigmas[i]) + LOG_SQRT_2PI
    })
  }

  /** Built from observations `xs` (internal space) as hyperopt's adaptive Parzen estimator. */
  static fit(xs: readonly number[], low: number, high: number): ParzenDensity {
    const width = high - low
    const prior = (low + high) / 2
    const centres = [...xs, prior].sort((a, b) => a - b)
    const n = centres.length
    const mus = Float64Array.from(centres)
    const sigmas = new Float64Array(n)
    const minSigma = width / Math.min(100, n)
    for (let i = 0; i < n; i++) {
      const left = i > 0 ? mus[i] - mus[i - 1] : mus[i] - low
      const right = i < n - 1 ? mus[i + 1] - mus[i] : high - mus[i]
      sigmas[i] = Math.min(Math.max(Math.max(left, right), minSigma), width)
    }
    // The prior keeps the whole range plausible, however clustered the observations are.
    const priorIndex = centres.indexOf(prior)
    sigmas[priorIndex] = width
    const weights = new Float64Array(n).fill(1 / (xs.length + PRIOR_WEIGHT))
    weights[priorIndex] = PRIOR_WEIGHT / (xs.length + PRIOR_WEIGHT)
    return new ParzenDensity(mus, sigmas, weights, low, high)
  }

  logPdf(x: number): number {
    let total = 0
    for (let i = 0; i < this.mus.length; i++) {
      const z = (x - this.mus[i]) / this.sigmas[i]
      total += this.weights[i] * Math.exp(-0.5 * z * z - this.logNormalisers[i])
    }
    return Math.log(Math.max(total, 1e-300))
  }

  sample(rng: Rng): number {
    let pick = rng.nextFloat()
    let i = 0
    while (i < this.weights.length - 1 && pick >= this.weights[i]) pick -= this.weights[i++]
    // Rejection from the untruncated kernel: every σ ≤ width and every centre is inside the
    // range, so at least a third of the draws land inside.
    for (let attempt = 0; attempt < 100; attempt++) {
      const x = this.mus[i] + this.sigmas[i] * gaussian(rng)
      if (x >= this.low && x <= this.high) return x
    }
    return Math.min(Math.max(this.mus[i], this.low), this.high)
  }
}

function gaussian(rng: Rng): number {
  const u1 = 1 - rng.nextFloat()
  const u2 = rng.nextFloat()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Category probabilities: counts plus the prior's weight spread evenly. */
class CategoricalDensity {
  readonly probabilities: Float64Array

  constructor(indices: readonly number[], categories: number) {
    this.probabilities = new Float64Array(categories).fill(PRIOR_WEIGHT / categories)
    for (const k of indices) this.probabilities[k] += 1
    const total = indices.length + PRIOR_WEIGHT
    for (let k = 0; k < categories; k++) this.probabilities[k] /= total
  }

  logPdf(k: number): number {
    return Math.log(this.probabilities[k])
  }

  sample(rng: Rng): number {
    let pick = rng.nextFloat()
    for (let k = 0; k < this.probabilities.length - 1; k++) {
      if (pick < this.probabilities[k]) return k
      pick -= this.probabilities[k]
    }
    return this.probabilities.length - 1
  }
}

/** One parameter in TPE's internal space, and back. */
interface Dimension {
  /** Internal coordinate of a value (log for log ranges, category index for values). */
  encode(value: ParameterValue): number
  decode(x: number): ParameterValue
  fit(xs: readonly number[]): ParzenDensity | CategoricalDensity
}

function dimensionOf(parameter: SweepParameter): Dimension {
  if (parameter.kind === 'values') {
    const keys = parameter.values.map((v) => JSON.stringify(v))
    return {
      encode: (value) => Math.max(0, keys.indexOf(JSON.stringify(value))),
      decode: (k) => parameter.values[k],
      fit: (xs) => new CategoricalDensity(xs, keys.length)
    }
  }
  const { min, max, scale, steps } = parameter
  if (scale === 'int') {
    return {
      encode: (value) => Number(value),
      decode: (x) => Math.min(max, Math.max(min, Math.round(x))),
      fit: (xs) => ParzenDensity.fit(xs, min - 0.5, max + 0.5)
    }
  }
  const log = scale === 'log'
  const low = log ? Math.log(min) : min
  const high = log ? Math.log(max) : max
  const snap = (x: number): number => {
    if (!steps || high === low) return x
    const k = Math.round(((x - low) / (high - low)) * (steps - 1))
    const value = levelValue(parameter, k)
    return log ? Math.log(value) : value
  }
  return {
    encode: (value) => (log ? Math.log(Number(value)) : Number(value)),
    decode: (x) => {
      const inside = snap(Math.min(Math.max(x, low), high))
      return log ? Math.min(max, Math.max(min, Math.exp(inside))) : inside
    },
    // A zero-width range (min = max) gets a tiny one so densities stay finite.
    fit: (xs) => ParzenDensity.fit(xs, low, high > low ? high : low + 1e-9)
  }
}

export class TpeSampler implements Sampler {
  private readonly dimensions: Dimension[]
  private readonly startup: RandomSampler
  private readonly root: Rng

  constructor(
    private readonly parameters: readonly SweepParameter[],
    seed: number,
    private readonly options: TpeOptions
  ) {
    this.dimensions = parameters.map(dimensionOf)
    this.startup = new RandomSampler(parameters, seed)
    this.root = new Rng(seed).split('tpe')
  }

  propose(index: number, history: readonly ObservedTrial[]): SweepPoint {
    if (history.length < this.options.startupTrials) return this.startup.propose(index)
    const { good, bad } = splitTrials(history, this.options.gamma)
    const rng = this.root.split(index)
    const densities = this.dimensions.map((dimension, d) => {
      const path = this.parameters[d].path
      const encode = (trials: ObservedTrial[]) => trials.map((t) => dimension.encode(t.point[path]))
      return { l: dimension.fit(encode(good)), g: dimension.fit(encode(bad)) }
    })

    let best: number[] | null = null
    let bestScore = -Infinity
    for (let c = 0; c < this.options.candidates; c++) {
      const candidate = densities.map(({ l }) => l.sample(rng))
      // Score the value as it will be used (rounded, snapped), not the raw draw.
      let score = 0
      candidate.forEach((x, d) => {
        const used = this.dimensions[d].encode(this.dimensions[d].decode(x))
        score += densities[d].l.logPdf(used) - densities[d].g.logPdf(used)
      })
      if (score > bestScore) {
        bestScore = score
        best = candidate
      }
    }
    const point: SweepPoint = {}
    this.parameters.forEach((parameter, d) => {
      point[parameter.path] = this.dimensions[d].decode(best![d])
    })
    return point
  }
}

/** The best ⌈γ·n⌉ finished (unpruned) trials, and all the others. */
export function splitTrials(history: readonly ObservedTrial[], gamma: number): { good: ObservedTrial[]; bad: ObservedTrial[] } {
  const finished = history.filter((t) => !t.pruned).sort((a, b) => b.score - a.score || a.index - b.index)
  const goodCount = Math.min(finished.length, Math.max(1, Math.ceil(gamma * finished.length)))
  return { good: finished.slice(0, goodCount), bad: [...finished.slice(goodCount), ...history.filter((t) => t.pruned)] }
}
