/**
 * The runs list: the current query, its rows, and live progress merged in from `run.progress`
 * and `run.status` events; the actions that change runs (create, cancel, resume, remove).
 */
import { defineStore } from 'pinia'
import { reactive, ref, watch } from 'vue'
import type { ApiArgs, RunStatus, RunSummary } from '@shared/api'
import { connection, errorMessage, useApi } from '../api/client'

export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled']
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status)

/** Wait this long after a status change before reloading, so a burst of them costs one request. */
const RELOAD_DELAY_MS = 200

export const useRunsStore = defineStore('runs', () => {
  const api = useApi()

  const query = ref<ApiArgs<'runs.list'>>({ sort: 'created', descending: true, limit: 100 })
  const rows = ref<RunSummary[]>([])
  const total = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Training speed of running runs (images per second), from progress events. */
  const imagesPerSecond = reactive(new Map<number, number>())

  let ticket = 0
  async function load(): Promise<void> {
    const mine = ++ticket
    loading.value = true
    try {
      const result = await api['runs.list'](query.value)
      if (mine !== ticket) return // a newer load has started; its answer wins
      rows.value = result.rows
      total.value = result.total
      error.value = null
      loaded.value = true
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  let reloadTimer: ReturnType<typeof setTimeout> | null = null
  function reloadSoon(): void {
    if (!loaded.value || reloadTimer) return
    reloadTimer = setTimeout(() => {
      reloadTimer = null
      void load()
    }, RELOAD_DELAY_MS)
  }

  const rowOf = (id: number) => rows.value.find((row) => row.id === id)

  api.on('run.progress', (progress) => {
    const row = rowOf(progress.id)
    if (!row) return
    row.done = progress.done
    row.total = progress.total
    if (row.status === 'queued') row.status = 'running'
    imagesPerSecond.set(progress.id, progress.imagesPerSecond)
  })
  api.on('run.status', ({ id, status, error: runError }) => {
    const row = rowOf(id)
    if (row) {
      row.status = status
      row.error = runError
    }
    if (status !== 'running') imagesPerSecond.delete(id)
    reloadSoon() // accuracy, finish time, and runs this list has not seen yet
  })
  // Events were missed while the connection was down.
  watch(connection, (state) => {
    if (state === 'open' && loaded.value) void load()
  })

  async function create(args: ApiArgs<'runs.create'>): Promise<number> {
    const { id } = await api['runs.create'](args)
    reloadSoon()
    return id
  }

  async function cancel(id: number): Promise<void> {
    const { status } = await api['runs.cancel']({ id })
    const row = rowOf(id)
    if (row) row.status = status
  }

  /** Resume a cancelled or failed run; returns the id of the run that continues. */
  async function resume(id: number): Promise<number> {
    const result = await api['runs.resume']({ id })
    reloadSoon()
    return result.id
  }

  async function remove(ids: number[]): Promise<number> {
    const { deleted } = await api['runs.delete']({ ids })
    rows.value = rows.value.filter((row) => !ids.includes(row.id))
    total.value = Math.max(0, total.value - deleted)
    return deleted
  }

  return { query, rows, total, loading, loaded, error, imagesPerSecond, load, create, cancel, resume, remove }
})
