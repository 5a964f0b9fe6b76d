/// <reference lib="dom" />
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startE2e, type E2eSession } from '../helpers/e2e'

// The whole path a new user takes, in a real browser against a real `snn-workbench serve`
// (database, services, engine processes): empty list → New run → a run trains to completion
// with an accuracy → it is in the list. Screenshots land in test-results/e2e-*.png.

let e2e: E2eSession | undefined
let page: Page
let pageErrors: string[] = []
let shot: E2eSession['shot']

beforeAll(async () => {
  e2e = await startE2e({ viewport: { width: 1280, height: 860 } })
  ;({ page, errors: pageErrors, shot } = e2e)
  await page.goto(e2e.url)
})

afterAll(() => e2e?.close())

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
    await shot('3b-gallery', page.getByTestId('run-gallery'))
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
    await page.getByTestId('compare-curves').waitFor({ timeout: 30_000 })
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
