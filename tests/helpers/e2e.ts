/// <reference lib="dom" />
/**
 * What every end-to-end test needs: a real `snn-workbench serve` on a free port with its own
 * database, and Debian's Chromium driven by playwright-core, with page errors collected.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const ROOT = resolve(__dirname, '../..')
export const CLI = join(ROOT, 'bin/snn-workbench.cjs')
export const CHROMIUM = '/usr/bin/chromium'
export const SHOTS = join(ROOT, 'test-results')

export interface Served {
  url: string
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>
}

/** Start `serve --port 0 --db dbPath`; resolves with the URL it prints. */
export function startServe(dbPath: string): Promise<Served> {
  return new Promise((resolveServed, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 120 s:\n${output}`)), 120_000)
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const url = /SNN Workbench is at (\S+)/.exec(output)?.[1]
      if (url) {
        clearTimeout(timer)
        resolveServed({ url, stop })
      }
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${code ?? signal}) before printing its URL:\n${output}`))
    })
  })
}

/** Headless Chromium and one page; `errors` collects page errors and console errors. */
export async function openBrowser(viewport = { width: 1280, height: 900 }): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] })
  const page = await browser.newPage({ viewport })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  return { browser, page, errors }
}
