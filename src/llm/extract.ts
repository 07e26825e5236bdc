// Extractive text selection: the offline model's answers and summaries are built from the
// sentences that share the most terms with what was asked.
import { queryTerms } from '../knowledge/query-terms.js';

/** Sentences, where a line break also ends one (headings, list items). */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'`([*_-])/u))
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

/** Headings and labels are not answers: a quotable sentence has a few words. */
const MIN_QUOTE_WORDS = 4;

/**
 * The `count` sentences of `text` sharing most terms with `query`, in their original order, and
 * how many terms they share in all.
 */
export function bestSentences(text: string, query: string, count: number): { sentences: string[]; overlap: number } {
  const terms = new Set(queryTerms(query).map(stem));
  const all = splitSentences(text);
  const quotable = all.filter((sentence) => sentence.split(' ').length >= MIN_QUOTE_WORDS);
  const sentences = quotable.length > 0 ? quotable : all;
  const scored = sentences.map((sentence, index) => ({
    index,
    score: queryTerms(sentence).filter((term) => terms.has(stem(term))).length,
  }));
  const chosen = scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index);
  return {
    sentences: chosen.map(({ index }) => sentences[index]!),
    overlap: chosen.reduce((sum, { score }) => sum + score, 0),
  };
}

export function firstSentence(text: string, maxChars: number): string {
  const sentence = splitSentences(text)[0] ?? '';
  return sentence.length <= maxChars ? sentence : `${sentence.slice(0, maxChars - 1)}…`;
}

function stem(word: string): string {
  return word.replace(/(ing|ed|es|s)$/u, '');
}
