/**
 * The renderer's only way to the workbench. In Electron it goes through the preload bridge
 * (`window.snnApi`, IPC); in a browser (`snn-workbench serve`) through a WebSocket to /api on
 * the page's own host. Both give the same typed ApiClient, generated from the contract's method
 * names, so a call is checked by the compiler whichever way it travels.
 */
import { readonly, shallowRef } from 'vue'
import {
  API_ARGS,
  ApiError,
  type ApiClient,
  type ApiEvent,
  type ApiMethod,
  type WireMessage
} from '@shared/api'

/** `closed`: the WebSocket dropped and a reconnect is scheduled. IPC is always `open`. */
export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ApiClientOptions {
  onConnectionChange?: (state: ConnectionState) => void
}

interface Transport {
  call(method: ApiMethod, args: unknown): Promise<unknown>
  on(event: ApiEvent, listener: (payload: unknown) => void): () => void
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const notify = options.onConnectionChange ?? (() => undefined)
  let transport: Transport
  if (window.snnApi) {
    transport = ipcTransport(window.snnApi)
    notify('open')
  } else {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    transport = new SocketTransport(`${scheme}//${location.host}/api`, notify)
  }
  const client: Record<string, unknown> = {}
  for (const method of Object.keys(API_ARGS) as ApiMethod[]) {
    client[method] = (args: unknown) => transport.call(method, args ?? {})
  }
  client.on = (event: ApiEvent, listener: (payload: unknown) => void) => transport.on(event, listener)
  return client as ApiClient
}

const connectionState = shallowRef<ConnectionState>('connecting')
/** State of the shared client's connection, for a "reconnecting…" notice and reloads. */
export const connection = readonly(connectionState)

let shared: ApiClient | null = null

/** The app's one client, created on first use. */
export function useApi(): ApiClient {
  shared ??= createApiClient({ onConnectionChange: (state) => (connectionState.value = state) })
  return shared
}

function ipcTransport(bridge: SnnApiBridge): Transport {
  return {
    async call(method, args) {
      const reply = await bridge.invoke(method, args)
      if (reply.ok) return reply.result
      throw new ApiError(reply.error.code, reply.error.message)
    },
    on: (event, listener) => bridge.on(event, listener)
  }
}

const RETRY_FIRST_MS = 500
const RETRY_MAX_MS = 10_000

/**
 * Requests are numbered and matched to replies by id. Requests made while connecting wait for
 * the socket; when it drops, every unanswered request fails with ApiError('unavailable') and the
 * socket reconnects with exponential backoff. Event listeners live here, not on the socket: the
 * server pushes every event to every connection, so they keep working after a reconnect.
 */
class SocketTransport implements Transport {
  private socket: WebSocket | null = null
  private state: ConnectionState = 'connecting'
  private nextId = 1
  private retries = 0
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(error: ApiError): void }>()
  private readonly unsent: string[] = []
  private readonly listeners = new Map<ApiEvent, Set<(payload: unknown) => void>>()

  constructor(
    private readonly url: string,
    private readonly notify: (state: ConnectionState) => void
  ) {
    this.connect()
  }

  call(method: ApiMethod, args: unknown): Promise<unknown> {
    if (this.state === 'closed') {
      return Promise.reject(new ApiError('unavailable', 'not connected to the workbench server; reconnecting…'))
    }
    const id = this.nextId++
    const text = JSON.stringify({ id, method, args })
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      if (this.state === 'open') this.socket!.send(text)
      else this.unsent.push(text)
    })
  }

  on(event: ApiEvent, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  private setState(state: ConnectionState): void {
    this.state = state
    this.notify(state)
  }

  private connect(): void {
    this.setState('connecting')
    const socket = new WebSocket(this.url)
    this.socket = socket
    socket.onopen = () => {
      this.retries = 0
      this.setState('open')
      for (const text of this.unsent.splice(0)) socket.send(text)
    }
    socket.onmessage = (message) => this.receive(message.data)
    // An error is always followed by close, which does the work.
    socket.onclose = () => {
      this.socket = null
      this.unsent.length = 0
      const error = new ApiError('unavailable', 'lost the connection to the workbench server; reconnecting…')
      for (const { reject } of this.pending.values()) reject(error)
      this.pending.clear()
      this.setState('closed')
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.retries++)
      setTimeout(() => this.connect(), delay * (0.75 + Math.random() / 2))
    }
  }

  private receive(data: unknown): void {
    let message: WireMessage
    try {
      message = JSON.parse(String(data)) as WireMessage
    } catch {
      console.error('workbench server sent a message that is not JSON')
      return
    }
    if ('event' in message) {
      for (const listener of this.listeners.get(message.event) ?? []) {
        try {
          listener(message.payload)
        } catch (error) {
          console.error(`listener for ${message.event} failed:`, error)
        }
      }
      return
    }
    const request = this.pending.get(message.id)
    if (!request) {
      if (!message.ok) console.error(`workbench server: ${message.error.message}`)
      return
    }
    this.pending.delete(message.id)
    if (message.ok) request.resolve(message.result)
    else request.reject(new ApiError(message.error.code, message.error.message))
  }
}

/** A user-readable message for anything a call may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}
