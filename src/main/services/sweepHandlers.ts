/** API handlers for the sweeps part of the contract (src/shared/sweepApi.ts). */
import type { SWEEP_API_ARGS } from '../../shared/sweepApi'
import type { ApiHandlers } from './api'

export type SweepHandlers = Pick<ApiHandlers, keyof typeof SWEEP_API_ARGS>

export function createSweepHandlers(): SweepHandlers {
  return {}
}
