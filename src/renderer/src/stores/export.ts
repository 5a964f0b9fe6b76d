/**
 * Hardware export and weight import: the export dialog's options, its live preview (the
 * quantization report at once, then the float-vs-fixed comparison with progress; stale
 * previews are dropped here and cancelled on the server), the download, and uploading a weights
 * file as a new run.
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import { zipSync } from 'fflate'
import { ApiError } from '@shared/api'
import type { ExperimentConfig } from '@shared/config'
import {
  qFormatProblem,
  type EXPORT_LAYOUTS,
  type EXPORT_ROUNDINGS,
  type EXPORT_SCALES,
  type ExportedFile,
  type ExportFileFormat,
  type ExportPreviewResult,
  type ImportFormat
} from '@shared/exportApi'
import { errorMessage, useApi } from '../api/client'

export interface ExportOptions {
  /** null: the latest snapshot. */
  step: number | null
  layer: number
  intBits: number
  fracBits: number
  rounding: (typeof EXPORT_ROUNDINGS)[number]
  saturate: boolean
  scale: (typeof EXPORT_SCALES)[number]
  evaluate: boolean
  format: ExportFileFormat
  layout: (typeof EXPORT_LAYOUTS)[number]
  perNeuronFiles: boolean
}

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = {
  step: null,
  layer: 0,
  intBits: 12,
  fracBits: 12,
  rounding: 'nearest-even',
  saturate: true,
  scale: 'per-tensor',
  evaluate: true,
  format: 'mem',
  layout: 'neuron-major',
  perNeuronFiles: false
}

/** Wait this long after the last change before asking for a preview (typing "12" is two changes). */
export const PREVIEW_DEBOUNCE_MS = 250

/** `runs.import` takes up to 64 MiB of base64 (48 MB of file); larger uploads go through the CLI. */
const UPLOAD_LIMIT = 64 * 1024 * 1024

let dialogCounter = 0

export const useExportStore = defineStore('export', () => {
  const api = useApi()

  const runId = ref<number | null>(null)
  const options = reactive<ExportOptions>({ ...DEFAULT_EXPORT_OPTIONS })
  /** The report for the current options (without the comparison until it arrives). */
  const preview = shallowRef<ExportPreviewResult | null>(null)
  const previewError = ref<string | null>(null)
  const previewLoading = ref(false)
  /** The comparison's progress while it runs: images presented of all. */
  const evaluation = ref<{ done: number; total: number } | null>(null)
  const evaluationError = ref<string | null>(null)
  const downloading = ref(false)
  const downloadError = ref<string | null>(null)

  /** What is wrong with the word format, or null. */
  const qProblem = computed(() => qFormatProblem(options.intBits, options.fracBits))

  let previewKey = ''
  let ticket = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let offProgress: (() => void) | null = null

  /** Start a dialog for `id`: fresh options, and progress events for this dialog's key. */
  function open(id: number): void {
    close()
    runId.value = id
    Object.assign(options, DEFAULT_EXPORT_OPTIONS)
    preview.value = null
    previewError.value = null
    downloadError.value = null
    previewKey = `export-dialog-${Date.now()}-${++dialogCounter}`
    offProgress = api.on('export.progress', (payload) => {
      if (payload.previewKey === previewKey && evaluation.value) evaluation.value = { done: payload.done, total: payload.total }
    })
    requestPreview(0)
  }

  /** Stop listening and cancel a running comparison. */
  function close(): void {
    if (timer) clearTimeout(timer)
    timer = null
    ticket++
    offProgress?.()
    offProgress = null
    if (evaluation.value && previewKey) void api['export.cancel']({ previewKey }).catch(() => undefined)
    evaluation.value = null
    previewLoading.value = false
    runId.value = null
  }

  function quantizationArgs() {
    return {
      runId: runId.value!,
      step: options.step ?? undefined,
      layer: options.layer,
      q: { intBits: options.intBits, fracBits: options.fracBits },
      rounding: options.rounding,
      saturate: options.saturate,
      scale: options.scale
    }
  }

  /** Ask for a preview after `delayMs`; a later call replaces an earlier one. */
  function requestPreview(delayMs = PREVIEW_DEBOUNCE_MS): void {
    if (timer) clearTimeout(timer)
    const mine = ++ticket
    if (qProblem.value || runId.value === null) {
      timer = null
      previewLoading.value = false
      return
    }
    previewLoading.value = true
    timer = setTimeout(() => {
      timer = null
      void loadPreview(mine)
    }, delayMs)
  }

  async function loadPreview(mine: number): Promise<void> {
    const args = quantizationArgs()
    const evaluate = options.evaluate
    let comparing = false
    try {
      const report = await api['export.preview']({ ...args, evaluate: false })
      if (mine !== ticket) return
      // Keep the last comparison on screen (dimmed) until the new one arrives.
      const previous = preview.value?.comparison ?? null
      preview.value = { ...report, comparison: evaluate ? previous : null }
      previewError.value = null
      previewLoading.value = false
      if (!evaluate) {
        evaluation.value = null
        return
      }
      evaluation.value = { done: 0, total: 0 }
      evaluationError.value = null
      comparing = true
      const full = await api['export.preview']({ ...args, evaluate: true, previewKey })
      if (mine !== ticket) return
      preview.value = full
      evaluation.value = null
    } catch (e) {
      if (mine !== ticket) return
      // A newer preview replaced this one on the server: not an error worth showing.
      if (e instanceof ApiError && e.code === 'conflict') return
      previewLoading.value = false
      evaluation.value = null
      if (comparing) {
        // The report stands; only the comparison failed.
        preview.value = preview.value && { ...preview.value, comparison: null }
        evaluationError.value = errorMessage(e)
      } else {
        preview.value = null
        previewError.value = errorMessage(e)
      }
    }
  }

  /** Render the files with the current options and hand them to the browser as a download. */
  async function download(): Promise<void> {
    if (runId.value === null || qProblem.value) return
    downloading.value = true
    downloadError.value = null
    try {
      const result = await api['export.write']({
        ...quantizationArgs(),
        format: options.format,
        layout: options.layout,
        perNeuronFiles: options.perNeuronFiles
      })
      saveFiles(result.files, `run-${runId.value}-step-${result.step}-${result.q.toLowerCase()}-${options.format}.zip`)
    } catch (e) {
      downloadError.value = errorMessage(e)
    } finally {
      downloading.value = false
    }
  }

  /** The seed-2017 preset an import without a config uses (to say which images evaluate it). */
  const importPreset = shallowRef<ExperimentConfig | null>(null)
  async function loadImportPreset(): Promise<void> {
    importPreset.value ??= await api['config.defaults']({ preset: 'seed-2017' })
  }

  /** Upload a weights file as a new run; returns its id, or throws an ApiError whose message is for the user. */
  async function importRun(file: File, request: { name: string; classes?: number[]; config?: unknown }): Promise<number> {
    const format = importFormatOf(file.name)
    if (!format) throw new ApiError('invalid-argument', `${file.name}: unknown weights format (expected .txt, .csv, .npy or .json)`)
    const content = bytesToBase64(new Uint8Array(await file.arrayBuffer()))
    if (content.length > UPLOAD_LIMIT) {
      throw new ApiError('invalid-argument', `${file.name}: too large to upload (48 MB at most); use snn-workbench import --weights FILE`)
    }
    const result = await api['runs.import']({ format, name: request.name, fileName: file.name, content, classes: request.classes, config: request.config })
    return result.id
  }

  return {
    runId,
    options,
    preview,
    previewError,
    previewLoading,
    evaluation,
    evaluationError,
    downloading,
    downloadError,
    qProblem,
    importPreset,
    loadImportPreset,
    open,
    close,
    requestPreview,
    download,
    importRun
  }
})

export function importFormatOf(fileName: string): ImportFormat | null {
  const extension = fileName.toLowerCase().split('.').pop()
  return extension === 'txt' || extension === 'csv' || extension === 'npy' || extension === 'json' ? extension : null
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary)
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** One file as itself, several as one zip. */
function saveFiles(files: ExportedFile[], zipName: string): void {
  if (files.length === 1) {
    saveBlob(new Blob([base64ToBytes(files[0].content) as BlobPart]), files[0].name)
    return
  }
  const zip = zipSync(Object.fromEntries(files.map((f) => [f.name, base64ToBytes(f.content)])))
  saveBlob(new Blob([zip as BlobPart], { type: 'application/zip' }), zipName)
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
