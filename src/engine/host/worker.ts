/**
 * The engine-process side of one run. On `start` it loads the inputs, then trains in short time
 * slices, yielding to the event loop between them so a `cancel` message is read within
 * milliseconds. Progress, batched metrics, snapshots, the evaluation and `done` go back over the
 * engine protocol. Transport-free: workerEntry.ts wires it to Node IPC or Electron's parentPort.
 */
import { parseExperimentConfig } from '../../shared/config'
import {
  type BatchedReport,
  ENGINE_PROTOCOL_VERSION,
  type EngineToHost,
  type HostToEngine,
  type MetricColumn,
  type RngStateTuple
} from '../../shared/engineProtocol'
import { ENGINE_VERSION, Experiment, type LoadedData, type PresentationRecord, type TrainingHooks, type WeightSnapshot } from '../experiment/run'
import { LIVE_FRAME_MS, LIVE_WEIGHTS_MS, LiveRecorder } from './liveFrame'
import { loadInputs } from './loadInputs'

/** The two directions of one engine process's message channel. */
export interface EnginePort {
  send(msg: EngineToHost): void
  onMessage(cb: (msg: HostToEngine) => void): void
}

type StartMessage = Extract<HostToEngine, { type: 'start' }>
type ErrorKind = Extract<EngineToHost, { type: 'error' }>['kind']

/** Training runs in slices this long; messages (cancel) are read between slices. */
const SLICE_MS = 25
/** Per-image metrics are flushed early when this many images are pending, bounding message size. */
const METRIC_BATCH_IMAGES = 4096

/** Errors the user can fix by changing the config or its files (by name: they come from several layers). */
const INPUT_ERRORS = new Set(['ConfigError', 'DatasetError', 'WeightFileError'])

/**
 * Serve runs over `port`, one at a time: after `done` the next `start` is taken (the process
 * stays warm: code, caches and decoded datasets are reused). Resolves with the process exit
 * code when the process should end: 1 after an `error` (its state is no longer trusted), 0 on
 * `shutdown`; the caller exits the process.
 */
export function runWorker(port: EnginePort): Promise<number> {
  return new Promise((resolve) => {
    let run: WorkerRun | null = null
    let training = false
    port.onMessage((msg) => {
      const type = (msg as { type?: unknown } | null)?.type
      if (type === 'start') {
        if (training) return // one run at a time; a start during a run is ignored
        const start = msg as StartMessage
        if (start.protocol !== ENGINE_PROTOCOL_VERSION) {
          const message = `engine protocol mismatch: the host speaks version ${start.protocol}, this engine ${ENGINE_PROTOCOL_VERSION}`
          port.send({ type: 'error', kind: 'internal', message })
          resolve(1)
          return
        }
        training = true
        run = new WorkerRun(port, start)
        void run.execute().then((code) => {
          training = false
          if (code !== 0) resolve(code)
        })
      } else if (type === 'cancel') {
        // A cancel that crossed `done` on the way reaches the finished run: harmless.
        run?.cancel()
      } else if (type === 'shutdown') {
        if (!training) resolve(0)
      } else {
        port.send({ type: 'error', kind: 'internal', message: `engine received an unknown message type ${JSON.stringify(type ?? null)}` })
      }
    })
  })
}

/** An `error` message: one line for the user, the stack (if any) kept apart for logs. */
export function errorMessage(error: unknown, kind: ErrorKind): EngineToHost {
  const text = error instanceof Error ? error.message : String(error)
  const message = kind === 'internal' ? `internal engine error: ${firstLine(text)}` : text
  const stack = error instanceof Error ? error.stack : undefined
  return { type: 'error', kind, message, ...(stack ? { detail: stack } : {}) }
}

const firstLine = (text: string) => text.split('\n', 1)[0]

/** One run inside the engine process, from `start` to `done`. */
class WorkerRun {
  private experiment: Experiment | null = null
  private cancelRequested = false
  private readonly metrics = new MetricBuffer(METRIC_BATCH_IMAGES)
  private lastPresentation: PresentationRecord | null = null
  /** The monitor's membrane buffers: reused for every image, so they always hold the last one (set by WorkerHooks). */
  traces: Float64Array[] | null = null
  private lastProgressAt = -Infinity
  /** Live-view rings (output spikes, winners) and when the last frame and weights went out. */
  private live: LiveRecorder | null = null
  private lastLiveAt = -Infinity
  private lastWeightsAt = -Infinity
  /** Reports wait here until the engine yields (end of a slice, end of the run) or takes a snapshot. */
  private readonly outbox: Outbox
  /** In finish(): the final snapshot, evaluation and done leave together. */
  private finishing = false

  constructor(
    private readonly port: EnginePort,
    private readonly start: StartMessage
  ) {
    this.outbox = new Outbox(port)
  }

  cancel(): void {
    this.cancelRequested = true
    this.experiment?.cancel()
  }

  async execute(): Promise<number> {
    const { port } = this
    port.send({ type: 'ready', protocol: ENGINE_PROTOCOL_VERSION, engineVersion: ENGINE_VERSION, pid: process.pid })
    let experiment: Experiment
    try {
      experiment = this.build()
    } catch (error) {
      // While building, a RangeError is about the request itself (resume shape, trace neurons).
      const name = (error as Error)?.name
      port.send(errorMessage(error, INPUT_ERRORS.has(name) || name === 'RangeError' ? 'input' : 'internal'))
      return 1
    }
    try {
      await this.train(experiment)
      this.finish(experiment)
      return 0
    } catch (error) {
      // What the run reported before it failed still reaches the host, in order.
      this.outbox.flush()
      port.send(errorMessage(error, INPUT_ERRORS.has((error as Error)?.name) ? 'input' : 'internal'))
      return 1
    }
  }

  private build(): Experiment {
    const { start } = this
    const config = parseExperimentConfig(start.config, 'config')
    // This process trains run after run: keep datasets and encodings for the next one.
    const { source, testSource, initialWeights, encodings } = loadInputs(config, { keep: true })
    // Spelled out, not spread ({ ...inputs, resume }): after a few runs the spread copies' hidden
    // classes differed from run to run, so a new Experiment deoptimized the training loop (trainFor
    // reads this.data) and V8 recompiled it, 4 times in 17 sweep trials; on 2 cores that compiler
    // thread's CPU is taken from the other engine.
    const data: LoadedData = { source, testSource, initialWeights, encodings, resume: start.resume }
    // A run nobody watches live (a sweep trial) records no spikes or traces for the live view.
    const live = start.live !== false
    const traceNeurons = live ? start.traceNeurons : []
    const experiment = new Experiment(config, data, new WorkerHooks(this, traceNeurons, live))
    if (live) this.live = new LiveRecorder(experiment.network, data.source, traceNeurons)
    if (this.cancelRequested) experiment.cancel()
    this.experiment = experiment
    return experiment
  }

  private async train(experiment: Experiment): Promise<void> {
    const startedAt = performance.now()
    const startStep = experiment.presented
    // A watched run reports after its first slice (it has visibly begun). Nobody watches a run
    // without the live view (a sweep trial) image by image: its first progress is due an interval
    // in, so a run shorter than its interval sends only the final one.
    if (this.start.live === false) this.lastProgressAt = startedAt
    while (!experiment.trainFor(SLICE_MS)) {
      if (performance.now() - this.lastProgressAt >= this.start.progressIntervalMs) this.sendProgress(experiment, startedAt, startStep)
      this.outbox.flush()
      await new Promise(setImmediate)
    }
    this.sendProgress(experiment, startedAt, startStep, true)
  }

  /** The end of the run (final progress, metrics, snapshot, evaluation, done) leaves as one batch. */
  private finish(experiment: Experiment): void {
    const { outbox } = this
    this.finishing = true
    const result = experiment.finish()
    if (result.evaluation) {
      const step = result.presented
      outbox.post({
        type: 'metrics',
        columns: [
          { key: 'accuracy', firstStep: step, values: Float64Array.of(result.evaluation.accuracy) },
          { key: 'train_accuracy', firstStep: step, values: Float64Array.of(result.evaluation.trainAccuracy) }
        ]
      })
      outbox.post({ type: 'evaluation', evaluation: result.evaluation, classLabels: result.classLabels })
    }
    outbox.post({ type: 'done', presented: result.presented, elapsedMs: result.elapsedMs, cancelled: result.cancelled })
    outbox.flush()
  }

  // Hot path: called once per training image (through WorkerHooks). Keeps a reference and writes three numbers.
  onPresentation(record: PresentationRecord, done: number): void {
    this.lastPresentation = record
    if (this.live && this.experiment) this.live.record(this.experiment.monitor, record.image, record.label, record.winner)
    const counts = record.spike_counts
    let spikes = 0
    for (let j = 0; j < counts.length; j++) spikes += counts[j]
    if (!this.metrics.follows(done)) this.flushMetrics()
    if (this.metrics.add(done, spikes, record.winner)) this.flushMetrics()
  }

  /** Called through WorkerHooks. */
  onSnapshot(snapshot: WeightSnapshot): void {
    // Metrics first: whatever a host stores with a snapshot is then complete up to its step.
    this.flushMetrics()
    this.outbox.post({
      type: 'snapshot',
      step: snapshot.step,
      epoch: snapshot.epoch,
      layers: snapshot.layers.map((layer) => ({ neurons: layer.neurons, inputs: layer.inputs, weights: Array.from(layer.weights) })),
      rng: { encoder: [...snapshot.rng.encoder] as RngStateTuple },
      ...(snapshot.state ? { state: snapshot.state } : {})
    })
    // A snapshot taken while training leaves at once: it is what a run that crashes later resumes
    // from. The final one waits for the rest of the run's end, which follows within milliseconds.
    if (!this.finishing) this.outbox.flush()
  }

  private flushMetrics(): void {
    if (this.metrics.length > 0) this.outbox.post({ type: 'metrics', columns: this.metrics.drain() })
  }

  private sendProgress(experiment: Experiment, startedAt: number, startStep: number, final = false): void {
    this.flushMetrics()
    const now = performance.now()
    this.lastProgressAt = now
    // Live material (and the traces) a few times a second; the weights at most once a second.
    const liveDue = final || now - this.lastLiveAt >= LIVE_FRAME_MS
    const weightsDue = final || now - this.lastWeightsAt >= LIVE_WEIGHTS_MS
    const live = liveDue ? (this.live?.frame(weightsDue) ?? null) : null
    if (live) {
      this.lastLiveAt = now
      if (live.weights) this.lastWeightsAt = now
    }
    const seconds = (now - startedAt) / 1000
    const record = this.lastPresentation
    this.outbox.post({
      type: 'progress',
      done: experiment.presented,
      total: experiment.total,
      // Mean rate since this process started training (a resumed run counts from its resume point).
      imagesPerSecond: seconds > 0 ? (experiment.presented - startStep) / seconds : 0,
      last: record && {
        image: record.image,
        label: record.label,
        winner: record.winner,
        winnerStep: record.winner_t,
        threshold: record.threshold,
        spikeCounts: record.spike_counts
      },
      traces: live && record && this.traces ? this.traces.map((trace) => Array.from(trace)) : null,
      live
    })
  }
}

/**
 * A run's training hooks as methods of a class, not closures made anew for each run: the
 * training loop calls them from code V8 optimizes for the one function it has seen there, and
 * a new closure each run was a new function, so a warm engine's optimized loop was thrown away
 * and compiled again in its next run.
 */
class WorkerHooks implements TrainingHooks {
  constructor(
    private readonly run: WorkerRun,
    readonly traceNeurons: readonly number[],
    readonly monitorSpikes: boolean
  ) {}

  onPresentation(record: PresentationRecord, progress: { done: number; total: number }): void {
    this.run.onPresentation(record, progress.done)
  }

  onSnapshot(snapshot: WeightSnapshot): void {
    this.run.onSnapshot(snapshot)
  }

  onTrace(_image: number, traces: Float64Array[]): void {
    this.run.traces = traces
  }
}

/**
 * Reports collected while the engine computes, sent when it yields: several as one `batch`
 * (one IPC message for the host to read, one store transaction), a single one as itself.
 */
class Outbox {
  private pending: BatchedReport[] = []

  constructor(private readonly port: EnginePort) {}

  post(report: BatchedReport): void {
    this.pending.push(report)
  }

  flush(): void {
    if (this.pending.length === 0) return
    const messages = this.pending
    this.pending = []
    this.port.send(messages.length === 1 ? messages[0] : { type: 'batch', messages })
  }
}

/**
 * Per-image training metrics in preallocated columns, drained as one MetricColumn per key
 * (values copied into fresh Float64Arrays: a structured clone copies their bytes in one go).
 * A batch holds consecutive steps: when the next step does not follow (`follows` is false),
 * drain first.
 */
export class MetricBuffer {
  length = 0
  private firstStep = 0
  private readonly spikes: Float64Array
  private readonly winners: Float64Array

  constructor(private readonly capacity: number) {
    this.spikes = new Float64Array(capacity)
    this.winners = new Float64Array(capacity)
  }

  /** Whether `step` can join this batch (it is empty, or the step follows its last one). */
  follows(step: number): boolean {
    return this.length === 0 || step === this.firstStep + this.length
  }

  /** Record one image; true when the buffer is full and must be drained. Throws when `step` does not follow. */
  add(step: number, spikes: number, winner: number): boolean {
    if (this.length > 0 && step !== this.firstStep + this.length) throw new RangeError(`metric step ${step} does not follow ${this.firstStep + this.length - 1}: drain first`)
    // Stored on every call, not only the first of a batch: a store V8 saw only once (before it
    // collected feedback) deoptimized the per-image hook at the start of each engine's second run.
    this.firstStep = this.length === 0 ? step : this.firstStep
    const i = this.length++
    this.spikes[i] = spikes
    this.winners[i] = winner
    return this.length === this.capacity
  }

  drain(): MetricColumn[] {
    if (this.length === 0) return []
    const { firstStep, length } = this
    this.length = 0
    return [
      { key: 'train.spikes', firstStep, values: this.spikes.slice(0, length) },
      { key: 'train.winner', firstStep, values: this.winners.slice(0, length) }
    ]
  }
}
