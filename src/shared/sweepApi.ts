/**
 * The sweeps part of the API contract (see api.ts, which merges it): argument schemas, result
 * and event types for defining, running and inspecting hyperparameter sweeps. A definition is
 * validated by `parseSweep` (src/shared/sweep.ts) in the service, whose errors name the
 * parameter; the renderer runs the same function for inline validation.
 */
import { z } from 'zod'
import type { SweepDefinition } from './sweep'

export const SWEEP_STATUSES = ['running', 'paused', 'completed', 'cancelled', 'failed'] as const
export type SweepStatus = (typeof SWEEP_STATUSES)[number]

export const TRIAL_STATUSES = ['running', 'completed', 'pruned', 'failed', 'cancelled'] as const
export type TrialStatus = (typeof TRIAL_STATUSES)[number]

const id = z.int().min(1)
/** Trials training at once (the same bound as `serve --concurrency`). */
const concurrency = z.int().min(1).max(256)

export const SWEEP_API_ARGS = {
  'sweeps.create': z.strictObject({
    /** A sweep definition (docs/sweeps.md); checked by parseSweep, one line per problem naming the parameter. */
    definition: z.unknown(),
    /** Overrides the definition's concurrency; kept with the sweep for resume. */
    concurrency: concurrency.optional()
  }),
  'sweeps.list': z.strictObject({}),
  'sweeps.get': z.strictObject({ id }),
  /**
   * No new trials; the ones training finish, or with `stopTrials` stop within seconds
   * (recorded cancelled; they run again, continuing their runs, on resume) — also when another
   * process schedules the sweep, and on a paused sweep whose trials are still training.
   */
  'sweeps.pause': z.strictObject({ id, stopTrials: z.boolean().optional() }),
  /** Continue a paused, cancelled or interrupted sweep in the workbench's process. */
  'sweeps.resume': z.strictObject({ id, concurrency: concurrency.optional() }),
  /** No new trials; the ones training are cancelled. */
  'sweeps.cancel': z.strictObject({ id }),
  /** Add `trials` to the budget; a completed sweep becomes paused (resume runs them). */
  'sweeps.extend': z.strictObject({ id, trials: z.int().min(1).max(100_000) }),
  /** Delete the sweep and its trial records; the trials' runs stay. */
  'sweeps.delete': z.strictObject({ id }),
  'sweeps.importance': z.strictObject({ id })
} as const

/** Trials of a sweep by status. */
export type TrialCounts = Record<TrialStatus, number>

export interface SweepSummary {
  id: number
  name: string
  method: string
  status: SweepStatus
  budget: number
  createdAt: string
  updatedAt: string
  finishedAt: string | null
  /** "pid@host" of the process scheduling it, null when none is. */
  runner: string | null
  error: string | null
  trials: TrialCounts
}

export interface SweepTrial {
  index: number
  runId: number | null
  status: TrialStatus
  /** Parameter path → the value this trial used. */
  params: Record<string, unknown>
  /** The final objective as measured (not oriented by the direction): set when completed (and when a pruned trial's run finished anyway). */
  objective: number | null
  pruned: boolean
  /** Training images when it was pruned. */
  prunedStep: number | null
  error: string | null
  createdAt: string
  finishedAt: string | null
}

/** The best completed trial, as the list shows it. */
export interface SweepBest {
  index: number
  runId: number | null
  objective: number
}

export interface SweepListItem extends SweepSummary {
  objective: SweepDefinition['objective']
  /** Parameter paths of the space, in the definition's order. */
  parameters: string[]
  best: SweepBest | null
  /** Marked running but no live process is scheduling it: `sweeps.resume` continues it. */
  interrupted: boolean
}

export interface SweepDetailPayload extends SweepListItem {
  definition: SweepDefinition
  /** Every trial, by index. */
  trialList: SweepTrial[]
  /** Whether the workbench's own process is scheduling it (pause/cancel act at once). */
  scheduledHere: boolean
}

export interface SweepImportancePayload {
  /** How the shares are computed: fANOVA main effects over a random forest (docs/sweeps.md). */
  method: 'fanova-main-effects'
  /** Completed trials the estimate is based on, and how many it needs at least. */
  completed: number
  minimumTrials: number
  /** Most important first; empty below minimumTrials. Shares of the objective's variance (0–1). */
  parameters: { path: string; importance: number }[]
}

export interface SweepApiResults {
  'sweeps.create': { id: number }
  'sweeps.list': { sweeps: SweepListItem[] }
  'sweeps.get': SweepDetailPayload
  /** trialsInHand: the sweep's trials training when it was paused. */
  'sweeps.pause': { status: SweepStatus; trialsInHand: number }
  'sweeps.resume': { id: number; status: SweepStatus }
  'sweeps.cancel': { status: SweepStatus }
  'sweeps.extend': { budget: number; status: SweepStatus }
  'sweeps.delete': { deleted: boolean }
  'sweeps.importance': SweepImportancePayload
}

export interface SweepApiEvents {
  /** A sweep changed (status, budget, a trial started, reported or finished); at most a few per second per sweep. */
  'sweep.updated': SweepListItem
}

export const SWEEP_API_EVENTS: readonly (keyof SweepApiEvents)[] = ['sweep.updated']
