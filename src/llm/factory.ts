import type { BaseCache } from '@langchain/core/caches';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { LlmConfig } from '../config.js';
import { OfflineChatModel } from './offline-model.js';

export interface ChatModelChoice {
  model: BaseChatModel;
  /** A name for logs and the README: the model id, or `offline`. */
  label: string;
  offline: boolean;
}

/**
 * The configured OpenAI-compatible model, or the offline model when none is configured. A `cache`
 * (LLM_CACHE) answers repeated identical prompts without calling the model; offline mode needs none.
 */
export async function createChatModel(
  llm: LlmConfig | undefined,
  options: { cache?: BaseCache; callbacks?: Callbacks } = {},
): Promise<ChatModelChoice> {
  if (!llm) {
    const offline = new OfflineChatModel();
    // Metrics callbacks (src/observability/llm-metrics.ts) time every call, offline ones too.
    if (options.callbacks) offline.callbacks = options.callbacks;
    return { model: offline, label: 'offline', offline: true };
  }
  // Loaded only when a model is configured: it is the slowest import of a cold start.
  const { ChatOpenAI } = await import('@langchain/openai');
  const model = new ChatOpenAI({
    model: llm.model,
    // Local OpenAI-compatible servers (Ollama, vLLM) accept any key; the client insists on one.
    apiKey: llm.apiKey ?? 'not-needed',
    configuration: llm.baseUrl ? { baseURL: llm.baseUrl } : {},
    // Not streamed by default: the agent's answer streams because its token handler asks for it
    // (graphs/assistant/agent-tokens.ts). With `streaming: true` every other call (summaries,
    // digests) would stream too, and the client then counts tokens with tiktoken, whose
    // encodings it downloads from the internet on first use: a hang where egress is closed.
    timeout: llm.timeoutMs,
    maxRetries: 2,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.callbacks ? { callbacks: options.callbacks } : {}),
  });
  return { model, label: `${llm.model}${llm.baseUrl ? ` at ${llm.baseUrl}` : ''}`, offline: false };
}
