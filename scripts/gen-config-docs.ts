/**
 * Writes docs/config.md from the config schema (the markdown comes from src/shared/configDocs.ts).
 *   npx tsx scripts/gen-config-docs.ts           regenerate the file
 *   npx tsx scripts/gen-config-docs.ts --check   exit 1 if the file is missing or out of date
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateConfigDocs } from '../src/shared/configDocs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const TARGET = path.join(ROOT, 'docs', 'config.md')
const RELATIVE = path.relative(process.cwd(), TARGET) || TARGET

const wanted = generateConfigDocs()

if (process.argv.includes('--check')) {
  const current = existsSync(TARGET) ? readFileSync(TARGET, 'utf8').replace(/\r\n/g, '\n') : null
  if (current !== wanted) {
    console.error(`${RELATIVE} is ${current === null ? 'missing' : 'out of date'}: run npx tsx scripts/gen-config-docs.ts`)
    process.exit(1)
  }
  console.log(`${RELATIVE} is up to date`)
} else {
  mkdirSync(path.dirname(TARGET), { recursive: true })
  writeFileSync(TARGET, wanted)
  console.log(`wrote ${RELATIVE}`)
}
