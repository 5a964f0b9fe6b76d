/**
 * The export/import part of the API contract (see api.ts, which merges it): quantization
 * preview, writing hardware weight files, importing weights trained elsewhere.
 *
 * The names and limits below mirror src/engine/export (shared may not import the engine); the
 * services check the rest (a layer that exists, a snapshot that exists, the file's shape).
 */
import { z } from 'zod'

export const EXPORT_ROUNDINGS = ['nearest-even', 'toward-zero', 'floor'] as const
export const EXPORT_SCALES = ['per-tensor', 'per-neuron'] as const
export const EXPORT_FILE_FORMATS = ['mem', 'memb', 'coe', 'mif', 'c', 'npy', 'csv', 'txt', 'json', 'nir'] as const
export const EXPORT_LAYOUTS = ['neuron-major', 'input-major'] as const
export const IMPORT_FORMATS = ['txt', 'csv', 'npy', 'json'] as const
export type ExportFileFormat = (typeof EXPORT_FILE_FORMATS)[number]
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** Word widths a Q format may have (words travel in 32-bit integers). */
export const Q_MIN_WORD_BITS = 2
export const Q_MAX_WORD_BITS = 32

/** The usual word sizes; Q12.12 is the seed model's hardware. */
export const Q_FORMAT_PRESETS = [
  { label: 'Q4.4 (8-bit)', intBits: 4, fracBits: 4 },
  { label: 'Q8.8 (16-bit)', intBits: 8, fracBits: 8 },
  { label: 'Q12.12 (24-bit)', intBits: 12, fracBits: 12 },
  { label: 'Q16.16 (32-bit)', intBits: 16, fracBits: 16 }
] as const

/** Why `intBits`.`fracBits` is not a usable word format, or null when it is. */
export function qFormatProblem(intBits: number, fracBits: number): string | null {
  if (!Number.isInteger(intBits) || intBits < 1) return 'integer bits must be a whole number ≥ 1 (the sign bit)'
  if (!Number.isInteger(fracBits) || fracBits < 0) return 'fraction bits must be a whole number ≥ 0'
  const bits = intBits + fracBits
  if (bits > Q_MAX_WORD_BITS) return `Q${intBits}.${fracBits} is ${bits} bits; I + F must be at most ${Q_MAX_WORD_BITS}`
  if (bits < Q_MIN_WORD_BITS) return `Q${intBits}.${fracBits} is ${bits} bit; I + F must be at least ${Q_MIN_WORD_BITS}`
  return null
}

const QFormatSchema = z
  .strictObject({ intBits: z.int().min(1).max(32), fracBits: z.int().min(0).max(31) })
  .superRefine((q, context) => {
    const problem = qFormatProblem(q.intBits, q.fracBits)
    if (problem) context.addIssue({ code: 'custom', message: problem })
  })

/** How weights become words; independent of the file format. */
const quantizationFields = {
  runId: z.int().min(1),
  /** Snapshot step; default: the latest with every layer. */
  step: z.int().min(0).optional(),
  layer: z.int().min(0).default(0),
  q: QFormatSchema,
  rounding: z.enum(EXPORT_ROUNDINGS).default('nearest-even'),
  /** false: out-of-range words wrap around (two's complement overflow) instead of clamping. */
  saturate: z.boolean().default(true),
  scale: z.enum(EXPORT_SCALES).default('per-tensor'),
  /** Width of the integer model's potentials; default 32 (at least the word width). */
  accumulatorBits: z.int().min(2).max(32).optional(),
  labels: z.enum(['fixed', 'float']).default('fixed')
}

/** A client's name for its preview stream: a newer preview with the same key cancels the older one. */
const previewKey = z.string().trim().min(1).max(100)

/** Base64 of at most 48 MiB of file. */
const base64 = z
  .string()
  .min(1)
  .max(64 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')

export const EXPORT_API_ARGS = {
  'export.preview': z.strictObject({
    ...quantizationFields,
    /** Also run the run's test images through the float and the integer model (slower). */
    evaluate: z.boolean().default(false),
    previewKey: previewKey.optional()
  }),
  'export.cancel': z.strictObject({ previewKey }),
  'export.write': z.strictObject({
    ...quantizationFields,
    format: z.enum(EXPORT_FILE_FORMATS),
    layout: z.enum(EXPORT_LAYOUTS).default('neuron-major'),
    /** One file per neuron instead of one for the matrix. */
    perNeuronFiles: z.boolean().default(false)
  }),
  'runs.import': z.strictObject({
    format: z.enum(IMPORT_FORMATS),
    /** The new run's name. */
    name: z.string().trim().min(1).max(200),
    /** The file's own name (shown in errors and in the run's note). */
    fileName: z.string().trim().min(1).max(260),
    content: base64,
    /** A full experiment config (one seed-2017 layer of the file's shape) … */
    config: z.unknown().optional(),
    /** … or the seed-2017 preset with these classes (neurons: the file's rows). */
    classes: z.array(z.int().min(0).max(65535)).min(1).max(100).optional(),
    experiment: z.string().trim().min(1).max(200).optional()
  })
} as const

export interface QuantizationHistogram {
  /** Bin edges span [min, max] of the (per-neuron scaled) weights. */
  min: number
  max: number
  counts: number[]
  /** What a word holds, in the same units. */
  representableMin: number
  representableMax: number
}

export interface QuantizationSummary {
  count: number
  maxAbsError: number
  meanAbsError: number
  /** Weights beyond the word range (clamped, or wrapped when saturate is off). */
  saturated: number
  saturatedLow: number
  saturatedHigh: number
  /** Out-of-range weights per neuron (all zeros when none). */
  saturatedByNeuron: number[]
  flushedToZero: number
  /** Largest |scaled w| as a share of the largest word (above 1: out of range). */
  rangeUsed: number
  histogram: QuantizationHistogram
}

/** Which images the float-vs-fixed comparison ran on. */
export interface ComparisonImages {
  /** Test images scored (the training images only label the neurons). */
  test: number
  /** Training images whose responses labelled the neurons. */
  train: number
  classes: number[]
  /** Test images per class, in `classes` order. */
  perClass: number[]
  /** Where the test images come from, for people ("the bundled MNIST digits"). */
  source: string
}

export interface FloatVsFixed {
  labelSource: 'fixed' | 'float'
  floatAccuracy: number
  fixedAccuracy: number
  winnerAgreement: number
  predictionAgreement: number
  identicalCounts: number
  images: ComparisonImages
}

export interface ExportPreviewResult {
  runId: number
  step: number
  layer: number
  layers: number
  neurons: number
  inputs: number
  /** "Q12.12". */
  q: string
  intBits: number
  fracBits: number
  wordBits: number
  rounding: (typeof EXPORT_ROUNDINGS)[number]
  saturate: boolean
  scale: (typeof EXPORT_SCALES)[number]
  accumulatorBits: number
  /**
   * The comparison's fixed-point side for this run's model: 'integer', a bit-accurate integer
   * model of the neurons (seed-2017; accumulatorBits applies to it); 'quantized-weights', the float
   * model with the quantized weights (diehl-cook-2015, whose conductance neurons have no integer
   * model here).
   */
  fixedModel: 'integer' | 'quantized-weights'
  quantization: QuantizationSummary
  /** Per-neuron scale factors (null per-tensor). */
  scales: number[] | null
  comparison: FloatVsFixed | null
  /** Why there is no comparison: 'not requested', no test images, another preset… */
  comparisonSkipped: string | null
  warnings: string[]
  elapsedMs: number
}

export interface ExportedFile {
  name: string
  /** The file's bytes, base64. */
  content: string
  bytes: number
}

export interface ExportApiResults {
  'export.preview': ExportPreviewResult
  'export.cancel': { cancelled: boolean }
  'export.write': { files: ExportedFile[]; q: string; step: number; warnings: string[] }
  'runs.import': {
    id: number
    neurons: number
    inputs: number
    source: 'weights' | 'fixed-point export'
    accuracy: number
  }
}

export interface ExportApiEvents {
  /** How far an evaluating preview is: images presented to both models, of all it will present. */
  'export.progress': { previewKey: string; runId: number; done: number; total: number }
}

export const EXPORT_API_EVENTS: readonly (keyof ExportApiEvents)[] = ['export.progress']
