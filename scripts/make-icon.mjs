// Draws resources/icon.png (256×256): a stylised spike raster on a rounded dark tile.
// Deterministic; rerun with `node scripts/make-icon.mjs` after changing the design.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { encode } from 'fast-png'

const SIZE = 256
const SS = 4 // supersampling per axis, for smooth edges
const RADIUS = 52
const BG_TOP = [24, 30, 56]
const BG_BOTTOM = [12, 15, 30]
const ROWS = [
  // [y centre, colour, spike x positions]
  [62, [94, 234, 212], [44, 70, 121, 168, 206]],
  [98, [94, 234, 212], [58, 104, 130, 187]],
  [134, [251, 191, 36], [44, 88, 128, 150, 172, 212]],
  [170, [94, 234, 212], [66, 118, 160, 198]],
  [206, [94, 234, 212], [50, 96, 140, 180, 214]]
]
const TICK_HALF_W = 4.5
const TICK_HALF_H = 13

function insideTile(x, y) {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - RADIUS)
  const cy = Math.min(Math.max(y, RADIUS), SIZE - RADIUS)
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2
}

/** Colour of one sub-sample, or null outside the tile. */
function sample(x, y) {
  if (!insideTile(x, y)) return null
  for (const [rowY, colour, spikes] of ROWS) {
    if (Math.abs(y - rowY) > TICK_HALF_H) continue
    for (const sx of spikes) if (Math.abs(x - sx) <= TICK_HALF_W) return colour
  }
  const t = y / SIZE
  return BG_TOP.map((c, i) => c + (BG_BOTTOM[i] - c) * t)
}

const data = new Uint8Array(SIZE * SIZE * 4)
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    let r = 0, g = 0, b = 0, hits = 0
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const c = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
        if (!c) continue
        r += c[0]; g += c[1]; b += c[2]; hits++
      }
    }
    const o = (py * SIZE + px) * 4
    if (hits > 0) {
      data[o] = Math.round(r / hits)
      data[o + 1] = Math.round(g / hits)
      data[o + 2] = Math.round(b / hits)
    }
    data[o + 3] = Math.round((255 * hits) / (SS * SS))
  }
}

const out = fileURLToPath(new URL('../resources/icon.png', import.meta.url))
writeFileSync(out, encode({ width: SIZE, height: SIZE, data, channels: 4, depth: 8 }))
console.log(`wrote ${out}`)
