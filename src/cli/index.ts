/**
 * `snn-workbench` — the headless CLI over the same services the app uses.
 * Bad input of any kind prints one line `error: …` and exits with 2, having written nothing.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PRESETS, type ExperimentConfig } from '../shared/config'
import {
  buildRecord,
  checkWeightsAreTheNetwork,
  evaluateWeights,
  prepareConfig,
  readWeightsFile,
  summarize,
  trainRecorded,
  writeRunArtifacts,
  writeWeightsFile
} from '../main/services/training'
import { loadInputs } from '../engine/host/loadInputs'
import { evaluateRun } from '../main/services/evaluateRun'
import type { Workbench } from '../main/services/workbench'
import { call, followRun, formatRunTable, parseFilters, parseRunId, table } from './commands/runs'
import { sweepCommand } from './commands/sweep'
import type { PresentationRecord } from '../engine/experiment/run'
import { startWebServer } from '../main/web/server'
import { openWorkbench, parseOptions, readJsonFile, wholeNumber, withDatabase, type Options } from './common'
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, expectedError, UsageError } from './errors'
import { formatEvaluation, ProgressBar } from './terminal'
import { exportCommand, importCommand } from './commands/export'
import { EXIT_INTERRUPTED, onInterrupt } from './interrupt'

const HELP = `snn-workbench — spiking neural networks that learn with STDP

Usage:
  snn-workbench train --config FILE [--experiment NAME] [--out DIR] [--record FILE]
                      [--out-weights FILE] [--json] [--db PATH]
  snn-workbench evaluate --config FILE --weights FILE [--json]
  snn-workbench evaluate --run ID [--test-range FIRST END] [--snapshot STEP] [--json] [--db PATH]
  snn-workbench runs list [--filter PARAM=VALUE]… [--tag T] [--status S] [--text T]
                          [--limit N] [--offset N] [--json] [--db PATH]
  snn-workbench runs show ID | runs compare ID ID… | runs delete ID… [--json] [--db PATH]
  snn-workbench runs tag ID TAG [--remove] | runs note ID TEXT [--db PATH]
  snn-workbench resume ID [--json] [--db PATH]   continue a failed or cancelled run
  snn-workbench config [--preset seed-2017|diehl-cook-2015]  print a complete config to start from
  snn-workbench serve [--port 5174] [--host 127.0.0.1] [--db PATH] [--concurrency N] [--no-build]
                                                 the app in a browser, without Electron
  snn-workbench sweep start --config SWEEP.json [--workers K] [--json] [--db PATH]
  snn-workbench sweep resume ID [--workers K] [--json] [--db PATH]
  snn-workbench sweep status ID | sweep best ID [--k N] | sweep list [--json] [--db PATH]
  snn-workbench sweep pause ID [--stop-trials] | sweep cancel ID | sweep budget ID N [--db PATH]
                                                 hyperparameter sweeps (see docs/sweeps.md); pause
                                                 lets the trials training finish, --stop-trials
                                                 stops them too (they run again on resume)
  snn-workbench export --run ID [--snapshot STEP] [--layer L] --format F --q I.F --out PATH
                       [--rounding nearest-even|toward-zero|floor] [--scale per-tensor|per-neuron]
                       [--layout neuron-major|input-major] [--per-neuron] [--accumulator BITS]
                       [--labels fixed|float] [--no-compare] [--json] [--db PATH]
  snn-workbench import --weights FILE --config FILE [--experiment NAME] [--json] [--db PATH]
  snn-workbench help

train      trains the network described by FILE (JSON; see docs/config.md), evaluates it,
           records the run in the database (its id is printed) and writes DIR (default:
           runs/<config name>): summary.json, weights.csv/.npy, one PNG per neuron, gallery.png.
           --record FILE       JSON with every presentation (threshold, winner, winner_t, spike
                               counts, spike times) and the final weights
           --out-weights FILE  output-layer weights as .csv, .json, .npy or .txt
evaluate   labels the neurons of the given weights from the training images, classifies the test
           images (no learning) and prints accuracy and per-neuron class responses (seed-2017).
           --run ID rebuilds a recorded run's network as it was at its latest complete snapshot
           (or STEP): weights and model state (diehl-cook-2015's θ, frozen), and evaluates it the
           same way, on the run's own test images (reproducing its recorded evaluation) or, with
           --test-range, on the source images [FIRST, END), e.g. a held-out range no trial saw
           (it must not overlap the training images). Writes nothing.
export     quantizes a run's weights to signed fixed point Q(I.F), prints the error, saturation and
           the integer model's accuracy and winner agreement against the float model on the run's
           test images (diehl-cook-2015: the float network with the quantized weights; --no-compare
           skips this), and writes F: mem ($readmemh), memb ($readmemb), coe (Xilinx), mif
           (Intel), c (header), npy, csv, txt (the seed's weights.txt), json or nir (see
           docs/export.md). --per-neuron writes one file per neuron next to PATH.
import     records weights from FILE (.txt, .csv, .npy, .json; also this tool's exports) as a new
           completed run of the config, evaluated on its data, and prints the run id.
--json     machine-readable result on stdout instead of tables and a progress bar.
--db PATH  the run database (default: the app's data folder, or $SNN_WORKBENCH_HOME).

Exit codes: 0 success, 1 unexpected failure, 2 bad input (nothing written).`

function loadConfig(path: string | undefined): { config: ExperimentConfig; path: string } {
  if (!path) throw new UsageError('--config FILE is required')
  const abs = resolve(path)
  return { config: prepareConfig(readJsonFile(abs, 'config'), path, dirname(abs)), path: abs }
}

/** Refuse to start when an output path is unusable, so a long run never ends in a lost result. */
function checkOutputPath(path: string | undefined, extensions: string[], flag: string): void {
  if (!path) return
  if (!extensions.some((ext) => path.toLowerCase().endsWith(ext))) {
    throw new UsageError(`${flag} ${path}: expected a file ending in ${extensions.join(', ')}`)
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a folder, expected a file name`)
}

async function trainCommand(argv: string[]): Promise<number> {
  const args = parseOptions(argv, {
    config: { type: 'string' },
    experiment: { type: 'string' },
    out: { type: 'string' },
    record: { type: 'string' },
    'out-weights': { type: 'string' },
    json: { type: 'boolean' },
    db: { type: 'string' }
  })
  const { config } = loadConfig(args.config as string | undefined)
  const record = args.record as string | undefined
  const outWeights = args['out-weights'] as string | undefined
  checkOutputPath(record, ['.json'], '--record')
  checkOutputPath(outWeights, ['.csv', '.json', '.npy', '.txt'], '--out-weights')
  const outDir = resolve((args.out as string | undefined) ?? `runs/${safeName(config.name || basename(args.config as string, '.json'))}`)
  const json = Boolean(args.json)
  // Everything the config names is loaded (and checked) before the run is recorded.
  const data = loadInputs(config)

  const workbench = await openWorkbench(args.db as string | undefined, false)
  // Training runs in this process between slices, so a stop is noticed within ~50 ms.
  const interrupt = onInterrupt('stopping the run…')
  try {
    const presentations: PresentationRecord[] = []
    const bar = new ProgressBar('training')
    const { runId, result } = await trainRecorded(workbench, config, data, {
      experiment: args.experiment as string | undefined,
      shouldStop: interrupt.interrupted,
      onRunCreated: (id) => {
        if (!json) console.error(`run ${id} (recorded in ${workbench.store.path})`)
      },
      hooks: {
        recordSpikeTimes: Boolean(record),
        onPresentation: (rec, { done, total }) => {
          if (record) presentations.push(rec)
          if (!json) bar.update(done, total)
        }
      }
    })
    if (!json) bar.finish()

    const files = writeRunArtifacts(outDir, result)
    if (record) {
      mkdirSync(dirname(resolve(record)), { recursive: true })
      writeFileSync(record, JSON.stringify(buildRecord(result, presentations)) + '\n')
      files.push(resolve(record))
    }
    if (outWeights) {
      const last = result.layers[result.layers.length - 1]
      writeWeightsFile(outWeights, { rows: last.neurons, cols: last.inputs, data: last.weights }, { name: config.name, seed: config.seed, runId, engineVersion: result.engineVersion })
      files.push(resolve(outWeights))
    }
    const stoppedLine = `run ${runId} stopped after ${result.presented} images (recorded as cancelled); continue it with: snn-workbench resume ${runId}`
    if (json) {
      process.stdout.write(JSON.stringify({ runId, ...summarize(result), files }) + '\n')
      if (result.cancelled) console.error(stoppedLine)
    } else {
      const seconds = result.elapsedMs / 1000
      if (result.cancelled) console.log(stoppedLine)
      console.log(`trained ${result.presented} images in ${seconds.toFixed(2)} s (${(result.presented / Math.max(seconds, 1e-9)).toFixed(0)} images/s, including evaluation)`)
      if (result.evaluation) console.log(formatEvaluation(result.evaluation, result.classLabels))
      console.log(`\nrun ${runId} recorded in ${workbench.store.path}`)
      console.log(`wrote ${outDir} (summary.json, weights.csv, weights.npy, neuron-*.png, gallery.png)`)
      for (const f of files.filter((f) => !f.startsWith(outDir))) console.log(`wrote ${f}`)
    }
    return result.cancelled ? EXIT_INTERRUPTED : EXIT_OK
  } finally {
    await workbench.close()
    // Only now: a second Ctrl+C while closing still quits at once, with 130.
    interrupt.dispose()
  }
}

async function runsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const withDb = { db: { type: 'string' as const }, json: { type: 'boolean' as const } }
  const parseSub = (options: Options): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } => {
    try {
      return parseArgs({ args: rest, options: { ...withDb, ...options }, allowPositionals: true, strict: true }) as never
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split('\n')[0]} (see snn-workbench help)`)
    }
  }
  const print = (json: boolean, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value) : text())
  switch (sub) {
    case 'list': {
      const { values } = parseSub({
        filter: { type: 'string', multiple: true },
        tag: { type: 'string' },
        status: { type: 'string' },
        text: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' }
      })
      const query = {
        params: parseFilters((values.filter as string[] | undefined) ?? []),
        tag: values.tag as string | undefined,
        status: values.status as never,
        text: values.text as string | undefined,
        limit: values.limit === undefined ? 100 : Number(values.limit),
        offset: values.offset === undefined ? 0 : Number(values.offset)
      }
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const list = await call(wb, 'runs.list', query)
        print(Boolean(values.json), list, () => formatRunTable(list.rows, list.total))
      })
    }
    case 'show': {
      const { values, positionals: ids } = parseSub({})
      const id = parseRunId(ids[0])
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const run = await call(wb, 'runs.get', { id })
        print(Boolean(values.json), run, () => formatRun(run))
      })
    }
    case 'compare': {
      const { values, positionals: ids } = parseSub({})
      if (ids.length < 2) throw new UsageError('runs compare takes 2 to 8 run ids')
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const result = await call(wb, 'runs.compare', { ids: ids.map((i) => parseRunId(i)) })
        print(Boolean(values.json), result, () => {
          const head = ['', ...result.runs.map((r) => `#${r.id} ${r.name}`)]
          const params = result.params.map((p) => [p.key, ...p.values.map((v) => v ?? '—')])
          const metrics = result.metrics.map((m) => [m.key, ...m.values.map((v) => (v === null ? '—' : String(Number(v.toPrecision(6)))))])
          return [
            'parameters that differ:',
            params.length ? table([head, ...params]) : '(none: the configs are identical)',
            '',
            'latest metrics:',
            metrics.length ? table([head, ...metrics]) : '(none recorded)'
          ].join('\n')
        })
      })
    }
    case 'delete': {
      const { values, positionals: ids } = parseSub({})
      if (ids.length === 0) throw new UsageError('runs delete takes one or more run ids')
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const result = await call(wb, 'runs.delete', { ids: ids.map((i) => parseRunId(i)) })
        print(Boolean(values.json), result, () => `deleted ${result.deleted} run${result.deleted === 1 ? '' : 's'}`)
      })
    }
    case 'tag': {
      const { values, positionals: words } = parseSub({ remove: { type: 'boolean' } })
      const id = parseRunId(words[0])
      if (!words[1]) throw new UsageError('runs tag ID TAG: the tag is missing')
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const result = await call(wb, 'runs.tag', { id, tag: words[1], remove: Boolean(values.remove) })
        print(Boolean(values.json), result, () => `run ${id} tags: ${result.tags.join(', ') || '(none)'}`)
      })
    }
    case 'note': {
      const { values, positionals: words } = parseSub({})
      const id = parseRunId(words[0])
      if (words.length < 2) throw new UsageError('runs note ID TEXT: the text is missing')
      return withWorkbench(values.db as string | undefined, async (wb) => {
        const result = await call(wb, 'runs.note', { id, text: words.slice(1).join(' ') })
        print(Boolean(values.json), result, () => `run ${id} note saved`)
      })
    }
    default:
      throw new UsageError(`runs ${sub ?? ''}: expected list, show, compare, delete, tag or note (see snn-workbench help)`.replace('runs :', 'runs:'))
  }
}

async function withWorkbench(db: string | undefined, work: (wb: Workbench) => Promise<void>): Promise<number> {
  const wb = await openWorkbench(db, false)
  try {
    await work(wb)
    return EXIT_OK
  } finally {
    await wb.close()
  }
}

function formatRun(run: Awaited<ReturnType<Workbench['handlers']['runs.get']>>): string {
  const lines = [
    `run ${run.id}: ${run.name}  (${run.experiment})`,
    `status     ${run.status}${run.error ? ` — ${run.error}` : ''}`,
    `progress   ${run.done}/${run.total}`,
    `created    ${run.createdAt}${run.finishedAt ? `   finished ${run.finishedAt}` : ''}`,
    `seed       ${run.seed}   preset ${run.preset}   engine ${run.engineVersion}   config ${run.configHash}`,
    `tags       ${run.tags.join(', ') || '—'}`,
    `snapshots  ${[...new Set(run.snapshots.map((s) => s.step))].join(', ') || '—'}`
  ]
  if (run.note) lines.push(`note       ${run.note}`)
  const metrics = Object.entries(run.latestMetrics)
  if (metrics.length) lines.push(`metrics    ${metrics.map(([k, v]) => `${k}=${Number(v.toPrecision(6))}`).join('  ')}`)
  if (run.evaluation) lines.push('', formatEvaluation(run.evaluation, run.classLabels))
  return lines.join('\n')
}

async function resumeCommand(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see snn-workbench help)`)
  }
  const id = parseRunId(parsed.positionals[0])
  const json = Boolean(parsed.values.json)
  const wb = await openWorkbench(parsed.values.db as string | undefined, false)
  // The engine process ignores the terminal's Ctrl+C; the run is cancelled here, leaving a snapshot to resume from.
  const interrupt = onInterrupt(`stopping run ${id}…`, () => void call(wb, 'runs.cancel', { id }).catch(() => undefined))
  try {
    await call(wb, 'runs.resume', { id })
    const summary = await followRun(wb, id, json)
    const run = wb.runs.get(id)
    if (json) console.log(JSON.stringify(run))
    if (interrupt.interrupted() && summary.status === 'cancelled') {
      console.error(`run ${id} stopped after ${run.done} of ${run.total} images (recorded as cancelled); continue it with: snn-workbench resume ${id}`)
      return EXIT_INTERRUPTED
    }
    if (!json) console.log(formatRun(run))
    return summary.status === 'completed' ? EXIT_OK : EXIT_FAILURE
  } finally {
    await wb.close()
    interrupt.dispose()
  }
}

/**
 * `--test-range FIRST END` takes two values, which parseArgs cannot: it is taken out of argv
 * here, checked as two whole numbers, and the rest is parsed as usual.
 */
function takeTestRange(argv: string[]): { rest: string[]; testRange?: [number, number] } {
  const at = argv.findIndex((a) => a === '--test-range' || a.startsWith('--test-range='))
  if (at < 0) return { rest: argv }
  const given = argv.slice(at + 1, at + 3).filter((a) => !a.startsWith('--'))
  const bad = () => new UsageError(`--test-range ${given.join(' ') || '(nothing)'}: expected two integers FIRST END with 0 ≤ FIRST < END (the source images [FIRST, END))`)
  if (argv[at] !== '--test-range') throw new UsageError(`${argv[at]}: --test-range takes two values, --test-range FIRST END`)
  if (given.length < 2 || !given.every((a) => /^\d+$/.test(a))) throw bad()
  const [first, end] = given.map(Number)
  if (!Number.isSafeInteger(end) || first >= end) throw bad()
  const rest = [...argv.slice(0, at), ...argv.slice(at + 3)]
  if (rest.some((a) => a === '--test-range' || a.startsWith('--test-range='))) throw new UsageError('--test-range given twice')
  return { rest, testRange: [first, end] }
}

async function evaluateCommand(argv: string[]): Promise<number> {
  const { rest, testRange } = takeTestRange(argv)
  const args = parseOptions(rest, {
    config: { type: 'string' },
    weights: { type: 'string' },
    run: { type: 'string' },
    snapshot: { type: 'string' },
    json: { type: 'boolean' },
    db: { type: 'string' }
  })
  if (args.run === undefined) {
    const runOnly = (['--snapshot', '--test-range', '--db'] as const).filter((flag) => (flag === '--test-range' ? testRange : args[flag.slice(2)]) !== undefined)
    if (runOnly.length > 0) throw new UsageError(`${runOnly.join(', ')}: only with --run ID (they pick a recorded run's snapshot, test images and database)`)
    const { config } = loadConfig(args.config as string | undefined)
    const weightsPath = args.weights as string | undefined
    checkWeightsAreTheNetwork(config, weightsPath ?? (args.config as string))
    if (!weightsPath) throw new UsageError('--weights FILE is required (.csv, .json, .npy or .txt, neurons × inputs)')
    const weights = readWeightsFile(weightsPath)
    const { evaluation, classLabels } = evaluateWeights(config, weights, weightsPath)
    if (args.json) process.stdout.write(JSON.stringify({ classLabels, evaluation }) + '\n')
    else console.log(formatEvaluation(evaluation, classLabels))
    return EXIT_OK
  }

  const fileFlags = (['--config', '--weights'] as const).filter((flag) => args[flag.slice(2)] !== undefined)
  if (fileFlags.length > 0) {
    throw new UsageError(`--run ID takes no ${fileFlags.join(' or ')}: it evaluates the run's recorded network with its own config (--config and --weights evaluate a weights file)`)
  }
  const runId = parseRunId(args.run as string, '--run ID')
  const step = wholeNumber(args.snapshot, '--snapshot')
  await withDatabase(args.db as string | undefined, true, async (wb) => {
    // Labelling and testing a large network takes minutes: show the images done on a terminal.
    const bar = args.json ? null : new ProgressBar('evaluating')
    const onProgress = bar ? (done: number, total: number) => bar.update(done, total) : undefined
    const result = evaluateRun(wb, { runId, step, testRange, onProgress })
    bar?.finish()
    if (args.json) {
      process.stdout.write(JSON.stringify(result) + '\n')
      return
    }
    const range = result.testRange ? `[${result.testRange[0]}, ${result.testRange[1]})` : 'per-class selection'
    console.log(`run ${runId} at snapshot step ${result.step}, test images ${range}${testRange ? '' : " (the run's own)"}, learning off`)
    console.log(formatEvaluation(result.evaluation, result.classLabels))
  })
  return EXIT_OK
}

/** Build the renderer with electron-vite (about two seconds); returns the folder to serve. */
function buildRenderer(): string {
  const projectRoot = resolve(__dirname, '..', '..')
  const bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
  const built = spawnSync(process.execPath, [bin, 'build'], { cwd: projectRoot, encoding: 'utf8' })
  if (built.status !== 0) {
    throw new Error(`building the renderer failed:\n${(built.stdout ?? '') + (built.stderr ?? '')}`.trim())
  }
  return join(projectRoot, 'out', 'renderer')
}

async function serveCommand(argv: string[]): Promise<number> {
  const args = parseOptions(argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5174' },
    db: { type: 'string' },
    concurrency: { type: 'string' },
    'no-build': { type: 'boolean' }
  })
  const concurrency = args.concurrency === undefined ? undefined : Number(args.concurrency)
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) {
    throw new UsageError(`--concurrency ${args.concurrency}: expected an integer 1..256 (runs training at once)`)
  }
  const port = Number(args.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${args.port}: expected an integer 0..65535`)
  const host = args.host as string
  const root = args['no-build'] ? resolve(__dirname, '..', '..', 'out', 'renderer') : buildRenderer()
  if (!existsSync(join(root, 'index.html'))) throw new UsageError(`${root}: no built renderer; run without --no-build`)
  // The app's own workbench: runs left queued by an earlier session start again here.
  const workbench = await openWorkbench(args.db as string | undefined, true, concurrency)
  let running
  try {
    running = await startWebServer({ root, host, port, api: workbench })
  } catch (e) {
    await workbench.close()
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use; choose another with --port`)
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${host}: not an address of this machine`)
    throw e
  }
  console.log(`SNN Workbench is at ${running.url}`)
  console.log(`runs are recorded in ${workbench.store.path}`)
  if (running.token) console.log('(listening beyond this machine: the token in the URL is required)')
  console.log('Press Ctrl+C to stop.')
  await new Promise<void>((done) => {
    const stop = () => void running.close().then(() => workbench.close()).then(done)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return EXIT_OK
}

async function configCommand(argv: string[]): Promise<number> {
  const args = parseOptions(argv, { preset: { type: 'string' } })
  const preset = (args.preset as string | undefined) ?? 'seed-2017'
  if (!(preset in PRESETS)) throw new UsageError(`--preset ${preset}: unknown preset (expected one of ${Object.keys(PRESETS).join(', ')})`)
  process.stdout.write(JSON.stringify(PRESETS[preset as keyof typeof PRESETS], null, 2) + '\n')
  return EXIT_OK
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run'
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: trainCommand,
  evaluate: evaluateCommand,
  config: configCommand,
  serve: serveCommand,
  runs: runsCommand,
  resume: resumeCommand,
  sweep: sweepCommand,
  export: exportCommand,
  import: importCommand
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command) {
    console.error(`${HELP}\n\nerror: no command given`)
    return EXIT_BAD_INPUT
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP)
    return EXIT_OK
  }
  const run = COMMANDS[command]
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (expected ${Object.keys(COMMANDS).join(', ')}; see snn-workbench help)`)
    return await run(rest)
  } catch (error) {
    const expected = expectedError(error)
    if (expected) {
      // Multi-problem config errors stay one problem per line.
      console.error(expected.message.split('\n').map((line) => `error: ${line}`).join('\n'))
      return expected.exitCode
    }
    // An ApiError 'internal' already says so.
    const message = (error as Error).message ?? String(error)
    console.error(message.startsWith('internal error:') ? message : `internal error: ${message}`)
    if (process.env.SNN_DEBUG) console.error((error as Error).stack)
    return EXIT_FAILURE
  }
}
