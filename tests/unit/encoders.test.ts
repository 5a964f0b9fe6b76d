import { describe, it, expect } from 'vitest'
import { encodeBernoulli, encodeDeterministicRate, encodePoisson, inputFrequency, interp2, type RateMapping } from '../../src/engine/encoders/rateCode'
import { ReceptiveField } from '../../src/engine/encoders/receptiveField'
import { SpikeTrain } from '../../src/engine/encoders/spikeTrain'
import { Rng } from '../../src/engine/random'
import { SEED_KERNEL } from '../../src/shared/config'

const SEED_MAPPING: RateMapping = { interpXp: [-1.069, 2.781], interpFp: [1, 20], periodNumerator: 600 }

/** The reference's gather form: for each output, sum over a then b of K·p/255, skipping outside pixels. */
function naivePotential(pixels: Uint8Array, offset: number, width: number, height: number, kernel: number[][]): Float64Array {
  const r = (kernel.length - 1) / 2
  const out = new Float64Array(width * height)
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      let sum = 0
      for (let a = -r; a <= r; a++) {
        for (let b = -r; b <= r; b++) {
          const rr = row + a
          const cc = col + b
          if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue
          sum += (kernel[a + r][b + r] * pixels[offset + rr * width + cc]) / 255
        }
      }
      out[row * width + col] = sum
    }
  }
  return out
}

function randomImage(rng: Rng, size: number, density: number): Uint8Array {
  const img = new Uint8Array(size)
  for (let i = 0; i < size; i++) if (rng.nextFloat() < density) img[i] = rng.nextInt(256)
  return img
}

/** Dense train built from a list of [h, t] spikes. */
function denseOf(inputs: number, steps: number, spikes: [number, number][]): Uint8Array[] {
  const rows = Array.from({ length: inputs }, () => new Uint8Array(steps + 1))
  for (const [h, t] of spikes) rows[h][t] = 1
  return rows
}

/** Every derived index of a train agrees with its dense form. */
function expectConsistent(train: SpikeTrain): void {
  const dense = train.toDense()
  const { inputs, steps } = train
  let total = 0
  let max = 0
  const silent: number[] = []
  const firing: number[] = []
  for (let h = 0; h < inputs; h++) {
    const times: number[] = []
    for (let t = 0; t <= steps; t++) if (dense[h][t]) times.push(t)
    expect(Array.from(train.inputTimes.subarray(train.inputStart[h], train.inputStart[h + 1]))).toEqual(times)
    expect(train.spikesOf(h)).toBe(times.length)
    total += times.length
    ;(times.length ? firing : silent).push(h)
  }
  for (let t = 0; t <= steps; t++) {
    const who: number[] = []
    for (let h = 0; h < inputs; h++) if (dense[h][t]) who.push(h)
    expect(Array.from(train.stepInputs.subarray(train.stepStart[t], train.stepStart[t + 1]))).toEqual(who)
    max = Math.max(max, who.length)
  }
  expect(train.stepStart[steps + 1]).toBe(total)
  expect(train.total).toBe(total)
  expect(train.maxSimultaneous).toBe(max)
  expect(Array.from(train.silentInputs.subarray(0, train.silentCount))).toEqual(silent)
  expect(Array.from(train.firingInputs.subarray(0, train.firingCount))).toEqual(firing)
}

describe('ReceptiveField', () => {
  it('maps one bright pixel at the centre of a 5×5 image to the (symmetric) seed kernel', () => {
    const img = new Uint8Array(25)
    img[12] = 255
    const pot = new ReceptiveField(SEED_KERNEL, 5, 5).apply(img, 0, new Float64Array(25))
    expect(Array.from(pot)).toEqual(SEED_KERNEL.flat())
  })

  it('maps one bright pixel to the kernel flipped in both axes (asymmetric kernel)', () => {
    // K[a][b] = 10a + b + 1: every entry distinct, so any orientation mistake shows.
    const K = Array.from({ length: 5 }, (_, a) => Array.from({ length: 5 }, (_, b) => 10 * a + b + 1))
    const img = new Uint8Array(25)
    img[2 * 5 + 2] = 255
    const pot = new ReceptiveField(K, 5, 5).apply(img, 0, new Float64Array(25))
    const expected: number[] = []
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expected.push(K[4 - r][4 - c])
    expect(Array.from(pot)).toEqual(expected)
  })

  it('scales by p/255 (multiply first, then divide)', () => {
    const img = new Uint8Array(25)
    img[12] = 51
    const pot = new ReceptiveField(SEED_KERNEL, 5, 5).apply(img, 0, new Float64Array(25))
    const expected = SEED_KERNEL.flat().map((k) => (k * 51) / 255)
    expect(Array.from(pot)).toEqual(expected)
    // 0.625·51/255 and 0.625·(51/255) differ in the last bit; the engine must use the former.
    expect(pot[7]).toBe((0.625 * 51) / 255)
  })

  it('clips the kernel at the border (bright pixel in the top-left corner)', () => {
    const img = new Uint8Array(25)
    img[0] = 255
    const pot = new ReceptiveField(SEED_KERNEL, 5, 5).apply(img, 0, new Float64Array(25))
    // Output (r, c) sees the pixel at offset (−r, −c): K[2 − r][2 − c].
    expect(Array.from(pot)).toEqual([
      1, 0.625, 0.125, 0, 0,
      0.625, 0.125, -0.125, 0, 0,
      0.125, -0.125, -0.5, 0, 0,
      0, 0, 0, 0, 0,
      0, 0, 0, 0, 0
    ])
  })

  it('sums overlapping contributions (two bright pixels)', () => {
    const img = new Uint8Array(25)
    img[0] = 255 // (0,0)
    img[6] = 255 // (1,1)
    const pot = new ReceptiveField(SEED_KERNEL, 5, 5).apply(img, 0, new Float64Array(25))
    // Output (0,0): K[2][2] from (0,0) + K[3][3] from (1,1) = 1 + 0.125.
    expect(pot[0]).toBe(1.125)
    // Output (1,1): K[1][1] from (0,0) + K[2][2] from (1,1) = 0.125 + 1.
    expect(pot[6]).toBe(1.125)
    // Output (3,3): only (1,1) at offset (−2,−2): K[0][0].
    expect(pot[18]).toBe(-0.5)
    // Output (4,4): out of reach of both.
    expect(pot[24]).toBe(0)
  })

  it('is bit-identical to the naive gather on random 28×28 images', () => {
    const rng = new Rng(17)
    const rf = new ReceptiveField(SEED_KERNEL, 28, 28)
    const out = new Float64Array(784)
    for (let i = 0; i < 20; i++) {
      const img = randomImage(rng, 784, i % 2 === 0 ? 0.3 : 1)
      const pot = rf.apply(img, 0, out)
      const ref = naivePotential(img, 0, 28, 28, SEED_KERNEL)
      // Object.is per element: bit-identical, and +0 / −0 distinguished.
      const differing = ref.filter((v, h) => !Object.is(pot[h], v)).length
      expect(differing).toBe(0)
    }
  })

  it('is bit-identical to the naive gather on non-square images, other kernel sizes and with an offset', () => {
    const rng = new Rng(18)
    const kernels = [
      [[0.3]],
      [
        [0.1, -0.7, 0.2],
        [0.9, 1.1, -0.3],
        [0.05, 0.4, -1.3]
      ],
      Array.from({ length: 7 }, () => Array.from({ length: 7 }, () => rng.uniform(-1, 1)))
    ]
    for (const K of kernels) {
      for (const [w, h] of [
        [7, 4],
        [3, 9],
        [2, 2]
      ]) {
        const rf = new ReceptiveField(K, w, h)
        // Three images back to back; take the middle one.
        const pixels = randomImage(rng, 3 * w * h, 0.7)
        const pot = rf.apply(pixels, w * h, new Float64Array(w * h))
        const ref = naivePotential(pixels, w * h, w, h, K)
        expect(ref.filter((v, i) => !Object.is(pot[i], v)).length).toBe(0)
      }
    }
  })

  it('fully overwrites the output and carries nothing from the previous image', () => {
    const rf = new ReceptiveField(SEED_KERNEL, 5, 5)
    const out = new Float64Array(25).fill(123)
    const bright = new Uint8Array(25).fill(255)
    rf.apply(bright, 0, out)
    rf.apply(new Uint8Array(25), 0, out)
    expect(Array.from(out)).toEqual(new Array(25).fill(0))
  })

  it('lists exactly the inputs with potential > 0, ascending, with the same potentials as apply', () => {
    const rng = new Rng(19)
    const rf = new ReceptiveField(SEED_KERNEL, 28, 28)
    const positive = new Int32Array(784)
    const listed = new Float64Array(784).fill(7) // leftovers must be overwritten
    for (let i = 0; i < 12; i++) {
      const img = i === 0 ? new Uint8Array(784) : randomImage(rng, 784, [0.02, 0.2, 1][i % 3])
      const count = rf.applyListingPositive(img, 0, listed, positive)
      const plain = rf.apply(img, 0, new Float64Array(784))
      expect(listed.filter((v, h) => !Object.is(plain[h], v)).length).toBe(0)
      const want = Array.from(plain.keys()).filter((h) => plain[h] > 0)
      expect(Array.from(positive.subarray(0, count))).toEqual(want)
      if (i === 0) expect(count).toBe(0)
    }
  })

  it('rejects even or non-square kernels', () => {
    expect(() => new ReceptiveField([[1, 2], [3, 4]], 5, 5)).toThrow(RangeError)
    expect(() => new ReceptiveField([[1, 2, 3], [1, 2, 3], [1, 2]], 5, 5)).toThrow(RangeError)
  })
})

describe('interp2 (numpy.interp with two points)', () => {
  const xp: [number, number] = [-1.069, 2.781]
  const fp: [number, number] = [1, 20]

  it('clamps at both ends', () => {
    expect(interp2(-5, xp, fp)).toBe(1)
    expect(interp2(-1.069, xp, fp)).toBe(1)
    expect(interp2(2.781, xp, fp)).toBe(20)
    expect(interp2(3.5, xp, fp)).toBe(20)
  })

  it('matches numpy.interp bit for bit on hand values', () => {
    // Values from numpy 2.x: np.interp(x, [-1.069, 2.781], [1, 20]).
    expect(interp2(-1.0, xp, fp)).toBe(1.3405194805194802)
    expect(interp2(0.0, xp, fp)).toBe(6.275584415584416)
    expect(interp2(0.5, xp, fp)).toBe(8.743116883116883)
    expect(interp2(0.856, xp, fp)).toBe(10.5)
    expect(interp2(2.0, xp, fp)).toBe(16.145714285714284)
    expect(interp2(2.78, xp, fp)).toBe(19.995064935064935)
  })

  it('gives frequency 0 for non-positive potentials', () => {
    expect(inputFrequency(0, SEED_MAPPING)).toBe(0)
    expect(inputFrequency(-0.3, SEED_MAPPING)).toBe(0)
    expect(inputFrequency(1e-9, SEED_MAPPING)).toBeCloseTo(6.2755844, 6)
  })
})

describe('deterministic rate code', () => {
  // pot → f → period = ceil(600/f) (numpy values above): 3.5→20→30, 2.781→20→30, 0.856→10.5→58,
  // 1e-9→6.2756→96, 2.0→16.1457→38, 2.78→19.995→31; 0 and −1 are silent.
  const pots = Float64Array.from([3.5, 2.781, 0.856, 0, -1, 1e-9, 2.0, 2.78])

  it('fires every ceil(600/f) steps, at p, 2p, … ≤ T, and is silent for pot ≤ 0', () => {
    const train = new SpikeTrain(pots.length, 150)
    encodeDeterministicRate(pots, SEED_MAPPING, train)
    const expected = denseOf(8, 150, [
      ...[30, 60, 90, 120, 150].map((t): [number, number] => [0, t]),
      ...[30, 60, 90, 120, 150].map((t): [number, number] => [1, t]),
      [2, 58],
      [2, 116],
      [5, 96],
      [6, 38],
      [6, 76],
      [6, 114],
      ...[31, 62, 93, 124].map((t): [number, number] => [7, t])
    ])
    expect(train.toDense()).toEqual(expected)
    expect(train.total).toBe(20)
    expect(train.maxSimultaneous).toBe(2)
    expect(Array.from(train.silentInputs.subarray(0, train.silentCount))).toEqual([3, 4])
    expect(Array.from(train.firingInputs.subarray(0, train.firingCount))).toEqual([0, 1, 2, 5, 6, 7])
    expect(train.toDense().every((row) => row[0] === 0)).toBe(true)
    expectConsistent(train)
  })

  it('includes a spike exactly at T when T is a multiple of the period', () => {
    const train = new SpikeTrain(1, 60)
    encodeDeterministicRate(Float64Array.from([3]), SEED_MAPPING, train)
    expect(Array.from(train.inputTimes.subarray(0, train.total))).toEqual([30, 60])
    const shorter = new SpikeTrain(1, 59)
    encodeDeterministicRate(Float64Array.from([3]), SEED_MAPPING, shorter)
    expect(Array.from(shorter.inputTimes.subarray(0, shorter.total))).toEqual([30])
  })

  it('uses the mapping it is given (f = pot on [0, 100], 600/f periods)', () => {
    const mapping: RateMapping = { interpXp: [0, 100], interpFp: [0, 100], periodNumerator: 600 }
    const train = new SpikeTrain(3, 200)
    encodeDeterministicRate(Float64Array.from([7, 6, 50]), mapping, train)
    // ceil(600/7) = 86, ceil(600/6) = 100, 600/50 = 12.
    expect(Array.from(train.inputTimes.subarray(train.inputStart[0], train.inputStart[1]))).toEqual([86, 172])
    expect(Array.from(train.inputTimes.subarray(train.inputStart[1], train.inputStart[2]))).toEqual([100, 200])
    expect(train.spikesOf(2)).toBe(16)
    expectConsistent(train)
  })

  it('counts the largest number of simultaneous spikes', () => {
    const train = new SpikeTrain(5, 150)
    encodeDeterministicRate(Float64Array.from([3, 3, 3, 0.856, 2.781]), SEED_MAPPING, train)
    expect(train.maxSimultaneous).toBe(4)
  })

  it('reuses the train for the next sample without leftovers', () => {
    const train = new SpikeTrain(4, 150)
    encodeDeterministicRate(Float64Array.from([3, 3, 3, 3]), SEED_MAPPING, train)
    encodeDeterministicRate(Float64Array.from([0, 0.856, 0, 0]), SEED_MAPPING, train)
    expect(train.toDense()).toEqual(denseOf(4, 150, [[1, 58], [1, 116]]))
    expect(train.maxSimultaneous).toBe(1)
    expect(Array.from(train.silentInputs.subarray(0, train.silentCount))).toEqual([0, 2, 3])
    expectConsistent(train)
  })

  it('gives an empty train for a blank image', () => {
    const train = new SpikeTrain(784, 150)
    const pot = new ReceptiveField(SEED_KERNEL, 28, 28).apply(new Uint8Array(784), 0, new Float64Array(784))
    encodeDeterministicRate(pot, SEED_MAPPING, train)
    expect(train.total).toBe(0)
    expect(train.maxSimultaneous).toBe(0)
    expect(train.silentCount).toBe(784)
    expect(train.firingCount).toBe(0)
  })
})

describe('SpikeTrain', () => {
  it('keeps the by-step and by-input indexes in agreement with toDense() (random trains, with growth)', () => {
    const rng = new Rng(3)
    const train = new SpikeTrain(50, 40)
    for (let sample = 0; sample < 5; sample++) {
      const density = [0.05, 0.9, 0, 0.3, 1][sample]
      const spikes: [number, number][] = []
      train.begin()
      for (let h = 0; h < 50; h++) {
        if (h % 7 === 3) continue // some always-silent inputs
        for (let t = 1; t <= 40; t++) {
          if (rng.nextFloat() < density) {
            train.add(h, t)
            spikes.push([h, t])
          }
        }
      }
      train.finish()
      expect(train.toDense()).toEqual(denseOf(50, 40, spikes))
      expectConsistent(train)
    }
  })

  it('builds a regular sample exactly like the same spikes added one by one (with growth and a snapshot)', () => {
    const rng = new Rng(8)
    const inputs = 12
    const steps = 60
    const regular = new SpikeTrain(inputs, steps)
    const oneByOne = new SpikeTrain(inputs, steps)
    const restored = new SpikeTrain(inputs, steps)
    for (let sample = 0; sample < 6; sample++) {
      // Periods 1…70 (some beyond T, so silent); period 1 on many inputs outgrows the 64-spike buffers.
      const periods = Array.from({ length: inputs }, () => (rng.nextFloat() < 0.3 ? 0 : 1 + rng.nextInt(sample % 2 ? 70 : 3)))
      regular.beginRegular()
      oneByOne.begin()
      periods.forEach((p, h) => {
        if (p === 0) return
        regular.addRegular(h, p)
        for (let t = p; t <= steps; t += p) oneByOne.add(h, t)
      })
      regular.finishRegular()
      oneByOne.finish()
      // Read the by-step index first: the by-input index of a regular sample is built on demand.
      expect(Array.from(regular.stepStart)).toEqual(Array.from(oneByOne.stepStart))
      expect(Array.from(regular.stepInputs.subarray(0, regular.total))).toEqual(Array.from(oneByOne.stepInputs.subarray(0, oneByOne.total)))
      expect(regular.maxSimultaneous).toBe(oneByOne.maxSimultaneous)
      expect(regular.toDense()).toEqual(oneByOne.toDense())
      expectConsistent(regular)
      restored.restore(regular.snapshot())
      expect(restored.toDense()).toEqual(oneByOne.toDense())
      expectConsistent(restored)
    }
  })

  it('copyFrom copies content and rejects other shapes', () => {
    const a = new SpikeTrain(8, 150)
    encodeDeterministicRate(Float64Array.from([3.5, 2.781, 0.856, 0, -1, 1e-9, 2.0, 2.78]), SEED_MAPPING, a)
    const b = new SpikeTrain(8, 150)
    b.copyFrom(a)
    expect(b.toDense()).toEqual(a.toDense())
    expectConsistent(b)
    expect(() => new SpikeTrain(8, 149).copyFrom(a)).toThrow(RangeError)
  })
})

describe('stochastic rate codes', () => {
  const pots = Float64Array.from([2.781, 0.856, 0, -0.5, 2.0, 1e-9])

  const encoders = [
    ['Bernoulli', encodeBernoulli],
    ['Poisson', encodePoisson]
  ] as const

  it('Bernoulli keeps the mean rate rateScale·f/600 at higher rate scales', () => {
    const n = 2000
    const train = new SpikeTrain(n, 150)
    encodeBernoulli(new Float64Array(n).fill(3), SEED_MAPPING, 10, new Rng(1), train)
    expect(Math.abs(train.total / n - 50)).toBeLessThan(1)
  })

  it('Poisson fires each step with probability 1 − e^(−λ), λ = rateScale·f/600 (λ·T at low rates)', () => {
    const n = 2000
    const train = new SpikeTrain(n, 150)
    for (const [rateScale, lambda] of [
      [1, 20 / 600],
      [10, 200 / 600],
      [30, 1]
    ]) {
      encodePoisson(new Float64Array(n).fill(3), SEED_MAPPING, rateScale, new Rng(1), train)
      const expected = 150 * -Math.expm1(-lambda)
      expect(Math.abs(train.total / n - expected) / expected).toBeLessThan(0.02)
    }
    // Low rate: indistinguishable from the mean of the other codes (5 spikes in 150 steps at f = 20).
    encodePoisson(new Float64Array(n).fill(3), SEED_MAPPING, 1, new Rng(2), train)
    expect(Math.abs(train.total / n - 5)).toBeLessThan(0.25)
  })

  for (const [name, encode] of encoders) {
    describe(name, () => {
      it('is reproducible with the same Rng seed and differs with another seed', () => {
        const run = (seed: number) => {
          const rng = new Rng(seed)
          const train = new SpikeTrain(pots.length, 150)
          const out: Uint8Array[][] = []
          for (let i = 0; i < 3; i++) {
            encode(pots, SEED_MAPPING, 1, rng, train)
            out.push(train.toDense())
          }
          return out
        }
        expect(run(5)).toEqual(run(5))
        expect(run(5)).not.toEqual(run(6))
      })

      it('keeps non-positive potentials silent and builds consistent indexes', () => {
        const rng = new Rng(1)
        const train = new SpikeTrain(pots.length, 150)
        for (let i = 0; i < 20; i++) {
          encode(pots, SEED_MAPPING, 3, rng, train)
          expect(train.spikesOf(2)).toBe(0)
          expect(train.spikesOf(3)).toBe(0)
          expect(train.toDense().every((row) => row[0] === 0)).toBe(true)
          expectConsistent(train)
        }
      })

      it('is silent with rateScale 0', () => {
        const train = new SpikeTrain(pots.length, 150)
        encode(pots, SEED_MAPPING, 0, new Rng(2), train)
        expect(train.total).toBe(0)
        expect(train.silentCount).toBe(pots.length)
      })

      it('fires at most once per step: at a huge rate every step fires exactly once', () => {
        const n = 200
        const train = new SpikeTrain(n, 150)
        encode(new Float64Array(n).fill(3), SEED_MAPPING, 1000, new Rng(4), train)
        expect(train.total).toBe(n * 150)
        expect(train.maxSimultaneous).toBe(n)
        for (let h = 0; h < n; h++) expect(train.spikesOf(h)).toBe(150)
        expectConsistent(train)
      })

      it('has a mean count close to the deterministic code over many samples', () => {
        const n = 100
        const T = 150
        const rng = new Rng(11)
        const train = new SpikeTrain(n, T)
        const det = new SpikeTrain(n, T)
        for (const [pot, f] of [
          [2.781, 20],
          [0.856, 10.5]
        ]) {
          const potential = new Float64Array(n).fill(pot)
          encodeDeterministicRate(potential, SEED_MAPPING, det)
          const detCount = det.spikesOf(0)
          let total = 0
          const samples = 50
          for (let s = 0; s < samples; s++) {
            encode(potential, SEED_MAPPING, 1, rng, train)
            total += train.total
          }
          const mean = total / (n * samples)
          // Expected T·f/600 (5 and 2.625); the deterministic code gives floor(T/ceil(600/f)) (5 and 2).
          expect(Math.abs(mean - (T * f) / 600)).toBeLessThan(0.2)
          expect(Math.abs(mean - detCount)).toBeLessThan(0.75)
        }
      })
    })
  }
})
