/// <reference types="vite/client" />

/** What src/preload/index.ts exposes. Absent when the renderer runs in a plain browser. */
interface SnnWorkbenchShellInfo {
  platform: string
  versions: { electron: string; chrome: string; node: string }
}

interface Window {
  snnWorkbench?: SnnWorkbenchShellInfo
}
