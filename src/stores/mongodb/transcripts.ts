// Transcripts in MongoDB with the official driver, on its plainest calls (insertOne, find, sort,
// limit, createIndexes) so that any MongoDB 5+ or compatible service runs it.
import { MongoServerError, type Collection, type Db, type ObjectId } from 'mongodb';
import { channelKey, threadKey, type ChannelRef, type MessageKind, type ThreadRef } from '../../model.js';
import type { TranscriptEntry, TranscriptStore } from '../ports.js';

interface TranscriptDocument {
  _id?: ObjectId;
  channelKey: string;
  threadKey: string;
  id: string;
  direction: 'inbound' | 'outbound';
  thread: ThreadRef;
  author: { id: string; name: string; isBot: boolean };
  kind: string;
  text: string;
  at: Date;
}

const DUPLICATE_KEY = 11000;
export const TRANSCRIPTS_COLLECTION = 'transcripts';

export class MongoTranscriptStore implements TranscriptStore {
  private constructor(private readonly collection: Collection<TranscriptDocument>) {}

  /** Opens the collection and creates its indexes (idempotent), so a new database just works. */
  static async open(db: Db): Promise<MongoTranscriptStore> {
    const collection = db.collection<TranscriptDocument>(TRANSCRIPTS_COLLECTION);
    await collection.createIndexes([
      // One entry per platform message and direction: redelivery is a no-op.
      { key: { channelKey: 1, id: 1, direction: 1 }, name: 'unique_message', unique: true },
      { key: { threadKey: 1, at: 1, _id: 1 }, name: 'thread_reads' },
      { key: { channelKey: 1, at: 1, _id: 1 }, name: 'channel_since' },
      // Retention deletes by age across every channel.
      { key: { at: 1 }, name: 'retention' },
    ]);
    return new MongoTranscriptStore(collection);
  }

  async append(entry: TranscriptEntry): Promise<boolean> {
    try {
      await this.collection.insertOne({
        channelKey: channelKey(entry.thread),
        threadKey: threadKey(entry.thread),
        id: entry.id,
        direction: entry.direction,
        thread: { ...entry.thread },
        author: { id: entry.author.id, name: entry.author.name, isBot: entry.author.isBot },
        kind: entry.kind,
        text: entry.text,
        at: entry.at,
      });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async thread(ref: ThreadRef, limit = 200): Promise<TranscriptEntry[]> {
    const latest = await this.collection.find({ threadKey: threadKey(ref) }).sort({ at: -1, _id: -1 }).limit(limit).toArray();
    return latest.reverse().map(toEntry);
  }

  async channelSince(channel: ChannelRef, since: Date, limit = 10_000): Promise<TranscriptEntry[]> {
    const documents = await this.collection
      .find({ channelKey: channelKey(channel), at: { $gte: since } })
      .sort({ at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map(toEntry);
  }

  /** Retention: uses the `retention` index on `at`. */
  async deleteBefore(cutoff: Date): Promise<number> {
    return (await this.collection.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }
}

function toEntry(document: TranscriptDocument): TranscriptEntry {
  const { platform, workspaceId, channelId, threadId } = document.thread;
  return {
    id: document.id,
    thread: { platform, workspaceId, channelId, threadId },
    author: { id: document.author.id, name: document.author.name, isBot: document.author.isBot },
    text: document.text,
    kind: document.kind as MessageKind | 'reply',
    direction: document.direction,
    at: document.at,
  };
}
