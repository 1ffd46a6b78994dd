/** A thinking level a caller may ask for (pi-ai 1.6 `ModelThinkingLevel`). */
export type ModelThinkingLevel = 'off' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max'

/** How thinking is requested: Claude adaptive / Claude budget / OpenAI effort / no field. */
export type ThinkingStyle = 'adaptive' | 'budget' | 'effort' | 'none'

export interface ModelCostRates {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

export interface ModelDescription {
  /** The id asked about. */
  id: string
  /** Whether the core's catalogue lists the model (pi-ai 1.6's 208 Bedrock ids + older ones). */
  known: boolean
  /** The catalogue row used (exact id, else its family). */
  catalogueId: string | null
  reasoning: boolean
  input: Array<'text' | 'image'>
  contextWindow: number | null
  maxTokens: number | null
  /** USD per million tokens; `tiers` apply above `inputTokensAbove` input tokens. */
  cost: (ModelCostRates & { tiers?: Array<ModelCostRates & { inputTokensAbove: number }> }) | null
  thinking: ThinkingStyle
  /** Levels the model accepts, lowest first. */
  thinkingLevels: ModelThinkingLevel[]
  /** Cache points are sent to this model. */
  cachePoints: boolean
  /** Bedrock accepts `toolSpec.strict` for this model. */
  strictTools: boolean
  /** Whether `temperature` is sent to this model (Opus 4.7+, Claude 5, GPT-5.x/6 refuse it). */
  temperature: boolean
}

/** What the core's model table and family rules say about a model. Throws `InvalidArgument` for a non-string id. */
export declare function describeModel(modelId: string, name?: string | null, baseModelId?: string | null): ModelDescription
