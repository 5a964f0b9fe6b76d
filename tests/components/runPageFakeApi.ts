/** A fake preload bridge (window.snnApi) for run-page component tests: canned results, recorded calls, pushable events. */
import type { RunDetail } from '../../src/shared/api'
import { PRESETS } from '../../src/shared/config'

export function runDetail(overrides: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 7,
    name: 'dc small',
    experimentId: 1,
    experiment: 'Default',
    status: 'running',
    createdAt: '2026-11-28T12:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    seed: 1,
    preset: 'diehl-cook-2015',
    done: 0,
    total: 100,
    accuracy: null,
    tags: ['baseline'],
    error: null,
    config: PRESETS['diehl-cook-2015'],
    configHash: 'abcdef0123456789',
    engineVersion: '0.1.0',
    note: 'first try',
    evaluation: null,
    classLabels: [],
    snapshots: [],
    latestMetrics: {},
    inputShape: { width: 28, height: 28 },
    ...overrides
  }
}

export function installFakeApi(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const calls: { method: string; args: Record<string, unknown> }[] = []
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  window.snnApi = {
    async invoke(method, args) {
      calls.push({ method, args: args as Record<string, unknown> })
      const handler = handlers[method]
      if (!handler) return { ok: false, error: { code: 'internal', message: `no fake for ${method}` } }
      try {
        return { ok: true, result: handler(args as Record<string, unknown>) }
      } catch (e) {
        return { ok: false, error: { code: 'invalid-argument', message: (e as Error).message } }
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set())
      listeners.get(event)!.add(listener)
      return () => listeners.get(event)!.delete(listener)
    }
  }
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload))
  return { calls, emit }
}
