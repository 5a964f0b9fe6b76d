/**
 * The sweeps part of the API contract (see api.ts, which merges it): argument schemas, result
 * and event types for defining, running and inspecting hyperparameter sweeps.
 */

export const SWEEP_API_ARGS = {} as const

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as methods land
export interface SweepApiResults {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as methods land
export interface SweepApiEvents {}

export const SWEEP_API_EVENTS: readonly (keyof SweepApiEvents)[] = []
