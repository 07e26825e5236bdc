// The digest: map-reduce over a channel's messages with a bounded number of model calls.
// plan splits the messages into at most MAX_MAP_CALLS chunks (leaving the oldest out when even
// that would overflow a chunk), map takes notes on each chunk in parallel, reduce merges them in
// one more call. Every note keeps the numbers of its source messages; notes whose numbers do not
// name a real message are dropped. Offline, map and reduce are extractive: no model calls.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { Annotation, END, Send, START, StateGraph } from '@langchain/langgraph';
import { estimateTokens } from '../../src/llm/tokens.js';
import { extractNotes, mergeNotes } from './extractive.js';
import { emptyNotes, SECTIONS, type DigestMessage, type Notes, type NumberedMessage } from './notes.js';
import { fill, MAP_PROMPT, REDUCE_PROMPT } from './prompts.js';

export interface Digest {
  notes: Notes;
  /** The messages the notes' refs point at, by ref. */
  messages: Map<number, NumberedMessage>;
  included: number;
  /** Oldest messages left out because the channel outgrew every chunk. */
  leftOut: number;
  modelCalls: number;
}

export interface DigestOptions {
  model: BaseChatModel;
  offline: boolean;
  /** Upper bound on map calls; reduce adds one more when there is more than one chunk. */
  maxMapCalls?: number;
  /** Upper bound on one chunk's size, in tokens (the model's context, minus room for the answer). */
  maxChunkTokens?: number;
  /** Below this, a chunk is not split further: small channels take one call. */
  minChunkTokens?: number;
  maxItems?: number;
}

const DEFAULTS = { maxMapCalls: 10, maxChunkTokens: 30_000, minChunkTokens: 4_000, maxItems: 6 };

const replace = <T>(_: T, next: T) => next;

const DigestState = Annotation.Root({
  messages: Annotation<NumberedMessage[]>({ reducer: replace, default: () => [] }),
  chunks: Annotation<NumberedMessage[][]>({ reducer: replace, default: () => [] }),
  leftOut: Annotation<number>({ reducer: replace, default: () => 0 }),
  partials: Annotation<Notes[]>({ reducer: (all, more) => [...all, ...more], default: () => [] }),
  notes: Annotation<Notes>({ reducer: replace, default: emptyNotes }),
  modelCalls: Annotation<number>({ reducer: (total, more) => total + more, default: () => 0 }),
});

type DigestStateValue = typeof DigestState.State;

/** The line a message takes in the map prompt: the channel's own text plus its number. */
export function promptLine(message: NumberedMessage): string {
  return `${message.ref}|${message.author}: ${message.text.replace(/\s+/g, ' ').trim()}`;
}

export function buildDigestGraph(options: DigestOptions) {
  const settings = { ...DEFAULTS, ...options };

  function plan(state: DigestStateValue) {
    const lines = state.messages.map((message) => estimateTokens(promptLine(message)) + 1);
    // Keep the newest messages that fit in every chunk together.
    let kept = lines.length;
    let total = 0;
    while (kept > 0 && total + lines[kept - 1]! <= settings.maxMapCalls * settings.maxChunkTokens) total += lines[--kept]!;
    const target = Math.min(settings.maxChunkTokens, Math.max(settings.minChunkTokens, Math.ceil(total / settings.maxMapCalls)));
    const chunks: NumberedMessage[][] = [];
    let current: NumberedMessage[] = [];
    let size = 0;
    for (let index = kept; index < state.messages.length; index++) {
      const cost = lines[index]!;
      if (current.length > 0 && size + cost > target && chunks.length < settings.maxMapCalls - 1) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(state.messages[index]!);
      size += cost;
    }
    if (current.length > 0) chunks.push(current);
    return { chunks, leftOut: kept };
  }

  function fanOut(state: DigestStateValue) {
    return state.chunks.length === 0 ? 'reduce' : state.chunks.map((chunk) => new Send('map', { chunk }));
  }

  async function map({ chunk }: { chunk: NumberedMessage[] }) {
    if (settings.offline) return { partials: [extractNotes(chunk, settings.maxItems)], modelCalls: 0 };
    const response = await complete(options.model, [
      new SystemMessage(fill(MAP_PROMPT, { maxItems: String(settings.maxItems) })),
      new HumanMessage(chunk.map(promptLine).join('\n')),
    ]);
    return { partials: [parseNotes(response, new Set(chunk.map((message) => message.ref)))], modelCalls: 1 };
  }

  async function reduce(state: DigestStateValue) {
    const known = new Set(state.messages.map((message) => message.ref));
    if (state.partials.length <= 1 || settings.offline) {
      return { notes: mergeNotes(state.partials, settings.maxItems) };
    }
    const lines = state.partials.flatMap((notes) =>
      SECTIONS.flatMap((section) => notes[section].map((note) => `${section}|${note.owner ?? '-'}|${note.refs.join(',')}|${note.text}`)),
    );
    const response = await complete(options.model, [
      new SystemMessage(fill(REDUCE_PROMPT, { maxItems: String(settings.maxItems) })),
      new HumanMessage(lines.join('\n')),
    ]);
    const merged = parseNotes(response, known);
    const empty = SECTIONS.every((section) => merged[section].length === 0);
    // A reply that is not the JSON asked for still leaves a digest: the chunks' notes, merged.
    return { notes: empty ? mergeNotes(state.partials, settings.maxItems) : merged, modelCalls: 1 };
  }

  return new StateGraph(DigestState)
    .addNode('plan', plan)
    .addNode('map', map)
    .addNode('reduce', reduce)
    .addEdge(START, 'plan')
    .addConditionalEdges('plan', fanOut, ['map', 'reduce'])
    .addEdge('map', 'reduce')
    .addEdge('reduce', END)
    .compile();
}

export type DigestGraph = ReturnType<typeof buildDigestGraph>;

/** Digests `messages` (oldest first). */
export async function digestMessages(graph: DigestGraph, messages: DigestMessage[]): Promise<Digest> {
  const numbered = messages.map((message, index) => ({ ...message, ref: index + 1 }));
  const result = await graph.invoke({ messages: numbered }, { recursionLimit: 50 });
  const byRef = new Map(numbered.map((message) => [message.ref, message]));
  return {
    notes: result.notes,
    messages: byRef,
    included: numbered.length - result.leftOut,
    leftOut: result.leftOut,
    modelCalls: result.modelCalls,
  };
}

/**
 * One model call, read as a stream: `invoke` on a streaming ChatOpenAI also estimates token
 * counts with tiktoken, which downloads its tables and stalls on a machine without internet.
 */
async function complete(model: BaseChatModel, messages: BaseMessage[]): Promise<string> {
  let text = '';
  for await (const chunk of await model.stream(messages)) text += chunk.text;
  return text;
}

/** Reads the model's JSON notes, keeping only items that cite messages in `known`. */
export function parseNotes(text: string, known: Set<number>): Notes {
  const notes = emptyNotes();
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return notes;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    return notes;
  }
  for (const section of SECTIONS) {
    const items = (parsed as Record<string, unknown>)[section];
    if (!Array.isArray(items)) continue;
    for (const item of items as unknown[]) {
      const { text: itemText, owner, refs } = (item ?? {}) as { text?: unknown; owner?: unknown; refs?: unknown };
      if (typeof itemText !== 'string' || !itemText.trim() || !Array.isArray(refs)) continue;
      const valid = [...new Set(refs.map(Number).filter((ref) => known.has(ref)))];
      if (valid.length === 0) continue;
      notes[section].push({ text: itemText.trim(), owner: typeof owner === 'string' && owner.trim() ? owner.trim() : undefined, refs: valid });
    }
  }
  return notes;
}
