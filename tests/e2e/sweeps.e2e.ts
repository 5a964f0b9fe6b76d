/// <reference lib="dom" />
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startE2e, type E2eSession } from '../helpers/e2e'

// A sweep from the UI, in a real browser against a real `snn-workbench serve`: the empty sweeps
// list → New sweep (4 random trials over learning rate and threshold scale, seed-2017, digits
// 0–2, a few images per class, 2 at once) → it runs to completion live → parallel coordinates,
// charts and trials table → compare the top 3. Screenshots land in test-results/e2e-sweep-*.png.

let e2e: E2eSession | undefined
let page: Page
let pageErrors: string[] = []
let shot: E2eSession['shot']

beforeAll(async () => {
  e2e = await startE2e({ name: 'sweep', viewport: { width: 1280, height: 860 } })
  ;({ page, errors: pageErrors, shot } = e2e)
  await page.goto(e2e.url)
})

afterAll(() => e2e?.close())

describe('a sweep in the browser', () => {
  it('explains what a sweep is when there is none', async () => {
    await page.getByTestId('nav-sweeps').click()
    const empty = page.getByTestId('sweeps-empty')
    await empty.waitFor({ timeout: 30_000 })
    expect(await empty.textContent()).toContain('A sweep trains many variants of one experiment')
    await shot('1-empty')
  })

  it('creates a 4-trial random sweep from the form and watches it finish', async () => {
    await page.getByTestId('new-sweep').first().click()
    await page.getByTestId('new-sweep-form').waitFor()
    await page.getByTestId('sweep-name').fill('e2e learning rate')
    // Keep learning rate and threshold scale; drop the leak.
    await page.getByTestId('space-row').nth(2).getByTestId('space-remove').click()
    expect(await page.getByTestId('space-row').count()).toBe(2)
    await page.getByTestId('sweep-train-per-class').fill('10')
    await page.getByTestId('sweep-test-per-class').fill('10')
    await page.getByTestId('sweep-budget').fill('4')
    await page.getByTestId('sweep-concurrency').fill('2')
    await page.getByTestId('sweep-seed').fill('3')
    // A wrong range is refused inline before anything is sent.
    const max = page.getByTestId('space-row').first().getByTestId('space-max')
    await max.fill('0.001')
    expect(await page.getByTestId('space-problem').textContent()).toContain('learning.rate: range min 0.005 is greater than max 0.001')
    expect(await page.getByTestId('start-sweep').isDisabled()).toBe(true)
    await max.fill('0.08')
    await shot('2-form')
    await page.getByTestId('start-sweep').click()

    await page.waitForURL(/#\/sweeps\/\d+$/, { timeout: 30_000 })
    await page.getByTestId('sweep-page').waitFor()
    await page.getByTestId('sweep-progress').waitFor()
    await shot('2b-running') // usually while the first trials train
    await page.getByTestId('sweep-status').first().filter({ hasText: 'completed' }).waitFor({ timeout: 240_000 })
    await page.getByTestId('trials-table').waitFor()
    // The page fetches again after the last event; wait until all four show a result.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="trial-objective"]').length === 4 && Array.from(document.querySelectorAll('[data-testid="trial-objective"]')).every((c) => /%$/.test(c.textContent ?? '')))
    expect(await page.getByTestId('trial-row').count()).toBe(4)
    expect(await page.getByTestId('best-mark').count()).toBe(1)
    expect(await page.getByTestId('sweep-best-value').textContent()).toMatch(/\d+\.\d%/)
    expect(await page.getByTestId('trial-run').count()).toBe(4)
  })

  it('draws the parallel-coordinates plot, the charts and the importance note', async () => {
    const pcp = page.getByTestId('pcp-chart')
    await pcp.waitFor({ timeout: 30_000 })
    // Drawn, not blank: the canvas has pixels of more than one colour.
    const drawn = await pcp.evaluate((el) => {
      const c = el as HTMLCanvasElement
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      const colours = new Set<number>()
      for (let i = 0; i < data.length && colours.size < 3; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2] | (data[i + 3] << 24))
      return colours.size
    })
    expect(drawn).toBeGreaterThan(2)
    expect(await page.getByTestId('scatter-chart').count()).toBe(3) // by trial, and one per parameter
    // 4 completed trials are just enough for the fANOVA estimate.
    expect(await page.getByTestId('sweep-importance').textContent()).toContain('fANOVA main effects')
    await shot('3-page')
    await shot('3b-pcp', pcp)
    await page.getByTestId('theme').selectOption('dark')
    await shot('3c-page-dark')
    await page.getByTestId('theme').selectOption('light')
  })

  it('compares the top 3 trials and opens the best run', async () => {
    const bestRun = (await page.getByTestId('sweep-best').textContent())!.match(/run (\d+)/)![1]
    await page.getByTestId('compare-k').selectOption('3')
    await page.getByTestId('compare-top').click()
    await page.waitForURL(/#\/compare\?ids=\d+(%2C|,)\d+(%2C|,)\d+$/, { timeout: 30_000 })
    await page.getByTestId('compare-table').waitFor({ timeout: 30_000 })
    expect(decodeURIComponent(page.url()).split('ids=')[1].split(',')[0]).toBe(bestRun)
    await shot('4-compare')

    await page.goBack()
    await page.getByTestId('open-best').click()
    await page.waitForURL(new RegExp(`#/runs/${bestRun}$`), { timeout: 30_000 })
    await page.getByTestId('run-page').waitFor()

    await page.getByTestId('nav-sweeps').click()
    const row = page.getByTestId('sweep-row')
    await row.waitFor()
    expect(await row.textContent()).toContain('e2e learning rate')
    expect(await row.getByTestId('sweep-best').textContent()).toMatch(/\d+\.\d%/)
    await shot('5-list')
    expect(pageErrors).toEqual([])
  })
})
