/**
 * Read-only tables kept for the last few keys (lists of numbers, compared with Object.is: a hit
 * is the table built from exactly these numbers, bit for bit, +0 and −0 apart), newest last.
 * An engine process builds network after network with the same tables (a sweep's trials differ
 * in other parameters): rebuilding them each run would have V8 compile the building code several
 * runs into a warm engine, on a compiler thread that takes CPU from a second engine.
 */
export class RecentTables<T> {
  private readonly entries: { key: readonly number[]; table: T }[] = []

  constructor(private readonly kept: number) {}

  /** The table of `key`: a kept one, or `build()`'s (then kept). Callers must never write to it. */
  get(key: readonly number[], build: () => T): T {
    for (const entry of this.entries) if (sameNumbers(entry.key, key)) return entry.table
    const table = build()
    this.entries.push({ key, table })
    if (this.entries.length > this.kept) this.entries.shift()
    return table
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}
