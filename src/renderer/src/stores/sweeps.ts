/**
 * Sweeps: the list, the sweep on screen (its trials and parameter importance), the actions
 * that change a sweep, and live updates. `sweep.updated` events carry a sweep's list item and
 * are merged into the list at once; the open sweep's detail is fetched again shortly after (a
 * burst of events costs one request), as it is after a status change of one of its trials' runs.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { ApiArgs } from '@shared/api'
import type { SweepDetailPayload, SweepImportancePayload, SweepListItem } from '@shared/sweepApi'
import { connection, errorMessage, useApi } from '../api/client'

/** Wait this long after a change before fetching the open sweep again. */
const REFETCH_DELAY_MS = 300

export const useSweepsStore = defineStore('sweeps', () => {
  const api = useApi()

  const items = ref<SweepListItem[]>([])
  const listLoaded = ref(false)
  const listError = ref<string | null>(null)

  /** The sweep on screen; replaced whole on each fetch (trials can be many). */
  const openId = ref<number | null>(null)
  const detail = shallowRef<SweepDetailPayload | null>(null)
  const importance = shallowRef<SweepImportancePayload | null>(null)
  const detailError = ref<string | null>(null)

  let listTicket = 0
  async function loadList(): Promise<void> {
    const mine = ++listTicket
    try {
      const { sweeps } = await api['sweeps.list']({})
      if (mine !== listTicket) return
      items.value = sweeps
      listError.value = null
      listLoaded.value = true
    } catch (e) {
      if (mine === listTicket) listError.value = errorMessage(e)
    }
  }

  let detailTicket = 0
  async function fetchOpen(): Promise<void> {
    const id = openId.value
    if (id === null) return
    const mine = ++detailTicket
    try {
      const [next, shares] = await Promise.all([api['sweeps.get']({ id }), api['sweeps.importance']({ id })])
      if (mine !== detailTicket || openId.value !== id) return
      detail.value = next
      importance.value = shares
      detailError.value = null
    } catch (e) {
      if (mine === detailTicket) detailError.value = errorMessage(e)
    }
  }

  /** Show sweep `id` (clears what another sweep left). */
  async function open(id: number): Promise<void> {
    if (openId.value !== id) {
      openId.value = id
      detail.value = null
      importance.value = null
      detailError.value = null
    }
    await fetchOpen()
  }

  function close(): void {
    openId.value = null
    detail.value = null
    importance.value = null
  }

  let refetchTimer: ReturnType<typeof setTimeout> | null = null
  function refetchSoon(): void {
    if (refetchTimer || openId.value === null) return
    refetchTimer = setTimeout(() => {
      refetchTimer = null
      void fetchOpen()
    }, REFETCH_DELAY_MS)
  }

  api.on('sweep.updated', (item) => {
    const at = items.value.findIndex((s) => s.id === item.id)
    if (at >= 0) items.value[at] = item
    else if (listLoaded.value) items.value.unshift(item)
    if (item.id === openId.value) refetchSoon()
  })
  api.on('run.status', ({ id }) => {
    if (detail.value?.trialList.some((t) => t.runId === id)) refetchSoon()
  })
  // Events were missed while the connection was down.
  watch(connection, (state) => {
    if (state !== 'open') return
    if (listLoaded.value) void loadList()
    if (openId.value !== null) void fetchOpen()
  })

  async function create(args: ApiArgs<'sweeps.create'>): Promise<number> {
    const { id } = await api['sweeps.create'](args)
    return id
  }

  /**
   * Run an action on the open sweep, then show its new state. 'pause-now' pauses and stops the
   * trials in hand (recorded cancelled; they run again on resume), wherever the sweep runs.
   */
  async function act(id: number, action: 'pause' | 'pause-now' | 'resume' | 'cancel'): Promise<void> {
    if (action === 'pause' || action === 'pause-now') await api['sweeps.pause']({ id, stopTrials: action === 'pause-now' })
    else if (action === 'resume') await api['sweeps.resume']({ id })
    else await api['sweeps.cancel']({ id })
    await fetchOpen()
  }

  async function extend(id: number, trials: number): Promise<void> {
    await api['sweeps.extend']({ id, trials })
    await fetchOpen()
  }

  async function remove(id: number): Promise<void> {
    await api['sweeps.delete']({ id })
    items.value = items.value.filter((s) => s.id !== id)
    if (openId.value === id) close()
  }

  return { items, listLoaded, listError, openId, detail, importance, detailError, loadList, open, close, create, act, extend, remove }
})
