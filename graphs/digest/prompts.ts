// Prompts are data. The map prompt reads one chunk of channel messages; the reduce prompt merges
// the chunks' notes. Both answer in JSON so every item keeps the numbers of its source messages.

export const MAP_PROMPT = `You write the notes for a team channel digest.
Each line below is one message: "<number>|<author>: <text>".
Return only JSON: {"topics":[{"text":"...","refs":[1]}],"decisions":[...],"questions":[...],"actions":[{"text":"...","owner":"name","refs":[2]}]}
topics: what was discussed; decisions: what was agreed; questions: questions still open; actions: commitments or requests, with the person who owns them.
Every item cites the numbers of the messages it comes from in "refs". At most {maxItems} items per list; short items; no item without refs.`;

export const REDUCE_PROMPT = `You merge notes taken from parts of one team channel into one digest.
Each note line is "<list>|<owner or ->|<refs>|<text>".
Return only JSON: {"topics":[{"text":"...","refs":[1]}],"decisions":[...],"questions":[...],"actions":[{"text":"...","owner":"name","refs":[2]}]}
Merge duplicates (keep all their refs), drop questions that a decision answered, keep at most {maxItems} items per list, most important first. Keep each item's refs.`;

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);
}
