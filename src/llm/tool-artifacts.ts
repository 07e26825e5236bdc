// What tools hand back besides their text: structured results that citations and the offline
// model read without parsing prose.
import type { Passage } from '../stores/ports.js';

export interface CitedPassage extends Passage {
  /** The number the answer cites it by: [1], [2], … */
  ref: number;
}

export interface PassagesArtifact {
  kind: 'passages';
  query: string;
  passages: CitedPassage[];
}

export interface ThreadArtifact {
  kind: 'thread';
  entries: { author: string; text: string; at: string }[];
}

/** A finished summary (summarize_thread); offline mode shows it as it is. */
export interface SummaryArtifact {
  kind: 'summary';
  text: string;
}

export type ToolArtifact = PassagesArtifact | ThreadArtifact | SummaryArtifact;

export function isToolArtifact(value: unknown): value is ToolArtifact {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'passages' || kind === 'thread' || kind === 'summary';
}
