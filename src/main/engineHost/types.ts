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
  /** Messages arrive untyped: they come from another process and are checked by the receiver. */
  onMessage(cb: (msg: unknown) => void): void
  /** Called once, after the process has ended and its message channel is drained. */
  onExit(cb: (info: EngineExitInfo) => void): void
  /** Ends the process at once (no-op once it has exited). */
  kill(): void
  readonly pid: number | undefined
}

export type EngineProcessFactory = () => EngineProcess
