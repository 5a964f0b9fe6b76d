import type { IpcMainInvokeEvent } from 'electron'
import { describe, expect, it } from 'vitest'
import { API_CHANNEL, EVENT_CHANNEL, registerApiIpc, type EventWindow } from '../../src/main/ipc/registerApi'
import { EventHub, type ApiHandlers, type WorkbenchApi } from '../../src/main/services/api'

// The IPC side of the API, with stand-ins for ipcMain and the windows (no Electron needed).

const APP_URL = 'file:///app/out/renderer/index.html'

function setup() {
  const calls: unknown[] = []
  const events = new EventHub()
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, method: string) => async (args: unknown) => {
      calls.push({ method, args })
      if (method === 'runs.cancel') throw new Error('engine exploded')
      return { deleted: 2 }
    }
  })
  const api: WorkbenchApi = { handlers, events }
  let handler: ((event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) | null = null
  const ipcMain = {
    handle: (channel: string, listener: typeof handler) => {
      expect(channel).toBe(API_CHANNEL)
      handler = listener
    },
    removeHandler: () => {
      handler = null
    }
  }
  const sent: unknown[][] = []
  const window = (destroyed = false): EventWindow => ({
    isDestroyed: () => destroyed,
    webContents: { isDestroyed: () => destroyed, send: (...args: unknown[]) => void sent.push(args) }
  })
  const windows = [window(), window(true)]
  const dispose = registerApiIpc(api, ipcMain as never, () => windows, { isAppUrl: (url) => url.split('#')[0] === APP_URL })
  const invoke = (url: string | null, method: unknown, args: unknown) =>
    handler!({ senderFrame: url === null ? null : { url } } as unknown as IpcMainInvokeEvent, method, args)
  return { calls, events, sent, invoke, dispose, handler: () => handler }
}

describe('the API over Electron IPC', () => {
  it('dispatches a call from the app and replies with an envelope', async () => {
    const { calls, invoke } = setup()
    expect(await invoke(`${APP_URL}#/runs/3`, 'runs.delete', { ids: [1, 2] })).toEqual({ ok: true, result: { deleted: 2 } })
    expect(calls).toEqual([{ method: 'runs.delete', args: { ids: [1, 2] } }])
  })

  it('returns errors as envelopes instead of throwing, and validates before the handler', async () => {
    const { calls, invoke } = setup()
    expect(await invoke(APP_URL, 'runs.delete', { ids: [] })).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/^runs\.delete: ids: /) } })
    expect(await invoke(APP_URL, 'runs.nope', {})).toEqual({ ok: false, error: { code: 'invalid-argument', message: 'unknown method "runs.nope"' } })
    const quiet = console.error
    console.error = () => undefined
    try {
      expect(await invoke(APP_URL, 'runs.cancel', { id: 1 })).toEqual({ ok: false, error: { code: 'internal', message: 'internal error: engine exploded' } })
    } finally {
      console.error = quiet
    }
    expect(calls).toEqual([{ method: 'runs.cancel', args: { id: 1 } }])
  })

  it('answers only frames showing the app', async () => {
    const { calls, invoke } = setup()
    for (const url of ['https://example.org/', 'file:///tmp/other.html', null]) {
      expect(await invoke(url, 'runs.delete', { ids: [1] })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
    }
    expect(calls).toEqual([])
  })

  it('sends every event to every live window, until disposed', () => {
    const { events, sent, dispose, handler } = setup()
    events.emit('run.status', { id: 4, status: 'running', error: null })
    expect(sent).toEqual([[EVENT_CHANNEL, 'run.status', { id: 4, status: 'running', error: null }]])
    dispose()
    events.emit('run.snapshot', { id: 4, step: 1 })
    expect(sent).toHaveLength(1)
    expect(handler()).toBeNull()
  })
})
