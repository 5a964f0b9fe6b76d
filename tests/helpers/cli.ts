/** Run the real `snn-workbench` CLI as a user would: a child process, its exit status and output. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

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
