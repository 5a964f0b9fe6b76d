/** The decoded bundled MNIST in its file cache: the same bytes as parsing the JSON, and a bad cache file is ignored. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bundledMnistDigitsDir, decodeBundledMnistDigits, loadBundledMnistDigitBytes, readDigitCache, writeDigitCache } from '../../src/engine/host/bundledMnist'

/** Byte-wise equality as one comparison (an element-wise toEqual over 7.8 MB takes minutes). */
const same = (a: readonly Uint8Array[] | null, b: readonly Uint8Array[]) =>
  a !== null && a.length === b.length && a.every((digit, d) => Buffer.from(digit).equals(Buffer.from(b[d])))

const dir = mkdtempSync(join(tmpdir(), 'snn-mnist-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bundled MNIST file cache', () => {
  it('gives back exactly the bytes decoded from the JSON lists; a foreign or cut-short file reads as missing', () => {
    const decoded = decodeBundledMnistDigits(bundledMnistDigitsDir())
    // What a process loads (from the cache when an earlier one wrote it) is the decoded data.
    expect(same(loadBundledMnistDigitBytes(), decoded)).toBe(true)

    const file = join(dir, 'digits.bin')
    writeDigitCache(file, decoded)
    expect(same(readDigitCache(file), decoded)).toBe(true)
    expect(same(readDigitCache(file), [decoded[1], ...decoded.slice(1)])).toBe(false)
    const whole = readFileSync(file)
    writeFileSync(file, whole.subarray(0, whole.length - 1))
    expect(readDigitCache(file)).toBeNull()
    writeFileSync(file, Buffer.concat([Buffer.from('NOTMNIST'), whole.subarray(8)]))
    expect(readDigitCache(file)).toBeNull()
    expect(readDigitCache(join(dir, 'missing.bin'))).toBeNull()
  })
})
