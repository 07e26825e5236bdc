// What this process remembers about Slack threads it has seen, bounded: who asked last (the
// stream recipient and the message that gets the thinking reaction), whether it is an
// assistant thread, and whether the bot has replied there. Lost on restart by design: each
// fact has a fallback (post-and-update, no reaction, the transcript store).
import { threadKey, type ThreadRef } from '../../src/model.js';
import { THREAD_MEMORY_SIZE } from './limits.js';

export interface ThreadFacts {
  /** The user to stream to, with their team (Slack Connect users can be from another). */
  recipient?: { userId: string; teamId: string };
  /** The latest inbound message to be answered (gets the thinking reaction). */
  lastAskTs?: string;
  assistant?: boolean;
  botReplied?: boolean;
}

export class ThreadMemory {
  private readonly facts = new Map<string, ThreadFacts>();

  get(thread: ThreadRef): ThreadFacts {
    return this.facts.get(threadKey(thread)) ?? {};
  }

  note(thread: ThreadRef, facts: ThreadFacts): void {
    const key = threadKey(thread);
    // Not `{ ...old, ...facts }`: V8 gives each object spread that way a hidden class of its own
    // (about 170 bytes a thread), where Object.assign's follow shared ones.
    const merged: ThreadFacts = Object.assign({}, this.facts.get(key), facts);
    // Re-inserting keeps the Map in least-recently-noted order for eviction.
    this.facts.delete(key);
    this.facts.set(key, merged);
    if (this.facts.size > THREAD_MEMORY_SIZE) this.facts.delete(this.facts.keys().next().value!);
  }
}
