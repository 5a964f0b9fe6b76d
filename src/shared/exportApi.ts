/**
 * The export/import part of the API contract (see api.ts, which merges it): quantization
 * preview, writing hardware weight files, importing weights trained elsewhere.
 */

export const EXPORT_API_ARGS = {} as const

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as methods land
export interface ExportApiResults {}
