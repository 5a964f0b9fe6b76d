import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// Three builds, one per Electron process. package.json has no "type": "module", so main is
// emitted as CommonJS (out/main/index.js, and out/main/engineWorker.js for the engine's utility
// processes). The preload is pinned to CommonJS explicitly: sandboxed preloads cannot be ES
// modules, whatever package.json says later.
const sharedAlias = { '@shared': resolve(__dirname, 'src/shared') }

export default defineConfig({
  main: {
    resolve: { alias: sharedAlias },
    build: {
      // index: the app; engineWorker: one training run per Electron utility process (src/main/engineHost/utilityProcess.ts).
      lib: {
        entry: {
          index: resolve(__dirname, 'src/main/index.ts'),
          engineWorker: resolve(__dirname, 'src/engine/host/workerEntry.ts')
        }
      }
    }
  },
  preload: {
    resolve: { alias: sharedAlias },
    build: {
      lib: { entry: resolve(__dirname, 'src/preload/index.ts') },
      rolldownOptions: { output: { format: 'cjs' } }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias: sharedAlias },
    plugins: [vue()],
    // 127.0.0.1 rather than "localhost", to match the CSP's connect-src for the HMR socket.
    server: { host: '127.0.0.1' },
    build: {
      rolldownOptions: { input: resolve(__dirname, 'src/renderer/index.html') }
    }
  }
})
