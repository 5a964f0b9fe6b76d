/**
 * Live-view material for the engine worker. After every training image, `record` copies the
 * output spikes and the winner into preallocated rings (no allocation: it runs at full engine
 * speed); a few times a second `frame` turns the rings, the latest input image with its encoded
 * spike train and (at most once a second) the layer-0 weights into a compact LiveFrame.
 */
import type { LiveFrame } from '../../shared/engineProtocol'
import type { ImageSet } from '../datasets/types'
import type { SpikeTrain } from '../encoders/spikeTrain'
import type { SampleMonitor } from '../monitors/sampleMonitor'
import { DiehlCookNetwork } from '../network/diehlCookNetwork'
import type { ModelNetwork } from '../network/model'
import { SeedNetwork } from '../network/network'

/** Frames at most this often (ms): smooth enough to watch, cheap enough to ignore. */
export const LIVE_FRAME_MS = 200
/** Weights at most this often (ms): they are the frame's largest part and change slowly. */
export const LIVE_WEIGHTS_MS = 1000

export interface LiveLimits {
  /** Images in the output raster. */
  rasterImages: number
  /** Images in the winner strip. */
  winnerHistory: number
  /** Output spikes kept per image (more are counted as dropped). */
  spikesPerImage: number
  /** Input spikes sent for the latest image. */
  inputSpikes: number
  /** Largest weight matrix streamed live (bytes); bigger layers are seen through snapshots only. */
  weightBytes: number
}

export const LIVE_LIMITS: LiveLimits = { rasterImages: 8, winnerHistory: 100, spikesPerImage: 1024, inputSpikes: 20_000, weightBytes: 1 << 20 }

/** The input spike train of the latest presentation, for the models that have one. */
function inputTrainOf(network: ModelNetwork): SpikeTrain | null {
  if (network instanceof SeedNetwork) return network.inputTrain
  if (network instanceof DiehlCookNetwork) return network.train
  return null
}

export class LiveRecorder {
  private readonly rasterNeuron: Int32Array
  private readonly rasterStep: Int32Array
  private readonly rasterCount: Int32Array
  private readonly rasterDropped: Int32Array
  private readonly labels: Int32Array
  private readonly winners: Int32Array
  private readonly images: Int32Array
  /** Images recorded so far (ring positions are this modulo the ring size). */
  private recorded = 0
  private readonly weights: Float64Array | null
  private readonly weightBytes: Uint8Array | null

  constructor(
    private readonly network: ModelNetwork,
    private readonly source: ImageSet,
    private readonly traceNeurons: readonly number[],
    private readonly limits: LiveLimits = LIVE_LIMITS
  ) {
    const { rasterImages, spikesPerImage, winnerHistory } = limits
    this.rasterNeuron = new Int32Array(rasterImages * spikesPerImage)
    this.rasterStep = new Int32Array(rasterImages * spikesPerImage)
    this.rasterCount = new Int32Array(rasterImages)
    this.rasterDropped = new Int32Array(rasterImages)
    this.labels = new Int32Array(winnerHistory)
    this.winners = new Int32Array(winnerHistory)
    this.images = new Int32Array(winnerHistory)
    const layer = network.layers[0]
    const size = layer.size * layer.inputs
    this.weights = size <= limits.weightBytes ? new Float64Array(size) : null
    this.weightBytes = this.weights ? new Uint8Array(size) : null
  }

  /** After each training image (hot path): the monitor's spikes and the winner into the rings. */
  record(monitor: SampleMonitor, image: number, label: number, winner: number): void {
    const { rasterImages, spikesPerImage, winnerHistory } = this.limits
    const slot = this.recorded % rasterImages
    const kept = Math.min(monitor.spikeTotal, spikesPerImage)
    const base = slot * spikesPerImage
    const { spikeNeuron, spikeStep } = monitor
    for (let k = 0; k < kept; k++) {
      this.rasterNeuron[base + k] = spikeNeuron[k]
      this.rasterStep[base + k] = spikeStep[k]
    }
    this.rasterCount[slot] = kept
    this.rasterDropped[slot] = monitor.spikeTotal - kept
    const w = this.recorded % winnerHistory
    this.labels[w] = label
    this.winners[w] = winner
    this.images[w] = image
    this.recorded++
  }

  /** The live frame for what has been recorded (null before the first image); weights only when asked. */
  frame(withWeights: boolean): LiveFrame | null {
    if (this.recorded === 0) return null
    const { rasterImages, spikesPerImage, winnerHistory } = this.limits
    const history = Math.min(this.recorded, winnerHistory)
    const recentLabels: number[] = new Array(history)
    const recentWinners: number[] = new Array(history)
    for (let i = 0; i < history; i++) {
      const w = (this.recorded - history + i) % winnerHistory
      recentLabels[i] = this.labels[w]
      recentWinners[i] = this.winners[w]
    }
    const shown = Math.min(this.recorded, rasterImages)
    const spikeImage: number[] = []
    const spikeNeuron: number[] = []
    const spikeStep: number[] = []
    let dropped = 0
    for (let i = 0; i < shown; i++) {
      const slot = (this.recorded - shown + i) % rasterImages
      const base = slot * spikesPerImage
      for (let k = 0; k < this.rasterCount[slot]; k++) {
        spikeImage.push(i)
        spikeNeuron.push(this.rasterNeuron[base + k])
        spikeStep.push(this.rasterStep[base + k])
      }
      dropped += this.rasterDropped[slot]
    }
    const latest = (this.recorded - 1) % winnerHistory
    return {
      input: this.inputOf(this.images[latest], this.labels[latest]),
      raster: {
        neurons: this.network.outputSize,
        steps: this.network.monitorSteps,
        labels: recentLabels.slice(history - shown),
        winners: recentWinners.slice(history - shown),
        spikeImage,
        spikeNeuron,
        spikeStep,
        dropped
      },
      recentLabels,
      recentWinners,
      thresholds: this.thresholds(),
      weights: withWeights ? this.weightFrame() : null
    }
  }

  /** The image's pixels and its input spikes in step order (the train still holds the latest image's encoding). */
  private inputOf(image: number, label: number): LiveFrame['input'] {
    const { width, height, pixels } = this.source
    const size = width * height
    const train = inputTrainOf(this.network)
    const spikeInput: number[] = []
    const spikeStep: number[] = []
    let dropped = 0
    if (train) {
      const { stepStart, stepInputs, steps } = train
      for (let t = 0; t <= steps; t++) {
        for (let k = stepStart[t], end = stepStart[t + 1]; k < end; k++) {
          if (spikeInput.length === this.limits.inputSpikes) {
            dropped++
            continue
          }
          spikeInput.push(stepInputs[k])
          spikeStep.push(t)
        }
      }
    }
    return {
      image,
      label,
      width,
      height,
      pixels: Array.from(pixels.subarray(image * size, (image + 1) * size)),
      steps: train ? train.steps : 0,
      spikeInput,
      spikeStep,
      dropped
    }
  }

  private thresholds(): number[] {
    const network = this.network
    if (network instanceof DiehlCookNetwork) return this.traceNeurons.map((j) => network.excitatory.thresholdOf(j))
    return this.traceNeurons.map(() => network.outputThreshold)
  }

  /** Layer-0 weights quantized to bytes over their own range (null when the layer is too big to stream). */
  private weightFrame(): LiveFrame['weights'] {
    const { weights, weightBytes } = this
    if (!weights || !weightBytes) return null
    const layer = this.network.layers[0]
    layer.getWeights(weights)
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < weights.length; i++) {
      const v = weights[i]
      if (v < min) min = v
      if (v > max) max = v
    }
    const scale = max > min ? 255 / (max - min) : 0
    for (let i = 0; i < weights.length; i++) weightBytes[i] = Math.round((weights[i] - min) * scale)
    return {
      neurons: layer.size,
      inputs: layer.inputs,
      min,
      max,
      base64: Buffer.from(weightBytes.buffer, weightBytes.byteOffset, weightBytes.byteLength).toString('base64')
    }
  }
}
