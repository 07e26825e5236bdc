// Offline mode: a deterministic, retrieval-only chat model used when no language model is
// configured. It calls tools like a model would and answers by quoting the passages its tools
// returned, with citations, and always says that no model is configured.
import { randomUUID } from 'node:crypto';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { bestSentences } from './extract.js';
import { isToolArtifact, type CitedPassage, type ThreadArtifact } from './tool-artifacts.js';

export const OFFLINE_NOTICE =
  '_Offline mode: no language model is configured, so this answer quotes workspace knowledge. Set OPENAI_API_KEY or OPENAI_BASE_URL for real answers._';

const PASSAGES_IN_ANSWER = 3;
const SENTENCES_PER_PASSAGE = 2;
const THREAD_LINES_IN_ANSWER = 10;
const ASKS_FOR_SUMMARY = /\b(summari[sz]e|summary|recap|tl;?dr)\b/i;
const SUMMARIZE_TOOL = 'summarize_thread';
const ASKS_ABOUT_THREAD = /\b(earlier|above|before|this thread|summari[sz]e|recap|what did|said)\b/i;

export class OfflineChatModel extends BaseChatModel<BaseChatModelCallOptions, AIMessageChunk> {
  private toolNames = new Set<string>();

  constructor() {
    super({});
  }

  _llmType(): string {
    return 'crosstalk-offline';
  }

  override bindTools(tools: BindToolsInput[]): Runnable<BaseMessage[], AIMessageChunk, BaseChatModelCallOptions> {
    const bound = new OfflineChatModel();
    for (const tool of tools) {
      const name = (tool as { name?: unknown }).name;
      if (typeof name === 'string') bound.toolNames.add(name);
    }
    return bound as unknown as Runnable<BaseMessage[], AIMessageChunk, BaseChatModelCallOptions>;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.respond(messages);
    return { generations: [{ text: message.text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const message = this.respond(messages);
    if (message.tool_calls?.length) {
      yield new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({
          content: '',
          id: message.id,
          tool_call_chunks: message.tool_calls.map((call, index) => ({
            name: call.name,
            args: JSON.stringify(call.args),
            id: call.id,
            index,
            type: 'tool_call_chunk' as const,
          })),
        }),
      });
      return;
    }
    for (const piece of message.text.match(/[^\n]*\n*/g)!.filter(Boolean)) {
      const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece, id: message.id }) });
      yield chunk;
      await runManager?.handleLLMNewToken(piece, undefined, undefined, undefined, undefined, { chunk });
    }
  }

  private respond(messages: BaseMessage[]): AIMessage {
    const id = `offline-${randomUUID()}`;
    const lastHuman = messages.findLastIndex((message) => message.getType() === 'human');
    const question = lastHuman >= 0 ? messages[lastHuman]!.text : '';
    const turn = messages.slice(lastHuman + 1);
    const artifacts = turn
      .filter((message): message is ToolMessage => ToolMessage.isInstance(message))
      .map((message) => message.artifact)
      .filter(isToolArtifact);
    const thread = artifacts.find((artifact): artifact is ThreadArtifact => artifact.kind === 'thread');

    // A summary from summarize_thread is the answer as it stands.
    const summary = artifacts.find((artifact) => artifact.kind === 'summary');
    if (summary) return new AIMessage({ id, content: `${OFFLINE_NOTICE}\n\n${summary.text}` });
    if (this.toolNames.has(SUMMARIZE_TOOL) && ASKS_FOR_SUMMARY.test(question)) {
      return new AIMessage({
        id,
        content: '',
        tool_calls: [{ id: `${id}-call`, name: SUMMARIZE_TOOL, args: {}, type: 'tool_call' }],
      });
    }
    if (!thread && this.toolNames.has('read_thread') && ASKS_ABOUT_THREAD.test(question)) {
      return new AIMessage({
        id,
        content: '',
        tool_calls: [{ id: `${id}-call`, name: 'read_thread', args: { limit: 20 }, type: 'tool_call' }],
      });
    }
    const passages = artifacts.flatMap((artifact) => (artifact.kind === 'passages' ? artifact.passages : []));
    const query = artifacts.find((artifact) => artifact.kind === 'passages')?.query ?? question;
    return new AIMessage({ id, content: composeAnswer(query, passages, thread) });
  }
}

function composeAnswer(query: string, passages: CitedPassage[], thread: ThreadArtifact | undefined): string {
  const parts = [OFFLINE_NOTICE];
  if (thread) {
    const lines = thread.entries.slice(-THREAD_LINES_IN_ANSWER).map((entry) => `• ${entry.author}: ${oneLine(entry.text)}`);
    parts.push(lines.length > 0 ? `Earlier in this thread:\n${lines.join('\n')}` : 'This thread has no earlier messages.');
  }
  const quotes = [...passages]
    .sort((a, b) => b.score - a.score)
    .map((passage) => ({ passage, ...bestSentences(passage.text, query, SENTENCES_PER_PASSAGE) }));
  // Quote passages whose sentences share words with the question; failing that, the best one.
  const relevant = quotes.filter((quote) => quote.overlap > 0);
  const chosen = (relevant.length > 0 ? relevant : quotes.slice(0, 1)).slice(0, PASSAGES_IN_ANSWER);
  if (chosen.length > 0) {
    parts.push('Here is what workspace knowledge says:');
    for (const { passage, sentences } of chosen) {
      parts.push(`• *${passage.source.title}* [${passage.ref}]: ${sentences.join(' ')}`);
    }
  }
  if (chosen.length === 0 && !thread) {
    parts.push(
      'I found nothing about that in this workspace’s knowledge. Add some with `/kb add <text>`, or ingest documents with `npm run crosstalk -- ingest <folder>`.',
    );
  }
  return parts.join('\n\n');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`;
}
