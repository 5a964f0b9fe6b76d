/**
 * The engine host with real engine processes (bin/engine-worker.cjs under child_process.fork):
 * a run streams what it does, matches the in-process engine bit for bit, stops on cancel, and
 * every way a process can die is reported as one reason. The last block covers the supervisor's
 * protocol checks with a fake process.
 */
import { describe, expect, it } from 'vitest'
import { runExperiment, type PresentationRecord, type WeightSnapshot } from '../../src/engine/experiment/run'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { runWorker } from '../../src/engine/host/worker'
import { EnginePool } from '../../src/main/engineHost/enginePool'
import { EngineRun, describeExit, type EngineDone, type EngineFailureKind, type EngineProgress, type EngineSnapshot } from '../../src/main/engineHost/engineRun'
import { forkNodeEngine, type NodeEngineProcessOptions } from '../../src/main/engineHost/nodeProcess'
import { ENGINE_WORKER_BUNDLE, engineWorkerBundle } from '../../src/main/engineHost/workerBundle'
import type { EngineExitInfo, EngineProcess } from '../../src/main/engineHost/types'
import { parseExperimentConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'
import { ENGINE_PROTOCOL_VERSION, type EngineToHost, type EvaluationPayload, type HostToEngine, type MetricPoint, type ResumeState } from '../../src/shared/engineProtocol'

const configOf = (input: ExperimentConfigInput) =>
  parseExperimentConfig({ steps: 100, snapshotEvery: 5, network: { layers: [{ neurons: 3 }] }, ...input })

/** 20 images: a whole run takes well under a second once the process is up. */
const tiny = configOf({ data: { classes: [0, 1], trainPerClass: 10, testPerClass: 5 } })
/** 1200 images: several seconds, long enough to interrupt. */
const long = configOf({ epochs: 3, data: { classes: [0, 1], trainPerClass: 200, testPerClass: 5 } })

interface Observed {
  run: EngineRun
  order: string[]
  progress: EngineProgress[]
  metrics: MetricPoint[]
  snapshots: EngineSnapshot[]
  evaluation: { evaluation: EvaluationPayload; classLabels: number[] } | null
  done: EngineDone | null
  failed: { reason: string; kind: EngineFailureKind } | null
  /** How the process ended, as the OS reported it. */
  exit: Promise<EngineExitInfo>
}

/** Start a run in a real engine process and record everything it reports. */
function launch(
  config: ExperimentConfig,
  request: { resume?: ResumeState | null; traceNeurons?: number[]; progressIntervalMs?: number; live?: boolean } = {},
  processOptions: NodeEngineProcessOptions = {},
  source?: EnginePool
): Observed {
  let exited!: (info: EngineExitInfo) => void
  const exit = new Promise<EngineExitInfo>((resolve) => (exited = resolve))
  const run = new EngineRun(
    source ?? (() => {
      const engine = forkNodeEngine(processOptions)
      engine.onExit(exited)
      return engine
    })
  )
  const seen: Observed = { run, order: [], progress: [], metrics: [], snapshots: [], evaluation: null, done: null, failed: null, exit }
  run.onReady(() => seen.order.push('ready'))
  run.onProgress((p) => (seen.order.push('progress'), seen.progress.push(p)))
  // Columns back to points (the form these tests compare).
  run.onMetrics((columns) => {
    seen.order.push('metrics')
    for (const { key, firstStep, values } of columns) values.forEach((value, i) => seen.metrics.push({ key, step: firstStep + i, value }))
  })
  run.onSnapshot((s) => (seen.order.push('snapshot'), seen.snapshots.push(s)))
  run.onEvaluation((evaluation, classLabels) => (seen.order.push('evaluation'), (seen.evaluation = { evaluation, classLabels })))
  run.onDone((d) => (seen.order.push('done'), (seen.done = d)))
  run.onFailed((reason, kind) => (seen.order.push('failed'), (seen.failed = { reason, kind })))
  run.start({ runId: 1, config, ...request })
  return seen
}

/** The same config in this process: records, snapshots and result. */
function inProcess(config: ExperimentConfig, stopAfter = Infinity) {
  const records: PresentationRecord[] = []
  const snapshots: WeightSnapshot[] = []
  const result = runExperiment(config, loadInputs(config), {
    // Returning true stops the run after that image, as a cancel would.
    onPresentation: (record, { done }) => (records.push(record), done >= stopAfter),
    onSnapshot: (s) => snapshots.push(s)
  })
  return { records, snapshots, result }
}

const weightsOf = (s: { layers: { weights: ArrayLike<number> }[] }) => s.layers.map((l) => Array.from(l.weights))
const pointsFor = (points: MetricPoint[], key: string) => points.filter((p) => p.key === key)

/** One uninterrupted engine run of `tiny`, shared by the tests that compare against it. */
let tinyRun: Promise<Observed> | null = null
function tinyEngineRun(): Promise<Observed> {
  tinyRun ??= (async () => {
    const seen = launch(tiny, { traceNeurons: [0, 2], progressIntervalMs: 50 })
    await seen.run.finished
    return seen
  })()
  return tinyRun
}

describe('engine host with real engine processes', () => {
  it('streams ready, progress, metrics, snapshots, evaluation and done, bit-identical to the in-process engine', async () => {
    const seen = await tinyEngineRun()
    const reference = inProcess(tiny)
    expect(seen.failed).toBeNull()
    expect(seen.order[0]).toBe('ready')
    expect(seen.order.at(-1)).toBe('done')
    expect(seen.order.indexOf('evaluation')).toBe(seen.order.length - 2)

    const done = seen.progress.map((p) => p.done)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(seen.progress.at(-1)).toMatchObject({ done: 20, total: 20 })
    const last = seen.progress.at(-1)!
    const lastRecord = reference.records.at(-1)!
    expect(last.last).toEqual({
      image: lastRecord.image,
      label: lastRecord.label,
      winner: lastRecord.winner,
      winnerStep: lastRecord.winner_t,
      threshold: lastRecord.threshold,
      spikeCounts: lastRecord.spike_counts
    })
    expect(last.traces?.map((t) => t.length)).toEqual([100, 100])

    // One point per image and key, step = images presented, values as the engine saw them.
    const spikes = pointsFor(seen.metrics, 'train.spikes')
    const winners = pointsFor(seen.metrics, 'train.winner')
    expect(spikes.map((p) => p.step)).toEqual(reference.records.map((_, i) => i + 1))
    expect(spikes.map((p) => p.value)).toEqual(reference.records.map((r) => r.spike_counts.reduce((a, b) => a + b, 0)))
    expect(winners.map((p) => p.value)).toEqual(reference.records.map((r) => r.winner))
    expect(pointsFor(seen.metrics, 'accuracy')).toEqual([{ key: 'accuracy', step: 20, value: reference.result.evaluation!.accuracy }])
    expect(pointsFor(seen.metrics, 'train_accuracy')).toEqual([{ key: 'train_accuracy', step: 20, value: reference.result.evaluation!.trainAccuracy }])

    expect(seen.snapshots.map((s) => s.step)).toEqual([5, 10, 15, 20])
    expect(seen.snapshots.map(weightsOf)).toEqual(reference.snapshots.map(weightsOf))
    expect(seen.snapshots.map((s) => s.rng.encoder)).toEqual(reference.snapshots.map((s) => s.rng.encoder))
    expect(weightsOf(seen.snapshots.at(-1)!)).toEqual(weightsOf(reference.result))

    expect(seen.evaluation).toEqual({ evaluation: reference.result.evaluation, classLabels: [0, 1] })
    expect(seen.done).toMatchObject({ presented: 20, cancelled: false })
    expect(await seen.exit).toMatchObject({ code: 0, signal: null })
  })

  it('resumes from a snapshot message to the same weights as the uninterrupted run', async () => {
    const full = await tinyEngineRun()
    const from = full.snapshots.find((s) => s.step === 10)!
    const resumed = launch(tiny, { resume: from })
    await resumed.run.finished
    expect(resumed.failed).toBeNull()
    expect(resumed.done).toMatchObject({ presented: 20, cancelled: false })
    expect(pointsFor(resumed.metrics, 'train.spikes').map((p) => p.step)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    expect(resumed.snapshots.map((s) => s.step)).toEqual([15, 20])
    expect(weightsOf(resumed.snapshots.at(-1)!)).toEqual(weightsOf(full.snapshots.at(-1)!))
    expect(resumed.evaluation).toEqual(full.evaluation)
  })

  it('stops within a second of cancel, by itself, leaving a final snapshot', async () => {
    const seen = launch(long)
    let cancelledAt = 0
    seen.run.onProgress((p) => {
      if (p.done > 0 && !cancelledAt) {
        cancelledAt = performance.now()
        seen.run.cancel()
      }
    })
    const outcome = await seen.run.finished
    const latency = performance.now() - cancelledAt
    expect(outcome).toMatchObject({ status: 'done', cancelled: true })
    expect(latency).toBeLessThan(1000)
    expect(seen.done!.presented).toBeLessThan(1200)
    expect(seen.evaluation).toBeNull()
    expect(seen.snapshots.at(-1)!.step).toBe(seen.done!.presented)
    // Exit code 0: the engine answered the cancel; it was not killed by the time-out.
    expect(await seen.exit).toMatchObject({ code: 0, signal: null })
  })

  it('reports SIGKILL as the reason when the process is killed, and keeps the snapshots sent before', async () => {
    const seen = launch(long)
    let killed = false
    seen.run.onSnapshot((s) => {
      seen.snapshots.push(s)
      if (seen.snapshots.length === 3 && !killed) {
        killed = true
        process.kill(seen.run.pid!, 'SIGKILL')
      }
    })
    const outcome = await seen.run.finished
    expect(outcome).toEqual({ status: 'failed', reason: 'the engine process was killed (SIGKILL)', kind: 'crash' })
    expect(seen.done).toBeNull()
    const steps = seen.snapshots.map((s) => s.step)
    expect(steps.length).toBeGreaterThanOrEqual(3)
    expect(steps).toEqual(steps.map((_, i) => 5 * (i + 1)))
    const reference = inProcess(long, steps.at(-1)!).snapshots.filter((s) => s.step <= steps.at(-1)!)
    expect(seen.snapshots.map(weightsOf)).toEqual(reference.slice(0, steps.length).map(weightsOf))
    expect(await seen.exit).toMatchObject({ signal: 'SIGKILL' })
  })

  it('fails with kind "input" naming the file when a dataset file is missing', async () => {
    const images = '/nonexistent/engine-host-test/train-images-idx3-ubyte'
    const seen = launch(configOf({ data: { source: { kind: 'idx', images, labels: `${images}.labels` }, classes: [0, 1] } }))
    const outcome = await seen.run.finished
    expect(outcome).toMatchObject({ status: 'failed', kind: 'input' })
    expect(seen.failed!.reason).toContain(images)
    expect(seen.failed!.reason).not.toContain('\n    at ')
    expect(await seen.exit).toMatchObject({ code: 1, signal: null })
  })

  it('sends progress at most once per progressIntervalMs (plus the first and the last)', async () => {
    const seen = launch(configOf({ steps: 200, snapshotEvery: 0, evaluation: { enabled: false }, data: { classes: [0, 1], trainPerClass: 150, testPerClass: 0 } }), { progressIntervalMs: 50 })
    await seen.run.finished
    expect(seen.done).toMatchObject({ presented: 300, cancelled: false })
    expect(seen.progress.length).toBeGreaterThanOrEqual(2)
    expect(seen.progress.length).toBeLessThanOrEqual(seen.done!.elapsedMs / 50 + 2)
    // Metrics ride along with progress: all of them, in batches, not one message per image.
    expect(pointsFor(seen.metrics, 'train.spikes')).toHaveLength(300)
    expect(seen.order.filter((e) => e === 'metrics').length).toBeLessThanOrEqual(seen.progress.length)
  })

  it('without live view (sweep trials): no frames or traces, the same metrics, weights and evaluation', async () => {
    const reference = await tinyEngineRun()
    const quiet = launch(tiny, { traceNeurons: [0, 2], progressIntervalMs: 50, live: false })
    await quiet.run.finished
    expect(quiet.done).toMatchObject({ presented: reference.done!.presented, cancelled: false })
    expect(quiet.progress.length).toBeGreaterThanOrEqual(1)
    for (const p of quiet.progress) {
      expect(p.live).toBeNull()
      expect(p.traces).toBeNull()
    }
    expect(reference.progress.some((p) => p.live !== null)).toBe(true)
    // Batches are cut by time; the points are the same.
    for (const key of ['train.spikes', 'train.winner', 'accuracy', 'train_accuracy']) expect(pointsFor(quiet.metrics, key)).toEqual(pointsFor(reference.metrics, key))
    expect(weightsOf(quiet.snapshots.at(-1)!)).toEqual(weightsOf(reference.snapshots.at(-1)!))
    expect(quiet.evaluation).toEqual(reference.evaluation)
  })

  it('reports running out of memory as such', async () => {
    const seen = launch(tiny, {}, { maxOldSpaceSizeMb: 8 })
    const outcome = await seen.run.finished
    expect(outcome).toMatchObject({ status: 'failed', kind: 'out-of-memory' })
    expect(seen.failed!.reason).toMatch(/out of memory/)
  })

  it('kills the process on dispose and calls no listener after it', async () => {
    const seen = launch(long)
    await new Promise<void>((resolve) => seen.run.onReady(() => resolve()))
    seen.run.dispose()
    expect(await seen.exit).toMatchObject({ signal: 'SIGKILL' })
    expect(await seen.run.finished).toMatchObject({ status: 'failed' })
    expect(seen.failed).toBeNull()
    expect(seen.done).toBeNull()
  })

  it('stop() cancels and resolves once the process has exited', async () => {
    const seen = launch(long)
    await new Promise<void>((resolve) => seen.run.onProgress((p) => p.done > 0 && resolve()))
    const outcome = await seen.run.stop()
    expect(outcome).toMatchObject({ status: 'done', cancelled: true })
    expect(seen.done).toMatchObject({ cancelled: true })
    // Already ended: stop() waited for the exit.
    expect(await Promise.race([seen.exit, new Promise((resolve) => setTimeout(() => resolve('still running'), 0))])).toMatchObject({ code: 0 })
  })
})

describe('warm engine processes (EnginePool)', () => {
  it('a process that said done trains the next run, bit-identical to a fresh one, and exits on close', async () => {
    // These processes run the prebuilt worker bundle (what a missing or failed build would not give).
    expect(engineWorkerBundle()).toBe(ENGINE_WORKER_BUNDLE)
    const exits: EngineExitInfo[] = []
    const pool = new EnginePool(() => {
      const engine = forkNodeEngine()
      engine.onExit((info) => exits.push(info))
      return engine
    })
    const first = launch(tiny, { traceNeurons: [0, 2], progressIntervalMs: 50 }, {}, pool)
    await first.run.finished
    const pid = first.run.pid
    expect(pool.idleCount).toBe(1)
    const fresh = await tinyEngineRun()
    // Resume in the same process, then the whole run again: nothing leaks from run to run.
    const resumed = launch(tiny, { resume: fresh.snapshots.find((s) => s.step === 10)! }, {}, pool)
    await resumed.run.finished
    const again = launch(tiny, { traceNeurons: [0, 2], progressIntervalMs: 50 }, {}, pool)
    await again.run.finished
    for (const seen of [first, resumed, again]) {
      expect(seen.run.pid).toBe(pid)
      expect(seen.failed).toBeNull()
      expect(weightsOf(seen.snapshots.at(-1)!)).toEqual(weightsOf(fresh.snapshots.at(-1)!))
      expect(seen.evaluation).toEqual(fresh.evaluation)
    }
    expect(pointsFor(again.metrics, 'train.spikes')).toEqual(pointsFor(fresh.metrics, 'train.spikes'))
    // Another encoder setting in the same warm process: not served the kept encodings.
    const otherEncoder = configOf({ data: tiny.data, encoder: { periodNumerator: 450 } })
    const other = launch(otherEncoder, {}, {}, pool)
    await other.run.finished
    expect(other.run.pid).toBe(pid)
    const otherFresh = inProcess(otherEncoder)
    expect(weightsOf(other.snapshots.at(-1)!)).toEqual(weightsOf(otherFresh.result))
    expect(other.evaluation?.evaluation.accuracy).toBe(otherFresh.result.evaluation!.accuracy)
    expect(exits).toEqual([])
    await pool.close()
    expect(exits).toMatchObject([{ code: 0, signal: null }])
    expect(pool.size).toBe(0)
  })
})

/** An engine process that does what the test says, recording what it is sent. */
let fakePids = 4242
function fakeProcess() {
  const sent: HostToEngine[] = []
  const messageListeners = new Set<(msg: unknown) => void>()
  const exitListeners = new Set<(info: EngineExitInfo) => void>()
  let killed = false
  let exited = false
  const exit = (info: EngineExitInfo) => {
    if (exited) return
    exited = true
    for (const cb of [...exitListeners]) cb(info)
  }
  const engine: EngineProcess = {
    pid: fakePids++,
    send: (msg) => void sent.push(msg),
    onMessage: (cb) => (messageListeners.add(cb), () => void messageListeners.delete(cb)),
    onExit: (cb) => (exitListeners.add(cb), () => void exitListeners.delete(cb)),
    kill: () => {
      killed = true
      exit({ code: null, signal: 'SIGKILL' })
    }
  }
  const deliver = (msg: unknown) => {
    for (const cb of [...messageListeners]) cb(msg)
  }
  return { engine, sent, deliver, exit, killed: () => killed, listeners: () => messageListeners.size + exitListeners.size }
}

function superviseFake(options = {}) {
  const fake = fakeProcess()
  const run = new EngineRun(() => fake.engine, options)
  const failures: [string, EngineFailureKind][] = []
  run.onFailed((reason, kind) => failures.push([reason, kind]))
  run.start({ runId: 7, config: tiny })
  return { ...fake, run, failures }
}

const ready: EngineToHost = { type: 'ready', protocol: ENGINE_PROTOCOL_VERSION, engineVersion: 'test', pid: 4242 }

describe('engine run supervision (fake process)', () => {
  it('sends start with the protocol version and the defaults', () => {
    const { sent } = superviseFake()
    expect(sent).toEqual([{ type: 'start', protocol: ENGINE_PROTOCOL_VERSION, runId: 7, config: tiny, resume: null, progressIntervalMs: 250, traceNeurons: [], live: true }])
  })

  it('fails a run whose engine speaks another protocol version, and kills it', async () => {
    const fake = superviseFake()
    fake.deliver({ ...ready, protocol: ENGINE_PROTOCOL_VERSION + 1 })
    expect(await fake.run.finished).toMatchObject({ status: 'failed', kind: 'protocol' })
    expect(fake.failures[0][0]).toMatch(/protocol mismatch/)
    expect(fake.killed()).toBe(true)
  })

  for (const [what, garbage] of [
    ['a string', 'hello'],
    ['an unknown type', { type: 'explode' }],
    ['a progress without numbers', { type: 'progress', done: 'lots' }],
    ['null', null]
  ] as const) {
    it(`fails the run on garbage (${what}) and kills the process`, async () => {
      const fake = superviseFake()
      fake.deliver(ready)
      fake.deliver(garbage)
      expect(await fake.run.finished).toMatchObject({ status: 'failed', kind: 'protocol' })
      expect(fake.killed()).toBe(true)
      expect(fake.failures).toHaveLength(1)
    })
  }

  it('handles a batch as its reports one by one, in order, inside one handleBatch call', async () => {
    const batches: string[][] = []
    const order: string[] = []
    const fake = superviseFake({
      handleBatch: (handleReports: () => void) => {
        batches.push([])
        handleReports()
      }
    })
    const note = (what: string) => (order.push(what), batches.at(-1)?.push(what))
    fake.run.onProgress(() => note('progress'))
    fake.run.onMetrics(() => note('metrics'))
    fake.run.onSnapshot(() => note('snapshot'))
    fake.run.onEvaluation(() => note('evaluation'))
    fake.run.onDone(() => note('done'))
    fake.deliver(ready)
    fake.deliver({
      type: 'batch',
      messages: [
        { type: 'metrics', columns: [{ key: 'train.spikes', firstStep: 1, values: Float64Array.of(3, 4) }] },
        { type: 'progress', done: 2, total: 2, imagesPerSecond: 1, last: null, traces: null, live: null },
        { type: 'snapshot', step: 2, epoch: 0, layers: [], rng: { encoder: [1, 2, 3, 4] } },
        { type: 'evaluation', evaluation: {}, classLabels: [0, 1] },
        { type: 'done', presented: 2, elapsedMs: 5, cancelled: false }
      ]
    })
    expect(await fake.run.finished).toMatchObject({ status: 'done', presented: 2 })
    expect(batches).toEqual([['metrics', 'progress', 'snapshot', 'evaluation', 'done']])
    expect(order).toEqual(batches[0])
    expect(fake.failures).toEqual([])
  })

  for (const [what, batch] of [
    ['an element that is not a report', { type: 'batch', messages: [{ type: 'progress', done: 1, total: 2, imagesPerSecond: 1 }, { type: 'ready', protocol: 4, engineVersion: 'x', pid: 1 }] }],
    ['an element without its fields', { type: 'batch', messages: [{ type: 'progress', done: 1, total: 2, imagesPerSecond: 1 }, { type: 'metrics', columns: [{ key: 'x', firstStep: 0, values: [1] }] }] }],
    ['a batch in a batch', { type: 'batch', messages: [{ type: 'batch', messages: [] }] }],
    ['no elements', { type: 'batch', messages: [] }]
  ] as const) {
    it(`fails the run on a batch with ${what}, before handling any of it`, async () => {
      const fake = superviseFake()
      const handled: string[] = []
      fake.run.onProgress(() => handled.push('progress'))
      fake.deliver(ready)
      fake.deliver(batch)
      expect(await fake.run.finished).toMatchObject({ status: 'failed', kind: 'protocol' })
      expect(handled).toEqual([])
      expect(fake.killed()).toBe(true)
    })
  }

  it('refuses a batch before ready', async () => {
    const fake = superviseFake()
    fake.deliver({ type: 'batch', messages: [{ type: 'done', presented: 0, elapsedMs: 0, cancelled: false }] })
    expect(await fake.run.finished).toMatchObject({ status: 'failed', kind: 'protocol' })
    expect(fake.failures[0][0]).toMatch(/before "ready"/)
  })

  it('kills an engine that does not answer cancel in time and reports the run cancelled', async () => {
    const fake = superviseFake({ cancelTimeoutMs: 20 })
    fake.deliver(ready)
    fake.deliver({ type: 'progress', done: 7, total: 20, imagesPerSecond: 1, last: null, traces: null })
    fake.run.cancel()
    expect(fake.sent.at(-1)).toEqual({ type: 'cancel' })
    expect(await fake.run.finished).toMatchObject({ status: 'done', cancelled: true, presented: 7 })
    expect(fake.killed()).toBe(true)
    expect(fake.failures).toEqual([])
  })

  it('names how a process ended without done', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toEqual({ reason: 'the engine process was killed (SIGKILL)', kind: 'crash' })
    expect(describeExit({ code: 3, signal: null })).toEqual({ reason: 'the engine process exited with code 3 before the run finished', kind: 'crash' })
    expect(describeExit({ code: 134, signal: null }).kind).toBe('out-of-memory')
    expect(describeExit({ code: null, signal: 'SIGABRT' }).kind).toBe('out-of-memory')
    expect(describeExit({ code: 1, signal: null, stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }).kind).toBe('out-of-memory')
    expect(describeExit({ code: null, signal: null, error: 'spawn ENOENT' }).reason).toBe('the engine process could not be started (spawn ENOENT)')
  })

  it('an engine refuses a start message of another protocol version', async () => {
    const sent: EngineToHost[] = []
    let deliver!: (msg: HostToEngine) => void
    const exitCode = runWorker({ send: (msg) => sent.push(msg), onMessage: (cb) => (deliver = cb) })
    deliver({ type: 'start', protocol: ENGINE_PROTOCOL_VERSION + 1, runId: 1, config: tiny, resume: null, progressIntervalMs: 50, traceNeurons: [] })
    expect(await exitCode).toBe(1)
    expect(sent).toEqual([{ type: 'error', kind: 'internal', message: expect.stringMatching(/protocol mismatch/) }])
  })
})

describe('engine pool supervision (fake processes)', () => {
  function fakePool(options: ConstructorParameters<typeof EnginePool>[1] = {}) {
    const made: ReturnType<typeof fakeProcess>[] = []
    const pool = new EnginePool(() => {
      const fake = fakeProcess()
      made.push(fake)
      return fake.engine
    }, options)
    /** Start a run on the pool and let its engine say ready. */
    const start = () => {
      const run = new EngineRun(pool, { cancelTimeoutMs: 20, exitTimeoutMs: 20 })
      run.start({ runId: 1, config: tiny })
      const fake = made.find((f) => f.engine.pid === run.pid)!
      fake.deliver(ready)
      return { run, fake }
    }
    return { pool, made, start }
  }
  const done: EngineToHost = { type: 'done', presented: 20, elapsedMs: 5, cancelled: false }

  it('reuses a process after done (no listener of the old run left on it), and replaces one that failed, crashed or ignored cancel', async () => {
    const { pool, made, start } = fakePool({ maxIdle: 2 })
    const a = start()
    a.fake.deliver(done)
    expect(await a.run.finished).toMatchObject({ status: 'done' })
    expect(a.fake.listeners()).toBe(1) // the pool's exit watch only
    const b = start()
    expect(made).toHaveLength(1)
    b.fake.deliver({ type: 'error', kind: 'input', message: 'bad file' })
    expect(await b.run.finished).toMatchObject({ status: 'failed', kind: 'input' })
    await b.run.stop() // the errored process did not exit by itself: killed after exitTimeoutMs
    expect(b.fake.killed()).toBe(true)
    const c = start()
    expect(made).toHaveLength(2)
    c.run.cancel()
    expect(await c.run.finished).toMatchObject({ status: 'done', cancelled: true })
    await c.run.stop()
    expect(c.fake.killed()).toBe(true)
    const d = start()
    expect(made).toHaveLength(3)
    d.fake.exit({ code: null, signal: 'SIGKILL' })
    expect(await d.run.finished).toMatchObject({ status: 'failed', kind: 'crash' })
    start()
    expect(made).toHaveLength(4)
    expect(pool.size).toBe(1)
  })

  it('ends an idle process after idleTimeoutMs (shutdown, then kill), forgets one that dies idle, keeps at most maxIdle', async () => {
    const { pool, made, start } = fakePool({ maxIdle: 1, idleTimeoutMs: 30, shutdownTimeoutMs: 10 })
    const runs = [start(), start(), start()]
    expect(made).toHaveLength(3)
    for (const r of runs) r.fake.deliver(done)
    await Promise.all(runs.map((r) => r.run.stop()))
    // One stays warm; the two over maxIdle were asked to exit and, not answering, killed.
    expect(made.map((f) => f.killed())).toEqual([false, true, true])
    expect(made[1].sent.at(-1)).toEqual({ type: 'shutdown' })
    expect(pool.idleCount).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(made[0].killed()).toBe(true)
    expect(made[0].sent.at(-1)).toEqual({ type: 'shutdown' })
    expect(pool.size).toBe(0)

    const e = start()
    e.fake.deliver(done)
    await e.run.stop()
    e.fake.exit({ code: 0, signal: null })
    expect(pool.idleCount).toBe(0)
    const last = start()
    expect(made).toHaveLength(5)
    last.run.dispose()
    await pool.close()
    expect(pool.size).toBe(0)
  })
})
