// Runs before `npm run dev` / `npm start`. npm 11 skips electron's postinstall (package.json
// "allowScripts" denies it, so `npm ci` works offline), which leaves the package without its
// binary. Fetch it here, on first start, by running the same install.js the postinstall would
// have run: it honours ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR and electron_config_cache.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const TIMEOUT_MS = 5 * 60 * 1000

let electronDir
try {
  electronDir = path.dirname(require.resolve('electron/package.json'))
} catch {
  console.error('The electron package is not installed. Run `npm ci` first.')
  process.exit(1)
}

function binaryPresent() {
  const pathFile = path.join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return false
  const executable = readFileSync(pathFile, 'utf8').trim()
  return executable !== '' && existsSync(path.join(electronDir, 'dist', executable))
}

if (binaryPresent()) process.exit(0)

console.log('Fetching the Electron binary (first start only)…')

// install.js prints `err.stack` when the download fails; keep stdio inherited (so its progress
// bar still sees a terminal) but trim stack frames from what it logs, and turn a throw into a
// one-line message. install.js also exits early when ELECTRON_SKIP_BINARY_DOWNLOAD is set, which
// would defeat the point of this script, so it is dropped for this one child process.
const installJs = path.join(electronDir, 'install.js')
const runInstall = `
const log = console.error
const noStack = (a) => (typeof a === 'string' ? a.split('\\n').filter((l) => !/^\\s+at /.test(l)).join('\\n') : a)
console.error = (...args) => log(...args.map(noStack))
try { require(${JSON.stringify(installJs)}) } catch (e) { log(String((e && e.message) || e)); process.exit(1) }
`
const env = { ...process.env }
delete env.ELECTRON_SKIP_BINARY_DOWNLOAD
const child = spawnSync(process.execPath, ['-e', runInstall], {
  cwd: electronDir,
  env,
  stdio: 'inherit',
  timeout: TIMEOUT_MS
})

if (child.status === 0 && binaryPresent()) process.exit(0)

const reason = child.error
  ? child.error.code === 'ETIMEDOUT'
    ? `the download did not finish within ${TIMEOUT_MS / 60000} minutes`
    : child.error.message
  : child.status === 0
    ? 'the installer finished but left no binary'
    : `the installer exited with ${child.status ?? child.signal}`
const version = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version

console.error(`
Could not fetch the Electron ${version} binary (${reason}).
Is there network access to Electron's download host (github.com)?

To fix it, any one of:
  - point at a reachable mirror:   ELECTRON_MIRROR=https://<mirror>/electron/ npm run dev
  - put electron-v${version}-${process.platform}-${process.arch}.zip in Electron's download cache
    (or a folder named by electron_config_cache), then run npm run dev again
  - with network access:           npm rebuild electron --foreground-scripts

Meanwhile, no Electron is needed for:
  - the command line, which works now:  npm run cli -- train --config examples/seed-3class.json
  - the same app in a browser:          npm run cli -- serve
`)
process.exit(1)
