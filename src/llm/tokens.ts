import type { BaseMessage } from '@langchain/core/messages';

// About four characters a token for English text with common tokenizers; used to keep
// prompts under budget without shipping a tokenizer.
const CHARS_PER_TOKEN = 4;
const MESSAGE_OVERHEAD_TOKENS = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function messageTokens(message: BaseMessage): number {
  const toolCalls = 'tool_calls' in message && Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return (
    MESSAGE_OVERHEAD_TOKENS +
    estimateTokens(message.text) +
    (toolCalls.length > 0 ? estimateTokens(JSON.stringify(toolCalls)) : 0)
  );
}

export function messagesTokens(messages: readonly BaseMessage[]): number {
  return messages.reduce((sum, message) => sum + messageTokens(message), 0);
}

/** Cuts `text` to about `maxTokens`, saying how much was left out. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const maxChars = maxTokens * CHARS_PER_TOKEN;
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[… ${text.length - maxChars} more characters left out]`;
}
