/**
 * The diehl-cook-2015 model: each component against closed-form behaviour, the network's
 * reproducibility and rest skipping, exact resume, and a short training run that learns.
 */
import { describe, expect, it } from 'vitest'
import { encodePoissonImage, poissonStepChance } from '../../src/engine/encoders/poissonInput'
import { SpikeTrain } from '../../src/engine/encoders/spikeTrain'
import { createModelNetwork, runExperiment, type PresentationRecord, type WeightSnapshot } from '../../src/engine/experiment/run'
import { loadBundledMnist } from '../../src/engine/host/bundledMnist'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { LazyTraces, TRACE_FLOOR, TraceStdp } from '../../src/engine/learning/traceStdp'
import { normalizeChanged, normalizeIncoming } from '../../src/engine/learning/weightNormalization'
import { DelayBuffer, DelayedSynapses, transmit } from '../../src/engine/network/delayBuffer'
import { DiehlCookNetwork } from '../../src/engine/network/diehlCookNetwork'
import { AdaptiveConductanceLifNeurons, conductanceStep, ConductanceLifNeurons, FLUSH_CONDUCTANCE, stepsIn } from '../../src/engine/neurons/conductanceLif'
import { Rng } from '../../src/engine/random'
import { ConfigError, parseExperimentConfig, PRESETS, type DiehlCookConfig, type ExperimentConfigInput } from '../../src/shared/config'

const PAPER = PRESETS['diehl-cook-2015'].diehlCook!
const DT = PAPER.dt

function config(input: ExperimentConfigInput = {}) {
  return parseExperimentConfig({ preset: 'diehl-cook-2015', ...input })
}

function excitatory(size = 1, overrides: Partial<DiehlCookConfig['excitatory']> = {}) {
  const p = { ...PAPER.excitatory, ...overrides }
  return new AdaptiveConductanceLifNeurons(size, { dt: DT, ...p }, p)
}

function inhibitory(size = 1, overrides: Partial<DiehlCookConfig['inhibitory']> = {}) {
  return new ConductanceLifNeurons(size, { dt: DT, ...PAPER.inhibitory, ...overrides })
}

const relative = (got: number, want: number) => Math.abs(got - want) / Math.abs(want)

describe('diehl-cook-2015 config', () => {
  it('the preset holds the published parameters, with units explicit', () => {
    const c = PRESETS['diehl-cook-2015']
    expect(c.preset).toBe('diehl-cook-2015')
    expect(c.network.layers).toEqual([{ neurons: 100 }])
    expect(c.evaluation.prediction).toBe('class-vote')
    expect(c.init).toEqual({ kind: 'uniform', low: 0.003, high: 0.303 }) // 0.3·(U(0,1) + 0.01)
    expect(c.diehlCook).toMatchObject({ dt: 0.5, present: 350, rest: 150, normalization: 78 })
    expect(c.diehlCook!.input).toMatchObject({ maxRate: 63.75, intensity: 2, minSpikes: 5, maxDelay: 10 })
    expect(c.diehlCook!.excitatory).toMatchObject({
      tauMembrane: 100, restPotential: -65, resetPotential: -65, threshold: -52, thetaOffset: 20, thetaInitial: 20,
      thetaPlus: 0.05, tauTheta: 1e7, refractory: 5, excitatoryReversal: 0, inhibitoryReversal: -100, tauExcitatory: 1, tauInhibitory: 2
    })
    expect(c.diehlCook!.inhibitory).toMatchObject({ tauMembrane: 10, restPotential: -60, resetPotential: -45, threshold: -40, refractory: 2, inhibitoryReversal: -85 })
    expect(c.diehlCook!.synapses).toEqual({ excitatoryToInhibitory: 10.4, inhibitoryToExcitatory: 17 })
    expect(c.diehlCook!.stdp).toEqual({ tauPre: 20, tauPost1: 20, tauPost2: 40, nuPre: 0.0001, nuPost: 0.01, wMax: 1, finalRate: 1, rateDecay: 'exponential' })
    // The documented split: all 10,000 bundled digits, the first 8,000 for training, the last 2,000 for testing.
    expect(c.data).toMatchObject({ source: { kind: 'mnist-bundled', digits: 'all' }, classes: 'all', trainRange: [0, 8000], testRange: [8000, 10000] })
  })

  it('a config naming the preset is merged over it, and an empty config is still seed-2017', () => {
    const c = config({ network: { layers: [{ neurons: 7 }] }, diehlCook: { dt: 0.25, stdp: { nuPost: 0.02 } } })
    expect(c.network.layers).toEqual([{ neurons: 7 }])
    expect(c.diehlCook!.dt).toBe(0.25)
    expect(c.diehlCook!.stdp).toEqual({ ...PAPER.stdp, nuPost: 0.02 })
    expect(c.evaluation.prediction).toBe('class-vote')
    expect(parseExperimentConfig({})).toEqual(PRESETS['seed-2017'])
    expect(PRESETS['seed-2017'].diehlCook).toBeUndefined()
  })

  it('rejects two layers, diehlCook under seed-2017, and bad image ranges', () => {
    expect(() => config({ network: { layers: [{ neurons: 3 }, { neurons: 3 }] } })).toThrow(/network\.layers: diehl-cook-2015 has one layer/)
    expect(() => parseExperimentConfig({ diehlCook: {} })).toThrow(ConfigError)
    expect(() => config({ data: { trainRange: [5, 5] } })).toThrow(/data\.trainRange/)
  })
})

describe('conductance LIF neurons', () => {
  it('decay to rest without input as the Euler closed form says: v_n − v_rest = (v_0 − v_rest)(1 − dt/τ_m)^n', () => {
    for (const [group, rest, tau, v0] of [
      [excitatory(), -65, 100, -105],
      [inhibitory(), -60, 10, -100]
    ] as const) {
      const spiked = new Int32Array(1)
      for (let n = 1; n <= 400; n++) {
        expect(group.step(n, spiked)).toBe(0)
        if (n % 50 === 0) expect(Math.abs(group.potential[0] - rest - (v0 - rest) * Math.pow(1 - DT / tau, n))).toBeLessThan(1e-11)
      }
    }
  })

  it('let ge and gi decay exactly: g_n = g_0 · e^(−n·dt/τ)', () => {
    const group = excitatory()
    group.ge[0] = 3
    group.gi[0] = 5
    const spiked = new Int32Array(1)
    for (let n = 1; n <= 40; n++) {
      group.step(n, spiked)
      expect(relative(group.ge[0], 3 * Math.exp((-n * DT) / 1))).toBeLessThan(1e-13)
      expect(relative(group.gi[0], 5 * Math.exp((-n * DT) / 2))).toBeLessThan(1e-13)
    }
    expect(conductanceStep(1, 0.5).decay).toBeCloseTo(Math.exp(-0.5), 15)
  })

  it('deliver the continuous model\'s charge: a jump w in ge moves v by w·(τ_ge/τ_m)·(E_exc − v)', () => {
    // A very long τ_m makes the leak negligible and the response linear.
    const group = inhibitory(1, { tauMembrane: 1e6, initialPotential: -60 })
    group.ge[0] = 1
    const spiked = new Int32Array(1)
    for (let n = 1; n <= 200; n++) group.step(n, spiked)
    const want = 1 * (1 / 1e6) * (0 - -60)
    expect(relative(group.potential[0] - -60, want)).toBeLessThan(1e-4)
  })

  it('fire above θ − offset + v_thresh, then hold v for the refractory period and wait for the timer', () => {
    const group = excitatory(1, { initialPotential: -51.9 }) // θ = 20: threshold −52
    const spiked = new Int32Array(1)
    // The reference's timer starts at 0: no spike before step 101 (timer 0.05 ms a step must pass 5 ms).
    expect(group.timerSteps).toBe(101)
    const firedAt: number[] = []
    for (let n = 1; n <= 400; n++) {
      group.ge[0] = 5 // strong drive every step
      if (group.step(n, spiked) > 0) firedAt.push(n)
      if (firedAt.length === 1 && n > firedAt[0] && n < firedAt[0] + 10) expect(group.potential[0]).toBe(-65) // held at reset
    }
    expect(firedAt[0]).toBe(101)
    // Every spike waits 101 steps for the timer (the refractory 10 steps are inside that).
    for (let k = 1; k < firedAt.length; k++) expect(firedAt[k] - firedAt[k - 1]).toBe(101)
    // θ: 20 and each +0.05, every one decaying with τ_θ = 10^7 ms since it was added.
    const theta = firedAt.reduce((sum, n) => sum + 0.05 * Math.exp((-(400 - n) * DT) / 1e7), 20 * Math.exp((-400 * DT) / 1e7))
    expect(relative(group.theta[0], theta)).toBeLessThan(1e-13)
  })

  it('grow θ by θ+ per spike and let it decay with τ_θ while learning; freeze it while testing', () => {
    const group = excitatory(1)
    const spiked = new Int32Array(1)
    for (let n = 1; n <= 1000; n++) group.step(n, spiked)
    expect(relative(group.theta[0], 20 * Math.exp((-1000 * DT) / 1e7))).toBeLessThan(1e-12)
    group.adapting = false
    const frozen = group.theta[0]
    for (let n = 1001; n <= 2000; n++) {
      group.ge[0] = 5
      group.step(n, spiked)
    }
    expect(group.theta[0]).toBe(frozen)
    group.adapting = true
    group.potential[0] = -40
    group.timerStart[0] = -1000
    expect(group.step(2001, spiked)).toBe(1)
    expect(group.theta[0]).toBeCloseTo(frozen * Math.exp((-DT) / 1e7) + 0.05, 12)
  })

  it('excitatory step: the same spikes, v and θ as a plain per-neuron loop (refractory and timer checked per neuron)', () => {
    // The step integrates everyone and restores the refractory neurons' v afterwards, and flushes
    // tiny conductances every 64 steps instead of at every step: none of that may show.
    const p = PAPER.excitatory
    const size = 37
    const group = excitatory(size)
    const leak = DT / p.tauMembrane
    const geStep = conductanceStep(p.tauExcitatory, DT)
    const giStep = conductanceStep(p.tauInhibitory, DT)
    const thetaDecay = Math.exp(-DT / p.tauTheta)
    const refractorySteps = stepsIn(p.refractory, DT)
    const v = new Float64Array(size).fill(p.initialPotential)
    const ge = new Float64Array(size)
    const gi = new Float64Array(size)
    const theta = new Float64Array(size).fill(p.thetaInitial)
    const integratesFrom = new Float64Array(size)
    const timerStart = new Float64Array(size)
    const rng = new Rng(11)
    const spiked = new Int32Array(size)
    let spikes = 0
    let vMismatches = 0
    let thetaWorst = 0
    let conductanceWorst = 0
    for (let now = 1; now <= 6000; now++) {
      const adapting = now < 4000
      group.adapting = adapting
      // Bursts of drive with long quiet stretches (conductances decay through the flush level).
      if (now % 700 < 300) {
        for (let j = 0; j < size; j++) {
          if (rng.nextFloat() < 0.3) {
            const w = rng.uniform(0, 2)
            ge[j] += w
            group.ge[j] += w
          }
          if (rng.nextFloat() < 0.02) {
            gi[j] += 3
            group.gi[j] += 3
          }
        }
      }
      const want: number[] = []
      for (let j = 0; j < size; j++) {
        const e = ge[j]
        const i = gi[j]
        ge[j] = Math.abs(e * geStep.decay) < FLUSH_CONDUCTANCE ? 0 : e * geStep.decay
        gi[j] = Math.abs(i * giStep.decay) < FLUSH_CONDUCTANCE ? 0 : i * giStep.decay
        if (adapting) theta[j] *= thetaDecay
        if (now < integratesFrom[j]) continue
        const next = v[j] + leak * (p.restPotential - v[j]) + leak * geStep.mean * e * (p.excitatoryReversal - v[j]) + leak * giStep.mean * i * (p.inhibitoryReversal - v[j])
        if (next > theta[j] + p.threshold - p.thetaOffset && now - timerStart[j] >= group.timerSteps) {
          v[j] = p.resetPotential
          integratesFrom[j] = now + refractorySteps
          timerStart[j] = now
          if (adapting) theta[j] += p.thetaPlus
          want.push(j)
        } else {
          v[j] = next
        }
      }
      const fired = group.step(now, spiked)
      if (fired !== want.length || want.some((j, k) => spiked[k] !== j)) throw new Error(`step ${now}: spikes ${Array.from(spiked.subarray(0, fired))}, want ${want}`)
      spikes += fired
      for (let j = 0; j < size; j++) {
        if (group.potential[j] !== v[j]) vMismatches++
        thetaWorst = Math.max(thetaWorst, relative(group.theta[j], theta[j]))
        conductanceWorst = Math.max(conductanceWorst, Math.abs(group.ge[j] - ge[j]), Math.abs(group.gi[j] - gi[j]))
      }
    }
    expect(spikes).toBeGreaterThan(50)
    expect(vMismatches).toBe(0)
    expect(thetaWorst).toBeLessThan(1e-15)
    // Below the flush level the step may keep a conductance a few steps longer (it moves no v).
    expect(conductanceWorst).toBeLessThan(FLUSH_CONDUCTANCE)
  })

  it('inhibitory neurons: threshold −40 mV, reset −45 mV, 2 ms (4 steps) refractory', () => {
    const group = inhibitory(1, { initialPotential: -40.5 })
    const spiked = new Int32Array(1)
    group.ge[0] = 5
    expect(group.step(1, spiked)).toBe(1)
    expect(group.potential[0]).toBe(-45)
    for (let n = 2; n <= 4; n++) {
      group.ge[0] = 100
      group.wake(0)
      expect(group.step(n, spiked)).toBe(0)
      expect(group.potential[0]).toBe(-45)
    }
    expect(group.step(5, spiked)).toBe(1) // integrates again at spike step + 4, with ge still high
  })

  it('sleeping neurons give exactly what stepping them would', () => {
    const sleepy = inhibitory(8)
    const busy = inhibitory(8)
    const spiked = new Int32Array(8)
    const rng = new Rng(5)
    for (let n = 1; n <= 3000; n++) {
      if (n % 97 === 0) {
        const j = rng.nextInt(8)
        sleepy.ge[j] += 10.4
        sleepy.wake(j)
        busy.ge[j] += 10.4
      }
      busy.wakeAll()
      expect(sleepy.step(n, spiked)).toBe(busy.step(n, spiked))
    }
    expect(Array.from(sleepy.potential)).toEqual(Array.from(busy.potential))
    expect(Array.from(sleepy.ge)).toEqual(Array.from(busy.ge))
  })
})

describe('trace STDP', () => {
  it('lazy traces decay from their last write when read: x(t) = x(t₀)·e^(−(t − t₀)·dt/τ)', () => {
    const traces = new LazyTraces(2, 20, DT)
    traces.set(0, 10, 1)
    traces.add(1, 10, 0.5)
    traces.add(1, 30, 0.5)
    for (const gap of [0, 1, 7, 40, 400, 5000, 40000]) {
      expect(traces.read(0, 10 + gap)).toBeCloseTo(Math.exp((-gap * DT) / 20), 15)
    }
    expect(traces.read(1, 50)).toBeCloseTo((0.5 * Math.exp((-20 * DT) / 20) + 0.5) * Math.exp((-20 * DT) / 20), 15)
  })

  it('reads a trace as 0 once its decay falls below TRACE_FLOOR, never as a subnormal number', () => {
    const traces = new LazyTraces(1, 20, DT)
    traces.set(0, 0, 1)
    const lastGap = Math.floor((Math.log(1 / TRACE_FLOOR) * 20) / DT) // the largest gap with e^(−gap·dt/τ) ≥ the floor
    expect(relative(traces.read(0, lastGap), Math.exp((-lastGap * DT) / 20))).toBeLessThan(1e-12)
    expect(traces.read(0, lastGap)).toBeGreaterThanOrEqual(TRACE_FLOOR)
    expect(traces.read(0, lastGap + 1)).toBe(0)
    expect(traces.read(0, 1e9)).toBe(0)
    // A time constant too long for the table: Math.exp, with the same floor.
    const slow = new LazyTraces(1, 1e7, DT)
    slow.set(0, 0, 1)
    expect(relative(slow.read(0, 1e6), Math.exp((-1e6 * DT) / 1e7))).toBeLessThan(1e-12)
    expect(slow.read(0, 5e9)).toBe(0)
  })

  it('depresses only through the neurons whose post1 is above 0, as reading every neuron\'s trace would, across restores', () => {
    const p = { dt: DT, ...PAPER.stdp, nuPre: 0.0005 }
    const neurons = 6
    const synapses = new DelayedSynapses(2, neurons, new Array(2 * neurons).fill(0), 0)
    let stdp = new TraceStdp(2, neurons, 0, p)
    const weights = new Float64Array(synapses.size).fill(0.9)
    const expected = new Float64Array(weights)
    const all = Int32Array.of(0, synapses.size)
    const rng = new Rng(5)
    // 40,000 steps: neurons spike now and then and fall silent for longer than post1 stays above the floor.
    for (let now = 1; now <= 40_000; now++) {
      if (now === 20_000) {
        const restored = new TraceStdp(2, neurons, 0, p)
        const saved = stdp.stateArrays()
        for (const [name, array] of Object.entries(restored.stateArrays())) array.set(saved[name])
        restored.stateChanged()
        stdp = restored
      }
      // No input ever enters the history, so every pre trace is 0 and a post spike changes no weight.
      if (now < 30_000 && rng.nextFloat() < 0.0005) stdp.onPostSpike(rng.nextInt(neurons), synapses.synapseOf, synapses.delayOf, weights, now)
      if (rng.nextFloat() < 0.05) {
        for (let s = 0; s < synapses.size; s++) expected[s] = Math.max(0, expected[s] - p.nuPre * stdp.post1.read(synapses.post[s], now))
        stdp.onPreArrivals(all, 1, synapses.post, weights, now)
        expect(Array.from(weights)).toEqual(Array.from(expected))
      }
    }
    expect(weights.some((w) => w < 0.9)).toBe(true)
  })

  it('depress on an arriving input spike by nuPre·post1 and potentiate on a post spike by nuPost·pre·post2, clipped to [0, wMax]', () => {
    const p = { dt: DT, ...PAPER.stdp }
    // Two inputs onto one neuron; input 0 with a delay of 3 steps, input 1 with none.
    const synapses = new DelayedSynapses(2, 1, [3, 0], 4)
    const stdp = new TraceStdp(2, 1, 4, p)
    const weights = new Float64Array([0.5, 0.99995])
    stdp.requireLayout(weights, synapses.post, synapses.synapseOf, synapses.delayOf)
    const s0 = synapses.synapseOf[0]
    const s1 = synapses.synapseOf[1]
    // The neuron spiked at step 2: post1 = post2 = 1 there.
    stdp.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 2)
    // Input 0 fires at step 5: it reaches the synapse at step 8.
    stdp.onInputSpikes(Int32Array.of(0), 0, 1, 5)
    expect(stdp.preTrace(0, 3, 7)).toBe(0)
    expect(stdp.preTrace(0, 3, 8)).toBe(1)
    expect(stdp.preTrace(0, 3, 12)).toBeCloseTo(Math.exp((-4 * DT) / 20), 15)
    const before = weights[s0]
    stdp.onPreArrivals(Int32Array.of(s0, s0 + 1), 1, synapses.post, weights, 8)
    expect(stdp.ge[0]).toBe(before) // transmitted before depression
    expect(weights[s0]).toBeCloseTo(before - 0.0001 * Math.exp((-6 * DT) / 20), 15)
    // Post spike at step 12: potentiation by nuPost · pre(12) · post2(12, before reset).
    const w0 = weights[s0]
    stdp.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 12)
    expect(weights[s0]).toBeCloseTo(w0 + 0.01 * Math.exp((-4 * DT) / 20) * Math.exp((-10 * DT) / 40), 15)
    expect(weights[s1]).toBe(0.99995) // input 1 never fired: pre = 0
    // Clipping: a large potentiation stops at wMax, a large depression at 0.
    stdp.onInputSpikes(Int32Array.of(1), 0, 1, 13)
    const big = new TraceStdp(2, 1, 4, { ...p, nuPost: 10, nuPre: 10 })
    big.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 12) // sets post2 = 1 (pre is 0 everywhere yet)
    expect(weights[s1]).toBe(0.99995)
    big.onInputSpikes(Int32Array.of(1), 0, 1, 13)
    big.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 13)
    expect(weights[s1]).toBe(1)
    big.onPreArrivals(Int32Array.of(s1, s1 + 1), 1, synapses.post, weights, 14)
    expect(weights[s1]).toBe(0)
  })

  it('learns at factor × nuPre and nuPost after setRateFactor, as a rule built with those rates; factor 1 restores them', () => {
    const p = { dt: DT, ...PAPER.stdp }
    // The same events for a rule at factor 0.25 and one built with a quarter of the rates (0.25 scales exactly).
    function learn(stdp: TraceStdp) {
      const synapses = new DelayedSynapses(2, 1, [3, 0], 4)
      const weights = new Float64Array([0.5, 0.5])
      const arrive = (now: number) => stdp.onPreArrivals(Int32Array.of(synapses.synapseOf[0], synapses.synapseOf[0] + 1), 1, synapses.post, weights, now)
      stdp.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 2)
      stdp.onInputSpikes(Int32Array.of(0), 0, 1, 5)
      arrive(8)
      stdp.onPostSpike(0, synapses.synapseOf, synapses.delayOf, weights, 12)
      arrive(14)
      return { weights, arrive }
    }
    const scaled = new TraceStdp(2, 1, 4, p)
    scaled.setRateFactor(0.25)
    const quarter = learn(new TraceStdp(2, 1, 4, { ...p, nuPre: p.nuPre / 4, nuPost: p.nuPost / 4 }))
    const viaFactor = learn(scaled)
    expect(Array.from(viaFactor.weights)).toEqual(Array.from(quarter.weights))
    expect(viaFactor.weights[0]).not.toBe(learn(new TraceStdp(2, 1, 4, p)).weights[0])
    // A new factor within a step takes effect at the next arrival: the step's cached depression is recomputed.
    const before = viaFactor.weights[0]
    scaled.setRateFactor(1)
    viaFactor.arrive(14)
    expect(viaFactor.weights[0]).toBeCloseTo(before - p.nuPre * Math.exp((-2 * DT) / 20), 15)
  })
})

describe('Poisson input', () => {
  it('fires at rate pixel/255 · 63.75 Hz · intensity/2 on average, seeded', () => {
    const steps = 40000
    const pixels = Uint8Array.from({ length: 64 }, (_, i) => (i * 4) % 256)
    const train = new SpikeTrain(64, steps)
    const params = { maxRate: 63.75, intensity: 2, dt: DT }
    encodePoissonImage(pixels, 0, params, new Rng(7), train, new Float64Array(256))
    let expected = 0
    let variance = 0
    for (let h = 0; h < 64; h++) {
      const p = poissonStepChance(pixels[h], params)
      expected += p * steps
      variance += p * (1 - p) * steps
    }
    expect(poissonStepChance(255, params)).toBeCloseTo(63.75 * 0.5e-3, 15)
    expect(Math.abs(train.total - expected)).toBeLessThan(4 * Math.sqrt(variance))
    // Input 63 (pixel 252) alone: mean within 4σ as well; pixel 0 never fires.
    const p63 = poissonStepChance(252, params)
    expect(Math.abs(train.spikesOf(63) - p63 * steps)).toBeLessThan(4 * Math.sqrt(p63 * steps))
    expect(train.spikesOf(0)).toBe(0)
    // Intensity 4 doubles the rate; the same seed gives the same train.
    expect(poissonStepChance(100, { ...params, intensity: 4 })).toBeCloseTo(2 * poissonStepChance(100, params), 15)
    const again = new SpikeTrain(64, steps)
    encodePoissonImage(pixels, 0, params, new Rng(7), again, new Float64Array(256))
    expect(again.total).toBe(train.total)
    expect(again.inputTimes.subarray(0, again.total).every((t, k) => t === train.inputTimes[k])).toBe(true)
    expect(again.inputStart.every((k, h) => k === train.inputStart[h])).toBe(true)
  })
})

describe('delayed synapses', () => {
  it('deliver an input spike to each synapse exactly its delay later', () => {
    // 3 inputs × 4 neurons, delays d(i, j) = (i + 2j) mod 6, neuron-major.
    const delay = (i: number, j: number) => (i + 2 * j) % 6
    const delays = Array.from({ length: 12 }, (_, k) => delay(k % 3, Math.floor(k / 3)))
    const synapses = new DelayedSynapses(3, 4, delays, 5)
    const buffer = new DelayBuffer(synapses)
    const weights = Float64Array.from({ length: 12 }, (_, s) => 2 ** s) // one bit per synapse
    const ranges = new Int32Array(2 * synapses.slots * 3)
    const arrivedAt = new Map<number, number>()
    for (let now = 1; now <= 30; now++) {
      if (now === 4) buffer.push(now, Int32Array.of(0, 2), 0, 2)
      if (now === 9) buffer.push(now, Int32Array.of(1), 0, 1)
      const count = buffer.arrivals(now, ranges)
      const ge = new Float64Array(4)
      transmit(ranges, count, synapses.post, weights, ge)
      for (let r = 0; r < count; r++) for (let s = ranges[2 * r]; s < ranges[2 * r + 1]; s++) arrivedAt.set(s, now)
      expect(ge.reduce((a, b) => a + b, 0)).toBe([...arrivedAt].filter(([, t]) => t === now).reduce((a, [s]) => a + 2 ** s, 0))
    }
    for (let j = 0; j < 4; j++) {
      for (const [i, emitted] of [[0, 4], [2, 4], [1, 9]]) expect(arrivedAt.get(synapses.synapseOf[j * 3 + i])).toBe(emitted + delay(i, j))
    }
    expect(arrivedAt.size).toBe(12)
    expect(buffer.inFlightAfter(9 + 5)).toBe(false)
    expect(buffer.inFlightAfter(9 + 4)).toBe(true)
  })
})

describe('weight normalisation', () => {
  it('scales each neuron\'s incoming weights to sum to 78', () => {
    const rng = new Rng(2)
    const synapses = new DelayedSynapses(784, 5, Array.from({ length: 784 * 5 }, () => rng.nextInt(21)), 20)
    const weights = Float64Array.from({ length: 784 * 5 }, () => rng.uniform(0.003, 0.303))
    normalizeIncoming(weights, synapses.post, 78, new Float64Array(5))
    for (let j = 0; j < 5; j++) {
      let sum = 0
      for (let i = 0; i < 784; i++) sum += weights[synapses.synapseOf[j * 784 + i]]
      expect(sum).toBeCloseTo(78, 11)
    }
  })
})

describe('lazy weight normalisation', () => {
  function layout() {
    const rng = new Rng(4)
    const neurons = 6
    const synapses = new DelayedSynapses(784, neurons, Array.from({ length: 784 * neurons }, () => rng.nextInt(21)), 20)
    const weights = Float64Array.from({ length: 784 * neurons }, () => rng.uniform(0.003, 0.303))
    return { rng, neurons, synapses, weights }
  }

  it('normalises the flagged neurons bit for bit as the full pass does, and leaves the others', () => {
    const { neurons, synapses, weights } = layout()
    const full = weights.slice()
    normalizeIncoming(full, synapses.post, 78, new Float64Array(neurons))
    const lazy = weights.slice()
    const changed = Uint8Array.of(1, 0, 1, 1, 0, 1)
    normalizeChanged(lazy, synapses.synapseOf, 784, 78, 1, changed)
    for (let j = 0; j < neurons; j++) {
      for (let i = 0; i < 784; i++) {
        const s = synapses.synapseOf[j * 784 + i]
        expect(lazy[s]).toBe(j === 1 || j === 4 ? weights[s] : full[s])
      }
    }
    expect(Array.from(changed)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('skipping an unchanged neuron differs from normalising it again by rounding only; a weight left above wMax keeps the flag', () => {
    const { neurons, synapses, weights } = layout()
    normalizeIncoming(weights, synapses.post, 78, new Float64Array(neurons))
    const again = weights.slice()
    normalizeIncoming(again, synapses.post, 78, new Float64Array(neurons))
    for (let s = 0; s < weights.length; s++) expect(relative(again[s], weights[s])).toBeLessThan(1e-12)
    // One large weight: after scaling it is above wMax = 1, so the neuron stays flagged (its next arrival clips it).
    weights[synapses.synapseOf[2 * 784 + 5]] = 40
    const changed = new Uint8Array(neurons).fill(1)
    normalizeChanged(weights, synapses.synapseOf, 784, 78, 1, changed)
    expect(Array.from(changed)).toEqual([0, 0, 1, 0, 0, 0])
  })

  it('a network that renormalises only changed neurons learns as one that renormalises all before every image', () => {
    const mnist = loadBundledMnist()
    const build = () => createModelNetwork(config({ seed: 3, network: { layers: [{ neurons: 10 }] } }), 28, 28).network as DiehlCookNetwork
    const lazy = build()
    const full = build()
    let flagged = 0
    for (let i = 0; i < 12; i++) {
      flagged += lazy.stdp.weightsChanged.reduce((a, b) => a + b, 0)
      full.stdp.weightsChanged.fill(1)
      lazy.present(mnist.pixels, i * 784, true)
      full.present(mnist.pixels, i * 784, true)
      expect(Array.from(lazy.outputCounts)).toEqual(Array.from(full.outputCounts))
    }
    expect(flagged).toBeLessThan(12 * 10) // some were skipped
    const a = lazy.layers[0].getWeights()
    const b = full.layers[0].getWeights()
    for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(1e-12 * Math.abs(b[k]))
  })
})

describe('diehl-cook-2015 network', () => {
  const mnist = loadBundledMnist()

  function trainSome(input: ExperimentConfigInput, images: number, seed = 1) {
    const { network } = createModelNetwork(config({ seed, network: { layers: [{ neurons: 10 }] }, ...input }), 28, 28)
    const net = network as DiehlCookNetwork
    const counts: number[][] = []
    for (let i = 0; i < images; i++) {
      net.present(mnist.pixels, i * 784, true)
      counts.push(Array.from(net.outputCounts))
    }
    return { net, counts, weights: net.layers[0].getWeights() }
  }

  it('gives the same spikes and weights from the same seed, other ones from another seed', () => {
    const a = trainSome({}, 6)
    const b = trainSome({}, 6)
    expect(b.counts).toEqual(a.counts)
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights))
    expect(a.counts.flat().reduce((x, y) => x + y, 0)).toBeGreaterThan(0)
    expect(trainSome({}, 6, 2).counts).not.toEqual(a.counts)
  })

  it('shows an image again with intensity + 1 while it makes fewer than minSpikes spikes', () => {
    const { net } = trainSome({ diehlCook: { input: { minSpikes: 1000, maxPresentations: 3 } } }, 1)
    expect(net.presentations).toBe(3)
    expect(net.intensity).toBe(4)
  })

  it('ends quiet rest periods in closed form without changing what happens', () => {
    const skipped = trainSome({}, 8)
    const stepped = trainSome({ diehlCook: { skipQuietRest: false } }, 8)
    expect(skipped.counts).toEqual(stepped.counts)
    let worst = 0
    for (let k = 0; k < skipped.weights.length; k++) worst = Math.max(worst, Math.abs(skipped.weights[k] - stepped.weights[k]))
    expect(worst).toBeLessThan(1e-9)
    expect(skipped.net.now).toBe(stepped.net.now)
    for (let j = 0; j < 10; j++) expect(Math.abs(skipped.net.excitatory.potential[j] - stepped.net.excitatory.potential[j])).toBeLessThan(1e-6)
  })

  it.each([
    ['constant rates', {}],
    ['rates falling to 0.1 over training', { stdp: { finalRate: 0.1 } }]
  ])('resumes from a snapshot (weights, encoder state and model state) exactly: %s', (_, diehlCook) => {
    const c = config({
      network: { layers: [{ neurons: 6 }] },
      epochs: 2,
      snapshotEvery: 4,
      data: { classes: [0, 1], trainRange: [0, 24], testRange: [8000, 8010] },
      diehlCook
    })
    const data = loadInputs(c)
    const snapshots: WeightSnapshot[] = []
    const full = runExperiment(c, data, { onSnapshot: (s) => snapshots.push(s) })
    const from = snapshots.find((s) => s.step === 4)!
    expect(from.state?.['excitatory.theta']).toHaveLength(6)
    expect(from.state?.['stdp.weightsChanged']).toHaveLength(6)
    const resumed = runExperiment(c, { ...data, resume: { step: from.step, layers: from.layers, rng: from.rng, state: from.state } })
    expect(Array.from(resumed.layers[0].weights)).toEqual(Array.from(full.layers[0].weights))
    expect(resumed.evaluation).toEqual(full.evaluation)
  })

  it('a rate schedule multiplies nuPre and nuPost by finalRate^progress (or the linear ramp) before each training image', () => {
    const rateFactors = (stdp: Record<string, unknown>) => {
      const net = createModelNetwork(config({ network: { layers: [{ neurons: 3 }] }, diehlCook: { stdp } }), 28, 28).network as DiehlCookNetwork
      const factors: number[] = []
      net.stdp.setRateFactor = (factor: number) => void factors.push(factor)
      for (const done of [0, 50, 75]) net.setTrainingProgress(done, 100)
      return factors
    }
    expect(rateFactors({ finalRate: 0.25 })).toEqual([1, 0.5, 0.25 ** 0.75])
    expect(rateFactors({ finalRate: 0.25, rateDecay: 'linear' })).toEqual([1, 0.625, 0.4375])
    expect(rateFactors({})).toEqual([]) // finalRate 1: the configured rates, untouched
  })

  it('learns differently with a rate schedule, and the schedule follows the run\'s progress over all passes', () => {
    const run = (diehlCook: ExperimentConfigInput['diehlCook']) => {
      const c = config({ network: { layers: [{ neurons: 6 }] }, epochs: 2, data: { trainRange: [0, 8], testRange: [8000, 8004] }, diehlCook })
      const progress: number[] = []
      const result = runExperiment(c, loadInputs(c), { onPresentation: (_, p) => void progress.push(p.done) })
      return { weights: Array.from(result.layers[0].weights), progress }
    }
    const constant = run({})
    const falling = run({ stdp: { finalRate: 0.1 } })
    expect(falling.progress).toEqual(Array.from({ length: 16 }, (_, k) => k + 1))
    expect(falling.weights).not.toEqual(constant.weights)
    expect(run({ stdp: { finalRate: 1, rateDecay: 'linear' } }).weights).toEqual(constant.weights)
  })

  it('restores state saved without the normalisation flags by renormalising every neuron', () => {
    const { net } = trainSome({}, 2)
    const state = net.getModelState()
    expect(state['stdp.weightsChanged']).toHaveLength(10)
    delete state['stdp.weightsChanged']
    net.stdp.weightsChanged.fill(0)
    net.setModelState(state)
    expect(Array.from(net.stdp.weightsChanged)).toEqual(new Array(10).fill(1))
  })

  it('reports each presentation to the experiment loop: counts, spike times, membrane traces', () => {
    // The balanced set: images 0, 10 and 20 are the 0s among the first 30.
    const c = config({
      network: { layers: [{ neurons: 5 }] },
      data: { source: { kind: 'mnist-bundled' }, classes: [0], trainRange: [0, 30], testRange: [6630, 6640] }
    })
    const records: PresentationRecord[] = []
    const traces: number[] = []
    runExperiment(c, loadInputs(c), {
      recordSpikeTimes: true,
      traceNeurons: [0, 4],
      onTrace: (_image, membrane) => traces.push(membrane.length, membrane[0].length),
      onPresentation: (record) => {
        records.push(record)
      }
    })
    expect(records).toHaveLength(3)
    for (const r of records) {
      expect(r.spike_times!.map((times) => times.length)).toEqual(r.spike_counts)
      expect(r.spike_counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5)
      expect(r.winner).toBeGreaterThanOrEqual(0)
      expect(r.winner_t).toBe(Math.min(...r.spike_times!.flat()))
      expect(r.threshold).toBeGreaterThan(-52) // mean threshold θ − 20 − 52 mV, θ ≥ 20 after spikes
    }
    expect(traces).toEqual([2, 700, 2, 700, 2, 700])
  })

  it('learns digits 0–2: N = 20, ~300 training images, accuracy well above chance', () => {
    const started = performance.now()
    const c = config({
      network: { layers: [{ neurons: 20 }] },
      data: { classes: [0, 1, 2], trainRange: [0, 1000], testRange: [8000, 8500] }
    })
    const data = loadInputs(c)
    const digits0to2 = (first: number, end: number) => Array.from(data.source.labels.subarray(first, end)).filter((label) => label <= 2).length
    const result = runExperiment(c, data)
    const seconds = (performance.now() - started) / 1000
    const accuracy = result.evaluation!.accuracy
    console.log(
      `diehl-cook-2015 N=20, digits 0–2: ${result.presented} training images, ${result.evaluation!.testSamples} test images, ` +
        `accuracy ${(100 * accuracy).toFixed(1)}% (chance 33%), ${seconds.toFixed(1)} s`
    )
    expect(result.presented).toBe(digits0to2(0, 1000))
    expect(result.evaluation!.testSamples).toBe(digits0to2(8000, 8500))
    expect(accuracy).toBeGreaterThan(0.5)
  }, 60_000)
})
