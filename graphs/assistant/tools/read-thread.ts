import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { ThreadArtifact } from '../../../src/llm/tool-artifacts.js';
import { threadOf, type ToolFactory } from './tool-deps.js';

const MAX_MESSAGES = 50;

export const createTool: ToolFactory = ({ transcripts }) =>
  tool(
    async ({ limit }, config): Promise<[string, ThreadArtifact]> => {
      const entries = await transcripts.thread(threadOf(config), Math.min(limit, MAX_MESSAGES));
      const artifact: ThreadArtifact = {
        kind: 'thread',
        entries: entries.map((entry) => ({ author: entry.author.name, text: entry.text, at: entry.at.toISOString() })),
      };
      const text = artifact.entries.map((entry) => `[${entry.at}] ${entry.author}: ${entry.text}`).join('\n');
      return [text || 'This thread has no earlier messages.', artifact];
    },
    {
      name: 'read_thread',
      description: "Read this thread's earlier messages, oldest first, including ones from before the bot joined.",
      schema: z.object({ limit: z.number().int().min(1).max(MAX_MESSAGES).default(20) }),
      responseFormat: 'content_and_artifact',
    },
  );
