/**
 * Ctrl+C on the real CLI. A terminal sends SIGINT to the whole foreground process group, so each
 * case starts the CLI in a group of its own (detached) and signals the group, engine processes
 * included. The first Ctrl+C stops the work so it can be resumed (a run cancelled, a sweep
 * paused), prints how to continue and exits 130; a second one exits at once. Either way no
 * engine process is left, nor when the CLI is killed outright.
 */
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/db'
import { CLI_PATH } from '../helpers/cli'

const root = mkdtempSync(join(tmpdir(), 'snn-cli-interrupt-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const db = join(root, 'wb.db')

/** 4000 images (seed-2017, digits 0–1): seconds of training, long enough to interrupt. */
const LONG = { steps: 100, epochs: 5, snapshotEvery: 100, network: { layers: [{ neurons: 3 }] }, data: { classes: [0, 1], trainPerClass: 400, testPerClass: 5 } }

interface Cli {
  pid: number
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startCli(args: string[]): Cli {
  const env = { ...process.env }
  delete env.SNN_DEBUG
  // detached: its own process group, as a shell gives a foreground job.
  const child = spawn(process.execPath, [CLI_PATH, ...args, '--db', db], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return { pid: child.pid!, output: () => output, exited }
}

/** Ctrl+C as a terminal sends it: to every process of the group. */
const ctrlC = (cli: Cli) => process.kill(-cli.pid, 'SIGINT')

/** Live processes in the group (the CLI and the engines it forked), from ps; zombies (exited, not yet reaped) do not count. */
function groupMembers(pgid: number): number[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' }).trim().split('\n')
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid))
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function withStore<T>(read: (store: RunStore) => T): T {
  const store = new RunStore(db)
  try {
    return read(store)
  } finally {
    store.close()
  }
}

const runsByStatus = () => withStore((s) => s.runs.list({ params: [], columns: [], sort: 'created', descending: false, offset: 0, limit: 100 }).rows)
/** Training under way in an engine process the CLI forked: an engine to be signalled with it. */
const trainingInEngine = (cli: Cli) => groupMembers(cli.pid).length > 1 && runsByStatus().some((r) => r.status === 'running' && r.done > 0)

/** Stop at the first Ctrl+C, check the exit and that the group is empty. */
async function interrupt(cli: Cli, times = 1): Promise<void> {
  const engines = groupMembers(cli.pid).filter((pid) => pid !== cli.pid)
  for (let i = 0; i < times; i++) {
    ctrlC(cli)
    // Apart enough not to merge into one signal, close enough to land while the first is handled.
    if (i + 1 < times) await new Promise((r) => setTimeout(r, 20))
  }
  expect(await cli.exited, cli.output()).toEqual({ code: 130, signal: null })
  // Engines end with the CLI (told to, or when their IPC channel closes): no orphans.
  await waitUntil(() => groupMembers(cli.pid).length === 0, `engine processes ${engines.join(', ')} to end`, 5000)
}

describe('Ctrl+C on the CLI', () => {
  it('train: cancels the run (resumable), says how to resume, exits 130; resume: the same through its engine process', async () => {
    const config = join(root, 'long.json')
    writeFileSync(config, JSON.stringify(LONG))
    const train = startCli(['train', '--config', config, '--out', join(root, 'out')])
    await waitUntil(() => runsByStatus().some((r) => r.done > 0), 'training to start')
    await interrupt(train)
    const [run] = runsByStatus()
    expect(run).toMatchObject({ status: 'cancelled' })
    expect(run.done).toBeLessThan(4000)
    expect(train.output()).toContain(`continue it with: snn-workbench resume ${run.id}`)

    const resume = startCli(['resume', String(run.id)])
    await waitUntil(() => trainingInEngine(resume), 'the resumed run to train in an engine process')
    await interrupt(resume)
    const [again] = runsByStatus()
    expect(again).toMatchObject({ id: run.id, status: 'cancelled' })
    expect(again.done).toBeGreaterThan(run.done)
    expect(resume.output()).toContain(`continue it with: snn-workbench resume ${run.id}`)
  }, 120_000)

  it('sweep start: pauses the sweep (trials stopped, resumable), exits 130; a second Ctrl+C quits at once, leaving no engine', async () => {
    const sweepFile = join(root, 'sweep.json')
    writeFileSync(sweepFile, JSON.stringify({ name: 'interrupted', base: LONG, space: { 'learning.rate': { range: [0.01, 0.05] } }, budget: 4, seed: 1 }))
    const before = runsByStatus().length
    const start = startCli(['sweep', 'start', '--config', sweepFile, '--workers', '2'])
    await waitUntil(() => trainingInEngine(start), 'a trial to train in an engine process')
    await interrupt(start)
    const sweep = withStore((s) => s.sweeps.list()).find((s) => s.name === 'interrupted')!
    expect(sweep.status).toBe('paused')
    const trials = runsByStatus().slice(before)
    expect(trials.length).toBeGreaterThan(0)
    // Cancelled by the pause, not failed: their engines did not die of the terminal's SIGINT.
    expect(trials.filter((r) => r.status !== 'cancelled' && r.status !== 'completed')).toEqual([])
    expect(start.output()).toContain(`continue it with: snn-workbench sweep resume ${sweep.id}`)

    const resume = startCli(['sweep', 'resume', String(sweep.id)])
    await waitUntil(() => trainingInEngine(resume), 'a trial to train again')
    await interrupt(resume, 2)
    // Quit before it could pause, or paused: either way `sweep resume` continues it.
    expect(['running', 'paused']).toContain(withStore((s) => s.sweeps.get(sweep.id))?.status)

    // Killed outright (no handler runs): the engines see their IPC channel close and exit.
    const killed = startCli(['sweep', 'resume', String(sweep.id)])
    await waitUntil(() => trainingInEngine(killed), 'a trial to train once more')
    process.kill(killed.pid, 'SIGKILL')
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' })
    await waitUntil(() => groupMembers(killed.pid).length === 0, 'the engines of a killed CLI to end', 5000)
  }, 120_000)
})
