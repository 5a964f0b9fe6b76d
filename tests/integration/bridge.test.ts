import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { ApiMethod, ApiParsedArgs, RunSummary, WireMessage } from '../../src/shared/api'
import { EventHub, type ApiHandlers, type WorkbenchApi } from '../../src/main/services/api'
import { startWebServer, type RunningWebServer } from '../../src/main/web/server'
import { MAX_MESSAGE_BYTES } from '../../src/main/web/bridge'

// The WebSocket bridge is a transport: these tests drive it with a recording stand-in for the
// services, and check what crosses the wire.

const root = mkdtempSync(join(tmpdir(), 'snn-bridge-'))
mkdirSync(join(root, 'assets'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
afterAll(() => rmSync(root, { recursive: true, force: true }))

const RUN: RunSummary = {
  id: 7,
  name: 'three digits',
  experimentId: 1,
  experiment: 'default',
  status: 'completed',
  createdAt: '2025-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  seed: 1,
  preset: 'seed-2017',
  done: 30,
  total: 30,
  accuracy: 0.7,
  tags: [],
  error: null
}

/** A WorkbenchApi whose `runs.list` and `runs.get` answer and record their (parsed) arguments. */
function recordingApi() {
  const calls: { method: ApiMethod; args: unknown }[] = []
  const events = new EventHub()
  const record = <M extends ApiMethod>(method: M, args: ApiParsedArgs<M>) => calls.push({ method, args })
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, method: ApiMethod) => async (args: never) => {
      record(method, args)
      if (method === 'runs.list') return { total: 1, rows: [RUN] }
      if (method === 'runs.get') throw Object.assign(new Error('boom at /secret/path.ts:12'), { stack: 'Error: boom\n    at secret (/secret/path.ts:12:3)' })
      return {}
    }
  })
  const api: WorkbenchApi = { handlers, events }
  return { api, calls, events }
}

let web: RunningWebServer | null = null
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await web?.close()
  web = null
})

async function serve(api: WorkbenchApi, host = '127.0.0.1') {
  web = await startWebServer({ root, host, port: 0, api })
  return { web, port: new URL(web.url).port }
}

/** Connects, and collects every message the server sends. */
function connect(url: string, options: { headers?: Record<string, string>; origin?: string } = {}) {
  const ws = new WebSocket(url, options)
  sockets.push(ws)
  const messages: WireMessage[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()))
    for (const wake of waiters.splice(0)) wake()
  })
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  /** The first message (after those already seen) that `match` accepts. */
  const next = async (match: (m: WireMessage) => boolean, timeoutMs = 2000): Promise<WireMessage> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = messages.find(match)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`)
      await new Promise<void>((wake) => {
        waiters.push(wake)
        setTimeout(wake, 50)
      })
    }
  }
  const reply = (id: number) => next((m) => 'id' in m && m.id === id)
  return { ws, opened, messages, next, reply }
}

/** Status code of a refused upgrade. */
function refusedStatus(url: string, options: { headers?: Record<string, string>; origin?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    sockets.push(ws)
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('open', () => reject(new Error('the connection was accepted')))
    ws.once('error', () => undefined)
  })
}

describe('the WebSocket API bridge', () => {
  it('answers a request with the handler result, having validated the arguments', async () => {
    const { api, calls } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    client.ws.send(JSON.stringify({ id: 1, method: 'runs.list', args: { limit: 5 } }))
    expect(await client.reply(1)).toEqual({ id: 1, ok: true, result: { total: 1, rows: [RUN] } })
    // The handler got the parsed arguments, defaults filled in.
    expect(calls).toEqual([{ method: 'runs.list', args: expect.objectContaining({ limit: 5, offset: 0, sort: 'created', params: [] }) }])
  })

  it('rejects invalid arguments naming the field, without calling the handler', async () => {
    const { api, calls } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    client.ws.send(JSON.stringify({ id: 2, method: 'runs.get', args: { id: 'seven' } }))
    client.ws.send(JSON.stringify({ id: 3, method: 'runs.list', args: { limit: 5, colour: 'red' } }))
    const bad = await client.reply(2)
    expect(bad).toMatchObject({ id: 2, ok: false, error: { code: 'invalid-argument' } })
    expect((bad as { error: { message: string } }).error.message).toMatch(/^runs\.get: id: /)
    expect(await client.reply(3)).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('colour') } })
    expect(calls).toEqual([])
  })

  it('rejects an unknown method', async () => {
    const { api, calls } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    client.ws.send(JSON.stringify({ id: 4, method: 'runs.explode', args: {} }))
    expect(await client.reply(4)).toEqual({ id: 4, ok: false, error: { code: 'invalid-argument', message: 'unknown method "runs.explode"' } })
    client.ws.send(JSON.stringify({ id: 5, method: 'toString', args: {} }))
    expect(await client.reply(5)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
    expect(calls).toEqual([])
  })

  it('answers malformed messages with invalid-argument and keeps the connection', async () => {
    const { api } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    client.ws.send('{"id": 1, "method": ')
    expect(await client.reply(0)).toEqual({ id: 0, ok: false, error: { code: 'invalid-argument', message: 'message is not valid JSON' } })
    client.ws.send(JSON.stringify({ id: 9, method: 42 }))
    expect(await client.reply(9)).toEqual({ id: 9, ok: false, error: { code: 'invalid-argument', message: 'request method must be a string' } })
    client.ws.send(JSON.stringify([1, 2, 3]))
    await client.next((m) => 'id' in m && m.id === 0 && !m.ok && /request object/.test(m.error.message))
    client.ws.send(JSON.stringify({ id: 10, method: 'runs.list', args: {} }))
    expect(await client.reply(10)).toMatchObject({ ok: true })
  })

  it('reports a failing handler as an internal error without its stack', async () => {
    const { api } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    const quiet = console.error
    console.error = () => undefined // toApiError logs the unexpected error on the server side
    try {
      client.ws.send(JSON.stringify({ id: 11, method: 'runs.get', args: { id: 7 } }))
      const reply = await client.reply(11)
      expect(reply).toMatchObject({ id: 11, ok: false, error: { code: 'internal' } })
      expect(JSON.stringify(reply)).not.toContain('    at ')
    } finally {
      console.error = quiet
    }
  })

  it('pushes every event from the hub to every client', async () => {
    const { api, events } = recordingApi()
    const { port } = await serve(api)
    const a = connect(`ws://127.0.0.1:${port}/api`)
    const b = connect(`ws://127.0.0.1:${port}/api`)
    await Promise.all([a.opened, b.opened])
    events.emit('run.status', { id: 7, status: 'running', error: null })
    events.emit('run.snapshot', { id: 7, step: 10 })
    for (const client of [a, b]) {
      expect(await client.next((m) => 'event' in m && m.event === 'run.status')).toEqual({
        event: 'run.status',
        payload: { id: 7, status: 'running', error: null }
      })
      expect(await client.next((m) => 'event' in m && m.event === 'run.snapshot')).toEqual({ event: 'run.snapshot', payload: { id: 7, step: 10 } })
    }
  })

  it('throttles run progress to the latest one per interval, and sends it before the status that follows', async () => {
    const { api, events } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    const progress = (done: number) => ({ id: 7, done, total: 100, imagesPerSecond: 50, last: null, traces: null, live: null })
    for (let done = 1; done <= 100; done++) events.emit('run.progress', progress(done))
    events.emit('run.status', { id: 7, status: 'completed', error: null })
    await client.next((m) => 'event' in m && m.event === 'run.status')
    const seen = client.messages.filter((m) => 'event' in m).map((m) => ('event' in m && m.event === 'run.progress' ? (m.payload as { done: number }).done : m.event))
    expect(seen).toEqual([1, 100, 'run.status'])
  })

  it('stops sending events once the server is closed', async () => {
    const { api, events } = recordingApi()
    const { web, port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    const closed = new Promise((resolve) => client.ws.once('close', resolve))
    await web.close()
    await closed
    events.emit('run.status', { id: 7, status: 'running', error: null }) // must not throw
  })

  it('answers only on /api', async () => {
    const { api } = recordingApi()
    const { port } = await serve(api)
    expect(await refusedStatus(`ws://127.0.0.1:${port}/other`)).toBe(404)
  })

  it('requires the token beyond loopback (401 without), from the query or the cookie', async () => {
    const { api } = recordingApi()
    const { web, port } = await serve(api, '0.0.0.0')
    expect(web.token).toBeTruthy()
    expect(await refusedStatus(`ws://127.0.0.1:${port}/api`)).toBe(401)
    expect(await refusedStatus(`ws://127.0.0.1:${port}/api?token=wrong`)).toBe(401)
    const byQuery = connect(`ws://127.0.0.1:${port}/api?token=${web.token}`)
    await byQuery.opened
    const byCookie = connect(`ws://127.0.0.1:${port}/api`, { headers: { cookie: `snn_token=${web.token}` } })
    await byCookie.opened
    byCookie.ws.send(JSON.stringify({ id: 1, method: 'runs.list', args: {} }))
    expect(await byCookie.reply(1)).toMatchObject({ ok: true })
  })

  it('refuses pages from another origin, and loopback servers reached under another host name', async () => {
    const { api } = recordingApi()
    const { port } = await serve(api)
    const url = `ws://127.0.0.1:${port}/api`
    expect(await refusedStatus(url, { origin: 'http://evil.example' })).toBe(403)
    expect(await refusedStatus(url, { origin: `http://localhost:${port}` })).toBe(403)
    expect(await refusedStatus(url, { origin: 'null' })).toBe(403)
    // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1.
    expect(await refusedStatus(url, { origin: `http://evil.example:${port}`, headers: { host: `evil.example:${port}` } })).toBe(403)
    const samePage = connect(url, { origin: `http://127.0.0.1:${port}` })
    await samePage.opened
  })

  it('closes the connection on a message over the size limit', async () => {
    const { api } = recordingApi()
    const { port } = await serve(api)
    const client = connect(`ws://127.0.0.1:${port}/api`)
    await client.opened
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)))
    client.ws.send(JSON.stringify({ id: 1, method: 'runs.note', args: { id: 1, text: 'x'.repeat(MAX_MESSAGE_BYTES + 1) } }))
    expect(await closed).toBe(1009)
  })
})
