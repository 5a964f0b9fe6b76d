import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type MenuItemConstructorOptions } from 'electron'
import icon from '../../resources/icon.png?asset'
import { utilityEngineProcessFactory } from './engineHost/utilityProcess'
import { registerApiIpc } from './ipc/registerApi'
import { existsSync } from 'node:fs'
import { defaultDataDir, defaultDatabasePath } from './paths'
import { createWorkbench, type Workbench } from './services/workbench'

// Thin Electron shell: one window, locked down, over the workbench (database + services), which
// the window reaches only through the typed API on IPC (src/main/ipc/registerApi.ts).

// One data folder for the app, the CLI and serve (src/main/paths.ts mirrors Electron's rule).
app.setPath('userData', defaultDataDir())

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

/** Show a route of the app (hash history) in the focused window. */
function navigate(route: string): void {
  const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  void win?.webContents.executeJavaScript(`location.hash = ${JSON.stringify('#' + route)}`)
}

function buildMenu(): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Run', accelerator: 'CmdOrCtrl+N', click: () => navigate('/new') },
        { label: 'Runs', accelerator: 'CmdOrCtrl+R', click: () => navigate('/') },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' }
      ]
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload', accelerator: 'CmdOrCtrl+Shift+R' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }]
    },
    { role: 'windowMenu' }
  ]
  return Menu.buildFromTemplate(template)
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

  let workbench: Workbench | null = null
  let closingWorkbench: Promise<void> | null = null
  let workbenchClosed = false

  void app.whenReady().then(async () => {
    // Production CSP as a response header. index.html carries the same policy in a <meta> tag,
    // which is what covers file:// loads if Electron does not deliver headers for them.
    if (!devServerUrl) {
      session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
      })
    }

    // ── The workbench: database + services, created once, before the first window loads. ──
    try {
      // The Electron build of better-sqlite3 (scripts/ensure-electron-sqlite.mjs); Node's build
      // stays in place for the CLI. Packaged apps rebuild the module itself and need neither.
      const sqliteBinding = join(app.getAppPath(), 'node_modules', '.snn-electron', process.versions.electron, 'better_sqlite3.node')
      workbench = await createWorkbench({
        databasePath: defaultDatabasePath(),
        engine: utilityEngineProcessFactory,
        recover: true,
        sqliteBinding: existsSync(sqliteBinding) ? sqliteBinding : undefined
      })
    } catch (error) {
      dialog.showErrorBox('SNN Workbench cannot start', (error as Error).message ?? String(error))
      app.exit(1)
      return
    }
    // ── IPC registration: the API on `snn:api`, its events to every window on `snn:event`. ──
    registerApiIpc(workbench, ipcMain, () => BrowserWindow.getAllWindows(), { isAppUrl })

    Menu.setApplicationMenu(buildMenu())
    createWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Quit only once the workbench has stopped its engine processes and closed the database.
  app.on('will-quit', (event) => {
    if (!workbench || workbenchClosed) return
    event.preventDefault()
    closingWorkbench ??= workbench
      .close()
      .catch((error) => console.error(`closing the workbench failed: ${(error as Error).message}`))
      .finally(() => {
        workbenchClosed = true
        app.quit()
      })
  })
}
