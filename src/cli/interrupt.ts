/**
 * Ctrl+C for the commands that train (train, resume, sweep start, sweep resume). The terminal
 * signals the whole process group; engine processes ignore it (src/engine/host/workerEntry.ts)
 * and this process decides: the first Ctrl+C stops the work cleanly (cancel a run, pause a
 * sweep) so it can be resumed, and the command then exits with EXIT_INTERRUPTED; a second one
 * exits at once. Engine processes never outlive this one: they end when their IPC channel
 * closes, however this process ends.
 */

/** 128 + SIGINT, what shells expect from a program stopped by Ctrl+C. */
export const EXIT_INTERRUPTED = 130

export interface Interrupt {
  /** Whether Ctrl+C was pressed. */
  readonly interrupted: () => boolean
  dispose(): void
}

/** On the first Ctrl+C print `message` (one line) and call `stop`; on a second, exit at once. */
export function onInterrupt(message: string, stop: () => void = () => {}): Interrupt {
  let interrupted = false
  const onSignal = () => {
    if (interrupted) {
      process.stderr.write('\n')
      process.exit(EXIT_INTERRUPTED)
    }
    interrupted = true
    process.stderr.write(`\n${message} (press Ctrl+C again to quit at once)\n`)
    stop()
  }
  process.on('SIGINT', onSignal)
  return { interrupted: () => interrupted, dispose: () => void process.off('SIGINT', onSignal) }
}
