/** Engine processes as Node child processes (CLI, tests, and anywhere outside Electron). */
import { fork } from 'node:child_process'
import { resolve } from 'node:path'
import { captureTail, memoryFlags } from './processOutput'
import type { EngineProcess, EngineProcessFactory } from './types'
import { engineWorkerBundle } from './workerBundle'

/** The launcher that registers tsx and loads src/engine/host/workerEntry.ts (no build step). */
export const ENGINE_WORKER_SCRIPT = resolve(__dirname, '../../../bin/engine-worker.cjs')

export interface NodeEngineProcessOptions {
  /** Script to fork; default the prebuilt worker bundle (workerBundle.ts), else bin/engine-worker.cjs. */
  workerPath?: string
  /** V8 old-space limit of each engine process (--max-old-space-size), in MB; default Node's. */
  maxOldSpaceSizeMb?: number
  /** 'advanced' (structured clone) keeps every float exactly, −0 and NaN included; default 'advanced'. */
  serialization?: 'advanced' | 'json'
  /** Environment of the process; default this one's. */
  env?: NodeJS.ProcessEnv
}

export function nodeEngineProcessFactory(options: NodeEngineProcessOptions = {}): EngineProcessFactory {
  return () => forkNodeEngine(options)
}

export function forkNodeEngine(options: NodeEngineProcessOptions = {}): EngineProcess {
  const child = fork(options.workerPath ?? engineWorkerBundle() ?? ENGINE_WORKER_SCRIPT, [], {
    // Not the parent's execArgv: a test runner's or debugger's flags have no business here.
    execArgv: memoryFlags(options.maxOldSpaceSizeMb),
    serialization: options.serialization ?? 'advanced',
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc']
  })
  const stderr = captureTail(child.stderr)
  let error: string | undefined
  // Spawn and send failures arrive here; the exit that follows is what gets reported.
  child.on('error', (e) => {
    error = e.message
  })
  return {
    pid: child.pid,
    send(msg) {
      if (child.connected) child.send(msg)
    },
    onMessage(cb) {
      child.on('message', cb)
      return () => void child.off('message', cb)
    },
    onExit(cb) {
      // 'close', not 'exit': it comes after the last IPC message has been delivered.
      const onClose = (code: number | null, signal: NodeJS.Signals | null) => cb({ code, signal, stderr: stderr(), error })
      child.once('close', onClose)
      return () => void child.off('close', onClose)
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }
}
