/** One run's page: its detail and metric series, kept current by the run's events. */
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { ApiEvents, MetricSeries, RunDetail, WeightsPayload } from '@shared/api'
import type { LiveFrame } from '@shared/engineProtocol'
import { connection, errorMessage, useApi } from '../api/client'
import { isFinal } from './runs'

export const useRunStore = defineStore('run', () => {
  const api = useApi()

  const id = ref<number | null>(null)
  const detail = ref<RunDetail | null>(null)
  const metrics = shallowRef<MetricSeries[]>([])
  /** Latest training speed while the run is running. */
  const imagesPerSecond = ref<number | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** The latest live frame while training (raster, input, winners, thresholds, membrane traces): the live view. */
  const live = shallowRef<ApiEvents['run.progress'] | null>(null)
  /** The newest streamed weights, decoded (neuron-major), and the training step they are from. */
  const liveWeights = shallowRef<{ neurons: number; inputs: number; values: Float32Array; step: number } | null>(null)
  /** The output layer's (mean) threshold over training, one point per progress event (bounded). */
  const thresholdHistory = shallowRef<{ steps: number[]; values: number[] }>({ steps: [], values: [] })
  /** Training steps that have weight snapshots, ascending, and the one the gallery shows. */
  const snapshotSteps = ref<number[]>([])
  const galleryStep = ref<number | null>(null)
  const weights = shallowRef<WeightsPayload | null>(null)
  const weightsError = ref<string | null>(null)
  /** The gallery shows the newest snapshot until the user picks another one. */
  let followLatest = true

  /** The user picked snapshot `step` on the slider. */
  function showSnapshot(step: number): void {
    followLatest = step === snapshotSteps.value[snapshotSteps.value.length - 1]
    void loadWeights(step)
  }

  let weightsTicket = 0
  /** Load layer-0 weights at `step` (default: the latest snapshot) for the gallery. */
  async function loadWeights(step?: number): Promise<void> {
    const runId = id.value
    if (runId === null) return
    const mine = ++weightsTicket
    try {
      const payload = await api['runs.weights']({ id: runId, step, layer: 0 })
      if (mine !== weightsTicket || runId !== id.value) return
      weights.value = payload
      galleryStep.value = payload.step
      weightsError.value = null
    } catch (e) {
      if (mine === weightsTicket) weightsError.value = errorMessage(e)
    }
  }

  async function loadSnapshots(): Promise<void> {
    const runId = id.value
    if (runId === null) return
    const { snapshots } = await api['runs.snapshots']({ id: runId })
    if (runId !== id.value) return
    snapshotSteps.value = [...new Set(snapshots.filter((s) => s.layer === 0).map((s) => s.step))].sort((a, b) => a - b)
  }

  let ticket = 0
  async function refresh(): Promise<void> {
    const runId = id.value
    if (runId === null) return
    const mine = ++ticket
    loading.value = true
    try {
      const [run, { series }] = await Promise.all([api['runs.get']({ id: runId }), api['runs.metrics']({ id: runId })])
      if (mine !== ticket) return
      detail.value = run
      metrics.value = series
      error.value = null
      const steps = [...new Set(run.snapshots.filter((s) => s.layer === 0).map((s) => s.step))].sort((a, b) => a - b)
      snapshotSteps.value = steps
      if (steps.length > 0 && (followLatest || weights.value === null)) void loadWeights()
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  /** Show run `runId` (drops what was shown before). */
  async function open(runId: number): Promise<void> {
    if (id.value !== runId) {
      id.value = runId
      detail.value = null
      metrics.value = []
      imagesPerSecond.value = null
      error.value = null
      live.value = null
      liveWeights.value = null
      thresholdHistory.value = { steps: [], values: [] }
      snapshotSteps.value = []
      galleryStep.value = null
      weights.value = null
      weightsError.value = null
      followLatest = true
    }
    await refresh()
  }

  api.on('run.progress', (progress) => {
    if (progress.id !== id.value || !detail.value) return
    detail.value.done = progress.done
    detail.value.total = progress.total
    if (detail.value.status === 'queued') detail.value.status = 'running'
    imagesPerSecond.value = progress.imagesPerSecond
    // Everything the live view draws changes with live frames only (a few a second), not with every progress event.
    if (progress.live) {
      live.value = progress
      if (progress.live.weights) liveWeights.value = { ...decodeWeights(progress.live.weights), step: progress.done }
      if (progress.last) thresholdHistory.value = appendBounded(thresholdHistory.value, progress.done, progress.last.threshold)
    }
  })
  // A fast run snapshots several times a second: reload the slider and gallery at most every SNAPSHOT_RELOAD_MS.
  let snapshotTimer: ReturnType<typeof setTimeout> | null = null
  let snapshotsLoadedAt = -Infinity
  function reloadSnapshots(): void {
    snapshotTimer = null
    snapshotsLoadedAt = Date.now()
    void loadSnapshots().then(() => {
      if (followLatest) void loadWeights()
    })
  }
  api.on('run.snapshot', (snapshot) => {
    if (snapshot.id !== id.value || snapshotTimer) return
    snapshotTimer = setTimeout(reloadSnapshots, Math.max(0, snapshotsLoadedAt + SNAPSHOT_RELOAD_MS - Date.now()))
  })
  api.on('run.status', (status) => {
    if (status.id !== id.value) return
    if (detail.value) {
      detail.value.status = status.status
      detail.value.error = status.error
    }
    if (status.status !== 'running') imagesPerSecond.value = null
    // Evaluation, accuracy and final metrics arrive with the end of the run.
    if (isFinal(status.status)) void refresh()
  })
  /** Add or remove tag `tag`; the run's tags as the store has them afterwards. */
  async function tag(name: string, remove = false): Promise<void> {
    const runId = id.value
    if (runId === null) return
    const { tags } = await api['runs.tag']({ id: runId, tag: name, remove })
    if (runId === id.value && detail.value) detail.value = { ...detail.value, tags }
  }

  async function saveNote(text: string): Promise<void> {
    const runId = id.value
    if (runId === null) return
    const { note } = await api['runs.note']({ id: runId, text })
    if (runId === id.value && detail.value) detail.value = { ...detail.value, note }
  }

  /** Train the same config again as a new run (in the same experiment); its id. */
  async function rerun(): Promise<number> {
    const run = detail.value
    if (!run) throw new Error('no run is open')
    const { id: newId } = await api['runs.create']({ config: run.config, experiment: run.experiment })
    return newId
  }

  watch(connection, (state) => {
    if (state === 'open' && id.value !== null) void refresh()
  })

  return {
    id,
    detail,
    metrics,
    imagesPerSecond,
    loading,
    error,
    live,
    liveWeights,
    thresholdHistory,
    snapshotSteps,
    galleryStep,
    weights,
    weightsError,
    open,
    refresh,
    showSnapshot,
    tag,
    saveNote,
    rerun
  }
})

/** Streamed weights (bytes over [min, max], base64) back to values. */
export function decodeWeights(frame: NonNullable<LiveFrame['weights']>): { neurons: number; inputs: number; values: Float32Array } {
  const binary = atob(frame.base64)
  const values = new Float32Array(binary.length)
  const step = (frame.max - frame.min) / 255
  for (let i = 0; i < binary.length; i++) values[i] = frame.min + binary.charCodeAt(i) * step
  return { neurons: frame.neurons, inputs: frame.inputs, values }
}

const HISTORY_POINTS = 600
const SNAPSHOT_RELOAD_MS = 2000

/** `series` plus (step, value); past HISTORY_POINTS every other point is dropped, so long runs stay cheap. */
function appendBounded(series: { steps: number[]; values: number[] }, step: number, value: number): { steps: number[]; values: number[] } {
  if (series.steps.length > 0 && series.steps[series.steps.length - 1] === step) return series
  let { steps, values } = series
  if (steps.length >= HISTORY_POINTS) {
    steps = steps.filter((_, i) => i % 2 === 1)
    values = values.filter((_, i) => i % 2 === 1)
  }
  return { steps: [...steps, step], values: [...values, value] }
}
