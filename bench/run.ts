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
 * Options: --images N (timed seed-2017 images per case, default 1000), --rounds R (interleaved
 * rounds they are timed in, default 5), --dc-images N (timed diehl-cook-2015 images per case,
 * default 100), --json (machine-readable output).
 */
import { parseArgs } from 'node:util'
import { benchDiehlCook, printDiehlCook } from './diehlCook'
import { benchSeed, printSeed } from './seed'

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    'dc-images': { type: 'string', default: '100' },
    json: { type: 'boolean', default: false }
  }
})
const timedImages = Number(values.images)
const rounds = Number(values.rounds)
const dcImages = Number(values['dc-images'])
if (!Number.isInteger(timedImages) || timedImages < 10 || !Number.isInteger(dcImages) || dcImages < 10 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('error: --images and --dc-images must be integers ≥ 10, --rounds ≥ 1')
  process.exit(2)
}
const rows = benchSeed(timedImages, rounds)
const dcRows = benchDiehlCook([100, 400], dcImages, 5)

if (values.json) {
  console.log(JSON.stringify({ node: process.version, timedImages, rounds, rows, diehlCook: { timedImages: dcImages, rows: dcRows } }, null, 2))
} else {
  printSeed(rows, timedImages, rounds)
  console.log('')
  printDiehlCook(dcRows, dcImages)
}
