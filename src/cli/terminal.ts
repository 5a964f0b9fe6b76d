/** Terminal output: a progress bar on stderr (only on a TTY) and compact result tables. */
import type { EvaluationResult } from '../engine/evaluation'

export class ProgressBar {
  private readonly started = Date.now()
  private lastDraw = 0
  private readonly enabled: boolean

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr
  ) {
    this.enabled = Boolean(stream.isTTY)
  }

  /** Redraw with `done` of `total`: at most every 100 ms, and always the last state (done = total). */
  update(done: number, total: number): void {
    if (!this.enabled) return
    const now = Date.now()
    if (done < total && now - this.lastDraw < 100) return
    this.lastDraw = now
    const elapsed = (now - this.started) / 1000
    const rate = elapsed > 0 ? done / elapsed : 0
    const left = rate > 0 ? (total - done) / rate : 0
    const width = 28
    const filled = total > 0 ? Math.round((width * done) / total) : 0
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
    this.stream.write(`\r${this.label} ${bar} ${done}/${total}  ${rate.toFixed(0)} img/s  ${formatSeconds(left)} left `)
  }

  finish(): void {
    // Only a drawn bar needs its line ended.
    if (this.enabled && this.lastDraw > 0) this.stream.write('\n')
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--'
  if (s < 60) return `${s.toFixed(0)}s`
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
}

/** Per-neuron table: label, selectivity, class-response bars. */
export function formatEvaluation(evaluation: EvaluationResult, classLabels: number[]): string {
  const lines: string[] = []
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`
  lines.push(`accuracy ${pct(evaluation.accuracy)} on ${evaluation.testSamples} test images (training images: ${pct(evaluation.trainAccuracy)})`)
  lines.push('')
  lines.push(`neuron  label  selectivity  spikes per class (${classLabels.join(' ')})`)
  evaluation.responses.forEach((responses, j) => {
    const label = evaluation.neuronLabels[j] < 0 ? '-' : String(classLabels[evaluation.neuronLabels[j]])
    const max = Math.max(1, ...responses)
    const bars = responses.map((r) => '▏▎▍▌▋▊▉█'[Math.min(7, Math.floor((7.99 * r) / max))] ?? ' ').join('')
    const noise = evaluation.noise[j] ? '  noise: answers every class alike' : ''
    lines.push(
      `${String(j).padStart(6)}  ${label.padStart(5)}  ${pct(evaluation.selectivity[j]).padStart(11)}  ${bars}  ${responses.map((r) => String(r)).join(' ')}${noise}`
    )
  })
  lines.push('')
  lines.push('confusion (rows: true class, columns: predicted, last: no spike)')
  evaluation.confusion.forEach((row, c) => lines.push(`${String(classLabels[c]).padStart(6)}  ${row.map((v) => String(v).padStart(4)).join('')}`))
  return lines.join('\n')
}
