/** `runs …`, `resume`: the run store from the command line, through the same API handlers the app uses. */
import type { ApiArgs, ApiMethod, ApiResults, RunSummary } from '../../shared/api'
import { dispatch } from '../../main/services/api'
import type { Workbench } from '../../main/services/workbench'
import { UsageError } from '../errors'
import { ProgressBar } from '../terminal'

export async function call<M extends ApiMethod>(workbench: Workbench, method: M, args: ApiArgs<M>): Promise<ApiResults[M]> {
  return (await dispatch(workbench, method, args)) as ApiResults[M]
}

export function parseRunId(text: string | undefined, what = 'run id'): number {
  const id = Number(text)
  if (!text || !Number.isInteger(id) || id < 1) throw new UsageError(`expected a ${what} (a positive integer), got ${text === undefined ? 'nothing' : JSON.stringify(text)}`)
  return id
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`)

export function formatRunTable(rows: RunSummary[], total: number): string {
  if (rows.length === 0) return 'no runs (start one with: snn-workbench train --config FILE)'
  const header = ['id', 'name', 'experiment', 'status', 'progress', 'accuracy', 'created', 'tags']
  const body = rows.map((r) => [
    String(r.id),
    r.name,
    r.experiment,
    r.status,
    r.total > 0 ? `${r.done}/${r.total}` : String(r.done),
    pct(r.accuracy),
    r.createdAt.replace('T', ' ').slice(0, 19),
    r.tags.join(',')
  ])
  return table([header, ...body]) + (total > rows.length ? `\n(${rows.length} of ${total} shown; use --limit/--offset)` : '')
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n')
}

/** `--filter key=value` (repeatable) into the API's params filter. */
export function parseFilters(values: string[]): { key: string; value: string }[] {
  return values.map((f) => {
    const eq = f.indexOf('=')
    if (eq <= 0) throw new UsageError(`--filter ${f}: expected PARAM=VALUE, e.g. learning.rate=0.02`)
    return { key: f.slice(0, eq), value: f.slice(eq + 1) }
  })
}

/** Wait for a run to finish, drawing progress; returns its final summary. */
export async function followRun(workbench: Workbench, id: number, quiet: boolean): Promise<RunSummary> {
  const bar = new ProgressBar(`run ${id}`)
  const stopProgress = workbench.events.on('run.progress', (p) => {
    if (p.id === id && !quiet) bar.update(p.done, p.total)
  })
  try {
    for (;;) {
      const summary = workbench.runs.summaryOf(id)
      if (summary.status !== 'queued' && summary.status !== 'running') return summary
      await new Promise((r) => setTimeout(r, 50))
    }
  } finally {
    stopProgress()
    if (!quiet) bar.finish()
  }
}
