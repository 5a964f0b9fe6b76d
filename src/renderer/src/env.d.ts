/// <reference types="vite/client" />

/** What src/preload/index.ts exposes. Absent when the renderer runs in a plain browser. */
interface SnnWorkbenchShellInfo {
  platform: string
  versions: { electron: string; chrome: string; node: string }
}

/** The API bridge of src/preload/index.ts; only src/renderer/src/api/client.ts uses it. */
interface SnnApiBridge {
  invoke(
    method: string,
    args: unknown
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: { code: import('@shared/api').ApiErrorCode; message: string } }>
  on(event: string, listener: (payload: unknown) => void): () => void
}

interface Window {
  snnWorkbench?: SnnWorkbenchShellInfo
  snnApi?: SnnApiBridge
}
