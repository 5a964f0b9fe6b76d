/**
 * The hooks every neuron model provides (one file per model). A layer calls them in the fixed
 * step schedule documented in network/layer.ts; the model owns its state arrays.
 */
export interface NeuronGroup {
  readonly size: number
  /** Membrane potential per neuron (what monitors record and inhibition reads/writes). */
  readonly potential: Float64Array
  /** Potential after the most recent integration of each neuron (what winner-take-all compares). */
  readonly lastIntegrated: Float64Array
  /** Return every neuron to its start-of-sample state. */
  resetForSample(): void
  /** Whether neuron j takes input at step t (false while refractory). */
  integrates(j: number, t: number): boolean
  /** Step a: add each integrating neuron's synaptic drive, then leak. */
  integrate(t: number, drive: Float64Array): void
  /**
   * Step c: threshold check. Writes the indices of neurons that spike, ascending, into `spiked`
   * and returns how many; spiking neurons are reset and become refractory.
   */
  fire(t: number, threshold: number, spiked: Int32Array): number
  /**
   * After step t: the last step s ≥ t such that steps t+1 … s, with no input at all, would change
   * nothing (no potential, no refractory state, no spike). The layer skips such quiet stretches;
   * return t when unsure.
   */
  quietUntil(t: number, threshold: number): number
}
