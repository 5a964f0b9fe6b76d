/**
 * The one API contract between the UI (or any client) and the workbench services. Each method
 * has an argument schema (validated at every boundary: IPC, WebSocket, CLI) and a result type;
 * each event has a payload type. The preload, the WebSocket bridge, the renderer's client and
 * the service implementation are all typed from these two maps, so the compiler checks every
 * call on every transport.
 */
import { z } from 'zod'
import { PRESET_NAMES, type ExperimentConfig } from './config'
import type { EvaluationPayload, LiveFrame } from './engineProtocol'
import { EXPORT_API_ARGS, EXPORT_API_EVENTS, type ExportApiEvents, type ExportApiResults } from './exportApi'
import { SWEEP_API_ARGS, SWEEP_API_EVENTS, type SweepApiEvents, type SweepApiResults } from './sweepApi'

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

const id = z.int().min(1)
const ids = z.array(id).min(1).max(10_000)
const paramKey = z.string().min(1).max(200)

/**
 * A runs-list filter on a flattened config parameter: equal to `value` (as stored text, e.g.
 * "learning.rate" = "0.02"), or a number within `min`…`max` (either bound may be left out;
 * runs whose value is not a number never match a range).
 */
export const PARAM_FILTER = z.union([
  z.strictObject({ key: paramKey, value: z.string().max(200) }),
  z
    .strictObject({ key: paramKey, min: z.number().optional(), max: z.number().optional() })
    .refine((range) => range.min !== undefined || range.max !== undefined, { message: 'a range needs min or max' })
])
export type ParamFilter = z.infer<typeof PARAM_FILTER>

export const RUN_SORTS = ['created', 'name', 'status', 'accuracy', 'param'] as const
export type RunSort = (typeof RUN_SORTS)[number]

export const API_ARGS = {
  'runs.create': z.strictObject({
    /** Validated against ExperimentConfigSchema by the service (its errors name the field). */
    config: z.unknown(),
    experiment: z.string().trim().min(1).max(200).optional()
  }),
  'runs.list': z
    .strictObject({
      /** Every filter must hold (ANDed); see PARAM_FILTER. */
      params: z.array(PARAM_FILTER).max(20).default([]),
      tag: z.string().max(100).optional(),
      status: z.enum(RUN_STATUSES).optional(),
      text: z.string().max(200).optional(),
      experimentId: id.optional(),
      /** `param`: by the value of parameter `sortParam` (numbers as numbers; runs without it last). */
      sort: z.enum(RUN_SORTS).default('created'),
      sortParam: paramKey.optional(),
      /** Parameters to return with each row (RunSummary.params), for extra list columns. */
      columns: z.array(paramKey).max(10).default([]),
      descending: z.boolean().default(true),
      offset: z.int().min(0).default(0),
      limit: z.int().min(1).max(1000).default(100)
    })
    .refine((args) => args.sort !== 'param' || args.sortParam !== undefined, { message: 'sort "param" needs sortParam', path: ['sortParam'] }),
  /** What the runs list can filter on: the parameter keys and tags present in the store. */
  'runs.filterOptions': z.strictObject({}),
  /** The values one parameter takes across the runs, for a filter picker. */
  'runs.paramValues': z.strictObject({ key: paramKey }),
  'runs.get': z.strictObject({ id }),
  'runs.cancel': z.strictObject({ id }),
  'runs.resume': z.strictObject({ id }),
  'runs.delete': z.strictObject({ ids }),
  'runs.tag': z.strictObject({ id, tag: z.string().trim().min(1).max(100), remove: z.boolean().default(false) }),
  'runs.note': z.strictObject({ id, text: z.string().max(100_000) }),
  'runs.metrics': z.strictObject({ id, keys: z.array(z.string().min(1).max(200)).max(50).optional() }),
  'runs.snapshots': z.strictObject({ id }),
  'runs.weights': z.strictObject({ id, step: z.int().min(0).optional(), layer: z.int().min(0).default(0) }),
  'runs.compare': z.strictObject({ ids: z.array(id).min(2).max(8) }),
  'experiments.list': z.strictObject({}),
  'config.defaults': z.strictObject({ preset: z.enum(PRESET_NAMES).default('seed-2017') }),
  ...SWEEP_API_ARGS,
  ...EXPORT_API_ARGS
} as const

export type ApiMethod = keyof typeof API_ARGS
export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_ARGS)[M]>
export type ApiParsedArgs<M extends ApiMethod> = z.output<(typeof API_ARGS)[M]>

export interface RunSummary {
  id: number
  name: string
  experimentId: number
  experiment: string
  status: RunStatus
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  seed: number
  preset: string
  /** Training images presented and planned (latest known). */
  done: number
  total: number
  accuracy: number | null
  tags: string[]
  error: string | null
  /** Values of the parameters asked for with runs.list `columns` (a run without one has no entry). */
  params?: Record<string, string>
}

export interface SnapshotInfo {
  step: number
  layer: number
  neurons: number
  inputs: number
}

export interface RunDetail extends RunSummary {
  config: ExperimentConfig
  configHash: string
  engineVersion: string
  note: string
  evaluation: EvaluationPayload | null
  classLabels: number[]
  snapshots: SnapshotInfo[]
  latestMetrics: Record<string, number>
  /** Image size of the first layer's inputs, for drawing weights. */
  inputShape: { width: number; height: number } | null
}

export interface MetricSeries {
  key: string
  steps: number[]
  values: number[]
}

export interface WeightsPayload extends SnapshotInfo {
  width: number | null
  height: number | null
  /** neurons × inputs, neuron-major. */
  weights: number[]
}

export interface ComparePayload {
  runs: RunSummary[]
  /** Parameters whose values differ between the runs (identical ones left out). */
  params: { key: string; values: (string | null)[] }[]
  /** How many parameters are identical across the runs (folded away). */
  identical: number
  /** Latest metric values per run. */
  metrics: { key: string; values: (number | null)[] }[]
}

export interface ParamValues {
  key: string
  /** Runs that have the parameter. */
  runs: number
  /** Every value is a number: the picker offers min/max. */
  numeric: boolean
  min: number | null
  max: number | null
  /** How many different values there are, and the most common ones (at most 50) with their run counts. */
  distinct: number
  values: { value: string; runs: number }[]
}

export interface ApiResults extends SweepApiResults, ExportApiResults {
  'runs.create': { id: number }
  'runs.list': { total: number; rows: RunSummary[] }
  'runs.filterOptions': { paramKeys: string[]; tags: string[] }
  'runs.paramValues': ParamValues
  'runs.get': RunDetail
  'runs.cancel': { status: RunStatus }
  'runs.resume': { id: number }
  'runs.delete': { deleted: number }
  'runs.tag': { tags: string[] }
  'runs.note': { note: string }
  'runs.metrics': { series: MetricSeries[] }
  'runs.snapshots': { snapshots: SnapshotInfo[] }
  'runs.weights': WeightsPayload
  'runs.compare': ComparePayload
  'experiments.list': { experiments: { id: number; name: string; runs: number }[] }
  'config.defaults': ExperimentConfig
}

export interface ApiEvents extends SweepApiEvents, ExportApiEvents {
  'run.status': { id: number; status: RunStatus; error: string | null }
  'run.progress': {
    id: number
    done: number
    total: number
    imagesPerSecond: number
    last: { image: number; label: number; winner: number; winnerStep: number; threshold: number; spikeCounts: number[] } | null
    traces: number[][] | null
    /** Live-view material (raster, input, winners, thresholds, weights), a few times a second; else null. */
    live: LiveFrame | null
  }
  'run.snapshot': { id: number; step: number }
}
export type ApiEvent = keyof ApiEvents

export const API_EVENTS: readonly ApiEvent[] = ['run.status', 'run.progress', 'run.snapshot', ...SWEEP_API_EVENTS, ...EXPORT_API_EVENTS]

export type ApiErrorCode = 'invalid-argument' | 'not-found' | 'conflict' | 'unavailable' | 'internal'

/** The only error type that crosses the API; `message` is one or more user-readable lines. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly code: ApiErrorCode,
    message: string
  ) {
    super(message)
  }
}

/** What a client holds: one async function per method, and event subscription. */
export type ApiClient = {
  [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResults[M]>
} & {
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
}

/** Validate untrusted arguments for `method`; throws ApiError('invalid-argument') naming the field. */
export function parseApiArgs<M extends ApiMethod>(method: M, args: unknown): ApiParsedArgs<M> {
  const schema = API_ARGS[method]
  if (!schema) throw new ApiError('invalid-argument', `unknown method ${JSON.stringify(method)}`)
  const result = schema.safeParse(args ?? {})
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${method}: ${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`)
    throw new ApiError('invalid-argument', lines.join('\n'))
  }
  return result.data as ApiParsedArgs<M>
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API_ARGS, name)
}

/** Wire format shared by the WebSocket bridge (IPC uses Electron's invoke with the same shapes). */
export type WireRequest = { id: number; method: string; args: unknown }
export type WireMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ApiErrorCode; message: string } }
  | { event: ApiEvent; payload: unknown }
