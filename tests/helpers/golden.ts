/** The reference test vectors of ../shared/spec/golden, and the config that replays them. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface GoldenPresentation {
  epoch: number
  image: number
  threshold: number
  winner: number
  winner_t: number
  spike_counts: number[]
  spike_times: number[][]
  weight_sums_after: number[]
}

export interface GoldenCase {
  case: string
  params: Record<string, number | string | boolean | number[] | number[][]> & { n: number; T: number; epochs: number }
  images: { digit: number; mnist_json_index: number; pixels: number[][] }[]
  presentation_order: [number, number][]
  rl_table: Record<string, number>
  initial_weights: number[][]
  final_weights: number[][]
  first_image: { rf_potential: number[]; spike_train: [number, number][]; pot_trace_neuron0: number[]; pot_traces_all: number[][] }
  presentations: GoldenPresentation[]
}

export const GOLDEN_CASES = ['A', 'B'] as const

export function loadGolden(name: (typeof GOLDEN_CASES)[number]): GoldenCase {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'golden', `case_${name}.json`), 'utf8')) as GoldenCase
}

/** A complete experiment config (as a user would write it) that replays a golden case. */
export function goldenConfig(g: GoldenCase): Record<string, unknown> {
  const p = g.params as unknown as Record<string, never>
  const epochs = g.params.epochs
  const firstEpoch = g.presentation_order.filter(([e]) => e === 0).map(([, i]) => i)
  for (let e = 1; e < epochs; e++) {
    const order = g.presentation_order.filter(([ep]) => ep === e).map(([, i]) => i)
    if (JSON.stringify(order) !== JSON.stringify(firstEpoch)) throw new Error('golden epochs present images in different orders')
  }
  return {
    name: `golden-${g.case}`,
    seed: p.init_seed,
    steps: p.T,
    epochs,
    data: {
      source: { kind: 'inline', width: p.pixel_x, height: p.pixel_x, images: g.images.map((im) => ({ label: im.digit, pixels: im.pixels })) },
      order: firstEpoch,
      testPerClass: 0,
      shuffle: 'none'
    },
    encoder: { kind: 'deterministic', receptiveField: p.rf_kernel, interpXp: p.encode_interp_xp, interpFp: p.encode_interp_fp, periodNumerator: p.encode_period_numerator },
    network: { layers: [{ neurons: p.n }] },
    neuron: { restPotential: p.Prest, minPotential: p.Pmin, leak: p.D, refractorySteps: p.t_ref },
    threshold: { mode: p.threshold_mode, fixed: p.Pth, divisor: 3, scale: p.scale },
    inhibition: { kind: 'winner-take-all', potential: p.inhibit_potential },
    learning: {
      enabled: p.learning,
      softBound: 'seed',
      aPlus: p.A_plus,
      aMinus: p.A_minus,
      tauPlus: p.tau_plus,
      tauMinus: p.tau_minus,
      windowBefore: -p.t_back,
      windowAfter: p.t_fore,
      rate: p.sigma,
      wMax: p.w_max,
      wMin: p.w_min,
      silentDepression: p.silent_depression,
      scale: p.scale
    },
    init: { kind: 'inline', weights: [g.initial_weights] },
    evaluation: { enabled: false }
  }
}
