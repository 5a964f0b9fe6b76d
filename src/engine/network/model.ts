import type { SampleMonitor } from '../monitors/sampleMonitor'
import type { RngState } from '../random'

/** A matrix of learnable weights, read and written neuron-major: w[j][i] at j·inputs + i. */
export interface WeightLayer {
  readonly size: number
  readonly inputs: number
  getWeights(out?: Float64Array): Float64Array
  setWeights(neuronMajor: ArrayLike<number>): void
}

/** Named state arrays beyond weights and the encoder's generator (θ, potentials, traces …). */
export type ModelState = Record<string, number[]>

/**
 * What the experiment loop needs from a network, whichever model it is (seed-2017's SeedNetwork,
 * diehl-cook-2015's DiehlCookNetwork): present an image, read the output layer's response, read
 * and write the weights, and save / restore the rest of the state for an exact resume.
 */
export interface ModelNetwork {
  /** Weight matrices from the input onwards; the last one feeds the output layer. */
  readonly layers: readonly WeightLayer[]
  /** Input channels (image pixels). */
  readonly inputs: number
  readonly outputSize: number
  /** Output-layer spikes per neuron in the latest presentation. */
  readonly outputCounts: Int32Array
  /** Steps of one presentation, as a SampleMonitor records them. */
  readonly monitorSteps: number
  /** The output layer's threshold in the latest presentation (a mean where each neuron has its own). */
  readonly outputThreshold: number
  /** The output neuron that fired first in the latest presentation (−1: none) and the step it fired at. */
  readonly outputWinner: number
  readonly outputWinnerStep: number
  /**
   * Show the image at `pixels[offset …]`, learning when `learn`. `monitors[l]` records layer l;
   * `key` names the image for models that cache encodings.
   */
  present(pixels: Uint8Array, offset: number, learn: boolean, monitors?: readonly (SampleMonitor | null)[], key?: number): void
  /** Before each training presentation: `presented` of `total` training presentations are done (models with a rate schedule follow it). */
  setTrainingProgress?(presented: number, total: number): void
  encoderRngState(): RngState
  setEncoderRngState(state: RngState): void
  /** State a resumed run needs besides weights and the encoder state; null when there is none. */
  getModelState(): ModelState | null
  setModelState(state: ModelState): void
}
