// A digest as the chat shows it: a title, four sections, and after each bullet the ids of the
// messages it came from, `[source: <id>, …]`, so a reader can find them.
import type { Digest } from './graph.js';
import type { Section } from './notes.js';

export const OFFLINE_DIGEST_NOTICE =
  '_Offline mode: no language model is configured, so this digest quotes the messages themselves._';

const HEADINGS: Record<Section, string> = {
  topics: 'Topics',
  decisions: 'Decisions',
  questions: 'Open questions',
  actions: 'Action items',
};

export interface RenderOptions {
  title: string;
  offline: boolean;
}

/** Matches one bullet's source list; tests and adapters read links with it. */
export const SOURCE_PATTERN = /\[source: ([^\]]+)\]$/;

export function renderDigest(digest: Digest, { title, offline }: RenderOptions): string {
  const count = `${digest.included} message${digest.included === 1 ? '' : 's'}`;
  const lines = [`*${title}* (${count}${digest.leftOut > 0 ? `; ${digest.leftOut} older ones left out` : ''})`];
  if (offline) lines.push(OFFLINE_DIGEST_NOTICE);
  for (const section of Object.keys(HEADINGS) as Section[]) {
    const notes = digest.notes[section];
    if (notes.length === 0) continue;
    lines.push('', `*${HEADINGS[section]}*`);
    for (const note of notes) {
      const sources = note.refs.map((ref) => digest.messages.get(ref)!.id);
      const owner = note.owner ? `${note.owner}: ` : '';
      lines.push(`• ${owner}${note.text} [source: ${sources.join(', ')}]`);
    }
  }
  if (lines.length === (offline ? 2 : 1)) lines.push('', 'Nothing stood out: no topics, decisions, questions or action items.');
  return lines.join('\n');
}
