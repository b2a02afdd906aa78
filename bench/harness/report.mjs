/**
 * Turning measurements into verdicts and tables: goal rows (value, ratio, target, met or missed) and the markdown
 * printed at the end of a run, ready to paste into bench/README.md.
 */

/** A number with a sensible precision: 3.42, 34.2, 342, 3,420. */
export function formatNumber(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–'
  if (!Number.isFinite(value)) return '∞'
  const magnitude = Math.abs(value)
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US')
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

export function formatNs(ns) {
  if (ns === undefined) return '–'
  if (ns >= 1e6) return `${formatNumber(ns / 1e6)} ms`
  if (ns >= 1e4) return `${formatNumber(ns / 1e3)} µs`
  return `${formatNumber(ns)} ns`
}

export function formatRatio(ratio) {
  return ratio === undefined ? '–' : `${ratio.toFixed(2)}×`
}

function measuredValue(result) {
  return result?.ns ?? result?.value
}

function describe(result, unit = 'ns') {
  if (!result) return 'not measured'
  if (result.skip) return `skipped: ${result.skip}`
  if (result.ns !== undefined) return formatNs(result.ns)
  return `${formatNumber(result.value)} ${result.unit ?? unit}`
}

/** A goal "subject ≤ max × baseline" (both measured in this run). */
export function ratioGoal(results, { goal, subject, baseline, max, note }) {
  const a = results[subject]
  const b = results[baseline]
  if (!a || !b || a.skip || b.skip) {
    return { goal, value: describe(a?.skip ? a : b), target: `≤ ${max}× ${baseline}`, pass: undefined, note: a?.skip ?? b?.skip ?? note }
  }
  const ratio = measuredValue(a) / measuredValue(b)
  return {
    goal,
    value: `${describe(a)} vs ${describe(b)}`,
    ratio,
    target: `≤ ${max}× ${baseline}`,
    pass: ratio <= max,
    note,
  }
}

/** A goal "subject ≤ limit" in absolute terms (or `min`: ≥ limit), with an optional ratio to a reference shown. */
export function limitGoal(results, { goal, subject, max, min, unit = 'ns', reference, note }) {
  const a = results[subject]
  const target = max !== undefined ? `≤ ${formatNumber(max)} ${unit}` : `≥ ${formatNumber(min)} ${unit}`
  if (!a || a.skip) return { goal, value: describe(a), target, pass: undefined, note: a?.skip ?? note }
  const value = measuredValue(a)
  const ref = reference ? results[reference] : undefined
  return {
    goal,
    value: describe(a, unit),
    ratio: ref && !ref.skip ? value / measuredValue(ref) : undefined,
    target,
    pass: (max === undefined || value <= max) && (min === undefined || value >= min),
    note: note ?? (ref && !ref.skip ? `ratio vs ${reference}` : undefined),
  }
}

export function verdict(pass) {
  return pass === undefined ? 'n/a' : pass ? 'met' : 'MISSED'
}

/** A markdown table from a header and rows of cells. */
export function markdownTable(header, rows) {
  const escapeCell = (cell) => String(cell ?? '').replaceAll('|', '\\|')
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n')
}

export function goalRows(goals) {
  return goals.map((g) => [g.goal, g.value, formatRatio(g.ratio), g.target, verdict(g.pass) + (g.note ? ` (${g.note})` : '')])
}

export const GOAL_HEADER = ['goal', 'measured', 'ratio', 'target', 'result']
