import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import type { LlmConfig } from '../config.js';
import { OfflineChatModel } from './offline-model.js';

export interface ChatModelChoice {
  model: BaseChatModel;
  /** A name for logs and the README: the model id, or `offline`. */
  label: string;
  offline: boolean;
}

/** The configured OpenAI-compatible model, or the offline model when none is configured. */
export function createChatModel(llm: LlmConfig | undefined): ChatModelChoice {
  if (!llm) return { model: new OfflineChatModel(), label: 'offline', offline: true };
  const model = new ChatOpenAI({
    model: llm.model,
    // Local OpenAI-compatible servers (Ollama, vLLM) accept any key; the client insists on one.
    apiKey: llm.apiKey ?? 'not-needed',
    configuration: llm.baseUrl ? { baseURL: llm.baseUrl } : {},
    streaming: true,
    timeout: llm.timeoutMs,
    maxRetries: 2,
  });
  return { model, label: `${llm.model}${llm.baseUrl ? ` at ${llm.baseUrl}` : ''}`, offline: false };
}
