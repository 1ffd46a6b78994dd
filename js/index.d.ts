// Public types of bedrock-native (`require('bedrock-native')` / `import ... from 'bedrock-native'`).
//
// The pi-ai shapes (Model, Context, messages, AssistantMessage, AssistantMessageEvent,
// options) are written out here so the package type-checks without pi-ai installed. They
// are structurally compatible with @mariozechner/pi-ai 0.73.x: `converseStream` can be
// passed where pi-ai's `StreamFunction<"bedrock-converse-stream", BedrockOptions>` is
// expected (__test__/types.test.mjs compiles exactly that with `tsc --strict`).

// When the consumer has pi-ai installed, streams are typed as pi-ai's own
// AssistantMessageEventStream as well (a class with private members, so only its own type
// is assignable to it). Without pi-ai this import is `any` and only our interface is used.
// @ts-ignore -- optional: pi-ai is not a dependency of this package
import type { AssistantMessageEventStream as PiAiAssistantMessageEventStream } from '@mariozechner/pi-ai'

/** `true` when T is `any` (the unresolved optional import above). */
type IsAny<T> = 0 extends 1 & T ? true : false

// ---------------------------------------------------------------------------------------
// pi-ai message and model shapes
// ---------------------------------------------------------------------------------------

export type KnownApi =
  | 'openai-completions'
  | 'mistral-conversations'
  | 'openai-responses'
  | 'azure-openai-responses'
  | 'openai-codex-responses'
  | 'anthropic-messages'
  | 'bedrock-converse-stream'
  | 'google-generative-ai'
  | 'google-vertex'
export type Api = KnownApi | (string & {})
export type Provider = string
export type ThinkingLevel = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'
export type CacheRetention = 'none' | 'short' | 'long'
/**
 * A final message's stop reason. Partial messages (`PartialAssistantMessage`, an event's
 * `partial`) read `'pending'` until Bedrock's `messageStop`, as in pi-ai 1.6; final messages
 * never do, so pi-ai 0.73's `StreamFunction` type still accepts `converseStream`.
 */
export type StopReason = 'stop' | 'length' | 'toolUse' | 'error' | 'aborted'

export interface ThinkingBudgets {
  minimal?: number
  low?: number
  medium?: number
  high?: number
}

export interface TextContent {
  type: 'text'
  text: string
  textSignature?: string
}

export interface ThinkingContent {
  type: 'thinking'
  thinking: string
  /** Bedrock's reasoning signature; for redacted reasoning the base64 `redactedContent`. */
  thinkingSignature?: string
  /** Redacted reasoning (`thinking` is then `"[Reasoning redacted]"`); replayed as such. */
  redacted?: boolean
}

export interface ImageContent {
  type: 'image'
  /** base64 */
  data: string
  /** image/png, image/jpeg, image/gif or image/webp */
  mimeType: string
}

export interface ToolCall {
  type: 'toolCall'
  id: string
  name: string
  arguments: Record<string, any>
  /** Set when the complete argument text is not a JSON object (`arguments` is then `{}`):
   *  the parse error, then `\n\nReceived arguments:\n` and the text. */
  argumentsError?: string
  thoughtSignature?: string
}

export interface Usage {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  /** Cache writes with a one-hour TTL (part of `cacheWrite`, priced at 2x input). */
  cacheWrite1h?: number
  totalTokens: number
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number; totalFromProvider?: boolean }
}

/** pi-ai 1.6's structured failure metadata on a message. */
export interface AssistantMessageDiagnostic {
  type: string
  timestamp: number
  error?: { name?: string; message: string; stack?: string; code?: string | number }
  details?: Record<string, unknown>
}

export interface UserMessage {
  role: 'user'
  content: string | (TextContent | ImageContent)[]
  timestamp: number
}

export interface AssistantMessage {
  role: 'assistant'
  content: (TextContent | ThinkingContent | ToolCall)[]
  api: Api
  provider: Provider
  model: string
  responseModel?: string
  responseId?: string
  usage: Usage
  stopReason: StopReason
  /** Bedrock's own `stopReason` (e.g. `end_turn`, `guardrail_intervened`). */
  rawStopReason?: string
  errorMessage?: string
  /** e.g. `bedrock_response_failure` with `{ status?, errorCode?, requestId? }`. */
  diagnostics?: AssistantMessageDiagnostic[]
  timestamp: number
  /** Milliseconds from the stream's creation to its final event. */
  durationMs?: number
}

/** The live message an event's `partial` carries: `stopReason` is `'pending'` until
 *  Bedrock's `messageStop` (pi-ai 1.6). */
export interface PartialAssistantMessage extends Omit<AssistantMessage, 'stopReason'> {
  stopReason: StopReason | 'pending'
}

export interface ToolResultMessage<TDetails = any> {
  role: 'toolResult'
  toolCallId: string
  toolName: string
  content: (TextContent | ImageContent)[]
  details?: TDetails
  isError: boolean
  timestamp: number
}

export type Message = UserMessage | AssistantMessage | ToolResultMessage

export interface Tool {
  name: string
  description: string
  /** JSON Schema of the arguments (pi-ai uses TypeBox schemas, which are JSON Schema). */
  parameters: object
}

export interface Context {
  systemPrompt?: string
  messages: Message[]
  tools?: Tool[]
}

/** A pi-ai model entry. For Bedrock: `api: "bedrock-converse-stream"`, `id` = the
 *  Bedrock model id, inference profile id or ARN; a non-AWS `baseUrl` is the endpoint. */
export interface Model<TApi extends Api = 'bedrock-converse-stream'> {
  id: string
  name: string
  api: TApi
  provider: Provider
  baseUrl: string
  reasoning: boolean
  thinkingLevelMap?: Partial<Record<'off' | ThinkingLevel, string | null>>
  input: ('text' | 'image')[]
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number }
  contextWindow: number
  maxTokens: number
  headers?: Record<string, string>
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/** Stable `error.code` values (crates/core/src/error.rs). Only ever added to. */
export type ErrorCode =
  // AWS service errors, named as AWS spells them
  | 'ThrottlingException'
  | 'ModelStreamErrorException'
  | 'ValidationException'
  | 'AccessDeniedException'
  | 'ResourceNotFoundException'
  | 'ServiceUnavailableException'
  | 'InternalServerException'
  | 'ModelTimeoutException'
  | 'ModelNotReadyException'
  | 'ModelErrorException'
  | 'ServiceQuotaExceededException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException'
  | 'InvalidSignatureException'
  /** Any other AWS error type; the original name is in `awsType`. */
  | 'AwsError'
  // client-side failures
  /** A required IAM permission is missing (the message names it). */
  | 'AccessDenied'
  | 'NoCredentials'
  /** Loading credentials (credential_process, SSO, STS, IMDS) outlasted the credential
   *  load timeout (`BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS`); the message names the source. */
  | 'CredentialsTimeout'
  /** Config file syntax error; `location` has file, line, column. */
  | 'ConfigSyntax'
  /** Config value of the wrong type or range; `keyPath` names it. */
  | 'ConfigType'
  | 'ConfigNotFound'
  | 'InvalidArgument'
  /** Connect, first-event or idle timeout. */
  | 'Timeout'
  | 'Aborted'
  /** Connection refused/reset, DNS, TLS. */
  | 'Network'
  /** The peer did not speak Bedrock's protocol (bad frame, CRC, JSON). */
  | 'Protocol'
  /** A 200 answer that is not an event stream (a proxy or captive portal page); the message
   *  names status, content type and the start of the body. */
  | 'UnexpectedResponse'
  | 'InternalError'
  /** The stream ended with `stopReason: guardrail_intervened`. */
  | 'GuardrailIntervened'
  /** The stream ended with `stopReason: content_filtered`. */
  | 'ContentFiltered'
  /** The stream ended with `stopReason: malformed_model_output` or `malformed_tool_use`. */
  | 'MalformedModelOutput'
  /** Any other stop reason that is not stop / length / tool use (Bedrock's in `awsType`). */
  | 'UnexpectedStopReason'

/** What thrown errors and rejections of this package carry (an `Error`; a `TypeError`
 *  for `InvalidArgument`). */
export interface BedrockNativeError extends Error {
  code: ErrorCode
  /** Whether trying again later may succeed (throttling, 5xx, network). */
  retryable: boolean
  httpStatus?: number
  /** AWS `x-amzn-RequestId`, when AWS answered. */
  requestId?: string
  /** The AWS error type as sent, when AWS answered with one. */
  awsType?: string
  /** A server retry hint (`Retry-After`), milliseconds. */
  retryAfterMs?: number
  /** Config syntax errors: where. */
  location?: { file: string; line: number; column: number }
  /** Config type errors: the key path, e.g. `plugins.entries["amazon-bedrock"].config.discovery.region`. */
  keyPath?: string
}

/** The extra fields on this package's `error` events (pi-ai's carry only `reason` and `error`). */
export interface StreamErrorInfo {
  code: ErrorCode
  retryable: boolean
  httpStatus?: number
  requestId?: string
  awsType?: string
}

// ---------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------

export type AssistantMessageEvent =
  | { type: 'start'; partial: PartialAssistantMessage }
  | { type: 'text_start'; contentIndex: number; partial: PartialAssistantMessage }
  | { type: 'text_delta'; contentIndex: number; delta: string; partial: PartialAssistantMessage }
  | { type: 'text_end'; contentIndex: number; content: string; partial: PartialAssistantMessage }
  | { type: 'thinking_start'; contentIndex: number; partial: PartialAssistantMessage }
  | { type: 'thinking_delta'; contentIndex: number; delta: string; partial: PartialAssistantMessage }
  | { type: 'thinking_end'; contentIndex: number; content: string; partial: PartialAssistantMessage }
  | { type: 'toolcall_start'; contentIndex: number; partial: PartialAssistantMessage }
  | { type: 'toolcall_delta'; contentIndex: number; delta: string; partial: PartialAssistantMessage }
  | { type: 'toolcall_end'; contentIndex: number; toolCall: ToolCall; partial: PartialAssistantMessage }
  | { type: 'done'; reason: 'stop' | 'length' | 'toolUse'; message: AssistantMessage }
  | ({ type: 'error'; reason: 'aborted' | 'error'; error: AssistantMessage } & Partial<StreamErrorInfo>)

/** The error event as this package emits it: always with `code` and `retryable`. */
export type AssistantMessageErrorEvent = { type: 'error'; reason: 'aborted' | 'error'; error: AssistantMessage } & StreamErrorInfo

/** pi-ai's AssistantMessageEventStream contract: iterate the events; `result()` resolves
 *  with the final message (also on failure: `stopReason` "error"/"aborted"). */
export declare class AssistantMessageEventStream implements AsyncIterable<AssistantMessageEvent> {
  constructor(model: Pick<Model<Api>, 'id' | 'provider'>)
  [Symbol.asyncIterator](): AsyncIterator<AssistantMessageEvent>
  result(): Promise<AssistantMessage>
  push(event: AssistantMessageEvent): void
  end(result?: AssistantMessage): void
}

/** What the stream functions return: our stream type, and pi-ai's own
 *  `AssistantMessageEventStream` type too when pi-ai is installed. With pi-ai installed,
 *  TypeScript types the iterated events as pi-ai's; read our extra error fields with
 *  `event as AssistantMessageErrorEvent` after checking `event.type === 'error'`. */
export type ConverseEventStream = IsAny<PiAiAssistantMessageEventStream> extends true
  ? AssistantMessageEventStream
  : PiAiAssistantMessageEventStream & AssistantMessageEventStream

export type ToolChoice = 'auto' | 'any' | 'none' | { type: 'tool'; name: string }

/** Guardrail applied to the request (the gateway's plugin `guardrail` config). */
export interface GuardrailOptions {
  guardrailIdentifier: string
  guardrailVersion: string
  streamProcessingMode?: 'sync' | 'async'
  trace?: 'enabled' | 'disabled' | 'enabled_full'
}

/** pi-ai's `StreamOptions` (the base every provider takes). */
export interface StreamOptions {
  temperature?: number
  maxTokens?: number
  signal?: AbortSignal
  apiKey?: string
  transport?: 'sse' | 'websocket' | 'websocket-cached' | 'auto'
  cacheRetention?: CacheRetention
  sessionId?: string
  /** Sees the ConverseStream command input pi-ai would send (`{ modelId, messages, ... }`,
   *  image bytes as Uint8Array); a returned value is sent instead. */
  onPayload?: (payload: unknown, model: Model<Api>) => unknown | undefined | Promise<unknown | undefined>
  /** Bedrock's 200 with every response header (names lower-case), before any event. */
  onResponse?: (response: { status: number; headers: Record<string, string> }, model: Model<Api>) => void | Promise<void>
  /** Each Bedrock ConverseStream event (`{ contentBlockDelta: {...} }`, ...) as it arrives,
   *  awaited before the events mapped from it. */
  onProviderStreamEvent?: (event: Record<string, unknown>, model: Model<Api>) => void | Promise<void>
  headers?: Record<string, string>
  timeoutMs?: number
  /** Retries before the first byte of the response (throttling, 5xx, network); default 2. */
  maxRetries?: number
  /** A server retry hint longer than this fails at once; 0 = no cap. */
  maxRetryDelayMs?: number
  metadata?: Record<string, unknown>
}

/** pi-ai's `SimpleStreamOptions` (the `streamSimple` entry point). */
export interface SimpleStreamOptions extends StreamOptions {
  reasoning?: ThinkingLevel
  thinkingBudgets?: ThinkingBudgets
}

/** This package's additions to pi-ai's options. */
export interface TransportOptions {
  /** Bound on establishing the connection (ms). */
  connectTimeoutMs?: number
  /** Bound on waiting for the first event after the request was sent (ms). */
  firstEventTimeoutMs?: number
  /** Bound on the silence between two events (ms). */
  idleTimeoutMs?: number
  /** Runtime endpoint (VPC endpoint, proxy, emulator); else the model's non-AWS
   *  `baseUrl`, else `https://bedrock-runtime.<region>.amazonaws.com`. */
  endpoint?: string
}

/** Options of `converseStream`: pi-ai's `BedrockOptions` plus our transport options. */
export interface BedrockStreamOptions extends StreamOptions, TransportOptions {
  region?: string
  /** AWS shared-config profile for SigV4 credentials. */
  profile?: string
  toolChoice?: ToolChoice
  reasoning?: ThinkingLevel
  thinkingBudgets?: ThinkingBudgets
  interleavedThinking?: boolean
  thinkingDisplay?: 'summarized' | 'omitted'
  requestMetadata?: Record<string, string>
  /** Bedrock API key: `Authorization: Bearer` instead of SigV4 (else AWS_BEARER_TOKEN_BEDROCK). */
  bearerToken?: string
  /** Guardrail for the request (the plugin config's `guardrail`). */
  guardrail?: GuardrailOptions
  /** Bedrock `serviceTier`, e.g. `{ type: "priority" }`. */
  serviceTier?: unknown
}

/** Options of `converseStreamSimple` (pi-ai `streamSimple`): the derivation keeps only
 *  pi-ai's base options, reasoning, the transport options and `guardrail`/`serviceTier`. */
export interface BedrockSimpleStreamOptions extends SimpleStreamOptions, TransportOptions {
  guardrail?: GuardrailOptions
  serviceTier?: unknown
}

/**
 * pi-ai compatible `streamBedrock`: streams a Converse reply as pi-ai
 * `AssistantMessageEvent`s. Never throws; failures are the final `error` event (with
 * `code`, `retryable`, `httpStatus`, `requestId`). Leaving a `for await` loop early or
 * aborting `signal` closes the connection at once.
 */
export declare function converseStream(
  model: Model<Api>,
  context: Context,
  options?: BedrockStreamOptions,
): ConverseEventStream

/** pi-ai compatible `streamSimpleBedrock`: options derived as pi-ai's simple entry point
 *  does (default maxTokens, thinking budget folded into maxTokens), then `converseStream`. */
export declare function converseStreamSimple(
  model: Model<Api>,
  context: Context,
  options?: BedrockSimpleStreamOptions,
): ConverseEventStream

/** pi-ai `complete()`: the final message (`stopReason` "error"/"aborted" on failure). */
export declare function complete(model: Model<Api>, context: Context, options?: BedrockStreamOptions): Promise<AssistantMessage>

/** One of Bedrock's own ConverseStream events, as the AWS SDK yields them
 *  (`{ messageStart: {...} }`, `{ contentBlockDelta: {...} }`, ...), or the final error. */
export type RawConverseStreamEvent =
  | { messageStart: { role: string } }
  | { contentBlockStart: { contentBlockIndex: number; start: Record<string, unknown> } }
  | { contentBlockDelta: { contentBlockIndex: number; delta: Record<string, unknown> } }
  | { contentBlockStop: { contentBlockIndex: number } }
  | { messageStop: { stopReason: string; additionalModelResponseFields?: unknown } }
  | { metadata: { usage?: Record<string, number>; metrics?: { latencyMs?: number }; trace?: unknown } }
  | { error: { message: string } & StreamErrorInfo }

/** Bedrock's own events, unmapped. Same options as converseStream. */
export declare function converseStreamRaw(
  model: Model<Api>,
  context: Context,
  options?: BedrockStreamOptions,
): AsyncGenerator<RawConverseStreamEvent, void, undefined>

// ---------------------------------------------------------------------------------------
// Request building
// ---------------------------------------------------------------------------------------

export interface ConverseRequest {
  /** Goes in the URL path: `/model/{encodeURIComponent(modelId)}/converse-stream`. */
  modelId: string
  /** The JSON body pi-ai 0.73 (the AWS SDK) would send. */
  body: Record<string, unknown>
  /** Set when the model id is an ARN, which must be called in its own region. */
  region?: string
}

/** The ConverseStream request pi-ai would send. Throws `InvalidArgument` (TypeError). */
export declare function buildConverseRequest(model: Model<Api>, context: Context, options?: BedrockStreamOptions | null): ConverseRequest
/** Same, with options derived as by pi-ai's `streamSimple`. */
export declare function buildSimpleConverseRequest(model: Model<Api>, context: Context, options?: BedrockSimpleStreamOptions | null): ConverseRequest

export type { ModelDescription, ThinkingStyle, ModelThinkingLevel } from './models'
export { describeModel } from './models'

// ---------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------

/** Which env marker OpenClaw would see (the variable's name, never its value). */
export interface AuthMarker {
  /** `AWS_BEARER_TOKEN_BEDROCK`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, or null/undefined. */
  marker?: string | null
  /** OpenClaw's label, e.g. `env: AWS_PROFILE` or `aws-sdk default chain`. */
  label: string
  /** `bearer` or `aws-sdk`. */
  mode: 'bearer' | 'aws-sdk' | (string & {})
}

export interface ProbeCredentialsOptions {
  region?: string
  profile?: string
  /** Whole-probe bound in ms (default 2000). */
  timeoutMs?: number
  /** The environment the AWS chain sees instead of `process.env`. */
  env?: Record<string, string>
}

export type CredentialSource = 'env' | 'profile' | 'sso' | 'process' | 'assume-role' | 'web-identity' | 'ecs' | 'imds' | (string & {})
export type RegionSource = 'config' | 'baseUrl' | 'env: AWS_REGION' | 'env: AWS_DEFAULT_REGION' | 'profile' | 'default' | (string & {})

export interface ProbeCredentialsResult {
  available: boolean
  /** Which source of the AWS default chain answered (`imds` = EC2 instance role). */
  source?: CredentialSource | null
  /** Expiry of temporary credentials, ISO 8601. */
  expiresAt?: string | null
  region: string
  regionSource: RegionSource
  /** What happened, in words (never a secret). */
  detail: string
  /** Sources tried, in order. */
  tried: string[]
}

/** Env markers in OpenClaw's order; sync, no I/O. `env` defaults to `process.env`. */
export declare function detectAuthMarker(env?: Record<string, string> | null): AuthMarker
/** The real AWS default credential chain within a timeout; never rejects for "none found". */
export declare function probeCredentials(options?: ProbeCredentialsOptions | null): Promise<ProbeCredentialsResult>

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

export interface LoadConfigOptions {
  /** Config file to read (must exist). Default: OPENCLAW_CONFIG_PATH, then
   *  OPENCLAW_STATE_DIR/openclaw.json, then ~/.openclaw/openclaw.json. */
  path?: string
  env?: Record<string, string>
}

export interface DiscoverySettings {
  /** null = auto (on when credentials are found). */
  enabled?: boolean | null
  region?: string | null
  providerFilter: string[]
  /** Seconds; 0 = no caching. */
  refreshInterval: number
  defaultContextWindow: number
  defaultMaxTokens: number
  cacheFile?: string | null
}

export interface GuardrailSettings {
  guardrailIdentifier: string
  guardrailVersion: string
  streamProcessingMode?: 'sync' | 'async' | null
  trace?: 'enabled' | 'disabled' | 'enabled_full' | null
}

export interface BedrockSettings {
  /** The file read, or null when no config file exists. */
  file?: string | null
  region: string
  regionSource: RegionSource
  discovery: DiscoverySettings
  guardrail?: GuardrailSettings | null
  /** `models.providers["amazon-bedrock"]` as written. */
  provider?: Record<string, unknown> | null
  /** `plugins.entries["amazon-bedrock"].config` as written (unknown keys kept). */
  pluginConfig?: Record<string, unknown> | null
}

/** Reads OpenClaw's config (JSON5). Throws `ConfigSyntax` (`location`), `ConfigType`
 *  (`keyPath`) or `ConfigNotFound`. */
export declare function loadConfig(options?: LoadConfigOptions | null): BedrockSettings

// ---------------------------------------------------------------------------------------
// Model discovery
// ---------------------------------------------------------------------------------------

export interface DiscoverModelsOptions {
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1. */
  region?: string
  /** Provider names or id prefixes (`anthropic`, `Mistral AI`, `mistral`), any case. */
  providerFilter?: string[]
  /** Cache TTL in seconds (default 3600; 0 = always call AWS). */
  refreshInterval?: number
  /** For models the built-in table does not know (default 32000). */
  defaultContextWindow?: number
  /** For models the built-in table does not know (default 4096). */
  defaultMaxTokens?: number
  /** Control-plane endpoint (VPC endpoint, proxy, emulator). */
  endpoint?: string
  /** Bedrock API key; default AWS_BEARER_TOKEN_BEDROCK; else SigV4 with the default chain. */
  bearerToken?: string
  profile?: string
  /** `advisory` (default): failures are reported in the result. `strict`: they reject. */
  mode?: 'advisory' | 'strict'
  /** JSON file shared by processes on this host (no credentials in it). */
  cacheFile?: string
  env?: Record<string, string>
  /** Bound on each API call, ms (default 30000). */
  timeoutMs?: number
}

export interface ModelCost {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/** The gateway's model shape (add `api`, `provider`, `baseUrl` for a pi-ai `Model`). */
export interface DiscoveredModel {
  id: string
  name: string
  reasoning: boolean
  input: Array<'text' | 'image'>
  cost: ModelCost
  contextWindow: number
  maxTokens: number
}

/** A failure that did not stop discovery (advisory mode). */
export interface DiscoveryWarning {
  /** `ListFoundationModels` or `ListInferenceProfiles`. */
  operation: string
  code: ErrorCode
  message: string
  httpStatus?: number | null
}

export interface DiscoveryResult {
  models: DiscoveredModel[]
  region: string
  /** Served from the in-process cache or the cache file. */
  fromCache: boolean
  /** A refresh failed and this is the last good list. */
  stale: boolean
  /** Some call failed (see `warnings`). */
  partial: boolean
  warnings: DiscoveryWarning[]
  /** When the list was fetched from AWS (ms since epoch; 0 when nothing was fetched). */
  fetchedAt: number
}

/** The model list (ListFoundationModels + every page of ListInferenceProfiles), cached. */
export declare function discoverModels(options?: DiscoverModelsOptions | null): Promise<DiscoveredModel[]>
/** The model list plus where it came from and what failed. */
export declare function discoverModelsDetailed(options?: DiscoverModelsOptions | null): Promise<DiscoveryResult>
/** Forgets the in-process discovery cache (a cache file is left alone). */
export declare function clearDiscoveryCache(): void

export interface ResolveBedrockProviderOptions {
  /** An OpenClaw config object already in memory (else the file is loaded). */
  config?: Record<string, unknown>
  /** Config file to load (see `loadConfig`). */
  path?: string
  env?: Record<string, string>
  endpoint?: string
  bearerToken?: string
  profile?: string
  mode?: 'advisory' | 'strict'
  /** Bound for the credential probe in auto mode, ms (default 2000). */
  probeTimeoutMs?: number
}

/** What the gateway registers as its `amazon-bedrock` provider. */
export interface BedrockProvider {
  baseUrl: string
  api: 'bedrock-converse-stream'
  auth: 'aws-sdk'
  /** Explicit models as written, or the discovered ones. */
  models: Array<DiscoveredModel | Record<string, unknown>>
  modelsSource: 'explicit' | 'discovered'
  /** `config`, `bearerToken`, an env-marker label, or `probe: <source>` (e.g. `probe: imds`). */
  enabledBy: string
  discovery?: {
    fromCache: boolean
    stale: boolean
    partial: boolean
    warnings: Array<{ operation: string; message: string; code: ErrorCode; retryable: boolean; httpStatus?: number; requestId?: string }>
  } | null
}

/** The provider entry for the gateway, or null when discovery is off (or auto and no
 *  credentials are found by env marker or probe) or nothing is found. */
export declare function resolveBedrockProvider(options?: ResolveBedrockProviderOptions | null): Promise<BedrockProvider | null>

// ---------------------------------------------------------------------------------------
// pi-ai registry drop-in
// ---------------------------------------------------------------------------------------

export declare const BEDROCK_API: 'bedrock-converse-stream'

export interface BedrockApiProvider {
  api: 'bedrock-converse-stream'
  stream: typeof converseStream
  streamSimple: typeof converseStreamSimple
}

/** pi-ai's `registerApiProvider`, loosely (so any 0.7x version fits). */
export type RegisterApiProvider = (provider: any, sourceId?: string) => void

/** pi-ai 1.6's compat module (`@earendil-works/pi-ai/compat`), the parts used here. */
export interface PiAiCompatModule {
  setBedrockProviderModule(module: BedrockNativeStreams): void
  registerApiProvider?: RegisterApiProvider
}

/** pi-ai 1.6's `ProviderStreams` for Bedrock, backed by this package. */
export interface BedrockNativeStreams {
  stream: typeof converseStream
  streamSimple: typeof converseStreamSimple
}

/**
 * `{ stream, streamSimple }` as pi-ai 1.6's `ProviderStreams`: pass it to
 * `setBedrockProviderModule()` or as `api` of `createProvider({ id, auth, models, api: bedrockNativeStreams })`.
 */
export declare const bedrockNativeStreams: Readonly<BedrockNativeStreams>

/**
 * Routes pi-ai's Bedrock provider (api `bedrock-converse-stream`) to this package.
 * pi-ai 1.6: pass the compat module (`await import('@earendil-works/pi-ai/compat')`): the
 * built-in provider is swapped with `setBedrockProviderModule` and the api registry entry
 * replaced. pi-ai 0.73: pass its `registerApiProvider` or the `@mariozechner/pi-ai` module.
 * Undo the registry entry with pi-ai's `unregisterApiProviders(sourceId)` + `resetApiProviders()`.
 */
export declare function registerBedrockNative(
  host: PiAiCompatModule | RegisterApiProvider | { registerApiProvider: RegisterApiProvider },
  options?: { sourceId?: string },
): BedrockApiProvider

// ---------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------

export interface EmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Default us-east-1. */
  region?: string
  /** Verify SigV4/bearer auth (default true). */
  auth?: boolean
  /**
   * Refuse every Converse/ConverseStream request Bedrock would refuse (thinking budgets,
   * adaptive-only models, temperature/top_p rules, maxTokens limits, tools, images, cache
   * points, types, unknown fields) with Bedrock's error (default true). `false` keeps only
   * the conversation-shape checks, for fault-injection tests that send odd requests.
   */
  strictValidation?: boolean
  /**
   * Seconds the emulator's clock runs ahead of the host's (negative: behind); default 0.
   * SigV4 `X-Amz-Date` is checked against it (±`maxSkewSecs`, AWS's "Signature expired"
   * 403 beyond) and every response's `Date` header carries it. Alias `clockOffsetSeconds`.
   */
  clockOffsetSecs?: number
  [key: string]: unknown
}

/** A request the emulator saw (the Authorization value is never recorded). */
export interface EmulatorRequest {
  seq: number
  requestId: string
  method: string
  path: string
  operation: string
  modelId?: string
  headers: Record<string, string>
  /** `HTTP/1.1` or `HTTP/2.0`. */
  httpVersion?: string
  connectionId?: number
  atMs?: number
  queryParams?: Record<string, string>
  auth: {
    /** `sigv4`, `bearer` or `none`. */
    scheme: string
    ok: boolean
    verified: boolean
    accessKeyId?: string
    signedHeaders?: string[]
    region?: string
    errorType?: string
    message?: string
  }
  body?: any
  bodyBytes: number
  response: {
    status: number
    errorType?: string
    scripted: boolean
    framesSent: number
    bytesSent: number
    completed: boolean
    clientDisconnected: boolean
    fault?: string
    finishedAtMs?: number
  }
  [key: string]: unknown
}

/** The running loopback Bedrock emulator. The credentials are its own test identity. */
export declare class Emulator {
  /** `http://127.0.0.1:PORT`: endpoint for both control plane and runtime. */
  get url(): string
  get port(): number
  get region(): string
  get accessKeyId(): string
  get secretAccessKey(): string
  get bearerToken(): string
  requests(): EmulatorRequest[]
  clearRequests(): void
  /** Queues a script (docs/CONTRACTS.md) for a model id, `"*"`, or `"op:<Operation>"`. */
  script(modelId: string, script: Record<string, any>): void
  reset(): void
  connections(): { total: number; open: number; closed: number; connections: Array<{ id: number; peer: string; openedAtMs: number; closedAtMs?: number; peerClosedAtMs?: number; requests: number }> }
  catalogue(): { foundationModels: Array<Record<string, any>>; inferenceProfiles: Array<Record<string, any>> }
  close(): Promise<void>
}
export type JsEmulator = Emulator

export declare function startEmulator(options?: EmulatorOptions | null): Promise<Emulator>

// ---------------------------------------------------------------------------------------
// Low level
// ---------------------------------------------------------------------------------------

/** The native stream handle behind `converseStream` (op batches as JSON). */
export declare class JsConverseStream {
  nextBatch(): Promise<string>
  nextBatchArray(): Promise<Array<any>>
  abort(): void
  /** Hands the stream's ops to `hub` from now on (no `nextBatch()` after); returns its id there. */
  deliverTo(hub: StreamHub): number
}

/** Delivers the ops of many streams to JS through one callback; `drain()` returns them
 *  as JSON `[id, [op, ...], ...]`. What `converseStream` uses; exported for completeness. */
export declare class StreamHub {
  constructor(onReady: () => void)
  drain(): string
  get openStreams(): number
}
export type JsStreamHub = StreamHub

/** Native start of a ConverseStream from `JSON.stringify`d arguments; use `converseStream`.
 *  `env`: the environment snapshot to use (default: the process environment at this call). */
export declare function startConverseStream(model: string, context?: string | null, options?: string | null, prepared?: string | null, env?: Record<string, string> | null): JsConverseStream

/** Moves the structured fields of a native error onto it (done for every export already). */
export declare function decorateError<T>(error: T): T

/** Which binding artifact the loader loaded. */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'
