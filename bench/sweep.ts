/**
 * `npx tsx bench/sweep.ts`: sweep figures for docs/sweeps.md.
 *
 * 1. Throughput: the same 16-trial random sweep over the seed-2017 model (digits 0–2, learning
 *    rate and threshold scale searched), trials training in engine processes through the
 *    SweepService exactly as `sweep start` runs them, once with 1 worker and once with 2, each
 *    on a fresh database. Prints trials per minute and the speed-up (goal: ≥ 1.85× on 2 cores).
 *    For scale, the machine's own ceiling: the same CPU-bound loop in 1 process, then in 2 at
 *    once (a VM's 2 vCPUs may not give 2× even to independent processes).
 *    Each timed sweep also reports the CPU seconds other processes used meanwhile (from /proc):
 *    on 2 cores a 2-worker sweep has no core to spare for them, 1 worker has one, so a busy
 *    neighbour (a type check, a test run) lowers the speed-up far more than either time.
 *    Cold: the sweep starts its engine processes. Warm: each worker's engine has already trained
 *    one untimed trial of the same model and size (another seed), as in an app that has trained
 *    before; V8 still optimises the per-trial code (shuffles, weight copies, labelling) during
 *    the timed sweep's first few trials, twice over with 2 engines. Steady state: each engine
 *    has trained STEADY_WARM_TRIALS trials, after which it compiles nothing more. (Until
 *    2026-11-28 the warm-up was one 10-image trial on digits 0–1.)
 * 2. Scheduler overhead: the same scheduler and store with an executor that costs nothing, so
 *    all the time is proposing, recording and bookkeeping; milliseconds per trial for random
 *    and TPE (whose proposals grow with the history), with and without pruning reports.
 * 3. Engine start-up, where a new engine process's time goes: from fork to the end of a 20-image
 *    run, through the tsx launcher and through the prebuilt worker bundle, each with the
 *    bundled MNIST decoded from its JSON or read from the decoded-digits cache; and, in this
 *    process, the decoding alone vs reading the cache. (A sweep pays this once per worker: the
 *    run service keeps engine processes warm between trials.)
 *
 * Every figure is the best of --repeat rounds (the 1- and 2-worker sweeps and the ceiling
 * interleaved), which keeps other processes on a shared machine out of the comparison as far
 * as it can be kept.
 *
 * Options: --trials N (throughput sweep, default 16), --per-class N (training images per digit,
 * default 300), --epochs N (default 2), --repeat N (default 2), --overhead-trials N (default
 * 300), --json. `--paired N [--warm-trials K]` runs instead N rounds of the warm sweep with 1 and
 * 2 workers back to back (engines warmed with K trials each, default 1) and prints each round's
 * speed-up, the median, and where the CPU went (benchPaired).
 *
 * `npm run bench` (bench/run.ts) runs part 1 alone through `benchSweepThroughput` and
 * `printSweepThroughput`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { bundledMnistDigitsDir, decodeBundledMnistDigits, loadBundledMnistDigitBytes, readDigitCache, writeDigitCache } from '../src/engine/host/bundledMnist'
import { EngineRun } from '../src/main/engineHost/engineRun'
import { ENGINE_WORKER_SCRIPT, forkNodeEngine, nodeEngineProcessFactory } from '../src/main/engineHost/nodeProcess'
import { engineWorkerBundle } from '../src/main/engineHost/workerBundle'
import { parseExperimentConfig } from '../src/shared/config'
import { SweepService } from '../src/main/services/sweepService'
import { createWorkbench } from '../src/main/services/workbench'
import type { TrialExecutor } from '../src/main/sweeps/scheduler'
import type { SweepDefinitionInput } from '../src/shared/sweep'

/** The issue's goal for 2 workers against 1 on 2 cores. */
export const SWEEP_SPEEDUP_GOAL = 1.85

/**
 * Untimed trials per engine before a steady-state sweep: traced with --trace-opt, a warm engine's
 * last optimising compilations of the training code come in its 4th–6th trial.
 */
const STEADY_WARM_TRIALS = 5

export interface ThroughputOptions {
  /** Trials of the throughput sweep (default 16). */
  trials?: number
  /** Training images per digit (default 300). */
  perClass?: number
  /** Default 2. */
  epochs?: number
  /** Interleaved rounds; every figure is the best of them (default 2). */
  repeat?: number
}

/** Temp folder of fresh databases, one per timed sweep. */
let root = ''
let dbCounter = 0
const freshDb = () => join(root, `bench-${++dbCounter}.db`)

function throughputSweep(trials: number, perClass: number, epochs: number): SweepDefinitionInput {
  return {
    name: 'bench seed-2017',
    base: { data: { classes: [0, 1, 2], trainPerClass: perClass, testPerClass: 20 }, epochs },
    space: {
      'learning.rate': { range: [0.005, 0.05], scale: 'log' },
      'threshold.scale': { range: [0.8, 1.5] }
    },
    method: 'random',
    budget: trials,
    seed: 2017
  }
}

/** Linux's clock ticks per second for /proc CPU times (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100

/** The fields of a /proc stat line after the command: state (0), ppid (1) … utime (11), stime (12). */
function statFields(path: string): string[] {
  return readFileSync(path, 'utf8').split(') ')[1].split(' ')
}

const cpuTicks = (fields: string[]) => Number(fields[11]) + Number(fields[12])

/** This process's children (the engine processes), from /proc. */
function childPids(): string[] {
  const children: string[] = []
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      if (Number(statFields(`/proc/${pid}/stat`)[1]) === process.pid) children.push(pid)
    } catch {
      continue // ended meanwhile
    }
  }
  return children
}

/**
 * CPU seconds the whole machine has spent busy, and this process with its children (the engines)
 * have used, from /proc; null where there is no /proc. Their difference over a timed sweep is
 * what other processes took: on 2 cores a 2-worker sweep has no core to spare for them, so one
 * busy neighbour costs it far more than it costs 1 worker.
 */
function cpuSplit(): { machine: number; ours: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
    let ours = cpuTicks(statFields(`/proc/${process.pid}/stat`))
    for (const pid of childPids()) {
      try {
        ours += cpuTicks(statFields(`/proc/${pid}/stat`))
      } catch {
        continue // ended meanwhile
      }
    }
    return { machine: busy / CLOCK_TICKS_PER_SECOND, ours: ours / CLOCK_TICKS_PER_SECOND }
  } catch {
    return null
  }
}

/** CPU milliseconds of this process and of its children (the engines), main threads apart from the others (V8's compiler and GC helpers, libuv). */
export interface ThreadCpu {
  hostMain: number
  hostHelpers: number
  engineMain: number
  engineHelpers: number
}

function taskMs(pid: string, tid: string): number {
  return (cpuTicks(statFields(`/proc/${pid}/task/${tid}/stat`)) * 1000) / CLOCK_TICKS_PER_SECOND
}

/** Per-thread CPU from /proc (null where there is none); a thread that ends between two readings takes its time with it. */
function threadCpu(): ThreadCpu | null {
  try {
    const cpu: ThreadCpu = { hostMain: 0, hostHelpers: 0, engineMain: 0, engineHelpers: 0 }
    const self = String(process.pid)
    for (const tid of readdirSync(`/proc/${self}/task`)) {
      if (tid === self) cpu.hostMain += taskMs(self, tid)
      else cpu.hostHelpers += taskMs(self, tid)
    }
    for (const pid of childPids()) {
      try {
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          if (tid === pid) cpu.engineMain += taskMs(pid, tid)
          else cpu.engineHelpers += taskMs(pid, tid)
        }
      } catch {
        continue // ended meanwhile
      }
    }
    return cpu
  } catch {
    return null
  }
}

function subtractCpu(after: ThreadCpu, before: ThreadCpu): ThreadCpu {
  return {
    hostMain: after.hostMain - before.hostMain,
    hostHelpers: after.hostHelpers - before.hostHelpers,
    engineMain: after.engineMain - before.engineMain,
    engineHelpers: after.engineHelpers - before.engineHelpers
  }
}

/**
 * Seconds for sweep `input` on a fresh database, and the CPU seconds other processes used
 * meanwhile (null where it cannot be known), and where this process's and its engines' CPU went.
 * `warmTrialsPerWorker` > 0: the engine processes are already running and have trained this model
 * before (a sweep of that many trials per worker, of the same model and size with another seed,
 * goes first, untimed), as in an app or `serve` that has trained before; 0 (cold),
 * the sweep also pays for starting them and for V8 compiling the training code while it runs.
 */
async function timeSweep(
  input: SweepDefinitionInput,
  workers: number,
  executor?: TrialExecutor,
  warmTrialsPerWorker = 0
): Promise<{ seconds: number; completed: number; otherCpuSeconds: number | null; cpu: ThreadCpu | null }> {
  const wb = await createWorkbench({ databasePath: freshDb(), engine: nodeEngineProcessFactory(), concurrency: workers })
  const sweeps = new SweepService(wb.store, wb.runs, wb.events, { executor })
  try {
    if (warmTrialsPerWorker > 0) {
      const warmUp = { ...input, name: 'warm-up', budget: workers * warmTrialsPerWorker, seed: (input.seed ?? 0) + 1 }
      await sweeps.wait(sweeps.create(warmUp, { concurrency: workers }).id)
    }
    const cpuBefore = cpuSplit()
    const threadsBefore = threadCpu()
    const started = performance.now()
    const { id } = sweeps.create(input, { concurrency: workers })
    const outcome = await sweeps.wait(id)
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = cpuSplit()
    const threadsAfter = threadCpu()
    const otherCpuSeconds = cpuBefore && cpuAfter ? Math.max(0, cpuAfter.machine - cpuBefore.machine - (cpuAfter.ours - cpuBefore.ours)) : null
    const detail = sweeps.get(id)
    const failed = detail.trialList.find((t) => t.status !== 'completed')
    if (outcome !== 'completed' || failed) throw new Error(`sweep ended ${outcome}${failed ? `; trial ${failed.index} ${failed.status}: ${failed.error}` : ''}`)
    const cpu = threadsBefore && threadsAfter ? subtractCpu(threadsAfter, threadsBefore) : null
    return { seconds, completed: detail.trials.completed, otherCpuSeconds, cpu }
  } finally {
    await sweeps.close()
    await wb.close()
  }
}

/** A CPU-bound loop of about `seconds` in a child process; resolves with its wall time. */
function spin(iterations: number): Promise<number> {
  const started = performance.now()
  const loop = `let x = 0; for (let i = 0; i < ${iterations}; i++) x = (x + i * 7) % 1000003; if (x < 0) console.log(x)`
  return new Promise((resolvePromise, reject) =>
    execFile(process.execPath, ['-e', loop], (error) => (error ? reject(error) : resolvePromise((performance.now() - started) / 1000)))
  )
}

/** Seconds for a loop alone, and for two copies at once: what 2 workers can hope for here. */
async function machineCeiling(): Promise<{ alone: number; together: number }> {
  const iterations = 4e8
  const alone = await spin(iterations)
  const together = Math.max(...(await Promise.all([spin(iterations), spin(iterations)])))
  return { alone, together }
}

const free: TrialExecutor = async () => 0.5
/** Ten pruning reports per trial, none of which prunes (the median of equal values). */
const reporting: TrialExecutor = async (_config, _index, report, context) => {
  for (const step of context.reportSteps(100)) report(step, 0.5)
  return 0.5
}

async function overhead(method: 'random' | 'tpe', pruning: boolean, overheadTrials: number) {
  const input: SweepDefinitionInput = {
    name: `overhead ${method}`,
    space: { 'learning.rate': { range: [0.001, 0.1], scale: 'log' }, 'neuron.refractorySteps': { range: [0, 60], scale: 'int' }, 'encoder.kind': { values: ['deterministic', 'poisson'] } },
    method,
    budget: overheadTrials,
    earlyStopping: pruning ? { kind: 'median', startupTrials: 5, warmupSteps: 0, interval: 10 } : 'none'
  }
  const { seconds } = await timeSweep(input, 4, pruning ? reporting : free)
  return { case: `${method}${pruning ? ' + median pruning (9 reports/trial)' : ''}`, msPerTrial: (1000 * seconds) / overheadTrials }
}

const fastest = <T extends { seconds: number }>(a: T, b: T) => (b.seconds < a.seconds ? b : a)

const startupRun = parseExperimentConfig({ steps: 100, network: { layers: [{ neurons: 3 }] }, data: { classes: [0, 1], trainPerClass: 10, testPerClass: 5 } })

/** Milliseconds from fork to `done` of a 20-image run in a new engine process (best of `repeat`). */
async function engineStart(workerPath: string, mnistCache: boolean, repeat: number): Promise<number> {
  let best = Infinity
  for (let i = 0; i < repeat; i++) {
    // An empty cache folder of its own: the engine decodes the JSON (and writes a cache nobody reads).
    const env = mnistCache ? process.env : { ...process.env, SNN_WORKBENCH_CACHE: join(root, `no-cache-${i}-${mnistCache}-${workerPath.length}`) }
    const started = performance.now()
    const run = new EngineRun(() => forkNodeEngine({ workerPath, env }))
    run.start({ runId: 1, config: startupRun })
    const outcome = await run.finished
    best = Math.min(best, performance.now() - started)
    await run.stop() // a bare factory: the process ends with its run
    if (outcome.status !== 'done') throw new Error(`engine start-up run failed: ${outcome.reason}`)
  }
  return best
}

async function startupBreakdown(repeat: number) {
  const bundle = engineWorkerBundle()
  loadBundledMnistDigitBytes() // writes the decoded-digits cache if it is missing
  const dir = bundledMnistDigitsDir()
  const timeMin = (work: () => unknown) => {
    let best = Infinity
    for (let i = 0; i < repeat; i++) {
      const started = performance.now()
      work()
      best = Math.min(best, performance.now() - started)
    }
    return best
  }
  const cacheFile = join(root, 'digits.bin')
  writeDigitCache(cacheFile, decodeBundledMnistDigits(dir))
  const cases = [
    { case: 'tsx launcher, MNIST from JSON', ms: await engineStart(ENGINE_WORKER_SCRIPT, false, repeat) },
    { case: 'tsx launcher, MNIST from cache', ms: await engineStart(ENGINE_WORKER_SCRIPT, true, repeat) },
    ...(bundle
      ? [
          { case: 'worker bundle, MNIST from JSON', ms: await engineStart(bundle, false, repeat) },
          { case: 'worker bundle, MNIST from cache (the default)', ms: await engineStart(bundle, true, repeat) }
        ]
      : [])
  ]
  return {
    engineToDoneMs: cases,
    mnistDecodeJsonMs: timeMin(() => decodeBundledMnistDigits(dir)),
    mnistReadCacheMs: timeMin(() => readDigitCache(cacheFile))
  }
}

/** One configuration's best sweep. */
export interface SweepTiming {
  seconds: number
  trialsPerMinute: number
  /** CPU seconds other processes on the machine used during that sweep (null: unknown, no /proc). */
  otherCpuSeconds: number | null
}

export interface SweepThroughput {
  trials: number
  repeat: number
  imagesPerTrial: number
  cores: number
  oneWorker: SweepTiming
  twoWorkers: SweepTiming
  speedup: number
  warm: { oneWorker: SweepTiming; twoWorkers: SweepTiming; speedup: number }
  /** Engines warmed with STEADY_WARM_TRIALS trials each: V8 has stopped compiling the training code. */
  steady: { oneWorker: SweepTiming; twoWorkers: SweepTiming; speedup: number }
  /** Two CPU-bound processes at once against one: what 2 workers can hope for here. */
  machineCeiling: number
}

/** Part 1: the 16-trial sweep with 1 and 2 workers, cold and warm, and the machine's ceiling (best of `repeat` interleaved rounds). */
export async function benchSweepThroughput(options: ThroughputOptions = {}): Promise<SweepThroughput> {
  const { trials = 16, perClass = 300, epochs = 2, repeat = 2 } = options
  const ownRoot = !root
  if (ownRoot) root = mkdtempSync(join(tmpdir(), 'snn-bench-sweep-'))
  try {
    const input = () => throughputSweep(trials, perClass, epochs)
    let alone = Infinity
    let together = Infinity
    const none: { seconds: number; completed: number; otherCpuSeconds: number | null; cpu: ThreadCpu | null } = { seconds: Infinity, completed: 0, otherCpuSeconds: null, cpu: null }
    let one = none
    let two = none
    let oneWarm = none
    let twoWarm = none
    let oneSteady = none
    let twoSteady = none
    for (let round = 0; round < repeat; round++) {
      const spins = await machineCeiling()
      alone = Math.min(alone, spins.alone)
      together = Math.min(together, spins.together)
      one = fastest(one, await timeSweep(input(), 1))
      two = fastest(two, await timeSweep(input(), 2))
      oneWarm = fastest(oneWarm, await timeSweep(input(), 1, undefined, 1))
      twoWarm = fastest(twoWarm, await timeSweep(input(), 2, undefined, 1))
      oneSteady = fastest(oneSteady, await timeSweep(input(), 1, undefined, STEADY_WARM_TRIALS))
      twoSteady = fastest(twoSteady, await timeSweep(input(), 2, undefined, STEADY_WARM_TRIALS))
    }
    const timing = (r: { seconds: number; otherCpuSeconds: number | null }): SweepTiming => ({
      seconds: r.seconds,
      trialsPerMinute: (60 * trials) / r.seconds,
      otherCpuSeconds: r.otherCpuSeconds
    })
    return {
      trials,
      repeat,
      imagesPerTrial: 3 * perClass * epochs,
      cores: cpus().length,
      oneWorker: timing(one),
      twoWorkers: timing(two),
      speedup: one.seconds / two.seconds,
      warm: { oneWorker: timing(oneWarm), twoWorkers: timing(twoWarm), speedup: oneWarm.seconds / twoWarm.seconds },
      steady: { oneWorker: timing(oneSteady), twoWorkers: timing(twoSteady), speedup: oneSteady.seconds / twoSteady.seconds },
      machineCeiling: (2 * alone) / together
    }
  } finally {
    if (ownRoot) {
      rmSync(root, { recursive: true, force: true })
      root = ''
    }
  }
}

export function printSweepThroughput(t: SweepThroughput): void {
  // Other processes' CPU during the sweep: a 2-worker sweep on 2 cores loses nearly all of it.
  const others = (r: SweepTiming) => (r.otherCpuSeconds === null ? '' : `   others ${r.otherCpuSeconds.toFixed(2)} CPU s`)
  const row = (label: string, r: SweepTiming) =>
    `  ${label.padEnd(10)} ${r.seconds.toFixed(2).padStart(6)} s   ${r.trialsPerMinute.toFixed(1).padStart(6)} trials/min${others(r)}`
  const goal = (speedup: number) => `speed-up ${speedup.toFixed(2)}× (goal ≥ ${SWEEP_SPEEDUP_GOAL}×: ${speedup >= SWEEP_SPEEDUP_GOAL ? 'met' : 'not met'})`
  console.log(`sweep throughput: ${t.trials}-trial seed-2017 sweep, ${t.imagesPerTrial} training images per trial, ${t.cores} cores, best of ${t.repeat}`)
  console.log(`  engines started by the sweep (cold):`)
  console.log(row('1 worker', t.oneWorker))
  console.log(`${row('2 workers', t.twoWorkers)}   ${goal(t.speedup)}`)
  console.log(`  engines already running (warm), as in an app that has trained before:`)
  console.log(row('1 worker', t.warm.oneWorker))
  console.log(`${row('2 workers', t.warm.twoWorkers)}   ${goal(t.warm.speedup)}`)
  console.log(`  engines at steady state (each has trained ${STEADY_WARM_TRIALS} trials; V8 no longer compiles the training code):`)
  console.log(row('1 worker', t.steady.oneWorker))
  console.log(`${row('2 workers', t.steady.twoWorkers)}   ${goal(t.steady.speedup)}`)
  console.log(`  (this machine: 2 CPU-bound processes at once run ${t.machineCeiling.toFixed(2)}× the work of 1)`)
}

/** One round of the paired comparison: the same warm sweep with 1 worker and with 2. */
export interface PairedRound {
  one: { seconds: number; cpu: ThreadCpu | null; otherCpuSeconds: number | null }
  two: { seconds: number; cpu: ThreadCpu | null; otherCpuSeconds: number | null }
  speedup: number
}

/**
 * `--paired N`: N rounds, each the warm sweep with 1 worker and then with 2 (the order
 * alternating from round to round, so a drift in the VM's speed favours neither), each on a fresh
 * database after `warmTrials` untimed trials per engine. Each round's ratio compares two sweeps
 * run seconds apart, which is as close as this VM lets two timings be; the median over rounds is
 * the figure, the spread says how far one round can be trusted. The CPU split shows where a
 * 2-worker sweep's time goes: engines' main threads (training), their helper threads (V8's
 * optimising compiler and GC) and the host (scheduler, store, IPC).
 */
export async function benchPaired(rounds: number, warmTrials: number, trials: number, perClass: number, epochs: number): Promise<PairedRound[]> {
  const ownRoot = !root
  if (ownRoot) root = mkdtempSync(join(tmpdir(), 'snn-bench-sweep-'))
  try {
    const result: PairedRound[] = []
    for (let round = 0; round < rounds; round++) {
      const time = (workers: number) => timeSweep(throughputSweep(trials, perClass, epochs), workers, undefined, warmTrials)
      let one: Awaited<ReturnType<typeof time>>
      let two: Awaited<ReturnType<typeof time>>
      if (round % 2 === 0) {
        one = await time(1)
        two = await time(2)
      } else {
        two = await time(2)
        one = await time(1)
      }
      const pick = (r: typeof one) => ({ seconds: r.seconds, cpu: r.cpu, otherCpuSeconds: r.otherCpuSeconds })
      result.push({ one: pick(one), two: pick(two), speedup: one.seconds / two.seconds })
    }
    return result
  } finally {
    if (ownRoot) {
      rmSync(root, { recursive: true, force: true })
      root = ''
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function printPaired(rounds: PairedRound[], warmTrials: number, trials: number, imagesPerTrial: number): void {
  const others = (seconds: number | null) => (seconds === null ? '' : `, others ${(1000 * seconds).toFixed(0)}`)
  const cpuText = (r: PairedRound['one']) =>
    r.cpu
      ? `engines ${r.cpu.engineMain.toFixed(0)} + ${r.cpu.engineHelpers.toFixed(0)}, host ${r.cpu.hostMain.toFixed(0)} + ${r.cpu.hostHelpers.toFixed(0)}${others(r.otherCpuSeconds)}`
      : 'CPU unknown'
  console.log(`paired rounds: ${trials}-trial seed-2017 sweep, ${imagesPerTrial} training images per trial, engines warmed with ${warmTrials} trial(s) each`)
  console.log(`  CPU ms of each sweep: engines' main threads + their other threads, host's main thread + its other threads, other processes`)
  rounds.forEach((r, i) => {
    console.log(`  round ${String(i + 1).padStart(2)}: 1 worker ${r.one.seconds.toFixed(2)} s (${cpuText(r.one)})`)
    console.log(`            2 workers ${r.two.seconds.toFixed(2)} s (${cpuText(r.two)})   ${r.speedup.toFixed(2)}×`)
  })
  const speedups = rounds.map((r) => r.speedup)
  const busy = rounds.filter((r) => r.two.cpu).map((r) => {
    const c = r.two.cpu!
    return (c.engineMain + c.engineHelpers + c.hostMain + c.hostHelpers) / (2 * 1000 * r.two.seconds)
  })
  console.log(
    `  speed-up: median ${median(speedups).toFixed(2)}×, range ${Math.min(...speedups).toFixed(2)}–${Math.max(...speedups).toFixed(2)}× over ${rounds.length} rounds (goal ≥ ${SWEEP_SPEEDUP_GOAL}×)` +
      (busy.length ? `; 2-worker sweeps kept the 2 cores ${(100 * median(busy)).toFixed(0)}% busy (median)` : '')
  )
}

async function main() {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '16' },
      'per-class': { type: 'string', default: '300' },
      epochs: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '2' },
      'overhead-trials': { type: 'string', default: '300' },
      paired: { type: 'string', default: '0' },
      'warm-trials': { type: 'string', default: '1' },
      json: { type: 'boolean', default: false }
    }
  })
  const trials = Number(values.trials)
  const perClass = Number(values['per-class'])
  const epochs = Number(values.epochs)
  const overheadTrials = Number(values['overhead-trials'])
  const repeat = Number(values.repeat)
  const paired = Number(values.paired)
  const warmTrials = Number(values['warm-trials'])
  if (!Number.isInteger(paired) || paired < 0) {
    console.error('error: --paired must be an integer ≥ 0')
    process.exit(2)
  }
  for (const [name, n] of Object.entries({ trials, 'per-class': perClass, epochs, repeat, 'overhead-trials': overheadTrials, 'warm-trials': warmTrials })) {
    if (!Number.isInteger(n) || n < 1) {
      console.error(`error: --${name} must be a positive integer`)
      process.exit(2)
    }
  }
  root = mkdtempSync(join(tmpdir(), 'snn-bench-sweep-'))
  try {
    if (paired > 0) {
      const rounds = await benchPaired(paired, warmTrials, trials, perClass, epochs)
      if (values.json) console.log(JSON.stringify({ warmTrials, trials, imagesPerTrial: 3 * perClass * epochs, rounds }))
      else printPaired(rounds, warmTrials, trials, 3 * perClass * epochs)
      return
    }
    const throughput = await benchSweepThroughput({ trials, perClass, epochs, repeat })
    const overheads = [
      await overhead('random', false, overheadTrials),
      await overhead('tpe', false, overheadTrials),
      await overhead('random', true, overheadTrials),
      await overhead('tpe', true, overheadTrials)
    ]
    const startup = await startupBreakdown(repeat)

    if (values.json) {
      console.log(JSON.stringify({ throughput, overhead: { trials: overheadTrials, cases: overheads }, startup }))
      return
    }
    printSweepThroughput(throughput)
    console.log(`scheduler overhead (${overheadTrials} trials, an executor that costs nothing, 4 at once)`)
    for (const o of overheads) console.log(`  ${o.case.padEnd(44)} ${o.msPerTrial.toFixed(2).padStart(6)} ms/trial`)
    console.log(`engine start-up: fork to done of a 20-image run in a new process, best of ${repeat}`)
    for (const c of startup.engineToDoneMs) console.log(`  ${c.case.padEnd(44)} ${c.ms.toFixed(0).padStart(6)} ms`)
    console.log(`  bundled MNIST in-process: decode the JSON ${startup.mnistDecodeJsonMs.toFixed(0)} ms, read the decoded cache ${startup.mnistReadCacheMs.toFixed(0)} ms`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
