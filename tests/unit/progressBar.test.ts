/** The CLI's progress bar: drawn on a terminal only, throttled but always showing the end, and its line ended only if it was drawn. */
import { describe, expect, it } from 'vitest'
import { ProgressBar } from '../../src/cli/terminal'

function stream(isTTY: boolean) {
  const written: string[] = []
  return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream }
}

describe('ProgressBar', () => {
  it('draws on a terminal, at most every 100 ms but always the last state, and ends its line', () => {
    const tty = stream(true)
    const bar = new ProgressBar('export', tty.stream)
    bar.update(1, 4)
    bar.update(2, 4) // within 100 ms of the first: skipped
    bar.update(4, 4) // done: drawn although within 100 ms
    bar.finish()
    expect(tty.written).toHaveLength(3)
    expect(tty.written[0]).toMatch(/^\rexport █{7}░{21} 1\/4 /)
    expect(tty.written[1]).toMatch(/^\rexport █{28} 4\/4 /)
    expect(tty.written[2]).toBe('\n')
  })

  it('writes nothing when it never drew (work without progress) or when the stream is not a terminal', () => {
    const tty = stream(true)
    new ProgressBar('export', tty.stream).finish()
    expect(tty.written).toEqual([])
    const pipe = stream(false)
    const bar = new ProgressBar('export', pipe.stream)
    bar.update(2, 2)
    bar.finish()
    expect(pipe.written).toEqual([])
  })
})
