/** API handlers for the export/import part of the contract (src/shared/exportApi.ts). */
import type { EXPORT_API_ARGS } from '../../shared/exportApi'
import type { ApiHandlers } from './api'

export type ExportHandlers = Pick<ApiHandlers, keyof typeof EXPORT_API_ARGS>

export function createExportHandlers(): ExportHandlers {
  return {}
}
