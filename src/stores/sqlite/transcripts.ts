import { channelKey, threadKey, type ChannelRef, type MessageKind, type ThreadRef } from '../../model.js';
import type { TranscriptEntry, TranscriptStore } from '../ports.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  id: string;
  thread_json: string;
  author_id: string;
  author_name: string;
  author_is_bot: number;
  text: string;
  kind: string;
  direction: 'inbound' | 'outbound';
  at: number;
}

export class SqliteTranscriptStore implements TranscriptStore {
  private readonly insert;
  private readonly byThread;
  private readonly byChannel;
  private readonly olderThan;

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS transcripts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        channel_key TEXT NOT NULL,
        thread_key TEXT NOT NULL,
        id TEXT NOT NULL,
        direction TEXT NOT NULL,
        thread_json TEXT NOT NULL,
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_is_bot INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        at INTEGER NOT NULL,
        UNIQUE (channel_key, id, direction)
      );
      CREATE INDEX IF NOT EXISTS transcripts_thread ON transcripts (thread_key, at, seq);
      CREATE INDEX IF NOT EXISTS transcripts_channel ON transcripts (channel_key, at, seq);
      CREATE INDEX IF NOT EXISTS transcripts_at ON transcripts (at);
    `);
    this.insert = db.prepare(`
      INSERT INTO transcripts (channel_key, thread_key, id, direction, thread_json, author_id, author_name,
        author_is_bot, kind, text, at)
      VALUES (@channelKey, @threadKey, @id, @direction, @threadJson, @authorId, @authorName, @authorIsBot, @kind,
        @text, @at)
      ON CONFLICT (channel_key, id, direction) DO NOTHING`);
    this.byThread = db.prepare<[string, number], Row>(`
      SELECT * FROM (
        SELECT * FROM transcripts WHERE thread_key = ? ORDER BY at DESC, seq DESC LIMIT ?
      ) ORDER BY at, seq`);
    this.byChannel = db.prepare<[string, number, number], Row>(
      'SELECT * FROM transcripts WHERE channel_key = ? AND at >= ? ORDER BY at, seq LIMIT ?',
    );
    this.olderThan = db.prepare<[number]>('DELETE FROM transcripts WHERE at < ?');
  }

  async append(entry: TranscriptEntry): Promise<boolean> {
    const result = this.insert.run({
      channelKey: channelKey(entry.thread),
      threadKey: threadKey(entry.thread),
      id: entry.id,
      direction: entry.direction,
      threadJson: JSON.stringify(entry.thread),
      authorId: entry.author.id,
      authorName: entry.author.name,
      authorIsBot: entry.author.isBot ? 1 : 0,
      kind: entry.kind,
      text: entry.text,
      at: entry.at.getTime(),
    });
    return result.changes === 1;
  }

  async thread(ref: ThreadRef, limit = 200): Promise<TranscriptEntry[]> {
    return this.byThread.all(threadKey(ref), limit).map(toEntry);
  }

  async channelSince(channel: ChannelRef, since: Date, limit = 10_000): Promise<TranscriptEntry[]> {
    return this.byChannel.all(channelKey(channel), since.getTime(), limit).map(toEntry);
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    return this.olderThan.run(cutoff.getTime()).changes;
  }
}

function toEntry(row: Row): TranscriptEntry {
  return {
    id: row.id,
    thread: JSON.parse(row.thread_json) as ThreadRef,
    author: { id: row.author_id, name: row.author_name, isBot: row.author_is_bot === 1 },
    text: row.text,
    kind: row.kind as MessageKind | 'reply',
    direction: row.direction,
    at: new Date(row.at),
  };
}
