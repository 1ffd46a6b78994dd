// Prints the rows of `crates/core/src/model_family.rs`'s CATALOGUE from a pi-ai release's
// Bedrock catalogue, so a new pi-ai is a regenerated table and a reviewed diff:
//   node scripts/gen-model-table.mjs [path/to/pi-ai] > /tmp/rows.rs
// then paste between the `BEGIN/END generated` markers. Needs pi-ai >= 1.6 (ESM).
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const dir = path.resolve(process.argv[2] ?? 'node_modules/@earendil-works/pi-ai')
const { AMAZON_BEDROCK_MODELS } = await import(pathToFileURL(path.join(dir, 'dist/providers/amazon-bedrock.models.js')).href)

const num = (n) => (Number.isInteger(n) ? `${n}.0` : String(n))
const rates = (c) => `rates(${num(c.input)}, ${num(c.output)}, ${num(c.cacheRead)}, ${num(c.cacheWrite)})`
const int = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '_')
const level = (v) => (v === undefined ? 'Absent' : v === null ? 'Refused' : `Native(${JSON.stringify(v)})`)

const models = Object.values(AMAZON_BEDROCK_MODELS).sort((a, b) => a.id.localeCompare(b.id))
for (const m of models) {
  const tier = m.cost.tiers?.[0]
  if ((m.cost.tiers?.length ?? 0) > 1) throw new Error(`${m.id}: more than one price tier`)
  const map = m.thinkingLevelMap ?? {}
  for (const key of Object.keys(map)) {
    if (!['off', 'xhigh', 'max'].includes(key)) throw new Error(`${m.id}: thinkingLevelMap.${key} not modelled`)
  }
  console.log(
    `    spec(${JSON.stringify(m.id)}, ${int(m.contextWindow)}, ${int(m.maxTokens)}, ${m.reasoning}, ${m.input.includes('image')}, ` +
      `${rates(m.cost)}, ${tier ? `Some(tier(${int(tier.inputTokensAbove)}, ${rates(tier)}))` : 'None'}, ` +
      `levels(${level(map.off)}, ${level(map.xhigh)}, ${level(map.max)}), ${m.compat?.supportsStrictMode === true}),`,
  )
}
console.error(`${models.length} Bedrock models from ${dir}`)
