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
 * accumulated in a buffer padded by the kernel radius so the inner loop has no bounds checks.
 */
export class ReceptiveField {
  private readonly radius: number
  private readonly size: number
  private readonly paddedWidth: number
  private readonly padded: Float64Array
  /** terms[p·k² + a·k + b] = K[k−1−a][k−1−b]·p/255: kernel flipped so the scatter walks forward. */
  private readonly terms: Float64Array

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
    const k2 = size * size
    this.terms = new Float64Array(k2 * 256)
    for (let p = 0; p < 256; p++) {
      for (let a = 0; a < size; a++) {
        for (let b = 0; b < size; b++) this.terms[p * k2 + a * size + b] = (kernel[size - 1 - a][size - 1 - b] * p) / 255
      }
    }
  }

  /** Potential of every input for one image (height × width pixels at `offset` in `pixels`). */
  apply(pixels: Uint8Array, offset: number, out: Float64Array): Float64Array {
    const { width, height, radius, size, terms, padded, paddedWidth } = this
    const k2 = size * size
    padded.fill(0)
    for (let sr = 0; sr < height; sr++) {
      const rowStart = offset + sr * width
      for (let sc = 0; sc < width; sc++) {
        const p = pixels[rowStart + sc]
        if (p === 0) continue
        // Source (sr, sc) feeds outputs (sr − a', sc − b') for a', b' ∈ −radius..radius; in padded
        // coordinates the top-left one is (sr, sc) and the flipped table walks it forward.
        let ta = p * k2
        let o = sr * paddedWidth + sc
        if (size === 5) {
          // The seed's 5×5 kernel, unrolled: about a third faster than the generic loop.
          for (let a = 0; a < 5; a++, ta += 5, o += paddedWidth) {
            padded[o] += terms[ta]
            padded[o + 1] += terms[ta + 1]
            padded[o + 2] += terms[ta + 2]
            padded[o + 3] += terms[ta + 3]
            padded[o + 4] += terms[ta + 4]
          }
          continue
        }
        for (let a = 0; a < size; a++, ta += size, o += paddedWidth) {
          for (let b = 0; b < size; b++) padded[o + b] += terms[ta + b]
        }
      }
    }
    for (let r = 0; r < height; r++) {
      const from = (r + radius) * paddedWidth + radius
      const to = r * width
      for (let c = 0; c < width; c++) out[to + c] = padded[from + c]
    }
    return out
  }
}
