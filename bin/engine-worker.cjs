#!/usr/bin/env node
// An engine process through tsx, no build step needed, like the CLI. src/main/engineHost/
// nodeProcess.ts forks the prebuilt worker bundle (workerBundle.ts) instead when it can be
// built; Electron forks the built out/main/engineWorker.js.
// Ignore the terminal's Ctrl+C from the very start: the host stops this process (workerEntry.ts).
process.on('SIGINT', () => {})
require('tsx/cjs/api').register()
require('../src/engine/host/workerEntry.ts')
