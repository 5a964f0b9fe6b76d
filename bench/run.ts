/**
 * `npm run bench`: seed-2017 training and classification speed per image on bundled MNIST
 * (28×28, T = 200), single-threaded, against the original Python implementation's timings on
 * the reference machine. Prints median µs/image, images/s and the speed-up. Not a test: no
 * assertions, the figures go in the README.
 *
 * Two regimes: "new image" includes encoding (receptive field and spike code) of an image never
 * seen before, as the Python figures do; "seen image" presents images whose deterministic
 * encoding is already cached, as every epoch after the first, the labelling pass after training
 * and every trial of a sweep over the same images do.
 *
 * Options: --images N (timed images per case, default 1000), --json (machine-readable output).
 */
import { parseArgs } from 'node:util'
import { loadBundledMnist } from '../src/engine/host/bundledMnist'
import { SeedNetwork } from '../src/engine/network/network'
import { Rng } from '../src/engine/random'
import { parseExperimentConfig } from '../src/shared/config'

/** Median seconds per image of the original Python code on this machine class (from the issue). */
const PYTHON_REFERENCE: Record<string, number> = {
  'train n=3': 0.078,
  'train n=10': 0.23,
  'train n=100': 1.84,
  'classify n=3': 0.041
}

const { values } = parseArgs({ options: { images: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false } } })
const timedImages = Number(values.images)
if (!Number.isInteger(timedImages) || timedImages < 10) {
  console.error('error: --images must be an integer ≥ 10')
  process.exit(2)
}
const WARMUP = 2000

const mnist = loadBundledMnist()
const imageSize = mnist.width * mnist.height
const available = mnist.count

interface Row {
  case: string
  medianMicroseconds: number
  imagesPerSecond: number
  pythonMilliseconds: number | null
  speedup: number | null
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function measure(neurons: number, learn: boolean, seen: boolean): Row {
  const config = parseExperimentConfig({ steps: 200, network: { layers: [{ neurons }] } })
  const network = new SeedNetwork(config, mnist.width, mnist.height, new Rng(1).split('encoder'))
  const init = new Rng(1).split('init-0')
  const layer = network.layers[0]
  layer.setWeights(Float64Array.from({ length: layer.size * layer.inputs }, () => init.uniform(0, 1)))
  // Warm up the JIT on other images than the timed ones.
  for (let i = 0; i < WARMUP; i++) network.present(mnist.pixels, ((available - 1 - i) % available) * imageSize, learn)
  const key = (i: number) => (seen ? i % available : undefined)
  if (seen) for (let i = 0; i < timedImages; i++) network.encode(mnist.pixels, (i % available) * imageSize, key(i))
  const times: number[] = []
  for (let i = 0; i < timedImages; i++) {
    const offset = (i % available) * imageSize
    const t0 = process.hrtime.bigint()
    network.present(mnist.pixels, offset, learn, undefined, key(i))
    times.push(Number(process.hrtime.bigint() - t0) / 1e3)
  }
  const med = median(times)
  const base = `${learn ? 'train' : 'classify'} n=${neurons}`
  const name = `${base}${seen ? ', seen' : ''}`
  const python = PYTHON_REFERENCE[base] ?? null
  return {
    case: name,
    medianMicroseconds: med,
    imagesPerSecond: 1e6 / med,
    pythonMilliseconds: python === null ? null : python * 1e3,
    speedup: python === null ? null : (python * 1e6) / med
  }
}

const rows: Row[] = []
for (const neurons of [3, 10, 100]) {
  for (const seen of [false, true]) {
    rows.push(measure(neurons, true, seen))
    rows.push(measure(neurons, false, seen))
  }
}

if (values.json) {
  console.log(JSON.stringify({ node: process.version, timedImages, rows }, null, 2))
} else {
  console.log(`seed-2017, MNIST 28×28, T=200, ${timedImages} timed images per case, Node ${process.version}, single thread\n`)
  console.log('"seen": the image\'s spike train is cached (epochs after the first, labelling, sweeps)\n')
  console.log('case                  median µs/image    images/s    Python ms/image    speed-up')
  for (const r of rows) {
    const py = r.pythonMilliseconds === null ? '—' : r.pythonMilliseconds.toFixed(0)
    const speedup = r.speedup === null ? '—' : `${r.speedup.toFixed(0)}×`
    console.log(
      `${r.case.padEnd(22)}${r.medianMicroseconds.toFixed(1).padStart(15)}${r.imagesPerSecond.toFixed(0).padStart(12)}${py.padStart(19)}${speedup.padStart(12)}`
    )
  }
  const worst = (seen: boolean) =>
    Math.min(...rows.filter((r) => r.speedup !== null && r.case.endsWith(', seen') === seen).map((r) => r.speedup!)).toFixed(0)
  console.log(`\nslowest speed-up against the Python reference: new images ${worst(false)}×, seen images ${worst(true)}× (goal: ≥ 1000×)`)
}
