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

/**
 * The hooks of a conductance-based population (neurons/conductanceLif.ts, used by the
 * diehl-cook-2015 network). Unlike NeuronGroup, state carries over from one image to the next
 * (a rest period lets it decay), time is a global step counter, and synapses add to the
 * conductances `ge` and `gi` directly.
 */
export interface ConductanceNeuronGroup {
  readonly size: number
  /** Membrane potential v per neuron, mV. */
  readonly potential: Float64Array
  /** Excitatory and inhibitory conductances, in units of the leak conductance. */
  readonly ge: Float64Array
  readonly gi: Float64Array
  /** Back to the state before any input (initial potentials, no conductance, not refractory). */
  resetState(): void
  /** Call after raising neuron j's ge or gi: a model may leave resting neurons alone until then. */
  wake(j: number): void
  /**
   * One time step `now` of the schedule's neuron part: integrate, threshold, reset. Writes the
   * indices of the neurons that fire, ascending, into `spiked` and returns how many.
   */
  step(now: number, spiked: Int32Array): number
  /** Whether `steps` further steps without input could make no neuron fire and barely move v. */
  quietFor(steps: number): boolean
  /** The state after `steps` further steps without input, in closed form (only when quietFor). */
  advanceQuiet(now: number, steps: number): void
  /** The arrays that make up the state, by name (for snapshots). */
  stateArrays(): Record<string, Float64Array>
}
