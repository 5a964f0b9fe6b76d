import type { Rng } from '../random'
import type { SpikeTrain } from './spikeTrain'

/** Diehl & Cook's input: rates in Hz, dt in ms. */
export interface PoissonInputParams {
  /** Rate of a pixel of 255 at intensity 2 (Hz). */
  maxRate: number
  intensity: number
  dt: number
}

/** Firing chance per step of an input showing `pixel` (0..255): rate = pixel/255 · maxRate · intensity/2, times dt. */
export function poissonStepChance(pixel: number, p: PoissonInputParams): number {
  return Math.min(1, (pixel / 255) * p.maxRate * (p.intensity / 2) * (p.dt / 1000))
}

/**
 * Diehl & Cook's Poisson input, as Brian2's PoissonGroup makes it: input h fires at a step with
 * chance p_h = rate·dt, independently per step. Event-driven: the gaps between firing steps are
 * geometric, drawn one per spike (1 + floor(ln u / ln(1 − p)), u uniform in (0, 1]), inputs in
 * ascending order. Writes steps 1..out.steps of `out`. The same rng state gives the same train.
 */
export function encodePoissonImage(pixels: Uint8Array, offset: number, p: PoissonInputParams, rng: Rng, out: SpikeTrain, logMiss: Float64Array): void {
  const steps = out.steps
  // ln(1 − p) per grey level, for this intensity (256 entries, reused).
  for (let g = 0; g < 256; g++) logMiss[g] = Math.log1p(-poissonStepChance(g, p))
  out.begin()
  for (let h = 0; h < out.inputs; h++) {
    const pixel = pixels[offset + h]
    if (pixel === 0) continue
    const miss = logMiss[pixel]
    if (!(miss < 0)) continue
    let t = 0
    for (;;) {
      // ln(1 − p) = −∞ (p = 1) gives a gap of 1: a spike every step.
      t += 1 + Math.floor(Math.log(1 - rng.nextFloat()) / miss)
      if (t > steps) break
      out.add(h, t)
    }
  }
  out.finish()
}
