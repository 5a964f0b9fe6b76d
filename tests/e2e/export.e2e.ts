/// <reference lib="dom" />
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseExport } from '../../src/engine/export/writers'
import { CLI, startE2e, type E2eSession } from '../helpers/e2e'

// Hardware export and weight import in a real browser against a real `snn-workbench serve`:
// a small run trained by the CLI → its page → the export dialog's live preview changes with the
// Q format → a .mem download whose words equal the CLI's export → a weights file imported from
// the runs list becomes a run. Screenshots: test-results/e2e-export-dialog.png, e2e-import-dialog.png.

const CONFIG = {
  name: 'e2e export',
  seed: 2,
  steps: 200,
  data: { source: { kind: 'mnist-bundled' }, classes: [0, 1, 2], trainPerClass: 30, testPerClass: 20 },
  network: { layers: [{ neurons: 5 }] },
  threshold: { mode: 'variable', scale: 2 }
}

let e2e: E2eSession | undefined
let workdir = ''
let db = ''
let baseUrl = ''
let page: Page
let pageErrors: string[] = []
let shot: E2eSession['shot']

function cli(args: string[]): string {
  const result = spawnSync(process.execPath, [CLI, ...args, '--db', db], { cwd: workdir, encoding: 'utf8', timeout: 180_000 })
  if (result.status !== 0) throw new Error(`snn-workbench ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`)
  return result.stdout
}

beforeAll(async () => {
  e2e = await startE2e({
    viewport: { width: 1360, height: 900 },
    prepare(paths) {
      ;({ workdir, dbPath: db } = paths)
      writeFileSync(join(workdir, 'config.json'), JSON.stringify(CONFIG))
      cli(['train', '--config', join(workdir, 'config.json'), '--out', join(workdir, 'out'), '--json']) // run 1
    }
  })
  ;({ url: baseUrl, page, errors: pageErrors, shot } = e2e)
})

afterAll(() => e2e?.close())

describe('export and import in a browser', () => {
  it('previews live as the Q format changes and downloads the .mem file the CLI would write', async () => {
    await page.goto(`${baseUrl}#/runs/1`)
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 30_000 })
    await page.getByTestId('export-weights').click()
    const dialog = page.getByTestId('export-dialog')
    await dialog.waitFor()
    const accuracy = page.getByTestId('export-accuracy')
    await accuracy.filter({ hasText: /Accuracy float \d+\.\d% → fixed \d+\.\d%/ }).waitFor({ timeout: 60_000 })
    await page.getByTestId('export-evaluating').waitFor({ state: 'detached', timeout: 60_000 })
    const fineError = await page.getByTestId('export-error').textContent()
    expect(await page.getByTestId('export-report').textContent()).toContain('Q12.12, 24 bits')

    await page.getByTestId('export-preset-4.4').click()
    await page.getByTestId('export-report').filter({ hasText: 'Q4.4, 8 bits' }).waitFor({ timeout: 30_000 })
    await page.getByTestId('export-evaluating').waitFor({ state: 'detached', timeout: 60_000 })
    expect(await page.getByTestId('export-error').textContent()).not.toBe(fineError)
    expect(await accuracy.textContent()).toMatch(/Accuracy float \d+\.\d% → fixed \d+\.\d% \((no change|[+−]\d+\.\d points)\), winner agreement \d+\.\d%/)
    expect(await accuracy.textContent()).toContain("On the run's 60 test images (20 each of classes 0, 1, 2)")
    await page.getByTestId('export-histogram').locator('canvas').waitFor()
    await shot('export-dialog')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()])
    expect(download.suggestedFilename()).toBe('run-1-step-90-q4.4.mem')
    const saved = join(workdir, 'ui.mem')
    await download.saveAs(saved)
    const text = readFileSync(saved, 'utf8')
    const words = text.split('\n').filter((line) => line && !line.startsWith('//'))
    expect(words).toHaveLength(5 * 784)
    expect(words.every((w) => /^[0-9A-F]{2}$/.test(w))).toBe(true)

    cli(['export', '--run', '1', '--format', 'mem', '--q', '4.4', '--out', join(workdir, 'cli.mem')])
    const fromCli = parseExport(readFileSync(join(workdir, 'cli.mem'), 'utf8'), 'mem', 'cli.mem')
    expect(parseExport(text, 'mem', 'ui.mem').values).toEqual(fromCli.values)
    expect(words.slice(0, 8)).toEqual(Array.from(fromCli.values.slice(0, 8), (v) => (v & 0xff).toString(16).toUpperCase().padStart(2, '0')))

    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
  })

  it('imports a weights file from the runs list, with the shape checked, and opens the new run', async () => {
    cli(['export', '--run', '1', '--format', 'txt', '--q', '12.12', '--out', join(workdir, 'hardware.txt')])
    writeFileSync(join(workdir, 'wrong.csv'), '1,2,3\n4,5,6\n')
    await page.goto(`${baseUrl}#/`)
    await page.getByTestId('import-weights').click()
    await page.getByTestId('import-dialog').waitFor()
    await page.getByTestId('import-file').setInputFiles(join(workdir, 'wrong.csv'))
    await page.getByTestId('import-submit').click()
    const error = page.getByTestId('import-error')
    await error.waitFor({ timeout: 30_000 })
    expect(await error.textContent()).toContain('wrong.csv: weights are 2×3, expected 2 neurons × 784 inputs')

    await page.getByTestId('import-file').setInputFiles(join(workdir, 'hardware.txt'))
    await page.getByTestId('import-name').fill('from the FPGA')
    await shot('import-dialog')
    await page.getByTestId('import-submit').click()
    await page.waitForURL(/#\/runs\/2$/, { timeout: 60_000 })
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('run-page').textContent()).toContain('from the FPGA')
    expect(pageErrors).toEqual([])
  })
})
