'use strict'
// Terminal formatting shared by the CLI and the demo: the models table in the shape of
// `openclaw models list`, and colour that appears only on a TTY and never with NO_COLOR.

function colorEnabled(stream) {
  return Boolean(stream && stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
}

function painter(stream) {
  const on = colorEnabled(stream)
  const wrap = (open, close) => (text) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : String(text))
  return { dim: wrap(2, 22), bold: wrap(1, 22), red: wrap(31, 39), green: wrap(32, 39), cyan: wrap(36, 39), yellow: wrap(33, 39) }
}

/** 200000 -> "200k", 1000000 -> "1M": the gateway's compact context-window figure. */
function formatTokens(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return '-'
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`
  return `${Math.round(n / 1000)}k`
}

/**
 * Rows for `models list`, in the shape of `openclaw models list`: the table columns
 * Model, Input, Ctx, Local, Auth, Tags and, for `--json`, the same row fields (`key`,
 * `name`, `input`, `contextWindow`, `local`, `available`, `tags`, `missing`) plus the
 * discovered entry's own (`id`, `reasoning`, `maxTokens`, `cost`).
 */
function modelRows(models, { provider = 'amazon-bedrock', authAvailable = true } = {}) {
  return models.map((m) => {
    const input = (m.input && m.input.length ? m.input : ['text']).join('+')
    const tags = m.reasoning ? ['reasoning'] : []
    return {
      key: `${provider}/${m.id}`,
      id: m.id,
      name: m.name ?? m.id,
      input,
      contextWindow: m.contextWindow ?? null,
      maxTokens: m.maxTokens ?? null,
      reasoning: Boolean(m.reasoning),
      cost: m.cost,
      local: false,
      available: authAvailable,
      tags,
      missing: false,
      // table cells
      model: `${provider}/${m.id}`,
      ctx: formatTokens(m.contextWindow),
      localCell: 'no',
      auth: authAvailable ? 'yes' : 'no',
      tagsCell: tags.join(',') || '-',
    }
  })
}

/** The `--json` form of a row (the table-only cells left out). */
function jsonRow(row) {
  const { model, ctx, localCell, tagsCell, auth, ...rest } = row
  return rest
}

function renderTable(rows, columns) {
  const widths = columns.map((c) => Math.max(c.title.length, ...rows.map((r) => String(r[c.key]).length)))
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns.map((c) => c.title)), ...rows.map((r) => line(columns.map((c) => r[c.key])))].join('\n')
}

const MODEL_COLUMNS = [
  { key: 'model', title: 'Model' },
  { key: 'input', title: 'Input' },
  { key: 'ctx', title: 'Ctx' },
  { key: 'localCell', title: 'Local' },
  { key: 'auth', title: 'Auth' },
  { key: 'tagsCell', title: 'Tags' },
]

module.exports = { colorEnabled, painter, formatTokens, modelRows, jsonRow, renderTable, MODEL_COLUMNS }
