import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, session } from 'electron'
import icon from '../../resources/icon.png?asset'

// Thin Electron shell: one window, locked down. The typed API (src/main/services, ipc/) is not
// here yet; see "IPC registration" below for where it plugs in.

const devServerUrl = process.env.ELECTRON_RENDERER_URL
const indexHtml = join(__dirname, '../renderer/index.html')
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:*"

/** Only the app itself may be shown: the dev server's origin, or the built index.html. */
function isAppUrl(url: string): boolean {
  if (devServerUrl) return new URL(url).origin === new URL(devServerUrl).origin
  return url.split('#')[0] === pathToFileURL(indexHtml).href
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    icon,
    title: 'SNN Workbench',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false
    }
  })
  win.once('ready-to-show', () => win.show())
  if (devServerUrl) void win.loadURL(devServerUrl)
  else void win.loadFile(indexHtml)
  return win
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win?.isMinimized()) win.restore()
    win?.focus()
  })

  // Every webContents (present and future): no new windows, no navigation away from the app.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault()
    })
  })

  void app.whenReady().then(() => {
    // Production CSP as a response header. index.html carries the same policy in a <meta> tag,
    // which is what covers file:// loads if Electron does not deliver headers for them.
    if (!devServerUrl) {
      session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
      })
    }

    // IPC registration: the typed API handlers (src/main/services via src/main/ipc) are
    // registered here, before the first window loads. None exist yet.

    createWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
