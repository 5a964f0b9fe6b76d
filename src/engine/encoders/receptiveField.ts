import { RecentTables } from '../recentTables'

/** Term tables, shared (read only) by receptive fields of the same kernel (see RecentTables). */
const recentTerms = new RecentTables<Float64Array>(4)

/** The term table of `kernel` (square, odd size): see ReceptiveField.terms. */
function kernelTerms(kernel: readonly (readonly number[])[]): Float64Array {
  return recentTerms.get(kernel.flat(), () => {
    const size = kernel.length
    const k2 = size * size
    const terms = new Float64Array(k2 * 256)
    for (let p = 0; p < 256; p++) {
      for (let a = 0; a < size; a++) {
        for (let b = 0; b < size; b++) terms[p * k2 + a * size + b] = (kernel[size - 1 - a][size - 1 - b] * p) / 255
      }
    }
    return terms
  })
}

/**
 * The seed model's receptive field ("potential map"): each input's potential is a k×k kernel
 * (k odd, 5 in the seed) applied to the image around it, pixels scaled by 1/255.
 *
 * Exactness: the reference sums, for output (r, c), K[a][b]·pixel[r+a][c+b]/255 over a, then b,
 * left to right, skipping pixels outside the image. Each term depends only on (kernel entry,
 * pixel value), so all k²×256 terms are tabulated once with the same operations (multiply, then
 * divide). The image is then scattered source pixel by source pixel in row-major order: every
 * output receives its terms in exactly the reference's order, zero pixels (which add ±0) are
 * skipped, and the result is bit-identical while touching only the non-zero pixels. Outputs are
 * accumulated in a buffer padded by the kernel radius so the inner loop has no bounds checks,
 * and only the outputs within the radius of a non-zero pixel's bounding box are read back.
 */
export class ReceptiveField {
  private readonly radius: number
  private readonly size: number
  private readonly paddedWidth: number
  private readonly padded: Float64Array
  /** terms[p·k² + a·k + b] = K[k−1−a][k−1−b]·p/255: kernel flipped so the scatter walks forward. Shared (kernelTerms): never written. */
  private readonly terms: Float64Array
  /** Bounding box of the last image's non-zero pixels (set by accumulate). */
  private rowLo = 0
  private rowHi = -1
  private colLo = 0
  private colHi = -1

  constructor(
    kernel: readonly (readonly number[])[],
    readonly width: number,
    readonly height: number
  ) {
    const size = kernel.length
    if (size % 2 !== 1 || kernel.some((row) => row.length !== size)) {
      throw new RangeError(`receptive-field kernel must be square with odd size, got ${size}×${kernel[0]?.length}`)
    }
    this.size = size
    this.radius = (size - 1) / 2
    this.paddedWidth = width + 2 * this.radius
    this.padded = new Float64Array(this.paddedWidth * (height + 2 * this.radius))
    this.terms = kernelTerms(kernel)
  }

  /** Potential of every input for one image (height × width pixels at `offset` in `pixels`). */
  apply(pixels: Uint8Array, offset: number, out: Float64Array): Float64Array {
    this.copyOut(this.accumulate(pixels, offset), out, null)
    return out
  }

  /**
   * apply(), and also list the inputs whose potential is > 0 in `positive`, ascending (the only
   * inputs a rate code fires), found while copying out. Returns how many.
   */
  applyListingPositive(pixels: Uint8Array, offset: number, out: Float64Array, positive: Int32Array): number {
    return this.copyOut(this.accumulate(pixels, offset), out, positive)
  }

  /**
   * Scatter the image's non-zero pixels into `padded`. Returns whether any pixel is non-zero;
   * their bounding box is left in rowLo … colHi (outputs farther than the radius from it stay 0).
   */
  private accumulate(pixels: Uint8Array, offset: number): boolean {
    const { width, height, size, padded, paddedWidth, terms } = this
    padded.fill(0)
    let rowLo = height
    let rowHi = -1
    let colLo = width
    let colHi = -1
    for (let sr = 0; sr < height; sr++) {
      const rowStart = offset + sr * width
      let first = -1
      let last = -1
      for (let sc = 0; sc < width; sc++) {
        const p = pixels[rowStart + sc]
        if (p === 0) continue
        if (first < 0) first = sc
        last = sc
        // Source (sr, sc) feeds outputs (sr − a', sc − b') for a', b' ∈ −radius..radius; in padded
        // coordinates the top-left one is (sr, sc) and the flipped table walks it forward.
        const o = sr * paddedWidth + sc
        if (size !== 5) {
          this.scatterAny(p, o)
          continue
        }
        // The seed's 5×5 kernel, fully unrolled and inline: about twice as fast as the loop.
        const k = p * 25
        const o1 = o + paddedWidth
        const o2 = o1 + paddedWidth
        const o3 = o2 + paddedWidth
        const o4 = o3 + paddedWidth
        padded[o] += terms[k]
        padded[o + 1] += terms[k + 1]
        padded[o + 2] += terms[k + 2]
        padded[o + 3] += terms[k + 3]
        padded[o + 4] += terms[k + 4]
        padded[o1] += terms[k + 5]
        padded[o1 + 1] += terms[k + 6]
        padded[o1 + 2] += terms[k + 7]
        padded[o1 + 3] += terms[k + 8]
        padded[o1 + 4] += terms[k + 9]
        padded[o2] += terms[k + 10]
        padded[o2 + 1] += terms[k + 11]
        padded[o2 + 2] += terms[k + 12]
        padded[o2 + 3] += terms[k + 13]
        padded[o2 + 4] += terms[k + 14]
        padded[o3] += terms[k + 15]
        padded[o3 + 1] += terms[k + 16]
        padded[o3 + 2] += terms[k + 17]
        padded[o3 + 3] += terms[k + 18]
        padded[o3 + 4] += terms[k + 19]
        padded[o4] += terms[k + 20]
        padded[o4 + 1] += terms[k + 21]
        padded[o4 + 2] += terms[k + 22]
        padded[o4 + 3] += terms[k + 23]
        padded[o4 + 4] += terms[k + 24]
      }
      if (first < 0) continue
      if (rowHi < 0) rowLo = sr
      rowHi = sr
      if (first < colLo) colLo = first
      if (last > colHi) colHi = last
    }
    this.rowLo = rowLo
    this.rowHi = rowHi
    this.colLo = colLo
    this.colHi = colHi
    return rowHi >= 0
  }

  /** Copy the outputs near the non-zero pixels to `out` (zero elsewhere), listing positive ones when asked. */
  private copyOut(any: boolean, out: Float64Array, positive: Int32Array | null): number {
    const { width, height, radius, padded, paddedWidth } = this
    out.fill(0)
    if (!any) return 0
    const r0 = Math.max(0, this.rowLo - radius)
    const r1 = Math.min(height - 1, this.rowHi + radius)
    const c0 = Math.max(0, this.colLo - radius)
    const c1 = Math.min(width - 1, this.colHi + radius)
    let count = 0
    for (let r = r0; r <= r1; r++) {
      const from = (r + radius) * paddedWidth + radius
      const to = r * width
      if (positive === null) {
        for (let c = c0; c <= c1; c++) out[to + c] = padded[from + c]
        continue
      }
      for (let c = c0; c <= c1; c++) {
        const v = padded[from + c]
        out[to + c] = v
        if (v > 0) positive[count++] = to + c
      }
    }
    return count
  }

  private scatterAny(p: number, o: number): void {
    const { padded, terms, paddedWidth, size } = this
    let ta = p * size * size
    for (let a = 0; a < size; a++, ta += size, o += paddedWidth) {
      for (let b = 0; b < size; b++) padded[o + b] += terms[ta + b]
    }
  }
}
