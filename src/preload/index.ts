import { contextBridge } from 'electron'

// No logic here: the typed API (derived from the contract in src/shared) will be exposed next
// to this once it exists.
contextBridge.exposeInMainWorld('snnWorkbench', {
  platform: process.platform,
  versions: {
    electron: process.versions.electron,
    chrome: process.versions.chrome,
    node: process.versions.node
  }
})
