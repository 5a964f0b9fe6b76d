/** Small helpers shared by the repositories. */

/** Timestamps are ISO-8601 text: readable in any SQLite tool and sortable as time. */
export function isoNow(): string {
  return new Date().toISOString()
}

/**
 * An id list as one bound parameter, read back in SQL with `json_each(?)`, so a statement with
 * `IN (SELECT value FROM json_each(?))` is prepared once for any number of ids.
 */
export function jsonIds(ids: readonly number[]): string {
  return JSON.stringify(ids)
}

/** NaN is stored as NULL (SQLite has no NaN); reading maps it back. */
export function numberOrNaN(value: number | null): number {
  return value === null ? Number.NaN : value
}
