/**
 * The seed model's receptive field ("potential map"): each input's potential is a 5×5 (or any
 * odd-sized) kernel applied to the image around it, pixels scaled by 1/255.
 *
 * Exactness: the reference sums, for output (r, c), K[a][b]·pixel[r+a][c+b]/255 over a, then b,
 * left to right. Each term is a function of (kernel entry, pixel value) only, so all
 * kernel×256 terms are tabulated once with the same operations (multiply, then divide). The
 * image is then scattered pixel by pixel in row-major order: every output receives its terms in
 * exactly the reference's order, zero pixels (which add ±0) are skipped, and the result is
 * bit-identical while touching only the non-zero pixels.
 */
export class ReceptiveField {
  private readonly radius: number
  private readonly size: number
  /** terms[(a·size + b)·256 + p] = K[a][b]·p/255 */
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
    this.terms = new Float64Array(size * size * 256)
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) {
        const k = kernel[a][b]
        for (let p = 0; p < 256; p++) this.terms[(a * size + b) * 256 + p] = (k * p) / 255
      }
    }
  }

  /** Potential of every input for one image (height × width pixels at `offset` in `pixels`). */
  apply(pixels: Uint8Array, offset: number, out: Float64Array): Float64Array {
    const { width, height, radius, size, terms } = this
    out.fill(0)
    for (let sr = 0; sr < height; sr++) {
      for (let sc = 0; sc < width; sc++) {
        const p = pixels[offset + sr * width + sc]
        if (p === 0) continue
        // Source pixel (sr, sc) is term (a, b) of output (sr − a, sc − b), a, b ∈ −radius..radius.
        for (let a = -radius; a <= radius; a++) {
          const r = sr - a
          if (r < 0 || r >= height) continue
          const rowTerms = (a + radius) * size
          for (let b = -radius; b <= radius; b++) {
            const c = sc - b
            if (c < 0 || c >= width) continue
            out[r * width + c] += terms[(rowTerms + b + radius) * 256 + p]
          }
        }
      }
    }
    return out
  }
}
