// Folds messages that leave the prompt window into the thread's running summary.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { firstSentence } from '../../src/llm/extract.js';
import { OFFLINE_NOTICE } from '../../src/llm/offline-model.js';
import { estimateTokens, truncateToTokens } from '../../src/llm/tokens.js';
import { fill, SUMMARIZE_PROMPT } from './prompts.js';

export type Summarizer = (previous: string, messages: readonly BaseMessage[], maxTokens: number) => Promise<string>;

const SENTENCE_CHARS = 160;
const MESSAGE_CHARS_FOR_MODEL = 2_000;

export function createSummarizer(model: BaseChatModel, offline: boolean): Summarizer {
  return offline ? summarizeExtractively : (previous, messages, maxTokens) => summarizeWithModel(model, previous, messages, maxTokens);
}

/** Offline: one line per message (its first sentence), keeping the newest lines that fit. */
async function summarizeExtractively(previous: string, messages: readonly BaseMessage[], maxTokens: number) {
  const lines = previous ? previous.split('\n') : [];
  for (const message of conversational(messages)) {
    const text = message.text.replace(OFFLINE_NOTICE, '').trim();
    const sentence = firstSentence(text, SENTENCE_CHARS);
    if (sentence) lines.push(message.getType() === 'ai' ? `answered: ${sentence}` : sentence);
  }
  let used = 0;
  let keep = lines.length;
  while (keep > 0 && used + estimateTokens(lines[keep - 1]!) + 1 <= maxTokens) used += estimateTokens(lines[--keep]!) + 1;
  return lines.slice(keep).join('\n');
}

async function summarizeWithModel(
  model: BaseChatModel,
  previous: string,
  messages: readonly BaseMessage[],
  maxTokens: number,
): Promise<string> {
  const transcript = conversational(messages)
    .map((message) => {
      const text = message.text.slice(0, MESSAGE_CHARS_FOR_MODEL);
      return message.getType() === 'ai' ? `assistant: ${text}` : text;
    })
    .join('\n');
  const response = await model.invoke([
    new SystemMessage(fill(SUMMARIZE_PROMPT, { maxWords: String(Math.floor(maxTokens * 0.7)) })),
    new HumanMessage(`Previous summary:\n${previous || '(none)'}\n\nNew messages:\n${transcript}`),
  ]);
  return truncateToTokens(response.text.trim(), maxTokens);
}

/** Human and assistant messages with text; tool traffic is not conversation. */
function conversational(messages: readonly BaseMessage[]): BaseMessage[] {
  return messages.filter((message) => ['human', 'ai'].includes(message.getType()) && message.text.trim() !== '');
}
