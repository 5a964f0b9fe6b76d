/**
 * Bad input through the real CLI: every case runs `node bin/snn-workbench.cjs …` in a fresh temp
 * folder (the cwd, so default output folders would land there) and checks exit code 2, one
 * `error: …` line per problem on stderr naming the field or file and what was expected, no stack
 * trace, nothing on stdout, and that the folder holds exactly the inputs the test put there.
 * One success case closes the loop: train on a tiny PNG folder, then evaluate its weights.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { encode } from 'fast-png'
import { afterAll, describe, it, type ExpectStatic } from 'vitest'
import { encodeNpy } from '../../src/engine/io/weightFiles'
import { runCli, type CliRun } from '../helpers/cli'

// realpath: on macOS tmpdir() is a symlink, and the CLI prints paths resolved from its cwd.
const ROOT = mkdtempSync(join(realpathSync(tmpdir()), 'snn-cli-errors-'))
afterAll(() => rmSync(ROOT, { recursive: true, force: true }))

let caseCount = 0
function freshDir(): string {
  const dir = join(ROOT, `case-${++caseCount}`)
  mkdirSync(dir)
  return dir
}

/** Every file and folder under `dir`, relative, sorted; folders end in '/'. */
function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => {
      const rel = prefix ? `${prefix}/${e.name}` : e.name
      return e.isDirectory() ? [`${rel}/`, ...listTree(dir, rel)] : [rel]
    })
    .sort()
}

interface CliResult extends CliRun {
  /** The folder's contents before and after the run. */
  before: string[]
  after: string[]
}

/** Runs the CLI with `dir` as cwd (async, so concurrent tests overlap their ~0.5 s start-ups). */
async function cli(dir: string, args: string[]): Promise<CliResult> {
  const before = listTree(dir)
  const run = await runCli(args, dir)
  return { ...run, before, after: listTree(dir) }
}

/**
 * Exit 2, stderr exactly one `error: ` line per expected entry (a string is the whole line after
 * `error: `, a RegExp is matched against that rest), nothing on stdout, no stack trace, and no
 * file or folder created.
 */
function expectBadInput(expect: ExpectStatic, r: CliResult, expected: (string | RegExp)[]) {
  const context = `stdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`
  expect(r.signal, context).toBeNull()
  expect(r.status, context).toBe(2)
  expect(r.stdout, 'nothing on stdout').toBe('')
  expect(`${r.stdout}\n${r.stderr}`, 'no stack trace').not.toMatch(/^\s*at\s/m)
  expect(r.stderr).not.toContain('internal error')
  expect(r.stderr.endsWith('\n'), context).toBe(true)
  const lines = r.stderr.slice(0, -1).split('\n')
  expect(lines, context).toHaveLength(expected.length)
  for (const line of lines) expect(line, 'every line starts with "error: "').toMatch(/^error: \S/)
  const rests = lines.map((line) => line.slice('error: '.length))
  for (const want of expected) {
    const hit = rests.some((rest) => (typeof want === 'string' ? rest === want : want.test(rest)))
    expect(hit, `a line ${typeof want === 'string' ? `"${want}"` : want}\n${context}`).toBe(true)
  }
  expect(r.after, 'nothing written').toEqual(r.before)
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ---------------------------------------------------------------------------------------------
// Tiny inputs

const SIZE = 8

/** Class 0: left half bright; class 1: top half bright; image k has pixel k dimmed. */
function pixels(label: number, k: number): Uint8Array {
  const px = new Uint8Array(SIZE * SIZE)
  for (let i = 0; i < px.length; i++) {
    const bright = label === 0 ? i % SIZE < SIZE / 2 : Math.floor(i / SIZE) < SIZE / 2
    px[i] = bright ? 255 : 0
  }
  px[k] = 128
  return px
}

const png = (label: number, k: number) => encode({ width: SIZE, height: SIZE, data: pixels(label, k), channels: 1, depth: 8 })

/** `<dir>/<root>/<label>/<k>.png`: 2 classes × 4 images of 8×8. */
function writePngFolder(dir: string, root = 'data') {
  for (const label of [0, 1]) {
    mkdirSync(join(dir, root, String(label)), { recursive: true })
    for (let k = 0; k < 4; k++) writeFileSync(join(dir, root, String(label), `${k}.png`), png(label, k))
  }
}

function idxImages(count: number): Uint8Array {
  const b = Buffer.alloc(16 + count * SIZE * SIZE)
  b.writeUInt32BE(0x803, 0)
  b.writeUInt32BE(count, 4)
  b.writeUInt32BE(SIZE, 8)
  b.writeUInt32BE(SIZE, 12)
  for (let i = 0; i < count; i++) b.set(pixels(i % 2, i), 16 + i * SIZE * SIZE)
  return b
}

function idxLabels(labels: number[]): Uint8Array {
  const b = Buffer.alloc(8 + labels.length)
  b.writeUInt32BE(0x801, 0)
  b.writeUInt32BE(labels.length, 4)
  b.set(labels, 8)
  return b
}

/** Deterministic bytes that are not IDX, not gzip. */
function junk(length: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = 12345
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  out[0] = 0x5a
  return out
}

type Json = Record<string, unknown>

/** A tiny PNG-folder config; anything that would train does so for a fraction of a second. */
function tinyConfig(overrides: Json = {}, data: Json = {}): Json {
  return {
    name: 'tiny',
    steps: 20,
    data: { source: { kind: 'png-folder', root: 'data' }, classes: [0, 1], trainPerClass: 2, testPerClass: 2, ...data },
    network: { layers: [{ neurons: 2 }] },
    ...overrides
  }
}

const idxSource = (images: string, labels: string) => ({ source: { kind: 'idx', images, labels } })

function writeConfig(dir: string, config: Json, name = 'c.json') {
  writeFileSync(join(dir, name), JSON.stringify(config, null, 2))
}

/** A folder with the PNG dataset and `c.json`. */
function pngCase(config: Json = tinyConfig()): string {
  const dir = freshDir()
  writePngFolder(dir)
  writeConfig(dir, config)
  return dir
}

const csv = (rows: number, cols: number) => Array.from({ length: rows }, (_, j) => Array.from({ length: cols }, (_, h) => ((j + h) % 7) / 10).join(',')).join('\n') + '\n'

// ---------------------------------------------------------------------------------------------

describe.concurrent('CLI: bad input → one line per problem, exit 2, nothing written', () => {
  describe('config file', () => {
    it('missing', async ({ expect }) => {
      const dir = freshDir()
      expectBadInput(expect, await cli(dir, ['train', '--config', 'missing.json']), [`${join(dir, 'missing.json')}: config file not found`])
    })

    it('not valid JSON', async ({ expect }) => {
      const dir = freshDir()
      writeFileSync(join(dir, 'bad.json'), '{ "steps": 20,, }\n')
      expectBadInput(expect, await cli(dir, ['train', '--config', 'bad.json']), [new RegExp(`^${escape(join(dir, 'bad.json'))}: not valid JSON \\(.+\\)$`)])
    })

    it('wrong type: "steps": "200"', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ steps: '200' }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [/^c\.json: steps: .*expected number, received string$/])
    })

    it('unknown fields, top level and nested: one line each', async ({ expect }) => {
      const dir = pngCase({ ...tinyConfig(), stepz: 20, learning: { rat: 0.1 } })
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), ['c.json: stepz: unknown field', 'c.json: learning.rat: unknown field'])
    })

    it('out of range: learning.rate -1', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ learning: { rate: -1 } }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [/^c\.json: learning\.rate: .*expected number to be >=0$/])
    })

    it('out of range: network.layers []', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ network: { layers: [] } }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [/^c\.json: network\.layers: .*expected array to have >=1 items$/])
    })

    it('bad enum value', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ threshold: { mode: 'adaptive' } }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [/^c\.json: threshold\.mode: .*expected one of "fixed"\|"variable"$/])
    })
  })

  describe('IDX dataset', () => {
    it('images file missing', async ({ expect }) => {
      const dir = freshDir()
      writeFileSync(join(dir, 'labels.idx'), idxLabels([0, 1, 0, 1]))
      writeConfig(dir, tinyConfig({}, idxSource('images.idx', 'labels.idx')))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [`${join(dir, 'images.idx')}: not found`])
    })

    it('corrupt: random bytes', async ({ expect }) => {
      const dir = freshDir()
      writeFileSync(join(dir, 'images.idx'), junk(300))
      writeFileSync(join(dir, 'labels.idx'), idxLabels([0, 1, 0, 1]))
      writeConfig(dir, tinyConfig({}, idxSource('images.idx', 'labels.idx')))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        new RegExp(`^${escape(join(dir, 'images.idx'))}: not an IDX file \\(magic 0x00000803 expected, got 0x[0-9a-f]{8}\\)$`)
      ])
    })

    it('corrupt: truncated gzip', async ({ expect }) => {
      const dir = freshDir()
      const gz = gzipSync(idxImages(4))
      writeFileSync(join(dir, 'images.idx.gz'), gz.subarray(0, Math.floor(gz.length / 2)))
      writeFileSync(join(dir, 'labels.idx'), idxLabels([0, 1, 0, 1]))
      writeConfig(dir, tinyConfig({}, idxSource('images.idx.gz', 'labels.idx')))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        new RegExp(`^${escape(join(dir, 'images.idx.gz'))}: corrupt gzip data \\(.+\\)$`)
      ])
    })

    it('images and labels counts differ', async ({ expect }) => {
      const dir = freshDir()
      writeFileSync(join(dir, 'images.idx'), idxImages(4))
      writeFileSync(join(dir, 'labels.idx'), idxLabels([0, 1, 0]))
      writeConfig(dir, tinyConfig({}, idxSource('images.idx', 'labels.idx')))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        `${join(dir, 'images.idx')} + ${join(dir, 'labels.idx')}: image and label counts differ (4 images, 3 labels); expected matching files`
      ])
    })
  })

  describe('PNG folder dataset', () => {
    it('folder missing', async ({ expect }) => {
      const dir = freshDir()
      writeConfig(dir, tinyConfig({}, { source: { kind: 'png-folder', root: 'nodata' } }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [`${join(dir, 'nodata')}: not found; expected a dataset folder`])
    })

    it('a corrupt PNG in the folder', async ({ expect }) => {
      const dir = pngCase()
      writeFileSync(join(dir, 'data', '1', '2.png'), png(1, 2).subarray(0, 40))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        new RegExp(`^${escape(join(dir, 'data', '1', '2.png'))}: corrupt PNG \\(.+\\)$`)
      ])
    })
  })

  describe('initial weights file', () => {
    it('missing', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ init: { kind: 'file', path: 'init.csv' } }))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [`${join(dir, 'init.csv')}: file not found`])
    })

    it('CSV of the wrong shape', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ init: { kind: 'file', path: 'init.csv' } }))
      writeFileSync(join(dir, 'init.csv'), csv(2, 3))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        `${join(dir, 'init.csv')}: weights are 2×3, expected 2 neurons × 64 inputs`
      ])
    })

    it('.npy corrupt (truncated)', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ init: { kind: 'file', path: 'init.npy' } }))
      const npy = encodeNpy({ rows: 2, cols: 64, data: new Float64Array(128).fill(0.5) })
      writeFileSync(join(dir, 'init.npy'), npy.subarray(0, npy.length - 100))
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json']), [
        `${join(dir, 'init.npy')}: truncated: 2×64 <f8 needs 1024 bytes of data, file has 924`
      ])
    })
  })

  describe('evaluate', () => {
    it('--weights of the wrong shape', async ({ expect }) => {
      const dir = pngCase()
      writeFileSync(join(dir, 'w.csv'), csv(3, 64))
      expectBadInput(expect, await cli(dir, ['evaluate', '--config', 'c.json', '--weights', 'w.csv']), [
        'w.csv: weights are 3×64, expected 2 neurons × 64 inputs'
      ])
    })

    it('without --weights', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['evaluate', '--config', 'c.json']), [
        '--weights FILE is required (.csv, .json, .npy or .txt, neurons × inputs)'
      ])
    })

    it('--weights with a diehl-cook-2015 config: weights alone are not the network', async ({ expect }) => {
      const dir = pngCase(tinyConfig({ preset: 'diehl-cook-2015' }))
      writeFileSync(join(dir, 'w.csv'), csv(2, 64))
      expectBadInput(expect, await cli(dir, ['evaluate', '--config', 'c.json', '--weights', 'w.csv']), [
        'w.csv: evaluating weights needs a seed-2017 config; this one is diehl-cook-2015, whose network is more than its weights (adaptive thresholds θ): evaluate a recorded run instead with: snn-workbench evaluate --run ID'
      ])
    })

    it('--run together with --weights, refused before any database is opened', async ({ expect }) => {
      const dir = pngCase()
      writeFileSync(join(dir, 'w.csv'), csv(2, 64))
      expectBadInput(expect, await cli(dir, ['evaluate', '--run', '1', '--weights', 'w.csv']), [
        "--run ID takes no --weights: it evaluates the run's recorded network with its own config (--config and --weights evaluate a weights file)"
      ])
    })

    it('--test-range and --snapshot without --run', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['evaluate', '--config', 'c.json', '--test-range', '0', '4', '--snapshot', '2']), [
        "--snapshot, --test-range: only with --run ID (they pick a recorded run's snapshot, test images and database)"
      ])
    })

    it('--test-range with one number', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['evaluate', '--run', '1', '--test-range', '4']), [
        '--test-range 4: expected two integers FIRST END with 0 ≤ FIRST < END (the source images [FIRST, END))'
      ])
    })
  })

  describe('command line', () => {
    it('unknown command', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['fit', '--config', 'c.json']), [
        'unknown command "fit" (expected train, evaluate, config, serve, runs, resume, sweep, export, import; see snn-workbench help)'
      ])
    })

    it('unknown flag', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json', '--epochs', '3']), [/^Unknown option '--epochs'.*\(see snn-workbench help\)$/])
    })

    it('--out-weights with an unsupported extension, refused before training', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json', '--out-weights', 'x.bin']), [
        '--out-weights x.bin: expected a file ending in .csv, .json, .npy, .txt'
      ])
    })

    it('--record not ending in .json, refused before training', async ({ expect }) => {
      const dir = pngCase()
      expectBadInput(expect, await cli(dir, ['train', '--config', 'c.json', '--record', 'record.txt']), [
        '--record record.txt: expected a file ending in .json'
      ])
    })
  })
})

describe('CLI: a tiny PNG-folder run succeeds end to end', () => {
  it('train writes the run folder and --out-weights; evaluate on those weights reports the same accuracy', async ({ expect }) => {
    // 100 steps (not 20): the shortest input period is ceil(600 / 20) = 30 steps, so this gives the
    // neurons a few spikes to tell the classes apart and an accuracy that is not a trivial 0.5.
    const dir = pngCase(tinyConfig({ steps: 100 }))
    const trained = await cli(dir, ['train', '--config', 'c.json', '--out-weights', 'w.csv', '--json'])
    expect(trained.status, trained.stderr).toBe(0)
    expect(trained.stderr).toBe('')
    const summary = JSON.parse(trained.stdout)
    const out = join(dir, 'runs', 'tiny')
    const expectedFiles = ['summary.json', 'weights.csv', 'weights.npy', 'neuron-000.png', 'neuron-001.png', 'gallery.png']
    expect(summary.files).toEqual([...expectedFiles.map((f) => join(out, f)), join(dir, 'w.csv')])
    expect(listTree(dir).filter((p) => !trained.before.includes(p))).toEqual(
      [...['runs/', 'runs/tiny/'], ...expectedFiles.map((f) => `runs/tiny/${f}`), 'w.csv'].sort()
    )
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).evaluation).toEqual(summary.evaluation)
    expect(summary.evaluation.testSamples).toBe(4)
    expect(readFileSync(join(dir, 'w.csv'), 'utf8')).toBe(readFileSync(join(out, 'weights.csv'), 'utf8'))

    const evaluated = await cli(dir, ['evaluate', '--config', 'c.json', '--weights', 'w.csv', '--json'])
    expect(evaluated.status, evaluated.stderr).toBe(0)
    expect(evaluated.stderr).toBe('')
    expect(evaluated.after, 'evaluate writes nothing').toEqual(evaluated.before)
    const result = JSON.parse(evaluated.stdout)
    expect(result.classLabels).toEqual([0, 1])
    expect(result.evaluation.accuracy).toBe(summary.evaluation.accuracy)
    // Same weights, same images, no learning: the whole evaluation is reproduced.
    expect(result.evaluation).toEqual(summary.evaluation)
  })
})
