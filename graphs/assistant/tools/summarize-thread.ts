import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { SummaryArtifact } from '../../../src/llm/tool-artifacts.js';
import { buildDigestGraph, digestMessages } from '../../digest/graph.js';
import { renderDigest } from '../../digest/render.js';
import { threadOf, type ToolFactory } from './tool-deps.js';

export const SUMMARIZE_THREAD = 'summarize_thread';
const MAX_MESSAGES = 5_000;
/** The request itself ("@crosstalk summarize") is not part of what it asks about. */
const REQUEST = /^\s*@\S+[\s,:]+(please\s+)?(summari[sz]e|recap|tl;?dr)\b[^\n]{0,40}$/i;

/** `@crosstalk summarize`: the digest graph over this thread's messages. */
export const createTool: ToolFactory = ({ transcripts, model, offline }) => {
  const graph = buildDigestGraph({ model, offline });
  return tool(
    async (_input, config): Promise<[string, SummaryArtifact]> => {
      const entries = await transcripts.thread(threadOf(config), MAX_MESSAGES);
      const messages = entries
        .filter((entry) => entry.direction === 'inbound' && entry.kind !== 'command' && !REQUEST.test(entry.text))
        .map((entry) => ({ id: entry.id, author: entry.author.name, text: entry.text, at: entry.at }));
      if (messages.length === 0) return ['This thread has no messages to summarize.', { kind: 'summary', text: 'This thread has no messages to summarize.' }];
      const text = renderDigest(await digestMessages(graph, messages), { title: 'Summary of this thread', offline });
      return [text, { kind: 'summary', text }];
    },
    {
      name: SUMMARIZE_THREAD,
      description:
        "Summarize this whole thread: topics, decisions, open questions and action items with owners, each citing its source message. Use when asked to summarize or recap.",
      schema: z.object({}),
      responseFormat: 'content_and_artifact',
    },
  );
};
