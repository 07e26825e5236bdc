// The small interfaces every store implements. Each has one conformance suite in test/conformance/.
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { Author, ChannelRef, ChatMessage, MessageKind, ThreadRef } from '../model.js';

export interface TranscriptEntry {
  /** The platform message id; unique within its channel and direction. */
  id: string;
  thread: ThreadRef;
  author: Author;
  text: string;
  kind: MessageKind | 'reply';
  direction: 'inbound' | 'outbound';
  at: Date;
}

export interface TranscriptStore {
  /** Stores the entry; returns false (and changes nothing) if it was already stored. */
  append(entry: TranscriptEntry): Promise<boolean>;
  /** The thread's latest `limit` entries, oldest first. */
  thread(ref: ThreadRef, limit?: number): Promise<TranscriptEntry[]>;
  /** The channel's entries at or after `since`, oldest first, at most `limit`. */
  channelSince(channel: ChannelRef, since: Date, limit?: number): Promise<TranscriptEntry[]>;
  /** Removes every entry older than `cutoff` (retention); returns how many were removed. */
  deleteBefore(cutoff: Date): Promise<number>;
}

export interface KnowledgeSource {
  /** Stable id, e.g. the file path or URL; re-ingesting the same id replaces its chunks. */
  id: string;
  title: string;
  url?: string;
}

export interface Passage {
  source: KnowledgeSource;
  chunk: number;
  text: string;
  /** Higher is more relevant; comparable only within one result list. */
  score: number;
}

export interface KnowledgeStore {
  /** Replaces every chunk of `source` in the workspace with `chunks`. */
  replaceSource(workspaceId: string, source: KnowledgeSource, chunks: string[]): Promise<void>;
  /** Returns false when the workspace had no such source. */
  deleteSource(workspaceId: string, sourceId: string): Promise<boolean>;
  /** Best passages for `query`, from this workspace only. */
  search(workspaceId: string, query: string, limit: number): Promise<Passage[]>;
}

export interface MessageDedupe {
  /** True for the first claim of `key` within `ttlMs`, false for every other. Atomic. */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

export interface Lease {
  /** Extends the lease; false if it was lost (expired and taken by another owner). */
  renew(ttlMs: number): Promise<boolean>;
  /** Releases the lease if this owner still holds it. */
  release(): Promise<void>;
}

export interface ThreadLocks {
  /** A lease on `key`, or undefined while another owner holds an unexpired one. */
  acquire(key: string, ttlMs: number): Promise<Lease | undefined>;
}

/** Messages waiting for their thread's next turn. Survives restarts where the store does. */
export interface TurnInbox {
  push(threadKey: string, message: ChatMessage): Promise<void>;
  /** The oldest waiting messages, without removing them. */
  peek(threadKey: string, limit: number): Promise<ChatMessage[]>;
  /** Removes messages whose turn is done. */
  ack(threadKey: string, messageIds: string[]): Promise<void>;
  /** Threads with waiting messages (to resume after a restart). */
  pendingThreads(): Promise<string[]>;
}

export interface Stores {
  checkpointer: BaseCheckpointSaver;
  transcripts: TranscriptStore;
  knowledge: KnowledgeStore;
  dedupe: MessageDedupe;
  locks: ThreadLocks;
  inbox: TurnInbox;
  close(): Promise<void>;
}
