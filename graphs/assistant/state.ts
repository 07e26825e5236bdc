import { Annotation, MessagesAnnotation } from '@langchain/langgraph';
import type { PassagesArtifact } from '../../src/llm/tool-artifacts.js';

const replace = <T>(_: T, next: T) => next;

export const AssistantState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** Running summary of the turns that were compacted out of `messages`. */
  summary: Annotation<string>({ reducer: replace, default: () => '' }),
  /** Knowledge recalled for the current turn. */
  recalled: Annotation<PassagesArtifact | undefined>({ reducer: replace, default: () => undefined }),
  /** Tool rounds taken in the current turn (bounded). */
  toolRounds: Annotation<number>({ reducer: replace, default: () => 0 }),
  /** The current turn's final answer, sources included. */
  answer: Annotation<string>({ reducer: replace, default: () => '' }),
});

export type AssistantStateValue = typeof AssistantState.State;
