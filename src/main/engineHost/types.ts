/** What the run supervisor needs from an engine process, whichever way it was started. */
import type { HostToEngine } from '../../shared/engineProtocol'

export interface EngineExitInfo {
  code: number | null
  signal: string | null
  /** The end of the process's stderr (V8 reports running out of heap there). */
  stderr?: string
  /** Why the process could not be started or reached, if it could not. */
  error?: string
}

export interface EngineProcess {
  send(msg: HostToEngine): void
  /**
   * Messages arrive untyped: they come from another process and are checked by the receiver.
   * Returns a function that removes the listener (a process outlives the run that listened).
   */
  onMessage(cb: (msg: unknown) => void): () => void
  /** Called once, after the process has ended and its message channel is drained. Returns a remover. */
  onExit(cb: (info: EngineExitInfo) => void): () => void
  /** Ends the process at once (no-op once it has exited). */
  kill(): void
  readonly pid: number | undefined
}

export type EngineProcessFactory = () => EngineProcess

/**
 * Where a run gets its engine process and gives it back. An engine that finished a run (said
 * `done`) can take the next `start`, so a pool keeps it warm; anything else is ended.
 */
export interface EngineProcessSource {
  acquire(): EngineProcess
  /**
   * The run is over with this process. `reusable`: the engine said `done` and is alive. Resolves
   * once the process is back in the pool or has exited.
   */
  release(engine: EngineProcess, reusable: boolean): Promise<void>
}
