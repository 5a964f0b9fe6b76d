/**
 * Who may use the browser host: the token check shared by the static server and the API bridge,
 * and the host/origin checks that keep other web pages (including DNS-rebinding ones) away from
 * the API.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

export function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function cookieToken(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)snn_token=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1]
}

/** The token given with the request: `?token=` in the URL, else the `snn_token` cookie. */
export function hasToken(req: IncomingMessage, token: string): boolean {
  const fromQuery = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token')
  return sameToken(fromQuery, token) || sameToken(cookieToken(req), token)
}

/** Host name of a Host header value ("127.0.0.1:5174", "[::1]:80", "example.org"), lower-cased. */
function hostName(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return ''
  }
}

/**
 * Why a WebSocket upgrade must be refused, or null if it may proceed:
 * - a page's Origin must be the same host as the one it connects to (no cross-site pages);
 * - without a token (loopback only), the Host must be a loopback name, so a page on a rebound
 *   DNS name that points at 127.0.0.1 cannot pass the Origin check by matching itself.
 * Requests without an Origin come from programs, not pages, and are checked by token only.
 */
export function upgradeRefusal(req: IncomingMessage, token: string | null): { status: 401 | 403; message: string } | null {
  const host = req.headers.host ?? ''
  if (!token && !isLoopback(hostName(host))) return { status: 403, message: 'this server only answers on a loopback address' }
  const origin = req.headers.origin
  if (origin !== undefined) {
    let originHost: string | null = null
    try {
      const url = new URL(origin)
      if (url.protocol === 'http:' || url.protocol === 'https:') originHost = url.host
    } catch {
      originHost = null
    }
    if (originHost === null || originHost.toLowerCase() !== host.toLowerCase()) {
      return { status: 403, message: 'cross-origin connections are not allowed' }
    }
  }
  if (token && !hasToken(req, token)) {
    return { status: 401, message: 'open the URL with the token that `snn-workbench serve` printed' }
  }
  return null
}
