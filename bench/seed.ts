/**
 * seed-2017 training and classification speed per image on bundled MNIST (28×28, T = 200),
 * single-threaded, against the original Python implementation's timings on the reference
 * machine (issue 2). Median µs/image, images/s and the speed-up.
 *
 * Two regimes: "new image" includes encoding (receptive field and spike code) of an image never
 * seen before, as the Python figures do; "seen image" presents images whose deterministic
 * encoding is already cached, as every epoch after the first, the labelling pass after training
 * and every trial of a sweep over the same images do.
 *
 * Every case has its own network, warmed up on other images than the timed ones. The timed
 * images are shown in rounds that alternate between the cases (and, with --compare, between
 * engines image by image), so a change in the machine's load shifts every case alike; the
 * figure is the median over all timed images.
 *
 * `npm run bench` runs this before the diehl-cook-2015 cases; `node --require tsx/cjs bench/seed.ts [--images N]
 * [--rounds R] [--json] [--compare DIR]` runs it alone. `--compare DIR` also times the engine of
 * another copy of `src/` (e.g. an earlier commit's: `git archive HEAD src | tar -x -C /tmp/old`),
 * interleaved with this one: the fair before/after on a busy machine.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { loadBundledMnist } from '../src/engine/host/bundledMnist'
import { SeedNetwork } from '../src/engine/network/network'
import { Rng } from '../src/engine/random'
import { parseExperimentConfig } from '../src/shared/config'

/** Median seconds per image of the original Python code on this machine class (from the issue). */
export const PYTHON_REFERENCE: Record<string, number> = {
  'train n=3': 0.078,
  'train n=10': 0.23,
  'train n=100': 1.84,
  'classify n=3': 0.041
}
export const SEED_GOAL = 1000
const WARMUP_IMAGES = 2000

/** What the bench needs from an engine: this tree's, or another copy's (--compare). */
export interface SeedEngine {
  name: string
  build(neurons: number): Pick<SeedNetwork, 'present' | 'encode' | 'layers'>
}

/** A network of `neurons` outputs with uniform [0, 1) weights from seed 1, as in every run. */
function buildWith(network: typeof SeedNetwork, rng: typeof Rng, parse: typeof parseExperimentConfig, neurons: number): SeedNetwork {
  const config = parse({ steps: 200, network: { layers: [{ neurons }] } })
  const net = new network(config, 28, 28, new rng(1).split('encoder'))
  const init = new rng(1).split('init-0')
  const layer = net.layers[0]
  layer.setWeights(Float64Array.from({ length: layer.size * layer.inputs }, () => init.uniform(0, 1)))
  return net
}

export const THIS_SEED_ENGINE: SeedEngine = {
  name: 'this tree',
  build: (neurons) => buildWith(SeedNetwork, Rng, parseExperimentConfig, neurons)
}

/** The seed engine of another copy of src/ (its engine/network/network.ts, engine/random.ts, shared/config.ts). */
export async function loadSeedEngine(srcDir: string): Promise<SeedEngine> {
  // require, not import(): the bench runs the engine as CommonJS, as the product does (bench/diehlCook.ts's header).
  const require = createRequire(import.meta.url)
  const load = (path: string): unknown => require(join(srcDir, path))
  const network = load('engine/network/network.ts') as typeof import('../src/engine/network/network')
  const random = load('engine/random.ts') as typeof import('../src/engine/random')
  const config = load('shared/config.ts') as typeof import('../src/shared/config')
  return { name: srcDir, build: (neurons) => buildWith(network.SeedNetwork, random.Rng, config.parseExperimentConfig, neurons) }
}

export interface SeedRow {
  case: string
  engine: string
  medianMicroseconds: number
  imagesPerSecond: number
  pythonMilliseconds: number | null
  speedup: number | null
}

interface Case {
  name: string
  base: string
  engine: string
  learn: boolean
  seen: boolean
  network: ReturnType<SeedEngine['build']>
  times: number[]
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Time `images` images per case (n = 3, 10, 100; train and classify; new and seen images) and
 * engine, in `rounds` rounds alternating between the cases.
 */
export function benchSeed(images: number, rounds: number, engines: readonly SeedEngine[] = [THIS_SEED_ENGINE]): SeedRow[] {
  const mnist = loadBundledMnist()
  const imageSize = mnist.width * mnist.height
  const available = mnist.count
  const cases: Case[][] = []
  for (const neurons of [3, 10, 100]) {
    for (const seen of [false, true]) {
      for (const learn of [true, false]) {
        const base = `${learn ? 'train' : 'classify'} n=${neurons}`
        cases.push(
          engines.map((engine) => {
            const network = engine.build(neurons)
            for (let i = 0; i < WARMUP_IMAGES; i++) network.present(mnist.pixels, ((available - 1 - i) % available) * imageSize, learn)
            if (seen) for (let i = 0; i < images; i++) network.encode(mnist.pixels, (i % available) * imageSize, i % available)
            return { name: `${base}${seen ? ', seen' : ''}`, base, engine: engine.name, learn, seen, network, times: [] }
          })
        )
      }
    }
  }
  const perRound = Math.ceil(images / rounds)
  for (let first = 0; first < images; first += perRound) {
    for (const sameCase of cases) {
      for (let i = first; i < Math.min(images, first + perRound); i++) {
        const offset = (i % available) * imageSize
        const key = i % available
        for (const c of sameCase) {
          const t0 = process.hrtime.bigint()
          c.network.present(mnist.pixels, offset, c.learn, undefined, c.seen ? key : undefined)
          c.times.push(Number(process.hrtime.bigint() - t0) / 1e3)
        }
      }
    }
  }
  return cases.flat().map((c) => {
    const med = median(c.times)
    const python = PYTHON_REFERENCE[c.base] ?? null
    return {
      case: c.name,
      engine: c.engine,
      medianMicroseconds: med,
      imagesPerSecond: 1e6 / med,
      pythonMilliseconds: python === null ? null : python * 1e3,
      speedup: python === null ? null : (python * 1e6) / med
    }
  })
}

export function printSeed(rows: readonly SeedRow[], images: number, rounds: number): void {
  console.log(`seed-2017, MNIST 28×28, T=200, ${images} timed images per case in ${rounds} interleaved rounds, Node ${process.version}, single thread\n`)
  console.log('"seen": the image\'s spike train is cached (epochs after the first, labelling, sweeps)\n')
  const engines = [...new Set(rows.map((r) => r.engine))]
  if (engines.length > 1) console.log(`engines, interleaved image by image: ${engines.map((e, k) => `[${k}] ${e}`).join(', ')}\n`)
  console.log('case                      median µs/image    images/s    Python ms/image    speed-up')
  for (const r of rows) {
    const name = engines.length > 1 ? `${r.case} [${engines.indexOf(r.engine)}]` : r.case
    const py = r.pythonMilliseconds === null ? '—' : r.pythonMilliseconds.toFixed(0)
    const speedup = r.speedup === null ? '—' : `${r.speedup.toFixed(0)}×`
    console.log(
      `${name.padEnd(26)}${r.medianMicroseconds.toFixed(1).padStart(15)}${r.imagesPerSecond.toFixed(0).padStart(12)}${py.padStart(19)}${speedup.padStart(12)}`
    )
  }
  const own = rows.filter((r) => r.engine === rows[0].engine && r.speedup !== null)
  const worst = (seen: boolean) => Math.min(...own.filter((r) => r.case.endsWith(', seen') === seen).map((r) => r.speedup!)).toFixed(0)
  console.log(`\nslowest speed-up against the Python reference: new images ${worst(false)}×, seen images ${worst(true)}× (goal: ≥ ${SEED_GOAL}×)`)
}

// Run alone: node --require tsx/cjs bench/seed.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '5' },
      compare: { type: 'string' },
      json: { type: 'boolean', default: false }
    }
  })
  const images = Number(values.images)
  const rounds = Number(values.rounds)
  if (!Number.isInteger(images) || images < 10 || !Number.isInteger(rounds) || rounds < 1) {
    console.error('error: --images must be an integer ≥ 10 and --rounds ≥ 1')
    process.exit(2)
  }
  const compare = values.compare
  // No top-level await: tsx compiles this package's .ts files to CommonJS.
  void (compare ? loadSeedEngine(compare).then((other) => [THIS_SEED_ENGINE, other]) : Promise.resolve([THIS_SEED_ENGINE])).then((engines) => {
    const rows = benchSeed(images, rounds, engines)
    if (values.json) console.log(JSON.stringify({ node: process.version, timedImages: images, rounds, rows }, null, 2))
    else printSeed(rows, images, rounds)
  })
}
