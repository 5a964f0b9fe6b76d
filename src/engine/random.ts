/**
 * Seeded, splittable pseudo-random generator (sfc32 core, SplitMix32 seeding).
 *
 * Every source of randomness in the engine takes an `Rng` argument; nothing calls Math.random.
 * The same seed gives the same stream on every platform, and `split(key)` derives an
 * independent stream (e.g. one per layer or per sweep trial) without disturbing the parent.
 * The whole state is four uint32 words, so it can be saved with a weight snapshot and restored.
 */

const UINT32 = 0x1_0000_0000

/** SplitMix32 finaliser: a good 32-bit avalanche hash. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad)
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97)
  return (x ^ (x >>> 15)) >>> 0
}

function hashString(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export type RngState = [number, number, number, number]

export class Rng {
  private readonly s = new Uint32Array(4)

  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      this.setState(seed)
      return
    }
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`)
    // Use both halves of seeds up to 2^53 so nearby seeds give unrelated streams.
    const lo = seed >>> 0
    const hi = Math.floor(seed / UINT32) >>> 0
    let x = mix32(lo ^ mix32(hi))
    for (let i = 0; i < 4; i++) {
      x = mix32(x + i)
      this.s[i] = x
    }
    if ((this.s[0] | this.s[1] | this.s[2]) === 0) this.s[0] = 1
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** Uniform uint32. */
  nextUint32(): number {
    const s = this.s
    const a = s[0], b = s[1], c = s[2], d = s[3]
    const t = (((a + b) >>> 0) + d) >>> 0
    s[3] = (d + 1) >>> 0
    s[0] = b ^ (b >>> 9)
    s[1] = (c + (c << 3)) >>> 0
    s[2] = ((c << 21) | (c >>> 11)) >>> 0
    s[2] = (s[2] + t) >>> 0
    return t
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5 // 27 bits
    const lo = this.nextUint32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /** Uniform float64 in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat()
  }

  /** Uniform integer in [0, n). Unbiased (rejection sampling). */
  nextInt(n: number): number {
    if (!(n > 0 && n <= UINT32 && Number.isInteger(n))) throw new RangeError(`nextInt bound must be an integer in 1..2^32, got ${n}`)
    const limit = UINT32 - (UINT32 % n)
    let x: number
    do x = this.nextUint32()
    while (x >= limit)
    return x % n
  }

  /** Poisson-distributed integer (Knuth for small means, normal approximation with rounding above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0
    if (mean < 30) {
      const limit = Math.exp(-mean)
      let k = 0
      let p = this.nextFloat()
      while (p > limit) {
        k++
        p *= this.nextFloat()
      }
      return k
    }
    // Box–Muller; large means only occur with unusual rate scales.
    const u1 = 1 - this.nextFloat()
    const u2 = this.nextFloat()
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z))
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1)
      const tmp = items[i]
      items[i] = items[j]
      items[j] = tmp
    }
    return items
  }

  /** An independent child stream named by `key`; the parent's state is not advanced. */
  split(key: string | number): Rng {
    const k = typeof key === 'number' ? mix32(key >>> 0) : hashString(key)
    const s = this.s
    const child: RngState = [mix32(s[0] ^ k), mix32(s[1] + k), mix32(s[2] ^ mix32(k)), mix32(s[3] + 0x6a09e667 + k)]
    return new Rng(child)
  }

  getState(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]]
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v >= UINT32)) {
      throw new RangeError('RNG state must be four uint32 values')
    }
    this.s.set(state)
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1
  }
}
