/** Engine processes as Electron utility processes (the desktop app). Mirrors nodeProcess.ts. */
import { join } from 'node:path'
import { utilityProcess } from 'electron'
import { captureTail, memoryFlags } from './processOutput'
import type { EngineProcess, EngineProcessFactory } from './types'

export interface UtilityEngineProcessOptions {
  /** Built worker; default out/main/engineWorker.js, next to the main bundle. */
  workerPath?: string
  maxOldSpaceSizeMb?: number
}

/** The factory the app uses: the default worker and memory limit. */
export const utilityEngineProcessFactory: EngineProcessFactory = () => forkUtilityEngine()

export function forkUtilityEngine(options: UtilityEngineProcessOptions = {}): EngineProcess {
  const child = utilityProcess.fork(options.workerPath ?? join(__dirname, 'engineWorker.js'), [], {
    serviceName: 'SNN engine',
    execArgv: memoryFlags(options.maxOldSpaceSizeMb),
    stdio: ['ignore', 'inherit', 'pipe']
  })
  const stderr = captureTail(child.stderr)
  let exited = false
  let error: string | undefined
  child.once('exit', () => {
    exited = true
  })
  // A V8 fatal error (out of memory among them); the exit that follows is what gets reported.
  child.on('error', (type) => {
    error = type
  })
  return {
    get pid() {
      return child.pid
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => {
      child.on('message', cb)
      return () => void child.off('message', cb)
    },
    onExit: (cb) => {
      // Electron reports only an exit code (a signal shows up as a code, not a name).
      const onExit = (code: number) => cb({ code, signal: null, stderr: stderr(), error })
      child.once('exit', onExit)
      return () => void child.off('exit', onExit)
    },
    kill: () => {
      if (!exited) child.kill()
    }
  }
}
