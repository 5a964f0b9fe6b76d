/** How numbers and times are shown, in one place. */

export function percent(fraction: number | null | undefined, digits = 1): string {
  return fraction === null || fraction === undefined ? '—' : `${(100 * fraction).toFixed(digits)}%`
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function rate(imagesPerSecond: number | null | undefined): string {
  if (imagesPerSecond === null || imagesPerSecond === undefined) return ''
  return `${imagesPerSecond >= 100 ? imagesPerSecond.toFixed(0) : imagesPerSecond.toFixed(1)} images/s`
}
