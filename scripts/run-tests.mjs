// `npm test`: runs each test stage in turn with its output streamed to the terminal, then prints,
// as the very last line, the summed counts: `N passed, N failed` (`, N skipped` when any were).
// Exits non-zero if anything failed or if no test ran at all.
//
// Stages are listed in STAGES; each returns { passed, failed, skipped } counted per test. A stage
// that cannot produce a report counts as at least one failure. Extra arguments
// (`npm test -- tests/unit/foo.test.ts -t name`) go to the vitest stage, and then the e2e stage
// (a real `serve` driven by Chromium, about a minute) is left out.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const ROOT = path.resolve(import.meta.dirname, '..')
const REPORT_DIR = path.join(ROOT, 'test-results') // git-ignored; the reports stay for inspection

const CHROMIUM = '/usr/bin/chromium'

/** A vitest run, with the default reporter on screen and a JSON report (`reportName`) to count. */
function runVitest(args, reportName = 'vitest.json') {
  const report = path.join(REPORT_DIR, reportName)
  mkdirSync(REPORT_DIR, { recursive: true })
  rmSync(report, { force: true }) // never count a stale report
  const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
  const child = spawnSync(
    process.execPath,
    [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
    { stdio: 'inherit' }
  )
  let json
  try {
    json = JSON.parse(readFileSync(report, 'utf8'))
  } catch {
    const why = child.error ? child.error.message : `exit ${child.status ?? child.signal}`
    console.error(`vitest wrote no report (${why}); counting the stage as failed.`)
    return { passed: 0, failed: 1, skipped: 0 }
  }
  const passed = json.numPassedTests ?? 0
  let failed = json.numFailedTests ?? 0
  const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0)
  // A file that fails to load (syntax error, bad import, throwing hook) has no failed test in
  // it; count each such file as one failure.
  for (const file of json.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length
    if (file.status === 'failed' && failedInFile === 0) failed += 1
  }
  // Vitest can also fail outside any test (unhandled errors, a crash after the report).
  if (child.status !== 0 && failed === 0 && passed + skipped > 0) {
    console.error(`vitest exited with ${child.status ?? child.signal} although no test failed.`)
    failed = 1
  }
  return { passed, failed, skipped }
}

/** End-to-end tests (tests/e2e) in Debian's Chromium; without it, one failure says why. */
function runE2e(args) {
  if (args.length > 0) {
    console.log('e2e: not run (arguments select unit/integration tests)')
    return { passed: 0, failed: 0, skipped: 0 }
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`e2e: FAILED, not run: ${CHROMIUM} is missing (install Debian's chromium package).`)
    return { passed: 0, failed: 1, skipped: 0 }
  }
  return runVitest(['--config', 'vitest.e2e.config.mts'], 'vitest-e2e.json')
}

const STAGES = [
  { name: 'vitest', run: runVitest }, // unit + integration
  { name: 'e2e', run: runE2e }
]

const total = { passed: 0, failed: 0, skipped: 0 }
for (const stage of STAGES) {
  console.log(`\n=== ${stage.name} ===`)
  const counts = stage.run(process.argv.slice(2))
  for (const key of Object.keys(total)) total[key] += counts[key]
}

if (total.passed + total.failed === 0) console.error('No tests ran.')
const summary = `${total.passed} passed, ${total.failed} failed`
console.log(total.skipped > 0 ? `${summary}, ${total.skipped} skipped` : summary)
process.exitCode = total.failed > 0 || total.passed + total.failed === 0 ? 1 : 0
