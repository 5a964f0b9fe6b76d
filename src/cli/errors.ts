/** Errors a user can fix (bad arguments, config, files): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

const USER_ERRORS = new Set(['UsageError', 'ConfigError', 'DatasetError', 'WeightFileError'])

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_BAD_INPUT = 2

/** ApiError codes (see src/shared/api.ts) that mean the request itself was wrong. */
const BAD_REQUEST_CODES = new Set(['invalid-argument', 'not-found', 'conflict'])

/**
 * How the CLI reports an error it expects: `error: <message>` and the exit code. User errors
 * and ApiErrors about the request (invalid-argument, not-found, conflict) exit 2; the database
 * being unusable (DbError, ApiError 'unavailable') exits 1. Anything else (a bug, an ApiError
 * 'internal') is null: the caller reports it as an internal error.
 */
export function expectedError(error: unknown): { message: string; exitCode: number } | null {
  if (!(error instanceof Error)) return null
  if (USER_ERRORS.has(error.name)) return { message: error.message, exitCode: EXIT_BAD_INPUT }
  if (error.name === 'DbError') return { message: error.message, exitCode: EXIT_FAILURE }
  if (error.name === 'ApiError') {
    const code = (error as Error & { code?: unknown }).code
    if (typeof code === 'string' && BAD_REQUEST_CODES.has(code)) return { message: error.message, exitCode: EXIT_BAD_INPUT }
    if (code === 'unavailable') return { message: error.message, exitCode: EXIT_FAILURE }
  }
  return null
}
