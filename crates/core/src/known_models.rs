//! Built-in limits and capabilities of current Bedrock text models.
//!
//! Bedrock's list APIs carry no token limits, so without this table every model would
//! get the configured defaults (32k context, 4k output) — the "Claude stuck at 32k" gap.
//! Lookups ignore the geography prefix of inference profiles (`us.`, `global.`, …), an
//! ARN's path, the `:N` / `-vN` version suffix and a `-YYYYMMDD` release date, so
//! `us.anthropic.claude-sonnet-4-20250514-v1:0` finds `anthropic.claude-sonnet-4`.
//!
//! Sources: AWS "Supported foundation models in Amazon Bedrock" and model cards, the
//! providers' published limits, and OpenClaw's own table (for the ids it lists).
//! Costs are USD per million tokens (Bedrock on-demand, us-east-1); 0 where unknown.

/// Cost in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cost {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnownModel {
    /// Normalised family id (no geography prefix, version suffix or date).
    pub key: &'static str,
    pub context_window: u32,
    pub max_tokens: u32,
    /// Model can produce reasoning/thinking output.
    pub reasoning: bool,
    pub image_input: bool,
    /// Bedrock accepts `cachePoint` blocks for this model. (pi-ai itself only sends cache
    /// points to Claude models; the request builder decides which rule to follow.)
    pub prompt_caching: bool,
    /// Claude models that take `thinking: { type: "adaptive" }` (Opus 4.6+, Sonnet 4.6+).
    pub adaptive_thinking: bool,
    pub cost: Cost,
}

const fn cost(input: f64, output: f64, cache_read: f64, cache_write: f64) -> Cost {
    Cost { input, output, cache_read, cache_write }
}

const NO_COST: Cost = cost(0.0, 0.0, 0.0, 0.0);

#[allow(clippy::too_many_arguments)]
const fn m(
    key: &'static str,
    context_window: u32,
    max_tokens: u32,
    reasoning: bool,
    image_input: bool,
    prompt_caching: bool,
    adaptive_thinking: bool,
    cost: Cost,
) -> KnownModel {
    KnownModel { key, context_window, max_tokens, reasoning, image_input, prompt_caching, adaptive_thinking, cost }
}

const SONNET_COST: Cost = cost(3.0, 15.0, 0.3, 3.75);
const OPUS_4_COST: Cost = cost(15.0, 75.0, 1.5, 18.75);
const OPUS_45_COST: Cost = cost(5.0, 25.0, 0.5, 6.25);

/// The table. Keys are normalised ids (see [`normalize_model_id`]).
pub static KNOWN_MODELS: &[KnownModel] = &[
    // --- Anthropic Claude ---------------------------------------------------------
    //  key                                       ctx        out     reas  img   cache adapt
    m("anthropic.claude-3-haiku", 200_000, 4_096, false, true, false, false, cost(0.25, 1.25, 0.03, 0.3)),
    m("anthropic.claude-3-sonnet", 200_000, 4_096, false, true, false, false, cost(3.0, 15.0, 0.0, 0.0)),
    m("anthropic.claude-3-opus", 200_000, 4_096, false, true, false, false, cost(15.0, 75.0, 0.0, 0.0)),
    m("anthropic.claude-3-5-sonnet", 200_000, 8_192, false, true, false, false, cost(3.0, 15.0, 0.0, 0.0)),
    m("anthropic.claude-3-5-haiku", 200_000, 8_192, false, false, true, false, cost(0.8, 4.0, 0.08, 1.0)),
    m("anthropic.claude-3-7-sonnet", 200_000, 64_000, true, true, true, false, SONNET_COST),
    m("anthropic.claude-sonnet-4", 200_000, 64_000, true, true, true, false, SONNET_COST),
    m("anthropic.claude-opus-4", 200_000, 32_000, true, true, true, false, OPUS_4_COST),
    m("anthropic.claude-opus-4-1", 200_000, 32_000, true, true, true, false, OPUS_4_COST),
    m("anthropic.claude-sonnet-4-5", 200_000, 64_000, true, true, true, false, SONNET_COST),
    m("anthropic.claude-haiku-4-5", 200_000, 64_000, true, true, true, false, cost(1.0, 5.0, 0.1, 1.25)),
    m("anthropic.claude-opus-4-5", 200_000, 64_000, true, true, true, false, OPUS_45_COST),
    m("anthropic.claude-opus-4-6", 1_000_000, 128_000, true, true, true, true, OPUS_45_COST),
    m("anthropic.claude-sonnet-4-6", 1_000_000, 64_000, true, true, true, true, SONNET_COST),
    m("anthropic.claude-opus-4-7", 1_000_000, 128_000, true, true, true, true, OPUS_45_COST),
    m("anthropic.claude-opus-4-8", 1_000_000, 128_000, true, true, true, true, OPUS_45_COST),
    m("anthropic.claude-sonnet-5", 1_000_000, 128_000, true, true, true, true, SONNET_COST),
    m("anthropic.claude-fable-5", 1_000_000, 128_000, true, true, true, true, NO_COST),
    // --- Amazon Nova ----------------------------------------------------------------
    m("amazon.nova-micro", 128_000, 10_000, false, false, true, false, cost(0.035, 0.14, 0.00875, 0.0)),
    m("amazon.nova-lite", 300_000, 10_000, false, true, true, false, cost(0.06, 0.24, 0.015, 0.0)),
    m("amazon.nova-pro", 300_000, 10_000, false, true, true, false, cost(0.8, 3.2, 0.2, 0.0)),
    m("amazon.nova-premier", 1_000_000, 10_000, false, true, true, false, cost(2.5, 12.5, 0.625, 0.0)),
    m("amazon.nova-2-lite", 300_000, 65_536, true, true, true, false, NO_COST),
    m("amazon.nova-2-pro", 300_000, 65_536, true, true, true, false, NO_COST),
    // --- Meta Llama -----------------------------------------------------------------
    m("meta.llama3-8b-instruct", 8_000, 2_048, false, false, false, false, cost(0.3, 0.6, 0.0, 0.0)),
    m("meta.llama3-70b-instruct", 8_000, 2_048, false, false, false, false, cost(2.65, 3.5, 0.0, 0.0)),
    m("meta.llama3-1-8b-instruct", 128_000, 4_096, false, false, false, false, cost(0.22, 0.22, 0.0, 0.0)),
    m("meta.llama3-1-70b-instruct", 128_000, 4_096, false, false, false, false, cost(0.72, 0.72, 0.0, 0.0)),
    m("meta.llama3-1-405b-instruct", 128_000, 4_096, false, false, false, false, cost(2.4, 2.4, 0.0, 0.0)),
    m("meta.llama3-2-1b-instruct", 128_000, 4_096, false, false, false, false, cost(0.1, 0.1, 0.0, 0.0)),
    m("meta.llama3-2-3b-instruct", 128_000, 4_096, false, false, false, false, cost(0.15, 0.15, 0.0, 0.0)),
    m("meta.llama3-2-11b-instruct", 128_000, 4_096, false, true, false, false, cost(0.16, 0.16, 0.0, 0.0)),
    m("meta.llama3-2-90b-instruct", 128_000, 4_096, false, true, false, false, cost(0.72, 0.72, 0.0, 0.0)),
    m("meta.llama3-3-70b-instruct", 128_000, 4_096, false, false, false, false, cost(0.72, 0.72, 0.0, 0.0)),
    m("meta.llama4-scout-17b-instruct", 512_000, 8_192, false, true, false, false, cost(0.17, 0.66, 0.0, 0.0)),
    m("meta.llama4-maverick-17b-instruct", 1_000_000, 8_192, false, true, false, false, cost(0.24, 0.97, 0.0, 0.0)),
    // --- Mistral AI -----------------------------------------------------------------
    m("mistral.mistral-7b-instruct", 32_000, 8_192, false, false, false, false, cost(0.15, 0.2, 0.0, 0.0)),
    m("mistral.mixtral-8x7b-instruct", 32_000, 4_096, false, false, false, false, cost(0.45, 0.7, 0.0, 0.0)),
    m("mistral.mistral-small-2402", 32_000, 8_192, false, false, false, false, cost(1.0, 3.0, 0.0, 0.0)),
    m("mistral.mistral-large-2402", 32_000, 8_192, false, false, false, false, cost(4.0, 12.0, 0.0, 0.0)),
    m("mistral.mistral-large-2407", 128_000, 8_192, false, false, false, false, cost(2.0, 6.0, 0.0, 0.0)),
    m("mistral.mistral-large-3-675b-instruct", 128_000, 8_192, false, true, false, false, NO_COST),
    m("mistral.pixtral-large-2502", 128_000, 8_192, false, true, false, false, cost(2.0, 6.0, 0.0, 0.0)),
    // --- DeepSeek -------------------------------------------------------------------
    m("deepseek.r1", 128_000, 32_768, true, false, false, false, cost(1.35, 5.4, 0.0, 0.0)),
    m("deepseek.v3", 128_000, 8_192, false, false, false, false, cost(0.58, 1.68, 0.0, 0.0)),
    m("deepseek.v3.2", 128_000, 8_192, false, false, false, false, NO_COST),
    // --- OpenAI open-weight -----------------------------------------------------------
    m("openai.gpt-oss-120b", 128_000, 32_768, true, false, false, false, cost(0.15, 0.6, 0.0, 0.0)),
    m("openai.gpt-oss-20b", 128_000, 32_768, true, false, false, false, cost(0.07, 0.3, 0.0, 0.0)),
    // --- Qwen -------------------------------------------------------------------------
    m("qwen.qwen3-32b", 128_000, 16_384, true, false, false, false, NO_COST),
    m("qwen.qwen3-235b-a22b-2507", 256_000, 16_384, false, false, false, false, NO_COST),
    m("qwen.qwen3-coder-30b-a3b", 256_000, 65_536, false, false, false, false, NO_COST),
    m("qwen.qwen3-coder-480b-a35b", 256_000, 65_536, false, false, false, false, NO_COST),
    m("qwen.qwen3-coder-next", 256_000, 65_536, false, false, false, false, NO_COST),
    m("qwen.qwen3-vl-235b-a22b", 128_000, 16_384, false, true, false, false, NO_COST),
    // --- Cohere -----------------------------------------------------------------------
    m("cohere.command-text", 4_000, 4_000, false, false, false, false, cost(1.5, 2.0, 0.0, 0.0)),
    m("cohere.command-light-text", 4_000, 4_000, false, false, false, false, cost(0.3, 0.6, 0.0, 0.0)),
    m("cohere.command-r", 128_000, 4_096, false, false, false, false, cost(0.5, 1.5, 0.0, 0.0)),
    m("cohere.command-r-plus", 128_000, 4_096, false, false, false, false, cost(3.0, 15.0, 0.0, 0.0)),
    // --- Others OpenClaw lists --------------------------------------------------------
    m("ai21.jamba-1-5-large", 256_000, 4_096, false, false, false, false, cost(2.0, 8.0, 0.0, 0.0)),
    m("ai21.jamba-1-5-mini", 256_000, 4_096, false, false, false, false, cost(0.2, 0.4, 0.0, 0.0)),
    m("minimax.minimax-m2", 1_000_000, 8_192, true, false, false, false, NO_COST),
    m("minimax.minimax-m2.1", 1_000_000, 8_192, true, false, false, false, NO_COST),
    m("minimax.minimax-m2.5", 1_000_000, 8_192, true, false, false, false, NO_COST),
    m("nvidia.nemotron-nano-9b", 128_000, 8_192, true, false, false, false, NO_COST),
    m("nvidia.nemotron-nano-12b", 128_000, 8_192, true, true, false, false, NO_COST),
    m("nvidia.nemotron-nano-3-30b", 128_000, 8_192, true, false, false, false, NO_COST),
    m("nvidia.nemotron-super-3-120b", 256_000, 8_192, true, false, false, false, NO_COST),
    m("google.gemma-3-4b-it", 128_000, 8_192, false, true, false, false, NO_COST),
    m("google.gemma-3-12b-it", 128_000, 8_192, false, true, false, false, NO_COST),
    m("google.gemma-3-27b-it", 128_000, 8_192, false, true, false, false, NO_COST),
    m("zai.glm-4.7", 128_000, 8_192, true, false, false, false, NO_COST),
    m("zai.glm-4.7-flash", 128_000, 8_192, true, false, false, false, NO_COST),
    m("zai.glm-5", 128_000, 8_192, true, false, false, false, NO_COST),
];

/// Geography prefixes of system-defined inference profiles. Longest first so `us-gov.`
/// is not read as `us` + `-gov.`; `apac.` before `ap.` for the same reason.
pub const GEO_PREFIXES: &[&str] = &[
    "us-gov.", "global.", "apac.", "us.", "eu.", "ap.", "au.", "jp.", "ca.", "sa.", "me.", "af.", "mx.", "in.", "uk.",
];

/// The id without a leading geography prefix (`us.anthropic.x` → `anthropic.x`);
/// unchanged when there is none. Case of the rest is kept.
pub fn strip_geo_prefix(model_id: &str) -> &str {
    let lower_prefix: String = model_id.chars().take(8).collect::<String>().to_ascii_lowercase();
    for prefix in GEO_PREFIXES {
        if lower_prefix.starts_with(prefix) && model_id.len() > prefix.len() {
            return &model_id[prefix.len()..];
        }
    }
    model_id
}

/// The part of the id that names the model family, for table lookups: last ARN path
/// segment, lower-cased, without geography prefix, `:N` suffix, `-vN` suffix, and
/// `-YYYYMMDD` date.
pub fn normalize_model_id(model_id: &str) -> String {
    let id = model_id.trim();
    let id = if id.starts_with("arn:") { id.rsplit('/').next().unwrap_or(id) } else { id };
    let mut id = strip_geo_prefix(&id.to_ascii_lowercase()).to_string();
    // ":0" / ":1" version suffix
    if let Some(pos) = id.rfind(':') {
        if id[pos + 1..].chars().all(|c| c.is_ascii_digit()) && pos + 1 < id.len() {
            id.truncate(pos);
        }
    }
    // "-v1" / "-v2" suffix
    if let Some(pos) = id.rfind("-v") {
        if pos + 2 < id.len() && id[pos + 2..].chars().all(|c| c.is_ascii_digit()) {
            id.truncate(pos);
        }
    }
    // "-20250514" release date
    if let Some(pos) = id.rfind('-') {
        let tail = &id[pos + 1..];
        if tail.len() == 8 && tail.chars().all(|c| c.is_ascii_digit()) {
            id.truncate(pos);
        }
    }
    id
}

/// Known limits for `model_id` (a model id, a profile id, or an ARN of either).
/// Exact family match first, then the longest table key the id extends with `-`
/// (so `openai.gpt-oss-120b-1:0` finds `openai.gpt-oss-120b`).
pub fn lookup(model_id: &str) -> Option<&'static KnownModel> {
    let key = normalize_model_id(model_id);
    if key.is_empty() {
        return None;
    }
    if let Some(found) = KNOWN_MODELS.iter().find(|m| m.key == key) {
        return Some(found);
    }
    KNOWN_MODELS
        .iter()
        .filter(|m| key.len() > m.key.len() && key.starts_with(m.key) && key.as_bytes()[m.key.len()] == b'-')
        .max_by_key(|m| m.key.len())
}

/// Whether a model is known or named to think: the table, or `reasoning`/`thinking` in
/// its id or name (OpenClaw's rule).
pub fn infers_reasoning(model_id: &str, model_name: &str) -> bool {
    if lookup(model_id).is_some_and(|known| known.reasoning) {
        return true;
    }
    let haystack = format!("{model_id} {model_name}").to_ascii_lowercase();
    haystack.contains("reasoning") || haystack.contains("thinking")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geography_prefixes_are_stripped_and_others_kept() {
        assert_eq!(strip_geo_prefix("us.anthropic.claude-sonnet-4-6"), "anthropic.claude-sonnet-4-6");
        assert_eq!(strip_geo_prefix("us-gov.anthropic.claude-3-haiku"), "anthropic.claude-3-haiku");
        assert_eq!(strip_geo_prefix("apac.amazon.nova-pro-v1:0"), "amazon.nova-pro-v1:0");
        assert_eq!(strip_geo_prefix("global.anthropic.claude-opus-4-8"), "anthropic.claude-opus-4-8");
        assert_eq!(strip_geo_prefix("au.x"), "x");
        assert_eq!(strip_geo_prefix("jp.x"), "x");
        assert_eq!(strip_geo_prefix("anthropic.claude"), "anthropic.claude");
        assert_eq!(strip_geo_prefix("usx.model"), "usx.model");
    }

    #[test]
    fn ids_normalise_to_their_family() {
        assert_eq!(normalize_model_id("us.anthropic.claude-sonnet-4-20250514-v1:0"), "anthropic.claude-sonnet-4");
        assert_eq!(normalize_model_id("anthropic.claude-3-5-sonnet-20241022-v2:0"), "anthropic.claude-3-5-sonnet");
        assert_eq!(normalize_model_id("anthropic.claude-opus-4-6-v1"), "anthropic.claude-opus-4-6");
        assert_eq!(normalize_model_id("mistral.mixtral-8x7b-instruct-v0:1"), "mistral.mixtral-8x7b-instruct");
        assert_eq!(
            normalize_model_id("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"),
            "amazon.nova-pro"
        );
    }

    #[test]
    fn claude_models_get_their_real_limits_not_32k() {
        let sonnet = lookup("global.anthropic.claude-sonnet-4-5-20250929-v1:0").expect("known");
        assert_eq!((sonnet.context_window, sonnet.max_tokens), (200_000, 64_000));
        assert!(sonnet.reasoning && sonnet.image_input && !sonnet.adaptive_thinking);
        let opus41 = lookup("us.anthropic.claude-opus-4-1-20250805-v1:0").expect("known");
        assert_eq!(opus41.max_tokens, 32_000);
        let opus48 = lookup("anthropic.claude-opus-4-8").expect("known");
        assert_eq!(opus48.context_window, 1_000_000);
        assert!(opus48.adaptive_thinking);
        let haiku35 = lookup("anthropic.claude-3-5-haiku-20241022-v1:0").expect("known");
        assert!(!haiku35.image_input && !haiku35.reasoning);
        assert!(!lookup("anthropic.claude-3-5-sonnet-20240620-v1:0").expect("known").reasoning);
        assert!(lookup("anthropic.claude-3-7-sonnet-20250219-v1:0").expect("known").reasoning);
        assert_eq!(lookup("eu.anthropic.claude-sonnet-5").expect("known").max_tokens, 128_000);
    }

    #[test]
    fn other_families_resolve_through_suffixes() {
        assert_eq!(lookup("openai.gpt-oss-120b-1:0").expect("known").key, "openai.gpt-oss-120b");
        assert!(lookup("deepseek.r1-v1:0").expect("known").reasoning);
        assert_eq!(lookup("us.meta.llama4-maverick-17b-instruct-v1:0").expect("known").context_window, 1_000_000);
        assert_eq!(lookup("amazon.nova-micro-v1:0").expect("known").context_window, 128_000);
        assert!(!lookup("amazon.nova-micro-v1:0").expect("known").image_input);
        assert!(lookup("amazon.nova-2-lite-v1:0").is_some());
        assert!(lookup("mistral.pixtral-large-2502-v1:0").expect("known").image_input);
        assert_eq!(lookup("cohere.command-r-plus-v1:0").expect("known").key, "cohere.command-r-plus");
        assert_eq!(lookup("qwen.qwen3-32b-v1:0").expect("known").key, "qwen.qwen3-32b");
        assert!(lookup("vendor.unknown-model-v1:0").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn reasoning_falls_back_to_the_name() {
        assert!(infers_reasoning("acme.big-thinking-model", "Big"));
        assert!(infers_reasoning("acme.x", "X Reasoning Edition"));
        assert!(!infers_reasoning("acme.x", "X"));
        assert!(!infers_reasoning("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku"));
    }

    #[test]
    fn table_keys_are_normalised_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for model in KNOWN_MODELS {
            assert_eq!(normalize_model_id(model.key), model.key, "key {} is not normalised", model.key);
            assert!(seen.insert(model.key), "duplicate key {}", model.key);
            assert!(model.context_window > 0 && model.max_tokens > 0);
        }
    }
}
