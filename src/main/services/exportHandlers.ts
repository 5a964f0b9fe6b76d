/**
 * API handlers for the export/import part of the contract (src/shared/exportApi.ts): the
 * quantization preview (its comparison streams `export.progress` and is cancelled by a newer
 * preview with the same key), files rendered in memory for a download, and weights uploaded as a
 * new run.
 */
import { ApiError, type ApiParsedArgs } from '../../shared/api'
import type { EXPORT_API_ARGS, ExportApiResults, ExportPreviewResult } from '../../shared/exportApi'
import type { EventHub, ApiHandlers } from './api'
import { previewExport, renderExportFiles, type ExportContext, type ExportPreview, type ExportSettings } from './exportService'
import { importWeights, presetImportConfig, type ImportContext } from './importWeights'
import { prepareConfig } from './training'

export type ExportHandlers = Pick<ApiHandlers, keyof typeof EXPORT_API_ARGS>

export interface ExportHandlerContext extends ExportContext, ImportContext {
  events: Pick<EventHub, 'emit'>
  /** Relative dataset paths in an uploaded config resolve against this folder. */
  baseDir?: string
}

type QuantizationArgs = Omit<ApiParsedArgs<'export.write'>, 'format' | 'layout' | 'perNeuronFiles'>

function settingsOf(args: QuantizationArgs): ExportSettings {
  const { runId, step, layer, q, rounding, saturate, scale, accumulatorBits, labels } = args
  return { runId, step, layer, q, rounding, saturate, scale, accumulatorBits, labels }
}

function resultOf(preview: ExportPreview, elapsedMs: number): ExportPreviewResult {
  const { comparison, comparedImages, quantization, ...rest } = preview
  return {
    ...rest,
    quantization: {
      count: quantization.count,
      maxAbsError: quantization.maxAbsError,
      meanAbsError: quantization.meanAbsError,
      saturated: quantization.saturated,
      saturatedLow: quantization.saturatedLow,
      saturatedHigh: quantization.saturatedHigh,
      saturatedByNeuron: quantization.saturatedByNeuron,
      flushedToZero: quantization.flushedToZero,
      rangeUsed: quantization.rangeUsed,
      histogram: quantization.histogram
    },
    comparison:
      comparison && comparedImages && comparison.testImages > 0
        ? {
            labelSource: comparison.labelSource,
            floatAccuracy: comparison.floatAccuracy,
            fixedAccuracy: comparison.fixedAccuracy,
            winnerAgreement: comparison.winnerAgreement,
            predictionAgreement: comparison.predictionAgreement,
            identicalCounts: comparison.identicalCounts,
            images: comparedImages
          }
        : null,
    elapsedMs: Math.round(elapsedMs)
  }
}

export function createExportHandlers(context: ExportHandlerContext): ExportHandlers {
  /** The running comparison of each preview key; a newer one aborts it. */
  const running = new Map<string, AbortController>()

  return {
    'export.preview': async (args) => {
      const started = performance.now()
      const { evaluate, previewKey } = args
      const settings = { ...settingsOf(args), compare: evaluate }
      if (!evaluate || previewKey === undefined) return resultOf(await previewExport(context, settings), performance.now() - started)
      running.get(previewKey)?.abort()
      const controller = new AbortController()
      running.set(previewKey, controller)
      try {
        const preview = await previewExport(context, settings, {
          signal: controller.signal,
          onProgress: (done, total) => context.events.emit('export.progress', { previewKey, runId: args.runId, done, total })
        })
        return resultOf(preview, performance.now() - started)
      } finally {
        if (running.get(previewKey) === controller) running.delete(previewKey)
      }
    },
    'export.cancel': async ({ previewKey }) => {
      const controller = running.get(previewKey)
      controller?.abort()
      running.delete(previewKey)
      return { cancelled: controller !== undefined }
    },
    'export.write': async (args): Promise<ExportApiResults['export.write']> => {
      const { preview, files } = await renderExportFiles(context, {
        ...settingsOf(args),
        format: args.format,
        layout: args.layout,
        perNeuronFiles: args.perNeuronFiles
      })
      return {
        files: files.map((f) => ({ name: f.name, content: Buffer.from(f.contents).toString('base64'), bytes: f.contents.byteLength })),
        q: preview.q,
        step: preview.step,
        warnings: preview.warnings
      }
    },
    'runs.import': async (args): Promise<ExportApiResults['runs.import']> => {
      const { config, classes, name } = args
      if (config === undefined && classes === undefined) throw new ApiError('invalid-argument', 'runs.import: give config (an experiment config) or classes (the seed-2017 preset on those classes)')
      if (config !== undefined && classes !== undefined) throw new ApiError('invalid-argument', 'runs.import: give config or classes, not both')
      const bytes = Buffer.from(args.content, 'base64')
      const result = await importWeights(context, {
        upload: { fileName: args.fileName, format: args.format, bytes },
        config:
          config !== undefined
            ? { ...prepareConfig(config, 'config', context.baseDir ?? process.cwd()), name }
            : (matrix) => presetImportConfig(name, classes!, matrix.rows),
        experiment: args.experiment
      })
      return { id: result.runId, neurons: result.neurons, inputs: result.inputs, source: result.source, accuracy: result.evaluation.accuracy }
    }
  }
}
