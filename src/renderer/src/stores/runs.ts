/**
 * The runs list: its filters (mirrored in the URL by the view), the rows fetched so far in
 * windows as the user scrolls (the database filters, sorts and counts), the experiments and
 * filter options, live progress merged in from `run.progress` and `run.status` events, and the
 * actions that change runs (create, cancel, resume, remove).
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, watch } from 'vue'
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { RUN_SORTS, RUN_STATUSES, type ApiArgs, type ApiResults, type ParamFilter, type ParamValues, type RunSort, type RunStatus, type RunSummary } from '@shared/api'
import { connection, errorMessage, useApi } from '../api/client'

export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled']
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status)

/** Rows fetched per request; the list asks for the windows around what is on screen. */
export const WINDOW_SIZE = 100

/** Wait this long after a status change before refreshing, so a burst of them costs one request. */
const RELOAD_DELAY_MS = 200

export interface RunsFilters {
  text: string
  status: RunStatus | null
  tag: string | null
  experimentId: number | null
  params: ParamFilter[]
  sort: RunSort
  /** The parameter sorted by when sort is "param". */
  sortParam: string | null
  descending: boolean
}

export const DEFAULT_FILTERS: Readonly<RunsFilters> = {
  text: '',
  status: null,
  tag: null,
  experimentId: null,
  params: [],
  sort: 'created',
  sortParam: null,
  descending: true
}

/** Sorting by a column starts with the order most wanted: names A→Z, the rest largest/newest first. */
export const firstDirectionDescending = (sort: RunSort): boolean => sort !== 'name'

/** A filter as a chip and URL value: "key=value", "key:min..max", "key:min..", "key:..max". */
export function formatParamFilter(filter: ParamFilter): string {
  if ('value' in filter) return `${filter.key}=${filter.value}`
  return `${filter.key}:${filter.min ?? ''}..${filter.max ?? ''}`
}

const RANGE = /^([^=]+?):(-?[\d.eE+-]*)\.\.(-?[\d.eE+-]*)$/

/** Inverse of formatParamFilter; null for text that is neither form. */
export function parseParamFilter(text: string): ParamFilter | null {
  const range = RANGE.exec(text)
  if (range) {
    const bound = (b: string) => (b === '' ? undefined : Number(b))
    const min = bound(range[2])
    const max = bound(range[3])
    const valid = (n: number | undefined) => n === undefined || Number.isFinite(n)
    if ((min !== undefined || max !== undefined) && valid(min) && valid(max)) {
      return { key: range[1], ...(min !== undefined && { min }), ...(max !== undefined && { max }) }
    }
    return null
  }
  const equals = text.indexOf('=')
  if (equals <= 0) return null
  return { key: text.slice(0, equals), value: text.slice(equals + 1) }
}

const first = (value: LocationQuery[string]): string | null => (Array.isArray(value) ? (value[0] ?? null) : value)
const all = (value: LocationQuery[string]): string[] => (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]).filter((v): v is string => v !== null)

/**
 * The URL query of a list view (`?q=…&status=…&tag=…&exp=ID&p=key=value&p=key:0.01..&sort=…&dir=asc`)
 * as filters; anything unreadable falls back to its default, so an old or hand-edited link
 * still opens.
 */
export function filtersFromQuery(query: LocationQuery): RunsFilters {
  const status = first(query.status)
  const experimentId = Number(first(query.exp))
  const sortText = first(query.sort) ?? ''
  const sortParam = sortText.startsWith('param:') ? sortText.slice('param:'.length) : null
  const sort = sortParam ? 'param' : (RUN_SORTS as readonly string[]).includes(sortText) && sortText !== 'param' ? (sortText as RunSort) : DEFAULT_FILTERS.sort
  const dir = first(query.dir)
  return {
    text: first(query.q) ?? '',
    status: RUN_STATUSES.includes(status as RunStatus) ? (status as RunStatus) : null,
    tag: first(query.tag) || null,
    experimentId: Number.isInteger(experimentId) && experimentId > 0 ? experimentId : null,
    params: all(query.p)
      .map(parseParamFilter)
      .filter((f): f is ParamFilter => f !== null),
    sort,
    sortParam,
    descending: dir === 'asc' ? false : dir === 'desc' ? true : firstDirectionDescending(sort)
  }
}

/** Inverse of filtersFromQuery; defaults are left out so a plain list has a plain URL. */
export function queryFromFilters(filters: RunsFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filters.text.trim()) query.q = filters.text.trim()
  if (filters.status) query.status = filters.status
  if (filters.tag) query.tag = filters.tag
  if (filters.experimentId !== null) query.exp = String(filters.experimentId)
  if (filters.params.length) query.p = filters.params.map(formatParamFilter)
  if (filters.sort === 'param') {
    if (filters.sortParam) query.sort = `param:${filters.sortParam}`
  } else if (filters.sort !== DEFAULT_FILTERS.sort) query.sort = filters.sort
  if (filters.descending !== firstDirectionDescending(filters.sort)) query.dir = filters.descending ? 'desc' : 'asc'
  return query
}

/** Parameters shown as extra columns: the ones filtered or sorted on, in that order. */
export function paramColumns(filters: RunsFilters): string[] {
  const keys = filters.params.map((f) => f.key)
  if (filters.sort === 'param' && filters.sortParam) keys.push(filters.sortParam)
  return [...new Set(keys)]
}

function listArgs(filters: RunsFilters, offset: number): ApiArgs<'runs.list'> {
  const sortByParam = filters.sort === 'param' && filters.sortParam !== null
  return {
    text: filters.text.trim() || undefined,
    status: filters.status ?? undefined,
    tag: filters.tag ?? undefined,
    experimentId: filters.experimentId ?? undefined,
    params: filters.params,
    sort: sortByParam ? 'param' : filters.sort === 'param' ? 'created' : filters.sort,
    sortParam: sortByParam ? filters.sortParam! : undefined,
    columns: paramColumns(filters),
    descending: filters.descending,
    offset,
    limit: WINDOW_SIZE
  }
}

export const useRunsStore = defineStore('runs', () => {
  const api = useApi()

  const filters = shallowRef<RunsFilters>({ ...DEFAULT_FILTERS })
  /** Fetched windows of the current filters, by window number (row index / WINDOW_SIZE). */
  const windows = reactive(new Map<number, RunSummary[]>())
  const total = ref(0)
  const loading = ref(false)
  /** The current filters have been answered at least once (total is known). */
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Training speed of running runs (images per second), from progress events. */
  const imagesPerSecond = reactive(new Map<number, number>())
  const experiments = ref<ApiResults['experiments.list']['experiments']>([])
  const filterOptions = ref<ApiResults['runs.filterOptions']>({ paramKeys: [], tags: [] })
  /** How many runs the store holds in all (the experiments' counts added up). */
  const allRuns = computed(() => experiments.value.reduce((sum, e) => sum + e.runs, 0))

  /** Bumped when the filters change: answers to older requests are dropped. */
  let generation = 0
  const pending = new Set<number>()
  /** The rows last on screen, so a refresh fetches what the user is looking at. */
  let visible = { start: 0, end: WINDOW_SIZE - 1 }

  async function fetchWindow(index: number, mine: number): Promise<void> {
    pending.add(index)
    try {
      const result = await api['runs.list'](listArgs(filters.value, index * WINDOW_SIZE))
      if (mine !== generation) return
      windows.set(index, result.rows)
      total.value = result.total
      error.value = null
      loaded.value = true
    } catch (e) {
      if (mine === generation) error.value = errorMessage(e)
    } finally {
      if (mine === generation) pending.delete(index)
    }
  }

  const windowsOf = (start: number, end: number): number[] => {
    const from = Math.max(0, Math.floor(start / WINDOW_SIZE))
    const to = Math.max(from, Math.floor(Math.max(start, end) / WINDOW_SIZE))
    const list: number[] = []
    for (let w = from; w <= to; w++) list.push(w)
    return list
  }

  /** Fetch the windows covering rows start…end that are not here or on their way. */
  function ensureRows(start: number, end: number): void {
    visible = { start, end }
    if (loading.value) return // new filters on their way: setFilters fetches these when they land
    for (const w of windowsOf(start, end)) {
      if (loaded.value && w * WINDOW_SIZE >= total.value) break
      if (!windows.has(w) && !pending.has(w)) void fetchWindow(w, generation)
    }
  }

  /**
   * New filters: load from the top. The rows of the old filters stay until the answer arrives,
   * so the list never blanks out between two views.
   */
  async function setFilters(next: RunsFilters): Promise<void> {
    filters.value = next
    const mine = ++generation
    pending.clear()
    loading.value = true
    try {
      const result = await api['runs.list'](listArgs(next, 0))
      if (mine !== generation) return
      windows.clear()
      windows.set(0, result.rows)
      total.value = result.total
      error.value = null
      loaded.value = true
    } catch (e) {
      if (mine === generation) error.value = errorMessage(e)
    } finally {
      if (mine === generation) loading.value = false
    }
    if (mine === generation) ensureRows(visible.start, visible.end)
  }

  /**
   * Fetch again what is on screen (runs finished, new ones arrived) and forget the rest, so
   * rows do not blink out while the answer is on its way.
   */
  async function refresh(): Promise<void> {
    const mine = ++generation
    pending.clear()
    const wanted = windowsOf(visible.start, visible.end)
    try {
      const results = await Promise.all(wanted.map((w) => api['runs.list'](listArgs(filters.value, w * WINDOW_SIZE))))
      if (mine !== generation) return
      windows.clear()
      wanted.forEach((w, i) => windows.set(w, results[i].rows))
      total.value = results[results.length - 1].total
      error.value = null
      loaded.value = true
    } catch (e) {
      if (mine === generation) error.value = errorMessage(e)
    }
    void loadSidebar()
  }

  /** The row at `index` of the current list, if its window has arrived. */
  function rowAt(index: number): RunSummary | undefined {
    return windows.get(Math.floor(index / WINDOW_SIZE))?.[index % WINDOW_SIZE]
  }

  const sidebarError = ref<string | null>(null)
  /** Experiments with their run counts, and what the filters can pick from. */
  async function loadSidebar(): Promise<void> {
    try {
      const [list, options] = await Promise.all([api['experiments.list']({}), api['runs.filterOptions']({})])
      experiments.value = list.experiments
      filterOptions.value = options
      sidebarError.value = null
    } catch (e) {
      sidebarError.value = errorMessage(e)
    }
  }

  async function paramValues(key: string): Promise<ParamValues> {
    return api['runs.paramValues']({ key })
  }

  let reloadTimer: ReturnType<typeof setTimeout> | null = null
  function refreshSoon(): void {
    if (!loaded.value || reloadTimer) return
    reloadTimer = setTimeout(() => {
      reloadTimer = null
      void refresh()
    }, RELOAD_DELAY_MS)
  }

  function rowOf(id: number): RunSummary | undefined {
    for (const rows of windows.values()) {
      const row = rows.find((r) => r.id === id)
      if (row) return row
    }
    return undefined
  }

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
    refreshSoon() // accuracy, finish time, and runs this list has not seen yet
  })
  // Events were missed while the connection was down.
  watch(connection, (state) => {
    if (state === 'open' && loaded.value) void refresh()
  })

  async function create(args: ApiArgs<'runs.create'>): Promise<number> {
    const { id } = await api['runs.create'](args)
    refreshSoon()
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
    refreshSoon()
    return result.id
  }

  async function remove(ids: number[]): Promise<number> {
    const { deleted } = await api['runs.delete']({ ids })
    await refresh()
    return deleted
  }

  return {
    filters,
    total,
    loading,
    loaded,
    error,
    imagesPerSecond,
    experiments,
    allRuns,
    filterOptions,
    sidebarError,
    rowAt,
    ensureRows,
    setFilters,
    refresh,
    loadSidebar,
    paramValues,
    create,
    cancel,
    resume,
    remove
  }
})
