/** A set of grayscale images held as one flat uint8 buffer (row-major, image after image). */
export interface ImageSet {
  /** Human-readable origin, e.g. "bundled MNIST" or a file path; used in error messages and records. */
  source: string
  width: number
  height: number
  count: number
  /** count × height × width values 0..255; pixel (r, c) of image i is at i·h·w + r·w + c. */
  pixels: Uint8Array
  /** Class label per image (0-based). */
  labels: Int32Array
  /** Optional display names per class label (e.g. Fashion-MNIST's "T-shirt/top"). */
  classNames?: string[]
}

/** Raised for any unreadable, corrupt or inconsistent dataset input; the message names the file. */
export class DatasetError extends Error {
  override name = 'DatasetError'
}
