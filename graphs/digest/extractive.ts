// Offline digests: notes picked from the messages themselves by their wording, no model.
// Also merges notes from several chunks when no model is there to do it.
import { queryTerms } from '../../src/knowledge/query-terms.js';
import { firstSentence } from '../../src/llm/extract.js';
import { emptyNotes, SECTIONS, type Note, type Notes, type NumberedMessage } from './notes.js';

const NOTE_CHARS = 160;
const DECISION = /\b(decided|decision|agreed|we'?ll go with|going with|let'?s go with|approved|final answer)\b/i;
const ACTION = /\b(i'?ll|i will|todo|action item|will do|can you|could you|please|assign(?:ed)? to)\b/i;
const ASKS_SOMEONE = /\b(?:can|could) you\b|\bplease\b/i;
const MENTION = /@([\w.-]+)/;

export function extractNotes(messages: NumberedMessage[], maxItems: number): Notes {
  const notes = emptyNotes();
  const note = (message: NumberedMessage, owner?: string): Note => ({
    text: firstSentence(message.text, NOTE_CHARS),
    owner,
    refs: [message.ref],
  });
  for (const message of messages) {
    if (!message.text.trim()) continue;
    if (DECISION.test(message.text)) notes.decisions.push(note(message));
    else if (ACTION.test(message.text)) notes.actions.push(note(message, ownerOf(message)));
    else if (message.text.trim().endsWith('?')) notes.questions.push(note(message));
  }
  notes.topics = topics(messages, maxItems);
  // The newest decisions, actions and questions matter most for a digest.
  for (const section of ['decisions', 'actions', 'questions'] as const) notes[section] = notes[section].slice(-maxItems);
  return notes;
}

/** Whoever the message asks (`@ana can you…`), else its author. */
function ownerOf(message: NumberedMessage): string {
  const mention = MENTION.exec(message.text);
  return mention && ASKS_SOMEONE.test(message.text) ? mention[1]! : message.author;
}

/** The most talked-about terms, each shown with the message that uses the most of them. */
function topics(messages: NumberedMessage[], maxItems: number): Note[] {
  const counts = new Map<string, number>();
  const termsOf = new Map<number, Set<string>>();
  for (const message of messages) {
    const terms = new Set(queryTerms(message.text).filter((term) => term.length > 3 && !/^\d+$/.test(term)));
    termsOf.set(message.ref, terms);
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  const top = [...counts.entries()].filter(([, count]) => count > 1).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const chosen: Note[] = [];
  const used = new Set<number>();
  for (const [term, count] of top) {
    if (chosen.length >= maxItems) break;
    const best = messages
      .filter((message) => termsOf.get(message.ref)?.has(term) && !used.has(message.ref))
      .sort((a, b) => overlap(termsOf.get(b.ref)!, counts) - overlap(termsOf.get(a.ref)!, counts))[0];
    if (!best) continue;
    used.add(best.ref);
    chosen.push({ text: `${term} (${count} messages): ${firstSentence(best.text, NOTE_CHARS)}`, refs: [best.ref] });
  }
  return chosen;
}

function overlap(terms: Set<string>, counts: Map<string, number>): number {
  let score = 0;
  for (const term of terms) score += counts.get(term) ?? 0;
  return score;
}

/** Chunks' notes as one: same text merged (refs joined), newest kept when over `maxItems`. */
export function mergeNotes(partials: Notes[], maxItems: number): Notes {
  const merged = emptyNotes();
  for (const section of SECTIONS) {
    const byText = new Map<string, Note>();
    for (const notes of partials) {
      for (const note of notes[section]) {
        const key = `${note.owner ?? ''}|${note.text.toLowerCase()}`;
        const existing = byText.get(key);
        if (existing) existing.refs = [...new Set([...existing.refs, ...note.refs])];
        else byText.set(key, { ...note, refs: [...note.refs] });
      }
    }
    const all = [...byText.values()];
    merged[section] = section === 'topics' ? all.slice(0, maxItems) : all.slice(-maxItems);
  }
  return merged;
}
