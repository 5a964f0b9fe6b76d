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

/**
 * A Float64Array as a BLOB of its raw little-endian bytes (the byte order of every platform the
 * app ships on), so values come back bit for bit: NaN, -0, subnormals (weights, metric chunks).
 */
export function float64Blob(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

/** A BLOB written by float64Blob, copied into a fresh (8-byte aligned) buffer: the BLOB's Buffer may sit at any offset. */
export function float64FromBlob(data: Buffer): Float64Array {
  const values = new Float64Array(data.byteLength / 8)
  new Uint8Array(values.buffer).set(data)
  return values
}
