// Runs before `npm run dev` / `npm start`, after ensure-electron.mjs. better-sqlite3 is a native
// module: `npm install` builds it for Node (the CLI, serve and the tests use that build), but
// Electron's main process has another ABI. Keep a second build for the installed Electron in
// node_modules/.snn-electron/<electron version>/better_sqlite3.node; src/main/index.ts passes it
// to better-sqlite3 as `nativeBinding`, so neither build ever replaces the other.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '..')
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
const target = path.join(root, 'node_modules', '.snn-electron', electronVersion, 'better_sqlite3.node')
if (existsSync(target)) process.exit(0)

console.log(`Preparing the SQLite module for Electron ${electronVersion} (first start only)…`)
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'))
const work = mkdtempSync(path.join(tmpdir(), 'snn-electron-sqlite-'))
const copy = path.join(work, 'better-sqlite3')
cpSync(sqliteDir, copy, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) })

// A machine-wide nodedir (npm config) would silently build against Node's headers instead.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.toLowerCase() !== 'npm_config_nodedir'))
const run = (args) => spawnSync(process.execPath, args, { cwd: copy, env, stdio: 'inherit', timeout: 10 * 60 * 1000 })
// A prebuilt binary when one is published for this Electron; otherwise compile against Electron's headers.
const prebuilt = run([require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch])
let ok = prebuilt.status === 0
if (!ok) {
  // npm ships node-gyp; find npm from the running npm, or beside this Node.
  const npmDirs = [
    process.env.npm_execpath && path.dirname(path.dirname(process.env.npm_execpath)),
    path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm')
  ].filter(Boolean)
  const nodeGyp = npmDirs.map((dir) => path.join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')).find(existsSync)
  if (nodeGyp) {
    const built = run([nodeGyp, 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'])
    ok = built.status === 0
  }
}
const produced = path.join(copy, 'build', 'Release', 'better_sqlite3.node')
if (ok && existsSync(produced)) {
  mkdirSync(path.dirname(target), { recursive: true })
  cpSync(produced, target)
  rmSync(work, { recursive: true, force: true })
  process.exit(0)
}
rmSync(work, { recursive: true, force: true })
console.error(`
Could not prepare better-sqlite3 for Electron ${electronVersion}: neither a prebuilt binary nor
Electron's headers could be downloaded. The desktop app needs one of them once (network access
to github.com or electronjs.org).

Meanwhile the same app runs in a browser:  npm run cli -- serve
`)
process.exit(1)
