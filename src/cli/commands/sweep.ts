/**
 * `sweep …`: hyperparameter sweeps from the command line. `start` and `resume` schedule the
 * sweep in this process (trials train in engine processes, recorded in the run store) and draw a
 * progress line; the other subcommands read or edit the store, so they work while another
 * process (the app, another CLI) runs the sweep: it notices pause (and a request to stop the
 * trials in hand), cancel and budget changes.
 */
import { cpus } from 'node:os'
import { dirname, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseSweep, sweepParameters, type SweepDefinition } from '../../shared/sweep'
import type { TrialRow } from '../../main/db'
import type { ParameterImportance, SweepDetail, SweepService } from '../../main/services/sweepService'
import { resolveConfigPaths } from '../../main/services/training'
import type { Workbench } from '../../main/services/workbench'
import { openWorkbench, readJsonFile } from '../common'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors'
import { EXIT_INTERRUPTED } from '../interrupt'
import { parseRunId, table } from './runs'

type Values = Record<string, string | boolean | string[] | undefined>

const COMMON: ParseArgsConfig['options'] = { db: { type: 'string' }, json: { type: 'boolean' } }

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true }) as never
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see snn-workbench help)`)
  }
}

function positiveInt(text: string | boolean | string[] | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (typeof text !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${String(text)}: expected a positive integer`)
  return n
}

function readSweepFile(path: string | undefined): { definition: SweepDefinition; path: string } {
  if (!path) throw new UsageError('--config SWEEP.json is required')
  const abs = resolve(path)
  const input = readJsonFile(path, 'sweep')
  const definition = parseSweep(input, path)
  // Dataset and weight paths in the base config are relative to the sweep file.
  return { definition: { ...definition, base: resolveConfigPaths(definition.base, dirname(abs)) }, path: abs }
}

async function open(db: Values[string], concurrency?: number): Promise<{ wb: Workbench; sweeps: SweepService }> {
  const wb = await openWorkbench(db as string | undefined, false, concurrency)
  return { wb, sweeps: wb.sweeps }
}

async function withSweeps(db: Values[string], work: (sweeps: SweepService) => number | Promise<number>): Promise<number> {
  const { wb, sweeps } = await open(db)
  try {
    return await work(sweeps)
  } finally {
    await wb.close()
  }
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  switch (sub) {
    case 'start': {
      const { values } = parse(rest, { config: { type: 'string' }, workers: { type: 'string' } })
      const { definition, path } = readSweepFile(values.config as string | undefined)
      const workers = positiveInt(values.workers, '--workers') ?? definition.concurrency ?? cpus().length
      return follow(values, workers, (sweeps) => sweeps.create(definition, { concurrency: workers }, path).id)
    }
    case 'resume': {
      const { values, positionals } = parse(rest, { workers: { type: 'string' } })
      const id = parseRunId(positionals[0], 'sweep id')
      const workers = positiveInt(values.workers, '--workers')
      return follow(values, workers, (sweeps) => sweeps.resume(id, { concurrency: workers }).id)
    }
    case 'status': {
      const { values, positionals } = parse(rest, {})
      const id = parseRunId(positionals[0], 'sweep id')
      return withSweeps(values.db, (sweeps) => {
        const detail = sweeps.get(id)
        const importance = sweeps.importance(id)
        console.log(values.json ? JSON.stringify({ ...detail, importance }) : formatStatus(detail, importance))
        return EXIT_OK
      })
    }
    case 'best': {
      const { values, positionals } = parse(rest, { k: { type: 'string' } })
      const id = parseRunId(positionals[0], 'sweep id')
      const k = positiveInt(values.k, '--k') ?? 5
      return withSweeps(values.db, (sweeps) => {
        const detail = sweeps.get(id)
        const best = sweeps.best(id, k)
        console.log(values.json ? JSON.stringify({ id, objective: detail.definition.objective, best }) : formatBest(detail, best))
        return EXIT_OK
      })
    }
    case 'list': {
      const { values } = parse(rest, {})
      return withSweeps(values.db, (sweeps) => {
        const list = sweeps.list()
        if (values.json) console.log(JSON.stringify(list))
        else if (list.length === 0) console.log('no sweeps (start one with: snn-workbench sweep start --config SWEEP.json)')
        else {
          const rows = list.map((s) => [String(s.id), s.name, s.method, s.status, `${s.trials.completed + s.trials.pruned + s.trials.failed}/${s.budget}`, s.createdAt.replace('T', ' ').slice(0, 19)])
          console.log(table([['id', 'name', 'method', 'status', 'trials', 'created'], ...rows]))
        }
        return EXIT_OK
      })
    }
    case 'pause': {
      const { values, positionals } = parse(rest, { 'stop-trials': { type: 'boolean' } })
      const id = parseRunId(positionals[0], 'sweep id')
      const stopTrials = Boolean(values['stop-trials'])
      return withSweeps(values.db, (sweeps) => {
        // Marked running with no live process scheduling it: nothing is training to stop or finish.
        const interrupted = sweeps.get(id).interrupted
        const result = sweeps.pause(id, { stopTrials })
        console.log(values.json ? JSON.stringify({ id, stopTrials, ...result }) : pauseLine(id, result.trialsInHand, stopTrials, interrupted))
        return EXIT_OK
      })
    }
    case 'cancel': {
      const { values, positionals } = parse(rest, {})
      const id = parseRunId(positionals[0], 'sweep id')
      return withSweeps(values.db, (sweeps) => {
        const result = sweeps.cancel(id)
        console.log(values.json ? JSON.stringify({ id, ...result }) : `sweep ${id} ${result.status}`)
        return EXIT_OK
      })
    }
    case 'budget': {
      const { values, positionals } = parse(rest, {})
      const id = parseRunId(positionals[0], 'sweep id')
      const extra = positiveInt(positionals[1]?.replace(/^\+/, ''), 'sweep budget ID N: N')
      if (extra === undefined) throw new UsageError('sweep budget ID N: the number of trials to add is missing')
      return withSweeps(values.db, (sweeps) => {
        const result = sweeps.addBudget(id, extra)
        const hint = result.status === 'paused' ? `; continue it with: snn-workbench sweep resume ${id}` : ''
        console.log(values.json ? JSON.stringify({ id, ...result }) : `sweep ${id}: budget ${result.budget} trials (${result.status})${hint}`)
        return EXIT_OK
      })
    }
    default:
      throw new UsageError(`sweep ${sub ?? ''}: expected start, resume, status, best, list, pause, cancel or budget (see snn-workbench help)`.replace('sweep :', 'sweep:'))
  }
}

/** Schedule a sweep here until it ends, drawing progress; Ctrl+C pauses it (resumable). */
async function follow(values: Values, workers: number | undefined, start: (sweeps: SweepService) => number): Promise<number> {
  const json = Boolean(values.json)
  const { wb, sweeps } = await open(values.db, workers)
  const started = Date.now()
  let id = 0
  const line = new ProgressLine()
  let interrupted = false
  // Engine processes ignore the terminal's Ctrl+C (see src/cli/interrupt.ts): the sweep is paused here.
  const onSignal = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED)
    interrupted = true
    line.clear()
    console.error('\npausing… the trials training stop and run again on resume (press Ctrl+C again to quit at once)')
    try {
      if (id) sweeps.pause(id, { stopTrials: true })
    } catch {
      // Already finished: nothing to pause.
    }
  }
  process.on('SIGINT', onSignal)
  const reported = new Set<number>()
  try {
    id = start(sweeps)
    if (!json) console.error(`sweep ${id} (recorded in ${wb.store.path})`)
    // Trials finished in an earlier session are in the summary, not announced again.
    for (const trial of sweeps.get(id).trialList) if (trial.status !== 'running') reported.add(trial.index)
    const unsubscribe = sweeps.on((changed) => {
      if (changed !== id || json) return
      const detail = sweeps.get(id)
      for (const trial of detail.trialList) {
        if (trial.status === 'running' || reported.has(trial.index)) continue
        reported.add(trial.index)
        line.clear()
        console.error(formatTrialLine(trial, detail.definition))
      }
      line.draw(progressText(detail, started))
    })
    // Redrawn between events too: the elapsed time and the estimate move on their own.
    const ticker = json ? null : setInterval(() => line.draw(progressText(sweeps.get(id), started)), 500)
    const outcome = await sweeps.wait(id)
    if (ticker) clearInterval(ticker)
    unsubscribe()
    line.clear()
    const detail = sweeps.get(id)
    const importance = sweeps.importance(id)
    if (json) console.log(JSON.stringify({ id, status: detail.status, trials: detail.trials, best: sweeps.best(id, 5), importance }))
    else {
      console.log(formatStatus(detail, importance, false))
      if (outcome !== 'completed' && !interrupted) console.log(`\ncontinue it with: snn-workbench sweep resume ${id}`)
      console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
    if (interrupted && outcome !== 'completed') {
      console.error(`sweep ${id} ${detail.status} (trials stopped mid-training run again on resume); continue it with: snn-workbench sweep resume ${id}`)
      return EXIT_INTERRUPTED
    }
    return outcome === 'completed' ? EXIT_OK : EXIT_FAILURE
  } finally {
    // Closes the sweep service before the runs (trials left running stay resumable).
    await wb.close()
    // Only now: a second Ctrl+C while closing still quits at once, with 130.
    process.off('SIGINT', onSignal)
  }
}

/** What `sweep pause` did, in words. */
export function pauseLine(id: number, trialsInHand: number, stopTrials: boolean, interrupted: boolean): string {
  const trials = (n: number) => `${n} trial${n === 1 ? '' : 's'}`
  const resume = `snn-workbench sweep resume ${id}`
  if (interrupted) return `sweep ${id} paused; no process was running it (its ${trials(trialsInHand)} left running run again on resume: ${resume})`
  if (trialsInHand === 0) return `sweep ${id} paused; no trials were training (continue it with: ${resume})`
  if (stopTrials) return `sweep ${id} paused; its ${trials(trialsInHand)} in hand stop within seconds and run again on resume (${resume})`
  return `sweep ${id} paused; the trials in hand (${trialsInHand}) finish first (to stop them now: snn-workbench sweep pause ${id} --stop-trials)`
}

/** One line redrawn in place on a terminal (stderr), nothing elsewhere. */
class ProgressLine {
  private lastDraw = 0
  private shown = false
  private readonly enabled = Boolean(process.stderr.isTTY)

  draw(text: string): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.lastDraw < 100) return
    this.lastDraw = now
    process.stderr.write(`\r\x1b[2K${text}`)
    this.shown = true
  }

  clear(): void {
    if (this.enabled && this.shown) process.stderr.write('\r\x1b[2K')
    this.shown = false
  }
}

const isAccuracy = (metric: string) => metric.endsWith('accuracy')

function formatObjective(value: number | null, metric: string): string {
  if (value === null) return '—'
  return isAccuracy(metric) ? `${(100 * value).toFixed(1)}%` : String(Number(value.toPrecision(4)))
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Number(value.toPrecision(4)))
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ')
}

function progressText(detail: SweepDetail, started: number): string {
  const { trials, budget, definition } = detail
  const finished = trials.completed + trials.pruned + trials.failed
  const seconds = (Date.now() - started) / 1000
  const best = detail.best ? `  best ${formatObjective(detail.best.objective, definition.objective.metric)} (#${detail.best.index})` : ''
  const left = finished > 0 ? ((budget - finished) * seconds) / finished : NaN
  const eta = Number.isFinite(left) && finished < budget ? `  ~${Math.round(left)} s left` : ''
  return `sweep ${detail.id} ${definition.method}  ${finished}/${budget} done  ${trials.running} running  ${trials.pruned} pruned  ${trials.failed} failed${best}${eta}`
}

function formatTrialLine(trial: TrialRow, definition: SweepDefinition): string {
  const run = trial.runId ? ` (run ${trial.runId})` : ''
  const what =
    trial.status === 'completed'
      ? `${definition.objective.metric} ${formatObjective(trial.objective, definition.objective.metric)}`
      : trial.status === 'pruned'
        ? `pruned at ${trial.prunedStep} images`
        : trial.status === 'failed'
          ? `failed: ${trial.error ?? 'unknown error'}`
          : trial.status
  return `trial ${trial.index}${run}: ${what}  ${formatParams(trial.params)}`
}

function formatStatus(detail: SweepDetail, importance: ParameterImportance[], withTrials = true): string {
  const { definition, trials } = detail
  const metric = definition.objective.metric
  const status = detail.interrupted ? 'interrupted (no process is running it; continue with: snn-workbench sweep resume ' + detail.id + ')' : detail.status
  const lines = [
    `sweep ${detail.id}: ${detail.name}`,
    `status      ${status}${detail.error ? ` — ${detail.error}` : ''}`,
    `method      ${definition.method}   budget ${detail.budget}   early stopping ${definition.earlyStopping.kind}   seed ${definition.seed}`,
    `objective   ${definition.objective.direction} ${metric}`,
    `trials      ${trials.completed} completed, ${trials.pruned} pruned, ${trials.failed} failed, ${trials.running} running, ${trials.cancelled} cancelled`,
    `space       ${sweepParameters(definition)
      .map((p) => (p.kind === 'values' ? `${p.path} ∈ {${p.values.map(formatValue).join(', ')}}` : `${p.path} ∈ [${p.min}, ${p.max}] ${p.scale}${p.steps ? ` ×${p.steps}` : ''}`))
      .join('; ')}`
  ]
  if (detail.best) lines.push(`best        trial ${detail.best.index}${detail.best.runId ? ` (run ${detail.best.runId})` : ''}: ${formatObjective(detail.best.objective, metric)}  ${formatParams(detail.best.params)}`)
  if (withTrials && detail.trialList.length) {
    const rows = detail.trialList.map((t) => [
      String(t.index),
      t.status + (t.status === 'pruned' && t.prunedStep !== null ? `@${t.prunedStep}` : ''),
      formatObjective(t.objective, metric),
      t.runId ? String(t.runId) : '—',
      formatParams(t.params) + (t.error ? `  (${t.error})` : '')
    ])
    lines.push('', table([['trial', 'status', metric, 'run', 'parameters'], ...rows]))
  }
  if (importance.length) {
    lines.push('', `importance from ${trials.completed} completed trials (fANOVA main effects: the share of the objective's variance each parameter explains alone)`)
    for (const p of importance) lines.push(`  ${p.path.padEnd(32)} ${(100 * p.importance).toFixed(1).padStart(5)}%  ${'█'.repeat(Math.round(20 * p.importance))}`)
  }
  return lines.join('\n')
}

function formatBest(detail: SweepDetail, best: TrialRow[]): string {
  const metric = detail.definition.objective.metric
  if (best.length === 0) return `sweep ${detail.id} has no completed trial yet`
  const rows = best.map((t, rank) => [String(rank + 1), String(t.index), formatObjective(t.objective, metric), t.runId ? String(t.runId) : '—', formatParams(t.params)])
  return table([['rank', 'trial', metric, 'run', 'parameters'], ...rows])
}
