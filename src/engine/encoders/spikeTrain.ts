/**
 * A binary spike train over `inputs` channels and steps t = 0..steps, stored twice as compressed
 * sparse lists: by step (which inputs fire at t: drives event-driven integration) and by input
 * (when input h fires: drives the STDP window search). Buffers are allocated once per
 * (inputs, steps) and reused for every sample.
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
  /** Inputs that fire at least once, ascending, and how many. */
  readonly firingInputs: Int32Array
  firingCount = 0

  // Scratch used while building.
  private readonly stepCount: Int32Array
  private pendingInput: Int32Array
  private pendingTime: Int32Array

  constructor(
    readonly inputs: number,
    readonly steps: number
  ) {
    this.stepStart = new Int32Array(steps + 2)
    this.inputStart = new Int32Array(inputs + 1)
    this.silentInputs = new Int32Array(inputs)
    this.firingInputs = new Int32Array(inputs)
    this.stepCount = new Int32Array(steps + 1)
    const initial = Math.max(64, inputs * 4)
    this.stepInputs = new Int32Array(initial)
    this.inputTimes = new Int32Array(initial)
    this.pendingInput = new Int32Array(initial)
    this.pendingTime = new Int32Array(initial)
  }

  /** Start a new sample. Spikes must then be added input by input in ascending input order, times ascending. */
  begin(): void {
    this.total = 0
  }

  /** Record that input `h` fires at step `t` (1 ≤ t ≤ steps). Inputs ascending, times ascending within an input. */
  add(h: number, t: number): void {
    if (this.total === this.pendingInput.length) this.grow()
    this.pendingInput[this.total] = h
    this.pendingTime[this.total] = t
    this.total++
  }

  /** Build both indexes from the added spikes. */
  finish(): void {
    const { inputs, steps, total, stepStart, inputStart, stepCount, pendingInput, pendingTime } = this
    inputStart.fill(0)
    stepCount.fill(0)
    for (let k = 0; k < total; k++) {
      inputStart[pendingInput[k] + 1]++
      stepCount[pendingTime[k]]++
    }
    let silent = 0
    let firing = 0
    for (let h = 0; h < inputs; h++) {
      if (inputStart[h + 1] === 0) this.silentInputs[silent++] = h
      else this.firingInputs[firing++] = h
      inputStart[h + 1] += inputStart[h]
    }
    this.silentCount = silent
    this.firingCount = firing
    // Spikes arrive grouped by input in ascending order, so inputTimes is a straight copy.
    this.inputTimes.set(pendingTime.subarray(0, total))
    let max = 0
    stepStart[0] = 0
    for (let t = 0; t <= steps; t++) {
      if (stepCount[t] > max) max = stepCount[t]
      stepStart[t + 1] = stepStart[t] + stepCount[t]
    }
    stepStart[steps + 1] = total
    this.maxSimultaneous = max
    // Counting sort by step; iterating spikes in input order keeps each step's inputs ascending.
    const cursor = stepCount
    for (let t = 0; t <= steps; t++) cursor[t] = stepStart[t]
    for (let k = 0; k < total; k++) this.stepInputs[cursor[pendingTime[k]]++] = pendingInput[k]
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
    const size = this.pendingInput.length * 2
    const grown = (a: Int32Array) => {
      const b = new Int32Array(size)
      b.set(a)
      return b
    }
    this.pendingInput = grown(this.pendingInput)
    this.pendingTime = grown(this.pendingTime)
    this.stepInputs = new Int32Array(size)
    this.inputTimes = new Int32Array(size)
  }
}
