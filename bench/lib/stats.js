'use strict'
// Medians, percentiles and the per-workload table.

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** Nearest-rank percentile (p in 0..100). */
function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)))
  return v[rank - 1]
}

function fmt(value, digits) {
  if (!Number.isFinite(value)) return '-'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/**
 * One row per client: each metric's median and its ratio to client (a) (value / value of
 * (a); for events/s higher is better, for every other metric lower is better).
 */
function formatTable(result, clients, specs, metrics) {
  const base = result.medians.a
  const header = ['client']
  for (const m of metrics) header.push(m.label, base ? 'x (a)' : '')
  const rows = [header]
  for (const c of clients) {
    const row = [specs[c].label]
    const med = result.medians[c]
    for (const m of metrics) {
      if (!med) {
        row.push('failed', '')
        continue
      }
      row.push(fmt(med[m.key], m.digits))
      row.push(base && Number.isFinite(base[m.key]) && base[m.key] !== 0 ? `${fmt(med[m.key] / base[m.key], 3)}x` : '')
    }
    rows.push(row)
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)))
  let out = ''
  for (const row of rows) {
    out += `  ${row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ').trimEnd()}\n`
  }
  for (const [c, message] of Object.entries(result.errors)) out += `  ${specs[c].label} failed: ${message.split('\n')[0]}\n`
  return out
}

module.exports = { median, percentile, formatTable }
