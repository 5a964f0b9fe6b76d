/**
 * The API over Electron IPC: one `snn:api` invoke channel that goes through the same validating
 * `dispatch` as the WebSocket bridge, and every API event sent to every window on `snn:event`.
 * Replies are envelopes, never exceptions: Electron would wrap a thrown error in its own text.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { API_EVENTS, type ApiErrorCode } from '../../shared/api'
import { dispatch, toApiError, type WorkbenchApi } from '../services/api'

export const API_CHANNEL = 'snn:api'
export const EVENT_CHANNEL = 'snn:event'

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } }

/** What this module needs of a window. */
export interface EventWindow {
  isDestroyed(): boolean
  webContents: Pick<WebContents, 'send' | 'isDestroyed'>
}

export interface ApiIpcOptions {
  /** Whether a frame at this URL is the app (the built index.html or the dev server). */
  isAppUrl(url: string): boolean
}

/** Register the handler and the event forwarding; returns a function that undoes both. */
export function registerApiIpc(
  api: WorkbenchApi,
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  getWindows: () => EventWindow[],
  options: ApiIpcOptions
): () => void {
  ipcMain.handle(API_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<IpcReply> => {
    const url = event.senderFrame?.url
    if (!url || !options.isAppUrl(url)) {
      return { ok: false, error: { code: 'invalid-argument', message: 'the API answers only the app itself' } }
    }
    try {
      return { ok: true, result: await dispatch(api, method, args) }
    } catch (error) {
      const { code, message } = toApiError(error)
      return { ok: false, error: { code, message } }
    }
  })

  const unsubscribe = API_EVENTS.map((name) =>
    api.events.on(name, (payload) => {
      for (const win of getWindows()) {
        if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(EVENT_CHANNEL, name, payload)
      }
    })
  )

  return () => {
    ipcMain.removeHandler(API_CHANNEL)
    for (const off of unsubscribe) off()
  }
}
