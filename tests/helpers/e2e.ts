/// <reference lib="dom" />
/**
 * What every end-to-end test needs: a real `snn-workbench serve` on a free port with its own
 * database, and Debian's Chromium driven by playwright-core, with page errors collected.
 * `startE2e` does all of it (a fresh folder, serve, browser, screenshots, teardown); startServe
 * and openBrowser are its parts, for a test that needs them apart.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'

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
    const timer = setTimeout(() => {
      child.kill('SIGKILL') // nobody gets a handle to stop it
      reject(new Error(`serve printed no URL within 120 s:\n${output}`))
    }, 120_000)
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

export interface E2eSession {
  /** A fresh temporary folder, removed by close(). */
  workdir: string
  /** The database `serve` uses: workdir/wb.db. */
  dbPath: string
  /** What serve printed, e.g. http://127.0.0.1:40123/ (the page is not opened yet). */
  url: string
  browser: Browser
  page: Page
  /** Page errors and console errors so far. */
  errors: string[]
  /** Screenshot to test-results/e2e-<options.name>-<name>.png: the full page, or just `of`. */
  shot(name: string, of?: Locator): Promise<void>
  /** Closes the browser, stops serve, removes workdir. */
  close(): Promise<void>
}

export interface E2eOptions {
  /** Names the temporary folder and prefixes the screenshots; none gives plain e2e-<shot>.png. */
  name?: string
  viewport?: { width: number; height: number }
  /** Runs once the folder exists and before serve opens dbPath, e.g. to seed the database. */
  prepare?(paths: { workdir: string; dbPath: string }): void | Promise<void>
}

/** A fresh folder and database, `serve` on them, and Chromium with one page; on failure, undoes what it started. */
export async function startE2e(options: E2eOptions = {}): Promise<E2eSession> {
  const prefix = options.name ? `${options.name}-` : ''
  mkdirSync(SHOTS, { recursive: true })
  const workdir = mkdtempSync(join(tmpdir(), `snn-e2e-${prefix}`))
  const dbPath = join(workdir, 'wb.db')
  let served: Served | null = null
  let browser: Browser | null = null
  const close = async () => {
    await browser?.close()
    await served?.stop()
    rmSync(workdir, { recursive: true, force: true })
  }
  try {
    await options.prepare?.({ workdir, dbPath })
    served = await startServe(dbPath)
    const opened = await openBrowser(options.viewport)
    browser = opened.browser
    const { page, errors } = opened
    const shot = async (name: string, of?: Locator) => {
      const path = join(SHOTS, `e2e-${prefix}${name}.png`)
      await (of ? of.screenshot({ path }) : page.screenshot({ path, fullPage: true }))
    }
    return { workdir, dbPath, url: served.url, browser, page, errors, shot, close }
  } catch (error) {
    await close()
    throw error
  }
}
