/**
 * An experiment config as flat `dotted.key → text` pairs: what the run store keeps as params
 * (filter "learning.rate = 0.02") and what the UI diffs between runs. Pure: no imports.
 */

/** Stands in for values too big to keep as a param (inline weights and images). */
export const INLINE_PLACEHOLDER = '(inline)'

/** Paths whose values are data rather than settings. */
const INLINE_PATHS = new Set(['init.weights', 'data.source.images', 'data.testSource.images'])

/** Longer texts (a long `data.order`, say) are data too; a param value stays short enough to show and filter on. */
const MAX_VALUE_LENGTH = 1000

/**
 * Objects become dotted keys; arrays (of numbers or of objects) become JSON text, e.g.
 * `data.classes` → "[0,1,2]", `network.layers` → `[{"neurons":5}]`; numbers as JS prints them
 * (`learning.rate` → "0.02"); undefined fields are left out.
 */
export function flattenConfig(config: object): Record<string, string> {
  const flat: Record<string, string> = {}
  const visit = (value: unknown, path: string): void => {
    if (value === undefined) return
    if (INLINE_PATHS.has(path)) {
      flat[path] = INLINE_PLACEHOLDER
      return
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, path ? `${path}.${key}` : key)
      return
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    flat[path] = text.length > MAX_VALUE_LENGTH ? INLINE_PLACEHOLDER : text
  }
  visit(config, '')
  return flat
}
