import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { encodeBernoulli } from '../../src/engine/encoders/rateCode'
import { SpikeTrain } from '../../src/engine/encoders/spikeTrain'
import { WinnerTakeAll } from '../../src/engine/inhibition/winnerTakeAll'
import { SeedStdp, seedStdpWindow, type SeedStdpParams } from '../../src/engine/learning/seedStdp'
import { Layer } from '../../src/engine/network/layer'
import { SeedLifNeurons } from '../../src/engine/neurons/seedLif'
import { Rng } from '../../src/engine/random'
import { parseExperimentConfig } from '../../src/shared/config'

const golden = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/golden/case_A.json'), 'utf8')) as { rl_table: Record<string, number> }
const RL = golden.rl_table
const rl = (t1: number): number => {
  const v = RL[String(t1)]
  if (v === undefined) throw new Error(`no rl(${t1}) in the golden table`)
  return v
}

const SEED: SeedStdpParams = parseExperimentConfig({}).learning
const params = (over: Partial<SeedStdpParams> = {}): SeedStdpParams => ({ ...SEED, ...over })

/** A train of `inputs` channels over T steps from [h, t] pairs (any order). */
function trainOf(inputs: number, steps: number, spikes: [number, number][]): SpikeTrain {
  const train = new SpikeTrain(inputs, steps)
  const sorted = [...spikes].sort((x, y) => x[0] - y[0] || x[1] - y[1])
  train.begin()
  for (const [h, t] of sorted) train.add(h, t)
  train.finish()
  return train
}

/** The engine stores weights input-major (w[j][h] at h·n + j); the tests think neuron-major (j·m + h). */
function toInputMajor(neuronMajor: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m)
  for (let j = 0; j < n; j++) for (let h = 0; h < m; h++) out[h * n + j] = neuronMajor[j * m + h]
  return out
}

function toNeuronMajor(inputMajor: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m)
  for (let j = 0; j < n; j++) for (let h = 0; h < m; h++) out[j * m + h] = inputMajor[h * n + j]
  return out
}

/** Run onPostSpike for neuron j on neuron-major weights (n × m), in place. */
function postSpike(rule: SeedStdp, w: Float64Array, n: number, j: number, t: number, train: SpikeTrain): void {
  const m = train.inputs
  const byInput = toInputMajor(w, n, m)
  rule.onPostSpike(byInput, n, j, t, train)
  w.set(toNeuronMajor(byInput, n, m))
}

/** Run afterSample for the winner on neuron-major weights (n × m), in place. */
function silentDepression(rule: SeedStdp, w: Float64Array, n: number, winner: number, train: SpikeTrain): void {
  const m = train.inputs
  const byInput = toInputMajor(w, n, m)
  rule.afterSample(byInput, n, winner, train)
  w.set(toNeuronMajor(byInput, n, m))
}

/** The reference loop on a dense train: per input, t1 = −2 … −before, then 2 … after. */
function naiveStdp(p: SeedStdpParams, weights: Float64Array, row: number, t: number, dense: Uint8Array[], steps: number): void {
  const anchor = p.softBound === 'seed' ? Math.abs(p.wMin) : p.wMin
  for (let h = 0; h < dense.length; h++) {
    let w = weights[row + h]
    const visit = (t1: number) => {
      const s = t + t1
      if (s < 0 || s > steps || !dense[h][s]) return
      const d = rl(t1)
      w = d < 0 ? w + p.rate * d * (w - anchor) * p.scale : w + p.rate * d * (p.wMax - w) * p.scale
    }
    for (let t1 = -2; t1 >= -p.windowBefore; t1--) visit(t1)
    for (let t1 = 2; t1 <= p.windowAfter; t1++) visit(t1)
    weights[row + h] = w
  }
}

describe('seedStdpWindow', () => {
  it("equals the reference rl table exactly for offsets −20…−2 and 2…20", () => {
    const table = seedStdpWindow(SEED)
    expect(table.length).toBe(41)
    const keys = Object.keys(RL).map(Number)
    expect(keys.length).toBe(38)
    for (const t1 of keys) expect(table[t1 + 20]).toBe(RL[String(t1)])
  })

  it('follows the formula for the offsets the rule never uses', () => {
    const table = seedStdpWindow(SEED)
    expect(table[20]).toBe(0.3) // rl(0) = A− · e^0
    expect(table[19]).toBeCloseTo(0.3 * Math.exp(-0.1), 15)
    expect(table[21]).toBeCloseTo(-0.8 * Math.exp(-0.1), 15)
  })

  it('is positive (potentiation) before the output spike and negative after', () => {
    const table = seedStdpWindow(SEED)
    for (let t1 = -20; t1 <= 0; t1++) expect(table[t1 + 20]).toBeGreaterThan(0)
    for (let t1 = 1; t1 <= 20; t1++) expect(table[t1 + 20]).toBeLessThan(0)
  })
})

describe('SeedStdp.onPostSpike: one input spike', () => {
  const n = 3
  const m = 4
  const start = [0.5, 0.25, -0.4, 1.9, 0.5, 0.25, -0.4, 1.9, 0.5, 0.25, -0.4, 1.9]

  it('potentiates an input spike at t − 2 by exactly w + σ·d·(w_max − w)·scale', () => {
    for (const scale of [1, 0.37]) {
      const p = params({ scale })
      const w = Float64Array.from(start)
      postSpike(new SeedStdp(p), w, n, 1, 50, trainOf(m, 150, [[1, 48]]))
      const w0 = 0.25
      expect(w[1 * m + 1]).toBe(w0 + 0.02 * rl(-2) * (2 - w0) * scale)
      expect(w[1 * m + 1]).toBeGreaterThan(w0)
    }
  })

  it('depresses an input spike at t + 5 with the seed bound w + σ·d·(w − |w_min|)·scale', () => {
    const w = Float64Array.from(start)
    postSpike(new SeedStdp(params()), w, n, 1, 50, trainOf(m, 150, [[0, 55], [3, 55]]))
    // For w < |w_min| the seed bound *raises* w (d < 0, w − 1.2 < 0), as the reference does.
    expect(w[m + 0]).toBe(0.5 + 0.02 * rl(5) * (0.5 - 1.2) * 1)
    expect(w[m + 0]).toBeGreaterThan(0.5)
    // Above |w_min| it lowers w.
    expect(w[m + 3]).toBe(1.9 + 0.02 * rl(5) * (1.9 - 1.2) * 1)
    expect(w[m + 3]).toBeLessThan(1.9)
  })

  it("depresses with the 'standard' bound w + σ·d·(w − w_min)·scale", () => {
    const w = Float64Array.from(start)
    postSpike(new SeedStdp(params({ softBound: 'standard', scale: 0.5 })), w, n, 1, 50, trainOf(m, 150, [[0, 55], [2, 55]]))
    expect(w[m + 0]).toBe(0.5 + 0.02 * rl(5) * (0.5 - -1.2) * 0.5)
    expect(w[m + 0]).toBeLessThan(0.5)
    expect(w[m + 2]).toBe(-0.4 + 0.02 * rl(5) * (-0.4 - -1.2) * 0.5)
  })

  it("potentiation is the same under both bounds", () => {
    const a = Float64Array.from(start)
    const b = Float64Array.from(start)
    const train = trainOf(m, 150, [[2, 40]])
    postSpike(new SeedStdp(params()), a, n, 0, 50, train)
    postSpike(new SeedStdp(params({ softBound: 'standard' })), b, n, 0, 50, train)
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(a[2]).toBe(-0.4 + 0.02 * rl(-10) * (2 - -0.4) * 1)
  })

  it('does nothing for offsets −1, 0, +1 or beyond ±20', () => {
    for (const offset of [-1, 0, 1, -21, 21, -30, 40]) {
      const w = Float64Array.from(start)
      postSpike(new SeedStdp(params()), w, n, 1, 50, trainOf(m, 150, [[0, 50 + offset], [1, 50 + offset], [2, 50 + offset], [3, 50 + offset]]))
      expect(Array.from(w)).toEqual(start)
    }
  })

  it('uses the window edges −20 and +20', () => {
    const w = Float64Array.from(start)
    postSpike(new SeedStdp(params()), w, n, 1, 50, trainOf(m, 150, [[0, 30], [1, 70]]))
    expect(w[m + 0]).toBe(0.5 + 0.02 * rl(-20) * (2 - 0.5) * 1)
    expect(w[m + 1]).toBe(0.25 + 0.02 * rl(20) * (0.25 - 1.2) * 1)
  })

  it('honours shorter configured windows', () => {
    const w = Float64Array.from(start)
    postSpike(new SeedStdp(params({ windowBefore: 3, windowAfter: 4 })), w, n, 1, 50, trainOf(m, 150, [[0, 46], [1, 47], [2, 54], [3, 55]]))
    expect(w[m + 0]).toBe(0.5) // −4: outside
    expect(w[m + 1]).toBe(0.25 + 0.02 * rl(-3) * (2 - 0.25) * 1)
    expect(w[m + 2]).toBe(-0.4 + 0.02 * rl(4) * (-0.4 - 1.2) * 1)
    expect(w[m + 3]).toBe(1.9) // +5: outside
  })

  it('clips the window at the start and end of the sample', () => {
    const w = Float64Array.from(start)
    // Output spike at t = 3: only t = 1 (offset −2) is visible in the past; at t = 149 only up to T = 150.
    postSpike(new SeedStdp(params()), w, n, 0, 3, trainOf(m, 150, [[0, 1], [1, 2], [2, 5]]))
    expect(w[0]).toBe(0.5 + 0.02 * rl(-2) * (2 - 0.5) * 1)
    expect(w[1]).toBe(0.25)
    expect(w[2]).toBe(-0.4 + 0.02 * rl(2) * (-0.4 - 1.2) * 1)
    const v = Float64Array.from(start)
    postSpike(new SeedStdp(params()), v, n, 0, 149, trainOf(m, 150, [[0, 150], [1, 147]]))
    expect(v[0]).toBe(0.5)
    expect(v[1]).toBe(0.25 + 0.02 * rl(-2) * (2 - 0.25) * 1)
  })

  it('changes only row j', () => {
    const w = Float64Array.from(start)
    postSpike(new SeedStdp(params()), w, n, 2, 50, trainOf(m, 150, [[0, 45], [1, 48], [2, 52], [3, 60]]))
    expect(Array.from(w.subarray(0, 2 * m))).toEqual(start.slice(0, 2 * m))
    for (let h = 0; h < m; h++) expect(w[2 * m + h]).not.toBe(start[2 * m + h])
  })
})

describe('SeedStdp.onPostSpike: several spikes per input', () => {
  it('applies nearest-past-first, then nearest-future-first (hand case)', () => {
    const w = new Float64Array([0.5])
    postSpike(new SeedStdp(params()), w, 1, 0, 50, trainOf(1, 150, [[0, 35], [0, 45], [0, 48], [0, 53], [0, 60]]))
    let x = 0.5
    for (const t1 of [-2, -5, -15]) x = x + 0.02 * rl(t1) * (2 - x) * 1
    for (const t1 of [3, 10]) x = x + 0.02 * rl(t1) * (x - 1.2) * 1
    expect(w[0]).toBe(x)
  })

  it('is bit-identical to the naive loop over t1 = −2…−20 then 2…20 on dense random trains', () => {
    const m = 40
    const n = 3
    const T = 150
    const rng = new Rng(2017)
    const mapping = { interpXp: [-1.069, 2.781] as [number, number], interpFp: [1, 20] as [number, number], periodNumerator: 600 }
    const train = new SpikeTrain(m, T)
    let checked = 0
    for (const softBound of ['seed', 'standard'] as const) {
      for (const scale of [1, 0.3]) {
        const p = params({ softBound, scale })
        const rule = new SeedStdp(p)
        for (let sample = 0; sample < 4; sample++) {
          const pot = Float64Array.from({ length: m }, () => rng.uniform(-0.5, 3))
          encodeBernoulli(pot, mapping, 12, rng, train) // up to 40% of steps fire
          const dense = train.toDense()
          const fast = Float64Array.from({ length: n * m }, () => rng.uniform(-1.2, 2))
          const slow = Float64Array.from(fast)
          for (const t of [1, 2, 3, 19, 22, 50, 51, 75, 130, 148, 149, 150]) {
            const j = t % n
            postSpike(rule, fast, n, j, t, train)
            naiveStdp(p, slow, j * m, t, dense, T)
            checked++
          }
          for (let i = 0; i < n * m; i++) expect(fast[i]).toBe(slow[i])
        }
      }
    }
    expect(checked).toBe(2 * 2 * 4 * 12)
  })
})

describe('SeedStdp.afterSample: silent-input depression', () => {
  const m = 5
  const train = trainOf(m, 150, [
    [1, 30],
    [3, 60]
  ]) // inputs 0, 2, 4 are silent

  it('subtracts silentDepression·scale from silent inputs of the row, floored at w_min', () => {
    for (const scale of [1, 0.5]) {
      const w = Float64Array.from([0.5, 0.5, -1.19, 0.7, -1.2, 9, 9, 9, 9, 9])
      silentDepression(new SeedStdp(params({ scale })), w, 2, 0, train)
      const step = 0.06 * scale
      expect(Array.from(w)).toEqual([0.5 - step, 0.5, Math.max(-1.2, -1.19 - step), 0.7, -1.2, 9, 9, 9, 9, 9])
    }
    const w = Float64Array.from([0.5, 0.5, -1.19, 0.7, -1.2])
    silentDepression(new SeedStdp(params()), w, 1, 0, train)
    expect(w[2]).toBe(-1.2)
  })

  it('touches only the given row', () => {
    const w = Float64Array.from({ length: 3 * m }, () => 1)
    silentDepression(new SeedStdp(params()), w, 3, 2, train)
    expect(Array.from(w)).toEqual([...new Array(2 * m).fill(1), 1 - 0.06, 1, 1 - 0.06, 1, 1 - 0.06])
  })

  it('is applied by the layer to the winner row only, after the sample', () => {
    // Inputs 0 and 1 fire, 2 is silent. Fixed threshold 2: neuron 0 reaches 2.25 at t = 10 and wins;
    // neuron 1 is inhibited (−500 → reset to 0) and never fires.
    const cfg = parseExperimentConfig({ steps: 40 })
    const layer = new Layer(3, new SeedLifNeurons(2, cfg.neuron), new WinnerTakeAll(true, -500), new SeedStdp(cfg.learning), 40)
    layer.setWeights([1.5, 1.5, 0.5, 0.5, 0.5, 0.7])
    layer.presentSample(trainOf(3, 40, [[0, 8], [0, 10], [1, 10]]), 2, true, null)
    expect(layer.winner).toBe(0)
    expect(layer.winnerStep).toBe(10)
    expect(Array.from(layer.spikeCounts)).toEqual([1, 0])
    // Row 0: input 0 at t1 = −2 potentiated (t1 = 0 skipped), input 1 only at t1 = 0, input 2 silent.
    expect(Array.from(layer.getWeights())).toEqual([1.5 + 0.02 * rl(-2) * (2 - 1.5) * 1, 1.5, 0.5 - 0.06, 0.5, 0.5, 0.7])
  })

  it('is not applied by the layer when learning is off or there is no winner', () => {
    const cfg = parseExperimentConfig({ steps: 40 })
    const layer = new Layer(3, new SeedLifNeurons(2, cfg.neuron), new WinnerTakeAll(true, -500), new SeedStdp(cfg.learning), 40)
    const start = [1.5, 1.5, 0.5, 0.5, 0.5, 0.7]
    layer.setWeights(start)
    const train = trainOf(3, 40, [[0, 8], [0, 10], [1, 10]])
    layer.presentSample(train, 2, false, null)
    expect(layer.winner).toBe(0)
    expect(Array.from(layer.getWeights())).toEqual(start)
    layer.presentSample(train, 100, true, null)
    expect(layer.winner).toBe(-1)
    expect(Array.from(layer.getWeights())).toEqual(start)
  })
})
