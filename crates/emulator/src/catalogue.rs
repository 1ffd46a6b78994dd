//! The emulator's control-plane data: foundation models and inference profiles, in the
//! exact REST-JSON item shapes Bedrock returns (`FoundationModelSummary`,
//! `InferenceProfileSummary`), with AWS's filters and paging.

use serde_json::{json, Value};

/// (id, name, provider, input modalities, output modalities, streaming, inference types, lifecycle)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
    &'static [&'static str],
    &'static str,
);

const T: &[&str] = &["TEXT"];
const TI: &[&str] = &["TEXT", "IMAGE"];
const TIV: &[&str] = &["TEXT", "IMAGE", "VIDEO"];
const I: &[&str] = &["IMAGE"];
const E: &[&str] = &["EMBEDDING"];
const OD: &[&str] = &["ON_DEMAND"];
const IP: &[&str] = &["INFERENCE_PROFILE"];
const ODIP: &[&str] = &["ON_DEMAND", "INFERENCE_PROFILE"];
const ODP: &[&str] = &["ON_DEMAND", "PROVISIONED"];

/// The built-in foundation models (a realistic us-east-1 subset).
const MODELS: &[Row] = &[
    // Anthropic
    (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "Claude 3 Haiku",
        "Anthropic",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "Claude 3 Sonnet",
        "Anthropic",
        TI,
        T,
        true,
        ODIP,
        "LEGACY",
    ),
    (
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "Claude 3.5 Haiku",
        "Anthropic",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "Claude 3.5 Sonnet v2",
        "Anthropic",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "Claude 3.7 Sonnet",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "Claude Sonnet 4",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-20250514-v1:0",
        "Claude Opus 4",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "Claude Opus 4.1",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "Claude Sonnet 4.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "Claude Haiku 4.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "Claude Opus 4.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    // Amazon
    (
        "amazon.nova-micro-v1:0",
        "Nova Micro",
        "Amazon",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "amazon.nova-lite-v1:0",
        "Nova Lite",
        "Amazon",
        TIV,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "amazon.nova-pro-v1:0",
        "Nova Pro",
        "Amazon",
        TIV,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "amazon.nova-premier-v1:0",
        "Nova Premier",
        "Amazon",
        TIV,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "amazon.titan-text-express-v1",
        "Titan Text G1 - Express",
        "Amazon",
        T,
        T,
        true,
        ODP,
        "LEGACY",
    ),
    (
        "amazon.titan-embed-text-v2:0",
        "Titan Text Embeddings V2",
        "Amazon",
        T,
        E,
        false,
        OD,
        "ACTIVE",
    ),
    (
        "amazon.nova-canvas-v1:0",
        "Nova Canvas",
        "Amazon",
        TI,
        I,
        false,
        OD,
        "ACTIVE",
    ),
    (
        "amazon.titan-image-generator-v2:0",
        "Titan Image Generator G1 v2",
        "Amazon",
        TI,
        I,
        false,
        ODP,
        "ACTIVE",
    ),
    // Meta
    (
        "meta.llama3-1-8b-instruct-v1:0",
        "Llama 3.1 8B Instruct",
        "Meta",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "meta.llama3-1-70b-instruct-v1:0",
        "Llama 3.1 70B Instruct",
        "Meta",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "meta.llama3-2-11b-instruct-v1:0",
        "Llama 3.2 11B Instruct",
        "Meta",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "meta.llama3-3-70b-instruct-v1:0",
        "Llama 3.3 70B Instruct",
        "Meta",
        T,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "meta.llama4-scout-17b-instruct-v1:0",
        "Llama 4 Scout 17B Instruct",
        "Meta",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "meta.llama4-maverick-17b-instruct-v1:0",
        "Llama 4 Maverick 17B Instruct",
        "Meta",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    // Mistral AI
    (
        "mistral.mistral-7b-instruct-v0:2",
        "Mistral 7B Instruct",
        "Mistral AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.mistral-large-2402-v1:0",
        "Mistral Large (24.02)",
        "Mistral AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.pixtral-large-2502-v1:0",
        "Pixtral Large (25.02)",
        "Mistral AI",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    // DeepSeek
    (
        "deepseek.r1-v1:0",
        "DeepSeek-R1",
        "DeepSeek",
        T,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "deepseek.v3-v1:0",
        "DeepSeek-V3.1",
        "DeepSeek",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    // OpenAI
    (
        "openai.gpt-oss-20b-1:0",
        "gpt-oss-20b",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-oss-120b-1:0",
        "gpt-oss-120b",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    // Cohere
    (
        "cohere.command-r-v1:0",
        "Command R",
        "Cohere",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "cohere.command-r-plus-v1:0",
        "Command R+",
        "Cohere",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "cohere.embed-english-v3",
        "Embed English",
        "Cohere",
        T,
        E,
        false,
        ODP,
        "ACTIVE",
    ),
    // Qwen
    (
        "qwen.qwen3-32b-v1:0",
        "Qwen3 32B (dense)",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-coder-30b-a3b-v1:0",
        "Qwen3 Coder 30B A3B Instruct",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    // Today's models (December 2026), from pi-ai 1.6's Bedrock catalogue
    // (`@earendil-works/pi-ai` `models.generated.js`): ids, names and input modalities.
    // Claude ids are profile-only like the other Claude models since 3.7; an id pi-ai
    // lists only behind a geography prefix is profile-only too.
    (
        "amazon.nova-2-lite-v1:0",
        "Nova 2 Lite",
        "Amazon",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-fable-5",
        "Claude Fable 5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-fable-5-1",
        "Claude Fable 5.1",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-fable-5-2",
        "Claude Fable 5.2",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-haiku-5-5",
        "Claude Haiku 5.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-6-v1",
        "Claude Opus 4.6",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-7",
        "Claude Opus 4.7",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-4-8",
        "Claude Opus 4.8",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-5",
        "Claude Opus 5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-opus-5-5",
        "Claude Opus 5.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-sonnet-5",
        "Claude Sonnet 5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "anthropic.claude-sonnet-5-5",
        "Claude Sonnet 5.5",
        "Anthropic",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "deepseek.v3.2",
        "DeepSeek V3.2",
        "DeepSeek",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "google.gemma-4-26b-a4b",
        "Gemma 4 26B A4B IT",
        "Google",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "google.gemma-4-31b",
        "Gemma 4 31B IT",
        "Google",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "google.gemma-4-e2b",
        "Gemma 4 E2B IT",
        "Google",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "minimax.minimax-m2",
        "MiniMax-M2",
        "MiniMax",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "minimax.minimax-m2.1",
        "MiniMax-M2.1",
        "MiniMax",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "minimax.minimax-m2.5",
        "MiniMax-M2.5",
        "MiniMax",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.devstral-2-123b",
        "Devstral 2 123B",
        "Mistral AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.magistral-small-2509",
        "Magistral Small 1.2",
        "Mistral AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.ministral-3-14b-instruct",
        "Ministral 14B 3.0",
        "Mistral AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.ministral-3-3b-instruct",
        "Ministral 3 3B",
        "Mistral AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.ministral-3-8b-instruct",
        "Ministral 3 8B",
        "Mistral AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.mistral-large-3-675b-instruct",
        "Mistral Large 3",
        "Mistral AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.voxtral-mini-3b-2507",
        "Voxtral Mini 3B 2507",
        "Mistral AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "mistral.voxtral-small-24b-2507",
        "Voxtral Small 24B 2507",
        "Mistral AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "moonshot.kimi-k2-thinking",
        "Kimi K2 Thinking",
        "Moonshot AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "moonshotai.kimi-k2.5",
        "Kimi K2.5",
        "Moonshot AI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "moonshotai.kimi-k3",
        "Kimi K3",
        "Moonshot AI",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "moonshotai.kimi-k3.1",
        "Kimi K3.1 Pro Highspeed",
        "Moonshot AI",
        TI,
        T,
        true,
        IP,
        "ACTIVE",
    ),
    (
        "nvidia.nemotron-nano-12b-v2",
        "NVIDIA Nemotron Nano 12B v2 VL BF16",
        "NVIDIA",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "nvidia.nemotron-nano-3-30b",
        "NVIDIA Nemotron Nano 3 30B",
        "NVIDIA",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "nvidia.nemotron-nano-9b-v2",
        "NVIDIA Nemotron Nano 9B v2",
        "NVIDIA",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "nvidia.nemotron-super-3-120b",
        "NVIDIA Nemotron 3 Super 120B A12B",
        "NVIDIA",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-5.4",
        "GPT-5.4",
        "OpenAI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-5.5",
        "GPT-5.5",
        "OpenAI",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-5.6-luna",
        "GPT-5.6 Luna",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-5.6-sol",
        "GPT-5.6 Sol",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-5.6-terra",
        "GPT-5.6 Terra",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6-astra",
        "GPT-6 Astra",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6-luna",
        "GPT-6 Luna",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6-sol",
        "GPT-6 Sol",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6.1-sol",
        "GPT-6.1 Sol",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6.1-terra",
        "GPT-6.1 Terra",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6.2-astra",
        "GPT-6.2 Astra",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-6.2-sol",
        "GPT-6.2 Sol",
        "OpenAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "openai.gpt-oss-120b",
        "gpt-oss-120b",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-oss-20b",
        "gpt-oss-20b",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-oss-safeguard-120b",
        "GPT OSS Safeguard 120B",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "openai.gpt-oss-safeguard-20b",
        "GPT OSS Safeguard 20B",
        "OpenAI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-235b-a22b-2507-v1:0",
        "Qwen3 235B-A22B Instruct 2507",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-coder-480b-a35b-v1:0",
        "Qwen3-Coder 480B-A35B Instruct",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-coder-next",
        "Qwen3 Coder Next",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-next-80b-a3b",
        "Qwen3-Next 80B-A3B Instruct",
        "Qwen",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "qwen.qwen3-vl-235b-a22b",
        "Qwen3 VL 235B A22B Instruct",
        "Qwen",
        TI,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    (
        "writer.palmyra-x4-v1:0",
        "Palmyra X4",
        "Writer",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    (
        "writer.palmyra-x5-v1:0",
        "Palmyra X5",
        "Writer",
        T,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    ("xai.grok-4.3", "Grok 4.3", "xAI", TI, T, true, OD, "ACTIVE"),
    (
        "xai.grok-4.6",
        "Grok 4.6",
        "xAI",
        TI,
        T,
        true,
        ODIP,
        "ACTIVE",
    ),
    ("xai.grok-4.7", "Grok 4.7", "xAI", TI, T, true, IP, "ACTIVE"),
    ("zai.glm-4.7", "GLM-4.7", "Z.AI", T, T, true, OD, "ACTIVE"),
    (
        "zai.glm-4.7-flash",
        "GLM-4.7-Flash",
        "Z.AI",
        T,
        T,
        true,
        OD,
        "ACTIVE",
    ),
    ("zai.glm-5", "GLM-5", "Z.AI", T, T, true, OD, "ACTIVE"),
    ("zai.glm-5.3", "GLM-5.3", "Z.AI", T, T, true, IP, "ACTIVE"),
    // A text model without streaming (Converse only)
    (
        "ai21.j2-ultra-v1",
        "Jurassic-2 Ultra",
        "AI21 Labs",
        T,
        T,
        false,
        OD,
        "ACTIVE",
    ),
];

/// Geography prefix → (profile name prefix, regions it routes to).
const GEOS: &[(&str, &str, &[&str])] = &[
    ("us", "US", &["us-east-1", "us-east-2", "us-west-2"]),
    ("eu", "EU", &["eu-central-1", "eu-west-1", "eu-west-3"]),
    (
        "apac",
        "APAC",
        &["ap-northeast-1", "ap-southeast-1", "ap-southeast-2"],
    ),
    ("au", "AU", &["ap-southeast-2", "ap-southeast-4"]),
    ("jp", "JP", &["ap-northeast-1", "ap-northeast-3"]),
    ("in", "IN", &["ap-south-1", "ap-south-2"]),
    ("global", "Global", &[]),
];

/// (base model id, geographies, createdAt) for the SYSTEM_DEFINED profiles.
const PROFILES: &[(&str, &[&str], &str)] = &[
    (
        "anthropic.claude-3-haiku-20240307-v1:0",
        &["us", "eu", "apac"],
        "2024-09-30T00:00:00Z",
    ),
    (
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        &["us"],
        "2024-11-04T00:00:00Z",
    ),
    (
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        &["us", "apac"],
        "2024-10-22T00:00:00Z",
    ),
    (
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        &["us", "eu", "apac"],
        "2025-02-24T00:00:00Z",
    ),
    (
        "anthropic.claude-sonnet-4-20250514-v1:0",
        &["us", "eu", "apac", "global"],
        "2025-05-22T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-20250514-v1:0",
        &["us"],
        "2025-05-22T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-1-20250805-v1:0",
        &["us"],
        "2025-08-05T00:00:00Z",
    ),
    (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        &["us", "eu", "global"],
        "2025-09-29T00:00:00Z",
    ),
    (
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        &["us", "eu", "global"],
        "2025-10-15T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-5-20251101-v1:0",
        &["us", "global"],
        "2025-11-24T00:00:00Z",
    ),
    (
        "amazon.nova-micro-v1:0",
        &["us", "eu", "apac"],
        "2024-12-03T00:00:00Z",
    ),
    (
        "amazon.nova-lite-v1:0",
        &["us", "eu", "apac"],
        "2024-12-03T00:00:00Z",
    ),
    (
        "amazon.nova-pro-v1:0",
        &["us", "eu", "apac"],
        "2024-12-03T00:00:00Z",
    ),
    ("amazon.nova-premier-v1:0", &["us"], "2025-04-30T00:00:00Z"),
    (
        "meta.llama3-1-8b-instruct-v1:0",
        &["us"],
        "2024-09-30T00:00:00Z",
    ),
    (
        "meta.llama3-1-70b-instruct-v1:0",
        &["us"],
        "2024-09-30T00:00:00Z",
    ),
    (
        "meta.llama3-2-11b-instruct-v1:0",
        &["us"],
        "2024-09-30T00:00:00Z",
    ),
    (
        "meta.llama3-3-70b-instruct-v1:0",
        &["us"],
        "2024-12-19T00:00:00Z",
    ),
    (
        "meta.llama4-scout-17b-instruct-v1:0",
        &["us"],
        "2025-04-28T00:00:00Z",
    ),
    (
        "meta.llama4-maverick-17b-instruct-v1:0",
        &["us"],
        "2025-04-28T00:00:00Z",
    ),
    (
        "mistral.pixtral-large-2502-v1:0",
        &["us", "eu"],
        "2025-04-08T00:00:00Z",
    ),
    ("deepseek.r1-v1:0", &["us"], "2025-03-10T00:00:00Z"),
    // Today's system profiles: the geographies pi-ai 1.6 lists for each model.
    (
        "amazon.nova-2-lite-v1:0",
        &["eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-fable-5",
        &["eu", "global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-fable-5-1",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-fable-5-2",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-haiku-5-5",
        &["au", "eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-6-v1",
        &["au", "eu", "global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-7",
        &["au", "eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-4-8",
        &["au", "eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-5",
        &["au", "eu", "global", "in", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-opus-5-5",
        &["au", "eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-sonnet-4-6",
        &["au", "eu", "global", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-sonnet-5",
        &["au", "eu", "global", "in", "jp", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "anthropic.claude-sonnet-5-5",
        &["au", "eu", "global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "moonshotai.kimi-k3",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "moonshotai.kimi-k3.1",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-5.6-luna",
        &["global", "in", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-5.6-sol",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-5.6-terra",
        &["global", "in", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6-astra",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6-luna",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6-sol",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6.1-sol",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6.1-terra",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6.2-astra",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    (
        "openai.gpt-6.2-sol",
        &["global", "us"],
        "2026-01-01T00:00:00Z",
    ),
    ("writer.palmyra-x4-v1:0", &["us"], "2026-01-01T00:00:00Z"),
    ("writer.palmyra-x5-v1:0", &["us"], "2026-01-01T00:00:00Z"),
    ("xai.grok-4.6", &["global", "us"], "2026-01-01T00:00:00Z"),
    ("xai.grok-4.7", &["global", "us"], "2026-01-01T00:00:00Z"),
    ("zai.glm-5.3", &["global", "us"], "2026-01-01T00:00:00Z"),
];

/// The model the non-ACTIVE system profile points at.
const INACTIVE_PROFILE_BASE: &str = "anthropic.claude-3-sonnet-20240229-v1:0";

pub const DEFAULT_ACCOUNT: &str = "123456789012";
pub const APPLICATION_PROFILE_ARN: &str =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

/// Models known to produce reasoning blocks when thinking is requested.
pub fn is_reasoning_model(id: &str) -> bool {
    let id = id.to_ascii_lowercase();
    [
        "claude-3-7",
        "claude-sonnet-4",
        "claude-opus-4",
        "claude-haiku-4",
        "deepseek.r1",
        "gpt-oss",
        "qwen3",
        "nova-2",
        "nova-premier",
        "claude-opus-5",
        "claude-sonnet-5",
        "claude-haiku-5",
        "claude-fable-5",
        "gpt-5",
        "gpt-6",
        "kimi-k",
        "grok-4",
        "glm-",
        "minimax",
        "deepseek.v3",
        "magistral",
        "nemotron-nano-3",
        "nemotron-super",
        "palmyra",
        "gemma-4",
    ]
    .iter()
    .any(|k| id.contains(k))
}

pub fn foundation_model_arn(region: &str, id: &str) -> String {
    format!("arn:aws:bedrock:{region}::foundation-model/{id}")
}

/// The built-in `FoundationModelSummary` items for a region.
pub fn builtin_foundation_models(region: &str) -> Vec<Value> {
    MODELS
        .iter()
        .map(
            |(id, name, provider, input, output, streaming, inference, lifecycle)| {
                let customizations: &[&str] = if id.starts_with("amazon.nova-")
                    && !id.contains("canvas")
                    && !id.contains("premier")
                {
                    &["FINE_TUNING", "DISTILLATION"]
                } else if id.starts_with("meta.llama3-1") || id.starts_with("amazon.titan") {
                    &["FINE_TUNING"]
                } else {
                    &[]
                };
                json!({
                    "modelArn": foundation_model_arn(region, id),
                    "modelId": id,
                    "modelName": name,
                    "providerName": provider,
                    "inputModalities": input,
                    "outputModalities": output,
                    "responseStreamingSupported": streaming,
                    "customizationsSupported": customizations,
                    "inferenceTypesSupported": inference,
                    "modelLifecycle": { "status": lifecycle }
                })
            },
        )
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn profile_item(
    prefix: &str,
    geo_name: &str,
    regions: &[&str],
    base: &Value,
    created: &str,
    account: &str,
    region: &str,
    status: &str,
) -> Value {
    let base_id = base["modelId"].as_str().unwrap_or_default();
    let provider = base["providerName"].as_str().unwrap_or_default();
    let name = base["modelName"].as_str().unwrap_or(base_id);
    let id = format!("{prefix}.{base_id}");
    let mut model_arns: Vec<Value> = regions
        .iter()
        .map(|r| json!({ "modelArn": foundation_model_arn(r, base_id) }))
        .collect();
    let description = if regions.is_empty() {
        model_arns = ["us-east-1", "us-east-2", "us-west-2"]
            .iter()
            .map(|r| json!({ "modelArn": foundation_model_arn(r, base_id) }))
            .collect();
        model_arns
            .push(json!({ "modelArn": format!("arn:aws:bedrock:::foundation-model/{base_id}") }));
        format!("Routes requests to {provider} {name} in all supported commercial AWS Regions.")
    } else {
        // Invariant: this branch runs only when `regions` is non-empty (checked above).
        let (last, first) = regions.split_last().unwrap();
        format!(
            "Routes requests to {provider} {name} in {} and {last}.",
            first.join(", ")
        )
    };
    json!({
        "inferenceProfileName": format!("{geo_name} {provider} {name}"),
        "description": description,
        "createdAt": created,
        "updatedAt": created,
        "inferenceProfileArn": format!("arn:aws:bedrock:{region}:{account}:inference-profile/{id}"),
        "models": model_arns,
        "inferenceProfileId": id,
        "status": status,
        "type": "SYSTEM_DEFINED"
    })
}

/// The built-in `InferenceProfileSummary` items: SYSTEM_DEFINED (`us.`, `eu.`, `apac.`,
/// `global.`), one APPLICATION profile whose id is an ARN, and one non-ACTIVE profile.
pub fn builtin_inference_profiles(region: &str, account: &str, models: &[Value]) -> Vec<Value> {
    let find = |id: &str| models.iter().find(|m| m["modelId"] == id).cloned();
    let mut out = Vec::new();
    for (base, geos, created) in PROFILES {
        let Some(m) = find(base) else { continue };
        // global. first, as AWS lists them, then the geographies in order.
        for (prefix, geo_name, regions) in GEOS
            .iter()
            .rev()
            .filter(|(p, ..)| *p == "global")
            .chain(GEOS.iter().filter(|(p, ..)| *p != "global"))
        {
            if geos.contains(prefix) {
                out.push(profile_item(
                    prefix, geo_name, regions, &m, created, account, region, "ACTIVE",
                ));
            }
        }
    }
    if let Some(m) = find(INACTIVE_PROFILE_BASE) {
        out.push(profile_item(
            "us",
            "US",
            &["us-east-1", "us-west-2"],
            &m,
            "2024-09-30T00:00:00Z",
            account,
            region,
            "INACTIVE",
        ));
    }
    let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
    out.push(json!({
        "inferenceProfileName": "team-chat-haiku",
        "description": "Application inference profile for cost tracking (team chat, Claude 3 Haiku).",
        "createdAt": "2025-01-15T10:20:30Z",
        "updatedAt": "2025-01-15T10:20:30Z",
        "inferenceProfileArn": APPLICATION_PROFILE_ARN,
        "models": [ { "modelArn": foundation_model_arn("us-east-1", haiku) } ],
        "inferenceProfileId": APPLICATION_PROFILE_ARN,
        "status": "ACTIVE",
        "type": "APPLICATION"
    }));
    out
}

/// The model id at the end of a foundation-model ARN.
pub fn model_id_from_arn(arn: &str) -> Option<&str> {
    arn.split_once(":foundation-model/").map(|(_, id)| id)
}

/// Error from a list call, as (HTTP status, AWS error type, message).
pub type ApiError = (u16, &'static str, String);

fn validation(msg: impl Into<String>) -> ApiError {
    (400, "ValidationException", msg.into())
}

/// `ListFoundationModels` with its four filters.
pub fn list_foundation_models(
    models: &[Value],
    query: &[(String, String)],
) -> Result<Value, ApiError> {
    let q = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    for (name, allowed) in [
        ("byOutputModality", &["TEXT", "IMAGE", "EMBEDDING"][..]),
        ("byInferenceType", &["ON_DEMAND", "PROVISIONED"][..]),
        (
            "byCustomizationType",
            &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"][..],
        ),
    ] {
        if let Some(v) = q(name) {
            if !allowed.contains(&v) {
                return Err(validation(format!(
                    "1 validation error detected: Value '{v}' at '{name}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                )));
            }
        }
    }
    let has = |m: &Value, field: &str, v: &str| {
        m[field]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(v)))
    };
    let provider = q("byProvider").map(|p| p.trim().to_ascii_lowercase());
    let items: Vec<Value> = models
        .iter()
        .filter(|m| {
            provider.as_ref().is_none_or(|p| {
                let name = m["providerName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let vendor = m["modelId"]
                    .as_str()
                    .unwrap_or_default()
                    .split('.')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                &name == p || &vendor == p
            })
        })
        .filter(|m| q("byOutputModality").is_none_or(|v| has(m, "outputModalities", v)))
        .filter(|m| q("byInferenceType").is_none_or(|v| has(m, "inferenceTypesSupported", v)))
        .filter(|m| q("byCustomizationType").is_none_or(|v| has(m, "customizationsSupported", v)))
        .cloned()
        .collect();
    Ok(json!({ "modelSummaries": items }))
}

fn encode_token(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(format!("{{\"emulatorOffset\":{offset},\"v\":1}}"))
}

fn decode_token(t: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(t.trim())
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    v["emulatorOffset"].as_u64().map(|n| n as usize)
}

/// `ListInferenceProfiles` with `type`, `maxResults` (1–1000) and an opaque `nextToken`.
pub fn list_inference_profiles(
    profiles: &[Value],
    query: &[(String, String)],
) -> Result<Value, ApiError> {
    let q = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let ty = q("type");
    if let Some(t) = ty {
        if t != "SYSTEM_DEFINED" && t != "APPLICATION" {
            return Err(validation(format!(
                "1 validation error detected: Value '{t}' at 'typeEquals' failed to satisfy constraint: Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]"
            )));
        }
    }
    let max = match q("maxResults") {
        None => 1000,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => n as usize,
            Ok(n) if n < 1 => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )))
            }
            Ok(n) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
                )))
            }
            Err(_) => return Err(validation(format!("Invalid value for maxResults: '{s}'"))),
        },
    };
    let offset = match q("nextToken") {
        None => 0,
        Some(t) => decode_token(t).ok_or_else(|| validation("The pagination token is invalid."))?,
    };
    let items: Vec<&Value> = profiles
        .iter()
        .filter(|p| match ty {
            None => p["type"] == "SYSTEM_DEFINED",
            Some(t) => p["type"] == t,
        })
        .collect();
    if offset > items.len() {
        return Err(validation("The pagination token is invalid."));
    }
    let page: Vec<Value> = items
        .iter()
        .skip(offset)
        .take(max)
        .map(|v| (*v).clone())
        .collect();
    let mut out = json!({ "inferenceProfileSummaries": page });
    if offset + max < items.len() {
        out["nextToken"] = json!(encode_token(offset + max));
    }
    Ok(out)
}

pub fn find_profile<'a>(profiles: &'a [Value], id_or_arn: &str) -> Option<&'a Value> {
    profiles
        .iter()
        .find(|p| p["inferenceProfileId"] == id_or_arn || p["inferenceProfileArn"] == id_or_arn)
}
