/**
 * `npm run bench`: seed-2017 training and classification speed per image on bundled MNIST
 * (28×28, T = 200, bench/seed.ts), single-threaded, against the original Python
 * implementation's timings on the reference machine: median µs/image, images/s and the
 * speed-up, for new images (encoding included) and seen ones (encoding cached). Not a test: no
 * assertions, the figures go in the README.
 *
 * Then the diehl-cook-2015 network (bench/diehlCook.ts): training time per presentation (350 ms
 * of input + 150 ms of rest simulated at dt 0.5 ms, learning on) for N = 100 and 400, against
 * Brian2 cpp_standalone on the same machine class (the spec's table).
 *
 * Last, hyperparameter-sweep throughput (bench/sweep.ts, part 1): the same 16-trial seed-2017
 * sweep with 1 worker and with 2, engines started by the sweep (cold), already running (warm)
 * and at steady state (done compiling), in trials per minute, the speed-up against the goal
 * (≥ 1.85× on 2 cores) and the machine's own ceiling (two CPU-bound processes against one).
 *
 * Options: --images N (timed seed-2017 images per case, default 1000), --rounds R (interleaved
 * rounds they are timed in, default 5), --dc-images N (timed diehl-cook-2015 images per case,
 * default 100), --sweep-repeat N (rounds of the sweep figures, best of them, default 5; 0 leaves
 * the sweep out), --json (machine-readable output).
 */
import { parseArgs } from 'node:util'
import { benchDiehlCook, printDiehlCook } from './diehlCook'
import { benchSeed, printSeed } from './seed'
import { benchSweepThroughput, printSweepThroughput } from './sweep'

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    'dc-images': { type: 'string', default: '100' },
    'sweep-repeat': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false }
  }
})
const timedImages = Number(values.images)
const rounds = Number(values.rounds)
const dcImages = Number(values['dc-images'])
const sweepRepeat = Number(values['sweep-repeat'])
if (
  !Number.isInteger(timedImages) ||
  timedImages < 10 ||
  !Number.isInteger(dcImages) ||
  dcImages < 10 ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(sweepRepeat) ||
  sweepRepeat < 0
) {
  console.error('error: --images and --dc-images must be integers ≥ 10, --rounds ≥ 1, --sweep-repeat ≥ 0')
  process.exit(2)
}

async function main(): Promise<void> {
  const rows = benchSeed(timedImages, rounds)
  const dcRows = benchDiehlCook([100, 400], dcImages, 5)
  const sweep = sweepRepeat > 0 ? await benchSweepThroughput({ repeat: sweepRepeat }) : null

  if (values.json) {
    console.log(JSON.stringify({ node: process.version, timedImages, rounds, rows, diehlCook: { timedImages: dcImages, rows: dcRows }, sweep }, null, 2))
  } else {
    printSeed(rows, timedImages, rounds)
    console.log('')
    printDiehlCook(dcRows, dcImages)
    if (sweep) {
      console.log('')
      printSweepThroughput(sweep)
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
