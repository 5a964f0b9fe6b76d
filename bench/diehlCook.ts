/**
 * diehl-cook-2015 training speed (DIEHL_COOK_2015.md): time per presentation (350 ms of input +
 * 150 ms of rest simulated at dt 0.5 ms, learning on), single-threaded, for N = 100 and 400,
 * against Brian2 cpp_standalone on the same machine class (the spec's table).
 *
 * Each case has its own network, warmed up on other images than the timed ones. The timed
 * images are shown in rounds that alternate between the cases, so a change in the machine's
 * load during the run shifts both alike; the figure is the median over images. Wall-clock and
 * this process's CPU time are both reported: on a shared machine the CPU time is the fairer one.
 *
 * `npm run bench` runs this after the seed-2017 cases; `node --require tsx/cjs bench/diehlCook.ts
 * [--images N] [--rounds R] [--sizes 100,400] [--js] [--json]` runs it alone. `--compare DIR` also times
 * the engine of another copy of `src/` (e.g. an earlier commit's, from `git archive`), interleaved
 * with this one image by image in the same process, so both see the same machine: the fair
 * before/after on a busy machine. `--js` also times this tree's network with its hot loops in
 * JavaScript rather than WebAssembly (src/engine/wasm; the same results), interleaved likewise.
 *
 * Run the benches as CommonJS (`node --require tsx/cjs`, as `npm run bench` does), not with
 * `npx tsx`: the CLI and the engine processes run the engine as CommonJS (tsx's CommonJS hook, the
 * esbuild worker bundle), while under tsx's ESM loader hooks V8's optimised code checks at every
 * typed-array access whether its buffer was detached — measured 1.3–1.5× slower here, the same code.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createModelNetwork } from '../src/engine/experiment/run'
import { loadBundledMnist } from '../src/engine/host/bundledMnist'
import type { ModelNetwork } from '../src/engine/network/model'
import { parseExperimentConfig } from '../src/shared/config'

/** Brian2 2.5.1 cpp_standalone, ms per training image incl. rest, on this machine class (DIEHL_COOK_2015.md). */
export const BRIAN2_CPP_MS: Record<number, number> = { 100: 16.9, 400: 25.9 }
export const DIEHL_COOK_GOAL = 3
const WARMUP_IMAGES = 20

/** What the bench needs from an engine: this tree's, or another copy's (--compare). */
export interface Engine {
  name: string
  build(neurons: number): ModelNetwork & { presentations: number; train: { total: number } }
}

export const THIS_ENGINE: Engine = {
  name: 'this tree',
  build: (neurons) => {
    const config = parseExperimentConfig({ preset: 'diehl-cook-2015', network: { layers: [{ neurons }] } })
    return createModelNetwork(config, 28, 28).network as ReturnType<Engine['build']>
  }
}

/** This tree's engine with the hot loops in JavaScript (`kernels: 'js'`): the same results. */
export const THIS_ENGINE_JS: Engine = {
  name: 'this tree, JavaScript loops',
  build: (neurons) => {
    const config = parseExperimentConfig({ preset: 'diehl-cook-2015', network: { layers: [{ neurons }] } })
    return createModelNetwork(config, 28, 28, undefined, undefined, 'js').network as ReturnType<Engine['build']>
  }
}

/** The engine of another copy of src/ (its engine/experiment/run.ts and shared/config.ts). */
export async function loadEngine(srcDir: string): Promise<Engine> {
  // require, not import(): the bench runs the engine as CommonJS, as the product does (see the header).
  const load = createRequire(import.meta.url)
  const run = load(join(srcDir, 'engine', 'experiment', 'run.ts')) as typeof import('../src/engine/experiment/run')
  const config = load(join(srcDir, 'shared', 'config.ts')) as typeof import('../src/shared/config')
  return {
    name: srcDir,
    build: (neurons) => {
      const parsed = config.parseExperimentConfig({ preset: 'diehl-cook-2015', network: { layers: [{ neurons }] } })
      return run.createModelNetwork(parsed, 28, 28).network as ReturnType<Engine['build']>
    }
  }
}

export interface DiehlCookRow {
  case: string
  engine: string
  /** Median over images of (time for the image) / (its presentations): one 350 + 150 ms presentation. */
  medianMsPerPresentation: number
  /** The same with this process's CPU time (user + system). */
  medianCpuMsPerPresentation: number
  presentationsPerImage: number
  excitatorySpikesPerImage: number
  inputSpikesPerPresentation: number
  brian2CppMs: number
  speedup: number
  cpuSpeedup: number
}

interface Case {
  neurons: number
  engine: string
  network: ReturnType<Engine['build']>
  wall: number[]
  cpu: number[]
  presentations: number
  spikes: number
  inputSpikes: number
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Time `images` training images per network size and engine: sizes in `rounds` alternating
 * rounds, engines alternating image by image (each engine shows the same images).
 */
export function benchDiehlCook(sizes: readonly number[], images: number, rounds: number, engines: readonly Engine[] = [THIS_ENGINE]): DiehlCookRow[] {
  const mnist = loadBundledMnist()
  const imageSize = mnist.width * mnist.height
  const cases: Case[][] = sizes.map((neurons) =>
    engines.map((engine) => {
      const network = engine.build(neurons)
      for (let i = 0; i < WARMUP_IMAGES; i++) network.present(mnist.pixels, (mnist.count - 1 - i) * imageSize, true)
      return { neurons, engine: engine.name, network, wall: [], cpu: [], presentations: 0, spikes: 0, inputSpikes: 0 }
    })
  )
  const perRound = Math.ceil(images / rounds)
  for (let first = 0; first < images; first += perRound) {
    for (const sameSize of cases) {
      for (let i = first; i < Math.min(images, first + perRound); i++) {
        for (const c of sameSize) {
          const { network } = c
          const cpu0 = process.cpuUsage()
          const t0 = process.hrtime.bigint()
          network.present(mnist.pixels, (i % mnist.count) * imageSize, true)
          const ms = Number(process.hrtime.bigint() - t0) / 1e6
          const cpu = process.cpuUsage(cpu0)
          c.wall.push(ms / network.presentations)
          c.cpu.push((cpu.user + cpu.system) / 1e3 / network.presentations)
          c.presentations += network.presentations
          c.inputSpikes += network.train.total
          for (const count of network.outputCounts) c.spikes += count
        }
      }
    }
  }
  return cases.flat().map((c) => {
    const wall = median(c.wall)
    const cpu = median(c.cpu)
    const brian2 = BRIAN2_CPP_MS[c.neurons]
    return {
      case: `train N=${c.neurons}`,
      engine: c.engine,
      medianMsPerPresentation: wall,
      medianCpuMsPerPresentation: cpu,
      presentationsPerImage: c.presentations / images,
      excitatorySpikesPerImage: c.spikes / images,
      inputSpikesPerPresentation: c.inputSpikes / images,
      brian2CppMs: brian2,
      speedup: brian2 / wall,
      cpuSpeedup: brian2 / cpu
    }
  })
}

export function printDiehlCook(rows: readonly DiehlCookRow[], images: number): void {
  console.log(`diehl-cook-2015, MNIST, 350 ms + 150 ms rest at dt 0.5 ms, learning on, ${images} timed images per case, single thread\n`)
  console.log('"cpu": this process\'s CPU time, which other processes on the same cores do not inflate\n')
  const engines = [...new Set(rows.map((r) => r.engine))]
  if (engines.length > 1) console.log(`engines, interleaved image by image: ${engines.map((e, k) => `[${k}] ${e}`).join(', ')}\n`)
  console.log('case          median ms/presentation (wall, cpu)   presentations/image   exc spikes/image   Brian2 cpp ms   speed-up (wall, cpu)')
  for (const r of rows) {
    const name = engines.length > 1 ? `${r.case} [${engines.indexOf(r.engine)}]` : r.case
    const times = `${r.medianMsPerPresentation.toFixed(2)}, ${r.medianCpuMsPerPresentation.toFixed(2)}`
    const speedups = `${r.speedup.toFixed(2)}×, ${r.cpuSpeedup.toFixed(2)}×`
    console.log(
      `${name.padEnd(14)}${times.padStart(34)}${r.presentationsPerImage.toFixed(2).padStart(22)}${r.excitatorySpikesPerImage.toFixed(1).padStart(19)}${r.brian2CppMs.toFixed(1).padStart(16)}${speedups.padStart(23)}`
    )
  }
  console.log(
    `\nspeed-up against Brian2 cpp_standalone (wall / cpu): ${rows
      .filter((r) => r.engine === rows[0].engine)
      .map((r) => `${r.case} ${r.speedup.toFixed(2)}× / ${r.cpuSpeedup.toFixed(2)}×`)
      .join(', ')} (goal: ≥ ${DIEHL_COOK_GOAL}×)`
  )
}

// Run alone: node --require tsx/cjs bench/diehlCook.ts
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '5' },
      compare: { type: 'string' },
      sizes: { type: 'string', default: '100,400' },
      js: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }
    }
  })
  const images = Number(values.images)
  const rounds = Number(values.rounds)
  const sizes = values.sizes.split(',').map(Number)
  if (!Number.isInteger(images) || images < 10 || !Number.isInteger(rounds) || rounds < 1 || !sizes.every((n) => n in BRIAN2_CPP_MS)) {
    console.error(`error: --images must be an integer ≥ 10, --rounds ≥ 1, --sizes a list of ${Object.keys(BRIAN2_CPP_MS).join(', ')}`)
    process.exit(2)
  }
  const engines = [THIS_ENGINE, ...(values.js ? [THIS_ENGINE_JS] : []), ...(values.compare ? [await loadEngine(values.compare)] : [])]
  const rows = benchDiehlCook(sizes, images, rounds, engines)
  if (values.json) console.log(JSON.stringify({ node: process.version, timedImages: images, rows }, null, 2))
  else printDiehlCook(rows, images)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
