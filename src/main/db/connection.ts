/**
 * Opening the run store: one place that turns every way a database file can be unusable into a
 * DbError with one line a user can act on (the API maps DbError to 'unavailable').
 */
import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { ForeignDatabaseError, migrate, SchemaTooNewError } from './migrations'

export type Database = BetterSqlite3.Database

export class DbError extends Error {
  override name = 'DbError'
}

export interface OpenOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number
  /** A better-sqlite3 binary built for another runtime (Electron's main process). */
  nativeBinding?: string
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000

/**
 * Open (creating it and its folders if needed) and migrate the database at `path`. WAL lets the
 * app and a CLI process read while the other writes; synchronous = NORMAL is durable across an
 * application crash and only risks the last commits on power loss, which WAL keeps consistent.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  if (isFolder(path)) throw new DbError(`${path} is a folder, not a database file. Give the path of a file, e.g. ${path}/workbench.db.`)
  const folder = dirname(path)
  try {
    mkdirSync(folder, { recursive: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // Node says EEXIST when the folder's own name is taken by a file, ENOTDIR for one further up.
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? `${folder} is not a folder` : (error as Error).message
    throw new DbError(`${path} cannot be created: ${reason}`)
  }

  let db: Database
  try {
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) })
  } catch (error) {
    throw toDbError(error, path, busyTimeoutMs)
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return db
  } catch (error) {
    db.close()
    throw toDbError(error, path, busyTimeoutMs)
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false // missing (will be created) or unreadable (SQLite will say so)
  }
}

function toDbError(error: unknown, path: string, busyTimeoutMs: number): Error {
  if (error instanceof SchemaTooNewError) {
    return new DbError(
      `${path} was written by a newer SNN Workbench (schema version ${error.found}; this version knows up to ${error.known}). ` +
        'Update the app, or use another database with --db.'
    )
  }
  if (error instanceof ForeignDatabaseError) return new DbError(`${path}: not an SNN Workbench database (${error.message})`)
  if (!(error instanceof BetterSqlite3.SqliteError)) return error instanceof Error ? error : new Error(String(error))

  const code = error.code
  const reason = error.message
  if (code.startsWith('SQLITE_NOTADB')) return new DbError(`${path}: not an SNN Workbench database (${reason})`)
  if (code.startsWith('SQLITE_CORRUPT')) return new DbError(`${path} is damaged (${reason}). Restore a backup, or use another database with --db.`)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DbError(
      `${path} is locked by another process (waited ${busyTimeoutMs / 1000} s). ` +
        'Close the other SNN Workbench window or command using it, or use another database with --db.'
    )
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new DbError(`${path} cannot be written (${reason}). Check the permissions of the file and its folder, or use another database with --db.`)
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH') || code.startsWith('SQLITE_IOERR')) {
    return new DbError(`${path} cannot be opened (${reason}). Check that it is a file you may read and write, or use another database with --db.`)
  }
  return error
}
