import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { ApiEvent, ApiMethod } from '../shared/api'

// No logic here: the API's one invoke channel and its event channel, exposed as window.snnApi,
// with method and event names checked against the contract. src/main/ipc/registerApi.ts is the
// other end; src/renderer/src/api/client.ts the only user.
//
// The names are listed rather than read from API_ARGS: that would bring zod into the preload,
// and a sandboxed preload cannot require packages. `satisfies` makes the compiler insist that
// each list holds exactly the contract's names.
const METHODS = new Set<string>(
  Object.keys({
    'runs.create': true,
    'runs.list': true,
    'runs.filterOptions': true,
    'runs.paramValues': true,
    'runs.get': true,
    'runs.cancel': true,
    'runs.resume': true,
    'runs.delete': true,
    'runs.tag': true,
    'runs.note': true,
    'runs.metrics': true,
    'runs.snapshots': true,
    'runs.weights': true,
    'runs.compare': true,
    'experiments.list': true,
    'config.defaults': true,
    'sweeps.create': true,
    'sweeps.list': true,
    'sweeps.get': true,
    'sweeps.pause': true,
    'sweeps.resume': true,
    'sweeps.cancel': true,
    'sweeps.extend': true,
    'sweeps.delete': true,
    'sweeps.importance': true,
    'export.preview': true,
    'export.cancel': true,
    'export.write': true,
    'runs.import': true
  } satisfies Record<ApiMethod, true>)
)
const EVENTS = new Set<string>(
  Object.keys({ 'run.status': true, 'run.progress': true, 'run.snapshot': true, 'sweep.updated': true, 'export.progress': true } satisfies Record<ApiEvent, true>)
)

contextBridge.exposeInMainWorld('snnApi', {
  invoke(method: string, args: unknown) {
    if (!METHODS.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'invalid-argument', message: `unknown method ${JSON.stringify(method)}` } })
    }
    return ipcRenderer.invoke('snn:api', method, args)
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!EVENTS.has(event)) throw new Error(`unknown event ${JSON.stringify(event)}`)
    const forward = (_event: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload)
    }
    ipcRenderer.on('snn:event', forward)
    return () => {
      ipcRenderer.removeListener('snn:event', forward)
    }
  }
})

contextBridge.exposeInMainWorld('snnWorkbench', {
  platform: process.platform,
  versions: {
    electron: process.versions.electron,
    chrome: process.versions.chrome,
    node: process.versions.node
  }
})
