/** API handlers for the sweeps part of the contract (src/shared/sweepApi.ts), over the SweepService. */
import { sweepParameters } from '../../shared/sweep'
import type { SWEEP_API_ARGS, SweepDetailPayload, SweepListItem, SweepTrial } from '../../shared/sweepApi'
import type { TrialRow } from '../db'
import type { ApiHandlers } from './api'
import { MIN_TRIALS_FOR_IMPORTANCE, type SweepDetail, type SweepService } from './sweepService'

export type SweepHandlers = Pick<ApiHandlers, keyof typeof SWEEP_API_ARGS>

/** Errors of a definition name it as the argument: "definition: space.learning.rte: …". */
const DEFINITION_SOURCE = 'definition'

// Spread the stored rows but leave out what the wire does not carry (the store's sweep id on a
// trial; the definition, trial list and full best row on a list item).
function trialOf({ sweepId, ...trial }: TrialRow): SweepTrial {
  void sweepId
  return trial
}

function listItemOf(detail: SweepDetail): SweepListItem {
  const { definition, best, trialList, ...summary } = detail
  void trialList
  return {
    ...summary,
    objective: definition.objective,
    parameters: sweepParameters(definition).map((p) => p.path),
    best: best && best.objective !== null ? { index: best.index, runId: best.runId, objective: best.objective } : null
  }
}

/** What the list and the `sweep.updated` event show of a sweep. */
export function sweepListItem(sweeps: SweepService, id: number): SweepListItem {
  return listItemOf(sweeps.get(id))
}

export function createSweepHandlers(sweeps: SweepService): SweepHandlers {
  return {
    'sweeps.create': async ({ definition, concurrency }) => sweeps.create(definition, { concurrency }, DEFINITION_SOURCE),
    'sweeps.list': async () => ({ sweeps: sweeps.list().map((s) => sweepListItem(sweeps, s.id)) }),
    'sweeps.get': async ({ id }): Promise<SweepDetailPayload> => {
      const detail = sweeps.get(id)
      return { ...listItemOf(detail), definition: detail.definition, trialList: detail.trialList.map(trialOf), scheduledHere: sweeps.isScheduling(id) }
    },
    'sweeps.pause': async ({ id, stopTrials }) => sweeps.pause(id, { stopTrials }),
    'sweeps.resume': async ({ id, concurrency }) => {
      sweeps.resume(id, { concurrency })
      return { id, status: sweeps.get(id).status }
    },
    'sweeps.cancel': async ({ id }) => sweeps.cancel(id),
    'sweeps.extend': async ({ id, trials }) => sweeps.addBudget(id, trials),
    'sweeps.delete': async ({ id }) => sweeps.delete(id),
    'sweeps.importance': async ({ id }) => {
      const completed = sweeps.get(id).trials.completed
      return { method: 'fanova-main-effects', completed, minimumTrials: MIN_TRIALS_FOR_IMPORTANCE, parameters: sweeps.importance(id) }
    }
  }
}

/** Fewest milliseconds between two `sweep.updated` events of one sweep (pruning reports come often). */
export const SWEEP_UPDATE_INTERVAL_MS = 250

/**
 * Forward the service's change notifications as `sweep.updated` events with the sweep's list
 * item: the first change at once, later ones at most every `intervalMs` per sweep (the last
 * one always arrives). Returns a function that stops forwarding.
 */
export function forwardSweepUpdates(
  sweeps: SweepService,
  emit: (payload: SweepListItem) => void,
  intervalMs = SWEEP_UPDATE_INTERVAL_MS
): () => void {
  const lastSent = new Map<number, number>()
  const pending = new Map<number, ReturnType<typeof setTimeout>>()
  const send = (id: number) => {
    pending.delete(id)
    lastSent.set(id, Date.now())
    let item: SweepListItem
    try {
      item = sweepListItem(sweeps, id)
    } catch {
      return // deleted meanwhile, or the store is closing
    }
    emit(item)
  }
  const off = sweeps.on((id) => {
    if (pending.has(id)) return
    const wait = (lastSent.get(id) ?? -Infinity) + intervalMs - Date.now()
    if (wait <= 0) send(id)
    else pending.set(id, setTimeout(() => send(id), wait))
  })
  return () => {
    off()
    for (const timer of pending.values()) clearTimeout(timer)
    pending.clear()
  }
}
