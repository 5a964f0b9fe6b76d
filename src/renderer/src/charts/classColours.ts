/**
 * One colour per class label (digit), the same in every live and run-page view, so a label reads
 * the same in the winner strip, the raster and the class-response bars. Tableau-10 hues: distinct
 * on light and dark backgrounds.
 */
const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac']

/** The colour of class label `label` (labels beyond ten wrap around). */
export function classColour(label: number): string {
  return label < 0 ? '#9ca3af' : CLASS_COLOURS[label % CLASS_COLOURS.length]
}

const themeCache = new Map<string, string>()

/**
 * A theme colour (CSS custom property) for canvas drawing, or `fallback`. Cached per theme:
 * reading computed style after Vue has patched the DOM forces a style recalculation, which a
 * live view drawing several times a second should not pay.
 */
export function cssVar(el: Element, name: string, fallback: string): string {
  const key = `${document.documentElement.dataset.theme ?? ''}|${name}`
  let value = themeCache.get(key)
  if (value === undefined) {
    value = getComputedStyle(el).getPropertyValue(name).trim()
    if (value) themeCache.set(key, value)
  }
  return value || fallback
}
