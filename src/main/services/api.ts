/**
 * The service side of the API contract: one handler per method, one event source, and the
 * single dispatch path every transport (Electron IPC, WebSocket bridge) goes through, so
 * arguments are validated and errors mapped in one place.
 */
import {
  ApiError,
  isApiMethod,
  parseApiArgs,
  type ApiEvent,
  type ApiEvents,
  type ApiMethod,
  type ApiParsedArgs,
  type ApiResults
} from '../../shared/api'

export type ApiHandlers = { [M in ApiMethod]: (args: ApiParsedArgs<M>) => Promise<ApiResults[M]> }

export interface ApiEventSource {
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
}

export interface WorkbenchApi {
  handlers: ApiHandlers
  events: ApiEventSource
}

/** User-fixable errors thrown below the services, by name (they come from several layers). */
const INVALID_INPUT = new Set(['ConfigError', 'DatasetError', 'WeightFileError', 'UsageError'])

/** Turn anything thrown by a handler into an ApiError; unexpected ones are logged, not leaked. */
export function toApiError(error: unknown, log: (message: string) => void = console.error): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof Error && INVALID_INPUT.has(error.name)) return new ApiError('invalid-argument', error.message)
  if (error instanceof Error && error.name === 'DbError') return new ApiError('unavailable', error.message)
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  return new ApiError('internal', `internal error: ${error instanceof Error ? error.message : String(error)}`)
}

/** Validate `rawArgs` for `method` and run its handler. Throws ApiError only. */
export async function dispatch(api: WorkbenchApi, method: unknown, rawArgs: unknown): Promise<unknown> {
  if (!isApiMethod(method)) throw new ApiError('invalid-argument', `unknown method ${JSON.stringify(method)}`)
  const args = parseApiArgs(method, rawArgs)
  try {
    const handler = api.handlers[method] as (a: unknown) => Promise<unknown>
    return await handler(args)
  } catch (error) {
    throw toApiError(error)
  }
}

/** A small typed event hub for services. */
export class EventHub implements ApiEventSource {
  private readonly listeners = new Map<ApiEvent, Set<(payload: never) => void>>()

  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => set!.delete(listener as (payload: never) => void)
  }

  emit<E extends ApiEvent>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        ;(listener as (p: ApiEvents[E]) => void)(payload)
      } catch (error) {
        console.error(`event listener for ${event} failed: ${(error as Error).message}`)
      }
    }
  }
}
