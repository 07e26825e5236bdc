import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { parseThreadKey, type ThreadRef } from '../../../src/model.js';
import type { KnowledgeStore, TranscriptStore } from '../../../src/stores/ports.js';

/** What a tool may use. A tool module exports `createTool(deps)`; tools/index.ts finds it. */
export interface ToolDeps {
  knowledge: KnowledgeStore;
  transcripts: TranscriptStore;
  /** The turn's model, for tools that run a graph of their own (summarize_thread). */
  model: BaseChatModel;
  offline: boolean;
}

export type ToolFactory = (deps: ToolDeps) => StructuredToolInterface;

/** The thread a tool runs for: the graph's thread_id is the thread key. */
export function threadOf(config: LangGraphRunnableConfig): ThreadRef {
  const key = config.configurable?.thread_id;
  if (typeof key !== 'string') throw new Error('The assistant graph runs without a thread_id');
  return parseThreadKey(key);
}
