import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CLI runs spawned by tests record into a throwaway data folder, never the user's.
    env: { SNN_WORKBENCH_HOME: mkdtempSync(join(tmpdir(), 'snn-test-home-')) }
  }
})
