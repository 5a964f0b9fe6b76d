/** Engine processes as Node child processes (CLI, tests, and anywhere outside Electron). */
import { fork } from 'node:child_process'
import { resolve } from 'node:path'
import type { EngineProcess, EngineProcessFactory } from './types'

/** The launcher that registers tsx and loads src/engine/host/workerEntry.ts. */
export const ENGINE_WORKER_SCRIPT = resolve(__dirname, '../../../bin/engine-worker.cjs')

export interface NodeEngineProcessOptions {
  /** Script to fork; default bin/engine-worker.cjs. */
  workerPath?: string
  /** V8 old-space limit of each engine process (--max-old-space-size), in MB; default Node's. */
  maxOldSpaceSizeMb?: number
  /** 'advanced' (structured clone) keeps every float exactly, −0 and NaN included; default 'advanced'. */
  serialization?: 'advanced' | 'json'
}

/** Characters of stderr kept per process: enough for V8's out-of-memory report. */
const STDERR_TAIL_CHARS = 8192

/** Keep the last `limit` characters written to `stream`. */
export function captureTail(stream: NodeJS.ReadableStream | null | undefined, limit = STDERR_TAIL_CHARS): () => string {
  let tail = ''
  stream?.setEncoding('utf8')
  stream?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-limit)
  })
  return () => tail
}

export function memoryFlags(maxOldSpaceSizeMb: number | undefined): string[] {
  return maxOldSpaceSizeMb ? [`--max-old-space-size=${Math.round(maxOldSpaceSizeMb)}`] : []
}

export function nodeEngineProcessFactory(options: NodeEngineProcessOptions = {}): EngineProcessFactory {
  return () => forkNodeEngine(options)
}

export function forkNodeEngine(options: NodeEngineProcessOptions = {}): EngineProcess {
  const child = fork(options.workerPath ?? ENGINE_WORKER_SCRIPT, [], {
    // Not the parent's execArgv: a test runner's or debugger's flags have no business here.
    execArgv: memoryFlags(options.maxOldSpaceSizeMb),
    serialization: options.serialization ?? 'advanced',
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
    },
    onExit(cb) {
      // 'close', not 'exit': it comes after the last IPC message has been delivered.
      child.once('close', (code, signal) => cb({ code, signal, stderr: stderr(), error }))
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }
}
