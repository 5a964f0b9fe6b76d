/**
 * The engine worker as one prebuilt CommonJS file for Node engine processes, as the Electron
 * build makes out/main/engineWorker.js. Loading it costs a new process ~0.1 s of CPU, where the
 * tsx launcher (bin/engine-worker.cjs) spends ~0.5 s resolving and transforming the engine's
 * TypeScript and its packages' many files. Built with esbuild on first use into node_modules/.cache and rebuilt
 * when any of its source files changed (their sizes and times are kept in a manifest). If it
 * cannot be built, engine processes use the tsx launcher: slower to start, same behaviour.
 */
import { buildSync, version as esbuildVersion } from 'esbuild'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const PROJECT_ROOT = resolve(__dirname, '../../..')
const ENTRY = join(PROJECT_ROOT, 'src/engine/host/workerEntry.ts')
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules/.cache/snn-workbench')
export const ENGINE_WORKER_BUNDLE = join(CACHE_DIR, 'engine-worker.cjs')
const MANIFEST = join(CACHE_DIR, 'engine-worker.json')

interface Manifest {
  esbuild: string
  /** Source file (relative to the project) → "size:mtimeMs" when the bundle was built. */
  inputs: Record<string, string>
}

/** Set once a build failed: this process then uses the tsx launcher rather than try again per fork. */
let buildFailed = false

/**
 * Path of an up-to-date worker bundle, building it if need be; null if it cannot be had.
 * Checked at every call (a few stat calls), so a long-lived host picks up edited engine code as
 * the tsx launcher did; callers fork rarely (engine processes are reused).
 */
export function engineWorkerBundle(): string | null {
  if (upToDate()) return ENGINE_WORKER_BUNDLE
  if (buildFailed) return null
  const built = build()
  buildFailed = built === null
  return built
}

function stamp(path: string): string {
  const { size, mtimeMs } = statSync(path)
  return `${size}:${mtimeMs}`
}

function upToDate(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest
    statSync(ENGINE_WORKER_BUNDLE)
    if (manifest.esbuild !== esbuildVersion) return false
    return Object.entries(manifest.inputs).every(([file, seen]) => stamp(join(PROJECT_ROOT, file)) === seen)
  } catch {
    return false // no manifest or bundle, or a source file gone
  }
}

function build(): string | null {
  const partial = `${ENGINE_WORKER_BUNDLE}.${process.pid}.tmp`
  try {
    mkdirSync(CACHE_DIR, { recursive: true })
    const result = buildSync({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [ENTRY],
      outfile: partial,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // npm packages too (zod, fflate): resolving and loading their many files cost a new
      // process more than evaluating them. Native or data packages are not imported here.
      metafile: true,
      logLevel: 'silent',
      // The engine's ESM-style `import.meta.url` (bundledMnist.ts) in a CommonJS file.
      define: { 'import.meta.url': '__engineWorkerUrl' },
      banner: {
        js: [
          "const __engineWorkerUrl = require('node:url').pathToFileURL(__filename).href;",
          // As bin/engine-worker.cjs: ignore the terminal's Ctrl+C before anything else runs.
          'process.on("SIGINT", () => {});'
        ].join('\n')
      }
    })
    const inputs: Record<string, string> = {}
    // Paths relative to absWorkingDir, the project; this file too (its build options).
    for (const file of [...Object.keys(result.metafile.inputs), relative(PROJECT_ROOT, __filename)]) inputs[file] = stamp(join(PROJECT_ROOT, file))
    renameSync(partial, ENGINE_WORKER_BUNDLE)
    writeFileSync(`${MANIFEST}.${process.pid}.tmp`, JSON.stringify({ esbuild: esbuildVersion, inputs } satisfies Manifest))
    renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST)
    return ENGINE_WORKER_BUNDLE
  } catch {
    rmSync(partial, { force: true })
    return null
  }
}
