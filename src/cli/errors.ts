/** Errors a user can fix (bad arguments, config, files): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

const USER_ERRORS = new Set(['UsageError', 'ConfigError', 'DatasetError', 'WeightFileError'])

export function isUserError(error: unknown): error is Error {
  return error instanceof Error && USER_ERRORS.has(error.name)
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_BAD_INPUT = 2
