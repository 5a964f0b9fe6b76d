/** One run's page: its detail and metric series, kept current by the run's events. */
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { MetricSeries, RunDetail } from '@shared/api'
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
    }
    await refresh()
  }

  api.on('run.progress', (progress) => {
    if (progress.id !== id.value || !detail.value) return
    detail.value.done = progress.done
    detail.value.total = progress.total
    if (detail.value.status === 'queued') detail.value.status = 'running'
    imagesPerSecond.value = progress.imagesPerSecond
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

  return { id, detail, metrics, imagesPerSecond, loading, error, open, refresh }
})
