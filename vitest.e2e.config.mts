import { defineConfig } from 'vitest/config'

// End-to-end tests: a real `snn-workbench serve` child process driven by Debian's Chromium
// through playwright-core. One file at a time, one worker, generous timeouts (a run trains).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 180_000
  }
})
