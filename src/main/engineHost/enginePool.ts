/**
 * Warm engine processes. Starting one costs most of a second of CPU (Node, the engine's code,
 * decoding the bundled MNIST); a short run trains in less. So an engine that finished a run
 * (said `done`) is kept and takes the next `start`, and only a process that failed, was
 * cancelled by force or killed is replaced. Idle processes end after `idleTimeoutMs`, when more
 * than `maxIdle` would wait, and on close(). A process that dies while idle is forgotten.
 */
import type { EngineProcess, EngineProcessFactory, EngineProcessSource } from './types'

export interface EnginePoolOptions {
  /** Processes kept waiting at most; default 1. */
  maxIdle?: number
  /** An idle process ends after this long; default 30 s. */
  idleTimeoutMs?: number
  /** After `shutdown`, how long a process may take to exit before it is killed; default 1000. */
  shutdownTimeoutMs?: number
}

interface Tracked {
  /** Resolves when the process has exited. */
  exited: Promise<void>
  hasExited: boolean
  idleTimer: ReturnType<typeof setTimeout> | null
}

export class EnginePool implements EngineProcessSource {
  /** Most recently released last: it is taken first (its caches are the warmest). */
  private readonly idle: EngineProcess[] = []
  private readonly tracked = new Map<EngineProcess, Tracked>()
  private readonly maxIdle: number
  private readonly idleTimeoutMs: number
  private readonly shutdownTimeoutMs: number
  private closed = false

  constructor(
    private readonly createProcess: EngineProcessFactory,
    options: EnginePoolOptions = {}
  ) {
    this.maxIdle = Math.max(0, options.maxIdle ?? 1)
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 1000
  }

  /** Processes alive (training or idle), for tests and diagnostics. */
  get size(): number {
    return this.tracked.size
  }

  get idleCount(): number {
    return this.idle.length
  }

  /** An idle process if one is waiting, else a new one. */
  acquire(): EngineProcess {
    if (this.closed) throw new Error('the engine pool is closed')
    const engine = this.idle.pop()
    if (engine) {
      this.clearIdleTimer(engine)
      return engine
    }
    return this.track(this.createProcess())
  }

  release(engine: EngineProcess, reusable: boolean): Promise<void> {
    const tracked = this.tracked.get(engine)
    if (!tracked) return Promise.resolve()
    if (!reusable || tracked.hasExited || this.closed || this.idle.length >= this.maxIdle) return this.retire(engine)
    this.idle.push(engine)
    tracked.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(engine)
      if (index >= 0) this.idle.splice(index, 1)
      void this.retire(engine)
    }, this.idleTimeoutMs)
    // A waiting process is no reason for the host to stay up (its IPC channel keeps it alive anyway).
    tracked.idleTimer.unref?.()
    return Promise.resolve()
  }

  /** End every idle process and refuse new work; resolves once all the pool started have exited. */
  async close(): Promise<void> {
    this.closed = true
    for (const engine of this.idle.splice(0)) void this.retire(engine)
    await Promise.all([...this.tracked.values()].map((t) => t.exited))
  }

  private track(engine: EngineProcess): EngineProcess {
    let resolveExited!: () => void
    const tracked: Tracked = { exited: new Promise((resolve) => (resolveExited = resolve)), hasExited: false, idleTimer: null }
    this.tracked.set(engine, tracked)
    engine.onExit(() => {
      tracked.hasExited = true
      this.clearIdleTimer(engine)
      const index = this.idle.indexOf(engine)
      if (index >= 0) this.idle.splice(index, 1)
      this.tracked.delete(engine)
      resolveExited()
    })
    return engine
  }

  /** Ask the process to exit; kill it if it has not within shutdownTimeoutMs. */
  private retire(engine: EngineProcess): Promise<void> {
    const tracked = this.tracked.get(engine)
    if (!tracked) return Promise.resolve()
    this.clearIdleTimer(engine)
    if (!tracked.hasExited) {
      engine.send({ type: 'shutdown' })
      const killTimer = setTimeout(() => engine.kill(), this.shutdownTimeoutMs)
      void tracked.exited.then(() => clearTimeout(killTimer))
    }
    return tracked.exited
  }

  private clearIdleTimer(engine: EngineProcess): void {
    const tracked = this.tracked.get(engine)
    if (tracked?.idleTimer) {
      clearTimeout(tracked.idleTimer)
      tracked.idleTimer = null
    }
  }
}

/** A source that starts a process per run and ends it after (what EngineRun does given a bare factory). */
export function singleUse(createProcess: EngineProcessFactory): EngineProcessSource {
  return new EnginePool(createProcess, { maxIdle: 0 })
}
