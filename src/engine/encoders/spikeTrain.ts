export interface SpikeTrainSnapshot {
  total: number
  maxSimultaneous: number
  silentCount: number
  firingCount: number
  stepStart: Int32Array
  nextActiveStep: Int32Array
  inputStart: Int32Array
  stepInputs: Int32Array
  inputTimes: Int32Array
  silentInputs: Int32Array
  firingInputs: Int32Array
}

/**
 * A binary spike train over `inputs` channels and steps t = 0..steps, stored twice as compressed
 * sparse lists: by step (which inputs fire at t: drives event-driven integration) and by input
 * (when input h fires). Buffers are allocated once per (inputs, steps) and reused for every
 * sample; building a train allocates nothing unless it outgrows its buffers.
 */
export class SpikeTrain {
  /** Inputs firing at step t: stepInputs[stepStart[t] .. stepStart[t+1]), ascending. */
  readonly stepStart: Int32Array
  stepInputs: Int32Array
  /** Steps at which input h fires: inputTimes[inputStart[h] .. inputStart[h+1]), ascending. */
  readonly inputStart: Int32Array
  inputTimes: Int32Array
  /** Number of spikes. */
  total = 0
  /** Largest number of inputs firing in one step (the seed's variable threshold uses it). */
  maxSimultaneous = 0
  /** Inputs that never fire in this sample, ascending, and how many (silent-input depression). */
  readonly silentInputs: Int32Array
  silentCount = 0
  /** nextActiveStep[t]: the first step ≥ t at which some input fires (steps + 1 if none). */
  readonly nextActiveStep: Int32Array
  /** Inputs that fire at least once, ascending, and how many. */
  readonly firingInputs: Int32Array
  firingCount = 0

  /** Spikes per step while building; then the scatter cursor. */
  private readonly stepCount: Int32Array
  /** Highest input added so far in this sample. */
  private lastInput = -1

  constructor(
    readonly inputs: number,
    readonly steps: number
  ) {
    this.stepStart = new Int32Array(steps + 2)
    this.nextActiveStep = new Int32Array(steps + 2)
    this.inputStart = new Int32Array(inputs + 1)
    this.silentInputs = new Int32Array(inputs)
    this.firingInputs = new Int32Array(inputs)
    this.stepCount = new Int32Array(steps + 1)
    const initial = Math.max(64, inputs * 4)
    this.stepInputs = new Int32Array(initial)
    this.inputTimes = new Int32Array(initial)
  }

  /** Start a new sample. Spikes must then be added in ascending input order, times ascending within an input. */
  begin(): void {
    this.total = 0
    this.lastInput = -1
    this.stepCount.fill(0)
  }

  /** Record that input `h` fires at step `t` (0 ≤ t ≤ steps). Inputs ascending, times ascending within an input. */
  add(h: number, t: number): void {
    const total = this.total
    if (h !== this.lastInput) {
      const inputStart = this.inputStart
      for (let q = this.lastInput + 1; q <= h; q++) inputStart[q] = total
      this.lastInput = h
    }
    if (total === this.inputTimes.length) this.grow()
    this.inputTimes[total] = t
    this.stepCount[t]++
    this.total = total + 1
  }

  /** Record that input `h` fires at first, first + period, … ≤ steps (a regular train). */
  addRegular(h: number, first: number, period: number): void {
    const steps = this.steps
    if (first > steps) return
    let total = this.total
    if (h !== this.lastInput) {
      const inputStart = this.inputStart
      for (let q = this.lastInput + 1; q <= h; q++) inputStart[q] = total
      this.lastInput = h
    }
    const needed = total + Math.floor((steps - first) / period) + 1
    while (needed > this.inputTimes.length) this.grow()
    const { inputTimes, stepCount } = this
    for (let t = first; t <= steps; t += period) {
      inputTimes[total++] = t
      stepCount[t]++
    }
    this.total = total
  }

  /** Close the sample: complete the by-input index and build the by-step index. */
  finish(): void {
    const { inputs, steps, total, stepStart, inputStart, stepCount, inputTimes, stepInputs, silentInputs, firingInputs } = this
    for (let q = this.lastInput + 1; q <= inputs; q++) inputStart[q] = total
    let silent = 0
    let firing = 0
    for (let h = 0; h < inputs; h++) {
      if (inputStart[h + 1] === inputStart[h]) silentInputs[silent++] = h
      else firingInputs[firing++] = h
    }
    this.silentCount = silent
    this.firingCount = firing
    let max = 0
    let running = 0
    for (let t = 0; t <= steps; t++) {
      const count = stepCount[t]
      if (count > max) max = count
      stepStart[t] = running
      stepCount[t] = running // becomes the scatter cursor
      running += count
    }
    stepStart[steps + 1] = running
    this.maxSimultaneous = max
    const nextActive = this.nextActiveStep
    nextActive[steps + 1] = steps + 1
    for (let t = steps; t >= 0; t--) nextActive[t] = stepStart[t + 1] > stepStart[t] ? t : nextActive[t + 1]
    // Counting sort by step; walking inputs in ascending order keeps each step's inputs ascending.
    for (let f = 0; f < firing; f++) {
      const h = firingInputs[f]
      for (let k = inputStart[h], end = inputStart[h + 1]; k < end; k++) stepInputs[stepCount[inputTimes[k]]++] = h
    }
  }

  /** A compact copy of this train's content, for an encoding cache. */
  snapshot(): SpikeTrainSnapshot {
    const total = this.total
    return {
      total,
      maxSimultaneous: this.maxSimultaneous,
      silentCount: this.silentCount,
      firingCount: this.firingCount,
      stepStart: this.stepStart.slice(),
      nextActiveStep: this.nextActiveStep.slice(),
      inputStart: this.inputStart.slice(),
      stepInputs: this.stepInputs.slice(0, total),
      inputTimes: this.inputTimes.slice(0, total),
      silentInputs: this.silentInputs.slice(0, this.silentCount),
      firingInputs: this.firingInputs.slice(0, this.firingCount)
    }
  }

  /** Restore content saved by snapshot() from a train of the same shape (a few memory copies). */
  restore(saved: SpikeTrainSnapshot): void {
    if (saved.stepStart.length !== this.stepStart.length || saved.inputStart.length !== this.inputStart.length) {
      throw new RangeError('spike train snapshot has another shape')
    }
    while (this.inputTimes.length < saved.total) this.grow()
    this.total = saved.total
    this.maxSimultaneous = saved.maxSimultaneous
    this.silentCount = saved.silentCount
    this.firingCount = saved.firingCount
    this.stepStart.set(saved.stepStart)
    this.nextActiveStep.set(saved.nextActiveStep)
    this.inputStart.set(saved.inputStart)
    this.stepInputs.set(saved.stepInputs)
    this.inputTimes.set(saved.inputTimes)
    this.silentInputs.set(saved.silentInputs)
    this.firingInputs.set(saved.firingInputs)
    this.lastInput = this.inputs - 1
  }

  /** Bytes a snapshot of this train occupies (for cache budgets). */
  snapshotBytes(): number {
    return 4 * (2 * this.stepStart.length + this.inputStart.length + 2 * this.total + this.inputs)
  }

  /** Fire count of input h in this sample. */
  spikesOf(h: number): number {
    return this.inputStart[h + 1] - this.inputStart[h]
  }

  /** A dense 0/1 copy (inputs × (steps+1)), for inspection and tests; not used in the engine loops. */
  toDense(): Uint8Array[] {
    const rows: Uint8Array[] = []
    for (let h = 0; h < this.inputs; h++) {
      const row = new Uint8Array(this.steps + 1)
      for (let k = this.inputStart[h]; k < this.inputStart[h + 1]; k++) row[this.inputTimes[k]] = 1
      rows.push(row)
    }
    return rows
  }

  /** Copy another train's content (same shape) into this one. */
  copyFrom(other: SpikeTrain): void {
    if (other.inputs !== this.inputs || other.steps !== this.steps) throw new RangeError('spike train shapes differ')
    this.begin()
    for (let h = 0; h < other.inputs; h++) {
      for (let k = other.inputStart[h]; k < other.inputStart[h + 1]; k++) this.add(h, other.inputTimes[k])
    }
    this.finish()
  }

  private grow(): void {
    const size = this.inputTimes.length * 2
    const times = new Int32Array(size)
    times.set(this.inputTimes)
    this.inputTimes = times
    this.stepInputs = new Int32Array(size)
  }
}
