/** chart.js pieces the app uses, registered once (tree-shaken build). */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, Filler } from 'chart.js'

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler)

/** A colour per series that reads on light and dark backgrounds. */
export const SERIES_COLOURS = ['#0f766e', '#2563eb', '#c026d3', '#ea580c', '#65a30d', '#dc2626', '#7c3aed', '#0891b2']
