/** One run's page: its detail and metric series, kept current by the run's events. */
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { ApiEvents, MetricSeries, RunDetail, WeightsPayload } from '@shared/api'
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
  /** The latest presentation while training (winner, threshold, membrane traces): the live view. */
  const live = shallowRef<ApiEvents['run.progress'] | null>(null)
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
    if (progress.traces) live.value = progress
  })
  api.on('run.snapshot', (snapshot) => {
    if (snapshot.id !== id.value) return
    void loadSnapshots().then(() => {
      if (followLatest) void loadWeights()
    })
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
  watch(connection, (state) => {
    if (state === 'open' && id.value !== null) void refresh()
  })

  return { id, detail, metrics, imagesPerSecond, loading, error, live, snapshotSteps, galleryStep, weights, weightsError, open, refresh, showSnapshot }
})
