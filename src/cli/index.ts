/**
 * `snn-workbench` — the headless CLI over the same services the app uses.
 * Bad input of any kind prints one line `error: …` and exits with 2, having written nothing.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { PRESETS, type ExperimentConfig } from '../shared/config'
import {
  buildRecord,
  evaluateWeights,
  prepareConfig,
  readWeightsFile,
  summarize,
  train,
  writeRunArtifacts,
  writeWeightsFile
} from '../main/services/training'
import type { PresentationRecord } from '../engine/experiment/run'
import { startWebServer } from '../main/web/server'
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, isUserError, UsageError } from './errors'
import { formatEvaluation, ProgressBar } from './terminal'

const HELP = `snn-workbench — spiking neural networks that learn with STDP

Usage:
  snn-workbench train --config FILE [--out DIR] [--record FILE] [--out-weights FILE] [--json]
  snn-workbench evaluate --config FILE --weights FILE [--json]
  snn-workbench config [--preset seed-2017]      print a complete config to start from
  snn-workbench serve [--port 5174] [--host 127.0.0.1] [--no-build]
                                                 the app in a browser, without Electron
  snn-workbench help

train      trains the network described by FILE (JSON; see docs/config.md), evaluates it, and
           writes DIR (default: runs/<config name>): summary.json, weights.csv/.npy, one PNG per
           neuron and gallery.png.
           --record FILE       JSON with every presentation (threshold, winner, winner_t, spike
                               counts, spike times) and the final weights
           --out-weights FILE  output-layer weights as .csv, .json, .npy or .txt
evaluate   labels the neurons of the given weights from the training images, classifies the test
           images (no learning) and prints accuracy and per-neuron class responses.
--json     machine-readable result on stdout instead of tables and a progress bar.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (nothing written).`

type Options = ParseArgsConfig['options']

function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see snn-workbench help)`)
  }
}

function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${path}: ${what} file not found`)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new UsageError(`${path}: cannot read ${what} file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`)
  }
}

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
  const args = parse(argv, {
    config: { type: 'string' },
    out: { type: 'string' },
    record: { type: 'string' },
    'out-weights': { type: 'string' },
    json: { type: 'boolean' }
  })
  const { config } = loadConfig(args.config as string | undefined)
  const record = args.record as string | undefined
  const outWeights = args['out-weights'] as string | undefined
  checkOutputPath(record, ['.json'], '--record')
  checkOutputPath(outWeights, ['.csv', '.json', '.npy', '.txt'], '--out-weights')
  const outDir = resolve((args.out as string | undefined) ?? `runs/${safeName(config.name || basename(args.config as string, '.json'))}`)
  const json = Boolean(args.json)

  const presentations: PresentationRecord[] = []
  const bar = new ProgressBar('training')
  const result = train(config, {
    recordSpikeTimes: Boolean(record),
    onPresentation: (rec, { done, total }) => {
      if (record) presentations.push(rec)
      if (!json) bar.update(done, total, done === total)
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
    writeWeightsFile(outWeights, { rows: last.neurons, cols: last.inputs, data: last.weights }, { name: config.name, seed: config.seed, engineVersion: result.engineVersion })
    files.push(resolve(outWeights))
  }
  if (json) {
    process.stdout.write(JSON.stringify({ ...summarize(result), files }) + '\n')
  } else {
    const seconds = result.elapsedMs / 1000
    console.log(`trained ${result.presented} images in ${seconds.toFixed(2)} s (${(result.presented / Math.max(seconds, 1e-9)).toFixed(0)} images/s, including evaluation)`)
    if (result.evaluation) console.log(formatEvaluation(result.evaluation, result.classLabels))
    console.log(`\nwrote ${outDir} (summary.json, weights.csv, weights.npy, neuron-*.png, gallery.png)`)
    for (const f of files.filter((f) => !f.startsWith(outDir))) console.log(`wrote ${f}`)
  }
  return EXIT_OK
}

async function evaluateCommand(argv: string[]): Promise<number> {
  const args = parse(argv, { config: { type: 'string' }, weights: { type: 'string' }, json: { type: 'boolean' } })
  const { config } = loadConfig(args.config as string | undefined)
  const weightsPath = args.weights as string | undefined
  if (!weightsPath) throw new UsageError('--weights FILE is required (.csv, .json, .npy or .txt, neurons × inputs)')
  const weights = readWeightsFile(weightsPath)
  const { evaluation, classLabels } = evaluateWeights(config, weights, weightsPath)
  if (args.json) process.stdout.write(JSON.stringify({ classLabels, evaluation }) + '\n')
  else console.log(formatEvaluation(evaluation, classLabels))
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
  const args = parse(argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5174' },
    'no-build': { type: 'boolean' }
  })
  const port = Number(args.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${args.port}: expected an integer 0..65535`)
  const host = args.host as string
  const root = args['no-build'] ? resolve(__dirname, '..', '..', 'out', 'renderer') : buildRenderer()
  if (!existsSync(join(root, 'index.html'))) throw new UsageError(`${root}: no built renderer; run without --no-build`)
  let running
  try {
    running = await startWebServer({ root, host, port })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use; choose another with --port`)
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${host}: not an address of this machine`)
    throw e
  }
  console.log(`SNN Workbench is at ${running.url}`)
  if (running.token) console.log('(listening beyond this machine: the token in the URL is required)')
  console.log('Press Ctrl+C to stop.')
  await new Promise<void>((done) => {
    const stop = () => void running.close().then(done)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return EXIT_OK
}

async function configCommand(argv: string[]): Promise<number> {
  const args = parse(argv, { preset: { type: 'string' } })
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
  serve: serveCommand
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
    if (isUserError(error)) {
      // Multi-problem config errors stay one problem per line.
      console.error(error.message.split('\n').map((line) => `error: ${line}`).join('\n'))
      return EXIT_BAD_INPUT
    }
    console.error(`internal error: ${(error as Error).message ?? String(error)}`)
    if (process.env.SNN_DEBUG) console.error((error as Error).stack)
    return EXIT_FAILURE
  }
}
