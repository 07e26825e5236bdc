import { ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { Passage } from '../../src/stores/ports.js';
import { isToolArtifact, type CitedPassage, type PassagesArtifact } from '../../src/llm/tool-artifacts.js';

/** Messages of the current turn: everything after the last human message. */
export function currentTurn(messages: readonly BaseMessage[]): BaseMessage[] {
  const lastHuman = messages.findLastIndex((message) => message.getType() === 'human');
  return messages.slice(lastHuman + 1);
}

/** Every passage the current turn has seen: the recalled ones, then those its tools found. */
export function turnPassages(recalled: PassagesArtifact | undefined, messages: readonly BaseMessage[]): CitedPassage[] {
  const found = currentTurn(messages)
    .filter((message): message is ToolMessage => ToolMessage.isInstance(message))
    .map((message) => message.artifact)
    .filter(isToolArtifact)
    .flatMap((artifact) => (artifact.kind === 'passages' ? artifact.passages : []));
  return [...(recalled?.passages ?? []), ...found];
}

/** Numbers new passages after those already cited, reusing the number of a passage seen before. */
export function numberPassages(seen: readonly CitedPassage[], passages: readonly Passage[]): CitedPassage[] {
  let next = seen.reduce((max, passage) => Math.max(max, passage.ref), 0) + 1;
  return passages.map((passage) => {
    const known = seen.find((other) => other.source.id === passage.source.id && other.chunk === passage.chunk);
    return { ...passage, ref: known?.ref ?? next++ };
  });
}

export function formatPassages(passages: readonly CitedPassage[]): string {
  if (passages.length === 0) return 'No matching passages in workspace knowledge.';
  return passages.map((passage) => `[${passage.ref}] ${passage.source.title}\n${passage.text}`).join('\n\n');
}

/** Appends the sources the answer cites, as Markdown links where a source has a URL. */
export function withSources(answer: string, passages: readonly CitedPassage[]): string {
  const cited = new Set([...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])));
  const sources = new Map<number, string>();
  for (const passage of passages) {
    if (!cited.has(passage.ref) || sources.has(passage.ref)) continue;
    const { title, url, id } = passage.source;
    sources.set(passage.ref, url ? `[${passage.ref}] [${title}](${url})` : `[${passage.ref}] ${title} (${id})`);
  }
  if (sources.size === 0) return answer;
  const lines = [...sources.entries()].sort(([a], [b]) => a - b).map(([, line]) => line);
  return `${answer}\n\nSources:\n${lines.join('\n')}`;
}
