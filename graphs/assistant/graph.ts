// The assistant: recall workspace knowledge, answer (calling tools as needed), cite the
// passages used, then fold old messages into the running summary so the prompt stays bounded.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, RemoveMessage } from '@langchain/core/messages';
import {
  END,
  START,
  StateGraph,
  type BaseCheckpointSaver,
  type LangGraphRunnableConfig,
} from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import type { Assistant, TurnOptions, TurnRun } from '../../src/assistant.js';
import { queryTerms } from '../../src/knowledge/query-terms.js';
import { estimateTokens, messagesTokens, truncateToTokens } from '../../src/llm/tokens.js';
import type { ChatMessage, ThreadRef } from '../../src/model.js';
import { threadKey } from '../../src/model.js';
import type { KnowledgeStore, TranscriptStore } from '../../src/stores/ports.js';
import { TextStream } from '../../src/text-stream.js';
import { AgentTokens, agentTokensOf } from './agent-tokens.js';
import { numberPassages, turnPassages, withSources } from './citations.js';
import { buildPrompt, recentMessages, SUMMARY_SHARE } from './context-window.js';
import { EMPTY_ANSWER } from './prompts.js';
import { AssistantState, type AssistantStateValue } from './state.js';
import { createSummarizer } from './summarize.js';
import { loadTools } from './tools/index.js';
import { threadOf } from './tools/tool-deps.js';

export interface AssistantDeps {
  model: BaseChatModel;
  offline: boolean;
  knowledge: KnowledgeStore;
  transcripts: TranscriptStore;
  checkpointer: BaseCheckpointSaver;
  botName: string;
  promptTokenBudget: number;
}

const RECALL_RESULTS = 4;
const MAX_TOOL_ROUNDS = 3;
/**
 * The thread's history (running summary plus the messages kept in state) stays near this share
 * of the budget: past it, the oldest messages are folded into the summary. One target for both
 * makes a thread reach its steady prompt size within a few turns and stay there.
 */
const HISTORY_SHARE = 0.3;
/** Compaction frees this much below the target, so it runs every few turns, not every turn. */
const COMPACT_SLACK_SHARE = 0.05;
/** One incoming message's share of the prompt; the rest of a huge message is left out. */
const MESSAGE_SHARE = 0.4;

export async function buildAssistantGraph(deps: AssistantDeps) {
  const tools = await loadTools(deps);
  if (!deps.model.bindTools) throw new Error('The chat model cannot call tools');
  const modelWithTools = deps.model.bindTools(tools);
  const summarize = createSummarizer(deps.model, deps.offline);
  const budget = deps.promptTokenBudget;

  async function recall(state: AssistantStateValue, config: LangGraphRunnableConfig) {
    const newMessages = state.messages.slice(state.messages.findLastIndex((message) => message.getType() === 'ai') + 1);
    // The search terms, not the whole text: the query is shown to the model as a tool call.
    const query = queryTerms(newMessages.map((message) => message.text).join('\n')).join(' ');
    const found = await deps.knowledge.search(threadOf(config).workspaceId, query, RECALL_RESULTS);
    return { recalled: { kind: 'passages' as const, query, passages: numberPassages([], found) } };
  }

  async function agent(state: AssistantStateValue, config: LangGraphRunnableConfig) {
    const prompt = buildPrompt({
      botName: deps.botName,
      platform: threadOf(config).platform,
      summary: state.summary,
      messages: state.messages,
      recalled: state.recalled,
      budget,
    });
    const tokens = agentTokensOf(config);
    const response = await (tokens ? modelWithTools.withConfig({ callbacks: [tokens] }) : modelWithTools).invoke(prompt, config);
    const calledTools = (response.tool_calls?.length ?? 0) > 0;
    return { messages: [response], toolRounds: state.toolRounds + (calledTools ? 1 : 0) };
  }

  function afterAgent(state: AssistantStateValue): 'tools' | 'cite' {
    const last = state.messages.at(-1);
    const wantsTools = last instanceof AIMessage && (last.tool_calls?.length ?? 0) > 0;
    return wantsTools && state.toolRounds <= MAX_TOOL_ROUNDS ? 'tools' : 'cite';
  }

  function cite(state: AssistantStateValue) {
    const text = state.messages.at(-1)?.text.trim() || EMPTY_ANSWER;
    return { answer: withSources(text, turnPassages(state.recalled, state.messages)) };
  }

  async function compact(state: AssistantStateValue) {
    if (estimateTokens(state.summary) + messagesTokens(state.messages) <= budget * HISTORY_SHARE) return {};
    const keep = recentMessages(state.messages, Math.floor(budget * (HISTORY_SHARE - SUMMARY_SHARE - COMPACT_SLACK_SHARE)));
    const older = state.messages.slice(0, state.messages.length - keep.length);
    if (older.length === 0) return {};
    const summary = await summarize(state.summary, older, Math.floor(budget * SUMMARY_SHARE));
    return { summary, messages: older.map((message) => new RemoveMessage({ id: message.id! })) };
  }

  return new StateGraph(AssistantState)
    .addNode('recall', recall)
    .addNode('agent', agent)
    .addNode('tools', new ToolNode(tools))
    .addNode('cite', cite)
    .addNode('compact', compact)
    .addEdge(START, 'recall')
    .addEdge('recall', 'agent')
    .addConditionalEdges('agent', afterAgent, ['tools', 'cite'])
    .addEdge('tools', 'agent')
    .addEdge('cite', 'compact')
    .addEdge('compact', END)
    .compile({ checkpointer: deps.checkpointer });
}

export type AssistantGraph = Awaited<ReturnType<typeof buildAssistantGraph>>;

/** The graph as the bot's Assistant: streams the answer's text, then its sources. */
export function assistantFromGraph(graph: AssistantGraph, budget: number): Assistant {
  return {
    startTurn(thread: ThreadRef, messages: ChatMessage[], options: TurnOptions = {}): TurnRun {
      const text = new TextStream();
      let streamed = '';
      let resolveAnswer!: (answer: string) => void;
      let rejectAnswer!: (error: unknown) => void;
      const answer = new Promise<string>((resolve, reject) => {
        resolveAnswer = resolve;
        rejectAnswer = reject;
      });
      answer.catch(() => {}); // the caller learns of a failure from `done` too
      const input = {
        messages: messages.map(
          (message) =>
            new HumanMessage({
              id: message.id,
              content: `${message.author.name}: ${truncateToTokens(message.text, Math.floor(budget * MESSAGE_SHARE))}`,
            }),
        ),
        recalled: undefined,
        toolRounds: 0,
        answer: '',
      };
      const tokens = new AgentTokens((piece) => {
        streamed += piece;
        text.push(piece);
      });
      const done = (async () => {
        const stream = await graph.stream(input, {
          configurable: { thread_id: threadKey(thread), ...tokens.configurable() },
          // Traces (LangSmith, callbacks) of a turn can be found from the turn id in the logs.
          ...(options.turnId ? { metadata: { turn_id: options.turnId } } : {}),
          streamMode: 'updates',
          // One checkpoint per turn: a turn cut short is re-run from the inbox, which keeps its
          // messages until the answer is posted, so mid-turn checkpoints buy nothing.
          durability: 'exit',
        });
        for await (const update of stream) {
          if ('cite' in update) {
            const final = (update.cite as { answer: string }).answer;
            if (final.startsWith(streamed)) text.push(final.slice(streamed.length));
            text.end();
            resolveAnswer(final);
          }
        }
      })();
      // Settling an already settled promise is a no-op, so these only matter when no answer came.
      done.then(
        () => rejectAnswer(new Error('The assistant finished without an answer')),
        (error: unknown) => {
          text.end();
          rejectAnswer(error);
        },
      );
      return { text, answer, done };
    },
  };
}
