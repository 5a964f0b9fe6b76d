/**
 * The workbench: the run store, the run service and the API handlers over them. The Electron
 * shell, `serve` and the CLI each create one, with their own engine-process factory.
 */
import { ApiError, type ApiResults, type ComparePayload } from '../../shared/api'
import { PRESETS } from '../../shared/config'
import { RunStore } from '../db'
import type { EngineProcessFactory } from '../engineHost/types'
import { EventHub, type ApiHandlers, type WorkbenchApi } from './api'
import { createExportHandlers } from './exportHandlers'
import { RunService, inputShapeOf } from './runService'
import { createSweepHandlers, forwardSweepUpdates } from './sweepHandlers'
import { SweepService, type SweepServiceOptions } from './sweepService'

export interface WorkbenchOptions {
  databasePath: string
  engine: EngineProcessFactory
  concurrency?: number
  progressIntervalMs?: number
  /** Resolve relative dataset paths in configs against this folder (CLI: the current folder). */
  baseDir?: string
  /** Pick up runs left queued or running by an earlier process (true for the app and serve). */
  recover?: boolean
  /** better-sqlite3 binary for this runtime when it is not Node's (the Electron app). */
  sqliteBinding?: string
  /** Sweep service settings (tests replace the trial executor with a cheap objective). */
  sweeps?: SweepServiceOptions
}

export interface Workbench extends WorkbenchApi {
  store: RunStore
  runs: RunService
  sweeps: SweepService
  close(): Promise<void>
}

export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const store = new RunStore(options.databasePath, options.sqliteBinding ? { nativeBinding: options.sqliteBinding } : {})
  const events = new EventHub()
  const runs = new RunService(store, options.engine, events, {
    concurrency: options.concurrency,
    progressIntervalMs: options.progressIntervalMs,
    baseDir: options.baseDir
  })
  const sweeps = new SweepService(store, runs, events, { concurrency: options.concurrency, ...options.sweeps })
  const stopSweepUpdates = forwardSweepUpdates(sweeps, (payload) => events.emit('sweep.updated', payload))

  const requireRun = (id: number) => {
    if (!store.runs.get(id)) throw new ApiError('not-found', `run ${id} does not exist`)
  }

  const handlers: ApiHandlers = {
    'runs.create': async (args) => runs.create(args),
    'runs.list': async (args) => store.runs.list(args),
    'runs.filterOptions': async () => store.runs.filterOptions(),
    'runs.paramValues': async ({ key }) => store.runs.paramValues(key),
    'runs.get': async ({ id }) => runs.get(id),
    'runs.cancel': async ({ id }) => runs.cancel(id),
    'runs.resume': async ({ id }) => runs.resume(id),
    'runs.delete': async ({ ids }) => runs.delete(ids),
    'runs.tag': async ({ id, tag, remove }) => {
      requireRun(id)
      if (remove) store.tags.remove(id, tag)
      else store.tags.add(id, tag)
      return { tags: store.tags.list(id) }
    },
    'runs.note': async ({ id, text }) => {
      requireRun(id)
      store.notes.set(id, text)
      return { note: store.notes.get(id) }
    },
    'runs.metrics': async ({ id, keys }) => {
      requireRun(id)
      return { series: store.metrics.series(id, keys) }
    },
    'runs.snapshots': async ({ id }) => {
      requireRun(id)
      return { snapshots: store.snapshots.list(id) }
    },
    'runs.weights': async ({ id, step, layer }): Promise<ApiResults['runs.weights']> => {
      const row = store.runs.get(id)
      if (!row) throw new ApiError('not-found', `run ${id} does not exist`)
      const snapshot = store.snapshots.get(id, layer, step)
      if (!snapshot) {
        throw new ApiError('not-found', `run ${id} has no weight snapshot${step === undefined ? '' : ` at step ${step}`} for layer ${layer}`)
      }
      const shape = layer === 0 ? inputShapeOf(JSON.parse(row.configJson), snapshot.inputs) : null
      return {
        step: snapshot.step,
        layer,
        neurons: snapshot.neurons,
        inputs: snapshot.inputs,
        width: shape?.width ?? null,
        height: shape?.height ?? null,
        weights: Array.from(snapshot.weights)
      }
    },
    'runs.compare': async ({ ids }) => compareRuns(store, ids),
    'experiments.list': async () => ({ experiments: store.experiments.list() }),
    'config.defaults': async ({ preset }) => PRESETS[preset],
    ...createSweepHandlers(sweeps),
    ...createExportHandlers({ store, runs, events, baseDir: options.baseDir })
  }

  if (options.recover) {
    // Trial runs left queued belong to their sweeps, which continue them; not to the run queue.
    sweeps.releaseInterruptedTrialRuns()
    runs.recover()
    sweeps.recover()
  }

  return {
    handlers,
    events,
    store,
    runs,
    sweeps,
    async close() {
      // Sweeps first: their trials stay `running` in the store, to run again on resume.
      await sweeps.close()
      stopSweepUpdates()
      await runs.close()
      store.close()
    }
  }
}

/** Parameters that differ between runs (identical ones folded away) and their latest metrics. */
export function compareRuns(store: RunStore, ids: number[]): ComparePayload {
  for (const id of ids) if (!store.runs.get(id)) throw new ApiError('not-found', `run ${id} does not exist`)
  const { rows } = store.runs.list({ params: [], ids, sort: 'created', descending: false, offset: 0, limit: ids.length })
  const byId = new Map(rows.map((r) => [r.id, r]))
  const params = store.runs.paramsFor(ids)
  const keys = new Set<string>()
  for (const p of params.values()) for (const k of Object.keys(p)) keys.add(k)
  const differing = [...keys]
    .sort()
    .map((key) => ({ key, values: ids.map((id) => params.get(id)?.[key] ?? null) }))
    .filter(({ values }) => values.some((v) => v !== values[0]))
  const latest = store.metrics.latestFor(ids)
  const metricKeys = new Set<string>()
  for (const m of latest.values()) for (const k of Object.keys(m)) metricKeys.add(k)
  return {
    runs: ids.map((id) => byId.get(id)!),
    params: differing,
    identical: keys.size - differing.length,
    metrics: [...metricKeys].sort().map((key) => ({ key, values: ids.map((id) => latest.get(id)?.[key] ?? null) }))
  }
}
