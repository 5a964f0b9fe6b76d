/**
 * The API over WebSocket, for the renderer running in a browser (`snn-workbench serve`).
 * One socket per page at `/api`: requests `{ id, method, args }` go through the same `dispatch`
 * as Electron IPC and are answered `{ id, ok, result | error }`; every API event is pushed to
 * every client as `{ event, payload }`. Errors carry a code and a message, never a stack.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { API_EVENTS, type ApiEvent, type ApiEvents, type RunStatus, type WireMessage } from '../../shared/api'
import { dispatch, toApiError, type WorkbenchApi } from '../services/api'
import { upgradeRefusal } from './access'

export const API_PATH = '/api'
/**
 * Largest message a client may send: room for a weights upload (`runs.import` takes up to 64 MiB
 * of base64) plus its envelope; anything bigger is abuse.
 */
export const MAX_MESSAGE_BYTES = 65 * 1024 * 1024
/** `run.progress` is sent at most this often per run; the latest one wins. */
export const PROGRESS_INTERVAL_MS = 100
/** A client this far behind (bytes queued) skips progress events until it catches up. */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024
const FINAL_STATUSES = new Set<RunStatus>(['completed', 'failed', 'cancelled'])

export interface ApiBridgeOptions {
  /** When set, the upgrade request must carry it (`snn_token` cookie or `?token=`). */
  token: string | null
}

export interface ApiBridge {
  /** Connected clients. */
  readonly clients: number
  /** Stop forwarding events and close every connection. */
  close(): void
}

export function attachApiBridge(server: Server, api: WorkbenchApi, options: ApiBridgeOptions): ApiBridge {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== API_PATH) return refuse(socket, 404, 'not found')
    const refusal = upgradeRefusal(req, options.token)
    if (refusal) return refuse(socket, refusal.status, refusal.message)
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  }
  server.on('upgrade', onUpgrade)

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => void handleMessage(api, ws, data, isBinary))
    ws.on('error', () => ws.terminate()) // e.g. a message over maxPayload; the close event follows
  })

  const broadcast = (message: WireMessage, skipSlow: boolean) => {
    const text = JSON.stringify(message)
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue
      if (skipSlow && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue
      ws.send(text)
    }
  }
  const progress = new ProgressThrottle((payload) => broadcast({ event: 'run.progress', payload }, true))

  const unsubscribe = API_EVENTS.map((event) =>
    api.events.on(event, (payload: ApiEvents[ApiEvent]) => {
      if (event === 'run.progress') return progress.push(payload as ApiEvents['run.progress'])
      // Anything about a run comes after its latest progress, never before it.
      const runId = event.startsWith('run.') ? (payload as { id: number }).id : null
      if (runId !== null) progress.flush(runId)
      broadcast({ event, payload }, false)
      if (event === 'run.status' && FINAL_STATUSES.has((payload as ApiEvents['run.status']).status)) progress.forget(runId!)
    })
  )

  return {
    get clients() {
      return wss.clients.size
    },
    close() {
      server.off('upgrade', onUpgrade)
      for (const off of unsubscribe) off()
      progress.clear()
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    }
  }
}

function refuse(socket: Duplex, status: 401 | 403 | 404, message: string): void {
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status]
  const body = `${status}: ${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}

async function handleMessage(api: WorkbenchApi, ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
  const request = parseRequest(data, isBinary)
  let reply: WireMessage
  if ('error' in request) {
    reply = { id: request.id, ok: false, error: { code: 'invalid-argument', message: request.error } }
  } else {
    try {
      reply = { id: request.id, ok: true, result: await dispatch(api, request.method, request.args) }
    } catch (error) {
      const { code, message } = toApiError(error)
      reply = { id: request.id, ok: false, error: { code, message } }
    }
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply))
}

/** A request, or why it is not one (with its id when that much could be read; 0 otherwise). */
function parseRequest(data: RawData, isBinary: boolean): { id: number; method: string; args: unknown } | { id: number; error: string } {
  if (isBinary) return { id: 0, error: 'expected a text message with a JSON request' }
  let message: unknown
  try {
    message = JSON.parse(rawText(data))
  } catch {
    return { id: 0, error: 'message is not valid JSON' }
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { id: 0, error: 'expected a request object { id, method, args }' }
  }
  const { id, method, args } = message as Record<string, unknown>
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    return { id: 0, error: 'request id must be a positive integer' }
  }
  if (typeof method !== 'string') return { id, error: 'request method must be a string' }
  return { id, method, args }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

/**
 * At most one `run.progress` per run every PROGRESS_INTERVAL_MS: the first goes out at once,
 * later ones within the interval replace each other and the latest is sent when it ends.
 */
class ProgressThrottle {
  private readonly runs = new Map<number, { sentAt: number; pending: ApiEvents['run.progress'] | null; timer: NodeJS.Timeout | null }>()

  constructor(private readonly send: (payload: ApiEvents['run.progress']) => void) {}

  push(payload: ApiEvents['run.progress']): void {
    const now = Date.now()
    const run = this.runs.get(payload.id)
    if (!run) {
      this.runs.set(payload.id, { sentAt: now, pending: null, timer: null })
      this.send(payload)
      return
    }
    const wait = run.sentAt + PROGRESS_INTERVAL_MS - now
    if (wait <= 0 && !run.timer) {
      run.sentAt = now
      this.send(payload)
      return
    }
    run.pending = payload
    run.timer ??= setTimeout(() => this.flush(payload.id), Math.max(wait, 0))
  }

  /** Send the run's held-back progress now, if any. */
  flush(id: number): void {
    const run = this.runs.get(id)
    if (!run) return
    if (run.timer) clearTimeout(run.timer)
    run.timer = null
    if (run.pending) {
      const pending = run.pending
      run.pending = null
      run.sentAt = Date.now()
      this.send(pending)
    }
  }

  /** The run is over: drop what is held for it. */
  forget(id: number): void {
    const run = this.runs.get(id)
    if (run?.timer) clearTimeout(run.timer)
    this.runs.delete(id)
  }

  clear(): void {
    for (const run of this.runs.values()) if (run.timer) clearTimeout(run.timer)
    this.runs.clear()
  }
}
