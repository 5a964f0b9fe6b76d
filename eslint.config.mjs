// ESLint flat config. Besides the usual recommended sets, it enforces the import layering from
// docs/ARCHITECTURE.md / STYLE.md with a small local rule, `local/layering`: every import
// (static, dynamic, require, `import type`, re-export) is resolved to the src/ folder it lands in
// and checked against the table below. Relative paths are resolved, so `../../main/db` is caught
// as surely as `@shared/x` is allowed.
import { builtinModules } from 'node:module'
import path from 'node:path'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'

const ROOT = import.meta.dirname
const ALIASES = { '@shared': 'src/shared' }
const NODE_BUILTINS = new Set(builtinModules)

/**
 * What each src/ folder may import. `only`: the src/ folders it may reach (anything else in src/
 * is forbidden); `deny`: src/ folders it must not reach; `nodeBuiltins`: whether fs, path,
 * node:* … are allowed; `packages`: npm packages it must not import. Files outside src/
 * (resources, package.json) are not layered.
 */
const LAYERS = {
  'engine/host': {
    deny: ['main', 'renderer', 'preload', 'cli'],
    nodeBuiltins: true,
    packages: ['electron', 'better-sqlite3'],
    why: 'the engine host may use Node, but knows nothing of Electron, the database or the app'
  },
  engine: {
    // Not host/ either: that would bring Node in through the back door.
    deny: ['engine/host', 'main', 'renderer', 'preload', 'cli'],
    nodeBuiltins: false,
    packages: ['electron', 'better-sqlite3'],
    why: 'the engine is pure TS + typed arrays; only src/engine/host may touch Node'
  },
  shared: {
    only: ['shared'],
    nodeBuiltins: false,
    packages: ['electron', 'better-sqlite3'],
    why: 'src/shared is pure TS and imports nothing else from src'
  },
  renderer: {
    only: ['renderer', 'shared'],
    nodeBuiltins: false,
    packages: ['electron', 'better-sqlite3'],
    why: 'the renderer talks to the rest only through src/shared types and its api/ bridge'
  },
  preload: {
    only: ['preload', 'shared'],
    nodeBuiltins: false,
    packages: ['better-sqlite3'],
    why: 'the sandboxed preload only exposes the typed API from src/shared'
  },
  main: {
    deny: ['renderer'],
    nodeBuiltins: true,
    packages: [],
    why: 'the main process talks to the renderer over IPC, never by import'
  },
  cli: {
    deny: ['renderer'],
    nodeBuiltins: true,
    packages: ['electron'],
    why: 'the CLI runs headless under plain Node'
  }
}

const toPosix = (p) => p.split(path.sep).join('/')

/** Layer of a path in src/ ('engine/host', 'engine', 'main', …), or null outside src/. */
function layerOf(absPath) {
  const rel = toPosix(path.relative(ROOT, absPath))
  if (rel === 'src/engine/host' || rel.startsWith('src/engine/host/')) return 'engine/host'
  const m = /^src\/([^/]+)\//.exec(rel + '/')
  return m ? m[1] : null
}

/** Layer an import resolves into, or null (a package, or outside src/). */
function targetLayer(source, fromFile) {
  const bare = source.split('?')[0]
  let abs = null
  for (const [alias, dir] of Object.entries(ALIASES)) {
    if (bare === alias || bare.startsWith(alias + '/')) abs = path.join(ROOT, dir, bare.slice(alias.length))
  }
  if (!abs && (bare.startsWith('.') || path.isAbsolute(bare))) abs = path.resolve(path.dirname(fromFile), bare)
  return abs ? layerOf(abs) : null
}

function packageName(source) {
  if (source.startsWith('.') || path.isAbsolute(source)) return null
  const parts = source.split('/')
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

const isBuiltin = (source) => source.startsWith('node:') || NODE_BUILTINS.has(source.split('/')[0])

const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the src/ import layering (engine, shared, renderer, main, cli)' },
    schema: [],
    messages: {
      builtin: "src/{{layer}} must not import the Node built-in '{{source}}': {{why}}.",
      pkg: "src/{{layer}} must not import '{{source}}': {{why}}.",
      folder: "src/{{layer}} must not import from src/{{target}} ('{{source}}'): {{why}}."
    }
  },
  create(context) {
    const layer = layerOf(context.filename)
    if (!layer || !LAYERS[layer]) return {}
    const rules = LAYERS[layer]

    function check(node, source) {
      if (typeof source !== 'string') return
      const data = { layer, source, why: rules.why }
      const alias = Object.keys(ALIASES).some((a) => source === a || source.startsWith(a + '/'))
      if (!alias && isBuiltin(source)) {
        if (!rules.nodeBuiltins) context.report({ node, messageId: 'builtin', data })
        return
      }
      const pkg = alias ? null : packageName(source)
      if (pkg) {
        if (rules.packages.includes(pkg)) context.report({ node, messageId: 'pkg', data })
        return
      }
      const target = targetLayer(source, context.filename)
      if (!target || target === layer) return
      const denied = rules.only ? !rules.only.includes(target) : rules.deny.includes(target)
      if (denied) context.report({ node, messageId: 'folder', data: { ...data, target } })
    }
    const fromSource = (node) => node.source && check(node.source, node.source.value)

    return {
      ImportDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression(node) {
        const [arg] = node.arguments
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && arg?.type === 'Literal') {
          check(arg, arg.value)
        }
      },
      TSImportEqualsDeclaration(node) {
        const ref = node.moduleReference
        if (ref.type === 'TSExternalModuleReference' && ref.expression.type === 'Literal') {
          check(ref.expression, ref.expression.value)
        }
      },
      TSImportType(node) {
        const lit = node.argument?.type === 'TSLiteralType' ? node.argument.literal : null
        if (lit?.type === 'Literal') check(lit, lit.value)
      }
    }
  }
}

export default [
  {
    ignores: ['out/', 'dist/', 'node_modules/', 'tests/fixtures/', 'coverage/', 'test-results/']
  },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } }
  },
  {
    // Plain CommonJS launchers (bin/) load tsx with require by design.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['src/**/*.{ts,tsx,mts,cts,js,mjs,cjs,vue}'],
    plugins: { local: { rules: { layering: layeringRule } } },
    rules: { 'local/layering': 'error' }
  }
]
