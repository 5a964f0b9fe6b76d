#!/usr/bin/env node
// The headless CLI. TypeScript sources run through tsx so the CLI needs no build step.
require('tsx/cjs/api').register()
const { main } = require('../src/cli/index.ts')
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
