/**
 * Where the workbench keeps its data when not told otherwise: the folder Electron's
 * `app.getPath('userData')` gives an app named "SNN Workbench", computed without Electron so
 * the CLI finds the same database as the app.
 */
import { homedir } from 'node:os'
import path from 'node:path'

export const PRODUCT_NAME = 'SNN Workbench'
export const DATABASE_FILE = 'workbench.db'

/** Path rules of `platform` (the parameters exist so tests can ask about other platforms). */
const pathsOf = (platform: NodeJS.Platform) => (platform === 'win32' ? path.win32 : path.posix)

/**
 * `SNN_WORKBENCH_HOME` when set; else Linux `$XDG_CONFIG_HOME/SNN Workbench` (default
 * `~/.config`), macOS `~/Library/Application Support/SNN Workbench`, Windows
 * `%APPDATA%\SNN Workbench` (default `~\AppData\Roaming`).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir()
): string {
  const { join } = pathsOf(platform)
  if (env.SNN_WORKBENCH_HOME) return path.resolve(env.SNN_WORKBENCH_HOME)
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), PRODUCT_NAME)
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME)
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME)
}

/** `<defaultDataDir()>/workbench.db`. */
export function defaultDatabasePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir()
): string {
  return pathsOf(platform).join(defaultDataDir(env, platform, home), DATABASE_FILE)
}
