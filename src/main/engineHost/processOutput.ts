/**
 * What both kinds of engine process share (nodeProcess.ts, utilityProcess.ts): a memory limit
 * flag and the tail of stderr. Its own file so the Electron build's utility-process path does
 * not pull in the Node path's worker bundler (esbuild).
 */

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
