/** Runs compared side by side: their summary, differing parameters, metrics, evaluations and weights. */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ComparePayload, MetricSeries, RunDetail, WeightsPayload } from '@shared/api'
import { errorMessage, useApi } from '../api/client'

export const useCompareStore = defineStore('compare', () => {
  const api = useApi()
  const ids = ref<number[]>([])
  const comparison = shallowRef<ComparePayload | null>(null)
  const details = shallowRef<RunDetail[]>([])
  /** The snapshot step every gallery shows (null: each run's latest). */
  const step = ref<number | null>(null)
  const weights = shallowRef<(WeightsPayload | null)[]>([])
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** The metric overlaid across runs, and each run's series of it (null: the run has none). */
  const metricKey = ref('train.spikes')
  const metricSeries = shallowRef<(MetricSeries | null)[]>([])

  let ticket = 0
  async function open(runIds: number[]): Promise<void> {
    const mine = ++ticket
    ids.value = runIds
    loading.value = true
    try {
      const [result, runs] = await Promise.all([api['runs.compare']({ ids: runIds }), Promise.all(runIds.map((id) => api['runs.get']({ id })))])
      if (mine !== ticket) return
      comparison.value = result
      details.value = runs
      error.value = null
      await Promise.all([loadWeights(step.value), loadMetric(metricKey.value)])
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  /** Weights of every run at `at` (each run's latest when null or when a run has no such step). */
  async function loadWeights(at: number | null): Promise<void> {
    step.value = at
    const mine = ticket
    const loaded = await Promise.all(
      ids.value.map(async (id, i) => {
        const steps = details.value[i]?.snapshots.map((s) => s.step) ?? []
        const useStep = at !== null && steps.includes(at) ? at : undefined
        try {
          return await api['runs.weights']({ id, step: useStep, layer: 0 })
        } catch {
          return null
        }
      })
    )
    if (mine === ticket) weights.value = loaded
  }

  /** Every run's series of metric `key`, to draw them over each other. */
  async function loadMetric(key: string): Promise<void> {
    metricKey.value = key
    const mine = ticket
    const loaded = await Promise.all(
      ids.value.map(async (id) => {
        try {
          const { series } = await api['runs.metrics']({ id, keys: [key] })
          return series[0] ?? null
        } catch {
          return null
        }
      })
    )
    if (mine === ticket && metricKey.value === key) metricSeries.value = loaded
  }

  return { ids, comparison, details, step, weights, metricKey, metricSeries, error, loading, open, loadWeights, loadMetric }
})
