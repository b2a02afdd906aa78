#!/usr/bin/env node
/**
 * Draws the headline benchmark ratios (each twat-cache goal measured against a baseline in the same run) as a bar
 * chart, docs/performance.svg, from the JSON that `BENCH_JSON=bench/results.json npm run bench` saves.
 *
 *   node scripts/perf-chart.mjs [results.json] [chart.svg]     default: bench/results.json → docs/performance.svg
 *
 * The SVG is hand-written text: a chart of horizontal bars is a few rectangles, lines and labels, which needs no
 * charting library (and the chart stays a plain file that diffs and renders anywhere).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** A ratio goal's target, as the bench harness writes it: "≤ 1.5× lru-cache memo · hot key". */
const RATIO_TARGET = /^≤ (\d+(?:\.\d+)?)× (.+)$/

/**
 * The bars: every goal with a measured ratio to a baseline (`ratioGoal` in bench/harness/report.mjs), with the
 * goal's limit and verdict. Goals with an absolute target (nanoseconds, MB/s) are left out: they have no baseline.
 */
export function headlineRatios(results) {
  if (!results || !Array.isArray(results.goals)) throw new Error('perf-chart: expected the JSON of BENCH_JSON, with a "goals" list')
  return results.goals.flatMap((goal) => {
    const target = RATIO_TARGET.exec(goal.target ?? '')
    if (!target || typeof goal.ratio !== 'number' || !Number.isFinite(goal.ratio)) return []
    return [{ label: goal.goal, ratio: goal.ratio, limit: Number(target[1]), baseline: target[2], pass: goal.pass }]
  })
}

/** Text for SVG content and attribute values. */
function escapeXml(text) {
  return String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

/** Pixels to one decimal keep the file small and stable from run to run. */
const px = (n) => Math.round(n * 10) / 10

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'
const COLORS = { met: '#2f855a', missed: '#c53030', unknown: '#718096', axis: '#4a5568', grid: '#e2e8f0', limit: '#1a202c' }
/** Ratios above this are drawn to the edge and labelled, so one outlier does not flatten every other bar. */
const SCALE_CAP = 5
/** Longer goal names are shortened on the chart (the full name is in the bar's tooltip). */
const LABEL_CHARS = 64
/** Width of a character of the 12 px label font, roughly: the label column is sized from it. */
const CHAR_WIDTH = 6.9

function shorten(label) {
  return label.length <= LABEL_CHARS ? label : `${label.slice(0, LABEL_CHARS - 1).trimEnd()}…`
}

/** The chart of {@link headlineRatios} as SVG text. */
export function renderChart(results) {
  const bars = headlineRatios(results)
  const rowHeight = 26
  const labelWidth = Math.max(160, Math.max(0, ...bars.map((b) => shorten(b.label).length)) * CHAR_WIDTH + 16)
  const plotWidth = 420
  const top = 64
  const left = labelWidth
  const width = left + plotWidth + 70
  const height = top + Math.max(1, bars.length) * rowHeight + 46
  const scaleMax = Math.min(SCALE_CAP, Math.ceil(Math.max(1.5, ...bars.map((b) => Math.max(b.ratio, b.limit))) * 2) / 2)
  const x = (ratio) => left + (Math.min(ratio, scaleMax) / scaleMax) * plotWidth
  const subtitle = [results.measured?.slice(0, 10), results.machine, results.quick ? 'QUICK run, not meaningful' : undefined]
    .filter(Boolean)
    .join(' — ')

  const out = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc">`,
  )
  out.push(`<title id="title">twat-cache against its baselines (lower is better)</title>`)
  out.push(
    `<desc id="desc">${escapeXml(bars.map((b) => `${b.label}: ${b.ratio.toFixed(2)}× (goal ≤ ${b.limit}×)`).join('; ') || 'no ratio goals measured')}</desc>`,
  )
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(
    `<text x="12" y="24" ${FONT} font-size="15" font-weight="600" fill="${COLORS.limit}">twat-cache ÷ baseline measured in the same run (lower is better)</text>`,
  )
  out.push(`<text x="12" y="44" ${FONT} font-size="11" fill="${COLORS.axis}">${escapeXml(subtitle)}</text>`)

  // Grid lines every 0.5×, the baseline (1×) drawn darker.
  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.5) {
    const tx = px(x(tick))
    const baseline = tick === 1
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + bars.length * rowHeight}" stroke="${baseline ? COLORS.axis : COLORS.grid}" stroke-width="${baseline ? 1.5 : 1}"/>`,
    )
    out.push(
      `<text x="${tx}" y="${top + bars.length * rowHeight + 16}" ${FONT} font-size="11" fill="${COLORS.axis}" text-anchor="middle">${tick}×</text>`,
    )
  }

  bars.forEach((bar, i) => {
    const y = top + i * rowHeight
    const color = bar.pass === true ? COLORS.met : bar.pass === false ? COLORS.missed : COLORS.unknown
    const end = x(bar.ratio)
    const beyond = bar.ratio > scaleMax
    out.push(`<g class="bar">`)
    out.push(
      `<title>${escapeXml(`${bar.label}: ${bar.ratio.toFixed(2)}× ${bar.baseline}; goal ≤ ${bar.limit}× (${bar.pass === true ? 'met' : bar.pass === false ? 'missed' : 'not judged'})`)}</title>`,
    )
    out.push(
      `<text x="${left - 8}" y="${y + 17}" ${FONT} font-size="12" fill="${COLORS.limit}" text-anchor="end">${escapeXml(shorten(bar.label))}</text>`,
    )
    out.push(`<rect x="${left}" y="${y + 5}" width="${px(Math.max(1, end - left))}" height="${rowHeight - 10}" fill="${color}" rx="2"/>`)
    out.push(
      `<line x1="${px(x(bar.limit))}" y1="${y + 2}" x2="${px(x(bar.limit))}" y2="${y + rowHeight - 2}" stroke="${COLORS.limit}" stroke-width="2" stroke-dasharray="3 2"/>`,
    )
    // The value goes right of the bar, or right of the limit mark when that is just past the bar's end.
    const labelX = end < x(bar.limit) && x(bar.limit) - end < 44 ? x(bar.limit) + 6 : end + 6
    out.push(
      `<text x="${px(labelX)}" y="${y + 17}" ${FONT} font-size="12" fill="${COLORS.limit}">${bar.ratio.toFixed(2)}×${beyond ? ' ›' : ''}</text>`,
    )
    out.push(`</g>`)
  })

  const legendY = height - 12
  out.push(
    `<rect x="12" y="${legendY - 9}" width="10" height="10" fill="${COLORS.met}"/><text x="26" y="${legendY}" ${FONT} font-size="11" fill="${COLORS.axis}">goal met</text>`,
  )
  out.push(
    `<rect x="92" y="${legendY - 9}" width="10" height="10" fill="${COLORS.missed}"/><text x="106" y="${legendY}" ${FONT} font-size="11" fill="${COLORS.axis}">goal missed</text>`,
  )
  out.push(
    `<line x1="186" y1="${legendY - 9}" x2="186" y2="${legendY + 1}" stroke="${COLORS.limit}" stroke-width="2" stroke-dasharray="3 2"/><text x="193" y="${legendY}" ${FONT} font-size="11" fill="${COLORS.axis}">the goal's limit · 1× = as fast as the baseline</text>`,
  )
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

function main(argv) {
  const input = path.resolve(argv[0] ?? path.join(ROOT, 'bench', 'results.json'))
  const output = path.resolve(argv[1] ?? path.join(ROOT, 'docs', 'performance.svg'))
  let results
  try {
    results = JSON.parse(readFileSync(input, 'utf8'))
  } catch (error) {
    console.error(
      `perf-chart: cannot read ${input} (${error.message}); make it with BENCH_JSON=${path.relative(process.cwd(), input)} npm run bench`,
    )
    return 2
  }
  const svg = renderChart(results)
  writeFileSync(output, svg)
  console.log(
    `${path.relative(process.cwd(), output)}: ${headlineRatios(results).length} ratios from ${path.relative(process.cwd(), input)}`,
  )
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2))
