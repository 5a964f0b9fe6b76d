/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/db'
import { openBrowser, SHOTS, startServe, type Served } from '../helpers/e2e'
import { SEED_EXPERIMENTS, seededRun, seedRuns } from '../helpers/seedRuns'

// The runs list with 10,000 runs in the database, in Chromium against a real `serve`: it
// renders only the rows in view, filters and sorts in the database, keeps the filters in the
// URL, groups runs by experiment and answers the keyboard. It also prints how long the first
// render and filter changes take, measured in the browser from the action to the rows painted
// (docs/ui-performance.md; printed, not asserted: timings depend on the machine).

const RUNS = 10_000
const REPEATS = 3

let workdir = ''
let served: Served | null = null
let browser: Browser | null = null
let page: Page
let baseUrl = ''
let pageErrors: string[] = []
const figures: [string, number[]][] = []

/** How many seeded runs match `predicate` (run i has id i + 1). */
const countWhere = (predicate: (run: ReturnType<typeof seededRun>, i: number) => boolean) =>
  Array.from({ length: RUNS }, (_, i) => seededRun(i)).filter(predicate).length

/** A user action, done in the page (the page's CSP forbids eval, so no code strings). */
type Action = { hash: string } | { click: string; withText?: string } | { select: string; value: string } | { scrollTo: number }
/** What the list shows once the action has taken effect. */
type Outcome = { total: number } | { text: string; of: string } | { rowIndex: number }

/**
 * Installed in every page: `__timeUntil(action, outcome)` does `action`, then checks the outcome
 * once a frame and resolves with the milliseconds until the frame in which it first held was
 * painted (requestAnimationFrame runs before a frame's paint, a task queued from it after).
 * Gives up after 20 s with -1, so a broken page fails the test instead of hanging it.
 * `__firstRows` resolves with the time from navigation start to the first rows painted.
 */
function installTimer(): void {
  const GIVE_UP_MS = 20_000
  const untilPainted = (holds: () => boolean, since: number) =>
    new Promise<number>((resolveTime) => {
      const frame = () => {
        if (holds()) setTimeout(() => resolveTime(performance.now() - since))
        else if (performance.now() - since > GIVE_UP_MS) resolveTime(-1)
        else requestAnimationFrame(frame)
      }
      requestAnimationFrame(frame)
    })
  const act = (action: Action) => {
    if ('hash' in action) location.hash = action.hash
    else if ('click' in action) {
      const all = Array.from(document.querySelectorAll<HTMLElement>(action.click))
      all.find((el) => action.withText === undefined || el.textContent?.includes(action.withText))!.click()
    } else if ('select' in action) {
      const select = document.querySelector<HTMLSelectElement>(action.select)!
      select.value = action.value
      select.dispatchEvent(new Event('change'))
    } else document.querySelector<HTMLElement>('[data-testid="runs-table"]')!.scrollTop = action.scrollTo
  }
  const holds = (outcome: Outcome) => {
    if ('total' in outcome) {
      return (
        document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-total') === String(outcome.total) &&
        document.querySelector('[data-testid="run-row"]') !== null &&
        document.querySelector('[data-testid="runs-table"] [aria-busy="true"]') === null
      )
    }
    if ('rowIndex' in outcome) return document.querySelector(`[data-testid="run-row"][data-index="${outcome.rowIndex}"]`) !== null
    return document.querySelector(outcome.of)?.textContent === outcome.text
  }
  const w = window as unknown as Record<string, unknown>
  w.__timeUntil = (action: Action, outcome: Outcome) => {
    const start = performance.now()
    act(action)
    return untilPainted(() => holds(outcome), start)
  }
  w.__firstRows = untilPainted(() => document.querySelector('[data-testid="run-row"]') !== null, 0)
}

/** Milliseconds from `action` to `outcome` painted, measured in the page. */
function timeUntil(action: Action, outcome: Outcome): Promise<number> {
  return page.evaluate(
    ({ action, outcome }) => (window as unknown as { __timeUntil: (a: Action, o: Outcome) => Promise<number> }).__timeUntil(action, outcome),
    { action, outcome }
  )
}

function record(name: string, times: number[]): void {
  expect(times.every((t) => t >= 0), `${name}: the list never showed what was expected`).toBe(true)
  figures.push([name, times])
}

/** A fresh page load (a hash-only goto would stay in the same document). */
async function load(hash: string): Promise<void> {
  await page.goto('about:blank')
  await page.goto(`${baseUrl}${hash}`)
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]
const rowCount = () => page.getByTestId('run-row').count()
const totalText = () => page.getByTestId('runs-total').textContent()

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  workdir = mkdtempSync(join(tmpdir(), 'snn-e2e-list-'))
  const dbPath = join(workdir, 'wb.db')
  const seedStart = performance.now()
  const store = new RunStore(dbPath)
  seedRuns(store, RUNS, { metricSteps: 3 })
  store.close()
  console.log(`seeded ${RUNS} runs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)
  served = await startServe(dbPath)
  baseUrl = served.url
  ;({ browser, page, errors: pageErrors } = await openBrowser({ width: 1440, height: 900 }))
  await page.addInitScript(installTimer)
})

afterAll(async () => {
  if (figures.length) {
    console.log(`\nruns list, ${RUNS.toLocaleString('en')} runs: ms from the action to the rows painted (median of ${REPEATS}; all)`)
    for (const [name, times] of figures) console.log(`  ${name.padEnd(52)}${median(times).toFixed(0).padStart(6)}   [${times.map((t) => t.toFixed(0)).join(', ')}]`)
  }
  await browser?.close()
  await served?.stop()
  if (workdir) rmSync(workdir, { recursive: true, force: true })
})

describe('the runs list with 10,000 runs', () => {
  it('renders the first rows quickly and keeps only the visible rows in the page', async () => {
    const cold: number[] = []
    const inApp: number[] = []
    for (let i = 0; i < REPEATS; i++) {
      // Cold: a fresh page load (script, WebSocket, first window of rows).
      await load('#/')
      cold.push(await page.evaluate(() => (window as unknown as { __firstRows: Promise<number> }).__firstRows))
      // In the app: from another view to the list, the store not yet loaded.
      await load('#/new')
      await page.getByTestId('new-run-form').waitFor()
      inApp.push(await timeUntil({ hash: '#/' }, { total: RUNS }))
    }
    record('first render, page load (navigation → rows)', cold)
    record('first render, from another view', inApp)

    expect(await totalText()).toContain('10,000 runs')
    // Virtualised: a screenful of rows (plus overscan), not ten thousand.
    const rendered = await rowCount()
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(80)
    // The experiments sidebar counts every experiment's runs.
    const perExperiment = RUNS / SEED_EXPERIMENTS.length
    expect(await page.getByTestId('experiment').filter({ hasText: 'sweep lr-tpe' }).textContent()).toContain(perExperiment.toLocaleString('en'))
  })

  it('fetches the rows of wherever the user scrolls to', async () => {
    const times: number[] = []
    for (const fraction of [0.5, 0.9, 0.25]) {
      const index = Math.floor(RUNS * fraction)
      times.push(await timeUntil({ scrollTo: index * 40 }, { rowIndex: index }))
      // Newest first: row `index` is run RUNS - index.
      expect(await page.locator(`[data-testid="run-row"][data-index="${index}"]`).getAttribute('data-run-id')).toBe(String(RUNS - index))
      expect(await rowCount()).toBeLessThan(80)
    }
    record('scroll to an unfetched part of the list', times)
    await page.evaluate(() => (document.querySelector<HTMLElement>('[data-testid="runs-table"]')!.scrollTop = 0))
  })

  it('filters by status, experiment and a parameter range, sorts in the database, and keeps it all in the URL', async () => {
    const failed = countWhere((r) => r.status === 'failed')
    const statusTimes: number[] = []
    for (let i = 0; i < REPEATS; i++) {
      statusTimes.push(
        await timeUntil({ select: '[data-testid="runs-status"]', value: 'failed' }, { total: failed })
      )
      await load('#/')
      await page.getByTestId('run-row').first().waitFor()
    }
    record('filter change: status = failed', statusTimes)

    const experimentTimes: number[] = []
    const sweepRuns = countWhere((r) => r.experiment === 'sweep lr-tpe')
    for (let i = 0; i < REPEATS; i++) {
      experimentTimes.push(
        await timeUntil({ click: '[data-testid="experiment"]', withText: 'sweep lr-tpe' }, { total: sweepRuns })
      )
      if (i < REPEATS - 1) {
        await load('#/')
        await page.getByTestId('run-row').first().waitFor()
      }
    }
    record('filter change: experiment (sidebar)', experimentTimes)
    expect(page.url()).toMatch(/exp=\d+/)

    // A parameter range through the picker: key, then min and max (added, timed, removed; the
    // last one stays).
    const inRange = countWhere((r) => r.experiment === 'sweep lr-tpe' && r.rate >= 0.01 && r.rate <= 0.05)
    const paramTimes: number[] = []
    for (let i = 0; i < REPEATS; i++) {
      await page.getByTestId('add-param-filter').click()
      await page.getByTestId('param-key').fill('learning.rate')
      await page.getByTestId('param-min').fill('0.01')
      await page.getByTestId('param-max').fill('0.05')
      paramTimes.push(await timeUntil({ click: '[data-testid="param-add"]' }, { total: inRange }))
      if (i < REPEATS - 1) {
        await page.locator('[data-testid="filter-chip"][data-kind="param"] [data-testid="filter-chip-remove"]').click()
        await page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-total') === String(n), sweepRuns)
      }
    }
    record('filter change: parameter range (picker)', paramTimes)
    expect(await page.getByTestId('filter-chip').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('0.01 ≤ learning.rate ≤ 0.05')]))
    // The filtered parameter becomes a column.
    const rates = await page.getByTestId('run-param').allTextContents()
    expect(new Set(rates)).toEqual(new Set(['0.01', '0.02', '0.05']))

    // Sort by accuracy, best first: the database orders all matching runs, not just a page.
    const best = Math.max(
      ...Array.from({ length: RUNS }, (_, i) => seededRun(i))
        .filter((r) => r.experiment === 'sweep lr-tpe' && r.rate >= 0.01 && r.rate <= 0.05 && r.accuracy !== null)
        .map((r) => r.accuracy!)
    )
    const bestText = `${(100 * best).toFixed(1)}%`
    const matching = (i: number) => seededRun(i).experiment === 'sweep lr-tpe' && seededRun(i).rate >= 0.01 && seededRun(i).rate <= 0.05
    // Run i has id i + 1; newest first means the largest matching id.
    const newest = String(Math.max(...Array.from({ length: RUNS }, (_, i) => i).filter(matching)) + 1)
    const sortTimes: number[] = []
    for (let i = 0; i < REPEATS; i++) {
      expect(await page.getByTestId('run-accuracy').first().textContent()).not.toBe(bestText) // newest first until sorted
      sortTimes.push(await timeUntil({ click: '[data-testid="sort-accuracy"]' }, { text: bestText, of: '[data-testid="run-accuracy"]' }))
      if (i < REPEATS - 1) {
        await page.getByTestId('sort-created').click()
        await page.waitForFunction((id) => document.querySelector('[data-testid="run-row"]')?.getAttribute('data-run-id') === id, newest)
      }
    }
    record('sort change: accuracy', sortTimes)
    expect(await page.getByTestId('sort-accuracy').textContent()).toContain('▾')

    // Select two runs, for the screenshot and the keyboard test below.
    await page.getByTestId('run-select').nth(0).check()
    await page.getByTestId('run-select').nth(2).check()
    await page.screenshot({ path: join(SHOTS, 'e2e-runs-list-10k.png') })
    await page.getByTestId('theme').selectOption('dark')
    await page.screenshot({ path: join(SHOTS, 'e2e-runs-list-10k-dark.png') })
    await page.getByTestId('theme').selectOption('system')

    // The URL holds the view: a reload shows the same filters, sort and rows.
    const url = page.url()
    expect(decodeURIComponent(url)).toContain('p=learning.rate:0.01..0.05')
    expect(url).toContain('sort=accuracy')
    await page.reload()
    await page.getByTestId('run-row').first().waitFor()
    expect(page.url()).toBe(url)
    expect(await page.getByTestId('runs-table').getAttribute('data-total')).toBe(String(inRange))
    expect(await page.getByTestId('filter-chip').count()).toBe(2)

    // Removing the experiment chip widens the list to every experiment.
    const everyExperiment = countWhere((r) => r.rate >= 0.01 && r.rate <= 0.05)
    await page.getByTestId('filter-chip').filter({ hasText: 'sweep lr-tpe' }).getByTestId('filter-chip-remove').click()
    await page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-total') === String(n), everyExperiment)
    expect(page.url()).not.toMatch(/exp=/)
  })

  it('answers the keyboard: move, open, select, compare, delete with confirm', async () => {
    await load('#/')
    await page.getByTestId('run-row').first().waitFor()
    await page.keyboard.press('j')
    await page.keyboard.press('j')
    await page.keyboard.press('x')
    await page.keyboard.press('k')
    await page.keyboard.press('x')
    expect(await page.getByTestId('selected-count').textContent()).toBe('2 selected')
    await page.keyboard.press('c')
    await page.waitForURL(/#\/compare\?ids=/)
    expect(new Set(new URL(page.url().replace('#/', '')).searchParams.get('ids')!.split(','))).toEqual(new Set([String(RUNS - 1), String(RUNS)]))

    await load('#/')
    await page.getByTestId('run-row').first().waitFor()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await page.waitForURL(new RegExp(`#/runs/${RUNS}$`))

    await load('#/')
    await page.getByTestId('run-row').first().waitFor()
    await page.keyboard.press('j')
    let asked = ''
    page.once('dialog', (dialog) => {
      asked = dialog.message()
      void dialog.accept()
    })
    await page.keyboard.press('Delete')
    await page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-total') === String(n), RUNS - 1)
    expect(asked).toContain(`Delete run #${RUNS}`)
    expect(await page.getByTestId('run-row').first().getAttribute('data-run-id')).toBe(String(RUNS - 1))
    expect(pageErrors).toEqual([])
  })
})
