/**
 * `export`: a run's weights as fixed-point files for FPGAs and chips, with the quantization
 * report and the integer model's accuracy next to the float model's. `import`: weights from a
 * file as a new, evaluated run. Both over the services in src/main/services; bad input is one
 * `error: …` line and exit 2, with nothing written.
 */
import { dirname, resolve } from 'node:path'
import { formatQ, ROUNDINGS, SCALE_MODES, parseQFormat, QuantizeError, type Rounding, type ScaleMode } from '../../engine/export/quantize'
import { EXPORT_LAYOUTS, type ExportLayout } from '../../engine/export/writers'
import { EXPORT_TARGETS, exportWeights, type ExportPreview, type ExportTarget } from '../../main/services/exportService'
import { importWeights } from '../../main/services/importWeights'
import { prepareConfig } from '../../main/services/training'
import { parseOptions, readJsonFile, wholeNumber, withDatabase } from '../common'
import { EXIT_OK, UsageError } from '../errors'
import { formatEvaluation, ProgressBar } from '../terminal'
import { parseRunId } from './runs'

function oneOf<T extends string>(value: string | boolean | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new UsageError(`${flag} ${String(value)}: expected one of ${allowed.join(', ')}`)
  return value as T
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const num = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 0.001 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(2))

export function formatExportReport(preview: ExportPreview): string {
  const q = preview.quantization
  const lsb = preview.scale === 'per-tensor' ? `LSB ${num(2 ** -preview.fracBits)}` : 'LSB per neuron'
  const lines = [
    `run ${preview.runId}, step ${preview.step}, layer ${preview.layer}: ${preview.neurons} neurons × ${preview.inputs} inputs`,
    `${preview.q} (${preview.wordBits}-bit words), rounding ${preview.rounding}, ${preview.scale} scale` +
      (preview.fixedModel === 'integer' ? `, ${preview.accumulatorBits}-bit accumulators` : ''),
    `quantization error  max ${num(q.maxAbsError)}  mean ${num(q.meanAbsError)}  (${lsb})`,
    `saturated           ${q.saturated} of ${q.count} weights (${q.saturatedLow} low, ${q.saturatedHigh} high)`,
    `range used          ${pct(q.rangeUsed)} of the largest word`
  ]
  const c = preview.comparison
  if (c && c.testImages > 0) {
    const who = c.labelSource === 'fixed' ? "the fixed-point model's own" : "the float model's"
    // diehl-cook-2015 has no integer model: its fixed side is the float network with the quantized weights.
    const weightsOnly = preview.fixedModel === 'quantized-weights'
    const fixed = weightsOnly ? `${preview.q} weights` : 'fixed'
    lines.push(
      weightsOnly
        ? `float vs ${preview.q} weights (float neurons, the same input spikes) on ${c.testImages} test images (neurons labelled by ${who} training responses):`
        : `float vs fixed on ${c.testImages} test images (neurons labelled by ${who} training responses):`,
      `  accuracy          float ${pct(c.floatAccuracy)}   ${fixed} ${pct(c.fixedAccuracy)}`,
      `  winner agreement  ${pct(c.winnerAgreement)}`,
      `  same prediction   ${pct(c.predictionAgreement)}`,
      `  same spike counts ${pct(c.identicalCounts)}`
    )
  }
  for (const warning of preview.warnings) lines.push(`warning: ${warning}`)
  return lines.join('\n')
}

export async function exportCommand(argv: string[]): Promise<number> {
  const args = parseOptions(argv, {
    run: { type: 'string' },
    snapshot: { type: 'string' },
    layer: { type: 'string' },
    format: { type: 'string' },
    q: { type: 'string' },
    rounding: { type: 'string' },
    scale: { type: 'string' },
    layout: { type: 'string' },
    'per-neuron': { type: 'boolean' },
    accumulator: { type: 'string' },
    labels: { type: 'string' },
    'no-compare': { type: 'boolean' },
    out: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' }
  })
  const runId = parseRunId(args.run as string | undefined, '--run ID')
  if (args.format === undefined) throw new UsageError(`--format is required (one of ${EXPORT_TARGETS.join(', ')})`)
  const format = oneOf<ExportTarget>(args.format, EXPORT_TARGETS, '--format', 'mem')
  if (typeof args.q !== 'string') throw new UsageError('--q I.F is required, e.g. --q 12.12 (I integer bits with the sign, F fraction bits)')
  let q
  try {
    q = parseQFormat(args.q)
  } catch (error) {
    if (error instanceof QuantizeError) throw new UsageError(`--q ${error.message}`)
    throw error
  }
  const out = args.out as string | undefined
  if (!out) throw new UsageError('--out PATH is required (the file to write)')
  const request = {
    runId,
    step: wholeNumber(args.snapshot, '--snapshot'),
    layer: wholeNumber(args.layer, '--layer'),
    q,
    rounding: oneOf<Rounding>(args.rounding, ROUNDINGS, '--rounding', 'nearest-even'),
    scale: oneOf<ScaleMode>(args.scale, SCALE_MODES, '--scale', 'per-tensor'),
    layout: oneOf<ExportLayout>(args.layout, EXPORT_LAYOUTS, '--layout', 'neuron-major'),
    perNeuronFiles: Boolean(args['per-neuron']),
    accumulatorBits: wholeNumber(args.accumulator, '--accumulator'),
    labels: oneOf(args.labels, ['fixed', 'float'] as const, '--labels', 'fixed'),
    compare: !args['no-compare'],
    format,
    out
  }
  return withDatabase(args.db as string | undefined, true, async (wb) => {
    // The comparison presents every training and test image twice: minutes for a large diehl-cook-2015 run.
    const bar = args.json ? null : new ProgressBar(`run ${runId}: float vs ${formatQ(q)}`)
    const { preview, files } = await exportWeights(wb, request, { onProgress: bar ? (done, total) => bar.update(done, total) : undefined }).finally(() =>
      bar?.finish()
    )
    if (args.json) {
      process.stdout.write(JSON.stringify({ ...preview, files }) + '\n')
    } else {
      console.log(formatExportReport(preview))
      for (const file of files) console.log(`wrote ${file}`)
    }
    return EXIT_OK
  })
}

export async function importCommand(argv: string[]): Promise<number> {
  const args = parseOptions(argv, {
    weights: { type: 'string' },
    config: { type: 'string' },
    experiment: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' }
  })
  const weightsPath = args.weights as string | undefined
  if (!weightsPath) throw new UsageError('--weights FILE is required (.txt, .csv, .npy or .json, neurons × inputs)')
  const configPath = args.config as string | undefined
  if (!configPath) throw new UsageError('--config FILE is required (the experiment the weights belong to)')
  const config = prepareConfig(readJsonFile(resolve(configPath), 'config'), configPath, dirname(resolve(configPath)))
  return withDatabase(args.db as string | undefined, false, async (wb) => {
    const result = await importWeights(wb, { weightsPath: resolve(weightsPath), config, experiment: args.experiment as string | undefined })
    if (args.json) {
      process.stdout.write(JSON.stringify(result) + '\n')
    } else {
      const what = result.source === 'fixed-point export' ? ' (a fixed-point export, converted to real values)' : ''
      console.log(`imported ${weightsPath}${what} as run ${result.runId} (${result.neurons} neurons × ${result.inputs} inputs) in ${wb.store.path}`)
      console.log(formatEvaluation(result.evaluation, result.classLabels))
    }
    return EXIT_OK
  })
}
