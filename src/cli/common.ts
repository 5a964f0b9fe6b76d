/** What every CLI command shares: strict option parsing, JSON input files, opening the workbench. */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { nodeEngineProcessFactory } from '../main/engineHost/nodeProcess'
import { defaultDatabasePath } from '../main/paths'
import { createWorkbench, type Workbench } from '../main/services/workbench'
import { UsageError } from './errors'

export type Options = ParseArgsConfig['options']

/** `--flag value` options only; anything unknown or malformed is a one-line UsageError. */
export function parseOptions(argv: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see snn-workbench help)`)
  }
}

/** Read and parse a JSON input file; missing, unreadable or invalid files are one-line UsageErrors. */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${path}: ${what} file not found`)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new UsageError(`${path}: cannot read ${what} file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`)
  }
}

/** The workbench the CLI works on: `--db PATH` or the app's database, engines as Node child processes. */
export function openWorkbench(db: string | undefined, recover: boolean, concurrency?: number): Promise<Workbench> {
  return createWorkbench({
    databasePath: resolve(db ?? defaultDatabasePath()),
    engine: nodeEngineProcessFactory(),
    baseDir: process.cwd(),
    recover,
    concurrency
  })
}

/**
 * Work on the workbench at `--db PATH` (or the app's database) and close it. `mustExist`: a
 * command that only reads refuses a missing file, which opening would create empty on the way
 * to "no such run".
 */
export async function withDatabase<T>(db: string | undefined, mustExist: boolean, work: (wb: Workbench) => Promise<T>): Promise<T> {
  const path = resolve(db ?? defaultDatabasePath())
  if (mustExist && !existsSync(path)) throw new UsageError(`${db ? '--db ' : ''}${path}: no run database there`)
  const wb = await openWorkbench(path, false)
  try {
    return await work(wb)
  } finally {
    await wb.close()
  }
}

/** An option that must be a whole number ≥ 0, or undefined when not given. */
export function wholeNumber(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} ${String(value)}: expected a whole number ≥ 0`)
  return n
}
