/**
 * Entry point of an engine process, which trains runs one after another (see runWorker) until
 * the host sends `shutdown`, an `error` ends it, or the host goes away. Launchers: the worker
 * bundle (src/main/engineHost/workerBundle.ts) or bin/engine-worker.cjs under
 * `child_process.fork` (Node IPC: process.send / 'message'), and Electron's
 * `utilityProcess.fork` running the built out/main/engineWorker.js (process.parentPort).
 * Which one is detected by the presence of `process.parentPort`.
 */
import type { EngineToHost, HostToEngine } from '../../shared/engineProtocol'
import { errorMessage, runWorker, type EnginePort } from './worker'

/** The part of Electron's utility-process parentPort used here (no Electron import in the engine). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

/** Time for the last messages to leave a utility process before it exits (postMessage has no callback). */
const UTILITY_EXIT_DELAY_MS = 200

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

// Ctrl+C in a terminal signals the whole process group, this engine included: the host decides
// what happens to the run (cancel, pause) and ends this process; it must not die mid-message.
// (The launcher installs this first thing too, before the engine's code has loaded.)
process.on('SIGINT', () => {})

if (parentPort) serveUtilityProcess(parentPort)
else if (process.send) serveChildProcess()
else {
  process.stderr.write('engine worker: start me with child_process.fork or Electron utilityProcess.fork\n')
  process.exitCode = 2
}

function serveChildProcess(): void {
  let pendingSends = 0
  let exitCode: number | null = null
  // Exit only once every message has been handed to the OS, or the last ones would be lost.
  const exitWhenFlushed = () => {
    if (exitCode !== null && pendingSends === 0) process.exit(exitCode)
  }
  const port: EnginePort = {
    send(msg: EngineToHost) {
      if (!process.connected) return
      pendingSends++
      process.send!(msg, undefined, undefined, () => {
        pendingSends--
        exitWhenFlushed()
      })
    },
    onMessage(cb) {
      process.on('message', (msg) => cb(msg as HostToEngine))
    }
  }
  const end = (code: number) => {
    if (exitCode !== null) return
    exitCode = code
    exitWhenFlushed()
  }
  // The parent is gone (closed the channel or died): nobody is listening, stop training.
  process.on('disconnect', () => process.exit(exitCode ?? 0))
  reportCrashes(port, end)
  void runWorker(port).then(end)
}

function serveUtilityProcess(parentPort: ParentPort): void {
  const port: EnginePort = {
    send: (msg) => parentPort.postMessage(msg),
    onMessage: (cb) => parentPort.on('message', (event) => cb(event.data as HostToEngine))
  }
  let ending = false
  const end = (code: number) => {
    if (ending) return
    ending = true
    setTimeout(() => process.exit(code), UTILITY_EXIT_DELAY_MS)
  }
  reportCrashes(port, end)
  void runWorker(port).then(end)
}

/** Anything thrown outside the run's own try/catch still reaches the host as one line, then the process ends. */
function reportCrashes(port: EnginePort, end: (code: number) => void): void {
  const report = (error: unknown) => {
    try {
      port.send(errorMessage(error, 'internal'))
    } finally {
      end(1)
    }
  }
  process.on('uncaughtException', report)
  process.on('unhandledRejection', report)
}
