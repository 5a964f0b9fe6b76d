import { describe, it, expect } from 'vitest'
import { WinnerTakeAll } from '../../src/engine/inhibition/winnerTakeAll'
import { SeedLifNeurons, type SeedLifParams } from '../../src/engine/neurons/seedLif'

const SEED: SeedLifParams = { restPotential: 0, minPotential: -5, leak: 0.75, refractorySteps: 30 }
const f64 = (values: number[]): Float64Array => Float64Array.from(values)

/** Neurons whose potentials (and last integrated values) are set directly. */
function withPotentials(values: number[], params: SeedLifParams = SEED): SeedLifNeurons {
  const neurons = new SeedLifNeurons(values.length, params)
  neurons.potential.set(values)
  neurons.lastIntegrated.set(values)
  return neurons
}

describe('SeedLifNeurons: integration and leak', () => {
  it('starts every neuron at Prest, not refractory', () => {
    const neurons = new SeedLifNeurons(3, { ...SEED, restPotential: 0.5 })
    expect(Array.from(neurons.potential)).toEqual([0.5, 0.5, 0.5])
    expect(Array.from(neurons.lastIntegrated)).toEqual([0.5, 0.5, 0.5])
    expect(neurons.integrates(0, 0)).toBe(true)
    expect(neurons.integrates(2, 1)).toBe(true)
  })

  it('adds the drive, then leaks D while above rest', () => {
    const neurons = new SeedLifNeurons(1, SEED)
    neurons.integrate(1, f64([2]))
    expect(neurons.potential[0]).toBe(1.25) // 0 + 2 − 0.75
    expect(neurons.lastIntegrated[0]).toBe(1.25)
    neurons.integrate(2, f64([0]))
    expect(neurons.potential[0]).toBe(0.5)
    // Still above rest before the leak: the leak may take it below rest (0.5 − 0.75).
    neurons.integrate(3, f64([0]))
    expect(neurons.potential[0]).toBe(-0.25)
  })

  it('does not leak at or below rest', () => {
    const neurons = new SeedLifNeurons(3, SEED)
    neurons.integrate(1, f64([0, -1, 0.75]))
    // 0 stays 0 (not > rest); −1 stays −1; 0.75 > 0 leaks to exactly 0.
    expect(Array.from(neurons.potential)).toEqual([0, -1, 0])
    neurons.integrate(2, f64([0, 0, 0]))
    expect(Array.from(neurons.potential)).toEqual([0, -1, 0])
  })

  it('leaks relative to a non-zero rest potential', () => {
    const neurons = new SeedLifNeurons(2, { ...SEED, restPotential: 1 })
    neurons.integrate(1, f64([0.5, -0.5]))
    // 1.5 > 1 leaks to 0.75; 0.5 is below rest and does not leak.
    expect(Array.from(neurons.potential)).toEqual([0.75, 0.5])
  })
})

describe('SeedLifNeurons: firing, reset and refractory period', () => {
  it('spikes at P ≥ threshold (equality included), resets to Prest and lists spikers ascending', () => {
    const neurons = withPotentials([50, 49.999, 60, 10])
    const spiked = new Int32Array(4)
    const count = neurons.fire(7, 50, spiked)
    expect(count).toBe(2)
    expect(Array.from(spiked.subarray(0, count))).toEqual([0, 2])
    expect(Array.from(neurons.potential)).toEqual([0, 49.999, 0, 10])
  })

  it('ignores input until t + t_ref after a spike at t, and integrates again at t + t_ref + 1', () => {
    const neurons = withPotentials([60, 0])
    const spiked = new Int32Array(2)
    expect(neurons.fire(5, 50, spiked)).toBe(1)
    expect(neurons.integrates(0, 6)).toBe(false)
    expect(neurons.integrates(0, 35)).toBe(false)
    expect(neurons.integrates(0, 36)).toBe(true)
    expect(neurons.integrates(1, 6)).toBe(true)
    for (let t = 6; t <= 35; t++) neurons.integrate(t, f64([10, 0]))
    expect(neurons.potential[0]).toBe(0)
    // lastIntegrated keeps the value from before the spike while refractory.
    expect(neurons.lastIntegrated[0]).toBe(60)
    neurons.integrate(36, f64([10, 0]))
    expect(neurons.potential[0]).toBe(9.25)
    expect(neurons.lastIntegrated[0]).toBe(9.25)
  })

  it('does not spike again while refractory, even when above threshold', () => {
    const neurons = withPotentials([60])
    const spiked = new Int32Array(1)
    expect(neurons.fire(1, 50, spiked)).toBe(1)
    neurons.potential[0] = 70 // e.g. set from outside
    // fire() checks potentials only; the refractory period is enforced by not integrating.
    for (let t = 2; t <= 31; t++) neurons.integrate(t, f64([100]))
    expect(neurons.potential[0]).toBe(70)
  })

  it('with t_ref = 0 integrates again on the very next step', () => {
    const neurons = withPotentials([60], { ...SEED, refractorySteps: 0 })
    neurons.fire(4, 50, new Int32Array(1))
    expect(neurons.integrates(0, 4)).toBe(false)
    expect(neurons.integrates(0, 5)).toBe(true)
  })

  it('snaps P < Pmin to Prest, including the −500 inhibition, but keeps P = Pmin', () => {
    const neurons = withPotentials([-500, -5.000001, -5, -4.9])
    const spiked = new Int32Array(4)
    expect(neurons.fire(3, 50, spiked)).toBe(0)
    expect(Array.from(neurons.potential)).toEqual([0, 0, -5, -4.9])
    // Snapping is not a spike: no refractory period.
    expect(neurons.integrates(0, 4)).toBe(true)
  })

  it('resetForSample restores Prest, clears lastIntegrated and the refractory state', () => {
    const neurons = withPotentials([60, -3])
    neurons.fire(10, 50, new Int32Array(2))
    neurons.potential[1] = 7
    neurons.resetForSample()
    expect(Array.from(neurons.potential)).toEqual([0, 0])
    expect(Array.from(neurons.lastIntegrated)).toEqual([0, 0])
    expect(neurons.integrates(0, 1)).toBe(true)
    // t_rest = −1: even t = 0 integrates.
    expect(neurons.integrates(0, 0)).toBe(true)
  })
})

describe('WinnerTakeAll', () => {
  it('needs the last integrated potential strictly above the threshold', () => {
    const neurons = withPotentials([50, 49, 12])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(4, neurons, 50)
    expect(wta.winner).toBe(-1)
    expect(wta.winnerStep).toBe(-1)
    expect(Array.from(neurons.potential)).toEqual([50, 49, 12])
    neurons.lastIntegrated[1] = 50.000001
    wta.apply(5, neurons, 50)
    expect(wta.winner).toBe(1)
    expect(wta.winnerStep).toBe(5)
  })

  it('sets every other neuron to the inhibit potential and leaves the winner alone', () => {
    const neurons = withPotentials([10, 70, 55, -2])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(9, neurons, 50)
    expect(wta.winner).toBe(1)
    expect(Array.from(neurons.potential)).toEqual([-500, 70, -500, -500])
    // The −500 is undone by the same step's spike check (P < Pmin → Prest); the winner fires.
    const spiked = new Int32Array(4)
    expect(neurons.fire(9, 50, spiked)).toBe(1)
    expect(spiked[0]).toBe(1)
    expect(Array.from(neurons.potential)).toEqual([0, 0, 0, 0])
  })

  it('gives ties to the first argmax', () => {
    const neurons = withPotentials([10, 60, 60, 60])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(1, neurons, 50)
    expect(wta.winner).toBe(1)
    const first = withPotentials([60, 60])
    const wta2 = new WinnerTakeAll(true, -500)
    wta2.apply(1, first, 50)
    expect(wta2.winner).toBe(0)
  })

  it('picks the maximum, not the first neuron above the threshold', () => {
    const neurons = withPotentials([51, 52, 80, 79])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(1, neurons, 50)
    expect(wta.winner).toBe(2)
  })

  it('compares last integrated values, not current potentials', () => {
    const neurons = withPotentials([0, 0])
    neurons.lastIntegrated.set([60, 10])
    neurons.potential.set([0, 90])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(1, neurons, 50)
    expect(wta.winner).toBe(0)
    expect(Array.from(neurons.potential)).toEqual([0, -500])
  })

  it('acts only once per sample, until resetForSample', () => {
    const neurons = withPotentials([60, 10])
    const wta = new WinnerTakeAll(true, -500)
    wta.apply(3, neurons, 50)
    expect(wta.winner).toBe(0)
    neurons.potential.set([0, 90])
    neurons.lastIntegrated.set([0, 90])
    wta.apply(4, neurons, 50)
    expect(wta.winner).toBe(0)
    expect(wta.winnerStep).toBe(3)
    expect(Array.from(neurons.potential)).toEqual([0, 90])
    wta.resetForSample()
    expect(wta.winner).toBe(-1)
    expect(wta.winnerStep).toBe(-1)
    wta.apply(5, neurons, 50)
    expect(wta.winner).toBe(1)
    expect(Array.from(neurons.potential)).toEqual([-500, 90])
  })

  it("'none' (suppress = false) detects the winner without changing potentials", () => {
    const neurons = withPotentials([10, 70, 55])
    const wta = new WinnerTakeAll(false, -500)
    wta.apply(2, neurons, 50)
    expect(wta.winner).toBe(1)
    expect(wta.winnerStep).toBe(2)
    expect(Array.from(neurons.potential)).toEqual([10, 70, 55])
  })

  it('uses the configured inhibit potential', () => {
    const neurons = withPotentials([70, 3])
    new WinnerTakeAll(true, -2).apply(1, neurons, 50)
    expect(Array.from(neurons.potential)).toEqual([70, -2])
    // −2 is not below Pmin (−5), so it survives the spike check.
    neurons.fire(1, 50, new Int32Array(2))
    expect(neurons.potential[1]).toBe(-2)
  })
})
