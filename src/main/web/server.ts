/**
 * The browser host for `snn-workbench serve`: serves the built renderer over HTTP and, given the
 * workbench API, the WebSocket bridge to it at /api. Binds 127.0.0.1 by default; on any other
 * address a random token is required (in the URL once, then a same-site cookie), because the
 * workbench reads and writes files on this machine.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { WorkbenchApi } from '../services/api'
import { cookieToken, isLoopback, sameToken } from './access'
import { attachApiBridge } from './bridge'

export { isLoopback } from './access'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2'
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY'
}

export interface WebServerOptions {
  /** Folder with the built renderer (index.html and assets/). */
  root: string
  host: string
  port: number
  /** The workbench API, served over WebSocket at /api; without it only the files are served. */
  api?: WorkbenchApi
}

export interface RunningWebServer {
  server: Server
  url: string
  token: string | null
  close(): Promise<void>
}

export function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const root = resolve(options.root)
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root}: no built renderer (index.html) found`)
  const token = isLoopback(options.host) ? null : randomBytes(18).toString('base64url')

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (token) {
      const fromQuery = url.searchParams.get('token') ?? undefined
      if (sameToken(fromQuery, token)) {
        res.setHeader('Set-Cookie', `snn_token=${token}; HttpOnly; SameSite=Strict; Path=/`)
      } else if (!sameToken(cookieToken(req), token)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('403: open the URL with the token that `snn-workbench serve` printed\n')
        return
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    // Resolve inside root only; unknown paths fall back to the app (client-side routes).
    let path = normalize(join(root, decodeURIComponent(url.pathname)))
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(400).end()
      return
    }
    if (!existsSync(path) || statSync(path).isDirectory()) path = join(root, 'index.html')
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Cache-Control': path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable'
    })
    if (req.method === 'HEAD') res.end()
    else createReadStream(path).pipe(res)
  }

  const server = createServer(handle)
  const bridge = options.api ? attachApiBridge(server, options.api, { token }) : null
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error) => {
      bridge?.close()
      reject(error)
    })
    server.listen(options.port, options.host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : options.port
      const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
      const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`
      resolvePromise({
        server,
        url,
        token,
        close: () => {
          bridge?.close() // open sockets would keep server.close() waiting
          return new Promise<void>((done) => server.close(() => done()))
        }
      })
    })
  })
}
