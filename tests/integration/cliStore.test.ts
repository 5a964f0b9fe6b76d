/**
 * The CLI over the run store, through the real `node bin/snn-workbench.cjs` in a temp folder
 * with `--db <tmp>/wb.db`: train records runs, `runs …` lists, shows, tags, notes, compares,
 * filters and deletes them, and mistakes (a run that cannot be resumed, an unknown run or
 * subcommand, a database file that is not one) print one `error: …` line and the right exit code.
 * The steps build on each other, in order, over one database (15 CLI processes in all).
 */

import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ApiResults } from '../../src/shared/api'
import { expectOneError, runCli, type CliRun } from '../helpers/cli'

// realpath: on macOS tmpdir() is a symlink, and the CLI prints paths resolved from its cwd.
const DIR = mkdtempSync(join(realpathSync(tmpdir()), 'snn-cli-store-'))
const DB = join(DIR, 'wb.db')
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

const tiny = (seed: number) => ({
  seed,
  steps: 100,
  snapshotEvery: 5,
  network: { layers: [{ neurons: 3 }] },
  data: { classes: [0, 1], trainPerClass: 10, testPerClass: 5 }
})
writeFileSync(join(DIR, 'c.json'), JSON.stringify(tiny(1)))
writeFileSync(join(DIR, 'c2.json'), JSON.stringify(tiny(2)))

type CliResult = CliRun

/** Run the CLI in DIR against DB (unless the arguments name another --db). */
function cli(...args: string[]): Promise<CliResult> {
  return runCli(args.includes('--db') ? args : [...args, '--db', DB], DIR)
}

const context = (r: CliResult) => `exit ${r.status}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`

function expectOk(r: CliResult): void {
  expect(r.status, context(r)).toBe(0)
  expect(r.stderr, context(r)).not.toMatch(/error/)
}

/** stdout is exactly one line of JSON. */
function jsonOf<T>(r: CliResult): T {
  expectOk(r)
  const lines = r.stdout.split('\n').filter(Boolean)
  expect(lines, context(r)).toHaveLength(1)
  return JSON.parse(lines[0]) as T
}

/** Exit `code`, nothing on stdout, stderr exactly one line `error: …` matching `message`, no stack trace. */

type RunList = ApiResults['runs.list']

describe('CLI over the run store', () => {
  let first = 0
  let second = 0

  it('train --json records the run and prints its id', async () => {
    const result = jsonOf<{ runId: number; presented: number; cancelled: boolean; seed: number }>(await cli('train', '--config', 'c.json', '--json'))
    expect(result).toMatchObject({ presented: 20, cancelled: false, seed: 1 })
    expect(result.runId).toBeTypeOf('number')
    first = result.runId
  })

  it('runs list --json has it, completed', async () => {
    const list = jsonOf<RunList>(await cli('runs', 'list', '--json'))
    expect(list.total).toBe(1)
    expect(list.rows[0]).toMatchObject({ id: first, status: 'completed', seed: 1, done: 20, total: 20, tags: [] })
    expect(list.rows[0].accuracy).toBeTypeOf('number')
  })

  it('runs tag ID good, then runs list --tag good finds it', async () => {
    const tagged = await cli('runs', 'tag', String(first), 'good')
    expectOk(tagged)
    expect(tagged.stdout.trim()).toBe(`run ${first} tags: good`)
    const list = jsonOf<RunList>(await cli('runs', 'list', '--tag', 'good', '--json'))
    expect(list.rows.map((r) => [r.id, r.tags])).toEqual([[first, ['good']]])
  })

  it('runs note ID some text', async () => {
    const noted = await cli('runs', 'note', String(first), 'some', 'text')
    expectOk(noted)
    expect(noted.stdout.trim()).toBe(`run ${first} note saved`)
  })

  it('runs show ID prints status completed, accuracy, its tag and its note', async () => {
    const shown = await cli('runs', 'show', String(first))
    expectOk(shown)
    expect(shown.stdout).toMatch(new RegExp(`^run ${first}: `))
    expect(shown.stdout).toMatch(/^status\s+completed$/m)
    expect(shown.stdout).toMatch(/^progress\s+20\/20$/m)
    expect(shown.stdout).toMatch(/^snapshots\s+5, 10, 15, 20$/m)
    expect(shown.stdout).toMatch(/^tags\s+good$/m)
    expect(shown.stdout).toMatch(/^note\s+some text$/m)
    expect(shown.stdout).toMatch(/^accuracy \d+\.\d% on 10 test images/m)
  })

  it('a second train with another seed; runs compare shows seed among the differing params', async () => {
    const result = jsonOf<{ runId: number; seed: number }>(await cli('train', '--config', 'c2.json', '--json'))
    expect(result.seed).toBe(2)
    second = result.runId
    expect(second).toBeGreaterThan(first)

    const compared = await cli('runs', 'compare', String(first), String(second))
    expectOk(compared)
    const [params, metrics] = compared.stdout.split('latest metrics:')
    expect(params).toMatch(/^parameters that differ:$/m)
    expect(params).toMatch(/^seed\s+1\s+2$/m)
    expect(metrics).toMatch(/^accuracy\s+\S+\s+\S+$/m)
  })

  it('runs list --filter seed=2 --json finds only the second', async () => {
    const list = jsonOf<RunList>(await cli('runs', 'list', '--filter', 'seed=2', '--json'))
    expect(list.rows.map((r) => r.id)).toEqual([second])
  })

  it('runs delete ID1, then the list has one', async () => {
    const deleted = await cli('runs', 'delete', String(first))
    expectOk(deleted)
    expect(deleted.stdout.trim()).toBe('deleted 1 run')
    const list = jsonOf<RunList>(await cli('runs', 'list', '--json'))
    expect(list.rows.map((r) => r.id)).toEqual([second])
  })

  it('resume of a completed run: exit 2, one line error (conflict)', async () => {
    expectOneError(await cli('resume', String(second)), 2, `run ${second} is completed; only failed or cancelled runs can be resumed`)
  })

  it('runs show 999: exit 2, error: run 999 does not exist', async () => {
    expectOneError(await cli('runs', 'show', '999'), 2, 'run 999 does not exist')
  })

  it('runs frobnicate: exit 2', async () => {
    expectOneError(await cli('runs', 'frobnicate'), 2, /^runs frobnicate: expected list, show, compare, delete, tag or note/)
  })

  it('a database file of random bytes: exit 1, one line naming the file, the file untouched', async () => {
    const bad = join(DIR, 'bad.db')
    const bytes = randomBytes(8192)
    writeFileSync(bad, bytes)
    const r = await cli('runs', 'list', '--db', bad)
    expectOneError(r, 1, `${bad}: not an SNN Workbench database (file is not a database)`)
    expect(readFileSync(bad).equals(bytes)).toBe(true)
  })
})
