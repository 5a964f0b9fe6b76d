export interface SpikeTrainSnapshot {
  inputs: number
  total: number
  maxSimultaneous: number
  firingCount: number
  stepStart: Int32Array
  stepInputs: Int32Array
  firingInputs: Int32Array
  /** A regular sample's periods (its by-input index is rebuilt from them); null otherwise. */
  firingPeriods: Int32Array | null
  /** The by-input index of a sample that is not regular. */
  byInput: { silentCount: number; inputStart: Int32Array; inputTimes: Int32Array; silentInputs: Int32Array } | null
}

/**
 * A binary spike train over `inputs` channels and steps t = 0..steps, stored twice as compressed
 * sparse lists: by step (which inputs fire at t: drives event-driven integration) and by input
 * (when input h fires). Buffers are allocated once per (inputs, steps) and reused for every
 * sample; building a train allocates nothing unless it outgrows its buffers.
 *
 * Two ways to build a sample: begin / add… / finish for any train, or beginRegular /
 * addRegular… / finishRegular when every input fires regularly (the seed's deterministic code).
 * A regular sample builds only what simulation needs (by-step index, firing inputs); the
 * by-input index and the silent inputs follow from the periods and are built on first access.
 */
export class SpikeTrain {
  /** Inputs firing at step t: stepInputs[stepStart[t] .. stepStart[t+1]), ascending. */
  readonly stepStart: Int32Array
  stepInputs: Int32Array
  /** Number of spikes. */
  total = 0
  /** Largest number of inputs firing in one step (the seed's variable threshold uses it). */
  maxSimultaneous = 0
  /** Inputs that fire at least once, ascending, and how many. */
  readonly firingInputs: Int32Array
  firingCount = 0

  private readonly nextActive: Int32Array
  /** Whether nextActive still describes an earlier sample. */
  private nextActivePending = false
  private readonly byInputStart: Int32Array
  private byInputTimes: Int32Array
  private readonly silent: Int32Array
  private silentTotal = 0
  /** Of a regular sample: firingPeriods[i] is the period of firingInputs[i]. */
  private readonly firingPeriods: Int32Array
  /** Whether this sample was built by finishRegular (or restored from one). */
  private regular = false
  /** A regular sample whose by-input index and silent inputs are not built yet. */
  private byInputPending = false
  /** Spikes per step while building; then the scatter cursor. */
  private readonly stepCount: Int32Array
  /** Of a regular sample: inputs per period while building (counted by addRegular). */
  private readonly periodCount: Int32Array
  /** Highest input added so far in this sample. */
  private lastInput = -1

  constructor(
    readonly inputs: number,
    readonly steps: number
  ) {
    this.stepStart = new Int32Array(steps + 2)
    this.nextActive = new Int32Array(steps + 2)
    this.byInputStart = new Int32Array(inputs + 1)
    this.silent = new Int32Array(inputs)
    this.firingInputs = new Int32Array(inputs)
    this.firingPeriods = new Int32Array(inputs)
    this.stepCount = new Int32Array(steps + 1)
    this.periodCount = new Int32Array(steps + 1)
    const initial = Math.max(64, inputs * 4)
    this.stepInputs = new Int32Array(initial)
    this.byInputTimes = new Int32Array(initial)
  }

  /** nextActiveStep[t]: the first step ≥ t at which some input fires (steps + 1 if none). Built on first access. */
  get nextActiveStep(): Int32Array {
    const { steps, stepStart, nextActive } = this
    if (this.nextActivePending) {
      this.nextActivePending = false
      nextActive[steps + 1] = steps + 1
      for (let t = steps; t >= 0; t--) nextActive[t] = stepStart[t + 1] > stepStart[t] ? t : nextActive[t + 1]
    }
    return nextActive
  }

  /** Steps at which input h fires: inputTimes[inputStart[h] .. inputStart[h+1]), ascending. */
  get inputStart(): Int32Array {
    if (this.byInputPending) this.buildByInput()
    return this.byInputStart
  }

  get inputTimes(): Int32Array {
    if (this.byInputPending) this.buildByInput()
    return this.byInputTimes
  }

  /** Inputs that never fire in this sample, ascending, and how many (silent-input depression). */
  get silentInputs(): Int32Array {
    if (this.byInputPending) this.buildByInput()
    return this.silent
  }

  get silentCount(): number {
    if (this.byInputPending) this.buildByInput()
    return this.silentTotal
  }

  /** Start a new sample. Spikes must then be added in ascending input order, times ascending within an input. */
  begin(): void {
    this.total = 0
    this.lastInput = -1
    this.regular = false
    this.byInputPending = false
    this.stepCount.fill(0)
  }

  /** Record that input `h` fires at step `t` (0 ≤ t ≤ steps). Inputs ascending, times ascending within an input. */
  add(h: number, t: number): void {
    const total = this.total
    if (h !== this.lastInput) {
      const inputStart = this.byInputStart
      for (let q = this.lastInput + 1; q <= h; q++) inputStart[q] = total
      this.lastInput = h
    }
    if (total === this.byInputTimes.length) this.grow()
    this.byInputTimes[total] = t
    this.stepCount[t]++
    this.total = total + 1
  }

  /** Close the sample: complete the by-input index and build the by-step index. */
  finish(): void {
    const { inputs, total, byInputStart: inputStart, stepCount, byInputTimes: inputTimes, stepInputs, silent: silentInputs, firingInputs } = this
    for (let q = this.lastInput + 1; q <= inputs; q++) inputStart[q] = total
    let silent = 0
    let firing = 0
    for (let h = 0; h < inputs; h++) {
      if (inputStart[h + 1] === inputStart[h]) silentInputs[silent++] = h
      else firingInputs[firing++] = h
    }
    this.silentTotal = silent
    this.firingCount = firing
    this.indexSteps(stepCount)
    // Counting sort by step; walking inputs in ascending order keeps each step's inputs ascending.
    for (let f = 0; f < firing; f++) {
      const h = firingInputs[f]
      for (let k = inputStart[h], end = inputStart[h + 1]; k < end; k++) stepInputs[stepCount[inputTimes[k]]++] = h
    }
  }

  /** Start a regular sample: then addRegular for firing inputs in ascending order, then finishRegular. */
  beginRegular(): void {
    this.firingCount = 0
    this.byInputPending = false
    this.periodCount.fill(0)
  }

  /** Input `h` fires at steps period, 2·period, … ≤ steps (nothing when period > steps). Inputs ascending. */
  addRegular(h: number, period: number): void {
    if (period > this.steps) return
    const f = this.firingCount
    this.firingInputs[f] = h
    this.firingPeriods[f] = period
    this.periodCount[period]++
    this.firingCount = f + 1
  }

  /**
   * Close a regular sample. Spikes per step come from the number of inputs per period (one
   * pass over each distinct period's multiples), then one pass over the firing inputs places
   * them: no per-spike counting pass and no sort.
   */
  finishRegular(): void {
    const { steps, firingInputs, firingPeriods, firingCount, stepCount, periodCount } = this
    stepCount.fill(0)
    for (let f = 0; f < firingCount; f++) {
      const period = firingPeriods[f]
      const sharing = periodCount[period]
      if (sharing === 0) continue // this period's multiples are already counted
      for (let t = period; t <= steps; t += period) stepCount[t] += sharing
      periodCount[period] = 0
    }
    const total = this.indexSteps(stepCount)
    this.total = total
    while (total > this.stepInputs.length) this.grow()
    const stepInputs = this.stepInputs
    for (let f = 0; f < firingCount; f++) {
      const h = firingInputs[f]
      const period = firingPeriods[f]
      for (let t = period; t <= steps; t += period) stepInputs[stepCount[t]++] = h
    }
    this.lastInput = this.inputs - 1
    this.regular = true
    this.byInputPending = true
  }

  /**
   * From spike counts per step: stepStart and maxSimultaneous; `counts` becomes each step's
   * write cursor (its stepStart). Returns the number of spikes.
   */
  private indexSteps(counts: Int32Array): number {
    const { steps, stepStart } = this
    let max = 0
    let running = 0
    for (let t = 0; t <= steps; t++) {
      const count = counts[t]
      if (count > max) max = count
      stepStart[t] = running
      counts[t] = running
      running += count
    }
    stepStart[steps + 1] = running
    this.maxSimultaneous = max
    this.nextActivePending = true
    return running
  }

  /** The by-input index and silent inputs of a regular sample, from its firing inputs' periods. */
  private buildByInput(): void {
    this.byInputPending = false
    while (this.total > this.byInputTimes.length) this.grow()
    const { inputs, steps, firingInputs, firingPeriods, firingCount, byInputStart, byInputTimes, silent } = this
    let k = 0
    let s = 0
    let f = 0
    for (let h = 0; h < inputs; h++) {
      byInputStart[h] = k
      if (f < firingCount && firingInputs[f] === h) {
        const period = firingPeriods[f++]
        for (let t = period; t <= steps; t += period) byInputTimes[k++] = t
      } else {
        silent[s++] = h
      }
    }
    byInputStart[inputs] = k
    this.silentTotal = s
  }

  /**
   * A compact copy of this train's content, for an encoding cache. Of a regular sample it keeps
   * what simulation reads plus the periods (the rest is rebuilt on demand after restore).
   */
  snapshot(): SpikeTrainSnapshot {
    const { total, firingCount } = this
    const regular = this.regular
    return {
      inputs: this.inputs,
      total,
      maxSimultaneous: this.maxSimultaneous,
      firingCount,
      stepStart: this.stepStart.slice(),
      stepInputs: this.stepInputs.slice(0, total),
      firingInputs: this.firingInputs.slice(0, firingCount),
      firingPeriods: regular ? this.firingPeriods.slice(0, firingCount) : null,
      byInput: regular
        ? null
        : {
            silentCount: this.silentTotal,
            inputStart: this.byInputStart.slice(),
            inputTimes: this.byInputTimes.slice(0, total),
            silentInputs: this.silent.slice(0, this.silentTotal)
          }
    }
  }

  /** Restore content saved by snapshot() from a train of the same shape (a few memory copies). */
  restore(saved: SpikeTrainSnapshot): void {
    if (saved.inputs !== this.inputs || saved.stepStart.length !== this.stepStart.length) {
      throw new RangeError('spike train snapshot has another shape')
    }
    while (this.stepInputs.length < saved.total) this.grow()
    this.total = saved.total
    this.maxSimultaneous = saved.maxSimultaneous
    this.firingCount = saved.firingCount
    this.stepStart.set(saved.stepStart)
    this.nextActivePending = true
    this.stepInputs.set(saved.stepInputs)
    this.firingInputs.set(saved.firingInputs)
    this.lastInput = this.inputs - 1
    this.regular = saved.firingPeriods !== null
    if (saved.firingPeriods) {
      this.firingPeriods.set(saved.firingPeriods)
      this.byInputPending = true
    } else {
      const byInput = saved.byInput!
      while (this.byInputTimes.length < saved.total) this.grow()
      this.byInputPending = false
      this.silentTotal = byInput.silentCount
      this.byInputStart.set(byInput.inputStart)
      this.byInputTimes.set(byInput.inputTimes)
      this.silent.set(byInput.silentInputs)
    }
  }

  /** Bytes a snapshot of this train occupies (for cache budgets). */
  snapshotBytes(): number {
    const common = this.stepStart.length + this.total + this.firingCount
    const rest = this.regular ? this.firingCount : this.byInputStart.length + this.total + this.silentTotal
    return 4 * (common + rest)
  }

  /** Fire count of input h in this sample. */
  spikesOf(h: number): number {
    const inputStart = this.inputStart
    return inputStart[h + 1] - inputStart[h]
  }

  /** A dense 0/1 copy (inputs × (steps+1)), for inspection and tests; not used in the engine loops. */
  toDense(): Uint8Array[] {
    const { inputStart, inputTimes } = this
    const rows: Uint8Array[] = []
    for (let h = 0; h < this.inputs; h++) {
      const row = new Uint8Array(this.steps + 1)
      for (let k = inputStart[h]; k < inputStart[h + 1]; k++) row[inputTimes[k]] = 1
      rows.push(row)
    }
    return rows
  }

  /** Copy another train's content (same shape) into this one. */
  copyFrom(other: SpikeTrain): void {
    if (other.inputs !== this.inputs || other.steps !== this.steps) throw new RangeError('spike train shapes differ')
    const { inputStart, inputTimes } = other
    this.begin()
    for (let h = 0; h < other.inputs; h++) {
      for (let k = inputStart[h]; k < inputStart[h + 1]; k++) this.add(h, inputTimes[k])
    }
    this.finish()
  }

  /** Double both spike buffers, keeping their content. */
  private grow(): void {
    const size = this.byInputTimes.length * 2
    const times = new Int32Array(size)
    times.set(this.byInputTimes)
    this.byInputTimes = times
    const byStep = new Int32Array(size)
    byStep.set(this.stepInputs)
    this.stepInputs = byStep
  }
}
