/** Run the real `snn-workbench` CLI as a user would: a child process, its exit status and output. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { expect } from 'vitest'

export const CLI_PATH = join(__dirname, '..', '..', 'bin', 'snn-workbench.cjs')

export interface CliRun {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], cwd: string, timeoutMs = 45_000): Promise<CliRun> {
  const env = { ...process.env }
  delete env.SNN_DEBUG // would add a stack trace to internal errors
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill(), timeoutMs)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolvePromise({ status, signal, stdout, stderr })
    })
  })
}

/** A CLI run's exit and output, for assertion messages. */
export const cliContext = (r: CliRun): string => `exit ${r.status}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`

/** Exit `code`, nothing on stdout, stderr exactly one line `error: <message>`: no stack trace, no internal error. */
export function expectOneError(r: CliRun, code: number, message: string | RegExp): void {
  expect(r.signal, cliContext(r)).toBeNull()
  expect(r.status, cliContext(r)).toBe(code)
  expect(r.stdout, cliContext(r)).toBe('')
  expect(r.stderr, cliContext(r)).not.toMatch(/^\s*at\s/m)
  expect(r.stderr, cliContext(r)).not.toContain('internal error')
  const lines = r.stderr.split('\n').filter(Boolean)
  expect(lines, cliContext(r)).toHaveLength(1)
  expect(lines[0]).toMatch(/^error: /)
  const rest = lines[0].slice('error: '.length)
  if (typeof message === 'string') expect(rest).toBe(message)
  else expect(rest).toMatch(message)
}
