import { expect } from 'vitest'
import { ApiError } from '../../src/shared/api'

/** `promise` rejects with an ApiError of `code` whose one-line message matches `message`. */
export async function expectApiError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ApiError)
  expect((error as ApiError).code).toBe(code)
  expect((error as ApiError).message).toMatch(message)
  expect((error as ApiError).message.split('\n')).toHaveLength(1)
}
