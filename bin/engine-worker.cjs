#!/usr/bin/env node
// An engine process for one run, forked by src/main/engineHost/nodeProcess.ts. Like the CLI,
// the TypeScript sources run through tsx so no build step is needed. (Electron forks the built
// out/main/engineWorker.js instead.)
require('tsx/cjs/api').register()
require('../src/engine/host/workerEntry.ts')
