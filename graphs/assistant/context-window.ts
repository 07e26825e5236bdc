// The bounded prompt of one turn: system prompt and running summary, the recent messages that
// fit, and the recalled passages, all under the token budget. A thread's 1000th turn costs
// about what its 10th does.
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { estimateTokens, messagesTokens, truncateToTokens } from '../../src/llm/tokens.js';
import type { PassagesArtifact } from '../../src/llm/tool-artifacts.js';
import { formatPassages } from './citations.js';
import { fill, SUMMARY_SECTION, SYSTEM_PROMPT } from './prompts.js';
import { SEARCH_KNOWLEDGE } from './tools/search-knowledge.js';

/** Shares of the budget: what is left after system, summary and passages goes to recent messages. */
export const SUMMARY_SHARE = 0.1;
export const PASSAGES_SHARE = 0.3;
export const RECALL_CALL_ID = 'recall';

export interface ContextInput {
  botName: string;
  platform: string;
  summary: string;
  messages: readonly BaseMessage[];
  recalled: PassagesArtifact | undefined;
  budget: number;
  now?: Date;
}

export function buildPrompt(input: ContextInput): BaseMessage[] {
  const { budget } = input;
  let system = fill(SYSTEM_PROMPT, {
    botName: input.botName,
    platform: input.platform,
    date: (input.now ?? new Date()).toISOString().slice(0, 10),
  });
  if (input.summary) {
    system += fill(SUMMARY_SECTION, { summary: truncateToTokens(input.summary, Math.floor(budget * SUMMARY_SHARE)) });
  }
  const recall = input.recalled ? recallMessages(input.recalled, Math.floor(budget * PASSAGES_SHARE)) : [];
  const left = budget - estimateTokens(system) - messagesTokens(recall);
  const recent = recentMessages(input.messages, left);

  // Recalled passages read as the result of a search the model made for the latest message.
  const lastHuman = recent.findLastIndex((message) => message.getType() === 'human');
  return [
    new SystemMessage(system),
    ...recent.slice(0, lastHuman + 1),
    ...recall,
    ...recent.slice(lastHuman + 1),
  ];
}

function recallMessages(recalled: PassagesArtifact, maxTokens: number): BaseMessage[] {
  return [
    new AIMessage({
      content: '',
      tool_calls: [{ id: RECALL_CALL_ID, name: SEARCH_KNOWLEDGE, args: { query: recalled.query }, type: 'tool_call' }],
    }),
    new ToolMessage({
      tool_call_id: RECALL_CALL_ID,
      content: truncateToTokens(formatPassages(recalled.passages), maxTokens),
      artifact: recalled,
    }),
  ];
}

/**
 * The latest messages that fit in `maxTokens`, starting at a human message so no tool result
 * loses its call. The latest human message always fits: it is shortened if it must be.
 */
export function recentMessages(messages: readonly BaseMessage[], maxTokens: number): BaseMessage[] {
  let start = messages.length;
  let used = 0;
  for (let index = messages.length - 1; index >= 0; index--) {
    used += messagesTokens([messages[index]!]);
    if (used > maxTokens) break;
    if (messages[index]!.getType() === 'human') start = index;
  }
  if (start < messages.length) return messages.slice(start);

  const lastHuman = messages.findLastIndex((message) => message.getType() === 'human');
  if (lastHuman < 0) return [];
  const human = messages[lastHuman]!;
  const after = messages.slice(lastHuman + 1);
  const room = Math.max(256, maxTokens - messagesTokens(after));
  const shortened = new HumanMessage({ id: human.id, content: truncateToTokens(human.text, room) });
  return [shortened, ...after];
}
