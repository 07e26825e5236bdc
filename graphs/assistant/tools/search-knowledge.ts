import { tool } from '@langchain/core/tools';
import { getCurrentTaskInput } from '@langchain/langgraph';
import { z } from 'zod';
import type { PassagesArtifact } from '../../../src/llm/tool-artifacts.js';
import { formatPassages, numberPassages, turnPassages } from '../citations.js';
import type { AssistantStateValue } from '../state.js';
import { threadOf, type ToolFactory } from './tool-deps.js';

export const SEARCH_KNOWLEDGE = 'search_knowledge';
const RESULTS = 4;

export const createTool: ToolFactory = ({ knowledge }) =>
  tool(
    async ({ query }, config): Promise<[string, PassagesArtifact]> => {
      const { workspaceId } = threadOf(config);
      const state = getCurrentTaskInput<AssistantStateValue>(config);
      const found = await knowledge.search(workspaceId, query, RESULTS);
      const passages = numberPassages(turnPassages(state.recalled, state.messages), found);
      return [formatPassages(passages), { kind: 'passages', query, passages }];
    },
    {
      name: SEARCH_KNOWLEDGE,
      description:
        "Search this workspace's knowledge (documents and notes the team added). Returns numbered passages to cite as [n].",
      schema: z.object({ query: z.string().describe('Words to search for') }),
      responseFormat: 'content_and_artifact',
    },
  );
