/**
 * The diehl-cook-2015 WebAssembly kernels (src/engine/wasm) against the JavaScript loops they
 * stand in for, bit for bit: each kernel on random and edge-case values, then whole networks
 * (learning, testing, re-presentations, resume) built once with each. Also: the committed bytes
 * are the assembly of the committed .wat, and what leaves the engine is never a view of the
 * kernel memory.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createModelNetwork } from '../../src/engine/experiment/run'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import { TraceStdp } from '../../src/engine/learning/traceStdp'
import { DelayBuffer, DelayedSynapses, transmit } from '../../src/engine/network/delayBuffer'
import { DiehlCookNetwork } from '../../src/engine/network/diehlCookNetwork'
import type { ModelState } from '../../src/engine/network/model'
import { AdaptiveConductanceLifNeurons } from '../../src/engine/neurons/conductanceLif'
import { Rng } from '../../src/engine/random'
import { DcKernels, kernelBytes } from '../../src/engine/wasm/dcKernels'
import { parseExperimentConfig, PRESETS, type ExperimentConfigInput } from '../../src/shared/config'

const ROOT = path.resolve(__dirname, '../..')
const PAPER = PRESETS['diehl-cook-2015'].diehlCook!

/** Index of the first element whose bits differ (−1: none), so that −0 ≠ 0 and every NaN payload counts. */
function firstBitDifference(a: Float64Array | Int32Array, b: Float64Array | Int32Array): number {
  expect(a.length).toBe(b.length)
  const bitsA = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  const bitsB = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  for (let k = 0; k < bitsA.length; k++) if (bitsA[k] !== bitsB[k]) return Math.floor(k / a.BYTES_PER_ELEMENT)
  return -1
}

function kernelsFor(arrays: (readonly [number, number])[]): DcKernels {
  const kernels = DcKernels.create(kernelBytes(arrays))
  if (!kernels) throw new Error('WebAssembly with SIMD is unavailable in this runtime')
  return kernels
}

describe('wasm kernel bytes', () => {
  it('are the assembly of dcKernels.wat (npm run build:wasm -- --check)', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-wasm.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' })
    expect(out).toContain('dcKernels.wasm.ts is up to date')
  })
})

describe('wasm kernels against the JavaScript loops', () => {
  it('deliverArrivals and updateDepression: weights, ge and the depressing neurons as in TraceStdp, incl. weights above wMax, at 0 and depressed below 0', () => {
    const inputs = 40
    const neurons = 23
    const maxDelay = 6
    const rng = new Rng(11)
    const delays = Array.from({ length: inputs * neurons }, () => rng.nextInt(maxDelay + 1))
    // A short post1 (its table ends after 231 steps): neurons leave the depressing list within the run.
    const p = { dt: 0.5, ...PAPER.stdp, nuPre: 0.05, tauPost1: 0.5 }
    const synapseCount = inputs * neurons
    const rangeValues = 2 * (maxDelay + 1) * inputs
    const kernels = kernelsFor([
      [2 * neurons, 8],
      [synapseCount, 8],
      [rangeValues, 4],
      ...DelayedSynapses.kernelArrays(inputs, neurons, maxDelay),
      ...TraceStdp.kernelArrays(inputs, neurons, maxDelay, p)
    ])
    const targets = kernels.float64(2 * neurons)
    const inWasm = new TraceStdp(inputs, neurons, maxDelay, p, targets, kernels)
    const inJs = new TraceStdp(inputs, neurons, maxDelay, p)
    const synapsesWasm = new DelayedSynapses(inputs, neurons, delays, maxDelay, kernels)
    const synapses = new DelayedSynapses(inputs, neurons, delays, maxDelay)
    expect(Array.from(synapsesWasm.post)).toEqual(Array.from(synapses.post))
    const weightsWasm = kernels.float64(synapseCount)
    const weights = new Float64Array(synapseCount)
    for (let s = 0; s < synapseCount; s++) {
      const kind = rng.nextInt(10)
      // Mostly ordinary weights; some above wMax (left by normalisation), at 0, exactly wMax, tiny.
      weights[s] = kind === 0 ? 1 + rng.uniform(0, 1) : kind === 1 ? 0 : kind === 2 ? p.wMax : kind === 3 ? 1e-300 : rng.uniform(0, 1) * 0.4
    }
    weightsWasm.set(weights)
    inWasm.requireLayout(weightsWasm, synapsesWasm.post, synapsesWasm.synapseOf, synapsesWasm.delayOf)
    const rangesWasm = kernels.int32(rangeValues)
    const ranges = new Int32Array(rangeValues)
    const delayBuffer = new DelayBuffer(synapses)
    let checked = 0
    for (let now = 1; now <= 600; now++) {
      const spiking = Int32Array.from({ length: inputs }, (_, i) => i).filter(() => rng.uniform(0, 1) < 0.3)
      delayBuffer.push(now, spiking, 0, spiking.length)
      for (const rule of [inJs, inWasm]) rule.onInputSpikes(spiking, 0, spiking.length, now)
      const count = delayBuffer.arrivals(now, ranges)
      rangesWasm.set(ranges)
      inJs.onPreArrivals(ranges, count, synapses.post, weights, now)
      inWasm.onPreArrivals(rangesWasm, count, synapsesWasm.post, weightsWasm, now)
      // Post spikes set post1 (depression starts) and potentiate, in both alike.
      if (now % 7 === 0 && now < 300) {
        const j = rng.nextInt(neurons)
        inJs.onPostSpike(j, synapses.synapseOf, synapses.delayOf, weights, now)
        inWasm.onPostSpike(j, synapsesWasm.synapseOf, synapsesWasm.delayOf, weightsWasm, now)
      }
      expect(firstBitDifference(weightsWasm, weights), `weights at step ${now}`).toBe(-1)
      expect(firstBitDifference(inWasm.targets, inJs.targets), `ge and depression at step ${now}`).toBe(-1)
      expect(Array.from(inWasm.weightsChanged), `weightsChanged at step ${now}`).toEqual(Array.from(inJs.weightsChanged))
      if (now % 50 === 0) {
        expect(inWasm.stateArrays()).toEqual(inJs.stateArrays())
        inWasm.weightsChanged.fill(0)
        inJs.weightsChanged.fill(0)
      }
      checked += count
    }
    expect(checked).toBeGreaterThan(500)
    // Depression moved weights down to 0 and clipped those above wMax.
    expect(weights.some((w) => w === 0)).toBe(true)
    expect(Math.max(...weights)).toBeLessThanOrEqual(p.wMax)
  })

  it('arrivals and transmit: the ranges of DelayBuffer.arrivals and the ge of transmit', () => {
    const inputs = 30
    const neurons = 9
    const rng = new Rng(5)
    const delays = Array.from({ length: inputs * neurons }, () => rng.nextInt(4))
    const synapseCount = inputs * neurons
    const kernels = kernelsFor([
      [synapseCount, 8],
      ...DelayedSynapses.kernelArrays(inputs, neurons, 3),
      [2 * 4 * inputs, 4],
      [neurons, 8],
      ...DelayBuffer.kernelArrays(inputs, 4)
    ])
    const synapses = new DelayedSynapses(inputs, neurons, delays, 3, kernels)
    const jsSynapses = new DelayedSynapses(inputs, neurons, delays, 3)
    const weights = kernels.float64(synapseCount)
    for (let s = 0; s < synapseCount; s++) weights[s] = rng.uniform(0, 1)
    const rangesWasm = kernels.int32(2 * 4 * inputs)
    const ranges = new Int32Array(2 * 4 * inputs)
    const geWasm = kernels.float64(neurons)
    const ge = new Float64Array(neurons)
    const bufferWasm = new DelayBuffer(synapses, kernels)
    const buffer = new DelayBuffer(jsSynapses)
    let arrived = 0
    for (let now = 1; now <= 40; now++) {
      // Some steps without spikes, so that ring slots go stale.
      const spiking = Int32Array.from({ length: inputs }, (_, i) => i).filter(() => now % 5 !== 0 && rng.uniform(0, 1) < 0.4)
      bufferWasm.push(now, spiking, 0, spiking.length)
      buffer.push(now, spiking, 0, spiking.length)
      const countWasm = bufferWasm.arrivals(now, rangesWasm)
      const count = buffer.arrivals(now, ranges)
      expect(countWasm).toBe(count)
      expect(Array.from(rangesWasm.subarray(0, 2 * count))).toEqual(Array.from(ranges.subarray(0, 2 * count)))
      transmit(ranges, count, jsSynapses.post, weights, ge)
      kernels.transmit(rangesWasm, count, synapses.post, weights, geWasm)
      expect(firstBitDifference(geWasm, ge)).toBe(-1)
      arrived += count
    }
    expect(arrived).toBeGreaterThan(100)
    expect(ge.some((g) => g > 0)).toBe(true)
  })

  for (const size of [1, 7, 20]) {
    it(`stepExcitatory: v, ge, gi, θ and spikes as the JavaScript step, ${size} neuron(s), learning and frozen θ`, () => {
      const p = { dt: 0.5, ...PAPER.excitatory }
      const kernels = kernelsFor([
        [size, 8],
        [size, 8],
        [size, 8],
        [size, 8],
        [size, 4]
      ])
      const inWasm = new AdaptiveConductanceLifNeurons(size, p, p, kernels.float64(size), kernels)
      const inJs = new AdaptiveConductanceLifNeurons(size, p, p)
      const rng = new Rng(size)
      const spikedWasm = new Int32Array(size)
      const spiked = new Int32Array(size)
      let spikes = 0
      for (let now = 1; now <= 3000; now++) {
        const adapting = now < 2000
        inWasm.adapting = adapting
        inJs.adapting = adapting
        // Random excitatory and inhibitory input, strong enough to make neurons fire now and then.
        for (let j = 0; j < size; j++) {
          if (rng.uniform(0, 1) < 0.3) {
            const e = rng.uniform(0, 1) * 3
            inWasm.ge[j] += e
            inJs.ge[j] += e
          }
          if (rng.uniform(0, 1) < 0.02) {
            const i = rng.uniform(0, 1)
            inWasm.gi[j] += i
            inJs.gi[j] += i
          }
        }
        const firedWasm = inWasm.step(now, spikedWasm)
        const fired = inJs.step(now, spiked)
        expect(firedWasm).toBe(fired)
        expect(Array.from(spikedWasm.subarray(0, firedWasm))).toEqual(Array.from(spiked.subarray(0, fired)))
        spikes += fired
        for (const name of ['potential', 'ge', 'gi', 'theta', 'integratesFrom', 'timerStart'] as const) {
          expect(firstBitDifference(inWasm[name], inJs[name]), `${name} at step ${now}`).toBe(-1)
        }
      }
      expect(spikes).toBeGreaterThan(size)
    })
  }

  it('refuse arrays outside their memory, and more arrays than they were sized for', () => {
    const p = { dt: 0.5, ...PAPER.excitatory }
    expect(() => new AdaptiveConductanceLifNeurons(4, p, p, new Float64Array(4), kernelsFor([[4, 8], [4, 8], [4, 8], [4, 4]]))).toThrow(/ge must live/)
    expect(() => new TraceStdp(2, 2, 0, { dt: 0.5, ...PAPER.stdp }, new Float64Array(4), kernelsFor([]))).toThrow(/targets must live/)
    const kernels = kernelsFor([[4, 8]])
    const ge = kernels.float64(4)
    expect(() => kernels.float64(1)).toThrow(/sized for/)
    // A kernel given a view of another buffer would write into its own memory at that offset: refused.
    expect(() => kernels.transmit(new Int32Array([0, 1]), 1, new Uint16Array(1), new Float64Array(1), ge)).toThrow(/outside their memory/)
  })
})

describe('diehl-cook-2015 network: wasm kernels against the JavaScript loops', () => {
  const mnist = loadBundledMnist()

  function config(neurons: number, input: ExperimentConfigInput = {}) {
    return parseExperimentConfig({ preset: 'diehl-cook-2015', seed: 7, network: { layers: [{ neurons }] }, ...input })
  }

  /** The network createModelNetwork builds (wasm), and the same one with the JavaScript loops. */
  function pair(neurons: number, input: ExperimentConfigInput = {}) {
    const c = config(neurons, input)
    const wasm = createModelNetwork(c, 28, 28).network as DiehlCookNetwork
    expect(wasm.kernels).not.toBeNull()
    const js = jsTwin(wasm, c)
    return { wasm, js }
  }

  /** A JavaScript-loop network in the same state as `like` (same delays, weights, encoder state). */
  function jsTwin(like: DiehlCookNetwork, c: ReturnType<typeof config>, state?: ModelState) {
    const js = createModelNetwork(c, 28, 28, undefined, undefined, 'js').network as DiehlCookNetwork
    expect(js.kernels).toBeNull()
    expect(Array.from(js.synapses.delayOf)).toEqual(Array.from(like.synapses.delayOf))
    js.layers[0].setWeights(like.layers[0].getWeights())
    js.setEncoderRngState(like.encoderRngState())
    js.setModelState(state ?? like.getModelState()!)
    return js
  }

  function expectSame(wasm: DiehlCookNetwork, js: DiehlCookNetwork, what: string) {
    expect(firstBitDifference(wasm.weights, js.weights), `weights, ${what}`).toBe(-1)
    expect(Array.from(wasm.outputCounts), `spike counts, ${what}`).toEqual(Array.from(js.outputCounts))
    expect([wasm.now, wasm.presentations, wasm.intensity, wasm.outputWinner, wasm.outputWinnerStep]).toEqual([js.now, js.presentations, js.intensity, js.outputWinner, js.outputWinnerStep])
    for (const name of ['potential', 'ge', 'gi', 'theta', 'timerStart', 'integratesFrom'] as const) {
      expect(firstBitDifference(wasm.excitatory[name], js.excitatory[name]), `excitatory ${name}, ${what}`).toBe(-1)
    }
    // Everything else that is state (traces, inhibitory neurons, spikes in flight, flags), as saved.
    expect(wasm.getModelState(), `model state, ${what}`).toEqual(js.getModelState())
  }

  function presentBoth(wasm: DiehlCookNetwork, js: DiehlCookNetwork, first: number, images: number, learn: boolean) {
    let spikes = 0
    for (let i = first; i < first + images; i++) {
      wasm.present(mnist.pixels, i * 784, learn)
      js.present(mnist.pixels, i * 784, learn)
      expectSame(wasm, js, `image ${i} (${learn ? 'learning' : 'testing'})`)
      for (const count of wasm.outputCounts) spikes += count
    }
    return spikes
  }

  for (const [neurons, images] of [
    [100, 8],
    [20, 12],
    [7, 10]
  ] as const) {
    it(`N = ${neurons}: the same weights, v, θ, traces and spikes image by image, learning then testing`, () => {
      const { wasm, js } = pair(neurons)
      expect(presentBoth(wasm, js, 0, images, true)).toBeGreaterThan(0)
      expect(presentBoth(wasm, js, 100, 4, false)).toBeGreaterThan(0)
      // Learning again after testing (θ unfrozen).
      presentBoth(wasm, js, 200, 2, true)
    })
  }

  it('re-presentations with rising intensity: the same in both', () => {
    const { wasm, js } = pair(20, { diehlCook: { input: { minSpikes: 30, maxPresentations: 3 } } })
    presentBoth(wasm, js, 0, 4, true)
    expect(wasm.presentations).toBeGreaterThan(1)
  })

  it('trace time constants too long for the decay tables (kernels fall back to JavaScript there): the same in both', () => {
    const { wasm, js } = pair(20, { diehlCook: { stdp: { tauPre: 2e4, tauPost1: 2e4 } } })
    presentBoth(wasm, js, 0, 3, true)
  })

  it('with rates changed between images (a rate schedule): the same in both', () => {
    const { wasm, js } = pair(20, { diehlCook: { stdp: { finalRate: 0.1 } } })
    for (let image = 0; image < 4; image++) {
      wasm.setTrainingProgress(image, 4)
      js.setTrainingProgress(image, 4)
      presentBoth(wasm, js, image, 1, true)
    }
  })

  it('without rest skipping (every rest step simulated): the same in both', () => {
    const { wasm, js } = pair(20, { diehlCook: { skipQuietRest: false } })
    presentBoth(wasm, js, 0, 3, true)
  })

  it('resumed from saved state (wasm → js and wasm → wasm) continues as the uninterrupted network', () => {
    const c = config(20)
    const uninterrupted = createModelNetwork(c, 28, 28).network as DiehlCookNetwork
    for (let i = 0; i < 5; i++) uninterrupted.present(mnist.pixels, i * 784, true)
    const weights = uninterrupted.layers[0].getWeights()
    const rng = uninterrupted.encoderRngState()
    // As a snapshot carries it: plain arrays, through JSON.
    const state = JSON.parse(JSON.stringify(uninterrupted.getModelState())) as ModelState
    const resumedWasm = createModelNetwork(c, 28, 28).network as DiehlCookNetwork
    resumedWasm.layers[0].setWeights(weights)
    resumedWasm.setEncoderRngState(rng)
    resumedWasm.setModelState(state)
    const resumedJs = jsTwin(resumedWasm, c, state)
    for (let i = 5; i < 10; i++) {
      for (const net of [uninterrupted, resumedWasm, resumedJs]) net.present(mnist.pixels, i * 784, true)
      expectSame(resumedWasm, resumedJs, `resumed, image ${i}`)
      expect(firstBitDifference(resumedWasm.weights, uninterrupted.weights), `resumed vs uninterrupted, image ${i}`).toBe(-1)
    }
  })

  it('keeps the hot arrays in the kernel memory, and hands out copies only', () => {
    const net = createModelNetwork(config(20), 28, 28).network as DiehlCookNetwork
    const kernels = net.kernels!
    const { synapses, delays, stdp, excitatory } = net
    for (const array of [
      net.weights,
      synapses.post,
      synapses.groupStart,
      delays.spikes,
      delays.spikeCount,
      delays.slotStep,
      stdp.targets,
      stdp.post1.value,
      stdp.weightsChanged,
      excitatory.ge,
      excitatory.gi,
      excitatory.potential,
      excitatory.theta
    ]) {
      expect(kernels.owns(array)).toBe(true)
    }
    net.present(mnist.pixels, 0, true)
    const weights = net.layers[0].getWeights()
    expect(kernels.owns(weights)).toBe(false)
    expect(weights.buffer.byteLength).toBe(8 * 20 * 784)
    for (const values of Object.values(net.getModelState())) expect(Array.isArray(values)).toBe(true)
  })
})
