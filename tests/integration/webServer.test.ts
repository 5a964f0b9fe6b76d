import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isLoopback, startWebServer } from '../../src/main/web/server'

const root = mkdtempSync(join(tmpdir(), 'snn-web-'))
mkdirSync(join(root, 'assets'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
writeFileSync(join(tmpdir(), 'snn-web-secret.txt'), 'secret')
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('serve: the browser host', () => {
  it('serves the app and its assets on loopback without a token, with security headers', async () => {
    const web = await startWebServer({ root, host: '127.0.0.1', port: 0 })
    try {
      expect(web.token).toBeNull()
      const page = await fetch(web.url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>app</title>')
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
      const asset = await fetch(new URL('assets/app.js', web.url))
      expect(asset.headers.get('content-type')).toMatch(/javascript/)
      // Client-side routes fall back to the app.
      expect(await (await fetch(new URL('runs/42', web.url))).text()).toContain('<title>app</title>')
      expect((await fetch(new URL('assets/app.js', web.url), { method: 'POST' })).status).toBe(405)
    } finally {
      await web.close()
    }
  })

  it('never serves files outside the app folder', async () => {
    const web = await startWebServer({ root, host: '127.0.0.1', port: 0 })
    try {
      const res = await fetch(new URL('/..%2fsnn-web-secret.txt', web.url))
      expect(await res.text()).not.toContain('secret')
    } finally {
      await web.close()
    }
  })

  it('requires the printed token when listening beyond loopback, then remembers it in a cookie', async () => {
    const web = await startWebServer({ root, host: '0.0.0.0', port: 0 })
    try {
      expect(web.token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
      const port = new URL(web.url).port
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(403)
      expect((await fetch(`http://127.0.0.1:${port}/?token=wrong`)).status).toBe(403)
      const ok = await fetch(`http://127.0.0.1:${port}/?token=${web.token}`)
      expect(ok.status).toBe(200)
      const cookie = ok.headers.get('set-cookie')!.split(';')[0]
      expect((await fetch(`http://127.0.0.1:${port}/assets/app.js`, { headers: { cookie } })).status).toBe(200)
    } finally {
      await web.close()
    }
  })

  it('knows which hosts are loopback', () => {
    expect(['127.0.0.1', 'localhost', '::1', '127.1.2.3'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '192.168.1.2', '::'].some(isLoopback)).toBe(false)
  })
})
