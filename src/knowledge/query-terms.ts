// Turns free text into search terms: words people ask with, minus the ones every passage has.

const STOPWORDS = new Set(
  `a about an and are as at be but by can could did do does for from had has have how i if in into is it its
  me my no not of on or our should so than that the their them then there these they this to us was we were
  what when where which who why will with would you your crosstalk please tell know`.split(/\s+/),
);

const MAX_TERMS = 32;

export function queryTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const terms = [...new Set(words.filter((word) => !STOPWORDS.has(word) && word.length > 1))];
  return terms.slice(0, MAX_TERMS);
}

/** An FTS5 MATCH expression: any term, each quoted so user text never becomes query syntax. */
export function matchQuery(text: string): string | undefined {
  const terms = queryTerms(text);
  return terms.length > 0 ? terms.map((term) => `"${term}"`).join(' OR ') : undefined;
}
