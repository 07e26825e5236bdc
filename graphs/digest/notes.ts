// What a digest is made of: notes in four sections, each citing its source messages by number.

/** One channel message as the digest sees it. */
export interface DigestMessage {
  id: string;
  author: string;
  text: string;
  at: Date;
}

/** A message with its number in the prompt; notes cite messages by this number. */
export interface NumberedMessage extends DigestMessage {
  ref: number;
}

export interface Note {
  text: string;
  owner?: string;
  refs: number[];
}

export const SECTIONS = ['topics', 'decisions', 'questions', 'actions'] as const;
export type Section = (typeof SECTIONS)[number];
export type Notes = Record<Section, Note[]>;

export const emptyNotes = (): Notes => ({ topics: [], decisions: [], questions: [], actions: [] });
