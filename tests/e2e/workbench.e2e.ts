/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The whole path a new user takes, in a real browser against a real `snn-workbench serve`
// (database, services, engine processes): empty list → New run → a run trains to completion
// with an accuracy → it is in the list. Screenshots land in test-results/e2e-*.png.

const ROOT = resolve(__dirname, '../..')
const CHROMIUM = '/usr/bin/chromium'
const SHOTS = join(ROOT, 'test-results')

let workdir = ''
let server: ChildProcess | null = null
let serverOutput = ''
let browser: Browser | null = null
let page: Page
const pageErrors: string[] = []

/** Start `serve` on a free port with a fresh database; resolves with the URL it prints. */
function startServer(dbPath: string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/snn-workbench.cjs'), 'serve', '--port', '0', '--db', dbPath], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    server = child
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 120 s:\n${serverOutput}`)), 120_000)
    const collect = (chunk: Buffer) => {
      serverOutput += chunk.toString()
      const url = /SNN Workbench is at (\S+)/.exec(serverOutput)?.[1]
      if (url) {
        clearTimeout(timer)
        resolveUrl(url)
      }
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${code ?? signal}) before printing its URL:\n${serverOutput}`))
    })
  })
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `e2e-${name}.png`), fullPage: true })
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`)
  mkdirSync(SHOTS, { recursive: true })
  workdir = mkdtempSync(join(tmpdir(), 'snn-e2e-'))
  const url = await startServer(join(workdir, 'wb.db'))
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu']
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`)
  })
  await page.goto(url)
})

afterAll(async () => {
  await browser?.close()
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server!.once('exit', done))
    server.kill('SIGTERM')
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))])
    if (server.exitCode === null) server.kill('SIGKILL')
  }
  if (workdir) rmSync(workdir, { recursive: true, force: true })
})

describe('the workbench in a browser', () => {
  it('greets a new user with an empty list that says what to do', async () => {
    const empty = page.getByTestId('runs-empty')
    await empty.waitFor({ timeout: 30_000 })
    expect(await empty.textContent()).toContain('No runs yet — start one with New run')
    await shot('1-empty')
  })

  it('starts a run from the New run form and shows it reaching "completed" with an accuracy', async () => {
    await page.getByTestId('nav-new-run').click()
    await page.getByTestId('new-run-form').waitFor()
    for (let digit = 0; digit <= 9; digit++) await page.getByTestId(`class-${digit}`).setChecked(digit <= 2)
    await page.getByTestId('run-name').fill('e2e digits 0-2')
    await page.getByTestId('run-neurons').fill('3')
    await page.getByTestId('run-train-per-class').fill('10')
    await shot('2-new-run')
    await page.getByTestId('start-run').click()

    await page.waitForURL(/#\/runs\/\d+$/, { timeout: 30_000 })
    await page.getByTestId('run-page').waitFor()
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 240_000 })
    await page.getByTestId('neuron-labels').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('run-accuracy').textContent()).toMatch(/\d+\.\d%/)
    expect(await page.getByTestId('neuron-labels').locator('tbody tr').count()).toBe(3)
    expect(await page.getByTestId('run-config').textContent()).toContain('"trainPerClass": 10')
    await shot('3-run-completed')
  })

  it('shows the learned weights and moves through the snapshots with the slider', async () => {
    const gallery = page.getByTestId('weight-gallery').first()
    await gallery.waitFor({ timeout: 30_000 })
    const size = await gallery.evaluate((el) => [(el as HTMLCanvasElement).width, (el as HTMLCanvasElement).height])
    expect(size[0]).toBeGreaterThan(84)
    // The drawn gallery is not blank: some pixels differ from the first one.
    const varied = await gallery.evaluate((el) => {
      const c = el as HTMLCanvasElement
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      for (let i = 4; i < data.length; i += 4) if (data[i] !== data[0]) return true
      return false
    })
    expect(varied).toBe(true)
    const slider = page.getByTestId('snapshot-slider')
    await slider.waitFor({ timeout: 30_000 })
    // A finished run's gallery shows its final weights (30 training images).
    await page.waitForFunction(() => document.querySelector('[data-testid="gallery-step"]')?.textContent === '30')
    const last = await page.getByTestId('gallery-step').textContent()
    await slider.fill('0')
    await page.waitForFunction((before) => document.querySelector('[data-testid="gallery-step"]')?.textContent !== before, last)
    expect(Number(await page.getByTestId('gallery-step').textContent())).toBeLessThan(Number(last))
    await gallery.click({ position: { x: 10, y: 10 } })
    await page.getByTestId('run-gallery').screenshot({ path: join(SHOTS, 'e2e-3b-gallery.png') })
  })

  it('clones the run with a changed learning rate and trains the clone', async () => {
    await page.getByTestId('clone-run').click()
    await page.waitForURL(/#\/new\?from=\d+/)
    await page.getByTestId('run-name').waitFor()
    await page.waitForFunction(() => (document.querySelector('[data-testid="run-name"]') as HTMLInputElement)?.value.endsWith('(clone)'))
    const rate = page.getByTestId('run-learning-rate')
    expect(await rate.inputValue()).toBe('0.02')
    await page.locator('summary', { hasText: 'Learning (STDP)' }).click()
    await rate.fill('0.05')
    await shot('5-clone-form')
    await page.getByTestId('start-run').click()
    await page.waitForURL(/#\/runs\/\d+$/, { timeout: 30_000 })
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 240_000 })
    expect(await page.getByTestId('run-config').textContent()).toContain('"rate": 0.05')
  })

  it('compares the two runs side by side', async () => {
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('run-row').nth(1).waitFor({ timeout: 30_000 })
    for (let i = 0; i < 2; i++) await page.getByTestId('run-select').nth(i).check()
    await page.getByTestId('compare-selected').click()
    await page.getByTestId('compare-table').waitFor({ timeout: 30_000 })
    const params = await page.getByTestId('compare-param').allTextContents()
    expect(params.some((row) => row.includes('learning.rate') && row.includes('0.05') && row.includes('0.02'))).toBe(true)
    await page.getByTestId('confusion-matrix').nth(1).waitFor()
    await page.getByTestId('weight-gallery').nth(1).waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('weight-gallery').count()).toBe(2)
    await shot('6-compare')
  })

  it('lists the finished run', async () => {
    await page.getByTestId('nav-runs').click()
    const row = page.getByTestId('run-row').filter({ hasText: 'e2e digits 0-2', hasNotText: '(clone)' })
    await row.waitFor({ timeout: 30_000 })
    expect(await row.getByTestId('status-badge').textContent()).toContain('completed')
    expect(await row.getByTestId('run-accuracy').textContent()).toMatch(/\d+\.\d%/)
    await shot('4-runs-list')
    await page.getByTestId('theme').selectOption('dark')
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await shot('4b-runs-list-dark')
    await page.getByTestId('theme').selectOption('light')
    expect(pageErrors).toEqual([])
  })
})
