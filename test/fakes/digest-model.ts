// A channel to digest and a fake model that takes digest notes the way the prompts ask: shared
// by the digest tests and bench/digest.ts, served through test/fakes/openai-server.ts.
import type { ChannelRef, ChatMessage } from '../../src/model.js';

export function channelMessage(channel: ChannelRef, id: string, text: string, at: Date, author: string): ChatMessage {
  return { id, thread: { ...channel, threadId: id }, author: { id: author, name: author, isBot: false }, text, kind: 'ambient', receivedAt: at };
}

/** A busy channel: chatter, with a decision, a question and a request every few messages. */
export function busyChannel(channel: ChannelRef, count: number, start: Date): ChatMessage[] {
  const people = ['ana', 'bo', 'chen', 'dara'];
  return Array.from({ length: count }, (_, n) => {
    const author = people[n % people.length]!;
    const kinds = [
      `The deploy pipeline for service ${n % 17} took ${n % 40} minutes again this morning`,
      `We decided to pin the node version for service ${n % 17}`,
      `Does anyone know why the staging database for service ${n % 17} is slow?`,
      `Can you @${people[(n + 1) % people.length]} update the runbook for service ${n % 17} please`,
      `Lunch is at noon today, and the coffee machine on floor ${n % 5} is fixed`,
    ];
    return channelMessage(channel, `m${n}`, kinds[n % kinds.length]!, new Date(start.getTime() + n * 60_000), author);
  });
}

/** The fake model: notes citing the prompt's own message numbers (plus one invented number). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function notesFromPrompt(body: any) {
  const messages = body.messages as { role: string; content: string }[];
  const system = messages.find((message) => message.role === 'system')?.content ?? '';
  const user = messages.findLast((message) => message.role === 'user')?.content ?? '';
  const notes: Record<string, { text: string; owner?: string; refs: number[] }[]> = { topics: [], decisions: [], questions: [], actions: [] };
  if (system.startsWith('You merge')) {
    for (const line of user.split('\n')) {
      const [section = '', owner = '-', refs = '', ...text] = line.split('|');
      const list = notes[section];
      if (list && list.length < 6) list.push({ text: text.join('|'), owner: owner === '-' ? undefined : owner, refs: refs.split(',').map(Number) });
    }
  } else {
    for (const line of user.split('\n')) {
      const match = /^(\d+)\|([^:]+): (.*)$/.exec(line);
      if (!match) continue;
      const [, ref, author, text] = match as unknown as [string, string, string, string];
      const list = text.includes('decided') ? notes.decisions : text.endsWith('?') ? notes.questions : text.startsWith('Can you') ? notes.actions : notes.topics;
      if (list!.length < 2) list!.push({ text: text.slice(0, 60), owner: list === notes.actions ? author : undefined, refs: [Number(ref)] });
    }
    notes.topics!.push({ text: 'an invented note', refs: [9_999_999] });
  }
  return { content: JSON.stringify(notes) };
}
