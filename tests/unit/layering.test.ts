import path from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// Proves the import-layering rule (`local/layering` in eslint.config.mjs) fires for forbidden
// imports and stays quiet for allowed ones. Files need not exist: lintText only uses the path
// to pick the config and to resolve relative imports.

const ROOT = path.resolve(__dirname, '../..')
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT, overrideConfigFile: path.join(ROOT, 'eslint.config.mjs') })
})

/** Layering messages for `code` linted as if it lived at `file` (relative to the repo root). */
async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) })
  const fatal = result.messages.filter((m) => m.fatal)
  expect(fatal, 'the snippet must parse').toEqual([])
  return result.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message)
}

type Case = [file: string, code: string]

const forbidden: Record<string, Case[]> = {
  'engine (outside host/)': [
    ['src/engine/network/x.ts', "import fs from 'node:fs'"],
    ['src/engine/network/x.ts', "import { readFileSync } from 'fs'"],
    ['src/engine/network/x.ts', "import { Worker } from 'worker_threads'"],
    ['src/engine/datasets/x.ts', "export const load = () => import('node:zlib')"],
    ['src/engine/network/x.ts', "import { app } from 'electron'"],
    ['src/engine/network/x.ts', "import type { BrowserWindow } from 'electron'"],
    ['src/engine/network/x.ts', "import Database from 'better-sqlite3'"],
    ['src/engine/network/x.ts', "import x from '../../main/db'"],
    ['src/engine/network/x.ts', "export * from '../../main/db/connection'"],
    ['src/engine/x.ts', "import { train } from '../cli/train'"],
    ['src/engine/x.ts', "import '../renderer/src/main'"],
    ['src/engine/x.ts', "import '../preload/index'"],
    ['src/engine/datasets/x.ts', "import { loadDataset } from '../host/datasetFiles'"]
  ],
  'engine/host': [
    ['src/engine/host/worker.ts', "import { app } from 'electron'"],
    ['src/engine/host/worker.ts', "import Database from 'better-sqlite3'"],
    ['src/engine/host/worker.ts', "import { runs } from '../../main/services/runs'"],
    ['src/engine/host/worker.ts', "import { train } from '../../cli/train'"]
  ],
  shared: [
    ['src/shared/api.ts', "import path from 'node:path'"],
    ['src/shared/api.ts', "import { ipcRenderer } from 'electron'"],
    ['src/shared/api.ts', "import { Rng } from '../engine/random'"],
    ['src/shared/api.ts', "import type { Db } from '../main/db'"]
  ],
  renderer: [
    ['src/renderer/src/views/RunsView.ts', "import { Rng } from '../../../engine/random'"],
    ['src/renderer/src/views/RunsView.ts', "import { load } from '../../../engine/host/datasetFiles'"],
    ['src/renderer/src/views/RunsView.ts', "import { ipcRenderer } from 'electron'"],
    ['src/renderer/src/views/RunsView.ts', "import fs from 'node:fs'"],
    ['src/renderer/src/views/RunsView.ts', "import { runs } from '../../../main/services/runs'"],
    ['src/renderer/src/views/RunsView.ts', "import '../../../preload/index'"],
    ['src/renderer/src/views/RunsView.ts', "import { train } from '../../../cli/train'"],
    ['src/renderer/src/App.vue', '<script setup lang="ts">\nimport { Rng } from \'../../engine/random\'\n</script>']
  ],
  main: [['src/main/index.ts', "import App from '../renderer/src/App.vue'"]],
  cli: [
    ['src/cli/train.ts', "import { app } from 'electron'"],
    ['src/cli/train.ts', "import { api } from '../renderer/src/api'"]
  ]
}

const allowed: Record<string, Case[]> = {
  'engine (outside host/)': [
    ['src/engine/network/x.ts', "import { Rng } from '../random'"],
    ['src/engine/network/x.ts', "import type { RunConfig } from '../../shared/config'"],
    ['src/engine/network/x.ts', "import { z } from 'zod'"]
  ],
  'engine/host': [
    ['src/engine/host/worker.ts', "import fs from 'node:fs'"],
    ['src/engine/host/worker.ts', "import { parentPort } from 'worker_threads'"],
    ['src/engine/host/worker.ts', "import { Rng } from '../random'"]
  ],
  shared: [
    ['src/shared/api.ts', "import { z } from 'zod'"],
    ['src/shared/api.ts', "import type { RunConfig } from './config'"]
  ],
  renderer: [
    ['src/renderer/src/views/RunsView.ts', "import type { RunSummary } from '@shared/api'"],
    ['src/renderer/src/views/RunsView.ts', "import { ref } from 'vue'"],
    ['src/renderer/src/views/RunsView.ts', "import RunTable from '../components/RunTable.vue'"],
    ['src/renderer/src/App.vue', '<script setup lang="ts">\nimport type { RunSummary } from \'@shared/api\'\n</script>']
  ],
  main: [
    ['src/main/index.ts', "import { app } from 'electron'"],
    ['src/main/services/runs.ts', "import fs from 'node:fs'"]
  ],
  cli: [['src/cli/train.ts', "import fs from 'node:fs'"]],
  'files outside src/': [['scripts/x.mjs', "import fs from 'node:fs'\nimport 'electron'"]]
}

describe('import layering lint rule', () => {
  for (const [layer, cases] of Object.entries(forbidden)) {
    it.each(cases)(`rejects, in ${layer}: %s  %s`, async (file, code) => {
      const errors = await layeringErrors(file, code)
      expect(errors).toHaveLength(1)
    })
  }

  for (const [layer, cases] of Object.entries(allowed)) {
    it.each(cases)(`accepts, in ${layer}: %s  %s`, async (file, code) => {
      expect(await layeringErrors(file, code)).toEqual([])
    })
  }

  it('says which rule was broken and why', async () => {
    const [message] = await layeringErrors('src/engine/network/x.ts', "import x from '../../main/db'")
    expect(message).toContain("src/engine must not import from src/main ('../../main/db')")
    expect(message).toContain('pure TS')
  })
})
