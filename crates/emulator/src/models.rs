//! What the emulated Bedrock knows about each model beyond its catalogue item: the output
//! limit, the thinking style Anthropic's models accept, whether sampling parameters are
//! refused, and whether prompt caching (cache points) is available.
//!
//! These facts are the emulator's own and deliberately do NOT come from `bedrock-core`'s
//! model table: the emulator plays AWS, and a request built from the core's table must
//! not be graded by that same table. Where the two disagree, one of them is wrong, and the
//! emulator's job is to make that visible. Each fact cites where it comes from.

/// The thinking styles a Claude model accepts in `additionalModelRequestFields.thinking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thinking {
    /// No extended thinking (Claude 3 / 3.5, and every non-Claude model: their reasoning
    /// fields are not checked here).
    None,
    /// `{type: "enabled", budget_tokens}` only (Claude 3.7, Claude 4.0 – 4.5).
    Budget,
    /// Both `adaptive` and the (deprecated) budget form (Opus 4.6, Sonnet 4.6).
    AdaptiveOrBudget,
    /// `{type: "adaptive"}` only: a budget is refused (Opus 4.7+, the Claude 5 family).
    AdaptiveOnly,
}

/// Facts about one foundation model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFacts {
    /// An Anthropic Claude model (errors come back as "The model returned the following
    /// errors: ...", Anthropic's own validation).
    pub claude: bool,
    /// The largest `inferenceConfig.maxTokens` accepted; also the value Bedrock uses when
    /// `maxTokens` is absent. `None`: unknown, not checked.
    pub max_output_tokens: Option<u64>,
    pub thinking: Thinking,
    /// `temperature` / `topP` refused outright, whatever the value.
    pub sampling_refused: bool,
    /// Cache points accepted.
    pub prompt_caching: bool,
    /// Interleaved thinking (`anthropic_beta: ["interleaved-thinking-2025-05-14"]`), with
    /// which a thinking budget may exceed `maxTokens`: Claude 4 and later (Anthropic,
    /// extended thinking: "Interleaved thinking is only supported for Claude 4 models").
    pub interleaved_thinking: bool,
}

/// Output limits (`maxTokens` ceiling) by foundation-model id. The 2026 models come from
/// pi-ai 1.6's Bedrock catalogue (`maxTokens`); the older Claude models from Anthropic's
/// model tables on Bedrock (Claude 3 Haiku / 3 Sonnet 4,096, Claude 3.5 8,192, Claude 3.7
/// 64,000, Opus 4 32,000). Models not listed are not checked.
const MAX_OUTPUT: &[(&str, u64)] = &[
    ("anthropic.claude-3-haiku-20240307-v1:0", 4096),
    ("anthropic.claude-3-sonnet-20240229-v1:0", 4096),
    ("anthropic.claude-3-5-haiku-20241022-v1:0", 8192),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", 8192),
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", 64000),
    ("anthropic.claude-opus-4-20250514-v1:0", 32000),
    ("amazon.nova-2-lite-v1:0", 65535),
    ("amazon.nova-lite-v1:0", 10000),
    ("amazon.nova-micro-v1:0", 10000),
    ("amazon.nova-premier-v1:0", 10000),
    ("amazon.nova-pro-v1:0", 10000),
    ("anthropic.claude-fable-5", 128000),
    ("anthropic.claude-fable-5-1", 128000),
    ("anthropic.claude-fable-5-2", 128000),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", 64000),
    ("anthropic.claude-haiku-5-5", 128000),
    ("anthropic.claude-opus-4-1-20250805-v1:0", 32000),
    ("anthropic.claude-opus-4-5-20251101-v1:0", 64000),
    ("anthropic.claude-opus-4-6-v1", 128000),
    ("anthropic.claude-opus-4-7", 128000),
    ("anthropic.claude-opus-4-8", 128000),
    ("anthropic.claude-opus-5", 128000),
    ("anthropic.claude-opus-5-5", 128000),
    ("anthropic.claude-sonnet-4-20250514-v1:0", 64000),
    ("anthropic.claude-sonnet-4-5-20250929-v1:0", 64000),
    ("anthropic.claude-sonnet-4-6", 128000),
    ("anthropic.claude-sonnet-5", 128000),
    ("anthropic.claude-sonnet-5-5", 128000),
    ("deepseek.v3-v1:0", 81920),
    ("deepseek.v3.2", 81920),
    ("google.gemma-4-26b-a4b", 32768),
    ("google.gemma-4-31b", 32768),
    ("google.gemma-4-e2b", 8192),
    ("meta.llama3-1-70b-instruct-v1:0", 4096),
    ("meta.llama3-1-8b-instruct-v1:0", 4096),
    ("meta.llama3-3-70b-instruct-v1:0", 4096),
    ("meta.llama4-maverick-17b-instruct-v1:0", 8192),
    ("meta.llama4-scout-17b-instruct-v1:0", 8192),
    ("minimax.minimax-m2", 128000),
    ("minimax.minimax-m2.1", 131072),
    ("minimax.minimax-m2.5", 98304),
    ("mistral.devstral-2-123b", 8192),
    ("mistral.magistral-small-2509", 40000),
    ("mistral.ministral-3-14b-instruct", 4096),
    ("mistral.ministral-3-3b-instruct", 8192),
    ("mistral.ministral-3-8b-instruct", 4096),
    ("mistral.mistral-large-3-675b-instruct", 8192),
    ("mistral.pixtral-large-2502-v1:0", 8192),
    ("mistral.voxtral-mini-3b-2507", 4096),
    ("mistral.voxtral-small-24b-2507", 8192),
    ("moonshot.kimi-k2-thinking", 16000),
    ("moonshotai.kimi-k2.5", 16384),
    ("moonshotai.kimi-k3", 128000),
    ("moonshotai.kimi-k3.1", 1048576),
    ("nvidia.nemotron-nano-12b-v2", 8192),
    ("nvidia.nemotron-nano-3-30b", 8192),
    ("nvidia.nemotron-nano-9b-v2", 8192),
    ("nvidia.nemotron-super-3-120b", 131072),
    ("openai.gpt-5.4", 128000),
    ("openai.gpt-5.5", 128000),
    ("openai.gpt-5.6-luna", 128000),
    ("openai.gpt-5.6-sol", 128000),
    ("openai.gpt-5.6-terra", 128000),
    ("openai.gpt-6-astra", 128000),
    ("openai.gpt-6-luna", 128000),
    ("openai.gpt-6-sol", 128000),
    ("openai.gpt-6.1-sol", 128000),
    ("openai.gpt-6.1-terra", 128000),
    ("openai.gpt-6.2-astra", 128000),
    ("openai.gpt-6.2-sol", 128000),
    ("openai.gpt-oss-120b", 131072),
    ("openai.gpt-oss-120b-1:0", 128000),
    ("openai.gpt-oss-20b", 131072),
    ("openai.gpt-oss-20b-1:0", 128000),
    ("openai.gpt-oss-safeguard-120b", 16384),
    ("openai.gpt-oss-safeguard-20b", 16384),
    ("qwen.qwen3-235b-a22b-2507-v1:0", 131072),
    ("qwen.qwen3-32b-v1:0", 16384),
    ("qwen.qwen3-coder-30b-a3b-v1:0", 131072),
    ("qwen.qwen3-coder-480b-a35b-v1:0", 65536),
    ("qwen.qwen3-coder-next", 65536),
    ("qwen.qwen3-next-80b-a3b", 262000),
    ("qwen.qwen3-vl-235b-a22b", 262000),
    ("writer.palmyra-x4-v1:0", 8192),
    ("writer.palmyra-x5-v1:0", 8192),
    ("xai.grok-4.3", 131072),
    ("xai.grok-4.6", 500000),
    ("xai.grok-4.7", 500000),
    ("zai.glm-4.7", 131072),
    ("zai.glm-4.7-flash", 131072),
    ("zai.glm-5", 131072),
    ("zai.glm-5.3", 128000),
];

/// `claude-opus-4-7`, `claude-sonnet-5`, ... from a foundation-model id, lowercased with
/// `.`, `_`, `:` and spaces as `-` (so `claude-opus-4.8` matches too).
fn claude_name(base_id: &str) -> Option<String> {
    let norm: String = base_id
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if matches!(c, '.' | '_' | ':' | ' ') {
                '-'
            } else {
                c
            }
        })
        .collect();
    norm.find("claude-").map(|at| norm[at..].to_string())
}

/// Whether `name` is `family` followed by the end or a `-` (so `opus-4-7` does not match
/// `opus-4-70`, and `opus-5` matches `opus-5-5`).
fn is_family(name: &str, family: &str) -> bool {
    name.strip_prefix(family)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

fn any_family(name: &str, families: &[&str]) -> bool {
    families.iter().any(|f| is_family(name, f))
}

/// Claude models that accept only adaptive thinking and refuse `temperature` / `top_p`.
///
/// - Opus 4.7 / 4.8: budget thinking answers "`thinking.type.enabled` is not supported for
///   this model. Use `thinking.type.adaptive` and `output_config.effort`" (theopenco/
///   llmgateway#2778, verified against Bedrock); `temperature` answers "`temperature` is
///   deprecated for this model" (AWS model card for Opus 4.7 cited in cube-js/cube#10879;
///   NousResearch/hermes-agent#36151 and Mintplex-Labs/anything-llm#5822 for 4.8 on
///   Bedrock Converse).
/// - The Claude 5 family (opus-5, sonnet-5, haiku-5, fable-5): OpenClaw 2026.9.6
///   `model-contracts/anthropic.ts` `requiresClaudeMandatoryAdaptiveThinking` (Opus 5.5,
///   Fable 5) and its Bedrock plugin's `requiresMandatoryAdaptiveThinking` (+ Sonnet 5);
///   `requiresClaudeDefaultSampling` ("rejects caller-selected sampling parameters") covers
///   every native-`xhigh` model, and pi-ai 1.6 `supportsNativeXhighEffort` lists opus-5,
///   sonnet-5, haiku-5 and fable-5.
const CLAUDE_ADAPTIVE_ONLY: &[&str] = &[
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-haiku-5",
    "claude-fable-5",
    "claude-mythos",
];

/// Adaptive as well as budget thinking: Opus 4.6 and Sonnet 4.6 (pi-ai 1.6
/// `supportsAdaptiveThinking`; OpenClaw's thinking profiles keep `off`..`high` budget
/// levels for them and do not mark them mandatory-adaptive).
const CLAUDE_ADAPTIVE_OR_BUDGET: &[&str] = &["claude-opus-4-6", "claude-sonnet-4-6"];

/// Budget thinking only: Claude 3.7 and Claude 4.0 – 4.5 (Anthropic's extended-thinking
/// models before adaptive thinking existed).
const CLAUDE_BUDGET: &[&str] = &[
    "claude-3-7-sonnet",
    "claude-sonnet-4",
    "claude-opus-4",
    "claude-haiku-4-5",
];

/// GPT models that refuse `temperature`: OpenClaw 2026.9.6's OpenAI catalogue marks
/// `gpt-6-*` and `gpt-5.6-*` `supportsTemperature: false` ("GPT-5.6 family rejects it");
/// GPT-5.4 / 5.5 are not marked, so they are not refused here.
fn gpt_refuses_sampling(base_id: &str) -> bool {
    let id = base_id.to_ascii_lowercase();
    id.contains("openai.gpt-6") || id.contains("openai.gpt-5.6")
}

/// Prompt caching on Bedrock: Claude 3.5 Haiku / 3.5 Sonnet v2 / 3.7 / 4.x / 5.x and the
/// Amazon Nova models (Bedrock user guide "Prompt caching", supported models; pi-ai 1.6
/// `supportsPromptCaching`; OpenClaw's Nova cache policy). Every other model refuses a
/// cache point (observed on DeepSeek R1 and Nemotron: BerriAI/litellm#39210,
/// pensarai/apex#943).
fn prompt_caching(base_id: &str, claude: Option<&str>) -> bool {
    match claude {
        Some(name) => {
            !any_family(
                name,
                &[
                    "claude-3-haiku",
                    "claude-3-sonnet",
                    "claude-3-opus",
                    "claude-3-5-sonnet-20240620",
                ],
            ) && !name.starts_with("claude-v")
                && !name.starts_with("claude-instant")
        }
        None => base_id.to_ascii_lowercase().starts_with("amazon.nova"),
    }
}

/// The facts for a foundation-model id (a profile or ARN must be resolved first).
pub fn facts(base_id: &str) -> ModelFacts {
    let claude = claude_name(base_id);
    let name = claude.as_deref();
    let thinking = match name {
        Some(n) if any_family(n, CLAUDE_ADAPTIVE_ONLY) => Thinking::AdaptiveOnly,
        Some(n) if any_family(n, CLAUDE_ADAPTIVE_OR_BUDGET) => Thinking::AdaptiveOrBudget,
        Some(n) if any_family(n, CLAUDE_BUDGET) => Thinking::Budget,
        _ => Thinking::None,
    };
    let max_output_tokens = MAX_OUTPUT
        .iter()
        .find(|(id, _)| *id == base_id)
        .map(|(_, n)| *n);
    ModelFacts {
        claude: name.is_some(),
        max_output_tokens,
        thinking,
        sampling_refused: thinking == Thinking::AdaptiveOnly || gpt_refuses_sampling(base_id),
        prompt_caching: prompt_caching(base_id, name),
        interleaved_thinking: thinking != Thinking::None
            && !name.is_some_and(|n| is_family(n, "claude-3-7-sonnet")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let f = facts("anthropic.claude-opus-4-8");
        assert_eq!(f.thinking, Thinking::AdaptiveOnly);
        assert!(f.sampling_refused && f.claude && f.prompt_caching);
        assert_eq!(f.max_output_tokens, Some(128000));
        assert_eq!(
            facts("anthropic.claude-opus-4-6-v1").thinking,
            Thinking::AdaptiveOrBudget
        );
        assert!(!facts("anthropic.claude-opus-4-6-v1").sampling_refused);
        assert_eq!(
            facts("anthropic.claude-opus-4-20250514-v1:0").thinking,
            Thinking::Budget
        );
        assert_eq!(
            facts("anthropic.claude-opus-4-5-20251101-v1:0").thinking,
            Thinking::Budget
        );
        assert_eq!(
            facts("anthropic.claude-haiku-5-5").thinking,
            Thinking::AdaptiveOnly
        );
        assert_eq!(
            facts("anthropic.claude-fable-5-2").thinking,
            Thinking::AdaptiveOnly
        );
        assert_eq!(
            facts("anthropic.claude-3-haiku-20240307-v1:0").thinking,
            Thinking::None
        );
        assert!(!facts("anthropic.claude-3-haiku-20240307-v1:0").prompt_caching);
        assert!(facts("anthropic.claude-3-5-haiku-20241022-v1:0").prompt_caching);
        assert!(facts("amazon.nova-pro-v1:0").prompt_caching);
        assert!(!facts("deepseek.r1-v1:0").prompt_caching);
        assert!(facts("openai.gpt-6.2-sol").sampling_refused);
        assert!(facts("openai.gpt-5.6-luna").sampling_refused);
        assert!(!facts("openai.gpt-5.5").sampling_refused);
        assert!(!facts("openai.gpt-oss-120b-1:0").sampling_refused);
        assert_eq!(facts("unknown.model").max_output_tokens, None);
    }
}
